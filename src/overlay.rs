//! Everything drawn over the effect, in one place: the state ([`Overlays`]) and the one widget
//! that draws it ([`OverlayLayer`]).
//!
//! The overlays, bottom to top: the message ticker on the last line (`--ticker`; the effect
//! gets the rest of the screen, see [`Overlays::effect_area`]), the clock badge (`--clock`), the
//! config error marker while a broken config edit is on disk, a one-time hint (e.g. "keyboard
//! locked" at start), the paused badge and the key help.
//!
//! Against burn-in, the badges that would otherwise stand still for months (the clock, the
//! error marker, the paused badge) move a cell every [`DRIFT_PERIOD`] along [`DRIFT_PATH`],
//! from UTC time alone ([`drift_at`]), so every screen of a wall moves them together.
//!
//! Adding an overlay: a field in [`Overlays`] with a method to set it, its time-dependent part
//! (if any) in [`Overlays::advance`], and one draw function called from
//! [`OverlayLayer::render`] at the right layer. The live terminal, the recorder and SSH sessions
//! all draw through [`crate::screen::Screen`], so a new overlay shows up everywhere.

use std::time::Duration;

use jiff::civil::DateTime;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget};
use vitrine_effects::text;

use crate::show::Show;
use crate::spec::ShowSpec;

/// Dark badge colours that stay readable when reduced to 16 colours.
const BADGE: Style = Style::new()
    .fg(Color::Rgb(230, 230, 230))
    .bg(Color::Rgb(16, 16, 24));

/// Black on amber: a hint is meant to be noticed.
const HINT: Style = Style::new().fg(Color::Black).bg(Color::Rgb(255, 200, 0));

/// Ticker scroll speed in cells per second (halved with `--calm`).
const TICKER_SPEED: f64 = 8.0;

/// Separates messages in the ticker.
const TICKER_GAP: &str = "   •   ";

/// How long the fixed badges stay in one place.
pub const DRIFT_PERIOD: Duration = Duration::from_secs(180);

/// The cells the fixed badges visit, counted inwards from their corner (columns, rows): one
/// cell's move at each step, round and round.
const DRIFT_PATH: [(u16, u16); 4] = [(0, 0), (1, 0), (1, 1), (0, 1)];

/// Where the fixed badges stand at `since_epoch` (UTC time since the Unix epoch).
pub fn drift_at(since_epoch: Duration) -> (u16, u16) {
    let step = since_epoch.as_secs() / DRIFT_PERIOD.as_secs();
    DRIFT_PATH[(step % DRIFT_PATH.len() as u64) as usize]
}

/// What is drawn over the effect, for one screen (the local terminal, a recording or one SSH
/// viewer). Key presses, config reloads and the start-up code change it; [`advance`] moves its
/// time-dependent parts; [`layer`] draws it.
///
/// [`advance`]: Overlays::advance
/// [`layer`]: Overlays::layer
#[derive(Clone, Debug, Default)]
pub struct Overlays {
    /// The key help (`?`).
    help: bool,
    /// The clock badge (`--clock`).
    clock: bool,
    /// The message ticker (`--ticker`), `None` when off.
    ticker: Option<Ticker>,
    /// The last config error while a broken edit is on disk.
    config_error: Option<String>,
    /// A one-time hint and how much longer it shows.
    hint: Option<Hint>,
    /// How far the fixed badges stand in from their corners (see [`drift_at`]).
    drift: (u16, u16),
}

/// The scrolling line of the current item's messages.
#[derive(Clone, Debug, Default)]
struct Ticker {
    /// The messages joined on one line, each followed by [`TICKER_GAP`].
    text: String,
    /// How far the line has scrolled, in cells.
    offset: f64,
    /// The show's [`Show::item_serial`] the text was built for.
    serial: Option<u64>,
}

#[derive(Clone, Debug)]
struct Hint {
    text: String,
    left: Duration,
}

impl Overlays {
    /// The overlays `spec` asks for (clock, ticker); nothing else shows yet.
    pub fn new(spec: &ShowSpec) -> Self {
        let mut overlays = Self::default();
        overlays.configure(spec);
        overlays
    }

    /// Follows the switches of a (re)loaded spec; the ticker keeps its position if it stays on.
    pub fn configure(&mut self, spec: &ShowSpec) {
        self.clock = spec.clock;
        match (spec.ticker, &mut self.ticker) {
            (false, _) => self.ticker = None,
            (true, Some(ticker)) => ticker.serial = None,
            (true, None) => self.ticker = Some(Ticker::default()),
        }
    }

    pub fn toggle_help(&mut self) {
        self.help = !self.help;
    }

    /// Raises the config error marker (`Some`) or clears it once the config is good again.
    pub fn set_config_error(&mut self, error: Option<String>) {
        self.config_error = error;
    }

    /// The error behind the config error marker, if it is up.
    pub fn config_error(&self) -> Option<&str> {
        self.config_error.as_deref()
    }

    /// Shows `text` in a badge near the bottom for `duration` (replacing any earlier hint).
    pub fn show_hint(&mut self, text: impl Into<String>, duration: Duration) {
        self.hint = Some(Hint {
            text: text.into(),
            left: duration,
        });
    }

    /// The hint on screen, if any.
    #[cfg(test)]
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_ref().map(|h| h.text.as_str())
    }

    /// Lets `real` time pass for the overlays of `show`: scrolls the ticker (not while paused),
    /// counts down the hint and moves the fixed badges when their time comes. Returns whether
    /// anything drawn changed.
    pub fn advance(&mut self, real: Duration, show: &Show) -> bool {
        let drift = drift_at(
            jiff::Timestamp::now()
                .duration_since(jiff::Timestamp::UNIX_EPOCH)
                .unsigned_abs(),
        );
        let mut changed = self.set_drift(drift);
        if let Some(ticker) = &mut self.ticker {
            changed |= ticker.follow(show);
            if !show.paused() && !show.finished() {
                let speed = if show.item().context().calm {
                    TICKER_SPEED / 2.0
                } else {
                    TICKER_SPEED
                };
                ticker.offset += real.as_secs_f64() * speed;
                changed = true;
            }
        }
        if let Some(hint) = &mut self.hint {
            hint.left = hint.left.saturating_sub(real);
            if hint.left.is_zero() {
                self.hint = None;
                changed = true;
            }
        }
        changed
    }

    /// Moves the fixed badges to `drift` (see [`drift_at`]); returns whether they moved (a
    /// frame without any badge then simply encodes to nothing).
    pub fn set_drift(&mut self, drift: (u16, u16)) -> bool {
        std::mem::replace(&mut self.drift, drift) != drift
    }

    /// The area left for the effect: everything but the ticker line when the ticker shows.
    pub fn effect_area(&self, area: Rect) -> Rect {
        if self.ticker_row(area).is_some() {
            Rect {
                height: area.height - 1,
                ..area
            }
        } else {
            area
        }
    }

    /// The widget drawing these overlays over `show`'s frame, with the clock read now.
    pub fn layer<'a>(&'a self, show: &'a Show) -> OverlayLayer<'a> {
        let now = self.clock.then(|| jiff::ZonedDateTime::now().datetime());
        OverlayLayer {
            overlays: self,
            show,
            now,
        }
    }

    /// The bottom line, when the ticker is on and the screen has room for it and an effect.
    fn ticker_row(&self, area: Rect) -> Option<Rect> {
        (self.ticker.is_some() && area.height >= 3).then(|| Rect {
            y: area.bottom() - 1,
            height: 1,
            ..area
        })
    }
}

impl Ticker {
    /// Rebuilds the line when the show moved to another item or its messages changed. Returns
    /// whether it did.
    fn follow(&mut self, show: &Show) -> bool {
        let serial = show.item_serial();
        if self.serial == Some(serial) {
            return false;
        }
        self.serial = Some(serial);
        self.text.clear();
        for message in &show.item().messages {
            // Multi-line messages run on one line in the ticker.
            for (i, line) in message.lines().enumerate() {
                if i > 0 {
                    self.text.push(' ');
                }
                self.text.push_str(line);
            }
            self.text.push_str(TICKER_GAP);
        }
        true
    }
}

/// The overlays drawn over a frame (see [`Overlays::layer`]).
pub struct OverlayLayer<'a> {
    overlays: &'a Overlays,
    show: &'a Show,
    /// Local time for the clock badge (`None`: no clock).
    now: Option<DateTime>,
}

impl Widget for OverlayLayer<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        let overlays = self.overlays;
        if let (Some(row), Some(ticker)) = (overlays.ticker_row(area), &overlays.ticker) {
            draw_ticker(row, buf, &ticker.text, ticker.offset);
        }
        let drift = overlays.drift;
        if let Some(now) = self.now {
            draw_clock(area, buf, now, drift);
        }
        if overlays.config_error.is_some() {
            draw_error_marker(area, buf, drift);
        }
        if let Some(hint) = &overlays.hint {
            draw_hint(overlays.effect_area(area), buf, &hint.text);
        }
        if self.show.paused() {
            draw_paused_badge(area, buf, drift);
        }
        if overlays.help {
            draw_help(area, buf, self.show.current_name());
        }
    }
}

/// `line` scrolled left by `offset` cells, repeating. Wide glyphs at the left edge are left
/// out whole rather than cut in half ([`text::draw_line`] only draws glyphs that fit).
fn draw_ticker(row: Rect, buf: &mut Buffer, line: &str, offset: f64) {
    for pos in row.positions() {
        buf[pos].reset();
        buf[pos].set_style(BADGE);
    }
    let cycle = text::width(line);
    if cycle == 0 {
        return;
    }
    let shift = (offset.max(0.0) as usize % cycle) as i32;
    let mut x = i32::from(row.x) - shift;
    while x < i32::from(row.right()) {
        text::draw_line(buf, row, x, row.y, line, |_, _| BADGE);
        x += cycle as i32;
    }
}

/// Where a badge `width` cells wide stands near the top-left (`Corner::Left`) or top-right
/// corner of `area`, moved in by `drift` where the screen has room for that.
fn badge_at(area: Rect, width: u16, corner: Corner, drift: (u16, u16)) -> (i32, u16) {
    let dx = drift.0.min(area.width.saturating_sub(width + 2));
    let dy = drift.1.min(area.height.saturating_sub(2));
    let x = match corner {
        Corner::Left => area.x + dx,
        Corner::Right => area.right().saturating_sub(width + dx),
    };
    (i32::from(x), area.y + dy)
}

#[derive(Clone, Copy)]
enum Corner {
    Left,
    Right,
}

/// Local time (and the date when there is room) in the top-right corner.
fn draw_clock(area: Rect, buf: &mut Buffer, now: DateTime, drift: (u16, u16)) {
    let long = now.strftime(" %H:%M  %a %d %b ").to_string();
    let short = now.strftime(" %H:%M ").to_string();
    let label = [long, short]
        .into_iter()
        .find(|l| text::width(l) + 2 <= usize::from(area.width));
    let Some(label) = label.filter(|_| area.height >= 2) else {
        return;
    };
    let (x, y) = badge_at(area, text::width(&label) as u16, Corner::Right, drift);
    text::draw_line(buf, area, x, y, &label, |_, _| {
        BADGE.add_modifier(Modifier::BOLD)
    });
}

/// A small red `!` in the top-left corner, with "config error" when there is room.
fn draw_error_marker(area: Rect, buf: &mut Buffer, drift: (u16, u16)) {
    if area.width < 3 || area.height < 1 {
        return;
    }
    let bang = Style::new()
        .fg(Color::Rgb(255, 255, 255))
        .bg(Color::Rgb(200, 0, 0))
        .add_modifier(Modifier::BOLD);
    let label = " config error (see log) ";
    let wide = area.width >= 40;
    let width = if wide {
        3 + text::width(label) as u16
    } else {
        3
    };
    let (x, y) = badge_at(area, width, Corner::Left, drift);
    text::draw_line(buf, area, x, y, " ! ", |_, _| bang);
    if wide {
        text::draw_line(buf, area, x + 3, y, label, |_, _| BADGE);
    }
}

/// The hint centred on the last line of `area` (above the ticker). Too wide for the screen,
/// it shows its last sentence (hints put the action last: "... Quit with Ctrl-Alt-Q"), cut to
/// the width if even that does not fit.
fn draw_hint(area: Rect, buf: &mut Buffer, hint: &str) {
    if area.width < 3 || area.height < 2 {
        return;
    }
    let fits = |t: &str| text::width(t) + 2 <= usize::from(area.width);
    let shown = match hint.rfind(". ") {
        Some(end) if !fits(hint) => &hint[end + 2..],
        _ => hint,
    };
    // One blank of padding on each side.
    let width = (text::width(shown) + 2).min(usize::from(area.width)) as u16;
    let x = area.x + (area.width - width) / 2;
    let row = Rect::new(x, area.bottom() - 1, width, 1);
    for pos in row.positions() {
        buf[pos].reset();
        buf[pos].set_style(HINT);
    }
    let inside = Rect {
        width: width.saturating_sub(1),
        ..row
    };
    text::draw_line(buf, inside, i32::from(x) + 1, row.y, shown, |_, _| HINT);
}

fn draw_paused_badge(area: Rect, buf: &mut Buffer, drift: (u16, u16)) {
    let text = " ❚❚ paused ";
    if area.width < 12 || area.height < 2 {
        return;
    }
    let style = Style::new().fg(Color::Black).bg(Color::Gray);
    // One column spare on the right, as before the drift.
    let (x, y) = badge_at(area, 12, Corner::Right, drift);
    buf.set_string(x as u16, y, text, style);
}

fn draw_help(area: Rect, buf: &mut Buffer, effect: &str) {
    let lines = [
        Line::from(format!("now showing: {effect}")).style(Modifier::BOLD),
        Line::from(""),
        Line::from("q Esc Ctrl-C  quit"),
        Line::from("space         pause / resume"),
        Line::from("n →           next effect"),
        Line::from("p ←           previous effect"),
        Line::from("?             close this help"),
        Line::from("other keys    poke the effect"),
    ];
    let [popup] = Layout::horizontal([Constraint::Length(36)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::vertical([Constraint::Length(lines.len() as u16 + 2)])
        .flex(Flex::Center)
        .areas(popup);
    Clear.render(popup, buf);
    Paragraph::new(lines.to_vec())
        .block(Block::bordered().title(" vitrine "))
        .style(Style::new().fg(Color::White).bg(Color::Black))
        .render(popup, buf);
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::show::tests::spec;

    fn row_text(buf: &Buffer, y: u16) -> String {
        let mut out = String::new();
        let mut x = buf.area.x;
        while x < buf.area.right() {
            let symbol = buf[(x, y)].symbol();
            out.push_str(symbol);
            x += text::width(symbol).max(1) as u16;
        }
        out
    }

    /// `overlays` drawn over a blank `area` of `show`, with the clock at `now`.
    fn draw(overlays: &Overlays, show: &Show, area: Rect, now: Option<DateTime>) -> Buffer {
        let mut buf = Buffer::empty(area);
        OverlayLayer {
            overlays,
            show,
            now,
        }
        .render(area, &mut buf);
        buf
    }

    #[test]
    fn clock_badge_in_the_top_right_corner() {
        let mut s = spec(&["glitch"]);
        s.clock = true;
        let show = Show::new(s.clone()).unwrap();
        let overlays = Overlays::new(&s);
        let buf = draw(
            &overlays,
            &show,
            Rect::new(0, 0, 40, 5),
            Some(date(2025, 3, 14).at(16, 5, 0, 0)),
        );
        assert!(
            row_text(&buf, 0).ends_with(" 16:05  Fri 14 Mar "),
            "{:?}",
            row_text(&buf, 0)
        );
        // Narrow: time only; tiny: nothing.
        let buf = draw(
            &overlays,
            &show,
            Rect::new(0, 0, 12, 5),
            Some(date(2025, 3, 14).at(9, 0, 0, 0)),
        );
        assert_eq!(row_text(&buf, 0), "      09:00 ");
        // The layer reads the clock only when the clock is on.
        assert!(overlays.layer(&show).now.is_some());
        assert!(Overlays::new(&spec(&["glitch"])).layer(&show).now.is_none());
    }

    /// Against burn-in the fixed badges move one cell at a time, every few minutes, from UTC
    /// time alone, and come back round; on a screen too small to move they stay put.
    #[test]
    fn fixed_badges_drift_a_cell_every_few_minutes() {
        let period = DRIFT_PERIOD.as_secs();
        let steps: Vec<(u16, u16)> = (0..=DRIFT_PATH.len() as u64)
            .map(|n| {
                drift_at(Duration::from_secs(
                    1_800_000_000 / period * period + n * period,
                ))
            })
            .collect();
        assert_eq!(steps[0], steps[DRIFT_PATH.len()], "round and round");
        for pair in steps.windows(2) {
            let moved = pair[0].0.abs_diff(pair[1].0) + pair[0].1.abs_diff(pair[1].1);
            assert_eq!(moved, 1, "one cell at a time: {steps:?}");
        }
        assert_eq!(
            drift_at(Duration::from_secs(period - 1)),
            drift_at(Duration::ZERO),
            "still within a period"
        );

        let mut s = spec(&["glitch"]);
        s.clock = true;
        let mut show = Show::new(s.clone()).unwrap();
        show.toggle_pause();
        let mut overlays = Overlays::new(&s);
        overlays.set_config_error(Some("bad".into()));
        let area = Rect::new(0, 0, 50, 6);
        let noon = Some(date(2025, 3, 14).at(12, 0, 0, 0));
        assert!(!overlays.set_drift((0, 0)));
        let still = draw(&overlays, &show, area, noon);
        assert!(overlays.set_drift((1, 1)), "a move is a change to draw");
        let moved = draw(&overlays, &show, area, noon);
        // Each badge is where it was, one column in from its corner and one row down.
        for y in 0..area.height - 1 {
            let (before, after) = (row_text(&still, y), row_text(&moved, y + 1));
            let before: Vec<char> = before.chars().collect();
            let after: Vec<char> = after.chars().collect();
            // The right-hand badges move left, the left-hand marker right.
            assert_eq!(
                after[1..28],
                before[..27],
                "row {y}: {before:?} / {after:?}"
            );
            assert_eq!(
                after[28..49],
                before[29..50],
                "row {y}: {before:?} / {after:?}"
            );
        }
        assert!(row_text(&moved, 0).trim().is_empty(), "the top row is free");
        // Too small to move: the badge keeps its corner.
        let tiny = Rect::new(0, 0, 12, 2);
        assert_eq!(
            row_text(&draw(&overlays, &show, tiny, None), 0),
            " ❚❚ paused  "
        );
    }

    #[test]
    fn ticker_scrolls_on_the_bottom_line_without_splitting_wide_glyphs() {
        let mut s = spec(&["glitch"]);
        s.ticker = true;
        s.items[0].messages = vec!["환영 Hi".into()];
        let mut show = Show::new(s.clone()).unwrap();
        let mut overlays = Overlays::new(&s);
        let area = Rect::new(0, 0, 30, 6);
        assert_eq!(overlays.effect_area(area), Rect::new(0, 0, 30, 5));
        assert!(overlays.advance(Duration::ZERO, &show));
        let buf = draw(&overlays, &show, area, None);
        assert_eq!(row_text(&buf, 5), "환영 Hi   •   환영 Hi   •   환");
        // One cell on: the first glyph would be cut, so its place stays blank.
        let step = Duration::from_millis(125);
        show.advance(step);
        overlays.advance(step, &show);
        let buf = draw(&overlays, &show, area, None);
        assert_eq!(row_text(&buf, 5), " 영 Hi   •   환영 Hi   •   환 ");
        // Paused: the ticker stands still.
        show.toggle_pause();
        assert!(!overlays.advance(step, &show));
        assert_eq!(
            row_text(&draw(&overlays, &show, area, None), 5),
            row_text(&buf, 5)
        );
        // Too small for a ticker: the effect keeps the whole area.
        assert_eq!(
            overlays.effect_area(Rect::new(0, 0, 30, 2)),
            Rect::new(0, 0, 30, 2)
        );
        // Switched off by a reload: gone, and the effect gets the whole screen.
        overlays.configure(&spec(&["glitch"]));
        assert_eq!(overlays.effect_area(area), area);
    }

    #[test]
    fn ticker_follows_the_item_on_screen_and_its_messages() {
        let mut s = spec(&["glitch", "defrag"]);
        s.ticker = true;
        s.items[1].messages = vec!["Only".into()];
        let mut show = Show::new(s.clone()).unwrap();
        let mut overlays = Overlays::new(&s);
        overlays.advance(Duration::ZERO, &show);
        let text = |o: &Overlays| o.ticker.as_ref().unwrap().text.clone();
        assert_eq!(text(&overlays), format!("One{TICKER_GAP}Two{TICKER_GAP}"));
        show.next();
        overlays.advance(Duration::ZERO, &show);
        assert_eq!(text(&overlays), format!("Only{TICKER_GAP}"));
        // A reload that keeps the effect but changes its messages.
        s.items[1].messages = vec!["Line one\nline two".into()];
        show.reload(s).unwrap();
        overlays.advance(Duration::ZERO, &show);
        assert_eq!(text(&overlays), format!("Line one line two{TICKER_GAP}"));
    }

    #[test]
    fn config_error_marker_only_while_broken() {
        let show = Show::new(spec(&["glitch"])).unwrap();
        let mut overlays = Overlays::new(show.spec());
        let area = Rect::new(0, 0, 50, 4);
        let buf = draw(&overlays, &show, area, None);
        assert!(!row_text(&buf, 0).contains('!'));
        overlays.set_config_error(Some("bad".into()));
        let buf = draw(&overlays, &show, area, None);
        assert!(row_text(&buf, 0).starts_with(" !  config error"));
        assert_eq!(buf[(1, 0)].bg, Color::Rgb(200, 0, 0));
        overlays.set_config_error(None);
        assert_eq!(draw(&overlays, &show, area, None), Buffer::empty(area));
    }

    #[test]
    fn hint_shows_for_its_time_then_goes() {
        let mut s = spec(&["glitch"]);
        s.ticker = true;
        let show = Show::new(s.clone()).unwrap();
        let mut overlays = Overlays::new(&s);
        let hint = "키보드 잠김. Quit with Ctrl-Alt-Q";
        overlays.show_hint(hint, Duration::from_secs(5));
        let area = Rect::new(0, 0, 50, 8);
        let buf = draw(&overlays, &show, area, None);
        // Centred on the line above the ticker.
        assert_eq!(row_text(&buf, 6).trim(), hint);
        assert_eq!(buf[(25, 6)].bg, HINT.bg.unwrap());
        // Narrower: the last sentence; narrower still: cut to the width, never wider.
        let narrow = draw(&overlays, &show, Rect::new(0, 0, 24, 8), None);
        assert_eq!(row_text(&narrow, 6), "  Quit with Ctrl-Alt-Q  ");
        let tiny = draw(&overlays, &show, Rect::new(0, 0, 10, 8), None);
        assert_eq!(row_text(&tiny, 6), " Quit wit ");
        overlays.show_hint("키보드 잠김 (locked)", Duration::from_secs(5));
        let tiny = draw(&overlays, &show, Rect::new(0, 0, 10, 8), None);
        assert_eq!(
            row_text(&tiny, 6),
            " 키보드   ",
            "a wide glyph is left out whole"
        );
        // A tiny screen: nothing, and no panic.
        draw(&overlays, &show, Rect::new(0, 0, 2, 1), None);
        overlays.advance(Duration::from_secs(4), &show);
        assert_eq!(overlays.hint(), Some("키보드 잠김 (locked)"));
        // Its end is a change to draw even when nothing else moves.
        overlays.ticker = None;
        assert!(overlays.advance(Duration::from_secs(1), &show));
        assert_eq!(overlays.hint(), None);
        let buf = draw(&overlays, &show, area, None);
        assert!(row_text(&buf, 6).trim().is_empty());
    }

    #[test]
    fn help_and_paused_badge_draw_over_everything() {
        let mut s = spec(&["glitch"]);
        s.ticker = true;
        let mut show = Show::new(s.clone()).unwrap();
        let mut overlays = Overlays::new(&s);
        overlays.toggle_help();
        show.toggle_pause();
        let area = Rect::new(0, 0, 60, 14);
        let buf = draw(&overlays, &show, area, None);
        let screen: Vec<String> = (0..area.height).map(|y| row_text(&buf, y)).collect();
        assert!(screen[0].ends_with("❚❚ paused  "), "{screen:#?}");
        assert!(
            screen.iter().any(|l| l.contains("now showing: glitch")),
            "{screen:#?}"
        );
        overlays.toggle_help();
        let buf = draw(&overlays, &show, area, None);
        assert!((0..area.height).all(|y| !row_text(&buf, y).contains("now showing")));
    }

    #[test]
    fn overlays_draw_at_any_size() {
        let mut s = spec(&["glitch"]);
        s.ticker = true;
        s.clock = true;
        let mut show = Show::new(s.clone()).unwrap();
        show.toggle_pause();
        let mut overlays = Overlays::new(&s);
        overlays.toggle_help();
        overlays.set_config_error(Some("bad".into()));
        overlays.show_hint("hint", Duration::from_secs(1));
        for (w, h) in [(0, 0), (1, 1), (2, 1), (3, 3), (12, 2), (40, 3), (300, 100)] {
            let area = Rect::new(0, 0, w, h);
            draw(
                &overlays,
                &show,
                area,
                Some(date(2025, 1, 1).at(0, 0, 0, 0)),
            );
            // An area bigger than the buffer is clipped.
            let mut small = Buffer::empty(Rect::new(0, 0, w / 2, h / 2));
            overlays.layer(&show).render(area, &mut small);
        }
    }
}

//! Drawing a show onto any ratatui terminal: the one render path shared by the live terminal,
//! the recorder and remote sessions. Only cells that look different are written, in as few
//! bytes as [`Encoder`] can manage, and an unchanged frame writes nothing. Each frame is wrapped
//! in synchronized output (DEC mode 2026) so terminals that support it never show a half-drawn
//! frame; others ignore it. The last step of every frame reduces its colours to what the
//! terminal shows ([`ColorMapper`]).

use std::io::{self, Write};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget};
use vitrine_effects::depth::{ColorDepth, ColorMapper};

use crate::encode::Encoder;
use crate::keymap::{Action, Chord};
use crate::overlay;
use crate::show::Show;

/// What is drawn over the effect.
#[derive(Clone, Copy, Debug, Default)]
pub struct Overlays {
    pub help: bool,
    /// A locked kiosk says once, on start, how to quit (every other key is ignored).
    pub lock_hint: Option<Chord>,
}

/// Carries out a key `action` (any but `Quit`) on `show` and `overlays`; shared by the local
/// loop and SSH sessions. Returns whether the screen needs redrawing.
pub fn apply(action: Action, show: &mut Show, overlays: &mut Overlays) -> bool {
    match action {
        Action::TogglePause => show.toggle_pause(),
        Action::Next => show.next(),
        Action::Previous => show.previous(),
        Action::ToggleHelp => overlays.help = !overlays.help,
        Action::Poke => show.poke(),
        Action::Quit | Action::Ignore => return false,
    }
    true
}

/// Begin and end synchronized output (DEC mode 2026).
const BEGIN_FRAME: &[u8] = b"\x1b[?2026h";
const END_FRAME: &[u8] = b"\x1b[?2026l";

/// A terminal (local, recorded or remote) plus what it currently shows.
///
/// Each frame is composed into a scratch buffer first; when it looks the same as what the
/// terminal already shows, nothing at all is written (a paused or static screen costs no bytes).
/// Otherwise [`Encoder`] writes the difference inside one synchronized update. The ratatui
/// terminal is kept for its size tracking and clearing; its own buffers and diff are not used.
pub struct Screen<W: Write> {
    terminal: Terminal<CrosstermBackend<W>>,
    colors: ColorMapper,
    encoder: Encoder,
    frame: Buffer,
    shown: Buffer,
    /// The bytes of the frame being written, reused.
    out: Vec<u8>,
}

impl<W: Write> Screen<W> {
    /// Wraps `terminal`, mapping every frame to colour `depth`.
    pub fn new(terminal: Terminal<CrosstermBackend<W>>, depth: ColorDepth) -> Self {
        Self {
            terminal,
            colors: ColorMapper::new(depth),
            encoder: Encoder::new(),
            frame: Buffer::empty(Rect::ZERO),
            shown: Buffer::empty(Rect::ZERO),
            out: Vec::new(),
        }
    }

    /// The terminal, e.g. to resize a fixed viewport or reach the backend's writer.
    pub fn terminal_mut(&mut self) -> &mut Terminal<CrosstermBackend<W>> {
        &mut self.terminal
    }

    /// Replaces the terminal (a remote client's new size) and forgets what was shown, so the
    /// next frame is drawn in full; the caller clears the client's screen.
    pub fn set_terminal(&mut self, terminal: Terminal<CrosstermBackend<W>>) {
        self.terminal = terminal;
        self.shown = Buffer::empty(Rect::ZERO);
        self.encoder.forget_cursor();
    }

    /// Forgets what the terminal shows, so the next frame is drawn in full on a cleared screen
    /// (after a resize the terminal may have reflowed or dropped its contents).
    /// Maps frames to `depth` from now on (a config reload changed `--color`); the whole
    /// screen is drawn again in the new colours.
    pub fn set_depth(&mut self, depth: ColorDepth) -> io::Result<()> {
        self.colors = ColorMapper::new(depth);
        self.invalidate()
    }

    pub fn invalidate(&mut self) -> io::Result<()> {
        self.shown = Buffer::empty(Rect::ZERO);
        self.encoder.forget_cursor();
        // `resize` clears without `clear`'s cursor-position query, which costs a round trip
        // (and fails on a terminal that never answers).
        self.terminal.autoresize()?;
        let area = self.terminal.get_frame().area();
        self.terminal.resize(area)
    }

    /// Draws one frame of `show` and the overlays, maps it to the colour depth, and writes the
    /// cells that changed. Returns whether anything was written.
    pub fn draw(&mut self, show: &mut Show, overlays: Overlays) -> io::Result<bool> {
        // Follows the terminal's size (fullscreen viewports); a size change clears the screen and
        // resets ratatui's idea of what is shown, so everything is redrawn.
        self.terminal.autoresize()?;
        let area = self.terminal.get_frame().area();
        compose(&mut self.frame, area, show, overlays);
        self.colors.apply(&mut self.frame, area);
        self.write_frame(area)
    }

    /// Writes what changed from what the terminal shows to `self.frame`, then remembers it.
    fn write_frame(&mut self, area: Rect) -> io::Result<bool> {
        // A new size means the terminal was cleared (and may have moved the cursor): draw all.
        let shown = if self.shown.area == area {
            Some(&self.shown)
        } else {
            self.encoder.forget_cursor();
            None
        };
        self.out.clear();
        self.encoder.encode(shown, &self.frame, &mut self.out);
        // Whatever differs invisibly (a blank's foreground) may as well be remembered.
        std::mem::swap(&mut self.frame, &mut self.shown);
        if self.out.is_empty() {
            return Ok(false);
        }
        let backend = self.terminal.backend_mut();
        backend.write_all(BEGIN_FRAME)?;
        backend.write_all(&self.out)?;
        backend.write_all(END_FRAME)?;
        backend.flush()?;
        Ok(true)
    }

    /// Turns the whole screen black (for dark hours): after this, drawing nothing keeps it so.
    pub fn draw_dark(&mut self) -> io::Result<bool> {
        self.terminal.autoresize()?;
        let area = self.terminal.get_frame().area();
        if self.frame.area != area {
            self.frame.resize(area);
        }
        self.frame.reset();
        let black = Style::new().bg(Color::Black).fg(Color::Black);
        self.frame.set_style(area, black);
        self.colors.apply(&mut self.frame, area);
        self.write_frame(area)
    }

    /// The bytes of the last frame [`Screen::draw`] wrote (empty if it wrote nothing), without
    /// the synchronized-output brackets.
    pub fn last_frame(&self) -> &[u8] {
        &self.out
    }

    /// The size of what the terminal shows, in cells.
    pub fn size(&self) -> (u16, u16) {
        (self.shown.area.width, self.shown.area.height)
    }

    /// Appends a full repaint of what the terminal shows (clear, then every cell) for another
    /// terminal joining late, and returns its size. The terminal's own encoder forgets its
    /// cursor and pen, so the frames after it apply to both terminals alike.
    pub fn repaint(&mut self, out: &mut Vec<u8>) -> (u16, u16) {
        out.extend_from_slice(b"\x1b[0m\x1b[?25l\x1b[H\x1b[2J");
        Encoder::new().encode(None, &self.shown, out);
        self.encoder.forget();
        self.size()
    }

    /// Renders the current frame into a plain buffer (for `record --format text`).
    pub fn snapshot(&mut self, show: &mut Show, area: Rect) -> Buffer {
        let mut buf = Buffer::empty(area);
        compose(&mut buf, area, show, Overlays::default());
        self.colors.apply(&mut buf, area);
        buf
    }
}

/// The effect plus overlays, into `buf` resized to `area`.
fn compose(buf: &mut Buffer, area: Rect, show: &mut Show, overlays: Overlays) {
    if buf.area != area {
        buf.resize(area);
    }
    buf.reset();
    show.render(overlay::effect_area(show, area), buf);
    overlay::draw(show, area, buf);
    if show.paused() {
        paused_badge(area, buf);
    }
    if overlays.help {
        help(area, buf, show.current_name());
    }
    if let Some(chord) = overlays.lock_hint {
        lock_hint(area, buf, chord);
    }
}

/// One line at the bottom: the keyboard is locked, and the chord that quits.
fn lock_hint(area: Rect, buf: &mut Buffer, chord: Chord) {
    let long = format!(" Locked: keys are ignored. Quit with {chord} ");
    let short = format!(" Quit: {chord} ");
    let Some(text) = [long, short]
        .into_iter()
        .find(|t| vitrine_effects::text::width(t) <= usize::from(area.width))
    else {
        return;
    };
    if area.height < 2 {
        return;
    }
    let width = vitrine_effects::text::width(&text) as u16;
    let x = area.x + (area.width - width) / 2;
    let y = area.bottom() - 2;
    let style = Style::new().fg(Color::Black).bg(Color::Rgb(255, 200, 0));
    buf.set_string(x, y, &text, style);
}

fn paused_badge(area: Rect, buf: &mut Buffer) {
    let text = " ❚❚ paused ";
    if area.width < 12 || area.height < 2 {
        return;
    }
    let style = Style::new().fg(Color::Black).bg(Color::Gray);
    buf.set_string(area.right() - 12, area.y, text, style);
}

fn help(area: Rect, buf: &mut Buffer, effect: &str) {
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

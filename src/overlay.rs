//! Kiosk overlays drawn over the effect: the clock badge (`--clock`), the message ticker
//! (`--ticker`) and the config error marker shown while a broken config edit is on disk.

use jiff::civil::DateTime;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use vitrine_effects::text;

use crate::show::Show;

/// Dark badge colours that stay readable when reduced to 16 colours.
const BADGE: Style = Style::new()
    .fg(Color::Rgb(230, 230, 230))
    .bg(Color::Rgb(16, 16, 24));

/// The area left for the effect: everything but the ticker line when the ticker is on.
pub fn effect_area(show: &Show, area: Rect) -> Rect {
    if ticker_row(show, area).is_some() {
        Rect {
            height: area.height - 1,
            ..area
        }
    } else {
        area
    }
}

/// Draws the overlays `show` asks for over the frame.
pub fn draw(show: &Show, area: Rect, buf: &mut Buffer) {
    let now = show
        .spec()
        .clock
        .then(|| jiff::ZonedDateTime::now().datetime());
    draw_at(show, area, buf, now);
}

/// [`draw`] with the clock time given (`None`: no clock).
fn draw_at(show: &Show, area: Rect, buf: &mut Buffer, now: Option<DateTime>) {
    let area = area.intersection(buf.area);
    if let Some(row) = ticker_row(show, area) {
        let (line, offset) = show.ticker();
        ticker(row, buf, line, offset);
    }
    if let Some(now) = now {
        clock(area, buf, now);
    }
    if show.config_error().is_some() {
        error_marker(area, buf);
    }
}

/// The bottom line, when the ticker is on and the screen has room for it and an effect.
fn ticker_row(show: &Show, area: Rect) -> Option<Rect> {
    (show.spec().ticker && area.height >= 3).then(|| Rect {
        y: area.bottom() - 1,
        height: 1,
        ..area
    })
}

/// `line` scrolled left by `offset` cells, repeating. Wide glyphs at the left edge are left
/// out whole rather than cut in half ([`text::draw_line`] only draws glyphs that fit).
fn ticker(row: Rect, buf: &mut Buffer, line: &str, offset: f64) {
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

/// Local time (and the date when there is room) in the top-right corner.
fn clock(area: Rect, buf: &mut Buffer, now: DateTime) {
    let long = now.strftime(" %H:%M  %a %d %b ").to_string();
    let short = now.strftime(" %H:%M ").to_string();
    let label = [long, short]
        .into_iter()
        .find(|l| text::width(l) + 2 <= usize::from(area.width));
    let Some(label) = label.filter(|_| area.height >= 2) else {
        return;
    };
    let x = area.right() - text::width(&label) as u16;
    text::draw_line(buf, area, i32::from(x), area.y, &label, |_, _| {
        BADGE.add_modifier(Modifier::BOLD)
    });
}

/// A small red `!` in the top-left corner, with "config error" when there is room.
fn error_marker(area: Rect, buf: &mut Buffer) {
    if area.width < 3 || area.height < 1 {
        return;
    }
    let bang = Style::new()
        .fg(Color::Rgb(255, 255, 255))
        .bg(Color::Rgb(200, 0, 0))
        .add_modifier(Modifier::BOLD);
    text::draw_line(buf, area, i32::from(area.x), area.y, " ! ", |_, _| bang);
    if area.width >= 40 {
        text::draw_line(
            buf,
            area,
            i32::from(area.x) + 3,
            area.y,
            " config error (see log) ",
            |_, _| BADGE,
        );
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

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

    #[test]
    fn clock_badge_in_the_top_right_corner() {
        let mut s = spec(&["glitch"]);
        s.clock = true;
        let show = Show::new(s).unwrap();
        let area = Rect::new(0, 0, 40, 5);
        let mut buf = Buffer::empty(area);
        draw_at(
            &show,
            area,
            &mut buf,
            Some(date(2025, 3, 14).at(16, 5, 0, 0)),
        );
        assert!(
            row_text(&buf, 0).ends_with(" 16:05  Fri 14 Mar "),
            "{:?}",
            row_text(&buf, 0)
        );
        // Narrow: time only; tiny: nothing.
        let area = Rect::new(0, 0, 12, 5);
        let mut buf = Buffer::empty(area);
        draw_at(
            &show,
            area,
            &mut buf,
            Some(date(2025, 3, 14).at(9, 0, 0, 0)),
        );
        assert_eq!(row_text(&buf, 0), "      09:00 ");
    }

    #[test]
    fn ticker_scrolls_on_the_bottom_line_without_splitting_wide_glyphs() {
        let mut s = spec(&["glitch"]);
        s.ticker = true;
        s.items[0].messages = vec!["환영 Hi".into()];
        let mut show = Show::new(s).unwrap();
        let area = Rect::new(0, 0, 30, 6);
        assert_eq!(effect_area(&show, area), Rect::new(0, 0, 30, 5));
        let mut buf = Buffer::empty(area);
        draw_at(&show, area, &mut buf, None);
        assert_eq!(row_text(&buf, 5), "환영 Hi   •   환영 Hi   •   환");
        // One cell on: the first glyph would be cut, so its place stays blank.
        show.advance(Duration::from_millis(125));
        let mut buf = Buffer::empty(area);
        draw_at(&show, area, &mut buf, None);
        assert_eq!(row_text(&buf, 5), " 영 Hi   •   환영 Hi   •   환 ");
        // Too small for a ticker: the effect keeps the whole area.
        assert_eq!(
            effect_area(&show, Rect::new(0, 0, 30, 2)),
            Rect::new(0, 0, 30, 2)
        );
    }

    #[test]
    fn config_error_marker_only_while_broken() {
        let mut show = Show::new(spec(&["glitch"])).unwrap();
        let area = Rect::new(0, 0, 50, 4);
        let mut buf = Buffer::empty(area);
        draw_at(&show, area, &mut buf, None);
        assert!(!row_text(&buf, 0).contains('!'));
        show.set_config_error(Some("bad".into()));
        draw_at(&show, area, &mut buf, None);
        assert!(row_text(&buf, 0).starts_with(" !  config error"));
        assert_eq!(buf[(1, 0)].bg, Color::Rgb(200, 0, 0));
    }
}

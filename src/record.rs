//! Headless recording: the show drawn through the same render path into memory, written as an
//! asciicast v2 file (plays in asciinema) or as the final frame in plain text.

use std::io::Write;
use std::time::Duration;

use anyhow::Result;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use vitrine_effects::depth::{ColorDepth, ColorMapper, Dither};
use vitrine_effects::text;

use crate::cli::RecordFormat;
use crate::overlay::Overlays;
use crate::screen::{Screen, compose};
use crate::show::Show;

/// What a recording starts with: clear the screen, hide the cursor (like the live showcase).
pub const CAST_START: &str = "\x1b[2J\x1b[?25l";

/// Records `seconds` of `show` at `fps` on a `width`×`height` screen, frames mapped with
/// `colors`, into `out`.
pub fn record(
    mut show: Show,
    (width, height): (u16, u16),
    seconds: f64,
    fps: u32,
    colors: ColorMapper,
    format: RecordFormat,
    out: &mut dyn Write,
) -> Result<()> {
    let mut screen = Screen::new(Vec::new(), (width, height), colors);
    let mut overlays = Overlays::new(show.spec());
    let frame = Duration::from_secs(1) / fps;
    let frames = (seconds * f64::from(fps)).round().max(1.0) as u64;
    let mut time = 0.0;
    if !show.in_step() {
        // A synchronised show learns the screen's size, then catches up before the first frame.
        let area = Rect::new(0, 0, width, height);
        compose(&mut Buffer::empty(area), area, &mut show, &overlays);
        show.catch_up();
    }

    if format == RecordFormat::Cast {
        let header = serde_json::json!({
            "version": 2,
            "width": width,
            "height": height,
            "env": { "TERM": "xterm-256color" },
            "title": format!("vitrine {}", show.current_name()),
        });
        writeln!(out, "{header}")?;
        writeln!(out, "{}", serde_json::json!([0.0, "o", CAST_START]))?;
    }
    for i in 0..frames {
        show.advance(frame);
        overlays.advance(frame, &show);
        if show.finished() {
            break;
        }
        screen.draw(&mut show, &overlays)?;
        let bytes = std::mem::take(screen.writer_mut());
        time = (i as f64 * frame.as_secs_f64() * 1e6).round() / 1e6;
        if format == RecordFormat::Cast && !bytes.is_empty() {
            let data = String::from_utf8_lossy(&bytes);
            writeln!(out, "{}", serde_json::json!([time, "o", data]))?;
        }
    }
    match format {
        RecordFormat::Cast => {
            writeln!(out, "{}", serde_json::json!([time, "o", cast_end(height)]))?;
        }
        RecordFormat::Text => {
            let area = Rect::new(0, 0, width, height);
            let mut frame = Buffer::empty(area);
            compose(&mut frame, area, &mut show, &overlays);
            for line in plain_text(&frame) {
                writeln!(out, "{line}")?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// What a recording ends with, so the viewer's terminal is left as `asciinema play` found it:
/// default colours and attributes, the cursor shown again and below the picture (the frames
/// leave it anywhere), so a prompt does not land inside it.
fn cast_end(height: u16) -> String {
    format!("\x1b[0m\x1b[{};1H\r\n\x1b[?25h", height.max(1))
}

/// The frame as plain text, one line per row without trailing blanks: the characters of its
/// text, and its pictures as the shapes a monochrome terminal shows.
///
/// Half-block pixels (`▀ ▄ █`, and blanks whose background is a pixel colour) become `▀ ▄ █`
/// or blank by brightness, as `--color mono --dither none` draws them (so a picture reads as
/// its shape instead of rows of `▀`, without shade glyphs for in-between tones). A blank that is the background of text (it shares its
/// background colour with a glyph in an unbroken run of the row, like a menu bar or a label)
/// stays blank, even when that background is light.
pub fn plain_text(frame: &Buffer) -> Vec<String> {
    let area = frame.area;
    let mut mono = frame.clone();
    ColorMapper::new(ColorDepth::Mono, Dither::None).apply(&mut mono, area);
    let width = usize::from(area.width);
    let mut lines = Vec::with_capacity(usize::from(area.height));
    for row in 0..usize::from(area.height) {
        let cells = &frame.content[row * width..(row + 1) * width];
        let shapes = &mono.content[row * width..(row + 1) * width];
        let mut line = String::new();
        let mut run_start = 0;
        while run_start < width {
            let background = shown_background(&cells[run_start]);
            let run_end = (run_start..width)
                .find(|&x| shown_background(&cells[x]) != background)
                .unwrap_or(width);
            let run = run_start..run_end;
            let labelled = cells[run.clone()].iter().any(|c| !is_pixel(c.symbol()));
            let mut skip = 0;
            for x in run {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let symbol = if labelled && cells[x].symbol() == " " {
                    " "
                } else {
                    shapes[x].symbol()
                };
                skip = usize::from(text::cell_width(symbol)).saturating_sub(1);
                line.push_str(symbol);
            }
            run_start = run_end;
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Whether `symbol` is one of the glyphs pictures are drawn with.
fn is_pixel(symbol: &str) -> bool {
    matches!(symbol, " " | "▀" | "▄" | "█")
}

/// The background colour a cell shows (its foreground when reversed).
fn shown_background(cell: &ratatui::buffer::Cell) -> Color {
    if cell.modifier.contains(Modifier::REVERSED) {
        cell.fg
    } else {
        cell.bg
    }
}

#[cfg(test)]
mod tests {
    use ratatui::style::Style;
    use vitrine_effects::canvas::PixelCanvas;
    use vitrine_effects::rgb::Rgb;

    use super::*;
    use crate::show::tests::spec;

    #[test]
    fn pictures_become_shapes_and_labels_stay_text() {
        let area = Rect::new(0, 0, 12, 3);
        let mut frame = Buffer::empty(area);
        // Row 0-1: a white 4x3-pixel block on black, from a half-block canvas.
        let mut canvas = PixelCanvas::new(12, 2, Rgb::BLACK);
        for y in 1..4 {
            for x in 2..6 {
                canvas.set(x, y, Rgb::WHITE);
            }
        }
        canvas.render(Rect::new(0, 0, 12, 2), &mut frame);
        // Row 2: dark text on a light bar, then a wide glyph.
        let bar = Style::new().fg(Color::Black).bg(Color::Rgb(200, 200, 200));
        frame.set_string(0, 2, "  Menu  ", bar);
        frame.set_string(8, 2, "한", Style::new().fg(Color::White));
        assert_eq!(plain_text(&frame), ["  ▄▄▄▄", "  ████", "  Menu  한"]);
    }

    #[test]
    fn a_recorded_glitch_message_reads_as_letters_not_half_block_rows() {
        let mut s = spec(&["glitch"]);
        s.items[0].messages = vec!["HI".into()];
        let mut show = Show::new(s.clone()).unwrap();
        let area = Rect::new(0, 0, 40, 12);
        let mut frame = Buffer::empty(area);
        compose(&mut frame, area, &mut show, &Overlays::new(&s));
        let text = plain_text(&frame).join("\n");
        // The big letters are solid shapes: full blocks, and no row made only of `▀`.
        assert!(text.contains("██"), "{text}");
        assert!(
            text.lines()
                .all(|l| l.trim().is_empty() || l.trim().chars().any(|c| c != '▀')),
            "{text}"
        );
    }

    /// Runs `record` into a byte vector.
    fn recorded(names: &[&str], size: (u16, u16), format: RecordFormat) -> Vec<u8> {
        let show = Show::new(spec(names)).unwrap();
        let mut out = Vec::new();
        record(
            show,
            size,
            0.5,
            10,
            ColorMapper::new(ColorDepth::TrueColor, Dither::Auto),
            format,
            &mut out,
        )
        .unwrap();
        out
    }

    #[test]
    fn a_cast_leaves_the_players_terminal_as_it_found_it() {
        let (width, height) = (30, 8);
        let cast = recorded(&["confetti", "defrag"], (width, height), RecordFormat::Cast);
        let mut terminal = vt100::Parser::new(height + 4, width + 10, 0);
        let mut last = String::new();
        for line in String::from_utf8(cast).unwrap().lines().skip(1) {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            last = event[2].as_str().unwrap().to_string();
            terminal.process(last.as_bytes());
        }
        assert!(
            last.contains("\x1b[?25h"),
            "the last event shows the cursor"
        );
        let screen = terminal.screen();
        assert!(!screen.hide_cursor(), "cursor left hidden");
        // Default attributes: text written now is plain.
        terminal.process(b"$");
        let screen = terminal.screen();
        let (row, col) = screen.cursor_position();
        let prompt = screen.cell(row, col - 1).unwrap();
        assert_eq!(prompt.contents(), "$");
        assert_eq!(prompt.fgcolor(), vt100::Color::Default);
        assert_eq!(prompt.bgcolor(), vt100::Color::Default);
        assert!(!prompt.bold() && !prompt.inverse() && !prompt.underline());
        // Below the picture, at the start of a line.
        assert_eq!((row, col), (height, 1));
    }

    #[test]
    fn text_output_has_one_line_per_row_within_the_width() {
        let text = String::from_utf8(recorded(&["water"], (30, 8), RecordFormat::Text)).unwrap();
        assert_eq!(text.lines().count(), 8);
        assert!(text.lines().all(|l| text::width(l) <= 30), "{text}");
    }
}

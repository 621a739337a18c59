//! Headless recording: the show drawn through the same render path into memory, written as an
//! asciicast v2 file (plays in asciinema) or as the final frame in plain text.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use vitrine_effects::depth::ColorMapper;

use crate::cli::RecordFormat;
use crate::screen::{Overlays, Screen};
use crate::show::Show;

/// A `Write` sink whose bytes can be taken out after each frame.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().expect("capture lock"))
    }
}

impl Write for Capture {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("capture lock").extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

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
    let capture = Capture::default();
    let area = Rect::new(0, 0, width, height);
    let terminal = Terminal::with_options(
        CrosstermBackend::new(capture.clone()),
        TerminalOptions {
            viewport: Viewport::Fixed(area),
        },
    )?;
    let mut screen = Screen::new(terminal, colors);
    let frame = Duration::from_secs(1) / fps;
    let frames = (seconds * f64::from(fps)).round().max(1.0) as u64;

    if format == RecordFormat::Cast {
        let header = serde_json::json!({
            "version": 2,
            "width": width,
            "height": height,
            "env": { "TERM": "xterm-256color" },
            "title": format!("vitrine {}", show.current_name()),
        });
        writeln!(out, "{header}")?;
        // Start like the live showcase: clear screen, hide cursor.
        writeln!(
            out,
            "{}",
            serde_json::json!([0.0, "o", "\u{1b}[?25l\u{1b}[2J"])
        )?;
    }
    for i in 0..frames {
        show.advance(frame);
        if show.finished() {
            break;
        }
        screen.draw(&mut show, Overlays::default())?;
        let bytes = capture.take();
        if format == RecordFormat::Cast && !bytes.is_empty() {
            let time = (i as f64 * frame.as_secs_f64() * 1e6).round() / 1e6;
            let data = String::from_utf8_lossy(&bytes);
            writeln!(out, "{}", serde_json::json!([time, "o", data]))?;
        }
    }
    if format == RecordFormat::Text {
        // Draw the final state once more into a plain buffer to read its symbols (in mono the
        // colour pass turns coloured pixels into block glyphs, so it runs here too).
        let buffer = screen.snapshot(&mut show, area);
        let mut skip = 0;
        for y in 0..height {
            let mut line = String::new();
            for x in 0..width {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                let symbol = buffer[(x, y)].symbol();
                skip = vitrine_effects::text::width(symbol).saturating_sub(1);
                line.push_str(symbol);
            }
            writeln!(out, "{}", line.trim_end())?;
        }
    }
    out.flush()?;
    Ok(())
}

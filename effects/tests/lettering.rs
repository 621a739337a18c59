//! The message in big lettering in every effect that shows it: Latin, Hangul, mixed and emoji
//! messages at 80×24 and 200×60, as pictures (one character per cell, by brightness) that a
//! reviewer can read in the snapshot files.

use std::time::Duration;

use ratatui_core::buffer::{Buffer, Cell};
use ratatui_core::layout::Rect;
use vitrine_effects::ansi::rgb_of;
use vitrine_effects::{Context, Params, Rgb, registry};

const MESSAGES: [(&str, &str); 4] = [
    ("latin", "Welcome"),
    ("hangul", "회의실 예약 현황"),
    ("mixed", "3층 회의실 OPEN"),
    ("emoji", "Hi 👋 안녕"),
];

/// Seconds into each effect: glitch between hops, confetti after its first burst has fallen,
/// water in its calm phase.
const EFFECTS: [(&str, f64); 3] = [("glitch", 1.0), ("confetti", 3.0), ("water", 10.2)];

/// Brightness of what a cell shows, 0..=1: block glyphs by how much of the cell is foreground.
fn brightness(cell: &Cell) -> f32 {
    let luma = |c| rgb_of(c).unwrap_or(Rgb::BLACK).luma();
    let (fg, bg) = (luma(cell.fg), luma(cell.bg));
    let share = match cell.symbol() {
        " " => 0.0,
        "█" => 1.0,
        "▀" | "▄" | "▌" | "▐" => 0.5,
        _ => 0.3,
    };
    fg * share + bg * (1.0 - share)
}

/// One character per cell: ` .:-=+*#%@` by brightness; text glyphs (stars, emoji, plain text)
/// as themselves.
fn picture(buf: &Buffer) -> String {
    const RAMP: &[u8] = b" .:-=+*#%@";
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            let symbol = cell.symbol();
            let block = symbol == " "
                || symbol
                    .chars()
                    .all(|c| ('\u{2580}'..='\u{259f}').contains(&c));
            if block {
                let level = (brightness(cell) * (RAMP.len() - 1) as f32).round() as usize;
                line.push(RAMP[level.min(RAMP.len() - 1)] as char);
            } else if !symbol.is_empty() {
                line.push_str(symbol);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn frame(effect: &str, message: &str, (w, h): (u16, u16), seconds: f64) -> Buffer {
    let info = registry::find(effect).unwrap();
    let ctx = Context::new(7, message);
    let mut fx = (info.build)(&ctx, &Params::default()).unwrap();
    for _ in 0..(seconds * 60.0).round() as u32 {
        fx.tick(Duration::from_secs_f64(1.0 / 60.0));
    }
    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
    fx.render(buf.area, &mut buf);
    buf
}

#[test]
fn every_effect_letters_every_script() {
    for (effect, seconds) in EFFECTS {
        for (name, message) in MESSAGES {
            for size in [(80, 24), (200, 60)] {
                let buf = frame(effect, message, size, seconds);
                insta::assert_snapshot!(
                    format!("{effect}-{name}-{}x{}", size.0, size.1),
                    picture(&buf)
                );
            }
        }
    }
}

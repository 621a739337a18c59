//! Message text: sanitising, measuring, wrapping and drawing at normal size.
//!
//! Messages come from flags, files and config edits typed by people, so they may carry control
//! characters or escape sequences. [`sanitize`] removes them before anything reaches a buffer.
//! Wrapping and drawing work on grapheme clusters with their display width, so a double-width
//! Korean/CJK glyph or an emoji is never split or half-overdrawn.

use ratatui_core::buffer::{Buffer, CellWidth};
use ratatui_core::layout::Rect;
use ratatui_core::style::Style;
use unicode_segmentation::UnicodeSegmentation;

/// Removes everything from `text` that could act on a terminal instead of being shown:
/// ANSI/VT escape sequences (CSI, OSC, DCS and two-byte escapes), C0 and C1 control characters,
/// DEL and bidirectional overrides. Tabs become spaces; `\n` is kept as a line break and `\r\n`
/// becomes `\n`. Leading/trailing blank space on each line is trimmed.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI / OSC / DCS introducers behave like ESC [ / ESC ] / ESC P.
            '\u{9b}' => skip_until_final(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\t' => out.push(' '),
            '\n' => out.push('\n'),
            c if c.is_control() => {}
            // Bidi embeddings, overrides and isolates can reorder what follows on the line.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c => out.push(c),
        }
    }
    out.lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
        .trim_matches('\n')
        .to_string()
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_until_final(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // Two-byte escapes (ESC c, ESC 7, ESC ( B...): drop the next char and, for charset
        // designations, the one after it.
        Some('(' | ')' | '*' | '+' | '#' | '%') => {
            chars.next();
        }
        _ => {}
    }
}

/// Skips a CSI body: parameter and intermediate bytes up to and including the final byte.
fn skip_until_final(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            break;
        }
    }
}

/// Skips an OSC/DCS/APC string up to BEL or ST (ESC \ or U+009C).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// Display width of `text` in terminal cells.
pub fn width(text: &str) -> usize {
    text.graphemes(true).map(grapheme_width).sum()
}

/// Width of one grapheme cluster (or a buffer cell's symbol) for laying text out: at least 1
/// for anything visible and at most 2.
pub fn grapheme_width(g: &str) -> usize {
    usize::from(cell_width(g)).clamp(1, 2)
}

/// Columns a buffer cell's symbol takes on a terminal, exactly: 0 for an empty or zero-width
/// symbol (the frame encoder writes those as a blank). The one width rule for the whole
/// program; [`grapheme_width`] is this clamped for layout. ASCII (one byte; a control
/// character that slipped through counts as 1, as in ratatui) and the box-drawing and block
/// characters (U+2500–U+259F, what frames and pixel art are made of) skip the Unicode table
/// lookup: this runs for every cell of many frames.
pub fn cell_width(symbol: &str) -> u16 {
    match symbol.as_bytes() {
        [_] => 1,
        [0xe2, 0x94..=0x96, _] => 1,
        // ratatui's rule (unicode-width, plus halfwidth kana sound marks taking their own
        // column), so what is drawn and what is measured agree.
        _ => CellWidth::cell_width(symbol),
    }
}

/// Wraps `text` into lines no wider than `max_width` cells: explicit `\n` breaks first, then
/// words, and a word wider than a line is broken between grapheme clusters (never inside a
/// double-width glyph). Returns no lines when `max_width` is 0.
pub fn wrap(text: &str, max_width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    if max_width == 0 {
        return lines;
    }
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_width = 0;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let word_width = width(word);
            let gap = usize::from(line_width > 0);
            if line_width + gap + word_width <= max_width {
                if gap == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                line_width += gap + word_width;
                continue;
            }
            if line_width > 0 {
                lines.push(std::mem::take(&mut line));
                line_width = 0;
            }
            for g in word.graphemes(true) {
                let w = grapheme_width(g);
                if w > max_width {
                    continue; // a double-width glyph cannot fit a 1-cell line at all
                }
                if line_width + w > max_width {
                    lines.push(std::mem::take(&mut line));
                    line_width = 0;
                }
                line.push_str(g);
                line_width += w;
            }
        }
        if line_width > 0 || lines.is_empty() {
            lines.push(line);
        }
    }
    lines
}

/// Draws `line` starting at (`x`, `y`), clipped to `clip`, one grapheme at a time, with the style
/// `style_at(column_offset, grapheme)` (glitch colours per character). A double-width glyph that
/// would cross the right edge of `clip` is not drawn. Returns the width drawn.
pub fn draw_line(
    buf: &mut Buffer,
    clip: Rect,
    x: i32,
    y: u16,
    line: &str,
    mut style_at: impl FnMut(usize, &str) -> Style,
) -> usize {
    let clip = clip.intersection(buf.area);
    if y < clip.top() || y >= clip.bottom() {
        return 0;
    }
    let mut col = x;
    let mut offset = 0;
    for g in line.graphemes(true) {
        let w = grapheme_width(g);
        let fits = col >= i32::from(clip.left()) && col + w as i32 <= i32::from(clip.right());
        if fits {
            let cx = col as u16;
            buf[(cx, y)].set_symbol(g).set_style(style_at(offset, g));
            // The cell under the right half of a wide glyph must be blank, or the terminal
            // shows stale content there.
            for i in 1..w as u16 {
                buf[(cx + i, y)].reset();
                buf[(cx + i, y)].set_style(style_at(offset, g));
            }
        }
        col += w as i32;
        offset += w;
    }
    offset
}

/// Lays out `lines` centred in `area` (horizontally per line, vertically as a block) and returns
/// each line with its left column and row. Lines that do not fit vertically are dropped from the
/// end.
pub fn centered(lines: &[String], area: Rect) -> impl Iterator<Item = (&str, i32, u16)> {
    let visible = lines.len().min(usize::from(area.height));
    let top = area.y + (area.height - visible as u16) / 2;
    lines
        .iter()
        .take(visible)
        .enumerate()
        .map(move |(i, line)| {
            let w = width(line) as i32;
            let x = i32::from(area.x) + (i32::from(area.width) - w) / 2;
            (line.as_str(), x.max(i32::from(area.x)), top + i as u16)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_strips_escapes_and_controls() {
        assert_eq!(sanitize("\u{1b}[31mRED\u{1b}[0m"), "RED");
        assert_eq!(sanitize("a\u{1b}]0;title\u{7}b"), "ab");
        assert_eq!(sanitize("a\u{1b}]8;;http://x\u{1b}\\b"), "ab");
        assert_eq!(sanitize("x\u{9b}2Jy"), "xy");
        assert_eq!(sanitize("bell\u{7}\u{8}\u{7f}!"), "bell!");
        assert_eq!(sanitize("  two\r\n lines \t"), "two\nlines");
        assert_eq!(sanitize("\u{202e}evil"), "evil");
        assert_eq!(sanitize("환영합니다 👋"), "환영합니다 👋");
    }

    #[test]
    fn wrap_never_splits_wide_glyphs() {
        assert_eq!(wrap("hello big world", 9), vec!["hello big", "world"]);
        assert_eq!(wrap("환영합니다", 5), vec!["환영", "합니", "다"]);
        assert_eq!(wrap("환영", 1), vec![""]);
        assert!(wrap("anything", 0).is_empty());
        for line in wrap("안녕하세요 여러분 welcome", 7) {
            assert!(width(&line) <= 7, "{line}");
        }
    }

    #[test]
    fn draw_line_clips_wide_glyph_at_right_edge() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 3, 1));
        let area = buf.area;
        let drawn = draw_line(&mut buf, area, 0, 0, "한글", |_, _| Style::default());
        assert_eq!(drawn, 4);
        assert_eq!(buf[(0, 0)].symbol(), "한");
        assert_eq!(
            buf[(2, 0)].symbol(),
            " ",
            "second glyph must not be half drawn"
        );
        // Negative start: partially off the left edge.
        let mut buf = Buffer::empty(Rect::new(0, 0, 3, 1));
        let area = buf.area;
        draw_line(&mut buf, area, -1, 0, "한글", |_, _| Style::default());
        assert_eq!(buf[(1, 0)].symbol(), "글");
        assert_eq!(buf[(0, 0)].symbol(), " ");
    }
}

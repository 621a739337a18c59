//! Drawing a show onto a terminal: the one render path shared by the live terminal, the
//! recorder and remote sessions. Each frame is the effect with the overlays on top
//! ([`crate::overlay`]), reduced to the colours the terminal shows ([`ColorMapper`]); only cells
//! that look different are written, in as few bytes as [`Encoder`] can manage, and an unchanged
//! frame writes nothing. Each frame is wrapped in synchronized output (DEC mode 2026) so
//! terminals that support it never show a half-drawn frame; others ignore it.

use std::io::{self, Write};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::widgets::Widget;
use vitrine_effects::depth::ColorMapper;

use crate::encode::Encoder;
use crate::keymap::Action;
use crate::overlay::Overlays;
use crate::show::Show;

/// Carries out a key `action` (any but `Quit`) on `show` and `overlays`; shared by the local
/// loop and SSH sessions. Returns whether the screen needs redrawing.
pub fn apply(action: Action, show: &mut Show, overlays: &mut Overlays) -> bool {
    match action {
        Action::TogglePause => show.toggle_pause(),
        Action::Next => show.next(),
        Action::Previous => show.previous(),
        Action::ToggleHelp => overlays.toggle_help(),
        Action::Poke => show.poke(),
        Action::Quit | Action::Ignore => return false,
    }
    true
}

/// Begin and end synchronized output (DEC mode 2026).
pub const BEGIN_FRAME: &[u8] = b"\x1b[?2026h";
pub const END_FRAME: &[u8] = b"\x1b[?2026l";

/// Erase the whole display.
const CLEAR: &[u8] = b"\x1b[2J";

/// A terminal (local, recorded or remote): where its bytes go, its size, and what it shows.
///
/// Each frame is composed into a scratch buffer first; when it looks the same as what the
/// terminal already shows, nothing at all is written (a paused or static screen costs no
/// bytes). Otherwise [`Encoder`] writes the difference inside one synchronized update. The size
/// is whatever the owner last said it is ([`Screen::resize`]): the local terminal's resize
/// events, a recording's fixed size, an SSH client's window-change requests.
pub struct Screen<W: Write> {
    out: W,
    area: Rect,
    colors: ColorMapper,
    encoder: Encoder,
    frame: Buffer,
    shown: Buffer,
    /// Whether the next frame starts by clearing the screen (after a resize).
    clear: bool,
    /// The bytes of the frame being written, reused.
    bytes: Vec<u8>,
}

impl<W: Write> Screen<W> {
    /// A `width`×`height` screen writing to `out` (which shows a blank screen), mapping every
    /// frame with `colors`.
    pub fn new(out: W, (width, height): (u16, u16), colors: ColorMapper) -> Self {
        Self {
            out,
            area: Rect::new(0, 0, width, height),
            colors,
            encoder: Encoder::new(),
            frame: Buffer::empty(Rect::ZERO),
            shown: Buffer::empty(Rect::ZERO),
            clear: false,
            bytes: Vec::new(),
        }
    }

    /// Where the frames go, e.g. to flush it or write around the frames.
    pub fn writer_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// The terminal now has `width`×`height` cells. When that is a change, what it showed is
    /// forgotten (it may have reflowed or dropped its contents) and the next frame clears the
    /// screen and draws everything.
    pub fn resize(&mut self, (width, height): (u16, u16)) {
        let area = Rect::new(0, 0, width, height);
        if area != self.area {
            self.area = area;
            self.forget();
        }
    }

    /// What the terminal shows is unknown (a suspended show's terminal was the shell's
    /// meanwhile): the next frame clears the screen and draws everything.
    pub fn forget(&mut self) {
        self.clear = true;
        self.shown = Buffer::empty(Rect::ZERO);
        self.encoder.forget_cursor();
    }

    /// Maps frames with `colors` from now on (a config reload changed `--color` or
    /// `--dither`); the next frame draws the whole screen again in the new colours.
    pub fn set_colors(&mut self, colors: ColorMapper) {
        self.colors = colors;
        self.shown = Buffer::empty(Rect::ZERO);
    }

    /// Draws one frame of `show` and its overlays, maps it to the colour depth, and writes the
    /// cells that changed. Returns whether anything was written.
    pub fn draw(&mut self, show: &mut Show, overlays: &Overlays) -> io::Result<bool> {
        let area = self.area;
        compose(&mut self.frame, area, show, overlays);
        self.colors.apply(&mut self.frame, area);
        self.write_frame(area)
    }

    /// Turns the whole screen black (for dark hours): after this, drawing nothing keeps it so.
    pub fn draw_dark(&mut self) -> io::Result<bool> {
        let area = self.area;
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
        &self.bytes
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
        self.encoder.forget_state();
        self.size()
    }

    /// Writes what changed from what the terminal shows to `self.frame`, then remembers it.
    fn write_frame(&mut self, area: Rect) -> io::Result<bool> {
        let shown = (self.shown.area == area).then_some(&self.shown);
        if shown.is_none() {
            self.encoder.forget_cursor();
        }
        self.bytes.clear();
        self.encoder.encode(shown, &self.frame, &mut self.bytes);
        // Whatever differs invisibly (a blank's foreground) may as well be remembered.
        std::mem::swap(&mut self.frame, &mut self.shown);
        if self.bytes.is_empty() && !self.clear {
            return Ok(false);
        }
        self.out.write_all(BEGIN_FRAME)?;
        if std::mem::take(&mut self.clear) {
            self.out.write_all(CLEAR)?;
        }
        self.out.write_all(&self.bytes)?;
        self.out.write_all(END_FRAME)?;
        self.out.flush()?;
        Ok(true)
    }
}

/// The effect plus overlays, into `buf` resized to `area`.
pub fn compose(buf: &mut Buffer, area: Rect, show: &mut Show, overlays: &Overlays) {
    if buf.area != area {
        buf.resize(area);
    }
    buf.reset();
    show.render(overlays.effect_area(area), buf);
    overlays.layer(show).render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::show::tests::spec;

    #[test]
    fn a_resize_clears_once_and_redraws_everything() {
        let s = spec(&["defrag"]);
        let mut show = Show::new(s.clone()).unwrap();
        let overlays = Overlays::new(&s);
        let mut screen = Screen::new(
            Vec::new(),
            (20, 6),
            ColorMapper::new(
                vitrine_effects::depth::ColorDepth::TrueColor,
                vitrine_effects::depth::Dither::Auto,
            ),
        );
        assert!(screen.draw(&mut show, &overlays).unwrap());
        let first = std::mem::take(screen.writer_mut());
        assert!(first.starts_with(BEGIN_FRAME) && first.ends_with(END_FRAME));
        assert!(!first.windows(CLEAR.len()).any(|w| w == CLEAR));
        // Nothing changed, nothing written.
        assert!(!screen.draw(&mut show, &overlays).unwrap());
        assert!(screen.writer_mut().is_empty());
        // The same size again is no change either.
        screen.resize((20, 6));
        assert!(!screen.draw(&mut show, &overlays).unwrap());
        // A new size: one clear, inside the frame, then every cell.
        screen.resize((30, 4));
        assert!(screen.draw(&mut show, &overlays).unwrap());
        let after = std::mem::take(screen.writer_mut());
        assert!(after.starts_with(&[BEGIN_FRAME, CLEAR].concat()));
        let mut parser = vt100::Parser::new(4, 30, 0);
        parser.process(&after);
        let area = Rect::new(0, 0, 30, 4);
        let mut expected = Buffer::empty(area);
        compose(&mut expected, area, &mut show, &overlays);
        for y in 0..4 {
            let row: String = (0..30).map(|x| expected[(x, y)].symbol()).collect();
            let shown: String = (0..30)
                .map(|x| parser.screen().cell(y, x).unwrap().contents())
                .map(|c| if c.is_empty() { " " } else { c })
                .collect();
            assert_eq!(shown, row);
        }
        // Down to nothing and back: no panic, no bytes for an empty screen but the clear.
        screen.resize((0, 0));
        screen.draw(&mut show, &overlays).unwrap();
        screen.resize((1, 1));
        screen.draw(&mut show, &overlays).unwrap();
    }
}

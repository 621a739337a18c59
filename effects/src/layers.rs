//! Effects stacked in one picture: a [`Stack`] draws its bottom layer with
//! [`Effect::render`] and every layer above with [`Effect::composite`], so confetti can fall
//! over the defrag screen, water refract a logo and glitch split its colours.
//!
//! A layer that is not opaque reads what is below it through a [`Backdrop`]: every cell of the
//! area as it is (text moves or stays whole, so a double-width glyph is never cut) and two
//! pixels per cell, the half-block reading of the picture (`▀` `▄` `█` and spaces are two
//! colours stacked; any other glyph counts as its background colour).

use std::time::Duration;

use ratatui_core::buffer::{Buffer, Cell};
use ratatui_core::layout::Rect;

use crate::ansi;
use crate::canvas::{self, HalfBlock, PixelGrid};
use crate::effect::{Effect, LayerKind};
use crate::rgb::Rgb;

/// Effects drawn one over the other, bottom first; ticked, poked and told new messages
/// together, so to the engine a stack is one effect.
pub struct Stack {
    layers: Vec<Box<dyn Effect>>,
}

impl Stack {
    /// A stack of `base` alone; [`Stack::push`] adds layers above it.
    pub fn new(base: Box<dyn Effect>) -> Self {
        Self { layers: vec![base] }
    }

    /// Adds `layer` on top.
    pub fn push(&mut self, layer: Box<dyn Effect>) {
        self.layers.push(layer);
    }

    /// The layer names, bottom first, joined by `+` (`defrag+confetti`).
    pub fn names(&self) -> String {
        let names: Vec<&str> = self.layers.iter().map(|l| l.name()).collect();
        names.join("+")
    }

    /// The layer from which drawing starts: the topmost opaque one (the bottom layer counts as
    /// opaque, it is drawn with `render`). Layers under it would be drawn over entirely.
    fn first_visible(&self) -> usize {
        self.layers
            .iter()
            .rposition(|l| l.layer_kind() == LayerKind::Opaque)
            .unwrap_or(0)
    }
}

impl Effect for Stack {
    /// The bottom layer's name: the effect the item is known by.
    fn name(&self) -> &'static str {
        self.layers[0].name()
    }

    fn tick(&mut self, dt: Duration) {
        for layer in &mut self.layers {
            layer.tick(dt);
        }
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer) {
        let first = self.first_visible();
        let (below, above) = self.layers.split_at_mut(first + 1);
        below[first].render(area, buf);
        for layer in above {
            layer.composite(area, buf);
        }
    }

    fn set_message(&mut self, message: &str) {
        for layer in &mut self.layers {
            layer.set_message(message);
        }
    }

    fn poke(&mut self) {
        for layer in &mut self.layers {
            layer.poke();
        }
    }

    /// Opaque if any layer is; else a filter if any layer is one.
    fn layer_kind(&self) -> LayerKind {
        let kinds = || self.layers.iter().map(|l| l.layer_kind());
        if kinds().any(|k| k == LayerKind::Opaque) {
            LayerKind::Opaque
        } else if kinds().any(|k| k == LayerKind::Filter) {
            LayerKind::Filter
        } else {
            LayerKind::Over
        }
    }

    fn composite(&mut self, area: Rect, buf: &mut Buffer) {
        let first = self.first_visible();
        for layer in &mut self.layers[first..] {
            layer.composite(area, buf);
        }
    }
}

/// What is below a layer, read back from the buffer: the cells as they are, and two pixels per
/// cell (the picture as half-blocks). Kept by the layer and reused, so reading it every frame
/// does not allocate.
#[derive(Clone, Debug, Default)]
pub struct Backdrop {
    area: Rect,
    cells: Vec<Cell>,
    /// Whether each cell holds a glyph other than a half-block or a space.
    text: Vec<bool>,
    /// `area.width` × `2·area.height` pixels, row-major.
    pixels: Vec<Rgb>,
}

impl Backdrop {
    /// Reads `area` (clipped to `buf`) of `buf`.
    pub fn read(&mut self, area: Rect, buf: &Buffer) {
        let area = area.intersection(buf.area);
        self.area = area;
        let (w, h) = (usize::from(area.width), usize::from(area.height));
        self.cells.resize(w * h, Cell::EMPTY);
        self.text.resize(w * h, false);
        self.pixels.resize(w * h * 2, Rgb::BLACK);
        for row in 0..h {
            let start = buf.index_of(area.x, area.y + row as u16);
            for (col, cell) in buf.content[start..start + w].iter().enumerate() {
                let i = row * w + col;
                self.cells[i].clone_from(cell);
                let (top, bottom) = halves(cell);
                self.text[i] = HalfBlock::of(cell.symbol()).is_none();
                self.pixels[(2 * row) * w + col] = top;
                self.pixels[(2 * row + 1) * w + col] = bottom;
            }
        }
    }

    /// The area read.
    pub fn area(&self) -> Rect {
        self.area
    }

    /// The pixel at (`x`, `y`) in half-block pixels of the area (one across, two down per
    /// cell), clamped to its edges; black for an empty area.
    pub fn pixel(&self, x: i32, y: i32) -> Rgb {
        let (w, h) = (i32::from(self.area.width), 2 * i32::from(self.area.height));
        if w == 0 || h == 0 {
            return Rgb::BLACK;
        }
        self.pixels[(y.clamp(0, h - 1) * w + x.clamp(0, w - 1)) as usize]
    }

    /// The cell at (`col`, `row`) of the area (clamped to its edges) if it holds text rather
    /// than pixels; `None` for a pixel cell or an empty area.
    pub fn text(&self, col: i32, row: i32) -> Option<&Cell> {
        let (w, h) = (i32::from(self.area.width), i32::from(self.area.height));
        if w == 0 || h == 0 {
            return None;
        }
        let i = (row.clamp(0, h - 1) * w + col.clamp(0, w - 1)) as usize;
        self.text[i].then_some(&self.cells[i])
    }
}

/// The two colours `cell` shows, top and bottom: a half-block's halves, any other glyph's
/// background (the default colours read as white ink on black).
pub fn halves(cell: &Cell) -> (Rgb, Rgb) {
    let fg = ansi::rgb_of(cell.fg).unwrap_or(Rgb::WHITE);
    let bg = ansi::rgb_of(cell.bg).unwrap_or(Rgb::BLACK);
    HalfBlock::of(cell.symbol()).map_or((bg, bg), |block| block.halves(fg, bg))
}

/// Paints the pixels of one cell of `grid` over what the cell shows: `paint(i, below)` is the
/// colour of pixel `i` (row-major within the cell) given the colour under it (the cell's top
/// or bottom half). The cell becomes the glyph and two colours that show them best.
pub fn paint_cell(cell: &mut Cell, grid: PixelGrid, paint: impl Fn(usize, Rgb) -> Rgb) {
    let (cx, cy) = grid.cell();
    let (cx, cy) = (usize::from(cx), usize::from(cy));
    let (top, bottom) = halves(cell);
    let mut pixels = [Rgb::BLACK; 8];
    for (i, pixel) in pixels[..cx * cy].iter_mut().enumerate() {
        *pixel = paint(i, if (i / cx) * 2 < cy { top } else { bottom });
    }
    cell.reset();
    canvas::draw_cell(cell, grid, &pixels[..cx * cy]);
}

/// Clips `area` to `buf` and, unless nothing is left, calls `draw` with it: how a layer's
/// [`Effect::composite`] starts, so a layer never draws outside the buffer.
pub fn draw_clipped(area: Rect, buf: &mut Buffer, draw: impl FnOnce(Rect, &mut Buffer)) {
    let area = area.intersection(buf.area);
    if !area.is_empty() {
        draw(area, buf);
    }
}

/// Fills `area` (clipped to `buf`) with blank black cells, then draws over it as
/// [`draw_clipped`] does: a layer drawn alone (a logo, the message), whose `render` is its
/// `composite` on black.
pub fn draw_on_black(area: Rect, buf: &mut Buffer, draw: impl FnOnce(Rect, &mut Buffer)) {
    let mut black = Cell::EMPTY;
    black.set_bg(Rgb::BLACK.into());
    for pos in area.intersection(buf.area).positions() {
        buf[pos].clone_from(&black);
    }
    draw_clipped(area, buf, draw);
}

/// Draws two stacked pixels into `cell` (a space when they are equal), dropping whatever glyph
/// and modifiers it had.
pub fn set_halves(cell: &mut Cell, top: Rgb, bottom: Rgb) {
    cell.reset();
    cell.set_char(if top == bottom { ' ' } else { '▀' })
        .set_fg(top.into())
        .set_bg(bottom.into());
}

/// A text picture of `buf` for snapshot tests: two lines per row of cells, one character per
/// half-block pixel naming its colour (each channel in four levels: `.` is black, `#` white,
/// `0`–`9`, `a`–`z`, `A`–`Z` the rest in order of red, green, blue). A cell of text shows its
/// glyph on the upper line and its ink's colour on the lower one.
pub fn sketch(buf: &Buffer) -> String {
    const NAMES: &[u8; 64] = b".0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ#";
    let name = |c: Rgb| {
        let level = |v: u8| usize::from((u16::from(v) + 42) / 85).min(3);
        char::from(NAMES[level(c.0) * 16 + level(c.1) * 4 + level(c.2)])
    };
    let mut out = String::new();
    for y in buf.area.top()..buf.area.bottom() {
        let (mut upper, mut lower) = (String::new(), String::new());
        for x in buf.area.left()..buf.area.right() {
            let cell = &buf[(x, y)];
            let (top, bottom) = halves(cell);
            if HalfBlock::of(cell.symbol()).is_some() {
                upper.push(name(top));
                lower.push(name(bottom));
            } else {
                upper.push_str(cell.symbol());
                lower.push(name(ansi::rgb_of(cell.fg).unwrap_or(Rgb::WHITE)));
            }
        }
        out.push_str(upper.trim_end());
        out.push('\n');
        out.push_str(lower.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use ratatui_core::style::Color;

    use super::*;
    use crate::effect::Context;
    use crate::registry::{EFFECTS, Params};

    /// An effect written against the library before layers existed: it implements only the
    /// methods it had then, and still builds and draws opaquely in a stack.
    struct Stripes(u8);

    impl Effect for Stripes {
        fn name(&self) -> &'static str {
            "stripes"
        }
        fn tick(&mut self, _dt: Duration) {
            self.0 = self.0.wrapping_add(1);
        }
        fn render(&mut self, area: Rect, buf: &mut Buffer) {
            for y in area.top()..area.bottom() {
                for x in area.left()..area.right() {
                    buf[(x, y)].set_char('|').set_bg(Color::Rgb(self.0, 0, 0));
                }
            }
        }
        fn set_message(&mut self, _message: &str) {}
    }

    #[test]
    fn an_older_effect_is_an_opaque_layer() {
        let mut alone = Stripes(3);
        assert_eq!(alone.layer_kind(), LayerKind::Opaque);
        let area = Rect::new(0, 0, 6, 3);
        let (mut a, mut b) = (Buffer::empty(area), Buffer::empty(area));
        alone.render(area, &mut a);
        alone.composite(area, &mut b);
        assert_eq!(a, b);
        // An opaque layer on top hides the one below: that one is not drawn at all.
        let mut stack = Stack::new(Box::new(Stripes(9)));
        stack.push(Box::new(Stripes(3)));
        let mut c = Buffer::empty(area);
        stack.render(area, &mut c);
        assert_eq!(a, c);
        assert_eq!(stack.names(), "stripes+stripes");
    }

    /// Every effect in every style draws exactly as before, alone and as the only layer of a
    /// stack (the snapshots of each effect check "as before" against stored frames).
    #[test]
    fn every_effect_alone_is_unchanged_in_a_stack() {
        for info in EFFECTS {
            for style in info.style_choices() {
                let mut ctx = Context::new(5, "Welcome");
                ctx.style = style.map(str::to_string);
                let mut alone = (info.build)(&ctx, &Params::default()).unwrap();
                let mut stack = Stack::new((info.build)(&ctx, &Params::default()).unwrap());
                let area = Rect::new(0, 0, 60, 18);
                for _ in 0..90 {
                    alone.tick(Duration::from_millis(16));
                    stack.tick(Duration::from_millis(16));
                }
                let (mut a, mut b) = (Buffer::empty(area), Buffer::empty(area));
                alone.render(area, &mut a);
                stack.render(area, &mut b);
                assert_eq!(a, b, "{} {style:?}", info.name);
                assert_eq!(stack.name(), info.name);
            }
        }
    }

    /// Confetti falling over the defrag screen: the pieces over the disk map, the dialog and
    /// the status boxes, which keep their text around them.
    #[test]
    fn defrag_with_confetti_snapshot() {
        let ctx = Context::new(7, "Launch day");
        let find = |name| crate::registry::find(name).unwrap();
        let mut stack = Stack::new((find("defrag").build)(&ctx, &Params::default()).unwrap());
        stack.push((find("confetti").build)(&ctx, &Params::default()).unwrap());
        assert_eq!(stack.names(), "defrag+confetti");
        assert_eq!(stack.layer_kind(), LayerKind::Opaque);
        for _ in 0..240 {
            stack.tick(Duration::from_millis(20));
        }
        let mut buf = Buffer::empty(Rect::new(0, 0, 80, 24));
        stack.render(buf.area, &mut buf);
        let text: String = buf.content.iter().map(|c| c.symbol()).collect();
        // The defrag screen is there, and so are pieces that defrag never draws.
        assert!(text.contains("Legend") && text.contains("Status"));
        insta::assert_snapshot!(sketch(&buf));
    }

    #[test]
    fn backdrop_reads_half_blocks_and_text() {
        let area = Rect::new(0, 0, 3, 1);
        let mut buf = Buffer::empty(area);
        set_halves(&mut buf[(0, 0)], Rgb(9, 9, 9), Rgb(1, 2, 3));
        buf[(1, 0)].set_char('x').set_bg(Color::Rgb(4, 5, 6));
        let mut backdrop = Backdrop::default();
        backdrop.read(Rect::new(0, 0, 10, 10), &buf);
        assert_eq!(backdrop.area(), area);
        assert_eq!(backdrop.pixel(0, 0), Rgb(9, 9, 9));
        assert_eq!(backdrop.pixel(0, 1), Rgb(1, 2, 3));
        assert_eq!(backdrop.pixel(1, 7), Rgb(4, 5, 6));
        assert!(backdrop.text(0, 0).is_none());
        assert_eq!(backdrop.text(1, 0).unwrap().symbol(), "x");
        // The default (reset) background reads as black.
        assert_eq!(backdrop.pixel(2, 0), Rgb::BLACK);
        backdrop.read(Rect::ZERO, &buf);
        assert_eq!(backdrop.pixel(3, 3), Rgb::BLACK);
        assert!(backdrop.text(0, 0).is_none());
    }
}

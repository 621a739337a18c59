//! A picture (a company logo) as a layer: scaled to the pixel grid with area averaging, placed
//! in a corner, on an edge or in the centre, and blended by its alpha over what is below.
//!
//! The picture arrives decoded ([`Picture`]: RGBA, straight alpha); reading files is the
//! binary's job. It is scaled once per screen size: each grid pixel is the alpha-weighted mean
//! of the source pixels it covers (fractions of a pixel at its edges count by their share), so
//! a large logo shrinks without the shimmer of skipped pixels and a transparent edge does not
//! bleed its hidden colour. Pixels are as tall as the grid's ([`PixelGrid::pixel_aspect`]), so
//! the logo keeps its proportions on a terminal whose cells are twice as tall as wide.
//!
//! `drift` moves the logo one cell along a small loop every [`DRIFT_STEP`] of simulation time,
//! so a screen that shows it for months does not burn it in.

use std::sync::Arc;
use std::time::Duration;

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;

use crate::canvas::PixelGrid;
use crate::effect::{Context, Effect, LayerKind};
use crate::layers::{draw_clipped, draw_on_black, paint_cell};
use crate::rgb::Rgb;

/// The layer's name, on the command line (`--effect logo+water`) and in configs.
pub const NAME: &str = "logo";

/// How long the logo stays in one place with `drift`.
pub const DRIFT_STEP: Duration = Duration::from_secs(180);

/// The loop a drifting logo follows, in cells away from the edges it is placed against.
const DRIFT_PATH: [(u16, u16); 6] = [(0, 0), (1, 0), (2, 0), (2, 1), (1, 1), (0, 1)];

/// Cells kept free between a logo and the screen edge it is placed against.
const MARGIN: u16 = 1;

/// A decoded picture: `width` × `height` pixels of straight-alpha RGBA, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    width: u32,
    height: u32,
    rgba: Vec<u8>,
}

impl Picture {
    /// A picture from its pixels; `Err` when the size is zero or does not match the data.
    pub fn from_rgba(width: u32, height: u32, rgba: Vec<u8>) -> Result<Self, String> {
        if width == 0 || height == 0 {
            return Err("the picture has no pixels".into());
        }
        if rgba.len() as u64 != u64::from(width) * u64::from(height) * 4 {
            return Err(format!(
                "{} bytes of RGBA for a {width}x{height} picture",
                rgba.len()
            ));
        }
        Ok(Self {
            width,
            height,
            rgba,
        })
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixel at (`x`, `y`) as straight-alpha RGBA.
    fn rgba(&self, x: u32, y: u32) -> [u8; 4] {
        let i = (y as usize * self.width as usize + x as usize) * 4;
        [
            self.rgba[i],
            self.rgba[i + 1],
            self.rgba[i + 2],
            self.rgba[i + 3],
        ]
    }
}

/// Where on the screen the logo sits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Placement {
    #[default]
    Center,
    TopLeft,
    Top,
    TopRight,
    Left,
    Right,
    BottomLeft,
    Bottom,
    BottomRight,
}

impl Placement {
    /// Where along each axis: -1 start (left, top), 0 centre, 1 end (right, bottom).
    fn sides(self) -> (i8, i8) {
        match self {
            Placement::Center => (0, 0),
            Placement::TopLeft => (-1, -1),
            Placement::Top => (0, -1),
            Placement::TopRight => (1, -1),
            Placement::Left => (-1, 0),
            Placement::Right => (1, 0),
            Placement::BottomLeft => (-1, 1),
            Placement::Bottom => (0, 1),
            Placement::BottomRight => (1, 1),
        }
    }
}

/// How the logo is shown.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogoParams {
    pub placement: Placement,
    /// The share (0..=1] of the screen's width and of its height the logo may fill.
    pub size: f32,
    /// Move one cell along a small loop every [`DRIFT_STEP`].
    pub drift: bool,
}

impl Default for LogoParams {
    fn default() -> Self {
        Self {
            placement: Placement::Center,
            size: 0.2,
            drift: false,
        }
    }
}

/// One pixel of the scaled logo: its colour and how much of it covers what is below (0..=255).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Texel {
    color: Rgb,
    alpha: u8,
}

/// The logo layer.
#[derive(Clone, Debug)]
pub struct Logo {
    picture: Arc<Picture>,
    params: LogoParams,
    grid: PixelGrid,
    elapsed: Duration,
    /// The screen size (cells) `scaled` was made for.
    scaled_for: Option<(u16, u16)>,
    /// The picture in grid pixels, `cells.0 · grid columns` wide, centred in its cell box.
    scaled: Vec<Texel>,
    /// The logo's box in cells.
    cells: (u16, u16),
}

impl Logo {
    /// A logo of `picture` on the grid of `ctx`.
    pub fn new(ctx: &Context, picture: Arc<Picture>, params: LogoParams) -> Result<Self, String> {
        if !(params.size > 0.0 && params.size <= 1.0) {
            return Err(format!(
                "--logo-size {}% is not in 1%..=100%",
                params.size * 100.0
            ));
        }
        Ok(Self {
            picture,
            params,
            grid: ctx.pixels,
            elapsed: Duration::ZERO,
            scaled_for: None,
            scaled: Vec::new(),
            cells: (0, 0),
        })
    }

    /// Scales the picture for a `cols` × `rows` screen (once per size).
    fn scale(&mut self, cols: u16, rows: u16) {
        if self.scaled_for == Some((cols, rows)) {
            return;
        }
        self.scaled_for = Some((cols, rows));
        let (cx, cy) = self.grid.cell();
        let (pw, ph) = (self.picture.width as f32, self.picture.height as f32);
        // The largest size inside the box that keeps the picture's proportions.
        let box_w = f32::from(cols) * f32::from(cx) * self.params.size;
        let box_h = f32::from(rows) * f32::from(cy) * self.params.size;
        let aspect = self.grid.pixel_aspect();
        let (mut tw, mut th) = (box_w, box_w * ph / pw / aspect);
        if th > box_h {
            (tw, th) = (box_h * pw * aspect / ph, box_h);
        }
        let (tw, th) = (tw.round().max(1.0) as u32, th.round().max(1.0) as u32);
        self.cells = (
            tw.div_ceil(u32::from(cx)).min(u32::from(cols)) as u16,
            th.div_ceil(u32::from(cy)).min(u32::from(rows)) as u16,
        );
        let (bw, bh) = (
            u32::from(self.cells.0) * u32::from(cx),
            u32::from(self.cells.1) * u32::from(cy),
        );
        self.scaled.clear();
        self.scaled.resize((bw * bh) as usize, Texel::default());
        let (x0, y0) = (bw.saturating_sub(tw) / 2, bh.saturating_sub(th) / 2);
        for ty in 0..th.min(bh) {
            for tx in 0..tw.min(bw) {
                let texel = area_average(&self.picture, tx, ty, tw, th);
                self.scaled[((y0 + ty) * bw + x0 + tx) as usize] = texel;
            }
        }
    }

    /// The logo's box in `area`, where the placement and the drift put it.
    fn placed(&self, area: Rect) -> Rect {
        let (w, h) = self.cells;
        let (sx, sy) = self.params.placement.sides();
        let (step_x, step_y) = if self.params.drift {
            let step = self.elapsed.as_secs() / DRIFT_STEP.as_secs();
            DRIFT_PATH[(step % DRIFT_PATH.len() as u64) as usize]
        } else {
            (0, 0)
        };
        let along = |side: i8, room: u16, size: u16, step: u16| -> u16 {
            let margin = MARGIN.min(room.saturating_sub(size) / 2);
            let free = room.saturating_sub(size);
            match side {
                -1 => (margin + step).min(free),
                1 => free.saturating_sub(margin + step),
                _ => (free / 2 + step).min(free),
            }
        };
        Rect::new(
            area.x + along(sx, area.width, w, step_x),
            area.y + along(sy, area.height, h, step_y),
            w,
            h,
        )
        .intersection(area)
    }

    /// Blends the logo over `buf` in `area`; cells it leaves fully transparent are untouched.
    fn draw(&mut self, area: Rect, buf: &mut Buffer) {
        self.scale(area.width, area.height);
        let placed = self.placed(area);
        let (cx, cy) = self.grid.cell();
        let (cx, cy) = (usize::from(cx), usize::from(cy));
        let bw = usize::from(self.cells.0) * cx;
        for row in 0..usize::from(placed.height) {
            for col in 0..usize::from(placed.width) {
                let texel = |i: usize| {
                    let (dx, dy) = (i % cx, i / cx);
                    self.scaled[(row * cy + dy) * bw + col * cx + dx]
                };
                if (0..cx * cy).all(|i| texel(i).alpha == 0) {
                    continue;
                }
                let cell = &mut buf[(placed.x + col as u16, placed.y + row as u16)];
                paint_cell(cell, self.grid, |i, below| {
                    let t = texel(i);
                    t.color.over(below, f32::from(t.alpha) / 255.0)
                });
            }
        }
    }
}

/// Pixel (`tx`, `ty`) of `picture` scaled to `tw` × `th`: the mean of the source area it
/// covers, each source pixel weighted by its share of the area and by its alpha.
fn area_average(picture: &Picture, tx: u32, ty: u32, tw: u32, th: u32) -> Texel {
    let sx = picture.width as f64 / f64::from(tw);
    let sy = picture.height as f64 / f64::from(th);
    let (x0, x1) = (f64::from(tx) * sx, f64::from(tx + 1) * sx);
    let (y0, y1) = (f64::from(ty) * sy, f64::from(ty + 1) * sy);
    let (mut colour, mut alpha, mut area) = ([0.0f64; 3], 0.0f64, 0.0f64);
    for y in (y0.floor() as u32)..(y1.ceil() as u32).min(picture.height) {
        let wy = (y1.min(f64::from(y + 1)) - y0.max(f64::from(y))).max(0.0);
        for x in (x0.floor() as u32)..(x1.ceil() as u32).min(picture.width) {
            let wx = (x1.min(f64::from(x + 1)) - x0.max(f64::from(x))).max(0.0);
            let [r, g, b, a] = picture.rgba(x, y);
            let weight = wx * wy;
            let covered = weight * f64::from(a) / 255.0;
            colour[0] += covered * f64::from(r);
            colour[1] += covered * f64::from(g);
            colour[2] += covered * f64::from(b);
            alpha += covered;
            area += weight;
        }
    }
    if alpha <= 0.0 || area <= 0.0 {
        return Texel::default();
    }
    let c = |v: f64| (v / alpha).round().clamp(0.0, 255.0) as u8;
    Texel {
        color: Rgb(c(colour[0]), c(colour[1]), c(colour[2])),
        alpha: (alpha / area * 255.0).round().clamp(0.0, 255.0) as u8,
    }
}

impl Effect for Logo {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tick(&mut self, dt: Duration) {
        self.elapsed += dt;
    }

    /// The logo alone, on black.
    fn render(&mut self, area: Rect, buf: &mut Buffer) {
        draw_on_black(area, buf, |area, buf| self.draw(area, buf));
    }

    /// A logo has no message.
    fn set_message(&mut self, _message: &str) {}

    fn layer_kind(&self) -> LayerKind {
        LayerKind::Over
    }

    fn composite(&mut self, area: Rect, buf: &mut Buffer) {
        draw_clipped(area, buf, |area, buf| self.draw(area, buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w` × `h` picture of one colour, opaque.
    fn solid(w: u32, h: u32, rgba: [u8; 4]) -> Arc<Picture> {
        let data = rgba.repeat((w * h) as usize);
        Arc::new(Picture::from_rgba(w, h, data).unwrap())
    }

    fn logo(picture: Arc<Picture>, placement: Placement, size: f32, grid: PixelGrid) -> Logo {
        let mut ctx = Context::new(1, "");
        ctx.pixels = grid;
        let params = LogoParams {
            placement,
            size,
            drift: false,
        };
        Logo::new(&ctx, picture, params).unwrap()
    }

    #[test]
    fn pictures_must_match_their_size() {
        assert!(Picture::from_rgba(0, 3, vec![]).is_err());
        assert!(Picture::from_rgba(2, 2, vec![0; 15]).is_err());
        assert!(Picture::from_rgba(2, 2, vec![0; 16]).is_ok());
        let ctx = Context::new(1, "");
        let bad = LogoParams {
            size: 0.0,
            ..LogoParams::default()
        };
        assert!(Logo::new(&ctx, solid(1, 1, [0; 4]), bad).is_err());
    }

    #[test]
    fn area_average_weighs_coverage_and_alpha() {
        // Left half red and opaque, right half green and transparent: the mean is red, half
        // covering.
        let mut data = Vec::new();
        for _ in 0..2 {
            data.extend_from_slice(&[255, 0, 0, 255, 0, 255, 0, 0]);
        }
        let picture = Picture::from_rgba(2, 2, data).unwrap();
        let texel = area_average(&picture, 0, 0, 1, 1);
        assert_eq!(texel.color, Rgb(255, 0, 0));
        assert_eq!(texel.alpha, 128);
        // Three pixels into two: the middle one is shared by both halves.
        let data = [[0, 0, 0, 255], [90, 90, 90, 255], [180, 180, 180, 255]].concat();
        let picture = Picture::from_rgba(3, 1, data).unwrap();
        assert_eq!(area_average(&picture, 0, 0, 2, 1).color, Rgb(30, 30, 30));
        assert_eq!(area_average(&picture, 1, 0, 2, 1).color, Rgb(150, 150, 150));
    }

    #[test]
    fn a_square_logo_stays_square_and_sits_where_asked() {
        let mut logo = logo(
            solid(100, 100, [255, 255, 255, 255]),
            Placement::BottomRight,
            0.5,
            PixelGrid::Half,
        );
        let area = Rect::new(0, 0, 80, 24);
        let mut buf = Buffer::empty(area);
        logo.render(area, &mut buf);
        // Half of 24 rows is 24 half-block pixels: a 24×24 pixel square is 24 cells × 12 rows.
        assert_eq!(logo.cells, (24, 12));
        let placed = logo.placed(area);
        assert_eq!(placed, Rect::new(80 - 24 - 1, 24 - 12 - 1, 24, 12));
        assert_eq!(buf[(placed.x, placed.y)].bg, Rgb::WHITE.into());
        assert_eq!(buf[(0, 0)].bg, Rgb::BLACK.into());
    }

    #[test]
    fn transparent_pixels_leave_the_layer_below() {
        let mut logo = logo(
            solid(10, 10, [255, 0, 0, 0]),
            Placement::Center,
            1.0,
            PixelGrid::Quadrant,
        );
        let area = Rect::new(0, 0, 10, 5);
        let mut buf = Buffer::empty(area);
        for pos in area.positions() {
            buf[pos].set_char('x');
        }
        let before = buf.clone();
        logo.composite(area, &mut buf);
        assert_eq!(buf, before);
    }

    #[test]
    fn drift_moves_one_cell_every_step_and_comes_back() {
        let mut ctx = Context::new(1, "");
        ctx.pixels = PixelGrid::Half;
        let params = LogoParams {
            placement: Placement::TopLeft,
            size: 0.2,
            drift: true,
        };
        let mut logo = Logo::new(&ctx, solid(4, 4, [9, 9, 9, 255]), params).unwrap();
        let area = Rect::new(0, 0, 80, 24);
        logo.scale(80, 24);
        let mut seen = Vec::new();
        for _ in 0..=DRIFT_PATH.len() {
            seen.push(logo.placed(area).as_position());
            logo.tick(DRIFT_STEP);
        }
        for pair in seen.windows(2) {
            let d = pair[0].x.abs_diff(pair[1].x) + pair[0].y.abs_diff(pair[1].y);
            assert_eq!(d, 1, "{seen:?}");
        }
        assert_eq!(seen[0], seen[DRIFT_PATH.len()]);
        assert_eq!(seen[0], (1, 1).into());
    }

    #[test]
    fn any_size_is_safe() {
        for grid in [PixelGrid::Half, PixelGrid::Octant] {
            let mut logo = logo(solid(3, 700, [1, 2, 3, 200]), Placement::Left, 1.0, grid);
            for (w, h) in [(0, 0), (1, 1), (200, 60), (3, 0), (80, 24)] {
                let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
                logo.render(buf.area, &mut buf);
                logo.composite(Rect::new(0, 0, 500, 500), &mut buf);
            }
        }
    }
}

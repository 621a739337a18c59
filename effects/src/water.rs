//! The `water` effect: the kiosk message seen through moving water, in five styles.
//!
//! # The original
//!
//! "Looking Through Water Blur Animation Effect – 5 Styles" (codemyui) shows a text or image
//! through a moving water surface. Its five styles could not be read, so the styles here are our
//! own, built on the two classic water techniques:
//!
//! * the SVG recipe: animated `feTurbulence` noise (its `baseFrequency` swinging back and forth
//!   over 6 s) fed into `feDisplacementMap` (`x' = x + scale·(C − 0.5)`) plus a CSS blur, and
//! * the Hugo Elias "2D water" ripple: two height buffers,
//!   `new = (left + right + up + down) / 2 − old`, damped each step, whose slope refracts the
//!   picture underneath.
//!
//! # How we map it
//!
//! The parts, one file each under `water/`: `params` (flags and ranges), `style` (the five looks
//! and a scene's colours), `field` (the displacement noise and caustic light), `ripple` (the
//! wave tank), `mask` and `blur` (coverage masks: bounds, sampling, box blur), `art`
//! ([`AsciiArt`], a picture shown instead of the message), and `look` with `vga` and `xterm`
//! (the looks at 16 and 256 colours).
//! This file lays them out per size and composes a frame.
//!
//! The subject (the message in big lettering, or an ASCII-art `--image`) is rasterised once per
//! size into an *ink* mask of pixels (half-blocks, 2 per cell, unless `--pixels` says finer).
//! Every frame the mask is resampled through a displacement field, box-blurred with running
//! sums, and composed over a water-coloured gradient with a soft shadow and optional light
//! (caustics, wave crests), then written as block glyphs. Only the mask moves, never the
//! smooth background: displacing a smooth gradient is
//! invisible to the eye but would change every cell on the wire each frame.
//!
//! | style        | what moves                                                                  |
//! |--------------|-----------------------------------------------------------------------------|
//! | `turbulence` | 2-octave noise displacement, frequency breathing over 6 s, slight blur      |
//! | `ripple`     | the two-buffer wave equation; random drops (`--drop-rate`) and key presses   |
//! | `sway`       | slow horizontal sine refraction per pixel row, a small vertical bob          |
//! | `focus`      | blur that breathes in and out, then holds the text sharp                     |
//! | `caustics`   | a mild turbulence under a moving network of light on a pool-blue scene       |
//!
//! Legibility on a kiosk comes first: displacement is measured in font pixels and clamped, and
//! every 12 s the water settles for a moment so the text reads sharp (`focus` has its own sharp
//! phase). `--calm` halves the pace and the amount. A key press ([`Effect::poke`]) drops a ripple
//! in `ripple` and a splash in the other styles (the same wave simulation, added on top).
//!
//! The message, in any script a font has (Hangul included), is the [`crate::lettering`] raster
//! in the pixels of the grid (half-blocks by default): its coverage is the ink mask, so the
//! water distorts and blurs the glyphs' anti-aliased edges too. A grapheme no font has (an
//! emoji) keeps its place in the line at normal size. On a terminal too small for big lettering
//! the message is drawn at normal size with [`text::draw_line`] over the animated water; each
//! line then sways by whole cells (at most one) and changes colour with the water, so a
//! double-width glyph is never split.
//!
//! Colours: the text is light (luma ≥ 0.75) and the water dark (luma ≤ 0.22, light lines ≤ 0.45),
//! so the shape survives any reduction of colours. Drawing for 16 or 256 colours
//! ([`Context::depth`]), where mixing navy from the palette reads as dots that change wherever
//! the message moves, the water draws a deliberate look in the palette's own colours instead:
//! shade-glyph bands of black and blue under a white message in VGA colours (`water/vga.rs`),
//! one shade glyph per cell row of water and a message in few xterm colours (`water/xterm.rs`).

mod art;
mod blur;
mod field;
mod look;
mod mask;
mod params;
mod ripple;
mod style;
mod vga;
mod xterm;

use std::time::Duration;

use rand::Rng as _;
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use ratatui_core::style::{Modifier, Style};

pub use self::art::AsciiArt;
use self::blur::BoxBlur;
use self::field::{CAUSTIC_LEVELS, Field};
use self::look::PaletteLook;
use self::mask::{Reach, Region, ink_bounds, sample};
pub use self::params::WaterParams;
use self::ripple::Waves;
use self::style::{Colors, WaterStyle};
use crate::canvas::PixelCanvas;
use crate::effect::{Context, Effect, LayerKind};
use crate::layers::{Backdrop, set_halves};
use crate::lettering::{self, Fit, Lettering};
use crate::rgb::Rgb;
use crate::rng::{self, Rng};
use crate::text;

/// The name on the command line and in configs.
pub const NAME: &str = "water";
/// The looks it has; the first is the default.
pub const STYLES: &[&str] = &["turbulence", "ripple", "sway", "focus", "caustics"];

/// Length of one settle cycle in seconds: the water moves, then calms so the text reads sharp.
const SETTLE_PERIOD: f64 = 12.0;
/// The part of the movement left at the calmest point of a settle cycle.
const SETTLE_FLOOR: f32 = 0.1;
/// One breath of the `focus` style in seconds.
const FOCUS_PERIOD: f64 = 7.0;
/// Largest `focus` blur radius at `--strength 1`, in font pixels.
const FOCUS_BLUR: f32 = 2.5;
/// Wave height units of one drop.
const DROP_DEPTH: i32 = 1200;
/// Font pixels of displacement per unit of wave slope.
const WAVE_GAIN: f32 = 1.0 / 400.0;
/// Wave slope that would light a crest fully (and darken a trough to black).
const CREST_SLOPE: i32 = 900;
/// Most a crest lightens or a trough darkens, in 1/256.
const CREST_MAX: i32 = 90;
/// Crest shading comes in steps of this many 1/256.
const CREST_STEP: i32 = 15;
/// How much a full-coverage shadow darkens the water, in 1/256.
const SHADOW: u32 = 140;
/// Shadow offset in pixels (right, down): light comes from the top left.
const SHADOW_OFFSET: (usize, usize) = (1, 2);
/// Em size in font pixels: the old 8×8 bitmap font's capitals (about 0.7 em tall) were 8
/// pixels, so its pixel, in which the displacement and blur are tuned, is 1/11 of an em.
const EM_PER_FONT_PIXEL: f32 = 11.0;
/// How far full caustic light moves the water colour toward the light colour, in 1/256.
const LIGHT_MAX: u32 = 100;

/// The `water` effect.
pub struct Water {
    style: WaterStyle,
    params: WaterParams,
    calm: bool,
    subject: Subject,
    colors: Colors,
    /// The deliberate look for 16 or 256 colours (see `water/look.rs`); `None` in truecolor
    /// and mono.
    look: Option<PaletteLook>,
    /// Per cell of the frame, whether the look draws it as a shade of plain water.
    shaded: Vec<bool>,
    /// Simulated seconds (halved under `--calm`).
    t: f64,
    /// Area size the buffers below are laid out for.
    layout_for: Option<(u16, u16)>,
    /// Pixel size of one font pixel ([`EM_PER_FONT_PIXEL`]); displacement is measured in it.
    unit: f32,
    /// Lines to draw at normal size when the big font cannot draw the message.
    plain: Vec<String>,
    width: usize,
    height: usize,
    /// The subject: coverage 0..=255 per pixel, and the box that holds all of it.
    ink: Vec<u8>,
    /// Where the lettering's raster starts in `ink` (for graphemes drawn at normal size).
    ink_origin: (i32, i32),
    ink_box: Region,
    /// Where displaced ink can land this frame (`ink_box` grown by the displacement limit).
    region: Region,
    /// The ink resampled through the water and blurred, then composed into `canvas`.
    warped: Vec<u8>,
    blur: BoxBlur,
    /// Where in `ink` displaced ink can come from (rebuilt with the layout or the limit).
    reach: Reach,
    /// The field's displacement along the pixel row being warped.
    displacement_row: Vec<[f32; 2]>,
    /// Caustic light of the pixel row being composed.
    light_row: Vec<u8>,
    bg_rows: Vec<Rgb>,
    fg_rows: Vec<Rgb>,
    field: Field,
    waves: Waves,
    canvas: PixelCanvas,
    rng: Rng,
    next_drop: f64,
    /// What is below the water when it is a layer (see [`Effect::composite`]).
    backdrop: Backdrop,
}

/// What is seen through the water.
enum Subject {
    /// The message, laid out (and cached per size) by the lettering.
    Message(Box<Lettering>),
    Art(AsciiArt),
}

impl Water {
    /// Builds the effect; `Err` names the parameter that is out of range.
    pub fn new(ctx: &Context, params: &WaterParams) -> Result<Self, String> {
        params.validate()?;
        let subject = match &params.image {
            Some(art) => Subject::Art(art.clone()),
            None => Subject::Message(Box::new(Lettering::new(ctx, &ctx.message))),
        };
        let style = WaterStyle::from_name(ctx.style_in(STYLES));
        let mut rng = rng::seeded(ctx.seed, "water");
        let noise_seed: u32 = rng.r#gen();
        let look = PaletteLook::for_depth(ctx.depth, style, &ctx.palette, params.water);
        let mut water = Self {
            style,
            params: params.clone(),
            calm: ctx.calm,
            subject,
            colors: look.as_ref().map_or_else(
                || Colors::new(style, &ctx.palette, params.water),
                PaletteLook::colors,
            ),
            look,
            shaded: Vec::new(),
            t: 0.0,
            layout_for: None,
            unit: 1.0,
            plain: Vec::new(),
            width: 0,
            height: 0,
            ink: Vec::new(),
            ink_origin: (0, 0),
            ink_box: Region::default(),
            region: Region::default(),
            warped: Vec::new(),
            blur: BoxBlur::default(),
            reach: Reach::default(),
            displacement_row: Vec::new(),
            light_row: Vec::new(),
            bg_rows: Vec::new(),
            fg_rows: Vec::new(),
            field: Field::new(style, noise_seed),
            waves: Waves::new(params.damping),
            canvas: PixelCanvas::with_grid(ctx.pixels, 0, 0, Rgb::BLACK),
            rng,
            next_drop: 0.0,
            backdrop: Backdrop::default(),
        };
        water.next_drop = water.drop_interval();
        Ok(water)
    }

    /// Seconds until the next random drop (`ripple` only; never with `--drop-rate 0`).
    fn drop_interval(&mut self) -> f64 {
        let rate = f64::from(self.params.drop_rate) * if self.calm { 0.5 } else { 1.0 };
        if self.style != WaterStyle::Ripple || rate <= 0.0 {
            return f64::INFINITY;
        }
        // Exponential gaps (a Poisson process), at least 50 ms apart.
        let u: f64 = self.rng.r#gen();
        (-(1.0 - u).ln() / rate).max(0.05)
    }

    /// Drops a disc into the waves at a random point; `size` scales radius and depth.
    fn drop_random(&mut self, size: f32) {
        let x: f32 = self.rng.r#gen();
        let y: f32 = self.rng.r#gen();
        let radius = 2.5 * self.params.scale * self.unit.sqrt() * size;
        let depth = if self.calm {
            DROP_DEPTH / 2
        } else {
            DROP_DEPTH
        };
        self.waves
            .drop_at(x, y, radius, (depth as f32 * size) as i32);
    }

    /// Re-lays out every buffer for a `cols` × `rows` area and the current subject.
    fn layout(&mut self, cols: u16, rows: u16) {
        self.layout_for = Some((cols, rows));
        let (cell_x, cell_y) = self.canvas.grid().cell();
        let (cell_x, cell_y) = (usize::from(cell_x), usize::from(cell_y));
        let (w, h) = (usize::from(cols) * cell_x, usize::from(rows) * cell_y);
        self.width = w;
        self.height = h;
        let n = w * h;
        self.ink.clear();
        self.ink.resize(n, 0);
        self.warped.clear();
        self.warped.resize(n, 0);
        self.blur.resize(w, h);
        self.light_row.clear();
        self.light_row.resize(w, 0);
        self.displacement_row.clear();
        self.displacement_row.resize(w, [0.0; 2]);
        self.reach.clear();
        self.plain.clear();
        self.unit = 1.0;
        match &mut self.subject {
            Subject::Message(lettering) => match lettering.fit(cols, rows) {
                Fit::Big(raster) => {
                    self.unit = (raster.em / EM_PER_FONT_PIXEL).max(1.0);
                    let bw = usize::from(raster.width).min(w);
                    let bh = usize::from(raster.height).min(h);
                    let x0 = (w - bw) / 2;
                    // Start on a cell boundary so glyph edges fall on cell edges.
                    let y0 = (h - bh) / 2 / cell_y * cell_y;
                    self.ink_origin = (x0 as i32, y0 as i32);
                    for y in 0..bh {
                        let row = &raster.row(y as i32)[..bw];
                        self.ink[(y0 + y) * w + x0..(y0 + y) * w + x0 + bw].copy_from_slice(row);
                    }
                }
                Fit::Plain(lines) => self.plain = lines.clone(),
            },
            Subject::Art(art) => self.unit = art.draw(&mut self.ink, w, h),
        }
        self.ink_box = if self.plain.is_empty() {
            ink_bounds(&self.ink, w, h)
        } else {
            // Plain text: the rows `text::centered` puts the lines on, where `draw_plain` reads
            // the field.
            let visible = self.plain.len().min(usize::from(rows));
            let top = (usize::from(rows) - visible) / 2;
            Region {
                x0: 0,
                y0: top * cell_y,
                x1: w,
                y1: (top + visible) * cell_y,
            }
        };
        self.bg_rows.clear();
        self.fg_rows.clear();
        if let Some(look) = &mut self.look {
            // Bands of shades fixed to the cell rows, and one colour of text.
            look.layout(rows, cell_y);
            let look = &*look;
            self.bg_rows
                .extend((0..h).map(|y| look.water_at(y, cell_y)));
            self.fg_rows.resize(h, self.colors.text);
        } else {
            for y in 0..h {
                let t = if h > 1 {
                    y as f32 / (h - 1) as f32
                } else {
                    0.0
                };
                self.bg_rows
                    .push(self.colors.deep.lerp(self.colors.shallow, t));
                // The text is a touch brighter at the top, like light from above the surface.
                self.fg_rows
                    .push(self.colors.text.lerp(self.colors.shallow, 0.12 * t));
            }
        }
        self.field.resize(w, h);
        self.waves.resize(w, h);
        self.canvas.resize_cells(cols, rows, self.colors.deep);
    }

    /// How much of the movement is on: 1 most of the time, easing down to [`SETTLE_FLOOR`] once
    /// per [`SETTLE_PERIOD`] so the text reads sharp.
    fn settle(&self) -> f32 {
        let p = self.t.rem_euclid(SETTLE_PERIOD);
        let on = if p < 8.0 {
            1.0
        } else if p < 9.5 {
            1.0 - ease((p - 8.0) / 1.5)
        } else if p < 11.0 {
            0.0
        } else {
            ease(p - 11.0)
        };
        SETTLE_FLOOR + (1.0 - SETTLE_FLOOR) * on as f32
    }

    /// The blur radius in pixels this frame.
    fn blur_radius(&self) -> f32 {
        let mut radius = self.style.base_blur() * self.settle();
        if self.style == WaterStyle::Focus {
            radius += focus_level(self.t) * FOCUS_BLUR * self.unit * self.params.strength;
        }
        radius.min(12.0)
    }

    /// Fills the displacement field for this frame.
    fn prepare_field(&mut self) {
        let calm = if self.calm { 0.5 } else { 1.0 };
        let px = self.unit * self.params.strength * calm;
        let settle = self.settle();
        let field = &mut self.field;
        field.amount = self.style.amplitude() * px * settle;
        field.wave_amount = WAVE_GAIN
            * px
            * if self.style == WaterStyle::Ripple {
                settle
            } else {
                1.0
            };
        field.limit = 3.0 * px;
        self.region = self
            .ink_box
            .grow(field.limit.ceil() as usize + 1, self.width, self.height);
        // The water's features grow with the letters, like its displacement: the same wave
        // bends a big letter as it bends a small one, instead of crinkling its strokes.
        let feature = f64::from(self.params.scale * self.unit.max(1.0));
        let t = self.t;
        match self.style {
            WaterStyle::Sway => field.fill_sway(t, feature),
            WaterStyle::Turbulence | WaterStyle::Focus | WaterStyle::Caustics => {
                let rows = self.region.y0..self.region.y1;
                field.fill_noise(t, feature, self.width, self.height, rows);
            }
            WaterStyle::Ripple => {}
        }
    }

    /// Resamples the ink through the field into `warped`; only `region` can hold ink.
    fn warp(&mut self) {
        let (w, h) = (self.width, self.height);
        self.warped.fill(0);
        let waves = self.waves.active().then_some(&self.waves);
        let (limit, wave_amount) = (self.field.limit, self.field.wave_amount);
        let region = self.region;
        // Sampling reads up to `limit` + 1 pixels away: only pixels with ink that near can
        // receive any.
        let reach = limit.ceil() as usize + 1;
        if self.reach.radius() != Some(reach) {
            self.reach.build(&self.ink, w, h, reach);
        }
        for y in region.y0..region.y1 {
            for xs in self.reach.spans(y, region.x0..region.x1) {
                let displacement = &mut self.displacement_row[..xs.len()];
                self.field.row(y, xs.clone(), displacement);
                let warped = &mut self.warped[y * w + xs.start..y * w + xs.end];
                for ((x, &[mut dx, mut dy]), out) in xs.zip(&*displacement).zip(warped) {
                    if let Some(waves) = waves {
                        let (sx, sy) = waves.slope(x, y);
                        dx += sx as f32 * wave_amount;
                        dy += sy as f32 * wave_amount;
                    }
                    let dx = dx.clamp(-limit, limit);
                    let dy = dy.clamp(-limit, limit);
                    *out = sample(&self.ink, w, h, x as f32 + dx, y as f32 + dy);
                }
            }
        }
    }

    /// Composes water, shadow, light and text into the canvas (fixed-point: this runs for
    /// every pixel of every frame). `inked` is where `warped` can be non-zero.
    fn compose(&mut self, inked: Region) {
        let (w, h) = (self.width, self.height);
        let caustics = self.style == WaterStyle::Caustics;
        let waves = self.waves.active().then_some(&self.waves);
        let (sx, sy) = SHADOW_OFFSET;
        let light_colour = self.colors.light;
        let cell_y = usize::from(self.canvas.grid().cell().1);
        // Rows the text and its shadow can reach; elsewhere there is only water (and light).
        let (first, last) = (self.region.y0, (self.region.y1 + sy).min(h));
        // Columns the text and its shadow can reach; the rest of a row is plain water unless
        // light or waves play on it.
        let columns = if caustics || waves.is_some() {
            0..w
        } else {
            inked.x0.min(w)..(inked.x1 + sx).min(w)
        };
        let pixels = self.canvas.pixels_mut();
        for y in 0..h {
            let water = self.bg_rows[y];
            let row = &mut pixels[y * w..(y + 1) * w];
            if !caustics && waves.is_none() && !(first..last).contains(&y) {
                row.fill(water);
                continue;
            }
            let ink = self.fg_rows[y];
            if caustics {
                self.field.caustic_row(y, &mut self.light_row);
            }
            row[..columns.start].fill(water);
            row[columns.end..].fill(water);
            let text = &self.warped[y * w..(y + 1) * w];
            // The ink `SHADOW_OFFSET` up and to the left casts its shadow here.
            let shade = (y >= sy).then(|| &self.warped[(y - sy) * w..(y - sy + 1) * w]);
            for x in columns.clone() {
                let a = u32::from(text[x]);
                let shadow = match shade {
                    Some(shade) if x >= sx => u32::from(shade[x - sx]),
                    _ => 0,
                };
                let light = if caustics {
                    u32::from(self.light_row[x])
                } else {
                    0
                };
                // In steps of CREST_STEP: faint swell far from a drop stays off, so the whole
                // screen does not change colour slightly on every frame.
                let crest = waves.map_or(0, |waves| {
                    (waves.slope(x, y).1 * 256 / CREST_SLOPE / CREST_STEP * CREST_STEP)
                        .clamp(-CREST_MAX, CREST_MAX)
                });
                if a == 0 && shadow == 0 && light == 0 && crest == 0 {
                    row[x] = water;
                    continue;
                }
                let over = Over {
                    ink: a,
                    shadow,
                    light,
                    crest,
                };
                row[x] = match &mut self.look {
                    Some(look) => look.pixel(y, cell_y, water, over),
                    None => over.smooth(water, ink, light_colour),
                };
            }
        }
    }

    /// The water as a layer: what is below (in `buf`) seen through the same moving surface,
    /// each half-block pixel taken from where the field displaces it, with the style's light
    /// (caustics, wave crests) on top. A cell of text moves whole, never cut.
    fn refract(&mut self, area: Rect, buf: &mut Buffer) {
        self.backdrop.read(area, buf);
        // Displacement in the effect's grid pixels, scaled with the screen rather than with
        // letters that are not there.
        let calm = if self.calm { 0.5 } else { 1.0 };
        let unit = (self.height as f32 / 40.0).max(1.0);
        let px = unit * self.params.strength * calm;
        let settle = self.settle();
        self.field.amount = self.style.amplitude() * px * settle;
        self.field.wave_amount = WAVE_GAIN * px;
        self.field.limit = 3.0 * px;
        let feature = f64::from(self.params.scale * unit);
        match self.style {
            WaterStyle::Sway => self.field.fill_sway(self.t, feature),
            WaterStyle::Ripple => {}
            _ => self
                .field
                .fill_noise(self.t, feature, self.width, self.height, 0..self.height),
        }
        let (cx, cy) = self.canvas.grid().cell();
        let (cx, cy) = (usize::from(cx), usize::from(cy));
        let waves = self.waves.active().then_some(&self.waves);
        let caustics = self.style == WaterStyle::Caustics;
        let limit = self.field.limit;
        let light_colour = self.colors.light;
        for row in 0..usize::from(area.height) {
            for col in 0..usize::from(area.width) {
                // Where each half of the cell looks, in the backdrop's pixels, and its light.
                let look = |half: usize| {
                    let (gx, gy) = (col * cx + cx / 2, row * cy + half * cy / 2 + cy / 4);
                    let (mut dx, mut dy) = self.field.at(gx, gy);
                    let mut shade = 0;
                    if let Some(waves) = waves {
                        let (sx, sy) = waves.slope(gx, gy);
                        dx += sx as f32 * self.field.wave_amount;
                        dy += sy as f32 * self.field.wave_amount;
                        shade = (sy * 256 / CREST_SLOPE / CREST_STEP * CREST_STEP)
                            .clamp(-CREST_MAX, CREST_MAX);
                    }
                    let light = if caustics {
                        LIGHT_MAX * self.field.caustic(gx, gy) / CAUSTIC_LEVELS
                    } else {
                        0
                    };
                    let x = col as f32 + dx.clamp(-limit, limit) / cx as f32;
                    let y = (2 * row + half) as f32 + dy.clamp(-limit, limit) * 2.0 / cy as f32;
                    ((x.round() as i32, y.round() as i32), shade, light)
                };
                let ((top, top_shade, top_light), (bottom, bottom_shade, bottom_light)) =
                    (look(0), look(1));
                let (x, y) = (area.x + col as u16, area.y + row as u16);
                // Both halves look into the same text cell: that cell, whole.
                if top.0 == bottom.0
                    && top.1.div_euclid(2) == bottom.1.div_euclid(2)
                    && let Some(cell) = self.backdrop.text(top.0, top.1.div_euclid(2))
                {
                    buf[(x, y)].clone_from(cell);
                    continue;
                }
                let lit = |pixel: Rgb, shade: i32, light: u32| {
                    let mut c = pixel;
                    if light > 0 {
                        c = mix(c, light_colour, light);
                    }
                    match shade {
                        s if s > 0 => mix(c, light_colour, s.unsigned_abs()),
                        s if s < 0 => mix(c, Rgb::BLACK, s.unsigned_abs()),
                        _ => c,
                    }
                };
                let upper = lit(self.backdrop.pixel(top.0, top.1), top_shade, top_light);
                let lower = lit(
                    self.backdrop.pixel(bottom.0, bottom.1),
                    bottom_shade,
                    bottom_light,
                );
                set_halves(&mut buf[(x, y)], upper, lower);
            }
        }
    }

    /// Draws the message at normal size over the water: whole lines shift by at most one cell
    /// and take their colour from the water, so no glyph is ever split.
    fn draw_plain(&self, area: Rect, buf: &mut Buffer) {
        let focus = if self.style == WaterStyle::Focus {
            focus_level(self.t)
        } else {
            0.0
        };
        for (line, x, y) in text::centered(&self.plain, area) {
            let (cell_x, cell_y) = self.canvas.grid().cell();
            let row = usize::from(y - area.y) * usize::from(cell_y);
            let width = text::width(line) as i32;
            let centre = ((x - i32::from(area.x) + width / 2) * i32::from(cell_x))
                .clamp(0, self.width as i32 - 1) as usize;
            let (mut dx, _) = self.field.at(centre, row);
            if self.waves.active() {
                dx += self.waves.slope(centre, row).0 as f32 * self.field.wave_amount;
            }
            // At most one cell, and never pushed past the edge of the area.
            let room_left = x - i32::from(area.x);
            let room_right = i32::from(area.right()) - (x + width);
            let shift = (dx.round() as i32)
                .clamp(-1, 1)
                .clamp(-room_left.max(0), room_right.max(0));
            let left = x + shift;
            text::draw_line(buf, area, left, y, line, |offset, _| {
                let col = ((left - i32::from(area.x)) as usize + offset) * usize::from(cell_x);
                let col = col.min(self.width - 1);
                let upper = self.canvas.pixels()[row * self.width + col];
                let lower =
                    self.canvas.pixels()[(row + usize::from(cell_y) - 1) * self.width + col];
                let (fg, water) = if self.look.is_some() {
                    // Palette colours stay whole: one for the message, the lower pixel's water.
                    (self.colors.text, lower)
                } else {
                    let water = upper.lerp(lower, 0.5);
                    let mut fg = self.fg_rows[row];
                    if self.style == WaterStyle::Caustics {
                        fg = fg.lerp(
                            Rgb::WHITE,
                            self.field.caustic(col, row) as f32 / CAUSTIC_LEVELS as f32,
                        );
                    }
                    (fg.lerp(water, 0.5 * focus), water)
                };
                Style::new()
                    .fg(fg.into())
                    .bg(water.into())
                    .add_modifier(Modifier::BOLD)
            });
        }
    }
}

impl Effect for Water {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tick(&mut self, dt: Duration) {
        let dt = dt.as_secs_f64() * if self.calm { 0.5 } else { 1.0 };
        self.t += dt;
        while self.t >= self.next_drop {
            // Drops pause while the water settles, so the calm phase really is calm.
            if self.settle() > 0.5 {
                self.drop_random(1.0);
            }
            self.next_drop += self.drop_interval();
        }
        self.waves.advance(dt);
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if self.layout_for != Some((area.width, area.height)) {
            self.layout(area.width, area.height);
        }
        if area.is_empty() {
            return;
        }
        self.prepare_field();
        self.warp();
        let radius = self.blur_radius();
        let blurred = self
            .region
            .grow(radius.ceil() as usize + 1, self.width, self.height);
        self.blur
            .apply(&mut self.warped, self.width, blurred, radius);
        if let Some(look) = &mut self.look {
            look.set_blur(radius);
        }
        self.compose(blurred);
        match &self.look {
            Some(look) => {
                // The shade cells are drawn by the look alone: written by the canvas first,
                // each would change its symbol twice on every frame.
                let (pixels, grid) = (self.canvas.pixels(), self.canvas.grid());
                let size = (area.width, area.height);
                look.find_shaded(size, pixels, self.width, grid, &mut self.shaded);
                let (shaded, cols) = (&self.shaded, usize::from(area.width));
                self.canvas.render_except(area, buf, |col, row| {
                    shaded[usize::from(row) * cols + usize::from(col)]
                });
                look.draw_shades(area, buf, shaded);
            }
            None => self.canvas.render(area, buf),
        }
        if !self.plain.is_empty() {
            self.draw_plain(area, buf);
        }
        if let Subject::Message(lettering) = &mut self.subject
            && let Fit::Big(raster) = lettering.fit(area.width, area.height)
        {
            // Graphemes no font has, at normal size in their place on the line.
            let style = Style::new()
                .fg(self.colors.text.into())
                .bg(self.colors.deep.into())
                .add_modifier(Modifier::BOLD);
            let grid = self.canvas.grid();
            lettering::draw_inline(buf, area, raster, self.ink_origin, grid, style);
        }
    }

    fn set_message(&mut self, message: &str) {
        if let Subject::Message(lettering) = &mut self.subject
            && lettering.message() != message
        {
            lettering.set_message(message);
            self.layout_for = None;
        }
    }

    fn layer_kind(&self) -> LayerKind {
        LayerKind::Filter
    }

    /// The layers below, refracted (the water's own message is left to a message layer).
    fn composite(&mut self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if self.layout_for != Some((area.width, area.height)) {
            self.layout(area.width, area.height);
        }
        if area.is_empty() {
            return;
        }
        self.refract(area, buf);
    }

    fn poke(&mut self) {
        // A key press drops a ripple in `ripple` and a splash (the same waves) in the rest.
        let size = if self.style == WaterStyle::Ripple {
            1.5
        } else {
            1.2
        };
        self.drop_random(size);
    }
}

/// What lies over the water at one pixel: the message's and its shadow's coverage (of 255),
/// caustic light (0..=[`CAUSTIC_LEVELS`]) and wave crest shading (of 256, negative in a
/// trough).
#[derive(Clone, Copy, Debug)]
struct Over {
    ink: u32,
    shadow: u32,
    light: u32,
    crest: i32,
}

impl Over {
    /// The colour of a pixel of `water` under this, the message in `ink` and the light in
    /// `light_colour`, each blended in by its amount.
    fn smooth(self, water: Rgb, ink: Rgb, light_colour: Rgb) -> Rgb {
        let Over {
            ink: a,
            shadow,
            light,
            crest,
        } = self;
        let mut c = water;
        if shadow > 0 {
            c = mix(c, Rgb::BLACK, SHADOW * shadow / 255);
        }
        if light > 0 {
            c = mix(c, light_colour, LIGHT_MAX * light / CAUSTIC_LEVELS);
        }
        if a > 0 {
            c = mix(c, ink, a + (a >> 7));
        }
        // Crests catch the light and troughs shade; softer over the text so it stays readable.
        let shade = crest.unsigned_abs() * (256 - 200 * a / 255) / 256;
        if crest > 0 {
            c = mix(c, light_colour, shade);
        } else if crest < 0 {
            c = mix(c, Rgb::BLACK, shade);
        }
        c
    }
}

/// `a` blended toward `b` by `t`/256, in integers (`Rgb::lerp` for the per-pixel loops).
fn mix(a: Rgb, b: Rgb, t: u32) -> Rgb {
    let t = t.min(256);
    let m = |a: u8, b: u8| ((u32::from(a) * (256 - t) + u32::from(b) * t + 128) >> 8) as u8;
    Rgb(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

/// Smooth 0 → 1 over `x` in 0..=1.
fn ease(x: f64) -> f64 {
    0.5 - 0.5 * (std::f64::consts::PI * x.clamp(0.0, 1.0)).cos()
}

/// `focus`: how blurred (0..=1) at time `t`: sharp for 2.5 s, blurring over 2 s, held 0.5 s,
/// then sharpening over 2 s.
fn focus_level(t: f64) -> f32 {
    let p = t.rem_euclid(FOCUS_PERIOD);
    let level = if p < 2.5 {
        0.0
    } else if p < 4.5 {
        ease((p - 2.5) / 2.0)
    } else if p < 5.0 {
        1.0
    } else {
        1.0 - ease((p - 5.0) / 2.0)
    };
    level as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::depth::ColorDepth;

    /// One character per half-block pixel by luma (two text rows per cell row), so snapshots
    /// show the shapes the colours make.
    fn luma_dump(buf: &Buffer) -> String {
        const RAMP: &[u8] = b" .:-=+*#%@";
        let rgb = |c: ratatui_core::style::Color| match c {
            ratatui_core::style::Color::Rgb(r, g, b) => Rgb(r, g, b),
            _ => Rgb::BLACK,
        };
        let mut out = String::new();
        for y in buf.area.top()..buf.area.bottom() {
            for half in 0..2 {
                for x in buf.area.left()..buf.area.right() {
                    let cell = &buf[(x, y)];
                    let c = match cell.symbol() {
                        "▀" if half == 0 => rgb(cell.fg),
                        "▀" | " " => rgb(cell.bg),
                        _ => rgb(cell.fg),
                    };
                    let i = ((c.luma() * RAMP.len() as f32) as usize).min(RAMP.len() - 1);
                    out.push(RAMP[i] as char);
                }
                out.push('\n');
            }
        }
        out
    }

    fn run(style: &str, message: &str, w: u16, h: u16, seconds: f32) -> Buffer {
        let mut ctx = Context::new(7, message);
        ctx.style = Some(style.to_string());
        let mut fx = Water::new(&ctx, &WaterParams::default()).unwrap();
        let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
        let ticks = (seconds * 60.0) as u32;
        for i in 0..ticks {
            fx.tick(Duration::from_secs_f64(1.0 / 60.0));
            // Render every other tick, like the engine at 30 fps: the waves live at render size.
            if i % 2 == 0 {
                fx.render(buf.area, &mut buf);
            }
        }
        fx.render(buf.area, &mut buf);
        buf
    }

    fn build(style: &str, message: &str, params: &WaterParams) -> Water {
        let mut ctx = Context::new(7, message);
        ctx.style = Some(style.to_string());
        Water::new(&ctx, params).unwrap()
    }

    #[test]
    fn every_style_snapshot() {
        for style in STYLES {
            let dump = luma_dump(&run(style, "Water", 56, 11, 2.5));
            insta::assert_snapshot!(format!("style_{style}"), dump);
        }
    }

    #[test]
    fn same_seed_same_frames() {
        for style in STYLES {
            assert_eq!(
                run(style, "Water", 30, 8, 1.5),
                run(style, "Water", 30, 8, 1.5),
                "{style}"
            );
        }
    }

    #[test]
    fn resize_to_one_by_one_and_back() {
        for style in STYLES {
            for message in ["Water", "물결 🌊"] {
                let mut fx = build(style, message, &WaterParams::default());
                let mut fresh = build(style, message, &WaterParams::default());
                let dt = Duration::from_secs_f64(1.0 / 60.0);
                for (w, h) in [(40, 10), (1, 1), (0, 0), (40, 10)] {
                    for _ in 0..20 {
                        fx.tick(dt);
                        fresh.tick(dt);
                    }
                    // Every cell is written: nothing of the 'X' fill may survive.
                    let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
                    for cell in &mut buf.content {
                        cell.set_symbol("X");
                    }
                    fx.render(buf.area, &mut buf);
                    assert!(buf.content.iter().all(|c| c.symbol() != "X"), "{style}");
                }
                // Back at the first size, the frame is what a never-resized effect draws (the
                // ripple tank restarts on resize, so that style only has to survive).
                if *style != "ripple" {
                    let mut a = Buffer::empty(Rect::new(0, 0, 40, 10));
                    let mut b = a.clone();
                    fx.render(a.area, &mut a);
                    fresh.render(b.area, &mut b);
                    assert_eq!(a, b, "{style} {message}");
                }
            }
        }
    }

    #[test]
    fn still_water_shows_the_subject_unmoved() {
        // No drops, no strength: the ripple style has no blur, so the ink comes through as is.
        let params = WaterParams {
            strength: 0.0,
            drop_rate: 0.0,
            ..WaterParams::default()
        };
        let mut fx = build("ripple", "HI", &params);
        let mut buf = Buffer::empty(Rect::new(0, 0, 30, 8));
        fx.tick(Duration::from_secs(1));
        fx.render(buf.area, &mut buf);
        assert!(fx.ink.contains(&255));
        assert_eq!(fx.warped, fx.ink);
    }

    #[test]
    fn text_is_light_and_water_dark_for_sixteen_colours() {
        let brand = vec![Rgb(40, 40, 120), Rgb(255, 200, 0)];
        for style in STYLES {
            for palette in [Vec::new(), brand.clone()] {
                let mut ctx = Context::new(3, "Water");
                ctx.style = Some(style.to_string());
                ctx.palette = palette;
                let mut fx = Water::new(&ctx, &WaterParams::default()).unwrap();
                let mut buf = Buffer::empty(Rect::new(0, 0, 60, 16));
                for _ in 0..12 {
                    for _ in 0..30 {
                        fx.tick(Duration::from_secs_f64(1.0 / 60.0));
                    }
                    fx.render(buf.area, &mut buf);
                    let pixels = fx.canvas.pixels();
                    for (i, &a) in fx.warped.iter().enumerate() {
                        let luma = pixels[i].luma();
                        if a == 255 {
                            assert!(luma >= 0.65, "{style}: text pixel luma {luma}");
                        } else if a == 0 {
                            assert!(luma <= 0.45, "{style}: water pixel luma {luma}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn focus_breathes_and_comes_sharp() {
        let mut fx = build("focus", "Water", &WaterParams::default());
        fx.unit = 1.0;
        assert!(fx.blur_radius() < 0.01, "sharp at the start");
        fx.t = 4.75;
        assert!(fx.blur_radius() > 2.0, "blurred at the top of the breath");
        fx.t = FOCUS_PERIOD + 1.0;
        assert!(fx.blur_radius() < 0.01, "sharp again");
    }

    /// A water effect drawing for colour depth `depth`.
    fn drawn_for(depth: ColorDepth, style: &str, message: &str, palette: &[Rgb]) -> Water {
        let mut ctx = Context::new(3, message);
        ctx.style = Some(style.to_string());
        ctx.palette = palette.to_vec();
        ctx.depth = depth;
        Water::new(&ctx, &WaterParams::default()).unwrap()
    }

    /// Whether `c` is a colour of `depth`'s palette (16: the VGA colours; 256: the xterm cube
    /// and greys).
    fn in_palette(depth: ColorDepth, c: Rgb) -> bool {
        use crate::ansi::{ANSI16, xterm_rgb};
        match depth {
            ColorDepth::Ansi16 => ANSI16.contains(&c),
            _ => (16..=255).any(|n| xterm_rgb(n) == c),
        }
    }

    /// What a cell shows: its glyph (any half block as "pixels") and the RGB of each colour.
    fn shown(cell: &ratatui_core::buffer::Cell) -> (String, Option<Rgb>, Option<Rgb>) {
        use crate::ansi::rgb_of;
        use crate::canvas::HalfBlock;
        match HalfBlock::of(cell.symbol()) {
            Some(block) => {
                let (top, bottom) = block.halves(cell.fg, cell.bg);
                ("pixels".into(), rgb_of(top), rgb_of(bottom))
            }
            None => (cell.symbol().into(), rgb_of(cell.fg), rgb_of(cell.bg)),
        }
    }

    #[test]
    fn reduced_colours_are_palette_colours_the_colour_pass_keeps() {
        use crate::depth::{ColorMapper, Dither};
        let brand = [Rgb(255, 200, 0), Rgb(0, 90, 40)];
        for (depth, style) in [ColorDepth::Ansi16, ColorDepth::Ansi256]
            .into_iter()
            .flat_map(|depth| STYLES.iter().map(move |style| (depth, style)))
        {
            for palette in [&[][..], &brand] {
                for message in ["Water 물결 🌊", "물결 🌊 water"] {
                    let mut fx = drawn_for(depth, style, message, palette);
                    // 60×16 draws the message big; 24×5 at normal size over the water.
                    for area in [Rect::new(0, 0, 60, 16), Rect::new(0, 0, 24, 5)] {
                        let mut mapper = ColorMapper::new(depth, Dither::Auto);
                        for _ in 0..6 {
                            for _ in 0..20 {
                                fx.tick(Duration::from_secs_f64(1.0 / 60.0));
                            }
                            fx.poke();
                            let mut drawn = Buffer::empty(area);
                            fx.render(area, &mut drawn);
                            let mut mapped = drawn.clone();
                            mapper.apply(&mut mapped, area);
                            for (before, after) in drawn.content.iter().zip(&mapped.content) {
                                let (_, fg, bg) = shown(before);
                                let kept = |c: Option<Rgb>| c.is_none_or(|c| in_palette(depth, c));
                                assert!(kept(fg) && kept(bg), "{style}: {before:?}");
                                assert_eq!(shown(before), shown(after), "{style} {palette:?}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn reduced_colours_change_only_where_the_message_moves() {
        for (depth, style) in [ColorDepth::Ansi16, ColorDepth::Ansi256]
            .into_iter()
            .flat_map(|depth| ["turbulence", "sway", "focus"].map(move |style| (depth, style)))
        {
            let mut fx = drawn_for(depth, style, "Water", &[]);
            let area = Rect::new(0, 0, 60, 20);
            let mut frames = Vec::new();
            for _ in 0..4 {
                for _ in 0..40 {
                    fx.tick(Duration::from_secs_f64(1.0 / 60.0));
                }
                let mut buf = Buffer::empty(area);
                fx.render(area, &mut buf);
                frames.push(buf);
            }
            // The message moves; its rows change, and nothing else does.
            assert!(frames.windows(2).any(|w| w[0] != w[1]), "{style}");
            let rows_changed: Vec<u16> = (0..area.height)
                .filter(|&y| {
                    (0..area.width).any(|x| frames.iter().any(|f| f[(x, y)] != frames[0][(x, y)]))
                })
                .collect();
            let (first, last) = (rows_changed[0], rows_changed[rows_changed.len() - 1]);
            assert!(first >= 5 && last <= 14, "{style}: rows {rows_changed:?}");
            // Plain water is drawn with shade glyphs; at 16 colours deep (black) above and
            // shallow (blue) below.
            let glyphs: Vec<&str> = (0..area.height)
                .map(|y| frames[0][(0, y)].symbol())
                .collect();
            let shades = ["░", "▒", "▓"].map(|shade| glyphs.contains(&shade));
            assert!(shades.contains(&true), "{style}: {glyphs:?}");
            if depth != ColorDepth::Ansi16 {
                continue;
            }
            assert!(!shades.contains(&false), "{style}: {glyphs:?}");
            let top = &frames[0][(0, 0)];
            let bottom = &frames[0][(0, area.height - 1)];
            assert_eq!(top.bg, crate::ansi::vga::BLACK.into());
            assert_eq!(bottom.bg, crate::ansi::vga::BLUE.into());
        }
    }

    #[test]
    fn the_water_settles_so_the_text_can_be_read() {
        let mut fx = build("turbulence", "Water", &WaterParams::default());
        fx.t = 2.0;
        assert_eq!(fx.settle(), 1.0);
        fx.t = 10.0;
        assert!(fx.settle() <= SETTLE_FLOOR + 1e-6);
    }

    #[test]
    fn a_poke_drops_a_ripple_that_rings_down() {
        let params = WaterParams {
            drop_rate: 0.0,
            ..WaterParams::default()
        };
        for style in ["ripple", "sway"] {
            let mut fx = build(style, "Water", &params);
            let area = Rect::new(0, 0, 40, 10);
            let (mut calm, mut poked) = (Buffer::empty(area), Buffer::empty(area));
            fx.render(area, &mut calm);
            assert!(!fx.waves.active());
            fx.poke();
            for _ in 0..20 {
                fx.tick(Duration::from_secs_f64(1.0 / 60.0));
            }
            fx.render(area, &mut poked);
            assert!(fx.waves.active(), "{style}");
            if style == "ripple" {
                assert_ne!(calm, poked, "the ripple must show");
            }
            for _ in 0..60 * 15 {
                fx.tick(Duration::from_secs_f64(1.0 / 60.0));
            }
            assert!(!fx.waves.active(), "{style}: the tank goes idle");
            assert!(fx.waves.current.iter().all(|&h| h == 0));
        }
    }

    #[test]
    fn plain_text_lines_move_whole() {
        for style in STYLES {
            let mut fx = build(style, "물결 🌊 water", &WaterParams::default());
            let mut buf = Buffer::empty(Rect::new(0, 0, 24, 5));
            for _ in 0..40 {
                for _ in 0..7 {
                    fx.tick(Duration::from_secs_f64(1.0 / 60.0));
                }
                fx.poke();
                fx.render(buf.area, &mut buf);
                // Read the row back, skipping the blank cell under each wide glyph's right half.
                let mut row = String::new();
                let mut x = 0;
                while x < 24 {
                    let symbol = buf[(x, 2)].symbol();
                    row.push_str(symbol);
                    x += text::width(symbol).max(1) as u16;
                }
                assert!(row.contains("물결 🌊 water"), "{style}: {row:?}");
            }
        }
    }

    #[test]
    fn art_subject_draws_centred() {
        let params = WaterParams {
            image: Some(AsciiArt::parse("██\n██\n").unwrap()),
            ..WaterParams::default()
        };
        let mut fx = build("ripple", "ignored", &params);
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 10));
        fx.render(buf.area, &mut buf);
        // 2 × 4 pixels enlarged ×4 into 20 × 20 pixels: 8 × 16, centred.
        assert_eq!(fx.unit, 4.0);
        assert_eq!(
            fx.ink_box,
            Region {
                x0: 6,
                y0: 2,
                x1: 14,
                y1: 18
            }
        );
    }

    #[test]
    fn params_are_checked() {
        let bad = |p: WaterParams| Water::new(&Context::new(1, "x"), &p).err().unwrap();
        let e = bad(WaterParams {
            strength: 9.0,
            ..WaterParams::default()
        });
        assert!(e.contains("--strength"), "{e}");
        let e = bad(WaterParams {
            damping: 1.0,
            ..WaterParams::default()
        });
        assert!(e.contains("--damping"), "{e}");
        let e = bad(WaterParams {
            scale: f32::NAN,
            ..WaterParams::default()
        });
        assert!(e.contains("--scale"), "{e}");
    }

    #[cfg(feature = "clap")]
    #[test]
    fn flags_parse() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            water: WaterParams,
        }
        let cli = Cli::parse_from(["x", "--water", "#003366", "--drop-rate", "0"]);
        assert_eq!(cli.water.water, Rgb(0, 0x33, 0x66));
        assert_eq!(cli.water.drop_rate, 0.0);
    }
}

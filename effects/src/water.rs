//! The `water` effect: the kiosk message seen through moving water, in five styles.
//!
//! # The original
//!
//! "Looking Through Water Blur Animation Effect – 5 Styles" (codemyui) shows a text or image
//! through a moving water surface. Its five styles could not be read, so the styles here are our
//! own, built on the two classic water techniques (see `seed-effects.md`, section 3):
//!
//! * the SVG recipe: animated `feTurbulence` noise (its `baseFrequency` swinging back and forth
//!   over 6 s) fed into `feDisplacementMap` (`x' = x + scale·(C − 0.5)`) plus a CSS blur, and
//! * the Hugo Elias "2D water" ripple: two height buffers,
//!   `new = (left + right + up + down) / 2 − old`, damped each step, whose slope refracts the
//!   picture underneath.
//!
//! # How we map it
//!
//! The subject (the message in big text, or an ASCII-art `--image`) is rasterised once per size
//! into an *ink* mask of half-block pixels (2 per cell). Every frame the mask is resampled through
//! a displacement field, box-blurred with running sums, and composed over a water-coloured
//! gradient with a soft shadow and optional light (caustics, wave crests), then written as
//! half-blocks. Only the mask moves, never the smooth background: displacing a smooth gradient is
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
//! Text the big font cannot draw (Hangul, CJK, emoji) is drawn at normal size with
//! [`text::draw_line`] over the animated water; each line then sways by whole cells (at most one)
//! and changes colour with the water, so a double-width glyph is never split.
//!
//! Colours: the text is light (luma ≥ 0.75) and the water dark (luma ≤ 0.22, light lines ≤ 0.45),
//! so the shape survives a reduction to 16 colours, where only luminance contrast is left.

use std::f64::consts::TAU;
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use noise::{Fbm, MultiFractal, NoiseFn, Perlin};
use rand::Rng as _;
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use ratatui_core::style::{Modifier, Style};

use crate::bigtext::{self, Fit};
use crate::canvas::PixelCanvas;
use crate::registry::{self, EffectInfo};
use crate::rng::{self, Rng};
use crate::{Context, Effect, Rgb, text};

/// Registry entry.
pub const INFO: EffectInfo = EffectInfo {
    name: "water",
    description: "The message seen through moving water, five styles",
    styles: &["turbulence", "ripple", "sway", "focus", "caustics"],
    heading: "Water",
    build: |ctx, params| Ok(Box::new(Water::new(ctx, &params.water)?)),
};

/// Parameters of the `water` effect.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[cfg_attr(feature = "clap", command(next_help_heading = "Water"))]
pub struct WaterParams {
    /// How strongly the water bends the picture: 1 = default, 0 = still water (0-4).
    #[cfg_attr(
        feature = "clap",
        arg(long, default_value_t = 1.0, value_name = "AMOUNT")
    )]
    pub strength: f32,

    /// Size of the waves, ripples and light cells: 1 = default, 2 = twice as large (0.5-4).
    #[cfg_attr(
        feature = "clap",
        arg(long, default_value_t = 1.0, value_name = "FACTOR")
    )]
    pub scale: f32,

    /// Show this ASCII-art text file through the water instead of the message (half-block
    /// characters ▀ ▄ █ and shades ░ ▒ ▓ are drawn as such, other characters by density).
    #[cfg_attr(feature = "clap", arg(long, value_name = "PATH"))]
    pub image: Option<PathBuf>,

    /// Ripples: the part of a wave's height kept each step (0.8-0.999; higher rings longer).
    #[cfg_attr(
        feature = "clap",
        arg(long, default_value_t = 0.97, value_name = "FACTOR")
    )]
    pub damping: f32,

    /// Ripples: random drops per second (0 = only when a key is pressed).
    #[cfg_attr(
        feature = "clap",
        arg(long, default_value_t = 2.0, value_name = "PER_SECOND")
    )]
    pub drop_rate: f32,

    /// Colour of the water (#rrggbb); the background and light are derived from it.
    #[cfg_attr(
        feature = "clap",
        arg(long, default_value = "#1e90ff", value_name = "COLOR")
    )]
    pub water: Rgb,
}

impl Default for WaterParams {
    fn default() -> Self {
        Self {
            strength: 1.0,
            scale: 1.0,
            image: None,
            damping: 0.97,
            drop_rate: 2.0,
            water: Rgb(0x1e, 0x90, 0xff),
        }
    }
}

impl WaterParams {
    /// Checks the ranges; the message names the flag.
    fn validate(&self) -> Result<(), String> {
        let check = |name: &str, value: f32, lo: f32, hi: f32| {
            if (lo..=hi).contains(&value) {
                Ok(())
            } else {
                Err(format!(
                    "--{name} must be between {lo} and {hi}, got {value}"
                ))
            }
        };
        check("strength", self.strength, 0.0, 4.0)?;
        check("scale", self.scale, 0.5, 4.0)?;
        check("damping", self.damping, 0.8, 0.999)?;
        check("drop-rate", self.drop_rate, 0.0, 20.0)
    }
}

/// The five looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WaterStyle {
    Turbulence,
    Ripple,
    Sway,
    Focus,
    Caustics,
}

impl WaterStyle {
    fn from_name(name: &str) -> Self {
        match name {
            "ripple" => Self::Ripple,
            "sway" => Self::Sway,
            "focus" => Self::Focus,
            "caustics" => Self::Caustics,
            _ => Self::Turbulence,
        }
    }

    /// Displacement amplitude in font pixels at `--strength 1`.
    fn amplitude(self) -> f32 {
        match self {
            Self::Turbulence => 1.2,
            // Only the waves move it (see WAVE_GAIN).
            Self::Ripple => 0.0,
            Self::Sway => 1.4,
            Self::Focus => 0.4,
            Self::Caustics => 0.7,
        }
    }

    /// The blur radius (pixels) that is always on; `focus` adds its breathing blur on top.
    fn base_blur(self) -> f32 {
        match self {
            Self::Turbulence => 0.4,
            Self::Sway => 0.3,
            Self::Ripple | Self::Focus | Self::Caustics => 0.0,
        }
    }
}

/// Spacing of the noise grid in pixels across and down; noise is evaluated there and
/// interpolated in between (features are about 13 × 6 px at the finest, wider than tall).
const GRID_X: usize = 8;
const GRID_Y: usize = 4;
/// Length of one settle cycle in seconds: the water moves, then calms so the text reads sharp.
const SETTLE_PERIOD: f64 = 12.0;
/// The part of the movement left at the calmest point of a settle cycle.
const SETTLE_FLOOR: f32 = 0.1;
/// One breath of the `focus` style in seconds.
const FOCUS_PERIOD: f64 = 7.0;
/// Largest `focus` blur radius at `--strength 1`, in font pixels.
const FOCUS_BLUR: f32 = 2.5;
/// Period of the turbulence's frequency swing (the SVG `<animate dur="6s">`).
const TURBULENCE_PERIOD: f64 = 6.0;
/// Wave-equation steps per second of simulated time.
const WAVE_STEPS_PER_SECOND: f64 = 40.0;
/// Steps after the last drop when the waves are flat enough to stop simulating.
const WAVE_IDLE_STEPS: u32 = 400;
/// Wave height units of one drop.
const DROP_DEPTH: i32 = 1200;
/// Heights are clamped to this so a storm of drops cannot overflow.
const WAVE_LIMIT: i32 = 1 << 14;
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
/// Steps of caustic light; few, so a slowly moving line changes few cells per frame.
const CAUSTIC_LEVELS: u32 = 4;
/// Half-width of a caustic light line, in noise units.
const CAUSTIC_WIDTH: f32 = 0.1;
/// How far full caustic light moves the water colour toward the light colour, in 1/256.
const LIGHT_MAX: u32 = 100;
/// Largest file `--image` accepts, in bytes.
const MAX_IMAGE_BYTES: u64 = 256 * 1024;

/// The `water` effect.
pub struct Water {
    style: WaterStyle,
    params: WaterParams,
    calm: bool,
    subject: Subject,
    colors: Colors,
    /// Simulated seconds (halved under `--calm`).
    t: f64,
    /// Area size the buffers below are laid out for.
    layout_for: Option<(u16, u16)>,
    /// Pixel size of one font pixel; displacement is measured in it.
    unit: f32,
    /// Lines to draw at normal size when the big font cannot draw the message.
    plain: Vec<String>,
    width: usize,
    height: usize,
    /// The subject: coverage 0..=255 per pixel, and the box that holds all of it.
    ink: Vec<u8>,
    ink_box: Region,
    /// Where displaced ink can land this frame (`ink_box` grown by the displacement limit).
    region: Region,
    /// The ink resampled through the water and blurred, then composed into `canvas`.
    warped: Vec<u8>,
    scratch: Vec<u8>,
    /// Caustic light of the pixel row being composed.
    light_row: Vec<u8>,
    bg_rows: Vec<Rgb>,
    fg_rows: Vec<Rgb>,
    field: Field,
    waves: Waves,
    canvas: PixelCanvas,
    rng: Rng,
    next_drop: f64,
}

/// What is seen through the water.
enum Subject {
    Message(String),
    Art(Art),
}

/// The colours of one scene.
#[derive(Clone, Copy, Debug)]
struct Colors {
    text: Rgb,
    deep: Rgb,
    shallow: Rgb,
    light: Rgb,
}

/// The displacement field of one frame.
struct Field {
    style: WaterStyle,
    /// Noise grids, row-major, `grid_w` wide: displacement `[dx, dy]` and the two caustic
    /// light networks.
    disp: Vec<[f32; 2]>,
    light: Vec<[f32; 2]>,
    grid_w: usize,
    /// `sway`: horizontal shift per pixel row and vertical shift per pixel column.
    row_shift: Vec<f32>,
    col_shift: Vec<f32>,
    /// Displacement in pixels per unit of noise / wave slope this frame.
    amount: f32,
    wave_amount: f32,
    /// Hard limit on either component, in pixels.
    limit: f32,
    displacement: Fbm<Perlin>,
    light_noise: Perlin,
}

/// The Hugo Elias two-buffer ripple tank, one cell per pixel.
struct Waves {
    width: usize,
    height: usize,
    current: Vec<i32>,
    previous: Vec<i32>,
    /// Fractional steps owed to the simulation.
    clock: f64,
    /// Steps since the last drop.
    quiet: u32,
    /// `damping` in 1/65536.
    damping: i32,
}

impl Water {
    /// Builds the effect; reads `--image` here (never while rendering).
    pub fn new(ctx: &Context, params: &WaterParams) -> Result<Self, String> {
        params.validate()?;
        let subject = match &params.image {
            Some(path) => Subject::Art(Art::load(path)?),
            None => Subject::Message(ctx.message.clone()),
        };
        let style = WaterStyle::from_name(registry::style_for(&INFO, ctx));
        let mut rng = rng::seeded(ctx.seed, "water");
        let noise_seed: u32 = rng.r#gen();
        let mut water = Self {
            style,
            params: params.clone(),
            calm: ctx.calm,
            subject,
            colors: Colors::new(style, &ctx.palette, params.water),
            t: 0.0,
            layout_for: None,
            unit: 1.0,
            plain: Vec::new(),
            width: 0,
            height: 0,
            ink: Vec::new(),
            ink_box: Region::default(),
            region: Region::default(),
            warped: Vec::new(),
            scratch: Vec::new(),
            light_row: Vec::new(),
            bg_rows: Vec::new(),
            fg_rows: Vec::new(),
            field: Field {
                style,
                disp: Vec::new(),
                light: Vec::new(),
                grid_w: 0,
                row_shift: Vec::new(),
                col_shift: Vec::new(),
                amount: 0.0,
                wave_amount: 0.0,
                limit: 0.0,
                displacement: Fbm::<Perlin>::new(noise_seed)
                    .set_octaves(2)
                    .set_lacunarity(2.0),
                light_noise: Perlin::new(noise_seed.wrapping_add(1)),
            },
            waves: Waves {
                width: 0,
                height: 0,
                current: Vec::new(),
                previous: Vec::new(),
                clock: 0.0,
                quiet: WAVE_IDLE_STEPS,
                damping: (params.damping * 65536.0) as i32,
            },
            canvas: PixelCanvas::default(),
            rng,
            next_drop: 0.0,
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
        let (w, h) = (usize::from(cols), usize::from(rows) * 2);
        self.width = w;
        self.height = h;
        let n = w * h;
        self.ink.clear();
        self.ink.resize(n, 0);
        self.warped.clear();
        self.warped.resize(n, 0);
        self.scratch.clear();
        self.scratch.resize(n, 0);
        self.light_row.clear();
        self.light_row.resize(w, 0);
        self.plain.clear();
        self.unit = 1.0;
        match &self.subject {
            Subject::Message(message) => match bigtext::fit(message, cols, rows, 0.8) {
                Fit::Big(bitmap) => {
                    self.unit = f32::from(bitmap.scale);
                    let bw = usize::from(bitmap.width).min(w);
                    let bh = usize::from(bitmap.height).min(h);
                    let x0 = (w - bw) / 2;
                    // Start on an even pixel row so glyph edges fall on cell edges.
                    let y0 = ((h - bh) / 2) & !1;
                    for y in 0..bh {
                        for x in 0..bw {
                            if bitmap.get(x as i32, y as i32) {
                                self.ink[(y0 + y) * w + x0 + x] = 255;
                            }
                        }
                    }
                }
                Fit::Plain(lines) => self.plain = lines,
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
                y0: top * 2,
                x1: w,
                y1: (top + visible) * 2,
            }
        };
        self.bg_rows.clear();
        self.fg_rows.clear();
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
        let feature = f64::from(self.params.scale);
        let t = self.t;
        match self.style {
            WaterStyle::Sway => {
                let k = TAU / (22.0 * feature);
                for (y, shift) in field.row_shift.iter_mut().enumerate() {
                    let y = y as f64;
                    let s =
                        (k * y + TAU * t / 3.5).sin() + 0.35 * (2.3 * k * y - TAU * t / 2.1).sin();
                    *shift = (s / 1.35) as f32;
                }
                let k = TAU / (40.0 * feature);
                for (x, shift) in field.col_shift.iter_mut().enumerate() {
                    *shift = (0.35 * (k * x as f64 + TAU * t / 5.0).sin()) as f32;
                }
            }
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
        for y in region.y0..region.y1 {
            for x in region.x0..region.x1 {
                let (mut dx, mut dy) = self.field.at(x, y);
                if let Some(waves) = waves {
                    let (sx, sy) = waves.slope(x, y);
                    dx += sx as f32 * wave_amount;
                    dy += sy as f32 * wave_amount;
                }
                let dx = dx.clamp(-limit, limit);
                let dy = dy.clamp(-limit, limit);
                self.warped[y * w + x] = sample(&self.ink, w, h, x as f32 + dx, y as f32 + dy);
            }
        }
    }

    /// Composes water, shadow, light and text into the canvas (fixed-point: this runs for
    /// every pixel of every frame).
    fn compose(&mut self) {
        let (w, h) = (self.width, self.height);
        let caustics = self.style == WaterStyle::Caustics;
        let waves = self.waves.active().then_some(&self.waves);
        let (sx, sy) = SHADOW_OFFSET;
        let light_colour = self.colors.light;
        // Rows the text and its shadow can reach; elsewhere there is only water (and light).
        let (first, last) = (self.region.y0, (self.region.y1 + sy).min(h));
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
            for (x, pixel) in row.iter_mut().enumerate() {
                let i = y * w + x;
                let a = u32::from(self.warped[i]);
                let shadow = if x >= sx && y >= sy {
                    u32::from(self.warped[i - sy * w - sx])
                } else {
                    0
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
                // Crests catch the light and troughs shade; softer over the text so it stays
                // readable.
                let shade = crest.unsigned_abs() * (256 - 200 * a / 255) / 256;
                if crest > 0 {
                    c = mix(c, light_colour, shade);
                } else if crest < 0 {
                    c = mix(c, Rgb::BLACK, shade);
                }
                *pixel = c;
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
            let row = usize::from(y - area.y) * 2;
            let width = text::width(line) as i32;
            let centre =
                (x - i32::from(area.x) + width / 2).clamp(0, self.width as i32 - 1) as usize;
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
                let col = (left - i32::from(area.x)) as usize + offset;
                let col = col.min(self.width - 1);
                let upper = self.canvas.pixels()[row * self.width + col];
                let lower = self.canvas.pixels()[(row + 1) * self.width + col];
                let water = upper.lerp(lower, 0.5);
                let mut fg = self.fg_rows[row];
                if self.style == WaterStyle::Caustics {
                    fg = fg.lerp(
                        Rgb::WHITE,
                        self.field.caustic(col, row) as f32 / CAUSTIC_LEVELS as f32,
                    );
                }
                let fg = fg.lerp(water, 0.5 * focus);
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
        INFO.name
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
        self.waves.clock = (self.waves.clock + dt * WAVE_STEPS_PER_SECOND).min(8.0);
        while self.waves.clock >= 1.0 {
            self.waves.clock -= 1.0;
            self.waves.step();
        }
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
        box_blur(
            &mut self.warped,
            &mut self.scratch,
            self.width,
            blurred,
            radius,
        );
        self.compose();
        self.canvas.render(area, buf);
        if !self.plain.is_empty() {
            self.draw_plain(area, buf);
        }
    }

    fn set_message(&mut self, message: &str) {
        if let Subject::Message(current) = &mut self.subject
            && current != message
        {
            *current = message.to_string();
            self.layout_for = None;
        }
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

impl Colors {
    /// Text from the brand palette's first colour (else near-white), water from its second (else
    /// `--water`). Luma is pinned so the text stays light and the water dark at any colour depth.
    fn new(style: WaterStyle, palette: &[Rgb], water: Rgb) -> Self {
        let water = palette.get(1).copied().unwrap_or(water);
        let text = palette.first().copied().unwrap_or(Rgb(240, 248, 255));
        let mut text = text.lerp(water, 0.12);
        while text.luma() < 0.75 {
            text = text.lerp(Rgb::WHITE, 0.25);
        }
        let (deep, shallow) = match style {
            // A lit pool: lighter, so the light network has something to play on.
            WaterStyle::Caustics => (0.12, 0.22),
            _ => (0.06, 0.18),
        };
        Self {
            text,
            deep: with_luma(water, deep),
            shallow: with_luma(water, shallow),
            // Pinned too: a bright brand colour must not light the water up like the text.
            light: with_luma(water.lerp(Rgb::WHITE, 0.55), 0.7),
        }
    }
}

/// `colour` scaled to about `luma` (a grey of that luma for a black colour).
fn with_luma(colour: Rgb, luma: f32) -> Rgb {
    let l = colour.luma();
    if l < 0.01 {
        let v = (luma * 255.0) as u8;
        return Rgb(v, v, v);
    }
    colour.scale(luma / l)
}

/// `a` blended toward `b` by `t`/256, in integers (`Rgb::lerp` for the per-pixel loops).
fn mix(a: Rgb, b: Rgb, t: u32) -> Rgb {
    let t = t.min(256);
    let m = |a: u8, b: u8| ((u32::from(a) * (256 - t) + u32::from(b) * t + 128) >> 8) as u8;
    Rgb(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

/// A rectangle of pixels, `x0..x1` × `y0..y1`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Region {
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

impl Region {
    fn is_empty(self) -> bool {
        self.x0 >= self.x1 || self.y0 >= self.y1
    }

    /// Grown by `margin` on every side, clipped to `w` × `h`.
    fn grow(self, margin: usize, w: usize, h: usize) -> Region {
        if self.is_empty() {
            return self;
        }
        Region {
            x0: self.x0.saturating_sub(margin),
            y0: self.y0.saturating_sub(margin),
            x1: (self.x1 + margin).min(w),
            y1: (self.y1 + margin).min(h),
        }
    }
}

/// The smallest region holding every non-zero pixel of `mask` (`w` × `h`).
fn ink_bounds(mask: &[u8], w: usize, h: usize) -> Region {
    let mut bounds = Region {
        x0: w,
        y0: h,
        x1: 0,
        y1: 0,
    };
    for (i, _) in mask.iter().enumerate().filter(|(_, v)| **v > 0) {
        let (x, y) = (i % w, i / w);
        bounds.x0 = bounds.x0.min(x);
        bounds.y0 = bounds.y0.min(y);
        bounds.x1 = bounds.x1.max(x + 1);
        bounds.y1 = bounds.y1.max(y + 1);
    }
    if bounds.is_empty() {
        Region::default()
    } else {
        bounds
    }
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

/// Bilinear sample of an 8-bit mask at (`x`, `y`), clamped at the edges.
fn sample(mask: &[u8], w: usize, h: usize, x: f32, y: f32) -> u8 {
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x as usize, y as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let fx = ((x - x0 as f32) * 256.0) as u32;
    let fy = ((y - y0 as f32) * 256.0) as u32;
    let at = |x: usize, y: usize| u32::from(mask[y * w + x]);
    let top = at(x0, y0) * (256 - fx) + at(x1, y0) * fx;
    let bottom = at(x0, y1) * (256 - fx) + at(x1, y1) * fx;
    ((top * (256 - fy) + bottom * fy + (1 << 15)) >> 16) as u8
}

/// Separable box blur of `radius` pixels (fractional: the outermost taps weigh the fraction)
/// with running sums, so the cost does not depend on the radius. Only `region` of the `w`-wide
/// mask is blurred: it must have a blank border at least `radius` wide (or lie on the image
/// edge). `scratch` holds the middle pass.
fn box_blur(mask: &mut [u8], scratch: &mut [u8], w: usize, region: Region, radius: f32) {
    if radius < 1.0 / 64.0 || region.is_empty() {
        return;
    }
    let (cols, rows) = (region.x1 - region.x0, region.y1 - region.y0);
    for y in region.y0..region.y1 {
        let start = y * w + region.x0;
        blur_line(&mask[start..], 1, &mut scratch[start..], cols, radius);
    }
    for x in region.x0..region.x1 {
        let start = region.y0 * w + x;
        blur_line(&scratch[start..], w, &mut mask[start..], rows, radius);
    }
}

/// One line of [`box_blur`]: `len` values `stride` apart from `src` into `dst`.
fn blur_line(src: &[u8], stride: usize, dst: &mut [u8], len: usize, radius: f32) {
    let n = radius as usize;
    let frac = ((radius - n as f32) * 256.0) as u32;
    let den = (2 * n as u32 + 1) * 256 + 2 * frac;
    let at = |i: isize| u32::from(src[(i.clamp(0, len as isize - 1) as usize) * stride]);
    let n = n as isize;
    let mut sum: u32 = (-n..=n).map(at).sum();
    for i in 0..len as isize {
        let edges = at(i - n - 1) + at(i + n + 1);
        dst[i as usize * stride] = ((sum * 256 + frac * edges + den / 2) / den) as u8;
        sum = sum + at(i + n + 1) - at(i - n);
    }
}

impl Field {
    fn resize(&mut self, w: usize, h: usize) {
        self.grid_w = w / GRID_X + 2;
        let cells = self.grid_w * (h / GRID_Y + 2);
        for grid in [&mut self.disp, &mut self.light] {
            grid.clear();
            grid.resize(cells, [0.0; 2]);
        }
        self.row_shift.clear();
        self.row_shift.resize(h, 0.0);
        self.col_shift.clear();
        self.col_shift.resize(w, 0.0);
    }

    /// Evaluates the noise for time `t` and feature size factor `feature`: displacement on the
    /// grid rows that cover pixel rows `rows` (nothing else can move the text), light everywhere.
    fn fill_noise(&mut self, t: f64, feature: f64, w: usize, h: usize, rows: Range<usize>) {
        // The SVG recipe swings baseFrequency back and forth; zoom about the centre so the far
        // side of a wide screen does not race.
        let swing = if self.style == WaterStyle::Turbulence {
            1.0 + 0.2 * (1.0 - (TAU * t / TURBULENCE_PERIOD).cos())
        } else {
            1.0
        };
        // Horizontal features wider than tall, as in baseFrequency="0.02 0.05".
        let fx = swing / (26.0 * feature);
        let fy = swing / (12.0 * feature);
        let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
        let z = t * 0.25;
        let grid_h = self.disp.len() / self.grid_w;
        let first = rows.start / GRID_Y;
        let last = (rows.end.div_ceil(GRID_Y) + 1).min(grid_h);
        for gy in first..last {
            for gx in 0..self.grid_w {
                let (px, py) = ((gx * GRID_X) as f64, (gy * GRID_Y) as f64);
                let (nx, ny) = ((px - cx) * fx, (py - cy) * fy);
                self.disp[gy * self.grid_w + gx] = [
                    self.displacement.get([nx, ny, z]) as f32,
                    self.displacement.get([nx + 31.7, ny - 17.3, z]) as f32,
                ];
            }
        }
        if self.style == WaterStyle::Caustics {
            let f = 1.0 / (16.0 * feature);
            for (k, cell) in self.light.iter_mut().enumerate() {
                let lx = ((k % self.grid_w) * GRID_X) as f64 * f;
                let ly = ((k / self.grid_w) * GRID_Y) as f64 * f;
                // Two drifting networks crossing each other make the mesh of a pool floor.
                *cell = [
                    self.light_noise.get([lx + t * 0.05, ly, t * 0.22]) as f32,
                    self.light_noise
                        .get([ly * 0.8 - 11.0, lx * 0.8 - t * 0.04, t * 0.18 + 5.0])
                        as f32,
                ];
            }
        }
    }

    /// The style's displacement at pixel (`x`, `y`), in pixels.
    fn at(&self, x: usize, y: usize) -> (f32, f32) {
        match self.style {
            WaterStyle::Sway => (
                self.row_shift[y] * self.amount,
                self.col_shift[x] * self.amount,
            ),
            WaterStyle::Ripple => (0.0, 0.0),
            _ => {
                let [nx, ny] = bilinear(&self.disp, self.grid_w, x, y);
                // Fractal noise rarely leaves ±0.5; stretch it so the amplitude is reached.
                (
                    (nx * 2.0).clamp(-1.0, 1.0) * self.amount,
                    (ny * 2.0).clamp(-1.0, 1.0) * self.amount,
                )
            }
        }
    }

    /// Caustic light at pixel (`x`, `y`), 0..=[`CAUSTIC_LEVELS`]: a few levels only, so a slowly
    /// moving line changes few cells per frame.
    fn caustic(&self, x: usize, y: usize) -> u32 {
        let [a, b] = bilinear(&self.light, self.grid_w, x, y);
        caustic_level(a, b)
    }

    /// [`Field::caustic`] for a whole pixel row into `out`, interpolating down the grid once per
    /// grid column instead of once per pixel.
    fn caustic_row(&self, y: usize, out: &mut [u8]) {
        let i = (y / GRID_Y) * self.grid_w;
        let fy = (y % GRID_Y) as f32 / GRID_Y as f32;
        let down = |k: usize, c: usize| {
            let top = self.light[i + k][c];
            top + (self.light[i + k + self.grid_w][c] - top) * fy
        };
        for (gx, chunk) in out.chunks_mut(GRID_X).enumerate() {
            let (a0, b0, a1, b1) = (down(gx, 0), down(gx, 1), down(gx + 1, 0), down(gx + 1, 1));
            for (k, level) in chunk.iter_mut().enumerate() {
                let fx = k as f32 / GRID_X as f32;
                *level = caustic_level(a0 + (a1 - a0) * fx, b0 + (b1 - b0) * fx) as u8;
            }
        }
    }
}

/// Light (0..=[`CAUSTIC_LEVELS`]) where two networks have noise values `a` and `b`: bright along the zero
/// lines of each, which wind and branch like the light on a pool floor.
fn caustic_level(a: f32, b: f32) -> u32 {
    let line = |v: f32| (1.0 - v.abs() / CAUSTIC_WIDTH).max(0.0);
    let (a, b) = (line(a), line(b));
    ((a * a + 0.7 * b * b).min(1.0) * CAUSTIC_LEVELS as f32 + 0.5) as u32
}

/// The grid value at pixel (`x`, `y`), interpolated between the four nearest grid points.
fn bilinear(grid: &[[f32; 2]], grid_w: usize, x: usize, y: usize) -> [f32; 2] {
    let i = (y / GRID_Y) * grid_w + x / GRID_X;
    let fx = (x % GRID_X) as f32 / GRID_X as f32;
    let fy = (y % GRID_Y) as f32 / GRID_Y as f32;
    let (a, b, c, d) = (grid[i], grid[i + 1], grid[i + grid_w], grid[i + grid_w + 1]);
    std::array::from_fn(|k| {
        let top = a[k] + (b[k] - a[k]) * fx;
        let bottom = c[k] + (d[k] - c[k]) * fx;
        top + (bottom - top) * fy
    })
}

impl Waves {
    fn resize(&mut self, w: usize, h: usize) {
        self.width = w;
        self.height = h;
        for buf in [&mut self.current, &mut self.previous] {
            buf.clear();
            buf.resize(w * h, 0);
        }
        self.quiet = WAVE_IDLE_STEPS;
    }

    /// Whether anything is moving (after the last drop the tank rings down, then idles).
    fn active(&self) -> bool {
        self.quiet < WAVE_IDLE_STEPS
    }

    /// Pushes a cosine-shaped dent of `radius` pixels and `depth` into the water at the relative
    /// position (`fx`, `fy`) in 0..1.
    fn drop_at(&mut self, fx: f32, fy: f32, radius: f32, depth: i32) {
        if self.width < 3 || self.height < 3 {
            return;
        }
        let cx = fx * (self.width - 1) as f32;
        let cy = fy * (self.height - 1) as f32;
        let r = radius.max(1.0);
        let x0 = (cx - r).floor().max(1.0) as usize;
        let x1 = ((cx + r).ceil() as usize).min(self.width - 2);
        let y0 = (cy - r).floor().max(1.0) as usize;
        let y1 = ((cy + r).ceil() as usize).min(self.height - 2);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt() / r;
                if d < 1.0 {
                    let dent = depth as f32 * (0.5 + 0.5 * (std::f32::consts::PI * d).cos());
                    let i = y * self.width + x;
                    self.current[i] =
                        (self.current[i] - dent as i32).clamp(-WAVE_LIMIT, WAVE_LIMIT);
                }
            }
        }
        self.quiet = 0;
    }

    /// One step of the wave equation; the border stays flat.
    fn step(&mut self) {
        if !self.active() {
            return;
        }
        self.quiet += 1;
        if !self.active() {
            // Rung down: flatten for good so an idle tank costs nothing.
            self.current.fill(0);
            self.previous.fill(0);
            return;
        }
        let w = self.width;
        for y in 1..self.height.saturating_sub(1) {
            for x in 1..w.saturating_sub(1) {
                let i = y * w + x;
                let c = &self.current;
                let next = ((c[i - 1] + c[i + 1] + c[i - w] + c[i + w]) >> 1) - self.previous[i];
                let next = ((i64::from(next) * i64::from(self.damping)) >> 16) as i32;
                self.previous[i] = next.clamp(-WAVE_LIMIT, WAVE_LIMIT);
            }
        }
        std::mem::swap(&mut self.current, &mut self.previous);
    }

    /// The height differences (left − right, up − down) at pixel (`x`, `y`); 0 on the border,
    /// which stays flat.
    fn slope(&self, x: usize, y: usize) -> (i32, i32) {
        let w = self.width;
        if x == 0 || y == 0 || x + 1 >= w || y + 1 >= self.height {
            return (0, 0);
        }
        let (i, c) = (y * w + x, &self.current);
        (c[i - 1] - c[i + 1], c[i - w] - c[i + w])
    }
}

/// An ASCII-art picture as coverage pixels (one column and two pixel rows per character).
struct Art {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Art {
    /// Reads an art file; errors name the path.
    fn load(path: &std::path::Path) -> Result<Self, String> {
        let fail = |e: &dyn std::fmt::Display| format!("--image {}: {e}", path.display());
        let size = std::fs::metadata(path).map_err(|e| fail(&e))?.len();
        if size > MAX_IMAGE_BYTES {
            return Err(fail(&format!("larger than {MAX_IMAGE_BYTES} bytes")));
        }
        let contents = std::fs::read_to_string(path).map_err(|e| fail(&e))?;
        let art = Self::parse(&contents);
        if art.pixels.iter().all(|&p| p == 0) {
            return Err(fail(&"nothing to draw (the file is blank)"));
        }
        Ok(art)
    }

    /// Turns text into coverage: half-blocks and shades as drawn, other characters by density.
    fn parse(contents: &str) -> Self {
        let rows: Vec<Vec<(u8, u8)>> = contents
            .lines()
            .map(|line| {
                let mut row = Vec::new();
                for c in line.chars() {
                    if c == '\t' {
                        row.extend([(0, 0); 4]);
                    } else if !c.is_control() {
                        let cell = art_coverage(c);
                        let wide = text::grapheme_width(c.encode_utf8(&mut [0; 4]));
                        row.extend(std::iter::repeat_n(cell, wide));
                    }
                }
                row
            })
            .collect();
        // Trim blank margins so the picture centres on what is drawn.
        let blank = |row: &Vec<(u8, u8)>| row.iter().all(|&c| c == (0, 0));
        let first = rows.iter().position(|r| !blank(r)).unwrap_or(0);
        let last = rows.iter().rposition(|r| !blank(r)).map_or(0, |i| i + 1);
        let rows = &rows[first..last.max(first)];
        let left = rows
            .iter()
            .filter_map(|r| r.iter().position(|&c| c != (0, 0)))
            .min()
            .unwrap_or(0);
        let width = rows
            .iter()
            .filter_map(|r| r.iter().rposition(|&c| c != (0, 0)).map(|i| i + 1))
            .max()
            .unwrap_or(0)
            .saturating_sub(left);
        let height = rows.len() * 2;
        let mut pixels = vec![0; width * height];
        for (y, row) in rows.iter().enumerate() {
            for (x, &(upper, lower)) in row.iter().skip(left).take(width).enumerate() {
                pixels[2 * y * width + x] = upper;
                pixels[(2 * y + 1) * width + x] = lower;
            }
        }
        Self {
            width,
            height,
            pixels,
        }
    }

    /// Draws the picture centred into `ink` (`w` × `h` pixels), as large as fits 90% of it:
    /// whole-number enlargement, or nearest-pixel reduction. Returns the enlargement (≥ 1).
    fn draw(&self, ink: &mut [u8], w: usize, h: usize) -> f32 {
        if self.width == 0 || self.height == 0 || w == 0 || h == 0 {
            return 1.0;
        }
        let fit = (0.9 * w as f32 / self.width as f32).min(0.9 * h as f32 / self.height as f32);
        let scale = if fit >= 1.0 { fit.floor() } else { fit };
        let dw = ((self.width as f32 * scale) as usize).clamp(1, w);
        let dh = ((self.height as f32 * scale) as usize).clamp(1, h);
        let (x0, y0) = ((w - dw) / 2, ((h - dh) / 2) & !1);
        for y in 0..dh {
            let sy = ((y as f32 / scale) as usize).min(self.height - 1);
            for x in 0..dw {
                let sx = ((x as f32 / scale) as usize).min(self.width - 1);
                ink[(y0 + y) * w + x0 + x] = self.pixels[sy * self.width + sx];
            }
        }
        scale.max(1.0)
    }
}

/// Coverage of the (upper, lower) half of a cell showing `c`.
fn art_coverage(c: char) -> (u8, u8) {
    match c {
        ' ' | '\u{a0}' => (0, 0),
        '█' => (255, 255),
        '▀' => (255, 0),
        '▄' => (0, 255),
        '▓' => (190, 190),
        '▒' => (128, 128),
        '░' => (64, 64),
        '.' | ',' | '\'' | '`' => (60, 60),
        '-' | '_' | ':' | ';' | '~' | '^' | '"' => (110, 110),
        '=' | '+' | '*' | '/' | '\\' | '|' | '(' | ')' | '<' | '>' | '!' | 'i' | 'l' => (170, 170),
        _ => (230, 230),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        for style in INFO.styles {
            let dump = luma_dump(&run(style, "Water", 56, 11, 2.5));
            insta::assert_snapshot!(format!("style_{style}"), dump);
        }
    }

    #[test]
    fn same_seed_same_frames() {
        for style in INFO.styles {
            assert_eq!(
                run(style, "Water", 30, 8, 1.5),
                run(style, "Water", 30, 8, 1.5),
                "{style}"
            );
        }
    }

    #[test]
    fn resize_to_one_by_one_and_back() {
        for style in INFO.styles {
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
        for style in INFO.styles {
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
        for style in INFO.styles {
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
    fn art_keeps_half_blocks_and_trims_margins() {
        let art = Art::parse("\n   ▀▄\n   █.\n\n");
        assert_eq!((art.width, art.height), (2, 4));
        assert_eq!(art.pixels, [255, 0, 0, 255, 255, 60, 255, 60]);
        let fish = Art::parse(include_str!("../../assets/fish.txt"));
        assert!(fish.width > 20 && fish.height == 12);
    }

    #[test]
    fn art_subject_draws_centred_and_bad_paths_fail_clearly() {
        let path = std::env::temp_dir().join("vitrine-water-art-test.txt");
        std::fs::write(&path, "██\n██\n").unwrap();
        let params = WaterParams {
            image: Some(path.clone()),
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
        std::fs::remove_file(&path).unwrap();

        let missing = WaterParams {
            image: Some("/nonexistent/water.txt".into()),
            ..WaterParams::default()
        };
        let err = Water::new(&Context::new(1, "x"), &missing).err().unwrap();
        assert!(err.contains("--image /nonexistent/water.txt"), "{err}");
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
    fn defaults_match_the_command_line() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            water: WaterParams,
        }
        assert_eq!(Cli::parse_from(["x"]).water, WaterParams::default());
        let cli = Cli::parse_from(["x", "--water", "#003366", "--drop-rate", "0"]);
        assert_eq!(cli.water.water, Rgb(0, 0x33, 0x66));
        assert_eq!(cli.water.drop_rate, 0.0);
    }

    #[test]
    fn blur_spreads_evenly_and_keeps_the_total() {
        let (w, h) = (9, 9);
        let mut mask = vec![0u8; w * h];
        mask[4 * w + 4] = 255;
        let mut scratch = vec![0u8; w * h];
        let all = Region {
            x0: 0,
            y0: 0,
            x1: w,
            y1: h,
        };
        box_blur(&mut mask, &mut scratch, w, all, 1.0);
        // A 3 × 3 box: 255 / 9 ≈ 28 on each of the nine pixels.
        assert_eq!(mask[3 * w + 3], 28);
        assert_eq!(mask[5 * w + 5], 28);
        assert_eq!(mask[2 * w + 4], 0);
        let total: u32 = mask.iter().map(|&v| u32::from(v)).sum();
        assert!((245..=265).contains(&total), "{total}");
    }
}

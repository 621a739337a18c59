//! The `glitch` effect: the kiosk message as big white block letters with red, blue and green
//! copies hopping behind it, a skew jolt, sweeping scanlines and static stars.
//!
//! # The original
//!
//! A CodePen, "Strobe Light Effect for Text / Glitch effect" (`data-text="Strobocops"`), measured
//! from its CSS as copied into several public repositories:
//!
//! * white, heavy, uppercase text on black, with three copies behind it at 0.8 opacity in
//!   `red`, `blue` and `#00FF0B`, painted in that order;
//! * each copy runs `translate` keyframes `0 → (-8,8) → (-8,-8) → (8,8) → (8,-8) → 0` px every
//!   300 ms, eased per 60 ms hop with `cubic-bezier(.25,.46,.45,.94)`; blue runs it in reverse,
//!   green starts 100 ms late (and sits still until then);
//! * every 4 s (after a 4 s delay) the whole box skews `-20°`, `+20°`, `0°` in 80 ms steps from
//!   48 % of the cycle, origin at the top, with a blur of up to 4 px;
//! * two 1 px black lines sweep down through the text box, every 2 s and every 1 s (from 1 s);
//! * 100 static stars with a 1–3 px glow are scattered over the page.
//!
//! # The terminal version
//!
//! The message — Latin, Hangul or any script a font has — is rasterised once per size by
//! [`crate::lettering`] (Orbitron Black for Latin, like the original) into coverage in the pixels
//! of the grid (half-blocks by default) and composited per pixel into a [`PixelCanvas`]: black,
//! then each copy (the same raster moved by its hop, in font pixels) blended at 0.8 × coverage
//! over what is under it, then the white text by coverage, then the scanlines; the skew shears
//! the raster (each pixel row shifted by `tan(angle)` × rows from the top of the box) and the
//! blur is a 3×3 box blur faded in and out. The 8 px offset is 1/16 of the original's 128 px
//! font, so `--offset 1` is 1/16 of the em, rounded to whole pixels and at least one. A 1 px
//! scanline is 1/128 of the original's letters, so ours is dimmer than black while one pixel is
//! a bigger share than that. Stars are cell glyphs (`·`, `•`) on empty cells; a grapheme no font
//! has (an emoji) sits in its place in the line at normal size.
//!
//! On a terminal too small for big lettering the message is drawn at normal size with the same
//! treatment: the copies become coloured copies of the text shifted sideways (by whole glyphs,
//! so a double-width glyph is never cut), the skew shifts the rows, and a scanline crossing a
//! row dims it.
//!
//! Styles: `glitch` (the original), `strobe` (the whole text also steps between white and the
//! layer colours) and `corrupt` (bands of rows shift sideways and fill with corrupt glyphs).
//!
//! # Flash safety
//!
//! WCAG 2.3.1 allows at most three general flashes per second. The hopping copies change colour
//! only in fringes one pixel wide around the letters, a small fraction of the screen whose mean
//! luminance hardly moves, so the original's 300 ms cycle is kept. The strobe style switches a
//! large area between bright and dark, so its steps last at least 250 ms whatever `--cycle` says:
//! at most four changes, i.e. 2 flashes, per second. With `--calm` the copies hop at 2 Hz
//! (a cycle of at least 2.5 s), the skew sways in 500 ms steps at most every 4 s, corruption
//! bands change once a second and the strobe becomes a slow colour fade with no flash at all.
//! Tests measure both (the screen's mean luminance, sampled at 60 Hz).

use std::f64::consts::PI;
use std::time::Duration;

use rand::Rng as _;
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::{Rect, Size};
use ratatui_core::style::{Modifier, Style};
use unicode_segmentation::UnicodeSegmentation;

use crate::canvas::PixelCanvas;
use crate::effect::{Context, Effect, LayerKind};
use crate::layers::{Backdrop, draw_clipped, set_halves};
use crate::lettering::{self, Fit, Lettering, Raster};
use crate::rgb::Rgb;
use crate::{duration, rng, text};

/// The name on the command line and in configs.
pub const NAME: &str = "glitch";
/// The looks it has; the first is the default.
pub const STYLES: &[&str] = &["glitch", "strobe", "corrupt"];

/// The page background.
const BG: Rgb = Rgb::BLACK;
/// The main text colour.
const MAIN: Rgb = Rgb::WHITE;
/// The copies' colours in the original: `red`, `blue`, `#00FF0B`.
const DEFAULT_LAYERS: [Rgb; 3] = [Rgb(255, 0, 0), Rgb(0, 0, 255), Rgb(0, 255, 11)];
/// CSS `opacity: 0.8` of the copies.
const LAYER_OPACITY: f32 = 0.8;
/// The `glitch` keyframes in units of the offset (x right, y down), 20 % apart.
const HOP_PATH: [(f32, f32); 6] = [
    (0.0, 0.0),
    (-1.0, 1.0),
    (-1.0, -1.0),
    (1.0, 1.0),
    (1.0, -1.0),
    (0.0, 0.0),
];
/// `cubic-bezier(.25,.46,.45,.94)`, applied per keyframe interval.
const EASE: (f32, f32, f32, f32) = (0.25, 0.46, 0.45, 0.94);
/// Skew angle of the jolt in degrees.
const SKEW_DEG: f32 = 20.0;
/// The jolt starts at 48 % of each skew period.
const JOLT_AT: f64 = 0.48;
/// Length of each of the jolt's three steps (2 % of 4 s), and in calm mode.
const JOLT_STEP: f64 = 0.08;
const CALM_JOLT_STEP: f64 = 0.5;
/// Shortest skew period in calm mode, so the swaying stays rare.
const CALM_SKEW_PERIOD: f64 = 4.0;
/// How far the blur at its strongest (the original's 4 px) blends toward the 3×3 mean: 4 px
/// is 1/32 of the original's letters but a full pixel-mean would smear our 3-pixel strokes.
const BLUR_MIX: f32 = 0.6;
/// Em size in pixels from which a scanline is fully black: the original's font size, on which
/// its 1 px line is drawn (see [`compose_big`]).
const SCANLINE_FULL_EM: f32 = 128.0;
/// Scanlines as (period, delay) in seconds: `2s linear infinite` and `1s linear 1s infinite`.
const SCANLINES: [(f64, f64); 2] = [(2.0, 0.0), (1.0, 1.0)];
/// Shortest hop cycle in calm mode: five hops of 0.5 s, i.e. 2 Hz.
const CALM_CYCLE: f64 = 2.5;
/// Shortest strobe step: 4 changes a second is 2 flashes, safely under WCAG's 3 (5 changes
/// could still fit 3 flashes into a closed one-second window).
const STROBE_MIN_STEP: f64 = 0.25;
/// Length of one colour fade of the strobe in calm mode.
const CALM_FADE_STEP: f64 = 2.0;
/// How often corruption bands change, in calm mode (otherwise once per hop cycle).
const CALM_CORRUPT_SLOT: f64 = 1.0;
/// Fewest cells per visible star (100 stars fit 80×24).
const CELLS_PER_STAR: usize = 16;
/// Glyphs of the corrupt style: all one cell wide and in the Linux console font.
const CORRUPT_GLYPHS: [&str; 20] = [
    "▓", "▒", "░", "█", "▌", "▐", "▀", "▄", "#", "%", "&", "@", "$", "=", "/", "\\", "<", ">", "?",
    "!",
];

/// Parameters of the `glitch` effect. The defaults are the original's values.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[cfg_attr(feature = "clap", command(next_help_heading = "Glitch"))]
pub struct GlitchParams {
    /// How far the coloured copies hop, in 1/16 of the letter height (the original: 8 px of a
    /// 128 px font); 0 keeps them still.
    #[cfg_attr(
        feature = "clap",
        arg(long, default_value_t = GlitchParams::default().offset, value_name = "N", value_parser = parse_offset)
    )]
    pub offset: f32,

    /// Duration of one round of the copies' five hops (e.g. 300ms, 1s); --calm makes it at
    /// least 2.5s.
    #[cfg_attr(
        feature = "clap",
        arg(long, default_value = DEFAULT_CYCLE, value_name = "DURATION", value_parser = duration::parse)
    )]
    pub cycle: Duration,

    /// Colours of the copies behind the text, painted in this order at 0.8 opacity: the 1st
    /// hops forward, the 2nd in reverse, the 3rd a third of a cycle late. Brand colours
    /// (--palette) replace them.
    #[cfg_attr(
        feature = "clap",
        arg(
            long,
            value_delimiter = ',',
            default_values_t = DEFAULT_LAYERS,
            value_name = "COLORS"
        )
    )]
    pub layers: Vec<Rgb>,

    /// Time between skew jolts; the first comes after 1.48 periods, like the original.
    #[cfg_attr(
        feature = "clap",
        arg(long, default_value = DEFAULT_SKEW_PERIOD, value_name = "DURATION", value_parser = duration::parse)
    )]
    pub skew_period: Duration,

    /// Never skew the text.
    #[cfg_attr(feature = "clap", arg(long))]
    pub no_skew: bool,

    /// No black scanlines sweeping down through the text.
    #[cfg_attr(feature = "clap", arg(long))]
    pub no_scanlines: bool,

    /// Number of static stars behind the text.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = GlitchParams::default().stars, value_name = "N"))]
    pub stars: u16,
}

/// `--cycle`'s default: the original's `animation-duration: 300ms`.
const DEFAULT_CYCLE: &str = "300ms";
/// `--skew-period`'s default: the original's 4 s `skew` animation.
const DEFAULT_SKEW_PERIOD: &str = "4s";

impl Default for GlitchParams {
    fn default() -> Self {
        Self {
            offset: 1.0,
            cycle: duration::builtin(DEFAULT_CYCLE),
            layers: DEFAULT_LAYERS.to_vec(),
            skew_period: duration::builtin(DEFAULT_SKEW_PERIOD),
            no_skew: false,
            no_scanlines: false,
            stars: 100,
        }
    }
}

#[cfg(feature = "clap")]
fn parse_offset(s: &str) -> Result<f32, String> {
    match s.trim().parse::<f32>() {
        Ok(v) if (0.0..=16.0).contains(&v) => Ok(v),
        _ => Err("expected a number from 0 to 16".into()),
    }
}

/// Which of the three looks is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GlitchStyle {
    Glitch,
    Strobe,
    Corrupt,
}

/// One coloured copy behind the text.
#[derive(Clone, Copy, Debug)]
struct Layer {
    color: Rgb,
    /// `animation-direction: reverse`.
    reverse: bool,
    /// `animation-delay` in seconds.
    delay: f64,
    /// Current position in units of the offset (set per frame).
    hop: (f32, f32),
    /// The same in whole pixels of the big text (set per frame).
    px: (i32, i32),
}

/// A static star: position as a fraction of the area, and glow 0..=2.
#[derive(Clone, Copy, Debug)]
struct Star {
    x: f32,
    y: f32,
    glow: u8,
}

/// A corruption band in rows of the text box (cell rows, or lines of plain text).
#[derive(Clone, Copy, Debug, Default)]
struct Band {
    top: i32,
    height: i32,
    /// Sideways shift in offset units (sign = direction).
    shift: i32,
    /// Chance that an inked cell in the band becomes a corrupt glyph.
    density: f64,
}

/// Everything time-dependent about one frame, computed from the simulation time.
#[derive(Clone, Copy, Debug)]
struct Frame {
    main: Rgb,
    /// `tan` of the skew angle; positive shifts lower rows to the right.
    skew: f32,
    /// Blur strength, 1 = the original's 4 px.
    blur: f32,
    /// Scanline positions as a fraction of the box height.
    scan: [Option<f32>; 2],
    /// Corruption slot number (`corrupt` style only).
    slot: Option<u64>,
}

/// What one frame draws, shared by the big-text and plain-text paths.
#[derive(Clone, Copy, Debug)]
struct Scene<'a> {
    layers: &'a [Layer],
    /// `--offset`, in 1/16 of the letter height.
    offset: f32,
    frame: Frame,
    bands: [Option<Band>; 2],
}

/// The `glitch` effect.
#[derive(Debug)]
pub struct Glitch {
    look: GlitchStyle,
    calm: bool,
    seed: u64,
    offset: f32,
    /// Hop cycle in seconds (already stretched in calm mode).
    cycle: f64,
    /// Skew period in seconds, `None` with `--no-skew`.
    skew_period: Option<f64>,
    scanlines: bool,
    layers: Vec<Layer>,
    stars: Vec<Star>,
    /// The message, uppercased like the original's `text-transform: uppercase`, laid out.
    lettering: Lettering,
    elapsed: Duration,
    /// The area size the canvas was last sized for.
    laid_out_for: Option<Size>,
    canvas: PixelCanvas,
    /// Copy of the canvas the blur reads from.
    scratch: Vec<Rgb>,
    /// Plain text: which cells of the current row are already drawn.
    taken: Vec<bool>,
    /// What is below the glitch when it is a layer (see [`Effect::composite`]).
    backdrop: Backdrop,
}

impl Glitch {
    /// Builds the effect; fails on parameters no clap parser would let through (a zero cycle,
    /// a negative offset).
    pub fn new(ctx: &Context, params: &GlitchParams) -> Result<Self, String> {
        if !(0.0..=16.0).contains(&params.offset) {
            return Err(format!("--offset {} is not in 0..=16", params.offset));
        }
        if params.cycle.is_zero() || params.skew_period.is_zero() {
            return Err("--cycle and --skew-period must be longer than zero".into());
        }
        let look = match ctx.style_in(STYLES) {
            "strobe" => GlitchStyle::Strobe,
            "corrupt" => GlitchStyle::Corrupt,
            _ => GlitchStyle::Glitch,
        };
        let mut cycle = params.cycle.as_secs_f64();
        if ctx.calm {
            cycle = cycle.max(CALM_CYCLE);
        }
        let colors = if ctx.palette.is_empty() {
            &params.layers
        } else {
            &ctx.palette
        };
        let layers = colors
            .iter()
            .enumerate()
            .map(|(k, &color)| Layer {
                color,
                reverse: k % 3 == 1,
                // The third copy is a third of a cycle late; extra copies spread further.
                delay: cycle * (if k % 3 == 2 { 1.0 / 3.0 } else { 0.0 } + (k / 3) as f64 / 6.0),
                hop: (0.0, 0.0),
                px: (0, 0),
            })
            .collect();
        let mut rng = rng::seeded(ctx.seed, "glitch stars");
        let stars = (0..params.stars)
            .map(|_| Star {
                x: rng.r#gen(),
                y: rng.r#gen(),
                glow: rng.gen_range(0..3),
            })
            .collect();
        Ok(Self {
            look,
            calm: ctx.calm,
            seed: ctx.seed,
            offset: params.offset,
            cycle,
            skew_period: (!params.no_skew).then_some(if ctx.calm {
                params.skew_period.as_secs_f64().max(CALM_SKEW_PERIOD)
            } else {
                params.skew_period.as_secs_f64()
            }),
            scanlines: !params.no_scanlines,
            layers,
            stars,
            lettering: Lettering::new(ctx, &ctx.message.to_uppercase()),
            elapsed: Duration::ZERO,
            laid_out_for: None,
            canvas: PixelCanvas::with_grid(ctx.pixels, 0, 0, BG),
            scratch: Vec::new(),
            taken: Vec::new(),
            backdrop: Backdrop::default(),
        })
    }

    /// Sizes the canvas for `size` unless it already is (the lettering caches its own layout).
    fn resize(&mut self, size: Size) {
        if self.laid_out_for != Some(size) {
            self.canvas.resize_cells(size.width, size.height, BG);
            self.laid_out_for = Some(size);
        }
    }

    /// The time-dependent state at the current simulation time; also moves the copies.
    fn frame(&mut self) -> Frame {
        let t = self.elapsed.as_secs_f64();
        for layer in &mut self.layers {
            layer.hop = hop_at(t, self.cycle, layer);
        }
        let (angle, blur) = match self.skew_period {
            Some(period) => {
                let step = if self.calm { CALM_JOLT_STEP } else { JOLT_STEP };
                skew_at(t, period, step)
            }
            None => (0.0, 0.0),
        };
        let scan = SCANLINES.map(|(period, delay)| {
            (self.scanlines && t >= delay).then(|| ((t - delay) / period).fract() as f32)
        });
        let main = match self.look {
            GlitchStyle::Strobe => strobe_color(t, self.cycle, &self.layers, self.calm),
            _ => MAIN,
        };
        let slot_len = if self.calm {
            CALM_CORRUPT_SLOT
        } else {
            self.cycle
        };
        Frame {
            main,
            skew: angle.to_radians().tan(),
            blur,
            scan,
            slot: (self.look == GlitchStyle::Corrupt).then(|| (t / slot_len) as u64),
        }
    }
}

/// Pixels per offset unit when the glitch is a layer: as if the picture below were letters a
/// third of the screen tall (the big text's unit is 1/16 of its em).
fn layer_unit(pixel_rows: i32) -> f32 {
    pixel_rows as f32 / 48.0
}

impl Glitch {
    /// The glitch as a layer: the picture below (half-block pixels) with its colour channels
    /// pulled apart along the copies' hops — each copy's colour says which channels it carries
    /// (red, blue and #00FF0B: one each), a channel no copy carries stays in place — sheared
    /// by the skew jolt, shifted in the corruption bands and crossed by the scanlines. Cells
    /// of text are left as they are.
    fn split(&mut self, area: Rect, buf: &mut Buffer) {
        self.backdrop.read(area, buf);
        let frame = self.frame();
        let (w, h) = (i32::from(area.width), 2 * i32::from(area.height));
        let unit = layer_unit(h);
        for l in &mut self.layers {
            l.px = (
                scaled(l.hop.0, self.offset, unit),
                scaled(l.hop.1, self.offset, unit),
            );
        }
        let bands = frame.slot.map_or([None; 2], |slot| {
            bands(self.seed, slot, i32::from(area.height))
        });
        // Which channels the copies carry, and whether every channel is carried by one.
        let carried = |pick: fn(Rgb) -> u8| self.layers.iter().any(|l| pick(l.color) >= 128);
        let fixed = [!carried(|c| c.0), !carried(|c| c.1), !carried(|c| c.2)];
        let scan_rows = frame.scan.map(|s| s.map(|f| (f * h as f32) as i32));
        let pixel = |x: i32, y: i32| -> Rgb {
            let base = self.backdrop.pixel(x, y);
            let mut out = Rgb(
                if fixed[0] { base.0 } else { 0 },
                if fixed[1] { base.1 } else { 0 },
                if fixed[2] { base.2 } else { 0 },
            );
            for l in &self.layers {
                let s = self.backdrop.pixel(x - l.px.0, y - l.px.1);
                let carry = |c: u8, v: u8| (u16::from(c) * u16::from(v) / 255) as u8;
                out.0 = out.0.max(carry(l.color.0, s.0) * u8::from(!fixed[0]));
                out.1 = out.1.max(carry(l.color.1, s.1) * u8::from(!fixed[1]));
                out.2 = out.2.max(carry(l.color.2, s.2) * u8::from(!fixed[2]));
            }
            if scan_rows.contains(&Some(y)) {
                out = BG.over(out, 0.5);
            }
            out
        };
        for row in 0..i32::from(area.height) {
            let band_shift =
                band_at(&bands, row).map_or(0, |b| scaled(b.shift as f32 * 2.0, self.offset, unit));
            for col in 0..w {
                let (x, y) = (area.x + col as u16, area.y + row as u16);
                if self.backdrop.text(col, row).is_some() {
                    continue;
                }
                let [upper, lower] = [2 * row, 2 * row + 1].map(|py| {
                    let shift = (frame.skew * py as f32).round() as i32 + band_shift;
                    pixel(col - shift, py)
                });
                set_halves(&mut buf[(x, y)], upper, lower);
            }
        }
    }
}

/// `cubic-bezier(.25,.46,.45,.94)` at `x` in 0..=1: solves the curve's x for its parameter by
/// bisection (the curve is monotonic), then returns its y.
fn ease(x: f32) -> f32 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let (x1, y1, x2, y2) = EASE;
    let bezier = |s: f32, a: f32, b: f32| {
        let u = 1.0 - s;
        3.0 * u * u * s * a + 3.0 * u * s * s * b + s * s * s
    };
    let (mut lo, mut hi) = (0.0f32, 1.0f32);
    for _ in 0..24 {
        let mid = (lo + hi) / 2.0;
        if bezier(mid, x1, x2) < x {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    bezier((lo + hi) / 2.0, y1, y2)
}

/// A copy's position (in offset units) at `t` seconds: the keyframe path, per-hop easing,
/// direction and delay like the CSS animation (no fill mode: still until the delay is over).
fn hop_at(t: f64, cycle: f64, layer: &Layer) -> (f32, f32) {
    let t = t - layer.delay;
    if t < 0.0 {
        return (0.0, 0.0);
    }
    let mut progress = (t / cycle).fract();
    if layer.reverse {
        progress = 1.0 - progress;
    }
    let segments = (HOP_PATH.len() - 1) as f64;
    let segment = ((progress * segments) as usize).min(HOP_PATH.len() - 2);
    let e = ease((progress * segments - segment as f64) as f32);
    let (a, b) = (HOP_PATH[segment], HOP_PATH[segment + 1]);
    (a.0 + (b.0 - a.0) * e, a.1 + (b.1 - a.1) * e)
}

/// Skew angle in degrees and blur (0..=1) at `t`: after one period of delay, each period holds
/// a jolt of three `step`s starting at 48 %: to −20°, to +20°, back to 0°. The blur rises over
/// the first step and fades over the next two (the 52 % keyframe sets no filter).
fn skew_at(t: f64, period: f64, step: f64) -> (f32, f32) {
    if t < period {
        return (0.0, 0.0);
    }
    let step = step.min(period / 4.0);
    let start = (JOLT_AT * period).min(period - 3.0 * step);
    let k = ((t - period) % period - start) / step;
    if !(0.0..3.0).contains(&k) {
        return (0.0, 0.0);
    }
    let e = ease(k.fract() as f32);
    match k as u8 {
        0 => (-SKEW_DEG * e, e),
        1 => (
            -SKEW_DEG + 2.0 * SKEW_DEG * e,
            1.0 - ease((k as f32 - 1.0) / 2.0),
        ),
        _ => (SKEW_DEG * (1.0 - e), 1.0 - ease((k as f32 - 1.0) / 2.0)),
    }
}

/// The strobe's text colour: white and each layer colour in turn, in steps of at least 250 ms
/// (flash-safe), or a slow cosine fade between them in calm mode.
fn strobe_color(t: f64, cycle: f64, layers: &[Layer], calm: bool) -> Rgb {
    if layers.is_empty() {
        return MAIN;
    }
    let n = 2 * layers.len();
    let color = |i: usize| {
        let i = i % n;
        if i.is_multiple_of(2) {
            MAIN
        } else {
            layers[i / 2].color
        }
    };
    if calm {
        let x = t / CALM_FADE_STEP;
        let i = x as usize;
        let smooth = (1.0 - (PI * x.fract()).cos()) / 2.0;
        return color(i).lerp(color(i + 1), smooth as f32);
    }
    let step = (cycle * 2.0 / 3.0).max(STROBE_MIN_STEP);
    color((t / step) as usize)
}

/// The corruption bands of `slot` over a box of `rows` rows (up to two; often none).
fn bands(seed: u64, slot: u64, rows: i32) -> [Option<Band>; 2] {
    let mut rng = rng::seeded(
        seed ^ slot.wrapping_mul(0x9e37_79b9_7f4a_7c15),
        "glitch bands",
    );
    let count = match rng.gen_range(0..10) {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    let rows = rows.max(1);
    let mut out = [None; 2];
    for band in out.iter_mut().take(count) {
        let height = rng.gen_range(1..=(rows / 3).max(1));
        let magnitude = rng.gen_range(1..=3);
        *band = Some(Band {
            top: rng.gen_range(0..rows),
            height,
            shift: if rng.r#gen() { magnitude } else { -magnitude },
            density: rng.gen_range(0.25..0.6),
        });
    }
    out
}

/// The band covering `row`, if any.
fn band_at(bands: &[Option<Band>; 2], row: i32) -> Option<Band> {
    bands
        .iter()
        .flatten()
        .find(|b| (b.top..b.top + b.height).contains(&row))
        .copied()
}

/// An offset of `units` × `offset` scaled to `unit` pixels or cells, at least one when moving.
fn scaled(units: f32, offset: f32, unit: f32) -> i32 {
    let step = (offset * unit)
        .round()
        .max(if offset > 0.0 { 1.0 } else { 0.0 });
    (units * step).round() as i32
}

/// Pixels per offset unit of the big text: 1/16 of the font size (the original's 8 px of a
/// 128 px font).
fn big_unit(raster: &Raster) -> f32 {
    raster.em / 16.0
}

/// Composites the big lettering into `canvas`: the copies (the raster moved by each copy's hop,
/// in font pixels, blended at 0.8 by coverage), the white text by coverage and the scanlines,
/// skewed (a shear of the raster) and shifted per pixel row. Returns the raster's top-left pixel.
fn compose_big(canvas: &mut PixelCanvas, raster: &Raster, scene: &Scene) -> (i32, i32) {
    let Scene {
        layers,
        offset,
        ref frame,
        ref bands,
    } = *scene;
    canvas.fill(BG);
    let (w, h) = (i32::from(canvas.width()), i32::from(canvas.height()));
    let (bw, bh) = (i32::from(raster.width), i32::from(raster.height));
    let (cell_x, cell_y) = canvas.grid().cell();
    let cell_y = i32::from(cell_y);
    let box_x = (w - bw) / 2;
    // Start on a cell boundary so the still text looks like the plain banner.
    let box_y = (h / 2 - (bh + 1) / 2) / cell_y * cell_y;
    let unit = big_unit(raster);
    // The shear in pixels per pixel row: pixels of the finer grids are not all square.
    let skew = frame.skew * canvas.grid().pixel_aspect();
    // The original's 1 px line on a 128 px font is 1/128 of the em; one of our pixels is a far
    // bigger share, so the line is only as dark as its share of a pixel (at least a fifth, so it
    // still shows): a full black row would cut the letters in two.
    let scan_opacity = (raster.em / SCANLINE_FULL_EM).clamp(0.2, 1.0);
    // Corruption bands move whole cells sideways.
    let band_unit = unit * f32::from(cell_x);
    let reach = layers
        .iter()
        .map(|l| l.px.0.abs().max(l.px.1.abs()))
        .max()
        .unwrap_or(0);
    let scan_rows = frame.scan.map(|s| s.map(|f| (f * bh as f32) as i32));
    for y in (box_y - reach).max(0)..(box_y + bh + reach).min(h) {
        let by = y - box_y;
        let band_shift = band_at(bands, by.div_euclid(cell_y))
            .map_or(0, |b| scaled(b.shift as f32 * 2.0, offset, band_unit));
        let shift = (skew * by as f32).round() as i32 + band_shift;
        let scanned = (0..bh).contains(&by) && scan_rows.contains(&Some(by));
        let row = &mut canvas.pixels_mut()[(y * w) as usize..((y + 1) * w) as usize];
        for (x, pixel) in row.iter_mut().enumerate() {
            let bx = x as i32 - box_x - shift;
            let under =
                layers
                    .iter()
                    .fold(BG, |under, l| match raster.get(bx - l.px.0, by - l.px.1) {
                        0 => under,
                        c => l.color.over(under, LAYER_OPACITY * f32::from(c) / 255.0),
                    });
            *pixel = match raster.get(bx, by) {
                0 => under,
                255 => frame.main,
                c => frame.main.over(under, f32::from(c) / 255.0),
            };
            if scanned && (0..bw).contains(&bx) {
                *pixel = BG.over(*pixel, scan_opacity);
            }
        }
    }
    (box_x, box_y)
}

/// Blends every pixel of rows `rows` toward the mean of its 3×3 neighbourhood by `strength`.
fn blur_rows(canvas: &mut PixelCanvas, scratch: &mut Vec<Rgb>, rows: (i32, i32), strength: f32) {
    scratch.clear();
    scratch.extend_from_slice(canvas.pixels());
    let (w, h) = (i32::from(canvas.width()), i32::from(canvas.height()));
    let at = |x: i32, y: i32| scratch[(y.clamp(0, h - 1) * w + x.clamp(0, w - 1)) as usize];
    for y in rows.0.max(0)..rows.1.min(h) {
        for x in 0..w {
            let mut sum = [0u32; 3];
            for (dx, dy) in (-1..=1).flat_map(|dy| (-1..=1).map(move |dx| (dx, dy))) {
                let c = at(x + dx, y + dy);
                sum[0] += u32::from(c.0);
                sum[1] += u32::from(c.1);
                sum[2] += u32::from(c.2);
            }
            let mean = Rgb((sum[0] / 9) as u8, (sum[1] / 9) as u8, (sum[2] / 9) as u8);
            canvas.set(x, y, at(x, y).lerp(mean, strength));
        }
    }
}

/// A corrupt glyph and its colour: white or one of the copies' colours.
fn corrupt_glyph(rng: &mut rng::Rng, main: Rgb, layers: &[Layer]) -> (&'static str, Rgb) {
    let glyph = CORRUPT_GLYPHS[rng::usize_in(rng, 0..CORRUPT_GLYPHS.len())];
    let color = match rng::usize_in(rng, 0..=layers.len()) {
        0 => main,
        k => layers[k - 1].color,
    };
    (glyph, color)
}

/// Whether the cell at (`col`, `row`) of `canvas` shows anything but the background.
fn inked(canvas: &PixelCanvas, col: i32, row: i32) -> bool {
    let (cx, cy) = canvas.grid().cell();
    let (cx, cy) = (i32::from(cx), i32::from(cy));
    (0..cy).any(|dy| (0..cx).any(|dx| canvas.get(col * cx + dx, row * cy + dy) != Some(BG)))
}

/// Replaces cells in the corruption `bands` with corrupt glyphs: most inked cells, a few empty
/// ones. `box_row` is the text box's first cell row.
fn corrupt_big(
    buf: &mut Buffer,
    area: Rect,
    canvas: &PixelCanvas,
    scene: &Scene,
    box_row: i32,
    rng: &mut rng::Rng,
) {
    for band in scene.bands.iter().flatten() {
        for row in box_row + band.top..box_row + band.top + band.height {
            if !(0..i32::from(area.height)).contains(&row) {
                continue;
            }
            for col in 0..area.width {
                let x = i32::from(col);
                let chance = if inked(canvas, x, row) {
                    band.density
                } else {
                    band.density / 12.0
                };
                if !rng.gen_bool(chance) {
                    continue;
                }
                let (glyph, fg) = corrupt_glyph(rng, scene.frame.main, scene.layers);
                buf[(area.x + col, area.y + row as u16)]
                    .set_symbol(glyph)
                    .set_fg(fg.into())
                    .set_bg(BG.into());
            }
        }
    }
}

/// Draws `line` from column `x` on row `y` of `area` one grapheme at a time, skipping spaces and
/// every glyph that would touch a cell already drawn on this row (`taken`, one flag per column
/// of `area`): a copy painted after the main text shows only where it sticks out, and no glyph
/// ever lands on half of a double-width one. `corrupt` may replace a glyph with corrupt glyphs.
fn draw_unclaimed(
    buf: &mut Buffer,
    area: Rect,
    taken: &mut [bool],
    (x, y): (i32, u16),
    line: &str,
    style: Style,
    mut corrupt: impl FnMut() -> Option<(&'static str, Rgb)>,
) {
    let mut col = x - i32::from(area.x);
    for g in line.graphemes(true) {
        let w = text::grapheme_width(g) as i32;
        let start = col;
        col += w;
        if g.trim().is_empty() || start < 0 || col > taken.len() as i32 {
            continue;
        }
        let cells = &mut taken[start as usize..col as usize];
        if cells.iter().any(|&t| t) {
            continue;
        }
        cells.fill(true);
        let left = i32::from(area.x) + start;
        match corrupt() {
            Some((glyph, fg)) => {
                for i in 0..w {
                    text::draw_line(buf, area, left + i, y, glyph, |_, _| style.fg(fg.into()));
                }
            }
            None => {
                text::draw_line(buf, area, left, y, g, |_, _| style);
            }
        }
    }
}

/// Draws the plain-text fallback: per line, the white text first, then the copies only where
/// they stick out (the same result as painting them underneath), all shifted by the skew and
/// corruption bands and dimmed by a crossing scanline or the blur.
fn render_plain(
    buf: &mut Buffer,
    area: Rect,
    lines: &[String],
    scene: &Scene,
    taken: &mut Vec<bool>,
    rng: &mut rng::Rng,
) {
    let Scene {
        layers,
        offset,
        ref frame,
        ref bands,
    } = *scene;
    let rows = lines.len().min(usize::from(area.height)) as f32;
    for (i, (line, x, y)) in text::centered(lines, area).enumerate() {
        let row = i as i32;
        // Shift by whole glyphs: a copy moved by half a double-width glyph would be hidden.
        let unit = line
            .graphemes(true)
            .map(text::grapheme_width)
            .max()
            .unwrap_or(1) as f32;
        let band = band_at(bands, row);
        // A text row counts as 8 font pixels, two cell widths tall; skew from the box top.
        let skew = (frame.skew * (row as f32 + 0.5) * 2.0).round() as i32;
        let x = x + skew + band.map_or(0, |b| b.shift * unit as i32);
        let scanned = frame.scan.iter().flatten().any(|f| {
            let sub = (f * rows * 8.0) as i32;
            sub / 8 == row && sub % 8 == 4
        });
        let fade = if scanned { 0.45 } else { 1.0 } * (1.0 - 0.35 * frame.blur);
        taken.clear();
        taken.resize(usize::from(area.width), false);
        let style = Style::new().bg(BG.into()).add_modifier(Modifier::BOLD);
        let main = style.fg(frame.main.scale(fade).into());
        draw_unclaimed(buf, area, taken, (x, y), line, main, || {
            let band = band?;
            rng.gen_bool(band.density)
                .then(|| corrupt_glyph(rng, frame.main, layers))
        });
        for layer in layers.iter().rev() {
            let dx = scaled(layer.hop.0, offset, unit);
            let color = layer.color.over(BG, LAYER_OPACITY).scale(fade);
            draw_unclaimed(
                buf,
                area,
                taken,
                (x + dx, y),
                line,
                style.fg(color.into()),
                || None,
            );
        }
    }
}

/// Draws the stars on the cells `blank` says are empty. The original scatters its 100 stars
/// over a whole browser page; a small terminal gets at most one per [`CELLS_PER_STAR`] cells so
/// the stars stay a sparse background instead of noise around the text.
fn draw_stars(buf: &mut Buffer, area: Rect, stars: &[Star], blank: impl Fn(u16, u16) -> bool) {
    // The original's glow of 1, 2 or 3 px as a dim dot, a bright dot and a bullet.
    const GLOWS: [(&str, Rgb); 3] = [
        ("·", Rgb(112, 112, 112)),
        ("·", Rgb(192, 192, 192)),
        ("•", Rgb(224, 224, 224)),
    ];
    let room = usize::from(area.width) * usize::from(area.height) / CELLS_PER_STAR;
    for star in stars.iter().take(room) {
        let col = ((star.x * f32::from(area.width)) as u16).min(area.width - 1);
        let row = ((star.y * f32::from(area.height)) as u16).min(area.height - 1);
        if blank(col, row) {
            let (glyph, color) = GLOWS[usize::from(star.glow)];
            buf[(area.x + col, area.y + row)]
                .set_symbol(glyph)
                .set_fg(color.into());
        }
    }
}

impl Effect for Glitch {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tick(&mut self, dt: Duration) {
        self.elapsed += dt;
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        for pos in area.positions() {
            buf[pos].reset();
            buf[pos].set_bg(BG.into());
        }
        if area.is_empty() {
            return;
        }
        self.resize(area.as_size());
        let frame = self.frame();
        let Self {
            lettering,
            canvas,
            scratch,
            taken,
            layers,
            stars,
            offset,
            seed,
            ..
        } = self;
        let fit = lettering.fit(area.width, area.height);
        let (_, cell_y) = canvas.grid().cell();
        if let Fit::Big(raster) = fit {
            let unit = big_unit(raster);
            for l in layers.iter_mut() {
                l.px = (
                    scaled(l.hop.0, *offset, unit),
                    scaled(l.hop.1, *offset, unit),
                );
            }
        }
        let box_rows = match fit {
            Fit::Big(raster) => i32::from(raster.height.div_ceil(cell_y)),
            Fit::Plain(lines) => lines.len().min(usize::from(area.height)) as i32,
        };
        let scene = Scene {
            layers,
            offset: *offset,
            frame,
            bands: frame
                .slot
                .map_or([None; 2], |slot| bands(*seed, slot, box_rows)),
        };
        let mut rng = rng::seeded(*seed ^ frame.slot.unwrap_or(0), "glitch corrupt");
        match fit {
            Fit::Big(raster) => {
                let origin = compose_big(canvas, raster, &scene);
                if frame.blur > 0.01 {
                    let margin = (raster.em / 2.0) as i32;
                    let rows = (
                        origin.1 - margin,
                        origin.1 + i32::from(raster.height) + margin,
                    );
                    blur_rows(canvas, scratch, rows, frame.blur * BLUR_MIX);
                }
                canvas.render(area, buf);
                draw_stars(buf, area, stars, |col, row| {
                    !inked(canvas, i32::from(col), i32::from(row))
                });
                let style = Style::new()
                    .fg(frame.main.into())
                    .bg(BG.into())
                    .add_modifier(Modifier::BOLD);
                lettering::draw_inline(buf, area, raster, origin, canvas.grid(), style);
                corrupt_big(
                    buf,
                    area,
                    canvas,
                    &scene,
                    origin.1 / i32::from(cell_y),
                    &mut rng,
                );
            }
            Fit::Plain(lines) => {
                draw_stars(buf, area, stars, |_, _| true);
                render_plain(buf, area, lines, &scene, taken, &mut rng);
            }
        }
    }

    fn set_message(&mut self, message: &str) {
        self.lettering.set_message(&message.to_uppercase());
    }

    fn layer_kind(&self) -> LayerKind {
        LayerKind::Filter
    }

    /// The layers below, their colours split (the glitch's own message is left to a message
    /// layer).
    fn composite(&mut self, area: Rect, buf: &mut Buffer) {
        draw_clipped(area, buf, |area, buf| self.split(area, buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One letter per colour: black `.`, white `#`, grey `:`, red `r`, blue `b`, green `g`,
    /// anything else by its strongest channel in upper case (a blend) or `?`.
    fn code(c: ratatui_core::style::Color) -> char {
        use ratatui_core::style::Color;
        let Color::Rgb(r, g, b) = c else {
            return ' ';
        };
        match (r, g, b) {
            (0, 0, 0) => '.',
            (255, 255, 255) => '#',
            (r, g, b) if r == g && g == b => ':',
            (r, 0, 0) if r > 0 => 'r',
            (0, 0, b) if b > 0 => 'b',
            (0, g, b) if g > 0 && b < 20 => 'g',
            (r, g, b) if r >= g && r >= b => 'R',
            (_, g, b) if g >= b => 'G',
            _ => 'B',
        }
    }

    /// Two lines per cell row, one letter per half-block pixel; cells holding a glyph (stars,
    /// text, corruption) show the glyph on the upper line and its colour on the lower one.
    fn pixels(buf: &Buffer) -> String {
        let mut out = String::new();
        for y in buf.area.top()..buf.area.bottom() {
            let (mut upper, mut lower) = (String::new(), String::new());
            for x in buf.area.left()..buf.area.right() {
                let cell = &buf[(x, y)];
                match cell.symbol() {
                    "▀" => {
                        upper.push(code(cell.fg));
                        lower.push(code(cell.bg));
                    }
                    " " => {
                        upper.push(code(cell.bg));
                        lower.push(code(cell.bg));
                    }
                    s => {
                        upper.push_str(s);
                        lower.push(code(cell.fg));
                    }
                }
            }
            out.push_str(upper.trim_end());
            out.push('\n');
            out.push_str(lower.trim_end());
            out.push('\n');
        }
        out
    }

    fn run(ctx: &Context, params: &GlitchParams, size: (u16, u16), seconds: f64) -> Buffer {
        let mut fx = Glitch::new(ctx, params).unwrap();
        let mut buf = Buffer::empty(Rect::new(0, 0, size.0, size.1));
        let ticks = (seconds * 100.0).round() as u32;
        for _ in 0..ticks {
            fx.tick(Duration::from_millis(10));
        }
        fx.render(buf.area, &mut buf);
        buf
    }

    fn glitch(message: &str, style: &str) -> Context {
        let mut ctx = Context::new(1, message);
        ctx.style = Some(style.into());
        ctx
    }

    #[test]
    fn snapshot_80x24() {
        // At 2.2 s both scanlines cut the top rows, red is up-left and blue right.
        let buf = run(
            &glitch("Welcome", "glitch"),
            &GlitchParams::default(),
            (80, 24),
            2.2,
        );
        insta::assert_snapshot!(pixels(&buf));
    }

    #[test]
    fn snapshot_200x60_during_the_skew_jolt() {
        // 6.02 s: in the first jolt, skewed left and blurred.
        let buf = run(
            &glitch("Welcome", "glitch"),
            &GlitchParams::default(),
            (200, 60),
            6.02,
        );
        insta::assert_snapshot!(pixels(&buf));
    }

    #[test]
    fn snapshot_20x5_falls_back_to_plain_text() {
        let buf = run(
            &glitch("Welcome", "glitch"),
            &GlitchParams::default(),
            (20, 5),
            0.05,
        );
        insta::assert_snapshot!(pixels(&buf));
        assert!(buf.content.iter().any(|c| c.symbol() == "W"));
    }

    #[test]
    fn snapshot_corrupt_style() {
        let buf = run(
            &glitch("Welcome", "corrupt"),
            &GlitchParams::default(),
            (80, 12),
            0.35,
        );
        insta::assert_snapshot!(pixels(&buf));
        assert!(
            buf.content
                .iter()
                .any(|c| CORRUPT_GLYPHS.contains(&c.symbol()))
        );
    }

    #[test]
    fn korean_is_big_lettering_and_the_copies_never_repeat_letters() {
        let ctx = glitch("환영합니다 👋", "glitch");
        for t in [0.05, 0.13, 2.1, 5.98, 6.1] {
            let buf = run(&ctx, &GlitchParams::default(), (80, 24), t);
            // Hangul is drawn as pixels, not as text: the only wide glyph is the emoji (no font
            // has it), once.
            let wide: Vec<&str> = buf
                .content
                .iter()
                .map(|c| c.symbol())
                .filter(|s| text::width(s) == 2)
                .collect();
            assert_eq!(wide, ["👋"], "t={t}");
            // Big: bright ink (white, perhaps blurred) over at least 6 cell rows.
            let bright = |c: ratatui_core::style::Color| {
                crate::ansi::rgb_of(c).is_some_and(|c| c.luma() > 0.75)
            };
            let rows = (0..24u16)
                .filter(|&y| {
                    (0..80u16).any(|x| {
                        let cell = &buf[(x, y)];
                        cell.symbol() != "·" && cell.symbol() != "•" && bright(cell.fg)
                    })
                })
                .count();
            assert!(rows >= 6, "t={t}: {rows} rows");
        }
    }

    #[test]
    fn ease_is_the_css_curve() {
        assert_eq!(ease(0.0), 0.0);
        assert_eq!(ease(1.0), 1.0);
        // cubic-bezier(.25,.46,.45,.94) at 0.5, solved independently in double precision.
        assert!((ease(0.5) - 0.77132).abs() < 0.0005, "{}", ease(0.5));
        let mut last = 0.0;
        for i in 1..=100 {
            let y = ease(i as f32 / 100.0);
            assert!(y >= last);
            last = y;
        }
    }

    #[test]
    fn copies_follow_the_keyframes() {
        let fx = Glitch::new(&glitch("x", "glitch"), &GlitchParams::default()).unwrap();
        let [red, blue, green] = [fx.layers[0], fx.layers[1], fx.layers[2]];
        let at = |ms: u32, l: &Layer| {
            let (x, y) = hop_at(f64::from(ms) / 1000.0, 0.3, l);
            (x.round() as i32, y.round() as i32)
        };
        // Red: one keyframe every 60 ms.
        let path = [(0, 0), (-1, 1), (-1, -1), (1, 1), (1, -1), (0, 0)];
        for (k, &p) in path.iter().enumerate() {
            assert_eq!(at(60 * k as u32 + 300, &red), p, "red keyframe {k}");
        }
        // Blue runs the path backwards.
        assert_eq!(at(60, &blue), (1, -1));
        assert_eq!(at(120, &blue), (1, 1));
        // Green sits still for 100 ms, then runs the path a third of a cycle late.
        assert_eq!(at(90, &green), (0, 0));
        assert_eq!(at(160, &green), (-1, 1));
        // The easing lands each hop early: a third into a hop it is most of the way there.
        let (x, _) = hop_at(0.02, 0.3, &red);
        assert!(x < -0.4, "{x}");
    }

    #[test]
    fn skew_jolts_like_the_original() {
        assert_eq!(
            skew_at(5.91, 4.0, JOLT_STEP),
            (0.0, 0.0),
            "first jolt at 5.92 s"
        );
        assert_eq!(skew_at(2.0, 4.0, JOLT_STEP), (0.0, 0.0), "4 s delay");
        let (a, blur) = skew_at(6.0, 4.0, JOLT_STEP);
        assert!(
            (a + 20.0).abs() < 0.01 && (blur - 1.0).abs() < 0.01,
            "{a} {blur}"
        );
        let (a, blur) = skew_at(6.08, 4.0, JOLT_STEP);
        assert!(
            (a - 20.0).abs() < 0.01 && blur > 0.1 && blur < 0.9,
            "{a} {blur}"
        );
        assert_eq!(skew_at(6.17, 4.0, JOLT_STEP), (0.0, 0.0));
        let (a, _) = skew_at(10.0, 4.0, JOLT_STEP);
        assert!((a + 20.0).abs() < 0.01, "every 4 s");
    }

    #[test]
    fn scanlines_sweep_every_two_and_one_seconds() {
        let mut fx = Glitch::new(&glitch("x", "glitch"), &GlitchParams::default()).unwrap();
        fx.tick(Duration::from_millis(500));
        assert_eq!(fx.frame().scan, [Some(0.25), None]);
        fx.tick(Duration::from_millis(1000));
        assert_eq!(fx.frame().scan, [Some(0.75), Some(0.5)]);
        let params = GlitchParams {
            no_scanlines: true,
            ..GlitchParams::default()
        };
        let mut fx = Glitch::new(&glitch("x", "glitch"), &params).unwrap();
        fx.tick(Duration::from_millis(1500));
        assert_eq!(fx.frame().scan, [None, None]);
    }

    /// Mean luminance of everything on screen, per half-block pixel.
    fn mean_luma(buf: &Buffer) -> f32 {
        use ratatui_core::style::Color;
        let luma = |c: Color| match c {
            Color::Rgb(r, g, b) => Rgb(r, g, b).luma(),
            _ => 0.0,
        };
        let total: f32 = buf
            .content
            .iter()
            .map(|c| match c.symbol() {
                "▀" => (luma(c.fg) + luma(c.bg)) / 2.0,
                " " => luma(c.bg),
                _ => luma(c.bg) * 0.75 + luma(c.fg) * 0.25,
            })
            .sum();
        total / buf.content.len() as f32
    }

    /// The most swings of the screen's mean luminance by at least `threshold` within any second
    /// (two swings, bright and back, make one flash), sampled at `rate` frames per second.
    fn max_swings_per_second(lumas: &[f32], rate: usize, threshold: f32) -> usize {
        let mut swings = Vec::new();
        let (mut low, mut high) = (lumas[0], lumas[0]);
        let mut rising: Option<bool> = None;
        for (i, &l) in lumas.iter().enumerate() {
            if rising != Some(true) && l - low >= threshold {
                swings.push(i);
                (rising, high) = (Some(true), l);
            } else if rising != Some(false) && high - l >= threshold {
                swings.push(i);
                (rising, low) = (Some(false), l);
            }
            // Track the extreme reached since the last swing.
            if rising != Some(true) {
                low = low.min(l);
            }
            if rising != Some(false) {
                high = high.max(l);
            }
        }
        swings
            .iter()
            .map(|&start| {
                swings
                    .iter()
                    .filter(|&&s| s >= start && s < start + rate)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    fn lumas(ctx: &Context, seconds: usize) -> Vec<f32> {
        let mut fx = Glitch::new(ctx, &GlitchParams::default()).unwrap();
        let mut buf = Buffer::empty(Rect::new(0, 0, 80, 24));
        (0..seconds * 60)
            .map(|_| {
                fx.tick(Duration::from_secs_f64(1.0 / 60.0));
                fx.render(buf.area, &mut buf);
                mean_luma(&buf)
            })
            .collect()
    }

    #[test]
    fn flash_counter_sees_a_fast_strobe() {
        // 8 changes a second (4 flashes) between two levels 0.1 apart.
        let fast: Vec<f32> = (0..120)
            .map(|i| if (i / 8) % 2 == 0 { 0.1 } else { 0.2 })
            .collect();
        assert_eq!(max_swings_per_second(&fast, 60, 0.02), 8);
        let still = vec![0.1; 120];
        assert_eq!(max_swings_per_second(&still, 60, 0.02), 0);
    }

    #[test]
    fn no_style_flashes_more_than_three_times_a_second() {
        for style in STYLES {
            let l = lumas(&glitch("Welcome", style), 7);
            let swings = max_swings_per_second(&l, 60, 0.02);
            assert!(swings <= 6, "{style}: {swings} swings in a second");
            if *style == "strobe" {
                // The counter does see the strobe: 4 changes a second.
                assert!(swings >= 4, "{style}: {swings}");
            }
        }
    }

    #[test]
    fn calm_hops_at_two_hertz_and_fades_instead_of_flashing() {
        let mut ctx = glitch("Welcome", "strobe");
        ctx.calm = true;
        let mut fx = Glitch::new(&ctx, &GlitchParams::default()).unwrap();
        let mut last = fx.frame();
        let mut last_hop = (0, 0);
        let mut hops = 0;
        for _ in 0..600 {
            fx.tick(Duration::from_millis(10));
            let frame = fx.frame();
            let hop = fx.layers[0].hop;
            let hop = (hop.0.round() as i32, hop.1.round() as i32);
            hops += usize::from(hop != last_hop);
            last_hop = hop;
            // A fade: no big jump in the text colour from one 10 ms tick to the next.
            let (a, b) = (last.main.luma(), frame.main.luma());
            assert!((a - b).abs() < 0.02, "{a} -> {b}");
            last = frame;
        }
        // Five hops per 2.5 s cycle is 2 Hz; a diagonal hop shows one in-between position.
        assert_eq!(fx.cycle, CALM_CYCLE);
        assert!(hops <= 24, "{hops} position changes in 6 s");
        assert!(hops >= 12, "{hops} position changes in 6 s: still moving");
        // The slow fade may cross the threshold once in a while, never in a flashing rhythm.
        assert!(max_swings_per_second(&lumas(&ctx, 7), 60, 0.02) <= 1);
    }

    #[test]
    fn strobe_steps_through_white_and_the_layer_colours() {
        let fx = Glitch::new(&glitch("x", "strobe"), &GlitchParams::default()).unwrap();
        let at = |t: f64| strobe_color(t, fx.cycle, &fx.layers, false);
        assert_eq!(at(0.1), MAIN);
        assert_eq!(at(0.3), DEFAULT_LAYERS[0]);
        assert_eq!(at(0.5), MAIN);
        assert_eq!(at(0.8), DEFAULT_LAYERS[1]);
        assert_eq!(at(1.1), MAIN);
        assert_eq!(at(1.3), DEFAULT_LAYERS[2]);
        // A faster --cycle cannot make it flash faster.
        let fast = strobe_color(0.15, 0.06, &fx.layers, false);
        assert_eq!(fast, MAIN);
    }

    #[test]
    fn timing_comes_from_simulated_time_not_ticks() {
        let ctx = glitch("Welcome", "corrupt");
        let mut a = Glitch::new(&ctx, &GlitchParams::default()).unwrap();
        let mut b = Glitch::new(&ctx, &GlitchParams::default()).unwrap();
        for _ in 0..125 {
            a.tick(Duration::from_millis(8));
        }
        for _ in 0..25 {
            b.tick(Duration::from_millis(40));
        }
        let area = Rect::new(0, 0, 80, 24);
        let (mut ba, mut bb) = (Buffer::empty(area), Buffer::empty(area));
        a.render(area, &mut ba);
        b.render(area, &mut bb);
        assert_eq!(ba, bb);
        // Rendering twice without a tick changes nothing (static things stay put).
        b.render(area, &mut ba);
        assert_eq!(ba, bb);
    }

    #[test]
    fn seeds_and_palette_change_the_picture() {
        let one = run(
            &glitch("Hi", "glitch"),
            &GlitchParams::default(),
            (40, 12),
            0.13,
        );
        let two = run(
            &Context::new(2, "Hi"),
            &GlitchParams::default(),
            (40, 12),
            0.13,
        );
        assert_ne!(one, two, "stars depend on the seed");
        let mut branded = glitch("Hi", "glitch");
        branded.palette = vec![Rgb(255, 0, 255)];
        let buf = run(&branded, &GlitchParams::default(), (40, 12), 0.02);
        assert!(buf.content.iter().any(|c| c.bg == Rgb(204, 0, 204).into()));
        assert!(!buf.content.iter().any(|c| c.bg == Rgb(204, 0, 0).into()));
    }

    #[test]
    fn writes_every_cell_of_an_offset_area_and_reuses_its_canvas() {
        for message in ["Welcome", "환영합니다"] {
            let mut fx =
                Glitch::new(&glitch(message, "corrupt"), &GlitchParams::default()).unwrap();
            let mut buf = Buffer::empty(Rect::new(0, 0, 50, 20));
            let area = Rect::new(3, 2, 44, 16);
            let mut pointer = None;
            for _ in 0..50 {
                for pos in area.positions() {
                    buf[pos].set_symbol("X");
                }
                fx.tick(Duration::from_millis(130));
                fx.render(area, &mut buf);
                assert!(area.positions().all(|p| buf[p].symbol() != "X"));
                let p = fx.canvas.pixels().as_ptr();
                assert!(pointer.is_none_or(|q| q == p), "canvas reallocated");
                pointer = Some(p);
            }
            assert_eq!(buf[(0, 0)].symbol(), " ", "outside the area untouched");
        }
    }

    #[test]
    fn message_is_uppercased_and_replaced() {
        let mut fx = Glitch::new(&glitch("hi", "glitch"), &GlitchParams::default()).unwrap();
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        fx.render(buf.area, &mut buf);
        assert_eq!(buf[(1, 0)].symbol(), "H");
        fx.set_message("ok");
        fx.render(buf.area, &mut buf);
        assert_eq!(buf[(1, 0)].symbol(), "O");
    }

    #[test]
    fn a_zero_cycle_is_refused() {
        let params = GlitchParams {
            cycle: Duration::ZERO,
            ..GlitchParams::default()
        };
        assert!(Glitch::new(&Context::new(1, "x"), &params).is_err());
    }

    #[cfg(feature = "clap")]
    #[test]
    fn flags_parse() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            params: GlitchParams,
        }
        let cli = Cli::try_parse_from([
            "t",
            "--offset",
            "2",
            "--cycle",
            "1s",
            "--layers",
            "#fff,blue",
            "--skew-period",
            "10s",
            "--no-skew",
            "--no-scanlines",
            "--stars",
            "5",
        ])
        .unwrap();
        let expected = GlitchParams {
            offset: 2.0,
            cycle: Duration::from_secs(1),
            layers: vec![Rgb::WHITE, Rgb(0, 0, 255)],
            skew_period: Duration::from_secs(10),
            no_skew: true,
            no_scanlines: true,
            stars: 5,
        };
        assert_eq!(cli.params, expected);
        assert!(Cli::try_parse_from(["t", "--cycle", "300"]).is_err());
        assert!(Cli::try_parse_from(["t", "--offset", "-1"]).is_err());
        assert!(Cli::try_parse_from(["t", "--layers", "nope"]).is_err());
    }
}

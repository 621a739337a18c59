//! The `confetti` effect: canvas-confetti's paper pieces falling behind the kiosk message.
//!
//! # The original
//!
//! "Confetti Falling Background Using Canvas Confetti" is built on catdad's canvas-confetti. Each
//! piece gets random physics when fired (`randomPhysics`) and is then moved once per 60 Hz
//! animation frame (`updateFetti`): it travels along its launch angle at a speed that decays by
//! `decay` per tick, falls a *constant* `3 × gravity` px per tick, drifts sideways by `drift`,
//! flutters on a circle of radius `10 × scalar` (wobble), turns over (tilt, +0.1 rad per tick),
//! and fades out linearly over `ticks` frames. A square is drawn as a parallelogram spanned by
//! the wobble and tilt vectors, so it reads as a paper square turning in 3-D; a circle is an
//! ellipse whose radii follow the wobble; a star is a fixed five-pointed star.
//!
//! # How we map it
//!
//! - Physics is a literal port, stepped at exactly 60 Hz from the simulated time given to
//!   [`Effect::tick`] (a fixed step with an accumulator), in *virtual pixels* where a cell is
//!   8 × 16 px. canvas-confetti's numbers therefore mean the same thing here, and the speed does
//!   not depend on the frame rate, the engine's tick or the terminal size.
//! - Each piece is one glyph chosen from its projected shape, so pieces visibly flip: a square
//!   seen face-on is `█`, half-turned `▀`/`▄` (flat) or `▌`/`▐` (narrow), edge-on `▔`/`▁` or
//!   `▏`/`▕`; the half-cell glyphs are picked by where the piece sits inside its cell. A circle
//!   is `●`, `•` or `·` as its ellipse shrinks; a star is `★`.
//! - Terminals have no alpha, so the linear fade blends the colour toward the background.
//! - Styles are the library's demo recipes: `fall` (the Snow demo, endless and in the palette),
//!   `snow` (the Snow demo itself: white circles), `burst` (the basic cannon at `--origin`,
//!   refired as each burst dies out), `pride` (School Pride: side cannons) and `fireworks`
//!   (random bursts every 250 ms, tapering over a 15 s show that then repeats).
//! - The message sits on a padded dark box in front of the pieces (or behind them with
//!   `--confetti-front`); a new message or a key press fires a burst, as in confetty.
//! - Bounded: pieces live in a pool allocated once with room for `--max-particles`; pieces that
//!   leave the screen for good are recycled before their fade ends, and nothing is spawned while
//!   the pool is full, so memory stays flat for months.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use rand::Rng as _;
use ratatui_core::buffer::{Buffer, Cell};
use ratatui_core::layout::Rect;

use crate::ansi;
use crate::banner::Banner;
use crate::effect::{Context, Effect, LayerKind};
use crate::layers::draw_clipped;
use crate::rgb::Rgb;
use crate::rng::{self, Rng};
use crate::text;

/// The name on the command line and in configs.
pub const NAME: &str = "confetti";
/// The looks it has; the first is the default.
pub const STYLES: &[&str] = &["fall", "snow", "burst", "pride", "fireworks"];

/// canvas-confetti's default palette.
pub const DEFAULT_COLORS: [Rgb; 7] = [
    Rgb(0x26, 0xcc, 0xff),
    Rgb(0xa2, 0x5a, 0xfd),
    Rgb(0xff, 0x5e, 0x7e),
    Rgb(0x88, 0xff, 0x5a),
    Rgb(0xfc, 0xff, 0x42),
    Rgb(0xff, 0xa6, 0x2d),
    Rgb(0xff, 0x36, 0xff),
];
/// The Snow demo's only colour.
const SNOW_COLORS: [Rgb; 1] = [Rgb::WHITE];
/// The School Pride demo's colours.
const PRIDE_COLORS: [Rgb; 2] = [Rgb(0xbb, 0x00, 0x00), Rgb::WHITE];

/// The scene behind the pieces: a deep night blue, so the palette pops and fades have somewhere
/// to go (and it still reduces to black on 16-colour terminals).
const BACKGROUND: Rgb = Rgb(10, 12, 30);
/// The message box: clearly lighter than the scene on 24-bit terminals.
const BOX: Rgb = Rgb(34, 38, 72);
const TEXT: Rgb = Rgb::WHITE;
/// Padding around the message inside its box, in cells.
const BOX_PAD_X: u16 = 3;
const BOX_PAD_Y: u16 = 1;

/// Distinct brightness levels a piece passes through as it fades.
const FADE_STEPS: f32 = 8.0;

/// Virtual pixels per cell: a terminal cell is about 8 × 16 px.
const CELL_W: f32 = 8.0;
const CELL_H: f32 = 16.0;
/// canvas-confetti's animation frame rate: its physics is per 60 Hz tick.
const STEPS_PER_SECOND: u128 = 60;
const NANOS_PER_SECOND: u128 = 1_000_000_000;
/// Most physics steps one `tick` may run; longer gaps are dropped rather than replayed.
const MAX_STEPS_PER_TICK: u32 = 60;
/// Terminal width the `--rate` is given for; wider screens get proportionally more pieces.
const RATE_COLUMNS: f32 = 80.0;
/// Physics steps simulated before the first frame of the continuous styles, so the background
/// is already full when the effect appears.
const PREWARM_STEPS: u32 = 6 * 60;
/// How far outside the screen a piece may be before it can be recycled (a wobble is ≤ 10 px).
const OFFSCREEN_MARGIN: f32 = 24.0;
/// canvas-confetti's default `ticks` (frames until a piece has faded out).
const TICKS: u16 = 200;
/// The Fireworks demo: two bursts every 250 ms, fading in 60 ticks, tapering over 15 s.
const FIREWORKS_INTERVAL: u64 = 15;
const FIREWORKS_SHOW: u64 = 15 * 60;
const FIREWORKS_TICKS: u16 = 60;

/// A piece's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Shape {
    /// A paper square turning in 3-D.
    Square,
    /// A disc whose ellipse flutters.
    Circle,
    /// A five-pointed star.
    Star,
}

/// Where cannons fire from, as fractions of the screen (0,0 is the top left corner).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Origin {
    /// Fraction of the width, 0 (left) ..= 1 (right).
    pub x: f32,
    /// Fraction of the height, 0 (top) ..= 1 (bottom).
    pub y: f32,
}

impl Default for Origin {
    /// canvas-confetti's default origin: the middle of the screen.
    fn default() -> Self {
        Self { x: 0.5, y: 0.5 }
    }
}

impl FromStr for Origin {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let err = || format!("expected X,Y as fractions 0..1 such as 0.5,0.7, got '{s}'");
        let (x, y) = s.split_once(',').ok_or_else(err)?;
        let x: f32 = x.trim().parse().map_err(|_| err())?;
        let y: f32 = y.trim().parse().map_err(|_| err())?;
        if !(0.0..=1.0).contains(&x) || !(0.0..=1.0).contains(&y) {
            return Err(err());
        }
        Ok(Self { x, y })
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{}", self.x, self.y)
    }
}

/// Parameters of the `confetti` effect. Defaults are canvas-confetti's; where a style's demo
/// recipe sets its own value, an unset option means "the recipe's".
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[cfg_attr(feature = "clap", command(next_help_heading = "Confetti"))]
pub struct ConfettiParams {
    /// Pieces per second in the continuous styles, per 80 columns so the density is the same at
    /// any width [default: fall and snow 20, pride 80: the demos' 1 (pride: 4) pieces per frame
    /// on a 1920-px-wide page]
    #[cfg_attr(feature = "clap", arg(long, value_name = "N"))]
    pub rate: Option<f32>,
    /// Pieces per burst (canvas-confetti's particleCount): key presses, new messages, the burst
    /// style's cannon and each firework
    #[cfg_attr(feature = "clap", arg(long, value_name = "N", default_value_t = ConfettiParams::default().count))]
    pub count: u32,
    /// Shapes to pick from, comma-separated: square, circle, star [default: square,circle; snow:
    /// circle]
    #[cfg_attr(
        feature = "clap",
        arg(long, value_name = "LIST", value_delimiter = ',')
    )]
    pub shapes: Vec<Shape>,
    /// Gravity: pieces fall 3 × this many px per 60 Hz tick (a cell is 8 × 16 px) once their
    /// launch speed has decayed; the fall and snow styles use 0.4–0.6 × it, as the Snow demo
    /// does
    #[cfg_attr(
        feature = "clap",
        arg(
            long,
            value_name = "G",
            default_value_t = ConfettiParams::default().gravity,
            allow_negative_numbers = true
        )
    )]
    pub gravity: f32,
    /// Sideways drift in px per 60 Hz tick, like wind (fall and snow add ±0.4 per piece)
    #[cfg_attr(
        feature = "clap",
        arg(
            long,
            value_name = "PX",
            default_value_t = ConfettiParams::default().drift,
            allow_negative_numbers = true
        )
    )]
    pub drift: f32,
    /// Share of its speed a piece keeps each tick (0..=1); lower stops bursts sooner
    #[cfg_attr(feature = "clap", arg(long, value_name = "D", default_value_t = ConfettiParams::default().decay))]
    pub decay: f32,
    /// Degrees a cannon spreads its pieces over, 0..=360 [default: 45; pride 55, fireworks 360]
    #[cfg_attr(feature = "clap", arg(long, value_name = "DEG"))]
    pub spread: Option<f32>,
    /// Launch speed in px per 60 Hz tick (canvas-confetti's startVelocity) [default: 45;
    /// fireworks 30]
    #[cfg_attr(feature = "clap", arg(long, value_name = "PX"))]
    pub velocity: Option<f32>,
    /// Where the cannon fires from, as X,Y fractions of the screen (pride uses Y only)
    #[cfg_attr(
        feature = "clap",
        arg(long, value_name = "X,Y", default_value_t = ConfettiParams::default().origin)
    )]
    pub origin: Origin,
    /// Hard cap on live pieces; nothing new is spawned while it is reached
    #[cfg_attr(feature = "clap", arg(long, value_name = "N", default_value_t = ConfettiParams::default().max_particles))]
    pub max_particles: u32,
    /// Let pieces pass in front of the message instead of behind its box
    #[cfg_attr(feature = "clap", arg(long))]
    pub confetti_front: bool,
}

impl Default for ConfettiParams {
    fn default() -> Self {
        Self {
            rate: None,
            count: 50,
            shapes: Vec::new(),
            gravity: 1.0,
            drift: 0.0,
            decay: 0.9,
            spread: None,
            velocity: None,
            origin: Origin::default(),
            max_particles: 1500,
            confetti_front: false,
        }
    }
}

impl ConfettiParams {
    /// Checks every value is in a range that makes sense; the error names the flag.
    pub fn validate(&self) -> Result<(), String> {
        let check = |ok: bool, what: &str| if ok { Ok(()) } else { Err(what.to_string()) };
        check(
            self.rate.is_none_or(|r| (0.0..=10_000.0).contains(&r)),
            "--rate must be between 0 and 10000 pieces per second",
        )?;
        check(self.count <= 10_000, "--count must be at most 10000")?;
        check(
            (-100.0..=100.0).contains(&self.gravity),
            "--gravity must be between -100 and 100",
        )?;
        check(
            (-100.0..=100.0).contains(&self.drift),
            "--drift must be between -100 and 100",
        )?;
        check(
            (0.0..=1.0).contains(&self.decay),
            "--decay must be between 0 and 1 (the share of speed kept per tick)",
        )?;
        check(
            self.spread.is_none_or(|s| (0.0..=360.0).contains(&s)),
            "--spread must be between 0 and 360 degrees",
        )?;
        check(
            self.velocity.is_none_or(|v| (0.0..=1000.0).contains(&v)),
            "--velocity must be between 0 and 1000 px per tick",
        )?;
        check(
            (0.0..=1.0).contains(&self.origin.x) && (0.0..=1.0).contains(&self.origin.y),
            "--origin must be X,Y fractions between 0 and 1",
        )?;
        check(
            (1..=100_000).contains(&self.max_particles),
            "--max-particles must be between 1 and 100000",
        )
    }
}

/// The demo recipe a style runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Fall,
    Snow,
    Burst,
    Pride,
    Fireworks,
}

/// Everything `randomPhysics` needs besides randomness: one cannon shot's options.
#[derive(Clone, Copy, Debug)]
struct Launch {
    x: f32,
    y: f32,
    /// Degrees, counter-clockwise from the right (90 = straight up).
    angle: f32,
    spread: f32,
    velocity: f32,
    ticks: u16,
    gravity: f32,
    drift: f32,
    decay: f32,
    scalar: f32,
}

/// One piece of confetti: canvas-confetti's "fetti", in virtual pixels.
#[derive(Clone, Copy, Debug)]
struct Piece {
    x: f32,
    y: f32,
    /// Unit vector of the launch direction (`cos`/`sin` of canvas-confetti's `angle2D`).
    dir_x: f32,
    dir_y: f32,
    velocity: f32,
    decay: f32,
    /// Px per tick added to `y` (already × 3, as canvas-confetti stores it).
    gravity: f32,
    drift: f32,
    wobble: f32,
    wobble_speed: f32,
    tilt: f32,
    /// The 2..3 "random" thickness, re-rolled every tick (the shimmer).
    random: f32,
    /// Xorshift state for re-rolling `random`: a tiny per-piece stream seeded from the effect's
    /// RNG at launch, so the per-tick shimmer costs a few instructions, not a ChaCha block.
    shimmer: u32,
    scalar: f32,
    tick: u16,
    ticks: u16,
    color: Rgb,
    shape: Shape,
}

impl Piece {
    /// canvas-confetti's `randomPhysics`.
    fn launch(l: &Launch, color: Rgb, shape: Shape, rng: &mut Rng) -> Self {
        let wobble = rng.r#gen::<f32>() * 10.0;
        let wobble_speed = (rng.r#gen::<f32>() * 0.1 + 0.05).min(0.11);
        let velocity = l.velocity * 0.5 + rng.r#gen::<f32>() * l.velocity;
        let spread = l.spread.to_radians();
        let angle = -l.angle.to_radians() + (0.5 * spread - rng.r#gen::<f32>() * spread);
        let tilt = (rng.r#gen::<f32>() * 0.5 + 0.25) * std::f32::consts::PI;
        let random = rng.r#gen::<f32>() + 2.0;
        let shimmer = rng.r#gen::<u32>() | 1;
        Self {
            x: l.x,
            y: l.y,
            dir_x: angle.cos(),
            dir_y: angle.sin(),
            velocity,
            decay: l.decay,
            gravity: l.gravity * 3.0,
            drift: l.drift,
            wobble,
            wobble_speed,
            tilt,
            random,
            shimmer,
            scalar: l.scalar,
            tick: 0,
            ticks: l.ticks.max(1),
            color,
            shape,
        }
    }

    /// canvas-confetti's `updateFetti`, minus the drawing; `shimmer` re-rolls the thickness.
    fn update(&mut self, shimmer: bool) {
        self.x += self.dir_x * self.velocity + self.drift;
        self.y += self.dir_y * self.velocity + self.gravity;
        self.wobble += self.wobble_speed;
        self.velocity *= self.decay;
        self.tilt += 0.1;
        if shimmer {
            self.shimmer ^= self.shimmer << 13;
            self.shimmer ^= self.shimmer >> 17;
            self.shimmer ^= self.shimmer << 5;
            self.random = 2.0 + (self.shimmer >> 8) as f32 / (1u32 << 24) as f32;
        }
        self.tick = self.tick.saturating_add(1);
    }

    /// Opacity: canvas-confetti draws update number `n` (counting from 0) at `1 − n / ticks`.
    fn alpha(&self) -> f32 {
        1.0 - f32::from(self.tick.saturating_sub(1)) / f32::from(self.ticks)
    }

    /// Whether the piece has left a `width` × `height` px screen for good: it is past an edge
    /// and both its current and its eventual motion (velocity decays toward pure gravity and
    /// drift) lead further away, so it can be recycled before its fade ends.
    fn gone(&self, width: f32, height: f32) -> bool {
        let dx = self.dir_x * self.velocity + self.drift;
        let dy = self.dir_y * self.velocity + self.gravity;
        (self.y > height + OFFSCREEN_MARGIN && dy >= 0.0 && self.gravity >= 0.0)
            || (self.y < -OFFSCREEN_MARGIN && dy <= 0.0 && self.gravity <= 0.0)
            || (self.x < -OFFSCREEN_MARGIN && dx <= 0.0 && self.drift <= 0.0)
            || (self.x > width + OFFSCREEN_MARGIN && dx >= 0.0 && self.drift >= 0.0)
    }

    /// The glyph showing the piece's current projection, and the point (px) it is drawn at.
    fn glyph(&self) -> (char, f32, f32) {
        // The shape's two spanning vectors, exactly as canvas-confetti draws them:
        // wobble (A, B) and tilt (C, D).
        let (sin_w, cos_w) = self.wobble.sin_cos();
        let (sin_t, cos_t) = self.tilt.sin_cos();
        let a = 10.0 * self.scalar * cos_w;
        let b = 10.0 * self.scalar * sin_w;
        let c = self.random * cos_t;
        let d = self.random * sin_t;
        match self.shape {
            Shape::Square => {
                // The parallelogram (x,y) → (x+A, y+D) → (x+A+C, y+B+D) → (x+C, y+B).
                let cx = self.x + (a + c) / 2.0;
                let cy = self.y + (b + d) / 2.0;
                let full = 10.0 * self.scalar + self.random;
                let wide = (a.abs() + c.abs()) / full;
                let tall = (b.abs() + d.abs()) / full;
                let upper = cy.rem_euclid(CELL_H) < CELL_H / 2.0;
                let left = cx.rem_euclid(CELL_W) < CELL_W / 2.0;
                let glyph = if wide >= 0.5 && tall >= 0.5 {
                    '█'
                } else if wide >= tall {
                    match (tall >= 0.2, upper) {
                        (true, true) => '▀',
                        (true, false) => '▄',
                        (false, true) => '▔',
                        (false, false) => '▁',
                    }
                } else {
                    match (wide >= 0.2, left) {
                        (true, true) => '▌',
                        (true, false) => '▐',
                        (false, true) => '▏',
                        (false, false) => '▕',
                    }
                };
                (glyph, cx, cy)
            }
            Shape::Circle => {
                // The ellipse's radii are 0.6 × |A| and 0.6 × |B|: its area follows |sin 2w|.
                let size = self.scalar * (2.0 * sin_w * cos_w).abs().sqrt();
                let glyph = if size >= 0.6 {
                    '●'
                } else if size >= 0.3 {
                    '•'
                } else {
                    '·'
                };
                (glyph, self.x, self.y)
            }
            Shape::Star => (if self.scalar >= 0.6 { '★' } else { '*' }, self.x, self.y),
        }
    }
}

/// The `confetti` effect.
#[derive(Debug)]
pub struct Confetti {
    mode: Mode,
    params: ConfettiParams,
    shapes: Vec<Shape>,
    colors: Vec<Rgb>,
    /// The pool: allocated once with room for `--max-particles`, never grown.
    pieces: Vec<Piece>,
    rng: Rng,
    /// The screen in cells, as last rendered (80 × 24 until the first render).
    cols: u16,
    rows: u16,
    /// Simulated time not yet stepped, in units of 1 / (60 × 10⁹) s, so stepping is exact.
    pending: u128,
    /// Physics steps so far.
    steps: u64,
    /// Fractional pieces owed to the continuous spawner.
    spawn_debt: f32,
    /// Counts continuous spawns, to alternate pride's cannons and cycle their colours.
    spawned: u64,
    calm: bool,
    banner: Banner,
}

impl Confetti {
    /// Builds the effect; `Err` names the parameter that is out of range.
    pub fn new(ctx: &Context, params: &ConfettiParams) -> Result<Self, String> {
        params.validate()?;
        let mode = match ctx.style_in(STYLES) {
            "snow" => Mode::Snow,
            "burst" => Mode::Burst,
            "pride" => Mode::Pride,
            "fireworks" => Mode::Fireworks,
            _ => Mode::Fall,
        };
        let colors = if !ctx.palette.is_empty() {
            ctx.palette.clone()
        } else {
            match mode {
                Mode::Snow => SNOW_COLORS.to_vec(),
                Mode::Pride => PRIDE_COLORS.to_vec(),
                _ => DEFAULT_COLORS.to_vec(),
            }
        };
        let shapes = if !params.shapes.is_empty() {
            params.shapes.clone()
        } else if mode == Mode::Snow {
            vec![Shape::Circle]
        } else {
            vec![Shape::Square, Shape::Circle]
        };
        let mut confetti = Self {
            mode,
            params: params.clone(),
            shapes,
            colors,
            pieces: Vec::with_capacity(params.max_particles as usize),
            rng: rng::seeded(ctx.seed, "confetti"),
            cols: 80,
            rows: 24,
            pending: 0,
            steps: 0,
            spawn_debt: 0.0,
            spawned: 0,
            calm: ctx.calm,
            banner: Banner::new(ctx, &ctx.message),
        };
        if matches!(mode, Mode::Fall | Mode::Snow | Mode::Pride) {
            for _ in 0..PREWARM_STEPS {
                confetti.step();
            }
        }
        Ok(confetti)
    }

    /// How many pieces are alive.
    pub fn len(&self) -> usize {
        self.pieces.len()
    }

    /// Whether no piece is alive.
    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    fn width(&self) -> f32 {
        f32::from(self.cols) * CELL_W
    }

    fn height(&self) -> f32 {
        f32::from(self.rows) * CELL_H
    }

    /// One 60 Hz frame of canvas-confetti: recycle, spawn, move.
    fn step(&mut self) {
        let (width, height) = (self.width(), self.height());
        self.pieces
            .retain(|p| p.tick < p.ticks && !p.gone(width, height));
        self.spawn_for_step();
        // Calm mode keeps the thickness steady: no shimmer.
        let shimmer = !self.calm;
        for piece in &mut self.pieces {
            piece.update(shimmer);
        }
        self.steps += 1;
    }

    /// The style's recipe for this frame.
    fn spawn_for_step(&mut self) {
        match self.mode {
            Mode::Fall | Mode::Snow | Mode::Pride => {
                let default_rate = if self.mode == Mode::Pride { 80.0 } else { 20.0 };
                let rate = self.params.rate.unwrap_or(default_rate);
                self.spawn_debt +=
                    rate * f32::from(self.cols) / RATE_COLUMNS / STEPS_PER_SECOND as f32;
                while self.spawn_debt >= 1.0 {
                    self.spawn_debt -= 1.0;
                    if self.mode == Mode::Pride {
                        self.spawn_pride_piece();
                    } else {
                        self.spawn_falling_piece();
                    }
                }
            }
            Mode::Burst => {
                // Refire as the previous burst finishes fading.
                if self.steps.is_multiple_of(u64::from(TICKS)) {
                    self.fire_cannon();
                }
            }
            Mode::Fireworks => {
                if self.steps.is_multiple_of(FIREWORKS_INTERVAL) {
                    let left = FIREWORKS_SHOW - self.steps % FIREWORKS_SHOW;
                    let count = u64::from(self.params.count) * left / FIREWORKS_SHOW;
                    self.fire_fireworks(count as u32);
                }
            }
        }
    }

    /// Adds a piece unless the pool is full.
    fn spawn(&mut self, launch: &Launch, color: Rgb) {
        if self.pieces.len() >= self.params.max_particles as usize {
            return;
        }
        let shape = self.shapes[rng::usize_in(&mut self.rng, 0..self.shapes.len())];
        let piece = Piece::launch(launch, color, shape, &mut self.rng);
        self.pieces.push(piece);
    }

    /// The Snow demo: one piece at rest somewhere in the upper screen (skewed toward the top,
    /// as the demo's `skew` settles at 0.8), slow and drifting, living 200–500 ticks.
    fn spawn_falling_piece(&mut self) {
        let (width, height) = (self.width(), self.height());
        let rng = &mut self.rng;
        let launch = Launch {
            x: rng.r#gen::<f32>() * width,
            y: (rng.r#gen::<f32>() * 0.8 - 0.2) * height,
            angle: 90.0,
            spread: 45.0,
            velocity: 0.0,
            ticks: rng.gen_range(200..=500),
            gravity: self.params.gravity * rng.gen_range(0.4..0.6),
            drift: self.params.drift + rng.gen_range(-0.4..0.4),
            decay: self.params.decay,
            scalar: rng.gen_range(0.4..1.0),
        };
        let color = self.colors[rng::usize_in(&mut self.rng, 0..self.colors.len())];
        self.spawn(&launch, color);
    }

    /// A cannon shot with the user's physics and the library's default `ticks` and scale.
    fn launch_at(&self, x: f32, y: f32, angle: f32, spread: f32, velocity: f32) -> Launch {
        Launch {
            x: x * self.width(),
            y: y * self.height(),
            angle,
            spread: self.params.spread.unwrap_or(spread),
            velocity: self.params.velocity.unwrap_or(velocity),
            ticks: TICKS,
            gravity: self.params.gravity,
            drift: self.params.drift,
            decay: self.params.decay,
            scalar: 1.0,
        }
    }

    /// School Pride: cannons on the left and right edges aiming up and inward, alternating.
    fn spawn_pride_piece(&mut self) {
        let left = self.spawned.is_multiple_of(2);
        let color = self.colors[(self.spawned / 2) as usize % self.colors.len()];
        self.spawned += 1;
        let (x, angle) = if left { (0.0, 60.0) } else { (1.0, 120.0) };
        let launch = self.launch_at(x, self.params.origin.y, angle, 55.0, 45.0);
        self.spawn(&launch, color);
    }

    /// Fires `count` pieces with `launch`, cycling colours as canvas-confetti does.
    fn fire(&mut self, launch: &Launch, count: u32) {
        for i in (0..count as usize).rev() {
            let color = self.colors[i % self.colors.len()];
            self.spawn(launch, color);
        }
    }

    /// The basic cannon at `--origin`, straight up.
    fn fire_cannon(&mut self) {
        let origin = self.params.origin;
        let launch = self.launch_at(origin.x, origin.y, 90.0, 45.0, 45.0);
        self.fire(&launch, self.params.count);
    }

    /// The Fireworks demo: a round burst on each side, somewhere in the upper screen.
    fn fire_fireworks(&mut self, count: u32) {
        for (from, to) in [(0.1, 0.3), (0.7, 0.9)] {
            let x = self.rng.gen_range(from..to);
            let y = self.rng.r#gen::<f32>() - 0.2;
            let mut launch = self.launch_at(x, y, 90.0, 360.0, 30.0);
            launch.ticks = FIREWORKS_TICKS;
            self.fire(&launch, count);
        }
    }

    /// The celebration for a key press or a new message, in the style's own manner.
    fn celebrate(&mut self) {
        match self.mode {
            Mode::Fall | Mode::Snow | Mode::Burst => self.fire_cannon(),
            Mode::Pride => {
                for _ in 0..self.params.count {
                    self.spawn_pride_piece();
                }
            }
            Mode::Fireworks => self.fire_fireworks(self.params.count),
        }
    }

    /// Adopts a new screen size, scaling positions so the scene keeps its composition.
    fn resize(&mut self, cols: u16, rows: u16) {
        if (cols, rows) == (self.cols, self.rows) || cols == 0 || rows == 0 {
            return;
        }
        let sx = f32::from(cols) / f32::from(self.cols);
        let sy = f32::from(rows) / f32::from(self.rows);
        for piece in &mut self.pieces {
            piece.x *= sx;
            piece.y *= sy;
        }
        self.cols = cols;
        self.rows = rows;
    }

    /// The padded box the message sits on, or an empty rect when there is no message.
    fn message_box(&mut self, area: Rect) -> Rect {
        if self.banner.message().trim().is_empty() {
            return Rect::default();
        }
        let text = self.banner.bounds(area);
        if text.is_empty() {
            return Rect::default();
        }
        let x = text.x.saturating_sub(BOX_PAD_X).max(area.x);
        let y = text.y.saturating_sub(BOX_PAD_Y).max(area.y);
        let right = text.right().saturating_add(BOX_PAD_X).min(area.right());
        let bottom = text.bottom().saturating_add(BOX_PAD_Y).min(area.bottom());
        Rect::new(x, y, right - x, bottom - y)
    }

    /// Draws the pieces in `area`, except over `hidden`, each faded toward [`BACKGROUND`] or,
    /// `over_below`, toward the background of the cell it lands on (as a layer).
    fn draw_pieces(&self, area: Rect, buf: &mut Buffer, hidden: Rect, over_below: bool) {
        for piece in &self.pieces {
            let (glyph, px, py) = piece.glyph();
            let col = (px / CELL_W).floor();
            let row = (py / CELL_H).floor();
            if col < 0.0
                || row < 0.0
                || col >= f32::from(area.width)
                || row >= f32::from(area.height)
            {
                continue;
            }
            let pos = (area.x + col as u16, area.y + row as u16);
            // Never split a double-width glyph of the message: a piece on either of its halves
            // passes behind it.
            let wide = |x: u16| text::width(buf[(x, pos.1)].symbol()) > 1;
            if hidden.contains(pos.into()) || wide(pos.0) || (pos.0 > area.x && wide(pos.0 - 1)) {
                continue;
            }
            // The fade in a few visible steps rather than a new colour every frame: a piece
            // that stays in its cell then costs no bytes until its glyph or step changes.
            let alpha = (piece.alpha() * FADE_STEPS).ceil() / FADE_STEPS;
            let below = if over_below {
                ansi::rgb_of(buf[pos].bg).unwrap_or(BACKGROUND)
            } else {
                BACKGROUND
            };
            let color = piece.color.over(below, alpha);
            buf[pos].set_char(glyph).set_fg(color.into());
        }
    }
}

/// Blanks `rect` (inside `buf`) to spaces on `bg`, a row slice at a time.
fn fill(buf: &mut Buffer, rect: Rect, bg: Rgb) {
    let mut blank = Cell::EMPTY;
    blank.set_fg(TEXT.into()).set_bg(bg.into());
    for y in rect.top()..rect.bottom() {
        let start = buf.index_of(rect.x, y);
        for cell in &mut buf.content[start..start + usize::from(rect.width)] {
            cell.clone_from(&blank);
        }
    }
}

impl Effect for Confetti {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tick(&mut self, dt: Duration) {
        // Calm mode runs the physics at half speed: flips slow to about 1 Hz.
        let rate = if self.calm {
            STEPS_PER_SECOND / 2
        } else {
            STEPS_PER_SECOND
        };
        self.pending += dt.as_nanos() * rate;
        let mut steps = 0;
        while self.pending >= NANOS_PER_SECOND {
            if steps == MAX_STEPS_PER_TICK {
                self.pending = 0;
                break;
            }
            self.pending -= NANOS_PER_SECOND;
            self.step();
            steps += 1;
        }
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        self.resize(area.width, area.height);
        let message_box = self.message_box(area);
        fill(buf, area, BACKGROUND);
        fill(buf, message_box, BOX);
        if self.params.confetti_front {
            self.banner.render(area, buf, TEXT, BOX);
            self.draw_pieces(area, buf, Rect::default(), false);
        } else {
            self.draw_pieces(area, buf, message_box, false);
            self.banner.render(area, buf, TEXT, BOX);
        }
    }

    fn set_message(&mut self, message: &str) {
        if message != self.banner.message() {
            self.banner.set_message(message);
            self.celebrate();
        }
    }

    fn poke(&mut self) {
        self.celebrate();
    }

    fn layer_kind(&self) -> LayerKind {
        LayerKind::Over
    }

    /// Only the pieces, over whatever is below; the message is left to the layers (the base
    /// effect's, or a message layer).
    fn composite(&mut self, area: Rect, buf: &mut Buffer) {
        draw_clipped(area, buf, |area, buf| {
            self.resize(area.width, area.height);
            self.draw_pieces(area, buf, Rect::default(), true);
        });
    }
}

#[cfg(test)]
mod tests {
    use ratatui_core::style::Color;

    use super::*;

    /// 20 ms: an exact number of nanoseconds, so 50 ticks are exactly 60 physics steps.
    const TICK: Duration = Duration::from_millis(20);

    fn build(style: &str, message: &str, params: &ConfettiParams) -> Confetti {
        let mut ctx = Context::new(7, message);
        ctx.style = Some(style.to_string());
        Confetti::new(&ctx, params).unwrap()
    }

    fn run(fx: &mut Confetti, seconds: u32) {
        for _ in 0..seconds * 50 {
            fx.tick(TICK);
        }
    }

    fn frame(fx: &mut Confetti, cols: u16, rows: u16) -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, cols, rows));
        fx.render(buf.area, &mut buf);
        buf
    }

    fn text(buf: &Buffer) -> String {
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    /// Every cell a piece occupies, with its colour: what the fade looks like.
    fn pieces_with_colors(buf: &Buffer) -> String {
        let mut out = String::new();
        for (i, cell) in buf.content.iter().enumerate() {
            if let Color::Rgb(r, g, b) = cell.fg
                && Rgb(r, g, b) != TEXT
            {
                let (x, y) = (i as u16 % buf.area.width, i as u16 / buf.area.width);
                out.push_str(&format!(
                    "{x:>2},{y:>2} {} {}\n",
                    cell.symbol(),
                    Rgb(r, g, b)
                ));
            }
        }
        out
    }

    #[test]
    fn fall_snapshot() {
        // Words of at most five letters, so the big-text layout does not depend on how the
        // banner breaks long words.
        let mut fx = build("fall", "HELLO", &ConfettiParams::default());
        run(&mut fx, 3);
        insta::assert_snapshot!(text(&frame(&mut fx, 64, 20)));
    }

    #[test]
    fn snow_snapshot() {
        let mut fx = build("snow", "Let it snow", &ConfettiParams::default());
        run(&mut fx, 3);
        insta::assert_snapshot!(text(&frame(&mut fx, 64, 20)));
    }

    #[test]
    fn burst_snapshot() {
        let mut fx = build("burst", "YAY", &ConfettiParams::default());
        for _ in 0..5 {
            fx.tick(TICK);
        }
        insta::assert_snapshot!(text(&frame(&mut fx, 64, 20)));
    }

    #[test]
    fn pride_snapshot() {
        let mut fx = build("pride", "GO TEAM", &ConfettiParams::default());
        run(&mut fx, 1);
        insta::assert_snapshot!(text(&frame(&mut fx, 64, 20)));
    }

    #[test]
    fn fireworks_snapshot() {
        let mut fx = build("fireworks", "2025", &ConfettiParams::default());
        for _ in 0..30 {
            fx.tick(TICK);
        }
        insta::assert_snapshot!(text(&frame(&mut fx, 64, 20)));
    }

    #[test]
    fn korean_message_in_front_mode_snapshot() {
        let params = ConfettiParams {
            confetti_front: true,
            ..ConfettiParams::default()
        };
        let mut fx = build("fall", "환영합니다 👋", &params);
        run(&mut fx, 2);
        insta::assert_snapshot!(text(&frame(&mut fx, 40, 10)));
    }

    #[test]
    fn burst_colors_fade_snapshot() {
        let mut fx = build("burst", "", &ConfettiParams::default());
        for _ in 0..100 {
            fx.tick(TICK);
        }
        insta::assert_snapshot!(pieces_with_colors(&frame(&mut fx, 32, 10)));
    }

    #[test]
    fn physics_is_canvas_confetti_per_tick() {
        let mut rng = rng::seeded(1, "test");
        let launch = Launch {
            x: 100.0,
            y: 300.0,
            angle: 90.0,
            spread: 0.0,
            velocity: 45.0,
            ticks: 200,
            gravity: 1.0,
            drift: 0.5,
            decay: 0.9,
            scalar: 1.0,
        };
        let mut piece = Piece::launch(&launch, Rgb::WHITE, Shape::Square, &mut rng);
        let v0 = piece.velocity;
        assert!((22.5..=67.5).contains(&v0));
        for _ in 0..100 {
            piece.update(false);
        }
        // Straight up with a geometric series of speeds, plus a constant 3 px/tick of gravity.
        let rise = v0 * (1.0 - 0.9f32.powi(100)) / (1.0 - 0.9);
        assert!(
            (piece.y - (300.0 - rise + 300.0)).abs() < 0.01,
            "{}",
            piece.y
        );
        assert!((piece.x - (100.0 + 50.0)).abs() < 0.01, "{}", piece.x);
        assert!((piece.tilt - (launch_tilt(&piece) + 10.0)).abs() < 1e-3);
        assert_eq!(piece.tick, 100);
        assert!((piece.alpha() - (1.0 - 99.0 / 200.0)).abs() < 1e-6);
    }

    /// The tilt a piece started with, recovered from its tick count.
    fn launch_tilt(piece: &Piece) -> f32 {
        piece.tilt - 0.1 * f32::from(piece.tick)
    }

    #[test]
    fn speed_does_not_depend_on_the_tick_rate() {
        let mut frames = Vec::new();
        for dt_ms in [10, 20, 40, 250] {
            let mut fx = build("burst", "Hi", &ConfettiParams::default());
            for _ in 0..2000 / dt_ms {
                fx.tick(Duration::from_millis(dt_ms));
            }
            assert_eq!(fx.steps, 120);
            frames.push(frame(&mut fx, 40, 12));
        }
        assert!(frames.windows(2).all(|w| w[0] == w[1]));
    }

    #[test]
    fn calm_runs_at_half_speed_without_shimmer() {
        let mut ctx = Context::new(7, "Hi");
        ctx.calm = true;
        let mut fx = Confetti::new(&ctx, &ConfettiParams::default()).unwrap();
        let before = fx.steps;
        run(&mut fx, 2);
        assert_eq!(fx.steps - before, 60);
        let random = fx.pieces.iter().map(|p| p.random).collect::<Vec<_>>();
        fx.params.rate = Some(0.0);
        fx.step();
        assert!(fx.pieces.iter().all(|p| random.contains(&p.random)));
    }

    #[test]
    fn squares_visibly_flip() {
        let mut rng = rng::seeded(3, "test");
        let launch = Launch {
            x: 0.0,
            y: 0.0,
            angle: 90.0,
            spread: 45.0,
            velocity: 0.0,
            ticks: 500,
            gravity: 0.0,
            drift: 0.0,
            decay: 0.9,
            scalar: 1.0,
        };
        let mut piece = Piece::launch(&launch, Rgb::WHITE, Shape::Square, &mut rng);
        let mut seen = Vec::new();
        let mut changes = 0;
        let mut last = ' ';
        for _ in 0..120 {
            piece.update(false);
            let (glyph, _, _) = piece.glyph();
            if glyph != last {
                changes += 1;
                last = glyph;
            }
            if !seen.contains(&glyph) {
                seen.push(glyph);
            }
        }
        assert!(seen.contains(&'█'), "{seen:?}");
        assert!(seen.iter().any(|g| "▀▄▔▁".contains(*g)), "{seen:?}");
        assert!(seen.iter().any(|g| "▌▐▏▕".contains(*g)), "{seen:?}");
        // Two seconds of tumbling change the glyph several times a second, not every frame.
        assert!((8..60).contains(&changes), "{changes} changes");
    }

    #[test]
    fn new_message_and_key_press_fire_bursts() {
        let mut fx = build("fall", "One", &ConfettiParams::default());
        let before = fx.len();
        fx.set_message("One");
        assert_eq!(fx.len(), before, "the same message fires nothing");
        fx.set_message("Two");
        assert_eq!(fx.len(), before + 50);
        fx.poke();
        assert_eq!(fx.len(), before + 100);
    }

    #[test]
    fn an_hour_of_ticks_stays_under_the_cap_with_a_flat_pool() {
        for style in STYLES {
            let params = ConfettiParams {
                max_particles: 400,
                ..ConfettiParams::default()
            };
            let mut fx = build(style, "Welcome", &params);
            let mut buf = Buffer::empty(Rect::new(0, 0, 40, 12));
            let capacity = fx.pieces.capacity();
            let mut peak = 0;
            for tick in 0..60 * 60 * 50 {
                fx.tick(TICK);
                peak = peak.max(fx.len());
                if tick % 50 == 0 {
                    fx.render(buf.area, &mut buf);
                }
                if tick % 3000 == 0 {
                    fx.poke();
                }
            }
            assert!(peak <= 400, "{style}: {peak} pieces");
            assert_eq!(fx.pieces.capacity(), capacity, "{style}: the pool grew");
            // Recycling, not the cap, keeps the continuous styles small.
            if *style == "fall" || *style == "snow" {
                assert!(peak < 150, "{style}: {peak} pieces");
            }
        }
    }

    #[test]
    fn a_tiny_cap_holds_under_key_mashing() {
        let params = ConfettiParams {
            max_particles: 10,
            ..ConfettiParams::default()
        };
        let mut fx = build("fireworks", "Hi", &params);
        for _ in 0..500 {
            fx.poke();
            fx.tick(TICK);
            assert!(fx.len() <= 10);
        }
    }

    #[test]
    fn off_screen_pieces_are_recycled_before_their_fade_ends() {
        let mut fx = build("fall", "", &ConfettiParams::default());
        fx.pieces.clear();
        let launch = Launch {
            x: 100.0,
            y: 370.0,
            angle: 90.0,
            spread: 0.0,
            velocity: 0.0,
            ticks: 500,
            gravity: 1.0,
            drift: 0.0,
            decay: 0.9,
            scalar: 1.0,
        };
        fx.params.rate = Some(0.0);
        fx.spawn(&launch, Rgb::WHITE);
        fx.step();
        assert_eq!(fx.len(), 1);
        // 384 px high: it passes the 24 px margin below the bottom after 13 more ticks.
        for _ in 0..12 {
            fx.step();
        }
        assert_eq!(fx.len(), 1);
        fx.step();
        assert!(fx.is_empty(), "below the bottom and still falling");
    }

    #[test]
    fn resize_scales_the_scene() {
        let mut fx = build("fall", "", &ConfettiParams::default());
        let small = frame(&mut fx, 80, 24);
        let big = frame(&mut fx, 160, 48);
        let drawn = |buf: &Buffer| buf.content.iter().filter(|c| c.symbol() != " ").count();
        assert!(drawn(&small) > 20);
        assert!(
            drawn(&big) * 10 >= drawn(&small) * 9,
            "pieces kept their places"
        );
        // Tiny and empty areas neither panic nor lose the scene.
        frame(&mut fx, 0, 0);
        frame(&mut fx, 1, 1);
        assert_eq!(fx.len(), fx.pieces.len());
        assert!(!fx.is_empty());
    }

    #[test]
    fn renders_every_cell_and_keeps_pieces_behind_the_box() {
        // Three frames after the cannon fired in the middle of the screen.
        let mut fx = build("burst", "Welcome", &ConfettiParams::default());
        for _ in 0..3 {
            fx.tick(TICK);
        }
        let area = Rect::new(3, 2, 60, 18);
        let mut buf = Buffer::filled(Rect::new(0, 0, 70, 24), Cell::new("X"));
        fx.render(area, &mut buf);
        assert!(area.positions().all(|p| buf[p].symbol() != "X"));
        assert_eq!(buf[(0, 0)].symbol(), "X", "outside the area is untouched");
        let message_box = fx.message_box(area);
        assert!(!message_box.is_empty());
        // The lettering's ink is TEXT blended over BOX by coverage; anything else is a piece.
        let lettering: Vec<Color> = (0..=255)
            .map(|k| TEXT.over(BOX, f32::from(k as u8) / 255.0).into())
            .collect();
        let colored = |buf: &Buffer, rect: Rect| {
            rect.positions()
                .filter(|&p| !lettering.contains(&buf[p].fg))
                .count()
        };
        assert!(colored(&buf, area) > 5, "the burst is on screen");
        assert_eq!(colored(&buf, message_box), 0, "no piece over the message");

        let front = ConfettiParams {
            confetti_front: true,
            ..ConfettiParams::default()
        };
        let mut fx = build("burst", "Welcome", &front);
        // One tick: the burst is still around the origin, in the middle of the message box.
        fx.tick(TICK);
        fx.render(area, &mut buf);
        let in_front = colored(&buf, message_box);
        assert!(
            in_front > 10,
            "pieces pass in front: {in_front} in {message_box:?}"
        );
    }

    #[test]
    fn palette_replaces_the_default_colors() {
        let mut ctx = Context::new(7, "");
        ctx.palette = vec![Rgb(1, 2, 3)];
        let fx = Confetti::new(&ctx, &ConfettiParams::default()).unwrap();
        assert!(fx.pieces.iter().all(|p| p.color == Rgb(1, 2, 3)));
        let fx = build("snow", "", &ConfettiParams::default());
        assert!(
            fx.pieces
                .iter()
                .all(|p| p.color == Rgb::WHITE && p.shape == Shape::Circle)
        );
    }

    #[test]
    fn params_are_validated() {
        assert_eq!(ConfettiParams::default().validate(), Ok(()));
        let bad = [
            ConfettiParams {
                decay: 1.5,
                ..ConfettiParams::default()
            },
            ConfettiParams {
                spread: Some(400.0),
                ..ConfettiParams::default()
            },
            ConfettiParams {
                max_particles: 0,
                ..ConfettiParams::default()
            },
            ConfettiParams {
                gravity: f32::NAN,
                ..ConfettiParams::default()
            },
            ConfettiParams {
                origin: Origin { x: 2.0, y: 0.5 },
                ..ConfettiParams::default()
            },
        ];
        for params in bad {
            let err = Confetti::new(&Context::new(1, ""), &params).unwrap_err();
            assert!(err.starts_with("--"), "{err}");
        }
        assert_eq!("0.25, 1".parse(), Ok(Origin { x: 0.25, y: 1.0 }));
        assert!("0.5".parse::<Origin>().is_err());
        assert!("0.5,1.5".parse::<Origin>().is_err());
        assert_eq!(Origin::default().to_string(), "0.5,0.5");
    }

    #[cfg(feature = "clap")]
    #[test]
    fn flags_parse() {
        use clap::Parser;

        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            params: ConfettiParams,
        }
        let parsed = Cli::try_parse_from([
            "x",
            "--shapes",
            "star,circle",
            "--origin",
            "0.2,0.8",
            "--gravity",
            "-0.5",
            "--rate",
            "5",
            "--confetti-front",
        ])
        .unwrap()
        .params;
        assert_eq!(parsed.shapes, [Shape::Star, Shape::Circle]);
        assert_eq!(parsed.origin, Origin { x: 0.2, y: 0.8 });
        assert_eq!(parsed.gravity, -0.5);
        assert_eq!(parsed.rate, Some(5.0));
        assert!(parsed.confetti_front);
    }
}

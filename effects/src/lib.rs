//! vitrine's visual effects as `ratatui-core` widgets.
//!
//! Every effect implements [`Effect`]: it is built from a [`Context`] (seed, message, style,
//! palette) plus its own typed parameters, advanced with [`Effect::tick`] by a fixed simulation
//! step, and drawn with [`Effect::render`] into any [`Buffer`]. Effects never read a clock or
//! touch a terminal, so a seed gives the same frames everywhere and everything runs headless.
//!
//! ```
//! use std::time::Duration;
//! use ratatui_core::{buffer::Buffer, layout::Rect};
//! use vitrine_effects::{registry, Context, Params};
//!
//! let info = registry::find("glitch").unwrap();
//! let mut effect = (info.build)(&Context::new(42, "Hello"), &Params::default()).unwrap();
//! let area = Rect::new(0, 0, 80, 24);
//! let mut buf = Buffer::empty(area);
//! for _ in 0..60 {
//!     effect.tick(Duration::from_secs_f64(1.0 / 60.0));
//! }
//! effect.render(area, &mut buf);
//! ```

pub mod ansi;
pub mod banner;
pub mod bigtext;
pub mod canvas;
pub mod depth;
pub mod palette;
pub mod registry;
pub mod rgb;
pub mod rng;
pub mod text;

pub mod confetti;
pub mod defrag;
pub mod glitch;
pub mod water;

use std::time::Duration;

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;

pub use crate::registry::{EffectInfo, Params};
pub use crate::rgb::Rgb;

/// One animated effect.
///
/// The engine calls [`tick`](Effect::tick) with a fixed `dt` (1/60 s by default) as simulation
/// time passes, and [`render`](Effect::render) whenever it wants a frame. `render` must cope with
/// any area, including 0×0 and 1×1, and with an area that differs from the last one (re-lay out
/// per-cell state then; never index old state with the new size).
pub trait Effect: Send {
    /// The registry name, e.g. `"glitch"`.
    fn name(&self) -> &'static str;

    /// Advances the simulation by `dt`.
    fn tick(&mut self, dt: Duration);

    /// Draws the current state into `buf` within `area`. Every cell of `area` is written, so the
    /// caller need not clear the buffer first.
    fn render(&mut self, area: Rect, buf: &mut Buffer);

    /// Shows a new (already sanitised) message, e.g. after a hot reload or rotation.
    fn set_message(&mut self, message: &str);

    /// An outside nudge, such as a key press: confetti fires a burst, water drops a ripple.
    fn poke(&mut self) {}
}

/// What every effect is built from, besides its own parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Context {
    /// Seed for every random choice the effect makes.
    pub seed: u64,
    /// The kiosk message, sanitised (see [`text::sanitize`]).
    pub message: String,
    /// A style name from [`EffectInfo::styles`]; `None` for the effect's default.
    pub style: Option<String>,
    /// Reduced motion: slow every movement to 1–2 Hz and avoid flashes.
    pub calm: bool,
    /// Brand colours to use instead of the effect's own palette (empty for the effect's own).
    pub palette: Vec<Rgb>,
}

impl Context {
    /// A context with `seed` and `message` (sanitised here) and defaults for the rest.
    pub fn new(seed: u64, message: &str) -> Self {
        Self {
            seed,
            message: text::sanitize(message),
            style: None,
            calm: false,
            palette: Vec::new(),
        }
    }
}

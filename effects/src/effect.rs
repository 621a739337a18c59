//! What an effect is: the [`Effect`] trait and the [`Context`] every effect is built from.
//!
//! Effects depend on this module and never on the [`registry`](crate::registry), which lists them.

use std::time::Duration;

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;

use crate::rgb::Rgb;
use crate::text;

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
    /// A style name from the effect's styles ([`EffectInfo::styles`](crate::EffectInfo::styles));
    /// `None` for the effect's default.
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

    /// The style this context asks for if `styles` has it (case-insensitive), else the first of
    /// `styles` (the effect's default), or `""` for an effect without styles.
    pub fn style_in(&self, styles: &'static [&'static str]) -> &'static str {
        let wanted = self.style.as_deref().unwrap_or("");
        styles
            .iter()
            .find(|s| s.eq_ignore_ascii_case(wanted))
            .or(styles.first())
            .copied()
            .unwrap_or("")
    }
}

//! What an effect is: the [`Effect`] trait and the [`Context`] every effect is built from.
//!
//! Effects depend on this module and never on the [`registry`](crate::registry), which lists them.

use std::time::Duration;

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;

use crate::canvas::PixelGrid;
use crate::depth::ColorDepth;
use crate::font::Fonts;
use crate::rgb::Rgb;
use crate::text;

/// How an effect draws when it is a layer above others (see [`Effect::composite`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LayerKind {
    /// Writes every cell: nothing below it shows (defrag, and every effect that does not say
    /// otherwise).
    #[default]
    Opaque,
    /// Draws some cells or pixels over what is below and leaves the rest as they are
    /// (confetti's pieces, a logo, the message).
    Over,
    /// Reads what is below and draws it changed (water refracts it, glitch splits its colours).
    Filter,
}

/// One animated effect.
///
/// The engine calls [`tick`](Effect::tick) with a fixed `dt` (1/60 s by default) as simulation
/// time passes, and [`render`](Effect::render) whenever it wants a frame. `render` must cope with
/// any area, including 0×0 and 1×1, and with an area that differs from the last one (re-lay out
/// per-cell state then; never index old state with the new size).
///
/// An effect may also be a layer of a stack ([`crate::layers::Stack`]): the bottom layer is
/// drawn with `render`, each one above it with [`composite`](Effect::composite), which by
/// default is `render` too (an opaque layer). An effect written before layers existed keeps
/// compiling and drawing exactly as it did.
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

    /// How [`composite`](Effect::composite) treats what is below it.
    fn layer_kind(&self) -> LayerKind {
        LayerKind::Opaque
    }

    /// Draws the current state as a layer over what `buf` already holds in `area` (the layers
    /// below it, drawn this frame). The default draws opaquely with [`render`](Effect::render);
    /// an effect whose [`layer_kind`](Effect::layer_kind) is not [`LayerKind::Opaque`]
    /// overrides it. Like `render`, it must cope with any area.
    fn composite(&mut self, area: Rect, buf: &mut Buffer) {
        self.render(area, buf);
    }
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
    /// Fonts of the big lettering: the operator's, then the bundled ones.
    pub fonts: Fonts,
    /// Pixels per cell of the big lettering.
    pub pixels: PixelGrid,
    /// The colours the output will be reduced to, so that an effect can draw for them: the
    /// lettering cuts its anti-aliasing where there are too few colours for it, and water
    /// draws a deliberate look in VGA colours at 16 colours. The vitrine binary sets it for
    /// each output (the terminal, a recording, each colour depth of `serve` viewers); a
    /// change (a reloaded `color` setting) builds the effect anew.
    pub depth: ColorDepth,
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
            fonts: Fonts::bundled(),
            pixels: PixelGrid::Half,
            depth: ColorDepth::TrueColor,
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

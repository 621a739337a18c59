//! vitrine's visual effects as `ratatui-core` widgets.
//!
//! Every effect implements [`Effect`]: it is built from a [`Context`] (seed, message, style,
//! palette) plus its own typed parameters, advanced with [`Effect::tick`] by a fixed simulation
//! step, and drawn with [`Effect::render`] into any
//! [`Buffer`](ratatui_core::buffer::Buffer). Effects never read a clock or
//! touch a terminal, so a seed gives the same frames everywhere and everything runs headless.
//!
//! [`Buffer`]: ratatui_core::buffer::Buffer
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
pub mod canvas;
pub mod depth;
pub mod duration;
pub mod effect;
pub mod font;
pub mod layers;
pub mod lettering;
pub mod logo;
pub mod message;
pub mod palette;
pub mod registry;
pub mod rgb;
pub mod rng;
pub mod text;

pub mod confetti;
pub mod defrag;
pub mod glitch;
pub mod water;

pub use crate::effect::{Context, Effect, LayerKind};
pub use crate::registry::{EffectInfo, Params};
pub use crate::rgb::Rgb;

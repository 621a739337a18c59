//! The `confetti` effect. (Foundation version: draws the message; the full effect replaces it.)

use std::time::Duration;

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;

use crate::banner::Banner;
use crate::registry::EffectInfo;
use crate::{Context, Effect, Rgb};

/// Registry entry.
pub const INFO: EffectInfo = EffectInfo {
    name: "confetti",
    description: "canvas-confetti physics falling behind the message",
    styles: &["fall", "snow", "burst", "pride", "fireworks"],
    heading: "Confetti",
    build: |ctx, params| Ok(Box::new(Confetti::new(ctx, &params.confetti))),
};

/// Parameters of the `confetti` effect.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[cfg_attr(feature = "clap", command(next_help_heading = "Confetti"))]
pub struct ConfettiParams {}

/// The `confetti` effect.
#[derive(Debug)]
pub struct Confetti {
    banner: Banner,
}

impl Confetti {
    pub fn new(ctx: &Context, _params: &ConfettiParams) -> Self {
        Self {
            banner: Banner::new(&ctx.message, 0.8),
        }
    }
}

impl Effect for Confetti {
    fn name(&self) -> &'static str {
        INFO.name
    }

    fn tick(&mut self, _dt: Duration) {}

    fn render(&mut self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        for cell in area.positions() {
            buf[cell].reset();
        }
        self.banner.render(area, buf, Rgb::WHITE, None);
    }

    fn set_message(&mut self, message: &str) {
        self.banner.set_message(message);
    }
}

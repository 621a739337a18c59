//! The `water` effect. (Foundation version: draws the message; the full effect replaces it.)

use std::time::Duration;

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;

use crate::banner::Banner;
use crate::registry::EffectInfo;
use crate::{Context, Effect, Rgb};

/// Registry entry.
pub const INFO: EffectInfo = EffectInfo {
    name: "water",
    description: "The message seen through moving water, five styles",
    styles: &["turbulence", "ripple", "sway", "focus", "caustics"],
    heading: "Water",
    build: |ctx, params| Ok(Box::new(Water::new(ctx, &params.water))),
};

/// Parameters of the `water` effect.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[cfg_attr(feature = "clap", command(next_help_heading = "Water"))]
pub struct WaterParams {}

/// The `water` effect.
#[derive(Debug)]
pub struct Water {
    banner: Banner,
}

impl Water {
    pub fn new(ctx: &Context, _params: &WaterParams) -> Self {
        Self {
            banner: Banner::new(&ctx.message, 0.8),
        }
    }
}

impl Effect for Water {
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

//! The `glitch` effect. (Foundation version: draws the message; the full effect replaces it.)

use std::time::Duration;

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;

use crate::banner::Banner;
use crate::registry::EffectInfo;
use crate::{Context, Effect, Rgb};

/// Registry entry.
pub const INFO: EffectInfo = EffectInfo {
    name: "glitch",
    description: "Strobe/glitch kiosk text in big block letters (the CodePen \"strobocops\" look)",
    styles: &["glitch", "strobe", "corrupt"],
    heading: "Glitch",
    build: |ctx, params| Ok(Box::new(Glitch::new(ctx, &params.glitch))),
};

/// Parameters of the `glitch` effect.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[cfg_attr(feature = "clap", command(next_help_heading = "Glitch"))]
pub struct GlitchParams {}

/// The `glitch` effect.
#[derive(Debug)]
pub struct Glitch {
    banner: Banner,
}

impl Glitch {
    pub fn new(ctx: &Context, _params: &GlitchParams) -> Self {
        Self {
            banner: Banner::new(&ctx.message, 0.8),
        }
    }
}

impl Effect for Glitch {
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

//! The list of effects: adding an effect is one module plus one entry in [`EFFECTS`] and one
//! field in [`Params`]. Effects never import this module (it imports them).

use crate::effect::{Context, Effect};
use crate::{confetti, defrag, glitch, water};

/// Builds an effect from the shared context and the parameters; `Err` explains what is wrong.
pub type BuildFn = fn(&Context, &Params) -> Result<Box<dyn Effect>, String>;

/// Describes one effect and how to build it.
#[derive(Clone, Copy, Debug)]
pub struct EffectInfo {
    /// Name used on the command line and in configs.
    pub name: &'static str,
    /// One line for `vitrine list`.
    pub description: &'static str,
    /// Style names the effect accepts; the first is the default. Empty when it has none.
    pub styles: &'static [&'static str],
    /// Help heading under which the effect's own flags are listed.
    pub heading: &'static str,
    /// Builds the effect; an error explains which parameter combination is invalid.
    pub build: BuildFn,
}

impl EffectInfo {
    /// Every style to try the effect in: each named style, or just `None` (its only look) when
    /// it has none. Tests and benchmarks walk every look with this.
    pub fn style_choices(&self) -> Vec<Option<&'static str>> {
        if self.styles.is_empty() {
            vec![None]
        } else {
            self.styles.iter().copied().map(Some).collect()
        }
    }
}

/// Every effect, in the default playlist order. `heading` is the `next_help_heading` of the
/// effect's parameters (a test checks they agree).
pub static EFFECTS: &[EffectInfo] = &[
    EffectInfo {
        name: glitch::NAME,
        description: "Strobe/glitch kiosk text in big block letters (the CodePen \"strobocops\" look)",
        styles: glitch::STYLES,
        heading: "Glitch",
        build: |ctx, params| Ok(Box::new(glitch::Glitch::new(ctx, &params.glitch)?)),
    },
    EffectInfo {
        name: confetti::NAME,
        description: "canvas-confetti physics falling behind the message",
        styles: confetti::STYLES,
        heading: "Confetti",
        build: |ctx, params| Ok(Box::new(confetti::Confetti::new(ctx, &params.confetti)?)),
    },
    EffectInfo {
        name: water::NAME,
        description: "The message seen through moving water, five styles",
        styles: water::STYLES,
        heading: "Water",
        build: |ctx, params| Ok(Box::new(water::Water::new(ctx, &params.water)?)),
    },
    EffectInfo {
        name: defrag::NAME,
        description: "A faithful MS-DOS 6 DEFRAG screen that runs forever (--speed 4 = 4x faster)",
        styles: defrag::STYLES,
        heading: "Defrag",
        build: |ctx, params| Ok(Box::new(defrag::Defrag::new(ctx, &params.defrag)?)),
    },
];

/// Looks an effect up by name (case-insensitive).
pub fn find(name: &str) -> Option<&'static EffectInfo> {
    EFFECTS
        .iter()
        .find(|e| e.name.eq_ignore_ascii_case(name.trim()))
}

/// Every effect's own parameters. Each effect reads its field and ignores the others.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
pub struct Params {
    #[cfg_attr(feature = "clap", command(flatten))]
    pub glitch: glitch::GlitchParams,
    #[cfg_attr(feature = "clap", command(flatten))]
    pub confetti: confetti::ConfettiParams,
    #[cfg_attr(feature = "clap", command(flatten))]
    pub water: water::WaterParams,
    #[cfg_attr(feature = "clap", command(flatten))]
    pub defrag: defrag::DefragParams,
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ratatui_core::buffer::Buffer;
    use ratatui_core::layout::Rect;

    use super::*;

    /// The one check that every parameter's command-line default is its `Default` (each
    /// effect's flags take their defaults from `Default`, so this guards the exceptions).
    #[cfg(feature = "clap")]
    #[test]
    fn command_line_defaults_are_params_default() {
        use clap::{CommandFactory, Parser};
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            params: Params,
        }
        assert_eq!(
            Cli::try_parse_from(["vitrine"]).unwrap().params,
            Params::default()
        );
        // `vitrine list` finds an effect's flags by its heading.
        let command = Cli::command();
        for info in EFFECTS {
            assert!(
                command
                    .get_arguments()
                    .any(|a| a.get_help_heading() == Some(info.heading)),
                "no flag under {}",
                info.heading
            );
        }
    }

    #[test]
    fn names_are_unique_and_findable() {
        for info in EFFECTS {
            assert_eq!(find(&info.name.to_uppercase()).unwrap().name, info.name);
            assert_eq!(EFFECTS.iter().filter(|e| e.name == info.name).count(), 1);
        }
        assert!(find("nope").is_none());
    }

    /// Every effect, every style, survives any area including 0x0 and 1x1 and area changes,
    /// alone and as a layer.
    #[test]
    fn every_effect_survives_any_area() {
        let sizes = [
            (80, 24),
            (0, 0),
            (1, 1),
            (3, 2),
            (200, 60),
            (0, 7),
            (9, 0),
            (17, 5),
            (80, 24),
        ];
        for info in EFFECTS {
            for style in info.style_choices() {
                for message in ["Welcome", "환영합니다 👋", ""] {
                    let mut ctx = Context::new(1, message);
                    ctx.style = style.map(str::to_string);
                    let mut fx = (info.build)(&ctx, &Params::default()).unwrap();
                    let mut buf = Buffer::empty(Rect::new(0, 0, 200, 60));
                    for (w, h) in sizes {
                        for _ in 0..7 {
                            fx.tick(Duration::from_millis(16));
                        }
                        // Render into a buffer that is larger and into one that matches.
                        fx.render(Rect::new(0, 0, w, h), &mut buf);
                        let mut exact = Buffer::empty(Rect::new(0, 0, w, h));
                        fx.render(exact.area, &mut exact);
                        // And as a layer over what is there.
                        fx.composite(Rect::new(0, 0, w, h), &mut buf);
                        fx.composite(Rect::new(0, 0, w.saturating_add(9), h), &mut exact);
                        fx.poke();
                    }
                }
            }
        }
    }
}

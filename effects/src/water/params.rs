//! The `water` effect's parameters: their flags, defaults and ranges.

use super::art::AsciiArt;
use crate::rgb::Rgb;

/// Parameters of the `water` effect.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[cfg_attr(feature = "clap", command(next_help_heading = "Water"))]
pub struct WaterParams {
    /// How strongly the water bends the picture: 1 = default, 0 = still water (0-4).
    #[cfg_attr(
        feature = "clap",
        arg(long, default_value_t = WaterParams::default().strength, value_name = "AMOUNT")
    )]
    pub strength: f32,

    /// Size of the waves, ripples and light cells: 1 = default, 2 = twice as large (0.5-4).
    #[cfg_attr(
        feature = "clap",
        arg(long, default_value_t = WaterParams::default().scale, value_name = "FACTOR")
    )]
    pub scale: f32,

    /// A picture to show through the water instead of the message. Not a flag here: the
    /// `vitrine` binary reads it from `--image PATH` (this crate never reads files).
    #[cfg_attr(feature = "clap", arg(skip))]
    pub image: Option<AsciiArt>,

    /// Ripples: the part of a wave's height kept each step (0.8-0.999; higher rings longer).
    #[cfg_attr(
        feature = "clap",
        arg(long, default_value_t = WaterParams::default().damping, value_name = "FACTOR")
    )]
    pub damping: f32,

    /// Ripples: random drops per second (0 = only when a key is pressed).
    #[cfg_attr(
        feature = "clap",
        arg(long, default_value_t = WaterParams::default().drop_rate, value_name = "PER_SECOND")
    )]
    pub drop_rate: f32,

    /// Colour of the water (#rrggbb); the background and light are derived from it.
    #[cfg_attr(
        feature = "clap",
        arg(long, default_value_t = WaterParams::default().water, value_name = "COLOR")
    )]
    pub water: Rgb,
}

impl Default for WaterParams {
    fn default() -> Self {
        Self {
            strength: 1.0,
            scale: 1.0,
            image: None,
            damping: 0.97,
            drop_rate: 2.0,
            water: Rgb(0x1e, 0x90, 0xff),
        }
    }
}

impl WaterParams {
    /// Checks the ranges; the message names the flag.
    pub(super) fn validate(&self) -> Result<(), String> {
        let check = |name: &str, value: f32, lo: f32, hi: f32| {
            if (lo..=hi).contains(&value) {
                Ok(())
            } else {
                Err(format!(
                    "--{name} must be between {lo} and {hi}, got {value}"
                ))
            }
        };
        check("strength", self.strength, 0.0, 4.0)?;
        check("scale", self.scale, 0.5, 4.0)?;
        check("damping", self.damping, 0.8, 0.999)?;
        check("drop-rate", self.drop_rate, 0.0, 20.0)
    }
}

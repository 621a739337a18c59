//! The five looks of the `water` effect and the colours of a scene.

use crate::rgb::Rgb;

/// The five looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum WaterStyle {
    Turbulence,
    Ripple,
    Sway,
    Focus,
    Caustics,
}

impl WaterStyle {
    pub(super) fn from_name(name: &str) -> Self {
        match name {
            "ripple" => Self::Ripple,
            "sway" => Self::Sway,
            "focus" => Self::Focus,
            "caustics" => Self::Caustics,
            _ => Self::Turbulence,
        }
    }

    /// Displacement amplitude in font pixels at `--strength 1`.
    pub(super) fn amplitude(self) -> f32 {
        match self {
            Self::Turbulence => 1.2,
            // Only the waves move it (see WAVE_GAIN).
            Self::Ripple => 0.0,
            Self::Sway => 1.4,
            Self::Focus => 0.4,
            Self::Caustics => 0.7,
        }
    }

    /// The blur radius (pixels) that is always on; `focus` adds its breathing blur on top.
    pub(super) fn base_blur(self) -> f32 {
        match self {
            Self::Turbulence => 0.4,
            Self::Sway => 0.3,
            Self::Ripple | Self::Focus | Self::Caustics => 0.0,
        }
    }
}

/// The colours of one scene.
#[derive(Clone, Copy, Debug)]
pub(super) struct Colors {
    pub(super) text: Rgb,
    pub(super) deep: Rgb,
    pub(super) shallow: Rgb,
    pub(super) light: Rgb,
}

impl Colors {
    /// Text from the brand palette's first colour (else near-white), water from its second (else
    /// `--water`). Luma is pinned so the text stays light and the water dark at any colour depth.
    pub(super) fn new(style: WaterStyle, palette: &[Rgb], water: Rgb) -> Self {
        let water = palette.get(1).copied().unwrap_or(water);
        let text = palette.first().copied().unwrap_or(Rgb(240, 248, 255));
        let mut text = text.lerp(water, 0.12);
        while text.luma() < 0.75 {
            text = text.lerp(Rgb::WHITE, 0.25);
        }
        let (deep, shallow) = match style {
            // A lit pool: lighter, so the light network has something to play on.
            WaterStyle::Caustics => (0.12, 0.22),
            _ => (0.06, 0.18),
        };
        Self {
            text,
            deep: with_luma(water, deep),
            shallow: with_luma(water, shallow),
            // Pinned too: a bright brand colour must not light the water up like the text.
            light: with_luma(water.lerp(Rgb::WHITE, 0.55), 0.7),
        }
    }
}

/// `colour` scaled to about `luma` (a grey of that luma for a black colour).
fn with_luma(colour: Rgb, luma: f32) -> Rgb {
    let l = colour.luma();
    if l < 0.01 {
        let v = (luma * 255.0) as u8;
        return Rgb(v, v, v);
    }
    colour.scale(luma / l)
}

//! The water at 16 colours: a deliberate VGA look instead of approximating navy.
//!
//! The 16 colours have no navy. Mixed from black and blue dots by the colour pass, the water
//! reads as a grey-blue texture that changes wherever the message moves over it, and the pale
//! message sparkles with cyan dots. So when the output has 16 colours ([`Context::depth`]) the
//! water draws itself the way ANSI art draws water, in VGA colours by name (which the colour
//! pass keeps exact, like defrag's screen):
//!
//! - the depth of the water is bands of shade glyphs, black at the top (deep) through `░ ▒ ▓`
//!   to blue at the bottom (shallow). The bands are fixed to the cell rows, so they never
//!   change and cost nothing to send; only the message moves, as in truecolor.
//! - the message is white (or a brand's light colour), cut at half coverage: there is no
//!   in-between colour that would sparkle at its edges as the water bends it. Its drop shadow
//!   is black. Only while it is blurred (`focus`) has it a cyan halo, so that it glows rather
//!   than falling apart.
//! - the light of the `caustics` and `ripple` styles (crests) is one step lighter than the
//!   water it falls on: blue on the deep, cyan on the blue; troughs are black.
//!
//! A brand water colour (`--water`, `--colors`) picks its own hue among the 8 normal colours.
//!
//! [`Context::depth`]: crate::Context::depth

use super::Over;
use super::field::CAUSTIC_LEVELS;
use super::look::ShadeRow;
use super::style::{Colors, WaterStyle};
use crate::ansi::vga;
use crate::depth;
use crate::rgb::Rgb;

/// Ink coverage (of 255) from which a pixel is the message's colour.
const INK_CUT: u32 = 128;
/// Ink coverage (of 255) from which a pixel is the message's halo while it is blurred.
const HALO_CUT: u32 = 72;
/// Blur radius (pixels) from which the message has a halo: cut at half coverage alone, a
/// blurred message (`focus` breathing out) falls apart into blobs.
const HALO_BLUR: f32 = 1.0;
/// Shadow coverage (of 255) from which a pixel is in the shadow.
const SHADOW_CUT: u32 = 128;
/// Crest shading (of 256) from which a crest is lit or a trough dark.
const CREST_CUT: i32 = 45;
/// Caustic light level from which a pixel is lit.
const LIGHT_CUT: u32 = CAUSTIC_LEVELS / 2;
/// The least luma of a brand's text colour among the bright VGA colours (light blue and red,
/// and dark grey, are too dark to read on the water; light magenta is just light enough).
const TEXT_LUMA: f32 = 0.5;

/// The water's colours at 16 colours, and the shade of each cell row.
#[derive(Clone, Debug)]
pub(super) struct VgaLook {
    /// The message.
    text: Rgb,
    /// The deep water (top) and the shadow.
    deep: Rgb,
    /// The shallow water (bottom).
    water: Rgb,
    /// Caustic light and wave crests.
    light: Rgb,
    /// How deep the water starts and ends, in quarters of `water` over `deep`: the top and the
    /// bottom cell row's shade.
    quarters: (u8, u8),
    /// Per cell row, quarters (0–4) of `water` over `deep`.
    rows: Vec<u8>,
    /// Whether the message's partial coverage shows as a halo in `light` this frame.
    halo: bool,
}

impl VgaLook {
    /// The look of `style` with the brand `palette` (text first, water second) or the water
    /// colour `water`.
    pub(super) fn new(style: WaterStyle, palette: &[Rgb], water: Rgb) -> Self {
        let brand = palette.get(1).copied().unwrap_or(water);
        let (water_colour, light) = hue_of(brand);
        let text = if palette.is_empty() {
            vga::WHITE
        } else {
            // The brand's text colour as the smooth look pins it (light), then its nearest
            // bright colour if that is light enough to read on dark water; else white.
            let pinned = Colors::new(style, palette, water).text;
            let bright = vga_rgb(depth::nearest_16(pinned) | 8);
            if bright.luma() >= TEXT_LUMA {
                bright
            } else {
                vga::WHITE
            }
        };
        let quarters = match style {
            // A lit pool: never as dark as black, so the light has water to play on.
            WaterStyle::Caustics => (1, 4),
            _ => (0, 4),
        };
        Self {
            text,
            deep: vga::BLACK,
            water: water_colour,
            light,
            quarters,
            rows: Vec::new(),
            halo: false,
        }
    }

    /// The scene's colours for what the water draws without the look (the message at normal
    /// size, a layer's refraction).
    pub(super) fn colors(&self) -> Colors {
        Colors {
            text: self.text,
            deep: self.deep,
            shallow: self.water,
            light: self.light,
        }
    }

    /// Lays the shades out over `rows` cell rows: even bands from the top's to the bottom's.
    pub(super) fn layout(&mut self, rows: u16) {
        let (top, bottom) = self.quarters;
        let bands = u32::from(bottom - top) + 1;
        let rows = u32::from(rows);
        self.rows.clear();
        self.rows
            .extend((0..rows).map(|row| top + (row * bands / rows.max(1)) as u8));
    }

    /// The colour of plain water in pixel row `y` (of cell row `y / cell_rows`) where a cell
    /// is part water, part something else: a cell holds only two colours, so the shade's
    /// nearest solid (a half shade: deep above, water below).
    pub(super) fn water_at(&self, y: usize, cell_rows: usize) -> Rgb {
        let quarters = self.rows.get(y / cell_rows).copied().unwrap_or(0);
        match quarters {
            0 | 1 => self.deep,
            2 if y % cell_rows < cell_rows / 2 => self.deep,
            _ => self.water,
        }
    }

    /// Sets this frame's blur `radius` (pixels). Only a message blurred beyond a pixel has a
    /// halo: a soft edge that moves with the water is cut, which keeps it cheap to send.
    pub(super) fn set_blur(&mut self, radius: f32) {
        self.halo = radius >= HALO_BLUR;
    }

    /// The colour of a pixel of `water` under `over`: the message, its halo, light, shadow or
    /// the water, each either on or off, in that order of precedence. Light (caustics, a
    /// crest) is one step lighter than the water it falls on, blue on the deep and cyan on the
    /// blue, so it reads as light in the water rather than lines drawn over it.
    pub(super) fn pixel(&self, water: Rgb, over: Over) -> Rgb {
        if over.ink >= INK_CUT {
            self.text
        } else if self.halo && over.ink >= HALO_CUT {
            self.light
        } else if over.light >= LIGHT_CUT || over.crest >= CREST_CUT {
            if water == self.deep {
                self.water
            } else {
                self.light
            }
        } else if over.shadow >= SHADOW_CUT || over.crest <= -CREST_CUT {
            self.deep
        } else {
            water
        }
    }

    /// The shade of cell row `row` where it is plain water, if it is not a solid colour:
    /// its quarters of the water over the deep.
    pub(super) fn shade(&self, row: usize) -> Option<ShadeRow> {
        ShadeRow::new(*self.rows.get(row)?, self.water, self.deep)
    }
}

/// The water colour and its light among the VGA colours, for a water colour `c`: the normal
/// (never bright, so it can be a background) colour of its hue, and a lighter neighbour hue
/// for light on it. A grey picks blue.
fn hue_of(c: Rgb) -> (Rgb, Rgb) {
    // Saturated to full brightness so that a dark or muted brand colour finds its hue, not
    // black or grey.
    let top = c.0.max(c.1).max(c.2).max(1);
    let bright = c.scale(255.0 / f32::from(top));
    match depth::nearest_16(bright) & 7 {
        1 => (vga::RED, vga::YELLOW),
        2 => (vga::GREEN, vga::CYAN),
        3 => (vga::YELLOW, vga::GRAY),
        5 => (vga::MAGENTA, vga::RED),
        6 => (vga::CYAN, vga::GRAY),
        _ => (vga::BLUE, vga::CYAN),
    }
}

/// The VGA colour of ANSI index `n`.
fn vga_rgb(n: u8) -> Rgb {
    crate::ansi::ANSI16[usize::from(n & 15)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_water_is_blue_with_cyan_light_and_white_text() {
        let look = VgaLook::new(WaterStyle::Turbulence, &[], Rgb(0x1e, 0x90, 0xff));
        assert_eq!(
            (look.water, look.light, look.text, look.deep),
            (vga::BLUE, vga::CYAN, vga::WHITE, vga::BLACK)
        );
    }

    #[test]
    fn a_brand_colour_keeps_its_hue() {
        for (brand, water) in [
            (Rgb(0, 60, 20), vga::GREEN),
            (Rgb(90, 10, 10), vga::RED),
            (Rgb(0, 80, 80), vga::CYAN),
            (Rgb(7, 34, 60), vga::BLUE),
            (Rgb(40, 40, 40), vga::BLUE),
            (Rgb::BLACK, vga::BLUE),
        ] {
            let (got, _) = hue_of(brand);
            assert_eq!(got, water, "{brand:?}");
        }
    }

    #[test]
    fn brand_text_is_a_light_bright_colour() {
        for (text, expected) in [
            (Rgb(255, 215, 0), vga::LIGHT_YELLOW),
            (Rgb(0, 0, 80), vga::WHITE),
            (Rgb(200, 0, 0), vga::WHITE),
            (Rgb::WHITE, vga::WHITE),
        ] {
            let look = VgaLook::new(WaterStyle::Turbulence, &[text, Rgb(0, 85, 164)], Rgb::BLACK);
            assert_eq!(look.text, expected, "{text:?}");
            assert_eq!(look.water, vga::BLUE);
        }
    }

    #[test]
    fn a_blurred_message_has_a_halo_and_a_sharp_one_a_cut_edge() {
        let mut look = VgaLook::new(WaterStyle::Focus, &[], Rgb(0x1e, 0x90, 0xff));
        let over = |ink| Over {
            ink,
            shadow: 0,
            light: 0,
            crest: 0,
        };
        for (radius, soft_edge) in [(0.4, vga::BLUE), (2.5, vga::CYAN)] {
            look.set_blur(radius);
            assert_eq!(look.pixel(vga::BLUE, over(255)), vga::WHITE);
            assert_eq!(look.pixel(vga::BLUE, over(100)), soft_edge, "{radius}");
            assert_eq!(look.pixel(vga::BLUE, over(20)), vga::BLUE);
        }
    }

    #[test]
    fn shades_run_from_deep_to_shallow() {
        let mut look = VgaLook::new(WaterStyle::Turbulence, &[], Rgb(0x1e, 0x90, 0xff));
        look.layout(30);
        assert_eq!(look.rows.len(), 30);
        assert_eq!((look.rows[0], look.rows[29]), (0, 4));
        assert!(look.rows.windows(2).all(|w| w[0] <= w[1]));
        for q in 0..=4 {
            assert_eq!(look.rows.iter().filter(|&&r| r == q).count(), 6);
        }
        for rows in [0, 1, 2, 3] {
            look.layout(rows);
            assert_eq!(look.rows.len(), usize::from(rows));
        }
    }
}

//! Built-in named colour palettes for [`Context::palette`](crate::Context::palette).
//!
//! Effects that pick colours (confetti pieces, glitch layers, water tint, defrag blocks) use the
//! context's palette when it is not empty. These named lists are what `--palette NAME` offers;
//! `--colors "#hex,…"` gives an office's own brand colours instead.

use crate::ansi::ANSI16;
use crate::rgb::Rgb;

/// A named palette.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Palette {
    /// Name used on the command line, e.g. `"pastel"`.
    pub name: &'static str,
    /// One line for `vitrine list`.
    pub description: &'static str,
    /// The colours, in the order effects cycle through them.
    pub colors: &'static [Rgb],
}

/// Every built-in palette.
pub static PALETTES: &[Palette] = &[
    Palette {
        name: "confetti",
        description: "canvas-confetti's seven defaults",
        colors: &crate::confetti::DEFAULT_COLORS,
    },
    Palette {
        name: "pastel",
        description: "soft pastel tones",
        colors: &[
            Rgb(0xff, 0xad, 0xad),
            Rgb(0xff, 0xd6, 0xa5),
            Rgb(0xfd, 0xff, 0xb6),
            Rgb(0xca, 0xff, 0xbf),
            Rgb(0x9b, 0xf6, 0xff),
            Rgb(0xa0, 0xc4, 0xff),
            Rgb(0xbd, 0xb2, 0xff),
            Rgb(0xff, 0xc6, 0xff),
        ],
    },
    Palette {
        name: "neon",
        description: "saturated neon sign colours",
        colors: &[
            Rgb(0xff, 0x00, 0xff),
            Rgb(0x00, 0xff, 0xff),
            Rgb(0x39, 0xff, 0x14),
            Rgb(0xff, 0xff, 0x00),
            Rgb(0xff, 0x07, 0x3a),
            Rgb(0xbc, 0x13, 0xfe),
        ],
    },
    Palette {
        name: "rainbow",
        description: "the six-stripe rainbow flag",
        colors: &[
            Rgb(0xe4, 0x03, 0x03),
            Rgb(0xff, 0x8c, 0x00),
            Rgb(0xff, 0xed, 0x00),
            Rgb(0x00, 0x80, 0x26),
            Rgb(0x00, 0x4d, 0xff),
            Rgb(0x75, 0x07, 0x87),
        ],
    },
    Palette {
        name: "corporate",
        description: "office blues with one amber accent",
        colors: &[
            Rgb(0x1f, 0x4e, 0x99),
            Rgb(0x2e, 0x75, 0xb6),
            Rgb(0x6b, 0xae, 0xd6),
            Rgb(0xc6, 0xdb, 0xef),
            Rgb(0xff, 0xff, 0xff),
            Rgb(0xff, 0xb0, 0x00),
        ],
    },
    Palette {
        name: "vga",
        description: "the bright VGA colours: exact on a 16-colour Linux console",
        colors: // The bright half of the console palette.
        ANSI16.as_slice().split_at(9).1,
    },
    Palette {
        name: "grey",
        description: "white and greys, for a sober screen",
        colors: &[
            Rgb(0xff, 0xff, 0xff),
            Rgb(0xd0, 0xd0, 0xd0),
            Rgb(0xa8, 0xa8, 0xa8),
            Rgb(0x80, 0x80, 0x80),
        ],
    },
];

/// The colours of the built-in palette `name` (case-insensitive).
pub fn palette(name: &str) -> Option<&'static [Rgb]> {
    PALETTES
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
        .map(|p| p.colors)
}

/// The names of every built-in palette, in [`PALETTES`] order.
pub fn names() -> impl Iterator<Item = &'static str> {
    PALETTES.iter().map(|p| p.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::depth::{nearest_16, nearest_256};

    #[test]
    fn palettes_are_findable_unique_and_non_empty() {
        for p in PALETTES {
            assert_eq!(palette(&p.name.to_uppercase()), Some(p.colors));
            assert_eq!(names().filter(|&n| n == p.name).count(), 1);
            assert!(p.colors.len() >= 4, "{}", p.name);
        }
        assert_eq!(palette("nope"), None);
    }

    /// Colours of one palette must stay told apart when the terminal has 256 colours, and the
    /// colourful palettes must keep at least four different colours on a 16-colour console.
    #[test]
    fn palettes_survive_colour_reduction() {
        for p in PALETTES {
            let mut reduced: Vec<u8> = p.colors.iter().map(|&c| nearest_256(c)).collect();
            reduced.sort_unstable();
            reduced.dedup();
            assert_eq!(reduced.len(), p.colors.len(), "{} at 256", p.name);
            if p.name != "grey" {
                let mut reduced: Vec<u8> = p.colors.iter().map(|&c| nearest_16(c)).collect();
                reduced.sort_unstable();
                reduced.dedup();
                assert!(reduced.len() >= 4, "{} at 16: {reduced:?}", p.name);
            }
        }
    }
}

//! The terminal's colour palettes: the 16 ANSI colours, ratatui's names for them, and the xterm
//! 256-colour palette.
//!
//! This is the one home of the name ↔ index ↔ RGB tables; the colour pass ([`crate::depth`]) and
//! the binary's frame encoder both read them.

use ratatui_core::style::Color;

use crate::rgb::Rgb;

/// The 16 ANSI colours as the standard VGA palette (the Linux console's defaults), in index
/// order: black, red, green, yellow (brown), blue, magenta, cyan, white (light grey), then the
/// bright versions.
pub const ANSI16: [Rgb; 16] = [
    Rgb(0x00, 0x00, 0x00),
    Rgb(0xaa, 0x00, 0x00),
    Rgb(0x00, 0xaa, 0x00),
    Rgb(0xaa, 0x55, 0x00),
    Rgb(0x00, 0x00, 0xaa),
    Rgb(0xaa, 0x00, 0xaa),
    Rgb(0x00, 0xaa, 0xaa),
    Rgb(0xaa, 0xaa, 0xaa),
    Rgb(0x55, 0x55, 0x55),
    Rgb(0xff, 0x55, 0x55),
    Rgb(0x55, 0xff, 0x55),
    Rgb(0xff, 0xff, 0x55),
    Rgb(0x55, 0x55, 0xff),
    Rgb(0xff, 0x55, 0xff),
    Rgb(0x55, 0xff, 0xff),
    Rgb(0xff, 0xff, 0xff),
];

/// The VGA colours of [`ANSI16`] by name, for the effects' deliberate 16-colour looks: drawn
/// in these exact values, a pixel keeps its colour through the colour pass at 16 colours (no
/// mixing), the way defrag's VGA screen does. Only the first eight can be a background on the
/// Linux console.
pub mod vga {
    use super::ANSI16;
    use crate::rgb::Rgb;

    pub const BLACK: Rgb = ANSI16[0];
    pub const RED: Rgb = ANSI16[1];
    pub const GREEN: Rgb = ANSI16[2];
    /// VGA's brown.
    pub const YELLOW: Rgb = ANSI16[3];
    pub const BLUE: Rgb = ANSI16[4];
    pub const MAGENTA: Rgb = ANSI16[5];
    pub const CYAN: Rgb = ANSI16[6];
    /// Light grey.
    pub const GRAY: Rgb = ANSI16[7];
    pub const DARK_GRAY: Rgb = ANSI16[8];
    pub const LIGHT_RED: Rgb = ANSI16[9];
    pub const LIGHT_GREEN: Rgb = ANSI16[10];
    pub const LIGHT_YELLOW: Rgb = ANSI16[11];
    pub const LIGHT_BLUE: Rgb = ANSI16[12];
    pub const LIGHT_MAGENTA: Rgb = ANSI16[13];
    pub const LIGHT_CYAN: Rgb = ANSI16[14];
    pub const WHITE: Rgb = ANSI16[15];
}

/// ratatui's named colours in ANSI index order (crossterm sends them as those indices:
/// `Gray` is 7, `DarkGray` 8).
pub const NAMED: [Color; 16] = [
    Color::Black,
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Gray,
    Color::DarkGray,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
    Color::White,
];

/// The ANSI index (0–15) of a named colour; `None` for RGB, indexed and reset colours.
pub fn named_index(color: Color) -> Option<u8> {
    NAMED.iter().position(|&c| c == color).map(|i| i as u8)
}

/// Whether `color` is one of the 8 bright ANSI colours (named or as index 8–15), which the
/// Linux console and VGA text mode cannot show as a background (`console_codes(4)`:
/// "100..107 set background, same as 40..47").
pub fn is_bright(color: Color) -> bool {
    match color {
        Color::Indexed(n) => (8..=15).contains(&n),
        named => named_index(named).is_some_and(|n| n >= 8),
    }
}

/// Channel levels of the xterm 6×6×6 colour cube.
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The RGB value xterm uses for palette index `n` (0–15 as [`ANSI16`]).
pub fn xterm_rgb(n: u8) -> Rgb {
    match n {
        0..=15 => ANSI16[usize::from(n)],
        16..=231 => {
            let i = n - 16;
            Rgb(
                CUBE[usize::from(i / 36)],
                CUBE[usize::from(i / 6 % 6)],
                CUBE[usize::from(i % 6)],
            )
        }
        _ => {
            let v = 8 + 10 * (n - 232);
            Rgb(v, v, v)
        }
    }
}

/// The RGB a colour stands for, or `None` for [`Color::Reset`] (the terminal's default).
#[inline]
pub fn rgb_of(color: Color) -> Option<Rgb> {
    match color {
        Color::Reset => None,
        Color::Rgb(r, g, b) => Some(Rgb(r, g, b)),
        Color::Indexed(n) => Some(xterm_rgb(n)),
        named => named_index(named).map(|i| ANSI16[usize::from(i)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xterm_palette_values() {
        assert_eq!(xterm_rgb(16), Rgb(0, 0, 0));
        assert_eq!(xterm_rgb(196), Rgb(255, 0, 0));
        assert_eq!(xterm_rgb(231), Rgb(255, 255, 255));
        assert_eq!(xterm_rgb(232), Rgb(8, 8, 8));
        assert_eq!(xterm_rgb(255), Rgb(238, 238, 238));
        assert_eq!(rgb_of(Color::LightRed), Some(Rgb(0xff, 0x55, 0x55)));
        assert_eq!(rgb_of(Color::Reset), None);
    }

    #[test]
    fn names_and_indices_agree() {
        for (i, &c) in NAMED.iter().enumerate() {
            assert_eq!(named_index(c), Some(i as u8));
            assert_eq!(is_bright(c), i >= 8);
        }
        assert_eq!(named_index(Color::Indexed(3)), None);
        assert!(is_bright(Color::Indexed(9)) && !is_bright(Color::Indexed(200)));
        assert!(!is_bright(Color::Reset) && !is_bright(Color::Rgb(255, 255, 255)));
    }
}

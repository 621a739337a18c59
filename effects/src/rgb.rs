//! 24-bit colours, blending and parsing.
//!
//! Effects think in RGB; terminals have no alpha, so "opacity" is always a blend toward a known
//! background. Reducing colours to what the terminal can show is the binary's job, not an effect's.

use std::fmt;
use std::str::FromStr;

use ratatui_core::style::Color;

/// An sRGB colour with 8 bits per channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const BLACK: Rgb = Rgb(0, 0, 0);
    pub const WHITE: Rgb = Rgb(255, 255, 255);

    /// Linear interpolation from `self` (t = 0) to `other` (t = 1); `t` is clamped.
    #[must_use]
    pub fn lerp(self, other: Rgb, t: f32) -> Rgb {
        let t = t.clamp(0.0, 1.0);
        let mix = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t).round() as u8;
        Rgb(
            mix(self.0, other.0),
            mix(self.1, other.1),
            mix(self.2, other.2),
        )
    }

    /// Paints `self` at `opacity` over `background`.
    #[must_use]
    pub fn over(self, background: Rgb, opacity: f32) -> Rgb {
        background.lerp(self, opacity)
    }

    /// Multiplies every channel by `factor` (clamped to 0..=255).
    #[must_use]
    pub fn scale(self, factor: f32) -> Rgb {
        let s = |c: u8| (f32::from(c) * factor).round().clamp(0.0, 255.0) as u8;
        Rgb(s(self.0), s(self.1), s(self.2))
    }

    /// Adds two colours channel by channel, saturating (light adds up).
    #[must_use]
    pub fn saturating_add(self, other: Rgb) -> Rgb {
        Rgb(
            self.0.saturating_add(other.0),
            self.1.saturating_add(other.1),
            self.2.saturating_add(other.2),
        )
    }

    /// Relative luminance in 0..=1 (Rec. 709 weights on gamma-encoded values; good enough to
    /// compare brightness, not a colourimetric measure).
    pub fn luma(self) -> f32 {
        (0.2126 * f32::from(self.0) + 0.7152 * f32::from(self.1) + 0.0722 * f32::from(self.2))
            / 255.0
    }
}

impl From<Rgb> for Color {
    fn from(c: Rgb) -> Color {
        Color::Rgb(c.0, c.1, c.2)
    }
}

impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// Why a colour could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseColorError(String);

impl fmt::Display for ParseColorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid colour '{}': expected #rrggbb, #rgb or a basic name (red, green, blue, white, black, yellow, cyan, magenta)",
            self.0
        )
    }
}

impl std::error::Error for ParseColorError {}

impl FromStr for Rgb {
    type Err = ParseColorError;

    fn from_str(s: &str) -> Result<Rgb, ParseColorError> {
        let err = || ParseColorError(s.to_string());
        let t = s.trim();
        let named = match t.to_ascii_lowercase().as_str() {
            "black" => Some(Rgb(0, 0, 0)),
            "white" => Some(Rgb(255, 255, 255)),
            "red" => Some(Rgb(255, 0, 0)),
            "green" => Some(Rgb(0, 255, 0)),
            "blue" => Some(Rgb(0, 0, 255)),
            "yellow" => Some(Rgb(255, 255, 0)),
            "cyan" => Some(Rgb(0, 255, 255)),
            "magenta" => Some(Rgb(255, 0, 255)),
            _ => None,
        };
        if let Some(c) = named {
            return Ok(c);
        }
        let hex = t.strip_prefix('#').unwrap_or(t);
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err());
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..=i], 16).map_err(|_| err());
        let pair = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| err());
        match hex.len() {
            3 => Ok(Rgb(digit(0)? * 17, digit(1)? * 17, digit(2)? * 17)),
            6 => Ok(Rgb(pair(0)?, pair(2)?, pair(4)?)),
            _ => Err(err()),
        }
    }
}

/// Parses a comma-separated colour list such as `"#ff0000,#00ff0b,blue"`.
pub fn parse_list(s: &str) -> Result<Vec<Rgb>, ParseColorError> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(str::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hex_short_hex_and_names() {
        assert_eq!("#00FF0B".parse(), Ok(Rgb(0, 255, 11)));
        assert_eq!("fff".parse(), Ok(Rgb::WHITE));
        assert_eq!("Red".parse(), Ok(Rgb(255, 0, 0)));
        assert!("#12345".parse::<Rgb>().is_err());
        assert!("#ééé".parse::<Rgb>().is_err());
        assert_eq!(parse_list("red, #0000ff").unwrap().len(), 2);
    }

    #[test]
    fn blends_like_css_opacity_over_black() {
        // The glitch reference: red at 0.8 over black is #CC0000.
        assert_eq!(Rgb(255, 0, 0).over(Rgb::BLACK, 0.8), Rgb(204, 0, 0));
        assert_eq!(Rgb::WHITE.lerp(Rgb::BLACK, 2.0), Rgb::BLACK);
    }
}

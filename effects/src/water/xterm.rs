//! The water at 256 colours: a deliberate look in the palette's own colours.
//!
//! The xterm palette has nothing between black and (0, 0, 95), and its greys lose the hue.
//! Mixed pixel by pixel by the colour pass, the navy water is a pattern of grey and blue
//! half-block dots (polka dots on a wall screen), and every cell the message moves over
//! carries two colours of that pattern, so the moving message costs a fifth to a third more
//! bytes than flat colour. So when the output has 256 colours ([`Context::depth`]) the water
//! draws itself in palette colours, which the colour pass keeps as they are:
//!
//! - the depth of the water is one shade glyph per cell row, between the two palette colours
//!   that best mix to that row's colour at the glyph's real coverage, the rows chosen together
//!   so that they keep a pair where that costs little ([`depth::row_shades_256`]): the ink is
//!   spread at the font's pixel scale, far finer than half-block dots, and the rows are fixed,
//!   so they never change and cost nothing to send.
//! - where the message or its shadow reaches into a cell, the cell is two half-block pixels;
//!   the water there is the row's solid (the colour of its pair that covers most of the cell)
//!   and each pixel is the nearest palette colour of what truecolor composes over the row's
//!   colour, from a few steps: the message's coverage in three (water, a darker edge, the
//!   message, cut above half coverage so that its strokes stay apart at small sizes), its
//!   shadow in two, light in the caustic levels and crests in steps of [`CREST_LEVEL`]. Few
//!   colours, so a slowly moving edge changes few cells, and each changed cell holds colours
//!   that recur along the row (the encoder seldom needs a new SGR).
//! - the message and the light are the palette colours nearest theirs with hue weighed above
//!   lightness ([`depth::nearest_256_by_hue`]): the pale blue message stays blue, not grey.
//!
//! [`Context::depth`]: crate::Context::depth

use super::Over;
use super::field::CAUSTIC_LEVELS;
use super::look::ShadeRow;
use super::style::Colors;
use crate::ansi::xterm_rgb;
use crate::depth::{self, CellShade};
use crate::rgb::Rgb;

/// Ink coverage (of 255) from which a pixel is the message's edge, and from which it is the
/// message: the message is cut above half coverage so that its strokes stay apart at small
/// sizes, with a darker edge around it.
const INK_EDGE: u32 = 64;
const INK_FULL: u32 = 160;
/// The coverage (of 255) an edge pixel is composed with.
const EDGE_COVERAGE: u32 = 110;
/// Steps of the message's coverage: water, edge, message.
const INK_STATES: usize = 3;
/// Shadow coverage (of 255) from which a pixel is in the shadow.
const SHADOW_CUT: u32 = 128;
/// Crest shading comes in steps of this many 1/256 (the truecolor steps, coarser).
const CREST_LEVEL: i32 = 45;
/// Crest steps each side of level water.
const CREST_STEPS: i32 = 2;

/// The quantised states of an [`Over`]: ink (3) × shadow (2) × light × crest.
const LIGHT_STATES: usize = CAUSTIC_LEVELS as usize + 1;
const CREST_STATES: usize = 2 * CREST_STEPS as usize + 1;
const STATES: usize = INK_STATES * 2 * LIGHT_STATES * CREST_STATES;

/// Marks a state whose colour is not computed yet (palette colours are 16–255).
const UNSET: u8 = 0;

/// One cell row of water: its shade and the solid colour of its pixels next to the message.
#[derive(Clone, Copy, Debug)]
struct Band {
    /// The row's colour in truecolor.
    water: Rgb,
    shade: CellShade,
    solid: Rgb,
    /// The palette colour of each quantised state over this row's water ([`UNSET`] until
    /// first needed, so only the states that occur are ever looked up).
    colours: [u8; STATES],
}

/// The water's colours at 256 colours, and the shade of each cell row.
#[derive(Clone, Debug)]
pub(super) struct XtermLook {
    /// The scene's colours in truecolor (the gradient the rows are shaded after).
    truecolor: Colors,
    /// The message and the light: their nearest palette colours.
    text: Rgb,
    light: Rgb,
    /// Per cell row.
    rows: Vec<Band>,
}

impl XtermLook {
    /// The look of the scene `truecolor` (the colours the water has in truecolor).
    pub(super) fn new(truecolor: Colors) -> Self {
        let nearest = |c: Rgb| xterm_rgb(depth::nearest_256_by_hue(c));
        Self {
            truecolor,
            text: nearest(truecolor.text),
            light: nearest(truecolor.light),
            rows: Vec::new(),
        }
    }

    /// The scene's colours for what the water draws without the look (the message at normal
    /// size, a layer's refraction): palette colours.
    pub(super) fn colors(&self) -> Colors {
        Colors {
            text: self.text,
            deep: solid(self.truecolor.deep),
            shallow: solid(self.truecolor.shallow),
            light: self.light,
        }
    }

    /// Lays the shades out over `rows` cell rows of `cell_rows` pixel rows each: each row the
    /// truecolor gradient's colour at its middle.
    pub(super) fn layout(&mut self, rows: u16, cell_rows: usize) {
        let h = usize::from(rows) * cell_rows;
        let Colors { deep, shallow, .. } = self.truecolor;
        let colours: Vec<Rgb> = (0..usize::from(rows))
            .map(|row| {
                let middle = (row * cell_rows) as f32 + (cell_rows as f32 - 1.0) / 2.0;
                let t = if h > 1 { middle / (h - 1) as f32 } else { 0.0 };
                deep.lerp(shallow, t)
            })
            .collect();
        let shades = depth::row_shades_256(&colours);
        self.rows.clear();
        self.rows.extend(
            colours
                .into_iter()
                .zip(shades)
                .map(|(c, shade)| band(c, shade)),
        );
    }

    /// The colour of plain water in pixel row `y` (of cell row `y / cell_rows`) where a cell
    /// is part water, part something else: its row's solid.
    pub(super) fn water_at(&self, y: usize, cell_rows: usize) -> Rgb {
        self.rows
            .get(y / cell_rows.max(1))
            .map_or(self.truecolor.deep, |band| band.solid)
    }

    /// The shade of cell row `row` where it is plain water, if it is not a solid colour.
    pub(super) fn shade(&self, row: usize) -> Option<ShadeRow> {
        let shade = self.rows.get(row)?.shade;
        ShadeRow::new(shade.glyph, xterm_rgb(shade.ink), xterm_rgb(shade.ground))
    }

    /// The colour of a pixel of `water` (the solid of pixel row `y`'s band) under `over`: the
    /// nearest palette colour of what truecolor composes over the row's colour, from the
    /// quantised `over`.
    pub(super) fn pixel(&mut self, y: usize, cell_rows: usize, water: Rgb, over: Over) -> Rgb {
        let over = quantised(over);
        let state = state(over);
        if state == LEVEL_STATE {
            return water;
        }
        let Some(band) = self.rows.get_mut(y / cell_rows.max(1)) else {
            return water;
        };
        if band.colours[state] == UNSET {
            let composed = over.smooth(band.water, self.text, self.light);
            band.colours[state] = depth::nearest_256(composed);
        }
        xterm_rgb(band.colours[state])
    }
}

/// The band of a row of water colour `c` shown as `shade`, with as the solid the colour of
/// the pair that covers most of the cell (the ground, unless the glyph is `▓`).
fn band(c: Rgb, shade: CellShade) -> Band {
    let solid = if shade.glyph == 3 {
        shade.ink
    } else {
        shade.ground
    };
    Band {
        water: c,
        shade,
        solid: xterm_rgb(solid),
        colours: [UNSET; STATES],
    }
}

/// The solid of a cell of colour `c` shown on its own (see [`band`]).
fn solid(c: Rgb) -> Rgb {
    band(c, depth::cell_shade_256(c)).solid
}

/// `over` in the look's steps (see the module docs).
fn quantised(over: Over) -> Over {
    let ink = match over.ink {
        a if a >= INK_FULL => 255,
        a if a >= INK_EDGE => EDGE_COVERAGE,
        _ => 0,
    };
    let shadow = if over.shadow >= SHADOW_CUT { 255 } else { 0 };
    let crest = ((over.crest + over.crest.signum() * CREST_LEVEL / 2) / CREST_LEVEL)
        .clamp(-CREST_STEPS, CREST_STEPS)
        * CREST_LEVEL;
    Over {
        ink,
        shadow,
        light: over.light.min(CAUSTIC_LEVELS),
        crest,
    }
}

/// The index of a quantised `over` among the [`STATES`].
fn state(over: Over) -> usize {
    let ink = match over.ink {
        0 => 0,
        255 => 2,
        _ => 1,
    };
    let shadow = usize::from(over.shadow > 0);
    let crest = (over.crest / CREST_LEVEL + CREST_STEPS) as usize;
    ((ink * 2 + shadow) * LIGHT_STATES + over.light as usize) * CREST_STATES + crest
}

/// The state of plain water: nothing over it.
const LEVEL_STATE: usize = CREST_STEPS as usize;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::water::style::WaterStyle;

    fn look() -> XtermLook {
        XtermLook::new(Colors::new(
            WaterStyle::Turbulence,
            &[],
            Rgb(0x1e, 0x90, 0xff),
        ))
    }

    #[test]
    fn every_state_has_its_own_index() {
        let mut seen = [false; STATES];
        for ink in [0, EDGE_COVERAGE, 255] {
            for shadow in [0, 255] {
                for light in 0..=CAUSTIC_LEVELS {
                    for crest in -CREST_STEPS..=CREST_STEPS {
                        let over = Over {
                            ink,
                            shadow,
                            light,
                            crest: crest * CREST_LEVEL,
                        };
                        assert_eq!(quantised(over).crest, over.crest);
                        let i = state(over);
                        assert!(!seen[i], "{over:?}");
                        seen[i] = true;
                    }
                }
            }
        }
        let level = Over {
            ink: 20,
            shadow: 100,
            light: 0,
            crest: 15,
        };
        assert_eq!(state(quantised(level)), LEVEL_STATE);
    }

    #[test]
    fn rows_run_from_deep_to_shallow_in_palette_colours() {
        let mut look = look();
        look.layout(30, 2);
        assert_eq!(look.rows.len(), 30);
        let palette: Vec<Rgb> = (16..=255).map(xterm_rgb).collect();
        for band in &look.rows {
            for c in [
                band.solid,
                xterm_rgb(band.shade.ink),
                xterm_rgb(band.shade.ground),
            ] {
                assert!(palette.contains(&c), "{band:?}");
            }
        }
        // Blue, not grey: every row's shade holds a blue.
        let blue = |n: u8| xterm_rgb(n).2 > xterm_rgb(n).0.saturating_add(40);
        for band in &look.rows {
            assert!(blue(band.shade.ink) || blue(band.shade.ground), "{band:?}");
        }
        // Lighter from the top to the bottom.
        let lightness = |band: &Band| {
            let (ink, ground) = (xterm_rgb(band.shade.ink), xterm_rgb(band.shade.ground));
            let value = |c: Rgb| u32::from(c.0) + u32::from(c.1) + u32::from(c.2);
            value(ink) + value(ground)
        };
        assert!(lightness(&look.rows[0]) < lightness(&look.rows[29]));
    }

    #[test]
    fn pixels_are_palette_colours_and_plain_water_is_the_solid() {
        let mut look = look();
        look.layout(10, 2);
        // The bottom row, the lightest water, where a shadow shows.
        let water = look.water_at(18, 2);
        let over = |ink, shadow| Over {
            ink,
            shadow,
            light: 0,
            crest: 0,
        };
        assert_eq!(look.pixel(18, 2, water, over(30, 60)), water);
        assert_eq!(look.pixel(18, 2, water, over(255, 0)), look.text);
        let edge = look.pixel(18, 2, water, over(100, 0));
        assert!(edge != water && edge != look.text);
        let shadow = look.pixel(18, 2, water, over(0, 255));
        let value = |c: Rgb| c.0.max(c.1).max(c.2);
        assert!(value(shadow) < value(water), "{shadow:?} {water:?}");
        for c in [edge, shadow] {
            assert!((16..=255).any(|n| xterm_rgb(n) == c), "{c:?}");
        }
    }
}

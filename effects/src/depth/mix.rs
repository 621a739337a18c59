//! Mixing palette colours: which two palette colours, in what proportion, stand for a colour
//! the palette does not have, and the ordered pattern that lays the mix out.
//!
//! A mix is chosen in two steps: the proportion that best matches the wanted colour in *linear
//! light* (what an eye averages from a distance), then, among the pairs of nearby palette
//! colours, the pair whose mix is nearest in OKLab (perceptual). Proportions are sixteenths,
//! laid out by a 4×4 Bayer matrix: the pattern depends only on the position and the colour,
//! so an unchanged area stays byte-for-byte unchanged and a moving gradient does not shimmer.

use std::sync::OnceLock;

use crate::ansi::xterm_rgb;
use crate::rgb::Rgb;

/// A colour in OKLab (L, a, b).
pub(super) type Lab = [f32; 3];

/// Linear-light RGB, 0..=1 per channel.
type Linear = [f32; 3];

fn to_linear(c: u8) -> f32 {
    let c = f32::from(c) / 255.0;
    if c <= 0.040_45 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

fn linear(c: Rgb) -> Linear {
    [to_linear(c.0), to_linear(c.1), to_linear(c.2)]
}

/// Linear RGB to OKLab (Björn Ottosson's matrices).
fn oklab_linear([r, g, b]: Linear) -> Lab {
    let l = (0.412_221_46 * r + 0.536_332_55 * g + 0.051_445_995 * b).cbrt();
    let m = (0.211_903_5 * r + 0.680_699_5 * g + 0.107_396_96 * b).cbrt();
    let s = (0.088_302_46 * r + 0.281_718_85 * g + 0.629_978_7 * b).cbrt();
    [
        0.210_454_26 * l + 0.793_617_8 * m - 0.004_072_047 * s,
        1.977_998_5 * l - 2.428_592_2 * m + 0.450_593_7 * s,
        0.025_904_037 * l + 0.782_771_77 * m - 0.808_675_77 * s,
    ]
}

/// sRGB to OKLab.
pub(super) fn oklab(c: Rgb) -> Lab {
    oklab_linear(linear(c))
}

/// Squared OKLab distance with lightness weighted by `lightness`. With only 16 targets a
/// saturated colour is often nearer a grey than any hue in plain OKLab; weighting lightness
/// down keeps a dark blue blue instead of grey (hue before lightness).
fn distance(x: Lab, y: Lab, lightness: f32) -> f32 {
    let dl = (x[0] - y[0]) * lightness;
    dl * dl + (x[1] - y[1]).powi(2) + (x[2] - y[2]).powi(2)
}

/// Steps of a mix: proportions are counted in sixteenths.
pub const STEPS: u8 = 16;

/// The 4×4 Bayer matrix: each position's rank 0..16 in the order pixels switch to the second
/// colour as its share grows (the most even spread for every share).
const BAYER: [[u8; 4]; 4] = [[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]];

/// The ordered-dither rank 0..16 of the pixel (or cell) at (`x`, `y`).
pub fn rank(x: u16, y: u16) -> u8 {
    BAYER[usize::from(y & 3)][usize::from(x & 3)]
}

/// The ordered threshold of the pixel at (`x`, `y`), in 0..1: a pixel whose coverage (of ink,
/// of a second colour) is above it shows ink. Using this rather than a fixed 0.5 keeps partial
/// coverage (an anti-aliased edge) as a stable, even pattern instead of a hard, jagged edge.
pub fn ordered_threshold(x: u16, y: u16) -> f32 {
    (f32::from(rank(x, y)) + 0.5) / f32::from(STEPS)
}

/// How one colour is shown: palette colour `b` on `share` sixteenths of the pixels and `a` on
/// the rest, and `nearest`, the single palette colour closest to it (for text, which is never
/// dithered). A plain colour has `a == b` and `share == 0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mix {
    pub a: u8,
    pub b: u8,
    pub share: u8,
    pub nearest: u8,
}

impl Mix {
    /// A single palette colour.
    pub fn plain(n: u8) -> Mix {
        Mix {
            a: n,
            b: n,
            share: 0,
            nearest: n,
        }
    }

    /// The palette colour of the pixel with ordered rank `rank`.
    pub fn at(self, rank: u8) -> u8 {
        if rank < self.share { self.b } else { self.a }
    }

    /// The colour most pixels of this mix show, its ground (of an even mix, the nearest
    /// colour if it is one of the two).
    pub fn ground(self) -> u8 {
        match (self.share * 2).cmp(&STEPS) {
            std::cmp::Ordering::Less => self.a,
            std::cmp::Ordering::Greater => self.b,
            std::cmp::Ordering::Equal if self.b == self.nearest => self.b,
            std::cmp::Ordering::Equal => self.a,
        }
    }

    /// Whether this is a single colour.
    pub fn is_plain(self) -> bool {
        self.a == self.b || self.share == 0 || self.share == STEPS
    }

    /// The share of `b` when `self` is shown as a mix of exactly `a` and `b` (a plain colour
    /// fits a pair that holds it), or `None`.
    pub fn share_between(self, a: u8, b: u8) -> Option<u8> {
        if self.a == a && self.b == b {
            Some(self.share)
        } else if self.is_plain() {
            let only = self.at(0);
            (only == a).then_some(0).or((only == b).then_some(STEPS))
        } else {
            None
        }
    }

    /// Packed into a table slot (never equal to [`UNSET`]: `share` is at most 16).
    fn pack(self) -> u32 {
        u32::from(self.a)
            | u32::from(self.b) << 8
            | u32::from(self.share) << 16
            | u32::from(self.nearest) << 24
    }

    fn unpack(slot: u32) -> Mix {
        Mix {
            a: slot as u8,
            b: (slot >> 8) as u8,
            share: (slot >> 16) as u8,
            nearest: (slot >> 24) as u8,
        }
    }
}

/// How many of the palette colours nearest the wanted one are paired up to find a mix.
const CANDIDATES: usize = 8;

/// The extra (squared OKLab) error a mix must save over a single colour to be used: a flat
/// colour costs fewer bytes and is calmer than a pattern that is only a hair closer.
const MIX_PENALTY: f32 = 0.000_4;

/// A palette to mix from: the colours' linear light and OKLab values.
#[derive(Debug)]
pub(super) struct Palette {
    /// Palette indices, in the order of the other fields.
    indices: Vec<u8>,
    linear: Vec<Linear>,
    lab: Vec<Lab>,
    /// The weight of lightness against hue and chroma (1 = plain OKLab).
    lightness: f32,
    /// How much more colourful than asked the match aims to be: with 16 colours a faithful
    /// match of a dark, muted colour is a grey; aiming more colourful keeps its hue (a
    /// deliberate low-colour look, brighter than the original).
    chroma: f32,
    /// How much a mix's pattern costs per (squared OKLab) distance between its two colours,
    /// most for a sparse sprinkle, least for an even mix (after Joel Yliluoma's ordered-dither
    /// pair selection): a far pair reads as dots, not as a colour.
    pattern: f32,
    /// How far (squared, in OKLab's a/b plane) the nearest colour's hue and chroma must be
    /// from the wanted ones before a mix is considered at all.
    hue_miss_to_mix: f32,
    /// The smallest share of either colour a mix may have (sixteenths): at 16 colours a
    /// sparse sprinkle of a bright colour reads as polka dots, not as a tint.
    min_share: u8,
}

impl Palette {
    fn new(
        indices: impl IntoIterator<Item = u8>,
        Tuning {
            lightness,
            chroma,
            pattern,
            hue_miss_to_mix,
            min_share,
        }: Tuning,
    ) -> Palette {
        let indices: Vec<u8> = indices.into_iter().collect();
        Palette {
            linear: indices.iter().map(|&n| linear(xterm_rgb(n))).collect(),
            lab: indices.iter().map(|&n| oklab(xterm_rgb(n))).collect(),
            indices,
            lightness,
            chroma,
            pattern,
            hue_miss_to_mix,
            min_share,
        }
    }

    /// The xterm cube and grey ramp (16–255). Indices 0–15 are left out on purpose: every
    /// terminal theme redefines them, so they would not look like what was asked for.
    pub fn xterm256() -> &'static Palette {
        static PALETTE: OnceLock<Palette> = OnceLock::new();
        PALETTE.get_or_init(|| Palette::new(16..=255, TUNING_256))
    }

    /// The 16 ANSI colours (as the VGA palette), for foregrounds and pixels.
    pub fn ansi16() -> &'static Palette {
        static PALETTE: OnceLock<Palette> = OnceLock::new();
        PALETTE.get_or_init(|| Palette::new(0..=15, TUNING_16))
    }

    /// The 8 normal ANSI colours: the backgrounds the Linux console can show.
    pub fn ansi8() -> &'static Palette {
        static PALETTE: OnceLock<Palette> = OnceLock::new();
        PALETTE.get_or_init(|| Palette::new(0..=7, TUNING_16))
    }

    /// The palette index nearest `c`.
    pub fn nearest(&self, c: Rgb) -> u8 {
        let lab = oklab(c);
        let mut best = (0, f32::INFINITY);
        for (i, &p) in self.lab.iter().enumerate() {
            let d = distance(lab, p, self.lightness);
            if d < best.1 {
                best = (i, d);
            }
        }
        self.indices[best.0]
    }

    /// The best way to show `c`: a single colour, or when `mixing`, a mix of two if that is
    /// nearer (see the module docs).
    pub fn mix(&self, c: Rgb, mixing: bool) -> Mix {
        let lab = self.wanted(oklab(c));
        let target = linear(c);
        // The nearest few palette colours, best first.
        let mut near: [(usize, f32); CANDIDATES] = [(0, f32::INFINITY); CANDIDATES];
        for (i, &p) in self.lab.iter().enumerate() {
            let d = distance(lab, p, self.lightness);
            if d < near[CANDIDATES - 1].1 {
                let at = near
                    .iter()
                    .position(|&(_, e)| d < e)
                    .unwrap_or(CANDIDATES - 1);
                near.copy_within(at..CANDIDATES - 1, at + 1);
                near[at] = (i, d);
            }
        }
        // Text takes the plain nearest colour; pixels may aim more colourful.
        let nearest = if self.chroma == 1.0 {
            self.indices[near[0].0]
        } else {
            self.nearest(c)
        };
        let mut best = (Mix::plain(self.indices[near[0].0]), near[0].1);
        best.0.nearest = nearest;
        if !mixing {
            return Mix::plain(nearest);
        }
        // Mix only where the nearest colour loses hue or chroma (a dark blue turned grey):
        // where it keeps them and is only a little lighter or darker, a pattern would cost
        // bytes on every frame of a fade for a difference the eye does not miss.
        let kept = self.lab[near[0].0];
        let hue_miss = (kept[1] - lab[1]).powi(2) + (kept[2] - lab[2]).powi(2);
        if hue_miss < self.hue_miss_to_mix {
            return best.0;
        }
        // Each near colour with every palette colour, at the share that best matches in
        // linear light, judged in OKLab plus a penalty for how visible the pattern is (how far
        // apart the two colours are): two close colours mixed evenly beat a sprinkle of a far
        // one, which reads as dots. The penalty is cheap, so most pairs stop there.
        let count = near.iter().filter(|n| n.1.is_finite()).count();
        let (lo, hi) = (f32::from(self.min_share), f32::from(STEPS - self.min_share));
        for &(p, _) in &near[..count] {
            let lp = self.linear[p];
            for (q, &lq) in self.linear.iter().enumerate() {
                let dir = [lq[0] - lp[0], lq[1] - lp[1], lq[2] - lp[2]];
                let len2 = dir[0] * dir[0] + dir[1] * dir[1] + dir[2] * dir[2];
                if q == p || len2 <= f32::EPSILON {
                    continue;
                }
                let along = ((target[0] - lp[0]) * dir[0]
                    + (target[1] - lp[1]) * dir[1]
                    + (target[2] - lp[2]) * dir[2])
                    / len2;
                let share = (along * f32::from(STEPS)).round();
                if share < lo || share > hi {
                    continue;
                }
                let t = share / f32::from(STEPS);
                let spread = distance(self.lab[p], self.lab[q], 1.0);
                let penalty = MIX_PENALTY + self.pattern * spread * ((t - 0.5).abs() + 0.5);
                if penalty >= best.1 {
                    continue;
                }
                let mixed = [0, 1, 2].map(|k| lp[k] + dir[k] * t);
                let err = distance(lab, oklab_linear(mixed), self.lightness) + penalty;
                if err < best.1 {
                    let mix = Mix {
                        a: self.indices[p],
                        b: self.indices[q],
                        share: share as u8,
                        nearest,
                    };
                    best = (mix, err);
                }
            }
        }
        best.0
    }

    /// The colour to aim for: `lab` with its chroma multiplied by [`Palette::chroma`], so
    /// that a poor palette keeps hue before lightness.
    fn wanted(&self, [l, a, b]: Lab) -> Lab {
        [l, a * self.chroma, b * self.chroma]
    }
}

/// 256 colours: mix when the nearest colour is this far off in hue and chroma (0.03²); below
/// that, fades of saturated colours (glitch) stay flat and cheap to send.
const HUE_MISS_256: f32 = 0.000_9;

/// How a palette matches colours (see the fields of [`Palette`]).
struct Tuning {
    lightness: f32,
    chroma: f32,
    pattern: f32,
    hue_miss_to_mix: f32,
    min_share: u8,
}

/// 256 colours: plain OKLab, any share; the palette is dense, so mixes are of close colours.
const TUNING_256: Tuning = Tuning {
    lightness: 1.0,
    chroma: 1.0,
    pattern: 0.03,
    hue_miss_to_mix: HUE_MISS_256,
    min_share: 1,
};

/// 16 colours: lightness weighed at half and aiming half again as colourful (hue before
/// lightness); patterns cost more, so colours near a palette colour stay flat (glitch's
/// pixel text keeps its solid layers); at least 2/16 of each colour in a mix.
const TUNING_16: Tuning = Tuning {
    lightness: 0.5,
    chroma: 1.5,
    pattern: 0.08,
    hue_miss_to_mix: 0.0,
    min_share: 2,
};

/// Levels per channel of the table's quantised RGB.
const LEVELS: usize = 32;

/// Slots of a [`MixTable`]: one per quantised RGB.
const SLOTS: usize = LEVELS * LEVELS * LEVELS;

/// Per channel value, its table level 0..32. Levels are spaced by the square root of the value
/// (level = ⌊31·√(v/255)⌋, the largest n with 255·n² ≤ 961·v), so dark colours (the night sky,
/// deep water), where a few steps of the value are a large step to the eye, get narrow levels;
/// pure black and white have a level each, so flat black and white stay flat.
const LEVEL: [u8; 256] = {
    let mut level = [0u8; 256];
    let mut v = 0;
    while v < 256 {
        let mut n = 0u32;
        while n < 31 && 255 * (n + 1) * (n + 1) <= 961 * v as u32 {
            n += 1;
        }
        level[v] = n as u8;
        v += 1;
    }
    level
};

/// Per level, the channel value it stands for: the middle of the values in it.
const LEVEL_VALUE: [u8; LEVELS] = {
    let (mut first, mut last) = ([u8::MAX; LEVELS], [0u8; LEVELS]);
    let mut v = 256;
    while v > 0 {
        v -= 1;
        first[LEVEL[v] as usize] = v as u8;
    }
    while v < 256 {
        last[LEVEL[v] as usize] = v as u8;
        v += 1;
    }
    let mut value = [0u8; LEVELS];
    let mut q = 0;
    while q < LEVELS {
        value[q] = ((first[q] as u16 + last[q] as u16) / 2) as u8;
        q += 1;
    }
    value
};

/// The table slot of a colour.
fn slot_of(c: Rgb) -> usize {
    let q = |v: u8| usize::from(LEVEL[usize::from(v)]);
    (q(c.0) << 10) | (q(c.1) << 5) | q(c.2)
}

/// The colour a table slot stands for: the middle of its levels.
fn slot_rgb(slot: usize) -> Rgb {
    let value = |level: usize| LEVEL_VALUE[level % LEVELS];
    Rgb(value(slot >> 10), value(slot >> 5), value(slot))
}

/// The mixes of one palette over RGB quantised to 32 levels per channel (32768 slots), each
/// computed the first time a colour in it is asked for: after the first frames of an effect,
/// finding a colour's mix is a table lookup. Built once per mapper, never per frame.
#[derive(Clone, Debug)]
pub(super) struct MixTable {
    palette: &'static Palette,
    mixing: bool,
    /// Packed [`Mix`]es; [`UNSET`] until first needed.
    slots: Box<[u32; SLOTS]>,
}

/// A slot not computed yet (never a packed [`Mix`]: `share` is at most 16).
const UNSET: u32 = u32::MAX;

impl MixTable {
    /// An empty table for `palette`, mixing (or only taking the nearest colour) as `mixing`.
    pub fn new(palette: &'static Palette, mixing: bool) -> MixTable {
        let slots = vec![UNSET; SLOTS]
            .into_boxed_slice()
            .try_into()
            .unwrap_or_else(|_| unreachable!("the slice has SLOTS entries"));
        MixTable {
            palette,
            mixing,
            slots,
        }
    }

    /// How `c` is shown (see [`Palette::mix`]), from the table.
    #[inline]
    pub fn get(&mut self, c: Rgb) -> Mix {
        let slot = slot_of(c);
        match self.slots[slot] {
            UNSET => self.fill(slot),
            packed => Mix::unpack(packed),
        }
    }

    #[cold]
    #[inline(never)]
    fn fill(&mut self, slot: usize) -> Mix {
        let mix = self.palette.mix(slot_rgb(slot), self.mixing);
        self.slots[slot] = mix.pack();
        mix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bayer_ranks_are_a_permutation() {
        let mut seen = [false; 16];
        for y in 0..4 {
            for x in 0..4 {
                seen[usize::from(rank(x, y))] = true;
                assert_eq!(rank(x, y), rank(x + 4, y + 8));
            }
        }
        assert!(seen.iter().all(|&s| s));
        assert!((0..4).all(|y| (0..4).all(|x| {
            let t = ordered_threshold(x, y);
            t > 0.0 && t < 1.0
        })));
    }

    #[test]
    fn palette_colours_are_shown_plain() {
        for n in 16..=255 {
            let mix = Palette::xterm256().mix(xterm_rgb(n), true);
            assert!(mix.is_plain(), "{n}: {mix:?}");
            assert_eq!(xterm_rgb(mix.nearest), xterm_rgb(n));
        }
        for n in 0..16 {
            assert_eq!(Palette::ansi16().mix(xterm_rgb(n), true), Mix::plain(n));
        }
    }

    #[test]
    fn a_dark_blue_is_mixed_from_blues_not_greys() {
        let navy = Rgb(7, 34, 60);
        // Its nearest palette colour is a grey; the mix holds a blue.
        let grey = xterm_rgb(Palette::xterm256().nearest(navy));
        assert_eq!((grey.0, grey.1), (grey.1, grey.2));
        let mix = Palette::xterm256().mix(navy, true);
        assert!(!mix.is_plain(), "{mix:?}");
        let blue = |n: u8| {
            let c = xterm_rgb(n);
            c.2 > c.0.saturating_add(40)
        };
        assert!(blue(mix.a) || blue(mix.b), "{mix:?}");
        // At 16 colours: blue (or cyan) over black, never grey.
        let mix = Palette::ansi16().mix(navy, true);
        assert!(!mix.is_plain(), "{mix:?}");
        assert!(
            [mix.a, mix.b].iter().all(|n| [0, 4, 6].contains(n)),
            "{mix:?}"
        );
        // Without mixing it is the single nearest colour.
        let plain = Palette::xterm256().mix(navy, false);
        assert!(plain.is_plain());
        assert_eq!(plain.nearest, mix_nearest_256(navy));
    }

    fn mix_nearest_256(c: Rgb) -> u8 {
        Palette::xterm256().nearest(c)
    }

    #[test]
    fn table_levels_keep_black_and_white_and_are_finer_in_the_dark() {
        for c in [Rgb::BLACK, Rgb::WHITE] {
            assert_eq!(slot_rgb(slot_of(c)), c);
        }
        for v in 0..=255u8 {
            let level = (f32::from(v) / 255.0).sqrt() * 31.0;
            assert_eq!(LEVEL[usize::from(v)], level.floor() as u8, "{v}");
            let back = slot_rgb(slot_of(Rgb(v, v, v))).0;
            let half_level = 1.0 + f32::from(v).sqrt() / 2.0;
            assert!(f32::from(back.abs_diff(v)) <= half_level, "{v} -> {back}");
        }
    }

    #[test]
    fn mixes_pack_into_one_slot() {
        let mix = Mix {
            a: 17,
            b: 255,
            share: 16,
            nearest: 200,
        };
        assert_eq!(Mix::unpack(mix.pack()), mix);
        assert_ne!(mix.pack(), UNSET);
        assert_eq!(mix.share_between(17, 255), Some(16));
        assert_eq!(Mix::plain(4).share_between(0, 4), Some(16));
        assert_eq!(Mix::plain(4).share_between(4, 6), Some(0));
        assert_eq!(Mix::plain(4).share_between(1, 6), None);
    }
}

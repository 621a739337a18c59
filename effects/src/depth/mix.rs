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
/// dithered). A plain colour has `a == b` and `share == 0`. A sparse mix may also be shown
/// with a shade glyph ([`Shade`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Eight bytes with the four colour fields first, so that a `Mix` travels in one register: as
// seven bytes (since `shade`), passing and returning it cost the 16-colour and mono passes
// 20-45 µs at 200x60 and the 256-colour pass 30 µs (BENCHMARKS.md).
#[repr(C, align(8))]
pub struct Mix {
    pub a: u8,
    pub b: u8,
    pub share: u8,
    pub nearest: u8,
    pub shade: Option<Shade>,
}

/// A sparse mix shown at the font's pixel scale: `b` drawn as the shade glyph `glyph`
/// (1–3: `░ ▒ ▓`) over `a` on `cells` sixteenths of the cells (by the ordered pattern), and
/// plain `a` on the rest. A sprinkle of half-block pixels of `b` reads as polka dots on a wall
/// screen; the shade's ink is spread over the whole cell, far finer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shade {
    pub glyph: u8,
    pub cells: u8,
}

impl Mix {
    /// A single palette colour.
    pub fn plain(n: u8) -> Mix {
        Mix {
            a: n,
            b: n,
            share: 0,
            nearest: n,
            shade: None,
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

    /// Packed into a table slot, 8 bits per field: the share's byte holds a plain share
    /// (0–16), or with [`SHADE_FLAG`] a sparse mix's share − 1 (bit 0; it is 1 or 2), its
    /// glyph (bits 1–2) and cells − 1 (bits 3–6). Never equal to [`UNSET`], whose share byte
    /// is a shade's but whose `a` and `b` are equal, which a shade's never are.
    fn pack(self) -> u32 {
        let share = match self.shade {
            None => self.share,
            Some(Shade { glyph, cells }) => {
                SHADE_FLAG | (self.share - 1) | glyph << 1 | (cells - 1) << 3
            }
        };
        u32::from(self.a)
            | u32::from(self.b) << 8
            | u32::from(share) << 16
            | u32::from(self.nearest) << 24
    }

    fn unpack(slot: u32) -> Mix {
        let share = (slot >> 16) as u8;
        let (share, shade) = if share & SHADE_FLAG == 0 {
            (share, None)
        } else {
            let shade = Shade {
                glyph: (share >> 1) & 3,
                cells: ((share >> 3) & 15) + 1,
            };
            ((share & 1) + 1, Some(shade))
        };
        Mix {
            a: slot as u8,
            b: (slot >> 8) as u8,
            share,
            nearest: (slot >> 24) as u8,
            shade,
        }
    }
}

/// The xterm-256 index nearest `c` weighing hue above lightness, as a deliberate look picks
/// its few colours: a pale blue message stays blue rather than turning grey.
pub fn nearest_256_by_hue(c: Rgb) -> u8 {
    Palette::xterm256().nearest_by_hue(c)
}

/// A whole cell showing one colour with a shade glyph (see [`cell_shade_256`]): `ink` drawn as
/// the glyph `glyph` (1–3: `░ ▒ ▓`) over `ground`, or for `glyph` 0 the plain `ground`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellShade {
    pub glyph: u8,
    pub ink: u8,
    pub ground: u8,
}

/// How a cell of colour `c` is best shown at 256 colours with one glyph and two colours (a
/// shade glyph's mix at the font's pixel scale). For an effect that lays out a smooth area in
/// cells itself, the way a deliberate low-colour look does; the colour pass keeps the palette
/// colours it returns as they are.
pub fn cell_shade_256(c: Rgb) -> CellShade {
    Palette::xterm256().cell_shades(c)[0].0
}

/// How rows of colours `colours` (a gradient, top to bottom) are best shown at 256 colours,
/// each row one shade glyph and two colours ([`cell_shade_256`]), chosen together so that the
/// rows keep their pair of colours where that costs little: rows that switch pairs back and
/// forth read as stripes.
pub fn row_shades_256(colours: &[Rgb]) -> Vec<CellShade> {
    Palette::xterm256().row_shades(colours)
}

/// The typical coverage of the shade glyphs `░ ▒ ▓` in linear light (a light ink on a dark
/// ground covers less, a dark ink on a light ground more: see [`shade_coverage`]).
const SHADE_INK: [f32; 3] = [0.15, 0.45, 0.75];

/// How many of the palette colours nearest a wanted colour (after each of the nearest
/// [`CANDIDATES`]) [`Palette::cell_shade`] pairs it with: a shade's two colours are close.
const SHADE_PARTNERS: usize = 48;

/// How many of the best pairs by typical coverage [`Palette::cell_shade`] judges at their real
/// coverage.
const SHADE_GUESSES: usize = 24;

/// What a texture's two colours cost per (squared OKLab) distance between them: a shade of
/// close colours is an even tint, one of far colours a visible weave.
const SHADE_SPREAD: f32 = 0.002;

/// How many of a row's best shades [`Palette::row_shades`] chooses among.
const ROW_OPTIONS: usize = 12;

/// What a row whose pair of colours differs from the row above's costs (squared OKLab).
const SHADE_SWITCH: f32 = 0.001;

/// Marks a packed share byte as a shade's (see [`Mix::pack`]).
const SHADE_FLAG: u8 = 0x80;

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
    /// Mixes with at most this share of either colour (sixteenths) are shown with shade glyphs
    /// where an area is smooth ([`Shade`]); 0: never.
    sparse_shade: u8,
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
            sparse_shade,
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
            sparse_shade,
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
        self.nearest_lab(oklab(c), self.lightness)
    }

    /// The palette index nearest `c` weighing hue above lightness and aiming more colourful
    /// (see [`HUE_FIRST`]).
    fn nearest_by_hue(&self, c: Rgb) -> u8 {
        let [l, a, b] = oklab(c);
        let lab = [l, a * HUE_FIRST.chroma, b * HUE_FIRST.chroma];
        self.nearest_lab(lab, HUE_FIRST.lightness)
    }

    /// The palette index nearest `lab` with lightness weighed by `lightness`.
    fn nearest_lab(&self, lab: Lab, lightness: f32) -> u8 {
        let mut best = (0, f32::INFINITY);
        for (i, &p) in self.lab.iter().enumerate() {
            let d = distance(lab, p, lightness);
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
                        shade: None,
                    };
                    best = (mix, err);
                }
            }
        }
        self.with_shade(best.0)
    }

    /// `mix` with a [`Shade`] when it is sparse enough: its scarce colour as the lightest
    /// shade glyph that holds enough of it, on as many cells as make up its share. The mix is
    /// turned so that `a` is the ground and `b` the ink.
    fn with_shade(&self, mix: Mix) -> Mix {
        if mix.is_plain() || mix.share.min(STEPS - mix.share) > self.sparse_shade {
            return mix;
        }
        let mix = if mix.share * 2 > STEPS {
            Mix {
                a: mix.b,
                b: mix.a,
                share: STEPS - mix.share,
                ..mix
            }
        } else {
            mix
        };
        let wanted = f32::from(mix.share) / f32::from(STEPS);
        let (ink, ground) = (xterm_rgb(mix.b), xterm_rgb(mix.a));
        // The lightest glyph whose share of cells comes within half a step of the wanted share;
        // all or half of the cells if that is near enough (an even texture: every cell, or a
        // checkerboard), else the nearest share.
        let steps = f32::from(STEPS);
        let shade = (1..=3).find_map(|glyph| {
            let covers = shade_coverage(glyph, ink, ground);
            let nearest = (wanted / covers * steps).round().clamp(1.0, steps);
            let near = |cells: &f32| (covers * cells / steps - wanted).abs() * steps <= 0.5;
            let cells = [steps, steps / 2.0, nearest].into_iter().find(near)?;
            Some(Shade {
                glyph,
                cells: cells as u8,
            })
        });
        Mix { shade, ..mix }
    }

    /// The best few ways to show `c` over a whole cell with one glyph, best first, each with
    /// its error: a palette colour alone, or a shade glyph in one colour over another, judged
    /// in OKLab at the glyph's real coverage (plus [`MIX_PENALTY`] and the pair's spread for a
    /// texture). Each of the colours nearest `c` is paired with the next nearest
    /// [`SHADE_PARTNERS`], first judged at the glyph's typical coverage; the best few are then
    /// judged at their real one (see [`shade_coverage`], which is too slow for every pair).
    fn cell_shades(&self, c: Rgb) -> Vec<(CellShade, f32)> {
        let lab = self.wanted(oklab(c));
        let mut near: Vec<(usize, f32)> = self
            .lab
            .iter()
            .map(|&p| distance(lab, p, self.lightness))
            .enumerate()
            .collect();
        near.sort_by(|a, b| a.1.total_cmp(&b.1));
        let plain = |(p, error): (usize, f32)| {
            let n = self.indices[p];
            let shade = CellShade {
                glyph: 0,
                ink: n,
                ground: n,
            };
            (shade, error)
        };
        let error = |ink: usize, ground: usize, t: f32| {
            let (li, lg) = (self.linear[ink], self.linear[ground]);
            let mixed = [0, 1, 2].map(|k| lg[k] + (li[k] - lg[k]) * t);
            let spread = distance(self.lab[ink], self.lab[ground], 1.0);
            distance(lab, oklab_linear(mixed), self.lightness) + MIX_PENALTY + SHADE_SPREAD * spread
        };
        let mut guesses: Vec<(f32, usize, usize, u8)> = Vec::new();
        for (n, &(p, _)) in near[..CANDIDATES].iter().enumerate() {
            for &(q, _) in near[n + 1..].iter().take(SHADE_PARTNERS) {
                for glyph in 1..=3 {
                    let typical = SHADE_INK[usize::from(glyph) - 1];
                    guesses.push((error(p, q, typical), p, q, glyph));
                    guesses.push((error(q, p, typical), q, p, glyph));
                }
            }
        }
        let best_guesses = SHADE_GUESSES.min(guesses.len());
        if best_guesses > 0 {
            guesses.select_nth_unstable_by(best_guesses - 1, |a, b| a.0.total_cmp(&b.0));
        }
        let mut options: Vec<(CellShade, f32)> = near[..CANDIDATES]
            .iter()
            .map(|&n| plain(n))
            .chain(
                guesses[..best_guesses]
                    .iter()
                    .map(|&(_, ink, ground, glyph)| {
                        let (i, g) = (self.indices[ink], self.indices[ground]);
                        let covers = shade_coverage(glyph, xterm_rgb(i), xterm_rgb(g));
                        let shade = CellShade {
                            glyph,
                            ink: i,
                            ground: g,
                        };
                        (shade, error(ink, ground, covers))
                    }),
            )
            .collect();
        options.sort_by(|a, b| a.1.total_cmp(&b.1));
        options
    }

    /// Shades for a run of rows of colours `colours` (a gradient, top to bottom): each row
    /// one of its best few ([`Palette::cell_shades`]), chosen together (by dynamic
    /// programming) for the least error plus [`SHADE_SWITCH`] wherever a row's pair of
    /// colours differs from the row above: rows that change pair back and forth read as
    /// stripes; rows that keep a pair and change its glyph read as a gradient.
    fn row_shades(&self, colours: &[Rgb]) -> Vec<CellShade> {
        let options: Vec<Vec<(CellShade, f32)>> = colours
            .iter()
            .map(|&c| {
                let mut options = self.cell_shades(c);
                options.truncate(ROW_OPTIONS);
                options
            })
            .collect();
        let pair = |s: CellShade| (s.ink.min(s.ground), s.ink.max(s.ground));
        let joins = |a: CellShade, b: CellShade| {
            let (a, b) = (pair(a), pair(b));
            // A plain colour continues any pair that holds it.
            a == b
                || (a.0 == a.1 && (a.0 == b.0 || a.0 == b.1))
                || (b.0 == b.1 && (b.0 == a.0 || b.0 == a.1))
        };
        // Per row and option: the least total cost of the rows down to it, and the option
        // above it on that path.
        let mut paths: Vec<Vec<(f32, usize)>> = Vec::with_capacity(options.len());
        for (row, here) in options.iter().enumerate() {
            let costs = here
                .iter()
                .map(|&(shade, error)| match row.checked_sub(1) {
                    None => (error, 0),
                    Some(above) => options[above]
                        .iter()
                        .zip(&paths[above])
                        .enumerate()
                        .map(|(i, (&(up, _), &(cost, _)))| {
                            let switch = if joins(up, shade) { 0.0 } else { SHADE_SWITCH };
                            (cost + switch + error, i)
                        })
                        .min_by(|a, b| a.0.total_cmp(&b.0))
                        .unwrap_or((error, 0)),
                })
                .collect();
            paths.push(costs);
        }
        let mut chosen = vec![
            CellShade {
                glyph: 0,
                ink: 16,
                ground: 16
            };
            options.len()
        ];
        let mut at = paths
            .last()
            .and_then(|last| (0..last.len()).min_by(|&a, &b| last[a].0.total_cmp(&last[b].0)));
        for row in (0..options.len()).rev() {
            let Some(i) = at else { break };
            chosen[row] = options[row][i].0;
            at = Some(paths[row][i].1);
        }
        chosen
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

/// 256 colours: mixes with at most this share of either colour are shown with shade glyphs
/// where smooth (a sparse sprinkle of half-block pixels is what reads as polka dots).
const SPARSE_SHADE_256: u8 = 2;

// A shade's share packs into one bit (see `Mix::pack`).
const _: () = assert!(SPARSE_SHADE_256 <= 2);

/// Hue before lightness: lightness weighed at half, and aiming half again as colourful.
struct HueFirst {
    lightness: f32,
    chroma: f32,
}

/// How [`nearest_256_by_hue`] weighs hue (the weights 16 colours match with).
const HUE_FIRST: HueFirst = HueFirst {
    lightness: 0.5,
    chroma: 1.5,
};

/// How a palette matches colours (see the fields of [`Palette`]).
struct Tuning {
    lightness: f32,
    chroma: f32,
    pattern: f32,
    hue_miss_to_mix: f32,
    min_share: u8,
    sparse_shade: u8,
}

/// 256 colours: plain OKLab, any share; the palette is dense, so mixes are of close colours.
const TUNING_256: Tuning = Tuning {
    lightness: 1.0,
    chroma: 1.0,
    pattern: 0.03,
    hue_miss_to_mix: HUE_MISS_256,
    min_share: 1,
    sparse_shade: SPARSE_SHADE_256,
};

/// 16 colours: lightness weighed at half and aiming half again as colourful (hue before
/// lightness); patterns cost more, so colours near a palette colour stay flat (glitch's
/// pixel text keeps its solid layers); at least 2/16 of each colour in a mix.
const TUNING_16: Tuning = Tuning {
    lightness: HUE_FIRST.lightness,
    chroma: HUE_FIRST.chroma,
    pattern: 0.08,
    hue_miss_to_mix: 0.0,
    min_share: 2,
    sparse_shade: 0,
};

/// The ink of the shade glyphs `░ ▒ ▓`, pixel by pixel (alpha 0–255) of a 9×18 px cell, as
/// DejaVu Sans Mono draws them at 15 px: how `scripts/legibility/cast2png.py` shows them (the
/// pictures the colours are judged on) and close to what terminals using that font show. Their
/// real coverage is about 17 / 47 / 77 %, not 25 / 50 / 75 %. Made by
/// `scripts/legibility/shade-alpha.py`.
const SHADE_ALPHA: [[u8; 162]; 3] = [
    // ░
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 236, 29, 0, 0, 114, 151, 0, 0, 0, 176, 22, 0, 0, 85, 112, 0, 0,
        0, 0, 0, 123, 65, 0, 0, 36, 152, 0, 0, 0, 182, 96, 0, 0, 54, 224, 0, 96, 12, 0, 0, 46, 61,
        0, 0, 0, 255, 32, 0, 0, 124, 164, 0, 0, 0, 64, 8, 20, 10, 31, 41, 6, 25, 0, 0, 0, 188, 100,
        0, 0, 56, 232, 0, 0, 0, 96, 51, 0, 0, 28, 119, 0, 212, 26, 0, 0, 102, 135, 0, 0, 0, 204,
        25, 0, 0, 98, 130, 0, 0, 0, 0, 0, 105, 56, 0, 0, 31, 130, 0, 0, 0, 188, 100, 0, 0, 56, 232,
        0, 72, 9, 11, 6, 34, 46, 3, 14, 0, 255, 32, 0, 0, 124, 164, 0, 0, 0, 84, 10, 2, 1, 40, 53,
        0, 3, 0, 0, 0, 188, 100, 0, 0, 56, 232, 0,
    ],
    // ▒
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 236, 118, 0, 232, 121, 0, 232, 125, 0, 212, 128, 44, 209, 130,
        44, 209, 133, 44, 0, 128, 255, 4, 124, 255, 4, 120, 255, 108, 128, 148, 108, 127, 148, 108,
        126, 148, 255, 128, 0, 252, 132, 0, 252, 136, 0, 84, 128, 172, 85, 126, 172, 85, 125, 172,
        0, 128, 255, 4, 124, 255, 4, 120, 255, 232, 128, 24, 228, 131, 24, 228, 134, 24, 216, 128,
        40, 213, 130, 40, 213, 133, 40, 0, 128, 255, 4, 124, 255, 4, 120, 255, 104, 128, 152, 104,
        127, 152, 104, 126, 152, 255, 128, 0, 252, 132, 0, 252, 136, 0, 88, 128, 168, 89, 126, 168,
        89, 125, 168, 0, 128, 255, 4, 124, 255, 4, 120, 255, 228, 128, 28, 224, 131, 28, 224, 134,
        28, 220, 128, 36, 217, 130, 36, 217, 133, 36, 0, 128, 255, 4, 124, 255, 4, 120, 255,
    ],
    // ▓
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 206, 236, 236, 121, 84, 236, 236, 236, 80, 234, 255, 255,
        170, 143, 255, 255, 255, 255, 255, 130, 190, 255, 255, 216, 103, 255, 255, 255, 70, 159,
        255, 255, 197, 31, 255, 160, 244, 255, 255, 209, 194, 255, 255, 255, 0, 224, 255, 255, 132,
        92, 255, 255, 255, 192, 248, 235, 245, 225, 215, 249, 230, 255, 255, 255, 64, 156, 255,
        255, 196, 24, 255, 255, 255, 157, 204, 255, 255, 225, 136, 255, 44, 229, 255, 255, 153,
        120, 255, 255, 255, 52, 230, 255, 255, 157, 125, 255, 255, 255, 255, 255, 148, 199, 255,
        255, 222, 125, 255, 255, 255, 64, 156, 255, 255, 196, 24, 255, 184, 247, 244, 249, 221,
        209, 252, 241, 255, 0, 224, 255, 255, 132, 92, 255, 255, 255, 172, 245, 253, 254, 215, 202,
        255, 252, 255, 255, 255, 64, 156, 255, 255, 196, 24, 255,
    ],
];

/// How much of the way from `ground` to `ink` (in linear light, what an eye averages) the
/// shade glyph `glyph` (1–3: `░ ▒ ▓`) in `ink` over `ground` takes a cell. Each pixel blends
/// the two by its alpha in sRGB, as font rasterisers do, so a dark ink on a light ground
/// covers more than a light ink on a dark ground.
fn shade_coverage(glyph: u8, ink: Rgb, ground: Rgb) -> f32 {
    let alpha = &SHADE_ALPHA[usize::from(glyph.clamp(1, 3) - 1)];
    let (ink, ground) = ([ink.0, ink.1, ink.2], [ground.0, ground.1, ground.2]);
    let mut sum = [0.0f32; 3];
    for &a in alpha {
        for k in 0..3 {
            let blend = (u32::from(ink[k]) * u32::from(a)
                + u32::from(ground[k]) * u32::from(255 - a)
                + 127)
                / 255;
            sum[k] += to_linear(blend as u8);
        }
    }
    let n = alpha.len() as f32;
    let (mut along, mut len2) = (0.0, 0.0);
    for k in 0..3 {
        let (i, g) = (to_linear(ink[k]), to_linear(ground[k]));
        along += (sum[k] / n - g) * (i - g);
        len2 += (i - g) * (i - g);
    }
    if len2 <= f32::EPSILON {
        0.0
    } else {
        along / len2
    }
}

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
    fn shades_mix_at_their_real_coverage() {
        // Ink over the cell, as drawn: about 17 / 47 / 77 %, not 25 / 50 / 75 %.
        let ink = |glyph: usize| {
            let alpha = &SHADE_ALPHA[glyph];
            alpha.iter().map(|&a| f32::from(a)).sum::<f32>() / (255.0 * alpha.len() as f32)
        };
        for (glyph, about) in [(0, 0.17), (1, 0.47), (2, 0.77)] {
            assert!((ink(glyph) - about).abs() < 0.01, "{glyph}: {}", ink(glyph));
        }
        // In linear light, blended in sRGB: a light ink on a dark ground covers less.
        let (navy, black, white) = (xterm_rgb(17), Rgb::BLACK, Rgb::WHITE);
        let light_on_dark = shade_coverage(1, navy, black);
        assert!((0.08..0.14).contains(&light_on_dark), "{light_on_dark}");
        assert!(shade_coverage(1, black, white) > shade_coverage(1, white, black));
        let by_glyph = [1, 2, 3].map(|g| shade_coverage(g, white, black));
        assert!(by_glyph.is_sorted(), "{by_glyph:?}");
        assert_eq!(shade_coverage(2, navy, navy), 0.0);
    }

    #[test]
    fn a_sparse_mix_is_a_shade_and_an_even_one_is_not() {
        // Confetti's night sky: one navy pixel in sixteen would be polka dots; it is `░`
        // over black on about half of the cells instead, holding as much navy.
        let sky = Palette::xterm256().mix(Rgb(10, 12, 30), true);
        let shade = sky.shade.expect("a shade");
        assert_eq!((sky.b, shade.glyph), (17, 1), "{sky:?}");
        assert!(sky.share <= 2, "{sky:?}");
        let shown = shade_coverage(1, xterm_rgb(sky.b), xterm_rgb(sky.a)) * f32::from(shade.cells)
            / f32::from(STEPS);
        let wanted = f32::from(sky.share) / f32::from(STEPS);
        assert!((shown - wanted).abs() * f32::from(STEPS) <= 0.5, "{sky:?}");
        assert_eq!(shade.cells, STEPS / 2, "a checkerboard: {sky:?}");
        // An even mix (a navy message box) stays a pixel pattern; 16 colours use quarters.
        let even = Palette::xterm256().mix(Rgb(34, 38, 72), true);
        assert!(!even.is_plain() && even.shade.is_none(), "{even:?}");
        assert!(Palette::ansi16().mix(Rgb(10, 12, 30), true).shade.is_none());
    }

    #[test]
    fn rows_of_a_gradient_keep_their_pair_and_never_go_back() {
        // The water's navy gradient, 60 rows: a pair of colours, once left, does not come
        // back (rows switching pairs back and forth read as stripes).
        let (deep, shallow) = (Rgb(4, 17, 31), Rgb(11, 52, 92));
        let colours: Vec<Rgb> = (0..60)
            .map(|i| deep.lerp(shallow, i as f32 / 59.0))
            .collect();
        let shades = Palette::xterm256().row_shades(&colours);
        assert_eq!(shades.len(), colours.len());
        let pair = |s: &CellShade| (s.ink.min(s.ground), s.ink.max(s.ground));
        let mut runs: Vec<(u8, u8)> = Vec::new();
        for shade in &shades {
            if runs.last() != Some(&pair(shade)) {
                assert!(!runs.contains(&pair(shade)), "{shades:?}");
                runs.push(pair(shade));
            }
        }
        // Each row's shade is near its colour, and is blue, not grey.
        for (shade, &c) in shades.iter().zip(&colours) {
            let lab = oklab(c);
            let coverage =
                shade_coverage(shade.glyph, xterm_rgb(shade.ink), xterm_rgb(shade.ground));
            let (i, g) = (
                linear(xterm_rgb(shade.ink)),
                linear(xterm_rgb(shade.ground)),
            );
            let shown = oklab_linear([0, 1, 2].map(|k| g[k] + (i[k] - g[k]) * coverage));
            assert!(distance(lab, shown, 1.0).sqrt() < 0.04, "{c:?}: {shade:?}");
            let blue = |n: u8| xterm_rgb(n).2 > xterm_rgb(n).0.saturating_add(40);
            assert!(blue(shade.ink) || blue(shade.ground), "{c:?}: {shade:?}");
        }
    }

    #[test]
    fn mixes_pack_into_one_slot() {
        let mix = Mix {
            a: 17,
            b: 255,
            share: 16,
            nearest: 200,
            shade: None,
        };
        assert_eq!(Mix::unpack(mix.pack()), mix);
        assert_ne!(mix.pack(), UNSET);
        assert_eq!(mix.share_between(17, 255), Some(16));
        for (share, glyph, cells) in [(1, 1, 8), (2, 3, 16), (1, 2, 1)] {
            let shade = Some(Shade { glyph, cells });
            let mix = Mix {
                a: 255,
                b: 254,
                share,
                nearest: 255,
                shade,
            };
            assert_eq!(Mix::unpack(mix.pack()), mix);
            assert_ne!(mix.pack(), UNSET);
        }
        assert_eq!(Mix::plain(4).share_between(0, 4), Some(16));
        assert_eq!(Mix::plain(4).share_between(4, 6), Some(0));
        assert_eq!(Mix::plain(4).share_between(1, 6), None);
    }
}

//! A box blur of a coverage mask whose cost does not depend on the radius.

use super::mask::Region;

/// Largest blur radius in pixels; larger ones are clamped (the water asks for at most 12).
const MAX_RADIUS: f32 = 64.0;

/// Separable box blur with running sums, so the cost does not depend on the radius; it keeps
/// its middle pass and running sums between frames so blurring does not allocate.
#[derive(Default)]
pub(super) struct BoxBlur {
    /// The horizontal pass, `w` × `h` like the mask.
    scratch: Vec<u8>,
    /// The vertical pass's running sum per column.
    sums: Vec<u32>,
}

impl BoxBlur {
    /// Lays out for a `w` × `h` mask.
    pub(super) fn resize(&mut self, w: usize, h: usize) {
        self.scratch.clear();
        self.scratch.resize(w * h, 0);
        self.sums.clear();
        self.sums.resize(w, 0);
    }

    /// Blurs `region` of the `w`-wide `mask` by `radius` pixels (fractional: the outermost
    /// taps weigh the fraction). Only `region` is blurred: it must have a blank border at least
    /// `radius` wide (or lie on the image edge); values past its edges are taken as the edge's.
    ///
    /// Both passes walk the mask row by row (the vertical one with a running sum per column),
    /// in integers with an exact reciprocal instead of a division, so the result is the same
    /// on every platform.
    pub(super) fn apply(&mut self, mask: &mut [u8], w: usize, region: Region, radius: f32) {
        if radius < 1.0 / 64.0 || region.is_empty() {
            return;
        }
        let radius = radius.min(MAX_RADIUS);
        let taps = Taps::new(radius);
        let (cols, rows) = (region.x1 - region.x0, region.y1 - region.y0);
        let line = |y: usize| y * w + region.x0..y * w + region.x1;
        for y in region.y0..region.y1 {
            taps.blur_line(&mask[line(y)], &mut self.scratch[line(y)]);
        }
        // Vertical: the rows `r` away from row `i`, clamped to the region like `blur_line`.
        let n = taps.n as isize;
        let source =
            |r: isize| &self.scratch[line(region.y0 + r.clamp(0, rows as isize - 1) as usize)];
        let sums = &mut self.sums[..cols];
        sums.fill(0);
        for r in -n..=n {
            for (sum, &v) in sums.iter_mut().zip(source(r)) {
                *sum += u32::from(v);
            }
        }
        for i in 0..rows as isize {
            let (leaving, before, after) = (source(i - n), source(i - n - 1), source(i + n + 1));
            let out = &mut mask[line(region.y0 + i as usize)];
            for (x, (sum, out)) in sums.iter_mut().zip(out).enumerate() {
                let (after, leaving) = (u32::from(after[x]), u32::from(leaving[x]));
                *out = taps.mean(*sum, u32::from(before[x]) + after);
                *sum = *sum + after - leaving;
            }
        }
    }
}

/// The weights of a box of fractional `radius`: `n` whole taps each side at full weight and
/// one more each side at `frac`/256.
struct Taps {
    n: usize,
    frac: u32,
    /// The total weight in 1/256, and `⌈2^SHIFT / den⌉` to divide by it exactly.
    den: u32,
    reciprocal: u64,
}

/// Dividing by multiplying with [`Taps::reciprocal`] and shifting by this many bits is exact
/// for numerators below 2^24 and denominators up to 2^16 (Granlund & Montgomery: 24 + 16 bits).
const SHIFT: u32 = 40;

impl Taps {
    fn new(radius: f32) -> Self {
        let n = radius as usize;
        let frac = ((radius - n as f32) * 256.0) as u32;
        let den = (2 * n as u32 + 1) * 256 + 2 * frac;
        Self {
            n,
            frac,
            den,
            reciprocal: (1u64 << SHIFT).div_ceil(u64::from(den)),
        }
    }

    /// The weighted mean of a window whose full taps sum to `sum` and whose two outermost
    /// (fractional) taps sum to `edges`, rounded.
    #[inline]
    fn mean(&self, sum: u32, edges: u32) -> u8 {
        // At most 255 · (2 · 64 + 1) · 256 + 255 · 510 + den / 2 < 2^24, over a den of at most
        // (2 · 64 + 1) · 256 + 510 < 2^16.
        let numerator = u64::from(sum * 256 + self.frac * edges + self.den / 2);
        ((numerator * self.reciprocal) >> SHIFT) as u8
    }

    /// One line: `src` into `dst`, clamped at both ends.
    fn blur_line(&self, src: &[u8], dst: &mut [u8]) {
        let len = src.len() as isize;
        let at = |i: isize| u32::from(src[i.clamp(0, len - 1) as usize]);
        let n = self.n as isize;
        let mut sum: u32 = (-n..=n).map(at).sum();
        for (i, out) in (0..len).zip(dst) {
            let after = at(i + n + 1);
            *out = self.mean(sum, at(i - n - 1) + after);
            sum = sum + after - at(i - n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blur_spreads_evenly_and_keeps_the_total() {
        let (w, h) = (9, 9);
        let mut mask = vec![0u8; w * h];
        mask[4 * w + 4] = 255;
        let mut blur = BoxBlur::default();
        blur.resize(w, h);
        let all = Region {
            x0: 0,
            y0: 0,
            x1: w,
            y1: h,
        };
        blur.apply(&mut mask, w, all, 1.0);
        // A 3 × 3 box: 255 / 9 ≈ 28 on each of the nine pixels.
        assert_eq!(mask[3 * w + 3], 28);
        assert_eq!(mask[5 * w + 5], 28);
        assert_eq!(mask[2 * w + 4], 0);
        let total: u32 = mask.iter().map(|&v| u32::from(v)).sum();
        assert!((245..=265).contains(&total), "{total}");
    }

    #[test]
    fn the_reciprocal_divides_exactly() {
        // Every denominator a radius up to MAX_RADIUS gives, against the largest numerators it
        // can meet and a spread of others.
        for n in 0..=MAX_RADIUS as u32 {
            for frac in 0..256 {
                let radius = n as f32 + frac as f32 / 256.0;
                let taps = Taps::new(radius);
                let max_sum = 255 * (2 * taps.n as u32 + 1);
                for sum in (0..=max_sum).step_by(97).chain([max_sum]) {
                    for edges in [0, 1, 255, 509, 510] {
                        let numerator = sum * 256 + taps.frac * edges + taps.den / 2;
                        assert_eq!(
                            u32::from(taps.mean(sum, edges)),
                            numerator / taps.den,
                            "radius {radius}, sum {sum}, edges {edges}"
                        );
                    }
                }
            }
        }
    }
}

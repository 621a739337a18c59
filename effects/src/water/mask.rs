//! Coverage masks (one byte of ink per pixel): regions, bounds, reach and sampling.

use std::ops::Range;

/// A rectangle of pixels, `x0..x1` × `y0..y1`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Region {
    pub(super) x0: usize,
    pub(super) y0: usize,
    pub(super) x1: usize,
    pub(super) y1: usize,
}

impl Region {
    pub(super) fn is_empty(self) -> bool {
        self.x0 >= self.x1 || self.y0 >= self.y1
    }

    /// Grown by `margin` on every side, clipped to `w` × `h`.
    pub(super) fn grow(self, margin: usize, w: usize, h: usize) -> Region {
        if self.is_empty() {
            return self;
        }
        Region {
            x0: self.x0.saturating_sub(margin),
            y0: self.y0.saturating_sub(margin),
            x1: (self.x1 + margin).min(w),
            y1: (self.y1 + margin).min(h),
        }
    }
}

/// The smallest region holding every non-zero pixel of `mask` (`w` × `h`).
pub(super) fn ink_bounds(mask: &[u8], w: usize, h: usize) -> Region {
    let mut bounds = Region {
        x0: w,
        y0: h,
        x1: 0,
        y1: 0,
    };
    for (i, _) in mask.iter().enumerate().filter(|(_, v)| **v > 0) {
        let (x, y) = (i % w, i / w);
        bounds.x0 = bounds.x0.min(x);
        bounds.y0 = bounds.y0.min(y);
        bounds.x1 = bounds.x1.max(x + 1);
        bounds.y1 = bounds.y1.max(y + 1);
    }
    if bounds.is_empty() {
        Region::default()
    } else {
        bounds
    }
}

/// Bilinear sample of an 8-bit mask at (`x`, `y`), clamped at the edges.
pub(super) fn sample(mask: &[u8], w: usize, h: usize, x: f32, y: f32) -> u8 {
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x as usize, y as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let fx = ((x - x0 as f32) * 256.0) as u32;
    let fy = ((y - y0 as f32) * 256.0) as u32;
    let at = |x: usize, y: usize| u32::from(mask[y * w + x]);
    let top = at(x0, y0) * (256 - fx) + at(x1, y0) * fx;
    let bottom = at(x0, y1) * (256 - fx) + at(x1, y1) * fx;
    ((top * (256 - fy) + bottom * fy + (1 << 15)) >> 16) as u8
}

/// Pixels per run in [`Reach`]: each pixel row is split into runs of this many.
const RUN: usize = 8;

/// Which runs of [`RUN`] pixels of a mask have ink within `radius` pixels (across and down):
/// a pixel elsewhere samples nothing ([`sample`] reads one pixel past the point) however far
/// the water displaces it, up to `radius - 1`, so the warp skips it. Built once per layout.
#[derive(Debug, Default)]
pub(super) struct Reach {
    radius: usize,
    /// Runs per pixel row.
    runs: usize,
    /// Per pixel row, per run: ink within `radius`.
    near: Vec<bool>,
    /// The same within `radius` across only (the middle pass).
    across: Vec<bool>,
}

impl Reach {
    /// The radius it was built for (`None` before the first build).
    pub(super) fn radius(&self) -> Option<usize> {
        (self.runs > 0).then_some(self.radius)
    }

    /// Forgets the mask (it changed); the next [`Reach::radius`] is `None`.
    pub(super) fn clear(&mut self) {
        self.runs = 0;
    }

    /// Finds where `mask` (`w` × `h`) has ink within `radius` of each run.
    pub(super) fn build(&mut self, mask: &[u8], w: usize, h: usize, radius: usize) {
        self.radius = radius;
        self.runs = w.div_ceil(RUN).max(1);
        for grid in [&mut self.near, &mut self.across] {
            grid.clear();
            grid.resize(self.runs * h, false);
        }
        for y in 0..h {
            let row = &mask[y * w..(y + 1) * w];
            for run in 0..self.runs {
                let from = (run * RUN).saturating_sub(radius);
                let to = (run * RUN + RUN + radius).min(w);
                self.across[y * self.runs + run] = row[from..to].iter().any(|&v| v > 0);
            }
        }
        for y in 0..h {
            let (from, to) = (y.saturating_sub(radius), (y + radius + 1).min(h));
            for run in 0..self.runs {
                self.near[y * self.runs + run] =
                    (from..to).any(|y| self.across[y * self.runs + run]);
            }
        }
    }

    /// The spans of `xs` in pixel row `y` that may receive ink, in order.
    pub(super) fn spans(&self, y: usize, xs: Range<usize>) -> impl Iterator<Item = Range<usize>> {
        let near = &self.near[y * self.runs..(y + 1) * self.runs];
        let mut x = xs.start;
        std::iter::from_fn(move || {
            // Skip the runs without ink nearby, then take the runs with it.
            while x < xs.end && !near[x / RUN] {
                x = (x / RUN + 1) * RUN;
            }
            if x >= xs.end {
                return None;
            }
            let start = x;
            while x < xs.end && near[x / RUN] {
                x = (x / RUN + 1) * RUN;
            }
            x = x.min(xs.end);
            Some(start..x)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reach_covers_every_pixel_a_sample_can_read_ink_from() {
        let (w, h) = (40, 12);
        let mut mask = vec![0u8; w * h];
        mask[5 * w + 20] = 255;
        let mut reach = Reach::default();
        assert_eq!(reach.radius(), None);
        reach.build(&mask, w, h, 3);
        assert_eq!(reach.radius(), Some(3));
        for y in 0..h {
            let spans: Vec<_> = reach.spans(y, 2..w).collect();
            if (2..=8).contains(&y) {
                // Pixels 17..=23 can read the ink: the runs 16..24 hold them.
                assert_eq!(spans, vec![16..24], "row {y}");
            } else {
                assert!(spans.is_empty(), "row {y}: {spans:?}");
            }
        }
        // Spans are clipped to the pixels asked for.
        assert_eq!(reach.spans(5, 18..30).collect::<Vec<_>>(), vec![18..24]);
        // Near the edges of runs, both runs are taken.
        reach.build(&mask, w, h, 5);
        assert_eq!(reach.spans(5, 0..w).collect::<Vec<_>>(), vec![8..32]);
        reach.clear();
        assert_eq!(reach.radius(), None);
    }
}

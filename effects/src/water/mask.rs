//! Coverage masks (one byte of ink per pixel): regions, bounds and sampling.

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

//! A box blur of a coverage mask whose cost does not depend on the radius.

use super::mask::Region;

/// Separable box blur of `radius` pixels (fractional: the outermost taps weigh the fraction)
/// with running sums, so the cost does not depend on the radius. Only `region` of the `w`-wide
/// mask is blurred: it must have a blank border at least `radius` wide (or lie on the image
/// edge). `scratch` holds the middle pass.
pub(super) fn box_blur(mask: &mut [u8], scratch: &mut [u8], w: usize, region: Region, radius: f32) {
    if radius < 1.0 / 64.0 || region.is_empty() {
        return;
    }
    let (cols, rows) = (region.x1 - region.x0, region.y1 - region.y0);
    for y in region.y0..region.y1 {
        let start = y * w + region.x0;
        blur_line(&mask[start..], 1, &mut scratch[start..], cols, radius);
    }
    for x in region.x0..region.x1 {
        let start = region.y0 * w + x;
        blur_line(&scratch[start..], w, &mut mask[start..], rows, radius);
    }
}

/// One line of [`box_blur`]: `len` values `stride` apart from `src` into `dst`.
fn blur_line(src: &[u8], stride: usize, dst: &mut [u8], len: usize, radius: f32) {
    let n = radius as usize;
    let frac = ((radius - n as f32) * 256.0) as u32;
    let den = (2 * n as u32 + 1) * 256 + 2 * frac;
    let at = |i: isize| u32::from(src[(i.clamp(0, len as isize - 1) as usize) * stride]);
    let n = n as isize;
    let mut sum: u32 = (-n..=n).map(at).sum();
    for i in 0..len as isize {
        let edges = at(i - n - 1) + at(i + n + 1);
        dst[i as usize * stride] = ((sum * 256 + frac * edges + den / 2) / den) as u8;
        sum = sum + at(i + n + 1) - at(i - n);
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
        let mut scratch = vec![0u8; w * h];
        let all = Region {
            x0: 0,
            y0: 0,
            x1: w,
            y1: h,
        };
        box_blur(&mut mask, &mut scratch, w, all, 1.0);
        // A 3 × 3 box: 255 / 9 ≈ 28 on each of the nine pixels.
        assert_eq!(mask[3 * w + 3], 28);
        assert_eq!(mask[5 * w + 5], 28);
        assert_eq!(mask[2 * w + 4], 0);
        let total: u32 = mask.iter().map(|&v| u32::from(v)).sum();
        assert!((245..=265).contains(&total), "{total}");
    }
}

//! A logo-like picture for tests and benchmarks of the logo layer, made in code (the effects
//! crate decodes no files): a 192×192 rounded square in a blue-teal gradient with a white
//! diagonal band, on a transparent background with soft edges, like the sample logo.

use std::sync::Arc;

use vitrine_effects::logo::Picture;

/// The picture.
pub fn logo() -> Arc<Picture> {
    const SIZE: u32 = 192;
    let mut rgba = Vec::with_capacity((SIZE * SIZE * 4) as usize);
    for y in 0..SIZE {
        for x in 0..SIZE {
            let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
            // Distance outside a rounded square with corner radius 36, 8 px in from the edges.
            let (lo, hi, r) = (8.0 + 36.0, SIZE as f32 - 8.0 - 36.0, 36.0);
            let (dx, dy) = (fx - fx.clamp(lo, hi), fy - fy.clamp(lo, hi));
            let outside = (dx * dx + dy * dy).sqrt() - r;
            let alpha = (0.5 - outside).clamp(0.0, 1.0);
            let band = ((fx - fy).abs() < 24.0) as u8;
            let t = (fx + fy) / (2.0 * SIZE as f32);
            let (r, g, b) = if band == 1 {
                (255, 255, 255)
            } else {
                (13, (64.0 + 90.0 * t) as u8, (166.0 - 13.0 * t) as u8)
            };
            rgba.extend_from_slice(&[r, g, b, (alpha * 255.0) as u8]);
        }
    }
    Arc::new(Picture::from_rgba(SIZE, SIZE, rgba).expect("the size matches"))
}

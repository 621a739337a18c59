//! The displacement field of one frame: noise on a coarse grid (turbulence, focus, caustics),
//! or sines per pixel row and column (sway), and the caustic light networks.

use std::f64::consts::TAU;
use std::ops::Range;

use noise::{Fbm, MultiFractal, NoiseFn, Perlin};

use super::style::WaterStyle;

/// Spacing of the noise grid in pixels across and down; noise is evaluated there and
/// interpolated in between (features are about 13 × 6 px at the finest, wider than tall).
const GRID_X: usize = 8;
const GRID_Y: usize = 4;
/// Period of the turbulence's frequency swing (the SVG `<animate dur="6s">`).
const TURBULENCE_PERIOD: f64 = 6.0;
/// Steps of caustic light; few, so a slowly moving line changes few cells per frame.
pub(super) const CAUSTIC_LEVELS: u32 = 4;
/// Half-width of a caustic light line, in noise units.
const CAUSTIC_WIDTH: f32 = 0.1;

/// The displacement field of one frame.
pub(super) struct Field {
    style: WaterStyle,
    /// Noise grids, row-major, `grid_w` wide: displacement `[dx, dy]` and the two caustic
    /// light networks.
    disp: Vec<[f32; 2]>,
    light: Vec<[f32; 2]>,
    grid_w: usize,
    /// `sway`: horizontal shift per pixel row and vertical shift per pixel column.
    row_shift: Vec<f32>,
    col_shift: Vec<f32>,
    /// Displacement in pixels per unit of noise / wave slope this frame.
    pub(super) amount: f32,
    pub(super) wave_amount: f32,
    /// Hard limit on either component, in pixels.
    pub(super) limit: f32,
    displacement: Fbm<Perlin>,
    light_noise: Perlin,
}

impl Field {
    /// An empty field for `style`; [`Field::resize`] lays it out.
    pub(super) fn new(style: WaterStyle, noise_seed: u32) -> Self {
        Self {
            style,
            disp: Vec::new(),
            light: Vec::new(),
            grid_w: 0,
            row_shift: Vec::new(),
            col_shift: Vec::new(),
            amount: 0.0,
            wave_amount: 0.0,
            limit: 0.0,
            displacement: Fbm::<Perlin>::new(noise_seed)
                .set_octaves(2)
                .set_lacunarity(2.0),
            light_noise: Perlin::new(noise_seed.wrapping_add(1)),
        }
    }

    pub(super) fn resize(&mut self, w: usize, h: usize) {
        self.grid_w = w / GRID_X + 2;
        let cells = self.grid_w * (h / GRID_Y + 2);
        for grid in [&mut self.disp, &mut self.light] {
            grid.clear();
            grid.resize(cells, [0.0; 2]);
        }
        self.row_shift.clear();
        self.row_shift.resize(h, 0.0);
        self.col_shift.clear();
        self.col_shift.resize(w, 0.0);
    }

    /// `sway` at time `t` and feature size factor `feature`: a horizontal shift per pixel row
    /// (two sines) and a small vertical bob per pixel column.
    pub(super) fn fill_sway(&mut self, t: f64, feature: f64) {
        let k = TAU / (22.0 * feature);
        for (y, shift) in self.row_shift.iter_mut().enumerate() {
            let y = y as f64;
            let s = (k * y + TAU * t / 3.5).sin() + 0.35 * (2.3 * k * y - TAU * t / 2.1).sin();
            *shift = (s / 1.35) as f32;
        }
        let k = TAU / (40.0 * feature);
        for (x, shift) in self.col_shift.iter_mut().enumerate() {
            *shift = (0.35 * (k * x as f64 + TAU * t / 5.0).sin()) as f32;
        }
    }

    /// Evaluates the noise for time `t` and feature size factor `feature`: displacement on the
    /// grid rows that cover pixel rows `rows` (nothing else can move the text), light everywhere.
    pub(super) fn fill_noise(
        &mut self,
        t: f64,
        feature: f64,
        w: usize,
        h: usize,
        rows: Range<usize>,
    ) {
        // The SVG recipe swings baseFrequency back and forth; zoom about the centre so the far
        // side of a wide screen does not race.
        let swing = if self.style == WaterStyle::Turbulence {
            1.0 + 0.2 * (1.0 - (TAU * t / TURBULENCE_PERIOD).cos())
        } else {
            1.0
        };
        // Horizontal features wider than tall, as in baseFrequency="0.02 0.05".
        let fx = swing / (26.0 * feature);
        let fy = swing / (12.0 * feature);
        let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
        let z = t * 0.25;
        let grid_h = self.disp.len() / self.grid_w;
        let first = rows.start / GRID_Y;
        let last = (rows.end.div_ceil(GRID_Y) + 1).min(grid_h);
        for gy in first..last {
            for gx in 0..self.grid_w {
                let (px, py) = ((gx * GRID_X) as f64, (gy * GRID_Y) as f64);
                let (nx, ny) = ((px - cx) * fx, (py - cy) * fy);
                self.disp[gy * self.grid_w + gx] = [
                    self.displacement.get([nx, ny, z]) as f32,
                    self.displacement.get([nx + 31.7, ny - 17.3, z]) as f32,
                ];
            }
        }
        if self.style == WaterStyle::Caustics {
            let f = 1.0 / (16.0 * feature);
            for (k, cell) in self.light.iter_mut().enumerate() {
                let lx = ((k % self.grid_w) * GRID_X) as f64 * f;
                let ly = ((k / self.grid_w) * GRID_Y) as f64 * f;
                // Two drifting networks crossing each other make the mesh of a pool floor.
                *cell = [
                    self.light_noise.get([lx + t * 0.05, ly, t * 0.22]) as f32,
                    self.light_noise
                        .get([ly * 0.8 - 11.0, lx * 0.8 - t * 0.04, t * 0.18 + 5.0])
                        as f32,
                ];
            }
        }
    }

    /// The style's displacement at pixel (`x`, `y`), in pixels.
    pub(super) fn at(&self, x: usize, y: usize) -> (f32, f32) {
        match self.style {
            WaterStyle::Sway => (
                self.row_shift[y] * self.amount,
                self.col_shift[x] * self.amount,
            ),
            WaterStyle::Ripple => (0.0, 0.0),
            _ => {
                let [nx, ny] = bilinear(&self.disp, self.grid_w, x, y);
                // Fractal noise rarely leaves ±0.5; stretch it so the amplitude is reached.
                (
                    (nx * 2.0).clamp(-1.0, 1.0) * self.amount,
                    (ny * 2.0).clamp(-1.0, 1.0) * self.amount,
                )
            }
        }
    }

    /// [`Field::at`] for pixels `xs` of pixel row `y` into `out` (one `[dx, dy]` per pixel):
    /// the same values, bit for bit, with the style and the row's grid position settled once
    /// per row instead of once per pixel (this runs for every pixel near the text, every frame).
    pub(super) fn row(&self, y: usize, xs: Range<usize>, out: &mut [[f32; 2]]) {
        let out = &mut out[..xs.len()];
        match self.style {
            WaterStyle::Sway => {
                let dx = self.row_shift[y] * self.amount;
                for (d, &shift) in out.iter_mut().zip(&self.col_shift[xs]) {
                    *d = [dx, shift * self.amount];
                }
            }
            WaterStyle::Ripple => out.fill([0.0; 2]),
            _ => {
                let stretch = |n: f32| (n * 2.0).clamp(-1.0, 1.0) * self.amount;
                let i = (y / GRID_Y) * self.grid_w;
                let fy = (y % GRID_Y) as f32 / GRID_Y as f32;
                for (x, d) in xs.zip(out.iter_mut()) {
                    // The four grid points around this pixel's cell: one lookup per cell.
                    let k = i + x / GRID_X;
                    let corners = (
                        self.disp[k],
                        self.disp[k + 1],
                        self.disp[k + self.grid_w],
                        self.disp[k + self.grid_w + 1],
                    );
                    let [nx, ny] = interpolate(corners, (x % GRID_X) as f32 / GRID_X as f32, fy);
                    *d = [stretch(nx), stretch(ny)];
                }
            }
        }
    }

    /// Caustic light at pixel (`x`, `y`), 0..=[`CAUSTIC_LEVELS`]: a few levels only, so a slowly
    /// moving line changes few cells per frame.
    pub(super) fn caustic(&self, x: usize, y: usize) -> u32 {
        let [a, b] = bilinear(&self.light, self.grid_w, x, y);
        caustic_level(a, b)
    }

    /// [`Field::caustic`] for a whole pixel row into `out`, interpolating down the grid once per
    /// grid column instead of once per pixel.
    pub(super) fn caustic_row(&self, y: usize, out: &mut [u8]) {
        let i = (y / GRID_Y) * self.grid_w;
        let fy = (y % GRID_Y) as f32 / GRID_Y as f32;
        let down = |k: usize, c: usize| {
            let top = self.light[i + k][c];
            top + (self.light[i + k + self.grid_w][c] - top) * fy
        };
        for (gx, chunk) in out.chunks_mut(GRID_X).enumerate() {
            let (a0, b0, a1, b1) = (down(gx, 0), down(gx, 1), down(gx + 1, 0), down(gx + 1, 1));
            for (k, level) in chunk.iter_mut().enumerate() {
                let fx = k as f32 / GRID_X as f32;
                *level = caustic_level(a0 + (a1 - a0) * fx, b0 + (b1 - b0) * fx) as u8;
            }
        }
    }
}

/// Light (0..=[`CAUSTIC_LEVELS`]) where two networks have noise values `a` and `b`: bright along the zero
/// lines of each, which wind and branch like the light on a pool floor.
fn caustic_level(a: f32, b: f32) -> u32 {
    let line = |v: f32| (1.0 - v.abs() / CAUSTIC_WIDTH).max(0.0);
    let (a, b) = (line(a), line(b));
    ((a * a + 0.7 * b * b).min(1.0) * CAUSTIC_LEVELS as f32 + 0.5) as u32
}

/// The grid value at pixel (`x`, `y`), interpolated between the four nearest grid points.
fn bilinear(grid: &[[f32; 2]], grid_w: usize, x: usize, y: usize) -> [f32; 2] {
    let i = (y / GRID_Y) * grid_w + x / GRID_X;
    let fx = (x % GRID_X) as f32 / GRID_X as f32;
    let fy = (y % GRID_Y) as f32 / GRID_Y as f32;
    interpolate(
        (grid[i], grid[i + 1], grid[i + grid_w], grid[i + grid_w + 1]),
        fx,
        fy,
    )
}

/// Bilinear interpolation between grid points `(top left, top right, bottom left, bottom
/// right)` at fractions `fx` across and `fy` down, in one fixed order of operations so every
/// caller (and every platform) gets the same bits.
#[inline]
fn interpolate(
    (a, b, c, d): ([f32; 2], [f32; 2], [f32; 2], [f32; 2]),
    fx: f32,
    fy: f32,
) -> [f32; 2] {
    std::array::from_fn(|k| {
        let top = a[k] + (b[k] - a[k]) * fx;
        let bottom = c[k] + (d[k] - c[k]) * fx;
        top + (bottom - top) * fy
    })
}

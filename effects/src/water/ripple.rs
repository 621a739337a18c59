//! The Hugo Elias "2D water" ripple tank: two height buffers,
//! `new = (left + right + up + down) / 2 − old`, damped each step.

/// Wave-equation steps per second of simulated time.
const WAVE_STEPS_PER_SECOND: f64 = 40.0;
/// Steps after the last drop when the waves are flat enough to stop simulating.
const WAVE_IDLE_STEPS: u32 = 400;
/// Heights are clamped to this so a storm of drops cannot overflow.
const WAVE_LIMIT: i32 = 1 << 14;

/// The Hugo Elias two-buffer ripple tank, one cell per pixel.
pub(super) struct Waves {
    width: usize,
    height: usize,
    pub(super) current: Vec<i32>,
    previous: Vec<i32>,
    /// Fractional steps owed to the simulation.
    clock: f64,
    /// Steps since the last drop.
    quiet: u32,
    /// `damping` in 1/65536.
    damping: i32,
}

impl Waves {
    /// A flat, idle tank keeping `damping` (0..1) of a wave's height each step; [`Waves::resize`]
    /// lays it out.
    pub(super) fn new(damping: f32) -> Self {
        Self {
            width: 0,
            height: 0,
            current: Vec::new(),
            previous: Vec::new(),
            clock: 0.0,
            quiet: WAVE_IDLE_STEPS,
            damping: (damping * 65536.0) as i32,
        }
    }

    /// Runs the steps `seconds` of simulated time owe (at most 8 at once, so a long pause does
    /// not stall a frame).
    pub(super) fn advance(&mut self, seconds: f64) {
        self.clock = (self.clock + seconds * WAVE_STEPS_PER_SECOND).min(8.0);
        while self.clock >= 1.0 {
            self.clock -= 1.0;
            self.step();
        }
    }

    pub(super) fn resize(&mut self, w: usize, h: usize) {
        self.width = w;
        self.height = h;
        for buf in [&mut self.current, &mut self.previous] {
            buf.clear();
            buf.resize(w * h, 0);
        }
        self.quiet = WAVE_IDLE_STEPS;
    }

    /// Whether anything is moving (after the last drop the tank rings down, then idles).
    pub(super) fn active(&self) -> bool {
        self.quiet < WAVE_IDLE_STEPS
    }

    /// Pushes a cosine-shaped dent of `radius` pixels and `depth` into the water at the relative
    /// position (`fx`, `fy`) in 0..1.
    pub(super) fn drop_at(&mut self, fx: f32, fy: f32, radius: f32, depth: i32) {
        if self.width < 3 || self.height < 3 {
            return;
        }
        let cx = fx * (self.width - 1) as f32;
        let cy = fy * (self.height - 1) as f32;
        let r = radius.max(1.0);
        let x0 = (cx - r).floor().max(1.0) as usize;
        let x1 = ((cx + r).ceil() as usize).min(self.width - 2);
        let y0 = (cy - r).floor().max(1.0) as usize;
        let y1 = ((cy + r).ceil() as usize).min(self.height - 2);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt() / r;
                if d < 1.0 {
                    let dent = depth as f32 * (0.5 + 0.5 * (std::f32::consts::PI * d).cos());
                    let i = y * self.width + x;
                    self.current[i] =
                        (self.current[i] - dent as i32).clamp(-WAVE_LIMIT, WAVE_LIMIT);
                }
            }
        }
        self.quiet = 0;
    }

    /// One step of the wave equation; the border stays flat.
    fn step(&mut self) {
        if !self.active() {
            return;
        }
        self.quiet += 1;
        if !self.active() {
            // Rung down: flatten for good so an idle tank costs nothing.
            self.current.fill(0);
            self.previous.fill(0);
            return;
        }
        let w = self.width;
        for y in 1..self.height.saturating_sub(1) {
            for x in 1..w.saturating_sub(1) {
                let i = y * w + x;
                let c = &self.current;
                let next = ((c[i - 1] + c[i + 1] + c[i - w] + c[i + w]) >> 1) - self.previous[i];
                let next = ((i64::from(next) * i64::from(self.damping)) >> 16) as i32;
                self.previous[i] = next.clamp(-WAVE_LIMIT, WAVE_LIMIT);
            }
        }
        std::mem::swap(&mut self.current, &mut self.previous);
    }

    /// The height differences (left − right, up − down) at pixel (`x`, `y`); 0 on the border,
    /// which stays flat.
    pub(super) fn slope(&self, x: usize, y: usize) -> (i32, i32) {
        let w = self.width;
        if x == 0 || y == 0 || x + 1 >= w || y + 1 >= self.height {
            return (0, 0);
        }
        let (i, c) = (y * w + x, &self.current);
        (c[i - 1] - c[i + 1], c[i - w] - c[i + w])
    }
}

//! Output pacing: count the bytes a terminal receives and stretch the frame interval when a
//! byte budget (`--max-rate`, for slow SSH links) would be exceeded.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A writer that counts the bytes passed through it; [`Counted::counter`] reads the count
/// while the writer itself is owned by a terminal backend.
#[derive(Debug)]
pub struct Counted<W> {
    inner: W,
    written: Arc<AtomicU64>,
}

impl<W> Counted<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            written: Arc::default(),
        }
    }

    /// A handle reading the number of bytes written so far.
    pub fn counter(&self) -> ByteCounter {
        ByteCounter(Arc::clone(&self.written))
    }
}

/// Reads a [`Counted`] writer's byte count.
#[derive(Clone, Debug)]
pub struct ByteCounter(Arc<AtomicU64>);

impl ByteCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(data)?;
        self.written.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// How often the byte rate is measured and the interval adjusted.
const WINDOW: Duration = Duration::from_secs(1);
/// The slowest the pacer will go: one frame a second still shows motion.
const SLOWEST: Duration = Duration::from_secs(1);

/// Chooses the interval between frames: the `--fps` interval, stretched while the measured
/// output rate is above the budget and relaxed back once it is comfortably below.
#[derive(Debug)]
pub struct FramePacer {
    base: Duration,
    interval: Duration,
    budget: Option<f64>,
    window_start: Instant,
    window_bytes: u64,
}

impl FramePacer {
    /// Frames at most every `base` interval (the `--fps` interval); `max_rate` in bytes per
    /// second if limited.
    pub fn new(base: Duration, max_rate: Option<f64>, now: Instant) -> Self {
        Self {
            base,
            interval: base,
            budget: max_rate,
            window_start: now,
            window_bytes: 0,
        }
    }

    /// Changes the byte budget (`--max-rate` in bytes per second, `None` for none).
    pub fn set_budget(&mut self, max_rate: Option<f64>) {
        self.budget = max_rate;
        if max_rate.is_none() {
            self.interval = self.base;
        }
    }

    /// Changes the `--fps` interval (a config reload); a longer stretched interval is kept.
    pub fn set_base(&mut self, base: Duration) {
        if base != self.base {
            self.interval = if self.interval > self.base {
                self.interval.max(base)
            } else {
                base
            };
            self.base = base;
        }
    }

    /// The current interval between frames.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Records that a frame of `bytes` was written at `now`.
    pub fn wrote(&mut self, bytes: u64, now: Instant) {
        let Some(budget) = self.budget else { return };
        self.window_bytes += bytes;
        let elapsed = now.saturating_duration_since(self.window_start);
        // A window that already holds a whole window's budget is judged at once, so a start at
        // the full fps (or one big redraw) costs at most one window's worth.
        let spent = self.window_bytes as f64 >= budget * WINDOW.as_secs_f64();
        if elapsed < WINDOW && !spent {
            return;
        }
        let rate = self.window_bytes as f64 / elapsed.max(self.interval).as_secs_f64();
        if rate > budget {
            // Frames cost about the same from one second to the next: scale the interval by the
            // overshoot, with a margin so the next window lands under the budget.
            let stretched = self.interval.mul_f64((rate / budget * 1.1).min(8.0));
            self.interval = stretched.min(SLOWEST);
        } else if rate < budget * 0.6 && self.interval > self.base {
            self.interval = self.interval.mul_f64(0.8).max(self.base);
        }
        self.window_start = now;
        self.window_bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simulates `seconds` of frames of `frame_bytes` each and returns the bytes sent in the
    /// last second.
    fn run(pacer: &mut FramePacer, start: Instant, seconds: u64, frame_bytes: u64) -> u64 {
        let mut now = start;
        let end = start + Duration::from_secs(seconds);
        let mut last_second = 0;
        while now < end {
            pacer.wrote(frame_bytes, now);
            if now + Duration::from_secs(1) >= end {
                last_second += frame_bytes;
            }
            now += pacer.interval();
        }
        last_second
    }

    #[test]
    fn the_first_seconds_stay_near_the_budget() {
        let start = Instant::now();
        // 30 fps x 4 KB = 120 KB/s against a 20 KB/s budget: the pacer must not wait for a
        // whole second at full speed before slowing down.
        let mut pacer = FramePacer::new(Duration::from_secs(1) / 30, Some(20_000.0), start);
        let (mut now, mut sent) = (start, 0);
        while now < start + Duration::from_secs(3) {
            pacer.wrote(4_000, now);
            sent += 4_000;
            now += pacer.interval();
        }
        // Three seconds of budget plus the one window spent before the first judgement.
        assert!(sent <= 4 * 20_000, "{sent} bytes in the first 3 s");
    }

    #[test]
    fn without_a_budget_the_fps_interval_holds() {
        let start = Instant::now();
        let mut pacer = FramePacer::new(Duration::from_secs(1) / 30, None, start);
        run(&mut pacer, start, 5, 100_000);
        assert_eq!(pacer.interval(), Duration::from_secs(1) / 30);
    }

    #[test]
    fn a_budget_is_kept_after_a_few_seconds_and_released_when_output_shrinks() {
        let start = Instant::now();
        // 30 fps x 4 KB = 120 KB/s against a 20 KB/s budget.
        let mut pacer = FramePacer::new(Duration::from_secs(1) / 30, Some(20_000.0), start);
        let sent = run(&mut pacer, start, 10, 4_000);
        assert!(sent <= 20_000, "last second sent {sent} bytes");
        assert!(pacer.interval() > Duration::from_secs(1) / 30);
        // Output becomes tiny: the interval returns to the fps interval.
        let later = start + Duration::from_secs(10);
        run(&mut pacer, later, 30, 10);
        assert_eq!(pacer.interval(), Duration::from_secs(1) / 30);
    }
}

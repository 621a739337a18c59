//! The show's own frames, for browser viewers: every frame's bytes exactly as the terminal got
//! them, and a full repaint whenever a viewer joins or falls behind.
//!
//! The broadcast holds a few frames; a viewer that cannot keep up misses some, is told so by
//! the channel, asks for a repaint ([`Mirror::want_repaint`]) and skips everything until it
//! arrives. So a slow viewer costs a bounded buffer and never slows the show or other viewers.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::broadcast;

use crate::screen::Screen;

/// Frames held for viewers; one who is further behind resynchronises.
const BACKLOG: usize = 32;

/// What a viewer's terminal receives.
#[derive(Debug)]
pub enum Frame {
    /// Clears the screen and draws all of it, at this size.
    Repaint { cols: u16, rows: u16, data: String },
    /// The change since the previous frame.
    Diff(String),
}

/// A frame and when it was drawn.
#[derive(Debug)]
pub struct Stamped {
    pub at: Duration,
    pub frame: Frame,
}

pub struct Mirror {
    frames: broadcast::Sender<Arc<Stamped>>,
    repaint: AtomicBool,
    /// The size of the last frame sent (width << 16 | height): a new size is sent as a repaint.
    size: AtomicU32,
    viewers: AtomicUsize,
    epoch: Instant,
}

impl Default for Mirror {
    fn default() -> Self {
        Self::new()
    }
}

impl Mirror {
    pub fn new() -> Self {
        Self {
            frames: broadcast::channel(BACKLOG).0,
            repaint: AtomicBool::new(false),
            size: AtomicU32::new(0),
            viewers: AtomicUsize::new(0),
            epoch: Instant::now(),
        }
    }

    /// Called by the show loop once per frame, `drew` telling whether it called
    /// [`Screen::draw`] this time: passes the frame's bytes on, or a full repaint when a viewer
    /// asked for one (also while nothing is drawn, e.g. paused). Costs nothing without viewers.
    pub fn publish<W: Write>(&self, screen: &mut Screen<W>, drew: bool) {
        if self.frames.receiver_count() == 0 {
            return;
        }
        let (cols, rows) = screen.size();
        let size = u32::from(cols) << 16 | u32::from(rows);
        let resized = self.size.swap(size, Ordering::AcqRel) != size;
        let frame = if self.repaint.swap(false, Ordering::AcqRel) || resized {
            let mut data = Vec::new();
            let (cols, rows) = screen.repaint(&mut data);
            Frame::Repaint {
                cols,
                rows,
                data: String::from_utf8_lossy(&data).into_owned(),
            }
        } else if !drew || screen.last_frame().is_empty() {
            return;
        } else {
            Frame::Diff(String::from_utf8_lossy(screen.last_frame()).into_owned())
        };
        let _ = self.frames.send(Arc::new(Stamped {
            at: self.epoch.elapsed(),
            frame,
        }));
    }

    /// Asks the show loop for a full repaint with its next frame.
    pub fn want_repaint(&self) {
        self.repaint.store(true, Ordering::Release);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Stamped>> {
        self.frames.subscribe()
    }

    /// Time since the mirror started, on the frames' clock.
    pub fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    /// Browser viewers watching now.
    pub fn viewers(&self) -> usize {
        self.viewers.load(Ordering::Acquire)
    }

    /// Counts a viewer in if fewer than `max` are watching; the guard counts them out.
    pub fn admit(self: &Arc<Self>, max: usize) -> Option<ViewerSlot> {
        self.viewers
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| ViewerSlot(Arc::clone(self)))
    }
}

/// One admitted viewer.
pub struct ViewerSlot(Arc<Mirror>);

impl Drop for ViewerSlot {
    fn drop(&mut self) {
        self.0.viewers.fetch_sub(1, Ordering::AcqRel);
    }
}

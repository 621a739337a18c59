//! One viewer's showcase: its own [`Show`], overlays, terminal size, keys and frame pacing,
//! drawn through the same [`Screen`] as the local terminal into a byte buffer sent over the
//! channel.
//!
//! Output is budgeted: one rendered frame may wait for the client while the previous one is
//! being sent. When the client is slower than the frame rate (a slow link, or a client that
//! stops reading on purpose) frames are skipped: the show keeps its own time and the client
//! gets the latest state whenever it can take more, so its frame rate drops to what it can
//! absorb and the memory held for it stays at about two frames. The SSH channel window (the
//! client's flow control) is what makes a slow client's sends wait.

use std::time::Duration;

use crossterm::cursor::Hide;
use crossterm::queue;
use crossterm::terminal::{Clear, ClearType, EnterAlternateScreen};
use ratatui::layout::Rect;
use russh::server::{Handle, Msg};
use russh::{ChannelWriteHalf, Disconnect};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior};

use crate::keymap::Action;
use crate::overlay::Overlays;
use crate::screen::{self, Screen};
use crate::show::Show;
use crate::terminal::RESTORE_SEQUENCE;
use vitrine_effects::depth::ColorMapper;

/// Largest screen a client may ask for. A pty request carries any u32 size; the buffers of a
/// 600x200 screen are a few MB, which bounds what one client can make the server allocate.
const MAX_COLS: u32 = 600;
const MAX_ROWS: u32 = 200;

/// How long the goodbye (restore sequence) may take to reach a client before the connection
/// is dropped without it.
pub const FAREWELL_TIMEOUT: Duration = Duration::from_secs(2);

/// The screen area for a size a client sent; 0 means "unknown" in SSH, so it gets 80x24.
pub fn screen_area(cols: u32, rows: u32) -> Rect {
    let pick = |value: u32, default: u16, max: u32| {
        if value == 0 {
            default
        } else {
            value.min(max) as u16
        }
    };
    Rect::new(0, 0, pick(cols, 80, MAX_COLS), pick(rows, 24, MAX_ROWS))
}

/// What a session needs besides its show.
pub struct SessionIo {
    /// Where frames go.
    pub out: ChannelWriteHalf<Msg>,
    /// The connection, to drop it if the client stops reading even the goodbye.
    pub connection: Handle,
    /// Key actions from the client (closed when the client sends EOF or closes the channel).
    pub input: mpsc::Receiver<Action>,
    /// The client's window size (closed when the client closes the channel).
    pub size: watch::Receiver<Rect>,
    /// Becomes true when the server shuts down.
    pub shutdown: watch::Receiver<bool>,
}

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Quit,
    /// `--once` showed every effect.
    Finished,
    Idle,
    Shutdown,
    /// The client closed the channel or the connection.
    Closed,
}

impl End {
    /// A line for the viewer, printed on their normal screen after the restore.
    pub fn farewell(self, idle: Option<Duration>) -> String {
        match self {
            End::Idle => format!(
                "vitrine: closed after {} without a key press.\r\n",
                humantime::format_duration(idle.unwrap_or_default())
            ),
            End::Shutdown => "vitrine: the server is shutting down. Goodbye.\r\n".into(),
            End::Quit | End::Finished | End::Closed => String::new(),
        }
    }
}

/// What happened in a session, for the server log.
#[derive(Debug)]
pub struct Report {
    pub end: End,
    pub frames: u64,
    pub skipped: u64,
    pub bytes: u64,
}

/// Runs one showcase until the viewer quits, the show ends, the session idles out, the client
/// goes away or the server shuts down; then restores the client's terminal and closes the
/// channel. `first` is a key action to carry out before the first frame (the one that made a
/// broadcast viewer's show their own).
pub async fn run(
    mut show: Show,
    io: SessionIo,
    fps: u32,
    colors: ColorMapper,
    idle_timeout: Option<Duration>,
    first: Option<Action>,
) -> Report {
    let SessionIo {
        out,
        connection,
        mut input,
        mut size,
        mut shutdown,
    } = io;
    let mut report = Report {
        end: End::Closed,
        frames: 0,
        skipped: 0,
        bytes: 0,
    };
    let mut screen = Screen::new(Vec::new(), dimensions(*size.borrow_and_update()), colors);
    let _ = queue!(
        screen.writer_mut(),
        EnterAlternateScreen,
        Hide,
        Clear(ClearType::All)
    );
    // A new size waits here until the next frame is drawn, so a client sending window
    // changes by the thousand costs one re-layout per frame and no queued bytes.
    let mut resized = false;
    let (frames, pending) = mpsc::channel::<Vec<u8>>(1);
    let writer = tokio::spawn(write_frames(out, pending));

    let mut overlays = Overlays::new(show.spec());
    if let Some(action) = first {
        screen::apply(action, &mut show, &mut overlays);
    }
    let mut dirty = true;
    let mut input_open = true;
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / fps);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut last = Instant::now();
    // Without a timeout the branch below is disabled and this sleep never polled.
    let idle = tokio::time::sleep(idle_timeout.unwrap_or(Duration::from_secs(86_400)));
    tokio::pin!(idle);

    report.end = loop {
        tokio::select! {
            biased;
            () = async { let _ = shutdown.wait_for(|down| *down).await; } => break End::Shutdown,
            action = input.recv(), if input_open => {
                // No more keys (the client sent EOF): the show goes on without them.
                let Some(action) = action else {
                    input_open = false;
                    continue;
                };
                if let Some(timeout) = idle_timeout {
                    idle.as_mut().reset(Instant::now() + timeout);
                }
                if action == Action::Quit {
                    break End::Quit;
                }
                dirty |= screen::apply(action, &mut show, &mut overlays);
            }
            changed = size.changed() => {
                if changed.is_err() {
                    break End::Closed;
                }
                resized = true;
                dirty = true;
            }
            () = &mut idle, if idle_timeout.is_some() => break End::Idle,
            now = ticker.tick() => {
                let ticked = show.advance(now - last) | overlays.advance(now - last, &show);
                last = now;
                if show.finished() {
                    break End::Finished;
                }
                if !(ticked || dirty) {
                    continue;
                }
                match frames.try_reserve() {
                    Ok(slot) => {
                        if std::mem::take(&mut resized) {
                            screen.resize(dimensions(*size.borrow_and_update()));
                        }
                        let _ = screen.draw(&mut show, &overlays);
                        let bytes = std::mem::take(screen.writer_mut());
                        report.frames += 1;
                        report.bytes += bytes.len() as u64;
                        slot.send(bytes);
                        dirty = false;
                    }
                    // The client has not taken the previous frame yet: skip this one.
                    Err(mpsc::error::TrySendError::Full(())) => report.skipped += 1,
                    Err(mpsc::error::TrySendError::Closed(())) => break End::Closed,
                }
            }
        }
    };

    // Goodbye: the restore sequence after every frame already queued, then the writer closes
    // the channel. A client that does not even take that is disconnected.
    let mut goodbye = RESTORE_SEQUENCE.to_vec();
    goodbye.extend_from_slice(report.end.farewell(idle_timeout).as_bytes());
    let sent = tokio::time::timeout(FAREWELL_TIMEOUT, frames.send(goodbye)).await;
    drop(frames);
    let closed = match sent {
        Ok(_) => tokio::time::timeout(FAREWELL_TIMEOUT, writer).await.is_ok(),
        Err(_) => false,
    };
    if !closed && report.end != End::Closed {
        let _ = connection
            .disconnect(
                Disconnect::ByApplication,
                "client stopped reading".into(),
                String::new(),
            )
            .await;
    }
    report
}

/// The width and height of a client's screen area.
fn dimensions(area: Rect) -> (u16, u16) {
    (area.width, area.height)
}

/// Sends frames in order, waiting on the channel window; when the frame queue closes, ends
/// the channel like a program that exited.
async fn write_frames(out: ChannelWriteHalf<Msg>, mut frames: mpsc::Receiver<Vec<u8>>) {
    while let Some(bytes) = frames.recv().await {
        if out.data_bytes(bytes).await.is_err() {
            return;
        }
    }
    let _ = out.exit_status(0).await;
    let _ = out.eof().await;
    let _ = out.close().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_sizes_are_clamped() {
        assert_eq!(screen_area(0, 0), Rect::new(0, 0, 80, 24));
        assert_eq!(screen_area(100, 30), Rect::new(0, 0, 100, 30));
        assert_eq!(screen_area(u32::MAX, u32::MAX), Rect::new(0, 0, 600, 200));
    }
}

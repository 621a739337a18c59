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

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crossterm::cursor::Hide;
use crossterm::queue;
use crossterm::terminal::{Clear, ClearType, EnterAlternateScreen};
use ratatui::layout::Rect;
use russh::server::{Handle, Msg};
use russh::{ChannelWriteHalf, Disconnect};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, MissedTickBehavior, Sleep};

use crate::keymap::Action;
use crate::overlay::Overlays;
use crate::screen::{self, Screen};
use crate::show::Show;
use crate::spec::ShowSpec;
use crate::terminal::RESTORE_SEQUENCE;
use vitrine_effects::depth::{ColorDepth, ColorMapper};

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

/// The show a viewer watches: `spec`, its lettering drawn for the viewer's colour depth.
pub fn show_for(mut spec: ShowSpec, depth: ColorDepth) -> anyhow::Result<Show> {
    spec.set_depth(depth);
    Show::new(spec)
}

/// What a session needs besides its show.
pub struct SessionIo {
    /// Where frames go (shared with the task that sends them).
    pub out: Arc<ChannelWriteHalf<Msg>>,
    /// The connection, to drop it if the client stops reading even the goodbye.
    pub connection: Handle,
    /// What the viewer and the server do meanwhile.
    pub controls: Controls,
}

/// Key actions, window sizes and the server's shutdown, as one stream of [`Control`]s, with
/// the idle timeout that key presses reset.
pub struct Controls {
    /// Key actions from the client (closed when the client sends EOF or closes the channel).
    input: mpsc::Receiver<Action>,
    /// False once the client sent EOF: no more keys, but the show goes on.
    input_open: bool,
    /// The client's window size (closed when the client closes the channel).
    size: watch::Receiver<Rect>,
    /// Becomes true when the server shuts down.
    shutdown: watch::Receiver<bool>,
    idle_timeout: Option<Duration>,
    idle: Pin<Box<Sleep>>,
}

/// What happened while a session waited for its next frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Key(Action),
    /// The client's window has a new size ([`Controls::size`]).
    Resized,
    /// The session is over.
    End(End),
}

impl Controls {
    pub fn new(
        input: mpsc::Receiver<Action>,
        size: watch::Receiver<Rect>,
        shutdown: watch::Receiver<bool>,
        idle_timeout: Option<Duration>,
    ) -> Self {
        // Without a timeout the sleep is never polled.
        let idle = Box::pin(tokio::time::sleep(
            idle_timeout.unwrap_or(Duration::from_secs(86_400)),
        ));
        Self {
            input,
            input_open: true,
            size,
            shutdown,
            idle_timeout,
            idle,
        }
    }

    /// The client's window size, marked as seen.
    pub fn size(&mut self) -> Rect {
        *self.size.borrow_and_update()
    }

    /// Waits for the next key, resize or reason to end. Cancel-safe.
    pub async fn next(&mut self) -> Control {
        loop {
            let input_open = self.input_open;
            let control = tokio::select! {
                biased;
                _ = self.shutdown.wait_for(|down| *down) => Some(Control::End(End::Shutdown)),
                action = self.input.recv(), if input_open => action.map(Control::Key),
                changed = self.size.changed() => Some(match changed {
                    Ok(()) => Control::Resized,
                    Err(_) => Control::End(End::Closed),
                }),
                () = &mut self.idle, if self.idle_timeout.is_some() => Some(Control::End(End::Idle)),
            };
            match control {
                // No more keys (the client sent EOF): the show goes on without them.
                None => self.input_open = false,
                Some(Control::Key(action)) => {
                    if let Some(timeout) = self.idle_timeout {
                        self.idle.as_mut().reset(Instant::now() + timeout);
                    }
                    return Control::Key(action);
                }
                Some(control) => return control,
            }
        }
    }

    pub fn idle_timeout(&self) -> Option<Duration> {
        self.idle_timeout
    }
}

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum End {
    Quit,
    /// `--once` showed every effect.
    Finished,
    Idle,
    Shutdown,
    /// The client closed the channel or the connection.
    #[default]
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
#[derive(Debug, Default)]
pub struct Report {
    pub end: End,
    pub frames: u64,
    pub skipped: u64,
    pub bytes: u64,
}

impl Report {
    /// Counts one frame of `bytes` sent.
    pub fn sent(&mut self, bytes: usize) {
        self.frames += 1;
        self.bytes += bytes as u64;
    }

    /// This report followed by `later`'s (a broadcast viewer's own show after the fork).
    pub fn then(self, later: Report) -> Report {
        Report {
            frames: self.frames + later.frames,
            skipped: self.skipped + later.skipped,
            bytes: self.bytes + later.bytes,
            ..later
        }
    }
}

/// Ends a showcase on the viewer's side: restores their terminal, says why it ended, and
/// closes the channel like a program that exited. `out` is `None` when the channel can no
/// longer be written. A client that does not take even that within [`FAREWELL_TIMEOUT`] (and
/// has not gone away itself) is disconnected.
pub async fn say_goodbye(
    out: Option<&ChannelWriteHalf<Msg>>,
    connection: &Handle,
    end: End,
    idle: Option<Duration>,
) {
    let said = match out {
        Some(out) => {
            let mut goodbye = RESTORE_SEQUENCE.to_vec();
            goodbye.extend_from_slice(end.farewell(idle).as_bytes());
            let said = tokio::time::timeout(FAREWELL_TIMEOUT, async {
                out.data_bytes(goodbye).await?;
                out.exit_status(0).await?;
                out.eof().await?;
                out.close().await
            });
            matches!(said.await, Ok(Ok(())))
        }
        None => false,
    };
    if !said && end != End::Closed {
        let _ = connection
            .disconnect(
                Disconnect::ByApplication,
                "client stopped reading".into(),
                String::new(),
            )
            .await;
    }
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
    first: Option<Action>,
) -> Report {
    let SessionIo {
        out,
        connection,
        mut controls,
    } = io;
    let mut report = Report::default();
    let mut screen = Screen::new(Vec::new(), dimensions(controls.size()), colors);
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
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / fps);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut last = Instant::now();

    report.end = loop {
        let now = tokio::select! {
            biased;
            control = controls.next() => match control {
                Control::Key(Action::Quit) => break End::Quit,
                Control::Key(action) => {
                    dirty |= screen::apply(action, &mut show, &mut overlays);
                    continue;
                }
                Control::Resized => {
                    resized = true;
                    dirty = true;
                    continue;
                }
                Control::End(end) => break end,
            },
            now = ticker.tick() => now,
        };
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
                    screen.resize(dimensions(controls.size()));
                }
                let _ = screen.draw(&mut show, &overlays);
                let bytes = std::mem::take(screen.writer_mut());
                report.sent(bytes.len());
                slot.send(bytes);
                dirty = false;
            }
            // The client has not taken the previous frame yet: skip this one.
            Err(mpsc::error::TrySendError::Full(())) => report.skipped += 1,
            Err(mpsc::error::TrySendError::Closed(())) => break End::Closed,
        }
    };

    // The goodbye goes after every frame already queued.
    drop(frames);
    let out = match tokio::time::timeout(FAREWELL_TIMEOUT, writer).await {
        Ok(Ok(out)) => out,
        _ => None,
    };
    say_goodbye(
        out.as_deref(),
        &connection,
        report.end,
        controls.idle_timeout(),
    )
    .await;
    report
}

/// The width and height of a client's screen area.
fn dimensions(area: Rect) -> (u16, u16) {
    (area.width, area.height)
}

/// Sends frames in order, waiting on the channel window, until the frame queue closes; gives
/// the channel back then, or `None` if the client stopped taking data.
async fn write_frames(
    out: Arc<ChannelWriteHalf<Msg>>,
    mut frames: mpsc::Receiver<Vec<u8>>,
) -> Option<Arc<ChannelWriteHalf<Msg>>> {
    while let Some(bytes) = frames.recv().await {
        out.data_bytes(bytes).await.ok()?;
    }
    Some(out)
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

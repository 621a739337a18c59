//! Broadcast: viewers of the same show at the same size and colour depth share one simulation
//! and one encoded frame stream, "shared until you touch it".
//!
//! A [`Group`] per size and colour depth runs the show once and encodes each frame once; its
//! viewers hold a cursor into that stream (the number of the last frame they were sent), not a
//! screen. A viewer that kept up gets the frame's difference; one that fell behind (a slow
//! link), just joined, or resized gets a keyframe: the whole current picture, encoded at most
//! once per frame for all who need it. So a slow viewer skips to the latest frame and never
//! holds a queue. A viewer whose size differs joins (or starts) the group of its size: a show
//! of its own, from the same spec and seed.
//!
//! A key that changes the show (next, previous, pause, poke, help) forks: from that moment the
//! viewer runs its own show ([`session::run`]), positioned at the effect the group shows; the
//! other viewers do not notice. (Effects cannot be copied mid-animation, so the fork's effect
//! starts from its beginning.)

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use russh::Disconnect;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};
use vitrine_effects::depth::{ColorDepth, ColorMapper, Dither};

use super::remote::Remote;
use super::session::{self, End, FAREWELL_TIMEOUT, Report, SessionIo};
use crate::dark::{Change, Dark};
use crate::encode::Encoder;
use crate::keymap::Action;
use crate::overlay::Overlays;
use crate::screen::{self, BEGIN_FRAME, END_FRAME};
use crate::show::Show;
use crate::spec::ShowSpec;
use crate::terminal::RESTORE_SEQUENCE;

/// What a viewer's terminal gets first: the alternate screen, cursor hidden.
const ENTER: &[u8] = b"\x1b[?1049h\x1b[?25l";
/// A keyframe starts from a cleared screen in the default colours.
const RESET_AND_CLEAR: &[u8] = b"\x1b[0m\x1b[2J";

/// Every broadcast group of one server.
pub struct Hub {
    spec: ShowSpec,
    fps: u32,
    groups: Mutex<HashMap<GroupKey, Arc<Group>>>,
    /// `--control-socket`: commands for every group.
    remote: Option<Arc<Remote>>,
}

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
struct GroupKey {
    width: u16,
    height: u16,
    depth: ColorDepth,
    dither: Dither,
}

/// One show at one size and colour depth, and its viewers' stream.
struct Group {
    frames: watch::Sender<Arc<Frame>>,
    /// Set by a viewer that needs the whole picture; the next frame brings one.
    want_keyframe: AtomicBool,
}

/// One frame of a group's stream.
#[derive(Debug, Default)]
struct Frame {
    /// Counts from 1; 0 is "nothing yet".
    number: u64,
    /// The change from frame `number - 1`, as one synchronized update.
    diff: Bytes,
    /// The whole picture, when a viewer asked for it.
    keyframe: Option<Bytes>,
    /// The effect on screen, for a viewer that forks.
    effect: &'static str,
    /// The show is over (`--once`).
    finished: bool,
}

/// A viewer's place in a group.
struct Subscription {
    group: Arc<Group>,
    frames: watch::Receiver<Arc<Frame>>,
}

impl Hub {
    pub fn new(spec: ShowSpec, fps: u32, remote: Option<Arc<Remote>>) -> Arc<Self> {
        Arc::new(Self {
            spec,
            fps,
            groups: Mutex::default(),
            remote,
        })
    }

    /// The show a new group (or a viewer's own) starts from: the last config reloaded over
    /// the control socket, else the one the server started with.
    fn spec(&self) -> ShowSpec {
        match &self.remote {
            Some(remote) => remote.spec(&self.spec),
            None => self.spec.clone(),
        }
    }

    /// Joins the group for `area` and `depth`, starting it if there is none.
    fn join(
        self: &Arc<Self>,
        area: Rect,
        depth: ColorDepth,
        dither: Dither,
    ) -> anyhow::Result<Subscription> {
        let key = GroupKey {
            width: area.width,
            height: area.height,
            depth,
            dither,
        };
        let mut groups = self.groups.lock().unwrap_or_else(PoisonError::into_inner);
        let group = match groups.get(&key) {
            Some(group) => group.clone(),
            None => {
                let show = Show::new(self.spec())?;
                let group = Arc::new(Group {
                    frames: watch::Sender::new(Arc::default()),
                    want_keyframe: AtomicBool::new(true),
                });
                groups.insert(key, group.clone());
                tokio::spawn(produce(self.clone(), key, group.clone(), show));
                group
            }
        };
        let frames = group.frames.subscribe();
        Ok(Subscription { group, frames })
    }

    /// Ends `key`'s group if nobody watches it any more; says whether it ended.
    fn retire_if_unwatched(&self, key: GroupKey) -> bool {
        let mut groups = self.groups.lock().unwrap_or_else(PoisonError::into_inner);
        let unwatched = groups
            .get(&key)
            .is_none_or(|group| group.frames.receiver_count() == 0);
        if unwatched {
            groups.remove(&key);
        }
        unwatched
    }

    fn retire(&self, key: GroupKey) {
        self.groups
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&key);
    }
}

/// Runs a group's show until nobody watches it or it is over, publishing each frame.
async fn produce(hub: Arc<Hub>, key: GroupKey, group: Arc<Group>, mut show: Show) {
    let area = Rect::new(0, 0, key.width, key.height);
    let mut colors = ColorMapper::new(key.depth, key.dither);
    let mut overlays = Overlays::new(show.spec());
    let (mut next, mut shown) = (Buffer::empty(area), Buffer::empty(Rect::ZERO));
    let (mut encoder, mut keyframe_encoder) = (Encoder::new(), Encoder::new());
    let mut bytes = Vec::new();
    let mut number = 0;
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / hub.fps);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut last = Instant::now();
    let mut orders = hub.remote.as_ref().map(|remote| remote.subscribe());
    let mut dark = Dark::new(None);
    loop {
        let now = ticker.tick().await;
        if hub.retire_if_unwatched(key) {
            return;
        }
        let ordered = orders.as_mut().is_some_and(|orders| {
            let size = (key.width, key.height);
            let viewers = group.frames.receiver_count();
            orders.carry_out(
                &mut show,
                &mut overlays,
                &mut dark,
                key.depth,
                size,
                viewers,
            )
        });
        let lighting = dark.update(
            std::time::Instant::now(),
            jiff::ZonedDateTime::now().datetime(),
        );
        // A dark screen (`blank`) stands still and, once black, sends nothing.
        let ticked = ordered
            || lighting != Change::None
            || !dark.is_dark() && (show.advance(now - last) | overlays.advance(now - last, &show));
        last = now;
        if show.finished() {
            hub.retire(key);
            group.frames.send_replace(Arc::new(Frame {
                finished: true,
                ..Frame::default()
            }));
            return;
        }
        let keyframe_wanted = group.want_keyframe.swap(false, Ordering::SeqCst);
        if !(ticked || keyframe_wanted) {
            continue;
        }
        if dark.is_dark() {
            if next.area != area {
                next.resize(area);
            }
            next.reset();
        } else {
            screen::compose(&mut next, area, &mut show, &overlays);
        }
        colors.apply(&mut next, area);
        // Every frame stands alone (absolute first move, full first style), since a viewer
        // may have come in through a keyframe written by the other encoder.
        encoder.forget_state();
        bytes.clear();
        encoder.encode((shown.area == area).then_some(&shown), &next, &mut bytes);
        std::mem::swap(&mut next, &mut shown);
        if bytes.is_empty() && !keyframe_wanted {
            continue;
        }
        number += 1;
        let diff = synchronized(&[&bytes]);
        let keyframe = keyframe_wanted.then(|| {
            keyframe_encoder.forget_state();
            bytes.clear();
            keyframe_encoder.encode(None, &shown, &mut bytes);
            synchronized(&[RESET_AND_CLEAR, &bytes])
        });
        group.frames.send_replace(Arc::new(Frame {
            number,
            diff,
            keyframe,
            effect: show.current_name(),
            finished: false,
        }));
    }
}

/// `parts` as one synchronized update (DEC mode 2026).
fn synchronized(parts: &[&[u8]]) -> Bytes {
    let len = parts.iter().map(|p| p.len()).sum::<usize>() + BEGIN_FRAME.len() + END_FRAME.len();
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(BEGIN_FRAME);
    for part in parts {
        out.extend_from_slice(part);
    }
    out.extend_from_slice(END_FRAME);
    out.into()
}

/// Shows a viewer the broadcast until they quit, the show ends, the session idles out, the
/// client goes away or the server shuts down; if they touch the show, it becomes their own.
pub async fn watch(
    hub: Arc<Hub>,
    io: SessionIo,
    depth: ColorDepth,
    dither: Dither,
    idle_timeout: Option<Duration>,
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
    let mut subscription = match hub.join(*size.borrow_and_update(), depth, dither) {
        Ok(subscription) => subscription,
        Err(e) => {
            log::error!("serve: cannot start the show: {e:#}");
            return report;
        }
    };
    if out.data_bytes(Bytes::from_static(ENTER)).await.is_err() {
        return report;
    }
    // The last frame sent, if the viewer's screen follows the stream.
    let mut sent: Option<u64> = None;
    let mut input_open = true;
    let idle = tokio::time::sleep(idle_timeout.unwrap_or(Duration::from_secs(86_400)));
    tokio::pin!(idle);
    let outcome = loop {
        tokio::select! {
            biased;
            () = async { let _ = shutdown.wait_for(|down| *down).await; } => break Ok(End::Shutdown),
            action = input.recv(), if input_open => {
                let Some(action) = action else {
                    input_open = false;
                    continue;
                };
                if let Some(timeout) = idle_timeout {
                    idle.as_mut().reset(Instant::now() + timeout);
                }
                match action {
                    Action::Quit => break Ok(End::Quit),
                    Action::Ignore => {}
                    // Touched: the show becomes this viewer's own.
                    action => break Err(action),
                }
            }
            changed = size.changed() => {
                if changed.is_err() {
                    break Ok(End::Closed);
                }
                match hub.join(*size.borrow_and_update(), depth, dither) {
                    Ok(joined) => subscription = joined,
                    Err(_) => break Ok(End::Closed),
                }
                sent = None;
            }
            () = &mut idle, if idle_timeout.is_some() => break Ok(End::Idle),
            changed = subscription.frames.changed() => {
                if changed.is_err() {
                    break Ok(End::Finished);
                }
                let frame = subscription.frames.borrow_and_update().clone();
                if frame.finished {
                    break Ok(End::Finished);
                }
                let bytes = match (sent, &frame.keyframe) {
                    (Some(last), _) if last + 1 == frame.number => frame.diff.clone(),
                    (_, Some(keyframe)) => keyframe.clone(),
                    // Behind (or new): the whole picture comes with the next frame.
                    (_, None) => {
                        subscription.group.want_keyframe.store(true, Ordering::SeqCst);
                        continue;
                    }
                };
                report.skipped += sent.map_or(0, |last| frame.number.saturating_sub(last + 1));
                report.bytes += bytes.len() as u64;
                report.frames += 1;
                // The client's window (its flow control) may hold this send up; frames that
                // come meanwhile are skipped.
                tokio::select! {
                    sent_ok = out.data_bytes(bytes) => if sent_ok.is_err() { break Ok(End::Closed) },
                    () = async { let _ = shutdown.wait_for(|down| *down).await; } => break Ok(End::Shutdown),
                }
                sent = Some(frame.number);
            }
        }
    };
    let effect = subscription.frames.borrow().effect;
    drop(subscription);
    report.end = match outcome {
        Ok(end) => end,
        Err(action) => {
            // From the effect the group shows (effects cannot be copied mid-animation).
            let Ok(mut show) = Show::new(hub.spec()) else {
                return report;
            };
            for _ in 0..show.spec().items.len() {
                if effect.is_empty() || show.current_name() == effect {
                    break;
                }
                show.next();
            }
            let io = SessionIo {
                out,
                connection,
                input,
                size,
                shutdown,
            };
            let colors = ColorMapper::new(depth, dither);
            let own = session::run(show, io, hub.fps, colors, idle_timeout, Some(action)).await;
            return Report {
                frames: report.frames + own.frames,
                skipped: report.skipped + own.skipped,
                bytes: report.bytes + own.bytes,
                ..own
            };
        }
    };
    let mut goodbye = RESTORE_SEQUENCE.to_vec();
    goodbye.extend_from_slice(report.end.farewell(idle_timeout).as_bytes());
    let said = tokio::time::timeout(FAREWELL_TIMEOUT, async {
        out.data_bytes(goodbye).await?;
        out.exit_status(0).await?;
        out.eof().await?;
        out.close().await
    });
    if !matches!(said.await, Ok(Ok(()))) && report.end != End::Closed {
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

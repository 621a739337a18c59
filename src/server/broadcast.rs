//! Broadcast: viewers of the same show at the same size and colour depth share one simulation
//! and one encoded frame stream, "shared until you touch it".
//!
//! A [`Group`] per size and colour depth runs the show once and encodes each frame once; its
//! viewers hold a cursor into that stream (the number of the last frame they were sent), not a
//! screen. A viewer that kept up gets the frame's difference; one a few frames behind (a busy
//! moment, a slow link) gets the differences since its last frame as one update; one further
//! behind, or that just joined or resized, gets a keyframe: the whole current picture, encoded
//! at most once per frame for all who need it. So a slow viewer skips to the latest frame and
//! never holds a queue, and a late one does not pay for a whole picture. A viewer whose size
//! differs joins (or starts) the group of its size: a show of its own, from the same spec and
//! seed.
//!
//! The group's task hands each frame to every viewer's SSH session itself, without waiting:
//! a session whose queue is full (a client that does not keep up, or a moment when the
//! server is busy) is skipped for that frame and catches up at a later one. So a frame wakes
//! only the sessions that send it, not a task per viewer as well, and the viewers are served
//! in a rotating order, so that when a frame cannot reach everyone at once it is not always
//! the same viewers who get it last.
//!
//! A key that changes the show (next, previous, pause, poke, help) forks: from that moment the
//! viewer runs its own show ([`session::run`]), positioned at the effect the group shows; the
//! other viewers do not notice. (Effects cannot be copied mid-animation, so the fork's effect
//! starts from its beginning.)

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use russh::ChannelId;
use russh::server::Handle;
use tokio::sync::{oneshot, watch};
use tokio::time::{Instant, MissedTickBehavior};
use vitrine_effects::depth::{ColorDepth, ColorMapper, Dither};

use super::remote::Remote;
use super::session::{self, Control, Controls, End, Report, SessionIo, say_goodbye};
use crate::dark::{Change, Dark};
use crate::encode::Encoder;
use crate::keymap::Action;
use crate::overlay::Overlays;
use crate::screen::{self, BEGIN_FRAME, END_FRAME};
use crate::show::Show;
use crate::spec::ShowSpec;

/// What a viewer's terminal gets first: the alternate screen, cursor hidden.
const ENTER: &[u8] = b"\x1b[?1049h\x1b[?25l";
/// A keyframe starts from a cleared screen in the default colours.
const RESET_AND_CLEAR: &[u8] = b"\x1b[0m\x1b[2J";
/// How many frames behind a viewer may be and still catch up through the differences (a few:
/// beyond that they add up to more than the whole picture).
const CATCH_UP: usize = 4;

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
    /// The latest frame (what a viewer who forks reads the effect from).
    frames: watch::Sender<Arc<Frame>>,
    /// Set for a viewer that needs the whole picture; the next frame brings one.
    want_keyframe: AtomicBool,
    /// Who watches, each with its place in the stream.
    seats: Mutex<Vec<Seat>>,
}

impl Group {
    fn seats(&self) -> MutexGuard<'_, Vec<Seat>> {
        self.seats.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A viewer's place in a group: where its frames go and the last one it was sent.
struct Seat {
    number: u64,
    connection: Handle,
    channel: ChannelId,
    /// The last frame handed to the viewer's session, if its screen follows the stream.
    shown: Option<u64>,
    report: Report,
    /// Told why the stream ended for this viewer (the show is over, or the client is gone),
    /// with what it was sent.
    ended: Option<oneshot::Sender<(End, Report)>>,
}

impl Seat {
    /// Hands the viewer's session what brings its screen to `frame`, unless its queue is
    /// full (then the viewer catches up at a later frame). `Err` if the client is gone.
    fn offer(&mut self, frame: &Frame, group: &Group) -> Result<(), ()> {
        if self.shown == Some(frame.number) {
            return Ok(());
        }
        let Some(update) = frame.update_from(self.shown) else {
            // Far behind (or new): the whole picture comes with the next frame.
            group.want_keyframe.store(true, Ordering::SeqCst);
            return Ok(());
        };
        let len = update.len();
        // Outside tokio's budget for one task: a group sends a frame to hundreds of sessions
        // in one go, and a send over budget would look like a full queue.
        let send = tokio::task::unconstrained(self.connection.data(self.channel, update));
        match send.now_or_never() {
            None => Ok(()),
            Some(Err(_)) => Err(()),
            Some(Ok(())) => {
                self.report.skipped += self
                    .shown
                    .map_or(0, |last| frame.number.saturating_sub(last + 1));
                self.report.sent(len);
                self.shown = Some(frame.number);
                Ok(())
            }
        }
    }

    fn end(mut self, end: End) {
        if let Some(ended) = self.ended.take() {
            let _ = ended.send((end, self.report));
        }
    }
}

/// One frame of a group's stream.
#[derive(Debug, Default)]
struct Frame {
    /// Counts from 1; 0 is "nothing yet".
    number: u64,
    /// The differences that led to this frame, each from the frame before it, oldest first:
    /// this frame's last, at most [`CATCH_UP`].
    changes: Vec<Bytes>,
    /// This frame's difference as one synchronized update.
    update: Bytes,
    /// The latest whole picture (from a cleared screen) and the number of its frame, while
    /// [`Frame::changes`] reach back to it.
    keyframe: Option<(u64, Bytes)>,
    /// The effect on screen, for a viewer that forks.
    effect: &'static str,
}

impl Frame {
    /// What brings a screen that shows frame `shown` (`None`: nothing of this stream) to this
    /// one, as one update: the differences since `shown` if there are few, else the latest
    /// whole picture and the differences since it; `None` if neither is in reach.
    fn update_from(&self, shown: Option<u64>) -> Option<Bytes> {
        let since = |frame: u64| usize::try_from(self.number - frame.min(self.number)).ok();
        let changes_since = |frame| {
            let count = since(frame).filter(|&count| count <= self.changes.len())?;
            Some(&self.changes[self.changes.len() - count..])
        };
        match shown.and_then(since) {
            Some(1) => return Some(self.update.clone()),
            Some(_) => {
                if let Some(changes) = shown.and_then(changes_since) {
                    return Some(synchronized(changes));
                }
            }
            None => {}
        }
        let (at, picture) = self.keyframe.as_ref()?;
        let changes = changes_since(*at)?;
        let mut parts = Vec::with_capacity(changes.len() + 1);
        parts.push(picture.clone());
        parts.extend_from_slice(changes);
        Some(synchronized(&parts))
    }
}

/// A viewer's membership of a group, from joining until [`Subscription::leave`].
struct Subscription {
    group: Arc<Group>,
    seat: u64,
    /// Why the stream ended, if it ended on its own, and what it sent.
    ended: oneshot::Receiver<(End, Report)>,
}

impl Subscription {
    /// Leaves the group: once this returns, the group sends the viewer nothing more (what it
    /// sent is already queued in the session, ahead of anything the viewer's task writes).
    /// Returns what was sent.
    fn leave(mut self) -> Report {
        let mut seats = self.group.seats();
        match seats.iter().position(|seat| seat.number == self.seat) {
            Some(at) => seats.swap_remove(at).report,
            // The stream ended meanwhile.
            None => self
                .ended
                .try_recv()
                .map(|(_, sent)| sent)
                .unwrap_or_default(),
        }
    }

    /// The effect on screen (for a viewer who forks).
    fn effect(&self) -> &'static str {
        self.group.frames.borrow().effect
    }
}

/// Numbers every seat of a server, so a viewer finds its own among a group's.
static SEATS: AtomicU64 = AtomicU64::new(0);

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

    /// Joins the group for `area` and `depth`, starting it if there is none; its frames go
    /// to `channel` of `connection`.
    fn join(
        self: &Arc<Self>,
        area: Rect,
        depth: ColorDepth,
        dither: Dither,
        (connection, channel): (&Handle, ChannelId),
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
                let show = session::show_for(self.spec(), depth)?;
                let group = Arc::new(Group {
                    frames: watch::Sender::new(Arc::default()),
                    want_keyframe: AtomicBool::new(true),
                    seats: Mutex::default(),
                });
                groups.insert(key, group.clone());
                tokio::spawn(produce(self.clone(), key, group.clone(), show));
                group
            }
        };
        // Seated while the groups are locked, so the group cannot retire in between; the next
        // frame brings the newcomer the whole picture, even if the show stands still.
        group.want_keyframe.store(true, Ordering::SeqCst);
        let seat = SEATS.fetch_add(1, Ordering::Relaxed);
        let (ended_tx, ended) = oneshot::channel();
        group.seats().push(Seat {
            number: seat,
            connection: connection.clone(),
            channel,
            shown: None,
            report: Report::default(),
            ended: Some(ended_tx),
        });
        Ok(Subscription { group, seat, ended })
    }

    /// Ends `key`'s group if nobody watches it any more; says whether it ended.
    fn retire_if_unwatched(&self, key: GroupKey) -> bool {
        let mut groups = self.groups.lock().unwrap_or_else(PoisonError::into_inner);
        let unwatched = groups
            .get(&key)
            .is_none_or(|group| group.seats().is_empty());
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

    /// A show of a viewer's own, at the item showing `effect` (the one their group shows;
    /// effects cannot be copied mid-animation, so it starts from its beginning).
    fn show_at(&self, depth: ColorDepth, effect: &str) -> anyhow::Result<Show> {
        let mut show = session::show_for(self.spec(), depth)?;
        for _ in 0..show.spec().items.len() {
            if effect.is_empty() || show.current_name() == effect {
                break;
            }
            show.next();
        }
        Ok(show)
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
    let mut recent = VecDeque::with_capacity(CATCH_UP);
    let mut keyframe: Option<(u64, Bytes)> = None;
    let mut number = 0;
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / hub.fps);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut last = Instant::now();
    let mut orders = hub.remote.as_ref().map(|remote| remote.subscribe());
    let mut dark = Dark::new(None);
    // Where the next frame's round of the viewers starts.
    let mut first_seat = 0;
    loop {
        let now = ticker.tick().await;
        if hub.retire_if_unwatched(key) {
            return;
        }
        let ordered = orders.as_mut().is_some_and(|orders| {
            let size = (key.width, key.height);
            let viewers = group.seats().len();
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
        let advanced =
            !dark.is_dark() && (show.advance(now - last) | overlays.advance(now - last, &show));
        let ticked = ordered || lighting != Change::None || advanced;
        last = now;
        if show.finished() {
            hub.retire(key);
            for seat in group.seats().drain(..) {
                seat.end(End::Finished);
            }
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
        let change = Bytes::copy_from_slice(&bytes);
        if recent.len() == CATCH_UP {
            recent.pop_front();
        }
        recent.push_back(change.clone());
        if keyframe_wanted {
            keyframe_encoder.forget_state();
            bytes.clear();
            bytes.extend_from_slice(RESET_AND_CLEAR);
            keyframe_encoder.encode(None, &shown, &mut bytes);
            keyframe = Some((number, Bytes::copy_from_slice(&bytes)));
        }
        // Out of reach once the changes since it are no longer all kept.
        keyframe = keyframe.filter(|(at, _)| number - at <= CATCH_UP as u64);
        let frame = Arc::new(Frame {
            number,
            update: synchronized(&[&change]),
            changes: recent.iter().cloned().collect(),
            keyframe: keyframe.clone(),
            effect: show.current_name(),
        });
        first_seat = hand_out(&frame, &group, first_seat);
        group.frames.send_replace(frame);
    }
}

/// Offers `frame` to every viewer of `group`, starting with seat `first` and going round;
/// a viewer whose client is gone is told so and unseated. Returns where the next round
/// starts: one seat further on, so no viewer is always served last.
fn hand_out(frame: &Frame, group: &Group, first: usize) -> usize {
    let mut seats = group.seats();
    let count = seats.len();
    if count == 0 {
        return 0;
    }
    let first = first % count;
    let mut gone = Vec::new();
    for at in (first..count).chain(0..first) {
        if seats[at].offer(frame, group).is_err() {
            gone.push(at);
        }
    }
    // Highest first, so the positions still to remove stay valid.
    gone.sort_unstable();
    for at in gone.into_iter().rev() {
        seats.swap_remove(at).end(End::Closed);
    }
    first + 1
}

/// `parts` as one synchronized update (DEC mode 2026).
fn synchronized(parts: &[impl AsRef<[u8]>]) -> Bytes {
    let len =
        parts.iter().map(|p| p.as_ref().len()).sum::<usize>() + BEGIN_FRAME.len() + END_FRAME.len();
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(BEGIN_FRAME);
    for part in parts {
        out.extend_from_slice(part.as_ref());
    }
    out.extend_from_slice(END_FRAME);
    out.into()
}

/// Shows a viewer the broadcast until they quit, the show ends, the session idles out, the
/// client goes away or the server shuts down; if they touch the show, it becomes their own.
///
/// The frames reach the viewer from the group's task ([`hand_out`]); this task only waits
/// for the viewer's keys and size, the server's shutdown, and the end of the stream.
pub async fn watch(hub: Arc<Hub>, mut io: SessionIo, depth: ColorDepth, dither: Dither) -> Report {
    let mut report = Report::default();
    if io.out.data_bytes(Bytes::from_static(ENTER)).await.is_err() {
        return report;
    }
    let channel = io.out.id();
    let join = |hub: &Arc<Hub>, area| hub.join(area, depth, dither, (&io.connection, channel));
    let mut subscription = match join(&hub, io.controls.size()) {
        Ok(subscription) => subscription,
        Err(e) => {
            log::error!("serve: cannot start the show: {e:#}");
            return report;
        }
    };
    let (outcome, effect) = loop {
        let control = tokio::select! {
            control = next_control(&mut io.controls) => control,
            ended = &mut subscription.ended => {
                let (end, sent) = ended.unwrap_or_default();
                report = report.then(sent);
                break (Ok(end), "");
            }
        };
        let outcome = match control {
            Control::Resized => {
                report = report.then(subscription.leave());
                match join(&hub, io.controls.size()) {
                    Ok(joined) => subscription = joined,
                    Err(_) => break (Ok(End::Closed), ""),
                }
                continue;
            }
            Control::Key(Action::Quit) => Ok(End::Quit),
            // Touched: the show becomes this viewer's own.
            Control::Key(action) => Err(action),
            Control::End(end) => Ok(end),
        };
        let effect = subscription.effect();
        report = report.then(subscription.leave());
        break (outcome, effect);
    };
    let end = match outcome {
        Ok(end) => end,
        Err(action) => match hub.show_at(depth, effect) {
            Ok(show) => {
                let colors = ColorMapper::new(depth, dither);
                let own = session::run(show, io, hub.fps, colors, Some(action)).await;
                return report.then(own);
            }
            Err(e) => {
                log::error!("serve: cannot start the show: {e:#}");
                End::Finished
            }
        },
    };
    report.end = end;
    say_goodbye(
        Some(&io.out),
        &io.connection,
        end,
        io.controls.idle_timeout(),
    )
    .await;
    report
}

/// The next control that matters to a broadcast viewer (keys bound to nothing are dropped
/// here).
async fn next_control(controls: &mut Controls) -> Control {
    loop {
        match controls.next().await {
            Control::Key(Action::Ignore) => continue,
            control => return control,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(text: &str) -> Option<Bytes> {
        Some(synchronized(&[text]))
    }

    #[test]
    fn a_viewer_behind_gets_one_update_to_the_latest_frame() {
        let frame = Frame {
            number: 10,
            changes: ["7", "8", "9", "10"].map(Bytes::from).to_vec(),
            update: synchronized(&["10"]),
            keyframe: Some((8, Bytes::from_static(b"K8"))),
            ..Frame::default()
        };
        assert_eq!(frame.update_from(Some(9)), update("10"));
        // A few frames behind: the differences since.
        assert_eq!(frame.update_from(Some(7)), update("8910"));
        assert_eq!(frame.update_from(Some(6)), update("78910"));
        // Further behind, or new: the latest whole picture and what changed since.
        assert_eq!(frame.update_from(Some(2)), update("K8910"));
        assert_eq!(frame.update_from(None), update("K8910"));
        // With no whole picture in reach, nothing (the viewer asks for one).
        let frame = Frame {
            keyframe: None,
            ..frame
        };
        assert_eq!(frame.update_from(None), None);
        assert_eq!(frame.update_from(Some(7)), update("8910"));
    }
}

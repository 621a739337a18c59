//! The engine: a playlist of items advanced on a fixed simulation tick.
//!
//! Real time goes in through [`Show::advance`]; effects only ever see fixed steps, so their speed
//! does not depend on the frame rate or machine load, and a seed gives the same frames whether
//! the show runs live, in the recorder or over SSH.
//!
//! Each [`Item`] is an effect with its own params, context, duration, messages and schedule.
//! Items outside their schedule are skipped (see [`eligible`]); moving from one item to the next
//! runs a [`Transition`] during which both effects tick. [`Show::reload`] swaps in a new spec
//! without blanking the screen: the effect on screen keeps running if its item still exists.

use std::time::Duration;

use anyhow::{Result, bail};
use jiff::civil::DateTime;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use vitrine_effects::Effect;

mod say;

use crate::playlist::Playlist;
use crate::spec::{Item, ShowSpec};
use crate::sync;
use crate::transition::{self, Transition};
use crate::wall::Wall;

/// Most simulated time one `advance` call may catch up on; beyond it time is dropped, so a
/// stalled machine (or a suspended laptop) does not spin through minutes of ticks at once.
const MAX_CATCH_UP: Duration = Duration::from_millis(250);

/// Why a synchronised show refuses to change its item or pause.
pub const SYNCHRONISED: &str = "this screen is synchronised (--sync): the wall clock decides \
     what it shows, and next, prev, goto and pause would take it out of step with the others";

/// How often the current item's schedule is checked while it plays.
const SCHEDULE_CHECK: Duration = Duration::from_secs(1);

/// Which items may play at local time `now`: those whose schedule contains it. When none does
/// (every item is scheduled and all windows are closed), every item may, so the screen is never
/// empty.
pub fn eligible(items: &[Item], now: DateTime) -> Vec<bool> {
    let open: Vec<bool> = items.iter().map(|i| i.schedule.contains(now)).collect();
    if open.iter().any(|&o| o) {
        open
    } else {
        vec![true; items.len()]
    }
}

/// The local wall-clock time, for schedules.
fn local_now() -> DateTime {
    jiff::ZonedDateTime::now().datetime()
}

/// UTC time since the Unix epoch.
fn utc_now() -> Duration {
    jiff::Timestamp::now()
        .duration_since(jiff::Timestamp::UNIX_EPOCH)
        .unsigned_abs()
}

/// Where a clock-locked show's time comes from.
enum TimeSource {
    /// The system clock, read at every advance (a live screen or SSH viewer).
    Wall,
    /// A time that advances only by what [`Show::advance`] is given (`record --at`).
    Simulated(Duration),
}

/// A clock-locked show's progress through the current item (see [`crate::sync`]).
struct Locked {
    source: TimeSource,
    /// Which item since the epoch the effect on screen is.
    number: u64,
    /// Ticks the effect on screen has run since its item started.
    ticks: u64,
    /// Whether the effect has caught up with the clock.
    in_step: bool,
    /// The outgoing item's own ticks, still to replay after joining mid-transition.
    preroll: Option<Preroll>,
    /// Frames drawn so far while catching up, since the item was joined at `joined`.
    catch_up_frames: u32,
    joined: std::time::Instant,
    /// Whether the effect has been laid out for the screen. Some effects (confetti) simulate in
    /// screen coordinates, so an effect only ticks once it has been, and every screen of one
    /// size then runs the same simulation however late it joined.
    sized: bool,
}

/// The outgoing effect of a screen that joined during a transition, replaying its item
/// (playlist position `index`) up to its end before it ticks along with the incoming one.
struct Preroll {
    index: usize,
    ticks: u64,
    done: u64,
    /// Which of the item's messages it shows.
    message: usize,
}

/// The item on its way out during a transition.
struct Outgoing {
    effect: Box<dyn Effect>,
    elapsed: Duration,
}

/// A running show.
pub struct Show {
    spec: ShowSpec,
    playlist: Playlist,
    effect: Box<dyn Effect>,
    outgoing: Option<Outgoing>,
    /// The outgoing effect renders here during a transition (reused, resized on demand).
    scratch: Buffer,
    /// How many items have been started; mixes into each item's seed so repeats differ.
    started: u64,
    item_elapsed: Duration,
    message_index: usize,
    message_elapsed: Duration,
    accumulator: Duration,
    paused: bool,
    clock: Box<dyn Fn() -> DateTime + Send>,
    since_schedule_check: Duration,
    /// Changes whenever another item starts or a reload changes the current one.
    item_serial: u64,
    /// Set when the show is clock-locked (`--sync`).
    locked: Option<Locked>,
    /// Where the show was last drawn (a wall's whole canvas); a clock-locked item is laid out
    /// there before its first tick.
    screen: Option<Rect>,
    /// A video wall's whole canvas, which the show renders into before cropping this screen's
    /// tile out of it (reused, resized on demand).
    canvas: Buffer,
    /// An urgent message interrupting the playlist (see [`say`]).
    say: Option<say::Say>,
}

impl Show {
    pub fn new(spec: ShowSpec) -> Result<Self> {
        Self::with_clock(spec, Box::new(local_now))
    }

    /// A show whose schedules read local time from `clock` (tests pass a fixed time).
    pub fn with_clock(spec: ShowSpec, clock: Box<dyn Fn() -> DateTime + Send>) -> Result<Self> {
        spec.validate()?;
        let mut playlist = Playlist::new(spec.items.len(), spec.shuffle, spec.once, spec.seed);
        let open = eligible(&spec.items, clock());
        if !open[playlist.current()] {
            playlist.seek(open.iter().position(|&o| o).unwrap_or(0));
        }
        // The first item runs with the seed exactly, so `record --seed N` matches the library.
        let effect = spec.items[playlist.current()].build(spec.seed, 0)?;
        Ok(Self {
            spec,
            playlist,
            effect,
            outgoing: None,
            scratch: Buffer::empty(Rect::ZERO),
            started: 1,
            item_elapsed: Duration::ZERO,
            message_index: 0,
            message_elapsed: Duration::ZERO,
            accumulator: Duration::ZERO,
            paused: false,
            clock,
            since_schedule_check: Duration::ZERO,
            item_serial: 0,
            locked: None,
            screen: None,
            canvas: Buffer::empty(Rect::ZERO),
            say: None,
        })
        .map(|mut show| {
            if show.spec.sync {
                show.lock(TimeSource::Wall);
            }
            show
        })
    }

    /// A clock-locked show as a screen shows it from `at` on, with time advancing only by
    /// what [`Show::advance`] is given. Draw it once (so it knows the screen's size), then
    /// [`Show::catch_up`].
    pub fn at(mut spec: ShowSpec, at: jiff::Timestamp) -> Result<Self> {
        spec.sync = true;
        let mut show = Self::new(spec)?;
        let since_epoch = at.duration_since(jiff::Timestamp::UNIX_EPOCH);
        if since_epoch.is_negative() {
            anyhow::bail!("--at {at} is before 1970; pick a later time");
        }
        show.lock(TimeSource::Simulated(since_epoch.unsigned_abs()));
        Ok(show)
    }

    /// Runs a clock-locked show's whole backlog at once (a recording has no screen to keep
    /// alive). Does nothing before the show has been drawn once or when it is not locked.
    pub fn catch_up(&mut self) {
        while self.locked.as_ref().is_some_and(|l| l.sized && !l.in_step) {
            self.advance(Duration::ZERO);
        }
    }

    /// Locks the show to `source`'s time: starts the item on screen then, from its start.
    fn lock(&mut self, source: TimeSource) {
        self.locked = Some(Locked {
            source,
            number: 0,
            ticks: 0,
            in_step: false,
            preroll: None,
            catch_up_frames: 0,
            joined: std::time::Instant::now(),
            sized: false,
        });
        self.join(false);
    }

    /// Whether a clock-locked show has caught up with the clock (always true otherwise).
    pub fn in_step(&self) -> bool {
        self.locked.as_ref().is_none_or(|l| l.in_step)
    }

    /// The clock-locked time now.
    fn locked_time(&self, real: Duration) -> Duration {
        match self.locked.as_ref().map(|l| &l.source) {
            Some(TimeSource::Simulated(time)) => *time + real,
            _ => utc_now(),
        }
    }

    /// Starts the item the clock says is on screen, from its start (its ticks are caught up
    /// by [`Show::advance_locked`]); with a transition from the old one when `transition`.
    /// Joining during the transition into an item (a start or restart then) rebuilds the
    /// outgoing item too, to be replayed to its end first ([`Preroll`]), so the screen shows
    /// the transition the others show.
    fn join(&mut self, transition: bool) {
        let point = sync::locate(&self.spec.items, self.locked_time(Duration::ZERO));
        let items = self.spec.items.len();
        let mid_transition = !transition
            && self.spec.transition != Transition::None
            && point.elapsed < self.spec.transition_time
            && point.number > 0;
        self.outgoing = None;
        let mut preroll = None;
        if mid_transition {
            let index = (point.index + items - 1) % items;
            self.playlist.seek(index);
            self.started = point.number - 1;
            self.message_index = 0;
            self.switch();
            let item = &self.spec.items[index];
            preroll = Some(Preroll {
                index,
                ticks: sync::ticks_at(item.duration, item.speed, self.spec.tick),
                done: 0,
                message: 0,
            });
        }
        self.playlist.seek(point.index);
        self.started = point.number;
        self.message_index = 0;
        self.switch();
        if !transition && !mid_transition {
            self.outgoing = None;
        }
        let sized = match self.screen {
            Some(area) => {
                if self.scratch.area != area {
                    self.scratch.resize(area);
                }
                self.effect.render(area, &mut self.scratch);
                if let (Some(out), Some(_)) = (&mut self.outgoing, &preroll) {
                    out.effect.render(area, &mut self.scratch);
                }
                true
            }
            None => false,
        };
        if let Some(locked) = &mut self.locked {
            locked.number = point.number;
            locked.ticks = 0;
            locked.preroll = preroll;
            locked.in_step = false;
            locked.catch_up_frames = 0;
            locked.joined = std::time::Instant::now();
            locked.sized = sized;
        }
    }

    /// [`Show::advance`] for a clock-locked show.
    fn advance_locked(&mut self, real: Duration) -> bool {
        // A `say` message is this screen's own: it shows over the show, which keeps the
        // clock's time underneath, so the screen is in step again when the message ends.
        let said = match &mut self.say {
            Some(say) => {
                let ticked = say.advance(real, self.spec.tick);
                if say.left.is_zero() {
                    self.say = None;
                }
                ticked || self.say.is_none()
            }
            None => false,
        };
        self.advance_clock(real) || said
    }

    /// Moves a clock-locked show to the item the clock says and runs its effect's ticks up to
    /// the clock's, at most [`sync::MAX_CATCH_UP_TICKS`].
    fn advance_clock(&mut self, real: Duration) -> bool {
        let now = self.locked_time(real);
        let Some(locked) = &mut self.locked else {
            return false;
        };
        if let TimeSource::Simulated(time) = &mut locked.source {
            *time = now;
        }
        let point = sync::locate(&self.spec.items, now);
        let mut ticked = false;
        if point.number != locked.number {
            // The next item with a transition; anything else (a clock step, a long stall) starts
            // the right item outright.
            let next = point.number == locked.number.wrapping_add(1) && locked.in_step;
            if next {
                // The outgoing effect first plays to its item's end, so it leaves in the same
                // state whenever this screen's last frame before the change was drawn.
                let old = self.playlist.current();
                let item = &self.spec.items[old];
                self.run_ticks(
                    old,
                    sync::ticks_at(item.duration, item.speed, self.spec.tick),
                );
            }
            self.join(next);
            ticked = true;
        }
        let item = &self.spec.items[point.index];
        let target = sync::ticks_at(point.elapsed, item.speed, self.spec.tick);
        let Some(locked) = &self.locked else {
            return ticked;
        };
        if !locked.sized {
            // Drawn first (which lays it out), then caught up.
            return true;
        }
        if target < locked.ticks {
            // The clock went back within the item: replay it from its start.
            self.join(false);
            return true;
        }
        let todo = self.run_ticks(point.index, target);
        let Some(locked) = &mut self.locked else {
            return ticked;
        };
        let was_in_step = locked.in_step;
        locked.in_step = locked.ticks == target && locked.preroll.is_none();
        if !locked.in_step {
            locked.catch_up_frames += 1;
        } else if !was_in_step && locked.catch_up_frames > 0 {
            // Worth a line when joining took more than a frame (a start or restart mid-item).
            log::info!(
                "in step with the clock: replayed {} ticks in {} frames, {:.2} s",
                locked.ticks,
                locked.catch_up_frames + 1,
                locked.joined.elapsed().as_secs_f64()
            );
            locked.catch_up_frames = 0;
        }
        if let Some(out) = &mut self.outgoing {
            // The transition runs on the clock too: it is as far on as the item is.
            out.elapsed = point.elapsed;
            if out.elapsed >= self.spec.transition_time {
                self.outgoing = None;
            }
            ticked = true;
        }
        ticked || todo > 0
    }

    /// Runs the clock-locked effect on screen (item `index`), and the outgoing one with it, on
    /// towards tick `target` of the item, at most [`sync::MAX_CATCH_UP_TICKS`] of them or
    /// [`sync::MAX_CATCH_UP_TIME`]'s worth, with the item's messages changing at their ticks.
    /// Returns how many ticks ran.
    fn run_ticks(&mut self, index: usize, target: u64) -> u64 {
        let Some(locked) = &mut self.locked else {
            return 0;
        };
        let started = std::time::Instant::now();
        let over_budget = |done: u64| {
            done > 0
                && done.is_multiple_of(sync::TICKS_PER_TIME_CHECK)
                && started.elapsed() >= sync::MAX_CATCH_UP_TIME
        };
        let mut done = 0;
        if let (Some(preroll), Some(out)) = (&mut locked.preroll, &mut self.outgoing) {
            let item = &self.spec.items[preroll.index];
            while preroll.done < preroll.ticks {
                if done == sync::MAX_CATCH_UP_TICKS || over_budget(done) {
                    return done;
                }
                let message = sync::message_at(item, preroll.done, self.spec.tick);
                if message != preroll.message {
                    preroll.message = message;
                    out.effect.set_message(item.message(message));
                }
                out.effect.tick(self.spec.tick);
                preroll.done += 1;
                done += 1;
            }
        }
        locked.preroll = None;
        let item = &self.spec.items[index];
        let todo = target
            .saturating_sub(locked.ticks)
            .min(sync::MAX_CATCH_UP_TICKS - done);
        for _ in 0..todo {
            if over_budget(done) {
                return done;
            }
            let message = sync::message_at(item, locked.ticks, self.spec.tick);
            if message != self.message_index {
                self.message_index = message;
                self.effect.set_message(item.message(message));
                self.item_serial += 1;
            }
            self.effect.tick(self.spec.tick);
            if let Some(out) = &mut self.outgoing {
                out.effect.tick(self.spec.tick);
            }
            locked.ticks += 1;
            done += 1;
        }
        done
    }

    /// Lets `real` time pass: runs as many fixed ticks as fit, rotates messages and moves on to
    /// the next item when the current one has had its time (or its schedule window closed).
    /// Returns whether anything advanced (nothing does while paused, so a paused screen need
    /// not be redrawn).
    pub fn advance(&mut self, real: Duration) -> bool {
        if self.locked.is_some() {
            return self.advance_locked(real);
        }
        if self.paused || self.finished() {
            return false;
        }
        let real = real.min(MAX_CATCH_UP);
        if let Some(say) = &mut self.say {
            // The playlist stands still under the message, to resume where it was.
            let ticked = say.advance(real, self.spec.tick);
            if say.left.is_zero() {
                self.say = None;
                return true;
            }
            return ticked;
        }
        let item = &self.spec.items[self.playlist.current()];
        self.accumulator += real.mul_f32(item.speed);
        let mut ticked = false;
        while self.accumulator >= self.spec.tick {
            self.accumulator -= self.spec.tick;
            self.effect.tick(self.spec.tick);
            if let Some(out) = &mut self.outgoing {
                out.effect.tick(self.spec.tick);
            }
            ticked = true;
        }
        if let Some(out) = &mut self.outgoing {
            out.elapsed += real;
            ticked = true;
            if out.elapsed >= self.spec.transition_time {
                self.outgoing = None;
            }
        }
        self.message_elapsed += real;
        if item.messages.len() > 1 && self.message_elapsed >= item.message_interval {
            self.message_elapsed = Duration::ZERO;
            self.message_index = (self.message_index + 1) % item.messages.len();
            self.effect.set_message(item.message(self.message_index));
        }
        self.item_elapsed += real;
        self.since_schedule_check += real;
        if self.item_elapsed >= item.duration {
            if self.spec.items.len() == 1 && !self.spec.once {
                // A one-item playlist keeps its effect running (a defrag pass takes minutes)
                // rather than restarting it every --duration.
                self.item_elapsed = Duration::ZERO;
            } else {
                self.next();
            }
        } else if self.since_schedule_check >= SCHEDULE_CHECK {
            self.since_schedule_check = Duration::ZERO;
            let open = eligible(&self.spec.items, (self.clock)());
            if !open[self.playlist.current()] {
                self.next();
            }
        }
        ticked
    }

    /// Draws the current effect into `area` of `buf`; during a transition, the outgoing effect
    /// composited over it. A wall's tile is cut out of the whole wall's picture.
    pub fn render(&mut self, area: Rect, buf: &mut Buffer) {
        let Some(wall) = self.spec.wall else {
            return self.render_whole(area, buf);
        };
        let (canvas_area, tile) = wall.layout((area.width, area.height));
        let mut canvas = std::mem::take(&mut self.canvas);
        if canvas.area != canvas_area {
            canvas.resize(canvas_area);
        }
        self.render_whole(canvas_area, &mut canvas);
        Wall::crop(&canvas, tile, area, buf);
        self.canvas = canvas;
    }

    /// Draws the show, the whole of it, into `area` of `buf`.
    fn render_whole(&mut self, area: Rect, buf: &mut Buffer) {
        self.screen = Some(area);
        if let Some(locked) = &mut self.locked {
            locked.sized = true;
        }
        if let Some(say) = &mut self.say {
            say.effect.render(area, buf);
            return;
        }
        self.effect.render(area, buf);
        if let Some(out) = &mut self.outgoing {
            let area = area.intersection(buf.area);
            if self.scratch.area != area {
                self.scratch.resize(area);
            }
            out.effect.render(area, &mut self.scratch);
            let progress = out.elapsed.as_secs_f32() / self.spec.transition_time.as_secs_f32();
            transition::composite(
                self.spec.transition,
                progress,
                self.spec.seed ^ self.started,
                &self.scratch,
                buf,
                area,
            );
        }
    }

    /// Moves on to the next item that may play now (the end of a `--once` pass finishes).
    pub fn next(&mut self) {
        if self.locked.is_some() {
            // The clock decides what a synchronised screen shows.
            return;
        }
        let open = eligible(&self.spec.items, (self.clock)());
        for _ in 0..open.len() {
            self.playlist.next();
            if self.playlist.finished() {
                return;
            }
            if open[self.playlist.current()] {
                break;
            }
        }
        self.switch();
    }

    /// Goes back to the previous item that may play now.
    pub fn previous(&mut self) {
        if self.locked.is_some() {
            return;
        }
        let open = eligible(&self.spec.items, (self.clock)());
        for _ in 0..open.len() {
            self.playlist.previous();
            if open[self.playlist.current()] {
                break;
            }
        }
        self.switch();
    }

    pub fn toggle_pause(&mut self) {
        self.paused = !self.paused && self.locked.is_none();
    }

    pub fn set_paused(&mut self, paused: bool) {
        self.paused = paused && self.locked.is_none();
    }

    /// Whether the wall clock decides what this show shows (`--sync`): then next, previous,
    /// goto and pause do nothing, or it would fall out of step with the other screens.
    pub fn synchronised(&self) -> bool {
        self.locked.is_some()
    }

    /// Jumps to an item named by its effect (the first such item) or its position (1 is the
    /// first). An item outside its schedule now cannot be shown.
    pub fn goto(&mut self, item: &str) -> Result<()> {
        if self.synchronised() {
            bail!("{SYNCHRONISED}");
        }
        let item = item.trim();
        let items = &self.spec.items;
        let index = match item.parse::<usize>() {
            Ok(n) if (1..=items.len()).contains(&n) => n - 1,
            Ok(n) => bail!("no item {n}: the playlist has {} item(s)", items.len()),
            Err(_) => items.iter().position(|i| i.shows(item)).ok_or_else(|| {
                let names: Vec<String> = items.iter().map(|i| i.name()).collect();
                anyhow::anyhow!(
                    "no item shows '{item}' (the playlist: {})",
                    names.join(", ")
                )
            })?,
        };
        if !eligible(items, (self.clock)())[index] {
            bail!("item {} is outside its schedule now", index + 1);
        }
        self.playlist.seek(index);
        self.switch();
        Ok(())
    }

    /// The current item's position (0-based) in the playlist.
    pub fn position(&self) -> usize {
        self.playlist.current()
    }

    /// How long until the playlist moves on; `None` when it does not (a single item that
    /// keeps running).
    pub fn time_left(&self) -> Option<Duration> {
        if self.spec.items.len() == 1 && !self.spec.once {
            return None;
        }
        let item = &self.spec.items[self.playlist.current()];
        let elapsed = match self.locked {
            Some(_) => sync::locate(&self.spec.items, self.locked_time(Duration::ZERO)).elapsed,
            None => self.item_elapsed,
        };
        Some(item.duration.saturating_sub(elapsed))
    }

    /// The style the current item runs in, if it has one.
    pub fn style(&self) -> Option<&str> {
        self.spec.items[self.playlist.current()]
            .context()
            .style
            .as_deref()
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    pub fn poke(&mut self) {
        self.effect.poke();
    }

    /// Whether `--once` has shown every item.
    pub fn finished(&self) -> bool {
        self.playlist.finished()
    }

    /// Name of the effect on screen.
    pub fn current_name(&self) -> &'static str {
        self.effect.name()
    }

    /// The spec in force (the last good one after a failed reload).
    pub fn spec(&self) -> &ShowSpec {
        &self.spec
    }

    /// The item on screen (the incoming one during a transition).
    pub fn item(&self) -> &Item {
        &self.spec.items[self.playlist.current()]
    }

    /// A number that changes whenever another item starts or a reload changes the item on
    /// screen (e.g. its messages), so overlays know when to look at [`Show::item`] again.
    pub fn item_serial(&self) -> u64 {
        self.item_serial
    }

    /// Swaps in a new spec without blanking the screen. If the item on screen still exists (same
    /// effect, context and params) it keeps running, with its new messages; otherwise the show
    /// transitions to the first item of the new playlist that may play now.
    pub fn reload(&mut self, spec: ShowSpec) -> Result<()> {
        spec.validate()?;
        if spec.sync {
            self.reload_locked(spec);
            return Ok(());
        }
        self.locked = None;
        let current = &self.spec.items[self.playlist.current()];
        let old_message = current.message(self.message_index).to_string();
        let kept = spec.items.iter().position(|i| i.same_effect(current));
        let open = eligible(&spec.items, (self.clock)());
        self.playlist = Playlist::new(spec.items.len(), spec.shuffle, spec.once, spec.seed);
        self.spec = spec;
        match kept {
            Some(index) if open[index] => {
                self.playlist.seek(index);
                let item = &self.spec.items[index];
                self.message_index %= item.messages.len().max(1);
                let message = item.message(self.message_index);
                if message != old_message {
                    self.effect.set_message(message);
                }
                self.item_serial += 1;
            }
            _ => {
                self.playlist
                    .seek(open.iter().position(|&o| o).unwrap_or(0));
                self.switch();
            }
        }
        Ok(())
    }

    /// [`Show::reload`] of a clock-locked show. When only messages changed, the effect keeps
    /// running; any change to the timing (items, durations, intervals, speed, tick) moves the
    /// show to where the new config says it is.
    fn reload_locked(&mut self, spec: ShowSpec) {
        let same_timing = spec.tick == self.spec.tick
            && spec.items.len() == self.spec.items.len()
            && spec.items.iter().zip(&self.spec.items).all(|(new, old)| {
                new.same_effect(old)
                    && new.duration == old.duration
                    && new.message_interval == old.message_interval
            });
        let current = self.playlist.current();
        let old_message = self.spec.items[current]
            .message(self.message_index)
            .to_string();
        self.playlist = Playlist::new(spec.items.len(), false, false, spec.seed);
        let seed_changed = spec.seed != self.spec.seed;
        self.spec = spec;
        if self.locked.is_none() {
            self.lock(TimeSource::Wall);
        } else if same_timing && !seed_changed {
            self.playlist.seek(current);
            let message = self.spec.items[current].message(self.message_index);
            if message != old_message {
                self.effect.set_message(message);
            }
            self.item_serial += 1;
        } else {
            self.join(true);
        }
    }

    /// The current item's message on screen.
    pub fn message(&self) -> &str {
        self.spec.items[self.playlist.current()].message(self.message_index)
    }

    /// Starts the playlist's current item, handing the old effect to a transition.
    fn switch(&mut self) {
        let seed = self
            .spec
            .seed
            .wrapping_add(self.started.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        // Every item was built once in `validate`, so building again cannot fail; keep the old
        // effect if it somehow does rather than blank the screen.
        if let Ok(effect) = self.spec.items[self.playlist.current()].build(seed, self.message_index)
        {
            log::debug!("now showing {}", effect.name());
            let old = std::mem::replace(&mut self.effect, effect);
            if self.spec.transition != Transition::None {
                self.outgoing = Some(Outgoing {
                    effect: old,
                    elapsed: Duration::ZERO,
                });
            }
        }
        self.started += 1;
        self.item_elapsed = Duration::ZERO;
        self.since_schedule_check = Duration::ZERO;
        self.item_serial += 1;
    }
}

#[cfg(test)]
pub mod tests {
    use jiff::civil::date;
    use vitrine_effects::registry;
    use vitrine_effects::{Context, Params};

    use super::*;
    use crate::schedule::Schedule;
    use crate::spec::{Layer, Source};

    /// An item with test defaults: 2 s long, messages "One" and "Two" rotating every second.
    pub fn item(name: &str) -> Item {
        Item {
            layers: vec![Layer {
                source: Source::Effect(registry::find(name).unwrap()),
                context: Context::new(0, ""),
                params: Params::default(),
            }],
            logo: None,
            duration: Duration::from_secs(2),
            messages: vec!["One".into(), "Two".into()],
            message_interval: Duration::from_secs(1),
            speed: 1.0,
            schedule: Schedule::default(),
        }
    }

    pub fn spec(names: &[&str]) -> ShowSpec {
        ShowSpec {
            items: names.iter().map(|n| item(n)).collect(),
            shuffle: false,
            once: false,
            seed: 5,
            tick: Duration::from_micros(16_667),
            transition: Transition::None,
            transition_time: Duration::from_millis(500),
            clock: false,
            ticker: false,
            sync: false,
            wall: None,
        }
    }

    fn schedule(text: &str) -> Schedule {
        let table: toml::Table = toml::from_str(text).unwrap();
        Schedule::from_toml(table["schedule"].clone()).unwrap()
    }

    /// Friday 2025-03-14 at `h`:`m`.
    fn friday(h: i8, m: i8) -> DateTime {
        date(2025, 3, 14).at(h, m, 0, 0)
    }

    #[test]
    fn fixed_ticks_do_not_depend_on_frame_rate() {
        // 1 s at 10 fps and 1 s at 100 fps must both give 60 ticks' worth of advance.
        for fps in [10u32, 100] {
            let mut show = Show::new(spec(&["glitch"])).unwrap();
            let frame = Duration::from_secs(1) / fps;
            let ticks: u32 = (0..fps).map(|_| u32::from(show.advance(frame))).sum();
            assert!(ticks > 0);
            assert!(
                show.accumulator < show.spec.tick,
                "leftover must be below one tick"
            );
        }
    }

    #[test]
    fn items_and_messages_rotate_on_real_time() {
        let mut show = Show::new(spec(&["glitch", "defrag"])).unwrap();
        assert_eq!(show.current_name(), "glitch");
        for _ in 0..10 {
            show.advance(Duration::from_millis(110));
        }
        assert_eq!(show.message(), "Two");
        for _ in 0..10 {
            show.advance(Duration::from_millis(100));
        }
        assert_eq!(show.current_name(), "defrag");
        show.previous();
        assert_eq!(show.current_name(), "glitch");
    }

    #[test]
    fn a_single_item_keeps_running_past_its_duration() {
        let mut show = Show::new(spec(&["defrag"])).unwrap();
        let started = show.started;
        for _ in 0..50 {
            show.advance(Duration::from_millis(100));
        }
        assert_eq!(show.started, started, "the effect must not be rebuilt");
        let mut once = spec(&["defrag"]);
        once.once = true;
        let mut show = Show::new(once).unwrap();
        for _ in 0..25 {
            show.advance(Duration::from_millis(100));
        }
        assert!(show.finished());
    }

    #[test]
    fn each_item_has_its_own_duration_and_messages() {
        let mut s = spec(&["glitch", "defrag"]);
        s.items[0].duration = Duration::from_millis(500);
        s.items[1].messages = vec!["Only".into()];
        let mut show = Show::new(s).unwrap();
        show.advance(Duration::from_millis(250));
        show.advance(Duration::from_millis(250));
        assert_eq!(show.current_name(), "defrag");
        assert_eq!(show.message(), "Only");
        assert_eq!(show.item().messages, ["Only"]);
    }

    #[test]
    fn pause_stops_time_and_once_finishes() {
        let mut s = spec(&["glitch", "water"]);
        s.once = true;
        let mut show = Show::new(s).unwrap();
        show.toggle_pause();
        assert!(!show.advance(Duration::from_secs(10)));
        assert_eq!(show.current_name(), "glitch");
        show.toggle_pause();
        for _ in 0..50 {
            show.advance(Duration::from_millis(200));
        }
        assert!(show.finished());
        assert!(!show.advance(Duration::from_millis(200)));
    }

    #[test]
    fn rejects_unknown_effects_and_styles() {
        let mut s = spec(&["defrag"]);
        s.items[0].layers[0].context.style = Some("strobe".into());
        let err = Show::new(s).err().unwrap().to_string();
        assert!(err.contains("unknown --style 'strobe'"), "{err}");
        // Fine when another chosen effect has the style.
        let mut s = spec(&["defrag", "glitch"]);
        for item in &mut s.items {
            item.layers[0].context.style = Some("strobe".into());
        }
        assert!(Show::new(s).is_ok());
    }

    #[test]
    fn renders_at_any_size_including_zero() {
        let mut s = spec(&["glitch", "confetti", "water", "defrag"]);
        s.transition = Transition::Dissolve;
        let mut show = Show::new(s).unwrap();
        for (w, h) in [(80, 24), (0, 0), (1, 1), (300, 100), (2, 1)] {
            for _ in 0..4 {
                show.advance(Duration::from_millis(40));
                let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
                show.render(buf.area, &mut buf);
                show.next();
            }
        }
    }

    #[test]
    fn schedules_pick_items_by_local_time() {
        let mut s = spec(&["glitch", "confetti", "defrag"]);
        s.items[1].schedule =
            schedule(r#"schedule = { days = ["fri"], from = "16:00", to = "18:00" }"#);
        s.items[2].schedule = schedule(r#"schedule = { days = "weekdays", from = "08:00" }"#);
        let names = |now: DateTime| -> Vec<String> {
            eligible(&s.items, now)
                .iter()
                .zip(&s.items)
                .filter(|(open, _)| **open)
                .map(|(_, i)| i.name())
                .collect()
        };
        assert_eq!(names(friday(7, 0)), ["glitch"]);
        assert_eq!(names(friday(16, 30)), ["glitch", "confetti", "defrag"]);
        assert_eq!(names(friday(18, 0)), ["glitch", "defrag"]);
        assert_eq!(names(date(2025, 3, 15).at(17, 0, 0, 0)), ["glitch"]);

        // A show at Friday 7:00 plays only glitch, item after item.
        let mut show = Show::with_clock(s.clone(), Box::new(|| friday(7, 0))).unwrap();
        for _ in 0..3 {
            assert_eq!(show.current_name(), "glitch");
            show.next();
        }
        // At 16:30 it goes through all three.
        let mut show = Show::with_clock(s, Box::new(|| friday(16, 30))).unwrap();
        let mut seen = vec![];
        for _ in 0..3 {
            seen.push(show.current_name());
            show.next();
        }
        assert_eq!(seen, ["glitch", "confetti", "defrag"]);
    }

    #[test]
    fn every_item_scheduled_and_closed_falls_back_to_all() {
        let mut s = spec(&["glitch", "confetti"]);
        for item in &mut s.items {
            item.schedule = schedule(r#"schedule = { days = "sat" }"#);
        }
        assert_eq!(eligible(&s.items, friday(12, 0)), [true, true]);
        let mut show = Show::with_clock(s, Box::new(|| friday(12, 0))).unwrap();
        show.next();
        assert_eq!(show.current_name(), "confetti");
    }

    #[test]
    fn item_leaves_when_its_window_closes() {
        use std::sync::atomic::{AtomicI8, Ordering};
        static HOUR: AtomicI8 = AtomicI8::new(16);
        let mut s = spec(&["confetti", "glitch"]);
        s.items[0].duration = Duration::from_secs(3600);
        s.items[0].schedule = schedule(r#"schedule = { from = "16:00", to = "17:00" }"#);
        let mut show =
            Show::with_clock(s, Box::new(|| friday(HOUR.load(Ordering::Relaxed), 59))).unwrap();
        show.advance(Duration::from_millis(200));
        assert_eq!(show.current_name(), "confetti");
        HOUR.store(17, Ordering::Relaxed);
        for _ in 0..6 {
            show.advance(Duration::from_millis(200));
        }
        assert_eq!(show.current_name(), "glitch");
    }

    #[test]
    fn halfway_through_a_wipe_the_left_half_is_new_and_the_right_half_old() {
        let mut s = spec(&["glitch", "defrag"]);
        s.transition = Transition::Wipe;
        s.transition_time = Duration::from_millis(400);
        s.items[0].messages = vec!["OLD".into()];
        s.items[1].messages = vec!["NEW".into()];
        let mut show = Show::new(s).unwrap();
        let area = Rect::new(0, 0, 60, 12);
        show.next();
        show.advance(Duration::from_millis(200));
        let mut frame = Buffer::empty(area);
        show.render(area, &mut frame);
        let mut new_only = Buffer::empty(area);
        show.effect.render(area, &mut new_only);
        let mut old_only = Buffer::empty(area);
        let outgoing = show.outgoing.as_mut().expect("mid-transition");
        outgoing.effect.render(area, &mut old_only);
        assert_ne!(new_only, old_only);
        for (x, y) in area.positions().map(|p| (p.x, p.y)) {
            let expected = if x < 30 { &new_only } else { &old_only };
            assert_eq!(frame[(x, y)], expected[(x, y)], "cell {x},{y}");
        }
        show.advance(Duration::from_millis(200));
        assert!(show.outgoing.is_none(), "the transition is over");
    }

    /// A stack of layers is one item: named by its layers, found by any of them, moved
    /// past, back to and paused as a whole.
    #[test]
    fn a_layered_item_is_one_item() {
        let mut s = spec(&["defrag", "water"]);
        let confetti = item("confetti").layers.remove(0);
        s.items[0].layers.push(confetti);
        let mut show = Show::new(s).unwrap();
        assert_eq!(show.on_screen(), "defrag+confetti");
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 12));
        show.render(buf.area, &mut buf);
        show.next();
        assert_eq!(show.on_screen(), "water");
        show.goto("confetti").unwrap();
        assert_eq!(
            (show.position(), show.on_screen()),
            (0, "defrag+confetti".into())
        );
        show.toggle_pause();
        assert!(!show.advance(Duration::from_secs(1)));
        show.toggle_pause();
        show.previous();
        assert_eq!(show.on_screen(), "water");
    }

    #[test]
    fn reload_keeps_the_running_effect_and_updates_messages() {
        let mut show = Show::new(spec(&["glitch", "defrag"])).unwrap();
        show.next();
        assert_eq!(show.current_name(), "defrag");
        show.advance(Duration::from_millis(200));
        let started = show.started;
        let mut new = spec(&["water", "defrag"]);
        new.items[1].messages = vec!["Changed".into()];
        show.reload(new).unwrap();
        assert_eq!(show.current_name(), "defrag");
        assert_eq!(show.started, started, "the effect was not rebuilt");
        assert_eq!(show.message(), "Changed");
        assert_eq!(show.item_elapsed, Duration::from_millis(200));
        show.next();
        assert_eq!(show.current_name(), "water");

        // The current item removed: move to the new playlist's first item.
        let mut new = spec(&["confetti"]);
        new.transition = Transition::Fade;
        show.reload(new).unwrap();
        assert_eq!(show.current_name(), "confetti");
        assert!(show.outgoing.is_some(), "a transition, not a blank frame");

        // An invalid spec changes nothing.
        let mut bad = spec(&["defrag"]);
        bad.items[0].layers[0].context.style = Some("strobe".into());
        assert!(show.reload(bad).is_err());
        assert_eq!(show.current_name(), "confetti");
    }

    #[test]
    fn a_reloaded_colour_depth_rebuilds_the_effect_for_it() {
        use vitrine_effects::depth::ColorDepth;
        // Water draws its VGA look (shade-glyph water) only when built for 16 colours.
        let shades = |show: &mut Show| {
            let area = Rect::new(0, 0, 40, 12);
            let mut buf = Buffer::empty(area);
            show.render(area, &mut buf);
            buf.content.iter().any(|c| c.symbol() == "▒")
        };
        let mut show = Show::new(spec(&["water"])).unwrap();
        show.advance(Duration::from_millis(200));
        assert!(!shades(&mut show));
        let mut sixteen = spec(&["water"]);
        sixteen.set_depth(ColorDepth::Ansi16);
        show.reload(sixteen).unwrap();
        assert_eq!(show.current_name(), "water");
        assert!(shades(&mut show), "built anew for 16 colours");
    }
}

//! Several screens with nothing shared but the config and the wall clock.
//!
//! **Clock-locked shows** (`--sync`): the show's position is a function of UTC time and the
//! spec alone. The playlist cycle is anchored at the Unix epoch: at time `t` (since the epoch)
//! the show is `t mod total` into its cycle, where `total` is the sum of the item durations, so
//! every instance with the same config picks the same item ([`locate`]). An item's effect is
//! built with a seed derived from the item's number since the epoch, and its simulation is the
//! fixed tick run from the item's start: [`ticks_at`] ticks after `elapsed` seconds. A screen
//! that joins mid-item replays those ticks, at most [`MAX_CATCH_UP_TICKS`] (or
//! [`MAX_CATCH_UP_TIME`]) per frame, so it
//! keeps drawing while it fast-forwards and is in step as soon as the backlog is done (30 min of
//! a 60 Hz item is 108 000 ticks; BENCHMARKS.md has what that costs per effect). Messages rotate
//! on the item's own time ([`message_at`]), checked at every tick, so a screen that replayed
//! the ticks has changed message at exactly the same ticks as one that never stopped.
//!
//! Video walls (`--wall`) are in [`crate::wall`].

use std::time::Duration;

use crate::spec::Item;

/// Most ticks a synchronised show replays per frame while it catches up (at 30 fps and 60 Hz
/// that is 100× real time), so joining a long item never stalls the screen.
pub const MAX_CATCH_UP_TICKS: u64 = 6000;

/// Most time a frame spends catching up, for effects whose ticks are dear (water's ripple on a
/// big screen): the frame is drawn after it and the rest waits for the next frames.
pub const MAX_CATCH_UP_TIME: std::time::Duration = std::time::Duration::from_millis(20);

/// How many ticks run between looks at the catch-up time.
pub const TICKS_PER_TIME_CHECK: u64 = 64;

/// Where a clock-locked show is at some instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    /// The playlist item on screen.
    pub index: usize,
    /// How many items have started since the epoch before this one: tells repeats apart and
    /// seeds each run of an item differently.
    pub number: u64,
    /// How long the item has been on screen.
    pub elapsed: Duration,
}

/// The item on screen at `since_epoch` (UTC time since the Unix epoch) in a playlist cycled
/// in order from the epoch on.
pub fn locate(items: &[Item], since_epoch: Duration) -> Point {
    let total: u128 = items
        .iter()
        .map(|i| i.duration.as_nanos())
        .sum::<u128>()
        .max(1);
    let t = since_epoch.as_nanos();
    let cycle = t / total;
    let mut offset = t % total;
    let mut index = 0;
    for (i, item) in items.iter().enumerate() {
        index = i;
        let length = item.duration.as_nanos();
        if offset < length {
            break;
        }
        offset -= length;
    }
    let number = (cycle as u64)
        .wrapping_mul(items.len() as u64)
        .wrapping_add(index as u64);
    Point {
        index,
        number,
        elapsed: Duration::from_nanos(offset as u64),
    }
}

/// How many fixed ticks of `tick` an item played at `speed` has run `elapsed` after its start.
pub fn ticks_at(elapsed: Duration, speed: f32, tick: Duration) -> u64 {
    (elapsed.as_secs_f64() * f64::from(speed) / tick.as_secs_f64()) as u64
}

/// Which of the item's messages is shown during tick number `tick_number` (from 0) of the item.
pub fn message_at(item: &Item, tick_number: u64, tick: Duration) -> usize {
    let count = item.messages.len().max(1) as u64;
    let elapsed = tick_number as f64 * tick.as_secs_f64() / f64::from(item.speed);
    ((elapsed / item.message_interval.as_secs_f64()) as u64 % count) as usize
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use jiff::Timestamp;
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use vitrine_effects::registry::EFFECTS;

    use super::*;
    use crate::show::Show;
    use crate::show::tests::spec;
    use crate::spec::ShowSpec;
    use crate::transition::Transition;
    use crate::wall::Wall;

    /// A whole number of every test playlist's cycles after the epoch (an item boundary).
    const T: i64 = 1_800_000_000;

    fn at(seconds: f64) -> Timestamp {
        Timestamp::from_second(T).unwrap() + Duration::from_secs_f64(seconds)
    }

    /// `count` frames at 10 fps of what a synchronised screen of `size` shows from `start`.
    fn frames(spec: &ShowSpec, start: Timestamp, size: (u16, u16), count: usize) -> Vec<Buffer> {
        let mut show = Show::at(spec.clone(), start).unwrap();
        let area = Rect::new(0, 0, size.0, size.1);
        show.render(area, &mut Buffer::empty(area));
        show.catch_up();
        (0..count)
            .map(|_| {
                show.advance(Duration::from_millis(100));
                let mut buf = Buffer::empty(area);
                show.render(area, &mut buf);
                buf
            })
            .collect()
    }

    fn all_effects() -> Vec<&'static str> {
        EFFECTS.iter().map(|e| e.name).collect()
    }

    #[test]
    fn the_playlist_cycle_is_anchored_at_the_epoch() {
        let spec = spec(&["glitch", "water"]);
        let point = locate(&spec.items, Duration::from_secs(4 * 1000 + 3));
        assert_eq!(
            point,
            Point {
                index: 1,
                number: 2001,
                elapsed: Duration::from_secs(1)
            }
        );
        assert_eq!(ticks_at(Duration::from_secs(2), 0.5, spec.tick), 59);
        // "One" for the first second of the item, then "Two".
        assert_eq!(message_at(&spec.items[0], 59, spec.tick), 0);
        assert_eq!(message_at(&spec.items[0], 61, spec.tick), 1);
    }

    /// A screen started 7 s after another shows exactly the same frames from then on, across
    /// item changes, transitions and message rotation.
    #[test]
    fn screens_started_seven_seconds_apart_show_the_same_frames() {
        let mut spec = spec(&all_effects());
        spec.transition = Transition::Dissolve;
        let first = frames(&spec, at(0.0), (40, 12), 100);
        let second = frames(&spec, at(7.0), (40, 12), 30);
        for (i, frame) in second.iter().enumerate() {
            assert_eq!(*frame, first[70 + i], "frame {i} of the second screen");
        }
    }

    /// Screens that draw at different moments (other frame rates, other start-up times) show
    /// the same frame whenever they draw at the same moment, transitions included: nothing
    /// depends on when the frames before were drawn.
    #[test]
    fn frames_depend_on_the_moment_alone_transitions_included() {
        let mut spec = spec(&["glitch", "water", "defrag"]);
        spec.transition = Transition::Dissolve;
        let area = Rect::new(0, 0, 40, 12);
        let start = |spec: &ShowSpec| {
            let mut show = Show::at(spec.clone(), at(0.0)).unwrap();
            show.render(area, &mut Buffer::empty(area));
            show
        };
        let (mut fast, mut slow) = (start(&spec), start(&spec));
        let draw = |show: &mut Show| {
            let mut buf = Buffer::empty(area);
            show.render(area, &mut buf);
            buf
        };
        // 30 ms and 50 ms frames meet every 150 ms; items change at 2 s and 4 s, each with a
        // 500 ms dissolve.
        for meeting in 1..=30 {
            for _ in 0..5 {
                fast.advance(Duration::from_millis(30));
            }
            for _ in 0..3 {
                slow.advance(Duration::from_millis(50));
            }
            assert_eq!(draw(&mut fast), draw(&mut slow), "at {} ms", meeting * 150);
        }
    }

    /// For every effect, a screen restarted 25 s into a long item shows the frame one that
    /// never stopped shows.
    #[test]
    fn a_restart_mid_item_rejoins_the_uninterrupted_show() {
        for name in all_effects() {
            let mut spec = spec(&[name]);
            spec.items[0].duration = Duration::from_secs(40);
            let uninterrupted = frames(&spec, at(0.0), (30, 10), 260);
            let restarted = frames(&spec, at(25.0), (30, 10), 10);
            assert_eq!(restarted[..], uninterrupted[250..], "{name}");
        }
    }

    /// A screen restarted during the transition into an item rebuilds the outgoing item and
    /// replays it to its end, so it shows the transition the others show (every effect, both
    /// as the incoming and as the outgoing one, and across the end of the cycle).
    #[test]
    fn a_restart_during_a_transition_shows_the_same_transition() {
        let mut spec = spec(&all_effects());
        spec.transition = Transition::Dissolve;
        let uninterrupted = frames(&spec, at(0.0), (30, 10), 100);
        for restart in [21, 42, 61, 80] {
            let restarted = frames(&spec, at(f64::from(restart) / 10.0), (30, 10), 8);
            let start = restart as usize;
            assert_eq!(
                restarted[..],
                uninterrupted[start..start + 8],
                "restarted at {restart}00 ms"
            );
        }
    }

    /// Tiles of a wall recorded separately, placed side by side, are the whole wall's picture;
    /// with a bezel, exactly the bezel's columns and rows are nobody's.
    #[test]
    fn wall_tiles_side_by_side_are_the_whole_wall() {
        let (width, height) = (16, 6);
        for name in all_effects() {
            for (columns, rows, bezel) in [
                (2, 1, (0, 0)),
                (2, 2, (0, 0)),
                (2, 1, (2, 0)),
                (2, 2, (3, 1)),
            ] {
                let spec = spec(&[name]);
                let whole_size = (
                    width * columns + bezel.0 * (columns - 1),
                    height * rows + bezel.1 * (rows - 1),
                );
                let whole = frames(&spec, at(1.0), whole_size, 3).pop().unwrap();
                let mut covered = vec![false; usize::from(whole_size.0 * whole_size.1)];
                for column in 0..columns {
                    for row in 0..rows {
                        let mut tiled = spec.clone();
                        tiled.wall = Some(Wall {
                            columns,
                            rows,
                            tile: (column, row),
                            bezel,
                            tile_size: None,
                        });
                        let tile = frames(&tiled, at(1.0), (width, height), 3).pop().unwrap();
                        let (x0, y0) = (column * (width + bezel.0), row * (height + bezel.1));
                        for y in 0..height {
                            for x in 0..width {
                                assert_eq!(
                                    tile[(x, y)],
                                    whole[(x0 + x, y0 + y)],
                                    "{name} {columns}x{rows} tile {column},{row} at {x},{y}"
                                );
                                covered[usize::from((y0 + y) * whole_size.0 + x0 + x)] = true;
                            }
                        }
                    }
                }
                let hidden = |x: u16, y: u16| {
                    x % (width + bezel.0) >= width || y % (height + bezel.1) >= height
                };
                for y in 0..whole_size.1 {
                    for x in 0..whole_size.0 {
                        assert_eq!(
                            covered[usize::from(y * whole_size.0 + x)],
                            !hidden(x, y),
                            "{name}: cell {x},{y}"
                        );
                    }
                }
            }
        }
    }

    /// A terminal bigger than the declared tile shows it centred with a blank margin.
    #[test]
    fn a_tile_on_a_bigger_terminal_is_letterboxed() {
        let mut spec = spec(&["confetti"]);
        let wall = Wall {
            columns: 2,
            rows: 1,
            tile: (1, 0),
            bezel: (0, 0),
            tile_size: Some((10, 4)),
        };
        spec.wall = Some(wall);
        let exact = frames(&spec, at(1.0), (10, 4), 2).pop().unwrap();
        let big = frames(&spec, at(1.0), (14, 8), 2).pop().unwrap();
        for y in 0..8 {
            for x in 0..14 {
                let inside = (2..12).contains(&x) && (2..6).contains(&y);
                if inside {
                    assert_eq!(big[(x, y)], exact[(x - 2, y - 2)]);
                } else {
                    assert_eq!(big[(x, y)], Default::default(), "margin {x},{y}");
                }
            }
        }
        // Any size, including none, draws without panicking.
        for size in [(0, 0), (1, 1), (3, 2)] {
            frames(&spec, at(1.0), size, 1);
        }
    }

    /// `say` on a synchronised screen is that screen's own: the message shows over the show,
    /// which keeps the clock's time underneath, so when it ends the screen is in step again.
    /// Next, previous, goto and pause are refused (they would take it out of step).
    #[test]
    fn a_message_on_a_synchronised_screen_keeps_it_in_step() {
        let mut spec = spec(&["glitch", "water"]);
        spec.items[0].duration = Duration::from_secs(10);
        let area = Rect::new(0, 0, 30, 8);
        let uninterrupted = frames(&spec, at(0.0), (30, 8), 60);
        let mut show = Show::at(spec, at(0.0)).unwrap();
        show.render(area, &mut Buffer::empty(area));
        show.say("Fire drill", Some("defrag"), Some(Duration::from_secs(2)))
            .unwrap();
        let mut shown = Vec::new();
        for _ in 0..60 {
            show.advance(Duration::from_millis(100));
            let mut buf = Buffer::empty(area);
            show.render(area, &mut buf);
            shown.push(buf);
        }
        assert_eq!(show.saying(), None, "over after 2 s");
        assert_ne!(shown[5], uninterrupted[5], "the message was up");
        assert_eq!(shown[25..], uninterrupted[25..], "in step again after it");

        let before = (show.position(), show.time_left());
        assert_eq!(
            before.1,
            Some(Duration::from_secs(4)),
            "6 s into a 10 s item"
        );
        show.next();
        show.previous();
        show.toggle_pause();
        show.set_paused(true);
        let err = show.goto("water").unwrap_err().to_string();
        assert!(err.contains("synchronised"), "{err}");
        assert_eq!((show.position(), show.time_left()), before);
        assert!(!show.paused());
    }

    #[test]
    fn sync_refuses_what_screens_could_not_agree_on() {
        let mut spec = spec(&["glitch", "water"]);
        spec.sync = true;
        spec.shuffle = true;
        assert!(Show::new(spec.clone()).is_err());
        spec.shuffle = false;
        spec.once = true;
        assert!(Show::new(spec.clone()).is_err());
        spec.once = false;
        let table: toml::Table = toml::from_str(r#"schedule = { days = "fri" }"#).unwrap();
        spec.items[1].schedule =
            crate::schedule::Schedule::from_toml(table["schedule"].clone()).unwrap();
        let err = Show::new(spec).err().unwrap().to_string();
        assert!(
            err.contains("--sync cannot be combined with item schedules"),
            "{err}"
        );
    }
}

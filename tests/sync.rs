//! Several screens, live: the real binary with `--sync` in pseudo-terminals. Two screens with
//! the same config started 7 s apart show the same frame at the same moment from the moment
//! the second is up, and so does a screen restarted mid-item.
//!
//! Screens draw at their own moments (each started at its own time), so they are compared
//! where the picture stands still for a while: with `--tick-rate 2` a synchronised show only
//! changes at whole half seconds of UTC time, and both screens are read 300 ms after one. A
//! screen that is late drawing (a loaded machine) is read again at a later tick; screens out
//! of step never agree.

mod common;

use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;

const COLS: u16 = 60;
const ROWS: u16 = 16;

/// Half a second between ticks; items of 6 s, so an item changes during the test.
const SCREEN: &[&str] = &[
    "--sync",
    "--seed",
    "11",
    "--effect",
    "glitch,defrag,water",
    "--duration",
    "6s",
    "--tick-rate",
    "2",
    "--transition",
    "none",
    "--message",
    "Lobby",
];

/// A screen and what it shows, read through a terminal emulator as its output comes.
struct Screen {
    pty: Pty,
    parser: vt100::Parser,
    read: usize,
}

impl Screen {
    fn start() -> Screen {
        let pty = Pty::spawn(SCREEN, COLS, ROWS);
        pty.wait_frames(2);
        Screen {
            pty,
            parser: vt100::Parser::new(ROWS, COLS, 0),
            read: 0,
        }
    }

    /// What the screen shows now: its text with colours and attributes.
    fn now(&mut self) -> Vec<u8> {
        let output = self.pty.output();
        self.parser.process(&output[self.read..]);
        self.read = output.len();
        self.parser.screen().contents_formatted()
    }
}

/// Sleeps until `offset` after the next whole half second of UTC time; returns which one.
fn mid_tick(offset: Duration) -> u128 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let tick = (now.as_millis() / 500) + 1;
    let at = Duration::from_millis((tick * 500) as u64) + offset;
    thread::sleep(at.saturating_sub(now));
    tick
}

/// Reads both screens mid-tick until they have agreed at `wanted` ticks showing at least
/// three different pictures (so they are animating, not merely blank); panics if they do not
/// within 40 ticks.
fn agree(a: &mut Screen, b: &mut Screen, wanted: usize) {
    let mut agreed = Vec::new();
    let mut last_disagreement = None;
    for _ in 0..40 {
        let tick = mid_tick(Duration::from_millis(300));
        let (first, second) = (a.now(), b.now());
        if first == second {
            agreed.push((tick, first));
        } else {
            last_disagreement = Some((tick, first, second));
        }
        let mut pictures: Vec<&Vec<u8>> = agreed.iter().map(|(_, p)| p).collect();
        pictures.sort();
        pictures.dedup();
        if agreed.len() >= wanted && pictures.len() >= 3 {
            return;
        }
    }
    let shown = |bytes: &[u8]| {
        let mut parser = vt100::Parser::new(ROWS, COLS, 0);
        parser.process(bytes);
        parser.screen().contents()
    };
    let (tick, first, second) = last_disagreement.expect("they agreed, on too few pictures");
    panic!(
        "the screens agreed at {} tick(s) of 40; at tick {tick} one showed\n{}\nand the other\n{}",
        agreed.len(),
        shown(&first),
        shown(&second)
    );
}

#[test]
fn screens_started_7_s_apart_and_a_restarted_one_show_the_same_frames() {
    let mut first = Screen::start();
    thread::sleep(Duration::from_secs(7));
    let mut second = Screen::start();
    agree(&mut first, &mut second, 8);

    // Restarted mid-item (killed, as a power cut would): back in step at once.
    second.pty.signal(libc::SIGKILL);
    drop(second);
    thread::sleep(Duration::from_millis(1300));
    let mut restarted = Screen::start();
    agree(&mut first, &mut restarted, 4);
    assert!(first.pty.child_alive() && restarted.pty.child_alive());
}

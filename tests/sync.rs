//! Several screens, live: the real binary with `--sync` in pseudo-terminals. Two screens with
//! the same config started 7 s apart show the same frame at the same moment from the moment
//! the second is up, and so does a screen restarted mid-item, and one that showed a `say`
//! message once the message is over.
//!
//! Screens draw at their own moments (each started at its own time), so they are compared
//! where the picture stands still for a while: with `--tick-rate 2` a synchronised show only
//! changes at whole half seconds of UTC time, and both screens are read 300 ms after one. A
//! screen that is late drawing (a loaded machine) is read again at a later tick; screens out
//! of step never agree.

mod common;

use std::thread;
use std::time::Duration;

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

/// A screen's formatted contents as its text, for a failure message.
fn shown(bytes: &[u8]) -> String {
    let mut parser = vt100::Parser::new(ROWS, COLS, 0);
    parser.process(bytes);
    parser.screen().contents()
}

#[test]
fn screens_started_7_s_apart_and_a_restarted_one_show_the_same_frames() {
    let mut first = Screen::start();
    thread::sleep(Duration::from_secs(7));
    let mut second = Screen::start();
    agree_mid_tick(|| first.now(), || second.now(), 8, &shown);

    // The clock decides: next, prev, goto and pause are refused with the reason; a message
    // is this screen's own, and the screen is back in step when it ends.
    let socket = second.pty.socket();
    for args in [&["next"][..], &["prev"], &["goto", "2"], &["pause"]] {
        let out = ctl(&socket, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("synchronised"),
            "{out:?}"
        );
    }
    let out = ctl(&socket, &["say", "Fire drill", "--for", "2s"]);
    assert!(out.status.success(), "{out:?}");
    thread::sleep(Duration::from_millis(2500));
    agree_mid_tick(|| first.now(), || second.now(), 3, &shown);

    // Restarted mid-item (killed, as a power cut would): back in step at once.
    second.pty.signal(libc::SIGKILL);
    drop(second);
    thread::sleep(Duration::from_millis(1300));
    let mut restarted = Screen::start();
    agree_mid_tick(|| first.now(), || restarted.now(), 4, &shown);
    assert!(first.pty.child_alive() && restarted.pty.child_alive());
}

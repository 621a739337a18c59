//! The real binary in a pseudo-terminal: it must draw, survive resizes, and leave the terminal
//! exactly as it found it (main screen, cursor shown, raw mode off) on every way out.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::thread;
use std::time::Duration;

use common::*;

const ARGS: &[&str] = &[
    "--effect",
    "glitch,confetti",
    "--seed",
    "1",
    "--duration",
    "1s",
];

#[test]
fn sigterm_restores_terminal() {
    let pty = Pty::spawn(ARGS, 80, 24);
    pty.wait_frames(5);
    pty.signal(libc::SIGTERM);
    let (status, output) = pty.finish();
    assert_eq!(status.code(), Some(128 + libc::SIGTERM), "{status:?}");
    assert_restored(&output);
}

#[test]
fn sighup_sigint_sigpipe_sigquit_restore_terminal() {
    for sig in [libc::SIGHUP, libc::SIGINT, libc::SIGPIPE, libc::SIGQUIT] {
        let pty = Pty::spawn(ARGS, 80, 24);
        pty.wait_frames(3);
        pty.signal(sig);
        let (status, output) = pty.finish();
        assert_eq!(status.code(), Some(128 + sig), "signal {sig}: {status:?}");
        assert!(status.signal().is_none());
        assert_restored(&output);
    }
}

#[test]
fn q_quits_cleanly_and_lock_ignores_it() {
    let mut pty = Pty::spawn(ARGS, 80, 24);
    pty.wait_frames(3);
    pty.send(b"q");
    let (status, output) = pty.finish();
    assert!(status.success(), "{status:?}");
    assert_restored(&output);

    let mut locked = Pty::spawn(&[ARGS, &["--lock"]].concat(), 80, 24);
    locked.wait_frames(3);
    locked.send(b"q\x1b");
    let before = count(&locked.output(), BEGIN_FRAME);
    locked.wait_frames(before + 5);
    assert!(
        locked.child.try_wait().unwrap().is_none(),
        "--lock must ignore q and Esc"
    );
    locked.send(b"\x1b\x11"); // Ctrl-Alt-Q
    let (status, output) = locked.finish();
    assert!(status.success(), "{status:?}");
    assert_restored(&output);
}

#[test]
fn survives_resizes_down_to_zero() {
    let mut pty = Pty::spawn(&["--seed", "2", "--duration", "300ms"], 80, 24);
    pty.wait_frames(2);
    for (i, (cols, rows)) in [
        (1, 1),
        (0, 0),
        (300, 100),
        (2, 1),
        (0, 5),
        (13, 0),
        (120, 40),
    ]
    .into_iter()
    .cycle()
    .take(40)
    .enumerate()
    {
        pty.resize(cols, rows);
        if i % 7 == 0 {
            pty.send(b"n");
        }
        thread::sleep(Duration::from_millis(15));
    }
    // Back to a size with cells: the show must draw again.
    pty.resize(80, 24);
    let before = count(&pty.output(), BEGIN_FRAME);
    pty.wait_frames(before + 3);
    assert!(
        pty.child.try_wait().unwrap().is_none(),
        "vitrine exited during the resize storm"
    );
    pty.send(b"q");
    let (status, output) = pty.finish();
    assert!(
        status.success(),
        "{status:?}: {}",
        String::from_utf8_lossy(&output[output.len().saturating_sub(400)..])
    );
    assert_restored(&output);
}

#[test]
fn no_terminal_is_one_line_and_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("not a terminal") && stderr.contains("vitrine record"),
        "{stderr}"
    );
}

#[test]
fn a_paused_screen_writes_nothing() {
    let mut pty = Pty::spawn(&["--effect", "glitch", "--seed", "3"], 80, 24);
    pty.wait_frames(3);
    // The badge moves a cell every few minutes against burn-in; not during this test.
    clear_of_badge_drift(Duration::from_secs(3));
    pty.send(b" ");
    // Let the pause land and its one redraw (the badge) go out.
    thread::sleep(Duration::from_millis(300));
    let before = pty.output().len();
    thread::sleep(Duration::from_millis(700));
    assert_eq!(pty.output().len(), before, "bytes written while paused");
    pty.send(b" ");
    let frames = count(&pty.output(), BEGIN_FRAME);
    pty.wait_frames(frames + 3);
    pty.send(b"q");
    let (status, output) = pty.finish();
    assert!(status.success());
    assert_restored(&output);
}

/// 500 resizes across 0x0..300x100 while running; then the last frame must be laid out for the
/// final size (read back through a terminal emulator).
#[test]
fn resize_storm_then_correct_final_frame() {
    let mut pty = Pty::spawn(&["--seed", "5", "--duration", "200ms"], 80, 24);
    pty.wait_frames(2);
    let mut state: u32 = 12345;
    for i in 0..500 {
        // A small LCG keeps the sequence fixed without a dependency.
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let cols = (state >> 8) % 301;
        let rows = (state >> 20) % 101;
        pty.resize(cols as u16, rows as u16);
        if i % 50 == 0 {
            pty.send(b"n");
        }
        thread::sleep(Duration::from_millis(2));
    }
    let (cols, rows) = (100u16, 30u16);
    pty.resize(cols, rows);
    thread::sleep(Duration::from_millis(300));
    pty.send(b" "); // pause: the badge is drawn at the top right of the final size
    pty.wait_for("paused badge", |out| {
        String::from_utf8_lossy(out).contains("paused")
    });
    thread::sleep(Duration::from_millis(200));
    assert!(
        pty.child.try_wait().unwrap().is_none(),
        "vitrine exited during the resize storm"
    );
    let output = pty.output();
    // A resize clears the screen and redraws everything; read from the last clear on.
    let start = rfind(&output, b"\x1b[2J").expect("a resize redraws from a cleared screen");
    let mut screen = vt100::Parser::new(rows, cols, 0);
    screen.process(&output[start..]);
    // The badge " ❚❚ paused " ends 2 columns from the right edge of the final width, on the
    // top row, or a column further in and a row down (it drifts against burn-in).
    let row = |y: u16| -> Vec<char> {
        screen
            .screen()
            .contents_between(y, 0, y, cols)
            .chars()
            .collect()
    };
    let badge_at = |y: u16, dx: usize| -> String {
        let end = usize::from(cols) - 1 - dx;
        row(y)
            .get(end - 11..end)
            .unwrap_or_default()
            .iter()
            .collect()
    };
    assert!(
        (0..2).any(|y| (0..2).any(|dx| badge_at(y, dx) == " ❚❚ paused ")),
        "top rows for {cols}x{rows}: {:?} / {:?}",
        row(0),
        row(1)
    );
    pty.send(b"q");
    let (status, output) = pty.finish();
    assert!(status.success(), "{status:?}");
    assert_restored(&output);
}

/// SIGTSTP (a shell's job control) hands the terminal back as a quit does, then stops; SIGCONT
/// takes it again and draws the whole screen anew, with keys working.
#[test]
fn a_suspended_show_gives_the_terminal_back_and_takes_it_again() {
    let mut pty = Pty::spawn(ARGS, 80, 24);
    pty.wait_frames(3);
    pty.signal(libc::SIGTSTP);
    pty.wait_for("the restore on SIGTSTP", |out| {
        rfind(out, LEAVE_ALT) > rfind(out, BEGIN_FRAME)
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while pty.state() != 'T' {
        assert!(std::time::Instant::now() < deadline, "not stopped");
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        pty.cooked(),
        "a suspended show must leave the terminal in cooked mode"
    );
    let stopped_at = pty.output().len();
    pty.resize(100, 30);
    pty.signal(libc::SIGCONT);
    pty.wait_for("a full frame after SIGCONT", |out| {
        let since = &out[stopped_at..];
        let Some(enter) = rfind(since, ENTER_ALT) else {
            return false;
        };
        rfind(&since[enter..], b"\x1b[2J").is_some()
    });
    assert!(!pty.cooked(), "raw mode again after SIGCONT");
    pty.send(b"q");
    let (status, output) = pty.finish();
    assert!(status.success(), "{status:?}");
    assert_restored(&output);
}

/// A show that is not in its terminal's session (`setsid vitrine`) gets no SIGHUP when the
/// terminal goes away; it must still notice and exit, not spin on the dead tty.
#[test]
fn a_hang_up_without_sighup_ends_the_show() {
    use std::io::Read as _;
    use std::os::unix::process::CommandExt as _;
    use std::process::Stdio;

    let (mut master, slave) = open_pty(80, 24);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vitrine"));
    cmd.args(ARGS)
        .args(["--control-socket", "none"])
        .env("TERM", "xterm-256color")
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    // SAFETY: only setsid between fork and exec: a session of its own, without a terminal.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("spawn vitrine");
    let mut seen = Vec::new();
    let mut chunk = [0u8; 65536];
    while count(&seen, BEGIN_FRAME) < 3 {
        let n = master.read(&mut chunk).expect("vitrine draws");
        assert!(n > 0, "vitrine stopped before drawing");
        seen.extend_from_slice(&chunk[..n]);
    }
    drop(master);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("still running 10 s after its terminal hung up");
        }
        thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(128 + libc::SIGHUP), "{status:?}");
}

/// A panic restores the terminal first, then the panic message is printed on the main screen.
#[test]
fn a_panic_restores_the_terminal_before_its_message() {
    let pty = Pty::spawn(&["--effect", "glitch", "--panic-after", "400ms"], 80, 24);
    let (status, output) = pty.finish();
    assert_eq!(status.code(), Some(101), "{status:?}");
    assert_restored(&output);
    let leave = rfind(&output, LEAVE_ALT).unwrap();
    let message = rfind(&output, b"crash drill").expect("panic message printed");
    assert!(
        message > leave,
        "the panic message must come after the restore"
    );
}

/// The text written after the terminal was restored (what stays on the user's screen).
fn after_restore(output: &[u8]) -> String {
    let leave = rfind(output, LEAVE_ALT).expect("alternate screen not left");
    String::from_utf8_lossy(&output[leave + LEAVE_ALT.len()..]).into_owned()
}

/// A message file (no config) replaced by a directory: the log names the message file, not a
/// config, and says it once, even when the directory changes again.
#[test]
fn a_broken_message_file_is_logged_once_by_its_name() {
    let dir = std::env::temp_dir().join(format!("vitrine-msgdir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let messages = dir.join("messages.txt");
    std::fs::write(&messages, "Hello kiosk\n").unwrap();
    let pty = Pty::spawn(
        &[
            "--message-file",
            messages.to_str().unwrap(),
            "--effect",
            "defrag",
        ],
        80,
        24,
    );
    pty.wait_frames(3);
    std::fs::remove_file(&messages).unwrap();
    std::fs::create_dir(&messages).unwrap();
    pty.wait_for("the config error marker", |out| {
        String::from_utf8_lossy(out).contains("config error")
    });
    // A file made inside changes the directory's timestamp: the next poll reloads again.
    std::fs::write(messages.join("inside.txt"), "x").unwrap();
    thread::sleep(Duration::from_millis(1500));
    pty.signal(libc::SIGTERM);
    let (_, output) = pty.finish();
    assert_restored(&output);
    let held = after_restore(&output);
    assert_eq!(held.matches("ERROR: reload failed").count(), 1, "{held:?}");
    assert!(
        held.contains("message file")
            && held.contains("is a directory")
            && !held.contains("config"),
        "{held:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// A locked kiosk ignores q, Esc and Ctrl-C, so it says on start how to quit.
#[test]
fn a_locked_kiosk_says_how_to_quit() {
    let mut pty = Pty::spawn(&[ARGS, &["--lock"]].concat(), 80, 24);
    pty.wait_frames(3);
    let mut screen = vt100::Parser::new(24, 80, 0);
    screen.process(&pty.output());
    let contents = screen.screen().contents();
    assert!(
        contents.contains("Locked: keys are ignored. Quit with Ctrl-Alt-Q"),
        "{contents}"
    );
    pty.send(b"\x1b\x11"); // Ctrl-Alt-Q
    let (status, output) = pty.finish();
    assert!(status.success(), "{status:?}");
    assert_restored(&output);
}

/// With standard error on the screen, the log is held: a normal quit prints nothing after the
/// restore, and a warning or error is printed after a quit key and after SIGTERM alike.
#[test]
fn the_held_log_prints_only_what_went_wrong_on_every_way_out() {
    let mut pty = Pty::spawn(ARGS, 80, 24);
    pty.wait_frames(3);
    pty.send(b"q");
    let (status, output) = pty.finish();
    assert!(status.success(), "{status:?}");
    assert_eq!(
        after_restore(&output).trim(),
        "",
        "a normal quit prints nothing"
    );

    let dir = std::env::temp_dir().join(format!("vitrine-held-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("kiosk.toml");
    std::fs::write(&config, "[[item]]\neffect = \"defrag\"\n").unwrap();
    let pty = Pty::spawn(&["--config", config.to_str().unwrap()], 80, 24);
    pty.wait_frames(3);
    // A broken edit; the reload poll (every 500 ms) logs the error and marks the screen.
    std::fs::write(&config, "[[item]]\neffect = \"nope\"\n").unwrap();
    pty.wait_for("the config error marker", |out| {
        String::from_utf8_lossy(out).contains("config error")
    });
    pty.signal(libc::SIGTERM);
    let (status, output) = pty.finish();
    assert_eq!(status.code(), Some(128 + libc::SIGTERM), "{status:?}");
    assert_restored(&output);
    let held = after_restore(&output);
    assert!(
        held.contains("ERROR: config reload failed") && held.contains("unknown effect 'nope'"),
        "{held:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

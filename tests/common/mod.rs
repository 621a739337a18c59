//! The pseudo-terminal harness shared by the tests that run the real binary on a terminal:
//! spawn vitrine in a pty of a given size, read what it draws, send keys and signals, resize,
//! and check that it leaves the terminal as it found it.

// Each test crate uses part of the harness.
#![allow(dead_code)]

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub const ENTER_ALT: &[u8] = b"\x1b[?1049h";
pub const LEAVE_ALT: &[u8] = b"\x1b[?1049l";
pub const SHOW_CURSOR: &[u8] = b"\x1b[?25h";
pub const BEGIN_FRAME: &[u8] = b"\x1b[?2026h";

pub struct Pty {
    /// The run's own $XDG_RUNTIME_DIR, so shows running side by side have their own control
    /// sockets (removed on drop).
    pub runtime_dir: PathBuf,
    master: File,
    slave: Option<OwnedFd>,
    pub child: Child,
    output: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
}

fn winsize(cols: u16, rows: u16) -> libc::winsize {
    libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

/// A new pseudo-terminal of `cols` x `rows`: its master (ours) and its slave (the child's).
/// The master is close-on-exec: a child holding it would keep the terminal from hanging up
/// when we close ours.
pub fn open_pty(cols: u16, rows: u16) -> (File, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    let ws = winsize(cols, rows);
    // SAFETY: openpty writes two fds; null name/termios are allowed.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &ws,
        )
    };
    assert_eq!(rc, 0, "openpty failed");
    // SAFETY: F_SETFD on the fd openpty just returned.
    assert_eq!(
        unsafe { libc::fcntl(master, libc::F_SETFD, libc::FD_CLOEXEC) },
        0
    );
    // SAFETY: both fds were just returned by openpty and are owned here.
    unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

impl Pty {
    pub fn spawn(args: &[&str], cols: u16, rows: u16) -> Pty {
        let (master, slave) = open_pty(cols, rows);
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        let runtime_dir = std::env::temp_dir().join(format!(
            "vitrine-pty-{}-{}",
            std::process::id(),
            RUNS.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&runtime_dir)
            .unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vitrine"));
        cmd.args(args)
            .env("TERM", "xterm-256color")
            .env("XDG_RUNTIME_DIR", &runtime_dir)
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave.try_clone().unwrap()));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn vitrine");
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&output);
        let mut reader_end = master.try_clone().unwrap();
        let reader = thread::spawn(move || {
            let mut chunk = [0u8; 65536];
            // Ends with EIO once every slave fd is closed.
            while let Ok(n) = reader_end.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
        });
        Pty {
            runtime_dir,
            master,
            slave: Some(slave),
            child,
            output,
            reader: Some(reader),
        }
    }

    /// The show's default control socket.
    pub fn socket(&self) -> PathBuf {
        self.runtime_dir.join("vitrine").join("control.sock")
    }

    pub fn child_alive(&self) -> bool {
        // SAFETY: waitpid with WNOHANG on our own child does not reap it.
        unsafe { libc::kill(self.child.id() as i32, 0) == 0 }
    }

    pub fn output(&self) -> Vec<u8> {
        self.output.lock().unwrap().clone()
    }

    pub fn wait_for(&self, what: &str, pred: impl Fn(&[u8]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !pred(&self.output()) {
            if Instant::now() >= deadline {
                let out = self.output();
                let tail =
                    String::from_utf8_lossy(&out[out.len().saturating_sub(300)..]).to_string();
                let alive = self.child_alive();
                panic!("timed out waiting for {what}; alive: {alive}; output ends {tail:?}");
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until at least `frames` synchronized frames were drawn.
    pub fn wait_frames(&self, frames: usize) {
        self.wait_for("frames", |out| count(out, BEGIN_FRAME) >= frames);
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: plain kill(2) on our own child.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, sig) }, 0);
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        let ws = winsize(cols, rows);
        // SAFETY: TIOCSWINSZ on the master fd we own; the kernel signals SIGWINCH.
        unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &ws) };
    }

    /// Whether the terminal is in cooked mode (canonical input and echo), as a shell wants it.
    pub fn cooked(&self) -> bool {
        let slave = self.slave.as_ref().expect("the slave is open until finish");
        // SAFETY: tcgetattr on a valid fd into a zeroed termios.
        let mut termios: libc::termios = unsafe { std::mem::zeroed() };
        assert_eq!(
            unsafe { libc::tcgetattr(slave.as_raw_fd(), &mut termios) },
            0
        );
        termios.c_lflag & libc::ICANON != 0 && termios.c_lflag & libc::ECHO != 0
    }

    /// The process state letter from /proc (R running, S sleeping, T stopped...).
    pub fn state(&self) -> char {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // The state follows the command name, which is in parentheses.
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        after_name.chars().next().unwrap()
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
    }

    /// Waits for exit, checks the tty is back in cooked mode, then collects all output.
    pub fn finish(mut self) -> (ExitStatus, Vec<u8>) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "vitrine did not exit");
            thread::sleep(Duration::from_millis(20));
        };
        let slave = self.slave.take().unwrap();
        // SAFETY: tcgetattr on a valid fd into a zeroed termios.
        let mut termios: libc::termios = unsafe { std::mem::zeroed() };
        assert_eq!(
            unsafe { libc::tcgetattr(slave.as_raw_fd(), &mut termios) },
            0
        );
        assert_ne!(
            termios.c_lflag & libc::ICANON,
            0,
            "raw mode left on (ICANON off)"
        );
        assert_ne!(
            termios.c_lflag & libc::ECHO,
            0,
            "raw mode left on (ECHO off)"
        );
        drop(slave);
        self.reader.take().unwrap().join().unwrap();
        let output = self.output();
        (status, output)
    }
}

impl Drop for Pty {
    /// A failed test must not leave vitrine running (or the reader thread waiting on it).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.runtime_dir);
    }
}

/// `vitrine ctl --socket SOCKET ARGS...`.
pub fn ctl(socket: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .arg("ctl")
        .arg("--socket")
        .arg(socket)
        .args(args)
        .output()
        .expect("run vitrine ctl")
}

pub fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

pub fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The last frame is followed by leaving the alternate screen and showing the cursor.
pub fn assert_restored(output: &[u8]) {
    assert!(
        output.windows(ENTER_ALT.len()).any(|w| w == ENTER_ALT),
        "never entered alt screen"
    );
    let last_frame = rfind(output, BEGIN_FRAME).expect("no frame drawn");
    let leave = rfind(output, LEAVE_ALT).expect("alternate screen not left");
    let show = rfind(output, SHOW_CURSOR).expect("cursor not shown");
    assert!(
        leave > last_frame && show > last_frame,
        "restore must come after the last frame"
    );
    assert!(
        rfind(output, ENTER_ALT) < Some(leave),
        "re-entered the alternate screen after restoring"
    );
}

/// Sleeps until `offset` after the next whole half second of UTC time; returns which one.
pub fn mid_tick(offset: Duration) -> u128 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let tick = (now.as_millis() / 500) + 1;
    let at = Duration::from_millis((tick * 500) as u64) + offset;
    thread::sleep(at.saturating_sub(now));
    tick
}

/// For `--sync --tick-rate 2` shows, which change only at whole half seconds of UTC time:
/// reads two screens 300 ms after such moments until they have agreed at `wanted` of them,
/// showing at least three different pictures (so they animate, and are not merely blank).
/// Panics, showing both screens through `shown`, if they do not within 40 ticks. A screen late
/// drawing (a loaded machine) is read again at a later tick; screens out of step never agree.
pub fn agree_mid_tick(
    mut first: impl FnMut() -> Vec<u8>,
    mut second: impl FnMut() -> Vec<u8>,
    wanted: usize,
    shown: &dyn Fn(&[u8]) -> String,
) {
    let mut agreed: Vec<Vec<u8>> = Vec::new();
    let mut last_disagreement = None;
    for _ in 0..40 {
        let tick = mid_tick(Duration::from_millis(300));
        let (a, b) = (first(), second());
        if a == b {
            agreed.push(a);
        } else {
            last_disagreement = Some((tick, a, b));
        }
        let mut pictures: Vec<&Vec<u8>> = agreed.iter().collect();
        pictures.sort();
        pictures.dedup();
        if agreed.len() >= wanted && pictures.len() >= 3 {
            return;
        }
    }
    let (tick, a, b) = last_disagreement.expect("they agreed, on too few pictures");
    panic!(
        "the screens agreed at {} tick(s) of 40; at tick {tick} one showed\n{}\nand the other\n{}",
        agreed.len(),
        shown(&a),
        shown(&b)
    );
}

/// `overlay::DRIFT_PERIOD`: the fixed badges (paused, clock) move a cell at every multiple of
/// it in UTC time, against burn-in.
pub const DRIFT_PERIOD: Duration = Duration::from_secs(180);

/// Waits, if need be, until the badges will not move within `needed`, for a test that expects
/// a paused screen to stand still that long.
pub fn clear_of_badge_drift(needed: Duration) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let into = Duration::from_nanos((now.as_nanos() % DRIFT_PERIOD.as_nanos()) as u64);
    let left = DRIFT_PERIOD - into;
    if left < needed {
        // Past the move, and past the frame that draws it.
        thread::sleep(left + Duration::from_millis(500));
    }
}

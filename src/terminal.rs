//! The local terminal: raw mode + alternate screen on start, restored exactly on every way out.
//!
//! Quit keys and errors restore through [`TerminalGuard`]'s drop; a panic restores in the panic
//! hook before the message is printed; SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGPIPE restore on a dedicated
//! thread, print the held log (see [`logging`]) and exit at once; SIGTSTP restores, stops, and
//! takes the terminal again on SIGCONT; a hang-up without SIGHUP is watched for on a thread of
//! its own. The signal path must not depend on the event loop: crossterm 0.29 spins inside
//! `event::poll` once the tty is gone (SSH drop), so a flag checked by the loop might never be
//! seen.

use std::io::{self, BufWriter, IsTerminal, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context as _, Result};
use crossterm::terminal::{disable_raw_mode, enable_raw_mode};
use signal_hook::consts::{SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGTERM, SIGTSTP};

use vitrine_effects::depth::ColorMapper;

use crate::error::UsageError;
use crate::logging;
use crate::pacing::{ByteCounter, Counted};
use crate::screen::Screen;

/// The local screen; its writer sends one frame with one syscall (see [`init`]).
pub type LocalScreen = Screen<Counted<BufWriter<Stdout>>>;

/// Bytes that put any terminal back in its normal state: CAN aborts an escape sequence a frame
/// may have left half-written, then end synchronized output, reset colours, show the cursor and
/// leave the alternate screen.
pub const RESTORE_SEQUENCE: &[u8] = b"\x18\x1b[?2026l\x1b[0m\x1b[?25h\x1b[?1049l";

/// Bytes that put the terminal in showcase mode (after raw mode): the alternate screen, no
/// cursor.
const ENTER_SEQUENCE: &[u8] = b"\x1b[?1049h\x1b[?25l";

/// Whether the terminal is in showcase mode and needs restoring.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Set when the show comes back from a suspension (see [`take_resumed`]).
static RESUMED: AtomicBool = AtomicBool::new(false);

/// Puts the terminal back. Safe to call from any thread and more than once: only the first call
/// after [`init`] does anything. Errors are ignored: the terminal may already be gone.
pub fn restore() {
    // The lock first, so a suspension (which holds it) cannot interleave with this.
    let mut out = io::stdout().lock();
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    give_back(&mut out);
}

/// Gives the terminal back to the shell on `out` (the locked stdout): cooked mode, the main
/// screen, the cursor. Errors are ignored: the terminal may already be gone.
fn give_back(out: &mut impl Write) {
    // Raw mode first: it has more side effects than the alternate screen (ratatui's advice).
    let _ = disable_raw_mode();
    let _ = out.write_all(RESTORE_SEQUENCE);
    let _ = out.flush();
}

/// Whether the show came back from a suspension since the last call: the shell had the screen
/// meanwhile (and the window may have changed size), so everything must be drawn again.
pub fn take_resumed() -> bool {
    RESUMED.swap(false, Ordering::SeqCst)
}

/// SIGTSTP (`kill -TSTP`, a shell's job control; in raw mode Ctrl-Z is just a key): gives the
/// terminal back as on quit, stops, and on SIGCONT takes it again. The stdout lock is held
/// throughout, so no frame lands on the shell's screen in between.
fn suspend() {
    let mut out = io::stdout().lock();
    let active = ACTIVE.load(Ordering::SeqCst);
    if active {
        give_back(&mut out);
    }
    // Stops the process here until SIGCONT.
    let _ = signal_hook::low_level::emulate_default_handler(SIGTSTP);
    if active {
        let _ = enable_raw_mode();
        let _ = out.write_all(ENTER_SEQUENCE);
        let _ = out.flush();
        RESUMED.store(true, Ordering::SeqCst);
    }
}

/// Restores the terminal when dropped.
pub struct TerminalGuard {
    pub screen: LocalScreen,
    /// Bytes sent to the terminal so far.
    pub written: ByteCounter,
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = self.screen.writer_mut().flush();
        restore();
    }
}

/// Fails with a usage error unless standard output is a terminal.
pub fn require() -> Result<()> {
    if !io::stdout().is_terminal() {
        return Err(UsageError(
            "standard output is not a terminal; to render without one use `vitrine record`".into(),
        )
        .into());
    }
    Ok(())
}

/// Checks for a terminal, installs the panic hook and signal thread, then enters raw mode and
/// the alternate screen; frames are mapped with `colors`.
pub fn init(colors: ColorMapper) -> Result<TerminalGuard> {
    require()?;
    install_panic_hook();
    install_signal_handler()?;
    install_hangup_watch()?;
    ACTIVE.store(true, Ordering::SeqCst);
    enable_raw_mode().context("cannot switch the terminal to raw mode")?;
    let mut out = io::stdout().lock();
    out.write_all(ENTER_SEQUENCE)
        .and_then(|()| out.flush())
        .context("cannot set up the terminal")?;
    drop(out);
    // 256 KiB: far above the largest frame, so a frame leaves in one write and a signal's restore
    // sequence (which takes the stdout lock) never lands inside one.
    let writer = BufWriter::with_capacity(256 * 1024, io::stdout());
    let writer = Counted::new(writer);
    let written = writer.counter();
    let size = crossterm::terminal::size().context("cannot read the terminal size")?;
    Ok(TerminalGuard {
        screen: Screen::new(writer, size, colors),
        written,
    })
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

fn install_signal_handler() -> Result<()> {
    let mut signals =
        signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP])
            .context("cannot install signal handlers")?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                if signal == SIGTSTP {
                    suspend();
                    continue;
                }
                leave(signal);
            }
        })
        .context("cannot start the signal thread")?;
    Ok(())
}

/// Watches the terminal for a hang-up that brings no SIGHUP: a show that is not in the
/// terminal's session (started with `setsid`, or by a supervisor that only hands it the tty
/// as its output) is never sent one, and crossterm would spin on the dead tty forever, a whole
/// core. Blocked in poll(2) until then, it costs nothing.
fn install_hangup_watch() -> Result<()> {
    std::thread::Builder::new()
        .name("hangup".into())
        .spawn(|| {
            // No events asked for: poll reports only a hang-up or an error on the terminal.
            let mut terminal = libc::pollfd {
                fd: libc::STDOUT_FILENO,
                events: 0,
                revents: 0,
            };
            loop {
                // SAFETY: one valid pollfd, for the duration of the call.
                let ready = unsafe { libc::poll(&mut terminal, 1, -1) };
                if ready > 0 {
                    break;
                }
                if ready < 0 && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                    return;
                }
            }
            leave(SIGHUP);
        })
        .context("cannot start the hang-up watch")?;
    Ok(())
}

/// Restores the terminal, prints the held log and exits with status 128 + `signal`; the one
/// way out of the signal and hang-up threads (only the first caller gets through: exit must
/// not run twice at once).
fn leave(signal: i32) -> ! {
    static LEAVING: AtomicBool = AtomicBool::new(false);
    if LEAVING.swap(true, Ordering::SeqCst) {
        loop {
            std::thread::park();
        }
    }
    restore();
    // What went wrong during the show (a failed reload) is still worth seeing.
    logging::release_held();
    std::process::exit(128 + signal);
}

//! Dark hours and `blank`: a black screen that writes nothing, with the display powered down
//! where the hardware lets us.
//!
//! The screen goes dark during the `dark` hours (config `dark = "Mon-Fri 20:00-07:00, Sat-Sun"`)
//! and on the `blank` command (until `wake`, or for `--for`). A key press or `wake` lights it
//! again; during dark hours it then stays lit until those hours end, and goes dark with the
//! next ones. While dark the show loop neither advances nor draws, so zero bytes are written.
//!
//! On the Linux console the display itself is powered down through the kernel's VESA
//! blanking (what `setterm --powerdown` and `setterm --blank force` ask for, as the
//! `TIOCLINUX` ioctl on the terminal). In a terminal window on X11 it is DPMS, through
//! `xset dpms force off` when `xset` is installed (no X library is linked for it). Anywhere
//! else (Wayland, which has no common way to do it; SSH; X without `xset`) the log says
//! plainly that the display stays on and the screen is only black.

use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use jiff::civil::DateTime;

use crate::schedule::Schedule;

/// The `dark` setting: the hours as written and as a schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DarkHours {
    pub text: String,
    pub schedule: Schedule,
}

impl DarkHours {
    /// Parses `--dark` / `dark = "…"` (see [`Schedule::parse_hours`]).
    pub fn parse(text: &str) -> Result<Self, String> {
        Ok(Self {
            text: text.trim().to_string(),
            schedule: Schedule::parse_hours(text)?,
        })
    }
}

/// Whether the screen should be dark, and what to do when that changes.
#[derive(Debug, Default)]
pub struct Dark {
    hours: Schedule,
    hours_text: String,
    /// `blank`, until `wake` or the given time.
    blank: Option<Option<Instant>>,
    /// Woken during dark hours: stay lit until they end.
    woken: bool,
    /// Whether the screen should be dark.
    dark: bool,
    /// Whether it is, as far as the show loop was told.
    shown_dark: bool,
}

/// A change of state for the show loop to carry out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    None,
    GoDark,
    Light,
}

impl Dark {
    /// Dark during `hours`, if any.
    pub fn new(hours: Option<&DarkHours>) -> Self {
        let mut dark = Self::default();
        dark.set_hours(hours);
        dark
    }

    /// New hours after a config reload.
    pub fn set_hours(&mut self, hours: Option<&DarkHours>) {
        match hours {
            Some(hours) => {
                self.hours_text = hours.text.clone();
                self.hours = hours.schedule.clone();
            }
            None => {
                self.hours_text.clear();
                self.hours = Schedule::default();
            }
        }
    }

    /// `blank [--for]`.
    pub fn blank(&mut self, now: Instant, duration: Option<Duration>) {
        self.blank = Some(duration.map(|d| now + d));
    }

    /// `wake` or a key press.
    pub fn wake(&mut self, local: DateTime) {
        self.blank = None;
        self.woken = self.in_hours(local);
    }

    pub fn is_dark(&self) -> bool {
        self.dark
    }

    /// Why the screen is dark now, for status.
    pub fn reason(&self, now: Instant) -> Option<String> {
        if !self.dark {
            return None;
        }
        Some(match self.blank {
            Some(Some(until)) => format!(
                "blank command, for {} more",
                humantime::format_duration(Duration::from_secs(
                    until.saturating_duration_since(now).as_secs()
                ))
            ),
            Some(None) => "blank command, until wake".into(),
            None => format!("dark hours ({})", self.hours_text),
        })
    }

    /// Works out whether the screen should be dark at `now` (local time `local`) and what
    /// the show loop must change for it.
    pub fn update(&mut self, now: Instant, local: DateTime) -> Change {
        self.decide(now, local);
        let change = match (self.shown_dark, self.dark) {
            (false, true) => Change::GoDark,
            (true, false) => Change::Light,
            _ => Change::None,
        };
        self.shown_dark = self.dark;
        change
    }

    /// Works out whether the screen should be dark at `now` (local time `local`); the change
    /// is left for [`Dark::update`].
    pub fn decide(&mut self, now: Instant, local: DateTime) {
        if let Some(Some(until)) = self.blank
            && now >= until
        {
            self.blank = None;
        }
        let in_hours = self.in_hours(local);
        if !in_hours {
            // The hours a key woke the screen in are over; the next ones count again.
            self.woken = false;
        }
        self.dark = self.blank.is_some() || (in_hours && !self.woken);
    }

    fn in_hours(&self, local: DateTime) -> bool {
        !self.hours.is_empty() && self.hours.contains(local)
    }
}

/// What became of powering the display down.
#[derive(Debug, PartialEq, Eq)]
pub enum Power {
    /// Through the Linux console's VESA blanking.
    Console,
    /// Through X11 DPMS (`xset`); whether DPMS was off before (as a kiosk session sets it,
    /// `xset -dpms`), to turn it off again on waking.
    X11 { dpms_was_off: bool },
    /// Not possible here: the screen is only black. Says why.
    Unsupported(String),
}

/// Linux console ioctl and its subcodes (linux/tiocl.h).
const TIOCLINUX: libc::c_ulong = 0x541C;
const TIOCL_SETVESABLANK: u8 = 10;
const TIOCL_BLANKSCREEN: u8 = 14;
const TIOCL_UNBLANKSCREEN: u8 = 4;
/// VESA blanking mode: power down (the deepest; the monitor goes to standby).
const VESA_POWERDOWN: u8 = 3;

fn tioclinux(terminal: &impl AsRawFd, request: [u8; 2]) -> std::io::Result<()> {
    let mut arg = request;
    // SAFETY: TIOCLINUX reads its subcode (and an argument byte) from the buffer we pass; on a
    // file that is not a Linux console the kernel refuses it with an error and touches nothing.
    let rc = unsafe { libc::ioctl(terminal.as_raw_fd(), TIOCLINUX as _, arg.as_mut_ptr()) };
    if rc < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// Powers the display behind `terminal` down: the Linux console's, or the X11 display the
/// terminal window is on.
pub fn power_down(terminal: &impl AsRawFd) -> Power {
    let result = tioclinux(terminal, [TIOCL_SETVESABLANK, VESA_POWERDOWN])
        .and_then(|()| tioclinux(terminal, [TIOCL_BLANKSCREEN, 0]));
    let not_console = match result {
        Ok(()) => return Power::Console,
        Err(err) => match err.raw_os_error() {
            Some(libc::ENOTTY) | Some(libc::EINVAL) => "not a Linux console".to_string(),
            Some(libc::EPERM) => "the console is not this process's terminal".into(),
            _ => err.to_string(),
        },
    };
    let var = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
    let has_xset = find_program("xset").is_some();
    match graphical_fallback(var("DISPLAY"), var("WAYLAND_DISPLAY"), has_xset) {
        Ok(()) => match dpms_is_off()
            .and_then(|was_off| xset(&["dpms", "force", "off"]).map(|()| was_off))
        {
            Ok(dpms_was_off) => Power::X11 { dpms_was_off },
            Err(why) => Power::Unsupported(format!("{not_console}; {why}")),
        },
        Err(why) => Power::Unsupported(format!("{not_console}; {why}")),
    }
}

/// Whether a terminal window's display can be powered down (X11 with `xset`), or why not.
fn graphical_fallback(
    display: Option<String>,
    wayland: Option<String>,
    has_xset: bool,
) -> Result<(), String> {
    match (display, wayland) {
        (Some(_), _) if has_xset => Ok(()),
        (Some(display), _) => Err(format!(
            "X display {display}, but xset is not installed (Debian: x11-xserver-utils)"
        )),
        (None, Some(_)) => Err(
            "Wayland has no common way to power the display down (let the \
             compositor's idle settings do it, e.g. swayidle)"
                .into(),
        ),
        (None, None) => Err("no X display either".into()),
    }
}

/// Runs `xset ARGS`.
fn xset(args: &[&str]) -> Result<(), String> {
    let status = std::process::Command::new("xset")
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run xset: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("xset {} failed ({status})", args.join(" ")))
    }
}

/// Whether the X server's DPMS is switched off (`xset q`); forcing the display off switches
/// it on, which would let the server blank a kiosk that asked it not to.
fn dpms_is_off() -> Result<bool, String> {
    let out = std::process::Command::new("xset")
        .arg("q")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run xset: {e}"))?;
    if !out.status.success() {
        return Err(format!("xset q failed ({})", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).contains("DPMS is Disabled"))
}

/// `name` in one of the `PATH` directories, if it is there.
fn find_program(name: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// Powers the display back up after [`power_down`] said how it went down.
pub fn power_up(terminal: &impl AsRawFd, how: &Power) {
    match how {
        Power::Console => {
            let _ = tioclinux(terminal, [TIOCL_UNBLANKSCREEN, 0]);
        }
        Power::X11 { dpms_was_off } => {
            let mut result = xset(&["dpms", "force", "on"]);
            if *dpms_was_off {
                result = result.and_then(|()| xset(&["-dpms"]));
            }
            if let Err(why) = result {
                log::warn!("cannot power the display up again: {why}");
            }
        }
        Power::Unsupported(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    /// 2025-03-14 is a Friday.
    fn friday(h: i8) -> DateTime {
        date(2025, 3, 14).at(h, 0, 0, 0)
    }

    #[test]
    fn dark_hours_come_and_go_and_a_key_wakes_until_they_end() {
        let hours = DarkHours::parse(" Mon-Fri 20:00-07:00 ").unwrap();
        let mut dark = Dark::new(Some(&hours));
        let now = Instant::now();
        assert_eq!(dark.update(now, friday(12)), Change::None);
        assert_eq!(dark.update(now, friday(20)), Change::GoDark);
        assert_eq!(
            dark.reason(now).unwrap(),
            "dark hours (Mon-Fri 20:00-07:00)"
        );
        assert_eq!(dark.update(now, friday(21)), Change::None);
        dark.wake(friday(21));
        assert_eq!(dark.update(now, friday(21)), Change::Light);
        assert_eq!(dark.update(now, friday(23)), Change::None, "stays lit");
        assert_eq!(
            dark.update(now, date(2025, 3, 17).at(12, 0, 0, 0)),
            Change::None
        );
        assert_eq!(
            dark.update(now, date(2025, 3, 17).at(20, 0, 0, 0)),
            Change::GoDark,
            "the next dark hours count again"
        );
    }

    #[test]
    fn blank_lasts_until_wake_or_its_time() {
        let mut dark = Dark::new(None);
        let now = Instant::now();
        dark.blank(now, Some(Duration::from_secs(3600)));
        assert_eq!(dark.update(now, friday(12)), Change::GoDark);
        assert!(
            dark.reason(now)
                .unwrap()
                .starts_with("blank command, for 1h")
        );
        let later = now + Duration::from_secs(3600);
        assert_eq!(dark.update(later, friday(13)), Change::Light);
        dark.blank(later, None);
        assert_eq!(dark.update(later, friday(13)), Change::GoDark);
        assert_eq!(
            dark.update(later + Duration::from_secs(86_400), friday(13)),
            Change::None
        );
        dark.wake(friday(13));
        assert_eq!(dark.update(later, friday(13)), Change::Light);
        assert!(dark.reason(later).is_none());
    }

    #[test]
    fn powering_down_a_terminal_that_is_not_a_console_says_why() {
        let file = std::fs::File::open("/dev/null").unwrap();
        match power_down(&file) {
            Power::Unsupported(why) => assert!(why.starts_with("not a Linux console; "), "{why}"),
            // A test run inside an X session with xset really blanks it; light it again.
            x11 @ Power::X11 { .. } => power_up(&file, &x11),
            Power::Console => panic!("/dev/null is no console"),
        }
    }

    #[test]
    fn a_terminal_window_is_powered_down_only_on_x11_with_xset() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(graphical_fallback(some(":0"), None, true), Ok(()));
        assert_eq!(
            graphical_fallback(some(":0"), some("wayland-0"), true),
            Ok(())
        );
        let why = |d, w, x| graphical_fallback(d, w, x).unwrap_err();
        assert!(why(some(":0"), None, false).contains("xset is not installed"));
        assert!(why(None, some("wayland-0"), true).contains("Wayland has no common way"));
        assert_eq!(why(None, None, true), "no X display either");
    }
}

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
//! `TIOCLINUX` ioctl on the terminal). Anywhere else (a terminal emulator, SSH, X or Wayland)
//! the log says once that the screen is only black.

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
    Off,
    /// Not a Linux console (or not allowed): the screen is only black. Says why.
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

/// Powers the display behind `terminal` down, if it is the Linux console.
pub fn power_down(terminal: &impl AsRawFd) -> Power {
    let result = tioclinux(terminal, [TIOCL_SETVESABLANK, VESA_POWERDOWN])
        .and_then(|()| tioclinux(terminal, [TIOCL_BLANKSCREEN, 0]));
    match result {
        Ok(()) => Power::Off,
        Err(err) => Power::Unsupported(match err.raw_os_error() {
            Some(libc::ENOTTY) | Some(libc::EINVAL) => "not a Linux console".into(),
            Some(libc::EPERM) => "the console is not this process's terminal".into(),
            _ => err.to_string(),
        }),
    }
}

/// Powers the display back up after [`power_down`].
pub fn power_up(terminal: &impl AsRawFd) {
    let _ = tioclinux(terminal, [TIOCL_UNBLANKSCREEN, 0]);
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
        assert_eq!(
            power_down(&file),
            Power::Unsupported("not a Linux console".into())
        );
        power_up(&file);
    }
}

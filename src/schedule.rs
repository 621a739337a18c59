//! When a playlist item may play: weekday and time-of-day windows in local time.
//!
//! A config item carries `schedule = { days = ["fri"], from = "16:00", to = "18:00" }`, or a
//! list of such windows. A window whose `to` is earlier than its `from` runs past midnight into
//! the next day (`days = ["fri"], from = "22:00", to = "02:00"` includes Saturday 01:00). An item
//! without a schedule may always play. Everything here is a pure function of a civil date-time,
//! so selection is testable at any clock time.

use jiff::civil::DateTime;
use serde::Deserialize;

const MINUTES_PER_DAY: u16 = 24 * 60;
const EVERY_DAY: u8 = 0b111_1111;
const DAY_NAMES: [(&str, &str); 7] = [
    ("mon", "monday"),
    ("tue", "tuesday"),
    ("wed", "wednesday"),
    ("thu", "thursday"),
    ("fri", "friday"),
    ("sat", "saturday"),
    ("sun", "sunday"),
];

/// The windows in which an item may play; empty means always.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schedule {
    windows: Vec<Window>,
}

/// Days of the week (bit 0 = Monday) and a time-of-day range in minutes since midnight;
/// `from == to` means the whole day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Window {
    days: u8,
    from: u16,
    to: u16,
}

impl Schedule {
    /// Whether local time `now` falls in one of the windows (always true without windows).
    pub fn contains(&self, now: DateTime) -> bool {
        if self.windows.is_empty() {
            return true;
        }
        let day = now.weekday().to_monday_zero_offset() as u8;
        let minute = now.hour() as u16 * 60 + now.minute() as u16;
        self.windows.iter().any(|w| w.contains(day, minute))
    }

    /// Reads a schedule from its config value: one window table or a list of them.
    pub fn from_toml(value: toml::Value) -> Result<Self, String> {
        let values = match value {
            toml::Value::Array(values) => values,
            one => vec![one],
        };
        let windows = values
            .into_iter()
            .map(|v| {
                v.try_into::<RawWindow>()
                    .map_err(|e| {
                        format!(
                            "bad schedule: {} (write e.g. {{ days = [\"fri\"], from = \"16:00\", \
                             to = \"18:00\" }})",
                            e.message().trim()
                        )
                    })?
                    .resolve()
            })
            .collect::<Result<Vec<_>, _>>()?;
        if windows.is_empty() {
            return Err("a schedule needs at least one window".into());
        }
        Ok(Self { windows })
    }
}

impl Schedule {
    /// Reads hours written on one line, as the `dark` setting takes them:
    /// `"Mon-Fri 20:00-07:00, Sat-Sun"`. Each comma-separated entry is days (as in a
    /// schedule's `days`; all days when left out) and a time range (the whole day when left
    /// out). Unlike an item's window, a range past midnight means those hours *on those days*:
    /// `Mon-Fri 20:00-07:00` is dark on weekday evenings and on weekday mornings, Monday's
    /// small hours included, which is what a wall-screen owner means by it.
    pub fn parse_hours(text: &str) -> Result<Self, String> {
        let mut windows = Vec::new();
        for entry in text.split(',').map(str::trim) {
            if entry.is_empty() {
                return Err(format!(
                    "'{text}' has an empty entry (write e.g. \"Mon-Fri 20:00-07:00, Sat-Sun\")"
                ));
            }
            let mut days = EVERY_DAY;
            let mut hours = None;
            for word in entry.split_whitespace() {
                let range = if word.contains(':') {
                    let (a, b) = word.split_once('-').ok_or_else(|| {
                        format!("'{word}' is not a time range (e.g. 20:00-07:00)")
                    })?;
                    Some((parse_time(a)?, parse_time(b)?))
                } else {
                    None
                };
                match range {
                    Some(range) if hours.is_none() => hours = Some(range),
                    Some(_) => return Err(format!("'{entry}' has two time ranges")),
                    None if hours.is_none() && days == EVERY_DAY => days = parse_days(word)?,
                    None => {
                        return Err(format!(
                            "'{entry}': expected days then a time range, e.g. Mon-Fri 20:00-07:00"
                        ));
                    }
                }
            }
            match hours {
                None => windows.push(Window {
                    days,
                    from: 0,
                    to: 0,
                }),
                Some((from, to)) if from == to => {
                    return Err(format!("'{entry}' is an empty time range"));
                }
                Some((from, to)) if from < to => windows.push(Window { days, from, to }),
                Some((from, to)) => {
                    // "24:00" reads as the end of the day here.
                    windows.push(Window { days, from, to: 0 });
                    if to > 0 {
                        windows.push(Window { days, from: 0, to });
                    }
                }
            }
        }
        Ok(Self { windows })
    }

    /// Whether the schedule has any windows (an empty one is "always" for items, "never" for
    /// dark hours).
    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }
}

impl Window {
    fn contains(&self, day: u8, minute: u16) -> bool {
        let on = |d: u8| self.days & (1 << d) != 0;
        if self.from == self.to {
            return on(day);
        }
        if self.from < self.to {
            return on(day) && (self.from..self.to).contains(&minute);
        }
        // Crosses midnight: the evening part belongs to the listed day, the small hours to the
        // day after it.
        let yesterday = (day + 6) % 7;
        (on(day) && minute >= self.from) || (on(yesterday) && minute < self.to)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            Self::One(t) => vec![t],
            Self::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a window table")]
struct RawWindow {
    days: Option<OneOrMany<String>>,
    from: Option<String>,
    to: Option<String>,
}

impl RawWindow {
    fn resolve(self) -> Result<Window, String> {
        let days = match self.days {
            None => EVERY_DAY,
            Some(days) => days
                .into_vec()
                .iter()
                .map(|d| parse_days(d))
                .try_fold(0, |acc, d| d.map(|d| acc | d))?,
        };
        let from = self.from.as_deref().map_or(Ok(0), parse_time)?;
        // "24:00" (the default end) is midnight, the same minute as "00:00" of the next day.
        let to = self.to.as_deref().map_or(Ok(0), parse_time)? % MINUTES_PER_DAY;
        Ok(Window { days, from, to })
    }
}

/// `"16:00"` (or `"24:00"` for the end of the day) as minutes since midnight.
fn parse_time(s: &str) -> Result<u16, String> {
    let err = || format!("bad time '{s}' (expected HH:MM, 24-hour, e.g. 16:00)");
    let (h, m) = s.trim().split_once(':').ok_or_else(err)?;
    let h: u16 = h.parse().map_err(|_| err())?;
    let m: u16 = m.parse().map_err(|_| err())?;
    if m >= 60 || h > 24 || (h == 24 && m > 0) {
        return Err(err());
    }
    Ok(h * 60 + m)
}

/// A day name (`fri`, `Friday`), a range (`mon-fri`), `weekdays`, `weekend` or `daily`, as a
/// bit set with Monday in bit 0.
fn parse_days(s: &str) -> Result<u8, String> {
    let s = s.trim().to_ascii_lowercase();
    match s.as_str() {
        "daily" | "every day" | "all" => return Ok(EVERY_DAY),
        "weekdays" => return Ok(0b001_1111),
        "weekend" | "weekends" => return Ok(0b110_0000),
        _ => {}
    }
    let day = |name: &str| {
        let name = name.trim();
        DAY_NAMES
            .iter()
            .position(|(short, long)| name == *short || name == *long)
            .ok_or_else(|| {
                format!("unknown day '{name}' (use mon..sun, mon-fri, weekdays, weekend or daily)")
            })
    };
    if let Some((a, b)) = s.split_once('-') {
        let (a, b) = (day(a)?, day(b)?);
        // A range may wrap over the weekend: fri-mon is Fri, Sat, Sun, Mon.
        let mut bits = 0;
        let mut d = a;
        loop {
            bits |= 1 << d;
            if d == b {
                break;
            }
            d = (d + 1) % 7;
        }
        return Ok(bits);
    }
    Ok(1 << day(&s)?)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn schedule(toml_text: &str) -> Result<Schedule, String> {
        let table: toml::Table = toml::from_str(toml_text).unwrap();
        Schedule::from_toml(table["schedule"].clone())
    }

    /// 2025-03-14 is a Friday.
    fn friday(h: i8, m: i8) -> DateTime {
        date(2025, 3, 14).at(h, m, 0, 0)
    }

    #[test]
    fn friday_afternoon_window() {
        let s = schedule(r#"schedule = { days = ["fri"], from = "16:00", to = "18:00" }"#).unwrap();
        assert!(!s.contains(friday(15, 59)));
        assert!(s.contains(friday(16, 0)));
        assert!(s.contains(friday(17, 59)));
        assert!(!s.contains(friday(18, 0)));
        // Same time on Thursday and Saturday.
        assert!(!s.contains(date(2025, 3, 13).at(16, 30, 0, 0)));
        assert!(!s.contains(date(2025, 3, 15).at(16, 30, 0, 0)));
    }

    #[test]
    fn window_crossing_midnight_belongs_to_the_day_it_starts() {
        let s = schedule(r#"schedule = { days = "fri", from = "22:00", to = "02:00" }"#).unwrap();
        assert!(s.contains(friday(23, 0)));
        assert!(
            s.contains(date(2025, 3, 15).at(1, 59, 0, 0)),
            "Saturday 01:59"
        );
        assert!(!s.contains(date(2025, 3, 15).at(2, 0, 0, 0)));
        assert!(
            !s.contains(friday(1, 0)),
            "Friday 01:00 is Thursday night's"
        );
    }

    #[test]
    fn lists_ranges_and_whole_days() {
        let s = schedule(
            r#"schedule = [{ days = ["mon-wed"], from = "08:00", to = "09:00" },
                           { days = "weekend" }]"#,
        )
        .unwrap();
        assert!(s.contains(date(2025, 3, 11).at(8, 30, 0, 0)), "Tuesday");
        assert!(!s.contains(date(2025, 3, 13).at(8, 30, 0, 0)), "Thursday");
        assert!(
            s.contains(date(2025, 3, 16).at(3, 0, 0, 0)),
            "Sunday, any time"
        );
        let evening = schedule(r#"schedule = { from = "18:00", to = "24:00" }"#).unwrap();
        assert!(evening.contains(friday(23, 59)));
        assert!(!evening.contains(friday(0, 0)));
        let wrap = schedule(r#"schedule = { days = "fri-mon" }"#).unwrap();
        assert!(wrap.contains(date(2025, 3, 17).at(12, 0, 0, 0)), "Monday");
        assert!(!wrap.contains(date(2025, 3, 18).at(12, 0, 0, 0)), "Tuesday");
    }

    #[test]
    fn hours_on_one_line_as_dark_hours_take_them() {
        let dark = Schedule::parse_hours("Mon-Fri 20:00-07:00, Sat-Sun").unwrap();
        assert!(dark.contains(friday(20, 0)));
        assert!(dark.contains(friday(6, 59)));
        assert!(!dark.contains(friday(7, 0)));
        assert!(!dark.contains(friday(19, 59)));
        assert!(dark.contains(date(2025, 3, 15).at(12, 0, 0, 0)), "Saturday");
        assert!(
            dark.contains(date(2025, 3, 17).at(3, 0, 0, 0)),
            "Monday's small hours"
        );
        assert!(!dark.contains(date(2025, 3, 17).at(9, 0, 0, 0)));
        let nightly = Schedule::parse_hours("22:00-24:00").unwrap();
        assert!(nightly.contains(friday(23, 0)) && !nightly.contains(friday(1, 0)));
        for (bad, expect) in [
            ("Mon-Fri 20:00-07:00,", "empty entry"),
            ("Fry", "unknown day 'fry'"),
            ("Mon 10:00-10:00", "empty time range"),
            ("Mon 10:00-11:00 12:00-13:00", "two time ranges"),
            ("10:00-11:00 Mon", "expected days then a time range"),
            ("Mon-Fri 25:00-07:00", "bad time '25:00'"),
            ("Mon 20:00", "not a time range"),
        ] {
            let err = Schedule::parse_hours(bad).unwrap_err();
            assert!(err.contains(expect), "{bad}: {err}");
        }
    }

    #[test]
    fn bad_schedules_say_what_is_wrong() {
        let err = schedule(r#"schedule = { days = ["fry"] }"#).unwrap_err();
        assert!(err.contains("unknown day 'fry'"), "{err}");
        let err = schedule(r#"schedule = { from = "25:00" }"#).unwrap_err();
        assert!(err.contains("bad time '25:00'"), "{err}");
        let err = schedule(r#"schedule = { form = "16:00" }"#).unwrap_err();
        assert!(err.contains("form"), "{err}");
        // The one-line form of `dark` is not a window: the error names what is expected in
        // the config's own words, never a Rust type.
        let err = schedule(r#"schedule = "Fri 16:00-18:00""#).unwrap_err();
        assert!(
            err.contains("expected a window table") && err.contains("days = [\"fri\"]"),
            "{err}"
        );
        assert!(!err.contains("RawWindow"), "{err}");
        assert!(schedule("schedule = []").is_err());
        assert!(Schedule::default().contains(friday(3, 0)));
    }
}

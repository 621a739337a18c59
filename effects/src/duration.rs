//! Durations as people write them, for every duration flag and config key of vitrine and its
//! effects: one or more `<number><unit>` parts such as `30s`, `1m30s`, `500ms`, `2.5s`,
//! `1h 30m`. Units: `ms`, `s`, `m`, `h`, `d` (and their long names: `sec`, `min`, `hours`...).
//! Numbers are decimal (no exponent), parsed exactly: `0.1s` is 100 ms to the nanosecond.

use std::time::Duration;

/// The longest duration accepted, so arithmetic on it can never overflow.
pub const MAX: Duration = Duration::from_secs(366 * 24 * 3600);

/// A duration with units, longer than zero and at most [`MAX`]: `30s`, `1m30s`, `500ms`.
/// A bare number is refused (which unit would it be?); see [`parse_seconds`] for flags that
/// document seconds as their unit.
pub fn parse(text: &str) -> Result<Duration, String> {
    parse_with(text, None)
}

/// [`parse`], but a bare number is seconds: `5`, `0.5`, as well as `1m30s` or `500ms`.
pub fn parse_seconds(text: &str) -> Result<Duration, String> {
    parse_with(text, Some(NANOS_PER_SECOND))
}

/// A built-in default written as text, so that `--help` shows it as the flag is typed and
/// `impl Default` uses the same text. Panics on a malformed constant (a programming error the
/// defaults test in the registry catches), never on user input.
pub(crate) fn builtin(text: &'static str) -> Duration {
    parse(text).unwrap_or_else(|e| panic!("built-in default: {e}"))
}

const NANOS_PER_SECOND: u128 = 1_000_000_000;
const EXAMPLES: &str = "e.g. 30s, 1m30s, 500ms or 2.5s";

/// Parses `text`; `bare` is the unit (in nanoseconds) of a number without one, if allowed.
fn parse_with(text: &str, bare: Option<u128>) -> Result<Duration, String> {
    let trimmed = text.trim();
    let fail = |why: String| format!("'{trimmed}' is not a duration: {why}");
    if trimmed.is_empty() {
        return Err(format!("a duration is empty ({EXAMPLES})"));
    }
    if trimmed.starts_with('-') {
        return Err(fail("a duration cannot be negative".into()));
    }
    let mut nanos: u128 = 0;
    let mut rest = trimmed;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(number_len);
        let tail = tail.trim_start();
        let unit_len = tail
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        if number.is_empty() {
            return Err(fail(format!(
                "expected a number before '{rest}' ({EXAMPLES})"
            )));
        }
        let per_unit = if unit.is_empty() {
            // Only a whole-text bare number takes the flag's documented unit: `1m30` is a typo.
            match bare {
                Some(unit) if nanos == 0 && tail.trim().is_empty() => unit,
                _ => return Err(fail(format!("'{number}' needs a unit ({EXAMPLES})"))),
            }
        } else {
            unit_nanos(unit).ok_or_else(|| {
                fail(format!(
                    "unknown unit '{unit}' (use ms, s, m, h or d; {EXAMPLES})"
                ))
            })?
        };
        let part = decimal_times(number, per_unit)
            .ok_or_else(|| fail(format!("'{number}' is not a number ({EXAMPLES})")))?;
        nanos = nanos.saturating_add(part);
        rest = tail.trim_start();
    }
    if nanos == 0 {
        return Err(fail("it must be longer than zero".into()));
    }
    if nanos > MAX.as_nanos() {
        return Err(fail("it must be at most 366 days".into()));
    }
    // At most MAX, so the seconds fit a u64 and the rest is below a second.
    let seconds = (nanos / NANOS_PER_SECOND) as u64;
    Ok(Duration::new(seconds, (nanos % NANOS_PER_SECOND) as u32))
}

/// Nanoseconds in one `unit`, for the short and long spellings.
fn unit_nanos(unit: &str) -> Option<u128> {
    let second = NANOS_PER_SECOND;
    Some(match unit.to_ascii_lowercase().as_str() {
        "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => second / 1000,
        "s" | "sec" | "secs" | "second" | "seconds" => second,
        "m" | "min" | "mins" | "minute" | "minutes" => 60 * second,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600 * second,
        "d" | "day" | "days" => 86_400 * second,
        _ => return None,
    })
}

/// `number` (digits with at most one `.`) times `per_unit` nanoseconds, rounded to the
/// nanosecond; `None` if it is not such a number. Saturates instead of overflowing.
fn decimal_times(number: &str, per_unit: u128) -> Option<u128> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return None;
    }
    let digits = |s: &str| -> Option<u128> {
        s.bytes().try_fold(0u128, |acc, b| {
            Some(acc.saturating_mul(10).saturating_add(u128::from(b - b'0')))
        })
    };
    let whole = if whole.is_empty() { 0 } else { digits(whole)? };
    // Nanoseconds need at most 18 fraction digits at any unit here; more cannot change them.
    let fraction = &fraction[..fraction.len().min(18)];
    let scale = 10u128.pow(fraction.len() as u32);
    let fraction_nanos = if fraction.is_empty() {
        0
    } else {
        (digits(fraction)? * per_unit + scale / 2) / scale
    };
    Some(
        whole
            .saturating_mul(per_unit)
            .saturating_add(fraction_nanos),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_combine_and_decimals_are_exact() {
        let ms = Duration::from_millis;
        for (text, expected) in [
            ("30s", ms(30_000)),
            ("1m30s", ms(90_000)),
            ("1m 30s", ms(90_000)),
            ("500ms", ms(500)),
            ("2.5s", ms(2500)),
            (" 0.1s ", ms(100)),
            (".5s", ms(500)),
            ("1h30m", ms(5_400_000)),
            ("2 min", ms(120_000)),
            ("1d", ms(86_400_000)),
            ("3Hours", ms(10_800_000)),
            ("1.5m", ms(90_000)),
            ("0.0000000015s", Duration::from_nanos(2)),
        ] {
            assert_eq!(parse(text), Ok(expected), "{text}");
            assert_eq!(parse_seconds(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn bare_numbers_are_seconds_only_where_the_unit_is_documented() {
        assert_eq!(parse_seconds("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_seconds("0.25"), Ok(Duration::from_millis(250)));
        let err = parse("30").unwrap_err();
        assert!(err.contains("'30' needs a unit"), "{err}");
        // A number without a unit after other parts is a typo, not seconds.
        let err = parse_seconds("1m30").unwrap_err();
        assert!(err.contains("'30' needs a unit"), "{err}");
    }

    #[test]
    fn bad_durations_say_why() {
        for (text, why) in [
            ("", "empty"),
            ("0s", "longer than zero"),
            ("0", "needs a unit"),
            ("-5s", "cannot be negative"),
            ("soon", "expected a number before 'soon'"),
            ("5 fortnights", "unknown unit 'fortnights'"),
            ("1.2.3s", "'1.2.3' is not a number"),
            (".s", "'.' is not a number"),
            ("1e3s", "unknown unit 'e'"),
            ("367d", "at most 366 days"),
            (
                "99999999999999999999999999999999999999999h",
                "at most 366 days",
            ),
            ("1s!", "expected a number before '!'"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(err.contains(why), "{text:?}: {err}");
        }
        assert!(parse_seconds("0").unwrap_err().contains("longer than zero"));
        assert_eq!(parse("366d"), Ok(MAX));
    }
}

//! The control protocol: what a client may ask a running show, and what it answers.
//!
//! One [`Request`] definition serves every way in: it is the `vitrine ctl` subcommand (clap),
//! a line of JSON on the control socket (serde: `{"cmd":"say","text":"…","for":"5m"}`), and
//! the body of `POST /api/<cmd>` over HTTP. Every request is answered with one [`Response`]:
//! `{"ok":true,"status":{…}}` (the show's state after the command) or
//! `{"ok":false,"error":"…","kind":"usage"|"failure"}`.

use std::fmt;
use std::time::Duration;

use clap::Subcommand;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Longest request line (or HTTP body) accepted; a `say` text is far shorter.
pub const MAX_REQUEST_BYTES: usize = 4096;

/// Longest `say` text, in characters, after sanitising.
pub const MAX_SAY_CHARS: usize = 500;

/// Longest `say --for` and `blank --for`.
pub const MAX_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

/// A command for a running show.
#[derive(Clone, Debug, PartialEq, Eq, Subcommand, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "lowercase", deny_unknown_fields)]
pub enum Request {
    /// What is showing: item, effect, message, time left, paused, dark, size, uptime, config.
    Status,
    /// Skip to the next item.
    Next,
    /// Go back to the previous item.
    Prev,
    /// Jump to an item: an effect name or a playlist position (1 is the first item).
    Goto {
        #[serde(deserialize_with = "name_or_number")]
        item: String,
    },
    /// Pause the animation and the playlist.
    Pause,
    /// Resume after `pause`.
    Resume,
    /// Interrupt the playlist with an urgent message, then return to where it was.
    Say {
        /// The message (quote it); escape sequences and control characters are removed.
        text: String,
        /// How long the message stays up.
        #[arg(long = "for", value_name = "DURATION")]
        #[serde(rename = "for", default, skip_serializing_if = "Option::is_none")]
        duration: Option<Lasting>,
        /// The effect that shows it (default: glitch).
        #[arg(long, value_name = "NAME")]
        #[serde(default, skip_serializing_if = "Option::is_none")]
        effect: Option<String>,
    },
    /// End a `say` message early.
    Clear,
    /// Read the config and message files again now.
    Reload,
    /// Blank the screen (and power the display down where possible) until `wake`.
    Blank {
        /// Wake by itself after this long.
        #[arg(long = "for", value_name = "DURATION")]
        #[serde(rename = "for", default, skip_serializing_if = "Option::is_none")]
        duration: Option<Lasting>,
    },
    /// Light the screen again after `blank` or during dark hours.
    Wake,
}

impl Request {
    /// The command's name, as in `vitrine ctl NAME` and `POST /api/NAME`.
    pub fn name(&self) -> &'static str {
        match self {
            Request::Status => "status",
            Request::Next => "next",
            Request::Prev => "prev",
            Request::Goto { .. } => "goto",
            Request::Pause => "pause",
            Request::Resume => "resume",
            Request::Say { .. } => "say",
            Request::Clear => "clear",
            Request::Reload => "reload",
            Request::Blank { .. } => "blank",
            Request::Wake => "wake",
        }
    }

    /// Parses one request line of JSON, with limits: at most [`MAX_REQUEST_BYTES`], UTF-8, one
    /// object; any problem is one usage error, a malformed line's with an example line.
    pub fn parse(bytes: &[u8]) -> Result<Request, Failure> {
        Self::parse_with_example(bytes, " (e.g. {\"cmd\":\"status\"})")
    }

    /// As [`Request::parse`], for the HTTP API's request built from its path and body: a line
    /// of JSON is not what an HTTP client sends, so its errors show no example line.
    pub fn parse_from_http(bytes: &[u8]) -> Result<Request, Failure> {
        Self::parse_with_example(bytes, "")
    }

    fn parse_with_example(bytes: &[u8], example: &str) -> Result<Request, Failure> {
        if bytes.len() > MAX_REQUEST_BYTES {
            return Err(Failure::usage(format!(
                "request too large ({} bytes, at most {MAX_REQUEST_BYTES})",
                bytes.len()
            )));
        }
        let text =
            std::str::from_utf8(bytes).map_err(|_| Failure::usage("request is not UTF-8 text"))?;
        let bad = |e: serde_json::Error| {
            // serde_json's message names the problem; its position is noise on one line.
            let message = e.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            Failure::usage(format!("bad request: {message}{example}"))
        };
        let value: serde_json::Value = serde_json::from_str(text.trim()).map_err(bad)?;
        let request: Request = serde_json::from_value(value.clone()).map_err(bad)?;
        // serde lets extra fields through on commands without any; a typo must not be ignored.
        if let Some(extra) = value.as_object().and_then(|fields| {
            fields
                .keys()
                .find(|k| *k != "cmd" && !request.fields().contains(&k.as_str()))
        }) {
            return Err(Failure::usage(format!(
                "bad request: unknown field `{extra}` for {}",
                request.name()
            )));
        }
        request.validate()?;
        Ok(request)
    }

    /// The fields a command takes besides `cmd`.
    fn fields(&self) -> &'static [&'static str] {
        match self {
            Request::Goto { .. } => &["item"],
            Request::Say { .. } => &["text", "for", "effect"],
            Request::Blank { .. } => &["for"],
            _ => &[],
        }
    }

    /// Checks what serde cannot: lengths. Text is sanitised by the show.
    pub fn validate(&self) -> Result<(), Failure> {
        match self {
            Request::Say { text, .. } if text.chars().count() > MAX_SAY_CHARS => {
                Err(Failure::usage(format!(
                    "say: text too long (at most {MAX_SAY_CHARS} characters)"
                )))
            }
            Request::Goto { item } if item.trim().is_empty() => {
                Err(Failure::usage("goto: name an effect or a position"))
            }
            _ => Ok(()),
        }
    }
}

/// A `--for` duration, written as on the command line (`5m`, `1h30m`), longer than zero and
/// at most [`MAX_FOR`]; it travels in JSON as that text too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lasting(pub Duration);

impl std::str::FromStr for Lasting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let d =
            humantime::parse_duration(s.trim()).map_err(|e| format!("{e} (try 30s, 5m, 1h)"))?;
        if d.is_zero() || d > MAX_FOR {
            return Err("--for must be longer than zero and at most 7 days".into());
        }
        Ok(Lasting(d))
    }
}

impl Serialize for Lasting {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_duration(self.0).to_string())
    }
}

impl<'de> Deserialize<'de> for Lasting {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// `goto` takes `"glitch"` or `2` in JSON.
fn name_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NameOrNumber {
        Name(String),
        Number(u64),
    }
    Ok(match NameOrNumber::deserialize(d)? {
        NameOrNumber::Name(name) => name,
        NameOrNumber::Number(n) => n.to_string(),
    })
}

/// Whose fault a failed command is: the asker's (exit code 2) or the show's (exit code 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    Usage,
    Failure,
}

/// A command that could not be carried out, in one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            kind: FailureKind::Usage,
            message: message.into(),
        }
    }

    pub fn runtime(message: impl Into<String>) -> Self {
        Self {
            kind: FailureKind::Failure,
            message: message.into(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What a running show is doing, as `status` (and every successful command) reports it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// Position of the playlist item (1 is the first) and how many there are.
    pub item: usize,
    pub items: usize,
    /// The effect on screen (the `say` effect while a message interrupts).
    pub effect: String,
    pub style: Option<String>,
    /// The message on screen.
    pub message: String,
    /// Seconds until the playlist moves on; `None` when it does not (a single item).
    pub time_left: Option<f64>,
    pub paused: bool,
    /// The urgent message, while one interrupts the playlist.
    pub say: Option<SayStatus>,
    /// Why the screen is dark, while it is.
    pub dark: Option<String>,
    pub color_depth: String,
    pub cols: u16,
    pub rows: u16,
    pub uptime: f64,
    pub config: Option<String>,
    pub config_error: Option<String>,
    /// Browser viewers of the live view.
    pub viewers: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SayStatus {
    pub text: String,
    pub time_left: f64,
}

/// The answer to one request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<FailureKind>,
}

impl From<Result<Status, Failure>> for Response {
    fn from(result: Result<Status, Failure>) -> Self {
        match result {
            Ok(status) => Self {
                ok: true,
                status: Some(status),
                error: None,
                kind: None,
            },
            Err(failure) => Self {
                ok: false,
                status: None,
                error: Some(failure.message),
                kind: Some(failure.kind),
            },
        }
    }
}

impl Response {
    /// One line of JSON, newline included.
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"ok":false,"error":"cannot encode the reply","kind":"failure"}"#.into()
        });
        line.push('\n');
        line
    }
}

impl fmt::Display for Status {
    /// The human-readable form `vitrine ctl` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(why) = &self.dark {
            writeln!(f, "dark:     {why}")?;
        }
        if let Some(say) = &self.say {
            writeln!(
                f,
                "saying:   {} ({} left)",
                say.text,
                seconds(say.time_left)
            )?;
        }
        let style = self
            .style
            .as_deref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        writeln!(
            f,
            "showing:  item {}/{}: {}{style}{}",
            self.item,
            self.items,
            self.effect,
            if self.paused { ", paused" } else { "" }
        )?;
        writeln!(f, "message:  {}", self.message)?;
        if let Some(left) = self.time_left {
            writeln!(f, "next in:  {}", seconds(left))?;
        }
        writeln!(
            f,
            "screen:   {}x{}, {} colours; up {}; {} browser viewer(s)",
            self.cols,
            self.rows,
            self.color_depth,
            seconds(self.uptime),
            self.viewers
        )?;
        if let Some(config) = &self.config {
            writeln!(f, "config:   {config}")?;
        }
        if let Some(error) = &self.config_error {
            writeln!(f, "config error: {error}")?;
        }
        Ok(())
    }
}

impl Status {
    /// One line: what the screen shows now.
    pub fn summary(&self) -> String {
        if let Some(why) = &self.dark {
            return format!("The screen is dark ({why}).");
        }
        if let Some(say) = &self.say {
            return format!("Saying \"{}\" for {}.", say.text, seconds(say.time_left));
        }
        format!(
            "Showing item {}/{}: {}{}.",
            self.item,
            self.items,
            self.effect,
            if self.paused { " (paused)" } else { "" }
        )
    }
}

/// Whole seconds, as humantime writes them (`4m 5s`).
fn seconds(secs: f64) -> String {
    humantime::format_duration(Duration::from_secs(secs.max(0.0) as u64)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_command_from_json() {
        let cases = [
            (r#"{"cmd":"status"}"#, Request::Status),
            (r#" {"cmd":"next"} "#, Request::Next),
            (
                r#"{"cmd":"goto","item":2}"#,
                Request::Goto { item: "2".into() },
            ),
            (
                r#"{"cmd":"say","text":"회의 5분 전","for":"5m","effect":"water"}"#,
                Request::Say {
                    text: "회의 5분 전".into(),
                    duration: Some(Lasting(Duration::from_secs(300))),
                    effect: Some("water".into()),
                },
            ),
            (r#"{"cmd":"blank"}"#, Request::Blank { duration: None }),
        ];
        for (line, expected) in cases {
            assert_eq!(Request::parse(line.as_bytes()).unwrap(), expected, "{line}");
            // And back: what a client sends parses to the same request.
            let sent = serde_json::to_string(&expected).unwrap();
            assert_eq!(Request::parse(sent.as_bytes()).unwrap(), expected);
        }
    }

    #[test]
    fn bad_requests_are_one_usage_error_each() {
        let huge = format!(r#"{{"cmd":"say","text":"{}"}}"#, "x".repeat(5000));
        for (line, expect) in [
            (&b"{\"cmd\":\"dance\"}"[..], "unknown variant `dance`"),
            (b"{\"cmd\":\"next\",\"x\":1}", "unknown field `x` for next"),
            (
                b"{\"cmd\":\"say\",\"text\":\"a\",\"effct\":1}",
                "unknown field `effct`",
            ),
            (b"not json", "bad request"),
            (b"\xff\xfe\x00", "not UTF-8"),
            (huge.as_bytes(), "too large"),
            (
                b"{\"cmd\":\"say\",\"text\":\"hi\",\"for\":\"0s\"}",
                "longer than zero",
            ),
            (b"{\"cmd\":\"blank\",\"for\":\"30d\"}", "at most 7 days"),
            (b"{\"cmd\":\"goto\",\"item\":\" \"}", "name an effect"),
            (b"{\"cmd\":\"goto\"}", "missing field `item`"),
        ] {
            let failure = Request::parse(line).unwrap_err();
            assert_eq!(failure.kind, FailureKind::Usage);
            assert!(failure.message.contains(expect), "{}", failure.message);
            assert!(!failure.message.contains('\n'));
        }
    }

    #[test]
    fn responses_are_one_line() {
        let ok = Response::from(Ok(Status {
            message: "line one\nline two".into(),
            ..Status::default()
        }))
        .to_line();
        assert_eq!(ok.matches('\n').count(), 1);
        let err = Response::from(Err(Failure::usage("unknown item 'x'"))).to_line();
        assert_eq!(
            err,
            "{\"ok\":false,\"error\":\"unknown item 'x'\",\"kind\":\"usage\"}\n"
        );
    }
}

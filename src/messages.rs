//! Where the kiosk messages come from: flags, a message file, or the built-in default.

use std::io::Read;
use std::path::Path;

use anyhow::{Context as _, Result};
use vitrine_effects::text::sanitize;

use crate::error::UsageError;

/// Shown when no message is given.
pub const DEFAULT_MESSAGES: &str = include_str!("../assets/messages.txt");

/// Parses a message file: one message per line; blank lines and `#` comments are skipped.
/// Every message is sanitised, so escape sequences never reach the terminal.
pub fn parse(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(sanitize)
        .filter(|m| !m.is_empty())
        .collect()
}

/// The most a message or config file may hold. Far more than any kiosk needs, and a mistaken
/// `--message-file /dev/zero` (or a log file) fails at once instead of filling memory.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Reads the UTF-8 text file at `path` (a `what` file: "message", "config"), refusing one
/// larger than [`MAX_FILE_BYTES`].
pub fn read_text(path: &Path, what: &str) -> Result<String> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read {what} file {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {what} file {}", path.display()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(UsageError(format!(
            "{what} file {} is larger than {} MB",
            path.display(),
            MAX_FILE_BYTES / (1024 * 1024)
        ))
        .into());
    }
    String::from_utf8(bytes)
        .map_err(|_| UsageError(format!("{what} file {} is not UTF-8 text", path.display())).into())
}

/// Messages from `--message` flags, then `--message-file`, else the default.
pub fn load(flags: &[String], file: Option<&Path>) -> Result<Vec<String>> {
    let mut messages: Vec<String> = flags
        .iter()
        .map(|m| sanitize(m))
        .filter(|m| !m.is_empty())
        .collect();
    if let Some(path) = file {
        let text = read_text(path, "message")?;
        let from_file = parse(&text);
        if from_file.is_empty() {
            return Err(
                UsageError(format!("message file {} has no messages", path.display())).into(),
            );
        }
        messages.extend(from_file);
    }
    if messages.is_empty() {
        messages = parse(DEFAULT_MESSAGES);
    }
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_lines_become_sanitised_messages() {
        assert_eq!(
            parse("# comment\nHello\n\n\u{1b}[2Jwipe\n  환영  \n"),
            ["Hello", "wipe", "환영"]
        );
        assert!(!parse(DEFAULT_MESSAGES).is_empty());
    }

    #[test]
    fn flags_first_then_default_when_empty() {
        assert_eq!(
            load(&["\u{7}".into()], None).unwrap(),
            parse(DEFAULT_MESSAGES)
        );
        assert_eq!(load(&["Hi".into()], None).unwrap(), ["Hi"]);
        let err = load(&[], Some(Path::new("/nonexistent/messages.txt"))).unwrap_err();
        assert!(format!("{err:#}").contains("cannot read message file"));
    }

    #[test]
    fn endless_and_huge_files_are_refused_without_reading_them_whole() {
        let err = load(&[], Some(Path::new("/dev/zero"))).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "message file /dev/zero is larger than 1 MB"
        );
        assert!(err.downcast_ref::<UsageError>().is_some());
    }
}

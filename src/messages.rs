//! Where the kiosk messages come from: flags, a message file, or the built-in default.

use std::path::Path;

use anyhow::Result;
use vitrine_effects::text::sanitize;

use crate::error::UsageError;
use crate::textfile;

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

/// Messages from `--message` flags, then `--message-file`, else the default.
pub fn load(flags: &[String], file: Option<&Path>) -> Result<Vec<String>> {
    let mut messages: Vec<String> = flags
        .iter()
        .map(|m| sanitize(m))
        .filter(|m| !m.is_empty())
        .collect();
    if let Some(path) = file {
        let text = textfile::read_path(path, "message file", textfile::MAX_TEXT_FILE)
            .map_err(|e| UsageError(format!("message file {e}")))?;
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
        assert_eq!(
            format!("{err:#}"),
            "message file /nonexistent/messages.txt does not exist"
        );
    }

    #[test]
    fn endless_and_huge_files_are_refused_without_reading_them_whole() {
        let err = load(&[], Some(Path::new("/dev/zero"))).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "message file /dev/zero is a device, not a message file; give the path of a regular \
             file"
        );
        assert!(err.downcast_ref::<UsageError>().is_some());
    }
}

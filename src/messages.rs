//! Where the kiosk messages come from: flags, a message file, or the built-in default.

use std::path::Path;

use anyhow::{Context as _, Result};
use vitrine_effects::text::sanitize;

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
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read message file {}", path.display()))?;
        let text = String::from_utf8(bytes).map_err(|_| {
            crate::error::UsageError(format!("message file {} is not UTF-8 text", path.display()))
        })?;
        let from_file = parse(&text);
        if from_file.is_empty() {
            return Err(crate::error::UsageError(format!(
                "message file {} has no messages",
                path.display()
            ))
            .into());
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
}

//! Errors and exit codes: the one place that decides what a failure prints and how vitrine
//! exits. Every error is one line on standard error: `vitrine: what went wrong`.
//!
//! - 0: success, and a closed pipe (`vitrine list | head`);
//! - 1: a failure while running (terminal gone, disk full, a port in use);
//! - 2: the user asked for something wrong (flags, config, message files): a [`UsageError`]
//!   or a clap parse error.

use std::fmt;
use std::process::ExitCode;

/// An error in what the user asked for (exit code 2), as opposed to a failure while running
/// (exit code 1).
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Marks an error as the user's (exit code 2), keeping its whole context chain as the text.
pub fn usage(err: anyhow::Error) -> anyhow::Error {
    if err.downcast_ref::<UsageError>().is_some() {
        err
    } else {
        UsageError(format!("{err:#}")).into()
    }
}

/// The exit code for a run that ended with `result`, printing the error line if there is one.
pub fn report(result: anyhow::Result<()>) -> ExitCode {
    let Err(err) = result else {
        return ExitCode::SUCCESS;
    };
    // A closed pipe (`vitrine list | head`) is not an error worth reporting.
    if err
        .downcast_ref::<std::io::Error>()
        .map(std::io::Error::kind)
        == Some(std::io::ErrorKind::BrokenPipe)
    {
        return ExitCode::SUCCESS;
    }
    eprintln!("vitrine: {}", one_line(&format!("{err:#}")));
    ExitCode::from(exit_code(&err))
}

/// 2 for the user's mistakes, 1 for everything else.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<UsageError>().is_some() || err.downcast_ref::<clap::Error>().is_some() {
        2
    } else {
        1
    }
}

/// A command-line parse error as one line (not `--help` and `--version`, which are output).
/// The line keeps what clap knows (the possible values, the "did you mean"
/// tip) and points at the help of the command it is about: `vitrine record --help` when the
/// command line `args` (without the program name) names the `record` subcommand of `command`.
pub fn clap_error(err: &clap::Error, command: &clap::Command, args: &[String]) -> String {
    let rendered = err.render().to_string();
    let mut parts: Vec<String> = Vec::new();
    let subcommand = args
        .iter()
        .find_map(|arg| command.find_subcommand(arg.as_str()));
    let help = match subcommand {
        Some(sub) => format!("vitrine {} --help", sub.get_name()),
        None => "vitrine --help".to_string(),
    };
    let mut lines = rendered.lines().map(str::trim).filter(|l| !l.is_empty());
    if let Some(first) = lines.next() {
        parts.push(first.trim_start_matches("error: ").to_string());
    }
    for line in lines {
        // The usage synopsis and "try --help" give way to the pointer at the right help.
        if !line.starts_with("Usage:") && !line.starts_with("For more information") {
            parts.push(line.to_string());
        }
    }
    // "[possible values: ...]" reads best right after what it belongs to.
    let text = parts
        .join("; ")
        .replace("; [possible values", " [possible values");
    format!("{text} (see {help})")
}

/// Joins a multi-line message into one line, so every error reads the same in a terminal and
/// in the journal.
fn one_line(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_exit_2_and_others_1() {
        let usage_err = usage(anyhow::anyhow!("bad flag"));
        assert_eq!(exit_code(&usage_err), 2);
        assert_eq!(usage_err.to_string(), "bad flag");
        assert_eq!(exit_code(&anyhow::anyhow!("disk full")), 1);
        // Context added later keeps the usage marker.
        let wrapped = usage(anyhow::Error::from(UsageError("inner".into())).context("outer"));
        assert_eq!(exit_code(&wrapped), 2);
    }

    #[test]
    fn multi_line_messages_become_one_line() {
        assert_eq!(one_line("a\n\n  b\n"), "a; b");
    }
}

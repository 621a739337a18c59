//! The log: to a file (`--log-file`), or to standard error for journald and pipes, but never
//! onto the screen. When standard error is the terminal the show draws on, messages are held
//! in memory (the last [`HELD_MAX`]) and printed once the terminal is restored.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::sync::{Mutex, OnceLock};

use anyhow::{Context as _, Result};
use log::{Level, LevelFilter, Log, Metadata, Record};

use crate::cli::{KioskArgs, LogLevel};

/// How many held messages are kept while the screen is in use.
const HELD_MAX: usize = 100;

enum Sink {
    File(File),
    /// `journald`: prefix each line with its syslog priority (`<3>` error .. `<7>` debug),
    /// which journald reads as the message's level.
    Stderr {
        journald: bool,
    },
    Held(VecDeque<String>),
}

struct Logger {
    sink: Mutex<Sink>,
}

static LOGGER: OnceLock<Logger> = OnceLock::new();

/// Starts logging as `args` asks. `live` says the show will draw on this terminal.
pub fn init(args: &KioskArgs, live: bool) -> Result<()> {
    let sink = match &args.log_file {
        Some(path) => Sink::File(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("cannot open log file {}", path.display()))
                .map_err(|e| crate::error::UsageError(format!("{e:#}")))?,
        ),
        None if live && io::stderr().is_terminal() => Sink::Held(VecDeque::new()),
        None => Sink::Stderr {
            journald: std::env::var_os("JOURNAL_STREAM").is_some(),
        },
    };
    let logger = LOGGER.get_or_init(|| Logger {
        sink: Mutex::new(sink),
    });
    // Only the first call installs the logger; a test or second call keeps the first sink.
    let _ = log::set_logger(logger);
    set_level(args.log_level);
    Ok(())
}

/// Changes the level (a config reload may).
pub fn set_level(level: LogLevel) {
    log::set_max_level(match level {
        LogLevel::Error => LevelFilter::Error,
        LogLevel::Warn => LevelFilter::Warn,
        LogLevel::Info => LevelFilter::Info,
        LogLevel::Debug => LevelFilter::Debug,
    });
}

/// Prints held messages to standard error; call after the terminal is restored.
pub fn release_held() {
    let Some(logger) = LOGGER.get() else { return };
    let Ok(mut sink) = logger.sink.lock() else {
        return;
    };
    if let Sink::Held(lines) = &mut *sink {
        let mut err = io::stderr().lock();
        for line in lines.drain(..) {
            let _ = writeln!(err, "{line}");
        }
        *sink = Sink::Stderr { journald: false };
    }
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.target().starts_with("vitrine") && metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let Ok(mut sink) = self.sink.lock() else {
            return;
        };
        let level = record.level();
        match &mut *sink {
            Sink::File(file) => {
                let now = jiff::ZonedDateTime::now();
                let _ = writeln!(
                    file,
                    "{} {level:<5} {}",
                    now.strftime("%Y-%m-%dT%H:%M:%S%:z"),
                    record.args()
                );
            }
            Sink::Stderr { journald: true } => {
                let priority = match level {
                    Level::Error => 3,
                    Level::Warn => 4,
                    Level::Info => 6,
                    Level::Debug | Level::Trace => 7,
                };
                let text = record.args().to_string();
                let mut err = io::stderr().lock();
                for line in text.lines() {
                    let _ = writeln!(err, "<{priority}>{line}");
                }
            }
            Sink::Stderr { journald: false } => {
                let _ = writeln!(io::stderr(), "vitrine: {level}: {}", record.args());
            }
            Sink::Held(lines) => {
                if lines.len() == HELD_MAX {
                    lines.pop_front();
                }
                lines.push_back(format!("vitrine: {level}: {}", record.args()));
            }
        }
    }

    fn flush(&self) {
        if let Ok(mut sink) = self.sink.lock()
            && let Sink::File(file) = &mut *sink
        {
            let _ = file.flush();
        }
    }
}

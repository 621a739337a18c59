//! The log: to a file (`--log-file`), or to standard error for journald and pipes, but never
//! onto the screen. When standard error is the terminal the show draws on, warnings and errors
//! are held in memory (the last [`HELD_MAX`]) and printed once the terminal is restored, on a
//! quit key and on SIGTERM/SIGINT alike; the info lines (start, reloads) are left out there, so
//! a normal quit prints nothing. `--log-file` keeps everything.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use anyhow::Result;
use log::{Level, LevelFilter, Log, Metadata, Record};

use crate::cli::{KioskArgs, LogLevel};
use crate::error::UsageError;

/// How many held messages are kept while the screen is in use.
const HELD_MAX: usize = 100;

enum Sink {
    File(File),
    /// `journald`: prefix each line with its syslog priority (`<3>` error .. `<7>` debug),
    /// which journald reads as the message's level.
    Stderr {
        journald: bool,
    },
    /// Warnings and errors only, printed by [`release_held`].
    Held(VecDeque<String>),
}

struct Logger {
    sink: Mutex<Sink>,
}

static LOGGER: OnceLock<Logger> = OnceLock::new();

/// Where the log goes, as each command wants it.
pub enum Target<'a> {
    /// The live showcase: `--log-file`, else standard error unless the show draws there.
    Live(&'a KioskArgs),
    /// `serve`: `--log-file`, else standard error (the server's own terminal shows no show).
    Server(&'a KioskArgs),
    /// `record`: standard error, at the default level.
    Recording,
}

/// Starts logging as `target` asks.
pub fn init(target: Target) -> Result<()> {
    let (file, level, live) = match target {
        Target::Live(args) => (args.log_file.as_ref(), args.log_level, true),
        Target::Server(args) => (args.log_file.as_ref(), args.log_level, false),
        Target::Recording => (None, LogLevel::Info, false),
    };
    let sink = match file {
        Some(path) => Sink::File(
            open_log(path)
                .map_err(|e| UsageError(format!("cannot open log file {}: {e}", path.display())))?,
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
    set_level(level);
    Ok(())
}

/// Opens the log file for appending without ever blocking the show: a FIFO must have a reader
/// already (opening one without would wait for it forever), and a FIFO or terminal that is not
/// read fast enough loses lines instead of stalling the frames.
fn open_log(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ENXIO) => io::Error::other("a FIFO (named pipe) that nothing reads"),
            _ => e,
        })
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

/// Prints held messages to standard error; call after the terminal is restored (the signal
/// thread does, too).
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
            Sink::Held(_) if level > Level::Warn => {}
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

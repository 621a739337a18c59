//! vitrine: a terminal kiosk visual-effects showcase.

mod app;
mod cli;
mod config;
mod logging;
mod messages;
mod overlay;
mod playlist;
mod record;
mod schedule;
mod screen;
mod show;
mod terminal;
mod transition;

use std::fmt;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use vitrine_effects::Context;
use vitrine_effects::registry::EFFECTS;

use crate::cli::{Cli, Command, ShowArgs};
use crate::config::Source;
use crate::schedule::Schedule;
use crate::show::{Item, Show, ShowSpec};

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

fn main() -> ExitCode {
    // The matches are kept to tell flags the user typed from defaults: those override a config.
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let result = run(cli, &matches);
    logging::release_held();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A closed pipe (`vitrine list | head`) is not an error worth reporting.
            if err
                .downcast_ref::<std::io::Error>()
                .map(std::io::Error::kind)
                == Some(std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("vitrine: {err:#}");
            if err.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn run(cli: Cli, matches: &ArgMatches) -> Result<()> {
    match cli.command {
        None => {
            let mut source = Source::new(cli.show, config::overrides(matches));
            let loaded = source.load().map_err(usage)?;
            logging::init(&loaded.args.kiosk, true)?;
            let show = Show::new(loaded.spec).map_err(usage)?;
            app::run(show, &loaded.args, source)
        }
        Some(Command::List) => list(&mut std::io::stdout().lock()),
        Some(Command::Record(rec)) => {
            let record_matches = matches.subcommand_matches("record").unwrap_or(matches);
            let loaded = Source::new(rec.show.clone(), config::overrides(record_matches))
                .load()
                .map_err(usage)?;
            logging::init(&loaded.args.kiosk, false)?;
            let mut spec = loaded.spec;
            spec.seed = loaded.args.seed.unwrap_or(1);
            let show = Show::new(spec).map_err(usage)?;
            let mut out: Box<dyn Write> = if rec.out.as_os_str() == "-" {
                Box::new(std::io::stdout().lock())
            } else {
                Box::new(std::io::BufWriter::new(
                    std::fs::File::create(&rec.out)
                        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", rec.out.display()))?,
                ))
            };
            record::record(
                show,
                rec.size,
                rec.seconds,
                rec.show.fps,
                rec.format,
                &mut out,
            )
        }
    }
}

/// Marks an error as the user's (exit code 2).
fn usage(err: anyhow::Error) -> anyhow::Error {
    if err.downcast_ref::<UsageError>().is_some() {
        err
    } else {
        UsageError(format!("{err:#}")).into()
    }
}

/// The show the flags describe: one item per effect, all with the same settings. A config
/// builds each of its items through here too (see [`config`]), so every flag means the same in
/// both places.
pub(crate) fn spec_from(args: &ShowArgs) -> Result<ShowSpec> {
    let infos = show::resolve_effects(&args.effect)?;
    let messages = messages::load(&args.messages, args.message_file.as_deref())?;
    let mut context = Context::new(0, "");
    context.style = args.style.clone();
    context.calm = args.calm;
    let items = infos
        .into_iter()
        .map(|info| Item {
            info,
            context: context.clone(),
            params: args.params.clone(),
            duration: args.duration,
            messages: messages.clone(),
            message_interval: args.message_interval,
            speed: args.speed,
            schedule: Schedule::default(),
        })
        .collect();
    Ok(ShowSpec {
        items,
        shuffle: args.shuffle,
        once: args.once,
        seed: args.seed.unwrap_or_else(random_seed),
        tick: Duration::from_secs(1) / args.tick_rate,
        transition: args.kiosk.transition,
        transition_time: args.kiosk.transition_time,
        clock: args.kiosk.clock,
        ticker: args.kiosk.ticker,
    })
}

fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

/// `vitrine list`: each effect, its styles and the flags under its help heading.
fn list(out: &mut dyn Write) -> Result<()> {
    let command = Cli::command();
    for info in EFFECTS {
        writeln!(out, "{:<10} {}", info.name, info.description)?;
        if !info.styles.is_empty() {
            writeln!(
                out,
                "{:<10} styles: {} (default {})",
                "",
                info.styles.join(", "),
                info.styles[0]
            )?;
        }
        let flags: Vec<String> = command
            .get_arguments()
            .filter(|a| a.get_help_heading() == Some(info.heading))
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect();
        if !flags.is_empty() {
            writeln!(out, "{:<10} flags: {}", "", flags.join(" "))?;
        }
    }
    writeln!(
        out,
        "\nCommon flags: --style --speed --calm --duration --message (see vitrine --help)"
    )?;
    Ok(())
}

//! vitrine: a terminal kiosk visual-effects showcase.

mod app;
mod cli;
mod messages;
mod playlist;
mod record;
mod screen;
mod server;
mod show;
mod terminal;

use std::fmt;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::{CommandFactory, Parser};
use vitrine_effects::Context;
use vitrine_effects::registry::EFFECTS;

use crate::cli::{Cli, Command, ShowArgs};
use crate::show::{Show, ShowSpec};

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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => {
            // --help and --version.
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            // One line, like every other error: clap's first line without its "error: " tag.
            let rendered = err.render().to_string();
            let first = rendered.lines().next().unwrap_or_default();
            eprintln!(
                "vitrine: {} (see vitrine --help)",
                first.trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
    };
    match run(cli) {
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

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        None => {
            let spec = spec_from(&cli.show).map_err(usage)?;
            let show = Show::new(spec).map_err(usage)?;
            app::run(show, cli.show.fps, cli.show.lock)
        }
        Some(Command::List) => list(&mut std::io::stdout().lock()),
        Some(Command::Record(rec)) => {
            let mut spec = spec_from(&rec.show).map_err(usage)?;
            spec.seed = rec.show.seed.unwrap_or(1);
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
        Some(Command::Serve(args)) => {
            let spec = spec_from(&args.show).map_err(usage)?;
            spec.validate().map_err(usage)?;
            server::run(spec, &args)
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

fn spec_from(args: &ShowArgs) -> Result<ShowSpec> {
    let items = show::resolve_effects(&args.effect)?;
    let messages = messages::load(&args.messages, args.message_file.as_deref())?;
    let mut context = Context::new(0, "");
    context.style = args.style.clone();
    context.calm = args.calm;
    Ok(ShowSpec {
        items,
        item_duration: args.duration,
        shuffle: args.shuffle,
        once: args.once,
        messages,
        message_interval: args.message_interval,
        seed: args.seed.unwrap_or_else(random_seed),
        tick: Duration::from_secs(1) / args.tick_rate,
        speed: args.speed,
        context,
        params: args.params.clone(),
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

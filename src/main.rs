//! vitrine: a terminal kiosk visual-effects showcase.

mod app;
mod cli;
mod color;
mod config;
mod control;
mod dark;
mod encode;
mod logging;
mod messages;
mod overlay;
mod pacing;
mod playlist;
mod record;
mod schedule;
mod screen;
mod server;
mod show;
mod terminal;
mod transition;

use std::fmt;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
#[cfg(test)]
use clap::Parser;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use vitrine_effects::Context;
use vitrine_effects::palette::{self, PALETTES};
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
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches).map(|cli| (cli, matches)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
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
            let depth = color::resolve(loaded.args.color, false);
            // No terminal is the first thing to report, before any listener is set up.
            terminal::require()?;
            let listen = control::Listen::from_args(&cli.control)?;
            let control = control::start(&listen)?;
            app::run(show, &loaded.args, source, depth, control, cli.panic_after)
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
                color::resolve(rec.show.color, true),
                rec.format,
                &mut out,
            )
        }
        Some(Command::Ctl(args)) => control::client::run(&args, &mut std::io::stdout().lock()),
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

/// The show the flags describe: one item per effect, all with the same settings. A config
/// builds each of its items through here too (see [`config`]), so every flag means the same in
/// both places.
pub(crate) fn spec_from(args: &ShowArgs) -> Result<ShowSpec> {
    let infos = show::resolve_effects(&args.effect)?;
    let messages = messages::load(&args.messages, args.message_file.as_deref())?;
    let mut context = Context::new(0, "");
    context.style = args.style.clone();
    context.calm = args.calm;
    context.palette = match (&args.colors, &args.palette) {
        (Some(colors), _) => colors.0.clone(),
        // The name was checked by clap against the same list.
        (None, Some(name)) => palette::palette(name).unwrap_or_default().to_vec(),
        (None, None) => Vec::new(),
    };
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
        "\nPalettes (--palette NAME, or your own with --colors \"#hex,#hex\"):"
    )?;
    for p in PALETTES {
        let colors: Vec<String> = p.colors.iter().map(ToString::to_string).collect();
        writeln!(
            out,
            "  {:<10} {}: {}",
            p.name,
            p.description,
            colors.join(" ")
        )?;
    }
    writeln!(
        out,
        "\nCommon flags: --style --speed --calm --duration --message --color (see vitrine --help)"
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use vitrine_effects::Rgb;

    use super::*;

    fn palette_for(args: &[&str]) -> Vec<Rgb> {
        let cli = Cli::parse_from(std::iter::once("vitrine").chain(args.iter().copied()));
        spec_from(&cli.show).unwrap().items[0]
            .context
            .palette
            .clone()
    }

    #[test]
    fn palette_flags_reach_the_effects() {
        assert!(palette_for(&[]).is_empty());
        assert_eq!(
            palette_for(&["--palette", "VGA"]),
            palette::palette("vga").unwrap()
        );
        assert_eq!(
            palette_for(&["--colors", "#0055a4,#ffd700"]),
            [Rgb(0, 0x55, 0xa4), Rgb(0xff, 0xd7, 0)]
        );
    }

    #[test]
    fn list_names_the_palettes() {
        let mut out = Vec::new();
        list(&mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        for p in PALETTES {
            assert!(out.contains(p.name), "{}", p.name);
        }
    }
}

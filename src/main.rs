//! vitrine: a terminal kiosk visual-effects showcase.

mod app;
mod cli;
mod color;
mod config;
mod control;
mod dark;
mod encode;
mod error;
mod keymap;
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
mod spec;
mod terminal;
mod transition;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::{ArgMatches, CommandFactory, FromArgMatches};
use vitrine_effects::palette::PALETTES;
use vitrine_effects::registry::EFFECTS;

use crate::cli::{Cli, Command};
use crate::config::Source;
use crate::error::usage;
use crate::show::Show;
use crate::spec::ShowSpec;

fn main() -> ExitCode {
    // The matches are kept to tell flags the user typed from defaults: those override a config.
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches).map(|cli| (cli, matches)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(err) => {
            return match error::clap_error(&err, "vitrine --help") {
                None => ExitCode::SUCCESS,
                Some(line) => {
                    eprintln!("vitrine: {line}");
                    ExitCode::from(2)
                }
            };
        }
    };
    let result = run(cli, &matches);
    logging::release_held();
    error::report(result)
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
            let spec = ShowSpec::from_args(&args.show).map_err(usage)?;
            spec.validate().map_err(usage)?;
            logging::init(&args.show.kiosk, false)?;
            server::run(spec, &args)
        }
    }
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
    use super::*;

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

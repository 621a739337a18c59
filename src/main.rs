//! vitrine: a terminal kiosk visual-effects showcase.

mod app;
mod ascii_art;
mod cli;
mod color_depth;
mod config;
mod control;
mod ctl;
mod dark;
mod docs;
mod encode;
mod error;
mod keymap;
mod limits;
mod logging;
mod logo;
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
mod sync;
mod terminal;
mod textfile;
mod transition;
mod wall;

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{ArgMatches, FromArgMatches};
use vitrine_effects::LayerKind;
use vitrine_effects::depth::{ColorDepth, ColorMapper};
use vitrine_effects::palette::PALETTES;
use vitrine_effects::registry::EFFECTS;

use crate::cli::{Cli, Command, ConfigArg, RecordFormat};
use crate::config::{Loaded, Source};
use crate::error::{UsageError, usage};
use crate::show::Show;

fn main() -> ExitCode {
    let command = cli::command();
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // The matches are kept to tell flags the user typed from defaults: those override a config.
    let parsed = command
        .clone()
        .try_get_matches_from(std::env::args_os())
        .and_then(|matches| Cli::from_arg_matches(&matches).map(|cli| (cli, matches)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        // --help and --version: their text is our output, and failing to write it an error.
        Err(err) if !err.use_stderr() => return error::report(err.print().context(STDOUT_FAILED)),
        Err(err) => {
            eprintln!("vitrine: {}", error::clap_error(&err, &command, &args));
            return ExitCode::from(2);
        }
    };
    let result = run(cli, &command, &matches);
    logging::release_held();
    error::report(result)
}

/// The context of a failed write of a command's output (a full disk; a closed pipe is no
/// error, see [`error::report`]).
const STDOUT_FAILED: &str = "cannot write to standard output";

fn run(cli: Cli, command: &clap::Command, matches: &ArgMatches) -> Result<()> {
    let subcommand = |name: &str| {
        let cmd = command.find_subcommand(name).expect("a subcommand of ours");
        let matches = matches.subcommand_matches(name).expect("the one parsed");
        (cmd, matches)
    };
    match cli.command {
        None => {
            let (source, loaded) = setup(&cli.config, command, matches, Mode::Live)?;
            let show = Show::new(app::live_spec(&loaded)).map_err(usage)?;
            // No terminal is the first thing to report, before any listener is set up.
            terminal::require()?;
            let listen = control::Listen::from_args(&cli.control)?;
            let control = control::start(&listen)?;
            app::run(show, loaded, source, control, cli.panic_after)
        }
        Some(Command::List) => list(&mut std::io::stdout().lock()).context(STDOUT_FAILED),
        Some(Command::Record(rec)) => {
            let (cmd, matches) = subcommand("record");
            let (_, loaded) = setup(&rec.config, cmd, matches, Mode::Recording)?;
            let mut spec = loaded.spec;
            // Recordings are reproducible unless asked otherwise.
            spec.seed = loaded.settings.playlist.seed.unwrap_or(1);
            // Plain text has no colours: its shapes are what the mono pass draws.
            let depth = match rec.format {
                RecordFormat::Text => ColorDepth::Mono,
                RecordFormat::Cast => color_depth::recording(loaded.settings.output.color),
            };
            spec.set_depth(depth);
            // A synchronised recording shows what a screen shows from --at (default: now).
            let show = match rec.at {
                Some(at) => Show::at(spec, at),
                None if spec.sync => Show::at(spec, jiff::Timestamp::now()),
                None => Show::new(spec),
            }
            .map_err(usage)?;
            let mut out = record_output(&rec.out)?;
            record::record(
                show,
                rec.size,
                rec.seconds.as_secs_f64(),
                loaded.settings.output.fps,
                ColorMapper::new(depth, loaded.settings.output.dither),
                rec.format,
                &mut out,
            )
            .with_context(|| {
                if rec.out.as_os_str() == "-" {
                    STDOUT_FAILED.to_string()
                } else {
                    format!("cannot write {}", rec.out.display())
                }
            })
        }
        Some(Command::Ctl(args)) => ctl::run(&args, &mut std::io::stdout().lock()),
        Some(Command::Completions { shell }) => {
            docs::completions(shell, &mut std::io::stdout().lock()).context(STDOUT_FAILED)
        }
        Some(Command::Man { dir: None }) => {
            docs::man(&mut std::io::stdout().lock()).context(STDOUT_FAILED)
        }
        Some(Command::Man { dir: Some(dir) }) => docs::man_pages(&dir),
        Some(Command::Serve(args)) => {
            let (cmd, matches) = subcommand("serve");
            let (source, loaded) = setup(&args.config, cmd, matches, Mode::Server)?;
            server::run(loaded.spec, &loaded.settings, &args, source)
        }
    }
}

/// Which command is setting up.
#[derive(Clone, Copy)]
enum Mode {
    Live,
    Recording,
    Server,
}

/// The one setup path of every command that shows something: the config file with the flags
/// typed on top (validated: the show builds), then the log. Colour depth is chosen by the
/// caller from the same settings with [`color_depth::resolve`] (the terminal differs: ours, a
/// recording, each SSH client's). `cmd` is the command (or subcommand) that parsed `matches`.
fn setup(
    config: &ConfigArg,
    cmd: &clap::Command,
    matches: &ArgMatches,
    mode: Mode,
) -> Result<(Source, Loaded)> {
    let mut source = Source::new(config.config.clone(), config::overrides(cmd, matches));
    let loaded = source.load().map_err(usage)?;
    let kiosk = &loaded.settings.kiosk;
    logging::init(match mode {
        Mode::Live => logging::Target::Live(kiosk),
        Mode::Server => logging::Target::Server(kiosk),
        Mode::Recording => logging::Target::Recording,
    })?;
    Ok((source, loaded))
}

/// Where `vitrine record --out PATH` writes.
fn record_output(path: &std::path::Path) -> Result<Box<dyn Write>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdout().lock()));
    }
    if path.is_dir() {
        return Err(UsageError(format!(
            "--out {} is a directory; name a file (or - for standard output)",
            path.display()
        ))
        .into());
    }
    let file = std::fs::File::create(path)
        .map_err(|e| UsageError(format!("cannot create {}: {e}", path.display())))?;
    Ok(Box::new(std::io::BufWriter::new(file)))
}

/// `vitrine list`: each effect, its styles and the flags under its help heading.
fn list(out: &mut dyn Write) -> Result<()> {
    let command = cli::command();
    let flags = |heading: &str| -> Vec<String> {
        command
            .get_arguments()
            .filter(|a| a.get_help_heading() == Some(heading))
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect()
    };
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
        let flags = flags(info.heading);
        if !flags.is_empty() {
            writeln!(out, "{:<10} flags: {}", "", flags.join(" "))?;
        }
    }
    writeln!(
        out,
        "\nLayers: stack effects in one item with +, bottom first (--effect defrag+confetti, \
         logo+water),\n  each with its own style after a colon (defrag:win98+confetti:snow); \
         in a config,\n  layers = [\"defrag\", \"confetti\"] with an [item.NAME] table per \
         layer. Over another layer:"
    )?;
    for info in EFFECTS {
        let effect = (info.build)(&vitrine_effects::Context::new(0, ""), &Default::default())
            .map_err(anyhow::Error::msg)?;
        let how = match effect.layer_kind() {
            LayerKind::Opaque => "covers what is below (an opaque base)",
            LayerKind::Over => "draws over what is below, leaving the rest",
            LayerKind::Filter => "transforms what is below",
        };
        writeln!(out, "  {:<10} {how}", info.name)?;
    }
    writeln!(
        out,
        "  {:<10} a picture (PNG, JPEG) over the effects, or where it stands in the layers\n  \
         {:<10} the message in big lettering, sharp over every layer\n  {:<10} flags: {}",
        vitrine_effects::logo::NAME,
        vitrine_effects::message::NAME,
        "",
        flags("Layers").join(" ")
    )?;
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
        assert!(out.contains("defrag+confetti") && out.contains("--logo-position"));
        assert!(out.contains("water      transforms what is below"), "{out}");
    }
}

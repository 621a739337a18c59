//! The live showcase: the event/frame loop on the local terminal.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use crossterm::event::{self, Event, KeyEventKind};
use vitrine_effects::depth::ColorDepth;

use crate::cli::ShowArgs;
use crate::config::Source;
use crate::control::{Control, Live};
use crate::dark::{self, Change, Dark, Power};
use crate::keymap::{Action, Chord, action_for};
use crate::pacing::FramePacer;
use crate::screen::{self, Overlays};
use crate::show::Show;
use crate::{logging, terminal};

/// How often the config and message files are checked for changes.
const RELOAD_POLL: Duration = Duration::from_millis(500);

/// Live settings from the command line and config; a reload may change them.
#[derive(Clone, Debug)]
struct Settings {
    frame_interval: Duration,
    locked: bool,
    chord: Chord,
    dark: Option<dark::DarkHours>,
}

impl Settings {
    fn from(args: &ShowArgs) -> Self {
        Self {
            frame_interval: Duration::from_secs(1) / args.fps,
            locked: args.lock,
            chord: args.kiosk.unlock_chord,
            dark: args.kiosk.dark.clone(),
        }
    }
}

/// Runs `show` on the local terminal at colour `depth` until a quit key, the end of a `--once`
/// playlist, or a signal (handled in [`terminal`]). Watches `source` for changes and applies
/// them live, answers `control` requests and mirrors frames to its viewers, and keeps the
/// screen dark when it should be. `panic_after` is the hidden crash drill (`--panic-after`).
pub fn run(
    mut show: Show,
    args: &ShowArgs,
    mut source: Source,
    depth: ColorDepth,
    mut control: Option<Control>,
    panic_after: Option<Duration>,
) -> Result<()> {
    let started = Instant::now();
    let mut settings = Settings::from(args);
    let mut guard = terminal::init(depth)?;
    log::info!(
        "showing {} item(s){}",
        show.spec().items.len(),
        if settings.locked {
            format!(", locked (quit with {})", settings.chord)
        } else {
            String::new()
        }
    );
    let mut pacer = FramePacer::new(
        settings.frame_interval,
        args.max_rate.map(|kb| kb * 1000.0),
        Instant::now(),
    );
    let mut overlays = Overlays::default();
    let mut dark = Dark::new(settings.dark.as_ref());
    let config = args.kiosk.config.clone();
    let mut dirty = true;
    let mut last = Instant::now();
    let mut next_frame = last;
    let mut next_poll = last + RELOAD_POLL;
    loop {
        let timeout = next_frame.saturating_duration_since(Instant::now());
        if event::poll(timeout).context("cannot read terminal events")? {
            match event::read().context("cannot read terminal events")? {
                // Any key wakes a dark screen, and does nothing else.
                Event::Key(key) if dark.is_dark() && key.kind == KeyEventKind::Press => {
                    dark.wake(jiff::ZonedDateTime::now().datetime());
                }
                Event::Key(key) => match action_for(key, settings.locked, settings.chord) {
                    Action::Quit => break,
                    action => {
                        if !screen::apply(action, &mut show, &mut overlays) {
                            continue;
                        }
                    }
                },
                Event::Resize(..) => guard
                    .screen
                    .invalidate()
                    .context("cannot write to the terminal")?,
                _ => continue,
            }
            dirty = true;
            continue;
        }
        let now = Instant::now();
        if now < next_frame {
            continue;
        }
        if now >= next_poll {
            next_poll = now + RELOAD_POLL;
            if source.changed() {
                dirty |= reload(&mut show, &mut source, &mut settings);
                pacer.set_base(settings.frame_interval);
                dark.set_hours(settings.dark.as_ref());
            }
        }
        if let Some(control) = &mut control {
            let mut live = Live {
                show: &mut show,
                dark: &mut dark,
                started,
                depth,
                size: guard.screen.size(),
                config: config.as_deref(),
                viewers: control.mirror.viewers(),
            };
            let mut answered = false;
            control.inbox.answer(|request| {
                answered |= request != crate::control::Request::Status;
                live.carry_out(request, |show| {
                    reload(show, &mut source, &mut settings);
                })
            });
            if answered {
                dirty = true;
                pacer.set_base(settings.frame_interval);
                dark.set_hours(settings.dark.as_ref());
            }
        }
        match dark.update(now, jiff::ZonedDateTime::now().datetime()) {
            Change::GoDark => {
                log::info!("screen dark: {}", dark.reason(now).unwrap_or_default());
                guard
                    .screen
                    .draw_dark()
                    .context("cannot write to the terminal")?;
                if let Power::Unsupported(why) = dark::power_down(&std::io::stdout()) {
                    log::info!("the display stays powered ({why}); the screen is black instead");
                }
            }
            Change::Light => {
                log::info!("screen lit again");
                dark::power_up(&std::io::stdout());
                guard
                    .screen
                    .invalidate()
                    .context("cannot write to the terminal")?;
                dirty = true;
                last = now;
            }
            Change::None => {}
        }
        if dark.is_dark() {
            // Nothing moves and nothing is written; viewers joining now get the black screen.
            if let Some(control) = &control {
                control.mirror.publish(&mut guard.screen, false);
            }
            last = now;
            next_frame = now + pacer.interval();
            continue;
        }
        if panic_after.is_some_and(|after| now - started >= after) {
            panic!("crash drill requested with --panic-after");
        }
        let ticked = show.advance(now - last);
        last = now;
        if show.finished() {
            break;
        }
        let drew = ticked || dirty;
        if drew {
            let before = guard.written.get();
            guard
                .screen
                .draw(&mut show, overlays)
                .context("cannot write to the terminal")?;
            let after = guard.written.get();
            pacer.wrote(after - before, now);
            dirty = false;
        }
        if let Some(control) = &control {
            control.mirror.publish(&mut guard.screen, drew);
        }
        next_frame += pacer.interval();
        if next_frame < now {
            // Fell behind (slow terminal, suspended process): skip frames instead of bursting.
            next_frame = now + pacer.interval();
        }
    }
    drop(guard);
    Ok(())
}

/// Applies a changed config or message file. A broken edit keeps the last good show running,
/// logs why and raises the on-screen error marker until a later edit fixes it. Returns whether
/// the screen needs redrawing.
fn reload(show: &mut Show, source: &mut Source, settings: &mut Settings) -> bool {
    let result = source
        .load()
        .and_then(|loaded| show.reload(loaded.spec).map(|()| loaded.args));
    match result {
        Ok(args) => {
            *settings = Settings::from(&args);
            logging::set_level(args.kiosk.log_level);
            log::info!("config reloaded: {} item(s)", show.spec().items.len());
            show.set_config_error(None);
        }
        Err(err) => {
            log::error!("config reload failed, keeping the last good config: {err:#}");
            show.set_config_error(Some(format!("{err:#}")));
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reload_keeps_the_last_good_config_until_fixed() {
        use clap::Parser;

        let dir = std::env::temp_dir().join(format!("vitrine-reload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kiosk.toml");
        let write = |text: &str| std::fs::write(&path, text).unwrap();
        write("fps = 10\n[[item]]\neffect = \"defrag\"\nmessage = \"First\"\n");
        let cli = crate::cli::Cli::try_parse_from(["vitrine", "--config", path.to_str().unwrap()])
            .unwrap();
        let mut source = Source::new(cli.show, Vec::new());
        let loaded = source.load().unwrap();
        let mut settings = Settings::from(&loaded.args);
        let mut show = Show::new(loaded.spec).unwrap();
        assert!(!source.changed());

        // A broken edit: the show keeps running as it was, with the error marker.
        write("fps = 10\n[[item]]\neffect = \"defrag\"\nmessage = First\n");
        assert!(source.changed());
        assert!(reload(&mut show, &mut source, &mut settings));
        assert!(show.config_error().unwrap().contains("kiosk.toml:4:11"));
        assert_eq!(show.spec().items[0].messages, ["First"]);
        assert_eq!(settings.frame_interval, Duration::from_millis(100));
        assert!(
            !source.changed(),
            "the broken version is not retried until edited again"
        );

        // Fixed: applied, marker gone, same effect still on screen.
        write("fps = 20\nlock = true\n[[item]]\neffect = \"defrag\"\nmessage = \"Second\"\n");
        assert!(source.changed());
        reload(&mut show, &mut source, &mut settings);
        assert_eq!(show.config_error(), None);
        assert_eq!(show.spec().items[0].messages, ["Second"]);
        assert_eq!(show.current_name(), "defrag");
        assert_eq!(settings.frame_interval, Duration::from_millis(50));
        assert!(settings.locked);

        // A deleted config is an error too; the show goes on.
        std::fs::remove_file(&path).unwrap();
        assert!(source.changed());
        reload(&mut show, &mut source, &mut settings);
        assert!(show.config_error().unwrap().contains("cannot read config"));
        assert_eq!(show.spec().items[0].messages, ["Second"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

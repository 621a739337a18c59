//! The live showcase: the event/frame loop on the local terminal.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use crossterm::event::{self, Event, KeyEventKind};
use vitrine_effects::depth::{ColorDepth, ColorMapper, Dither};

use crate::cli::{self, LogLevel, PlaylistArgs, Settings};
use crate::color_depth;
use crate::config::{Loaded, Source};
use crate::control::{Control, Running};
use crate::dark::{self, Change, Dark, DarkHours, Power};
use crate::keymap::{Action, Chord, action_for};
use crate::overlay::Overlays;
use crate::pacing::FramePacer;
use crate::screen;
use crate::show::Show;
use crate::spec::ShowSpec;
use crate::{logging, terminal};

/// How often the config and message files are checked for changes.
const RELOAD_POLL: Duration = Duration::from_millis(500);

/// How long a locked kiosk shows, on start, how to quit.
const LOCK_HINT_TIME: Duration = Duration::from_secs(10);

/// Show-wide settings that the loop applies itself when a reload changes them. Per-item
/// settings ([`ItemArgs`]) and the playlist's ([`PlaylistArgs`]) are part of the show and
/// reach it through [`Show::reload`]. A new show-wide setting goes here or in
/// [`NEEDS_RESTART`] (a test checks every setting is in one of the four places).
///
/// [`ItemArgs`]: crate::cli::ItemArgs
const APPLIED_LIVE: &[&str] = &[
    "fps",
    "color",
    "dither",
    "max_rate",
    "lock",
    "unlock_chord",
    "log_level",
    "dark",
];

/// Show-wide settings a reload cannot change; a change is logged as waiting for a restart.
const NEEDS_RESTART: &[&str] = &["log_file"];

/// Live settings from the command line and config; a reload may change them.
#[derive(Clone, Debug, PartialEq)]
struct Live {
    frame_interval: Duration,
    locked: bool,
    chord: Chord,
    depth: ColorDepth,
    dither: Dither,
    /// `--max-rate` in bytes per second.
    max_rate: Option<f64>,
    log_level: LogLevel,
    dark: Option<DarkHours>,
}

impl Live {
    fn from(settings: &Settings) -> Self {
        Self {
            frame_interval: Duration::from_secs(1) / settings.output.fps,
            locked: settings.kiosk.lock,
            chord: settings.kiosk.unlock_chord,
            depth: color_depth::local(settings.output.color),
            dither: settings.output.dither,
            max_rate: settings.terminal.max_rate.map(|kb| kb * 1000.0),
            log_level: settings.kiosk.log_level,
            dark: settings.kiosk.dark.clone(),
        }
    }

    /// The colour pass for these settings.
    fn colors(&self) -> ColorMapper {
        ColorMapper::new(self.depth, self.dither)
    }
}

/// The show `loaded` describes, drawn for the local terminal's colour depth.
pub fn live_spec(loaded: &Loaded) -> ShowSpec {
    let mut spec = loaded.spec.clone();
    spec.set_depth(color_depth::local(loaded.settings.output.color));
    spec
}

/// Runs the show `loaded` describes on the local terminal until a quit key, the end of a
/// `--once` playlist, or a signal (handled in [`terminal`]). Watches `source` for changes and
/// applies them live, answers `control` requests and mirrors frames to its viewers, and keeps
/// the screen dark when it should be. `panic_after` is the hidden crash drill
/// (`--panic-after`).
pub fn run(
    mut show: Show,
    loaded: Loaded,
    mut source: Source,
    mut control: Option<Control>,
    panic_after: Option<Duration>,
) -> Result<()> {
    let started = Instant::now();
    let mut settings = Live::from(&loaded.settings);
    let mut last_good = loaded;
    let mut guard = terminal::init(settings.colors())?;
    log::info!(
        "showing {} item(s){}",
        show.spec().items.len(),
        if settings.locked {
            format!(", locked (quit with {})", settings.chord)
        } else {
            String::new()
        }
    );
    let mut pacer = FramePacer::new(settings.frame_interval, settings.max_rate, Instant::now());
    let mut overlays = Overlays::new(show.spec());
    if settings.locked {
        overlays.show_hint(
            format!("Locked: keys are ignored. Quit with {}", settings.chord),
            LOCK_HINT_TIME,
        );
    }
    let mut dark = Dark::new(settings.dark.as_ref());
    // How the display was last powered down, to power it up the same way.
    let mut powered = Power::Unsupported(String::new());
    let config = source.config_path().map(std::path::Path::to_path_buf);
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
                Event::Resize(width, height) => guard.screen.resize((width, height)),
                _ => continue,
            }
            dirty = true;
            continue;
        }
        let now = Instant::now();
        if now < next_frame {
            continue;
        }
        if terminal::take_resumed() {
            guard.screen.forget();
            if let Ok(size) = crossterm::terminal::size() {
                guard.screen.resize(size);
            }
            dirty = true;
        }
        if now >= next_poll {
            next_poll = now + RELOAD_POLL;
            if source.changed() {
                let before = settings.clone();
                dirty |= reload(
                    &mut show,
                    &mut overlays,
                    &mut source,
                    &mut last_good,
                    &mut settings,
                );
                apply_live(&before, &settings, &mut pacer, &mut dark, &mut guard.screen);
            }
        }
        if let Some(control) = &mut control {
            let before = settings.clone();
            let mut running = Running {
                show: &mut show,
                overlays: &mut overlays,
                dark: &mut dark,
                started,
                depth: settings.depth,
                size: guard.screen.size(),
                config: config.as_deref(),
                viewers: control.mirror.viewers(),
            };
            let mut answered = false;
            control.inbox.answer(|request| {
                answered |= request != crate::control::Request::Status;
                running.carry_out(request, |show, overlays| {
                    reload(show, overlays, &mut source, &mut last_good, &mut settings);
                })
            });
            if answered {
                dirty = true;
                apply_live(&before, &settings, &mut pacer, &mut dark, &mut guard.screen);
            }
        }
        match dark.update(now, jiff::ZonedDateTime::now().datetime()) {
            Change::GoDark => {
                log::info!("screen dark: {}", dark.reason(now).unwrap_or_default());
                guard
                    .screen
                    .draw_dark()
                    .context("cannot write to the terminal")?;
                powered = dark::power_down(&std::io::stdout());
                match &powered {
                    Power::Console => log::info!("display powered down (console VESA blanking)"),
                    Power::X11 { .. } => log::info!("display powered down (X11 DPMS, xset)"),
                    Power::Unsupported(why) => log::info!(
                        "cannot power the display down ({why}); the screen is only black"
                    ),
                }
            }
            Change::Light => {
                log::info!("screen lit again");
                dark::power_up(&std::io::stdout(), &powered);
                // The next frame draws over the black one the screen remembers.
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
        let ticked = show.advance(now - last) | overlays.advance(now - last, &show);
        last = now;
        if show.finished() {
            break;
        }
        let drew = ticked || dirty;
        if drew {
            let before = guard.written.get();
            guard
                .screen
                .draw(&mut show, &overlays)
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

/// Applies the show-wide settings a reload changed (from `before` to `after`) to the loop.
fn apply_live(
    before: &Live,
    after: &Live,
    pacer: &mut FramePacer,
    dark: &mut Dark,
    screen: &mut terminal::LocalScreen,
) {
    pacer.set_base(after.frame_interval);
    pacer.set_budget(after.max_rate);
    dark.set_hours(after.dark.as_ref());
    if (after.depth, after.dither) != (before.depth, before.dither) {
        screen.set_colors(after.colors());
    }
}

/// Applies a changed config or message file. A broken edit keeps the last good show running,
/// logs why and raises the on-screen error marker until a later edit fixes it. Every changed
/// show-wide setting is applied, or logged as needing a restart. Returns whether the screen
/// needs redrawing.
fn reload(
    show: &mut Show,
    overlays: &mut Overlays,
    source: &mut Source,
    last_good: &mut Loaded,
    live: &mut Live,
) -> bool {
    let result = source
        .load()
        .and_then(|loaded| show.reload(live_spec(&loaded)).map(|()| loaded));
    match result {
        Ok(loaded) => {
            let changed = last_good.changed_settings(&loaded);
            *live = Live::from(&loaded.settings);
            logging::set_level(live.log_level);
            let (applied, restart) = sort_changes(&changed);
            log::info!(
                "config reloaded: {} item(s){}",
                show.spec().items.len(),
                if applied.is_empty() {
                    String::new()
                } else {
                    format!("; applied {}", applied.join(", "))
                }
            );
            for id in restart {
                log::warn!("config: '{id}' changed; it takes effect after a restart");
            }
            *last_good = loaded;
            overlays.configure(show.spec());
            overlays.set_config_error(None);
        }
        Err(err) => {
            let error = format!("{err:#}");
            // The same error again (a file inside a directory put at the config's path changes
            // its timestamp, say) was already logged.
            if overlays.config_error() != Some(error.as_str()) {
                // Without a config, a message file or logo failed, and the error names it.
                let what = match source.config_path() {
                    Some(_) => "config reload failed, keeping the last good config",
                    None => "reload failed, keeping the last good show",
                };
                log::error!("{what}: {error}");
            }
            overlays.set_config_error(Some(error));
        }
    }
    true
}

/// Splits changed show-wide settings into those applied now (the show's own and
/// [`APPLIED_LIVE`]) and those waiting for a restart.
fn sort_changes(changed: &[String]) -> (Vec<&str>, Vec<&str>) {
    let in_show = cli::ids::<PlaylistArgs>();
    let per_item = cli::ids::<cli::ItemArgs>();
    let mut applied = Vec::new();
    let mut restart = Vec::new();
    for id in changed {
        if NEEDS_RESTART.contains(&id.as_str()) {
            restart.push(id.as_str());
        } else if APPLIED_LIVE.contains(&id.as_str())
            || in_show.contains(id)
            || per_item.contains(id)
        {
            applied.push(id.as_str());
        } else {
            // Unreachable while the test below holds; say so rather than claim it applied.
            restart.push(id.as_str());
        }
    }
    (applied, restart)
}

#[cfg(test)]
mod tests {
    use clap::{Args, Command};

    use super::*;

    /// A live show's state around a config file, as the loop holds it.
    struct Kiosk {
        path: std::path::PathBuf,
        source: Source,
        live: Live,
        show: Show,
        overlays: Overlays,
        last_good: Loaded,
    }

    impl Kiosk {
        fn start(path: std::path::PathBuf, text: &str) -> Self {
            std::fs::write(&path, text).unwrap();
            let mut source = Source::new(Some(path.clone()), Vec::new());
            let loaded = source.load().unwrap();
            let show = Show::new(loaded.spec.clone()).unwrap();
            Self {
                path,
                source,
                live: Live::from(&loaded.settings),
                overlays: Overlays::new(show.spec()),
                show,
                last_good: loaded,
            }
        }

        /// Writes `text` to the config (`None` deletes it) and reloads as the loop would.
        fn edit(&mut self, text: Option<&str>) {
            match text {
                Some(text) => std::fs::write(&self.path, text).unwrap(),
                None => std::fs::remove_file(&self.path).unwrap(),
            }
            assert!(self.source.changed());
            assert!(reload(
                &mut self.show,
                &mut self.overlays,
                &mut self.source,
                &mut self.last_good,
                &mut self.live
            ));
        }
    }

    #[test]
    fn reload_keeps_the_last_good_config_until_fixed() {
        let dir = std::env::temp_dir().join(format!("vitrine-reload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut kiosk = Kiosk::start(
            dir.join("kiosk.toml"),
            "fps = 10\n[[item]]\neffect = \"defrag\"\nmessage = \"First\"\n",
        );
        assert!(!kiosk.source.changed());

        // A broken edit: the show keeps running as it was, with the error marker.
        kiosk.edit(Some(
            "fps = 10\n[[item]]\neffect = \"defrag\"\nmessage = First\n",
        ));
        let error = |k: &Kiosk| k.overlays.config_error().map(str::to_string);
        assert!(error(&kiosk).unwrap().contains("kiosk.toml:4:11"));
        assert_eq!(kiosk.show.spec().items[0].messages, ["First"]);
        assert_eq!(kiosk.live.frame_interval, Duration::from_millis(100));
        assert!(
            !kiosk.source.changed(),
            "the broken version is not retried until edited again"
        );

        // Fixed: applied, marker gone, same effect still on screen; the colour depth and the
        // output budget change live too.
        kiosk.edit(Some(
            "fps = 20\nlock = true\ncolor = \"16\"\nmax_rate = 8\n\
             [[item]]\neffect = \"defrag\"\nmessage = \"Second\"\n",
        ));
        assert_eq!(error(&kiosk), None);
        assert_eq!(kiosk.show.spec().items[0].messages, ["Second"]);
        assert_eq!(kiosk.show.current_name(), "defrag");
        assert_eq!(kiosk.live.frame_interval, Duration::from_millis(50));
        assert!(kiosk.live.locked);
        assert_eq!(kiosk.live.depth, ColorDepth::Ansi16);
        assert_eq!(kiosk.live.max_rate, Some(8000.0));

        // A file truncated to nothing (a slow save) is an error, not "every default": the
        // lock stays on.
        kiosk.edit(Some(""));
        assert!(error(&kiosk).unwrap().contains("is empty"));
        assert!(kiosk.live.locked);

        // A deleted config is an error too; the show goes on.
        kiosk.edit(None);
        assert!(error(&kiosk).unwrap().contains("config file /"));
        assert_eq!(kiosk.show.spec().items[0].messages, ["Second"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A logo that goes bad (truncated by a copy, replaced by a huge picture) is a broken
    /// edit like any other: the last good show stays, with the error marker.
    #[test]
    fn a_bad_logo_on_reload_keeps_the_last_good_show() {
        use crate::logo::tests::{LOGO, png_header};
        let dir = std::env::temp_dir().join(format!("vitrine-logo-reload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (config, logo) = (dir.join("kiosk.toml"), dir.join("logo.png"));
        let good = std::fs::read(LOGO).unwrap();
        std::fs::write(&logo, &good).unwrap();
        std::fs::write(
            &config,
            "[[item]]\nlayers = [\"defrag\", \"logo\"]\nlogo = \"logo.png\"\n",
        )
        .unwrap();
        let mut source = Source::new(Some(config.clone()), Vec::new());
        let loaded = source.load().unwrap();
        let mut live = Live::from(&loaded.settings);
        let mut show = Show::new(loaded.spec.clone()).unwrap();
        let mut overlays = Overlays::new(show.spec());
        let mut last_good = loaded;
        for bad in [good[..good.len() / 2].to_vec(), png_header(20_000, 20_000)] {
            std::fs::write(&logo, &bad).unwrap();
            assert!(source.changed(), "the logo is watched like the config");
            reload(
                &mut show,
                &mut overlays,
                &mut source,
                &mut last_good,
                &mut live,
            );
            let marker = overlays
                .config_error()
                .expect("the error marker")
                .to_string();
            assert!(
                marker.contains("kiosk.toml:3:1: item 1 (defrag+logo): --logo"),
                "{marker}"
            );
            assert_eq!(show.spec().items[0].name(), "defrag+logo");
            assert!(show.spec().items[0].logo.is_some());
        }
        std::fs::write(&logo, &good).unwrap();
        reload(
            &mut show,
            &mut overlays,
            &mut source,
            &mut last_good,
            &mut live,
        );
        assert_eq!(overlays.config_error(), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Every setting a config may hold is either part of the show (per item or the playlist,
    /// applied by `Show::reload`), applied by the loop, or named as needing a restart: a new
    /// flag that is none of these fails here.
    #[test]
    fn every_setting_is_applied_on_reload_or_named_as_needing_a_restart() {
        let per_item = cli::ids::<cli::ItemArgs>();
        let in_show = cli::ids::<PlaylistArgs>();
        let all = Settings::augment_args(Command::new("settings"));
        for arg in all.get_arguments() {
            let id = arg.get_id().as_str();
            let homes = [
                per_item.iter().any(|i| i == id),
                in_show.iter().any(|i| i == id),
                APPLIED_LIVE.contains(&id),
                NEEDS_RESTART.contains(&id),
            ];
            assert_eq!(
                homes.iter().filter(|&&h| h).count(),
                1,
                "'{id}' must be in exactly one of: ItemArgs, PlaylistArgs, APPLIED_LIVE, \
                 NEEDS_RESTART"
            );
        }
        // The live list names real settings and `Live` follows each of them.
        let base = Live::from(&settings(&[]));
        for (id, value) in [
            ("fps", "7"),
            ("color", "mono"),
            ("dither", "none"),
            ("max_rate", "3"),
            ("lock", ""),
            ("unlock_chord", "ctrl+alt+x"),
            ("log_level", "debug"),
            ("dark", "Sat-Sun"),
        ] {
            assert!(APPLIED_LIVE.contains(&id), "{id}");
            let flag = format!("--{}", id.replace('_', "-"));
            let args: Vec<&str> = if value.is_empty() {
                vec![&flag]
            } else {
                vec![&flag, value]
            };
            assert_ne!(
                Live::from(&settings(&args)),
                base,
                "{id} does not reach the loop"
            );
        }
        assert_eq!(
            APPLIED_LIVE.len(),
            8,
            "add the new live setting to the list above"
        );
        let changed = ["fps".to_string(), "log_file".into(), "stars".into()];
        let (applied, restart) = sort_changes(&changed);
        assert_eq!((applied, restart), (vec!["fps", "stars"], vec!["log_file"]));
    }

    fn settings(args: &[&str]) -> Settings {
        let cmd = Settings::augment_args(Command::new("vitrine").no_binary_name(true));
        let matches = cmd.try_get_matches_from(args).unwrap();
        <Settings as clap::FromArgMatches>::from_arg_matches(&matches).unwrap()
    }
}

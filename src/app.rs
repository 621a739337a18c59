//! The live showcase: the event/frame loop on the local terminal.

use std::fmt;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use vitrine_effects::depth::ColorDepth;

use crate::cli::ShowArgs;
use crate::config::Source;
use crate::control::{Control, Live};
use crate::dark::{self, Change, Dark, Power};
use crate::pacing::FramePacer;
use crate::screen::Overlays;
use crate::show::Show;
use crate::{logging, terminal};

/// How often the config and message files are checked for changes.
const RELOAD_POLL: Duration = Duration::from_millis(500);

/// The key chord that quits even in `--lock` mode, e.g. Ctrl-Alt-Q.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chord {
    modifiers: KeyModifiers,
    code: KeyCode,
}

impl Chord {
    /// Parses `ctrl+alt+q`, `ctrl+shift+f12`, `alt+end`...: modifiers (ctrl, alt, shift, super)
    /// and one key (a character, f1..f24, esc, enter, tab, backspace, delete, insert, home, end,
    /// pageup, pagedown). At least ctrl, alt or super is required, so a passer-by cannot type it.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut modifiers = KeyModifiers::NONE;
        let mut code = None;
        for part in s.split(['+', '-']).map(|p| p.trim().to_ascii_lowercase()) {
            let modifier = match part.as_str() {
                "ctrl" | "control" => KeyModifiers::CONTROL,
                "alt" | "meta" => KeyModifiers::ALT,
                "shift" => KeyModifiers::SHIFT,
                "super" | "win" => KeyModifiers::SUPER,
                _ => KeyModifiers::NONE,
            };
            if !modifier.is_empty() {
                modifiers |= modifier;
                continue;
            }
            if code.is_some() {
                return Err(format!("'{s}' names more than one key"));
            }
            code = Some(key_code(&part).ok_or_else(|| format!("unknown key '{part}' in '{s}'"))?);
        }
        let code = code.ok_or_else(|| format!("'{s}' names no key (e.g. ctrl+alt+q)"))?;
        if !modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SUPER) {
            return Err(format!(
                "'{s}' needs ctrl, alt or super, so a passer-by cannot type it"
            ));
        }
        Ok(Self { modifiers, code })
    }

    fn matches(&self, key: &KeyEvent) -> bool {
        let same_key = match (key.code, self.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => a.eq_ignore_ascii_case(&b),
            (a, b) => a == b,
        };
        same_key && key.modifiers.contains(self.modifiers)
    }
}

fn key_code(name: &str) -> Option<KeyCode> {
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(KeyCode::Char(c));
    }
    if let Some(n) = name.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
        return (1..=24).contains(&n).then_some(KeyCode::F(n));
    }
    Some(match name {
        "esc" | "escape" => KeyCode::Esc,
        "enter" | "return" => KeyCode::Enter,
        "tab" => KeyCode::Tab,
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "space" => KeyCode::Char(' '),
        _ => return None,
    })
}

impl Default for Chord {
    fn default() -> Self {
        Self {
            modifiers: KeyModifiers::CONTROL | KeyModifiers::ALT,
            code: KeyCode::Char('q'),
        }
    }
}

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (m, name) in [
            (KeyModifiers::CONTROL, "Ctrl-"),
            (KeyModifiers::ALT, "Alt-"),
            (KeyModifiers::SUPER, "Super-"),
            (KeyModifiers::SHIFT, "Shift-"),
        ] {
            if self.modifiers.contains(m) {
                f.write_str(name)?;
            }
        }
        match self.code {
            KeyCode::Char(c) => write!(f, "{}", c.to_ascii_uppercase()),
            other => write!(f, "{other}"),
        }
    }
}

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

/// What a key press asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    TogglePause,
    Next,
    Previous,
    ToggleHelp,
    Poke,
    Ignore,
}

impl Action {
    /// Carries out every action but `Quit` on `show` and `overlays` (shared by the local loop
    /// and SSH sessions). Returns whether the screen needs redrawing.
    pub fn apply(self, show: &mut Show, overlays: &mut Overlays) -> bool {
        match self {
            Action::TogglePause => show.toggle_pause(),
            Action::Next => show.next(),
            Action::Previous => show.previous(),
            Action::ToggleHelp => overlays.help = !overlays.help,
            Action::Poke => show.poke(),
            Action::Quit | Action::Ignore => return false,
        }
        true
    }
}

/// Maps a key to an action. With `locked`, only the unlock `chord` does anything.
pub fn action_for(key: KeyEvent, locked: bool, chord: Chord) -> Action {
    if key.kind != KeyEventKind::Press {
        return Action::Ignore;
    }
    if chord.matches(&key) {
        return Action::Quit;
    }
    if locked {
        return Action::Ignore;
    }
    match key.code {
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => Action::Quit,
        KeyCode::Char('q' | 'Q') | KeyCode::Esc => Action::Quit,
        KeyCode::Char(' ') => Action::TogglePause,
        KeyCode::Char('n') | KeyCode::Right => Action::Next,
        KeyCode::Char('p') | KeyCode::Left => Action::Previous,
        KeyCode::Char('?') | KeyCode::Char('h') => Action::ToggleHelp,
        _ => Action::Poke,
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
                        if !action.apply(&mut show, &mut overlays) {
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

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    fn action_for(key: KeyEvent, locked: bool) -> Action {
        super::action_for(key, locked, Chord::default())
    }

    #[test]
    fn keys_map_to_actions() {
        let none = KeyModifiers::NONE;
        assert_eq!(
            action_for(key(KeyCode::Char('q'), none), false),
            Action::Quit
        );
        assert_eq!(
            action_for(key(KeyCode::Char('c'), KeyModifiers::CONTROL), false),
            Action::Quit
        );
        assert_eq!(action_for(key(KeyCode::Right, none), false), Action::Next);
        assert_eq!(
            action_for(key(KeyCode::Char(' '), none), false),
            Action::TogglePause
        );
        assert_eq!(
            action_for(key(KeyCode::Char('x'), none), false),
            Action::Poke
        );
    }

    #[test]
    fn lock_ignores_everything_but_the_chord() {
        for code in [
            KeyCode::Char('q'),
            KeyCode::Esc,
            KeyCode::Char('n'),
            KeyCode::Char('x'),
        ] {
            assert_eq!(
                action_for(key(code, KeyModifiers::NONE), true),
                Action::Ignore
            );
        }
        assert_eq!(
            action_for(key(KeyCode::Char('c'), KeyModifiers::CONTROL), true),
            Action::Ignore
        );
        let chord = KeyModifiers::CONTROL | KeyModifiers::ALT;
        assert_eq!(
            action_for(key(KeyCode::Char('q'), chord), true),
            Action::Quit
        );
    }

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

    #[test]
    fn unlock_chord_is_configurable() {
        let chord = Chord::parse("Ctrl+Shift+F12").unwrap();
        assert_eq!(chord.to_string(), "Ctrl-Shift-F12");
        let press = key(KeyCode::F(12), KeyModifiers::CONTROL | KeyModifiers::SHIFT);
        assert_eq!(super::action_for(press, true, chord), Action::Quit);
        // The default chord no longer quits once another is configured.
        let ctrl_alt_q = key(
            KeyCode::Char('q'),
            KeyModifiers::CONTROL | KeyModifiers::ALT,
        );
        assert_eq!(super::action_for(ctrl_alt_q, true, chord), Action::Ignore);
        assert_eq!(Chord::parse("ctrl+alt+q").unwrap(), Chord::default());
        // Shifted letters arrive upper-case.
        let upper = key(
            KeyCode::Char('Q'),
            KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT,
        );
        assert_eq!(
            super::action_for(upper, true, Chord::default()),
            Action::Quit
        );
        assert!(Chord::parse("q").unwrap_err().contains("needs ctrl"));
        assert!(Chord::parse("ctrl+alt").unwrap_err().contains("no key"));
        assert!(
            Chord::parse("ctrl+foo")
                .unwrap_err()
                .contains("unknown key")
        );
        assert!(Chord::parse("ctrl+a+b").is_err());
    }
}

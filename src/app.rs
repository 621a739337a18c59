//! The live showcase: the event/frame loop on the local terminal.

use std::time::Instant;

use anyhow::{Context as _, Result};
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use vitrine_effects::depth::ColorDepth;

use crate::cli::ShowArgs;
use crate::pacing::FramePacer;
use crate::screen::Overlays;
use crate::show::Show;
use crate::terminal;

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

/// Maps a key to an action. With `locked`, only the quit chord Ctrl-Alt-Q does anything.
pub fn action_for(key: KeyEvent, locked: bool) -> Action {
    if key.kind != KeyEventKind::Press {
        return Action::Ignore;
    }
    let chord = KeyModifiers::CONTROL | KeyModifiers::ALT;
    if key.modifiers.contains(chord) && matches!(key.code, KeyCode::Char('q' | 'Q')) {
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
/// playlist, or a signal (handled in [`terminal`]).
pub fn run(mut show: Show, args: &ShowArgs, depth: ColorDepth) -> Result<()> {
    let locked = args.lock;
    let mut guard = terminal::init(depth)?;
    let mut pacer = FramePacer::new(
        args.fps,
        args.max_rate.map(|kb| kb * 1000.0),
        Instant::now(),
    );
    let mut overlays = Overlays::default();
    let mut dirty = true;
    let mut last = Instant::now();
    let mut next_frame = last;
    loop {
        let timeout = next_frame.saturating_duration_since(Instant::now());
        if event::poll(timeout).context("cannot read terminal events")? {
            match event::read().context("cannot read terminal events")? {
                Event::Key(key) => match action_for(key, locked) {
                    Action::Quit => break,
                    Action::TogglePause => show.toggle_pause(),
                    Action::Next => show.next(),
                    Action::Previous => show.previous(),
                    Action::ToggleHelp => overlays.help = !overlays.help,
                    Action::Poke => show.poke(),
                    Action::Ignore => continue,
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
        let ticked = show.advance(now - last);
        last = now;
        if show.finished() {
            break;
        }
        if ticked || dirty {
            let before = guard.written.get();
            guard
                .screen
                .draw(&mut show, overlays)
                .context("cannot write to the terminal")?;
            let after = guard.written.get();
            pacer.wrote(after - before, now);
            dirty = false;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
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
}

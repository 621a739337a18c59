//! Key bindings: which key does what, shared by the local terminal and SSH sessions, and the
//! unlock chord that quits a locked kiosk.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

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

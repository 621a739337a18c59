//! Keys from a remote terminal: the raw bytes a client's terminal sends, turned into crossterm
//! key events so remote sessions share [`crate::keymap::action_for`] with the local showcase.
//!
//! The local showcase gets its keys from crossterm's own parser, which reads a local tty; over
//! SSH the bytes arrive in channel data instead. Only what a viewer types needs decoding:
//! printable characters (UTF-8), control characters, Esc, Alt+key (ESC prefix) and the CSI/SS3
//! sequences of cursor and function keys. Any other escape sequence becomes `KeyCode::Null`,
//! which the key map treats like any other key (a poke).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const ESC: u8 = 0x1b;

/// Appends the key presses encoded in `bytes` to `out`.
///
/// A lone ESC at the end of a read is the Esc key: terminals send a key's whole sequence in
/// one write, so a sequence split across reads is rare enough to ignore.
pub fn parse(mut bytes: &[u8], out: &mut Vec<KeyEvent>) {
    while !bytes.is_empty() {
        let (key, used) = next_key(bytes);
        if let Some(key) = key {
            out.push(key);
        }
        bytes = &bytes[used.max(1)..];
    }
}

/// Decodes the first key of `bytes`, returning it (if the bytes form one) and how many bytes
/// it took.
fn next_key(bytes: &[u8]) -> (Option<KeyEvent>, usize) {
    match bytes {
        [] => (None, 0),
        [ESC] => (Some(plain(KeyCode::Esc)), 1),
        [ESC, b'[' | b'O', rest @ ..] => {
            // CSI or SS3: parameters, then one final byte in 0x40..=0x7e.
            match rest.iter().position(|b| (0x40..=0x7e).contains(b)) {
                Some(end) => (Some(plain(sequence_key(rest[end]))), 2 + end + 1),
                None => (None, bytes.len()),
            }
        }
        [ESC, ESC, ..] => (Some(plain(KeyCode::Esc)), 1),
        [ESC, rest @ ..] => {
            // Alt+key: ESC followed by the key itself.
            let (key, used) = next_key(rest);
            let key = key.map(|mut k| {
                k.modifiers |= KeyModifiers::ALT;
                k
            });
            (key, 1 + used)
        }
        [byte, ..] if *byte < 0x20 || *byte == 0x7f => (Some(control_key(*byte)), 1),
        [byte, ..] => {
            let len = utf8_len(*byte).min(bytes.len());
            let key = std::str::from_utf8(&bytes[..len])
                .ok()
                .and_then(|s| s.chars().next())
                .map(|c| plain(KeyCode::Char(c)));
            (key, len)
        }
    }
}

fn plain(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// The key of a CSI/SS3 sequence from its final byte; modifiers (`ESC[1;5C`) are dropped.
fn sequence_key(last: u8) -> KeyCode {
    match last {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        _ => KeyCode::Null,
    }
}

/// C0 control characters: what a terminal sends for Enter, Tab, Backspace and Ctrl+letter.
fn control_key(byte: u8) -> KeyEvent {
    match byte {
        b'\r' | b'\n' => plain(KeyCode::Enter),
        b'\t' => plain(KeyCode::Tab),
        0x7f | 0x08 => plain(KeyCode::Backspace),
        0 => KeyEvent::new(KeyCode::Char(' '), KeyModifiers::CONTROL),
        0x01..=0x1a => KeyEvent::new(
            KeyCode::Char(char::from(b'a' + byte - 1)),
            KeyModifiers::CONTROL,
        ),
        _ => plain(KeyCode::Null),
    }
}

/// Length of the UTF-8 sequence a leading byte announces (1 for a stray continuation byte, so
/// it is skipped on its own).
fn utf8_len(first: u8) -> usize {
    match first {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keymap::{Action, action_for};

    fn actions(bytes: &[u8], locked: bool) -> Vec<Action> {
        let mut keys = Vec::new();
        parse(bytes, &mut keys);
        keys.into_iter()
            .map(|k| action_for(k, locked, crate::keymap::Chord::default()))
            .collect()
    }

    #[test]
    fn common_keys_map_like_the_local_showcase() {
        use Action::*;
        assert_eq!(actions(b"q", false), [Quit]);
        assert_eq!(actions(b"\x1b", false), [Quit]);
        assert_eq!(actions(b"\x03", false), [Quit]);
        assert_eq!(
            actions(b" np?", false),
            [TogglePause, Next, Previous, ToggleHelp]
        );
        assert_eq!(actions(b"\x1b[C\x1b[D", false), [Next, Previous]);
        // Application cursor mode and modified arrows.
        assert_eq!(actions(b"\x1bOC\x1b[1;5D", false), [Next, Previous]);
        assert_eq!(actions(b"x\x1b[A\x1b[15~", false), [Poke, Poke, Poke]);
    }

    #[test]
    fn utf8_alt_and_partial_sequences() {
        let mut keys = Vec::new();
        parse("한x".as_bytes(), &mut keys);
        assert_eq!(keys[0].code, KeyCode::Char('한'));
        assert_eq!(keys[1].code, KeyCode::Char('x'));
        keys.clear();
        parse(b"\x1bn", &mut keys);
        assert_eq!(keys, [KeyEvent::new(KeyCode::Char('n'), KeyModifiers::ALT)]);
        keys.clear();
        // A truncated CSI and a stray continuation byte: nothing, no panic.
        parse(b"\x1b[1;", &mut keys);
        parse(&[0x80, 0xe0], &mut keys);
        assert!(keys.is_empty(), "{keys:?}");
    }

    #[test]
    fn lock_keeps_only_the_chord() {
        // Ctrl-Alt-Q arrives as ESC + Ctrl-Q (0x11).
        assert_eq!(
            actions(b"q\x1b\x03n\x1b\x11", true),
            [Action::Ignore, Action::Ignore, Action::Ignore, Action::Quit]
        );
    }
}

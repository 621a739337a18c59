//! Property tests: whatever text arrives (any Unicode, control characters, escape sequences) and
//! whatever the area, sanitising and rendering never panic, nothing that could drive the terminal
//! reaches a buffer cell, and double-width glyphs are never split.

use std::time::Duration;

use proptest::prelude::*;
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use vitrine_effects::registry::EFFECTS;
use vitrine_effects::text::{sanitize, width, wrap};
use vitrine_effects::{Context, Params};

/// Text mixing plain words, Hangul, emoji, controls and escape-sequence fragments.
fn messy_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[A-Za-z ]{0,8}",
        "[가-힣 ]{0,4}",
        Just("👋🏽".to_string()),
        Just("👨‍👩‍👧".to_string()),
        Just("\u{1b}[31m".to_string()),
        Just("\u{1b}]0;owned\u{7}".to_string()),
        Just("\u{1b}P+q\u{1b}\\".to_string()),
        Just("\u{9b}2J".to_string()),
        Just("\r\n\t\u{8}\u{7f}\u{0}".to_string()),
        Just("\u{202e}".to_string()),
        any::<char>().prop_map(|c| c.to_string()),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|parts| parts.concat())
}

fn is_terminal_control(c: char) -> bool {
    c.is_control() && c != '\n'
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn sanitized_text_has_no_controls(text in messy_text()) {
        let clean = sanitize(&text);
        prop_assert!(!clean.chars().any(is_terminal_control), "{clean:?}");
        prop_assert_eq!(sanitize(&clean), clean.clone(), "sanitising twice changes nothing");
    }

    #[test]
    fn wrapped_lines_fit(text in messy_text(), max in 0usize..30) {
        for line in wrap(&sanitize(&text), max) {
            prop_assert!(width(&line) <= max);
        }
    }

    #[test]
    fn every_effect_renders_any_text_at_any_size(
        text in messy_text(),
        w in 0u16..90,
        h in 0u16..30,
        effect in 0usize..EFFECTS.len(),
    ) {
        let info = &EFFECTS[effect];
        let mut fx = (info.build)(&Context::new(3, &text), &Params::default()).unwrap();
        let area = Rect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        for _ in 0..30 {
            fx.tick(Duration::from_millis(16));
        }
        fx.render(area, &mut buf);
        fx.set_message(&sanitize(&text));
        fx.tick(Duration::from_millis(16));
        fx.render(area, &mut buf);
        for y in 0..h {
            let mut x = 0;
            while x < w {
                let symbol = buf[(x, y)].symbol();
                prop_assert!(!symbol.chars().any(is_terminal_control), "{:?} at {x},{y}", symbol);
                let cells = width(symbol) as u16;
                // A wide glyph must be followed by the blank cell it covers, inside the area.
                if cells == 2 {
                    prop_assert!(x + 1 < w, "wide glyph {symbol:?} split at the right edge");
                    prop_assert_eq!(buf[(x + 1, y)].symbol(), " ");
                }
                x += cells.max(1);
            }
        }
    }
}

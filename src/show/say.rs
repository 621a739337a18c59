//! Urgent messages (`vitrine ctl say`): an effect showing one message that interrupts the
//! playlist for a while, then hands the screen back to the item it interrupted, which resumes
//! where it was (its time and messages stand still meanwhile).

use std::time::Duration;

use anyhow::Result;
use vitrine_effects::registry;
use vitrine_effects::text::sanitize;
use vitrine_effects::{Context, Effect, Params};

use super::Show;

/// The effect a message is shown with unless another is named.
pub const DEFAULT_EFFECT: &str = "glitch";

/// How long a message stays up unless told.
pub const DEFAULT_TIME: Duration = Duration::from_secs(5 * 60);

/// The message on screen.
pub struct Say {
    pub(super) effect: Box<dyn Effect>,
    pub(super) text: String,
    pub(super) left: Duration,
    accumulator: Duration,
}

impl Say {
    /// Runs the effect for `real` time on fixed `tick`s; returns whether it ticked.
    pub(super) fn advance(&mut self, real: Duration, tick: Duration) -> bool {
        self.left = self.left.saturating_sub(real);
        self.accumulator += real;
        let mut ticked = false;
        while self.accumulator >= tick {
            self.accumulator -= tick;
            self.effect.tick(tick);
            ticked = true;
        }
        ticked
    }
}

impl Show {
    /// Interrupts the playlist with `text` (sanitised) for `duration`, shown by the effect
    /// named `effect`; replaces a message already up. Errors name what was wrong.
    pub fn say(
        &mut self,
        text: &str,
        effect: Option<&str>,
        duration: Option<Duration>,
    ) -> Result<()> {
        let text = sanitize(text);
        if text.is_empty() {
            anyhow::bail!("say: the text is empty (after removing control characters)");
        }
        let name = effect.unwrap_or(DEFAULT_EFFECT);
        let info = registry::find(name).ok_or_else(|| {
            let known: Vec<&str> = registry::EFFECTS.iter().map(|e| e.name).collect();
            anyhow::anyhow!("say: unknown effect '{name}' (known: {})", known.join(", "))
        })?;
        let current = &self.spec.items[self.playlist.current()];
        let mut context = Context::new(self.spec.seed ^ self.started, &text);
        // The viewers' needs (reduced motion, brand colours) hold for urgent messages too.
        context.calm = current.context().calm;
        context.palette = current.context().palette.clone();
        let effect = (info.build)(&context, &Params::default())
            .map_err(|e| anyhow::anyhow!("say: effect {}: {e}", info.name))?;
        log::info!("say ({}): {text}", info.name);
        self.say = Some(Say {
            effect,
            text,
            left: duration.unwrap_or(DEFAULT_TIME),
            accumulator: Duration::ZERO,
        });
        Ok(())
    }

    /// Ends the message early; returns whether there was one.
    pub fn clear_say(&mut self) -> bool {
        self.say.take().is_some()
    }

    /// The message interrupting the playlist and how long it has left.
    pub fn saying(&self) -> Option<(&str, Duration)> {
        self.say.as_ref().map(|s| (s.text.as_str(), s.left))
    }

    /// The effect on screen: the message's while one is up, else the playlist item's (all
    /// its layers: `defrag+confetti`).
    pub fn on_screen(&self) -> String {
        match &self.say {
            Some(say) => say.effect.name().to_string(),
            None => self.item().name(),
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;

    use super::super::tests::spec;
    use super::*;

    #[test]
    fn a_message_interrupts_then_the_playlist_resumes_where_it_was() {
        let mut show = Show::new(spec(&["defrag", "water"])).unwrap();
        show.advance(Duration::from_millis(1500));
        let elapsed = show.item_elapsed;
        show.say(
            "회의 \u{1b}[2J5분 전",
            Some("confetti"),
            Some(Duration::from_secs(3)),
        )
        .unwrap();
        assert_eq!(show.saying().unwrap().0, "회의 5분 전");
        assert_eq!(show.on_screen(), "confetti");
        for _ in 0..10 {
            show.advance(Duration::from_millis(200));
        }
        assert_eq!(show.current_name(), "defrag", "the playlist stood still");
        assert_eq!(show.item_elapsed, elapsed);
        let mut buf = Buffer::empty(Rect::new(0, 0, 30, 8));
        show.render(buf.area, &mut buf);
        for _ in 0..6 {
            show.advance(Duration::from_millis(200));
        }
        assert!(show.saying().is_none(), "over after 3 s");
        assert_eq!(show.on_screen(), "defrag");
        show.say("again", None, None).unwrap();
        assert_eq!(show.on_screen(), DEFAULT_EFFECT);
        assert!(show.clear_say());
        assert!(!show.clear_say());
    }

    #[test]
    fn bad_messages_are_errors() {
        let mut show = Show::new(spec(&["defrag"])).unwrap();
        let err = show.say("hi", Some("fireworks"), None).unwrap_err();
        assert!(err.to_string().contains("unknown effect 'fireworks'"));
        let err = show.say("\u{7}\u{1b}", None, None).unwrap_err();
        assert!(err.to_string().contains("empty"));
        assert!(show.saying().is_none());
    }
}

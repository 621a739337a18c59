//! The engine: a playlist of effects advanced on a fixed simulation tick.
//!
//! Real time goes in through [`Show::advance`]; effects only ever see fixed steps, so their speed
//! does not depend on the frame rate or machine load, and a seed gives the same frames whether
//! the show runs live, in the recorder or over SSH.

use std::time::Duration;

use anyhow::{Result, bail};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use vitrine_effects::registry::{self, EffectInfo};
use vitrine_effects::{Context, Effect, Params};

use crate::playlist::Playlist;

/// Most simulated time one `advance` call may catch up on; beyond it time is dropped, so a
/// stalled machine (or a suspended laptop) does not spin through minutes of ticks at once.
const MAX_CATCH_UP: Duration = Duration::from_millis(250);

/// Everything that defines a show, resolved and validated.
#[derive(Clone, Debug)]
pub struct ShowSpec {
    pub items: Vec<&'static EffectInfo>,
    pub item_duration: Duration,
    pub shuffle: bool,
    pub once: bool,
    pub messages: Vec<String>,
    pub message_interval: Duration,
    pub seed: u64,
    pub tick: Duration,
    pub speed: f32,
    /// Style, calm and palette; the seed and message are filled in per item.
    pub context: Context,
    pub params: Params,
}

impl ShowSpec {
    /// Builds every item once, so a bad parameter combination is reported before the
    /// terminal is touched.
    pub fn validate(&self) -> Result<()> {
        if self.items.is_empty() {
            bail!("no effects to show");
        }
        if let Some(style) = &self.context.style
            && !self
                .items
                .iter()
                .any(|info| info.styles.iter().any(|s| s.eq_ignore_ascii_case(style)))
        {
            let known: Vec<String> = self
                .items
                .iter()
                .filter(|i| !i.styles.is_empty())
                .map(|i| format!("{}: {}", i.name, i.styles.join(", ")))
                .collect();
            bail!(
                "unknown --style '{style}' for the chosen effects ({})",
                known.join("; ")
            );
        }
        for info in &self.items {
            (info.build)(&self.context, &self.params)
                .map_err(|e| anyhow::anyhow!("effect {}: {e}", info.name))?;
        }
        Ok(())
    }
}

/// A running show.
pub struct Show {
    spec: ShowSpec,
    playlist: Playlist,
    effect: Box<dyn Effect>,
    /// How many items have been started; mixes into each item's seed so repeats differ.
    started: u64,
    item_elapsed: Duration,
    message_index: usize,
    message_elapsed: Duration,
    accumulator: Duration,
    paused: bool,
}

impl Show {
    pub fn new(spec: ShowSpec) -> Result<Self> {
        spec.validate()?;
        let playlist = Playlist::new(spec.items.len(), spec.shuffle, spec.once, spec.seed);
        let effect = build(&spec, playlist.current(), 0, 0)?;
        Ok(Self {
            spec,
            playlist,
            effect,
            started: 1,
            item_elapsed: Duration::ZERO,
            message_index: 0,
            message_elapsed: Duration::ZERO,
            accumulator: Duration::ZERO,
            paused: false,
        })
    }

    /// Lets `real` time pass: runs as many fixed ticks as fit, rotates messages and moves on to
    /// the next item when the current one has had its time. Returns whether anything advanced
    /// (nothing does while paused, so a paused screen need not be redrawn).
    pub fn advance(&mut self, real: Duration) -> bool {
        if self.paused || self.finished() {
            return false;
        }
        let real = real.min(MAX_CATCH_UP);
        self.accumulator += real.mul_f32(self.spec.speed);
        let mut ticked = false;
        while self.accumulator >= self.spec.tick {
            self.accumulator -= self.spec.tick;
            self.effect.tick(self.spec.tick);
            ticked = true;
        }
        self.message_elapsed += real;
        if self.spec.messages.len() > 1 && self.message_elapsed >= self.spec.message_interval {
            self.message_elapsed = Duration::ZERO;
            self.message_index = (self.message_index + 1) % self.spec.messages.len();
            self.effect
                .set_message(&self.spec.messages[self.message_index]);
        }
        self.item_elapsed += real;
        if self.item_elapsed >= self.spec.item_duration {
            self.playlist.next();
            if !self.playlist.finished() {
                self.switch();
            }
        }
        ticked
    }

    /// Draws the current effect into `area` of `buf`.
    pub fn render(&mut self, area: Rect, buf: &mut Buffer) {
        self.effect.render(area, buf);
    }

    pub fn next(&mut self) {
        self.playlist.next();
        if self.playlist.finished() {
            return;
        }
        self.switch();
    }

    pub fn previous(&mut self) {
        self.playlist.previous();
        self.switch();
    }

    pub fn toggle_pause(&mut self) {
        self.paused = !self.paused;
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    pub fn poke(&mut self) {
        self.effect.poke();
    }

    /// Whether `--once` has shown every item.
    pub fn finished(&self) -> bool {
        self.playlist.finished()
    }

    /// Name of the effect on screen.
    pub fn current_name(&self) -> &'static str {
        self.effect.name()
    }

    #[cfg(test)]
    fn message(&self) -> &str {
        self.spec
            .messages
            .get(self.message_index)
            .map_or("", String::as_str)
    }

    fn switch(&mut self) {
        // Every item was built once in `validate`, so building again cannot fail; keep the old
        // effect if it somehow does rather than blank the screen.
        if let Ok(effect) = build(
            &self.spec,
            self.playlist.current(),
            self.started,
            self.message_index,
        ) {
            self.effect = effect;
        }
        self.started += 1;
        self.item_elapsed = Duration::ZERO;
        self.accumulator = Duration::ZERO;
    }
}

fn build(spec: &ShowSpec, item: usize, started: u64, message: usize) -> Result<Box<dyn Effect>> {
    let info = spec.items[item];
    let mut context = spec.context.clone();
    // The first item runs with the seed exactly, so `record --seed N` matches the library.
    context.seed = spec
        .seed
        .wrapping_add(started.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    context.message = spec.messages.get(message).cloned().unwrap_or_default();
    if let Some(style) = &context.style
        && !info.styles.iter().any(|s| s.eq_ignore_ascii_case(style))
    {
        context.style = None;
    }
    (info.build)(&context, &spec.params).map_err(|e| anyhow::anyhow!("effect {}: {e}", info.name))
}

/// Resolves effect names (empty = all) against the registry.
pub fn resolve_effects(names: &[String]) -> Result<Vec<&'static EffectInfo>> {
    if names.is_empty() {
        return Ok(registry::EFFECTS.iter().collect());
    }
    names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .map(|name| {
            registry::find(name).ok_or_else(|| {
                let known: Vec<&str> = registry::EFFECTS.iter().map(|e| e.name).collect();
                anyhow::anyhow!(
                    "unknown effect '{}' (known: {})",
                    name.trim(),
                    known.join(", ")
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(names: &[&str]) -> ShowSpec {
        ShowSpec {
            items: resolve_effects(&names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap(),
            item_duration: Duration::from_secs(2),
            shuffle: false,
            once: false,
            messages: vec!["One".into(), "Two".into()],
            message_interval: Duration::from_secs(1),
            seed: 5,
            tick: Duration::from_micros(16_667),
            speed: 1.0,
            context: Context::new(0, ""),
            params: Params::default(),
        }
    }

    #[test]
    fn fixed_ticks_do_not_depend_on_frame_rate() {
        // 1 s at 10 fps and 1 s at 100 fps must both give 60 ticks' worth of advance.
        for fps in [10u32, 100] {
            let mut show = Show::new(spec(&["glitch"])).unwrap();
            let frame = Duration::from_secs(1) / fps;
            let ticks: u32 = (0..fps).map(|_| u32::from(show.advance(frame))).sum();
            assert!(ticks > 0);
            assert!(
                show.accumulator < show.spec.tick,
                "leftover must be below one tick"
            );
        }
    }

    #[test]
    fn items_and_messages_rotate_on_real_time() {
        let mut show = Show::new(spec(&["glitch", "defrag"])).unwrap();
        assert_eq!(show.current_name(), "glitch");
        for _ in 0..10 {
            show.advance(Duration::from_millis(110));
        }
        assert_eq!(show.message(), "Two");
        for _ in 0..10 {
            show.advance(Duration::from_millis(100));
        }
        assert_eq!(show.current_name(), "defrag");
        show.previous();
        assert_eq!(show.current_name(), "glitch");
    }

    #[test]
    fn pause_stops_time_and_once_finishes() {
        let mut s = spec(&["glitch", "water"]);
        s.once = true;
        let mut show = Show::new(s).unwrap();
        show.toggle_pause();
        assert!(!show.advance(Duration::from_secs(10)));
        assert_eq!(show.current_name(), "glitch");
        show.toggle_pause();
        for _ in 0..50 {
            show.advance(Duration::from_millis(200));
        }
        assert!(show.finished());
        assert!(!show.advance(Duration::from_millis(200)));
    }

    #[test]
    fn rejects_unknown_effects_and_styles() {
        assert!(resolve_effects(&["nope".into()]).is_err());
        let mut s = spec(&["defrag"]);
        s.context.style = Some("strobe".into());
        let err = Show::new(s).err().unwrap().to_string();
        assert!(err.contains("unknown --style 'strobe'"), "{err}");
    }

    #[test]
    fn renders_at_any_size_including_zero() {
        let mut show = Show::new(spec(&["glitch", "confetti", "water", "defrag"])).unwrap();
        for (w, h) in [(80, 24), (0, 0), (1, 1), (300, 100), (2, 1)] {
            for _ in 0..4 {
                show.advance(Duration::from_millis(40));
                let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
                show.render(buf.area, &mut buf);
                show.next();
            }
        }
    }
}

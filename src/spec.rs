//! What a show is: its items and show-wide settings ([`ShowSpec`]), and how the command line
//! (or a config file, which speaks the same flags) turns into one ([`ShowSpec::from_args`]).
//! The running show lives in [`crate::show`].

use std::time::Duration;

use anyhow::{Result, bail};
use vitrine_effects::depth::ColorDepth;
use vitrine_effects::font::Fonts;
use vitrine_effects::palette;
use vitrine_effects::registry::{self, EffectInfo};
use vitrine_effects::{Context, Effect, Params};

use crate::ascii_art;
use crate::cli::{ItemArgs, PlaylistArgs};
use crate::messages;
use crate::schedule::Schedule;
use crate::transition::Transition;
use crate::wall::Wall;

/// One playlist entry: an effect and everything it is built and shown with.
#[derive(Clone, Debug)]
pub struct Item {
    pub info: &'static EffectInfo,
    /// Style, calm and palette; the seed and message are filled in when the item starts.
    pub context: Context,
    pub params: Params,
    pub duration: Duration,
    /// Messages rotated while the item plays (never empty).
    pub messages: Vec<String>,
    pub message_interval: Duration,
    /// Animation time scale.
    pub speed: f32,
    pub schedule: Schedule,
}

impl Item {
    /// Whether `other` would build the same effect (messages, duration and schedule aside), so
    /// a reload can keep the running effect.
    pub(crate) fn same_effect(&self, other: &Item) -> bool {
        self.info.name == other.info.name
            && self.context == other.context
            && self.params == other.params
            && self.speed == other.speed
    }

    /// Builds the effect with `seed` and message `message` (an index into the messages).
    pub(crate) fn build(&self, seed: u64, message: usize) -> Result<Box<dyn Effect>> {
        let mut context = self.context.clone();
        context.seed = seed;
        context.message = self.message(message).to_string();
        if let Some(style) = &context.style
            && !self
                .info
                .styles
                .iter()
                .any(|s| s.eq_ignore_ascii_case(style))
        {
            context.style = None;
        }
        (self.info.build)(&context, &self.params)
            .map_err(|e| anyhow::anyhow!("effect {}: {e}", self.info.name))
    }

    pub(crate) fn message(&self, index: usize) -> &str {
        match self.messages.len() {
            0 => "",
            n => &self.messages[index % n],
        }
    }
}

/// Everything that defines a show, resolved and validated.
#[derive(Clone, Debug)]
pub struct ShowSpec {
    pub items: Vec<Item>,
    pub shuffle: bool,
    pub once: bool,
    pub seed: u64,
    pub tick: Duration,
    pub transition: Transition,
    pub transition_time: Duration,
    /// Overlays drawn by [`crate::overlay`].
    pub clock: bool,
    pub ticker: bool,
    /// Clock-locked to UTC (see [`crate::sync`]).
    pub sync: bool,
    /// This screen's tile of a video wall.
    pub wall: Option<Wall>,
}

impl ShowSpec {
    /// Builds every item once, so a bad parameter combination is reported before the
    /// terminal is touched.
    pub fn validate(&self) -> Result<()> {
        if self.items.is_empty() {
            bail!("no effects to show");
        }
        // A style asked for across several effects must suit at least one of them; the others
        // run in their default style.
        for item in &self.items {
            let Some(style) = &item.context.style else {
                continue;
            };
            let asked = self
                .items
                .iter()
                .filter(|i| i.context.style.as_ref() == Some(style));
            if !asked
                .clone()
                .any(|i| i.info.styles.iter().any(|s| s.eq_ignore_ascii_case(style)))
            {
                let known: Vec<String> = asked
                    .filter(|i| !i.info.styles.is_empty())
                    .map(|i| format!("{}: {}", i.info.name, i.info.styles.join(", ")))
                    .collect();
                bail!(
                    "unknown --style '{style}' for the chosen effects ({})",
                    known.join("; ")
                );
            }
        }
        for item in &self.items {
            item.build(self.seed, 0)?;
        }
        if self.sync {
            // Screens could not agree on a random order, an end, or local time.
            if self.shuffle {
                bail!(
                    "--sync cannot be combined with --shuffle (screens would shuffle differently)"
                );
            }
            if self.once {
                bail!("--sync cannot be combined with --once (a synchronised show never ends)");
            }
            if self.items.iter().any(|i| i.schedule != Schedule::default()) {
                bail!(
                    "--sync cannot be combined with item schedules yet; remove 'schedule' or --sync"
                );
            }
        }
        if let Some(wall) = &self.wall
            && (wall.tile.0 >= wall.columns || wall.tile.1 >= wall.rows)
        {
            bail!(
                "--tile {},{} is outside the {}x{} --wall",
                wall.tile.0 + 1,
                wall.tile.1 + 1,
                wall.columns,
                wall.rows
            );
        }
        Ok(())
    }
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

impl ShowSpec {
    /// The show the flags describe: one item per effect, each built from `item`, in the
    /// playlist `playlist` describes. A config builds each of its items through here too (see
    /// [`crate::config`]), so every flag means the same in both places.
    pub fn from_args(item: &ItemArgs, playlist: &PlaylistArgs) -> Result<Self> {
        let infos = resolve_effects(&item.effect)?;
        let messages = messages::load(&item.messages, item.message_file.as_deref())?;
        let mut context = Context::new(0, "");
        context.style = item.style.clone();
        context.calm = item.calm;
        context.fonts = Fonts::with_files(&item.fonts)?;
        context.pixels = item.pixels;
        context.palette = match (&item.colors, &item.palette) {
            (Some(colors), _) => colors.0.clone(),
            // The name was checked by clap against the same list.
            (None, Some(name)) => palette::palette(name).unwrap_or_default().to_vec(),
            (None, None) => Vec::new(),
        };
        let mut params = item.params.clone();
        if let Some(path) = &item.image {
            params.water.image = Some(ascii_art::load(path)?);
        }
        // A wall's screens are only one picture when they are in step.
        let sync = playlist.sync || playlist.wall.is_some();
        let items = infos
            .into_iter()
            .map(|info| Item {
                info,
                context: context.clone(),
                params: params.clone(),
                duration: item.duration,
                messages: messages.clone(),
                message_interval: item.message_interval,
                speed: item.speed,
                schedule: Schedule::default(),
            })
            .collect();
        Ok(Self {
            items,
            shuffle: playlist.shuffle,
            once: playlist.once,
            // Screens in step must agree on the seed without being told one.
            seed: playlist
                .seed
                .unwrap_or_else(|| if sync { SYNC_SEED } else { random_seed() }),
            tick: Duration::from_secs(1) / playlist.tick_rate,
            transition: playlist.transition,
            transition_time: playlist.transition_time,
            clock: playlist.clock,
            ticker: playlist.ticker,
            sync,
            wall: match (playlist.wall, playlist.tile) {
                (Some((columns, rows)), Some(tile)) => Some(Wall {
                    columns,
                    rows,
                    tile,
                    bezel: playlist.bezel.unwrap_or((0, 0)),
                    tile_size: playlist.tile_size,
                }),
                (None, None) if playlist.bezel.is_none() && playlist.tile_size.is_none() => None,
                // A config may name the wall and leave --tile to each screen's command line.
                (Some(_), None) => bail!("--wall needs --tile COL,ROW: which tile this screen is"),
                _ => bail!("--tile, --bezel and --tile-size need --wall COLSxROWS"),
            },
        })
    }

    /// The colour depth the frames will be reduced to, which the effects' lettering follows.
    pub fn set_depth(&mut self, depth: ColorDepth) {
        for item in &mut self.items {
            item.context.depth = depth;
        }
    }
}

/// The seed of a synchronised show whose config names none: every screen must use the same.
const SYNC_SEED: u64 = 0x5eed_0f5c_2ee2;

fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use vitrine_effects::Rgb;

    use super::*;
    use crate::cli::Cli;

    fn palette_for(args: &[&str]) -> Vec<vitrine_effects::Rgb> {
        let cli = Cli::parse_from(std::iter::once("vitrine").chain(args.iter().copied()));
        ShowSpec::from_args(&cli.settings.item, &cli.settings.playlist)
            .unwrap()
            .items[0]
            .context
            .palette
            .clone()
    }

    #[test]
    fn palette_flags_reach_the_effects() {
        assert!(palette_for(&[]).is_empty());
        assert_eq!(
            palette_for(&["--palette", "VGA"]),
            palette::palette("vga").unwrap()
        );
        assert_eq!(
            palette_for(&["--colors", "#0055a4,#ffd700"]),
            [Rgb(0, 0x55, 0xa4), Rgb(0xff, 0xd7, 0)]
        );
    }

    /// Screens in step need the same seed without being told one, and a wall's tiles are
    /// only one picture in step.
    #[test]
    fn synchronised_screens_agree_on_a_seed_and_walls_are_synchronised() {
        let spec = |args: &[&str]| {
            let cli = Cli::parse_from(std::iter::once("vitrine").chain(args.iter().copied()));
            ShowSpec::from_args(&cli.settings.item, &cli.settings.playlist).unwrap()
        };
        let (first, second) = (spec(&["--sync"]), spec(&["--sync"]));
        assert!(first.sync);
        assert_eq!(first.seed, second.seed);
        assert_eq!(spec(&["--sync", "--seed", "9"]).seed, 9);
        let tile = spec(&["--wall", "2x1", "--tile", "2,1"]);
        assert!(tile.sync);
        assert_eq!(tile.seed, first.seed);
        assert!(!spec(&[]).sync);
    }

    #[test]
    fn rejects_unknown_effects() {
        assert!(resolve_effects(&["nope".into()]).is_err());
        assert_eq!(resolve_effects(&[]).unwrap().len(), registry::EFFECTS.len());
    }
}

//! What a show is: its items and show-wide settings ([`ShowSpec`]), and how the command line
//! (or a config file, which speaks the same flags) turns into one ([`ShowSpec::from_args`]).
//! The running show lives in [`crate::show`].

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};
use vitrine_effects::depth::ColorDepth;
use vitrine_effects::font::Fonts;
use vitrine_effects::layers::Stack;
use vitrine_effects::logo::{self, Logo, LogoParams, Picture};
use vitrine_effects::message::{self, MessageLayer};
use vitrine_effects::palette;
use vitrine_effects::registry::{self, EffectInfo};
use vitrine_effects::{Context, Effect, Params};

use crate::ascii_art;
use crate::cli::{ItemArgs, PlaylistArgs};
use crate::messages;
use crate::schedule::Schedule;
use crate::transition::Transition;
use crate::wall::Wall;

/// What one layer of an item draws.
#[derive(Clone, Copy, Debug)]
pub enum Source {
    /// An effect of the registry.
    Effect(&'static EffectInfo),
    /// The `--logo` picture.
    Logo,
    /// The message in big lettering (`--message-layer`).
    Message,
}

impl PartialEq for Source {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Source {
    /// The name in `--effect a+b` and `layers = [...]`.
    pub fn name(self) -> &'static str {
        match self {
            Source::Effect(info) => info.name,
            Source::Logo => logo::NAME,
            Source::Message => message::NAME,
        }
    }
}

/// One layer as `--effect` and `layers = [...]` name it: `confetti`, or `confetti:snow` with a
/// style of its own.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerName {
    pub source: Source,
    /// The layer's own style (spelt as the effect spells it), over the item's `--style`.
    pub style: Option<&'static str>,
}

impl std::fmt::Display for LayerName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.source.name())?;
        match self.style {
            Some(style) => write!(f, ":{style}"),
            None => Ok(()),
        }
    }
}

/// One layer of an item: what it draws, with its own style and parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    pub source: Source,
    /// Style, calm and palette; the seed and message are filled in when the item starts.
    pub context: Context,
    pub params: Params,
}

impl Layer {
    /// The style this layer's effect has by the name its context asks for, if any.
    fn known_style(&self) -> Option<&'static str> {
        let Source::Effect(info) = self.source else {
            return None;
        };
        let style = self.context.style.as_deref()?;
        info.styles
            .iter()
            .find(|s| s.eq_ignore_ascii_case(style))
            .copied()
    }
}

/// The `--logo` picture and how it is shown.
#[derive(Clone, Debug)]
pub struct LogoSpec {
    pub picture: Arc<Picture>,
    pub params: LogoParams,
}

impl PartialEq for LogoSpec {
    fn eq(&self, other: &Self) -> bool {
        (Arc::ptr_eq(&self.picture, &other.picture) || self.picture == other.picture)
            && self.params == other.params
    }
}

/// One playlist entry: a stack of layers (most often one effect) and everything it is built
/// and shown with. The item is one effect to the show: transitions, pause, `say` and the
/// next/previous keys take it as a whole.
#[derive(Clone, Debug)]
pub struct Item {
    /// Bottom first; never empty.
    pub layers: Vec<Layer>,
    /// The picture of the item's logo layer, if it has one.
    pub logo: Option<LogoSpec>,
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
        self.layers == other.layers && self.logo == other.logo && self.speed == other.speed
    }

    /// The item's name: its layers' names joined by `+` (`defrag+confetti`).
    pub fn name(&self) -> String {
        let names: Vec<&str> = self.layers.iter().map(|l| l.source.name()).collect();
        names.join("+")
    }

    /// Whether `name` is this item's name or one of its layers'.
    pub fn shows(&self, name: &str) -> bool {
        self.name().eq_ignore_ascii_case(name)
            || self
                .layers
                .iter()
                .any(|l| l.source.name().eq_ignore_ascii_case(name))
    }

    /// The registry effects among the layers, bottom first.
    pub fn effects(&self) -> impl Iterator<Item = &'static EffectInfo> + '_ {
        self.layers.iter().filter_map(|l| match l.source {
            Source::Effect(info) => Some(info),
            _ => None,
        })
    }

    /// The bottom layer's context (calm, palette, style), which the item is known by.
    pub fn context(&self) -> &Context {
        &self.layers[0].context
    }

    /// Builds the effect with `seed` and message `message` (an index into the messages): the
    /// bottom layer alone, or a [`Stack`] of every layer. The bottom layer gets `seed` itself,
    /// so a one-effect item draws exactly what the library draws for that seed.
    pub(crate) fn build(&self, seed: u64, message: usize) -> Result<Box<dyn Effect>> {
        let mut built = self.layers.iter().enumerate().map(|(n, layer)| {
            let layer_seed = seed ^ (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            self.build_layer(layer, layer_seed, message)
        });
        let base = built.next().expect("an item has at least one layer")?;
        if self.layers.len() == 1 {
            return Ok(base);
        }
        let mut stack = Stack::new(base);
        for layer in built {
            stack.push(layer?);
        }
        Ok(Box::new(stack))
    }

    fn build_layer(&self, layer: &Layer, seed: u64, message: usize) -> Result<Box<dyn Effect>> {
        let mut context = layer.context.clone();
        context.seed = seed;
        context.message = self.message(message).to_string();
        context.style = layer.known_style().map(str::to_string);
        let name = layer.source.name();
        let built = match layer.source {
            Source::Effect(info) => (info.build)(&context, &layer.params),
            Source::Logo => match &self.logo {
                Some(logo) => Logo::new(&context, logo.picture.clone(), logo.params)
                    .map(|l| Box::new(l) as Box<dyn Effect>),
                None => Err("the logo layer needs --logo PATH (a PNG or JPEG)".into()),
            },
            Source::Message => Ok(Box::new(MessageLayer::new(&context)) as Box<dyn Effect>),
        };
        built.map_err(|e| anyhow::anyhow!("effect {name}: {e}"))
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
        let layers = || self.items.iter().flat_map(|i| &i.layers);
        for layer in layers() {
            let Some(style) = &layer.context.style else {
                continue;
            };
            let asked = layers().filter(|l| l.context.style.as_ref() == Some(style));
            if !asked.clone().any(|l| l.known_style().is_some()) {
                let mut known: Vec<String> = asked
                    .filter_map(|l| match l.source {
                        Source::Effect(info) if !info.styles.is_empty() => {
                            Some(format!("{}: {}", info.name, info.styles.join(", ")))
                        }
                        _ => None,
                    })
                    .collect();
                known.dedup();
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

/// Resolves effect names (empty = all) against the registry: one list of layers per name,
/// `defrag+confetti` being two layers, bottom first (`logo` and `message` are layers too), and
/// `defrag:win98+confetti:snow` giving each its own style.
pub fn resolve_effects(names: &[String]) -> Result<Vec<Vec<LayerName>>> {
    if names.is_empty() {
        return Ok(registry::EFFECTS
            .iter()
            .map(|info| {
                vec![LayerName {
                    source: Source::Effect(info),
                    style: None,
                }]
            })
            .collect());
    }
    names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .map(|name| {
            name.split('+')
                .map(|layer| {
                    if layer.trim().is_empty() {
                        bail!(
                            "'{}' has an empty layer name; stack effects like defrag+confetti",
                            name.trim()
                        );
                    }
                    resolve_layer(layer)
                })
                .collect()
        })
        .collect()
}

/// One layer name: an effect, `logo` or `message`, and for an effect perhaps `:STYLE`.
fn resolve_layer(name: &str) -> Result<LayerName> {
    let (name, style) = match name.split_once(':') {
        Some((name, style)) => (name.trim(), Some(style.trim())),
        None => (name.trim(), None),
    };
    let source = if name.eq_ignore_ascii_case(logo::NAME) {
        Source::Logo
    } else if name.eq_ignore_ascii_case(message::NAME) {
        Source::Message
    } else {
        let known = registry::EFFECTS.iter().map(|e| e.name);
        let info = registry::find(name).ok_or_else(|| {
            anyhow::anyhow!(
                "unknown effect '{name}'{} (known: {})",
                did_you_mean(name, known.clone()),
                known.collect::<Vec<_>>().join(", ")
            )
        })?;
        Source::Effect(info)
    };
    let Some(style) = style else {
        return Ok(LayerName {
            source,
            style: None,
        });
    };
    let styles: &[&'static str] = match source {
        Source::Effect(info) => info.styles,
        Source::Logo | Source::Message => &[],
    };
    let name = source.name();
    if let Some(&known) = styles.iter().find(|s| s.eq_ignore_ascii_case(style)) {
        return Ok(LayerName {
            source,
            style: Some(known),
        });
    }
    if styles.is_empty() {
        bail!("the {name} layer has no styles ('{name}:{style}'); see `vitrine list`");
    }
    if style.is_empty() {
        bail!(
            "'{name}:' has an empty style name; give one of {name}'s styles ({}), e.g. {name}:{}",
            styles.join(", "),
            styles[styles.len() - 1]
        );
    }
    bail!(
        "{name} has no style '{style}'{} ({name}'s styles: {})",
        did_you_mean(style, styles.iter().copied()),
        styles.join(", ")
    )
}

/// `; did you mean 'NAME'?` for the one of `known` closest to a misspelt `name` (at most two
/// edits away, as clap suggests), or nothing.
pub fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    closest(name, known).map_or(String::new(), |s| format!("; did you mean '{s}'?"))
}

/// The one of `known` closest to a misspelt `name`, if it is at most two edits away (the
/// distance clap's own suggestions use), ignoring case.
pub fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let name = name.to_ascii_lowercase();
    known
        .into_iter()
        .map(|k| (strsim::osa_distance(&name, &k.to_ascii_lowercase()), k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

impl ShowSpec {
    /// The show the flags describe: one item per effect, each built from `item`, in the
    /// playlist `playlist` describes. A config builds each of its items through here too (see
    /// [`crate::config`]), so every flag means the same in both places.
    pub fn from_args(item: &ItemArgs, playlist: &PlaylistArgs) -> Result<Self> {
        let stacks = resolve_effects(&item.effect)?;
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
        let logo = match &item.logo {
            Some(path) => Some(LogoSpec {
                picture: crate::logo::load(path)?,
                params: LogoParams {
                    placement: item.logo_position,
                    size: item.logo_size,
                    drift: item.logo_drift,
                },
            }),
            None => None,
        };
        let layer = |name: LayerName| Layer {
            source: name.source,
            context: Context {
                // A layer's own style (`defrag:win98`) over the item's `--style`.
                style: name
                    .style
                    .map(str::to_string)
                    .or_else(|| context.style.clone()),
                ..context.clone()
            },
            params: params.clone(),
        };
        let items = stacks
            .into_iter()
            .map(|mut sources| {
                // A logo no layer places goes over the effects; the message layer over all.
                for (wanted, source) in [
                    (logo.is_some(), Source::Logo),
                    (item.message_layer, Source::Message),
                ] {
                    if wanted && !sources.iter().any(|l| l.source == source) {
                        sources.push(LayerName {
                            source,
                            style: None,
                        });
                    }
                }
                Item {
                    layers: sources.into_iter().map(layer).collect(),
                    logo: logo.clone(),
                    duration: item.duration,
                    messages: messages.clone(),
                    message_interval: item.message_interval,
                    speed: item.speed,
                    schedule: Schedule::default(),
                }
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
        for layer in self.items.iter_mut().flat_map(|i| &mut i.layers) {
            layer.context.depth = depth;
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
            .context()
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
        let err = resolve_effects(&["defrag++confetti".into()]).unwrap_err();
        assert!(err.to_string().contains("empty layer name"), "{err}");
        let err = resolve_effects(&["defrg+confetti".into()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown effect 'defrg'; did you mean 'defrag'? (known: glitch, confetti, water, defrag)"
        );
        let sources = |names: &str| -> Vec<Source> {
            resolve_effects(&[names.into()]).unwrap()[0]
                .iter()
                .map(|l| l.source)
                .collect()
        };
        assert_eq!(
            sources("defrag + CONFETTI"),
            [
                Source::Effect(registry::find("defrag").unwrap()),
                Source::Effect(registry::find("confetti").unwrap())
            ]
        );
        assert_eq!(sources("logo+message"), [Source::Logo, Source::Message]);
        assert_eq!(resolve_effects(&[]).unwrap().len(), registry::EFFECTS.len());
    }

    #[test]
    fn a_layer_takes_its_own_style_after_a_colon() {
        let styles = |args: &[&str]| -> Vec<Option<String>> {
            let cli = Cli::parse_from(std::iter::once("vitrine").chain(args.iter().copied()));
            let spec = ShowSpec::from_args(&cli.settings.item, &cli.settings.playlist).unwrap();
            spec.validate().unwrap();
            spec.items[0]
                .layers
                .iter()
                .map(|l| l.context.style.clone())
                .collect()
        };
        let named = |s: &[Option<&str>]| -> Vec<Option<String>> {
            s.iter().map(|s| s.map(str::to_string)).collect()
        };
        assert_eq!(
            styles(&["-e", "defrag:WIN98+confetti:snow"]),
            named(&[Some("win98"), Some("snow")])
        );
        // A layer's own style wins over --style, which the others keep.
        assert_eq!(
            styles(&["-e", "glitch:corrupt+confetti", "--style", "snow"]),
            named(&[Some("corrupt"), Some("snow")])
        );
        assert_eq!(
            styles(&["-e", "defrag+confetti:burst"]),
            named(&[None, Some("burst")])
        );
        let err = |name: &str| resolve_effects(&[name.into()]).unwrap_err().to_string();
        assert_eq!(
            err("defrag:win98+confetti:snwo"),
            "confetti has no style 'snwo'; did you mean 'snow'? \
             (confetti's styles: fall, snow, burst, pride, fireworks)"
        );
        assert_eq!(
            err("defrag:cobalt"),
            "defrag has no style 'cobalt' (defrag's styles: dos, win98)"
        );
        assert!(err("defrag:").contains("empty style name"));
        assert!(err("logo:big").contains("the logo layer has no styles"));
        // --style dos would change nothing: defrag has its own, water has no `dos`.
        let cli = Cli::parse_from(["vitrine", "-e", "defrag:win98+water", "--style", "dos"]);
        let spec = ShowSpec::from_args(&cli.settings.item, &cli.settings.playlist).unwrap();
        let err = spec.validate().unwrap_err().to_string();
        assert!(err.contains("unknown --style 'dos'"), "{err}");
    }
}

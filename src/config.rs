//! Kiosk config files (`--config kiosk.toml`) and hot reload.
//!
//! The command line is the single source of truth for what a setting means: every key of the
//! file is a long flag of `vitrine` (`message_file = "m.txt"` is `--message-file m.txt`,
//! `calm = true` is `--calm`, `drops = 40` is the confetti flag `--drops 40`, a list repeats the
//! flag or joins the values with commas), so every flag works in the file with the same name,
//! defaults and validation, and the file can never drift from `--help`.
//!
//! ```toml
//! fps = 20                       # global settings: top level or a [defaults] table
//! transition = "wipe"
//! message_file = "messages.txt"  # relative to the config file
//!
//! [[item]]                       # the playlist, in order
//! effect = "glitch"
//! style = "strobe"
//! duration = "45s"
//!
//! [[item]]
//! effect = "confetti"
//! messages = ["Happy Friday!"]
//! schedule = { days = ["fri"], from = "16:00", to = "18:00" }
//! ```
//!
//! Items inherit the global settings and override them key by key; flags given on the command
//! line override both (and `--effect` on the command line replaces the file's playlist). Errors
//! point at the line and column of the offending key. [`Source`] remembers the files a show
//! was built from and notices when any of them changes on disk.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::Result;
use clap::error::{ContextKind, ContextValue};
use clap::parser::ValueSource;
use clap::{ArgAction, ArgMatches, Args, Command, FromArgMatches};
use serde::Deserialize;
use toml::{Spanned, Value};
use vitrine_effects::registry;

use crate::cli::{ItemArgs, Settings};
use crate::error::UsageError;
use crate::schedule::Schedule;
use crate::spec::{self, ShowSpec};
use crate::textfile;

/// Plural spellings that read better in a file, mapped to their flag.
const ALIASES: &[(&str, &str)] = &[("messages", "message"), ("effects", "effect")];

/// A config key (or a command-line flag) as command-line arguments.
#[derive(Clone, Debug)]
pub struct Setting {
    /// The clap argument id, e.g. `message_file`.
    id: String,
    args: Vec<String>,
    /// Where the key is in the file; `None` for the command line.
    span: Option<Range<usize>>,
}

/// A config error, with the position of what is wrong.
#[derive(Debug)]
pub struct ConfigError {
    path: PathBuf,
    line: usize,
    column: usize,
    message: String,
}

impl ConfigError {
    /// One line, like every other error (`file:line:col: message`), so it reads well in a
    /// terminal and in the journal alike.
    fn at(path: &Path, text: &str, span: Range<usize>, message: String) -> Self {
        let start = span.start.min(text.len());
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line = text[..start].matches('\n').count() + 1;
        let prefix = &text[line_start..start];
        Self {
            path: path.to_path_buf(),
            line,
            column: prefix.chars().count() + 1,
            message,
        }
    }

    /// The line and column (1-based) of the error.
    #[cfg(test)]
    pub fn position(&self) -> (usize, usize) {
        (self.line, self.column)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

impl std::error::Error for ConfigError {}

/// An error at a byte range of the file, before the file name and text are attached.
struct Located(Range<usize>, String);

type Table = BTreeMap<Spanned<String>, Spanned<Value>>;

#[derive(Deserialize)]
struct Nested {
    #[serde(default)]
    item: Vec<Spanned<Table>>,
    #[serde(default)]
    defaults: Table,
}

/// The items again, for their sub-tables (`[item.confetti]`, a layer's settings) with the
/// positions of the keys inside them, which a `Value` does not keep.
#[derive(Deserialize)]
struct NestedLayers {
    #[serde(default)]
    item: Vec<BTreeMap<String, ItemValue>>,
}

/// A value in an `[[item]]`: a table, with its keys' positions, or anything else.
enum ItemValue {
    Table(Table),
    Other,
}

impl<'de> Deserialize<'de> for ItemValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
        struct Kind;
        impl<'de> Visitor<'de> for Kind {
            type Value = ItemValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ItemValue, A::Error> {
                let mut table = Table::new();
                while let Some((key, value)) =
                    map.next_entry::<Spanned<String>, Spanned<Value>>()?
                {
                    table.insert(key, value);
                }
                Ok(ItemValue::Table(table))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ItemValue, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ItemValue::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<ItemValue, E> {
                Ok(ItemValue::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<ItemValue, E> {
                Ok(ItemValue::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<ItemValue, E> {
                Ok(ItemValue::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<ItemValue, E> {
                Ok(ItemValue::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<ItemValue, E> {
                Ok(ItemValue::Other)
            }
        }
        deserializer.deserialize_any(Kind)
    }
}

/// A `[[item]]` table, checked but not yet combined with the global settings.
struct RawItem {
    span: Range<usize>,
    /// Its layers' names, `defrag+confetti`.
    effect: String,
    settings: Vec<Setting>,
    /// The tables of settings for one of its layers (`[item.confetti]`).
    per_layer: Vec<LayerTable>,
    schedule: Schedule,
}

/// `[item.NAME]`: settings for the item's layer `NAME` only.
struct LayerTable {
    effect: &'static str,
    settings: Vec<Setting>,
}

/// A parsed config file.
struct Parsed {
    global: Vec<Setting>,
    items: Vec<RawItem>,
}

/// What a config (or the command line alone) resolves to.
pub struct Loaded {
    /// The effective settings for the whole show (file, then command line).
    pub settings: Settings,
    pub spec: ShowSpec,
    /// Message files and logos the show was built from.
    files: Vec<PathBuf>,
    /// The show-wide settings as given (file, then command line), to tell what a reload changed.
    global: Vec<Setting>,
}

impl Loaded {
    /// The show-wide settings (by clap id, e.g. `max_rate`) whose value differs in `newer`,
    /// including ones set in one and left to their default in the other.
    pub fn changed_settings(&self, newer: &Loaded) -> Vec<String> {
        let args = |list: &[Setting], id: &str| {
            list.iter()
                .find(|s| s.id == id)
                .map(|s| s.args.clone())
                .unwrap_or_default()
        };
        let mut ids: Vec<String> = self
            .global
            .iter()
            .chain(&newer.global)
            .map(|s| s.id.clone())
            .filter(|id| args(&self.global, id) != args(&newer.global, id))
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

/// The command `Settings` parses with: the flags a config may set.
fn command() -> Command {
    Settings::augment_args(Command::new("vitrine"))
        .no_binary_name(true)
        .disable_help_flag(true)
        .disable_version_flag(true)
}

/// Parses the text of a config file. Relative paths in it are taken from `dir`.
fn parse(text: &str, dir: &Path, cmd: &Command) -> Result<Parsed, Located> {
    let toml_error = |e: toml::de::Error| {
        Located(
            e.span().unwrap_or(0..0),
            format!("invalid TOML: {}", e.message().trim()),
        )
    };
    let top: Table = toml::from_str(text).map_err(toml_error)?;
    let nested: Nested = toml::from_str(text).map_err(toml_error)?;
    let layer_tables: NestedLayers = toml::from_str(text).map_err(toml_error)?;
    let mut global = Vec::new();
    for (key, value) in top
        .iter()
        .filter(|(k, _)| !matches!(k.get_ref().as_str(), "item" | "defaults"))
        .chain(&nested.defaults)
    {
        if key.get_ref() == "schedule" {
            return Err(Located(
                key.span(),
                "'schedule' belongs in an [[item]] table".into(),
            ));
        }
        let setting = setting(cmd, key, value, dir)?;
        if setting.id == "effect" {
            check_effects(value)?;
        }
        push_unique(&mut global, setting)?;
    }
    if !nested.item.is_empty()
        && let Some(effect) = global.iter().find(|s| s.id == "effect")
    {
        return Err(Located(
            effect.span.clone().unwrap_or(0..0),
            "'effect' at the top level is only for configs without [[item]] tables; \
             give each item its own effect"
                .into(),
        ));
    }
    let items = nested
        .item
        .iter()
        .zip(&layer_tables.item)
        .map(|(table, sub_tables)| parse_item(table, sub_tables, dir, cmd))
        .collect::<Result<_, _>>()?;
    Ok(Parsed { global, items })
}

fn parse_item(
    table: &Spanned<Table>,
    sub_tables: &BTreeMap<String, ItemValue>,
    dir: &Path,
    cmd: &Command,
) -> Result<RawItem, Located> {
    let mut item = RawItem {
        span: table.span(),
        effect: String::new(),
        settings: Vec::new(),
        per_layer: Vec::new(),
        schedule: Schedule::default(),
    };
    // The effect first: which effect's flags the other keys may use depends on it.
    let sources = item_layers(table)?;
    let effects: Vec<&'static registry::EffectInfo> = sources
        .iter()
        .filter_map(|s| match s.source {
            spec::Source::Effect(info) => Some(info),
            _ => None,
        })
        .collect();
    let names: Vec<String> = sources.iter().map(ToString::to_string).collect();
    item.effect = names.join("+");
    let per_item = crate::cli::ids::<ItemArgs>();
    let mut style = None;
    for (key, value) in table.get_ref() {
        match key.get_ref().as_str() {
            "schedule" => {
                item.schedule = Schedule::from_toml(value.get_ref().clone())
                    .map_err(|e| Located(value.span(), e))?;
                continue;
            }
            "layers" => {
                item.settings.push(Setting {
                    id: "effect".into(),
                    args: vec![format!("--effect={}", item.effect)],
                    span: Some(key.span()),
                });
                continue;
            }
            "style" => style = Some(value),
            name if matches!(value.get_ref(), Value::Table(_)) => {
                let Some(info) = effects.iter().find(|e| e.name.eq_ignore_ascii_case(name)) else {
                    if sources
                        .iter()
                        .any(|s| s.source.name().eq_ignore_ascii_case(name))
                    {
                        return Err(Located(
                            key.span(),
                            format!(
                                "the {name} layer has no table of its own; its settings \
                                 (logo_position, logo_size, logo_drift...) go in the item itself"
                            ),
                        ));
                    }
                    return Err(Located(
                        key.span(),
                        format!(
                            "[{name}] is not a layer of this item ({}); a table in an item \
                             holds the settings of one of its effects",
                            item.effect
                        ),
                    ));
                };
                let Some(ItemValue::Table(keys)) = sub_tables.get(key.get_ref()) else {
                    unreachable!("the same file read twice has the same tables");
                };
                item.per_layer.push(parse_layer(info, keys, dir, cmd)?);
                continue;
            }
            _ => {}
        }
        let setting = setting(cmd, key, value, dir)?;
        if !per_item.contains(&setting.id) {
            return Err(Located(
                key.span(),
                format!(
                    "'{}' is a setting for the whole show; move it above the first [[item]]",
                    key.get_ref()
                ),
            ));
        }
        if let Some(owner) = owning_effect(cmd, &setting.id)
            && !effects.iter().any(|e| e.name == owner.name)
        {
            return Err(Located(
                key.span(),
                format!(
                    "'{}' is a {} setting, and this item shows {}",
                    key.get_ref(),
                    owner.name,
                    item.effect
                ),
            ));
        }
        push_unique(&mut item.settings, setting)?;
    }
    if let Some(style) = style {
        check_style(&effects, style)?;
    }
    Ok(item)
}

/// The layers of an `[[item]]`: its `effect = "NAME"` (or `"a+b"`) or `layers = [...]`,
/// bottom first.
fn item_layers(table: &Spanned<Table>) -> Result<Vec<spec::LayerName>, Located> {
    let find = |name: &str| table.get_ref().iter().find(|(k, _)| k.get_ref() == name);
    let one = "an item shows one effect, or a stack of them: effect = \"NAME\" or \
               layers = [\"defrag\", \"confetti\"]";
    let (names, span) = match (find("effect"), find("layers")) {
        (Some((key, _)), Some(_)) => {
            return Err(Located(
                key.span(),
                "give an item either effect = \"NAME\" or layers = [...], not both".into(),
            ));
        }
        (Some((_, value)), None) => match value.get_ref() {
            Value::String(name) => (name.clone(), value.span()),
            _ => return Err(Located(value.span(), one.into())),
        },
        (None, Some((_, value))) => match value.get_ref() {
            Value::Array(values) if !values.is_empty() => {
                let names: Option<Vec<&str>> = values.iter().map(Value::as_str).collect();
                match names {
                    Some(names) => (names.join("+"), value.span()),
                    None => return Err(Located(value.span(), one.into())),
                }
            }
            _ => return Err(Located(value.span(), one.into())),
        },
        (None, None) => {
            return Err(Located(
                table.span(),
                "this [[item]] has no effect = \"NAME\" (or layers = [...])".into(),
            ));
        }
    };
    let stacks = spec::resolve_effects(std::slice::from_ref(&names))
        .map_err(|e| Located(span.clone(), e.to_string()))?;
    // A blank name resolves to nothing.
    stacks
        .into_iter()
        .next()
        .ok_or_else(|| Located(span, one.into()))
}

/// A per-layer table (`[item.confetti]`): the style and own flags of one effect of the item.
fn parse_layer(
    info: &'static registry::EffectInfo,
    keys: &Table,
    dir: &Path,
    cmd: &Command,
) -> Result<LayerTable, Located> {
    let mut settings = Vec::new();
    for (key, value) in keys {
        let setting = setting(cmd, key, value, dir)?;
        let own = owning_effect(cmd, &setting.id).is_some_and(|o| o.name == info.name);
        if setting.id != "style" && !own {
            return Err(Located(
                key.span(),
                format!(
                    "[{}] holds the style and {}'s own settings; '{}' is not one of them",
                    info.name,
                    info.name,
                    key.get_ref()
                ),
            ));
        }
        if setting.id == "style" {
            check_style(&[info], value)?;
        }
        push_unique(&mut settings, setting)?;
    }
    Ok(LayerTable {
        effect: info.name,
        settings,
    })
}

/// Refuses a `style` that none of `effects` has, pointing at it.
fn check_style(
    effects: &[&'static registry::EffectInfo],
    style: &Spanned<Value>,
) -> Result<(), Located> {
    let Value::String(name) = style.get_ref() else {
        return Ok(());
    };
    if effects
        .iter()
        .any(|info| info.styles.iter().any(|s| s.eq_ignore_ascii_case(name)))
    {
        return Ok(());
    }
    let known: Vec<String> = effects
        .iter()
        .map(|info| {
            if info.styles.is_empty() {
                format!("{} has no styles", info.name)
            } else {
                format!("{}'s styles: {}", info.name, info.styles.join(", "))
            }
        })
        .collect();
    let names: Vec<&str> = effects.iter().map(|i| i.name).collect();
    Err(Located(
        style.span(),
        format!(
            "{} has no style '{name}' ({})",
            names.join("+"),
            known.join("; ")
        ),
    ))
}

/// The effect whose own flag `id` is (listed under its help heading), if any.
fn owning_effect(cmd: &Command, id: &str) -> Option<&'static registry::EffectInfo> {
    let heading = cmd
        .get_arguments()
        .find(|a| a.get_id() == id)?
        .get_help_heading()?;
    registry::EFFECTS.iter().find(|e| e.heading == heading)
}

/// Checks a top-level `effects = [...]` list against the registry, pointing at a bad name.
fn check_effects(value: &Spanned<Value>) -> Result<(), Located> {
    let names: Vec<String> = match value.get_ref() {
        Value::Array(values) => values.iter().map(|v| v.to_string()).collect(),
        Value::String(s) => s.split(',').map(str::to_string).collect(),
        other => vec![other.to_string()],
    };
    let names: Vec<String> = names
        .iter()
        .map(|n| n.trim().trim_matches('"').to_string())
        .collect();
    crate::spec::resolve_effects(&names)
        .map(drop)
        .map_err(|e| Located(value.span(), e.to_string()))
}

/// Adds `setting`, refusing a second key for the same flag (`message` and `messages`).
fn push_unique(settings: &mut Vec<Setting>, setting: Setting) -> Result<(), Located> {
    if settings.iter().any(|s| s.id == setting.id) {
        return Err(Located(
            setting.span.unwrap_or(0..0),
            format!("'{}' is set twice", setting.id),
        ));
    }
    settings.push(setting);
    Ok(())
}

/// Settings that name a file, which is found relative to the config file.
const FILE_SETTINGS: &[&str] = &["message_file", "image", "fonts", "logo"];

/// Turns `key = value` into the arguments of the flag with that name.
fn setting(
    cmd: &Command,
    key: &Spanned<String>,
    value: &Spanned<Value>,
    dir: &Path,
) -> Result<Setting, Located> {
    let name = key.get_ref().replace('_', "-").to_ascii_lowercase();
    let name = ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name.as_str(), |(_, flag)| flag);
    let arg = cmd
        .get_arguments()
        .find(|a| a.get_long() == Some(name))
        .ok_or_else(|| {
            let hint = suggest(cmd, name).map_or(String::new(), |s| format!("; did you mean '{s}'?"));
            Located(
                key.span(),
                format!(
                    "unknown setting '{}' (settings are vitrine's long flags, see vitrine --help){hint}",
                    key.get_ref()
                ),
            )
        })?;
    let id = arg.get_id().to_string();
    let flag = format!("--{name}");
    let scalar = |v: &Value| -> Result<String, Located> {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Integer(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Boolean(b) => b.to_string(),
            _ => {
                return Err(Located(
                    value.span(),
                    format!("'{}' takes a string, a number or true/false", key.get_ref()),
                ));
            }
        };
        // Files named in the config are relative to it, not to wherever vitrine started.
        Ok(
            if FILE_SETTINGS.contains(&id.as_str()) && Path::new(&text).is_relative() {
                dir.join(text).display().to_string()
            } else {
                text
            },
        )
    };
    let args = match (value.get_ref(), arg.get_action()) {
        (Value::Boolean(on), ArgAction::SetTrue) => {
            if *on {
                vec![flag]
            } else {
                vec![]
            }
        }
        (Value::Array(values), ArgAction::Append) => values
            .iter()
            .map(|v| Ok(format!("{flag}={}", scalar(v)?)))
            .collect::<Result<_, _>>()?,
        (Value::Array(values), _) => {
            let joined: Vec<String> = values.iter().map(&scalar).collect::<Result<_, _>>()?;
            vec![format!("{flag}={}", joined.join(","))]
        }
        (v, ArgAction::SetTrue) => {
            return Err(Located(
                value.span(),
                format!("'{}' is true or false, not {v}", key.get_ref()),
            ));
        }
        (v, _) => vec![format!("{flag}={}", scalar(v)?)],
    };
    Ok(Setting {
        id,
        args,
        span: Some(key.span()),
    })
}

/// The closest flag to a misspelt `name` (at most two edits away), as a config key.
fn suggest(cmd: &Command, name: &str) -> Option<String> {
    spec::closest(name, cmd.get_arguments().filter_map(|a| a.get_long()))
        .map(|long| long.replace('-', "_"))
}

/// The settings the user actually typed (not defaults) on the command line `cmd` parsed into
/// `matches` (`vitrine` itself or a subcommand), to lay over the file's settings.
pub fn overrides(cmd: &Command, matches: &ArgMatches) -> Vec<Setting> {
    let settings = command();
    cmd.get_arguments()
        .filter(|a| settings.get_arguments().any(|s| s.get_id() == a.get_id()))
        .filter(|a| matches.value_source(a.get_id().as_str()) == Some(ValueSource::CommandLine))
        .filter_map(|arg| {
            let flag = format!("--{}", arg.get_long()?);
            let values: Vec<String> = matches
                .try_get_raw(arg.get_id().as_str())
                .ok()??
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            let args = match arg.get_action() {
                ArgAction::SetTrue => vec![flag],
                ArgAction::Append => values.iter().map(|v| format!("{flag}={v}")).collect(),
                _ => vec![format!("{flag}={}", values.join(","))],
            };
            Some(Setting {
                id: arg.get_id().to_string(),
                args,
                span: None,
            })
        })
        .collect()
}

/// Flags that together say one thing: where the messages come from. Setting one of them in
/// an item (or on the command line) replaces all of them from below, so an item with its own
/// `messages` does not also show the global message file.
const MESSAGE_SOURCES: &[&str] = &["messages", "message_file"];

/// `base` with every setting of `over` replacing the one with the same flag.
fn layer<'a>(base: &'a [Setting], over: &'a [Setting]) -> Vec<&'a Setting> {
    let replaces = |o: &Setting, b: &Setting| {
        o.id == b.id
            || (MESSAGE_SOURCES.contains(&o.id.as_str())
                && MESSAGE_SOURCES.contains(&b.id.as_str()))
    };
    base.iter()
        .filter(|b| !over.iter().any(|o| replaces(o, b)))
        .chain(over)
        .collect()
}

/// Parses layered settings into `Settings`; a clap error points at the key it is about.
fn to_args(
    cmd: &Command,
    settings: &[&Setting],
    fallback: Range<usize>,
) -> Result<Settings, Located> {
    let args = settings.iter().flat_map(|s| s.args.iter());
    let matches = cmd.clone().try_get_matches_from(args).map_err(|e| {
        let invalid = match e.get(ContextKind::InvalidArg) {
            Some(ContextValue::String(s)) => Some(s.clone()),
            _ => None,
        };
        let flag = invalid.as_deref().and_then(|s| {
            s.trim_start_matches('-')
                .split([' ', '='])
                .next()
                .map(str::to_string)
        });
        let span = flag
            .and_then(|flag| {
                let id = cmd
                    .get_arguments()
                    .find(|a| a.get_long() == Some(flag.as_str()))?
                    .get_id();
                settings.iter().find(|s| s.id == *id)?.span.clone()
            })
            .unwrap_or(fallback);
        let text = e.to_string();
        let first = text.lines().next().unwrap_or_default();
        Located(span, first.trim_start_matches("error: ").to_string())
    })?;
    Settings::from_arg_matches(&matches).map_err(|e| Located(0..0, e.to_string()))
}

/// Why settings did not resolve: a place in the file, or something given on the command line.
enum Unresolved {
    InFile(Located),
    CommandLine(String),
}

impl From<Located> for Unresolved {
    fn from(located: Located) -> Self {
        Unresolved::InFile(located)
    }
}

/// An error about setting `id` (the message file, the style): at the key that set it, or at
/// `fallback` (the item, or the top) when it was left to its default. A value given on the
/// command line is not a place in the config.
/// The file setting (`message_file`, `image`) whose file `message` is about: building a show
/// from settings reads those files, and each error names the path it could not use.
fn file_setting(settings: &[&Setting], message: &str) -> &'static str {
    FILE_SETTINGS
        .iter()
        .find(|id| {
            settings.iter().any(|s| {
                s.id == **id
                    && s.args
                        .iter()
                        .filter_map(|a| a.split_once('=').map(|(_, path)| path))
                        .any(|path| message.contains(path))
            })
        })
        .copied()
        .unwrap_or("message_file")
}

fn error_at(
    settings: &[&Setting],
    id: &str,
    fallback: Range<usize>,
    message: String,
) -> Unresolved {
    match settings.iter().find(|s| s.id == id) {
        Some(Setting { span: None, .. }) => Unresolved::CommandLine(message),
        Some(Setting {
            span: Some(span), ..
        }) => Unresolved::InFile(Located(span.clone(), message)),
        None => Unresolved::InFile(Located(fallback, message)),
    }
}

/// Resolves a config's text into a show: global settings, then each item on top of them,
/// then the command line on top of everything.
fn resolve(text: &str, dir: &Path, overrides: &[Setting]) -> Result<Loaded, Unresolved> {
    let cmd = command();
    let parsed = parse(text, dir, &cmd)?;
    let global = layer(&parsed.global, overrides);
    let global_owned: Vec<Setting> = global.iter().map(|s| (*s).clone()).collect();
    let settings = to_args(&cmd, &global, 0..0)?;
    // Effect names were checked while parsing, so what can fail here is the message file.
    let mut spec = ShowSpec::from_args(&settings.item, &settings.playlist).map_err(|e| {
        let message = format!("{e:#}");
        error_at(&global, file_setting(&global, &message), 0..0, message)
    })?;
    // Message files and logos: an edit to one reloads the show like an edit to the config.
    let mut files: Vec<PathBuf> = settings.item.message_file.iter().cloned().collect();
    files.extend(settings.item.logo.iter().cloned());
    let cli_playlist = overrides.iter().any(|s| s.id == "effect");
    if !parsed.items.is_empty() && !cli_playlist {
        spec.items.clear();
        for (n, raw) in parsed.items.iter().enumerate() {
            let settings = layer(&global_owned, &raw.settings);
            let settings: Vec<Setting> = settings.into_iter().cloned().collect();
            let layered = layer(&settings, overrides);
            let item_args = to_args(&cmd, &layered, raw.span.clone())?;
            for file in [&item_args.item.message_file, &item_args.item.logo]
                .into_iter()
                .flatten()
            {
                if !files.contains(file) {
                    files.push(file.clone());
                }
            }
            let in_item = |e: anyhow::Error| {
                let message = format!("item {} ({}): {e:#}", n + 1, raw.effect);
                error_at(
                    &layered,
                    file_setting(&layered, &message),
                    raw.span.clone(),
                    message,
                )
            };
            let mut item_spec =
                ShowSpec::from_args(&item_args.item, &item_args.playlist).map_err(in_item)?;
            item_spec.items.truncate(1);
            item_spec.items[0].schedule = raw.schedule.clone();
            // Each `[item.NAME]` table: that layer's style and parameters, over the item's.
            for table in &raw.per_layer {
                let over = layer(&settings, &table.settings);
                let over: Vec<Setting> = over.into_iter().cloned().collect();
                let layer_args = to_args(&cmd, &layer(&over, overrides), raw.span.clone())?;
                // A style the table does not set stays as the item gave it (`--style`, or
                // the layer's own in `layers = ["confetti:snow"]`).
                let sets_style = table.settings.iter().any(|s| s.id == "style");
                for layer in &mut item_spec.items[0].layers {
                    if layer.source.name() == table.effect {
                        if sets_style {
                            layer.context.style = layer_args.item.style.clone();
                        }
                        layer.params = layer_args.item.params.clone();
                    }
                }
            }
            item_spec.validate().map_err(|e| {
                let message = format!("item {} ({}): {e:#}", n + 1, raw.effect);
                error_at(&layered, "style", raw.span.clone(), message)
            })?;
            spec.items.push(item_spec.items.remove(0));
        }
    }
    // An effect's own flag for an effect the playlist never shows would be silently ignored.
    for setting in &global {
        if let Some(owner) = owning_effect(&cmd, &setting.id)
            && !spec
                .items
                .iter()
                .any(|i| i.effects().any(|e| e.name == owner.name))
        {
            let name = match setting.span {
                Some(_) => format!("'{}'", setting.id),
                None => format!("--{}", setting.id.replace('_', "-")),
            };
            let message = format!(
                "{name} is a {} setting, and the playlist has no {}",
                owner.name, owner.name
            );
            return Err(error_at(&[setting], &setting.id, 0..0, message));
        }
    }
    spec.validate()
        .map_err(|e| error_at(&global, "style", 0..0, format!("{e:#}")))?;
    Ok(Loaded {
        settings,
        spec,
        files,
        global: global_owned,
    })
}

/// When a watched file was last seen: modification time and size (`None` if missing).
type Stamp = Option<(SystemTime, u64)>;

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// Where a show comes from: the command line and optionally a config file, plus the files to
/// watch for changes (the config and every message file it names).
pub struct Source {
    config: Option<PathBuf>,
    overrides: Vec<Setting>,
    watched: Vec<(PathBuf, Stamp)>,
}

impl Source {
    /// The show described by the config file at `config` (if any) with the command line's
    /// settings (`overrides`, see [`overrides`]) on top.
    pub fn new(config: Option<PathBuf>, overrides: Vec<Setting>) -> Self {
        Self {
            config,
            overrides,
            watched: Vec::new(),
        }
    }

    /// The config file, if the show has one.
    pub fn config_path(&self) -> Option<&Path> {
        self.config.as_deref()
    }

    /// Reads the config (if any) and message files and builds the show they describe. After a
    /// failure the files are watched as they are now, so a broken edit is reported once, not on
    /// every poll, and the next edit is tried again.
    pub fn load(&mut self) -> Result<Loaded> {
        // Stamp before reading, so an edit made while we read is seen next time.
        let config = self.config.as_ref().map(|p| (p.clone(), stamp(p)));
        let previous = std::mem::take(&mut self.watched);
        let result = self.read();
        self.watched.extend(config);
        let files = match &result {
            Ok(loaded) => loaded.files.clone(),
            Err(_) => previous.into_iter().map(|(p, _)| p).collect(),
        };
        for file in files {
            if !self.watched.iter().any(|(p, _)| *p == file) {
                let seen = stamp(&file);
                self.watched.push((file, seen));
            }
        }
        result
    }

    fn read(&self) -> Result<Loaded> {
        let Some(path) = &self.config else {
            return resolve("", Path::new("."), &self.overrides).map_err(|e| match e {
                Unresolved::InFile(Located(_, message)) | Unresolved::CommandLine(message) => {
                    UsageError(message).into()
                }
            });
        };
        let text = textfile::read_path(path, "config file", textfile::MAX_TEXT_FILE)
            .map_err(|e| UsageError(format!("config file {e}")))?;
        if text.trim().is_empty() {
            // Most likely a save caught half-way (or a truncated copy): an empty file would
            // silently turn the lock and every setting off.
            return Err(UsageError(format!(
                "config {} is empty (a config with every setting at its default needs at least \
                 a comment)",
                path.display()
            ))
            .into());
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        resolve(&text, dir, &self.overrides).map_err(|e| match e {
            Unresolved::InFile(Located(span, message)) => {
                ConfigError::at(path, &text, span, message).into()
            }
            Unresolved::CommandLine(message) => UsageError(message).into(),
        })
    }

    /// Whether a watched file changed (or appeared, or vanished) since the last [`load`].
    ///
    /// [`load`]: Source::load
    pub fn changed(&self) -> bool {
        self.watched.iter().any(|(path, seen)| stamp(path) != *seen)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::CommandFactory;
    use proptest::prelude::*;

    use super::*;
    use crate::cli::Cli;
    use crate::transition::Transition;

    fn load(text: &str, cli: &[&str]) -> Result<Loaded, ConfigError> {
        let matches = Cli::command()
            .try_get_matches_from(std::iter::once("vitrine").chain(cli.iter().copied()))
            .unwrap();
        resolve(
            text,
            Path::new("/cfg"),
            &overrides(&Cli::command(), &matches),
        )
        .map_err(|e| match e {
            Unresolved::InFile(Located(span, msg)) => {
                ConfigError::at(Path::new("kiosk.toml"), text, span, msg)
            }
            Unresolved::CommandLine(msg) => panic!("not in the file: {msg}"),
        })
    }

    fn error(text: &str) -> (String, (usize, usize)) {
        let err = load(text, &[]).err().expect("an error");
        (err.to_string(), err.position())
    }

    const GOOD: &str = r#"
# A complete kiosk.
fps = 20
transition = "wipe"
clock = true
messages = ["Welcome", "Coffee in the kitchen"]

[[item]]
effect = "glitch"
style = "strobe"
duration = "45s"

[[item]]
effect = "confetti"
messages = ["Happy Friday!"]
calm = true
schedule = { days = ["fri"], from = "16:00", to = "18:00" }

[[item]]
effect = "defrag"
message_file = "defrag.txt"
"#;

    #[test]
    fn items_stack_layers_each_with_its_own_settings() {
        let text = r#"
[[item]]
layers = ["defrag", "confetti"]
speed = 2
[item.confetti]
style = "snow"
rate = 40

[[item]]
effect = "glitch+confetti"
style = "strobe"
"#;
        let loaded = load(text, &[]).unwrap();
        let items = &loaded.spec.items;
        assert_eq!(items[0].name(), "defrag+confetti");
        assert_eq!(items[0].speed, 2.0);
        let (defrag, confetti) = (&items[0].layers[0], &items[0].layers[1]);
        assert_eq!(confetti.context.style.as_deref(), Some("snow"));
        assert_eq!(confetti.params.confetti.rate, Some(40.0));
        assert_eq!(defrag.context.style, None);
        assert_eq!(defrag.params.confetti.rate, None);
        assert_eq!(items[1].name(), "glitch+confetti");
        assert!(items[1].shows("glitch") && items[1].shows("GLITCH+confetti"));
        // A layer's style after its name; a table's `style` wins over it.
        let text = r#"
[[item]]
layers = ["defrag:win98", "confetti:burst", "glitch:strobe"]
[item.glitch]
style = "corrupt"
"#;
        let loaded = load(text, &[]).unwrap();
        let item = &loaded.spec.items[0];
        let styles: Vec<_> = item
            .layers
            .iter()
            .map(|l| l.context.style.as_deref())
            .collect();
        assert_eq!(styles, [Some("win98"), Some("burst"), Some("corrupt")]);
        assert_eq!(item.name(), "defrag+confetti+glitch");
        let (err, _) = error("[[item]]\neffect = \"defrag:win89+confetti\"\n");
        assert!(err.contains("did you mean 'win98'"), "{err}");
        // The same on the command line, bottom first.
        let loaded = load("fps = 20\n", &["--effect", "defrag+confetti,water"]).unwrap();
        let names: Vec<_> = loaded.spec.items.iter().map(|i| i.name()).collect();
        assert_eq!(names, ["defrag+confetti", "water"]);
    }

    #[test]
    fn the_sample_layered_config_builds() {
        let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/layers.toml"));
        let mut source = Source::new(Some(path), Vec::new());
        let loaded = source.load().unwrap();
        let names: Vec<_> = loaded.spec.items.iter().map(|i| i.name()).collect();
        assert_eq!(
            names,
            [
                "defrag+confetti",
                "logo+water+message",
                "logo+glitch",
                "glitch+logo"
            ]
        );
        assert!(loaded.files.iter().any(|f| f.ends_with("vitrine-logo.png")));
    }

    #[test]
    fn layer_mistakes_point_at_the_key() {
        let item = |rest: &str| format!("[[item]]\nlayers = [\"defrag\", \"confetti\"]\n{rest}");
        let (err, position) = error(&item("[item.water]\nstyle = \"ripple\"\n"));
        assert!(err.contains("[water] is not a layer of this item"), "{err}");
        assert_eq!(position, (3, 7));
        let (err, position) = error(&item("[item.confetti]\nstars = 3\n"));
        assert!(err.contains("'stars' is not one of them"), "{err}");
        assert_eq!(position, (4, 1));
        let (err, position) = error(&item("[item.confetti]\nstyle = \"ripple\"\n"));
        assert!(err.contains("confetti has no style 'ripple'"), "{err}");
        assert_eq!(position, (4, 9));
        let (err, position) = error("[[item]]\nlayers = [\"defrag\", \"nope\"]\n");
        assert!(err.contains("unknown effect 'nope'"), "{err}");
        assert_eq!(position, (2, 10));
        let (err, _) = error("[[item]]\neffect = \"water\"\nlayers = [\"water\"]\n");
        assert!(err.contains("not both"), "{err}");
        let (err, position) = error("[[item]]\nlayers = [\"logo\", \"water\"]\n");
        assert!(err.contains("the logo layer needs --logo PATH"), "{err}");
        assert_eq!(position.0, 1);
        let (err, position) =
            error("[[item]]\nlayers = [\"logo\", \"water\"]\n[item.logo]\nlogo_size = 3\n");
        assert!(err.contains("go in the item itself"), "{err}");
        assert_eq!(position, (3, 7));
        let (err, position) = error(&item("stars = 3\n"));
        assert!(err.contains("'stars' is a glitch setting"), "{err}");
        assert_eq!(position, (3, 1));
    }

    #[test]
    fn good_config_builds_items_with_their_own_settings() {
        // The message file does not exist: the error names the item and the file, at the key.
        let (err, position) = error(GOOD);
        assert!(err.contains("item 3 (defrag)"), "{err}");
        assert!(
            err.contains("/cfg/defrag.txt"),
            "relative to the config: {err}"
        );
        assert_eq!(position, (21, 1));

        let text = GOOD.replace("message_file = \"defrag.txt\"", "duration = \"2m\"");
        let loaded = load(&text, &[]).unwrap();
        assert_eq!(loaded.settings.output.fps, 20);
        assert!(loaded.settings.playlist.clock);
        let spec = &loaded.spec;
        assert_eq!(spec.transition, Transition::Wipe);
        let names: Vec<_> = spec.items.iter().map(|i| i.name()).collect();
        assert_eq!(names, ["glitch", "confetti", "defrag"]);
        let [glitch, confetti, defrag] = &spec.items[..] else {
            unreachable!()
        };
        assert_eq!(glitch.context().style.as_deref(), Some("strobe"));
        assert_eq!(glitch.duration, Duration::from_secs(45));
        assert_eq!(glitch.messages, ["Welcome", "Coffee in the kitchen"]);
        assert_eq!(confetti.messages, ["Happy Friday!"]);
        assert!(confetti.context().calm && !glitch.context().calm);
        assert!(
            !confetti
                .schedule
                .contains(jiff::civil::date(2025, 3, 14).at(9, 0, 0, 0))
        );
        assert_eq!(defrag.duration, Duration::from_secs(120));
        assert_eq!(defrag.duration, Duration::from_secs(120));
    }

    const MESSAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/messages.txt");

    #[test]
    fn item_messages_replace_the_global_message_file() {
        let text = format!(
            "message_file = \"{MESSAGES}\"\n[[item]]\neffect = \"water\"\nmessages = [\"Mine\"]\n\
             [[item]]\neffect = \"glitch\"\n"
        );
        let loaded = load(&text, &[]).unwrap();
        assert_eq!(loaded.spec.items[0].messages, ["Mine"]);
        assert_eq!(loaded.spec.items[1].messages, ["Welcome"]);
        assert_eq!(loaded.files, [PathBuf::from(MESSAGES)]);
    }

    #[test]
    fn water_image_is_found_relative_to_the_config() {
        // `load` reads the config as /cfg/kiosk.toml.
        let (err, position) = error(&format!(
            "message_file = \"{MESSAGES}\"\n[[item]]\neffect = \"water\"\nimage = \"fish.txt\"\n"
        ));
        assert_eq!(position, (4, 1), "at the image key: {err}");
        assert!(
            err.contains("item 1 (water): --image /cfg/fish.txt does not exist"),
            "{err}"
        );
        let fish = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fish.txt");
        let loaded = load(
            &format!("[[item]]\neffect = \"water\"\nimage = \"{fish}\"\n"),
            &[],
        )
        .unwrap();
        let art = include_str!("../assets/fish.txt");
        assert_eq!(
            loaded.spec.items[0].layers[0].params.water.image,
            Some(vitrine_effects::water::AsciiArt::parse(art).unwrap())
        );
    }

    #[test]
    fn partial_config_uses_the_defaults() {
        let loaded = load("[[item]]\neffect = \"water\"\n", &[]).unwrap();
        assert_eq!(loaded.settings.output.fps, 30);
        assert!(!loaded.settings.kiosk.lock);
        let item = &loaded.spec.items[0];
        assert_eq!(item.duration, Duration::from_secs(30));
        assert_eq!(
            item.messages,
            crate::messages::parse(crate::messages::DEFAULT_MESSAGES)
        );
        // Settings only, no items: every effect, like the command line.
        let loaded = load("[defaults]\nlock = true\n", &[]).unwrap();
        assert!(loaded.settings.kiosk.lock);
        assert_eq!(loaded.spec.items.len(), registry::EFFECTS.len());
        // An empty file is a valid config too.
        assert!(load("", &[]).is_ok());
    }

    #[test]
    fn command_line_overrides_the_file() {
        let text = GOOD.replace("message_file = \"defrag.txt\"", "");
        let loaded = load(
            &text,
            &["--fps", "50", "--message", "From the CLI", "--calm"],
        )
        .unwrap();
        assert_eq!(loaded.settings.output.fps, 50);
        for item in &loaded.spec.items {
            assert_eq!(item.messages, ["From the CLI"]);
            assert!(item.context().calm);
        }
        // The global message file is replaced as well, not added to.
        let with_file = format!("message_file = \"{MESSAGES}\"\n{text}");
        let loaded = load(&with_file, &["--message", "Only this"]).unwrap();
        assert_eq!(loaded.spec.items[1].messages, ["Only this"]);
        // Defaults the user did not type do not override the file.
        assert_eq!(loaded.spec.transition, Transition::Wipe);
        // --effect replaces the file's playlist but keeps its settings.
        let loaded = load(&text, &["--effect", "water"]).unwrap();
        assert_eq!(loaded.spec.items.len(), 1);
        assert_eq!(loaded.spec.items[0].name(), "water");
        assert_eq!(loaded.settings.output.fps, 20);
    }

    #[test]
    fn bad_configs_point_at_line_and_column() {
        let (err, pos) = error("fps = 20\n[[item]]\neffect = \"glitchy\"\n");
        assert_eq!(pos, (3, 10));
        assert!(
            err.starts_with("kiosk.toml:3:10: unknown effect 'glitchy'"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");

        let (err, pos) = error("fsp = 20\n");
        assert_eq!(pos, (1, 1));
        assert!(
            err.contains("unknown setting 'fsp'") && err.contains("did you mean 'fps'"),
            "{err}"
        );

        let (err, pos) = error("[[item]]\neffect = \"water\"\nduration = \"soon\"\n");
        assert_eq!(pos, (3, 1));
        assert!(err.contains("invalid value 'soon'"), "{err}");

        let (err, pos) = error("fps = 0\n");
        assert_eq!(pos, (1, 1));
        assert!(err.contains("'--fps <FPS>'"), "{err}");

        let (err, pos) = error("[[item]]\neffect = \"water\"\nfps = 10\n");
        assert_eq!(pos, (3, 1));
        assert!(err.contains("move it above the first [[item]]"), "{err}");

        // Another effect's flag in an item would be silently ignored: refused at the key.
        let (err, pos) = error("[[item]]\neffect = \"water\"\nstars = 5\n");
        assert_eq!(pos, (3, 1));
        assert!(
            err.ends_with("'stars' is a glitch setting, and this item shows water"),
            "{err}"
        );
        assert!(load("[[item]]\neffect = \"glitch\"\nstars = 5\n", &[]).is_ok());
        // At the top, the playlist must show that effect somewhere.
        let (err, pos) = error("stars = 5\n[[item]]\neffect = \"water\"\n");
        assert_eq!(pos, (1, 1));
        assert!(err.ends_with("'stars' is a glitch setting, and the playlist has no glitch"));
        assert!(load("stars = 5\n[[item]]\neffect = \"glitch\"\n", &[]).is_ok());
        assert!(load("stars = 5\n", &[]).is_ok(), "every effect plays");

        let (err, pos) = error("clock = true\n\n[[item]]\nstyle = \"strobe\"\n");
        assert_eq!(pos, (3, 1));
        assert!(err.contains("has no effect"), "{err}");

        let (err, pos) = error("[[item]]\neffect = \" \"\n");
        assert_eq!(pos, (2, 10));
        assert!(err.contains("an item shows one effect"), "{err}");

        let (err, pos) = error("[[item]]\neffect = \"defrag\"\nstyle = \"strobe\"\n");
        assert_eq!(pos, (3, 9));
        assert!(err.contains("defrag has no style 'strobe'"), "{err}");

        let (err, pos) = error("[[item]]\neffect = \"water\"\nschedule = { days = [\"fry\"] }\n");
        assert_eq!(pos, (3, 12));
        assert!(err.contains("unknown day 'fry'"), "{err}");

        let (err, pos) = error("message = \"a\"\nmessages = [\"b\"]\n");
        assert_eq!(pos.1, 1);
        assert!(err.contains("set twice"), "{err}");

        // Broken TOML: the parser's position.
        let (err, pos) = error("fps = 20\nclock = \n");
        assert_eq!(pos.0, 2);
        assert!(err.contains("invalid TOML"), "{err}");

        let (err, pos) = error("fps = 5\neffects = [\"water\", \"fog\"]\n");
        assert_eq!(pos, (2, 11));
        assert!(err.contains("unknown effect 'fog'"), "{err}");
        let (err, pos) = error("\nmessage_file = \"/nonexistent/m.txt\"\n");
        assert_eq!(pos, (2, 1));
        assert!(
            err.contains("message file /nonexistent/m.txt does not exist"),
            "{err}"
        );

        let (err, _) = error("lock = \"yes\"\n");
        assert!(err.contains("true or false"), "{err}");
        let (err, _) = error("config = \"other.toml\"\n");
        assert!(err.contains("unknown setting 'config'"), "{err}");
    }

    /// Effect flags arrive through `Params`; this checks the conversion with flags shaped like
    /// theirs (a number, a list, a switch) on a stand-in command.
    #[test]
    fn effect_flags_become_arguments() {
        let cmd = Command::new("t")
            .no_binary_name(true)
            .arg(
                clap::Arg::new("drops")
                    .long("drops")
                    .value_parser(clap::value_parser!(u32)),
            )
            .arg(clap::Arg::new("shapes").long("shapes").value_delimiter(','))
            .arg(clap::Arg::new("tags").long("tag").action(ArgAction::Append))
            .arg(
                clap::Arg::new("trails")
                    .long("trails")
                    .action(ArgAction::SetTrue),
            );
        let table: Table = toml::from_str(
            "drops = 40\nshapes = [\"square\", \"circle\"]\ntag = [\"a\", \"b\"]\n\
             trails = true\n",
        )
        .unwrap();
        let args: Vec<String> = table
            .iter()
            .flat_map(|(k, v)| setting(&cmd, k, v, Path::new(".")).ok().unwrap().args)
            .collect();
        assert_eq!(
            args,
            [
                "--drops=40",
                "--shapes=square,circle",
                "--tag=a",
                "--tag=b",
                "--trails"
            ]
        );
        let matches = cmd.try_get_matches_from(&args).unwrap();
        assert_eq!(matches.get_one::<u32>("drops"), Some(&40));
        assert_eq!(matches.get_many::<String>("shapes").unwrap().len(), 2);
    }

    #[test]
    fn lists_and_flags_become_arguments() {
        let loaded = load(
            "effects = [\"water\", \"glitch\"]\nshuffle = true\nspeed = 1.5\nseed = 7\n",
            &[],
        )
        .unwrap();
        let names: Vec<_> = loaded.spec.items.iter().map(|i| i.name()).collect();
        assert_eq!(names, ["water", "glitch"]);
        assert!(loaded.spec.shuffle);
        assert_eq!(loaded.spec.seed, 7);
        assert_eq!(loaded.spec.items[0].speed, 1.5);
        // A message that looks like a flag stays a message.
        let loaded = load("message = \"--lock\"\n", &[]).unwrap();
        assert_eq!(loaded.spec.items[0].messages, ["--lock"]);
        assert!(!loaded.settings.kiosk.lock);
    }

    /// A TOML basic string holding `s` exactly.
    fn quoted(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// A value of any TOML type, right or wrong for the key it goes with.
    fn toml_value() -> impl Strategy<Value = String> {
        let text = ".{0,12}".prop_map(|s| quoted(&s));
        prop_oneof![
            any::<i64>().prop_map(|v| v.to_string()),
            any::<f64>().prop_map(|v| format!("{v:?}")),
            any::<bool>().prop_map(|v| v.to_string()),
            text.clone(),
            "-?[0-9]{1,20}(ms|s|m|h|d|y)?".prop_map(|s| quoted(&s)),
            "(glitch|water|defrag|confetti|wipe|dissolve|strobe|auto|256|16|mono|x)"
                .prop_map(|s| quoted(&s)),
            prop::collection::vec(text, 0..3).prop_map(|v| format!("[{}]", v.join(", "))),
            (
                "(mon|fri|sat|weekdays|weekends|daily|x)",
                "[0-9]{1,2}:[0-9]{1,2}",
                "[0-9]{1,2}:[0-9]{1,2}"
            )
                .prop_map(|(d, f, t)| format!(
                    "{{ days = [\"{d}\"], from = \"{f}\", to = \"{t}\" }}"
                )),
            Just("{ x = 1 }".to_string()),
        ]
    }

    /// Lines of a config file: known keys (every flag a config may set, and the file's own
    /// spellings) with any value, tables, and anything at all.
    fn config_text() -> impl Strategy<Value = String> {
        let keys: Vec<String> = command()
            .get_arguments()
            .map(|a| a.get_id().to_string())
            // Files are not opened here (a random path could be a fifo or a device).
            .filter(|id| !id.contains("file") && id != "config")
            .chain(["messages", "effects", "schedule", "item", "nonsense"].map(String::from))
            .collect();
        let line = prop_oneof![
            16 => (prop::sample::select(keys), toml_value()).prop_map(|(k, v)| format!("{k} = {v}")),
            3 => Just("[[item]]".to_string()),
            1 => Just("[defaults]".to_string()),
            1 => "[\\[\\]a-z .=\"]{0,12}",
            1 => ".{0,30}",
        ];
        prop::collection::vec(line, 0..12).prop_map(|lines| lines.join("\n"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(600))]

        /// Any config text either loads or fails with an error that says where: the file,
        /// a line within the file and a column, never a panic.
        #[test]
        fn any_config_loads_or_says_where_it_is_wrong(text in config_text()) {
            let (span, message) = match resolve(&text, Path::new("/cfg"), &[]) {
                Ok(_) => return Ok(()),
                Err(Unresolved::InFile(Located(span, message))) => (span, message),
                Err(Unresolved::CommandLine(message)) => {
                    return Err(TestCaseError::fail(format!("no position for: {message}")));
                }
            };
            let err = ConfigError::at(Path::new("kiosk.toml"), &text, span, message);
            let (line, column) = err.position();
            prop_assert!(line >= 1 && line <= text.split('\n').count(), "{line} in {text:?}");
            prop_assert!(column >= 1);
            let shown = err.to_string();
            let prefix = format!("kiosk.toml:{line}:{column}: ");
            prop_assert!(shown.starts_with(&prefix), "{shown}");
            prop_assert!(shown.len() > prefix.len(), "{shown}");
        }
    }
}

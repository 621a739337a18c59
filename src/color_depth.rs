//! Choosing the colour depth: `--color auto|truecolor|256|16|mono`.
//!
//! Effects always draw 24-bit colour; [`vitrine_effects::depth::ColorMapper`] reduces each
//! finished frame to the depth chosen here. `auto` reads the environment once at start:
//!
//! - `NO_COLOR` set to anything non-empty (<https://no-color.org>): mono;
//! - `TERM=dumb`, or no `TERM` at all: mono;
//! - otherwise [termprofile] decides: `COLORTERM=truecolor|24bit`, terminals whose `TERM` names
//!   them (kitty, alacritty, wezterm, foot, ghostty…) and `FORCE_COLOR=truecolor` give
//!   truecolor; `*-256color`, `screen`, tmux and Apple Terminal give 256; any other `TERM`
//!   (`linux`, `vt220`, `xterm`, `ansi`, `cons25`…) gives 16.
//!
//! The same rules serve SSH viewers (`vitrine serve`), applied to what the client sent instead
//! of our own environment: the `TERM` of its pty request and the colour variables it passes
//! (see [`CLIENT_VARS`]; OpenSSH sends them with `SendEnv`). SSH forwards `TERM` but not
//! `COLORTERM` by default, so a truecolor terminal reached over SSH often shows up as 256
//! colours; pass `--color truecolor` there. Inside tmux, 256 is assumed unless told otherwise
//! (asking tmux itself would mean running a subprocess at start).

use std::env;

use clap::ValueEnum;
use termprofile::{DetectorSettings, EnvVarSource, TermProfile, TermVars};
use vitrine_effects::depth::ColorDepth;

/// The `--color` flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Detect from NO_COLOR, TERM and COLORTERM (recordings: truecolor unless NO_COLOR).
    #[default]
    Auto,
    /// 24-bit colour.
    Truecolor,
    /// The xterm 256-colour palette.
    #[value(name = "256")]
    Ansi256,
    /// 16 colours, e.g. the Linux console.
    #[value(name = "16")]
    Ansi16,
    /// No colour: shapes and text by glyphs, bold, dim and reverse video.
    Mono,
}

/// The variables besides `TERM` that colour detection reads, the ones an SSH client's
/// environment requests are accepted for.
pub const CLIENT_VARS: &[&str] = &[
    "COLORTERM",
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR_FORCE",
    "TERM_PROGRAM",
];

/// The depth for `choice` on a terminal whose environment is `env` (ours, or an SSH
/// client's): `auto` detects, anything else is what it says.
pub fn resolve(choice: ColorChoice, env: &impl EnvVarSource) -> ColorDepth {
    match choice {
        ColorChoice::Auto => detect(env),
        ColorChoice::Truecolor => ColorDepth::TrueColor,
        ColorChoice::Ansi256 => ColorDepth::Ansi256,
        ColorChoice::Ansi16 => ColorDepth::Ansi16,
        ColorChoice::Mono => ColorDepth::Mono,
    }
}

/// The depth for `choice` on the terminal vitrine runs in.
pub fn local(choice: ColorChoice) -> ColorDepth {
    resolve(choice, &Env)
}

/// The depth for `choice` in a recording. It is played back on other terminals, so there
/// `auto` means truecolor (or mono under `NO_COLOR`).
pub fn recording(choice: ColorChoice) -> ColorDepth {
    match choice {
        ColorChoice::Auto if no_color(&Env) => ColorDepth::Mono,
        ColorChoice::Auto => ColorDepth::TrueColor,
        other => resolve(other, &Env),
    }
}

/// The depth the environment `env` asks for; a pure function of the variables it reads.
pub fn detect(env: &impl EnvVarSource) -> ColorDepth {
    // termprofile only honours NO_COLOR=1/true/yes/on; the convention is any non-empty value.
    if no_color(env) {
        return ColorDepth::Mono;
    }
    // Whether stdout is a terminal says nothing about its colours (and the live showcase has
    // already checked it), so detection always assumes one.
    let vars = TermVars::from_source(
        env,
        &Terminal,
        DetectorSettings::new().enable_tmux_info(false),
    );
    match TermProfile::detect_with_vars(vars) {
        TermProfile::TrueColor => ColorDepth::TrueColor,
        TermProfile::Ansi256 => ColorDepth::Ansi256,
        TermProfile::Ansi16 => ColorDepth::Ansi16,
        TermProfile::NoColor | TermProfile::NoTty => ColorDepth::Mono,
    }
}

fn no_color(env: &impl EnvVarSource) -> bool {
    env.var("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The process environment.
struct Env;

impl EnvVarSource for Env {
    fn var(&self, key: &str) -> Option<String> {
        env::var(key).ok()
    }
}

/// An output that is a terminal.
struct Terminal;

impl termprofile::IsTerminal for Terminal {
    fn is_terminal(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn depth(vars: &[(&'static str, &'static str)]) -> ColorDepth {
        detect(&vars.iter().copied().collect::<HashMap<&str, &str>>())
    }

    #[test]
    fn detects_depth_from_the_environment() {
        use ColorDepth::*;
        let cases: &[(&[(&str, &str)], ColorDepth)] = &[
            (
                &[("TERM", "xterm-256color"), ("COLORTERM", "truecolor")],
                TrueColor,
            ),
            (
                &[("TERM", "xterm-256color"), ("COLORTERM", "24bit")],
                TrueColor,
            ),
            (&[("TERM", "xterm-256color")], Ansi256),
            (&[("TERM", "screen-256color")], Ansi256),
            (&[("TERM", "xterm-kitty")], TrueColor),
            (&[("TERM", "linux")], Ansi16),
            (&[("TERM", "vt220")], Ansi16),
            (&[("TERM", "xterm")], Ansi16),
            (&[("TERM", "ansi")], Ansi16),
            (&[("TERM", "cons25")], Ansi16),
            (&[("TERM", "dumb")], Mono),
            (&[("TERM", "dumb"), ("COLORTERM", "truecolor")], Mono),
            (&[], Mono),
            (&[("TERM", "xterm-256color"), ("NO_COLOR", "1")], Mono),
            // no-color.org: any non-empty value counts, an empty one does not.
            (&[("TERM", "xterm-256color"), ("NO_COLOR", "please")], Mono),
            (&[("TERM", "xterm-256color"), ("NO_COLOR", "")], Ansi256),
            (
                &[("TERM", "linux"), ("FORCE_COLOR", "truecolor")],
                TrueColor,
            ),
        ];
        for (vars, expected) in cases {
            assert_eq!(depth(vars), *expected, "{vars:?}");
        }
    }

    #[test]
    fn explicit_choices_ignore_the_environment() {
        let env: HashMap<&str, &str> = [("TERM", "xterm-256color")].into();
        assert_eq!(resolve(ColorChoice::Ansi16, &env), ColorDepth::Ansi16);
        assert_eq!(recording(ColorChoice::Ansi256), ColorDepth::Ansi256);
        assert_eq!(resolve(ColorChoice::Truecolor, &env), ColorDepth::TrueColor);
        assert_eq!(recording(ColorChoice::Mono), ColorDepth::Mono);
        assert_eq!(resolve(ColorChoice::Auto, &env), ColorDepth::Ansi256);
    }
}

//! Documentation generated from the clap definition: shell completions and man pages. The
//! Debian package installs both (scripts/build-deb.sh runs these commands).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionShell};

/// `vitrine completions SHELL`.
pub fn completions(shell: CompletionShell, out: &mut dyn Write) -> Result<()> {
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    // clap_complete panics when a write fails (`vitrine completions bash | head`, a full
    // disk): generate in memory, then write with the error reported like any other.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "vitrine", &mut script);
    out.write_all(&script)?;
    Ok(())
}

/// `vitrine man`: the page vitrine(1).
pub fn man(out: &mut dyn Write) -> Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)?;
    Ok(())
}

/// `vitrine man --dir DIR`: vitrine.1 and one page per command (vitrine-record.1, ...).
pub fn man_pages(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), dir)
        .with_context(|| format!("cannot write man pages into {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>) -> Result<()>) -> String {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn completions_know_commands_and_flags() {
        for shell in [
            CompletionShell::Bash,
            CompletionShell::Zsh,
            CompletionShell::Fish,
        ] {
            let script = text(|out| completions(shell, out));
            for word in ["record", "serve", "transition-time", "palette"] {
                assert!(script.contains(word), "{shell:?} lacks {word}");
            }
        }
    }

    #[test]
    fn man_page_names_the_program_and_its_flags() {
        let page = text(|out| man(out));
        assert!(page.contains(".TH vitrine 1"), "{}", &page[..200]);
        assert!(page.contains("transition\\-time"));
    }

    #[test]
    fn man_pages_cover_every_command() {
        let dir = std::env::temp_dir().join(format!("vitrine-man-{}", std::process::id()));
        man_pages(&dir).unwrap();
        for command in Cli::command().get_subcommands() {
            let page = dir.join(format!("vitrine-{}.1", command.get_name()));
            let text = std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{page:?}: {e}"));
            assert!(text.contains(&format!(".TH vitrine-{}", command.get_name())));
        }
        assert!(dir.join("vitrine.1").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

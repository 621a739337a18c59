//! `--image`: the ASCII-art file the water effect shows instead of the message. The effects
//! crate never reads files, so the file is read here and handed over parsed.

use std::path::Path;

use anyhow::Result;
use vitrine_effects::water::AsciiArt;

use crate::error::UsageError;
use crate::textfile;

/// Largest `--image` file, in bytes. A screenful of art is a few kilobytes; the cap keeps a
/// wrong path (a log, `/dev/zero`) from filling memory.
const MAX_IMAGE_BYTES: u64 = 256 * 1024;

/// Reads and parses the art at `path`; every error names the flag and the path.
pub fn load(path: &Path) -> Result<AsciiArt> {
    let text = textfile::read_path(path, "text file", MAX_IMAGE_BYTES)
        .map_err(|e| UsageError(format!("--image {e}")))?;
    Ok(AsciiArt::parse(&text)
        .map_err(|e| UsageError(format!("--image {}: {e}", path.display())))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FISH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/fish.txt");

    #[test]
    fn reads_the_art_and_names_the_path_when_it_cannot() {
        let fish = load(Path::new(FISH)).unwrap();
        assert_eq!(
            fish,
            AsciiArt::parse(include_str!("../assets/fish.txt")).unwrap()
        );
        let empty = std::env::temp_dir().join(format!("vitrine-art-{}.txt", std::process::id()));
        std::fs::write(&empty, "").unwrap();
        let empty = empty.to_str().unwrap();
        for (path, why) in [
            ("/nonexistent/fish.txt", " does not exist"),
            ("/dev/zero", " is a device, not a text file"),
            (empty, ": nothing to draw"),
            ("/", " is a directory"),
        ] {
            let err = load(Path::new(path)).unwrap_err();
            assert!(err.downcast_ref::<UsageError>().is_some(), "{err}");
            let err = err.to_string();
            assert!(err.starts_with(&format!("--image {path}{why}")), "{err}");
        }
        std::fs::remove_file(empty).unwrap();
    }
}

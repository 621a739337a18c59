//! `--image`: the ASCII-art file the water effect shows instead of the message. The effects
//! crate never reads files, so the file is read here and handed over parsed.

use std::io::Read as _;
use std::path::Path;

use anyhow::Result;
use vitrine_effects::water::AsciiArt;

use crate::error::UsageError;

/// Largest `--image` file, in bytes. A screenful of art is a few kilobytes; the cap keeps a
/// wrong path (a log, `/dev/zero`) from filling memory.
const MAX_IMAGE_BYTES: u64 = 256 * 1024;

/// Reads and parses the art at `path`; every error names the flag and the path.
pub fn load(path: &Path) -> Result<AsciiArt> {
    let fail =
        |why: &dyn std::fmt::Display| UsageError(format!("--image {}: {why}", path.display()));
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_IMAGE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(&e))?;
    if bytes.len() as u64 > MAX_IMAGE_BYTES {
        return Err(fail(&format!("larger than {} KiB", MAX_IMAGE_BYTES / 1024)).into());
    }
    let text = String::from_utf8(bytes).map_err(|_| fail(&"not UTF-8 text"))?;
    Ok(AsciiArt::parse(&text).map_err(|e| fail(&e))?)
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
        for (path, why) in [
            ("/nonexistent/fish.txt", "No such file"),
            ("/dev/zero", "larger than 256 KiB"),
            ("/dev/null", "nothing to draw"),
            ("/", "Is a directory"),
        ] {
            let err = load(Path::new(path)).unwrap_err();
            assert!(err.downcast_ref::<UsageError>().is_some(), "{err}");
            let err = err.to_string();
            assert!(err.starts_with(&format!("--image {path}: ")), "{err}");
            assert!(err.contains(why), "{err}");
        }
    }
}

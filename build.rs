//! Build facts for `vitrine --version`: the git commit and the enabled cargo features.
//!
//! The commit comes from git when building from a clone; from `VITRINE_GIT_COMMIT` when a
//! packager builds from a tarball and knows it; from `.cargo_vcs_info.json` in a crates.io
//! tarball; otherwise it reads "unknown". Never fails the build.

use std::path::Path;
use std::process::Command;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let dir = Path::new(&manifest_dir);
    println!("cargo:rerun-if-env-changed=VITRINE_GIT_COMMIT");
    let commit = std::env::var("VITRINE_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .map(|c| c.trim().to_string())
        .or_else(|| git_commit(dir))
        .or_else(|| vcs_info_commit(dir))
        .unwrap_or_else(|| "unknown".into());

    // Cargo sets CARGO_FEATURE_<NAME> for each enabled feature of this package.
    let mut features: Vec<String> = std::env::vars()
        .filter_map(|(key, _)| key.strip_prefix("CARGO_FEATURE_").map(str::to_string))
        .map(|name| name.to_lowercase().replace('_', "-"))
        .filter(|name| name != "default")
        .collect();
    features.sort();
    let features = features.join(", ");
    println!("cargo:rustc-env=VITRINE_BUILD_COMMIT={commit}");
    println!("cargo:rustc-env=VITRINE_BUILD_FEATURES={features}");
}

/// The short commit of HEAD; also tells cargo the files whose change means HEAD moved, so a new
/// commit rebuilds the version string.
fn git_commit(dir: &Path) -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    // Only this repository: a tarball unpacked inside someone else's checkout must not pick
    // up that checkout's commit.
    let top = git(&["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != dir.canonicalize().ok()? {
        return None;
    }
    let commit = git(&["rev-parse", "--short=12", "HEAD"])?;
    let branch = git(&["symbolic-ref", "-q", "HEAD"]);
    for watched in ["HEAD", "packed-refs"].into_iter().chain(branch.as_deref()) {
        // Only files that exist: cargo reruns the script on every build for a missing one.
        if let Some(path) = git(&["rev-parse", "--git-path", watched])
            .map(|path| dir.join(path))
            .filter(|path| path.exists())
        {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    Some(commit)
}

/// The commit `cargo package` recorded in a published tarball.
fn vcs_info_commit(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    let start = text.find("\"sha1\"")?;
    let rest = &text[start + 6..];
    let sha: String = rest
        .chars()
        .skip_while(|c| !c.is_ascii_hexdigit())
        .take_while(char::is_ascii_hexdigit)
        .collect();
    (sha.len() >= 12).then(|| sha[..12].to_string())
}

//! Who the server is (its host key) and who may come in (authorized public keys).

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context as _, Result, bail};
use rand::RngCore;
use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::authorized_keys::Entry;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{HashAlg, PrivateKey, PublicKey};

use crate::error::UsageError;

/// Who may open a session.
#[derive(Clone, Debug)]
pub enum Access {
    /// Anyone who can reach the port, with or without a key (`--open`).
    Open,
    /// Only holders of these keys.
    Keys(Vec<PublicKey>),
}

impl Access {
    pub fn allows(&self, key: &PublicKey) -> bool {
        match self {
            Access::Open => true,
            Access::Keys(keys) => keys.iter().any(|k| k.key_data() == key.key_data()),
        }
    }
}

/// Where the host key lives when `--host-key` is not given: the XDG state directory.
pub fn default_host_key_path() -> Result<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| Path::new(&home).join(".local/state"))
        })
        .ok_or_else(|| UsageError("no HOME or XDG_STATE_HOME; pass --host-key PATH".into()))?;
    Ok(state.join("vitrine").join("host_key"))
}

/// Loads the host key at `path`, or generates an Ed25519 key there (mode 0600) on first start,
/// so clients see the same fingerprint every time. Returns the key and whether it is new.
pub fn load_or_create_host_key(path: &Path) -> Result<(PrivateKey, bool)> {
    match fs::metadata(path) {
        Ok(_) => return Ok((load_host_key(path)?, false)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => bail!("cannot read host key {}: {e}", path.display()),
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
    let text = key
        .to_openssh(LineEnding::LF)
        .context("cannot encode the host key")?;
    // create_new: two servers starting at once must not overwrite each other's key.
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    match file {
        Ok(mut file) => {
            file.write_all(text.as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cannot write host key {}", path.display()))?;
            Ok((key, true))
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok((load_host_key(path)?, false)),
        Err(e) => bail!("cannot create host key {}: {e}", path.display()),
    }
}

fn load_host_key(path: &Path) -> Result<PrivateKey> {
    let meta = fs::metadata(path)?;
    // Like sshd: a private key others can read is not private.
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(UsageError(format!(
            "host key {} is readable by others; run chmod 600 on it",
            path.display()
        ))
        .into());
    }
    let text = fs::read_to_string(path)
        .with_context(|| format!("cannot read host key {}", path.display()))?;
    let key = PrivateKey::from_openssh(&text).map_err(|e| {
        UsageError(format!(
            "host key {} is not an OpenSSH private key: {e}",
            path.display()
        ))
    })?;
    if key.is_encrypted() {
        return Err(UsageError(format!(
            "host key {} is encrypted; vitrine needs an unencrypted key",
            path.display()
        ))
        .into());
    }
    Ok(key)
}

/// The fingerprint clients show when they first connect, e.g. `SHA256:abc…`.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// Reads an OpenSSH `authorized_keys` file.
pub fn read_authorized_keys(path: &Path) -> Result<Vec<PublicKey>> {
    let text = fs::read_to_string(path)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    let keys =
        parse_authorized_keys(&text).map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
    if keys.is_empty() {
        return Err(UsageError(format!(
            "{} lists no keys, so nobody could connect (use --open to let anyone in)",
            path.display()
        ))
        .into());
    }
    Ok(keys)
}

/// Parses `authorized_keys` text: one public key per line, blank lines and `#` comments
/// skipped. Key options (`from=`, `command=`, `cert-authority`…) are refused rather than
/// ignored: silently dropping a `from=` restriction would let in more than the file says.
pub fn parse_authorized_keys(text: &str) -> Result<Vec<PublicKey>, String> {
    let mut keys = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let number = index + 1;
        let entry = Entry::from_str(line)
            .map_err(|e| format!("line {number}: not an OpenSSH public key ({e})"))?;
        if !entry.config_opts().is_empty() {
            return Err(format!(
                "line {number}: key options ({}) are not supported; list plain keys only",
                entry.config_opts().as_str()
            ));
        }
        keys.push(entry.public_key().clone());
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@example";

    #[test]
    fn authorized_keys_parse_with_line_numbers() {
        let keys = parse_authorized_keys(&format!("# team\n\n{ED}\n")).unwrap();
        assert_eq!(keys.len(), 1);
        let err = parse_authorized_keys(&format!("{ED}\nssh-ed25519 garbage\n")).unwrap_err();
        assert!(err.starts_with("line 2:"), "{err}");
        let err = parse_authorized_keys(&format!("from=\"10.0.0.1\" {ED}")).unwrap_err();
        assert!(err.contains("line 1: key options"), "{err}");
    }

    #[test]
    fn host_key_is_created_once_with_private_permissions() {
        let dir = std::env::temp_dir().join(format!("vitrine-hostkey-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let path = dir.join("sub/host_key");
        let (first, created) = load_or_create_host_key(&path).unwrap();
        assert!(created);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let (again, created) = load_or_create_host_key(&path).unwrap();
        assert!(!created);
        assert_eq!(
            fingerprint(first.public_key()),
            fingerprint(again.public_key())
        );
        assert!(fingerprint(again.public_key()).starts_with("SHA256:"));
        // Readable by others: refused, like sshd.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let err = load_or_create_host_key(&path).unwrap_err().to_string();
        assert!(err.contains("chmod 600"), "{err}");
        let _ = fs::remove_dir_all(&dir);
    }
}

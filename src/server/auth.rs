//! Who the server is (its host key) and who may come in (authorized public keys, re-read
//! when their file changes so a revoked key stops working without a restart).
//!
//! Key files are opened without blocking and must be regular files: a FIFO at the path would
//! otherwise hang start-up until something writes to it, and a device could be read forever.

use std::fs::{self, Metadata};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Mutex, PoisonError, RwLock};

use anyhow::{Context as _, Result, bail};
use rand::RngCore;
use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::authorized_keys::Entry;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{HashAlg, PrivateKey, PublicKey};

use crate::error::UsageError;
use crate::textfile;

/// Key files are small; anything bigger is not one.
const MAX_KEY_FILE: u64 = 1024 * 1024;

/// Who may open a session.
#[derive(Debug)]
pub enum Access {
    /// Anyone who can reach the port, with or without a key (`--open`).
    Open,
    /// Only holders of the keys in an authorized_keys file.
    Keys(AuthorizedKeys),
}

impl Access {
    pub fn allows(&self, key: &PublicKey) -> bool {
        match self {
            Access::Open => true,
            Access::Keys(keys) => keys.allows(key),
        }
    }
}

/// The keys of an `authorized_keys` file, as of the last time it changed.
#[derive(Debug)]
pub struct AuthorizedKeys {
    path: PathBuf,
    keys: RwLock<Vec<PublicKey>>,
    /// What the file looked like when last read, to notice a change.
    seen: Mutex<Option<FileStamp>>,
}

/// Enough of a file's metadata to tell that it changed (an edit in place, or a new file
/// renamed over it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileStamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileStamp {
    fn of(meta: &Metadata) -> Self {
        Self {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

/// What [`AuthorizedKeys::refresh`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Refresh {
    Unchanged,
    /// Re-read: this many keys.
    Reloaded(usize),
    /// The file changed and cannot be used; nobody gets in until it is fixed (a revocation
    /// must not be undone by a typo).
    Failed(String),
}

impl AuthorizedKeys {
    /// Reads the file at start-up: any problem is an error for the user to fix.
    pub fn load(path: &Path) -> Result<Self> {
        let stamp = fs::metadata(path).ok().map(|m| FileStamp::of(&m));
        let keys = read_authorized_keys(path)?;
        if keys.is_empty() {
            return Err(UsageError(format!(
                "{} lists no keys, so nobody could connect; add public keys (one per line, as \
                 in ~/.ssh/authorized_keys) or use --open to let anyone in",
                path.display()
            ))
            .into());
        }
        Ok(Self {
            path: path.to_path_buf(),
            keys: RwLock::new(keys),
            seen: Mutex::new(stamp),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn len(&self) -> usize {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    fn allows(&self, key: &PublicKey) -> bool {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .any(|k| k.key_data() == key.key_data())
    }

    /// Re-reads the file if it changed since it was last read.
    pub fn refresh(&self) -> Refresh {
        let stamp = fs::metadata(&self.path).ok().map(|m| FileStamp::of(&m));
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if *seen == stamp {
            return Refresh::Unchanged;
        }
        *seen = stamp;
        let (keys, outcome) = match read_authorized_keys(&self.path) {
            Ok(keys) => {
                let count = keys.len();
                (keys, Refresh::Reloaded(count))
            }
            Err(e) => (Vec::new(), Refresh::Failed(format!("{e:#}"))),
        };
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = keys;
        outcome
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
    // symlink_metadata: a dangling symlink is an existing (broken) key, not a missing one.
    match fs::symlink_metadata(path) {
        Ok(_) => return Ok((load_host_key(path)?, false)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => bail!(
            "cannot read host key {}: {e}; check the directory's permissions",
            path.display()
        ),
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| {
                format!(
                    "cannot create {} for the host key; pass --host-key PATH elsewhere",
                    dir.display()
                )
            })?;
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
    let (file, meta) = textfile::open(path, "key file", MAX_KEY_FILE)
        .map_err(|e| UsageError(format!("host key {e}")))?;
    // Like sshd: a private key others can read is not private.
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(UsageError(format!(
            "host key {} is readable by others; run chmod 600 on it",
            path.display()
        ))
        .into());
    }
    let text = textfile::read(file, path, MAX_KEY_FILE)
        .map_err(|e| UsageError(format!("host key {e}")))?;
    if text.trim().is_empty() {
        return Err(UsageError(format!(
            "host key {} is empty; delete it to have a new key generated, or put an OpenSSH \
             private key there",
            path.display()
        ))
        .into());
    }
    let key = PrivateKey::from_openssh(&text).map_err(|e| {
        UsageError(format!(
            "host key {} is not an OpenSSH private key ({e}); delete it to have a new key \
             generated, or point --host-key at the right file",
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

/// Reads an OpenSSH `authorized_keys` file (which may list no keys).
fn read_authorized_keys(path: &Path) -> Result<Vec<PublicKey>> {
    let what = |e: String| UsageError(format!("--authorized-keys {e}"));
    let (file, _) = textfile::open(path, "key file", MAX_KEY_FILE).map_err(what)?;
    let text = textfile::read(file, path, MAX_KEY_FILE).map_err(what)?;
    let keys =
        parse_authorized_keys(&text).map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
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
    fn authorized_keys_reload_when_the_file_changes() {
        let dir = std::env::temp_dir().join(format!("vitrine-authkeys-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("authorized_keys");
        let key = |n: u8| PrivateKey::from(Ed25519Keypair::from_seed(&[n; 32]));
        let line = |n: u8| key(n).public_key().to_openssh().unwrap();
        fs::write(&path, format!("{}\n", line(1))).unwrap();
        let keys = AuthorizedKeys::load(&path).unwrap();
        assert!(keys.allows(key(1).public_key()));
        assert_eq!(keys.refresh(), Refresh::Unchanged);
        // Replaced by a new file (how editors and config management write).
        let next = dir.join("next");
        fs::write(&next, format!("{}\n", line(2))).unwrap();
        fs::rename(&next, &path).unwrap();
        assert_eq!(keys.refresh(), Refresh::Reloaded(1));
        assert!(
            !keys.allows(key(1).public_key()),
            "revoked key still allowed"
        );
        assert!(keys.allows(key(2).public_key()));
        // A broken file lets nobody in until it is fixed.
        fs::write(&path, "ssh-ed25519 garbage\n").unwrap();
        assert!(matches!(keys.refresh(), Refresh::Failed(e) if e.contains("line 1")));
        assert!(!keys.allows(key(2).public_key()));
        fs::remove_file(&path).unwrap();
        assert!(matches!(keys.refresh(), Refresh::Failed(e) if e.contains("does not exist")));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn key_files_that_are_not_files_are_named_and_refused() {
        let dir = std::env::temp_dir().join(format!("vitrine-keyfiles-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("fifo");
        let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: mkfifo with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        let dangling = dir.join("dangling");
        std::os::unix::fs::symlink(dir.join("missing"), &dangling).unwrap();
        let empty = dir.join("empty");
        write_private(&empty, b"");
        for (path, want) in [
            (&fifo, "is a FIFO (named pipe), not a key file"),
            (&dangling, "which does not exist; fix or remove the link"),
            (&empty, "is empty; delete it"),
            (&dir, "is a directory"),
        ] {
            let err = load_or_create_host_key(path).unwrap_err().to_string();
            assert!(err.contains(&path.display().to_string()), "{err}");
            assert!(err.contains(want), "{err}");
        }
        let err = AuthorizedKeys::load(&fifo).unwrap_err().to_string();
        assert!(
            err.contains("FIFO") && err.contains("--authorized-keys"),
            "{err}"
        );
        let err = AuthorizedKeys::load(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("/dev/zero is a device"), "{err}");
        let _ = fs::remove_dir_all(&dir);
    }

    fn write_private(path: &Path, bytes: &[u8]) {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .unwrap();
        file.write_all(bytes).unwrap();
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

//! The control socket: a Unix socket only its owner may use, one JSON request per line in and
//! one JSON response per line out.
//!
//! The socket lives in a directory of its own with mode 0700 (`$XDG_RUNTIME_DIR/vitrine`, or
//! `/tmp/vitrine-UID` without a runtime directory) and has mode 0600. A socket file nobody
//! answers on (a crashed run) is replaced; one that answers belongs to a running show, and
//! this one refuses to start rather than steal it.

use std::io;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Semaphore, mpsc};

use super::{Asker, Pending};
use crate::ctl::protocol::{Failure, MAX_REQUEST_BYTES, Request, Response};
use crate::error::UsageError;

/// Clients connected at once; more wait in the kernel's backlog.
const MAX_CLIENTS: usize = 16;

/// Answers queued for one client that is not reading them; beyond it the client's requests
/// are not read either.
const IN_FLIGHT: usize = 256;

/// How long a client has to send each request line before it is disconnected: connections
/// that say nothing must not hold the [`MAX_CLIENTS`] slots and lock `vitrine ctl` out.
const REQUEST_WAIT: Duration = Duration::from_secs(3);

/// A bound socket file, removed again on drop.
pub struct Bound {
    path: PathBuf,
    listener: Option<std::os::unix::net::UnixListener>,
    /// The socket file's inode, to tell it from one another show put there later.
    inode: u64,
}

impl Bound {
    /// The listener for the runtime entered on this thread.
    pub fn listener(&self) -> Result<UnixListener> {
        let std = self
            .listener
            .as_ref()
            .context("the control socket is already in use")?
            .try_clone()
            .context("cannot use the control socket")?;
        std.set_nonblocking(true)?;
        Ok(UnixListener::from_std(std)?)
    }
}

impl Drop for Bound {
    fn drop(&mut self) {
        // Only our own socket: if another show replaced it meanwhile, leave theirs alone.
        let ours = std::fs::symlink_metadata(&self.path).is_ok_and(|m| m.ino() == self.inode);
        if self.listener.take().is_some() && ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Prepares the socket's directory, replaces a stale socket and binds.
pub fn bind(path: &Path) -> Result<Bound> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let open_dir = private_dir(dir)?;
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => {
            if std::os::unix::net::UnixStream::connect(path).is_ok() {
                return Err(UsageError(format!(
                    "another vitrine is running with control socket {} (stop it, or give this \
                     one --control-socket PATH or --control-socket none)",
                    path.display()
                ))
                .into());
            }
            log::info!("replacing stale control socket {}", path.display());
            std::fs::remove_file(path)
                .with_context(|| format!("cannot remove stale socket {}", path.display()))?;
        }
        Ok(_) => {
            return Err(UsageError(format!(
                "{} exists and is not a socket; not replacing it",
                path.display()
            ))
            .into());
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(err).context(format!("cannot use {}", path.display())),
    }
    // The path is the user's to fix (--control-socket), like the other bad paths.
    let listener = std::os::unix::net::UnixListener::bind(path).map_err(|e| {
        UsageError(format!(
            "cannot create control socket {}: {e}",
            path.display()
        ))
    })?;
    if open_dir {
        // Our own directory that others can enter (a home directory, say): the socket's own
        // mode 0600 still keeps them out, but say so in case it was meant to be private. Only
        // now: a socket that could not be made there needs no warning besides its error.
        log::warn!(
            "{} is open to other users; the control socket itself is mode 0600",
            dir.display()
        );
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot restrict control socket {}", path.display()))?;
    let inode = std::fs::symlink_metadata(path)?.ino();
    log::info!("control socket: {}", path.display());
    Ok(Bound {
        path: path.to_path_buf(),
        listener: Some(listener),
        inode,
    })
}

/// Creates `dir` with mode 0700 if needed. An existing directory must be ours; returns whether
/// it is open to others (a socket in a directory someone else can write could be swapped for
/// theirs).
fn private_dir(dir: &Path) -> Result<bool> {
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => return Ok(false),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
        Err(err) => {
            return Err(
                UsageError(format!("cannot create directory {}: {err}", dir.display())).into(),
            );
        }
    }
    let meta = std::fs::metadata(dir).with_context(|| format!("cannot use {}", dir.display()))?;
    // SAFETY: getuid cannot fail.
    let uid = unsafe { libc::getuid() };
    if meta.uid() != uid {
        return Err(UsageError(format!(
            "{} belongs to another user; choose --control-socket elsewhere",
            dir.display()
        ))
        .into());
    }
    Ok(meta.mode() & 0o077 != 0)
}

/// Accepts clients until the runtime stops.
pub async fn serve(listener: UnixListener, asker: Asker) {
    let slots = Arc::new(Semaphore::new(MAX_CLIENTS));
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        match listener.accept().await {
            Ok((stream, _)) => {
                let asker = asker.clone();
                tokio::spawn(async move {
                    client(stream, asker).await;
                    drop(slot);
                });
            }
            Err(err) => {
                log::warn!("control socket: {err}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One client: reads request lines and answers them in order. Requests are read ahead of the
/// answers (so a script can send many without waiting), but never more than [`IN_FLIGHT`].
async fn client(stream: UnixStream, asker: Asker) {
    let (mut reader, mut writer) = stream.into_split();
    let (answers, mut queued) = mpsc::channel::<Pending>(IN_FLIGHT);
    let write = async move {
        while let Some(pending) = queued.recv().await {
            let line = pending.response().await.to_line();
            if writer.write_all(line.as_bytes()).await.is_err() {
                return;
            }
        }
    };
    let read = async move {
        let mut lines = LineReader::default();
        loop {
            let line = match tokio::time::timeout(REQUEST_WAIT, lines.next(&mut reader)).await {
                Ok(Some(line)) => line,
                Ok(None) | Err(_) => return,
            };
            let pending = match line {
                Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => continue,
                Ok(bytes) => match Request::parse(&bytes) {
                    Ok(request) => asker.submit(request),
                    Err(failure) => Pending::Ready(Box::new(Response::from(Err(failure)))),
                },
                Err(failure) => Pending::Ready(Box::new(Response::from(Err(failure)))),
            };
            if answers.send(pending).await.is_err() {
                return;
            }
        }
    };
    // The writer finishes what was read; a client that stops reading holds at most
    // IN_FLIGHT answers, and its reader stops with them.
    tokio::join!(read, write);
}

/// Splits a byte stream into lines of at most [`MAX_REQUEST_BYTES`]; a longer line is one
/// error, and the reader skips to the next newline.
#[derive(Default)]
struct LineReader {
    buf: Vec<u8>,
    /// In an over-long line: discard until its newline.
    skipping: bool,
    eof: bool,
}

impl LineReader {
    /// The next line (without its newline) or an error for an over-long one; `None` at the end.
    async fn next(
        &mut self,
        reader: &mut (impl AsyncReadExt + Unpin),
    ) -> Option<Result<Vec<u8>, Failure>> {
        loop {
            if let Some(end) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=end).take(end).collect();
                if std::mem::take(&mut self.skipping) {
                    continue;
                }
                return Some(Ok(line));
            }
            if self.buf.len() > MAX_REQUEST_BYTES {
                self.buf.clear();
                if !std::mem::replace(&mut self.skipping, true) {
                    return Some(Err(Failure::usage(format!(
                        "request too large (more than {MAX_REQUEST_BYTES} bytes without a \
                         newline)"
                    ))));
                }
            }
            if self.eof {
                let rest = std::mem::take(&mut self.buf);
                return (!rest.is_empty() && !self.skipping).then_some(Ok(rest));
            }
            let mut chunk = [0u8; 1024];
            match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => self.eof = true,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn lines(input: &[u8]) -> Vec<Result<Vec<u8>, Failure>> {
        let mut reader = input;
        let mut lines = LineReader::default();
        let mut out = Vec::new();
        while let Some(line) = lines.next(&mut reader).await {
            out.push(line);
        }
        out
    }

    #[tokio::test]
    async fn lines_are_split_and_bounded() {
        let mut input = b"one\ntwo\n".to_vec();
        input.extend(vec![b'x'; MAX_REQUEST_BYTES * 3]);
        input.extend(b"\nthree");
        let got = lines(&input).await;
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].as_deref().unwrap(), b"one");
        assert_eq!(got[1].as_deref().unwrap(), b"two");
        assert!(got[2].as_ref().unwrap_err().message.contains("too large"));
        assert_eq!(got[3].as_deref().unwrap(), b"three");
    }

    #[test]
    fn a_live_socket_is_refused_and_a_stale_one_replaced() {
        let dir = std::env::temp_dir().join(format!("vitrine-sock-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sub").join("control.sock");
        let first = bind(&path).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        let err = bind(&path).err().unwrap();
        assert!(err.downcast_ref::<UsageError>().is_some());
        assert!(
            err.to_string().contains("another vitrine is running"),
            "{err}"
        );
        // A crashed run leaves the file but nobody listens.
        let mut first = first;
        drop(first.listener.take());
        drop(first);
        assert!(path.exists());
        let second = bind(&path).unwrap();
        drop(second);
        assert!(!path.exists(), "removed on drop");
        std::fs::write(&path, "not a socket").unwrap();
        assert!(
            bind(&path)
                .err()
                .unwrap()
                .to_string()
                .contains("not a socket")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A place no socket can be made (`/proc`) is the user's path to fix: a usage error.
    #[test]
    fn a_socket_that_cannot_be_made_is_a_usage_error() {
        let err = bind(Path::new("/proc/vitrine-test.sock")).err().unwrap();
        assert!(err.downcast_ref::<UsageError>().is_some(), "{err:#}");
        assert!(
            err.to_string()
                .starts_with("cannot create control socket /proc/vitrine-test.sock: "),
            "{err:#}"
        );
    }
}

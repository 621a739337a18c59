//! Files the user names — the config, message files, `--image` art, `--logo` pictures, SSH key
//! files — opened without blocking, accepted only if they are regular files, and read up to a
//! size cap. A wrong path (a FIFO, `/dev/zero`, a directory, a huge log) fails at once with
//! one clear line instead of stalling the show or filling memory. Errors start with the path;
//! callers say what the file was for.

use std::fs::{self, File, Metadata};
use std::io::{self, Read as _};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The most a config or message file may hold: far more than any kiosk needs.
pub const MAX_TEXT_FILE: u64 = 1024 * 1024;

/// Opens the `what` (e.g. "key file") at `path` without blocking, refusing anything but a
/// regular file of at most `max` bytes.
pub fn open(path: &Path, what: &str, max: u64) -> Result<(File, Metadata), String> {
    let file = fs::OpenOptions::new()
        .read(true)
        // A FIFO opens at once instead of waiting for a writer; a tty does not become ours.
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match fs::read_link(path) {
            Ok(target) if e.kind() == io::ErrorKind::NotFound => format!(
                "{} is a symlink to {}, which does not exist; fix or remove the link",
                path.display(),
                target.display()
            ),
            _ if e.kind() == io::ErrorKind::NotFound => {
                format!("{} does not exist", path.display())
            }
            _ => format!("{}: cannot open: {e}", path.display()),
        })?;
    let meta = file
        .metadata()
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let kind = meta.file_type();
    let not_a_file = if kind.is_fifo() {
        "a FIFO (named pipe)".to_string()
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device".to_string()
    } else if kind.is_dir() {
        "a directory".to_string()
    } else if kind.is_socket() {
        "a socket".to_string()
    } else if meta.len() > max {
        // A regular file, just too big: "give the path of a regular file" would mislead.
        return Err(format!(
            "{} is too large for a {what} (over {})",
            path.display(),
            size(max)
        ));
    } else {
        return Ok((file, meta));
    };
    Err(format!(
        "{} is {not_a_file}, not a {what}; give the path of a regular file",
        path.display()
    ))
}

/// Reads `file` (opened from `path` by [`open`]) as UTF-8 text of at most `max` bytes.
pub fn read(file: File, path: &Path, max: u64) -> Result<String, String> {
    let bytes = read_bytes(file, path, max)?;
    String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))
}

/// Reads `file` (opened from `path` by [`open`]): at most `max` bytes.
pub fn read_bytes(file: File, path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    if bytes.len() as u64 > max {
        // It grew after it was opened.
        return Err(format!("{} is larger than {}", path.display(), size(max)));
    }
    Ok(bytes)
}

/// [`open`] then [`read`].
pub fn read_path(path: &Path, what: &str, max: u64) -> Result<String, String> {
    let (file, _) = open(path, what, max)?;
    read(file, path, max)
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{} KiB", bytes / 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_cap_are_read() {
        let read = |path: &str, max| read_path(Path::new(path), "message file", max);
        let err = read("/dev/zero", 1024).unwrap_err();
        assert_eq!(
            err,
            "/dev/zero is a device, not a message file; give the path of a regular file"
        );
        assert!(read("/", 1024).unwrap_err().contains("is a directory"));
        assert_eq!(
            read("/nonexistent/m.txt", 1024).unwrap_err(),
            "/nonexistent/m.txt does not exist"
        );
        let messages = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/messages.txt");
        assert!(read(messages, 1024 * 1024).is_ok());
        let too_large = read(messages, 4).unwrap_err();
        assert!(
            too_large.contains("is too large for a message file") && !too_large.contains("regular"),
            "a regular file that is too big is not told to be a regular file: {too_large}"
        );
    }
}

//! `vitrine ctl`: sends one command to a running show over its control socket and prints the
//! answer, for people (default) or scripts (`--json`, the response line as it came). Exits 0
//! when the show carried the command out, 2 when the command was wrong (unknown item, bad
//! duration) and 1 when it could not be carried out (no show running, busy).
//!
//! The [`protocol`] is shared with the show's side (`crate::control`), which depends on this
//! module and not the other way round.

pub mod protocol;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail};
use clap::Args;

use crate::error::UsageError;
use protocol::{FailureKind, Request, Response};

/// How long to wait for the show to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug, Args)]
#[command(after_help = CTL_HELP)]
pub struct CtlArgs {
    /// The show's control socket (default: $XDG_RUNTIME_DIR/vitrine/control.sock, as the show's
    /// --control-socket).
    #[arg(long, value_name = "PATH")]
    pub socket: Option<PathBuf>,

    /// Print the show's JSON response instead of a summary (for scripts).
    #[arg(long)]
    pub json: bool,

    #[command(subcommand)]
    pub request: Request,
}

pub const CTL_HELP: &str = "\
Examples:
  vitrine ctl status
  vitrine ctl goto water            vitrine ctl goto 2
  vitrine ctl say \"Meeting in room 3 starts in 5 minutes\" --for 5m --effect glitch
  vitrine ctl blank --for 1h        vitrine ctl wake
Exit status: 0 done, 2 the command was wrong, 1 no show answered or it could not do it.";

/// `$XDG_RUNTIME_DIR/vitrine/control.sock`, or `/tmp/vitrine-UID/control.sock` when there is
/// no runtime directory (a system service without a login session).
pub fn default_socket_path() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir).join("vitrine").join("control.sock"),
        None => {
            // SAFETY: getuid cannot fail.
            let uid = unsafe { libc::getuid() };
            std::env::temp_dir()
                .join(format!("vitrine-{uid}"))
                .join("control.sock")
        }
    }
}

/// Sends the command and prints the answer.
pub fn run(args: &CtlArgs, out: &mut dyn Write) -> Result<()> {
    args.request.validate().map_err(|f| UsageError(f.message))?;
    let path = args.socket.clone().unwrap_or_else(default_socket_path);
    let response = send(&path, &args.request)?;
    if args.json {
        out.write_all(response.to_line().as_bytes())?;
    } else if let Some(status) = &response.status {
        match args.request {
            Request::Status => write!(out, "{status}")?,
            _ => writeln!(out, "{}: done. {}", args.request.name(), status.summary())?,
        }
    }
    if response.ok {
        return Ok(());
    }
    let message = response.error.unwrap_or_else(|| "the show refused".into());
    Err(match response.kind {
        Some(FailureKind::Usage) => UsageError(message).into(),
        _ => anyhow!(message),
    })
}

/// One request, one response.
pub fn send(path: &std::path::Path, request: &Request) -> Result<Response> {
    let stream = UnixStream::connect(path).with_context(|| {
        format!(
            "no show answers on {} (is vitrine running? see --socket)",
            path.display()
        )
    })?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let mut line = serde_json::to_vec(request)?;
    line.push(b'\n');
    (&stream)
        .write_all(&line)
        .context("cannot send the command")?;
    let mut answer = String::new();
    match BufReader::new(&stream).take(1 << 20).read_line(&mut answer) {
        Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            bail!(
                "the show did not answer within {} s (it is busy or stalled)",
                TIMEOUT.as_secs()
            )
        }
        Err(err) => return Err(err).context("the show did not answer"),
        Ok(0) => bail!("the show closed the connection without answering"),
        Ok(_) => {}
    }
    serde_json::from_str(&answer)
        .with_context(|| format!("the show answered something unexpected: {}", answer.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A socket that takes the request and hangs up (a show crashing, something else at the
    /// path) is said so plainly, not as a JSON parse error of nothing.
    #[test]
    fn a_hang_up_without_an_answer_is_said_so() {
        let path = std::env::temp_dir().join(format!("vitrine-ctl-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let hang_up = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let _ = conn.read(&mut [0u8; 64]);
        });
        let err = send(&path, &Request::Status).unwrap_err();
        hang_up.join().unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            err.to_string(),
            "the show closed the connection without answering"
        );
    }
}

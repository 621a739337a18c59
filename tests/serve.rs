//! `vitrine serve` end to end: the real binary on 127.0.0.1 (an OS-chosen port) and russh's
//! client, so the tests need no system `ssh`. Every wait is bounded.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, Handle};
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{HashAlg, PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{Channel, ChannelMsg};
use tokio::time::timeout;

const ENTER_ALT: &[u8] = b"\x1b[?1049h";
const LEAVE_ALT: &[u8] = b"\x1b[?1049l";
const BEGIN_FRAME: &[u8] = b"\x1b[?2026h";
const CLEAR_SCREEN: &[u8] = b"\x1b[2J";
const WAIT: Duration = Duration::from_secs(10);

/// A server process with its own temporary directory; killed on drop.
struct Server {
    child: Child,
    port: u16,
    /// The host key fingerprint the server printed at start.
    fingerprint: String,
    stderr: Arc<Mutex<Vec<String>>>,
    dir: PathBuf,
}

impl Server {
    fn start(name: &str, extra: &[&str]) -> Server {
        let dir = std::env::temp_dir().join(format!("vitrine-serve-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("authorized_keys"),
            format!(
                "# the test's key\n{}\n",
                client_key(1).public_key().to_openssh().unwrap()
            ),
        )
        .unwrap();
        Server::start_in(dir, extra)
    }

    fn start_in(dir: PathBuf, extra: &[&str]) -> Server {
        let mut args = vec![
            "serve".to_string(),
            "--listen".into(),
            "127.0.0.1:0".into(),
            "--host-key".into(),
            dir.join("host_key").display().to_string(),
            "--effect".into(),
            "glitch".into(),
            "--seed".into(),
            "7".into(),
        ];
        if !extra.contains(&"--open") {
            args.push("--authorized-keys".into());
            args.push(dir.join("authorized_keys").display().to_string());
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start vitrine serve");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (mut port, mut fingerprint) = (0, String::new());
        for line in lines.by_ref() {
            let line = line.unwrap();
            stderr.lock().unwrap().push(line.clone());
            if let Some(at) = line.find("SHA256:") {
                fingerprint = line[at..].split_whitespace().next().unwrap().to_string();
            }
            if let Some(rest) = line.strip_prefix("vitrine serve: listening on 127.0.0.1:") {
                port = rest.split(';').next().unwrap().parse().unwrap();
                break;
            }
        }
        assert_ne!(port, 0, "no listening line: {:?}", stderr.lock().unwrap());
        // Keep draining the log so the server never blocks on a full pipe.
        let log = stderr.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                log.lock().unwrap().push(line);
            }
        });
        Server {
            child,
            port,
            fingerprint,
            stderr,
            dir,
        }
    }

    fn log(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// Waits for `text` in the server log (lines may follow the event they report).
    async fn wait_log(&self, text: &str) {
        let found = timeout(WAIT, async {
            while !self.log().contains(text) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        assert!(found.await.is_ok(), "'{text}' not logged:\n{}", self.log());
    }

    async fn connect(&self) -> (Handle<Client>, Arc<Mutex<Option<String>>>) {
        let seen = Arc::new(Mutex::new(None));
        let client = Client {
            server_key: seen.clone(),
        };
        let config = Arc::new(client::Config::default());
        let handle = timeout(
            WAIT,
            client::connect(config, ("127.0.0.1", self.port), client),
        )
        .await
        .expect("connect timed out")
        .expect("connect");
        (handle, seen)
    }

    /// Connects and authenticates with key number `key`; returns whether it was accepted.
    async fn login(&self, key: u8) -> (Handle<Client>, bool) {
        let (mut handle, _) = self.connect().await;
        let key = PrivateKeyWithHashAlg::new(Arc::new(client_key(key)), None);
        let result = timeout(WAIT, handle.authenticate_publickey("viewer", key))
            .await
            .expect("auth timed out")
            .expect("auth");
        (handle, result.success())
    }

    /// A logged-in connection with a showcase on an 80x24 pty.
    async fn showcase(&self) -> (Handle<Client>, Channel<client::Msg>) {
        let (handle, ok) = self.login(1).await;
        assert!(ok, "authorized key refused");
        let channel = handle.channel_open_session().await.expect("open session");
        channel
            .request_pty(true, "xterm-256color", 80, 24, 0, 0, &[])
            .await
            .unwrap();
        channel.request_shell(true).await.unwrap();
        (handle, channel)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A deterministic client key: number `n`.
fn client_key(n: u8) -> PrivateKey {
    PrivateKey::from(Ed25519Keypair::from_seed(&[n; 32]))
}

struct Client {
    server_key: Arc<Mutex<Option<String>>>,
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        if let PublicKeyOrCertificate::PublicKey { key, .. } = key {
            *self.server_key.lock().unwrap() = Some(key.fingerprint(HashAlg::Sha256).to_string());
        }
        Ok(true)
    }
}

/// What arrived on a channel while waiting.
#[derive(Default)]
struct Received {
    data: Vec<u8>,
    success: usize,
    failure: usize,
    exit_status: Option<u32>,
    closed: bool,
}

/// Reads `channel` until `done` says so (or the channel closes); panics after [`WAIT`].
async fn read_until(
    channel: &mut Channel<client::Msg>,
    received: &mut Received,
    done: impl Fn(&Received) -> bool,
) {
    let read = async {
        while !done(received) {
            match channel.wait().await {
                Some(ChannelMsg::Data { data }) => received.data.extend_from_slice(&data),
                Some(ChannelMsg::Success) => received.success += 1,
                Some(ChannelMsg::Failure) => received.failure += 1,
                Some(ChannelMsg::ExitStatus { exit_status }) => {
                    received.exit_status = Some(exit_status)
                }
                Some(ChannelMsg::Close) | None => {
                    received.closed = true;
                    return;
                }
                Some(_) => {}
            }
        }
    };
    if timeout(WAIT, read).await.is_err() {
        panic!(
            "timed out; received {} bytes, closed {}",
            received.data.len(),
            received.closed
        );
    }
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn frames_resize_and_quit() {
    let server = Server::start("frames", &[]);
    let (_handle, mut channel) = server.showcase().await;
    let mut got = Received::default();
    read_until(&mut channel, &mut got, |r| count(&r.data, BEGIN_FRAME) >= 3).await;
    assert_eq!(got.success, 2, "pty and shell requests granted");
    assert!(got.data.starts_with(ENTER_ALT), "alternate screen first");

    // A narrower window: the terminal clears and frames go on at the new size.
    channel.window_change(40, 12, 0, 0).await.unwrap();
    let before = got.data.len();
    read_until(&mut channel, &mut got, |r| {
        find(&r.data[before..], CLEAR_SCREEN)
            .is_some_and(|at| count(&r.data[before + at..], BEGIN_FRAME) >= 2)
    })
    .await;

    // q quits this session: restore sequence, exit status 0, channel closed.
    channel.data(&b"q"[..]).await.unwrap();
    read_until(&mut channel, &mut got, |r| r.closed).await;
    let leave = find(&got.data, LEAVE_ALT).expect("terminal restored");
    assert!(leave > before, "restore comes after the frames");
    assert_eq!(got.exit_status, Some(0));
    server.wait_log("showcase ended (Quit)").await;
}

#[tokio::test]
async fn unknown_key_and_passwords_are_refused() {
    let server = Server::start("refused", &[]);
    let (mut handle, ok) = server.login(2).await;
    assert!(!ok, "a key not in authorized_keys got in");
    let password = timeout(WAIT, handle.authenticate_password("viewer", "hunter2"))
        .await
        .unwrap()
        .unwrap();
    assert!(!password.success());
    let none = timeout(WAIT, handle.authenticate_none("viewer"))
        .await
        .unwrap()
        .unwrap();
    assert!(!none.success());
}

#[tokio::test]
async fn commands_and_subsystems_are_refused() {
    let server = Server::start("exec", &[]);
    // `ssh host cmd`: an exec request. Refused; nothing runs.
    let (handle, ok) = server.login(1).await;
    assert!(ok);
    let mut channel = handle.channel_open_session().await.unwrap();
    channel
        .exec(true, "touch /tmp/should-not-exist")
        .await
        .unwrap();
    let mut got = Received::default();
    read_until(&mut channel, &mut got, |r| r.closed).await;
    assert_eq!((got.success, got.failure), (0, 1));
    // `sftp`: a subsystem request, on a new connection.
    let (handle, _) = server.login(1).await;
    let mut channel = handle.channel_open_session().await.unwrap();
    channel.request_subsystem(true, "sftp").await.unwrap();
    let mut got = Received::default();
    read_until(&mut channel, &mut got, |r| r.closed).await;
    assert_eq!((got.success, got.failure), (0, 1));
    // A second session channel on one connection is refused too.
    let (handle, _) = server.showcase().await;
    assert!(handle.channel_open_session().await.is_err());
    server
        .wait_log("refused: this server only shows a showcase")
        .await;
    server.wait_log("no subsystems here (sftp refused)").await;
    server.wait_log("refused: a second session channel").await;
}

#[tokio::test]
async fn max_sessions_is_enforced() {
    let server = Server::start("max", &["--max-sessions", "1"]);
    let (_first, mut first) = server.showcase().await;
    let mut got = Received::default();
    read_until(&mut first, &mut got, |r| count(&r.data, BEGIN_FRAME) >= 1).await;

    let (_second, mut second) = server.showcase().await;
    let mut refused = Received::default();
    read_until(&mut second, &mut refused, |r| r.closed).await;
    let text = String::from_utf8_lossy(&refused.data);
    assert!(text.contains("all 1 sessions are in use"), "{text}");
    assert_eq!(refused.exit_status, Some(1));
    assert!(
        find(&refused.data, ENTER_ALT).is_none(),
        "no showcase for the extra viewer"
    );

    // The first session is unaffected, and once it quits its slot is free again.
    let before = got.data.len();
    read_until(&mut first, &mut got, |r| {
        count(&r.data[before..], BEGIN_FRAME) >= 1
    })
    .await;
    first.data(&b"q"[..]).await.unwrap();
    read_until(&mut first, &mut got, |r| r.closed).await;
    let (_third, mut third) = server.showcase().await;
    let mut got = Received::default();
    read_until(&mut third, &mut got, |r| count(&r.data, BEGIN_FRAME) >= 1).await;
}

#[tokio::test]
async fn sigterm_restores_every_client_and_exits_0() {
    let mut server = Server::start("sigterm", &[]);
    let (_a, mut a) = server.showcase().await;
    let (_b, mut b) = server.showcase().await;
    let (mut got_a, mut got_b) = (Received::default(), Received::default());
    read_until(&mut a, &mut got_a, |r| count(&r.data, BEGIN_FRAME) >= 1).await;
    read_until(&mut b, &mut got_b, |r| count(&r.data, BEGIN_FRAME) >= 1).await;

    // SAFETY: plain kill(2) on our own child.
    assert_eq!(
        unsafe { libc::kill(server.child.id() as i32, libc::SIGTERM) },
        0
    );
    for (channel, got) in [(&mut a, &mut got_a), (&mut b, &mut got_b)] {
        read_until(channel, got, |r| r.closed).await;
        assert!(
            find(&got.data, LEAVE_ALT).is_some(),
            "terminal not restored"
        );
        assert!(String::from_utf8_lossy(&got.data).contains("shutting down"));
    }
    let status = timeout(WAIT, async {
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("server did not exit");
    assert_eq!(status.code(), Some(0), "{}", server.log());
}

#[tokio::test]
async fn open_mode_needs_no_key_and_warns() {
    let server = Server::start("open", &["--open"]);
    let (mut handle, _) = server.connect().await;
    let none = timeout(WAIT, handle.authenticate_none("anyone"))
        .await
        .unwrap()
        .unwrap();
    assert!(none.success());
    assert!(server.log().contains("WARNING: --open"), "{}", server.log());
}

#[tokio::test]
async fn host_key_persists_and_clients_see_its_fingerprint() {
    let first = Server::start("hostkey", &[]);
    let (_handle, seen) = first.connect().await;
    assert!(first.fingerprint.starts_with("SHA256:"));
    assert_eq!(
        seen.lock().unwrap().as_deref(),
        Some(first.fingerprint.as_str())
    );
    let dir = first.dir.clone();
    // Restart on the same key file (copied, since dropping `first` removes its directory).
    let key = std::fs::read(dir.join("host_key")).unwrap();
    let again_dir = dir.with_extension("again");
    let _ = std::fs::remove_dir_all(&again_dir);
    std::fs::create_dir_all(&again_dir).unwrap();
    write_private(&again_dir.join("host_key"), &key);
    std::fs::copy(
        dir.join("authorized_keys"),
        again_dir.join("authorized_keys"),
    )
    .unwrap();
    drop(first);
    let again = Server::start_in(again_dir, &[]);
    let (_handle, seen) = again.connect().await;
    assert_eq!(
        seen.lock().unwrap().as_deref(),
        Some(again.fingerprint.as_str())
    );
    assert!(
        !again.log().contains(", new)"),
        "key regenerated: {}",
        again.log()
    );
}

fn write_private(path: &Path, bytes: &[u8]) {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    std::io::Write::write_all(&mut file, bytes).unwrap();
}

#[test]
fn usage_errors_are_one_line_exit_2() {
    for args in [
        &["serve"][..],
        &["serve", "--open", "--authorized-keys", "x"],
        &["serve", "--authorized-keys", "/nonexistent/keys"],
        &["serve", "--open", "--listen", "nowhere"],
        &["serve", "--open", "--max-sessions", "0"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .args(args)
            .env("HOME", "/nonexistent")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
}

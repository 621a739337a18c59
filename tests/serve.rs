//! `vitrine serve` end to end: the real binary on 127.0.0.1 (an OS-chosen port) and russh's
//! client, so the tests need no system `ssh`. Every wait is bounded.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use russh::client::{self, Handle};
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{HashAlg, PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{Channel, ChannelMsg};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
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
            if let Some((_, rest)) = line.split_once("listening on 127.0.0.1:") {
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
        self.connect_with(self.port, client::Config::default())
            .await
    }

    /// Connects to `port` (the server's, or a proxy's in front of it).
    async fn connect_with(
        &self,
        port: u16,
        config: client::Config,
    ) -> (Handle<Client>, Arc<Mutex<Option<String>>>) {
        let seen = Arc::new(Mutex::new(None));
        let client = Client {
            server_key: seen.clone(),
        };
        let config = Arc::new(config);
        let handle = timeout(WAIT, client::connect(config, ("127.0.0.1", port), client))
            .await
            .expect("connect timed out")
            .expect("connect");
        (handle, seen)
    }

    /// Connects and authenticates with key number `key`; returns whether it was accepted.
    async fn login(&self, key: u8) -> (Handle<Client>, bool) {
        self.login_with(key, self.port, client::Config::default())
            .await
    }

    async fn login_with(
        &self,
        key: u8,
        port: u16,
        config: client::Config,
    ) -> (Handle<Client>, bool) {
        let (mut handle, _) = self.connect_with(port, config).await;
        let key = PrivateKeyWithHashAlg::new(Arc::new(client_key(key)), None);
        let result = timeout(WAIT, handle.authenticate_publickey("viewer", key))
            .await
            .expect("auth timed out")
            .expect("auth");
        (handle, result.success())
    }

    /// A logged-in connection with a showcase on an 80x24 pty.
    async fn showcase(&self) -> (Handle<Client>, Channel<client::Msg>) {
        self.showcase_sized(80, 24, self.port, client::Config::default())
            .await
    }

    async fn showcase_sized(
        &self,
        cols: u32,
        rows: u32,
        port: u16,
        config: client::Config,
    ) -> (Handle<Client>, Channel<client::Msg>) {
        let (handle, ok) = self.login_with(1, port, config).await;
        assert!(ok, "authorized key refused");
        let channel = handle.channel_open_session().await.expect("open session");
        channel
            .request_pty(true, "xterm-256color", cols, rows, 0, 0, &[])
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
    stderr: Vec<u8>,
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
                Some(ChannelMsg::ExtendedData { data, ext: 1 }) => {
                    received.stderr.extend_from_slice(&data)
                }
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
    let (handle, mut channel) = server.showcase().await;
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
    // The connection ends with its showcase, even if the client keeps it open.
    wait_closed(&handle).await;
}

/// Waits (bounded) until the server has closed `handle`'s connection.
async fn wait_closed(handle: &Handle<Client>) {
    let closed = timeout(WAIT, async {
        while !handle.is_closed() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    assert!(closed.await.is_ok(), "connection kept open");
}

#[tokio::test]
async fn unknown_key_and_passwords_are_refused_and_logged() {
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
    // One line per failure: address, method, and the key's fingerprint.
    let wrong = client_key(2)
        .public_key()
        .fingerprint(HashAlg::Sha256)
        .to_string();
    server
        .wait_log(&format!(
            "authentication failed: publickey key ssh-ed25519 {wrong} for user \"viewer\""
        ))
        .await;
    server
        .wait_log("authentication failed: password for user \"viewer\"")
        .await;
    let log = server.log();
    let line = log.lines().find(|l| l.contains("password for")).unwrap();
    assert!(line.contains("127.0.0.1:"), "no address: {line}");
    assert!(!log.contains("hunter2"), "password logged");

    // Offering key after key: cut off at the sixth failure, like OpenSSH's MaxAuthTries.
    let (mut handle, _) = server.connect().await;
    for n in 2..=7 {
        let key = PrivateKeyWithHashAlg::new(Arc::new(client_key(n)), None);
        match timeout(WAIT, handle.authenticate_publickey("viewer", key)).await {
            Ok(Ok(result)) => assert!(!result.success()),
            Ok(Err(_)) => break,
            Err(_) => panic!("auth hung"),
        }
    }
    wait_closed(&handle).await;
    server
        .wait_log("closed: too many authentication attempts")
        .await;
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
    // Granted and ended like a failed program, so clients print the reason.
    let mut got = Received::default();
    read_until(&mut channel, &mut got, |r| r.closed).await;
    assert_eq!((got.success, got.failure), (1, 0));
    assert_eq!(got.exit_status, Some(1));
    assert!(got.data.is_empty(), "stdout: {:?}", got.data);
    let stderr = String::from_utf8_lossy(&got.stderr);
    assert!(
        stderr.contains("runs no commands; connect with ssh -t"),
        "{stderr}"
    );
    // `sftp`: a subsystem request, on a new connection.
    let (handle, _) = server.login(1).await;
    let mut channel = handle.channel_open_session().await.unwrap();
    channel.request_subsystem(true, "sftp").await.unwrap();
    let mut got = Received::default();
    read_until(&mut channel, &mut got, |r| r.closed).await;
    assert_eq!((got.success, got.exit_status), (1, Some(1)));
    assert!(String::from_utf8_lossy(&got.stderr).contains("runs no commands"));
    // A second session channel on one connection is refused too.
    let (handle, _) = server.showcase().await;
    assert!(handle.channel_open_session().await.is_err());
    server
        .wait_log("refused 1 request(s), the first: a command")
        .await;
    server
        .wait_log("refused 1 request(s), the first: the sftp subsystem")
        .await;
    let _ = handle
        .disconnect(russh::Disconnect::ByApplication, "", "")
        .await;
    server
        .wait_log("refused 1 request(s), the first: a second session channel")
        .await;
}

#[tokio::test]
async fn refused_requests_are_counted_and_cut_off() {
    let server = Server::start("flood", &[]);
    let (handle, ok) = server.login(1).await;
    assert!(ok);
    // A client asking for port forwards again and again: refused, counted, disconnected
    // after 16, with one log line for all of them.
    for _ in 0..40 {
        let forward = handle.channel_open_direct_tcpip("localhost", 22, "127.0.0.1", 5000);
        match timeout(WAIT, forward).await {
            Ok(Ok(_)) => panic!("port forwarding granted"),
            Ok(Err(_)) if handle.is_closed() => break,
            Ok(Err(_)) => {}
            Err(_) => panic!("channel open hung"),
        }
    }
    wait_closed(&handle).await;
    server
        .wait_log(
            "refused 16 request(s), the first: port forwarding; disconnected for asking too often",
        )
        .await;
    assert_eq!(server.log().matches("port forwarding").count(), 1);
}

#[tokio::test]
async fn the_show_goes_on_after_client_eof() {
    let server = Server::start("eof", &[]);
    let (_handle, mut channel) = server.showcase().await;
    let mut got = Received::default();
    read_until(&mut channel, &mut got, |r| count(&r.data, BEGIN_FRAME) >= 1).await;
    // `ssh -tt host </dev/null`: the client's input ends at once.
    channel.eof().await.unwrap();
    let before = count(&got.data, BEGIN_FRAME);
    read_until(&mut channel, &mut got, |r| {
        count(&r.data, BEGIN_FRAME) >= before + 10
    })
    .await;
    assert!(!got.closed);
    // Closing the channel still ends it.
    channel.close().await.unwrap();
    server.wait_log("showcase ended (Closed)").await;
}

#[tokio::test]
async fn authorized_keys_are_reread_when_the_file_changes() {
    let server = Server::start("reload", &[]);
    let (_, ok) = server.login(2).await;
    assert!(!ok);
    // Revoke key 1, authorize key 2: a new file renamed over the old one.
    let next = server.dir.join("authorized_keys.new");
    std::fs::write(
        &next,
        client_key(2).public_key().to_openssh().unwrap() + "\n",
    )
    .unwrap();
    std::fs::rename(&next, server.dir.join("authorized_keys")).unwrap();
    // Within a second, for new connections.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (_, ok) = server.login(1).await;
    assert!(!ok, "revoked key still accepted");
    let (_, ok) = server.login(2).await;
    assert!(ok, "new key refused");
    server.wait_log("re-read: 1 authorized key(s)").await;
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
    assert!(
        server.log().contains("WARN: !!! --open: ANYONE"),
        "{}",
        server.log()
    );
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
        &["serve", "--open", "--max-startups", "0"],
        &["serve", "--open", "--proxy-protocol"],
        &[
            "serve",
            "--open",
            "--proxy-protocol",
            "--trusted-proxy",
            "10.0.0.0/33",
        ],
    ] {
        let out = run_bounded(Command::new(env!("CARGO_BIN_EXE_vitrine")).args(args));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
}

/// What each kind of bad key file says is checked in `server::auth`; here, that start-up
/// ends with that one line naming the file, exit status 2, and never hangs on a FIFO.
#[test]
fn bad_key_files_are_named_with_what_to_do() {
    let dir = std::env::temp_dir().join(format!("vitrine-serve-keyfiles-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("fifo");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let keys = dir.join("keys");
    std::fs::write(&keys, "").unwrap();
    let cases: [(&[&str], &Path, &str); 3] = [
        (
            &["--open", "--host-key"],
            &fifo,
            "is a FIFO (named pipe), not a key file",
        ),
        (&["--authorized-keys"], &fifo, "is a FIFO (named pipe)"),
        (&["--authorized-keys"], &keys, "lists no keys"),
    ];
    for (flags, path, want) in cases {
        let mut command = Command::new(env!("CARGO_BIN_EXE_vitrine"));
        command.arg("serve").args(flags).arg(path);
        if flags[0] == "--authorized-keys" {
            command.arg("--host-key").arg(dir.join("host_key"));
        }
        // A FIFO must not hang start-up: bounded.
        let out = run_bounded(&mut command);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?} {path:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.contains(&path.display().to_string()),
            "path not named: {err}"
        );
        assert!(err.contains(want), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs a command that should exit promptly; kills it after [`WAIT`].
fn run_bounded(command: &mut Command) -> std::process::Output {
    run_within(WAIT, command)
}

/// Runs a command; kills it after `limit`.
fn run_within(limit: Duration, command: &mut Command) -> std::process::Output {
    let mut child = command
        .env("HOME", "/nonexistent")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("{command:?} did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn idle_and_auth_timeouts_close_connections() {
    // A viewer who never presses a key: restored and told why.
    let server = Server::start("idle", &["--idle-timeout", "300ms"]);
    let (_handle, mut channel) = server.showcase().await;
    let mut got = Received::default();
    read_until(&mut channel, &mut got, |r| r.closed).await;
    assert!(find(&got.data, LEAVE_ALT).is_some());
    assert!(String::from_utf8_lossy(&got.data).contains("without a key press"));
    // A client that never authenticates is dropped (2 s: the handshake itself must fit in).
    let server = Server::start("auth-timeout", &["--auth-timeout", "2s"]);
    let (handle, _) = server.connect().await;
    // An authenticated client that never asks for a showcase is dropped too.
    let (authenticated, ok) = server.login(1).await;
    assert!(ok);
    wait_closed(&handle).await;
    wait_closed(&authenticated).await;
    server.wait_log("authentication timed out").await;
    server.wait_log("no showcase requested in time").await;
}

#[tokio::test]
async fn connection_rate_is_limited_per_address() {
    let server = Server::start("rate", &["--rate-limit", "2"]);
    let (_a, _) = server.connect().await;
    let (_b, _) = server.connect().await;
    let third = timeout(
        WAIT,
        client::connect(
            Arc::new(client::Config::default()),
            ("127.0.0.1", server.port),
            Client {
                server_key: Arc::default(),
            },
        ),
    )
    .await
    .expect("third connect hung");
    assert!(third.is_err(), "third connection within a minute accepted");
    server.wait_log("connecting too often").await;
}

/// A TCP proxy in front of the server whose server-to-client direction can be stalled, like
/// a link that stops delivering; the other direction keeps flowing.
struct StallingProxy {
    port: u16,
    stalled: watch::Sender<bool>,
}

impl StallingProxy {
    async fn start(upstream: u16) -> StallingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stalled, mut stall) = watch::channel(false);
        tokio::spawn(async move {
            let (client, _) = listener.accept().await.unwrap();
            let server = TcpStream::connect(("127.0.0.1", upstream)).await.unwrap();
            let (mut client_read, mut client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            tokio::spawn(async move {
                let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
            });
            let mut buf = vec![0; 16 * 1024];
            loop {
                // While stalled, nothing is read from the server.
                if stall.wait_for(|s| !*s).await.is_err() {
                    return;
                }
                let n = match server_read.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                if client_write.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        });
        StallingProxy { port, stalled }
    }
}

#[tokio::test]
async fn a_client_that_stops_reading_does_not_stall_others() {
    let server = Server::start("slow", &[]);
    let proxy = StallingProxy::start(server.port).await;
    // A viewer behind a link that stops delivering, with a huge screen that it makes the
    // server redraw in full again and again (each resize). Its SSH window (64 KiB) runs out,
    // so the server's sends to it wait, and it must skip frames instead of queueing them.
    let small = client::Config {
        window_size: 64 * 1024,
        ..client::Config::default()
    };
    let (_slow_handle, slow) = server.showcase_sized(600, 200, proxy.port, small).await;
    let (mut slow, slow_tx) = slow.split();
    let slow_got = Arc::new(Mutex::new(Received::default()));
    let reader = {
        let got = slow_got.clone();
        tokio::spawn(async move {
            while let Some(msg) = slow.wait().await {
                if let ChannelMsg::Data { data } = msg {
                    got.lock().unwrap().data.extend_from_slice(&data);
                }
            }
            got.lock().unwrap().closed = true;
        })
    };
    proxy.stalled.send_replace(true);
    for i in 0..60u32 {
        timeout(WAIT, slow_tx.window_change(600 - i % 2, 200, 0, 0))
            .await
            .unwrap()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Meanwhile another viewer gets a steady stream of frames.
    let (_fast_handle, mut fast) = server.showcase().await;
    let mut got = Received::default();
    read_until(&mut fast, &mut got, |r| count(&r.data, BEGIN_FRAME) >= 20).await;

    // The link recovers; the slow viewer quits and still gets its terminal restored.
    proxy.stalled.send_replace(false);
    slow_tx.data(&b"q"[..]).await.unwrap();
    timeout(WAIT, reader).await.unwrap().unwrap();
    assert!(find(&slow_got.lock().unwrap().data, LEAVE_ALT).is_some());
    server.wait_log("showcase ended (Quit)").await;
    let log = server.log();
    let line = log
        .lines()
        .find(|l| l.contains("] showcase ended (Quit)"))
        .unwrap();
    let skipped: u64 = line
        .split(", ")
        .find_map(|part| part.strip_suffix(" skipped for a slow client"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no skip count: {line}"));
    eprintln!("{line}");
    assert!(skipped > 0, "frames were queued instead of skipped: {line}");
}

/// A viewer's colour depth comes from the same detection as a local terminal's, applied to
/// the TERM and colour variables its client sent: plain `xterm` is 16 colours in both places,
/// and a client passing COLORTERM=truecolor (OpenSSH `SendEnv COLORTERM`) gets truecolor.
#[tokio::test]
async fn viewer_colours_follow_the_local_rules_on_the_clients_terminal() {
    let server = Server::start("colours", &[]);
    for (term, colorterm, want) in [
        ("xterm", None, "colours=Ansi16"),
        ("xterm", Some("truecolor"), "colours=TrueColor"),
    ] {
        let (handle, ok) = server
            .login_with(1, server.port, client::Config::default())
            .await;
        assert!(ok, "authorized key refused");
        let mut channel = handle.channel_open_session().await.expect("open session");
        if let Some(value) = colorterm {
            channel.set_env(true, "COLORTERM", value).await.unwrap();
        }
        channel
            .request_pty(true, term, 80, 24, 0, 0, &[])
            .await
            .unwrap();
        channel.request_shell(true).await.unwrap();
        server.wait_log(&format!("TERM={term} {want}")).await;
        channel.data(&b"q"[..]).await.unwrap();
        let mut got = Received::default();
        read_until(&mut channel, &mut got, |r| {
            find(&r.data, LEAVE_ALT).is_some()
        })
        .await;
    }
}

/// Keeps one connection from 127.0.0.`host` open that sends only an SSH version line, over
/// and over, like the attack in issue 17: whenever the server lets go, it reconnects.
async fn hold_a_startup(host: u8, port: u16, stop: Arc<AtomicBool>, holding: Arc<AtomicUsize>) {
    while !stop.load(Ordering::Relaxed) {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(([127, 0, 0, host], 0).into()).unwrap();
        if let Ok(mut stream) = socket.connect(([127, 0, 0, 1], port).into()).await {
            holding.fetch_add(1, Ordering::Relaxed);
            let _ = stream.write_all(b"SSH-2.0-x\r\n").await;
            let mut buf = [0; 4096];
            while let Ok(1..) = stream.read(&mut buf).await {}
            holding.fetch_sub(1, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_addresses_do_not_lock_key_holders_out() {
    // 40 slots in all: 8 addresses can take every one (8 each), so the key holder gets in
    // only by evicting one of theirs.
    let server = Server::start(
        "startups",
        &[
            "--rate-limit",
            "0",
            "--auth-timeout",
            "3s",
            "--max-startups",
            "40",
        ],
    );
    let stop = Arc::new(AtomicBool::new(false));
    let holding = Arc::new(AtomicUsize::new(0));
    // 8 addresses, each trying to hold more connections than it is allowed.
    let attackers: Vec<_> = (2..=9u8)
        .flat_map(|host| (0..12).map(move |_| host))
        .map(|host| {
            tokio::spawn(hold_a_startup(
                host,
                server.port,
                stop.clone(),
                holding.clone(),
            ))
        })
        .collect();
    // Wait until they hold every slot and are being turned away.
    server.wait_log("dropped: ").await;
    let filled = timeout(WAIT, async {
        while holding.load(Ordering::Relaxed) < 40 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    assert!(
        filled.await.is_ok(),
        "attackers hold only {}",
        holding.load(Ordering::Relaxed)
    );

    let mut got_in = 0;
    for _ in 0..20 {
        let attempt = timeout(Duration::from_secs(5), async {
            let config = Arc::new(client::Config::default());
            let client = Client {
                server_key: Arc::default(),
            };
            let mut handle = client::connect(config, ("127.0.0.1", server.port), client)
                .await
                .ok()?;
            let key = PrivateKeyWithHashAlg::new(Arc::new(client_key(1)), None);
            let result = handle.authenticate_publickey("viewer", key).await.ok()?;
            let _ = handle
                .disconnect(russh::Disconnect::ByApplication, "", "")
                .await;
            Some(result.success())
        });
        if attempt.await == Ok(Some(true)) {
            got_in += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for attacker in attackers {
        attacker.abort();
    }
    assert!(
        got_in >= 19,
        "the key holder got in {got_in} times of 20:\n{}",
        server.log()
    );
    assert!(server.log().contains("closed: evicted"), "{}", server.log());
}

/// An SSH_MSG_KEXINIT packet offering ordinary algorithms, to stop right after it.
fn kexinit_packet() -> Vec<u8> {
    let mut payload = vec![20u8];
    payload.extend([7u8; 16]);
    for list in [
        "curve25519-sha256",
        "ssh-ed25519",
        "aes128-ctr",
        "aes128-ctr",
        "hmac-sha2-256",
        "hmac-sha2-256",
        "none",
        "none",
        "",
        "",
    ] {
        payload.extend((list.len() as u32).to_be_bytes());
        payload.extend(list.as_bytes());
    }
    payload.push(0);
    payload.extend(0u32.to_be_bytes());
    let mut padding = 8 - (5 + payload.len()) % 8;
    if padding < 4 {
        padding += 8;
    }
    let mut packet = ((1 + payload.len() + padding) as u32)
        .to_be_bytes()
        .to_vec();
    packet.push(padding as u8);
    packet.extend(payload);
    packet.extend(vec![0; padding]);
    packet
}

/// Connects, sends `opening`, then (if `drip`) one more byte every 100 ms; returns how long
/// the server kept the socket open.
async fn time_until_closed(port: u16, opening: Vec<u8>, drip: bool) -> Duration {
    let started = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let _ = stream.write_all(&opening).await;
    let (mut read, mut write) = stream.into_split();
    let dripping = async move {
        while drip && write.write_all(b"a").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        std::future::pending::<()>().await;
    };
    let closed = async move {
        let mut buf = [0; 4096];
        while let Ok(1..) = read.read(&mut buf).await {}
    };
    tokio::select! {
        () = dripping => unreachable!(),
        () = closed => {}
        () = tokio::time::sleep(WAIT) => panic!("socket still open after {WAIT:?}"),
    }
    started.elapsed()
}

#[tokio::test]
async fn no_socket_outlives_the_auth_timeout() {
    let server = Server::start("deadline", &["--auth-timeout", "1s", "--rate-limit", "0"]);
    let banner = b"SSH-2.0-x\r\n".to_vec();
    let mut kex = banner.clone();
    kex.extend(kexinit_packet());
    let cases = [
        ("nothing", Vec::new(), false),
        ("banner only", banner.clone(), false),
        ("banner and KEXINIT", kex, false),
        ("a banner one byte every 100 ms", b"SSH-2.0-".to_vec(), true),
    ];
    let port = server.port;
    let timed: Vec<_> = cases
        .into_iter()
        .map(|(what, opening, drip)| (what, tokio::spawn(time_until_closed(port, opening, drip))))
        .collect();
    // And a client that finished key exchange but never authenticates.
    let started = Instant::now();
    let (handle, _) = server.connect().await;
    wait_closed(&handle).await;
    let mut results = vec![("key exchange done", started.elapsed())];
    for (what, task) in timed {
        results.push((what, task.await.unwrap()));
    }
    for (what, open) in results {
        // The timeout runs from the TCP accept; a second of slack on top, none below.
        assert!(
            open >= Duration::from_millis(900) && open <= Duration::from_secs(2),
            "{what}: socket open {open:?} with --auth-timeout 1s\n{}",
            server.log()
        );
    }
}

/// The test's key (number 1) as an OpenSSH private key file, for clients other than russh.
fn key_file(server: &Server) -> PathBuf {
    let key = server.dir.join("id_ed25519");
    if !key.exists() {
        let text = client_key(1)
            .to_openssh(russh::keys::ssh_key::LineEnding::LF)
            .unwrap();
        write_private(&key, text.as_bytes());
    }
    key
}

/// The system's OpenSSH client with the test's key, or None (with a note) without one.
fn openssh(server: &Server) -> Option<Command> {
    if Command::new("ssh").arg("-V").output().is_err() {
        assert!(
            std::env::var_os("VITRINE_REQUIRE_TOOLS").is_none(),
            "ssh (openssh-client) is required"
        );
        eprintln!("note: skipped, no ssh (install openssh-client)");
        return None;
    }
    let key = key_file(server);
    let mut ssh = Command::new("ssh");
    ssh.args([
        "-F",
        "/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "LogLevel=ERROR",
    ])
    .args([
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
    ])
    .arg("-i")
    .arg(&key)
    .args(["-p", &server.port.to_string(), "-l", "viewer"]);
    Some(ssh)
}

#[test]
fn openssh_users_read_why_commands_are_refused() {
    let server = Server::start("openssh-exec", &[]);
    let Some(mut ssh) = openssh(&server) else {
        return;
    };
    let out = run_bounded(ssh.args(["127.0.0.1", "ls"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("vitrine: this server runs no commands; connect with ssh -t"),
        "{err}"
    );
}

#[test]
fn openssh_with_no_input_still_gets_frames() {
    let server = Server::start("openssh-eof", &[]);
    let Some(mut ssh) = openssh(&server) else {
        return;
    };
    // `ssh -tt host </dev/null`.
    let mut child = ssh
        .args(["-tt", "127.0.0.1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let mut buf = [0; 16 * 1024];
        let started = Instant::now();
        while count(&all, BEGIN_FRAME) < 20 && started.elapsed() < WAIT {
            match std::io::Read::read(&mut stdout, &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => all.extend_from_slice(&buf[..n]),
            }
        }
        all
    });
    let started = Instant::now();
    while !reader.is_finished() && started.elapsed() < WAIT {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let frames = count(&reader.join().unwrap(), BEGIN_FRAME);
    assert!(frames >= 20, "{frames} frames after EOF\n{}", server.log());
}

#[test]
fn openssh_uses_the_cipher_the_server_offers() {
    let server = Server::start(
        "ciphers",
        &["--ciphers", "aes128-gcm@openssh.com,aes256-gcm@openssh.com"],
    );
    let Some(mut ssh) = openssh(&server) else {
        return;
    };
    // The command is refused after the key exchange; `-v` shows what it settled on.
    let out = run_bounded(ssh.args(["-v", "127.0.0.1", "true"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("kex: server->client cipher: aes128-gcm@openssh.com"),
        "{err}"
    );
    // A client that asks only for ChaCha20 finds nothing in common (said at `-v` level).
    let mut ssh = openssh(&server).unwrap();
    let only_chacha = [
        "-v",
        "-c",
        "chacha20-poly1305@openssh.com",
        "127.0.0.1",
        "true",
    ];
    let out = run_bounded(ssh.args(only_chacha));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(255), "{err}");
    assert!(err.contains("no matching cipher found"), "{err}");
}

#[test]
fn an_open_server_on_a_cpu_with_aes_offers_openssh_aes_gcm() {
    let server = Server::start("open-ciphers", &["--open"]);
    let log = server.log();
    let offered = log
        .lines()
        .find_map(|line| line.split("ciphers offered: ").nth(1))
        .unwrap_or_else(|| panic!("no ciphers line\n{log}"))
        .to_string();
    let Some(mut ssh) = openssh(&server) else {
        return;
    };
    let out = run_bounded(ssh.args(["-v", "127.0.0.1", "true"]));
    let err = String::from_utf8_lossy(&out.stderr);
    // OpenSSH asks for ChaCha20 first: it gets it only where the server still offers it.
    let expected = if offered.starts_with("aes128-gcm@openssh.com") {
        assert_eq!(offered, "aes128-gcm@openssh.com,aes256-gcm@openssh.com");
        "aes128-gcm@openssh.com"
    } else {
        "chacha20-poly1305@openssh.com"
    };
    assert!(
        err.contains(&format!("kex: server->client cipher: {expected}")),
        "offered {offered}\n{err}"
    );
}

/// Asks for a signal with `want reply` set (which `ssh` never does, so python's asyncssh does
/// it) on a running showcase, and prints the server's answer.
const SIGNAL_WANTING_A_REPLY: &str = r#"
import asyncio, sys
import asyncssh
from asyncssh.packet import String

async def main(port, key):
    async with asyncssh.connect("127.0.0.1", port, username="viewer", client_keys=[key],
                                known_hosts=None) as conn:
        chan, _ = await conn.create_session(asyncssh.SSHClientSession, term_type="xterm",
                                            term_size=(80, 24))
        reply = await asyncio.wait_for(chan._make_request(b"signal", String("INT")), 10)
        print("reply:", reply)

asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
"#;

#[test]
fn a_signal_wanting_a_reply_gets_one() {
    let has_asyncssh = Command::new("python3")
        .args(["-c", "import asyncssh"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !has_asyncssh {
        assert!(
            std::env::var_os("VITRINE_REQUIRE_TOOLS").is_none(),
            "python3 with asyncssh is required (pip install asyncssh)"
        );
        eprintln!("note: skipped, no python3 asyncssh (pip install asyncssh)");
        return;
    }
    let server = Server::start("signal", &[]);
    let key = key_file(&server);
    let out = run_bounded(
        Command::new("python3")
            .args(["-c", SIGNAL_WANTING_A_REPLY, &server.port.to_string()])
            .arg(&key),
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    // Refused (there is no process to signal), but answered.
    assert_eq!(
        printed.trim(),
        "reply: False",
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.log()
    );
}

/// Connects from 127.0.0.`host` as a load balancer would: `header` first, then SSH. Returns
/// whether key 1 got in, or None if the server dropped the connection.
async fn login_through_proxy(server: &Server, host: u8, header: &[u8]) -> Option<bool> {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(([127, 0, 0, host], 0).into()).unwrap();
    let mut stream = socket
        .connect(([127, 0, 0, 1], server.port).into())
        .await
        .unwrap();
    stream.write_all(header).await.unwrap();
    let client = Client {
        server_key: Arc::default(),
    };
    let config = Arc::new(client::Config::default());
    let mut handle = timeout(WAIT, client::connect_stream(config, stream, client))
        .await
        .expect("connect hung")
        .ok()?;
    let key = PrivateKeyWithHashAlg::new(Arc::new(client_key(1)), None);
    let result = timeout(WAIT, handle.authenticate_publickey("viewer", key))
        .await
        .expect("auth hung")
        .ok()?;
    Some(result.success())
}

#[tokio::test]
async fn proxy_headers_name_the_client_only_from_trusted_proxies() {
    let server = Server::start(
        "proxy",
        &[
            "--proxy-protocol",
            "--trusted-proxy",
            "127.0.0.1",
            "--rate-limit",
            "1",
        ],
    );
    // v1 from the trusted balancer: the log names the client, not the balancer.
    let v1 = b"PROXY TCP4 203.0.113.7 127.0.0.1 40000 2222\r\n";
    assert_eq!(login_through_proxy(&server, 1, v1).await, Some(true));
    server.wait_log(" 203.0.113.7:40000] ").await;
    // Limits count that client: its second connection this minute is dropped (--rate-limit 1)...
    assert_eq!(login_through_proxy(&server, 1, v1).await, None);
    server
        .wait_log("203.0.113.7:40000] dropped: connecting too often")
        .await;
    // ...while another client through the same balancer, in a v2 header, gets in.
    let v2 = ppp::v2::Builder::with_addresses(
        ppp::v2::Version::Two | ppp::v2::Command::Proxy,
        ppp::v2::Protocol::Stream,
        (
            "[2001:db8::7]:40000"
                .parse::<std::net::SocketAddr>()
                .unwrap(),
            "[2001:db8::1]:2222"
                .parse::<std::net::SocketAddr>()
                .unwrap(),
        ),
    )
    .build()
    .unwrap();
    assert_eq!(login_through_proxy(&server, 1, &v2).await, Some(true));
    server.wait_log(" [2001:db8::7]:40000] ").await;
    // A header from anyone else is refused: they could claim to be anyone.
    let forged = b"PROXY TCP4 198.51.100.1 127.0.0.1 40000 2222\r\n";
    assert_eq!(login_through_proxy(&server, 2, forged).await, None);
    server.wait_log("127.0.0.2:").await;
    server.wait_log("not a --trusted-proxy").await;
    assert!(!server.log().contains("198.51.100.1"), "{}", server.log());
    // And the trusted balancer must send one.
    assert_eq!(login_through_proxy(&server, 1, b"").await, None);
    server.wait_log("dropped: no PROXY header").await;
}

/// A viewer whose channel is read in the background into `data`.
struct Watcher {
    _handle: Handle<Client>,
    keys: russh::ChannelWriteHalf<client::Msg>,
    data: Arc<Mutex<Vec<u8>>>,
    size: (u16, u16),
}

impl Watcher {
    async fn start(server: &Server, cols: u16, rows: u16) -> Watcher {
        let (handle, channel) = server
            .showcase_sized(
                cols.into(),
                rows.into(),
                server.port,
                client::Config::default(),
            )
            .await;
        let (mut read, keys) = channel.split();
        let data = Arc::new(Mutex::new(Vec::new()));
        let sink = data.clone();
        tokio::spawn(async move {
            while let Some(msg) = read.wait().await {
                if let ChannelMsg::Data { data } = msg {
                    sink.lock().unwrap().extend_from_slice(&data);
                }
            }
        });
        Watcher {
            _handle: handle,
            keys,
            data,
            size: (cols, rows),
        }
    }

    fn received(&self) -> Vec<u8> {
        self.data.lock().unwrap().clone()
    }
}

/// What a terminal of `size` showed after each frame in `bytes` (as vt100 reads them), with
/// where in `bytes` that frame ended.
fn screens(bytes: &[u8], (cols, rows): (u16, u16)) -> Vec<(usize, Vec<u8>)> {
    const END_FRAME: &[u8] = b"\x1b[?2026l";
    let mut parser = vt100::Parser::new(rows, cols, 0);
    let mut shown = Vec::new();
    let mut done = 0;
    while let Some(at) = find(&bytes[done..], END_FRAME) {
        let end = done + at + END_FRAME.len();
        parser.process(&bytes[done..end]);
        shown.push((end, visible(parser.screen(), (cols, rows))));
        done = end;
    }
    shown
}

/// What a screen shows, the way a person sees it: a half-block "pixel" cell as its top and
/// bottom colours (the encoder may write one as ▀ or as ▄ with the colours swapped, or a
/// blank), other cells as their character and colours, without the foreground of a blank
/// (which does not show, so the encoder does not bother to change it), and without the hidden
/// cursor (which a keyframe leaves elsewhere than a difference does).
fn visible(screen: &vt100::Screen, (cols, rows): (u16, u16)) -> Vec<u8> {
    let mut out = Vec::new();
    for row in 0..rows {
        for col in 0..cols {
            let Some(cell) = screen.cell(row, col) else {
                continue;
            };
            let (mut fg, mut bg) = (cell.fgcolor(), cell.bgcolor());
            if cell.inverse() {
                std::mem::swap(&mut fg, &mut bg);
            }
            let text = cell.contents();
            let line = match text {
                "" | " " => format!("px {bg:?}/{bg:?}"),
                "▀" => format!("px {fg:?}/{bg:?}"),
                "▄" => format!("px {bg:?}/{fg:?}"),
                "█" => format!("px {fg:?}/{fg:?}"),
                text => format!("{text} {fg:?} on {bg:?}"),
            };
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
    }
    out
}

/// How many of `seen`'s screens are among `reference`'s.
fn share_of_screens_in(seen: &[Vec<u8>], reference: &[Vec<u8>]) -> f64 {
    let reference: std::collections::HashSet<_> = reference.iter().collect();
    let found = seen.iter().filter(|s| reference.contains(s)).count();
    found as f64 / seen.len().max(1) as f64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_viewers_share_one_stream_until_they_touch_it() {
    // The show: glitch, then confetti (the fixture's --effect and this one), seed 7, 10 fps;
    // glitch for longer than any run of the test, so what the viewers see is glitch alone.
    let started = Instant::now();
    let server = Server::start(
        "broadcast",
        &[
            "--broadcast",
            "--effect",
            "confetti",
            "--fps",
            "10",
            "--duration",
            SHOW_ITEM,
        ],
    );
    // Two groups: 60x20 and 40x12. Some viewers join a running stream later.
    let first = Watcher::start(&server, 60, 20).await;
    let small = Watcher::start(&server, 40, 12).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let second = Watcher::start(&server, 60, 20).await;
    let third = Watcher::start(&server, 60, 20).await;
    let small_late = Watcher::start(&server, 40, 12).await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    server.wait_log("(broadcast)").await;

    // The first viewer presses n: from now on the show is its own.
    let pressed: Vec<usize> = [&first, &second, &third]
        .iter()
        .map(|w| w.received().len())
        .collect();
    first.keys.data(&b"n"[..]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2000)).await;

    // What each viewer received up to now: recording the show to compare with takes a while
    // (long on a busy machine), and frames that came meanwhile would be of a part of the show
    // not recorded.
    let watched = [&first, &second, &third, &small, &small_late].map(|w| (w.received(), w.size));
    let [
        first_bytes,
        second_bytes,
        third_bytes,
        small_bytes,
        small_late_bytes,
    ] = &watched;
    // The show cannot have run for longer than this (it may have lagged behind on a busy
    // machine), so a recording this long holds every screen it showed.
    let show_seconds = started.elapsed().as_secs() as u32 + 2;
    // The screens a viewer saw after the frames that ended within `range` of its bytes.
    let screens_of = |(bytes, size): &(Vec<u8>, (u16, u16)), range: std::ops::Range<usize>| {
        screens(bytes, *size)
            .into_iter()
            .filter(|(end, _)| range.contains(end))
            .map(|(_, screen)| screen)
            .collect::<Vec<_>>()
    };
    let all = |watched| screens_of(watched, 0..usize::MAX);
    // Every viewer, early or late (through a keyframe), at either size, sees the show drawn at
    // its size, not a copy of another size's: each screen is one that `vitrine record` draws
    // of the same show at that size, at one of its 60 Hz ticks. (A busy machine may make a
    // viewer skip frames, never show a wrong one.)
    let (drawn, drawn_small) = std::thread::scope(|scope| {
        let small = scope.spawn(|| recorded_screens((40, 12), show_seconds));
        (
            recorded_screens((60, 20), show_seconds),
            small.join().unwrap(),
        )
    });
    for (seen, reference, what) in [
        (
            screens_of(first_bytes, 0..pressed[0]),
            &drawn,
            "60x20, first",
        ),
        (all(second_bytes), &drawn, "60x20, second (joined late)"),
        (all(third_bytes), &drawn, "60x20, third (joined late)"),
        (all(small_bytes), &drawn_small, "40x12"),
        (all(small_late_bytes), &drawn_small, "40x12, joined late"),
    ] {
        assert!(seen.len() >= 10, "{what}: {} frames", seen.len());
        let share = share_of_screens_in(&seen, reference);
        assert!(
            share >= 0.95,
            "{what}: only {share:.2} of the screens are the show's"
        );
    }
    // The one who pressed n got a show of its own (a fresh screen, then the next effect)...
    assert!(
        find(&first_bytes.0[pressed[0]..], ENTER_ALT).is_some(),
        "no own show after n"
    );
    let first_after = screens_of(first_bytes, pressed[0]..usize::MAX);
    let last_own = first_after.last().expect("frames after the fork");
    assert!(!drawn.contains(last_own), "the fork still shows glitch");
    // ...and the others did not move: no new screen, the shared stream goes on.
    for (other, from) in [(second_bytes, pressed[1]), (third_bytes, pressed[2])] {
        assert!(find(&other.0[from..], ENTER_ALT).is_none());
        assert!(screens_of(other, from..usize::MAX).len() >= 10);
    }
}

/// How long the broadcast test's first item (glitch) lasts: longer than the test runs on any
/// machine, so no transition to confetti happens while it watches.
const SHOW_ITEM: &str = "1h";

/// Every screen `vitrine record` draws of the broadcast test's show (glitch for
/// [`SHOW_ITEM`], then confetti, seed 7) at `size` in 256 colours (what an `xterm-256color` viewer gets), one per 60 Hz tick
/// for `seconds`.
fn recorded_screens((cols, rows): (u16, u16), seconds: u32) -> Vec<Vec<u8>> {
    let dir = std::env::temp_dir().join(format!(
        "vitrine-serve-record-{cols}x{rows}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let cast = dir.join("show.cast");
    // A debug build on a busy machine takes a while for hundreds of frames.
    let out = run_within(
        Duration::from_secs(120),
        Command::new(env!("CARGO_BIN_EXE_vitrine"))
            .args(["record", "--effect", "glitch,confetti", "--seed", "7"])
            .args(["--duration", SHOW_ITEM])
            .args([
                "--color",
                "256",
                "--fps",
                "60",
                "--seconds",
                &seconds.to_string(),
            ])
            .args(["--size", &format!("{cols}x{rows}"), "--out"])
            .arg(&cast),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut bytes = Vec::new();
    for line in std::fs::read_to_string(&cast).unwrap().lines().skip(1) {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        if event[1] == "o" {
            bytes.extend_from_slice(event[2].as_str().unwrap().as_bytes());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    screens(&bytes, (cols, rows))
        .into_iter()
        .map(|(_, screen)| screen)
        .collect()
}

/// What a viewer's terminal shows now, as text.
fn text_on(watcher: &Watcher) -> String {
    let mut parser = vt100::Parser::new(watcher.size.1, watcher.size.0, 0);
    parser.process(&watcher.received());
    parser.screen().contents()
}

/// Waits until `watcher`'s screen satisfies `done`.
async fn wait_screen(watcher: &Watcher, what: &str, done: impl Fn(&str) -> bool) {
    let seen = timeout(WAIT, async {
        while !done(&text_on(watcher)) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    assert!(seen.await.is_ok(), "{what}: {}", text_on(watcher));
}

/// `serve --control-socket`: `vitrine ctl` drives the broadcast show, with or without anyone
/// watching; a viewer who connects during a message sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctl_drives_the_broadcast_show() {
    let dir = std::env::temp_dir().join(format!("vitrine-serve-ctl-{}", std::process::id()));
    let socket = dir.join("run").join("ctl.sock");
    let path = socket.to_str().unwrap().to_string();
    let server = Server::start(
        "ctl",
        &[
            "--broadcast",
            // After the harness's glitch.
            "--effect",
            "defrag,water",
            "--duration",
            "1h",
            "--message",
            "Hello lobby",
            "--fps",
            "10",
            "--control-socket",
            &path,
        ],
    );
    let json = |args: &[&str]| -> serde_json::Value {
        let out = common::ctl(&socket, &[&["--json"], args].concat());
        serde_json::from_slice(&out.stdout).unwrap_or_default()
    };
    // Nobody watching: the commands still work, and what lasts waits for the first viewer.
    assert_eq!(json(&["status"])["status"]["effect"], "glitch");
    let out = common::ctl(
        &socket,
        &["say", "Fire drill", "--for", "1m", "--effect", "defrag"],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(json(&["status"])["status"]["say"]["text"], "Fire drill");
    let viewer = Watcher::start(&server, 80, 24).await;
    wait_screen(&viewer, "the message", |s| s.contains("Fire drill")).await;
    assert_eq!(json(&["status"])["status"]["viewers"], 1);

    assert!(common::ctl(&socket, &["clear"]).status.success());
    assert!(common::ctl(&socket, &["goto", "defrag"]).status.success());
    wait_screen(&viewer, "the show again", |s| {
        s.contains("Hello lobby") && !s.contains("Fire drill")
    })
    .await;
    let out = common::ctl(&socket, &["next"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("3/3: water"),
        "{out:?}"
    );
    let wrong = common::ctl(&socket, &["goto", "9"]);
    assert_eq!(wrong.status.code(), Some(2), "{wrong:?}");
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("no item 9"));

    // Blank: the viewer's screen goes black and nothing more is sent; wake draws again.
    assert!(common::ctl(&socket, &["goto", "2"]).status.success());
    wait_screen(&viewer, "defrag again", |s| s.contains("Hello lobby")).await;
    assert!(common::ctl(&socket, &["blank"]).status.success());
    wait_screen(&viewer, "a black screen", |s| s.trim().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = viewer.received().len();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(viewer.received().len(), before, "bytes sent while dark");
    assert!(common::ctl(&socket, &["wake"]).status.success());
    wait_screen(&viewer, "lit again", |s| s.contains("Hello lobby")).await;
    assert!(common::ctl(&socket, &["reload"]).status.success());
    assert!(server.log().contains("control socket"), "{}", server.log());
    drop(server);

    // The socket is for the broadcast show only.
    let out = Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args([
            "serve",
            "--open",
            "--no-broadcast",
            "--control-socket",
            &path,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("add --broadcast"));
}

/// What the terminal fed by `output` (all bytes so far) shows now, read as they come.
fn visible_now<'a>(
    output: impl Fn() -> Vec<u8> + 'a,
    (cols, rows): (u16, u16),
) -> impl FnMut() -> Vec<u8> + 'a {
    let (mut parser, mut read) = (vt100::Parser::new(rows, cols, 0), 0);
    move || {
        let bytes = output();
        parser.process(&bytes[read..]);
        read = bytes.len();
        visible(parser.screen(), (cols, rows))
    }
}

/// `serve --sync`: a broadcast viewer sees the lobby's frame, the one a local screen with the
/// same settings shows at the same moment (compared as `tests/sync.rs` compares two screens).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synchronised_viewers_see_the_lobby_frame() {
    // After the harness's `--effect glitch --seed 7`, which the lobby screen gets too.
    let synced = [
        "--sync",
        "--effect",
        "defrag",
        "--duration",
        "6s",
        "--tick-rate",
        "2",
        "--transition",
        "none",
        "--message",
        "Lobby",
        "--color",
        "256",
    ];
    let server = Server::start("sync", &[&["--broadcast"][..], &synced].concat());
    let (cols, rows) = (60, 16);
    let lobby = common::Pty::spawn(
        &[&["--effect", "glitch", "--seed", "7"][..], &synced].concat(),
        cols,
        rows,
    );
    lobby.wait_frames(2);
    let viewer = Watcher::start(&server, cols, rows).await;
    let shown = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    tokio::task::block_in_place(|| {
        common::agree_mid_tick(
            visible_now(|| lobby.output(), (cols, rows)),
            visible_now(|| viewer.received(), (cols, rows)),
            6,
            &shown,
        )
    });
}

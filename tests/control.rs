//! Remote control of a running show, end to end: the real binary in a pty, driven through
//! `vitrine ctl` over its control socket, through the HTTP API with a real HTTP client, and
//! through the live view's WebSocket and page (in headless Chromium when it is installed).

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Command, Output};
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `vitrine ctl --json status`, parsed.
fn status(socket: &Path) -> Value {
    let out = ctl(socket, &["--json", "status"]);
    assert!(out.status.success(), "{out:?}");
    let reply: Value = serde_json::from_slice(&out.stdout).unwrap();
    reply["status"].clone()
}

/// Waits until the show answers on its control socket.
fn wait_for_socket(pty: &Pty, socket: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while UnixStream::connect(socket).is_err() {
        assert!(Instant::now() < deadline, "no control socket at {socket:?}");
        thread::sleep(Duration::from_millis(20));
    }
    // And its first frame is out (the status reports the size drawn at).
    pty.wait_frames(1);
}

/// What the terminal shows now, row by row.
fn terminal_rows(pty: &Pty, cols: u16, rows: u16) -> Vec<String> {
    let mut parser = vt100::Parser::new(rows, cols, 0);
    parser.process(&pty.output());
    parser.screen().rows(0, cols).collect()
}

/// Defrag writes its message as plain text on its status line (glitch draws big letters).
const DEFRAG: &[&str] = &[
    "--effect",
    "defrag,water",
    "--message",
    "Hello kiosk",
    "--duration",
    "1h",
    "--seed",
    "4",
];

const SHOW: &[&str] = &[
    "--effect",
    "glitch,water,defrag",
    "--message",
    "Hello kiosk",
    "--duration",
    "1h",
    "--seed",
    "4",
];

#[test]
fn ctl_drives_a_running_show() {
    let pty = Pty::spawn(SHOW, 80, 24);
    let socket = pty.socket();
    wait_for_socket(&pty, &socket);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&socket), 0o600);
    assert_eq!(mode(socket.parent().unwrap()), 0o700);

    let out = ctl(&socket, &["status"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("item 1/3: glitch"), "{text}");
    assert!(text.contains("message:  Hello kiosk"), "{text}");
    assert!(text.contains("80x24"), "{text}");

    let out = ctl(&socket, &["next"]);
    assert!(stdout(&out).contains("Showing item 2/3: water"), "{out:?}");
    assert_eq!(status(&socket)["effect"], "water");
    ctl(&socket, &["prev"]);
    assert_eq!(status(&socket)["item"], 1);
    ctl(&socket, &["goto", "defrag"]);
    assert_eq!(status(&socket)["item"], 3);
    ctl(&socket, &["goto", "2"]);
    assert_eq!(status(&socket)["effect"], "water");

    // Wrong commands: one line on stderr, exit 2; the show goes on.
    for args in [
        &["goto", "9"][..],
        &["goto", "fireworks"],
        &["say", "hi", "--effect", "nope"],
        &["clear"],
        &["say", "hi", "--for", "soon"],
        &["dance"],
    ] {
        let out = ctl(&socket, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    }
    let out = ctl(&socket, &["--json", "goto", "9"]);
    let reply: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reply["ok"], false);
    assert_eq!(reply["kind"], "usage");

    ctl(&socket, &["pause"]);
    assert_eq!(status(&socket)["paused"], true);
    ctl(&socket, &["resume"]);
    assert_eq!(status(&socket)["paused"], false);

    // An urgent message interrupts, shows on the terminal, and hands back to the item.
    let out = ctl(
        &socket,
        &[
            "say",
            "Room 3 at ten \x1b[2J",
            "--for",
            "2s",
            "--effect",
            "defrag",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let now = status(&socket);
    assert_eq!(now["say"]["text"], "Room 3 at ten");
    assert_eq!(now["effect"], "defrag");
    assert_eq!(now["item"], 2, "the playlist keeps its place");
    pty.wait_for("the message on screen", |_| {
        terminal_rows(&pty, 80, 24)
            .iter()
            .any(|row| row.contains("Room 3 at ten"))
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while !status(&socket)["say"].is_null() {
        assert!(Instant::now() < deadline, "the message never ended");
        thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(status(&socket)["effect"], "water");
    ctl(&socket, &["say", "Clear me"]);
    assert!(ctl(&socket, &["clear"]).status.success());
    assert!(status(&socket)["say"].is_null());

    // Blank: zero bytes while dark, then wake draws again.
    let out = ctl(&socket, &["blank", "--for", "1h"]);
    assert!(stdout(&out).contains("dark"), "{out:?}");
    assert!(status(&socket)["dark"].as_str().unwrap().contains("blank"));
    thread::sleep(Duration::from_millis(300));
    let before = pty.output().len();
    thread::sleep(Duration::from_millis(1000));
    assert_eq!(pty.output().len(), before, "bytes written while dark");
    assert!(
        terminal_rows(&pty, 80, 24)
            .iter()
            .all(|row| row.trim().is_empty()),
        "a dark screen is empty"
    );
    ctl(&socket, &["wake"]);
    assert!(status(&socket)["dark"].is_null());
    pty.wait_for("frames after wake", |out| out.len() > before + 100);

    assert!(ctl(&socket, &["reload"]).status.success());

    // No show: exit 1.
    let out = ctl(Path::new("/nonexistent/control.sock"), &["status"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no show answers"));
}

#[test]
fn a_live_socket_is_refused_and_a_stale_one_replaced() {
    let first = Pty::spawn(SHOW, 60, 20);
    let socket = first.socket();
    wait_for_socket(&first, &socket);
    let path = socket.to_str().unwrap();
    let second = Pty::spawn(&[SHOW, &["--control-socket", path]].concat(), 60, 20);
    let (status, output) = second.finish();
    assert_eq!(status.code(), Some(2));
    let text = String::from_utf8_lossy(&output);
    assert!(text.contains("another vitrine is running"), "{text}");
    // Killed without a chance to clean up: the socket file stays, and the next show takes it.
    first.signal(libc::SIGKILL);
    thread::sleep(Duration::from_millis(200));
    assert!(socket.exists());
    let third = Pty::spawn(&[SHOW, &["--control-socket", path]].concat(), 60, 20);
    wait_for_socket(&third, &socket);
    assert_eq!(self::status(&socket)["cols"], 60);
    drop(third);
    drop(first);
}

#[test]
fn floods_and_bad_payloads_cannot_stall_the_show() {
    let pty = Pty::spawn(SHOW, 80, 24);
    let socket = pty.socket();
    wait_for_socket(&pty, &socket);

    // A client that sends 10,000 commands at once, plus junk, and reads every answer.
    let mut flood = UnixStream::connect(&socket).unwrap();
    let reader = BufReader::new(flood.try_clone().unwrap());
    let answers = thread::spawn(move || {
        let mut lines = Vec::new();
        for line in reader.lines() {
            lines.push(line.unwrap());
            if lines.len() == 10_004 {
                break;
            }
        }
        lines
    });
    let started = Instant::now();
    let mut batch = Vec::new();
    for i in 0..10_000 {
        batch.extend_from_slice(if i % 2 == 0 {
            b"{\"cmd\":\"status\"}\n"
        } else {
            b"{\"cmd\":\"next\"}\n"
        });
    }
    flood.write_all(&batch).unwrap();
    flood.write_all(&vec![b'x'; 100_000]).unwrap();
    flood
        .write_all(b"\n\xff\xfe\x00\x01\n{\"cmd\":\"next\",\"text\":1}\n")
        .unwrap();
    flood
        .write_all(b"{\"cmd\":\"say\",\"text\":\"\\u001b\\u0007\"}\n")
        .unwrap();
    let sent_in = started.elapsed();
    let lines = answers.join().unwrap();
    assert_eq!(lines.len(), 10_004);
    let replies: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("each answer is one JSON line"))
        .collect();
    let ok = replies[..10_000].iter().filter(|r| r["ok"] == true).count();
    let busy = replies[..10_000]
        .iter()
        .filter(|r| r["error"].as_str().is_some_and(|e| e.starts_with("busy")))
        .count();
    assert_eq!(
        ok + busy,
        10_000,
        "every command is done or refused as busy"
    );
    assert!(ok > 0);
    eprintln!("10,000 commands sent in {sent_in:?}: {ok} done, {busy} busy");
    let errors: Vec<&str> = replies[10_000..]
        .iter()
        .map(|r| r["error"].as_str().unwrap_or("no error"))
        .collect();
    assert!(errors[0].contains("too large"), "{errors:?}");
    assert!(errors[1].contains("not UTF-8"), "{errors:?}");
    assert!(errors[2].contains("unknown field `text`"), "{errors:?}");
    assert!(errors[3].contains("empty"), "{errors:?}");

    // A client that sends and never reads its answers.
    let mut deaf = UnixStream::connect(&socket).unwrap();
    deaf.set_write_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let deaf_writer = thread::spawn(move || {
        let line = b"{\"cmd\":\"status\"}\n".repeat(10_000);
        // Blocks once the show stops reading it; the timeout ends the attempt.
        let _ = deaf.write_all(&line);
        deaf
    });
    thread::sleep(Duration::from_millis(500));
    // The show still draws and still answers others.
    let frames = count(&pty.output(), BEGIN_FRAME);
    pty.wait_frames(frames + 10);
    let out = ctl(&socket, &["status"]);
    assert!(out.status.success(), "{out:?}");
    let deaf = deaf_writer.join().unwrap();
    drop(deaf);
    // Clients that connect and say nothing, enough to take every slot, do not lock others
    // out either: each is dropped when its request does not come within a few seconds.
    let idle: Vec<UnixStream> = (0..16)
        .map(|_| UnixStream::connect(&socket).unwrap())
        .collect();
    let out = ctl(&socket, &["status"]);
    assert!(out.status.success(), "{out:?}");
    drop(idle);
    assert!(pty.child_alive());
}

/// A free port on loopback (closed again; the show binds it right after).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_http(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while ureq::get(base).call().is_err() {
        assert!(Instant::now() < deadline, "no HTTP server at {base}");
        thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn http_api_with_a_token() {
    let port = free_port();
    let token = "0123456789abcdef0123456789abcdef";
    let dir = std::env::temp_dir().join(format!("vitrine-http-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, format!("{token}\n")).unwrap();
    let addr = format!("127.0.0.1:{port}");
    let pty = Pty::spawn(
        &[
            SHOW,
            &[
                "--http",
                &addr,
                "--http-token-file",
                file.to_str().unwrap(),
                "--control-socket",
                "none",
            ],
        ]
        .concat(),
        80,
        24,
    );
    let base = format!("http://{addr}");
    wait_for_http(&base);
    assert!(!pty.socket().exists(), "--control-socket none");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let auth = format!("Bearer {token}");

    let response = agent.get(format!("{base}/api/status")).call().unwrap();
    assert_eq!(response.status(), 401);
    let response = agent
        .get(format!("{base}/api/status"))
        .header("Authorization", "Bearer wrong-token-wrong-token")
        .call()
        .unwrap();
    assert_eq!(response.status(), 401);

    let get = |path: &str| -> (u16, Value) {
        let mut response = agent
            .get(format!("{base}{path}"))
            .header("Authorization", &auth)
            .call()
            .unwrap();
        let body = response.body_mut().read_to_string().unwrap();
        (
            response.status().as_u16(),
            serde_json::from_str(&body).unwrap(),
        )
    };
    let post = |path: &str, body: &[u8]| -> (u16, String) {
        let mut response = agent
            .post(format!("{base}{path}"))
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(body)
            .unwrap();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        (response.status().as_u16(), body)
    };
    let (code, reply) = get("/api/status");
    assert_eq!(code, 200);
    assert_eq!(reply["status"]["effect"], "glitch");
    let (code, body) = post("/api/next", b"");
    assert_eq!(code, 200, "{body}");
    assert_eq!(get("/api/status").1["status"]["effect"], "water");
    let (code, body) = post("/api/goto", br#"{"item":"defrag"}"#);
    assert_eq!(code, 200, "{body}");
    let (code, body) = post(
        "/api/say",
        "{\"text\":\"회의 \\u001b]0;x\\u0007시작\",\"for\":\"1m\"}".as_bytes(),
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(get("/api/status").1["status"]["say"]["text"], "회의 시작");

    for (path, body, expect_code, expect) in [
        ("/api/dance", &b""[..], 400, "unknown variant"),
        (
            "/api/goto",
            br#"{"item":"nope"}"#,
            400,
            "no item shows 'nope'",
        ),
        ("/api/next", b"\x00\xff\xfe", 400, "UTF-8"),
        ("/api/next", b"[1,2]", 400, "JSON object"),
    ] {
        let (code, text) = post(path, body);
        assert_eq!(code, expect_code, "{path}: {text}");
        assert!(text.contains(expect), "{path}: {text}");
        assert_eq!(text.trim_end().lines().count(), 1);
        // The control socket's example line means nothing over HTTP.
        assert!(!text.contains("e.g."), "{path}: {text}");
    }
    let (code, text) = post("/api/say", &vec![b'x'; 8 * 1024]);
    assert_eq!(code, 413, "oversized bodies are refused");
    let reply: Value = serde_json::from_str(&text).expect("a JSON error like the others");
    assert!(
        reply["error"].as_str().unwrap().contains("too large"),
        "{text}"
    );

    // The page and its assets need no token; they hold no secrets.
    let mut page = agent.get(&base).call().unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.body_mut()
            .read_to_string()
            .unwrap()
            .contains("asciinema-player")
    );
    let asset = agent
        .get(format!("{base}/assets/asciinema-player.min.js"))
        .call()
        .unwrap();
    assert_eq!(asset.status(), 200);
    assert!(pty.child_alive());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A TCP connection to `addr` from the loopback address `from` (127.0.0.2 is loopback too, so
/// one machine can play several clients).
fn connect_from(from: std::net::Ipv4Addr, addr: std::net::SocketAddr) -> std::net::TcpStream {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .unwrap();
    runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind((from, 0).into()).unwrap();
        let stream = socket.connect(addr).await.unwrap().into_std().unwrap();
        // tokio's sockets are non-blocking; this test reads with plain timeouts.
        stream.set_nonblocking(false).unwrap();
        stream
    })
}

/// Connections that are opened and then left waiting (slowloris) from a few addresses cannot
/// lock everyone else out of the API: each address holds at most its share, one over is told
/// 503 at once, and a first connection from another address is served even when every slot is
/// taken.
#[test]
fn a_few_stalling_addresses_cannot_take_every_http_connection() {
    let port = free_port();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let pty = Pty::spawn(
        &[
            SHOW,
            &["--http", &addr.to_string(), "--control-socket", "none"],
        ]
        .concat(),
        80,
        24,
    );
    wait_for_http(&format!("http://{addr}"));
    let mut stalled = Vec::new();
    for host in 1..=4 {
        for _ in 0..16 {
            stalled.push(connect_from([127, 0, 0, host].into(), addr));
        }
    }
    // The 17th from one address is refused at once (or its read fails when it is closed).
    let mut over = connect_from([127, 0, 0, 1].into(), addr);
    over.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut reply = String::new();
    let _ = std::io::Read::read_to_string(&mut over, &mut reply);
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 503"),
        "{reply}"
    );
    // Someone else still gets an answer, well before the stalled ones time out.
    let mut other = connect_from([127, 0, 0, 5].into(), addr);
    other
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    other
        .write_all(b"GET /api/status HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    let read = std::io::Read::read_to_string(&mut other, &mut reply);
    assert!(
        reply.starts_with("HTTP/1.1 200"),
        "a newcomer must be served while four addresses stall: {read:?} {reply:?}"
    );
    assert!(pty.child_alive());
    drop(stalled);
}

#[test]
fn http_refuses_an_open_address_without_a_token() {
    let pty = Pty::spawn(&[SHOW, &["--http", "0.0.0.0:0"]].concat(), 80, 24);
    let (status, output) = pty.finish();
    assert_eq!(status.code(), Some(2));
    let text = String::from_utf8_lossy(&output);
    assert!(text.contains("--http-token-file"), "{text}");
    assert!(
        !text.contains("\x1b[?1049h"),
        "refused before the terminal was touched"
    );
}

/// The next text message, past pings.
fn next_text(
    socket: &mut tokio_tungstenite::tungstenite::WebSocket<std::net::TcpStream>,
) -> Result<String, tokio_tungstenite::tungstenite::Error> {
    loop {
        if let tokio_tungstenite::tungstenite::Message::Text(text) = socket.read()? {
            return Ok(text.to_string());
        }
    }
}

/// A WebSocket viewer of the live view, speaking the player's asciicast v2 subprotocol.
struct Viewer {
    socket: tokio_tungstenite::tungstenite::WebSocket<std::net::TcpStream>,
    screen: vt100::Parser,
}

impl Viewer {
    fn connect(addr: &str) -> Result<Viewer, tokio_tungstenite::tungstenite::Error> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{addr}/ws").into_client_request()?;
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", "v2.asciicast".parse().unwrap());
        let stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let (mut socket, response) = tokio_tungstenite::tungstenite::client(request, stream)
            .map_err(|e| match e {
                tokio_tungstenite::tungstenite::HandshakeError::Failure(e) => e,
                other => panic!("{other}"),
            })?;
        assert_eq!(response.headers()["sec-websocket-protocol"], "v2.asciicast");
        let header: Value = serde_json::from_str(&next_text(&mut socket)?).unwrap();
        assert_eq!(header["version"], 2);
        let (cols, rows) = (
            header["width"].as_u64().unwrap() as u16,
            header["height"].as_u64().unwrap() as u16,
        );
        Ok(Viewer {
            socket,
            screen: vt100::Parser::new(rows, cols, 0),
        })
    }

    /// Reads events for `time`, applying output to the viewer's screen.
    fn watch(&mut self, time: Duration) {
        let deadline = Instant::now() + time;
        self.socket
            .get_ref()
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        while Instant::now() < deadline {
            let Ok(message) = next_text(&mut self.socket) else {
                continue;
            };
            let event: Value = serde_json::from_str(&message).unwrap();
            match event[1].as_str().unwrap() {
                "o" => self.screen.process(event[2].as_str().unwrap().as_bytes()),
                "r" => {
                    let (c, r) = event[2].as_str().unwrap().split_once('x').unwrap();
                    self.screen
                        .screen_mut()
                        .set_size(r.parse().unwrap(), c.parse().unwrap());
                }
                other => panic!("unexpected event {other}"),
            }
        }
    }

    fn rows(&self) -> Vec<String> {
        let (_, cols) = self.screen.screen().size();
        self.screen.screen().rows(0, cols).collect()
    }
}

#[test]
fn the_live_view_mirrors_the_terminal() {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let pty = Pty::spawn(
        &[DEFRAG, &["--http", &addr, "--http-max-viewers", "2"]].concat(),
        70,
        20,
    );
    wait_for_http(&format!("http://{addr}"));
    let mut first = Viewer::connect(&addr).unwrap();
    let mut second = Viewer::connect(&addr).unwrap();
    // A third is one too many.
    match Viewer::connect(&addr) {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503)
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a third viewer got in"),
    }
    // The viewers follow the show as it animates, then it pauses: all three screens agree.
    first.watch(Duration::from_millis(1500));
    clear_of_badge_drift(Duration::from_secs(10));
    ctl(&pty.socket(), &["pause"]);
    first.watch(Duration::from_millis(500));
    second.watch(Duration::from_millis(2000));
    let terminal = terminal_rows(&pty, 70, 20);
    assert!(
        terminal.iter().any(|r| r.contains("Hello kiosk")),
        "{terminal:#?}"
    );
    assert_eq!(first.rows(), terminal, "the first viewer");
    assert_eq!(
        second.rows(),
        terminal,
        "the second viewer, who fell behind"
    );
    // A viewer who joins late starts from a full repaint of the same screen.
    drop(first);
    thread::sleep(Duration::from_millis(200));
    let mut late = Viewer::connect(&addr).unwrap();
    late.watch(Duration::from_millis(500));
    assert_eq!(late.rows(), terminal, "a late viewer");
}

/// Headless Chromium, driven over the DevTools protocol.
struct Browser {
    child: std::process::Child,
    page: tokio_tungstenite::tungstenite::WebSocket<
        tokio_tungstenite::tungstenite::stream::MaybeTlsStream<std::net::TcpStream>,
    >,
    next_id: u64,
    profile: std::path::PathBuf,
}

impl Browser {
    /// Opens `url`; `None` (with a note) when Chromium is not installed.
    fn open(url: &str) -> Option<Browser> {
        let Some(binary) = ["chromium", "chromium-browser", "google-chrome"]
            .into_iter()
            .find(|b| Command::new(b).arg("--version").output().is_ok())
        else {
            if std::env::var_os("VITRINE_REQUIRE_TOOLS").is_some_and(|v| v == "1") {
                panic!("chromium is required (VITRINE_REQUIRE_TOOLS=1); .ci/setup installs it");
            }
            eprintln!("note: skipping the browser test: chromium is not installed");
            return None;
        };
        let profile = std::env::temp_dir().join(format!("vitrine-chromium-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        let child = Command::new(binary)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-port=0",
                "--window-size=1200,900",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start chromium");
        // Chromium writes the port it chose into the profile.
        let deadline = Instant::now() + Duration::from_secs(60);
        let port = loop {
            let text =
                std::fs::read_to_string(profile.join("DevToolsActivePort")).unwrap_or_default();
            if let Some(port) = text.lines().next().and_then(|l| l.parse::<u16>().ok()) {
                break port;
            }
            assert!(Instant::now() < deadline, "chromium did not start");
            thread::sleep(Duration::from_millis(100));
        };
        let page_url = loop {
            let targets: Value = ureq::get(format!("http://127.0.0.1:{port}/json/list"))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_json().ok())
                .unwrap_or(Value::Null);
            let page = targets.as_array().and_then(|t| {
                t.iter()
                    .find(|t| t["type"] == "page" && t["url"].as_str() == Some(url))
            });
            if let Some(page) = page {
                break page["webSocketDebuggerUrl"].as_str().unwrap().to_string();
            }
            assert!(Instant::now() < deadline, "chromium opened no page");
            thread::sleep(Duration::from_millis(100));
        };
        let (page, _) = tokio_tungstenite::tungstenite::connect(page_url).unwrap();
        Some(Browser {
            child,
            page,
            next_id: 1,
            profile,
        })
    }

    /// Evaluates `expression` in the page and returns its value.
    fn eval(&mut self, expression: &str) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let call = serde_json::json!({
            "id": id,
            "method": "Runtime.evaluate",
            "params": {"expression": expression, "returnByValue": true, "awaitPromise": true},
        });
        self.page.send(call.to_string().into()).unwrap();
        loop {
            let message = self.page.read().unwrap();
            let Ok(reply) = serde_json::from_str::<Value>(message.to_text().unwrap()) else {
                continue;
            };
            if reply["id"] == id {
                return reply["result"]["result"]["value"].clone();
            }
        }
    }

    /// Evaluates `expression` until it returns something other than null or false.
    fn wait_for(&mut self, what: &str, expression: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let value = self.eval(expression);
            if !value.is_null() && value != false {
                return value;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// The player's text rows: each `.ap-line` holds spans placed at a column (`--offset`).
const PLAYER_ROWS: &str = r#"
    Array.from(document.querySelectorAll('.ap-term-text .ap-line')).map(line => {
        const row = [];
        for (const span of line.children) {
            const col = parseInt(span.style.getPropertyValue('--offset'), 10);
            Array.from(span.textContent).forEach((ch, i) => { row[col + i] = ch; });
        }
        return Array.from(row, ch => ch === undefined ? ' ' : ch).join('');
    })
"#;

/// Letters and digits only: block glyphs are drawn on a canvas, not in the player's text.
fn letters(rows: &[String]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            r.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}

#[test]
fn the_page_plays_the_show_and_its_buttons_work_in_a_real_browser() {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let pty = Pty::spawn(&[DEFRAG, &["--http", &addr]].concat(), 80, 24);
    let url = format!("http://{addr}/");
    wait_for_http(&url);
    let Some(mut browser) = Browser::open(&url) else {
        return;
    };
    browser.wait_for(
        "the player to show the message",
        &format!("{PLAYER_ROWS}.some(r => r.includes('Hello kiosk'))"),
    );
    browser.wait_for(
        "the status line",
        "document.getElementById('now').dataset.effect === 'defrag'",
    );
    clear_of_badge_drift(Duration::from_secs(5));
    ctl(&pty.socket(), &["pause"]);
    thread::sleep(Duration::from_millis(1500));
    let terminal = letters(&terminal_rows(&pty, 80, 24));
    let player: Vec<String> = serde_json::from_value(browser.eval(PLAYER_ROWS)).unwrap();
    assert_eq!(
        letters(&player),
        terminal,
        "the player shows the terminal's frame"
    );

    browser.eval("document.getElementById('next').click()");
    browser.wait_for(
        "the next item in the page's status",
        "document.getElementById('now').dataset.effect === 'water'",
    );
    assert_eq!(status(&pty.socket())["effect"], "water");
    browser.eval("document.getElementById('pause').click()");
    let deadline = Instant::now() + Duration::from_secs(10);
    while status(&pty.socket())["paused"] != false {
        assert!(Instant::now() < deadline, "the pause button did not resume");
        thread::sleep(Duration::from_millis(100));
    }
    browser.eval(
        "document.getElementById('say-text').value = 'From the desk';\
         document.getElementById('say').requestSubmit()",
    );
    browser.wait_for(
        "the message on the page's status",
        "document.getElementById('now').textContent.includes('From the desk')",
    );
    assert_eq!(status(&pty.socket())["say"]["text"], "From the desk");
}

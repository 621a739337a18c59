//! The HTTP API (`--http`): the control commands as REST, and the live view (see [`super::web`]).
//!
//! `GET /api/status`, `POST /api/<command>` with the command's fields as a JSON body
//! (`POST /api/say {"text":"…","for":"5m"}`); answers are the socket's JSON responses with
//! 200, 400 (the request is wrong), 503 (busy) or 500. With a token (`--http-token-file`) every
//! API call needs `Authorization: Bearer TOKEN`; the page's WebSocket, which a browser cannot
//! give headers, carries it as `?token=`. The token is compared in constant time. Off unless
//! asked for, on loopback unless an address is given, and never on another address without a
//! token. Bodies are capped at [`MAX_REQUEST_BYTES`], connections at [`MAX_CONNECTIONS`] in all
//! and [`MAX_PER_ADDRESS`] from one address.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::{Context as _, Result};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, Request as HttpRequest, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response as HttpResponse};
use axum::routing::{get, post};
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use subtle::ConstantTimeEq;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::{Asker, Mirror, web};
use crate::ctl::protocol::{Failure, FailureKind, MAX_REQUEST_BYTES, Request, Response};
use crate::error::UsageError;
use crate::limits::{StartupSlot, Startups};
use crate::textfile;

/// HTTP connections at once (API calls and viewers together).
const MAX_CONNECTIONS: usize = 64;

/// HTTP connections one address may hold at once (an IPv4 address or an IPv6 /64): a browser
/// needs a few, so a few addresses that open and then stall connections cannot take every
/// slot. When every slot is taken, a first connection from another address closes the
/// oldest of the address holding the most (see [`Startups`]).
const MAX_PER_ADDRESS: usize = 16;

/// What a connection that is not admitted reads before it is closed.
const REFUSED: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";

/// A connection with nothing read or written for this long is closed, so idle or stalled
/// clients cannot keep the [`MAX_CONNECTIONS`] slots; live viewers are pinged well within it.
pub const IDLE: Duration = Duration::from_secs(30);

/// How the HTTP listener is set up.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    pub addr: SocketAddr,
    /// The bearer token, read from `--http-token-file`.
    pub token: Option<Arc<str>>,
    /// Browser viewers of the live view at once.
    pub max_viewers: usize,
}

impl HttpOptions {
    /// Checks the combination and reads the token: a non-loopback address needs one.
    pub fn new(
        addr: SocketAddr,
        token_file: Option<&std::path::Path>,
        max_viewers: usize,
    ) -> Result<Self> {
        let token = token_file.map(read_token).transpose()?;
        if !addr.ip().is_loopback() && token.is_none() {
            return Err(UsageError(format!(
                "--http {addr} is reachable from other machines: give --http-token-file too"
            ))
            .into());
        }
        Ok(Self {
            addr,
            token,
            max_viewers,
        })
    }
}

/// The most a token file may hold: a 1024-character token and some blank space.
const MAX_TOKEN_FILE: u64 = 4 * 1024;

fn read_token(path: &std::path::Path) -> Result<Arc<str>> {
    // A regular file of bounded size: /dev/zero or a FIFO named by mistake must not fill
    // memory or hang the start.
    let text = textfile::read_path(path, "token file", MAX_TOKEN_FILE)
        .map_err(|e| UsageError(format!("token file {e}")))?;
    let token = text.trim();
    if !(16..=1024).contains(&token.len()) || !token.chars().all(|c| c.is_ascii_graphic()) {
        return Err(UsageError(format!(
            "token file {} must hold one token of 16 to 1024 printable ASCII characters \
             (e.g. from `openssl rand -hex 32`)",
            path.display()
        ))
        .into());
    }
    Ok(token.into())
}

pub async fn bind(options: &HttpOptions) -> Result<TcpListener> {
    TcpListener::bind(options.addr)
        .await
        .with_context(|| format!("cannot listen on {} for --http", options.addr))
}

#[derive(Clone)]
pub struct AppState {
    pub asker: Asker,
    pub mirror: Arc<Mirror>,
    pub options: HttpOptions,
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/status", get(status))
        .route("/api/{command}", post(command))
        .route("/ws", get(web::socket))
        .route_layer(middleware::from_fn_with_state(state.clone(), authorize));
    Router::new()
        .route("/", get(web::page))
        .route("/assets/{file}", get(web::asset))
        .merge(api)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(middleware::map_response(json_too_large))
        .with_state(state)
}

/// The body limit's refusal (plain text from axum) as JSON like every other API error.
async fn json_too_large(response: HttpResponse) -> HttpResponse {
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE {
        return response;
    }
    let mut json = reply(Response::from(Err(Failure::usage(format!(
        "request too large (at most {MAX_REQUEST_BYTES} bytes)"
    )))));
    *json.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    json
}

pub async fn serve(listener: TcpListener, options: HttpOptions, asker: Asker, mirror: Arc<Mirror>) {
    let addr = options.addr;
    let app = router(AppState {
        asker,
        mirror,
        options,
    });
    let listener = Capped {
        inner: listener,
        slots: Startups::new(MAX_CONNECTIONS, MAX_PER_ADDRESS),
        early_drop_dice: ChaCha8Rng::from_entropy(),
    };
    if let Err(err) = axum::serve(listener, app).await {
        log::error!("--http {addr} stopped: {err}");
    }
}

/// Checks the bearer token, if there is one.
async fn authorize(
    State(state): State<AppState>,
    request: HttpRequest,
    next: Next,
) -> HttpResponse {
    let Some(token) = &state.options.token else {
        return next.run(request).await;
    };
    let given = bearer(request.headers()).or_else(|| query_token(request.uri()));
    let ok = given.is_some_and(|g| bool::from(g.as_bytes().ct_eq(token.as_bytes())));
    if ok {
        next.run(request).await
    } else {
        let mut response = reply(Response::from(Err(Failure::usage(
            "missing or wrong token (Authorization: Bearer TOKEN)",
        ))));
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            "Bearer".parse().expect("valid header"),
        );
        response
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

/// `?token=…`, percent-decoded.
fn query_token(uri: &axum::http::Uri) -> Option<String> {
    let Query(mut query) = Query::<HashMap<String, String>>::try_from_uri(uri).ok()?;
    query.remove("token")
}

async fn status(State(state): State<AppState>) -> HttpResponse {
    reply(state.asker.ask(Request::Status).await)
}

/// `POST /api/<command>`: the body (optional) holds the command's fields.
async fn command(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> HttpResponse {
    match request_from(&name, &body) {
        Ok(request) => reply(state.asker.ask(request).await),
        Err(failure) => reply(Response::from(Err(failure))),
    }
}

/// The command `name` with the fields of `body` (a JSON object, or nothing).
fn request_from(name: &str, body: &[u8]) -> Result<Request, Failure> {
    let text = std::str::from_utf8(body).map_err(|_| Failure::usage("body is not UTF-8 JSON"))?;
    let mut fields = if text.trim().is_empty() {
        serde_json::Map::new()
    } else {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => {
                return Err(Failure::usage(
                    "body must be a JSON object of the command's fields",
                ));
            }
        }
    };
    if fields.contains_key("cmd") {
        return Err(Failure::usage(
            "the command is in the path, not in the body",
        ));
    }
    fields.insert("cmd".into(), name.into());
    let line = serde_json::to_vec(&fields).map_err(|e| Failure::usage(e.to_string()))?;
    Request::parse_from_http(&line)
}

fn reply(response: Response) -> HttpResponse {
    let status = match (response.ok, response.kind) {
        (true, _) => StatusCode::OK,
        (false, Some(FailureKind::Usage)) => StatusCode::BAD_REQUEST,
        (false, _)
            if response
                .error
                .as_deref()
                .is_some_and(|e| e.starts_with("busy")) =>
        {
            StatusCode::SERVICE_UNAVAILABLE
        }
        (false, _) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        response.to_line(),
    )
        .into_response()
}

/// A listener that holds at most [`MAX_CONNECTIONS`] connections open, [`MAX_PER_ADDRESS`]
/// from one address; one over is answered 503 and closed at once.
struct Capped {
    inner: TcpListener,
    slots: Arc<Startups>,
    /// For the random early drop of addresses that already hold connections (see
    /// [`Startups::admit`]).
    early_drop_dice: ChaCha8Rng,
}

impl axum::serve::Listener for Capped {
    type Io = CappedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    let roll = self.early_drop_dice.r#gen::<f64>();
                    let Ok(slot) = self.slots.admit(addr.ip(), roll) else {
                        // Best effort: a full socket buffer just closes it.
                        let _ = stream.try_write(REFUSED);
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    let idle = Box::pin(tokio::time::sleep(IDLE));
                    let eviction = slot.eviction();
                    return (
                        CappedStream {
                            stream,
                            idle,
                            evicted: Box::pin(async move { eviction.notified().await }),
                            closing: false,
                            _slot: slot,
                        },
                        addr,
                    );
                }
                Err(err) => {
                    log::warn!("--http: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A connection that gives its slot back when closed, and fails once idle for [`IDLE`] or
/// when it must make room for another address's first connection.
struct CappedStream {
    stream: TcpStream,
    idle: Pin<Box<tokio::time::Sleep>>,
    /// Ready once the connection is chosen to make room.
    evicted: Pin<Box<dyn Future<Output = ()> + Send>>,
    /// `evicted` has completed (it must not be polled again).
    closing: bool,
    _slot: StartupSlot,
}

impl CappedStream {
    fn active(&mut self) {
        self.idle.as_mut().reset(tokio::time::Instant::now() + IDLE);
    }

    /// While the stream waits: an error once it is evicted or the idle deadline passes.
    fn check_closing(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Error> {
        if !self.closing && self.evicted.as_mut().poll(cx).is_ready() {
            self.closing = true;
        }
        if self.closing {
            return Poll::Ready(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "HTTP connection closed to make room for another address",
            ));
        }
        self.idle
            .as_mut()
            .poll(cx)
            .map(|()| std::io::Error::new(std::io::ErrorKind::TimedOut, "idle HTTP connection"))
    }
}

impl AsyncRead for CappedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.stream).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    self.active();
                }
                Poll::Ready(result)
            }
            Poll::Pending => self.check_closing(cx).map(Err),
        }
    }
}

impl AsyncWrite for CappedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.stream).poll_write(cx, buf) {
            Poll::Ready(result) => {
                if matches!(result, Ok(n) if n > 0) {
                    self.active();
                }
                Poll::Ready(result)
            }
            Poll::Pending => self.check_closing(cx).map(Err),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_become_requests() {
        assert_eq!(request_from("next", b"").unwrap(), Request::Next);
        assert_eq!(
            request_from("goto", br#"{"item":"water"}"#).unwrap(),
            Request::Goto {
                item: "water".into()
            }
        );
        for (name, body, expect) in [
            ("dance", &b""[..], "unknown variant"),
            ("next", b"[1]", "JSON object"),
            ("next", b"\x00\xff", "UTF-8"),
            ("next", br#"{"cmd":"wake"}"#, "in the path"),
            ("say", b"{}", "missing field `text`"),
        ] {
            let err = request_from(name, body).unwrap_err();
            assert!(err.message.contains(expect), "{name}: {}", err.message);
        }
    }

    #[test]
    fn addresses_default_to_loopback_and_need_a_token_elsewhere() {
        let open: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let err = HttpOptions::new(open, None, 4).unwrap_err();
        assert!(err.downcast_ref::<UsageError>().is_some());
        assert!(err.to_string().contains("--http-token-file"));
        assert!(HttpOptions::new("[::1]:80".parse().unwrap(), None, 4).is_ok());
        let dir = std::env::temp_dir().join(format!("vitrine-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let short = dir.join("short");
        std::fs::write(&short, "abc\n").unwrap();
        assert!(HttpOptions::new(open, Some(&short), 4).is_err());
        // Not a regular file: refused at once, without reading (or waiting on) it.
        let fifo = dir.join("fifo");
        let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo with a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
        for (file, why) in [
            (fifo.as_path(), "is a FIFO"),
            (std::path::Path::new("/dev/zero"), "is a device"),
        ] {
            let err = HttpOptions::new(open, Some(file), 4).unwrap_err();
            assert!(err.downcast_ref::<UsageError>().is_some());
            assert!(err.to_string().contains(why), "{err}");
        }
        let good = dir.join("good");
        std::fs::write(&good, "0123456789abcdef0123\n").unwrap();
        let options = HttpOptions::new(open, Some(&good), 4).unwrap();
        assert_eq!(options.token.as_deref(), Some("0123456789abcdef0123"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! The live view: `GET /` is a page that plays the show's own frames in asciinema-player
//! (vendored in `assets/web/`, Apache-2.0) and has buttons that call the API.
//!
//! The player's WebSocket driver speaks asciicast v2 when the server picks the
//! `v2.asciicast` subprotocol: a header `{"version":2,"width":W,"height":H}`, then events
//! `[seconds, "o", text]` (output) and `[seconds, "r", "WxH"]` (resize). A viewer gets a full
//! repaint first, then every frame exactly as the terminal got it; after falling behind it
//! skips to the next repaint (see [`super::mirror`]).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::broadcast::error::RecvError;

use super::http::AppState;
use super::mirror::{Frame, Mirror, Stamped, ViewerSlot};

/// A viewer whose connection takes longer than this to accept one frame is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a viewer is pinged, so a paused show's viewers are not idle (see
/// [`super::http::IDLE`]) and a vanished one is noticed.
const PING: Duration = Duration::from_secs(10);

/// Largest message a viewer may send (it has nothing to say; the player sends nothing).
const MAX_INCOMING: usize = 1024;

const PAGE: &str = include_str!("../../assets/web/index.html");

/// The files the page loads, embedded in the binary.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "asciinema-player.min.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/web/asciinema-player.min.js"),
    ),
    (
        "asciinema-player.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/web/asciinema-player.css"),
    ),
    (
        "vitrine.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/web/vitrine.js"),
    ),
];

pub async fn page() -> Html<&'static str> {
    Html(PAGE)
}

pub async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, ..)| *name == file) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

/// `GET /ws`: a viewer, if there is room for one more.
pub async fn socket(State(state): State<AppState>, upgrade: WebSocketUpgrade) -> Response {
    let Some(slot) = state.mirror.admit(state.options.max_viewers) else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "{} viewers are watching already (--http-max-viewers); try again later\n",
                state.options.max_viewers
            ),
        )
            .into_response();
    };
    let mirror = Arc::clone(&state.mirror);
    upgrade
        .protocols(["v2.asciicast"])
        .max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
        .on_upgrade(move |socket| watch(socket, mirror, slot))
}

/// Streams frames to one viewer until either side closes.
async fn watch(socket: WebSocket, mirror: Arc<Mirror>, slot: ViewerSlot) {
    let (mut sink, mut incoming) = socket.split();
    let mut frames = mirror.subscribe();
    mirror.want_repaint();
    let joined = mirror.now();
    let mut stream = ViewerStream::default();
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING, PING);
    loop {
        tokio::select! {
            _ = ping.tick() => {
                let sent = tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::Ping(Default::default()))).await;
                if !matches!(sent, Ok(Ok(()))) {
                    break;
                }
            }
            message = incoming.next() => match message {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                // Pings are answered by the library; anything else is ignored.
                Some(Ok(_)) => {}
            },
            frame = frames.recv() => {
                let frame = match frame {
                    Ok(frame) => frame,
                    Err(RecvError::Lagged(_)) => {
                        stream.resync();
                        mirror.want_repaint();
                        continue;
                    }
                    Err(RecvError::Closed) => break,
                };
                let at = frame.at.saturating_sub(joined).as_secs_f64();
                for text in stream.events(at, &frame) {
                    let sent = tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::Text(text))).await;
                    if !matches!(sent, Ok(Ok(()))) {
                        drop(slot);
                        return;
                    }
                }
            }
        }
    }
    drop(slot);
}

/// What one viewer's player has been told.
#[derive(Default)]
struct ViewerStream {
    /// The player's size, once the header is sent.
    size: Option<(u16, u16)>,
    /// Skipping frames until a repaint (at the start and after falling behind).
    resyncing: bool,
}

impl ViewerStream {
    fn resync(&mut self) {
        self.resyncing = true;
    }

    /// The WebSocket messages that bring the player up to `frame`.
    fn events(&mut self, at: f64, frame: &Stamped) -> Vec<Utf8Bytes> {
        match &frame.frame {
            Frame::Repaint { cols, rows, data } => {
                let mut events = Vec::with_capacity(2);
                match self.size {
                    None => events.push(
                        serde_json::json!({"version": 2, "width": cols, "height": rows})
                            .to_string()
                            .into(),
                    ),
                    Some(size) if size != (*cols, *rows) => events.push(
                        serde_json::json!([at, "r", format!("{cols}x{rows}")])
                            .to_string()
                            .into(),
                    ),
                    Some(_) => {}
                }
                self.size = Some((*cols, *rows));
                self.resyncing = false;
                events.push(serde_json::json!([at, "o", data]).to_string().into());
                events
            }
            Frame::Diff(data) if self.size.is_some() && !self.resyncing => {
                vec![serde_json::json!([at, "o", data]).to_string().into()]
            }
            Frame::Diff(_) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamped(frame: Frame) -> Stamped {
        Stamped {
            at: Duration::ZERO,
            frame,
        }
    }

    fn repaint(cols: u16, rows: u16) -> Stamped {
        stamped(Frame::Repaint {
            cols,
            rows,
            data: "R".into(),
        })
    }

    #[test]
    fn a_viewer_starts_with_a_header_and_a_repaint_and_skips_while_behind() {
        let mut viewer = ViewerStream::default();
        let diff = stamped(Frame::Diff("d".into()));
        assert!(
            viewer.events(0.0, &diff).is_empty(),
            "nothing before a repaint"
        );
        let events = viewer.events(0.5, &repaint(80, 24));
        assert_eq!(
            events[0].as_str(),
            r#"{"height":24,"version":2,"width":80}"#
        );
        assert_eq!(events[1].as_str(), r#"[0.5,"o","R"]"#);
        assert_eq!(viewer.events(1.0, &diff)[0].as_str(), r#"[1.0,"o","d"]"#);
        viewer.resync();
        assert!(viewer.events(1.5, &diff).is_empty());
        let events = viewer.events(2.0, &repaint(100, 30));
        assert_eq!(events[0].as_str(), r#"[2.0,"r","100x30"]"#);
        assert_eq!(events[1].as_str(), r#"[2.0,"o","R"]"#);
        assert_eq!(viewer.events(2.5, &diff).len(), 1);
    }
}

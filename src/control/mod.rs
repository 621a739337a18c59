//! Remote control of a running show: the control socket (`vitrine ctl`), the HTTP API and
//! the live browser view.
//!
//! The show loop stays single-threaded and never waits on a client. The listeners run on a
//! small tokio runtime of their own (see [`start`]) and hand each request to the loop through a
//! bounded queue ([`Inbox`]), which the loop drains a bounded number of times per frame; a full
//! queue answers "busy" at once. Frames reach browser viewers through [`Mirror`], a bounded
//! broadcast that slow viewers fall behind on and resynchronise from with a full repaint.

mod commands;
mod http;
mod mirror;
mod socket;
mod web;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use tokio::sync::{mpsc, oneshot};

use crate::cli::ControlArgs;
use crate::ctl::default_socket_path;
pub use crate::ctl::protocol::{Failure, Request, Response, Status};
pub use commands::Running;
pub use mirror::Mirror;

/// Requests waiting for the show loop, from every client together (more than one client
/// reads ahead, see `socket::IN_FLIGHT`).
const QUEUE: usize = 1024;

/// Most requests the show loop answers per frame, so a flood cannot stall drawing.
const PER_FRAME: usize = 512;

/// A request and where its answer goes.
struct Envelope {
    request: Request,
    reply: oneshot::Sender<Response>,
}

/// The show loop's end: requests to answer.
pub struct Inbox {
    requests: mpsc::Receiver<Envelope>,
}

impl Inbox {
    /// The next request and where its answer goes, for a show that runs on tokio itself
    /// (`vitrine serve`); `None` when every client end is gone.
    pub async fn recv(&mut self) -> Option<(Request, oneshot::Sender<Response>)> {
        self.requests
            .recv()
            .await
            .map(|envelope| (envelope.request, envelope.reply))
    }

    /// Answers the requests waiting now (at most [`PER_FRAME`]) with `handle`.
    pub fn answer(&mut self, mut handle: impl FnMut(Request) -> Result<Status, Failure>) {
        for _ in 0..PER_FRAME {
            let Ok(envelope) = self.requests.try_recv() else {
                return;
            };
            let response = Response::from(handle(envelope.request));
            // The client may have gone; nothing to do then.
            let _ = envelope.reply.send(response);
        }
    }
}

/// The listeners' end: asks the show loop.
#[derive(Clone)]
pub struct Asker {
    requests: mpsc::Sender<Envelope>,
}

/// An answer on its way.
pub enum Pending {
    Ready(Box<Response>),
    Waiting(oneshot::Receiver<Response>),
}

impl Pending {
    pub async fn response(self) -> Response {
        match self {
            Pending::Ready(response) => *response,
            Pending::Waiting(reply) => reply.await.unwrap_or_else(|_| stopping()),
        }
    }
}

fn stopping() -> Response {
    Response::from(Err(Failure::runtime("the show is stopping")))
}

impl Asker {
    /// Queues `request` for the show loop without waiting; the answer comes later, or at once
    /// when the queue is full.
    pub fn submit(&self, request: Request) -> Pending {
        let (reply, answer) = oneshot::channel();
        match self.requests.try_send(Envelope { request, reply }) {
            Ok(()) => Pending::Waiting(answer),
            Err(mpsc::error::TrySendError::Full(_)) => {
                Pending::Ready(Box::new(Response::from(Err(Failure::runtime(
                    "busy: too many commands at once, try again",
                )))))
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Pending::Ready(Box::new(stopping())),
        }
    }

    pub async fn ask(&self, request: Request) -> Response {
        self.submit(request).response().await
    }
}

/// The bounded queue between the listeners and the show loop.
pub fn queue() -> (Asker, Inbox) {
    let (requests, receiver) = mpsc::channel(QUEUE);
    (Asker { requests }, Inbox { requests: receiver })
}

/// Where the show listens for commands.
#[derive(Clone, Debug, Default)]
pub struct Listen {
    /// The control socket; `None` turns it off.
    pub socket: Option<PathBuf>,
    /// The HTTP API and live view.
    pub http: Option<http::HttpOptions>,
}

impl Listen {
    /// What the flags ask for; a bad token file or an open address without one is an error.
    pub fn from_args(args: &ControlArgs) -> Result<Self> {
        let socket = match &args.control_socket {
            Some(path) if path.as_os_str() == "none" => None,
            Some(path) => Some(path.clone()),
            None => Some(default_socket_path()),
        };
        let http = args
            .http
            .map(|addr| {
                HttpOptions::new(
                    addr,
                    args.http_token_file.as_deref(),
                    usize::from(args.http_max_viewers),
                )
            })
            .transpose()?;
        Ok(Self { socket, http })
    }
}

/// The running listeners. Dropping it removes the control socket file.
pub struct Control {
    pub inbox: Inbox,
    pub mirror: Arc<Mirror>,
    /// Held for its file, which goes with it.
    _socket: Option<socket::Bound>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Control {
    fn drop(&mut self) {
        // Clients still connected are cut off; nothing waits for them.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_millis(100));
        }
    }
}

/// Binds everything `listen` asks for (so an address in use or a live socket is an error
/// before the terminal is touched) and starts serving on a runtime of two small threads;
/// `None` when it asks for nothing.
pub fn start(listen: &Listen) -> Result<Option<Control>> {
    if listen.socket.is_none() && listen.http.is_none() {
        return Ok(None);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(1)
        .thread_name("vitrine-control")
        .enable_all()
        .build()
        .context("cannot start the control threads")?;
    let (asker, inbox) = queue();
    let mirror = Arc::new(Mirror::new());
    let socket = match &listen.socket {
        Some(path) => {
            let bound = socket::bind(path)?;
            let listener = {
                let _entered = runtime.enter();
                bound.listener()?
            };
            runtime.spawn(socket::serve(listener, asker.clone()));
            Some(bound)
        }
        None => None,
    };
    if let Some(options) = &listen.http {
        let listener = runtime.block_on(http::bind(options))?;
        log::info!("control API and live view: http://{}/", options.addr);
        runtime.spawn(http::serve(
            listener,
            options.clone(),
            asker.clone(),
            Arc::clone(&mirror),
        ));
    }
    Ok(Some(Control {
        inbox,
        mirror,
        _socket: socket,
        runtime: Some(runtime),
    }))
}

/// Binds the control socket at `path` and serves it on the tokio runtime this is called
/// from (`vitrine serve`'s own); the socket file goes when the returned guard is dropped.
pub fn serve_socket(path: &std::path::Path) -> Result<(SocketFile, Inbox)> {
    let bound = socket::bind(path)?;
    let (asker, inbox) = queue();
    tokio::spawn(socket::serve(bound.listener()?, asker));
    Ok((SocketFile { _bound: bound }, inbox))
}

/// A bound control socket's file, removed on drop.
pub struct SocketFile {
    _bound: socket::Bound,
}

pub use http::HttpOptions;

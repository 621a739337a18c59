//! Remote control of a running show: the control socket (`vitrine ctl`), the HTTP API and
//! the live browser view.
//!
//! The show loop stays single-threaded and never waits on a client. The listeners run on a
//! small tokio runtime of their own (see [`start`]) and hand each request to the loop through a
//! bounded queue ([`Inbox`]), which the loop drains a bounded number of times per frame; a full
//! queue answers "busy" at once. Frames reach browser viewers through [`Mirror`], a bounded
//! broadcast that slow viewers fall behind on and resynchronise from with a full repaint.

pub mod client;
mod http;
mod mirror;
pub mod protocol;
mod socket;
mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use tokio::sync::{mpsc, oneshot};

pub use mirror::Mirror;
pub use protocol::{Failure, Request, Response, Status};

/// Requests waiting for the show loop, from every client together.
const QUEUE: usize = 256;

/// Most requests the show loop answers per frame, so a flood cannot stall drawing.
const PER_FRAME: usize = QUEUE;

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
    Ready(Response),
    Waiting(oneshot::Receiver<Response>),
}

impl Pending {
    pub async fn response(self) -> Response {
        match self {
            Pending::Ready(response) => response,
            Pending::Waiting(reply) => reply.await.unwrap_or_else(|_| stopping()),
        }
    }
}

fn stopping() -> Response {
    Response::from(Err(Failure::failure("the show is stopping")))
}

impl Asker {
    /// Queues `request` for the show loop without waiting; the answer comes later, or at once
    /// when the queue is full.
    pub fn submit(&self, request: Request) -> Pending {
        let (reply, answer) = oneshot::channel();
        match self.requests.try_send(Envelope { request, reply }) {
            Ok(()) => Pending::Waiting(answer),
            Err(mpsc::error::TrySendError::Full(_)) => Pending::Ready(Response::from(Err(
                Failure::failure("busy: too many commands at once, try again"),
            ))),
            Err(mpsc::error::TrySendError::Closed(_)) => Pending::Ready(stopping()),
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

/// The running listeners. Dropping it removes the control socket file.
pub struct Control {
    pub inbox: Inbox,
    pub mirror: Arc<Mirror>,
    socket: Option<socket::Bound>,
    pub http_addr: Option<SocketAddr>,
    _runtime: tokio::runtime::Runtime,
}

impl Control {
    /// The control socket's path, if it is on.
    pub fn socket_path(&self) -> Option<&std::path::Path> {
        self.socket.as_ref().map(socket::Bound::path)
    }
}

/// Binds everything `listen` asks for (so an address in use or a live socket is an error
/// before the terminal is touched) and starts serving on a runtime of two small threads.
pub fn start(listen: &Listen) -> Result<Control> {
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
    let http_addr = match &listen.http {
        Some(options) => {
            let listener = runtime.block_on(http::bind(options))?;
            let addr = listener.local_addr().ok();
            runtime.spawn(http::serve(
                listener,
                options.clone(),
                asker.clone(),
                Arc::clone(&mirror),
            ));
            addr
        }
        None => None,
    };
    Ok(Control {
        inbox,
        mirror,
        socket,
        http_addr,
        _runtime: runtime,
    })
}

pub use http::HttpOptions;
pub use socket::default_path as default_socket_path;

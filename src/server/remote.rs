//! `vitrine serve --control-socket PATH`: `vitrine ctl` for the broadcast show.
//!
//! Viewers of one size and colour depth share one show (a group, see [`super::broadcast`]). A
//! command goes to every group; each carries it out on its own show with the same code as the
//! local kiosk ([`Running::carry_out`]) and answers, and the first answer is the reply. With
//! nobody watching, a show built for the purpose (a probe) checks the command and answers.
//!
//! What must outlast the groups is kept as standing orders (the item last gone to, a pause,
//! an urgent message, a blank screen, each with the time it has left), which a group started
//! later, or a probe, carries out first: a viewer who connects during a `say` sees the message.
//! A viewer who pressed a key has a show of their own, which commands do not reach.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, mpsc};
use vitrine_effects::depth::ColorDepth;

use crate::config::Source;
use crate::control::{Failure, Inbox, Request, Response, Running, Status};
use crate::ctl::protocol::Lasting;
use crate::dark::Dark;
use crate::overlay::Overlays;
use crate::show::Show;
use crate::spec::ShowSpec;

/// Commands waiting for a group that has not looked yet; a group further behind (stalled for
/// hundreds of frames) misses some.
const BACKLOG: usize = 64;

/// How long a command waits for the groups' answers before the probe answers instead.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);

/// The server's end of the control channel.
pub struct Remote {
    orders: broadcast::Sender<Arc<Order>>,
    standing: Mutex<Standing>,
    started: Instant,
    config: Option<PathBuf>,
}

/// One command on its way to every group.
pub struct Order {
    request: Request,
    /// For `reload`: the config as read again, or why it could not be.
    reloaded: Option<Result<ShowSpec, String>>,
    answers: mpsc::Sender<Result<Status, Failure>>,
}

/// The commands whose effect outlasts a group, with when they were given.
#[derive(Default)]
struct Standing {
    spec: Option<ShowSpec>,
    goto: Option<String>,
    paused: bool,
    say: Option<(Request, Instant)>,
    blank: Option<(Option<Duration>, Instant)>,
}

/// A group's (or the probe's) end: the commands to carry out.
pub struct Orders {
    waiting: Vec<Arc<Order>>,
    incoming: broadcast::Receiver<Arc<Order>>,
    remote: Arc<Remote>,
}

impl Remote {
    pub fn new(config: Option<PathBuf>) -> Arc<Self> {
        Arc::new(Self {
            orders: broadcast::channel(BACKLOG).0,
            standing: Mutex::default(),
            started: Instant::now(),
            config,
        })
    }

    /// The spec a new group starts from: the last one reloaded, else `spec`.
    pub fn spec(&self, spec: &ShowSpec) -> ShowSpec {
        self.standing().spec.clone().unwrap_or_else(|| spec.clone())
    }

    fn standing(&self) -> std::sync::MutexGuard<'_, Standing> {
        self.standing.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new group's orders: the standing ones first, then whatever comes.
    pub fn subscribe(self: &Arc<Self>) -> Orders {
        let incoming = self.orders.subscribe();
        let now = Instant::now();
        let standing = self.standing();
        let mut first = Vec::new();
        if let Some(item) = &standing.goto {
            first.push(Request::Goto { item: item.clone() });
        }
        if standing.paused {
            first.push(Request::Pause);
        }
        if let Some((
            Request::Say {
                text,
                duration,
                effect,
            },
            given,
        )) = &standing.say
        {
            let left = duration.map(|d| d.0.saturating_sub(now - *given));
            if left.is_none_or(|l| !l.is_zero()) {
                first.push(Request::Say {
                    text: text.clone(),
                    duration: left.map(Lasting),
                    effect: effect.clone(),
                });
            }
        }
        if let Some((duration, given)) = standing.blank {
            let left = duration.map(|d| d.saturating_sub(now - given));
            if left.is_none_or(|l| !l.is_zero()) {
                first.push(Request::Blank {
                    duration: left.map(Lasting),
                });
            }
        }
        let (answers, _) = mpsc::channel(1);
        let waiting = first
            .into_iter()
            .map(|request| {
                Arc::new(Order {
                    request,
                    reloaded: None,
                    answers: answers.clone(),
                })
            })
            .collect();
        drop(standing);
        Orders {
            waiting,
            incoming,
            remote: Arc::clone(self),
        }
    }

    /// Remembers what a command that was carried out leaves standing.
    fn remember(&self, request: &Request, spec: Option<&ShowSpec>, status: &Status) {
        let now = Instant::now();
        let mut standing = self.standing();
        match request {
            Request::Next | Request::Prev | Request::Goto { .. } => {
                standing.goto = Some(status.item.to_string());
            }
            Request::Pause => standing.paused = true,
            Request::Resume => standing.paused = false,
            Request::Say { text, effect, .. } => {
                let left = status.say.as_ref().map(|s| s.time_left).unwrap_or(0.0);
                let say = Request::Say {
                    text: text.clone(),
                    duration: Some(Lasting(Duration::from_secs_f64(left.max(0.001)))),
                    effect: effect.clone(),
                };
                standing.say = Some((say, now));
            }
            Request::Clear => standing.say = None,
            Request::Blank { duration } => standing.blank = Some((duration.map(|d| d.0), now)),
            Request::Wake => standing.blank = None,
            Request::Reload => {
                // Later groups and probes start from the new config.
                standing.spec = spec.cloned();
                standing.goto = None;
            }
            Request::Status => {}
        }
    }
}

impl Orders {
    /// Carries out the commands waiting on `show` (a group's, at `size` and `depth`, with
    /// `viewers`), answering each; returns whether any changed what is drawn.
    pub fn carry_out(
        &mut self,
        show: &mut Show,
        overlays: &mut Overlays,
        dark: &mut Dark,
        depth: ColorDepth,
        size: (u16, u16),
        viewers: usize,
    ) -> bool {
        loop {
            match self.incoming.try_recv() {
                Ok(order) => self.waiting.push(order),
                Err(broadcast::error::TryRecvError::Lagged(_)) => continue,
                Err(_) => break,
            }
        }
        let changed = !self.waiting.is_empty();
        for order in self.waiting.drain(..) {
            let mut running = Running {
                show: &mut *show,
                overlays: &mut *overlays,
                dark: &mut *dark,
                started: self.remote.started,
                depth,
                size,
                config: self.remote.config.as_deref(),
                viewers,
            };
            let result = running.carry_out(order.request.clone(), |show, overlays| {
                match &order.reloaded {
                    Some(Ok(spec)) => {
                        let mut spec = spec.clone();
                        spec.set_depth(depth);
                        match show.reload(spec) {
                            Ok(()) => {
                                overlays.configure(show.spec());
                                overlays.set_config_error(None);
                            }
                            Err(e) => overlays.set_config_error(Some(format!("{e:#}"))),
                        }
                    }
                    Some(Err(error)) => overlays.set_config_error(Some(error.clone())),
                    None => {}
                }
            });
            let _ = order.answers.try_send(result);
        }
        changed
    }
}

/// Answers `inbox`'s requests until the server stops: each goes to every group (or a probe
/// built from `spec` when nobody watches) and the first answer goes back.
pub async fn answer(mut inbox: Inbox, remote: Arc<Remote>, spec: ShowSpec, mut source: Source) {
    while let Some((request, reply)) = inbox.recv().await {
        let reloaded = (request == Request::Reload).then(|| {
            source
                .load()
                .map(|loaded| loaded.spec)
                .map_err(|e| format!("{e:#}"))
        });
        let (answers, mut answered) = mpsc::channel(1);
        let order = Arc::new(Order {
            request: request.clone(),
            reloaded,
            answers,
        });
        let groups = remote.orders.send(Arc::clone(&order)).unwrap_or(0);
        let result = match groups {
            0 => None,
            _ => tokio::time::timeout(ANSWER_TIMEOUT, answered.recv())
                .await
                .ok()
                .flatten(),
        };
        let result = match result {
            Some(result) => result,
            None => probe(&remote, &spec, &order),
        };
        if let Ok(status) = &result {
            let reloaded = order.reloaded.as_ref().and_then(|r| r.as_ref().ok());
            remote.remember(&request, reloaded, status);
        }
        let _ = reply.send(Response::from(result));
    }
}

/// Carries `order` out on a show nobody watches, after the standing orders.
fn probe(remote: &Arc<Remote>, spec: &ShowSpec, order: &Order) -> Result<Status, Failure> {
    let (answers, mut answered) = mpsc::channel(1);
    let mut orders = remote.subscribe();
    orders.waiting.push(Arc::new(Order {
        request: order.request.clone(),
        reloaded: order.reloaded.clone(),
        answers,
    }));
    let mut show = Show::new(remote.spec(spec)).map_err(|e| Failure::runtime(format!("{e:#}")))?;
    let mut overlays = Overlays::new(show.spec());
    let mut dark = Dark::new(None);
    orders.carry_out(
        &mut show,
        &mut overlays,
        &mut dark,
        ColorDepth::TrueColor,
        (0, 0),
        0,
    );
    answered
        .try_recv()
        .unwrap_or_else(|_| Err(Failure::runtime("the show did not answer")))
}

//! One SSH connection: authentication, and the requests a client may make on its session
//! channel. Only a pty and a showcase are ever granted; everything else is refused.
//!
//! "Never a shell": when a client asks for a shell (what a plain `ssh host` does), no shell
//! process exists to start; the showcase answers that request instead, like charm's wish.
//! Commands (`ssh host cmd`), subsystems (`sftp`), X11 and agent forwarding, port forwarding
//! and any second channel are refused, and nothing is ever executed. A command or subsystem
//! is refused the way a program that failed would end (a line on stderr, exit status 1), so
//! OpenSSH shows the reason rather than "exec request failed".
//!
//! The log gets one line per failed authentication, and one line per connection counting its
//! refused requests (written when the connection ends), so a client cannot flood it; one that
//! keeps asking after [`MAX_REFUSED`] refusals is disconnected.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use russh::keys::{Certificate, PublicKey};
use russh::server::{
    Auth, ChannelOpenHandle, Handler, Msg, PublicKeyOffer, Response, Session, VerifiedPublicKey,
};
use russh::{Channel, ChannelId, ChannelWriteHalf, Disconnect, Pty, Sig};
use tokio::sync::{Notify, mpsc, watch};

use super::broadcast::{self, Hub};
use super::session::{self, Controls, SessionIo};
use super::socket::{Admission, AdmissionCell};
use super::{EXTRA_CONNECTIONS, MAX_AUTH_ATTEMPTS, Shared, auth, keys, log, log_at};
use crate::color_depth;
use crate::keymap::action_for;
use crate::show::Show;
use vitrine_effects::depth::ColorMapper;

/// Key actions a session may have waiting; more are dropped (a flood of keys, not typing).
const INPUT_QUEUE: usize = 64;
/// Refused requests after which a connection is disconnected: a client asking again and
/// again for what it cannot have is not a viewer.
pub const MAX_REFUSED: u32 = 16;
/// `env` requests answered before they count as refused: OpenSSH sends LANG and LC_* (up to
/// 14) on every connection.
const FREE_ENV_REQUESTS: u32 = 32;
/// What a command or subsystem gets instead, on stderr.
const NO_COMMANDS: &str = "this server runs no commands; connect with ssh -t (and no command) \
                           to watch the showcase";

/// What a viewer watches.
enum Showing {
    /// A show of their own.
    Own(Box<Show>),
    /// The broadcast, until they touch it.
    Broadcast(Arc<Hub>),
}

/// Per-connection state, shared with the task that watches the connection.
#[derive(Default)]
pub struct ConnectionState {
    /// Set once the client has authenticated (the auth timeout checks it).
    pub authenticated: AtomicBool,
    /// Set once a showcase has started (the auth timeout checks it too).
    pub started: AtomicBool,
    /// Set while a showcase runs on this connection.
    pub showing: AtomicBool,
    /// Notified when the showcase has restored the client's terminal and closed its channel.
    pub shown: Notify,
}

/// The russh handler of one connection.
pub struct Connection {
    shared: Arc<Shared>,
    state: Arc<ConnectionState>,
    /// Which cap the connection counts against; authenticating moves it to the next one.
    admission: AdmissionCell,
    id: u64,
    peer: SocketAddr,
    /// Failed authentication attempts (key offers included, like OpenSSH's MaxAuthTries).
    auth_failures: u32,
    /// Refused requests and channels, and the first one, for the line logged at the end.
    refused: u32,
    first_refusal: Option<String>,
    env_requests: u32,
    /// Fingerprint of the key the client authenticated with, for the log.
    key: Option<String>,
    /// The one session channel of this connection.
    channel_id: Option<ChannelId>,
    /// Its write half, until the showcase takes it.
    channel: Option<ChannelWriteHalf<Msg>>,
    /// The client's terminal, once it asked for a pty.
    pty: Option<(String, Rect)>,
    /// The colour variables the client sent ([`color_depth::CLIENT_VARS`]), for its colour depth.
    color_env: BTreeMap<String, String>,
    /// The running showcase's inputs.
    input: Option<mpsc::Sender<crate::keymap::Action>>,
    size: Option<watch::Sender<Rect>>,
    /// Reused buffer for parsed keys.
    keys: Vec<KeyEvent>,
}

impl Connection {
    pub fn new(
        shared: Arc<Shared>,
        state: Arc<ConnectionState>,
        admission: AdmissionCell,
        id: u64,
        peer: SocketAddr,
    ) -> Self {
        Self {
            shared,
            state,
            admission,
            id,
            peer,
            auth_failures: 0,
            refused: 0,
            first_refusal: None,
            env_requests: 0,
            key: None,
            channel_id: None,
            channel: None,
            pty: None,
            color_env: BTreeMap::new(),
            input: None,
            size: None,
            keys: Vec::new(),
        }
    }

    fn log(&self, message: &str) {
        log(self.id, self.peer, message);
    }

    fn is_ours(&self, channel: ChannelId) -> bool {
        self.channel_id == Some(channel)
    }

    fn check_key(&mut self, user: &str, key: &PublicKey) -> Result<Auth, russh::Error> {
        if self.shared.access.allows(key) {
            self.key = Some(auth::fingerprint(key));
            Ok(Auth::Accept)
        } else {
            self.auth_failed(user, "publickey", Some(key))
        }
    }

    /// Logs a failed authentication; past [`MAX_AUTH_ATTEMPTS`] the connection is dropped.
    fn auth_failed(
        &mut self,
        user: &str,
        method: &str,
        key: Option<&PublicKey>,
    ) -> Result<Auth, russh::Error> {
        self.auth_failures += 1;
        let key = key
            .map(|k| format!(" key {} {}", k.algorithm(), auth::fingerprint(k)))
            .unwrap_or_default();
        log_at(
            log::Level::Warn,
            self.id,
            self.peer,
            &format!(
                "authentication failed: {method}{key} for user {:?}",
                printable(user, 32)
            ),
        );
        if self.auth_failures >= MAX_AUTH_ATTEMPTS {
            self.log("closed: too many authentication attempts");
            return Err(russh::Error::Disconnect);
        }
        Ok(Auth::reject())
    }

    /// Counts a refused request (the first one is named in the line logged at the end);
    /// disconnects the client at [`MAX_REFUSED`].
    fn count_refusal(&mut self, session: &mut Session, what: &str) -> Result<(), russh::Error> {
        self.refused += 1;
        if self.first_refusal.is_none() {
            self.first_refusal = Some(what.to_string());
        }
        if self.refused == MAX_REFUSED {
            session.disconnect(Disconnect::ByApplication, "too many refused requests", "")?;
        }
        Ok(())
    }

    /// Refuses a channel request the client does not need to hear about.
    fn refuse(
        &mut self,
        session: &mut Session,
        channel: ChannelId,
        what: &str,
    ) -> Result<(), russh::Error> {
        session.channel_failure(channel)?;
        self.count_refusal(session, what)
    }

    /// Refuses a request the user made (a command, a subsystem) so that they read why: the
    /// request is granted and ends at once like a program that failed, with `why` on stderr
    /// and exit status 1. (OpenSSH gives up on a failed request without printing anything
    /// the server sent.)
    fn refuse_readably(
        &mut self,
        session: &mut Session,
        channel: ChannelId,
        what: &str,
        why: &str,
    ) -> Result<(), russh::Error> {
        // The channel is over: the showcase cannot start on it any more.
        self.channel = None;
        self.pty = None;
        session.channel_success(channel)?;
        session.extended_data(channel, 1, format!("vitrine: {why}\r\n").into_bytes())?;
        session.exit_status_request(channel, 1)?;
        session.eof(channel)?;
        session.close(channel)?;
        // Nothing more can happen on this connection: end it like a showcase that is over.
        self.state.shown.notify_one();
        self.count_refusal(session, what)
    }

    /// Answers a shell request with a showcase.
    fn start_showcase(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), russh::Error> {
        if *self.shared.shutdown.borrow() {
            return self.refuse_readably(
                session,
                channel,
                "shell while shutting down",
                "the server is shutting down",
            );
        }
        let Some((term, area)) = self.pty.take() else {
            return self.refuse_readably(
                session,
                channel,
                "shell without a terminal",
                "the showcase needs a terminal; connect with ssh -t",
            );
        };
        let Ok(permit) = self.shared.sessions.clone().try_acquire_owned() else {
            // Accept the shell so the message shows as output, then end it like a program
            // that failed.
            self.log("refused: all sessions in use");
            session.channel_success(channel)?;
            let message = format!(
                "vitrine: all {} sessions are in use; try again later.\r\n",
                self.shared.max_sessions
            );
            session.data(channel, message.into_bytes())?;
            session.exit_status_request(channel, 1)?;
            session.eof(channel)?;
            return session.close(channel);
        };
        // The same detection as a local terminal, on what the client told us.
        let mut env = std::mem::take(&mut self.color_env);
        env.insert("TERM".into(), term.clone());
        let depth = color_depth::resolve(self.shared.color, &env);
        let show = match &self.shared.broadcast {
            Some(hub) => Showing::Broadcast(hub.clone()),
            None => {
                let mut spec = self.shared.spec.clone();
                if self.shared.vary_seed {
                    spec.seed = spec
                        .seed
                        .wrapping_add(self.id.wrapping_mul(0x9e37_79b9_7f4a_7c15));
                }
                match session::show_for(spec, depth) {
                    Ok(show) => Showing::Own(Box::new(show)),
                    Err(e) => {
                        self.log(&format!("cannot start the show: {e:#}"));
                        return self.refuse_readably(
                            session,
                            channel,
                            "shell",
                            "the show cannot start; the server's log says why",
                        );
                    }
                }
            }
        };
        let Some(out) = self.channel.take() else {
            return session.channel_failure(channel);
        };
        let (input, input_rx) = mpsc::channel(INPUT_QUEUE);
        let (size, size_rx) = watch::channel(area);
        self.input = Some(input);
        self.size = Some(size);
        self.log(&format!(
            "showcase started: {}x{} TERM={term} colours={:?} key={}{}",
            area.width,
            area.height,
            depth,
            self.key.as_deref().unwrap_or("none (--open)"),
            if matches!(show, Showing::Broadcast(_)) {
                " (broadcast)"
            } else {
                ""
            },
        ));
        session.channel_success(channel)?;

        let io = SessionIo {
            out: Arc::new(out),
            connection: session.handle(),
            controls: Controls::new(
                input_rx,
                size_rx,
                self.shared.shutdown.clone(),
                self.shared.idle_timeout,
            ),
        };
        let (fps, dither) = (self.shared.fps, self.shared.dither);
        let (id, peer, state) = (self.id, self.peer, self.state.clone());
        self.state.started.store(true, Ordering::SeqCst);
        self.state.showing.store(true, Ordering::SeqCst);
        tokio::spawn(async move {
            let report = match show {
                Showing::Own(show) => {
                    let colors = ColorMapper::new(depth, dither);
                    session::run(*show, io, fps, colors, None).await
                }
                Showing::Broadcast(hub) => broadcast::watch(hub, io, depth, dither).await,
            };
            log(
                id,
                peer,
                &format!(
                    "showcase ended ({:?}): {} frames, {} skipped for a slow client, {} KiB",
                    report.end,
                    report.frames,
                    report.skipped,
                    report.bytes / 1024
                ),
            );
            drop(permit);
            state.showing.store(false, Ordering::SeqCst);
            state.shown.notify_one();
        });
        Ok(())
    }

    /// Ends the showcase: the client closed the channel.
    fn stop(&mut self) {
        self.input = None;
        self.size = None;
    }
}

impl Drop for Connection {
    /// The connection is over: one line for everything refused on it.
    fn drop(&mut self) {
        if let Some(first) = &self.first_refusal {
            let cut = if self.refused >= MAX_REFUSED {
                "; disconnected for asking too often"
            } else {
                ""
            };
            self.log(&format!(
                "refused {} request(s), the first: {first}{cut}",
                self.refused
            ));
        }
    }
}

/// `text` cut to `max` characters of printable ASCII, for the log.
fn printable(text: &str, max: usize) -> String {
    text.chars()
        .filter(char::is_ascii_graphic)
        .take(max)
        .collect()
}

impl Handler for Connection {
    type Error = russh::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        // Every client starts with this probe: a rejection is not worth a log line.
        Ok(match self.shared.access {
            auth::Access::Open => Auth::Accept,
            auth::Access::Keys(_) => Auth::reject(),
        })
    }

    async fn auth_password(&mut self, user: &str, _password: &str) -> Result<Auth, Self::Error> {
        self.auth_failed(user, "password", None)
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        _response: Option<Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        self.auth_failed(user, "keyboard-interactive", None)
    }

    async fn auth_openssh_certificate(
        &mut self,
        user: &str,
        certificate: &Certificate,
    ) -> Result<Auth, Self::Error> {
        let key = PublicKey::from(certificate.public_key().clone());
        self.auth_failed(user, "certificate", Some(&key))
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        self.check_key(user, offer.public_key)
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        self.check_key(user, key.public_key)
    }

    async fn auth_succeeded(&mut self, _session: &mut Session) -> Result<(), Self::Error> {
        let Ok(permit) = self.shared.connections.clone().try_acquire_owned() else {
            self.log(&format!(
                "closed: too many authenticated connections (--max-sessions + {EXTRA_CONNECTIONS})"
            ));
            return Err(russh::Error::Disconnect);
        };
        // Gives the startup slot back; the socket holds this permit until it is closed.
        if !self
            .admission
            .promote(Admission::Authenticated { _permit: permit })
        {
            return Err(russh::Error::Disconnect);
        }
        self.state.authenticated.store(true, Ordering::SeqCst);
        self.log(&format!(
            "authenticated: {}",
            self.key
                .as_deref()
                .map_or("none (--open)".to_string(), |key| format!(
                    "publickey {key}"
                ))
        ));
        Ok(())
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channel_id.is_some() {
            // Dropping the reply refuses the channel: one showcase per connection.
            return self.count_refusal(session, "a second session channel");
        }
        // Requests and data reach this handler; the channel's own message queue would only
        // fill up unread, so its read half goes.
        let (_, write) = channel.split();
        self.channel_id = Some(write.id());
        self.channel = Some(write);
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if !self.is_ours(channel) || self.channel.is_none() {
            return self.refuse(session, channel, "a pty once the showcase runs");
        }
        // TERM is client-controlled: keep it short and printable for the log.
        self.pty = Some((
            printable(term, 64),
            session::screen_area(col_width, row_height),
        ));
        session.channel_success(channel)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if !self.is_ours(channel) || self.channel.is_none() {
            // Not our channel, or its showcase already runs.
            return self.refuse(session, channel, "a second shell");
        }
        self.start_showcase(channel, session)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if !self.is_ours(channel) || self.channel.is_none() {
            return self.refuse(session, channel, "a command");
        }
        self.refuse_readably(session, channel, "a command", NO_COMMANDS)
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let what = format!("the {} subsystem", printable(name, 32));
        if !self.is_ours(channel) || self.channel.is_none() {
            return self.refuse(session, channel, &what);
        }
        self.refuse_readably(session, channel, &what, NO_COMMANDS)
    }

    async fn x11_request(
        &mut self,
        channel: ChannelId,
        _single_connection: bool,
        _x11_auth_protocol: &str,
        _x11_auth_cookie: &str,
        _x11_screen_number: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.refuse(session, channel, "X11 forwarding")
    }

    async fn agent_request(
        &mut self,
        _channel: ChannelId,
        session: &mut Session,
    ) -> Result<bool, Self::Error> {
        // russh replies "failure" to the client on `false`.
        self.count_refusal(session, "agent forwarding")?;
        Ok(false)
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        variable_name: &str,
        variable_value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Only the few colour variables are kept (a fixed set, so a client cannot make us hold
        // more than a few short strings); they only choose this session's colour depth.
        if self.is_ours(channel) && color_depth::CLIENT_VARS.contains(&variable_name) {
            let value: String = variable_value
                .chars()
                .filter(char::is_ascii_graphic)
                .take(64)
                .collect();
            self.color_env.insert(variable_name.to_string(), value);
            return session.channel_success(channel);
        }
        self.env_requests += 1;
        if self.env_requests > FREE_ENV_REQUESTS {
            return self.refuse(session, channel, "environment variables");
        }
        session.channel_failure(channel)
    }

    async fn signal(
        &mut self,
        channel: ChannelId,
        _signal: Sig,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // No process to signal; the client may be waiting for an answer.
        self.refuse(session, channel, "a signal")
    }

    async fn channel_open_x11(
        &mut self,
        _channel: Channel<Msg>,
        _originator_address: &str,
        _originator_port: u32,
        _reply: ChannelOpenHandle,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Dropping the reply refuses the channel.
        self.count_refusal(session, "an X11 channel")
    }

    async fn channel_open_direct_tcpip(
        &mut self,
        _channel: Channel<Msg>,
        _host_to_connect: &str,
        _port_to_connect: u32,
        _originator_address: &str,
        _originator_port: u32,
        _reply: ChannelOpenHandle,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.count_refusal(session, "port forwarding")
    }

    async fn channel_open_forwarded_tcpip(
        &mut self,
        _channel: Channel<Msg>,
        _host_to_connect: &str,
        _port_to_connect: u32,
        _originator_address: &str,
        _originator_port: u32,
        _reply: ChannelOpenHandle,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.count_refusal(session, "a forwarded-tcpip channel")
    }

    async fn channel_open_direct_streamlocal(
        &mut self,
        _channel: Channel<Msg>,
        _socket_path: &str,
        _reply: ChannelOpenHandle,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.count_refusal(session, "socket forwarding")
    }

    async fn tcpip_forward(
        &mut self,
        _address: &str,
        _port: &mut u32,
        session: &mut Session,
    ) -> Result<bool, Self::Error> {
        self.count_refusal(session, "remote port forwarding")?;
        Ok(false)
    }

    async fn streamlocal_forward(
        &mut self,
        _socket_path: &str,
        session: &mut Session,
    ) -> Result<bool, Self::Error> {
        self.count_refusal(session, "remote socket forwarding")?;
        Ok(false)
    }

    async fn data(
        &mut self,
        _channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some(input) = &self.input else {
            return Ok(());
        };
        self.keys.clear();
        keys::parse(data, &mut self.keys);
        for key in &self.keys {
            // A full queue means a flood rather than typing: drop the excess.
            let _ = input.try_send(action_for(*key, self.shared.lock, self.shared.chord));
        }
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        col_width: u32,
        row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let area = session::screen_area(col_width, row_height);
        let ours = self.is_ours(channel);
        if let Some(size) = &self.size {
            size.send_replace(area);
        } else if let Some((_, pty_area)) = &mut self.pty
            && ours
        {
            *pty_area = area;
        }
        // Clients do not ask for a reply; one that does gets it.
        session.channel_success(channel)
    }

    async fn channel_eof(
        &mut self,
        _channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // The client will send no more keys (`ssh -tt host </dev/null`); the show goes on
        // until the channel closes or the viewer quits.
        self.input = None;
        Ok(())
    }

    async fn channel_close(
        &mut self,
        _channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.stop();
        Ok(())
    }
}

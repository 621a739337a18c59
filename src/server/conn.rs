//! One SSH connection: authentication, and the requests a client may make on its session
//! channel. Only a pty and a showcase are ever granted; everything else is refused.
//!
//! "Never a shell": when a client asks for a shell (what a plain `ssh host` does), no shell
//! process exists to start; the showcase answers that request instead, like charm's wish.
//! Commands (`ssh host cmd`), subsystems (`sftp`), X11 and agent forwarding, port forwarding
//! and any second channel are refused, and nothing is ever executed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use russh::keys::PublicKey;
use russh::server::{
    Auth, ChannelOpenHandle, Handler, Msg, PublicKeyOffer, Session, VerifiedPublicKey,
};
use russh::{Channel, ChannelId, ChannelWriteHalf, Pty};
use tokio::sync::{Notify, mpsc, watch};

use super::session::{self, SessionIo};
use super::{Shared, auth, keys, log, session_depth};
use crate::keymap::action_for;
use crate::show::Show;

/// Key actions a session may have waiting; more are dropped (a flood of keys, not typing).
const INPUT_QUEUE: usize = 64;

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
    id: u64,
    peer: SocketAddr,
    /// Fingerprint of the key the client authenticated with, for the log.
    key: Option<String>,
    /// The one session channel of this connection.
    channel_id: Option<ChannelId>,
    /// Its write half, until the showcase takes it.
    channel: Option<ChannelWriteHalf<Msg>>,
    /// The client's terminal, once it asked for a pty.
    pty: Option<(String, Rect)>,
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
        id: u64,
        peer: SocketAddr,
    ) -> Self {
        Self {
            shared,
            state,
            id,
            peer,
            key: None,
            channel_id: None,
            channel: None,
            pty: None,
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

    fn check_key(&mut self, key: &PublicKey) -> Auth {
        if self.shared.access.allows(key) {
            self.key = Some(auth::fingerprint(key));
            Auth::Accept
        } else {
            Auth::reject()
        }
    }

    /// Refuses a channel request with a line on the client's stderr, then closes the channel.
    fn refuse(
        &self,
        session: &mut Session,
        channel: ChannelId,
        why: &str,
    ) -> Result<(), russh::Error> {
        self.log(&format!("refused: {why}"));
        session.extended_data(channel, 1, format!("vitrine: {why}\r\n").into_bytes())?;
        session.channel_failure(channel)?;
        session.close(channel)
    }

    /// Answers a shell request with a showcase.
    fn start_showcase(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), russh::Error> {
        if *self.shared.shutdown.borrow() {
            return self.refuse(session, channel, "the server is shutting down");
        }
        let Some((term, area)) = self.pty.take() else {
            return self.refuse(
                session,
                channel,
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
        let mut spec = self.shared.spec.clone();
        if self.shared.vary_seed {
            spec.seed = spec
                .seed
                .wrapping_add(self.id.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        }
        let show = match Show::new(spec) {
            Ok(show) => show,
            Err(e) => {
                return self.refuse(session, channel, &format!("cannot start the show: {e:#}"));
            }
        };
        let Some(out) = self.channel.take() else {
            return session.channel_failure(channel);
        };
        let (input, input_rx) = mpsc::channel(INPUT_QUEUE);
        let (size, size_rx) = watch::channel(area);
        self.input = Some(input);
        self.size = Some(size);
        let depth = session_depth(self.shared.color, &term);
        self.log(&format!(
            "showcase started: {}x{} TERM={term} colours={:?} key={}",
            area.width,
            area.height,
            depth,
            self.key.as_deref().unwrap_or("none (--open)"),
        ));
        session.channel_success(channel)?;

        let io = SessionIo {
            out,
            connection: session.handle(),
            input: input_rx,
            size: size_rx,
            shutdown: self.shared.shutdown.clone(),
        };
        let (fps, idle) = (self.shared.fps, self.shared.idle_timeout);
        let (id, peer, state) = (self.id, self.peer, self.state.clone());
        self.state.started.store(true, Ordering::SeqCst);
        self.state.showing.store(true, Ordering::SeqCst);
        tokio::spawn(async move {
            let report = session::run(show, io, fps, depth, idle).await;
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

    /// Ends the showcase's input: the client closed its side.
    fn stop(&mut self) {
        self.input = None;
        self.size = None;
    }
}

impl Handler for Connection {
    type Error = russh::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        Ok(match self.shared.access {
            auth::Access::Open => Auth::Accept,
            auth::Access::Keys(_) => Auth::reject(),
        })
    }

    async fn auth_publickey_offered(
        &mut self,
        _user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(self.check_key(offer.public_key))
    }

    async fn auth_publickey(
        &mut self,
        _user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let verdict = self.check_key(key.public_key);
        if verdict != Auth::Accept {
            self.log("refused: key not in --authorized-keys");
        }
        Ok(verdict)
    }

    async fn auth_succeeded(&mut self, _session: &mut Session) -> Result<(), Self::Error> {
        self.state.authenticated.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channel_id.is_some() {
            // Dropping the reply refuses the channel: one showcase per connection.
            self.log("refused: a second session channel");
            return Ok(());
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
            return session.channel_failure(channel);
        }
        // TERM is client-controlled: keep it short and printable for the log.
        let term: String = term
            .chars()
            .filter(char::is_ascii_graphic)
            .take(64)
            .collect();
        self.pty = Some((term, session::screen_area(col_width, row_height)));
        session.channel_success(channel)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if !self.is_ours(channel) || self.channel.is_none() {
            // Not our channel, or its showcase already runs.
            return session.channel_failure(channel);
        }
        self.start_showcase(channel, session)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.refuse(
            session,
            channel,
            "this server only shows a showcase; it runs no commands",
        )
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let name: String = name
            .chars()
            .filter(char::is_ascii_graphic)
            .take(32)
            .collect();
        self.refuse(
            session,
            channel,
            &format!("no subsystems here ({name} refused)"),
        )
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
        session.channel_failure(channel)
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        _variable_name: &str,
        _variable_value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn channel_open_direct_tcpip(
        &mut self,
        _channel: Channel<Msg>,
        _host_to_connect: &str,
        _port_to_connect: u32,
        _originator_address: &str,
        _originator_port: u32,
        _reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Dropping the reply refuses the channel.
        self.log("refused: port forwarding");
        Ok(())
    }

    async fn tcpip_forward(
        &mut self,
        _address: &str,
        _port: &mut u32,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        self.log("refused: remote port forwarding");
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
        _session: &mut Session,
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
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        _channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.stop();
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

//! `vitrine serve`: the showcase served over SSH by vitrine itself, with no shell and no login
//! account (like charm's wish).
//!
//! Every connection that authenticates and asks for a terminal gets its own [`Show`] (own
//! playlist position, keys, size and seed) drawn through the same render path as the local
//! showcase ([`crate::screen::Screen`]) into a buffer sent over the SSH channel. The server
//! protects itself and its other viewers: a cap on sessions and on connections, a per-address
//! connection rate, an authentication timeout, an idle timeout, clamped screen sizes, bounded
//! key queues and a per-session output budget (see [`session`]).
//!
//! [`Show`]: crate::show::Show

mod auth;
mod broadcast;
mod conn;
mod keys;
mod proxy;
mod remote;
mod session;
mod socket;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use rand::{Rng as _, SeedableRng as _};
use russh::keys::PrivateKey;
use russh::server::Config;
use russh::{Disconnect, MethodKind, MethodSet, Preferred, SshId};
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Semaphore, watch};
use vitrine_effects::depth::Dither;

use crate::cli::{ServeArgs, Settings, SshCipher};
use crate::color_depth::ColorChoice;
use crate::config::Source;
use crate::control;
use crate::error::UsageError;
use crate::keymap::Chord;
use crate::limits::{RateLimiter, StartupSlot, Startups};
use crate::spec::ShowSpec;
use auth::Access;
use conn::{Connection, ConnectionState};
use socket::{Admission, AdmissionCell, Killer, Socket};

/// Authenticated connections allowed beyond `--max-sessions`: clients between authenticating
/// and starting their showcase, and the ones that get the "all sessions in use" message.
/// (Connections still authenticating have caps of their own, see [`Startups`].)
const EXTRA_CONNECTIONS: usize = 16;
/// Failed authentications (key offers included) before a connection is dropped, like
/// OpenSSH's MaxAuthTries.
const MAX_AUTH_ATTEMPTS: u32 = 6;
/// How long a session's goodbye and a connection's close may take on shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long a client has to close a connection whose showcase has ended.
const CLIENT_CLOSE_GRACE: Duration = Duration::from_secs(1);

/// What every connection shares.
pub struct Shared {
    spec: ShowSpec,
    /// Without `--seed`, each session gets its own seed (derived from the spec's).
    vary_seed: bool,
    /// `--broadcast`: the shared shows, by size and colour depth.
    broadcast: Option<Arc<broadcast::Hub>>,
    access: Access,
    fps: u32,
    /// `--color`: `auto` detects per client from its TERM and colour variables.
    color: ColorChoice,
    /// `--dither`, for every session.
    dither: Dither,
    lock: bool,
    /// The chord that quits a locked session (`--unlock-chord`).
    chord: Chord,
    idle_timeout: Option<Duration>,
    max_sessions: usize,
    /// One permit per running showcase.
    sessions: Arc<Semaphore>,
    /// One permit per authenticated connection (`max_sessions + EXTRA_CONNECTIONS`), held by
    /// its socket until the socket is closed.
    connections: Arc<Semaphore>,
    shutdown: watch::Receiver<bool>,
}

/// Runs `vitrine serve` until SIGTERM, SIGINT or SIGHUP: every viewer gets a show built from
/// `spec`, drawn and keyed as `settings` say.
pub fn run(spec: ShowSpec, settings: &Settings, args: &ServeArgs, source: Source) -> Result<()> {
    // Everything the user can get wrong is checked before the port is bound.
    let access = match (&args.authorized_keys, args.open) {
        (Some(path), _) => Access::Keys(auth::AuthorizedKeys::load(path)?),
        (None, true) => Access::Open,
        (None, false) => {
            return Err(UsageError(
                "serve needs --authorized-keys PATH (only those keys get in) or --open \
                 (anyone who can reach the address)"
                    .into(),
            )
            .into());
        }
    };
    let key_path = match &args.host_key {
        Some(path) => path.clone(),
        None => auth::default_host_key_path()?,
    };
    let (host_key, created) = auth::load_or_create_host_key(&key_path)?;
    log::info!(
        "host key {} {} ({}{})",
        host_key.algorithm(),
        auth::fingerprint(host_key.public_key()),
        key_path.display(),
        if created { ", new" } else { "" }
    );
    match &access {
        Access::Keys(keys) => log::info!(
            "{} authorized key(s) from {} (re-read when it changes)",
            keys.len(),
            keys.path().display()
        ),
        Access::Open => {
            log::warn!("!!! --open: ANYONE who can reach this address gets a session, without");
            log::warn!("!!! any key. Use --authorized-keys to restrict.");
        }
    }
    let broadcast = args.broadcast || (args.open && !args.no_broadcast);
    let control_socket = args
        .control_socket
        .as_ref()
        .filter(|path| path.as_os_str() != "none");
    if control_socket.is_some() && !broadcast {
        return Err(UsageError(
            "--control-socket controls the broadcast show: add --broadcast (the default with \
             --open)"
                .into(),
        )
        .into());
    }
    let remote = control_socket.map(|_| remote::Remote::new(source.config_path().map(Into::into)));
    let (shutdown_tx, shutdown) = watch::channel(false);
    let shared = Arc::new(Shared {
        // Synchronised viewers all see the one clock-locked show.
        vary_seed: settings.playlist.seed.is_none() && !spec.sync,
        broadcast: broadcast
            .then(|| broadcast::Hub::new(spec.clone(), settings.output.fps, remote.clone())),
        access,
        fps: settings.output.fps,
        color: settings.output.color,
        dither: settings.output.dither,
        chord: settings.kiosk.unlock_chord,
        lock: settings.kiosk.lock,
        idle_timeout: (!args.idle_timeout.is_zero()).then_some(args.idle_timeout),
        max_sessions: args.max_sessions as usize,
        sessions: Arc::new(Semaphore::new(args.max_sessions as usize)),
        connections: Arc::new(Semaphore::new(
            args.max_sessions as usize + EXTRA_CONNECTIONS,
        )),
        shutdown,
        spec,
    });
    let config = Arc::new(ssh_config(host_key, &shared.access, &args.ciphers));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("vitrine-serve")
        .build()
        .context("cannot start the server runtime")?;
    runtime.block_on(async {
        // Bound before the port, so a socket in use is an error before anyone connects.
        let _socket = match (control_socket, remote) {
            (Some(path), Some(remote)) => {
                let (file, inbox) = control::serve_socket(path)?;
                let spec = shared.spec.clone();
                tokio::spawn(remote::answer(inbox, remote, spec, source));
                Some(file)
            }
            _ => None,
        };
        serve(args, shared, config, shutdown_tx).await
    })
}

fn ssh_config(host_key: PrivateKey, access: &Access, ciphers: &[SshCipher]) -> Config {
    let mut preferred = Preferred::default();
    let ciphers = match ciphers {
        [] => default_ciphers(access, cpu_has_fast_aes()),
        chosen => chosen,
    };
    if !ciphers.is_empty() {
        preferred.cipher = ciphers.iter().map(|&c| cipher_name(c)).collect();
    }
    let offered: Vec<&str> = preferred.cipher.iter().map(|c| c.as_ref()).collect();
    log::info!("ciphers offered: {}", offered.join(","));
    let mut methods = vec![MethodKind::PublicKey];
    if matches!(access, Access::Open) {
        methods.push(MethodKind::None);
    }
    Config {
        server_id: SshId::Standard(format!("SSH-2.0-vitrine_{}", env!("CARGO_PKG_VERSION")).into()),
        methods: MethodSet::from(&methods[..]),
        // Constant-time rejections, except for the "none" probe every client starts with.
        auth_rejection_time: Duration::from_secs(1),
        auth_rejection_time_initial: Some(Duration::ZERO),
        max_auth_attempts: MAX_AUTH_ATTEMPTS as usize,
        keys: vec![host_key],
        // Keystrokes are all a client sends: a small window bounds what it can push at us.
        window_size: 64 * 1024,
        // A dead peer: nothing received for 2 minutes, keepalives unanswered for 90 s.
        inactivity_timeout: Some(Duration::from_secs(120)),
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 3,
        nodelay: true,
        preferred,
        ..Config::default()
    }
}

/// What is offered without `--ciphers` (empty: russh's own list, ChaCha20 first).
///
/// The client picks the first cipher of *its* list that the server offers, and OpenSSH asks for
/// chacha20-poly1305 first. With --open a crowd comes, and on a CPU with AES instructions
/// ChaCha20-Poly1305 costs the server about 8x AES-GCM per byte (ring's Poly1305 has no SIMD
/// code on x86-64): 1,000 viewers cost 53-61% of a core with ChaCha20 and 38-46% with AES-GCM
/// (BENCHMARKS.md). So an open server on such a CPU offers AES-GCM only, which every OpenSSH
/// since 6.2 and PuTTY since 0.76 speak. Without AES instructions (a Raspberry Pi 4), ChaCha20
/// is the fast one and everything stays offered; a key-only server serves a few people and
/// offers everything too.
fn default_ciphers(access: &Access, fast_aes: bool) -> &'static [SshCipher] {
    match access {
        Access::Open if fast_aes => &[SshCipher::Aes128Gcm, SshCipher::Aes256Gcm],
        _ => &[],
    }
}

/// Whether this CPU has AES and carry-less multiply instructions (what AES-GCM needs to be fast).
fn cpu_has_fast_aes() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("aes")
            && std::arch::is_x86_feature_detected!("pclmulqdq")
    }
    #[cfg(target_arch = "aarch64")]
    {
        std::arch::is_aarch64_feature_detected!("aes")
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

/// russh's name for a cipher of `--ciphers`.
fn cipher_name(cipher: SshCipher) -> russh::cipher::Name {
    use russh::cipher;
    match cipher {
        SshCipher::Chacha20Poly1305 => cipher::CHACHA20_POLY1305,
        SshCipher::Aes256Gcm => cipher::AES_256_GCM,
        SshCipher::Aes128Gcm => cipher::AES_128_GCM,
        SshCipher::Aes256Ctr => cipher::AES_256_CTR,
        SshCipher::Aes192Ctr => cipher::AES_192_CTR,
        SshCipher::Aes128Ctr => cipher::AES_128_CTR,
    }
}

async fn serve(
    args: &ServeArgs,
    shared: Arc<Shared>,
    config: Arc<Config>,
    shutdown_tx: watch::Sender<bool>,
) -> Result<()> {
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let local = listener.local_addr()?;
    log::info!(
        "listening on {local}; connect with: ssh -p {} {}",
        local.port(),
        local.ip()
    );

    let listen_for = |kind| signal(kind).context("cannot install signal handlers");
    let mut term = listen_for(SignalKind::terminate())?;
    let mut int = listen_for(SignalKind::interrupt())?;
    let mut hup = listen_for(SignalKind::hangup())?;
    let stop = async {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
            _ = hup.recv() => {}
        }
    };
    tokio::pin!(stop);

    if let Access::Keys(_) = &shared.access {
        tokio::spawn(watch_authorized_keys(shared.clone()));
    }
    let gate = Arc::new(Gate::new(args));
    // Connections from a trusted proxy whose header has not arrived yet.
    let pending_headers = Arc::new(Semaphore::new(args.max_startups as usize));
    let next_id = AtomicU64::new(1);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    log::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        let accepted = tokio::time::Instant::now();
        let _ = stream.set_nodelay(true);
        let start = {
            let (shared, config) = (shared.clone(), config.clone());
            let auth_timeout = args.auth_timeout;
            move |stream, client, slot| {
                connection(
                    stream,
                    client,
                    id,
                    shared,
                    config,
                    accepted + auth_timeout,
                    slot,
                )
            }
        };
        if !args.proxy_protocol {
            if let Some(slot) = gate.admit(id, peer) {
                tokio::spawn(start(stream, peer, slot));
            }
            continue;
        }
        // Behind a load balancer: the client is whoever its PROXY header names.
        if !proxy::trusted(peer.ip(), &args.trusted_proxy) {
            gate.dropped(
                id,
                peer,
                "not a --trusted-proxy (a PROXY header is expected)",
            );
            continue;
        }
        let Ok(reading) = pending_headers.clone().try_acquire_owned() else {
            gate.dropped(id, peer, "too many PROXY headers pending");
            continue;
        };
        let header_timeout = args.auth_timeout.min(PROXY_HEADER_TIMEOUT);
        let gate = gate.clone();
        tokio::spawn(async move {
            let mut stream = stream;
            let header = tokio::time::timeout(header_timeout, proxy::read_header(&mut stream));
            let client = match header.await {
                Ok(Ok(client)) => client.unwrap_or(peer),
                Ok(Err(e)) => return log(id, peer, &format!("dropped: {e}")),
                Err(_) => return log(id, peer, "dropped: no PROXY header in time"),
            };
            drop(reading);
            log::debug!("serve: [{id} {client}] through the proxy {peer}");
            if let Some(slot) = gate.admit(id, client) {
                start(stream, client, slot).await;
            }
        });
    }

    let running = shared.max_sessions - shared.sessions.available_permits();
    log::info!("shutting down; restoring {running} client terminal(s)");
    shutdown_tx.send_replace(true);
    let everything = async {
        let _sessions = shared
            .sessions
            .acquire_many(shared.max_sessions as u32)
            .await;
        let all = shared.max_sessions + EXTRA_CONNECTIONS;
        let _connections = shared.connections.acquire_many(all as u32).await;
    };
    if tokio::time::timeout(SHUTDOWN_GRACE * 2, everything)
        .await
        .is_err()
    {
        log::warn!("some clients did not close in time");
    }
    log::info!("stopped");
    Ok(())
}

/// How often the authorized_keys file is checked for changes: a revoked key stops working
/// for new connections within this time.
const KEYS_POLL: Duration = Duration::from_millis(250);

/// Re-reads `--authorized-keys` whenever the file changes, until shutdown. (Polling a file's
/// metadata is cheap, and unlike change notifications it sees a file renamed over the old
/// one, a changed symlink or a remounted directory alike.)
async fn watch_authorized_keys(shared: Arc<Shared>) {
    let Access::Keys(keys) = &shared.access else {
        return;
    };
    let mut shutdown = shared.shutdown.clone();
    let mut poll = tokio::time::interval(KEYS_POLL);
    loop {
        tokio::select! {
            _ = poll.tick() => {}
            _ = shutdown.wait_for(|down| *down) => return,
        }
        match keys.refresh() {
            auth::Refresh::Unchanged => {}
            auth::Refresh::Reloaded(count) => log::info!(
                "serve: {} re-read: {count} authorized key(s)",
                keys.path().display()
            ),
            auth::Refresh::Failed(e) => {
                log::error!("serve: {e}; nobody can log in until the file is fixed");
            }
        }
    }
}

/// Runs one connection: the SSH session, watched for the auth timeout and for shutdown.
///
/// The auth timeout runs from the TCP accept. A connection that has not authenticated by
/// then has its socket shut down, whatever state its SSH session is in; one that has
/// authenticated but not started a showcase is told why and disconnected.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    id: u64,
    shared: Arc<Shared>,
    config: Arc<Config>,
    deadline: tokio::time::Instant,
    slot: StartupSlot,
) {
    let deadline = tokio::time::sleep_until(deadline);
    tokio::pin!(deadline);
    let killer = match Killer::new(&stream) {
        Ok(killer) => killer,
        Err(e) => return log(id, peer, &format!("dropped: {e}")),
    };
    let state = Arc::new(ConnectionState::default());
    // Room made for a newcomer (see `Startups`): this connection must go if it has not
    // authenticated.
    let eviction = slot.eviction();
    let evicted = || async { eviction.notified().await };
    let admission = AdmissionCell::new(Admission::Startup { _slot: slot });
    let handler = Connection::new(shared.clone(), state.clone(), admission.clone(), id, peer);
    let shutdown = shared.shutdown.clone();
    let server_down = |mut shutdown: watch::Receiver<bool>| async move {
        let _ = shutdown.wait_for(|down| *down).await;
    };
    // Until the version exchange is done the session is this future: dropping it closes the
    // socket.
    let mut running = tokio::select! {
        started = russh::server::run_stream(config, Socket::new(stream, admission), handler) => {
            match started {
                Ok(running) => running,
                Err(e) => return log(id, peer, &format!("handshake failed: {e}")),
            }
        }
        () = &mut deadline => return log(id, peer, "closed: authentication timed out"),
        () = evicted() => return log(id, peer, EVICTED),
        () = server_down(shutdown.clone()) => return,
    };
    let handle = running.handle();
    let mut killer = Some(killer);
    let event = loop {
        tokio::select! {
            _ = &mut running => return,
            () = &mut deadline, if killer.is_some() => {
                if state.started.load(Ordering::SeqCst) {
                    // The showcase runs: the spare handle on the socket is no longer needed.
                    killer = None;
                    continue;
                }
                break Event::SetupTimeout;
            }
            // Eviction targets only connections still authenticating (one that got there
            // meanwhile stays).
            () = evicted(), if !state.authenticated.load(Ordering::SeqCst) => {
                if !state.authenticated.load(Ordering::SeqCst) {
                    break Event::Evicted;
                }
            }
            () = server_down(shutdown.clone()) => break Event::Shutdown,
            () = state.shown.notified() => break Event::ShowcaseEnded,
        }
    };
    let authenticated = state.authenticated.load(Ordering::SeqCst);
    if !authenticated && let Some(killer) = killer.take() {
        // Nothing to say to a client that has not authenticated (it may not even have keys
        // to read a message with): end the socket.
        killer.kill();
        match event {
            Event::SetupTimeout => log(id, peer, "closed: authentication timed out"),
            Event::Evicted => log(id, peer, EVICTED),
            Event::Shutdown | Event::ShowcaseEnded => {}
        }
        return;
    }
    let reason = match event {
        Event::Evicted => {
            log(id, peer, EVICTED);
            "evicted for another client"
        }
        Event::SetupTimeout => {
            log(id, peer, "closed: no showcase requested in time");
            "no showcase requested"
        }
        Event::Shutdown | Event::ShowcaseEnded => {
            // Let the showcase restore the client's terminal and close its channel first: a
            // disconnect now could overtake that goodbye. Clients close the connection
            // themselves once their channel is closed; one that does not is disconnected.
            if event == Event::Shutdown && state.showing.load(Ordering::SeqCst) {
                let _ = tokio::time::timeout(SHUTDOWN_GRACE, state.shown.notified()).await;
            }
            if tokio::time::timeout(CLIENT_CLOSE_GRACE, &mut running)
                .await
                .is_ok()
            {
                return;
            }
            if event == Event::Shutdown {
                "server shutting down"
            } else {
                "session over"
            }
        }
    };
    let _ = handle
        .disconnect(Disconnect::ByApplication, reason.into(), String::new())
        .await;
    let grace = if killer.is_some() {
        CLIENT_CLOSE_GRACE
    } else {
        SHUTDOWN_GRACE
    };
    if tokio::time::timeout(grace, &mut running).await.is_err()
        && let Some(killer) = killer
    {
        killer.kill();
    }
}

/// The log line of a connection evicted to make room for a newcomer.
const EVICTED: &str =
    "closed: evicted for a first connection from another address (--max-startups)";

/// How long a trusted proxy may take to send its header (balancers send it at once).
const PROXY_HEADER_TIMEOUT: Duration = Duration::from_secs(5);

/// Admission at accept: the per-address connection rate, then a startup slot.
struct Gate {
    limiter: Mutex<RateLimiter>,
    startups: Arc<Startups>,
    early_drop_dice: Mutex<rand_chacha::ChaCha8Rng>,
    drops: Mutex<DropReport>,
}

impl Gate {
    fn new(args: &ServeArgs) -> Self {
        Self {
            limiter: Mutex::new(RateLimiter::new(args.rate_limit)),
            startups: Startups::new(
                args.max_startups as usize,
                args.max_startups_per_address as usize,
            ),
            early_drop_dice: Mutex::new(rand_chacha::ChaCha8Rng::from_entropy()),
            drops: Mutex::default(),
        }
    }

    /// A startup slot for a connection from `client`, or `None` (logged) if it is dropped.
    fn admit(&self, id: u64, client: SocketAddr) -> Option<StartupSlot> {
        let now = Instant::now();
        if !lock(&self.limiter).allow(client.ip(), now) {
            self.dropped(id, client, "connecting too often (--rate-limit)");
            return None;
        }
        let roll = lock(&self.early_drop_dice).r#gen::<f64>();
        self.startups
            .admit(client.ip(), roll)
            .inspect_err(|refused| self.dropped(id, client, refused.reason()))
            .ok()
    }

    fn dropped(&self, id: u64, peer: SocketAddr, reason: &'static str) {
        lock(&self.drops).dropped(id, peer, reason, Instant::now());
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How often at most a line reports connections dropped at accept.
const DROP_REPORT_EVERY: Duration = Duration::from_secs(10);

/// Connections dropped at accept, reported at most once per [`DROP_REPORT_EVERY`] for each
/// reason, so that a flood of connections is not a flood of log lines.
#[derive(Default)]
struct DropReport {
    /// When each reason was last logged, and how many drops for it since.
    by_reason: HashMap<&'static str, (Instant, u64)>,
}

impl DropReport {
    fn dropped(&mut self, id: u64, peer: SocketAddr, reason: &'static str, now: Instant) {
        if let Some((last, unreported)) = self.by_reason.get_mut(reason)
            && now.duration_since(*last) < DROP_REPORT_EVERY
        {
            *unreported += 1;
            return;
        }
        let earlier = match self.by_reason.insert(reason, (now, 0)) {
            Some((_, n)) if n > 0 => format!(" ({n} more since the last such line)"),
            _ => String::new(),
        };
        log(id, peer, &format!("dropped: {reason}{earlier}"));
    }
}

/// What ends a connection besides the client.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Event {
    SetupTimeout,
    /// Made room for a first connection from another address (see [`Startups`]).
    Evicted,
    Shutdown,
    ShowcaseEnded,
}

/// One line of the server log about connection `id` from `peer`.
fn log(id: u64, peer: SocketAddr, message: &str) {
    log_at(log::Level::Info, id, peer, message);
}

fn log_at(level: log::Level, id: u64, peer: SocketAddr, message: &str) {
    log::log!(level, "serve: [{id} {peer}] {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_open_server_offers_aes_gcm_only_where_the_cpu_makes_it_cheap() {
        assert_eq!(
            default_ciphers(&Access::Open, true),
            [SshCipher::Aes128Gcm, SshCipher::Aes256Gcm]
        );
        assert!(default_ciphers(&Access::Open, false).is_empty());
    }
}

//! `vitrine serve`: the showcase served over SSH by vitrine itself, with no shell and no login
//! account (like charm's wish).
//!
//! Every connection that authenticates and asks for a terminal gets its own [`Show`] (own
//! playlist position, keys, size and seed) drawn through the same render path as the local
//! showcase ([`crate::screen::draw`]) into a buffer sent over the SSH channel. The server
//! protects itself and its other viewers: a cap on sessions and on connections, a per-address
//! connection rate, an authentication timeout, an idle timeout, clamped screen sizes, bounded
//! key queues and a per-session output budget (see [`session`]).
//!
//! [`Show`]: crate::show::Show

mod auth;
mod conn;
mod keys;
mod limits;
mod session;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use russh::keys::PrivateKey;
use russh::server::Config;
use russh::{Disconnect, MethodKind, MethodSet, SshId};
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use vitrine_effects::depth::ColorDepth;

use crate::app::Chord;
use crate::cli::ServeArgs;
use crate::color_depth::ColorChoice;
use crate::show::ShowSpec;
use auth::Access;
use conn::{Connection, ConnectionState};
use limits::RateLimiter;

/// Connections allowed beyond `--max-sessions`: clients still authenticating, and the ones
/// that get the "all sessions in use" message. Beyond that, connections are dropped at once.
const EXTRA_CONNECTIONS: usize = 16;
/// How long a session's goodbye and a connection's close may take on shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long a client has to close a connection whose showcase has ended.
const CLIENT_CLOSE_GRACE: Duration = Duration::from_secs(1);

/// What every connection shares.
pub struct Shared {
    spec: ShowSpec,
    /// Without `--seed`, each session gets its own seed (derived from the spec's).
    vary_seed: bool,
    access: Access,
    fps: u32,
    /// `--color`: `auto` picks per client from its TERM ([`remote_color_choice`]).
    color: ColorChoice,
    lock: bool,
    /// The chord that quits a locked session (`--unlock-chord`).
    chord: Chord,
    idle_timeout: Option<Duration>,
    max_sessions: usize,
    /// One permit per running showcase.
    sessions: Arc<Semaphore>,
    shutdown: watch::Receiver<bool>,
}

/// Runs `vitrine serve` until SIGTERM, SIGINT or SIGHUP.
pub fn run(spec: ShowSpec, args: &ServeArgs) -> Result<()> {
    // Everything the user can get wrong is checked before the port is bound.
    let access = match (&args.authorized_keys, args.open) {
        (Some(path), _) => Access::Keys(auth::read_authorized_keys(path)?),
        (None, _) => Access::Open,
    };
    let key_path = match &args.host_key {
        Some(path) => path.clone(),
        None => auth::default_host_key_path()?,
    };
    let (host_key, created) = auth::load_or_create_host_key(&key_path)?;
    eprintln!(
        "vitrine serve: host key {} {} ({}{})",
        host_key.algorithm(),
        auth::fingerprint(host_key.public_key()),
        key_path.display(),
        if created { ", new" } else { "" }
    );
    match &access {
        Access::Keys(keys) => eprintln!(
            "vitrine serve: {} authorized key(s) from {}",
            keys.len(),
            args.authorized_keys
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ),
        Access::Open => {
            eprintln!(
                "vitrine serve: !!! WARNING: --open: ANYONE who can reach this address gets a"
            );
            eprintln!(
                "vitrine serve: !!! session, without any key. Use --authorized-keys to restrict."
            );
        }
    }
    let (shutdown_tx, shutdown) = watch::channel(false);
    let shared = Arc::new(Shared {
        vary_seed: args.show.seed.is_none(),
        access,
        fps: args.show.fps,
        color: args.show.color,
        chord: args.show.kiosk.unlock_chord,
        lock: args.show.lock,
        idle_timeout: (!args.idle_timeout.is_zero()).then_some(args.idle_timeout),
        max_sessions: args.max_sessions as usize,
        sessions: Arc::new(Semaphore::new(args.max_sessions as usize)),
        shutdown,
        spec,
    });
    let config = Arc::new(ssh_config(host_key, &shared.access));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("vitrine-serve")
        .build()
        .context("cannot start the server runtime")?;
    runtime.block_on(serve(args, shared, config, shutdown_tx))
}

fn ssh_config(host_key: PrivateKey, access: &Access) -> Config {
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
        max_auth_attempts: 6,
        keys: vec![host_key],
        // Keystrokes are all a client sends: a small window bounds what it can push at us.
        window_size: 64 * 1024,
        // A dead peer: nothing received for 2 minutes, keepalives unanswered for 90 s.
        inactivity_timeout: Some(Duration::from_secs(120)),
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 3,
        nodelay: true,
        ..Config::default()
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
    eprintln!(
        "vitrine serve: listening on {local}; connect with: ssh -p {} {}",
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

    let max_connections = shared.max_sessions + EXTRA_CONNECTIONS;
    let connections = Arc::new(Semaphore::new(max_connections));
    let mut limiter = RateLimiter::new(args.rate_limit);
    let next_id = AtomicU64::new(1);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    eprintln!("vitrine serve: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let id = next_id.fetch_add(1, Ordering::Relaxed);
        if !limiter.allow(peer.ip(), Instant::now()) {
            log(id, peer, "dropped: connecting too often (--rate-limit)");
            continue;
        }
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            log(id, peer, "dropped: too many connections");
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(
            stream,
            peer,
            id,
            shared.clone(),
            config.clone(),
            args.auth_timeout,
            permit,
        ));
    }

    let running = shared.max_sessions - shared.sessions.available_permits();
    eprintln!("vitrine serve: shutting down; restoring {running} client terminal(s)");
    shutdown_tx.send_replace(true);
    let everything = async {
        let _sessions = shared
            .sessions
            .acquire_many(shared.max_sessions as u32)
            .await;
        let _connections = connections.acquire_many(max_connections as u32).await;
    };
    if tokio::time::timeout(SHUTDOWN_GRACE * 2, everything)
        .await
        .is_err()
    {
        eprintln!("vitrine serve: some clients did not close in time");
    }
    eprintln!("vitrine serve: stopped");
    Ok(())
}

/// Runs one connection: the SSH session, watched for the auth timeout and for shutdown.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    id: u64,
    shared: Arc<Shared>,
    config: Arc<Config>,
    auth_timeout: Duration,
    _permit: OwnedSemaphorePermit,
) {
    let state = Arc::new(ConnectionState::default());
    let handler = Connection::new(shared.clone(), state.clone(), id, peer);
    let started = tokio::time::timeout(
        auth_timeout,
        russh::server::run_stream(config, stream, handler),
    );
    let mut running = match started.await {
        Ok(Ok(running)) => running,
        Ok(Err(e)) => return log(id, peer, &format!("handshake failed: {e}")),
        Err(_) => return log(id, peer, "handshake timed out"),
    };
    let handle = running.handle();
    // Authenticating and starting a showcase must both happen within the auth timeout: a
    // connection that does neither only holds a slot.
    let setup_deadline = async {
        tokio::time::sleep(auth_timeout).await;
        if state.started.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
    };
    let mut shutdown = shared.shutdown.clone();
    let event = tokio::select! {
        _ = &mut running => return,
        () = setup_deadline => Event::SetupTimeout,
        () = async { let _ = shutdown.wait_for(|down| *down).await; } => Event::Shutdown,
        () = state.shown.notified() => Event::ShowcaseEnded,
    };
    let reason = match event {
        Event::SetupTimeout if !state.authenticated.load(Ordering::SeqCst) => {
            log(id, peer, "closed: authentication timed out");
            "authentication timed out"
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
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, running).await;
}

/// What ends a connection besides the client.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Event {
    SetupTimeout,
    Shutdown,
    ShowcaseEnded,
}

/// One line of the server log, on standard error.
fn log(id: u64, peer: SocketAddr, message: &str) {
    eprintln!("vitrine serve: [{id} {peer}] {message}");
}

/// The colour depth for a session: `--color` if given, else what the client's TERM implies.
fn session_depth(choice: ColorChoice, term: &str) -> ColorDepth {
    match choice {
        ColorChoice::Auto => remote_color_choice(term),
        other => crate::color_depth::resolve(other, false),
    }
}

/// The colour depth a remote session should get from its client's TERM.
///
/// SSH forwards TERM (in the pty request) but not COLORTERM, so truecolor support cannot be
/// detected the way it is locally; 256 colours is what nearly every terminal of the last two
/// decades shows correctly, so it is the default unless TERM says more or less.
fn remote_color_choice(term: &str) -> ColorDepth {
    let term = term.to_ascii_lowercase();
    const TRUECOLOR: [&str; 6] = [
        "xterm-kitty",
        "xterm-ghostty",
        "wezterm",
        "alacritty",
        "foot",
        "contour",
    ];
    if term == "dumb" {
        ColorDepth::Mono
    } else if term.ends_with("-direct")
        || term.contains("truecolor")
        || term.contains("24bit")
        || TRUECOLOR.iter().any(|t| term.starts_with(t))
    {
        ColorDepth::TrueColor
    } else if term.contains("256color") {
        ColorDepth::Ansi256
    } else if term == "linux"
        || term.starts_with("vt")
        || term == "ansi"
        || term == "cons25"
        || term.ends_with("-16color")
        || term.ends_with("-color")
        || term.ends_with("-mono")
    {
        ColorDepth::Ansi16
    } else {
        ColorDepth::Ansi256
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_colour_follows_term_with_256_by_default() {
        use ColorDepth::*;
        for (term, want) in [
            ("", Ansi256),
            ("xterm", Ansi256),
            ("xterm-256color", Ansi256),
            ("screen", Ansi256),
            ("tmux-256color", Ansi256),
            ("xterm-direct", TrueColor),
            ("xterm-kitty", TrueColor),
            ("linux", Ansi16),
            ("vt100", Ansi16),
            ("xterm-color", Ansi16),
            ("dumb", Mono),
        ] {
            assert_eq!(remote_color_choice(term), want, "{term}");
        }
    }
}

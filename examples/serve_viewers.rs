//! A light SSH client for load-testing `vitrine serve`: connects many viewers (with `--open`,
//! no key), asks each for a pty and the showcase, and counts the frames each receives (each
//! starts with a synchronized-update mark). Prints each viewer's frame rate and longest gap
//! between frames over the measured window (and when the gaps over 100 ms happened and whose
//! they were), and, given the server's pid, its CPU time and memory over that window (from
//! /proc), and its own CPU time.
//!
//!     cargo run --release --example serve_viewers -- PORT VIEWERS SECONDS [COLSxROWS] [PID]
//!
//! It is one thread for all the viewers (so it takes at most one of the machine's cores from
//! the server; `BENCH_CLIENT_THREADS=N` for more) and does nothing per byte but decrypt and
//! look for the frame mark, in russh's data callback (no task or queue per viewer besides
//! russh's own session).
//! The viewers ask for ciphers in OpenSSH's default order (ChaCha20-Poly1305, then AES-CTR, then
//! AES-GCM), so the server's offer decides what they get, as it does for OpenSSH users;
//! `BENCH_CIPHER` (comma-separated) asks for others, e.g. `aes256-gcm@openssh.com`.
//!
//! `scripts/bench-serve.sh` starts a server and runs this at 1, 10, 100 and 1,000 viewers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use memchr::memmem::Finder;
use russh::client::{self, Handle};
use russh::keys::PublicKeyOrCertificate;
use russh::{ChannelId, Preferred, cipher};
use tokio::sync::Semaphore;

const BEGIN_FRAME: &[u8] = b"\x1b[?2026h";

/// Counts frame marks in a stream that arrives in chunks, a mark possibly split between two.
struct MarkCounter {
    finder: Finder<'static>,
    /// The last bytes of the stream so far (fewer than a mark).
    tail: Vec<u8>,
}

impl MarkCounter {
    fn new() -> Self {
        Self {
            finder: Finder::new(BEGIN_FRAME),
            tail: Vec::with_capacity(2 * BEGIN_FRAME.len()),
        }
    }

    /// The marks that end in `data`.
    fn count(&mut self, data: &[u8]) -> usize {
        let keep = BEGIN_FRAME.len() - 1;
        let mut marks = self.finder.find_iter(data).count();
        // Marks that start in the tail and end in `data`.
        let from_tail = self.tail.len();
        self.tail.extend_from_slice(&data[..data.len().min(keep)]);
        marks += self
            .finder
            .find_iter(&self.tail)
            .filter(|&at| at < from_tail && at + BEGIN_FRAME.len() > from_tail)
            .count();
        if data.len() >= keep {
            self.tail.clear();
            self.tail.extend_from_slice(&data[data.len() - keep..]);
        } else {
            let cut = self.tail.len().saturating_sub(keep);
            self.tail.drain(..cut);
        }
        marks
    }
}

/// One viewer's client: counts the frames it receives in russh's data callback, on the
/// session's own task (the channel's read half is dropped, so the data is not handed on to
/// another task: the least a client can do with the stream after decrypting it).
struct Viewer {
    marks: MarkCounter,
    window: Arc<Window>,
    frames: Arc<Mutex<Frames>>,
}

impl client::Handler for Viewer {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }

    async fn data(
        &mut self,
        _: ChannelId,
        data: &[u8],
        _: &mut client::Session,
    ) -> Result<(), Self::Error> {
        let marks = self.marks.count(data);
        if marks > 0
            && let Some(start) = self.window.start.get()
        {
            let at = start.elapsed();
            let mut frames = self.frames.lock().unwrap_or_else(PoisonError::into_inner);
            frames.times.extend(std::iter::repeat_n(at, marks));
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        _: ChannelId,
        _: &mut client::Session,
    ) -> Result<(), Self::Error> {
        let mut frames = self.frames.lock().unwrap_or_else(PoisonError::into_inner);
        frames.closed = true;
        Ok(())
    }
}

/// When each frame of one viewer began, from the start of the measured window.
#[derive(Default)]
struct Frames {
    times: Vec<Duration>,
    /// The server closed the channel.
    closed: bool,
}

/// The measured window, shared by every viewer: it opens once all are connected.
#[derive(Default)]
struct Window {
    /// Viewers connected and watching (or failed).
    settled: AtomicUsize,
    start: OnceLock<Instant>,
}

/// A viewer that connected and watches: its connection, and its frames so far.
struct Watching {
    /// Held: dropping it would end the session.
    _connection: Handle<Viewer>,
    frames: Arc<Mutex<Frames>>,
}

async fn view(
    port: u16,
    ciphers: &'static [cipher::Name],
    (cols, rows): (u32, u32),
    connecting: Arc<Semaphore>,
    window: Arc<Window>,
) -> Result<Watching, String> {
    let watching = connect(port, ciphers, (cols, rows), &connecting, window.clone()).await;
    window.settled.fetch_add(1, Ordering::Relaxed);
    watching
}

/// Connects one viewer and starts its showcase (a few at a time: the server caps connections
/// still authenticating).
async fn connect(
    port: u16,
    ciphers: &'static [cipher::Name],
    (cols, rows): (u32, u32),
    connecting: &Semaphore,
    window: Arc<Window>,
) -> Result<Watching, String> {
    let _permit = connecting.acquire().await.map_err(|e| e.to_string())?;
    let config = Arc::new(client::Config {
        inactivity_timeout: None,
        nodelay: true,
        preferred: Preferred {
            cipher: std::borrow::Cow::Borrowed(ciphers),
            ..Preferred::default()
        },
        ..client::Config::default()
    });
    let frames = Arc::new(Mutex::new(Frames::default()));
    let viewer = Viewer {
        marks: MarkCounter::new(),
        window,
        frames: frames.clone(),
    };
    let mut handle: Handle<Viewer> = client::connect(config, ("127.0.0.1", port), viewer)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    if !handle
        .authenticate_none("viewer")
        .await
        .map_err(|e| format!("auth: {e}"))?
        .success()
    {
        return Err("auth refused (start the server with --open)".into());
    }
    let channel = handle
        .channel_open_session()
        .await
        .map_err(|e| format!("open: {e}"))?;
    channel
        .request_pty(false, "xterm-256color", cols, rows, 0, 0, &[])
        .await
        .map_err(|e| format!("pty: {e}"))?;
    channel
        .request_shell(false)
        .await
        .map_err(|e| format!("shell: {e}"))?;
    // The frames are counted in `Viewer::data`; nobody reads the channel's own queue.
    let (read_half, _) = channel.split();
    drop(read_half);
    Ok(Watching {
        _connection: handle,
        frames,
    })
}

/// utime + stime (seconds) and resident/peak memory (KiB) of `pid`.
fn usage(pid: u32) -> Option<(f64, u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
    };
    // Clock ticks are 100 a second on Linux.
    Some((ticks / 100.0, kib("VmRSS:")?, kib("VmHWM:")?))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let (Some(port), Some(viewers), Some(seconds)) = (
        arg(0).and_then(|s| s.parse::<u16>().ok()),
        arg(1).and_then(|s| s.parse::<usize>().ok()),
        arg(2).and_then(|s| s.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: serve_viewers PORT VIEWERS SECONDS [COLSxROWS] [PID]");
        std::process::exit(2);
    };
    let size = arg(3)
        .and_then(|s| s.split_once('x'))
        .and_then(|(c, r)| Some((c.parse().ok()?, r.parse().ok()?)))
        .unwrap_or((100, 30));
    let pid = arg(4).and_then(|s| s.parse::<u32>().ok());
    // OpenSSH's own order (ssh_config(5) `Ciphers`), for the ones russh has.
    const OPENSSH_ORDER: &str = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,\
                                 aes128-gcm@openssh.com,aes256-gcm@openssh.com";
    let asked = std::env::var("BENCH_CIPHER").ok();
    let mut ciphers = Vec::new();
    for name in asked.as_deref().unwrap_or(OPENSSH_ORDER).split(',') {
        let Ok(cipher) = cipher::Name::try_from(name) else {
            eprintln!("BENCH_CIPHER: unknown cipher {name}");
            std::process::exit(2);
        };
        ciphers.push(cipher);
    }
    let ciphers: &'static [cipher::Name] = Vec::leak(ciphers);
    let cipher_name = asked.unwrap_or_else(|| "OpenSSH's cipher order".to_string());
    // One thread unless BENCH_CLIENT_THREADS says otherwise (on a machine busy with other
    // work, more threads get the client a larger share of the cores).
    let threads = std::env::var("BENCH_CLIENT_THREADS")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(1);
    let runtime = match threads {
        0 | 1 => tokio::runtime::Builder::new_current_thread(),
        _ => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(threads);
            builder
        }
    }
    .enable_all()
    .build()
    .unwrap();
    runtime.block_on(async move {
        // Connect in small batches: the server caps connections still authenticating.
        let connecting = Arc::new(Semaphore::new(8));
        let window = Arc::new(Window::default());
        let tasks: Vec<_> = (0..viewers)
            .map(|_| tokio::spawn(view(port, ciphers, size, connecting.clone(), window.clone())))
            .collect();
        // Everyone connected (or given up), then a second to settle, then the window.
        let give_up = Instant::now() + Duration::from_millis(100 * viewers as u64 + 10_000);
        while window.settled.load(Ordering::Relaxed) < viewers && Instant::now() < give_up {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let before = pid.and_then(usage);
        let client_before = usage(std::process::id());
        let start = *window.start.get_or_init(Instant::now);
        tokio::time::sleep_until(tokio::time::Instant::from_std(start + Duration::from_secs(seconds))).await;
        let after = pid.and_then(usage);
        let client_after = usage(std::process::id());
        let mut rates = Vec::new();
        let mut worst_gap = Duration::ZERO;
        let (mut slow, mut gappy, mut failed) = (0, 0, 0);
        let window_len = Duration::from_secs(seconds);
        // Where the gaps over 100 ms end (by second of the window) and whose they are (by
        // tenth of the order the viewers connected in): bursts, or always the same viewers?
        let mut gaps_by_second = vec![0usize; seconds as usize];
        let mut gappy_by_tenth = [0usize; 10];
        for (index, task) in tasks.into_iter().enumerate() {
            // A viewer still connecting when the window is over failed.
            let outcome = tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .map_err(|_| "still connecting".to_string())
                .and_then(|joined| joined.map_err(|e| e.to_string())?);
            let watching = match outcome {
                Ok(watching) => watching,
                Err(e) => {
                    failed += 1;
                    if failed <= 3 {
                        eprintln!("viewer failed: {e}");
                    }
                    continue;
                }
            };
            let frames = watching.frames.lock().unwrap_or_else(PoisonError::into_inner);
            if frames.closed {
                failed += 1;
                if failed <= 3 {
                    eprintln!("viewer failed: closed by the server");
                }
                continue;
            }
            // The window's frames, and its ends as the bounds of the first and last gap.
            let times: Vec<Duration> = std::iter::once(Duration::ZERO)
                .chain(frames.times.iter().copied().filter(|&t| t < window_len))
                .chain(std::iter::once(window_len))
                .collect();
            let fps = (times.len() - 2) as f64 / seconds as f64;
            let mut gap = Duration::ZERO;
            for pair in times.windows(2) {
                let this = pair[1] - pair[0];
                gap = gap.max(this);
                if this > Duration::from_millis(100) {
                    let second = (pair[1].as_secs() as usize).min(gaps_by_second.len() - 1);
                    gaps_by_second[second] += 1;
                }
            }
            worst_gap = worst_gap.max(gap);
            slow += usize::from(fps < 29.0);
            if gap > Duration::from_millis(100) {
                gappy += 1;
                gappy_by_tenth[index * 10 / viewers] += 1;
            }
            rates.push(fps);
        }
        rates.sort_by(f64::total_cmp);
        let pick = |q: f64| rates.get(((rates.len() as f64 - 1.0) * q) as usize).copied().unwrap_or(0.0);
        println!(
            "viewers {viewers} ({}x{}, {cipher_name}): {} ok, {failed} failed; fps min {:.1} \
             median {:.1}; below 29 fps: {slow}; longest gap {} ms (over 100 ms: {gappy})",
            size.0,
            size.1,
            rates.len(),
            pick(0.0),
            pick(0.5),
            worst_gap.as_millis(),
        );
        if gappy > 0 {
            println!(
                "gaps over 100 ms ending in each second of the window: {gaps_by_second:?}; \
                 viewers with one, by tenth of the connection order: {gappy_by_tenth:?}"
            );
        }
        if let (Some((cpu0, _, _)), Some((cpu1, rss, peak))) = (before, after) {
            let cpu = (cpu1 - cpu0) / seconds as f64 * 100.0;
            println!(
                "server: CPU {cpu:.1}% of one core ({:.3}% per viewer), RSS {} MB (peak {} MB, {:.0} KB per viewer)",
                cpu / viewers as f64,
                rss / 1024,
                peak / 1024,
                rss as f64 / viewers as f64,
            );
        }
        if let (Some((cpu0, _, _)), Some((cpu1, _, _))) = (client_before, client_after) {
            let cpu = (cpu1 - cpu0) / seconds as f64 * 100.0;
            println!("client: CPU {cpu:.1}% of one core");
        }
        // Without waiting for the viewers still connected to wind down.
        std::process::exit(0);
    });
}

//! A light SSH client for load-testing `vitrine serve`: connects many viewers (with `--open`,
//! no key), asks each for a pty and the showcase, and counts the frames each receives (each
//! starts with a synchronized-update mark). Prints each viewer's frame rate and longest gap
//! between frames over the measured window, and, given the server's pid, its CPU time and
//! memory over that window (from /proc).
//!
//!     cargo run --release --example serve_viewers -- PORT VIEWERS SECONDS [COLSxROWS] [PID]
//!
//! `scripts/bench-serve.sh` starts a server and runs this at 1, 10, 100 and 1,000 viewers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use russh::client::{self, Handle};
use russh::keys::PublicKeyOrCertificate;
use russh::{ChannelMsg, Disconnect};
use tokio::sync::Semaphore;

const BEGIN_FRAME: &[u8] = b"\x1b[?2026h";

struct Viewer;

impl client::Handler for Viewer {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// When each frame of one viewer began, from the start of the measured window.
struct Frames {
    times: Vec<Duration>,
}

async fn view(
    port: u16,
    (cols, rows): (u32, u32),
    connecting: Arc<Semaphore>,
    window: Arc<(AtomicBool, std::sync::OnceLock<Instant>)>,
    stop: Instant,
) -> Result<Frames, String> {
    let permit = connecting.acquire().await.map_err(|e| e.to_string())?;
    let config = Arc::new(client::Config {
        inactivity_timeout: None,
        ..client::Config::default()
    });
    let mut handle: Handle<Viewer> = client::connect(config, ("127.0.0.1", port), Viewer)
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
    let mut channel = handle
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
    drop(permit);
    let mut frames = Frames { times: Vec::new() };
    // The last bytes of the previous chunk, in case a mark is split between two.
    let mut tail: Vec<u8> = Vec::new();
    let deadline = tokio::time::Instant::from_std(stop);
    loop {
        let msg = tokio::select! {
            msg = channel.wait() => msg,
            () = tokio::time::sleep_until(deadline) => break,
        };
        match msg {
            Some(ChannelMsg::Data { data }) => {
                let now = Instant::now();
                tail.extend_from_slice(&data);
                let marks = tail
                    .windows(BEGIN_FRAME.len())
                    .filter(|w| *w == BEGIN_FRAME)
                    .count();
                if window.0.load(Ordering::Relaxed)
                    && let Some(start) = window.1.get()
                {
                    for _ in 0..marks {
                        frames.times.push(now.duration_since(*start));
                    }
                }
                let keep = tail.len().min(BEGIN_FRAME.len() - 1);
                if marks > 0 {
                    tail.clear();
                } else {
                    tail.drain(..tail.len() - keep);
                }
            }
            Some(ChannelMsg::Close) | None => return Err("closed by the server".into()),
            Some(_) => {}
        }
    }
    let _ = handle.disconnect(Disconnect::ByApplication, "", "").await;
    Ok(frames)
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        // Connect in small batches: the server caps connections still authenticating.
        let connecting = Arc::new(Semaphore::new(8));
        let window = Arc::new((AtomicBool::new(false), std::sync::OnceLock::new()));
        // Time to connect everyone, then a second to settle, then the window.
        let connect_time = Duration::from_millis(30 * viewers as u64 + 2000);
        let start = Instant::now() + connect_time;
        let stop = start + Duration::from_secs(seconds);
        let tasks: Vec<_> = (0..viewers)
            .map(|_| {
                tokio::spawn(view(port, size, connecting.clone(), window.clone(), stop))
            })
            .collect();
        tokio::time::sleep_until(tokio::time::Instant::from_std(start)).await;
        let before = pid.and_then(usage);
        window.1.set(Instant::now()).unwrap();
        window.0.store(true, Ordering::Relaxed);
        tokio::time::sleep_until(tokio::time::Instant::from_std(stop)).await;
        let after = pid.and_then(usage);
        let mut rates = Vec::new();
        let mut worst_gap = Duration::ZERO;
        let (mut slow, mut gappy, mut failed) = (0, 0, 0);
        let window_len = Duration::from_secs(seconds);
        for task in tasks {
            match task.await.unwrap() {
                Ok(frames) => {
                    let fps = frames.times.len() as f64 / seconds as f64;
                    let mut gap = frames.times.first().copied().unwrap_or(window_len);
                    for pair in frames.times.windows(2) {
                        gap = gap.max(pair[1] - pair[0]);
                    }
                    gap = gap.max(window_len.saturating_sub(frames.times.last().copied().unwrap_or_default()));
                    worst_gap = worst_gap.max(gap);
                    slow += usize::from(fps < 29.0);
                    gappy += usize::from(gap > Duration::from_millis(100));
                    rates.push(fps);
                }
                Err(e) => {
                    failed += 1;
                    if failed <= 3 {
                        eprintln!("viewer failed: {e}");
                    }
                }
            }
        }
        rates.sort_by(f64::total_cmp);
        let pick = |q: f64| rates.get(((rates.len() as f64 - 1.0) * q) as usize).copied().unwrap_or(0.0);
        println!(
            "viewers {viewers} ({}x{}): {} ok, {failed} failed; fps min {:.1} median {:.1}; \
             below 29 fps: {slow}; longest gap {} ms (over 100 ms: {gappy})",
            size.0,
            size.1,
            rates.len(),
            pick(0.0),
            pick(0.5),
            worst_gap.as_millis(),
        );
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
    });
}

//! Admission limits: how often one address may connect.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Above this many tracked addresses, addresses whose bucket has refilled are forgotten.
const PRUNE_ABOVE: usize = 1024;
/// If pruning leaves more than this (a flood from a huge address range), the table is reset:
/// the limit then fails open for a moment, while the connection cap still holds.
const MAX_TRACKED: usize = 16 * 1024;

/// A token bucket per client: `per_minute` new connections a minute, in bursts of up to
/// `per_minute`. A client is an IPv4 address or an IPv6 /64 (one host usually owns a whole
/// /64, so counting single IPv6 addresses would be no limit at all).
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    buckets: HashMap<IpAddr, Bucket>,
    /// Table size that triggers the next prune; doubles so pruning stays amortised O(1).
    prune_at: usize,
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// `per_minute == 0` turns the limit off.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: HashMap::new(),
            prune_at: PRUNE_ABOVE,
        }
    }

    /// Whether `ip` may open a connection at `now`; takes a token if so.
    pub fn allow(&mut self, ip: IpAddr, now: Instant) -> bool {
        if self.per_minute == 0 {
            return true;
        }
        let capacity = f64::from(self.per_minute);
        if self.buckets.len() >= self.prune_at {
            self.buckets
                .retain(|_, b| refill(*b, now, capacity).tokens < capacity);
            if self.buckets.len() > MAX_TRACKED {
                self.buckets.clear();
            }
            self.prune_at = (self.buckets.len() * 2).clamp(PRUNE_ABOVE, MAX_TRACKED);
        }
        let bucket = self.buckets.entry(client(ip)).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        *bucket = refill(*bucket, now, capacity);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The unit a limit applies to: IPv4 addresses (also when mapped into IPv6) and IPv6 /64s.
fn client(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !0xffff_ffff_ffff_ffff).into()),
        },
    }
}

fn refill(bucket: Bucket, now: Instant, capacity: f64) -> Bucket {
    let elapsed = now.saturating_duration_since(bucket.updated);
    let per_second = capacity / Duration::from_secs(60).as_secs_f64();
    Bucket {
        tokens: (bucket.tokens + elapsed.as_secs_f64() * per_second).min(capacity),
        updated: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refills_per_address() {
        let mut limiter = RateLimiter::new(3);
        let start = Instant::now();
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        assert!((0..3).all(|_| limiter.allow(a, start)));
        assert!(!limiter.allow(a, start), "burst spent");
        assert!(limiter.allow(b, start), "other addresses unaffected");
        // 3 a minute: one token every 20 s.
        assert!(!limiter.allow(a, start + Duration::from_secs(19)));
        assert!(limiter.allow(a, start + Duration::from_secs(21)));
    }

    #[test]
    fn ipv6_counts_per_64() {
        let mut limiter = RateLimiter::new(1);
        let now = Instant::now();
        assert!(limiter.allow("2001:db8::1".parse().unwrap(), now));
        assert!(!limiter.allow("2001:db8::2".parse().unwrap(), now));
        assert!(limiter.allow("2001:db8:0:1::1".parse().unwrap(), now));
        assert!(limiter.allow("::ffff:10.0.0.1".parse().unwrap(), now));
        assert!(!limiter.allow("10.0.0.1".parse().unwrap(), now));
    }

    #[test]
    fn zero_means_unlimited_and_the_table_stays_small() {
        let mut off = RateLimiter::new(0);
        let ip: IpAddr = [127, 0, 0, 1].into();
        assert!((0..1000).all(|_| off.allow(ip, Instant::now())));

        let mut limiter = RateLimiter::new(10);
        let start = Instant::now();
        let address = |i: u32| IpAddr::from(i.to_be_bytes());
        for i in 0..5000 {
            limiter.allow(address(i), start);
        }
        // A minute later those buckets have refilled; the next prune forgets them.
        for i in 0..4000 {
            limiter.allow(address(100_000 + i), start + Duration::from_secs(61));
        }
        assert!(limiter.buckets.len() <= 4000, "{}", limiter.buckets.len());
        // A flood from more addresses than the table holds at one instant stays bounded.
        for i in 0..40_000 {
            limiter.allow(address(200_000 + i), start + Duration::from_secs(62));
            assert!(limiter.buckets.len() <= MAX_TRACKED + 1);
        }
    }
}

//! Admission limits for the listeners: how often one address may connect, and how many
//! connections may be held at once, per address and in all (`vitrine serve`'s connections
//! still authenticating, every `--http` connection).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

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

/// Connections that have not authenticated yet, like OpenSSH's `MaxStartups` and
/// `PerSourceMaxStartups`, with random early drop aimed at the addresses that crowd in. (The
/// `--http` listener counts every connection it holds here, authenticated or not.)
///
/// OpenSSH drops *any* new connection at random once the startups pass a threshold, so a few
/// hostile addresses holding many half-open connections turn real users away too. Here the
/// early drop only hits addresses that already have a connection authenticating, and when
/// every slot is taken, a first connection from an address evicts the oldest connection of
/// the address that holds the most (if it holds more than one): a client that connects once
/// (every real user) is never refused while some address crowds in, and the per-address cap
/// keeps a few addresses from taking every slot in the first place.
#[derive(Debug)]
pub struct Startups {
    max_total: usize,
    per_address: usize,
    table: Mutex<StartupTable>,
}

#[derive(Debug, Default)]
struct StartupTable {
    /// Slots counted (an evicted connection's is no longer, though its socket may still be
    /// closing).
    total: usize,
    /// Each address's slots, oldest first, as the signal that evicts them.
    by_client: HashMap<IpAddr, VecDeque<Arc<Notify>>>,
}

/// Why a connection was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Every startup slot is taken.
    Full,
    /// This address has its share of startups.
    PerAddress,
    /// Random early drop.
    EarlyDrop,
}

impl Refused {
    pub fn reason(self) -> &'static str {
        match self {
            Refused::Full => "too many connections authenticating (--max-startups)",
            Refused::PerAddress => {
                "too many connections authenticating from this address (--max-startups-per-address)"
            }
            Refused::EarlyDrop => "early drop: many connections authenticating (--max-startups)",
        }
    }
}

/// The share of connections dropped when the startups reach half the cap.
const EARLY_DROP_RATE: f64 = 0.3;

impl Startups {
    pub fn new(max_total: usize, per_address: usize) -> Arc<Self> {
        Arc::new(Self {
            max_total: max_total.max(1),
            per_address: per_address.max(1),
            table: Mutex::default(),
        })
    }

    /// Admits a connection from `ip`, or says why not. `roll` is a uniform random number in
    /// `[0, 1)` for the early drop. The slot is held until the [`StartupSlot`] is dropped.
    pub fn admit(self: &Arc<Self>, ip: IpAddr, roll: f64) -> Result<StartupSlot, Refused> {
        let client = client(ip);
        let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let held = table.by_client.get(&client).map_or(0, VecDeque::len);
        if table.total >= self.max_total && !(held == 0 && table.evict_one()) {
            return Err(Refused::Full);
        }
        if held >= self.per_address {
            return Err(Refused::PerAddress);
        }
        let start = self.max_total / 2;
        if held > 0 && table.total >= start {
            let crowding = (table.total - start) as f64 / (self.max_total - start).max(1) as f64;
            if roll < EARLY_DROP_RATE + (1.0 - EARLY_DROP_RATE) * crowding {
                return Err(Refused::EarlyDrop);
            }
        }
        let evict = Arc::new(Notify::new());
        table.total += 1;
        table
            .by_client
            .entry(client)
            .or_default()
            .push_back(evict.clone());
        Ok(StartupSlot {
            startups: self.clone(),
            client,
            evict,
        })
    }

    #[cfg(test)]
    fn count(&self) -> usize {
        self.table
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .total
    }
}

impl StartupTable {
    /// Evicts the oldest connection of the address holding the most, if it holds more than
    /// one; says whether it did. Its slot counts as free at once: the socket is closing.
    fn evict_one(&mut self) -> bool {
        let Some(slots) = self
            .by_client
            .values_mut()
            .max_by_key(|slots| slots.len())
            .filter(|slots| slots.len() > 1)
        else {
            return false;
        };
        if let Some(oldest) = slots.pop_front() {
            // Stored if the connection is not waiting yet: it sees it when it does.
            oldest.notify_one();
            self.total -= 1;
        }
        true
    }
}

/// One connection's place among the [`Startups`]; dropping it frees the place.
#[derive(Debug)]
pub struct StartupSlot {
    startups: Arc<Startups>,
    client: IpAddr,
    evict: Arc<Notify>,
}

impl StartupSlot {
    /// Notified when the connection is evicted to make room for a newcomer: it must close.
    pub fn eviction(&self) -> Arc<Notify> {
        self.evict.clone()
    }
}

impl Drop for StartupSlot {
    fn drop(&mut self) {
        let mut table = self
            .startups
            .table
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(slots) = table.by_client.get_mut(&self.client) else {
            return;
        };
        // Not there any more if it was evicted (and uncounted then).
        let Some(at) = slots.iter().position(|slot| Arc::ptr_eq(slot, &self.evict)) else {
            return;
        };
        slots.remove(at);
        if slots.is_empty() {
            table.by_client.remove(&self.client);
        }
        table.total -= 1;
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

    #[test]
    fn startups_cap_per_address_and_in_all() {
        let startups = Startups::new(4, 2);
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let c: IpAddr = [10, 0, 0, 3].into();
        // A roll of 1.0 never early-drops: only the caps apply.
        let a1 = startups.admit(a, 1.0).unwrap();
        let _a2 = startups.admit(a, 1.0).unwrap();
        assert_eq!(startups.admit(a, 1.0).unwrap_err(), Refused::PerAddress);
        let _b1 = startups.admit(b, 1.0).unwrap();
        let _b2 = startups.admit(b, 1.0).unwrap();
        assert_eq!(startups.admit(a, 1.0).unwrap_err(), Refused::Full);
        assert_eq!(startups.count(), 4);
        // A slot is free again once its holder is gone.
        drop(a1);
        assert_eq!(startups.count(), 3);
        assert!(startups.admit(c, 1.0).is_ok());
    }

    #[tokio::test]
    async fn a_newcomer_evicts_the_oldest_of_the_most_crowding_address() {
        let startups = Startups::new(4, 3);
        let crowd: IpAddr = [10, 0, 0, 9].into();
        let (one, two, three): (IpAddr, IpAddr, IpAddr) = (
            [10, 0, 0, 1].into(),
            [10, 0, 0, 2].into(),
            [10, 0, 0, 3].into(),
        );
        let crowd_slots: Vec<_> = (0..3)
            .map(|_| startups.admit(crowd, 1.0).unwrap())
            .collect();
        let _one = startups.admit(one, 1.0).unwrap();
        // Full. A second connection from an address already waiting is refused...
        assert_eq!(startups.admit(one, 1.0).unwrap_err(), Refused::Full);
        // ...a first one evicts the crowding address's oldest, which is told to close.
        let _two = startups.admit(two, 1.0).unwrap();
        assert_eq!(startups.count(), 4);
        let evicted = crowd_slots[0].eviction();
        tokio::time::timeout(Duration::from_secs(1), evicted.notified())
            .await
            .expect("the oldest was not evicted");
        // Its slot no longer counts, and freeing it later does not count twice.
        drop(crowd_slots);
        assert_eq!(startups.count(), 2);
        // Nobody holds two any more: with every slot taken, nobody is evicted.
        let _three = startups.admit(three, 1.0).unwrap();
        let _crowd_again = startups.admit(crowd, 1.0).unwrap();
        assert_eq!(
            startups.admit([10, 0, 0, 4].into(), 1.0).unwrap_err(),
            Refused::Full
        );
    }

    #[test]
    fn early_drop_spares_an_address_with_nothing_pending() {
        let startups = Startups::new(10, 10);
        let crowd: IpAddr = [10, 0, 0, 9].into();
        let newcomer: IpAddr = [10, 0, 0, 1].into();
        let held: Vec<_> = (0..5)
            .map(|_| startups.admit(crowd, 1.0).unwrap())
            .collect();
        // Half full: 30% of the crowding address's connections are dropped...
        assert_eq!(startups.admit(crowd, 0.29).unwrap_err(), Refused::EarlyDrop);
        let sixth = startups.admit(crowd, 0.31).unwrap();
        // ...rising with the count (6 of 10: 30% + 70% * 1/5 = 44%)...
        assert_eq!(startups.admit(crowd, 0.43).unwrap_err(), Refused::EarlyDrop);
        // ...while a first connection from another address is never dropped early.
        let _newcomer = startups.admit(newcomer, 0.0).unwrap();
        assert_eq!(startups.count(), 7);
        drop((held, sixth));
        assert_eq!(startups.count(), 1);
    }
}

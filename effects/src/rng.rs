//! Seeded randomness: every effect draws from its own reproducible stream.

use std::ops::{Bound, RangeBounds};

use rand::SeedableRng;

/// The RNG every effect uses. ChaCha8 is portable across platforms and versions, so a seed gives
/// the same frames everywhere (snapshot tests depend on it).
pub type Rng = rand_chacha::ChaCha8Rng;

/// A stream for `purpose` derived from `seed`: different purposes get independent streams, so
/// adding random draws to one part of an effect does not shift every other part.
pub fn seeded(seed: u64, purpose: &str) -> Rng {
    // FNV-1a over the purpose, mixed into the seed.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in purpose.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    Rng::seed_from_u64(seed ^ h.rotate_left(17))
}

/// A uniform `usize` in `range` that a seed draws the same on 32- and 64-bit machines.
///
/// `gen_range` over a `usize` range samples through `usize` itself: 32 random bits on ARMv7,
/// 64 on x86-64 and aarch64, so a Raspberry Pi running 32-bit Pi OS would show other frames.
/// Sampling through `u64` is what 64-bit machines always did, so their frames are unchanged.
/// Panics on an empty range, like `gen_range`.
pub fn usize_in<R: rand::Rng + ?Sized>(rng: &mut R, range: impl RangeBounds<usize>) -> usize {
    let low = match range.start_bound() {
        Bound::Included(&low) => low as u64,
        Bound::Excluded(&low) => low as u64 + 1,
        Bound::Unbounded => 0,
    };
    let high = match range.end_bound() {
        Bound::Included(&high) => high as u64,
        Bound::Excluded(&high) => (high as u64).checked_sub(1).expect("empty range"),
        Bound::Unbounded => usize::MAX as u64,
    };
    rng.gen_range(low..=high) as usize
}

#[cfg(test)]
mod tests {
    use rand::Rng as _;

    use super::*;

    #[test]
    fn same_seed_same_stream_other_purpose_other_stream() {
        let a: u64 = seeded(7, "stars").r#gen();
        let b: u64 = seeded(7, "stars").r#gen();
        let c: u64 = seeded(7, "layers").r#gen();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn usize_draws_go_through_u64() {
        let mut a = seeded(3, "index");
        let mut b = seeded(3, "index");
        for len in [1usize, 2, 7, 100, 1 << 20] {
            assert_eq!(usize_in(&mut a, 0..len) as u64, b.gen_range(0..len as u64));
            assert_eq!(
                usize_in(&mut a, 1..=len) as u64,
                b.gen_range(1..=len as u64)
            );
        }
    }
}

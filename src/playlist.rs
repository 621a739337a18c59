//! Playlist order: sequential or shuffled per pass, forever or once.

use rand::seq::SliceRandom;
use vitrine_effects::rng::{self, Rng};

/// Which playlist item is current, and which comes next.
#[derive(Debug)]
pub struct Playlist {
    order: Vec<usize>,
    position: usize,
    shuffle: bool,
    once: bool,
    finished: bool,
    rng: Rng,
}

impl Playlist {
    /// A playlist over `len` items (at least 1).
    pub fn new(len: usize, shuffle: bool, once: bool, seed: u64) -> Self {
        assert!(len > 0, "a playlist needs at least one item");
        let mut playlist = Self {
            order: (0..len).collect(),
            position: 0,
            shuffle,
            once,
            finished: false,
            rng: rng::seeded(seed, "playlist"),
        };
        if shuffle {
            playlist.order.shuffle(&mut playlist.rng);
        }
        playlist
    }

    /// Index of the current item.
    pub fn current(&self) -> usize {
        self.order[self.position]
    }

    /// Whether `--once` has played every item.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Moves to the next item; at the end of a pass starts a new pass (reshuffled) or, with
    /// `once`, marks the playlist finished and stays where it is.
    pub fn next(&mut self) {
        if self.position + 1 < self.order.len() {
            self.position += 1;
            return;
        }
        if self.once {
            self.finished = true;
            return;
        }
        self.position = 0;
        if self.shuffle && self.order.len() > 1 {
            let last = *self.order.last().expect("non-empty");
            self.order.shuffle(&mut self.rng);
            // Never show the same item twice in a row across a pass boundary.
            if self.order[0] == last {
                let swap_with = self.order.len() - 1;
                self.order.swap(0, swap_with);
            }
        }
    }

    /// Makes `item` the current one (in a shuffled pass, wherever it falls in the order).
    pub fn seek(&mut self, item: usize) {
        if let Some(position) = self.order.iter().position(|&i| i == item) {
            self.position = position;
        }
    }

    /// Moves to the previous item, wrapping around.
    pub fn previous(&mut self) {
        self.position = self.position.checked_sub(1).unwrap_or(self.order.len() - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(p: &mut Playlist, n: usize) -> Vec<usize> {
        (0..n)
            .map(|_| {
                let c = p.current();
                p.next();
                c
            })
            .collect()
    }

    #[test]
    fn sequential_wraps_and_goes_back() {
        let mut p = Playlist::new(3, false, false, 0);
        assert_eq!(take(&mut p, 7), [0, 1, 2, 0, 1, 2, 0]);
        p.previous();
        p.previous();
        assert_eq!(p.current(), 2);
        p.seek(1);
        assert_eq!(take(&mut p, 3), [1, 2, 0]);
    }

    #[test]
    fn once_stops_after_one_pass() {
        let mut p = Playlist::new(2, false, true, 0);
        p.next();
        assert!(!p.finished());
        p.next();
        assert!(p.finished());
        assert_eq!(p.current(), 1);
    }

    #[test]
    fn shuffle_covers_every_item_each_pass_without_repeats_at_the_seam() {
        let mut p = Playlist::new(4, true, false, 9);
        let seen = take(&mut p, 40);
        for pass in seen.chunks(4) {
            let mut sorted = pass.to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, [0, 1, 2, 3]);
        }
        assert!(seen.windows(2).all(|w| w[0] != w[1]));
        // Same seed, same order.
        assert_eq!(take(&mut Playlist::new(4, true, false, 9), 40), seen);
    }
}

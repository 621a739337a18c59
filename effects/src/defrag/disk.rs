//! The simulated disk and the optimizer that defragments it.
//!
//! The disk is a row of clusters. Each cluster is free, bad, unmovable, or holds one cluster of
//! a file; every file knows where each of its clusters lives, so moving a cluster updates both
//! sides. The optimizer plans one disk operation at a time (read some clusters, write them
//! elsewhere), marks the clusters it is reading or writing so the map can show `r` and `W`, and
//! applies the move when the write completes. Nothing here knows about time or the screen: the
//! effect paces the operations and the screen reads [`Disk::cell`] for each map block.

use std::ops::Range;

use rand::Rng as _;
use rand::seq::SliceRandom as _;

use crate::rng::{self, Rng};

/// What one cluster holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Free space.
    Free,
    /// Cluster `index` (0-based, in file order) of file `file`.
    File { file: u32, index: u32 },
    /// A bad cluster: never read, never written.
    Bad,
    /// A cluster that must not move (hidden system files, lost clusters).
    Unmovable,
}

impl Slot {
    /// Whether the optimizer must leave this cluster where it is.
    fn is_fixed(self) -> bool {
        matches!(self, Slot::Bad | Slot::Unmovable)
    }
}

/// The disk operation touching a cluster right now, shown as `r` or `W` on the map.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Io {
    #[default]
    Idle,
    Read,
    Write,
}

/// What one map block shows: the most significant state among its clusters
/// (unmovable > bad > writing > reading > used > unused; used blocks whose clusters were all
/// placed by the optimizer are [`Optimized`](CellState::Optimized)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CellState {
    /// Only free clusters.
    #[default]
    Unused,
    /// Holds file clusters, not all optimized yet.
    Used,
    /// Holds file clusters, all already placed by the optimizer.
    Optimized,
    /// Some cluster is being read.
    Reading,
    /// Some cluster is being written.
    Writing,
    /// Some cluster is bad.
    Bad,
    /// Some cluster is unmovable.
    Unmovable,
}

/// How a disk is generated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DiskSpec {
    /// Number of clusters.
    pub clusters: u32,
    /// Fraction of the usable clusters that hold files.
    pub fill: f64,
    /// Probability that a file is split into fragments.
    pub fragmentation: f64,
    /// Fraction of clusters that are bad.
    pub bad: f64,
    /// Fraction of clusters that are unmovable.
    pub unmovable: f64,
}

/// Cluster ranges that changed since the renderer last looked; collapses to "everything" when
/// too many pile up, so it never grows without bound.
#[derive(Clone, Debug, Default)]
struct Dirty {
    all: bool,
    ranges: Vec<Range<usize>>,
}

/// More separate ranges than this and the renderer simply redraws every block.
const MAX_DIRTY: usize = 64;

impl Dirty {
    fn touch(&mut self, range: Range<usize>) {
        if self.all || range.is_empty() {
            return;
        }
        if let Some(last) = self.ranges.last_mut()
            && range.start <= last.end
            && last.start <= range.end
        {
            *last = last.start.min(range.start)..last.end.max(range.end);
            return;
        }
        if self.ranges.len() >= MAX_DIRTY {
            self.all = true;
            self.ranges.clear();
        } else {
            self.ranges.push(range);
        }
    }
}

/// A simulated FAT disk.
#[derive(Clone, Debug, Default)]
pub struct Disk {
    slots: Vec<Slot>,
    /// Placed by the optimizer in this pass (drawn yellow).
    optimized: Vec<bool>,
    io: Vec<Io>,
    /// For each file, the cluster holding each of its clusters, in file order.
    files: Vec<Vec<u32>>,
    dirty: Dirty,
}

impl Disk {
    /// A freshly fragmented disk.
    pub fn generate(spec: &DiskSpec, rng: &mut Rng) -> Self {
        let mut disk = Disk::default();
        disk.regenerate(spec, rng);
        disk
    }

    /// Replaces the contents with a new fragmented disk (the loop after "Finished condensing").
    pub fn regenerate(&mut self, spec: &DiskSpec, rng: &mut Rng) {
        let n = spec.clusters as usize;
        self.slots.clear();
        self.slots.resize(n, Slot::Free);
        self.optimized.clear();
        self.optimized.resize(n, false);
        self.io.clear();
        self.io.resize(n, Io::Idle);
        self.files.clear();
        self.dirty = Dirty {
            all: true,
            ranges: Vec::new(),
        };
        if n == 0 {
            return;
        }
        // Hidden system files (IO.SYS, MSDOS.SYS) sit at the very start, as on a real boot
        // disk; the rest of the unmovable clusters and the bad ones are short scattered runs.
        let mut unmovable = (spec.unmovable * n as f64).round() as usize;
        if unmovable > 0 {
            let head = unmovable.min((n / 200).max(1));
            self.slots[..head].fill(Slot::Unmovable);
            unmovable -= head;
        }
        self.scatter(Slot::Unmovable, unmovable, 2..25, rng);
        let bad = (spec.bad * n as f64).round() as usize;
        self.scatter(Slot::Bad, bad, 1..13, rng);

        let usable = self.slots.iter().filter(|s| **s == Slot::Free).count();
        // Always leave some free space, or nothing could ever move.
        let used = ((spec.fill * usable as f64) as usize).min(usable.saturating_sub(1));
        let sizes = file_sizes(used, rng);
        let pieces = fragment(&sizes, spec.fragmentation, rng);
        self.files = sizes.iter().map(|&s| vec![0; s]).collect();
        self.lay_out(&pieces, usable - used, rng);
    }

    /// Marks `count` free clusters as `kind`, in runs of random length from `run`.
    fn scatter(&mut self, kind: Slot, mut count: usize, run: Range<usize>, rng: &mut Rng) {
        let n = self.slots.len();
        // Bounded so that a nearly full request cannot spin forever on occupied spots.
        for _ in 0..count.saturating_mul(4) {
            if count == 0 {
                break;
            }
            let len = rng::usize_in(rng, run.clone()).min(count).min(n);
            let start = rng::usize_in(rng, 0..=n - len);
            for slot in &mut self.slots[start..start + len] {
                if *slot == Slot::Free && count > 0 {
                    *slot = kind;
                    count -= 1;
                }
            }
        }
    }

    /// Places the file pieces in shuffled order with random gaps of free space between them,
    /// so fragments of one file end up far apart and free space is spread over the disk.
    fn lay_out(&mut self, pieces: &[Piece], free: usize, rng: &mut Rng) {
        // Three quarters of the free space goes into gaps; the rest stays at the end. Most
        // pieces follow each other directly and a few leave a big hole (deleted files), so
        // holes span whole map blocks and the map looks mottled, as fragmented disks do.
        let mut gap_budget = free * 3 / 4;
        let mean_hole = gap_budget as f64 / (pieces.len() as f64 * HOLE_CHANCE);
        let mut cursor = 0;
        for piece in pieces {
            let mut gap = if rng.gen_bool(HOLE_CHANCE) {
                let u: f64 = rng.gen_range(f64::EPSILON..1.0);
                (-u.ln() * mean_hole) as usize
            } else {
                0
            };
            gap = gap.min(gap_budget);
            gap_budget -= gap;
            while gap > 0 {
                if self.slots[cursor] == Slot::Free {
                    gap -= 1;
                }
                cursor += 1;
            }
            for index in piece.first..piece.first + piece.len {
                while self.slots[cursor] != Slot::Free {
                    cursor += 1;
                }
                self.slots[cursor] = Slot::File {
                    file: piece.file,
                    index: index as u32,
                };
                self.files[piece.file as usize][index] = cursor as u32;
                cursor += 1;
            }
        }
    }

    /// Number of clusters.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Number of clusters that hold file data.
    pub fn used(&self) -> usize {
        self.files.iter().map(Vec::len).sum()
    }

    /// Whether the clusters of `file` follow each other, with only bad or unmovable clusters
    /// in between (which no optimizer can avoid).
    pub fn is_contiguous(&self, file: usize) -> bool {
        self.files[file].windows(2).all(|w| {
            let (a, b) = (w[0] as usize, w[1] as usize);
            b > a && self.slots[a + 1..b].iter().all(|s| s.is_fixed())
        })
    }

    /// Whether every file is contiguous and no free cluster comes before the last file
    /// cluster: what Full Optimization leaves behind.
    #[cfg(test)]
    pub fn is_packed(&self) -> bool {
        let last = self
            .slots
            .iter()
            .rposition(|s| matches!(s, Slot::File { .. }))
            .unwrap_or(0);
        !self.slots[..last].contains(&Slot::Free)
            && (0..self.files.len()).all(|f| self.is_contiguous(f))
    }

    /// Percentage of file clusters that belong to unfragmented files (the recommendation
    /// dialog's "NN% of drive C: is not fragmented").
    pub fn percent_unfragmented(&self) -> u32 {
        let used = self.used();
        if used == 0 {
            return 100;
        }
        let whole: usize = (0..self.files.len())
            .filter(|&f| self.is_contiguous(f))
            .map(|f| self.files[f].len())
            .sum();
        (whole * 100 / used) as u32
    }

    /// What the map block covering `clusters` shows.
    pub fn cell(&self, clusters: Range<usize>) -> CellState {
        let end = clusters.end.min(self.slots.len());
        let start = clusters.start.min(end);
        let mut rank = 0;
        let mut all_optimized = true;
        for i in start..end {
            let r = match (self.slots[i], self.io[i]) {
                (Slot::Unmovable, _) => 5,
                (Slot::Bad, _) => 4,
                (_, Io::Write) => 3,
                (_, Io::Read) => 2,
                (Slot::File { .. }, Io::Idle) => {
                    all_optimized &= self.optimized[i];
                    1
                }
                (Slot::Free, Io::Idle) => 0,
            };
            rank = rank.max(r);
        }
        match rank {
            5 => CellState::Unmovable,
            4 => CellState::Bad,
            3 => CellState::Writing,
            2 => CellState::Reading,
            1 if all_optimized => CellState::Optimized,
            1 => CellState::Used,
            _ => CellState::Unused,
        }
    }

    /// Hands the changed cluster ranges to `each` (or reports `true` when everything changed)
    /// and forgets them.
    pub fn take_dirty(&mut self, mut each: impl FnMut(Range<usize>)) -> bool {
        let all = std::mem::take(&mut self.dirty.all);
        for range in self.dirty.ranges.drain(..) {
            each(range);
        }
        all
    }

    /// Sets the I/O mark of every cluster in `clusters`.
    fn mark(&mut self, clusters: &[u32], io: Io) {
        for &c in clusters {
            self.io[c as usize] = io;
        }
        self.touch_span(clusters);
    }

    fn touch_span(&mut self, clusters: &[u32]) {
        let lo = clusters.iter().min().copied();
        let hi = clusters.iter().max().copied();
        if let (Some(lo), Some(hi)) = (lo, hi) {
            self.dirty.touch(lo as usize..hi as usize + 1);
        }
    }

    /// Moves the content of cluster `from` to the free cluster `to`.
    fn move_cluster(&mut self, from: u32, to: u32, optimized: bool) {
        let (from, to) = (from as usize, to as usize);
        debug_assert_eq!(self.slots[to], Slot::Free, "moving onto a used cluster");
        let slot = std::mem::replace(&mut self.slots[from], Slot::Free);
        self.slots[to] = slot;
        self.optimized[from] = false;
        self.optimized[to] = optimized;
        if let Slot::File { file, index } = slot {
            self.files[file as usize][index as usize] = to as u32;
        }
    }
}

/// File sizes in clusters adding up to `used`: mostly small files and a few big ones, as on a
/// real DOS disk.
fn file_sizes(used: usize, rng: &mut Rng) -> Vec<usize> {
    let mut sizes = Vec::new();
    let mut total = 0;
    while total < used {
        let mean = if rng.gen_bool(0.85) { 24.0 } else { 240.0 };
        let u: f64 = rng.gen_range(f64::EPSILON..1.0);
        let size = ((-u.ln() * mean) as usize + 1).min(used - total);
        sizes.push(size);
        total += size;
    }
    sizes
}

/// Chance that a file piece is preceded by a hole of free space.
const HOLE_CHANCE: f64 = 0.15;

/// A run of consecutive clusters of one file.
#[derive(Clone, Copy, Debug)]
struct Piece {
    file: u32,
    first: usize,
    len: usize,
}

/// Splits each file into pieces (fragmented files into 2 to 8), in shuffled order.
fn fragment(sizes: &[usize], fragmentation: f64, rng: &mut Rng) -> Vec<Piece> {
    let mut pieces = Vec::new();
    for (file, &size) in sizes.iter().enumerate() {
        let file = file as u32;
        let count = if size >= 2 && rng.gen_bool(fragmentation.clamp(0.0, 1.0)) {
            2 + rng::usize_in(rng, 0..=(size - 2).min(6))
        } else {
            1
        };
        let mut cuts = rand::seq::index::sample(rng, size - 1, count - 1).into_vec();
        cuts.sort_unstable();
        let mut first = 0;
        for cut in cuts.into_iter().map(|c| c + 1).chain([size]) {
            pieces.push(Piece {
                file,
                first,
                len: cut - first,
            });
            first = cut;
        }
    }
    pieces.shuffle(rng);
    pieces
}

/// How the optimizer rearranges the disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Method {
    /// Full Optimization: every file made contiguous and packed at the start of the disk, so
    /// free space ends up in one piece at the end.
    #[default]
    Full,
    /// Unfragment Files Only: each fragmented file moved whole into the first gap that fits;
    /// free space stays scattered.
    Unfragment,
}

impl Method {
    /// The name MS-DOS DEFRAG shows.
    pub fn title(self) -> &'static str {
        match self {
            Method::Full => "Full Optimization",
            Method::Unfragment => "Unfragment Files Only",
        }
    }
}

/// The kind of disk operation planned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    /// The clusters are already where they belong: read them, then mark them optimized.
    Verify,
    /// Move file clusters to their final place.
    Place,
    /// Move clusters of other files out of the way, to free space at the end of the disk.
    Evict,
}

/// Plans and applies the disk operations of one optimization pass.
#[derive(Clone, Debug, Default)]
pub struct Optimizer {
    method: Method,
    /// Files in the order they are processed.
    order: Vec<u32>,
    /// Position in `order`.
    cursor: usize,
    /// Next cluster (file order) of the current file to place.
    next: usize,
    /// Full: the next cluster to fill at the front of the disk.
    front: usize,
    /// Unfragment: where the current file goes, once a gap has been found.
    target: Option<usize>,
    /// Most clusters one operation moves.
    max_run: usize,
    done: usize,
    total: usize,
    /// The operation in progress.
    kind: Option<OpKind>,
    from: Vec<u32>,
    to: Vec<u32>,
}

impl Optimizer {
    /// Starts a pass over `disk`.
    pub fn start(&mut self, method: Method, disk: &Disk) {
        self.method = method;
        let mut order: Vec<u32> = (0..disk.files.len() as u32)
            .filter(|&f| method == Method::Full || !disk.is_contiguous(f as usize))
            .collect();
        // Files are taken in disk order, so the front sweeps forward through the map.
        order.sort_by_key(|&f| disk.files[f as usize].first().copied());
        self.total = order.iter().map(|&f| disk.files[f as usize].len()).sum();
        self.order = order;
        self.cursor = 0;
        self.next = 0;
        self.front = 0;
        self.target = None;
        self.done = 0;
        self.kind = None;
        let free = disk.len() - disk.used() - disk.slots.iter().filter(|s| s.is_fixed()).count();
        // A run of a few map blocks per operation, and never more than the free space, so
        // clusters in the way can always be evicted.
        self.max_run = (disk.len() / 160).clamp(1, free.max(1));
    }

    /// File clusters processed so far and in all (the percentage and the progress bar).
    pub fn progress(&self) -> (usize, usize) {
        (self.done, self.total)
    }

    /// The cluster the optimizer is working at, numbered as DOS does (data clusters start at 2).
    pub fn cluster(&self) -> usize {
        let at = match self.method {
            Method::Full => self.front,
            Method::Unfragment => self.target.map_or(0, |t| t + self.next),
        };
        at + 2
    }

    /// The operation in progress, if any.
    pub fn current(&self) -> Option<OpKind> {
        self.kind
    }

    /// Plans the next operation and marks the clusters it reads. `None` when the pass is done.
    pub fn begin(&mut self, disk: &mut Disk) -> Option<OpKind> {
        self.from.clear();
        self.to.clear();
        let kind = match self.method {
            Method::Full => self.plan_full(disk),
            Method::Unfragment => self.plan_unfragment(disk),
        };
        self.kind = kind;
        if kind.is_some() {
            disk.mark(&self.from, Io::Read);
        }
        kind
    }

    /// Switches the operation from reading to writing. A verify writes nothing.
    pub fn write(&mut self, disk: &mut Disk) {
        disk.mark(&self.from, Io::Idle);
        if self.kind != Some(OpKind::Verify) {
            disk.mark(&self.to, Io::Write);
        }
    }

    /// Completes the operation: clusters move, progress advances.
    pub fn commit(&mut self, disk: &mut Disk) {
        disk.mark(&self.from, Io::Idle);
        disk.mark(&self.to, Io::Idle);
        let Some(kind) = self.kind.take() else {
            return;
        };
        match kind {
            OpKind::Verify => {
                for &c in &self.to {
                    disk.optimized[c as usize] = true;
                }
            }
            // Ascending order: when the run slides down over itself, each destination was
            // emptied by an earlier step.
            OpKind::Place | OpKind::Evict => {
                let placed = kind == OpKind::Place;
                for (&from, &to) in self.from.iter().zip(&self.to) {
                    disk.move_cluster(from, to, placed);
                }
            }
        }
        if kind != OpKind::Evict {
            self.next += self.to.len();
            self.done += self.to.len();
            if self.method == Method::Full {
                self.front = self.to.last().map_or(self.front, |&c| c as usize + 1);
            }
        }
    }

    /// Full Optimization: the next clusters of the current file go to the front; whatever is
    /// in the way is evicted first.
    fn plan_full(&mut self, disk: &Disk) -> Option<OpKind> {
        let n = disk.len();
        loop {
            let file = &disk.files[*self.order.get(self.cursor)? as usize];
            if self.next >= file.len() {
                self.cursor += 1;
                self.next = 0;
                continue;
            }
            while self.front < n && disk.slots[self.front].is_fixed() {
                self.front += 1;
            }
            let src = file[self.next] as usize;
            // The run: clusters of the file that follow each other both in the file and on
            // disk, with room for them at the front before the next fixed cluster.
            let mut len = 1;
            while len < self.max_run
                && self.next + len < file.len()
                && file[self.next + len] as usize == src + len
                && self.front + len < n
                && !disk.slots[self.front + len].is_fixed()
            {
                len += 1;
            }
            if src == self.front {
                self.from.extend(src as u32..(src + len) as u32);
                self.to.extend_from_slice(&self.from);
                return Some(OpKind::Verify);
            }
            let dest = self.front..self.front + len;
            let run = src..src + len;
            // Clusters of other files (or later parts of this one) in the way.
            self.from.extend(
                dest.clone()
                    .filter(|&c| !run.contains(&c) && matches!(disk.slots[c], Slot::File { .. }))
                    .map(|c| c as u32),
            );
            if self.from.is_empty() {
                self.from.extend(run.start as u32..run.end as u32);
                self.to.extend(dest.start as u32..dest.end as u32);
                return Some(OpKind::Place);
            }
            // Evict to the last free clusters of the disk, out of the destination's way, in
            // ascending order so the evicted runs stay in one piece.
            let wanted = self.from.len();
            self.to.extend(
                (dest.end..n)
                    .rev()
                    .filter(|&c| disk.slots[c] == Slot::Free)
                    .take(wanted)
                    .map(|c| c as u32),
            );
            self.to.reverse();
            // max_run never exceeds the free space, so there is always room; be safe anyway.
            self.from.truncate(self.to.len());
            return Some(OpKind::Evict);
        }
    }

    /// Unfragment Files Only: the next piece of the current fragmented file is copied into the
    /// gap chosen for the whole file; files that fit no gap are left alone.
    fn plan_unfragment(&mut self, disk: &Disk) -> Option<OpKind> {
        loop {
            let file = &disk.files[*self.order.get(self.cursor)? as usize];
            if self.next >= file.len() {
                self.cursor += 1;
                self.next = 0;
                self.target = None;
                continue;
            }
            let target = match self.target {
                Some(t) => t,
                None => match first_gap(disk, file.len()) {
                    Some(t) => *self.target.insert(t),
                    None => {
                        self.done += file.len();
                        self.next = file.len();
                        continue;
                    }
                },
            };
            let src = file[self.next] as usize;
            let mut len = 1;
            while len < self.max_run
                && self.next + len < file.len()
                && file[self.next + len] as usize == src + len
            {
                len += 1;
            }
            let dest = target + self.next;
            self.from.extend(src as u32..(src + len) as u32);
            self.to.extend(dest as u32..(dest + len) as u32);
            return Some(OpKind::Place);
        }
    }
}

/// Start of the first run of at least `len` free clusters.
fn first_gap(disk: &Disk, len: usize) -> Option<usize> {
    let mut run = 0;
    for (i, slot) in disk.slots.iter().enumerate() {
        if *slot == Slot::Free {
            run += 1;
            if run == len {
                return Some(i + 1 - len);
            }
        } else {
            run = 0;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng;

    fn spec(clusters: u32) -> DiskSpec {
        DiskSpec {
            clusters,
            fill: 0.65,
            fragmentation: 0.5,
            bad: 0.01,
            unmovable: 0.01,
        }
    }

    /// Every file cluster is where its file says, and the counts add up.
    fn check_consistent(disk: &Disk) {
        for (f, file) in disk.files.iter().enumerate() {
            for (i, &c) in file.iter().enumerate() {
                assert_eq!(
                    disk.slots[c as usize],
                    Slot::File {
                        file: f as u32,
                        index: i as u32
                    }
                );
            }
        }
        let on_disk = disk
            .slots
            .iter()
            .filter(|s| matches!(s, Slot::File { .. }))
            .count();
        assert_eq!(on_disk, disk.used());
    }

    /// Runs a whole pass without timing; returns the number of operations.
    fn run_pass(disk: &mut Disk, method: Method) -> usize {
        let mut opt = Optimizer::default();
        opt.start(method, disk);
        let mut ops = 0;
        while opt.begin(disk).is_some() {
            opt.write(disk);
            opt.commit(disk);
            ops += 1;
            assert!(ops < 1_000_000, "the pass does not end");
        }
        let (done, total) = opt.progress();
        assert_eq!(done, total, "progress must reach 100%");
        ops
    }

    #[test]
    fn generated_disk_is_fragmented_and_consistent() {
        let disk = Disk::generate(&spec(4000), &mut rng::seeded(3, "disk"));
        check_consistent(&disk);
        let usable = disk.slots.iter().filter(|s| !s.is_fixed()).count();
        let used = disk.used() as f64 / usable as f64;
        assert!((0.6..0.7).contains(&used), "fill {used}");
        assert!(disk.percent_unfragmented() < 90);
        assert_eq!(disk.slots[0], Slot::Unmovable, "system files come first");
        assert!(disk.slots.contains(&Slot::Bad));
    }

    #[test]
    fn full_optimization_packs_every_file_at_the_front() {
        for seed in 0..5 {
            let mut disk = Disk::generate(&spec(3000), &mut rng::seeded(seed, "disk"));
            let before = disk.slots.iter().filter(|s| s.is_fixed()).count();
            run_pass(&mut disk, Method::Full);
            check_consistent(&disk);
            assert!(
                disk.is_packed(),
                "files contiguous, no free space before the last"
            );
            assert_eq!(before, disk.slots.iter().filter(|s| s.is_fixed()).count());
            assert_eq!(disk.percent_unfragmented(), 100);
            assert!(disk.io.iter().all(|io| *io == Io::Idle));
            // Every file cluster was placed (and drawn yellow).
            assert!(
                disk.files
                    .iter()
                    .flatten()
                    .all(|&c| disk.optimized[c as usize])
            );
        }
    }

    #[test]
    fn unfragment_makes_files_whole_and_leaves_the_rest() {
        let mut disk = Disk::generate(
            &DiskSpec {
                fill: 0.4,
                ..spec(3000)
            },
            &mut rng::seeded(9, "disk"),
        );
        let whole_before: Vec<usize> = (0..disk.files.len())
            .filter(|&f| disk.is_contiguous(f))
            .collect();
        let positions: Vec<Vec<u32>> = whole_before
            .iter()
            .map(|&f| disk.files[f].clone())
            .collect();
        run_pass(&mut disk, Method::Unfragment);
        check_consistent(&disk);
        for (f, pos) in whole_before.iter().zip(&positions) {
            assert_eq!(&disk.files[*f], pos, "unfragmented files do not move");
        }
        // With 60% free space every fragmented file finds a gap.
        assert_eq!(disk.percent_unfragmented(), 100);
    }

    #[test]
    fn evictions_keep_the_disk_consistent_when_nearly_full() {
        let mut disk = Disk::generate(
            &DiskSpec {
                fill: 0.95,
                fragmentation: 1.0,
                ..spec(600)
            },
            &mut rng::seeded(1, "disk"),
        );
        run_pass(&mut disk, Method::Full);
        check_consistent(&disk);
        assert!(disk.is_packed());
    }

    #[test]
    fn cells_show_the_most_significant_state() {
        let mut disk = Disk::generate(&spec(0), &mut rng::seeded(1, "disk"));
        disk.slots = vec![
            Slot::Free,
            Slot::File { file: 0, index: 0 },
            Slot::Bad,
            Slot::Unmovable,
        ];
        disk.io = vec![Io::Idle; 4];
        disk.optimized = vec![false; 4];
        disk.files = vec![vec![1]];
        assert_eq!(disk.cell(0..1), CellState::Unused);
        assert_eq!(disk.cell(0..2), CellState::Used);
        assert_eq!(disk.cell(0..3), CellState::Bad);
        assert_eq!(disk.cell(0..4), CellState::Unmovable);
        disk.optimized[1] = true;
        assert_eq!(disk.cell(0..2), CellState::Optimized);
        disk.io[0] = Io::Read;
        assert_eq!(disk.cell(0..2), CellState::Reading);
        disk.io[1] = Io::Write;
        assert_eq!(disk.cell(0..2), CellState::Writing);
        assert_eq!(disk.cell(1..3), CellState::Bad);
        // Out of range is empty, never a panic.
        assert_eq!(disk.cell(10..20), CellState::Unused);
    }

    #[test]
    fn tiny_and_empty_disks_do_not_break() {
        for clusters in [0, 1, 2, 5, 17] {
            let mut disk = Disk::generate(&spec(clusters), &mut rng::seeded(1, "disk"));
            check_consistent(&disk);
            run_pass(&mut disk, Method::Full);
            run_pass(&mut disk, Method::Unfragment);
        }
    }
}

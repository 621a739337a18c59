//! The `defrag` effect: MS-DOS 6 DEFRAG optimizing a drive, forever.
//!
//! # The original
//!
//! "Microsoft Defrag (MSDOS) — now in your browser" and its siblings (ShipLift's Defrag, the
//! FreeDOS DEFRAG clone) recreate the MS-DOS 6.x DEFRAG screen: a blue VGA text screen with a
//! grey menu bar, a drive map of block characters, a "Status" box (cluster, percent, progress
//! bar, elapsed time, method) and a "Legend" box, and a status line reading `Reading...` /
//! `Writing...`. The program reads the drive, recommends a method in a dialog, then moves
//! clusters: blocks being read show `r`, blocks being written `W`, and placed blocks turn
//! yellow as a compact region grows from the top left. A "Finished condensing" dialog ends it.
//!
//! # How we map it
//!
//! Not random flicker: the `disk` module simulates a FAT disk (files in fragments, free space,
//! bad and unmovable clusters) and an optimizer that really defragments it, one disk operation
//! at a time; the `screen` module (`DefragScreen`) draws the DOS layout from that state. Each
//! map block shows the most significant state of its clusters (X > B > W > r > used > unused),
//! and every number in the Status box comes from the simulation, including the elapsed time
//! (simulated time).
//!
//! The program flow loops forever: reading drive information (the map fills in as the disk is
//! read), the recommendation dialog (dismissed on its own), the optimization (about 80 ms to
//! read and 80 ms to write each run, so a default pass takes a few minutes), the finished
//! dialog, then a freshly fragmented disk.
//!
//! The global `--speed` scales simulated time, so `--speed 4` runs DEFRAG four times faster
//! (and its elapsed time counts four times faster, as the simulation sees it). `--calm` slows
//! the read/write blinking to about 1 Hz.
//!
//! The layout is DOS's own at 80×25 (and 80×24 with one map row less); bigger screens give all
//! extra room to the map, whose block size is recomputed. Below 40×12 only the map and a
//! one-line status remain, and below 10×3 the bare map. The kiosk message goes in the status
//! line, above the map as the drive label, or in a dialog now and then (`--message-in`).
//!
//! `--style win98` draws the same simulation as Windows 98's Disk Defragmenter with details
//! shown: a grey window under a navy title bar, a white map of cyan squares that turn blue as
//! they are placed, green while read and red while written.

mod disk;
mod screen;

use std::ops::RangeInclusive;
use std::time::Duration;

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;

pub use self::disk::Method;
use self::disk::{Disk, DiskSpec, OpKind, Optimizer};
use self::screen::{Activity, DefragScreen, Dialog, Theme, View};
use crate::effect::{Context, Effect};
use crate::rng::{self, Rng};

/// The name on the command line and in configs.
pub const NAME: &str = "defrag";
/// The looks it has; the first is the default.
pub const STYLES: &[&str] = &["dos", "win98"];

/// Allowed disk sizes, in clusters.
const CLUSTERS: RangeInclusive<u32> = 16..=1_000_000;
/// Allowed `--fill`: some files, and always some free space to move them through.
const FILL: RangeInclusive<f64> = 0.05..=0.95;
/// Allowed `--fragmentation`.
const FRAGMENTATION: RangeInclusive<f64> = 0.0..=1.0;
/// Allowed `--bad` and `--unmovable`.
const DEFECTS: RangeInclusive<f64> = 0.0..=0.2;

/// Where the kiosk message appears.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum MessageIn {
    /// On the status line at the bottom, where DEFRAG says what it is doing.
    #[default]
    Status,
    /// Above the map, as the drive's label.
    Label,
    /// In a DOS dialog box over the map, now and then.
    Dialog,
}

/// Parameters of the `defrag` effect.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[cfg_attr(feature = "clap", command(next_help_heading = "Defrag"))]
pub struct DefragParams {
    /// Disk size in clusters; each map block stands for as many clusters as needed to fit.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = DefragParams::default().clusters,
        value_parser = clap::value_parser!(u32).range(16..=1_000_000), value_name = "N"))]
    pub clusters: u32,
    /// Fraction of the disk's usable space holding files (0.05-0.95).
    #[cfg_attr(feature = "clap", arg(long, default_value_t = DefragParams::default().fill,
        value_parser = parse_fill, value_name = "FRACTION"))]
    pub fill: f64,
    /// Probability that a file is split into fragments (0-1).
    #[cfg_attr(feature = "clap", arg(long, default_value_t = DefragParams::default().fragmentation,
        value_parser = parse_fragmentation, value_name = "FRACTION"))]
    pub fragmentation: f64,
    /// Fraction of the disk that is bad clusters, shown as B (0-0.2).
    #[cfg_attr(feature = "clap", arg(long, default_value_t = DefragParams::default().bad,
        value_parser = parse_defects, value_name = "FRACTION"))]
    pub bad: f64,
    /// Fraction of the disk that is unmovable (system files), shown as X (0-0.2).
    #[cfg_attr(feature = "clap", arg(long, default_value_t = DefragParams::default().unmovable,
        value_parser = parse_defects, value_name = "FRACTION"))]
    pub unmovable: f64,
    /// Drive letter shown in the legend and the dialogs.
    #[cfg_attr(feature = "clap", arg(long, default_value_t = DefragParams::default().drive,
        value_parser = parse_drive, value_name = "LETTER"))]
    pub drive: char,
    /// Optimization method: full packs every file at the front; unfragment only joins the
    /// fragments of each fragmented file.
    #[cfg_attr(feature = "clap", arg(long, value_enum, default_value_t = DefragParams::default().method))]
    pub method: Method,
    /// Where the kiosk message appears: the status line, the drive label above the map, or a
    /// dialog box now and then.
    #[cfg_attr(feature = "clap", arg(long, value_enum, default_value_t = DefragParams::default().message_in,
        value_name = "WHERE"))]
    pub message_in: MessageIn,
}

impl Default for DefragParams {
    fn default() -> Self {
        Self {
            clusters: 24_000,
            fill: 0.65,
            fragmentation: 0.5,
            bad: 0.002,
            unmovable: 0.01,
            drive: 'C',
            method: Method::Full,
            message_in: MessageIn::Status,
        }
    }
}

impl DefragParams {
    /// Checks the ranges (the command line checks them too; library users may not).
    fn validate(&self) -> Result<(), String> {
        let check = |name: &str, value: f64, range: RangeInclusive<f64>| {
            if range.contains(&value) {
                Ok(())
            } else {
                Err(format!(
                    "--{name} {value} is outside {}-{}",
                    range.start(),
                    range.end()
                ))
            }
        };
        if !CLUSTERS.contains(&self.clusters) {
            return Err(format!(
                "--clusters {} is outside {}-{}",
                self.clusters,
                CLUSTERS.start(),
                CLUSTERS.end()
            ));
        }
        check("fill", self.fill, FILL)?;
        check("fragmentation", self.fragmentation, FRAGMENTATION)?;
        check("bad", self.bad, DEFECTS)?;
        check("unmovable", self.unmovable, DEFECTS)?;
        if !self.drive.is_ascii_uppercase() {
            return Err(format!("--drive '{}' must be a letter A-Z", self.drive));
        }
        Ok(())
    }

    fn disk_spec(&self) -> DiskSpec {
        DiskSpec {
            clusters: self.clusters,
            fill: self.fill,
            fragmentation: self.fragmentation,
            bad: self.bad,
            unmovable: self.unmovable,
        }
    }
}

#[cfg(feature = "clap")]
fn parse_in(s: &str, range: RangeInclusive<f64>) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if range.contains(&v) => Ok(v),
        _ => Err(format!(
            "expected a number from {} to {}",
            range.start(),
            range.end()
        )),
    }
}

#[cfg(feature = "clap")]
fn parse_fill(s: &str) -> Result<f64, String> {
    parse_in(s, FILL)
}

#[cfg(feature = "clap")]
fn parse_fragmentation(s: &str) -> Result<f64, String> {
    parse_in(s, FRAGMENTATION)
}

#[cfg(feature = "clap")]
fn parse_defects(s: &str) -> Result<f64, String> {
    parse_in(s, DEFECTS)
}

#[cfg(feature = "clap")]
fn parse_drive(s: &str) -> Result<char, String> {
    let mut chars = s.trim().trim_end_matches(':').chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => Ok(c.to_ascii_uppercase()),
        _ => Err("expected a drive letter A-Z".into()),
    }
}

/// What the program is doing; each phase lasts [`Defrag::phase_length`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// "Reading drive C: information...": the map fills in.
    Analyze,
    /// The recommendation dialog.
    Recommend,
    /// An operation reads its clusters (`r`).
    Read,
    /// An operation writes its clusters (`W`).
    Write,
    /// The "Finished condensing" dialog.
    Finished,
}

/// How long reading the drive information takes.
const ANALYZE: Duration = Duration::from_secs(3);
/// How long each dialog stays up.
const DIALOG: Duration = Duration::from_secs(4);
/// Reading, and then writing, one run of clusters (the originals pace at 80-100 ms).
const DISK_OP: Duration = Duration::from_millis(80);
/// The same under `--calm`: about one change per second.
const CALM_DISK_OP: Duration = Duration::from_millis(500);
/// `--message-in dialog`: the message shows for [`DIALOG`] at this offset in every period of
/// optimization time.
const MESSAGE_PERIOD: Duration = Duration::from_secs(30);
const MESSAGE_AT: Duration = Duration::from_secs(12);

/// The `defrag` effect.
#[derive(Debug)]
pub struct Defrag {
    params: DefragParams,
    rng: Rng,
    disk: Disk,
    optimizer: Optimizer,
    screen: DefragScreen,
    phase: Phase,
    /// Time spent in the current phase.
    in_phase: Duration,
    /// Simulated time since the optimization began (the Status box's elapsed time).
    elapsed: Duration,
    /// What the analysis found, for the recommendation dialog.
    unfragmented: u32,
    disk_op: Duration,
    message: String,
}

impl Defrag {
    /// A DEFRAG screen about to read a freshly fragmented drive.
    pub fn new(ctx: &Context, params: &DefragParams) -> Result<Self, String> {
        params.validate()?;
        let mut rng = rng::seeded(ctx.seed, "defrag disk");
        let disk = Disk::generate(&params.disk_spec(), &mut rng);
        let unfragmented = disk.percent_unfragmented();
        let theme = match ctx.style_in(STYLES) {
            "win98" => Theme::WIN98,
            _ => Theme::DOS,
        };
        Ok(Self {
            params: params.clone(),
            rng,
            disk,
            optimizer: Optimizer::default(),
            screen: DefragScreen::new(theme.with_palette(&ctx.palette)),
            phase: Phase::Analyze,
            in_phase: Duration::ZERO,
            elapsed: Duration::ZERO,
            unfragmented,
            disk_op: if ctx.calm { CALM_DISK_OP } else { DISK_OP },
            message: ctx.message.clone(),
        })
    }

    fn phase_length(&self) -> Duration {
        match self.phase {
            Phase::Analyze => ANALYZE,
            Phase::Recommend | Phase::Finished => DIALOG,
            Phase::Read | Phase::Write => self.disk_op,
        }
    }

    /// Moves on from the phase that just ended.
    fn next_phase(&mut self) {
        self.phase = match self.phase {
            Phase::Analyze => Phase::Recommend,
            Phase::Recommend => {
                self.optimizer.start(self.params.method, &self.disk);
                self.elapsed = Duration::ZERO;
                self.begin_op()
            }
            Phase::Read if self.optimizer.current() == Some(OpKind::Verify) => {
                self.optimizer.commit(&mut self.disk);
                self.begin_op()
            }
            Phase::Read => {
                self.optimizer.write(&mut self.disk);
                Phase::Write
            }
            Phase::Write => {
                self.optimizer.commit(&mut self.disk);
                self.begin_op()
            }
            Phase::Finished => {
                self.disk
                    .regenerate(&self.params.disk_spec(), &mut self.rng);
                self.unfragmented = self.disk.percent_unfragmented();
                Phase::Analyze
            }
        };
    }

    fn begin_op(&mut self) -> Phase {
        match self.optimizer.begin(&mut self.disk) {
            Some(_) => Phase::Read,
            None => Phase::Finished,
        }
    }

    fn optimizing(&self) -> bool {
        matches!(self.phase, Phase::Read | Phase::Write)
    }

    fn dialog(&self) -> Option<Dialog> {
        match self.phase {
            Phase::Recommend => Some(Dialog::Recommendation {
                unfragmented: self.unfragmented,
            }),
            Phase::Finished => Some(Dialog::Finished),
            Phase::Read | Phase::Write
                if self.params.message_in == MessageIn::Dialog
                    && !self.message.is_empty()
                    && (self.elapsed.as_millis() % MESSAGE_PERIOD.as_millis())
                        .checked_sub(MESSAGE_AT.as_millis())
                        .is_some_and(|t| t < DIALOG.as_millis()) =>
            {
                Some(Dialog::Message)
            }
            _ => None,
        }
    }

    /// What the screen shows, except the message (borrowed separately in `render`).
    fn view(&self) -> View<'static> {
        let analysing = self.phase == Phase::Analyze;
        let (cluster, progress) = if analysing || self.phase == Phase::Recommend {
            (2, (0, 1))
        } else {
            (self.optimizer.cluster(), self.optimizer.progress())
        };
        View {
            activity: match self.phase {
                Phase::Analyze => Activity::Analyzing,
                Phase::Recommend => Activity::Recommending,
                Phase::Read => Activity::Reading,
                Phase::Write => Activity::Writing,
                Phase::Finished => Activity::Finished,
            },
            dialog: self.dialog(),
            revealed: if analysing {
                self.in_phase.as_secs_f64() / ANALYZE.as_secs_f64()
            } else {
                1.0
            },
            cluster,
            progress,
            elapsed: self.elapsed,
            method: self.params.method,
            drive: self.params.drive,
            message: "",
            message_in: self.params.message_in,
        }
    }
}

impl Effect for Defrag {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tick(&mut self, dt: Duration) {
        let mut left = dt;
        loop {
            let need = self.phase_length().saturating_sub(self.in_phase);
            let step = left.min(need);
            if self.optimizing() {
                self.elapsed += step;
            }
            self.in_phase += step;
            left -= step;
            if step < need {
                return;
            }
            self.in_phase = Duration::ZERO;
            self.next_phase();
        }
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer) {
        let view = View {
            message: &self.message,
            ..self.view()
        };
        self.screen.render(area, buf, &mut self.disk, &view);
    }

    fn set_message(&mut self, message: &str) {
        if self.message != message {
            self.message = message.to_string();
        }
    }

    /// Like pressing Enter: closes the open dialog, or finishes reading the drive.
    fn poke(&mut self) {
        if matches!(
            self.phase,
            Phase::Analyze | Phase::Recommend | Phase::Finished
        ) {
            self.in_phase = self.phase_length();
            self.tick(Duration::ZERO);
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui_core::style::Color;

    use super::*;
    use crate::Rgb;

    fn defrag(params: DefragParams, message: &str) -> Defrag {
        Defrag::new(&Context::new(7, message), &params).unwrap()
    }

    fn frame(fx: &mut Defrag, w: u16, h: u16) -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
        fx.render(buf.area, &mut buf);
        buf
    }

    /// The symbols, one line per row.
    fn text(buf: &Buffer) -> String {
        let w = usize::from(buf.area.width);
        buf.content
            .chunks(w.max(1))
            .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The colour of each cell as a letter: its background, or for a Win98 square (`■`) its
    /// foreground. b blue, w white, y yellow, g grey, c cyan, k black (shadow, bad), n navy,
    /// s silver, B bright blue, G green, R red, d dark grey.
    fn backgrounds(buf: &Buffer) -> String {
        let w = usize::from(buf.area.width);
        let letter = |c: Color| match c {
            Color::Rgb(0, 0, 0xAA) => 'b',
            Color::Rgb(0xFF, 0xFF, 0xFF) => 'w',
            Color::Rgb(0xFF, 0xFF, 0x55) => 'y',
            Color::Rgb(0xAA, 0xAA, 0xAA) => 'g',
            Color::Rgb(0, 0xAA, 0xAA) => 'c',
            Color::Rgb(0, 0, 0) => 'k',
            Color::Rgb(0, 0, 0x80) => 'n',
            Color::Rgb(0xC0, 0xC0, 0xC0) => 's',
            Color::Rgb(0, 0, 0xFF) => 'B',
            Color::Rgb(0, 0xAA, 0) => 'G',
            Color::Rgb(0xFF, 0, 0) => 'R',
            Color::Rgb(0x80, 0x80, 0x80) => 'd',
            _ => '?',
        };
        buf.content
            .chunks(w.max(1))
            .map(|row| {
                row.iter()
                    .map(|c| letter(if c.symbol() == "■" { c.fg } else { c.bg }))
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn run(fx: &mut Defrag, time: Duration) {
        let step = Duration::from_millis(100);
        let mut t = Duration::ZERO;
        while t < time {
            fx.tick(step);
            t += step;
        }
    }

    /// Ticks until the pass has finished (the "Finished condensing" dialog is up).
    fn run_to_finish(fx: &mut Defrag) {
        for _ in 0..100_000 {
            if fx.phase == Phase::Finished {
                return;
            }
            fx.tick(Duration::from_millis(100));
        }
        panic!("the pass never finished");
    }

    #[cfg(feature = "clap")]
    #[test]
    fn flags_parse() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            defrag: DefragParams,
        }
        let parsed = Cli::try_parse_from([
            "x",
            "--clusters",
            "5000",
            "--fill",
            "0.3",
            "--drive",
            "d:",
            "--method",
            "unfragment",
            "--message-in",
            "label",
        ])
        .unwrap()
        .defrag;
        assert_eq!(parsed.clusters, 5000);
        assert_eq!(parsed.fill, 0.3);
        assert_eq!(parsed.drive, 'D');
        assert_eq!(parsed.method, Method::Unfragment);
        assert_eq!(parsed.message_in, MessageIn::Label);
        for bad in [
            ["--fill", "1.0"],
            ["--bad", "0.5"],
            ["--drive", "CD"],
            ["--clusters", "3"],
            ["--fragmentation", "-1"],
        ] {
            assert!(
                Cli::try_parse_from(["x", bad[0], bad[1]]).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn library_users_get_errors_for_bad_params() {
        let ctx = Context::new(1, "");
        for params in [
            DefragParams {
                fill: 1.0,
                ..DefragParams::default()
            },
            DefragParams {
                clusters: 0,
                ..DefragParams::default()
            },
            DefragParams {
                drive: '1',
                ..DefragParams::default()
            },
            DefragParams {
                unmovable: f64::NAN,
                ..DefragParams::default()
            },
        ] {
            assert!(Defrag::new(&ctx, &params).is_err(), "{params:?}");
        }
    }

    #[test]
    fn snapshot_80x24_program_flow() {
        let mut fx = defrag(DefragParams::default(), "Welcome");
        run(&mut fx, Duration::from_millis(1500));
        insta::assert_snapshot!("analysing_80x24", text(&frame(&mut fx, 80, 24)));
        run(&mut fx, Duration::from_secs(3));
        assert_eq!(fx.phase, Phase::Recommend);
        let buf = frame(&mut fx, 80, 24);
        insta::assert_snapshot!("recommendation_80x24", text(&buf));
        insta::assert_snapshot!("recommendation_80x24_colours", backgrounds(&buf));
        run(&mut fx, Duration::from_secs(60));
        let buf = frame(&mut fx, 80, 24);
        insta::assert_snapshot!("optimizing_80x24", text(&buf));
        insta::assert_snapshot!("optimizing_80x24_colours", backgrounds(&buf));
        run_to_finish(&mut fx);
        insta::assert_snapshot!("finished_80x24", text(&frame(&mut fx, 80, 24)));
    }

    #[test]
    fn snapshot_win98_style() {
        let mut ctx = Context::new(7, "Welcome");
        ctx.style = Some("win98".into());
        let mut fx = Defrag::new(&ctx, &DefragParams::default()).unwrap();
        run(&mut fx, Duration::from_secs(5));
        insta::assert_snapshot!("win98_recommendation_80x24", text(&frame(&mut fx, 80, 24)));
        run(&mut fx, Duration::from_secs(55));
        let buf = frame(&mut fx, 80, 24);
        insta::assert_snapshot!("win98_optimizing_80x24", text(&buf));
        insta::assert_snapshot!("win98_optimizing_80x24_colours", backgrounds(&buf));
    }

    #[test]
    fn snapshot_160x50_optimizing() {
        let mut fx = defrag(DefragParams::default(), "Welcome");
        run(&mut fx, Duration::from_secs(60));
        insta::assert_snapshot!("optimizing_160x50", text(&frame(&mut fx, 160, 50)));
    }

    #[test]
    fn snapshot_small_screens() {
        let mut fx = defrag(DefragParams::default(), "환영합니다 Welcome");
        run(&mut fx, Duration::from_secs(30));
        let mut out = String::new();
        for (w, h) in [(60, 14), (30, 8), (8, 2)] {
            out.push_str(&format!("{w}x{h}:\n{}\n\n", text(&frame(&mut fx, w, h))));
        }
        insta::assert_snapshot!("small_screens", out);
    }

    /// Issue 6: a full optimisation pass completes, the map ends contiguous, then it loops.
    #[test]
    fn full_pass_completes_and_map_ends_contiguous() {
        let params = DefragParams {
            clusters: 3000,
            ..DefragParams::default()
        };
        let mut fx = defrag(params, "");
        run_to_finish(&mut fx);
        assert!(fx.disk.is_packed());
        let buf = frame(&mut fx, 80, 24);
        let screen = text(&buf);
        assert!(screen.contains("100%"), "{screen}");
        assert!(screen.contains("Finished condensing."));
        // On the map (rows 2..16, columns 4..76, under the dialog too): used blocks first, all
        // yellow, then free space; X and B may sit anywhere.
        let mut seen_free = false;
        for y in 2..16 {
            for x in 4..76 {
                let cell = &buf[(x, y)];
                let hidden = cell.bg == Color::Rgb(0, 0xAA, 0xAA) || cell.bg == Color::Rgb(0, 0, 0);
                if hidden || !matches!(cell.symbol(), "•" | "░") {
                    continue;
                }
                if cell.symbol() == "░" {
                    seen_free = true;
                } else {
                    assert!(!seen_free, "a used block after free space at {x},{y}");
                    assert_eq!(
                        cell.bg,
                        Color::Rgb(0xFF, 0xFF, 0x55),
                        "not yellow at {x},{y}"
                    );
                }
            }
        }
        assert!(seen_free);
        // Then it re-fragments the disk and starts over.
        run(&mut fx, DIALOG);
        assert_eq!(fx.phase, Phase::Analyze);
        assert!(!fx.disk.is_packed());
        run(&mut fx, ANALYZE + DIALOG + Duration::from_secs(1));
        assert!(fx.optimizing());
    }

    #[test]
    fn unfragment_method_runs_to_the_end() {
        let params = DefragParams {
            clusters: 3000,
            method: Method::Unfragment,
            ..DefragParams::default()
        };
        let mut fx = defrag(params, "");
        run_to_finish(&mut fx);
        assert_eq!(fx.disk.percent_unfragmented(), 100);
        assert!(text(&frame(&mut fx, 80, 24)).contains("Unfragment Files Only"));
    }

    /// A default pass takes a few minutes, so a kiosk sees it progress.
    #[test]
    fn default_pass_takes_a_few_minutes() {
        let mut fx = defrag(DefragParams::default(), "");
        run_to_finish(&mut fx);
        let minutes = fx.elapsed.as_secs_f64() / 60.0;
        assert!((2.0..7.0).contains(&minutes), "{minutes} minutes");
    }

    #[test]
    fn status_numbers_come_from_the_simulation() {
        let mut fx = defrag(DefragParams::default(), "");
        run(&mut fx, Duration::from_secs(75));
        let screen = text(&frame(&mut fx, 80, 24));
        let (done, total) = fx.optimizer.progress();
        let cluster = format!("Cluster {}", fx.optimizer.cluster());
        let percent = format!("{}%", done * 100 / total);
        let secs = fx.elapsed.as_secs();
        let elapsed = format!("Elapsed Time: 00:{:02}:{:02}", secs / 60, secs % 60);
        for expected in [cluster, percent, elapsed] {
            assert!(screen.contains(&expected), "{expected} missing:\n{screen}");
        }
        assert!(done > 0 && done < total);
        assert_eq!(fx.elapsed, Duration::from_secs(75) - ANALYZE - DIALOG);
    }

    #[test]
    fn same_seed_same_frames_other_seed_other_frames() {
        let render = |seed| {
            let mut fx = Defrag::new(&Context::new(seed, "hi"), &DefragParams::default()).unwrap();
            run(&mut fx, Duration::from_secs(20));
            text(&frame(&mut fx, 80, 24))
        };
        assert_eq!(render(3), render(3));
        assert_ne!(render(3), render(4));
    }

    /// Between two frames only a few cells change, which keeps SSH traffic low.
    #[test]
    fn frames_change_few_cells() {
        let mut fx = defrag(DefragParams::default(), "Welcome");
        run(&mut fx, Duration::from_secs(20));
        let mut previous = frame(&mut fx, 80, 24);
        let mut total = 0;
        for _ in 0..300 {
            fx.tick(Duration::from_secs_f64(1.0 / 30.0));
            let next = frame(&mut fx, 80, 24);
            let changed = previous
                .content
                .iter()
                .zip(&next.content)
                .filter(|(a, b)| a != b)
                .count();
            assert!(changed < 40, "{changed} cells changed in one frame");
            total += changed;
            previous = next;
        }
        // Ten seconds at 30 fps: on average a handful of cells per frame.
        assert!(total / 300 < 10, "{} cells per frame", total / 300);
    }

    #[test]
    fn message_places() {
        let label = DefragParams {
            message_in: MessageIn::Label,
            ..DefragParams::default()
        };
        let mut fx = defrag(label, "Lobby");
        let screen = text(&frame(&mut fx, 80, 24));
        assert!(screen.lines().nth(1).unwrap().contains("Drive C: Lobby"));
        assert!(
            screen
                .lines()
                .last()
                .unwrap()
                .contains("Reading drive C: information...")
        );

        let dialog = DefragParams {
            message_in: MessageIn::Dialog,
            ..DefragParams::default()
        };
        let mut fx = defrag(dialog, "Lobby");
        run(&mut fx, ANALYZE + DIALOG + Duration::from_secs(1));
        assert!(!text(&frame(&mut fx, 80, 24)).contains("Lobby"));
        run(&mut fx, MESSAGE_AT);
        let screen = text(&frame(&mut fx, 80, 24));
        assert!(
            screen.contains("Message") && screen.contains("Lobby"),
            "{screen}"
        );

        // The status line shows the message with the action beside it, and follows changes.
        let mut fx = defrag(DefragParams::default(), "Lobby");
        fx.set_message("Hall");
        let screen = text(&frame(&mut fx, 80, 24));
        let last = screen.lines().last().unwrap();
        assert!(
            last.contains("Hall") && last.contains("Analyzing"),
            "{last}"
        );
    }

    #[test]
    fn wide_glyphs_are_never_cut() {
        let mut fx = defrag(
            DefragParams::default(),
            "환영합니다 여러분 오늘도 좋은 하루 되세요",
        );
        for w in 0..90 {
            for h in [1, 3, 12, 24] {
                let buf = frame(&mut fx, w, h);
                for y in 0..h {
                    for x in 0..w {
                        if crate::text::width(buf[(x, y)].symbol()) == 2 {
                            assert!(x + 1 < w, "half a glyph at {x},{y} in {w}x{h}");
                            assert_eq!(buf[(x + 1, y)].symbol(), " ");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn poke_closes_dialogs() {
        let mut fx = defrag(DefragParams::default(), "");
        fx.poke();
        assert_eq!(fx.phase, Phase::Recommend);
        fx.poke();
        assert!(fx.optimizing());
        // Poking while optimizing changes nothing.
        fx.poke();
        assert!(fx.optimizing());
    }

    #[test]
    fn calm_slows_the_disk_operations() {
        let ops = |calm| {
            let mut ctx = Context::new(1, "");
            ctx.calm = calm;
            let mut fx = Defrag::new(&ctx, &DefragParams::default()).unwrap();
            run(&mut fx, ANALYZE + DIALOG + Duration::from_secs(10));
            fx.optimizer.progress().0
        };
        assert!(ops(true) * 3 < ops(false));
    }

    #[test]
    fn brand_palette_recolours_screen_and_optimized_blocks() {
        let mut ctx = Context::new(1, "");
        ctx.palette = vec![Rgb(10, 20, 30), Rgb(200, 100, 0)];
        let mut fx = Defrag::new(&ctx, &DefragParams::default()).unwrap();
        run(&mut fx, Duration::from_secs(30));
        let buf = frame(&mut fx, 80, 24);
        assert_eq!(buf[(0, 1)].bg, Color::Rgb(10, 20, 30));
        assert!(buf.content.iter().any(|c| c.bg == Color::Rgb(200, 100, 0)));
    }
}

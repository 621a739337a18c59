//! Drawing the DEFRAG screen: menu bar, drive map, Status and Legend boxes, status line and
//! dialogs, laid out for any area.
//!
//! At 80×25 the layout is MS-DOS 6 DEFRAG's own (measured from the FreeDOS clone): map at
//! columns 5–76, two 36-wide boxes below it, menu bar on top, status line at the bottom. Larger
//! areas give every extra row and column to the map; the boxes stretch to half the map width
//! each. Small areas drop the legend, then the boxes and bars, down to the bare map.
//!
//! The block states are cached per map cell and recomputed only where the disk reports a
//! change, so a frame costs one pass over the cells however many clusters the disk has.

use std::fmt::Write as _;
use std::ops::Range;
use std::time::Duration;

use ratatui_core::buffer::{Buffer, Cell};
use ratatui_core::layout::Rect;
use ratatui_core::style::Style;

use super::MessageIn;
use super::disk::{CellState, Disk, Method};
use crate::rgb::Rgb;
use crate::text;

/// Which program the screen imitates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefragStyle {
    /// MS-DOS 6 DEFRAG: blue text screen, `•` blocks turning yellow.
    Dos,
    /// Windows 98 Disk Defragmenter: grey window, white map of cyan squares turning blue.
    Win98,
}

/// The colours of one look. Both looks are 16-colour designs, so nothing is lost on the Linux
/// console.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Theme {
    pub look: DefragStyle,
    /// Screen background (VGA blue; the Win98 window grey).
    pub screen: Rgb,
    /// Map background.
    pub map: Rgb,
    /// Text and frames.
    pub text: Rgb,
    /// Menu bar (Win98: title bar) background, text and hot letters.
    pub menu: Rgb,
    pub menu_ink: Rgb,
    pub menu_hot: Rgb,
    /// Status line and buttons.
    pub bar: Rgb,
    /// Text on buttons and dialogs.
    pub ink: Rgb,
    /// Status line text (VGA red).
    pub alert: Rgb,
    /// A used block (DOS: its background; Win98: its square).
    pub used: Rgb,
    /// An optimized block (VGA yellow; Win98 blue).
    pub optimized: Rgb,
    /// The dot on DOS used and optimized blocks.
    pub dot: Rgb,
    /// Unused space glyph.
    pub unused: Rgb,
    /// Blocks being read and written.
    pub reading: Rgb,
    pub writing: Rgb,
    /// Bad and unmovable blocks.
    pub bad: Rgb,
    pub fixed: Rgb,
    /// Progress bar fill.
    pub progress: Rgb,
    /// The recommended method in its dialog.
    pub emphasis: Rgb,
    /// Push buttons in dialogs, and their hot letter.
    pub button: Rgb,
    pub button_hot: Rgb,
    /// Dialog background (VGA cyan).
    pub dialog: Rgb,
    /// Dialog drop shadow and the text inside it.
    pub shadow: Rgb,
    pub shadowed: Rgb,
}

impl Theme {
    /// MS-DOS 6 DEFRAG on a VGA text screen.
    pub const DOS: Theme = Theme {
        look: DefragStyle::Dos,
        screen: Rgb(0x00, 0x00, 0xAA),
        map: Rgb(0x00, 0x00, 0xAA),
        text: Rgb(0xFF, 0xFF, 0xFF),
        menu: Rgb(0xAA, 0xAA, 0xAA),
        menu_ink: Rgb(0x00, 0x00, 0x00),
        menu_hot: Rgb(0xFF, 0xFF, 0xFF),
        bar: Rgb(0xAA, 0xAA, 0xAA),
        ink: Rgb(0x00, 0x00, 0x00),
        alert: Rgb(0xAA, 0x00, 0x00),
        used: Rgb(0xFF, 0xFF, 0xFF),
        optimized: Rgb(0xFF, 0xFF, 0x55),
        dot: Rgb(0x00, 0x00, 0xAA),
        unused: Rgb(0xAA, 0xAA, 0xAA),
        reading: Rgb(0xFF, 0xFF, 0xFF),
        writing: Rgb(0xFF, 0xFF, 0xFF),
        bad: Rgb(0xFF, 0x55, 0x55),
        fixed: Rgb(0xFF, 0xFF, 0xFF),
        progress: Rgb(0xFF, 0xFF, 0xFF),
        emphasis: Rgb(0x00, 0x00, 0xAA),
        button: Rgb(0xAA, 0xAA, 0xAA),
        button_hot: Rgb(0xFF, 0xFF, 0xFF),
        dialog: Rgb(0x00, 0xAA, 0xAA),
        shadow: Rgb(0x00, 0x00, 0x00),
        shadowed: Rgb(0x55, 0x55, 0x55),
    };

    /// Windows 98 Disk Defragmenter with details shown: cyan squares for data not yet
    /// defragmented, blue once done, green while read, red while written (the colours of
    /// Manz's recreation and the press descriptions).
    pub const WIN98: Theme = Theme {
        look: DefragStyle::Win98,
        screen: Rgb(0xC0, 0xC0, 0xC0),
        map: Rgb(0xFF, 0xFF, 0xFF),
        text: Rgb(0x00, 0x00, 0x00),
        menu: Rgb(0x00, 0x00, 0x80),
        menu_ink: Rgb(0xFF, 0xFF, 0xFF),
        menu_hot: Rgb(0xFF, 0xFF, 0xFF),
        bar: Rgb(0xC0, 0xC0, 0xC0),
        ink: Rgb(0x00, 0x00, 0x00),
        alert: Rgb(0x00, 0x00, 0x00),
        used: Rgb(0x00, 0xAA, 0xAA),
        optimized: Rgb(0x00, 0x00, 0xFF),
        dot: Rgb(0x00, 0x00, 0x00),
        unused: Rgb(0xFF, 0xFF, 0xFF),
        reading: Rgb(0x00, 0xAA, 0x00),
        writing: Rgb(0xFF, 0x00, 0x00),
        bad: Rgb(0x00, 0x00, 0x00),
        fixed: Rgb(0x80, 0x80, 0x80),
        progress: Rgb(0x00, 0x00, 0x80),
        emphasis: Rgb(0x00, 0x00, 0x80),
        button: Rgb(0xFF, 0xFF, 0xFF),
        button_hot: Rgb(0x00, 0x00, 0x80),
        dialog: Rgb(0xC0, 0xC0, 0xC0),
        shadow: Rgb(0x00, 0x00, 0x00),
        shadowed: Rgb(0x80, 0x80, 0x80),
    };

    /// This theme with brand colours: the first replaces the main colour (the DOS screen
    /// blue, the Win98 title bar), the second the optimized colour, the third the dialog's.
    #[must_use]
    pub fn with_palette(mut self, palette: &[Rgb]) -> Theme {
        let mut colours = palette.iter().copied();
        if let Some(c) = colours.next() {
            match self.look {
                DefragStyle::Dos => {
                    self.screen = c;
                    self.map = c;
                    self.dot = c;
                }
                DefragStyle::Win98 => {
                    self.menu = c;
                    self.progress = c;
                }
            }
        }
        if let Some(c) = colours.next() {
            self.optimized = c;
        }
        if let Some(c) = colours.next() {
            self.dialog = c;
        }
        self
    }

    /// The program's name on the status line.
    fn program(&self) -> &'static str {
        match self.look {
            DefragStyle::Dos => "MS-DOS Defrag",
            DefragStyle::Win98 => "Defragmenter",
        }
    }

    fn on_screen(&self, fg: Rgb) -> Style {
        Style::new().fg(fg.into()).bg(self.screen.into())
    }

    fn on_bar(&self, fg: Rgb) -> Style {
        Style::new().fg(fg.into()).bg(self.bar.into())
    }

    fn on_menu(&self, fg: Rgb) -> Style {
        Style::new().fg(fg.into()).bg(self.menu.into())
    }

    fn on_dialog(&self, fg: Rgb) -> Style {
        Style::new().fg(fg.into()).bg(self.dialog.into())
    }

    /// Glyph and style of a map block.
    fn block(&self, state: CellState) -> (&'static str, Style) {
        let on_map = |fg: Rgb| Style::new().fg(fg.into()).bg(self.map.into());
        match self.look {
            DefragStyle::Dos => match state {
                CellState::Unused => ("░", on_map(self.unused)),
                CellState::Used => ("•", Style::new().fg(self.dot.into()).bg(self.used.into())),
                CellState::Optimized => (
                    "•",
                    Style::new().fg(self.dot.into()).bg(self.optimized.into()),
                ),
                CellState::Reading => ("r", on_map(self.reading)),
                CellState::Writing => ("W", on_map(self.writing)),
                CellState::Bad => ("B", on_map(self.bad)),
                CellState::Unmovable => ("X", on_map(self.fixed)),
            },
            // Small squares on white, like the Win98 map's grid of blocks.
            DefragStyle::Win98 => match state {
                CellState::Unused => (" ", on_map(self.unused)),
                CellState::Used => ("■", on_map(self.used)),
                CellState::Optimized => ("■", on_map(self.optimized)),
                CellState::Reading => ("■", on_map(self.reading)),
                CellState::Writing => ("■", on_map(self.writing)),
                CellState::Bad => ("■", on_map(self.bad)),
                CellState::Unmovable => ("■", on_map(self.fixed)),
            },
        }
    }
}

/// What DEFRAG is doing, for the status line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    /// Reading the FAT and directories.
    Analyzing,
    /// The recommendation dialog is open.
    Recommending,
    /// An operation is reading clusters.
    Reading,
    /// An operation is writing clusters.
    Writing,
    /// The pass is complete.
    Finished,
}

impl Activity {
    /// The short form, for the right side of the status line next to a kiosk message.
    fn short(self) -> &'static str {
        match self {
            Activity::Analyzing => "Analyzing...",
            Activity::Recommending => "Recommending",
            Activity::Reading => "Reading...",
            Activity::Writing => "Writing...",
            Activity::Finished => "Finished",
        }
    }
}

/// A dialog box over the map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialog {
    /// "NN% of drive C: is not fragmented." and the recommended method.
    Recommendation { unfragmented: u32 },
    /// "Finished condensing."
    Finished,
    /// The kiosk message (`--message-in dialog`).
    Message,
}

/// Everything the screen shows besides the map, for one frame.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    pub activity: Activity,
    pub dialog: Option<Dialog>,
    /// While analysing: how much of the disk has been read (0..=1); the map fills up to there.
    pub revealed: f64,
    /// Cluster number shown in the Status box.
    pub cluster: usize,
    /// Clusters processed and to process, for the percentage and the bar.
    pub progress: (usize, usize),
    pub elapsed: Duration,
    pub method: Method,
    pub drive: char,
    pub message: &'a str,
    pub message_in: MessageIn,
}

impl View<'_> {
    fn percent(&self) -> usize {
        let (done, total) = self.progress;
        (done * 100).checked_div(total).unwrap_or(100).min(100)
    }

    /// The message when it goes in `place` and is not empty.
    fn message_for(&self, place: MessageIn) -> Option<&str> {
        (self.message_in == place && !self.message.is_empty()).then_some(self.message)
    }
}

/// Where each part of the screen goes for one area size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Layout {
    menu: Option<Rect>,
    /// The blank row under the menu bar, where `--message-in label` puts the message.
    label: Option<Rect>,
    map: Rect,
    status: Option<Rect>,
    legend: Option<Rect>,
    line: Option<Rect>,
    /// The status line carries the one-line summary because there are no boxes.
    compact: bool,
}

/// Width of one DOS box; its inside holds the 34-character progress bar.
const BOX_WIDTH: u16 = 36;
/// Rows of a Status/Legend box.
const BOX_HEIGHT: u16 = 6;
/// Right part of the status line: "│ MS-DOS Defrag".
const STATUS_RIGHT: u16 = 18;

impl Layout {
    fn new(area: Rect) -> Layout {
        let (w, h) = (area.width, area.height);
        let row = |y: u16, x: u16, width: u16| Rect::new(area.x + x, area.y + y, width, 1);
        if w >= 40 && h >= 12 {
            // DOS: 4 columns of margin beside the map at 80 columns; less when narrower.
            let margin = (w.saturating_sub(2 * BOX_WIDTH) / 2).clamp(1, 4);
            let map = Rect::new(
                area.x + margin,
                area.y + 2,
                w - 2 * margin,
                h - 3 - BOX_HEIGHT - 1,
            );
            let boxes_y = area.y + h - 1 - BOX_HEIGHT;
            let (status, legend) = if map.width >= 2 * BOX_WIDTH {
                let half = map.width / 2;
                (
                    Rect::new(map.x, boxes_y, half, BOX_HEIGHT),
                    Some(Rect::new(
                        map.x + half,
                        boxes_y,
                        map.width - half,
                        BOX_HEIGHT,
                    )),
                )
            } else {
                (Rect::new(map.x, boxes_y, map.width, BOX_HEIGHT), None)
            };
            Layout {
                menu: Some(row(0, 0, w)),
                label: Some(row(1, 0, w)),
                map,
                status: Some(status),
                legend,
                line: Some(row(h - 1, 0, w)),
                compact: false,
            }
        } else if w >= 10 && h >= 3 {
            Layout {
                map: Rect::new(area.x, area.y, w, h - 1),
                line: Some(row(h - 1, 0, w)),
                compact: true,
                ..Layout::default()
            }
        } else {
            Layout {
                map: area,
                ..Layout::default()
            }
        }
    }
}

/// The DEFRAG screen with its per-cell cache.
#[derive(Clone, Debug)]
pub struct DefragScreen {
    theme: Theme,
    area: Option<Rect>,
    layout: Layout,
    /// Clusters per map block.
    block: usize,
    /// Map blocks in use (the rest of the map area stays blank).
    blocks: usize,
    /// Cached state of each block.
    cells: Vec<CellState>,
    /// Cluster ranges reported changed, waiting to be turned into cells.
    changed: Vec<Range<usize>>,
    /// Scratch for formatted numbers, reused every frame.
    scratch: String,
    /// The message wrapped for its dialog, and for what message and width.
    wrapped: Vec<String>,
    wrapped_for: (String, usize),
}

impl DefragScreen {
    pub fn new(theme: Theme) -> Self {
        Self {
            theme,
            area: None,
            layout: Layout::default(),
            block: 1,
            blocks: 0,
            cells: Vec::new(),
            changed: Vec::new(),
            scratch: String::new(),
            wrapped: Vec::new(),
            wrapped_for: (String::new(), 0),
        }
    }

    /// Draws the whole screen into `area` (every cell of it).
    pub fn render(&mut self, area: Rect, buf: &mut Buffer, disk: &mut Disk, view: &View) {
        let area = area.intersection(buf.area);
        self.refresh(area, disk);
        fill(buf, area, self.theme.on_screen(self.theme.text));
        if area.is_empty() {
            return;
        }
        self.draw_map(buf, view);
        let layout = self.layout;
        if let Some(menu) = layout.menu {
            self.draw_menu(buf, menu, view.drive);
        }
        if let (Some(label), Some(message)) = (layout.label, view.message_for(MessageIn::Label)) {
            self.draw_label(buf, label, message, view.drive);
        }
        if let Some(status) = layout.status {
            self.draw_status(buf, status, view);
        }
        if let Some(legend) = layout.legend {
            self.draw_legend(buf, legend, view.drive);
        }
        if let Some(line) = layout.line {
            self.draw_status_line(buf, line, view);
        }
        if let Some(dialog) = view.dialog {
            // Dialogs centre over the map; the tiny layouts let them use the whole area.
            let bounds = if layout.compact || layout.menu.is_none() {
                area
            } else {
                layout.map
            };
            self.draw_dialog(buf, bounds, area, dialog, view);
        }
    }

    /// Re-lays out after a resize and brings the block cache up to date with the disk.
    fn refresh(&mut self, area: Rect, disk: &mut Disk) {
        let changed = &mut self.changed;
        let all = disk.take_dirty(|range| changed.push(range));
        if self.area != Some(area) || all {
            self.area = Some(area);
            self.layout = Layout::new(area);
            let map_cells =
                usize::from(self.layout.map.width) * usize::from(self.layout.map.height);
            self.block = disk.len().div_ceil(map_cells.max(1)).max(1);
            self.blocks = disk.len().div_ceil(self.block).min(map_cells);
            self.cells.clear();
            self.cells
                .extend((0..self.blocks).map(|b| disk.cell(b * self.block..(b + 1) * self.block)));
            self.changed.clear();
            return;
        }
        for range in self.changed.drain(..) {
            let last = range.end.div_ceil(self.block).min(self.blocks);
            for b in range.start / self.block..last {
                self.cells[b] = disk.cell(b * self.block..(b + 1) * self.block);
            }
        }
    }

    fn draw_map(&self, buf: &mut Buffer, view: &View) {
        let map = self.layout.map;
        let width = usize::from(map.width);
        // While analysing, blocks appear as far as the disk has been read, with `r` at the
        // reading edge.
        fill(buf, map, Style::new().bg(self.theme.map.into()));
        let analysing = view.activity == Activity::Analyzing;
        let edge = (view.revealed.clamp(0.0, 1.0) * (self.blocks * self.block) as f64) as usize
            / self.block;
        for (b, &state) in self.cells.iter().enumerate() {
            let x = map.x + (b % width) as u16;
            let y = map.y + (b / width) as u16;
            let state = match (analysing, b.cmp(&edge)) {
                (true, std::cmp::Ordering::Greater) => continue,
                (true, std::cmp::Ordering::Equal) => CellState::Reading,
                _ => state,
            };
            let (symbol, style) = self.theme.block(state);
            buf[(x, y)].set_symbol(symbol).set_style(style);
        }
    }

    fn draw_menu(&self, buf: &mut Buffer, row: Rect, drive: char) {
        let t = &self.theme;
        fill(buf, row, t.on_menu(t.menu_ink));
        let mut x = i32::from(row.x) + 2;
        let hint = match t.look {
            DefragStyle::Dos => {
                for item in ["Optimize", "Configure", "Help"] {
                    // The hot letter stands out, as in every MS-DOS 6 menu bar.
                    x += put(buf, row, x, row.y, item, |i| {
                        t.on_menu(if i == 0 { t.menu_hot } else { t.menu_ink })
                    }) as i32
                        + 2;
                }
                "Esc=Stop Defrag"
            }
            DefragStyle::Win98 => {
                x += put(buf, row, x, row.y, "Defragmenting Drive ", |_| {
                    t.on_menu(t.menu_ink)
                }) as i32;
                let mut letter = [0; 4];
                x += put(buf, row, x, row.y, drive.encode_utf8(&mut letter), |_| {
                    t.on_menu(t.menu_ink)
                }) as i32;
                "_ □ ×"
            }
        };
        let hint_x = i32::from(row.right()) - text::width(hint) as i32 - 1;
        if hint_x > x {
            put(buf, row, hint_x, row.y, hint, |_| t.on_menu(t.menu_ink));
        }
    }

    fn draw_label(&mut self, buf: &mut Buffer, row: Rect, message: &str, drive: char) {
        let t = self.theme;
        self.scratch.clear();
        let _ = write!(self.scratch, "Drive {drive}: ");
        let prefix_width = text::width(&self.scratch) as i32;
        let total = prefix_width + text::width(message) as i32;
        let x = (i32::from(row.x) + (i32::from(row.width) - total) / 2).max(i32::from(row.x));
        put(buf, row, x, row.y, &self.scratch, |_| t.on_screen(t.text));
        put(buf, row, x + prefix_width, row.y, message, |_| {
            t.on_screen(t.optimized)
        });
    }

    fn draw_status(&mut self, buf: &mut Buffer, rect: Rect, view: &View) {
        let t = self.theme;
        let style = t.on_screen(t.text);
        frame(buf, rect, " Status ", style);
        let inner = inner(rect);
        if inner.is_empty() {
            return;
        }
        let x = i32::from(inner.x);
        let rows = inner.y..inner.bottom();
        let percent = view.percent();
        // Cluster counter on the left, percentage flush right.
        self.scratch.clear();
        let _ = write!(self.scratch, "Cluster {}", view.cluster);
        put(buf, inner, x, inner.y, &self.scratch, |_| style);
        self.scratch.clear();
        let _ = write!(self.scratch, "{percent}%");
        let right = i32::from(inner.right()) - self.scratch.len() as i32;
        put(buf, inner, right, inner.y, &self.scratch, |_| style);
        if rows.contains(&(inner.y + 1)) {
            let (done, total) = view.progress;
            let filled = (usize::from(inner.width) * done)
                .checked_div(total)
                .unwrap_or(usize::from(inner.width));
            // DOS: solid blocks over a shaded track; Win98: navy blocks in a white well.
            let (track, track_style) = match t.look {
                DefragStyle::Dos => ("▒", style),
                DefragStyle::Win98 => (" ", Style::new().bg(t.map.into())),
            };
            let fill_style = Style::new().fg(t.progress.into()).bg(match t.look {
                DefragStyle::Dos => t.screen.into(),
                DefragStyle::Win98 => t.map.into(),
            });
            for i in 0..inner.width {
                let (symbol, style) = if usize::from(i) < filled {
                    ("█", fill_style)
                } else {
                    (track, track_style)
                };
                buf[(inner.x + i, inner.y + 1)]
                    .set_symbol(symbol)
                    .set_style(style);
            }
        }
        let secs = view.elapsed.as_secs();
        self.scratch.clear();
        let _ = write!(
            self.scratch,
            "Elapsed Time: {:02}:{:02}:{:02}",
            (secs / 3600) % 100,
            (secs / 60) % 60,
            secs % 60
        );
        centre(buf, inner, inner.y + 2, &self.scratch, style);
        centre(buf, inner, inner.y + 3, view.method.title(), style);
    }

    fn draw_legend(&mut self, buf: &mut Buffer, rect: Rect, drive: char) {
        let t = self.theme;
        let style = t.on_screen(t.text);
        frame(buf, rect, " Legend ", style);
        let inner = inner(rect);
        // The DOS legend is 34 columns; wider boxes centre it.
        let left = i32::from(inner.x) + (i32::from(inner.width) - 34).max(0) / 2 + 1;
        let entries = [
            (CellState::Used, " - used", CellState::Unused, " - unused"),
            (
                CellState::Reading,
                " - reading",
                CellState::Writing,
                " - writing",
            ),
            (
                CellState::Bad,
                " - bad",
                CellState::Unmovable,
                " - unmovable",
            ),
        ];
        for (row, (a, a_text, b, b_text)) in entries.into_iter().enumerate() {
            let y = inner.y + row as u16;
            for (x, state, label) in [(left, a, a_text), (left + 17, b, b_text)] {
                let (glyph, glyph_style) = t.block(state);
                put(buf, inner, x, y, glyph, |_| glyph_style);
                put(buf, inner, x + 1, y, label, |_| style);
            }
        }
        self.scratch.clear();
        let _ = write!(
            self.scratch,
            "Drive {drive}:   1 block = {} clusters",
            self.block
        );
        put(buf, inner, left, inner.y + 3, &self.scratch, |_| style);
    }

    fn draw_status_line(&mut self, buf: &mut Buffer, row: Rect, view: &View) {
        let t = self.theme;
        let style = t.on_bar(t.alert);
        fill(buf, row, style);
        let message = view.message_for(MessageIn::Status);
        // Right part: the program name, or the action when the message takes the left.
        let right_text = if self.layout.compact {
            self.scratch.clear();
            let _ = write!(self.scratch, "{}%", view.percent());
            &self.scratch
        } else if message.is_some() {
            view.activity.short()
        } else {
            self.theme.program()
        };
        let right_width = if self.layout.compact {
            text::width(right_text) as u16 + 2
        } else {
            STATUS_RIGHT
        };
        let mut left_clip = row;
        if row.width >= right_width + 12 {
            let rx = row.right() - right_width;
            left_clip.width -= right_width;
            let divider = if self.layout.compact { " " } else { "│" };
            put(buf, row, i32::from(rx), row.y, divider, |_| style);
            put(buf, row, i32::from(rx) + 2, row.y, right_text, |_| style);
        }
        let x = i32::from(row.x) + 1;
        match message {
            Some(message) => {
                put(buf, left_clip, x, row.y, message, |_| style);
            }
            None => {
                self.scratch.clear();
                let _ = match view.activity {
                    Activity::Analyzing => {
                        write!(self.scratch, "Reading drive {}: information...", view.drive)
                    }
                    Activity::Recommending => {
                        write!(self.scratch, "Recommending defragmentation method.")
                    }
                    Activity::Finished => write!(self.scratch, "Finished condensing."),
                    activity => write!(self.scratch, "{}", activity.short()),
                };
                put(buf, left_clip, x, row.y, &self.scratch, |_| style);
            }
        }
    }

    fn draw_dialog(
        &mut self,
        buf: &mut Buffer,
        bounds: Rect,
        clip: Rect,
        dialog: Dialog,
        view: &View,
    ) {
        let t = self.theme;
        let ink = t.on_dialog(t.ink);
        match dialog {
            Dialog::Recommendation { unfragmented } => {
                let Some(inner) = window(buf, bounds, clip, 41, 10, " Recommendation ", &t) else {
                    return;
                };
                self.scratch.clear();
                let _ = write!(
                    self.scratch,
                    "{unfragmented}% of drive {}: is not fragmented.",
                    view.drive
                );
                centre(buf, inner, inner.y + 1, &self.scratch, ink);
                centre(
                    buf,
                    inner,
                    inner.y + 3,
                    "Recommended optimization method:",
                    ink,
                );
                centre(
                    buf,
                    inner,
                    inner.y + 5,
                    view.method.title(),
                    t.on_dialog(t.emphasis),
                );
                let gap = i32::from(inner.width).saturating_sub(30) / 3;
                let x = i32::from(inner.x) + gap;
                button(buf, inner, x, inner.y + 7, 15, "Optimize", &t);
                button(buf, inner, x + 15 + gap, inner.y + 7, 15, "Configure", &t);
            }
            Dialog::Finished => {
                let Some(inner) = window(buf, bounds, clip, 41, 10, " Defrag ", &t) else {
                    return;
                };
                centre(buf, inner, inner.y + 1, "Finished condensing.", ink);
                let x = i32::from(inner.x) + (i32::from(inner.width) - 26) / 2;
                button(buf, inner, x, inner.y + 3, 26, "Optimize another drive", &t);
                button(buf, inner, x, inner.y + 5, 26, "Configure", &t);
                button(buf, inner, x, inner.y + 7, 26, "Exit DEFRAG", &t);
            }
            Dialog::Message => {
                let max_text = usize::from(bounds.width.saturating_sub(6)).min(60);
                if self.wrapped_for.0 != view.message || self.wrapped_for.1 != max_text {
                    self.wrapped = text::wrap(view.message, max_text);
                    self.wrapped_for = (view.message.to_string(), max_text);
                }
                let text_width = self.wrapped.iter().map(|l| text::width(l)).max();
                let width = (text_width.unwrap_or(0) as u16 + 6).max(24);
                let lines = (self.wrapped.len() as u16).min(bounds.height.saturating_sub(6));
                let Some(inner) = window(buf, bounds, clip, width, lines + 6, " Message ", &t)
                else {
                    return;
                };
                for (i, line) in self.wrapped.iter().take(usize::from(lines)).enumerate() {
                    centre(buf, inner, inner.y + 1 + i as u16, line, ink);
                }
                let x = i32::from(inner.x) + (i32::from(inner.width) - 10) / 2;
                button(buf, inner, x, inner.y + lines + 2, 10, "OK", &t);
            }
        }
    }
}

/// Blanks `rect` with `style` (resetting every cell, so nothing stale survives).
fn fill(buf: &mut Buffer, rect: Rect, style: Style) {
    let rect = rect.intersection(buf.area);
    if rect.is_empty() {
        return;
    }
    let mut blank = Cell::EMPTY;
    blank.set_style(style);
    // Row slices rather than per-position indexing: this runs over the whole screen per frame.
    for y in rect.top()..rect.bottom() {
        let start = buf.index_of(rect.x, y);
        buf.content[start..start + usize::from(rect.width)].fill(blank.clone());
    }
}

/// Draws `text` at (`x`, `y`) clipped to `clip`, styling each grapheme by its column offset.
fn put(
    buf: &mut Buffer,
    clip: Rect,
    x: i32,
    y: u16,
    line: &str,
    style_at: impl Fn(usize) -> Style,
) -> usize {
    text::draw_line(buf, clip, x, y, line, |offset, _| style_at(offset))
}

/// Draws `line` centred on row `y` of `rect`.
fn centre(buf: &mut Buffer, rect: Rect, y: u16, line: &str, style: Style) {
    let x = i32::from(rect.x) + (i32::from(rect.width) - text::width(line) as i32).max(0) / 2;
    put(buf, rect, x, y, line, |_| style);
}

/// The inside of a framed rectangle.
fn inner(rect: Rect) -> Rect {
    Rect::new(
        rect.x.saturating_add(1),
        rect.y.saturating_add(1),
        rect.width.saturating_sub(2),
        rect.height.saturating_sub(2),
    )
}

/// A single-line frame around `rect` with `title` centred in the top edge.
fn frame(buf: &mut Buffer, rect: Rect, title: &str, style: Style) {
    let rect = rect.intersection(buf.area);
    if rect.width < 2 || rect.height < 2 {
        return;
    }
    let (right, bottom) = (rect.right() - 1, rect.bottom() - 1);
    for x in rect.left() + 1..right {
        buf[(x, rect.y)].set_symbol("─").set_style(style);
        buf[(x, bottom)].set_symbol("─").set_style(style);
    }
    for y in rect.top() + 1..bottom {
        buf[(rect.x, y)].set_symbol("│").set_style(style);
        buf[(right, y)].set_symbol("│").set_style(style);
    }
    for (pos, corner) in [
        ((rect.x, rect.y), "┌"),
        ((right, rect.y), "┐"),
        ((rect.x, bottom), "└"),
        ((right, bottom), "┘"),
    ] {
        buf[pos].set_symbol(corner).set_style(style);
    }
    let edge = Rect::new(rect.x + 1, rect.y, rect.width - 2, 1);
    if text::width(title) <= usize::from(edge.width) {
        centre(buf, edge, rect.y, title, style);
    }
}

/// Draws a DOS dialog of `width`×`height` centred in `bounds` (shrunk to fit), with a drop
/// shadow, and returns its inside; `None` when there is no room for one.
fn window(
    buf: &mut Buffer,
    bounds: Rect,
    clip: Rect,
    width: u16,
    height: u16,
    title: &str,
    t: &Theme,
) -> Option<Rect> {
    let (w, h) = (width.min(bounds.width), height.min(bounds.height));
    if w < 12 || h < 3 {
        return None;
    }
    let rect = Rect::new(
        bounds.x + (bounds.width - w) / 2,
        bounds.y + (bounds.height - h) / 2,
        w,
        h,
    );
    // The DOS shadow darkens what is under it, two columns right and one row down; Win98
    // message boxes have none.
    let shadow = match t.look {
        DefragStyle::Dos => Rect::new(rect.x + 2, rect.y + 1, w, h).intersection(clip),
        DefragStyle::Win98 => Rect::default(),
    };
    for pos in shadow.positions() {
        if !rect.contains(pos) {
            buf[pos].set_style(Style::new().fg(t.shadowed.into()).bg(t.shadow.into()));
        }
    }
    fill(buf, rect, t.on_dialog(t.ink));
    match t.look {
        DefragStyle::Dos => frame(buf, rect, title, t.on_dialog(t.ink)),
        // A Win98 message box: navy title bar over a plain grey body.
        DefragStyle::Win98 => {
            let bar = Rect::new(rect.x, rect.y, rect.width, 1);
            fill(buf, bar, t.on_menu(t.menu_ink));
            put(
                buf,
                bar,
                i32::from(rect.x) + 1,
                rect.y,
                title.trim(),
                |_| t.on_menu(t.menu_ink),
            );
        }
    }
    Some(inner(rect))
}

/// A grey push button `width` wide with `label` centred and its first letter highlighted.
fn button(buf: &mut Buffer, clip: Rect, x: i32, y: u16, width: u16, label: &str, t: &Theme) {
    let left = x.max(i32::from(clip.x));
    let right = (x + i32::from(width)).min(i32::from(clip.right()));
    if y < clip.y || y >= clip.bottom() || left >= right {
        return;
    }
    let style = |fg: Rgb| Style::new().fg(fg.into()).bg(t.button.into());
    fill(
        buf,
        Rect::new(left as u16, y, (right - left) as u16, 1),
        style(t.ink),
    );
    let lx = x + (i32::from(width) - text::width(label) as i32) / 2;
    put(buf, clip, lx, y, label, |i| {
        style(if i == 0 { t.button_hot } else { t.ink })
    });
}

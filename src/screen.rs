//! Drawing a show onto any ratatui terminal: the one render path shared by the live terminal,
//! the recorder and remote sessions. Each frame is wrapped in synchronized output (DEC mode
//! 2026) so terminals that support it never show a half-drawn frame; others ignore it.

use std::io::{self, Write};

use crossterm::queue;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use crate::overlay;
use crate::show::Show;

/// What is drawn over the effect.
#[derive(Clone, Copy, Debug, Default)]
pub struct Overlays {
    pub help: bool,
}

/// Draws one frame of `show` and flushes it.
pub fn draw<W: Write>(
    terminal: &mut Terminal<CrosstermBackend<W>>,
    show: &mut Show,
    overlays: Overlays,
) -> io::Result<()> {
    queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|frame| {
        let area = frame.area();
        show.render(overlay::effect_area(show, area), frame.buffer_mut());
        overlay::draw(show, area, frame.buffer_mut());
        if show.paused() {
            paused_badge(area, frame.buffer_mut());
        }
        if overlays.help {
            help(area, frame.buffer_mut(), show.current_name());
        }
    })?;
    queue!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    terminal.backend_mut().flush()
}

fn paused_badge(area: Rect, buf: &mut ratatui::buffer::Buffer) {
    let text = " ❚❚ paused ";
    if area.width < 12 || area.height < 2 {
        return;
    }
    let style = Style::new().fg(Color::Black).bg(Color::Gray);
    buf.set_string(area.right() - 12, area.y, text, style);
}

fn help(area: Rect, buf: &mut ratatui::buffer::Buffer, effect: &str) {
    let lines = [
        Line::from(format!("now showing: {effect}")).style(Modifier::BOLD),
        Line::from(""),
        Line::from("q Esc Ctrl-C  quit"),
        Line::from("space         pause / resume"),
        Line::from("n →           next effect"),
        Line::from("p ←           previous effect"),
        Line::from("?             close this help"),
        Line::from("other keys    poke the effect"),
    ];
    let [popup] = Layout::horizontal([Constraint::Length(36)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::vertical([Constraint::Length(lines.len() as u16 + 2)])
        .flex(Flex::Center)
        .areas(popup);
    Clear.render(popup, buf);
    Paragraph::new(lines.to_vec())
        .block(Block::bordered().title(" vitrine "))
        .style(Style::new().fg(Color::White).bg(Color::Black))
        .render(popup, buf);
}

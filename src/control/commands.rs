//! Carrying a request out on the local show: the show loop's side of the control channel.

use std::path::Path;
use std::time::Instant;

use vitrine_effects::depth::ColorDepth;

use crate::ctl::protocol::{Failure, Request, SayStatus, Status};
use crate::dark::Dark;
use crate::overlay::Overlays;
use crate::show::{SYNCHRONISED, Show};

/// The running show and what status reports about it.
pub struct Running<'a> {
    pub show: &'a mut Show,
    pub overlays: &'a mut Overlays,
    pub dark: &'a mut Dark,
    pub started: Instant,
    pub depth: ColorDepth,
    pub size: (u16, u16),
    pub config: Option<&'a Path>,
    pub viewers: usize,
}

impl Running<'_> {
    /// Carries `request` out and reports the state after it. `reload` re-reads the config and
    /// message files (the show loop's own reload, so a command and an edit do the same).
    pub fn carry_out(
        &mut self,
        request: Request,
        reload: impl FnOnce(&mut Show, &mut Overlays),
    ) -> Result<Status, Failure> {
        let now = Instant::now();
        let lighting = matches!(request, Request::Blank { .. } | Request::Wake);
        let moves = matches!(
            request,
            Request::Next | Request::Prev | Request::Goto { .. } | Request::Pause
        );
        if moves && self.show.synchronised() {
            return Err(Failure::usage(format!(
                "{}: {SYNCHRONISED}",
                request.name()
            )));
        }
        match request {
            Request::Status => {}
            Request::Next => self.show.next(),
            Request::Prev => self.show.previous(),
            Request::Goto { item } => self
                .show
                .goto(&item)
                .map_err(|e| Failure::usage(e.to_string()))?,
            Request::Pause => self.show.set_paused(true),
            Request::Resume => self.show.set_paused(false),
            Request::Say {
                text,
                duration,
                effect,
            } => self
                .show
                .say(&text, effect.as_deref(), duration.map(|d| d.0))
                .map_err(|e| Failure::usage(e.to_string()))?,
            Request::Clear => {
                if !self.show.clear_say() {
                    return Err(Failure::usage("clear: no message is up"));
                }
            }
            Request::Reload => {
                reload(self.show, self.overlays);
                if let Some(error) = self.overlays.config_error() {
                    return Err(Failure::usage(format!(
                        "reload failed, the last good config stays: {error}"
                    )));
                }
            }
            Request::Blank { duration } => self.dark.blank(now, duration.map(|d| d.0)),
            Request::Wake => self.dark.wake(jiff::ZonedDateTime::now().datetime()),
        }
        if lighting {
            // So the reply already tells the new state.
            self.dark.decide(now, jiff::ZonedDateTime::now().datetime());
        }
        Ok(self.status(now))
    }

    fn status(&self, now: Instant) -> Status {
        let show = &*self.show;
        Status {
            item: show.position() + 1,
            items: show.spec().items.len(),
            effect: show.on_screen(),
            style: show.style().map(str::to_string),
            message: show.message().to_string(),
            time_left: show.time_left().map(|d| d.as_secs_f64()),
            paused: show.paused(),
            say: show.saying().map(|(text, left)| SayStatus {
                text: text.to_string(),
                time_left: left.as_secs_f64(),
            }),
            dark: self.dark.reason(now),
            color_depth: self.depth.name().to_string(),
            cols: self.size.0,
            rows: self.size.1,
            uptime: now.duration_since(self.started).as_secs_f64(),
            config: self.config.map(|p| p.display().to_string()),
            config_error: self.overlays.config_error().map(str::to_string),
            viewers: self.viewers,
        }
    }
}

//! Long-run health of every effect, headless and without sleeping: 24 simulated hours of ticks
//! keep memory flat, and steady-state frames do not allocate.
//!
//! Allocations are counted per thread by a wrapping global allocator, so tests running in
//! parallel do not disturb each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use vitrine_effects::registry::EFFECTS;
use vitrine_effects::{Context, Effect, Params};

struct Counting;

thread_local! {
    static LIVE_BYTES: Cell<isize> = const { Cell::new(0) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the thread-locals are const-initialised `Cell`s
// without destructors, so touching them cannot allocate or recurse.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = LIVE_BYTES.try_with(|b| b.set(b.get() + layout.size() as isize));
        let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = LIVE_BYTES.try_with(|b| b.set(b.get() - layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ =
            LIVE_BYTES.try_with(|b| b.set(b.get() + new_size as isize - layout.size() as isize));
        let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_bytes() -> isize {
    LIVE_BYTES.with(Cell::get)
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

const TICK: Duration = Duration::from_micros(16_667);
const TICKS_PER_HOUR: u64 = 60 * 60 * 60;

fn build(name: &str, style: Option<&str>, message: &str) -> Box<dyn Effect> {
    let info = vitrine_effects::registry::find(name).unwrap();
    let mut ctx = Context::new(11, message);
    ctx.style = style.map(str::to_string);
    (info.build)(&ctx, &Params::default()).unwrap()
}

/// Runs `hours` simulated hours on a small screen, drawing once per simulated minute and poking
/// once per simulated 10 minutes, and returns the live heap bytes at each simulated hour.
fn soak(effect: &mut dyn Effect, hours: u64) -> Vec<isize> {
    let area = Rect::new(0, 0, 24, 8);
    let mut buf = Buffer::empty(area);
    let mut samples = Vec::with_capacity(hours as usize + 1);
    for tick in 0..hours * TICKS_PER_HOUR {
        effect.tick(TICK);
        if tick % 3_600 == 0 {
            effect.render(area, &mut buf);
        }
        if tick % 36_000 == 0 {
            effect.poke();
        }
        if tick % TICKS_PER_HOUR == TICKS_PER_HOUR - 1 {
            samples.push(live_bytes());
        }
    }
    samples
}

fn assert_flat(name: &str, samples: &[isize]) {
    let first = samples[0];
    let peak = *samples.iter().max().unwrap();
    // Whatever the first hour needed may be reused, never grown: allow 64 KiB of slack for
    // buffers whose size depends on random content (a longer particle burst, a bigger file list).
    assert!(
        peak - first <= 64 * 1024,
        "{name}: live heap grew from {first} to {peak} bytes: {samples:?}"
    );
}

/// 24 simulated hours per effect (default style), each on its own test thread.
fn soak_day(name: &str) {
    let mut effect = build(name, None, "Welcome");
    let samples = soak(effect.as_mut(), 24);
    assert_flat(name, &samples);
}

#[test]
fn glitch_runs_a_day_with_flat_memory() {
    soak_day("glitch");
}

#[test]
fn confetti_runs_a_day_with_flat_memory() {
    soak_day("confetti");
}

#[test]
fn water_runs_a_day_with_flat_memory() {
    soak_day("water");
}

#[test]
fn defrag_runs_a_day_with_flat_memory() {
    soak_day("defrag");
}

/// Every style: once warm, 10 simulated seconds of 60 Hz frames at 80x24 allocate (almost)
/// nothing: at most one allocation per simulated second, for phase changes such as a new disk.
#[test]
fn steady_state_frames_do_not_allocate() {
    for info in EFFECTS {
        for style in info.style_choices() {
            for message in ["Welcome", "환영합니다 👋"] {
                let mut effect = build(info.name, style, message);
                let area = Rect::new(0, 0, 80, 24);
                let mut buf = Buffer::empty(area);
                for _ in 0..600 {
                    effect.tick(TICK);
                    effect.render(area, &mut buf);
                }
                let before = allocations();
                for _ in 0..600 {
                    effect.tick(TICK);
                    effect.render(area, &mut buf);
                }
                let count = allocations() - before;
                assert!(
                    count <= 10,
                    "{} {style:?} {message}: {count} allocations in 600 frames",
                    info.name
                );
            }
        }
    }
}

#[path = "support/picture.rs"]
mod picture;

/// Stacks too: every effect under every effect with the message over them, and a logo under
/// and over water, glitch and confetti, allocate (almost) nothing per frame once warm.
#[test]
fn steady_state_stacks_do_not_allocate() {
    use vitrine_effects::layers::Stack;
    use vitrine_effects::logo::{Logo, LogoParams};
    use vitrine_effects::message::MessageLayer;
    let ctx = Context::new(11, "Welcome");
    let logo = || -> Box<dyn Effect> {
        Box::new(Logo::new(&ctx, picture::logo(), LogoParams::default()).unwrap())
    };
    let mut stacks: Vec<(String, Stack)> = Vec::new();
    for base in EFFECTS {
        for top in EFFECTS {
            let mut stack = Stack::new(build(base.name, None, "Welcome"));
            stack.push(build(top.name, None, "Welcome"));
            stack.push(Box::new(MessageLayer::new(&ctx)));
            stacks.push((stack.names(), stack));
        }
    }
    for top in ["water", "glitch", "confetti"] {
        let mut stack = Stack::new(logo());
        stack.push(build(top, None, "Welcome"));
        stacks.push((stack.names(), stack));
        let mut stack = Stack::new(build(top, None, "Welcome"));
        stack.push(logo());
        stacks.push((stack.names(), stack));
    }
    for (name, mut stack) in stacks {
        let area = Rect::new(0, 0, 80, 24);
        let mut buf = Buffer::empty(area);
        for _ in 0..600 {
            stack.tick(TICK);
            stack.render(area, &mut buf);
        }
        let before = allocations();
        for _ in 0..600 {
            stack.tick(TICK);
            stack.render(area, &mut buf);
        }
        let count = allocations() - before;
        // The same allowance as one effect alone, per effect in the stack.
        let effects = name.split('+').filter(|n| *n != "message" && *n != "logo");
        let allowed = 10 * effects.count().max(1);
        assert!(
            count <= allowed,
            "{name}: {count} allocations in 600 frames"
        );
    }
}

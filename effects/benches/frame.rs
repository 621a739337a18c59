//! Cost of one frame (one 60 Hz tick + a full render) for every effect and style at kiosk
//! sizes. Run with `cargo bench -p vitrine-effects`; targets (issue 10): under 1 ms at 200x60 and
//! under 4 ms at 400x120 on one core in release.

use std::time::Duration;

use divan::Bencher;
use ratatui_core::buffer::Buffer;
use ratatui_core::layout::Rect;
use vitrine_effects::depth::{ColorDepth, ColorMapper, Dither};
use vitrine_effects::layers::Stack;
use vitrine_effects::logo::{Logo, LogoParams};
use vitrine_effects::registry::EFFECTS;
use vitrine_effects::{Context, Effect, Params};

#[path = "../tests/support/picture.rs"]
mod picture;

const SIZES: [(u16, u16); 3] = [(80, 24), (200, 60), (400, 120)];
const TICK: Duration = Duration::from_micros(16_667);

fn main() {
    divan::main();
}

/// Every effect with every style, as `effect/style` names.
fn cases() -> Vec<(&'static str, Option<&'static str>)> {
    EFFECTS
        .iter()
        .flat_map(|info| {
            info.style_choices()
                .into_iter()
                .map(move |style| (info.name, style))
        })
        .collect()
}

/// The message every bench shows unless it says otherwise: Latin, two lines at 80x24.
const MESSAGE: &str = "Welcome to the office";

fn bench_frame(bencher: Bencher, name: &str, style: Option<&str>, size: (u16, u16)) {
    bench_message(bencher, name, style, MESSAGE, size);
}

fn bench_message(
    bencher: Bencher,
    name: &str,
    style: Option<&str>,
    message: &str,
    (w, h): (u16, u16),
) {
    let info = vitrine_effects::registry::find(name).expect("registered effect");
    let mut ctx = Context::new(7, message);
    ctx.style = style.map(str::to_string);
    let effect = (info.build)(&ctx, &Params::default()).expect("builds");
    bench_effect(bencher, effect, (w, h));
}

/// One tick and one full render of `effect` at `w` × `h`, once warm.
fn bench_effect(bencher: Bencher, mut effect: Box<dyn Effect>, (w, h): (u16, u16)) {
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    // Warm up past start-up phases and let per-size caches fill.
    for _ in 0..120 {
        effect.tick(TICK);
    }
    effect.render(area, &mut buf);
    bencher.bench_local(|| {
        effect.tick(TICK);
        effect.render(area, &mut buf);
    });
}

#[divan::bench(args = SIZES)]
fn glitch(bencher: Bencher, size: (u16, u16)) {
    bench_frame(bencher, "glitch", None, size);
}

#[divan::bench(args = SIZES)]
fn confetti(bencher: Bencher, size: (u16, u16)) {
    bench_frame(bencher, "confetti", None, size);
}

#[divan::bench(args = SIZES)]
fn defrag(bencher: Bencher, size: (u16, u16)) {
    bench_frame(bencher, "defrag", None, size);
}

/// Every style of every effect at 200x60, the size the targets are set for.
#[divan::bench(args = cases())]
fn every_style_200x60(bencher: Bencher, case: (&str, Option<&str>)) {
    bench_frame(bencher, case.0, case.1, (200, 60));
}

#[divan::bench(args = SIZES)]
fn water(bencher: Bencher, size: (u16, u16)) {
    bench_frame(bencher, "water", None, size);
}

/// Water drawing its deliberate looks for 256 and 16 colours (`Context::depth`).
#[divan::bench(args = [ColorDepth::Ansi256, ColorDepth::Ansi16])]
fn water_200x60_drawn_for(bencher: Bencher, depth: ColorDepth) {
    let info = vitrine_effects::registry::find("water").expect("registered effect");
    let mut ctx = Context::new(7, MESSAGE);
    ctx.depth = depth;
    let effect = (info.build)(&ctx, &Params::default()).expect("builds");
    bench_effect(bencher, effect, (200, 60));
}

/// The big lettering with a Korean message (Hangul glyphs are bigger and denser than Latin
/// capitals) in every effect that shows it, at the two sizes the targets are set for.
#[divan::bench(args = ["glitch", "confetti", "water"], consts = [200, 400])]
fn korean_lettering<const W: u16>(bencher: Bencher, name: &str) {
    bench_message(bencher, name, None, "회의실 예약 현황", (W, W * 3 / 10));
}

/// The colour pass alone ([`ColorMapper::apply`]) on real frames (water, which has a different
/// colour in almost every cell), for each reduced depth. Truecolor is a no-op and not measured.
/// Each iteration maps a fresh copy of an RGB frame (the copy is in the setup, not timed),
/// alternately two frames half a second apart, as a moving picture asks of it.
fn bench_color_pass(bencher: Bencher, depth: ColorDepth, dither: Dither, size: (u16, u16)) {
    bench_color_pass_of(bencher, ColorDepth::TrueColor, depth, dither, size);
}

/// The colour pass to `depth` on water frames drawn for `drawn_for` (see [`Context::depth`]).
fn bench_color_pass_of(
    bencher: Bencher,
    drawn_for: ColorDepth,
    depth: ColorDepth,
    dither: Dither,
    (w, h): (u16, u16),
) {
    let info = vitrine_effects::registry::find("water").expect("registered effect");
    let mut ctx = Context::new(7, MESSAGE);
    ctx.depth = drawn_for;
    let mut effect = (info.build)(&ctx, &Params::default()).expect("builds");
    let area = Rect::new(0, 0, w, h);
    let mut frames = [Buffer::empty(area), Buffer::empty(area)];
    for frame in &mut frames {
        for _ in 0..30 {
            effect.tick(TICK);
        }
        effect.render(area, frame);
    }
    let mut mapper = ColorMapper::new(depth, dither);
    // Fill the colour cache as a running show would have after a few frames.
    for frame in &frames {
        mapper.apply(&mut frame.clone(), area);
    }
    let next = std::cell::Cell::new(0);
    bencher
        .with_inputs(|| {
            next.set(1 - next.get());
            frames[next.get()].clone()
        })
        .bench_local_refs(|buf| mapper.apply(buf, area));
}

const COLOR_SIZES: [(u16, u16); 2] = [(200, 60), (400, 120)];

#[divan::bench(args = COLOR_SIZES)]
fn color_pass_256(bencher: Bencher, size: (u16, u16)) {
    bench_color_pass(bencher, ColorDepth::Ansi256, Dither::Auto, size);
}

/// The same on the frames the water draws when it knows the output has 256 colours (its
/// deliberate look in palette colours, as the show runs it), rather than truecolor frames.
#[divan::bench(args = COLOR_SIZES)]
fn color_pass_256_water_look(bencher: Bencher, size: (u16, u16)) {
    let depth = ColorDepth::Ansi256;
    bench_color_pass_of(bencher, depth, depth, Dither::Auto, size);
}

/// The same without mixing (`--dither none`), for comparison.
#[divan::bench(args = COLOR_SIZES)]
fn color_pass_256_none(bencher: Bencher, size: (u16, u16)) {
    bench_color_pass(bencher, ColorDepth::Ansi256, Dither::None, size);
}

#[divan::bench(args = COLOR_SIZES)]
fn color_pass_16(bencher: Bencher, size: (u16, u16)) {
    bench_color_pass(bencher, ColorDepth::Ansi16, Dither::Auto, size);
}

/// The same without mixing (`--dither none`), for comparison.
#[divan::bench(args = COLOR_SIZES)]
fn color_pass_16_none(bencher: Bencher, size: (u16, u16)) {
    bench_color_pass(bencher, ColorDepth::Ansi16, Dither::None, size);
}

#[divan::bench(args = COLOR_SIZES)]
fn color_pass_mono(bencher: Bencher, size: (u16, u16)) {
    bench_color_pass(bencher, ColorDepth::Mono, Dither::Auto, size);
}

/// The same without mixing (`--dither none`), for comparison.
#[divan::bench(args = COLOR_SIZES)]
fn color_pass_mono_none(bencher: Bencher, size: (u16, u16)) {
    bench_color_pass(bencher, ColorDepth::Mono, Dither::None, size);
}

/// Layers, bottom first, and the single effects they are made of, for comparison.
const STACKS: [&str; 9] = [
    "defrag",
    "confetti",
    "defrag+confetti",
    "glitch+confetti",
    "logo",
    "water",
    "logo+water",
    "glitch",
    "logo+glitch",
];

/// `names` (`logo+water`) as one effect: the layer alone, or a stack; the logo is
/// [`picture::logo`] filling 60 % of the screen, as a logo under water would.
fn layered(names: &str) -> Box<dyn Effect> {
    let ctx = Context::new(7, "Welcome to the office");
    let build = |name: &str| -> Box<dyn Effect> {
        if name == vitrine_effects::logo::NAME {
            let params = LogoParams {
                size: 0.6,
                ..LogoParams::default()
            };
            return Box::new(Logo::new(&ctx, picture::logo(), params).expect("builds"));
        }
        let info = vitrine_effects::registry::find(name).expect("registered effect");
        (info.build)(&ctx, &Params::default()).expect("builds")
    };
    let mut layers = names.split('+');
    let base = build(layers.next().expect("a name"));
    if !names.contains('+') {
        return base;
    }
    let mut stack = Stack::new(base);
    for name in layers {
        stack.push(build(name));
    }
    Box::new(stack)
}

/// A frame of a layered item at 200x60 next to its layers alone (targets, issue 15: a stack
/// of two under 2 ms).
#[divan::bench(args = STACKS)]
fn layered_200x60(bencher: Bencher, names: &str) {
    bench_effect(bencher, layered(names), (200, 60));
}

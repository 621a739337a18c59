//! A stack changes no cell that none of its layers changes: what a terminal must be sent for a
//! stack of two effects is, frame by frame, the cells the base changes plus the cells the layer
//! above changes (drawn alone over a fixed ground). BENCHMARKS.md ("Layers") has the bytes.

use std::time::Duration;

use ratatui_core::buffer::{Buffer, Cell};
use ratatui_core::layout::Rect;
use ratatui_core::style::Color;
use vitrine_effects::layers::Stack;
use vitrine_effects::{Context, Effect, Params};

/// One frame at 30 fps, as `vitrine record` draws them.
const FRAME: Duration = Duration::from_nanos(33_333_333);

fn build(name: &str, seed: u64) -> Box<dyn Effect> {
    let info = vitrine_effects::registry::find(name).unwrap();
    (info.build)(&Context::new(seed, "Launch day"), &Params::default()).unwrap()
}

/// What the cells changed from one frame to the next, per frame, summed.
#[derive(Debug, Default)]
struct Counts {
    /// Cells of the stack that look different from the frame before.
    stack: usize,
    /// Cells the base effect alone changed.
    base: usize,
    /// Cells the layer above, alone over a fixed ground, changed.
    layer: usize,
    /// Cells either of them changed.
    either: usize,
}

/// Runs `base` alone, `top` alone as a layer over a fixed ground and `base+top` side by side
/// for `frames` frames at `area`, checking every changed cell of the stack against the other
/// two.
fn diff_stack(base: &str, top: &str, area: Rect, frames: usize) -> Counts {
    let (base_seed, top_seed) = (5, 6);
    let mut alone = build(base, base_seed);
    let mut layer = build(top, top_seed);
    let mut stack = Stack::new(build(base, base_seed));
    stack.push(build(top, top_seed));
    // A ground that stays put, so the layer alone changes only the cells it draws on or leaves.
    let mut ground = Cell::EMPTY;
    ground.set_fg(Color::Indexed(201)).set_char('\u{2591}');
    let blank = Buffer::filled(area, ground.clone());
    let (mut alone_buf, mut layer_buf, mut stack_buf) =
        (Buffer::empty(area), blank.clone(), Buffer::empty(area));
    let (mut alone_was, mut layer_was, mut stack_was) =
        (Buffer::empty(area), blank.clone(), Buffer::empty(area));
    let mut counts = Counts::default();
    for frame in 0..frames {
        for fx in [&mut alone, &mut layer] {
            fx.tick(FRAME);
        }
        stack.tick(FRAME);
        alone.render(area, &mut alone_buf);
        layer_buf.clone_from(&blank);
        layer.composite(area, &mut layer_buf);
        stack.render(area, &mut stack_buf);
        // The first frame is drawn whole: it has no frame before it to differ from.
        if frame > 0 {
            for i in 0..stack_buf.content.len() {
                let base_changed = alone_buf.content[i] != alone_was.content[i];
                let layer_changed = layer_buf.content[i] != layer_was.content[i];
                counts.base += usize::from(base_changed);
                counts.layer += usize::from(layer_changed);
                counts.either += usize::from(base_changed || layer_changed);
                if stack_buf.content[i] != stack_was.content[i] {
                    counts.stack += 1;
                    let pos = stack_buf.pos_of(i);
                    assert!(
                        base_changed || layer_changed,
                        "{base}+{top}, frame {frame}: cell {pos:?} changed, but neither {base} \
                         nor {top} alone changed it"
                    );
                }
            }
        }
        alone_was.clone_from(&alone_buf);
        layer_was.clone_from(&layer_buf);
        stack_was.clone_from(&stack_buf);
    }
    counts
}

#[test]
fn a_stack_changes_only_what_its_layers_change() {
    for (base, top) in [("defrag", "confetti"), ("glitch", "confetti")] {
        let counts = diff_stack(base, top, Rect::new(0, 0, 80, 24), 300);
        assert!(counts.stack > 0, "{base}+{top} never changed: {counts:?}");
        assert!(counts.stack <= counts.either, "{base}+{top}: {counts:?}");
    }
}

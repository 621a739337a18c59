//! The crate's module structure: effects import what they are built from (`effect`, `text`,
//! `rgb`...) and never the `registry` that lists them; no module imports the crate root's
//! re-exports, and no two modules import each other, directly or in a ring.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[path = "common/module_graph.rs"]
mod module_graph;

fn imports() -> BTreeMap<String, BTreeSet<String>> {
    module_graph::imports(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn modules_import_modules_not_the_root_re_exports() {
    let graph = imports();
    for (module, names) in graph.iter().filter(|(m, _)| *m != "lib") {
        for name in names {
            assert!(
                graph.contains_key(name) && name != "lib",
                "{module} uses crate::{name}, a re-export of lib.rs: import it from its module"
            );
        }
    }
}

#[test]
fn effects_do_not_import_the_registry() {
    let graph = imports();
    let listed = &graph["registry"];
    for effect in ["glitch", "confetti", "water", "defrag"] {
        assert!(listed.contains(effect), "the registry lists {effect}");
        assert!(
            !graph[effect].contains("registry"),
            "{effect} imports the registry that lists it"
        );
    }
}

#[test]
fn no_import_cycles_between_modules() {
    module_graph::assert_no_cycles(&imports());
}

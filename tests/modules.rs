//! The binary's module structure: no module imports from main.rs (everything it declares is
//! reached downwards) and no two modules import each other, directly or in a ring.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[path = "../effects/tests/common/module_graph.rs"]
mod module_graph;

fn imports() -> BTreeMap<String, BTreeSet<String>> {
    module_graph::imports(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn nothing_imports_from_main() {
    let graph = imports();
    let modules: BTreeSet<&String> = graph.keys().filter(|m| *m != "main").collect();
    for (module, names) in &graph {
        for name in names {
            assert!(
                modules.contains(name),
                "{module} uses crate::{name}, which is not a module: it lives in main.rs"
            );
        }
    }
}

#[test]
fn no_import_cycles_between_modules() {
    module_graph::assert_no_cycles(&imports());
}

//! The crate's module structure: effects import what they are built from (`effect`, `text`,
//! `rgb`...) and never the `registry` that lists them; no module imports the crate root's
//! re-exports, and no two modules import each other, directly or in a ring. A module's
//! submodules (`water/field.rs`) count as the module. Test code and comments are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, with the top-level module it belongs to.
fn files(dir: &Path, module: Option<&str>, out: &mut Vec<(String, PathBuf)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let owner = module.map_or(stem.clone(), str::to_string);
        if path.is_dir() {
            files(&path, Some(&owner), out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((owner, path));
        }
    }
}

/// Module name -> the `crate::` names its non-test code refers to.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut all = Vec::new();
    files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        None,
        &mut all,
    );
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path) in all {
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        let names = graph.entry(module.clone()).or_default();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (at, _) in line.match_indices("crate::") {
                let rest = &line[at + "crate::".len()..];
                if let Some(group) = rest.strip_prefix('{') {
                    // `use crate::{a, b::c}`: the first segment of each path.
                    let group = group.split('}').next().unwrap();
                    names.extend(
                        group
                            .split(',')
                            .filter_map(|p| p.trim().split("::").next())
                            .filter(|n| !n.is_empty())
                            .map(str::to_string),
                    );
                } else {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    names.insert(name);
                }
            }
        }
        names.remove(&module);
    }
    graph
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
    let graph = imports();
    // Depth-first search from every module for a path back to itself.
    for start in graph.keys() {
        let mut stack = vec![vec![start.clone()]];
        while let Some(path) = stack.pop() {
            let last = path.last().unwrap();
            for next in graph.get(last).into_iter().flatten() {
                assert_ne!(next, start, "import cycle: {} -> {next}", path.join(" -> "));
                if !path.contains(next) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push(longer);
                }
            }
        }
    }
}

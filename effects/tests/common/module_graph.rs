//! Which modules of a crate's `src/` import which, for the module-structure tests of both
//! crates (`tests/modules.rs` and `effects/tests/modules.rs` include this file with `#[path]`).
//! A module's submodules (`water/field.rs`, `server/session.rs`) count as the module; test code
//! and comments are left out: a test may use whatever it checks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module name -> the `crate::` names its non-test code refers to, for every module in `src`.
pub fn imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut all = Vec::new();
    files(src, None, &mut all);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path) in all {
        let text = std::fs::read_to_string(&path).unwrap();
        let code = ["#[cfg(test)]\nmod tests", "#[cfg(test)]\npub mod tests"]
            .iter()
            .fold(text.as_str(), |code, tests| {
                code.split(tests).next().unwrap()
            });
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

/// Every `.rs` file under `dir`, with the top-level module it belongs to.
fn files(dir: &Path, module: Option<&str>, out: &mut Vec<(String, PathBuf)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let owner = module.map_or(stem, str::to_string);
        if path.is_dir() {
            files(&path, Some(&owner), out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((owner, path));
        }
    }
}

/// Fails on a module that reaches itself through its imports, naming the ring.
pub fn assert_no_cycles(graph: &BTreeMap<String, BTreeSet<String>>) {
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

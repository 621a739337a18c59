//! The binary's module structure: no module imports from main.rs (everything it declares is
//! reached downwards) and no two modules import each other, directly or in a ring. Test code
//! and comments are left out: a test may use whatever it checks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module name -> the `crate::` names its non-test code refers to.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    // (file, the top-level module it belongs to): everything under src/NAME/ is the `NAME`
    // module as seen from the others (src/server/, src/control/, src/show/).
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            let module = path.file_name().unwrap().to_string_lossy().into_owned();
            for inner in std::fs::read_dir(&path).unwrap() {
                let inner = inner.unwrap().path();
                if inner.extension().is_some_and(|e| e == "rs") {
                    files.push((inner, module.clone()));
                }
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let module = path.file_stem().unwrap().to_string_lossy().into_owned();
            files.push((path, module));
        }
    }
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, module) in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap()
            .split("#[cfg(test)]\npub mod tests")
            .next()
            .unwrap();
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

//! The layout is part of the design: the core stays pure, modules import each other in one
//! direction only, and the README's Layout section names every module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under a folder, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("a readable source folder") {
            let p = e.expect("an entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The code of a file that ships: everything before its test module, without line comments.
fn shipped_code(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).expect("a readable source file");
    text.lines()
        .take_while(|l| !l.trim_start().starts_with("#[cfg(test)]"))
        .enumerate()
        .map(|(i, l)| {
            let code = match l.find("//") {
                Some(at) => &l[..at],
                None => l,
            };
            (i + 1, code.to_string())
        })
        .collect()
}

/// A module's path (`core::engine`) from its file (`src/core/engine.rs`).
fn module_of(file: &Path) -> Option<String> {
    let rel = file.strip_prefix(root().join("src")).ok()?;
    let mut parts: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    if parts == ["lib"] || parts == ["main"] {
        return None;
    }
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    Some(parts.join("::"))
}

#[test]
fn the_core_touches_no_files_threads_clock_terminal_or_command_line() {
    const FORBIDDEN: [&str; 19] = [
        "std::fs",
        "std::io",
        "std::net",
        "std::process",
        "std::thread",
        "std::time",
        "std::env",
        "rayon",
        "clap",
        "comfy_table",
        "codespan",
        "tempfile",
        "jsonschema",
        "println!",
        "eprintln!",
        "crate::load",
        "crate::pipeline",
        "crate::render",
        "crate::cli",
    ];
    let mut found = Vec::new();
    for file in rust_files(&root().join("src/core")) {
        for (line, code) in shipped_code(&file) {
            for word in FORBIDDEN {
                if code.contains(word) {
                    found.push(format!("{}:{line}: uses `{word}`", file.display()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "src/core must stay pure (no files, threads, clock, terminal, command line, or the stages after it):\n{}",
        found.join("\n")
    );
}

/// Which modules each module imports (`crate::...` and `super::` paths in shipped code).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let files = rust_files(&root().join("src"));
    let modules: BTreeMap<String, PathBuf> = files
        .iter()
        .filter_map(|f| module_of(f).map(|m| (m, f.clone())))
        .collect();
    let mut graph = BTreeMap::new();
    for (module, file) in &modules {
        let parent = module.rsplit_once("::").map(|(p, _)| p.to_string());
        let mut uses = BTreeSet::new();
        for (_, code) in shipped_code(file) {
            for (at, _) in code.match_indices("crate::") {
                let path: String = code[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
                let target = (1..=segments.len())
                    .rev()
                    .map(|n| segments[..n].join("::"))
                    .find(|m| modules.contains_key(m));
                if let Some(t) = target.filter(|t| t != module) {
                    uses.insert(t);
                }
            }
            if code.contains("super::")
                && let Some(p) = parent.as_ref().filter(|p| modules.contains_key(*p))
            {
                uses.insert(p.clone());
            }
        }
        graph.insert(module.clone(), uses);
    }
    graph
}

/// The first cycle a depth-first walk finds, as a path that ends where it starts.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn walk(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut cycle = path[at..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(c) = walk(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|m| walk(m, graph, &mut Vec::new(), &mut done))
}

#[test]
fn modules_import_each_other_in_one_direction_only() {
    let graph = imports();
    assert!(
        graph["cli::score"].contains("pipeline") && graph["core::engine"].contains("core::metrics")
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "modules import each other in a circle: {}",
            cycle.join(" -> ")
        );
    }
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    // The check is only worth something if it can fail: the real graph with one import added
    // against the flow (the engine importing the command line) must show the circle.
    let mut graph = imports();
    graph
        .get_mut("core::engine")
        .expect("the engine module")
        .insert("cli::score".into());
    let cycle = find_cycle(&graph).expect("a cycle through the engine and the command line");
    assert!(
        cycle.contains(&"cli::score".to_string()) && cycle.contains(&"core::engine".to_string())
    );
}

#[test]
fn the_readme_layout_names_every_module() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let layout = readme
        .split("\n## Layout")
        .nth(1)
        .map(|rest| rest.split("\n## ").next().unwrap_or(rest))
        .expect("README.md has a `## Layout` section");
    let missing: Vec<String> = rust_files(&root().join("src"))
        .iter()
        .map(|f| {
            f.strip_prefix(root())
                .expect("under the root")
                .display()
                .to_string()
        })
        .filter(|rel| !layout.contains(&format!("`{rel}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md's Layout section does not name these files (add a line on what each owns):\n{}",
        missing.join("\n")
    );
}

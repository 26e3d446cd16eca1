//! The floor for `posture score DIR`: find, read and parse every manifest into the typed
//! [`Manifest`], in parallel as `score` does, and do nothing else (no schema check, no semantic
//! checks, no scoring, no output). BENCHMARKS.md compares `score` with this.
//!
//! It parses the way the loader does (the TOML tree, then the typed manifest from it) and drops
//! each manifest once parsed: `toml::from_str` into a list of all of them is slower (mostly
//! freeing ten thousand manifests at the end, on one thread), which would flatter `score`.
//!
//! ```sh
//! cargo run --release --example parse_only -- /tmp/corpus
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use posture::core::manifest::Manifest;
use posture::load;
use rayon::prelude::*;
use serde::Deserialize;
use toml::de::DeTable;

fn main() -> ExitCode {
    let paths: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        eprintln!("usage: parse_only DIR|FILE...");
        return ExitCode::from(2);
    }
    let mut files = Vec::new();
    for p in &paths {
        let (mut found, problems) = load::expand(p);
        if let Some(d) = problems.first() {
            eprintln!("error: {}", d.message);
            return ExitCode::from(2);
        }
        files.append(&mut found);
    }
    let results: Vec<Result<usize, String>> = files
        .par_iter()
        .map(|p| {
            let src = load::read(p, load::DEFAULT_MAX_BYTES).map_err(|d| d.message)?;
            let tree = DeTable::parse(&src.text).map_err(|e| format!("{}: {e}", src.name))?;
            Manifest::deserialize(toml::de::Deserializer::from(tree))
                .map(|m| m.components.len())
                .map_err(|e| format!("{}: {e}", src.name))
        })
        .collect();
    let mut ok = 0usize;
    let mut components = 0usize;
    for r in &results {
        match r {
            Ok(n) => {
                ok += 1;
                components += n;
            }
            Err(e) => eprintln!("error: {e}"),
        }
    }
    println!(
        "{ok} parsed, {} failed ({components} components)",
        results.len() - ok
    );
    if ok == results.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

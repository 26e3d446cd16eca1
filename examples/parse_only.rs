//! The floor for `posture score DIR`: find, read and parse every manifest into the typed
//! [`Manifest`], in parallel as `score` does, and do nothing else (no schema check, no semantic
//! checks, no scoring, no output). BENCHMARKS.md compares `score` with this.
//!
//! ```sh
//! cargo run --release --example parse_only -- /tmp/corpus
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use posture::load;
use posture::manifest::Manifest;
use rayon::prelude::*;

fn main() -> ExitCode {
    let paths: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        eprintln!("usage: parse_only DIR|FILE...");
        return ExitCode::from(2);
    }
    let mut files = Vec::new();
    for p in &paths {
        match load::expand(p) {
            Ok(mut f) => files.append(&mut f),
            Err(d) => {
                eprintln!("error: {}", d.message);
                return ExitCode::from(2);
            }
        }
    }
    let results: Vec<Result<Manifest, String>> = files
        .par_iter()
        .map(|p| {
            let src = load::read(p, load::DEFAULT_MAX_BYTES).map_err(|d| d.message)?;
            toml::from_str::<Manifest>(&src.text).map_err(|e| format!("{}: {e}", src.name))
        })
        .collect();
    let mut ok = 0usize;
    let mut components = 0usize;
    for r in &results {
        match r {
            Ok(m) => {
                ok += 1;
                components += m.components.len();
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

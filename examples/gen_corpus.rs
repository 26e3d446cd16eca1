//! Writes a synthetic corpus of manifests for benchmarks.
//!
//! ```sh
//! cargo run --release --example gen_corpus -- 10000 /tmp/corpus [SEED]
//! posture validate /tmp/corpus    # 10000 valid, 0 invalid
//! ```
//!
//! The same `N` and `SEED` always give the same bytes (see `examples/corpus/mod.rs`).

#[path = "corpus/mod.rs"]
mod corpus;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(n), Some(dir)) = (args.first(), args.get(1)) else {
        eprintln!("usage: gen_corpus N DIR [SEED]");
        return ExitCode::from(2);
    };
    let Ok(n) = n.replace('_', "").parse::<usize>() else {
        eprintln!("error: N must be a whole number, not `{n}`");
        return ExitCode::from(2);
    };
    let seed = match args.get(2) {
        None => corpus::DEFAULT_SEED,
        Some(s) => match s.parse::<u64>() {
            Ok(v) => v,
            Err(_) => {
                eprintln!("error: SEED must be a whole number, not `{s}`");
                return ExitCode::from(2);
            }
        },
    };
    let dir = PathBuf::from(dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    let mut bytes = 0usize;
    for i in 0..n {
        let text = corpus::manifest(seed, i);
        bytes += text.len();
        let path = dir.join(corpus::file_name(i));
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    eprintln!(
        "wrote {n} manifests ({:.1} MiB, seed {seed}) to {}",
        bytes as f64 / (1 << 20) as f64,
        dir.display()
    );
    ExitCode::SUCCESS
}

//! `posture validate`: schema and semantic checks of manifests and rubrics, every error at once.

use super::common::*;
use crate::load::{self};
use std::io::{self, Write};
use std::path::PathBuf;

pub(crate) fn run(paths: &[PathBuf], out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    let mut files = Vec::new();
    let mut errors = 0usize;
    for p in paths {
        let (mut found, problems) = load::expand(p);
        files.append(&mut found);
        errors += problems.len();
        for d in problems {
            emit(err, &[d], None)?;
        }
    }
    let mut valid = 0usize;
    // Checked in parallel a chunk at a time, reported in file order; standard output is
    // buffered, and flushed before each diagnostic so the two streams stay in order.
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    for chunk in files.chunks(256) {
        use rayon::prelude::*;
        let checked: Vec<_> = chunk
            .par_iter()
            .map(|path| {
                load::read(path, load::DEFAULT_MAX_BYTES).map(|src| {
                    let result = if load::looks_like_rubric(&src.text) {
                        load::rubric(&src).map(|_| "rubric")
                    } else {
                        load::manifest(&src).map(|_| "manifest")
                    };
                    (src, result)
                })
            })
            .collect();
        for c in checked {
            match c {
                Err(d) => {
                    out.flush()?;
                    emit(err, &[d], None)?;
                    errors += 1;
                }
                Ok((src, Ok(kind))) => {
                    valid += 1;
                    writeln!(out, "ok: {} ({kind})", src.name)?;
                }
                Ok((src, Err(diags))) => {
                    out.flush()?;
                    emit(err, &diags, Some(&src.text))?;
                    errors += 1;
                }
            }
        }
    }
    writeln!(out, "{valid} valid, {errors} invalid")?;
    out.flush()?;
    Ok(if errors > 0 {
        exit::BAD_INPUT
    } else {
        exit::OK
    })
}

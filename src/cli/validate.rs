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
    // The latest snapshot of each protocol, for the checks across files (lineage cycles).
    let mut latest: std::collections::BTreeMap<
        String,
        (crate::core::date::Date, Option<String>, load::Source),
    > = std::collections::BTreeMap::new();
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
                        load::rubric(&src).map(|_| ("rubric", None))
                    } else {
                        load::manifest(&src).map(|m| ("manifest", Some(m)))
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
                Ok((src, Ok((kind, manifest)))) => {
                    valid += 1;
                    writeln!(out, "ok: {} ({kind})", src.name)?;
                    if let Some(m) = manifest {
                        let newer = latest
                            .get(&m.protocol.id)
                            .is_none_or(|(d, _, _)| m.protocol.as_of > *d);
                        if newer {
                            let up = m.lineage.map(|l| l.forked_from);
                            latest.insert(m.protocol.id, (m.protocol.as_of, up, src));
                        }
                    }
                }
                Ok((src, Err(diags))) => {
                    out.flush()?;
                    emit(err, &diags, Some(&src.text))?;
                    errors += 1;
                }
            }
        }
    }
    out.flush()?;
    let cycled = lineage_cycles(&latest, err)?;
    errors += cycled;
    valid -= cycled;
    writeln!(out, "{valid} valid, {errors} invalid")?;
    out.flush()?;
    Ok(if errors > 0 {
        exit::BAD_INPUT
    } else {
        exit::OK
    })
}

/// Reports each protocol on a lineage cycle at its `forked_from`; returns how many files.
fn lineage_cycles(
    latest: &std::collections::BTreeMap<
        String,
        (crate::core::date::Date, Option<String>, load::Source),
    >,
    err: &mut dyn Write,
) -> io::Result<usize> {
    let upstream: std::collections::BTreeMap<&str, &str> = latest
        .iter()
        .filter_map(|(id, (_, up, _))| up.as_deref().map(|u| (id.as_str(), u)))
        .collect();
    let mut files = 0;
    for cycle in crate::core::validate::fork_cycles(&upstream) {
        let problem = crate::core::validate::fork_cycle_problem(&cycle);
        for id in &cycle {
            let Some((_, _, src)) = latest.get(*id) else {
                continue;
            };
            emit(
                err,
                &load::locate_all(src, std::slice::from_ref(&problem)),
                Some(&src.text),
            )?;
            files += 1;
        }
    }
    Ok(files)
}

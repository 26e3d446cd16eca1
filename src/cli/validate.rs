//! `posture validate`: schema and semantic checks of manifests and rubrics, every error at once.

use super::common::*;
use crate::load::{self};
use std::io::{self, Write};
use std::path::PathBuf;

pub(crate) fn run(
    paths: &[PathBuf],
    quiet: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
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
    let mut warnings = 0usize;
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
                    let result = if super::rubric::is_expectation(path) {
                        super::rubric::parse_expectation(&src)
                            .map(|_| ("rubric test expectation", None))
                    } else if load::looks_like_rubric(&src.text) {
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
                    let unsourced = manifest.as_ref().map(self_attested).unwrap_or_default();
                    if unsourced.is_empty() {
                        if !quiet {
                            writeln!(out, "ok: {} ({kind})", src.name)?;
                        }
                    } else {
                        out.flush()?;
                        emit(err, &load::locate_all(&src, &unsourced), Some(&src.text))?;
                        warnings += unsourced.len();
                        if !quiet {
                            writeln!(
                                out,
                                "ok: {} ({kind}), {}: {} self-attested (no source)",
                                src.name,
                                plural(unsourced.len(), "warning"),
                                plural(unsourced.len(), "fact"),
                            )?;
                        }
                    }
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
    if quiet {
    } else if warnings == 0 {
        writeln!(out, "{valid} valid, {errors} invalid")?;
    } else {
        writeln!(
            out,
            "{valid} valid, {errors} invalid, {}",
            plural(warnings, "warning")
        )?;
    }
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

/// `1 error`, `2 errors`: a count with its noun in the number it takes.
pub(crate) fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A warning for each table (or list entry) of a manifest that names no `source`: its facts
/// count as self-attested and earn reduced credit, which a valid file should not hide.
fn self_attested(m: &crate::core::manifest::Manifest) -> Vec<crate::core::problem::Problem> {
    use crate::core::problem::{FieldPath, Problem};
    use serde_json::Value;
    fn walk(v: &Value, path: FieldPath, out: &mut Vec<Problem>) {
        match v {
            Value::Object(map) => {
                // An incident's postmortem is its source as much as `source` is.
                let unsourced = map.get("source").is_some_and(Value::is_null)
                    && map.get("postmortem").is_none_or(Value::is_null);
                if unsourced && !path.to_string().is_empty() {
                    out.push(Problem::warning(
                        path.clone(),
                        "no `source`: these facts count as self-attested and earn reduced credit",
                    ));
                }
                for (k, child) in map {
                    walk(child, path.key(k), out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, path.index(i), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::to_value(m) {
        walk(&v, FieldPath::root(), &mut out);
    }
    out
}

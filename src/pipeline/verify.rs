//! Re-verification: a JSON report names its inputs (manifest path and sha256, rubric id,
//! version and sha256, evaluation date, what-ifs, a fork's upstream). Verifying reads those
//! inputs again, checks their hashes, recomputes the report and compares it with the one given.

use std::path::{Path, PathBuf};

use serde_json::Value as J;

use crate::core::analysis::league::LeagueRow;
use crate::core::analysis::whatif::Edit;
use crate::core::date::Date;
use crate::load::{self, Source};
use crate::pipeline::{self, Loaded, Options, UpstreamFile};

/// What verifying one report found.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Same inputs, same report.
    Holds,
    /// Inputs or results differ: what changed, one line each.
    Changed(Vec<String>),
    /// The report cannot be checked (an input is missing, the JSON is not a posture report).
    Unverifiable(String),
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub protocol: String,
    pub manifest: String,
    pub verdict: Verdict,
}

/// What can be verified in a JSON document: a full report, or a league row, which names its
/// inputs through its own fields and the league's stamp.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// A full report, with the league row that lists it when it is part of a league.
    Report {
        report: &'a J,
        row: Option<&'a J>,
    },
    Row {
        league: &'a J,
        row: &'a J,
    },
}

/// The subjects of a JSON document: one report, a league's full `reports` (`--full`), else
/// its rows.
pub fn subjects(doc: &J) -> Vec<Subject<'_>> {
    let rows = doc.get("league").and_then(J::as_array);
    if let Some(list) = doc.get("reports").and_then(J::as_array) {
        // Each row names the index of its report.
        let mut row_of: Vec<Option<&J>> = vec![None; list.len()];
        for row in rows.into_iter().flatten() {
            if let Some(slot) = row
                .get("report")
                .and_then(J::as_u64)
                .and_then(|i| row_of.get_mut(usize::try_from(i).ok()?))
            {
                slot.get_or_insert(row);
            }
        }
        return list
            .iter()
            .zip(row_of)
            .map(|(report, row)| Subject::Report { report, row })
            .collect();
    }
    match rows {
        Some(rows) => rows
            .iter()
            .map(|row| Subject::Row { league: doc, row })
            .collect(),
        None => vec![Subject::Report {
            report: doc,
            row: None,
        }],
    }
}

/// The inputs a subject names, wherever its form keeps them.
struct Inputs<'a> {
    manifest: Option<&'a J>,
    upstream: Option<&'a J>,
    rubric: Option<&'a J>,
    as_of: Option<&'a J>,
    what_if: Option<&'a J>,
}

impl<'a> Subject<'a> {
    fn inputs(self) -> Inputs<'a> {
        match self {
            Subject::Report { report: r, .. } => {
                let stamp = r.get("stamp");
                let at = |k: &str| stamp.and_then(|s| s.get(k));
                Inputs {
                    manifest: at("manifest"),
                    upstream: at("upstream"),
                    rubric: at("rubric"),
                    as_of: at("evaluated_as_of"),
                    what_if: r.get("what_if"),
                }
            }
            Subject::Row { league, row } => Inputs {
                manifest: row.get("manifest"),
                upstream: row.get("upstream"),
                rubric: league.get("stamp").and_then(|s| s.get("rubric")),
                as_of: row.get("as_of"),
                what_if: row.get("what_if"),
            },
        }
    }

    fn json(self) -> &'a J {
        match self {
            Subject::Report { report, .. } => report,
            Subject::Row { row, .. } => row,
        }
    }
}

fn text(v: &J, path: &[&str]) -> Option<String> {
    let mut node = v;
    for key in path {
        node = node.get(*key)?;
    }
    node.as_str().map(str::to_string)
}

/// Where a stamped path is read from: the same path, or its file name in `protocols`.
fn locate(stamped: &str, protocols: Option<&Path>) -> PathBuf {
    match protocols {
        Some(dir) => dir.join(Path::new(stamped).file_name().unwrap_or_default()),
        None => PathBuf::from(stamped),
    }
}

/// Reads a stamped input under its stamped name, and checks its hash.
fn read_stamped(stamp: &J, protocols: Option<&Path>) -> Result<(Source, Option<String>), String> {
    let path = text(stamp, &["path"]).ok_or("the stamp names no manifest path")?;
    let want = text(stamp, &["sha256"]).ok_or("the stamp has no sha256")?;
    let file = locate(&path, protocols);
    let read = load::read(&file, load::DEFAULT_MAX_BYTES).map_err(|d| d.message)?;
    let source = Source::new(path.clone(), read.text);
    let got = source.sha256();
    let changed =
        (got != want).then(|| format!("{path} changed: sha256 {got}, the report says {want}"));
    Ok((source, changed))
}

fn loaded(source: Source) -> Result<Loaded, String> {
    let name = source.name.clone();
    load::manifest(&source)
        .map(|manifest| Loaded { source, manifest })
        .map_err(|d| {
            format!(
                "{name} no longer loads: {}",
                d.first().map(|d| d.message.as_str()).unwrap_or("")
            )
        })
}

/// The differences that matter between two report JSONs, by field and by control.
fn differences(old: &J, new: &J) -> Vec<String> {
    let mut out = Vec::new();
    for key in [
        "grade",
        "score",
        "capped_by",
        "confidence",
        "grade_before_caps",
    ] {
        if old.get(key) != new.get(key) {
            out.push(format!(
                "{key}: {} -> {}",
                old.get(key).unwrap_or(&J::Null),
                new.get(key).unwrap_or(&J::Null)
            ));
        }
    }
    let findings = |v: &J| {
        v.get("findings")
            .and_then(J::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (a, b) = (findings(old), findings(new));
    for f in &b {
        let id = f.get("control");
        match a.iter().find(|o| o.get("control") == id) {
            Some(o) if o != f => out.push(format!(
                "control {}: {} {} -> {} {}",
                id.and_then(J::as_str).unwrap_or("?"),
                o.get("status").unwrap_or(&J::Null),
                o.get("score").unwrap_or(&J::Null),
                f.get("status").unwrap_or(&J::Null),
                f.get("score").unwrap_or(&J::Null)
            )),
            Some(_) => {}
            None => out.push(format!(
                "control {} is new",
                id.and_then(J::as_str).unwrap_or("?")
            )),
        }
    }
    if out.is_empty() && old != new {
        out.push("the report differs in detail (evidence, notes or gaps)".into());
    }
    out
}

/// What changed in a league row, field by field.
fn row_differences(old: &J, new: &J) -> Vec<String> {
    let keys: std::collections::BTreeSet<&String> = [old, new]
        .iter()
        .filter_map(|v| v.as_object())
        .flat_map(|o| o.keys())
        .collect();
    keys.into_iter()
        .filter(|k| old.get(k.as_str()) != new.get(k.as_str()))
        .map(|k| {
            format!(
                "league row {k}: {} -> {}",
                old.get(k.as_str()).unwrap_or(&J::Null),
                new.get(k.as_str()).unwrap_or(&J::Null)
            )
        })
        .collect()
}

/// Verifies one report or row against its inputs. `rubric` overrides the stamped rubric id (a
/// file).
pub fn verify(subject: Subject, protocols: Option<&Path>, rubric: Option<&str>) -> Outcome {
    let j = subject.json();
    let protocol = text(j, &["protocol", "id"])
        .or_else(|| text(j, &["id"]))
        .unwrap_or_else(|| "?".into());
    let manifest = subject
        .inputs()
        .manifest
        .and_then(|m| text(m, &["path"]))
        .unwrap_or_else(|| "?".into());
    let verdict = check(subject, protocols, rubric).unwrap_or_else(Verdict::Unverifiable);
    Outcome {
        protocol,
        manifest,
        verdict,
    }
}

fn check(
    subject: Subject,
    protocols: Option<&Path>,
    rubric_name: Option<&str>,
) -> Result<Verdict, String> {
    let inputs = subject.inputs();
    let mut changed = Vec::new();

    let (source, moved) = read_stamped(
        inputs
            .manifest
            .ok_or("not a posture report: it names no manifest")?,
        protocols,
    )?;
    changed.extend(moved);
    let subject_file = loaded(source)?;

    let upstream = match inputs.upstream.filter(|u| !u.is_null()) {
        Some(u) => {
            let (source, moved) = read_stamped(u, protocols)?;
            changed.extend(moved);
            Some(loaded(source)?)
        }
        None => None,
    };

    let stamped = inputs.rubric.ok_or("the stamp names no rubric")?;
    let id = text(stamped, &["id"]).ok_or("the stamp names no rubric")?;
    let (rubric, _) = load::rubric_by_name(rubric_name.unwrap_or(&id))
        .map_err(|d| d.first().map(|d| d.message.clone()).unwrap_or_default())?;
    let want_sha = text(stamped, &["sha256"]).unwrap_or_default();
    if rubric.sha256 != want_sha {
        changed.push(format!(
            "rubric {} {} has sha256 {}, the report says {want_sha}",
            rubric.meta.id, rubric.meta.version, rubric.sha256
        ));
    }

    let as_of: Date = inputs
        .as_of
        .and_then(J::as_str)
        .ok_or("the stamp has no evaluation date")?
        .parse()?;
    let edits = inputs
        .what_if
        .and_then(|w| w.get("sets"))
        .and_then(J::as_array)
        .map(|sets| {
            sets.iter()
                .filter_map(J::as_str)
                .map(Edit::parse)
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let upstream_file = match (&upstream, subject_file.manifest.lineage.is_some()) {
        (Some(u), _) => UpstreamFile::Found(std::sync::Arc::new(pipeline::UpstreamFacts::of(u))),
        (None, true) => UpstreamFile::Missing,
        (None, false) => UpstreamFile::NotAFork,
    };
    let opts = Options {
        as_of: Some(as_of),
        protocols_dir: None,
        edits,
    };
    let again = pipeline::evaluate_what_if(&rubric, &subject_file, &upstream_file, &opts)?;
    // Rank and report index place a row in its document; they are not results.
    let row_again = |row: &J| {
        let mut r = LeagueRow::of(&again);
        r.rank = row.get("rank").and_then(J::as_u64).unwrap_or(0) as usize;
        r.report = row.get("report").and_then(J::as_u64).map(|i| i as usize);
        serde_json::to_value(&r).map_err(|e| e.to_string())
    };
    let (report, row) = match subject {
        Subject::Report { report, row } => (Some(report), row),
        Subject::Row { row, .. } => (None, Some(row)),
    };
    if let Some(given) = report {
        let again = serde_json::to_value(&again).map_err(|e| e.to_string())?;
        if again != *given {
            changed.extend(differences(given, &again));
        }
    }
    if let Some(given) = row {
        let again = row_again(given)?;
        if again != *given {
            changed.extend(row_differences(given, &again));
        }
    }
    Ok(if changed.is_empty() {
        Verdict::Holds
    } else {
        Verdict::Changed(changed)
    })
}

//! Re-verification: a JSON report names its inputs (manifest path and sha256, rubric id,
//! version and sha256, evaluation date, what-ifs, a fork's upstream). Verifying reads those
//! inputs again, checks their hashes, recomputes the report and compares it with the one given.

use std::path::{Path, PathBuf};

use serde_json::Value as J;

use crate::core::analysis::league::LeagueRow;
use crate::core::analysis::whatif::Edit;
use crate::core::date::Date;
use crate::core::rubric::Rubric;
use crate::load::{self, Source};
use crate::pipeline::{self, Loaded, Options, UpstreamFile};

/// Why a report cannot be checked against its inputs.
#[derive(Debug, thiserror::Error)]
pub enum Unverifiable {
    /// The document lacks something every posture report has.
    #[error("{0}")]
    Lacks(&'static str),
    /// The document has a shape posture never writes.
    #[error("{0}")]
    Malformed(String),
    /// An input the report names cannot be read.
    #[error("{0}")]
    Unreadable(String),
    /// An input the report names was read but no longer loads as a manifest.
    #[error("{name} no longer loads: {why}")]
    NoLongerLoads {
        /// The input's stamped path.
        name: String,
        /// The first problem found in it.
        why: String,
    },
    /// The report names a rubric that is not built in, and no `--rubric` file was given.
    #[error(
        "the report was made with rubric `{0}`, which is not built in: pass the rubric file with --rubric FILE"
    )]
    RubricNotBuiltIn(String),
    /// The rubric to check with does not load.
    #[error("{0}")]
    Rubric(String),
    /// The config the report was graded under has changed: its waivers cannot be re-applied.
    #[error(
        "the report was graded under {path} with sha256 {want}, but {path} now has sha256 {got}: its waivers may differ, so the report cannot be re-verified (restore that file, or grade again)"
    )]
    ConfigChanged {
        /// The stamped path.
        path: String,
        /// The file's hash now.
        got: String,
        /// The stamped hash.
        want: String,
    },
    /// The stamped evaluation date is not a date.
    #[error(transparent)]
    Date(#[from] crate::core::date::DateError),
    /// The stamped what-ifs no longer apply.
    #[error(transparent)]
    WhatIf(#[from] crate::core::analysis::whatif::WhatIfError),
    /// A recomputed result could not be written as JSON to compare.
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

impl From<&'static str> for Unverifiable {
    fn from(what: &'static str) -> Self {
        Unverifiable::Lacks(what)
    }
}

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
    /// What the user should know about how it was checked (an input read from outside the
    /// current folder).
    pub notes: Vec<String>,
    /// The row re-derived from the inputs, unranked, when they could be read.
    row: Option<LeagueRow>,
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
    config: Option<&'a J>,
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
                    config: at("config"),
                }
            }
            Subject::Row { league, row } => Inputs {
                manifest: row.get("manifest"),
                upstream: row.get("upstream"),
                rubric: league.get("stamp").and_then(|s| s.get("rubric")),
                as_of: row.get("as_of"),
                what_if: row.get("what_if"),
                config: None,
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

/// Reads a stamped input under its stamped name, and checks its hash. A stamped path that
/// leaves the current folder (absolute, or through `..`) is followed only with a note saying
/// so: a report is a file from someone else, and the user should know what it makes us read.
fn read_stamped(
    stamp: &J,
    protocols: Option<&Path>,
    notes: &mut Vec<String>,
) -> Result<(Source, Option<String>), Unverifiable> {
    let path = text(stamp, &["path"]).ok_or("the stamp names no manifest path")?;
    let want = text(stamp, &["sha256"]).ok_or("the stamp has no sha256")?;
    let stamped = Path::new(&path);
    let leaves = stamped.is_absolute()
        || stamped
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir));
    if leaves && protocols.is_none() {
        notes.push(format!(
            "the report names {path}, outside the current folder, and it is read from there (pass --protocols DIR to read the inputs by file name from DIR instead)"
        ));
    }
    let file = locate(&path, protocols);
    let read = load::read(&file, load::DEFAULT_MAX_BYTES).map_err(|d| {
        Unverifiable::Unreadable(if file.exists() {
            d.message
        } else {
            format!(
                "cannot read {}{}: the report expects its inputs at the paths it was made with, from the folder it was made in; run verify from that folder, or pass --protocols DIR to read them by file name from DIR",
                file.display(),
                if leaves { " (outside the current folder)" } else { "" }
            )
        })
    })?;
    let source = read.renamed(path.clone());
    let got = source.sha256();
    let changed =
        (got != want).then(|| format!("{path} changed: sha256 {got}, the report says {want}"));
    Ok((source, changed))
}

fn loaded(source: Source) -> Result<Loaded, Unverifiable> {
    let name = source.name.clone();
    load::manifest(&source)
        .map(|manifest| Loaded { source, manifest })
        .map_err(|d| Unverifiable::NoLongerLoads {
            name,
            why: d.first().map(|d| d.message.clone()).unwrap_or_default(),
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

/// The rubric a report names: a built-in one by its id, or the file `--rubric` gives. A
/// stamped id is never read as a path: the report may come from anyone.
fn load_rubric(
    id: &str,
    given: Option<&str>,
) -> Result<(crate::core::rubric::Rubric, Source), Unverifiable> {
    let first = |d: Vec<crate::load::diagnostics::Diagnostic>| {
        Unverifiable::Rubric(d.first().map(|d| d.message.clone()).unwrap_or_default())
    };
    match given {
        Some(name) => load::rubric_by_name(name).map_err(first),
        None if crate::core::rubric::BUILTIN.iter().any(|(b, _)| *b == id) => {
            load::rubric_by_name(id).map_err(first)
        }
        None => Err(Unverifiable::RubricNotBuiltIn(id.to_string())),
    }
}

/// Verifies one report or row against its inputs, with the rubric its document names (or the
/// one `--rubric` gave), loaded once per document.
fn verify(subject: Subject, protocols: Option<&Path>, rubric: &Rubric) -> Outcome {
    let j = subject.json();
    let protocol = text(j, &["protocol", "id"])
        .or_else(|| text(j, &["id"]))
        .unwrap_or_else(|| "?".into());
    let manifest = subject
        .inputs()
        .manifest
        .and_then(|m| text(m, &["path"]))
        .unwrap_or_else(|| "?".into());
    let (verdict, row, notes) = match check(subject, protocols, rubric) {
        Ok((v, row, notes)) => (v, Some(row), notes),
        Err(why) => (Verdict::Unverifiable(why.to_string()), None, Vec::new()),
    };
    Outcome {
        protocol,
        manifest,
        verdict,
        notes,
        row,
    }
}

fn check(
    subject: Subject,
    protocols: Option<&Path>,
    rubric: &Rubric,
) -> Result<(Verdict, LeagueRow, Vec<String>), Unverifiable> {
    let inputs = subject.inputs();
    let mut changed = Vec::new();

    let mut notes = Vec::new();
    let (source, moved) = read_stamped(
        inputs
            .manifest
            .ok_or("not a posture report: it names no manifest")?,
        protocols,
        &mut notes,
    )?;
    changed.extend(moved);
    let subject_file = loaded(source)?;

    let upstream = match inputs.upstream.filter(|u| !u.is_null()) {
        Some(u) => {
            let (source, moved) = read_stamped(u, protocols, &mut notes)?;
            changed.extend(moved);
            Some(loaded(source)?)
        }
        None => None,
    };

    let stamped = inputs.rubric.ok_or("the stamp names no rubric")?;
    text(stamped, &["id"]).ok_or("the stamp names no rubric")?;
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
    if upstream.is_none()
        && let Some(lineage) = &subject_file.manifest.lineage
    {
        // The report says the upstream was not found: look where the scorer would have.
        let opts = Options {
            as_of: None,
            protocols_dir: protocols.map(Path::to_path_buf),
            edits: Vec::new(),
            config: None,
        };
        let found = pipeline::Upstreams::of(std::slice::from_ref(&subject_file), &opts)
            .of_manifest(&subject_file.manifest)
            .stamp();
        if let Some(found) = found {
            changed.push(format!(
                "upstream: the report says {} was not found, but {} is its upstream",
                lineage.forked_from, found.path
            ));
        }
    }
    let upstream_file = match (&upstream, subject_file.manifest.lineage.is_some()) {
        (Some(u), _) => UpstreamFile::Found(std::sync::Arc::new(pipeline::UpstreamFacts::of(u))),
        (None, true) => UpstreamFile::Missing,
        (None, false) => UpstreamFile::NotAFork,
    };
    let config = inputs
        .config
        .filter(|c| !c.is_null())
        .map(|c| stamped_config(c, rubric))
        .transpose()?;
    let opts = Options {
        as_of: Some(as_of),
        protocols_dir: None,
        edits,
        config,
    };
    let mut again = pipeline::evaluate_what_if(rubric, &subject_file, &upstream_file, &opts)?;
    if matches!(subject, Subject::Report { row: None, .. }) {
        pipeline::single_extras(rubric, &subject_file, &upstream_file, &opts, &mut again);
    }
    // Rank and report index place a row in its document; they are not results.
    let row_again = |row: &J| {
        let mut r = LeagueRow::of(&again);
        r.rank = row.get("rank").and_then(J::as_u64).unwrap_or(0) as usize;
        r.report = row.get("report").and_then(J::as_u64).map(|i| i as usize);
        serde_json::to_value(&r)
    };
    let (report, row) = match subject {
        Subject::Report { report, row } => (Some(report), row),
        Subject::Row { row, .. } => (None, Some(row)),
    };
    if let Some(given) = report {
        let again = serde_json::to_value(&again)?;
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
    let verdict = if changed.is_empty() {
        Verdict::Holds
    } else {
        Verdict::Changed(changed)
    };
    Ok((verdict, LeagueRow::of(&again), notes))
}

/// The `posture.toml` a report was graded under, read again from its stamped path: refused
/// when its hash differs (its waivers may not be the ones the report applied), else checked
/// and applied again.
fn stamped_config(
    stamp: &J,
    rubric: &Rubric,
) -> Result<std::sync::Arc<pipeline::Config>, Unverifiable> {
    let path = text(stamp, &["path"]).ok_or("the stamp's config names no path")?;
    let want = text(stamp, &["sha256"]).ok_or("the stamp's config has no sha256")?;
    let first = |d: Vec<crate::load::diagnostics::Diagnostic>| {
        d.first().map(|d| d.message.clone()).unwrap_or_default()
    };
    let config = load::config::read(Path::new(&path)).map_err(|(_, d)| {
        Unverifiable::Unreadable(format!(
            "the report was graded under {path}, which cannot be read: {} (run verify from the folder the report was made in)",
            first(d)
        ))
    })?;
    let got = config.source.sha256();
    if got != want {
        return Err(Unverifiable::ConfigChanged {
            path,
            got: got.to_string(),
            want,
        });
    }
    let waivers = load::config::waivers(&config, rubric.max_waiver_days)
        .map_err(|d| Unverifiable::Unreadable(format!("{path}: {}", first(d))))?;
    Ok(std::sync::Arc::new(pipeline::Config {
        stamp: crate::core::report::ConfigStamp { path, sha256: want },
        waivers,
    }))
}

/// Largest report `verify` reads: a league of ten thousand full reports fits.
pub const MAX_REPORT_BYTES: u64 = 512 << 20;

/// The fields of a league document; one it does not know cannot be checked.
const LEAGUE_FIELDS: [&str; 5] = ["report_format", "stamp", "reports", "league", "portfolio"];

/// Verifies a whole JSON document: each report or row against its inputs and, for a league,
/// everything derived from the rows (ranks, the portfolio, the links between rows and full
/// reports). `Err` refuses a document that cannot be fully checked.
pub fn verify_document(
    doc: &J,
    protocols: Option<&Path>,
    rubric: Option<&str>,
) -> Result<Vec<Outcome>, Unverifiable> {
    let format = doc.get("report_format").and_then(J::as_u64);
    if format != Some(u64::from(crate::core::report::REPORT_FORMAT)) || doc.get("stamp").is_none() {
        return Err(Unverifiable::Malformed(format!(
            "not a posture report: a report has `report_format = {}` and a `stamp`",
            crate::core::report::REPORT_FORMAT
        )));
    }
    let id = text(doc, &["stamp", "rubric", "id"]).ok_or("the stamp names no rubric")?;
    let (rubric, _) = load_rubric(&id, rubric)?;
    let Some(league) = doc.get("league") else {
        return Ok(vec![verify(
            Subject::Report {
                report: doc,
                row: None,
            },
            protocols,
            &rubric,
        )]);
    };
    if let Some(unknown) = doc
        .as_object()
        .into_iter()
        .flat_map(|o| o.keys())
        .find(|k| !LEAGUE_FIELDS.contains(&k.as_str()))
    {
        return Err(Unverifiable::Malformed(format!(
            "the league has a field `{unknown}` that posture does not write, so it cannot be checked"
        )));
    }
    let rows = league
        .as_array()
        .filter(|r| !r.is_empty())
        .ok_or("`league` is not a list of rows: posture never writes an empty league")?;
    links(doc, rows)?;
    let mut outcomes: Vec<Outcome> = subjects(doc)
        .into_iter()
        .map(|s| verify(s, protocols, &rubric))
        .collect();
    let derived: Option<Vec<LeagueRow>> = outcomes.iter().map(|o| o.row.clone()).collect();
    if let Some(derived) = derived {
        let mut changed = Vec::new();
        let again = crate::core::analysis::league::League::new(&rubric, derived);
        let stamp = serde_json::to_value(&again.stamp)?;
        if doc.get("stamp") != Some(&stamp) {
            changed.push(format!(
                "stamp: {} -> {stamp}",
                doc.get("stamp").unwrap_or(&J::Null)
            ));
        }
        let portfolio = serde_json::to_value(&again.portfolio)?;
        if doc.get("portfolio") != Some(&portfolio) {
            changed.push("portfolio: it is not what the rows add up to".into());
        }
        // Rows are compared in order, without the report index (checked by `links`).
        let placed = |row: &J| {
            let mut row = row.clone();
            if let Some(o) = row.as_object_mut() {
                o.remove("report");
            }
            row
        };
        for (i, (given, want)) in rows.iter().zip(&again.rows).enumerate() {
            let want = placed(&serde_json::to_value(want)?);
            let given = placed(given);
            if given != want && given.get("id") == want.get("id") {
                changed.extend(row_differences(&given, &want));
            } else if given != want {
                changed.push(format!(
                    "league row {}: {} is ranked where {} belongs",
                    i + 1,
                    given.get("id").unwrap_or(&J::Null),
                    want.get("id").unwrap_or(&J::Null)
                ));
            }
        }
        if !changed.is_empty() {
            outcomes.push(Outcome {
                protocol: "league".into(),
                manifest: "the document".into(),
                verdict: Verdict::Changed(changed),
                notes: Vec::new(),
                row: None,
            });
        }
    }
    Ok(outcomes)
}

/// A league's rows and full reports point at each other one to one: each row's `report` names
/// the report of its own manifest, date and what-if, and every report is named once.
fn links(doc: &J, rows: &[J]) -> Result<(), Unverifiable> {
    fn index(row: &J) -> Option<&J> {
        row.get("report").filter(|r| !r.is_null())
    }
    let Some(reports) = doc.get("reports") else {
        return match rows.iter().find(|r| index(r).is_some()) {
            Some(row) => Err(Unverifiable::Malformed(format!(
                "row {} points at a full report, but the league carries none",
                row.get("id").unwrap_or(&J::Null)
            ))),
            None => Ok(()),
        };
    };
    let reports = reports.as_array().ok_or("`reports` is not a list")?;
    if reports.len() != rows.len() {
        return Err(Unverifiable::Malformed(format!(
            "the league has {} rows and {} full reports: with --full there is one report per row",
            rows.len(),
            reports.len()
        )));
    }
    let mut named = vec![false; reports.len()];
    for row in rows {
        let id = row.get("id").unwrap_or(&J::Null);
        let at = index(row)
            .and_then(J::as_u64)
            .and_then(|i| usize::try_from(i).ok())
            .filter(|&i| i < reports.len())
            .ok_or_else(|| {
                Unverifiable::Malformed(format!("row {id} names no full report in `reports`"))
            })?;
        if std::mem::replace(&mut named[at], true) {
            return Err(Unverifiable::Malformed(format!(
                "row {id} names report {at}, which another row names"
            )));
        }
        let r = &reports[at];
        let stamp = r.get("stamp");
        let same = stamp.and_then(|s| s.get("manifest")) == row.get("manifest")
            && stamp.and_then(|s| s.get("evaluated_as_of")) == row.get("as_of")
            && r.get("what_if").unwrap_or(&J::Null) == row.get("what_if").unwrap_or(&J::Null);
        if !same {
            return Err(Unverifiable::Malformed(format!(
                "row {id} names report {at}, which is the report of another manifest, date or what-if"
            )));
        }
    }
    Ok(())
}

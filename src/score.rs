//! Scoring a set of manifest files: load them in parallel, find each fork's upstream, evaluate,
//! and order the league. The glue between the loader and the pure engine.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::date::Date;
use crate::diagnostics::Diagnostic;
use crate::engine;
use crate::load::{self, Source};
use crate::manifest::Manifest;
use crate::metrics::Upstream;
use crate::report::{ManifestStamp, Report, RubricStamp, Stamp, Standing, WhatIf};
use crate::rubric::Rubric;
use crate::whatif::{self, Edit};

/// The tool's name and version, as stamped on reports.
pub fn tool() -> String {
    format!("posture {}", env!("CARGO_PKG_VERSION"))
}

/// A manifest file that loaded.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub source: Source,
    pub manifest: Manifest,
}

/// A file that did not load, with its text when it could be read (for quoting lines).
#[derive(Debug, Clone)]
pub struct Failed {
    pub text: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads every file, in parallel, keeping the input order.
pub fn load_all(paths: &[PathBuf], max_bytes: u64) -> (Vec<Loaded>, Vec<Failed>) {
    let results: Vec<Result<Loaded, Failed>> =
        paths.par_iter().map(|p| load_one(p, max_bytes)).collect();
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for r in results {
        match r {
            Ok(l) => ok.push(l),
            Err(f) => bad.push(f),
        }
    }
    (ok, bad)
}

pub fn load_one(path: &Path, max_bytes: u64) -> Result<Loaded, Failed> {
    let source = load::read(path, max_bytes).map_err(|d| Failed {
        text: None,
        diagnostics: vec![d],
    })?;
    match load::manifest(&source) {
        Ok(manifest) => Ok(Loaded { source, manifest }),
        Err(diagnostics) => Err(Failed {
            text: Some(source.text),
            diagnostics,
        }),
    }
}

/// Options that shape an evaluation.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Evaluation date; each manifest's own `as_of` when absent.
    pub as_of: Option<Date>,
    /// Where to look for upstream manifests of forks; each manifest's folder when absent.
    pub protocols_dir: Option<PathBuf>,
    /// What-if edits applied to every manifest (`--set`).
    pub edits: Vec<Edit>,
}

/// The latest snapshot of a protocol id among `set`.
fn latest<'a>(set: &'a [Loaded], id: &str) -> Option<&'a Loaded> {
    set.iter()
        .filter(|l| l.manifest.protocol.id == id)
        .max_by_key(|l| l.manifest.protocol.as_of)
}

/// A fork's upstream as a file: found (with its path and hash for the stamp), missing, or
/// no fork at all.
#[derive(Debug, Clone, Copy)]
pub enum UpstreamFile<'a> {
    NotAFork,
    Missing,
    Found(&'a Loaded),
}

impl<'a> UpstreamFile<'a> {
    /// What the metrics see.
    pub fn metric(self) -> Upstream<'a> {
        match self {
            UpstreamFile::NotAFork => Upstream::NotAFork,
            UpstreamFile::Missing => Upstream::Missing,
            UpstreamFile::Found(l) => Upstream::Found(&l.manifest),
        }
    }
}

/// The latest snapshot of each protocol id in a set, as [`latest`] picks it, found without a
/// scan: with thousands of manifests and forks among them, scanning per fork is quadratic.
struct LatestById<'a>(HashMap<&'a str, &'a Loaded>);

impl<'a> LatestById<'a> {
    fn new(set: &'a [Loaded]) -> Self {
        let mut map: HashMap<&'a str, &'a Loaded> = HashMap::with_capacity(set.len());
        for l in set {
            let e = map.entry(l.manifest.protocol.id.as_str()).or_insert(l);
            // `max_by_key` keeps the last of equal maxima.
            if l.manifest.protocol.as_of >= e.manifest.protocol.as_of {
                *e = l;
            }
        }
        Self(map)
    }

    fn get(&self, id: &str) -> Option<&'a Loaded> {
        self.0.get(id).copied()
    }
}

/// Upstream manifests that forks in `set` need and `set` lacks, read from their folders.
///
/// Each folder is listed once, and each (folder, id) searched once: a folder of thousands of
/// manifests whose forks name an upstream it lacks would otherwise be listed once per fork.
fn extra_upstreams(set: &[Loaded], opts: &Options) -> Vec<Loaded> {
    let in_set = LatestById::new(set);
    let mut extra: Vec<Loaded> = Vec::new();
    let mut extra_ids: HashSet<String> = HashSet::new();
    let mut listings: HashMap<PathBuf, Option<Vec<PathBuf>>> = HashMap::new();
    let mut searched: HashSet<(PathBuf, String)> = HashSet::new();
    for l in set {
        let Some(lineage) = &l.manifest.lineage else {
            continue;
        };
        let id = &lineage.forked_from;
        if in_set.get(id).is_some() || extra_ids.contains(id.as_str()) {
            continue;
        }
        let dir = opts.protocols_dir.clone().unwrap_or_else(|| {
            Path::new(&l.source.name)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
        });
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        // Searching again finds the same files and loads them the same way.
        if !searched.insert((dir.clone(), id.clone())) {
            continue;
        }
        let listing = listings.entry(dir).or_insert_with_key(|dir| {
            let entries = std::fs::read_dir(dir).ok()?;
            let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            paths.sort();
            Some(paths)
        });
        let Some(listing) = listing else {
            continue;
        };
        let (exact, snapshot) = (format!("{id}.toml"), format!("{id}@"));
        let files = listing.iter().filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n == exact || (n.starts_with(&snapshot) && n.ends_with(".toml")))
        });
        // An upstream that fails to load is simply not found: the fork's finding says so.
        for found in files.filter_map(|p| load_one(p, load::DEFAULT_MAX_BYTES).ok()) {
            extra_ids.insert(found.manifest.protocol.id.clone());
            extra.push(found);
        }
    }
    extra
}

/// The upstream a manifest's `[lineage]` names, from the scored set or the extra upstreams.
pub fn upstream_of<'a>(m: &Manifest, set: &'a [Loaded], extra: &'a [Loaded]) -> UpstreamFile<'a> {
    match &m.lineage {
        None => UpstreamFile::NotAFork,
        Some(lin) => latest(set, &lin.forked_from)
            .or_else(|| latest(extra, &lin.forked_from))
            .map_or(UpstreamFile::Missing, UpstreamFile::Found),
    }
}

/// Upstream manifests that forks in `set` need and `set` lacks, read from their folders.
pub fn upstreams(set: &[Loaded], opts: &Options) -> Vec<Loaded> {
    extra_upstreams(set, opts)
}

/// A report that failed to be made: a what-if that does not fit one manifest.
#[derive(Debug, Clone)]
pub struct Refused {
    pub file: String,
    pub reason: String,
}

/// Evaluates every loaded manifest, in parallel; reports come back in league order.
pub fn evaluate_all(
    rubric: &Rubric,
    set: &[Loaded],
    opts: &Options,
) -> (Vec<Report>, Vec<Refused>) {
    let extra = extra_upstreams(set, opts);
    let (in_set, in_extra) = (LatestById::new(set), LatestById::new(&extra));
    let results: Vec<Result<Report, Refused>> = set
        .par_iter()
        .map(|l| {
            // As `upstream_of`, without scanning the set for each fork.
            let upstream = match &l.manifest.lineage {
                None => UpstreamFile::NotAFork,
                Some(lin) => in_set
                    .get(&lin.forked_from)
                    .or_else(|| in_extra.get(&lin.forked_from))
                    .map_or(UpstreamFile::Missing, UpstreamFile::Found),
            };
            evaluate_what_if(rubric, l, upstream, opts).map_err(|reason| Refused {
                file: l.source.name.clone(),
                reason,
            })
        })
        .collect();
    let mut reports = Vec::new();
    let mut refused = Vec::new();
    for r in results {
        match r {
            Ok(report) => reports.push(report),
            Err(e) => refused.push(e),
        }
    }
    league_order(&mut reports);
    (reports, refused)
}

/// Evaluates one manifest, applying the options' what-ifs: the report then says what changed.
pub fn evaluate_what_if(
    rubric: &Rubric,
    l: &Loaded,
    upstream: UpstreamFile,
    opts: &Options,
) -> Result<Report, String> {
    let before = evaluate_one(rubric, l, upstream, opts.as_of);
    if opts.edits.is_empty() {
        return Ok(before);
    }
    let (manifest, overrides) = whatif::apply(&l.manifest, &opts.edits)?;
    let mut after = engine::evaluate_with(
        rubric,
        &manifest,
        before.stamp.evaluated_as_of,
        upstream.metric(),
        &overrides,
        before.stamp.clone(),
    );
    after.what_if = Some(WhatIf {
        sets: opts
            .edits
            .iter()
            .map(|e| format!("{}={}", e.name, e.value))
            .collect(),
        before: Standing::of(&before),
    });
    Ok(after)
}

pub fn evaluate_one(
    rubric: &Rubric,
    l: &Loaded,
    upstream: UpstreamFile,
    as_of: Option<Date>,
) -> Report {
    let as_of = as_of.unwrap_or(l.manifest.protocol.as_of);
    let stamp = Stamp {
        tool: tool(),
        rubric: RubricStamp {
            id: rubric.meta.id.clone(),
            version: rubric.meta.version.to_string(),
            sha256: rubric.sha256.clone(),
        },
        manifest: ManifestStamp {
            path: l.source.name.clone(),
            sha256: l.source.sha256(),
        },
        upstream: match upstream {
            UpstreamFile::Found(u) => Some(ManifestStamp {
                path: u.source.name.clone(),
                sha256: u.source.sha256(),
            }),
            _ => None,
        },
        evaluated_as_of: as_of,
    };
    engine::evaluate(rubric, &l.manifest, as_of, upstream.metric(), stamp)
}

/// Best grade first, then higher score, then id and date: a total order, so output is stable.
pub fn league_order(reports: &mut [Report]) {
    reports.sort_by(|a, b| {
        a.grade
            .rank
            .cmp(&b.grade.rank)
            .then(b.score.0.total_cmp(&a.score.0))
            .then_with(|| a.protocol.id.cmp(&b.protocol.id))
            .then(a.stamp.evaluated_as_of.cmp(&b.stamp.evaluated_as_of))
            .then_with(|| a.stamp.manifest.path.cmp(&b.stamp.manifest.path))
    });
}

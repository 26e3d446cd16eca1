//! Scoring a set of manifest files: load them in parallel chunks, find each fork's upstream,
//! evaluate, and hand the reports on as they are made. The glue between the loader and the
//! pure engine.

pub mod forecast;
pub mod verify;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use std::io::{self, Write};

use crate::core::analysis::league::{League, LeagueRow, LeagueStamp};
use crate::core::analysis::whatif::{self, Edit};
use crate::core::date::Date;
use crate::core::engine;
use crate::core::manifest::{Incident, Manifest};
use crate::core::metrics::Upstream;
use crate::core::problem::Problem;
use crate::core::report::{ManifestStamp, ProtocolSummary, Report, Stamp, Standing, WhatIf};
use crate::core::rubric::{Grade, Rubric};
use crate::load::diagnostics::Diagnostic;
use crate::load::{self, Source};
use crate::render::{Prepared, Renderer};

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
    /// The `posture.toml` in use: its stamp and waivers (a single report applies them).
    pub config: Option<Arc<Config>>,
}

/// A `posture.toml` as the pipeline uses it: the file's stamp and its checked waivers.
#[derive(Debug, Clone)]
pub struct Config {
    pub stamp: crate::core::report::ConfigStamp,
    pub waivers: crate::core::waiver::Waivers,
}

/// What a fork's report needs of its upstream: the file, for the stamp, and the incidents it
/// may inherit (those that state the versions they affect: the others do not travel with the
/// code, so they are not kept). Kept per protocol id while a set is graded, instead of the whole manifest.
#[derive(Debug, Clone)]
pub struct UpstreamFacts {
    pub file: ManifestStamp,
    pub as_of: Date,
    pub incidents: Vec<Incident>,
    /// The upstream this snapshot names itself, if it is a fork: forks that fork each other
    /// are refused, not graded.
    pub forked_from: Option<String>,
}

impl Loaded {
    /// The file as a report stamps it.
    pub fn stamp(&self) -> ManifestStamp {
        ManifestStamp {
            path: self.source.name.clone(),
            sha256: self.source.sha256().to_string(),
        }
    }
}

impl UpstreamFacts {
    pub fn of(l: &Loaded) -> Self {
        Self {
            file: l.stamp(),
            as_of: l.manifest.protocol.as_of,
            incidents: inheritable(l.manifest.incidents.iter().flatten().cloned()),
            forked_from: l
                .manifest
                .lineage
                .as_ref()
                .map(|lin| lin.forked_from.clone()),
        }
    }
}

/// The incidents a fork can inherit: code-level ones, which state the versions they affect.
fn inheritable(incidents: impl Iterator<Item = Incident>) -> Vec<Incident> {
    incidents.filter(|i| i.affects.is_some()).collect()
}

/// A fork's upstream: found, missing, or no fork at all.
#[derive(Debug, Clone)]
pub enum UpstreamFile {
    NotAFork,
    Missing,
    Found(Arc<UpstreamFacts>),
}

impl UpstreamFile {
    /// Whether two lookups found the same snapshot (or found nothing both times).
    fn same(&self, other: &UpstreamFile) -> bool {
        match (self, other) {
            (UpstreamFile::Found(a), UpstreamFile::Found(b)) => Arc::ptr_eq(a, b),
            (UpstreamFile::Missing, UpstreamFile::Missing) => true,
            (UpstreamFile::NotAFork, UpstreamFile::NotAFork) => true,
            _ => false,
        }
    }

    /// The upstream file as a report stamps it, for a fork whose upstream was found.
    pub fn stamp(&self) -> Option<ManifestStamp> {
        match self {
            UpstreamFile::Found(u) => Some(u.file.clone()),
            _ => None,
        }
    }

    /// What the metrics see.
    pub fn metric(&self) -> Upstream<'_> {
        match self {
            UpstreamFile::NotAFork => Upstream::NotAFork,
            UpstreamFile::Missing => Upstream::Missing,
            UpstreamFile::Found(u) => Upstream::Found(&u.incidents),
        }
    }
}

/// The latest snapshot of each protocol id (the last of equal dates, in the order offered),
/// found without a scan: with thousands of manifests and forks among them, a scan per fork is
/// quadratic.
#[derive(Debug, Default)]
pub struct LatestById(HashMap<String, Arc<UpstreamFacts>>);

impl LatestById {
    /// Offers a snapshot's facts: kept when it is the latest so far. An owned id is kept as it
    /// is, not copied.
    pub fn offer(
        &mut self,
        id: impl AsRef<str> + Into<String>,
        facts: impl FnOnce() -> UpstreamFacts,
        as_of: Date,
    ) {
        match self.0.get_mut(id.as_ref()) {
            Some(e) if as_of < e.as_of => {}
            Some(e) => *e = Arc::new(facts()),
            None => {
                self.0.insert(id.into(), Arc::new(facts()));
            }
        }
    }

    fn of(set: &[Loaded]) -> Self {
        let mut map = Self::default();
        for l in set {
            let p = &l.manifest.protocol;
            map.offer(&p.id, || UpstreamFacts::of(l), p.as_of);
        }
        map
    }

    pub fn get(&self, id: &str) -> Option<&Arc<UpstreamFacts>> {
        self.0.get(id)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.0.contains_key(id)
    }
}

/// Where a fork's upstream is looked for when the scored set lacks it: `--protocols`, else the
/// fork's own folder.
fn upstream_dir(fork: &Path, opts: &Options) -> PathBuf {
    let dir = opts
        .protocols_dir
        .clone()
        .unwrap_or_else(|| fork.parent().map(Path::to_path_buf).unwrap_or_default());
    if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    }
}

/// A folder's manifest files by the protocol id their names give (`ID.toml`, `ID@DATE.toml`),
/// listed once: a folder of thousands of files is not scanned again for each missing upstream.
struct Listing {
    /// The files of each wanted id (the name before its first `@`), in name order.
    by_id: HashMap<String, Vec<PathBuf>>,
    /// Every `.toml` file, in name order, kept only when a wanted id itself holds an `@`.
    all: Vec<PathBuf>,
}

impl Listing {
    /// Lists a folder once, keeping only the files of the ids wanted (every file, given none):
    /// a folder of thousands of manifests is usually the scored set itself, and only a few ids
    /// are missing from it.
    fn of(dir: &Path, wanted: Option<&HashSet<&str>>) -> Option<Self> {
        let odd = wanted.is_none_or(|w| w.iter().any(|id| id.contains('@')));
        let mut by_id: HashMap<String, Vec<PathBuf>> = HashMap::new();
        let mut all = Vec::new();
        for entry in std::fs::read_dir(dir).ok()?.flatten() {
            let name = entry.file_name();
            let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".toml")) else {
                continue;
            };
            if stem.is_empty() {
                continue;
            }
            let id = stem.split_once('@').map_or(stem, |(id, _)| id);
            if wanted.is_none_or(|w| w.contains(id)) {
                by_id.entry(id.to_string()).or_default().push(entry.path());
            }
            if odd {
                all.push(entry.path());
            }
        }
        // One folder: ordering by file name is ordering by path.
        let by_name = |a: &PathBuf, b: &PathBuf| a.file_name().cmp(&b.file_name());
        for files in by_id.values_mut() {
            files.sort_unstable_by(by_name);
        }
        all.sort_unstable_by(by_name);
        Some(Self { by_id, all })
    }

    /// The files of a protocol id, in name order: `ID.toml` and its `ID@...` snapshots.
    fn snapshots<'a>(&'a self, id: &'a str) -> Box<dyn Iterator<Item = &'a PathBuf> + 'a> {
        if !id.contains('@') {
            return Box::new(self.by_id.get(id).into_iter().flatten());
        }
        let (exact, snapshot) = (format!("{id}.toml"), format!("{id}@"));
        Box::new(self.all.iter().filter(move |p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n == exact || n.starts_with(&snapshot))
        }))
    }
}

/// Upstream manifests that the forks `(file, upstream id)` need and `known` lacks, read from
/// their folders, latest per id.
///
/// Each folder is listed once, and each (folder, id) searched once: a folder of thousands of
/// manifests whose forks name an upstream it lacks would otherwise be listed once per fork.
fn extra_upstreams<'a>(
    forks: impl IntoIterator<Item = (&'a Path, &'a str)>,
    known: &LatestById,
    opts: &Options,
) -> LatestById {
    let forks: Vec<(&Path, &str)> = forks.into_iter().collect();
    let wanted: HashSet<&str> = forks
        .iter()
        .map(|(_, id)| *id)
        .filter(|id| !known.contains(id))
        .collect();
    let mut extra = LatestById::default();
    let mut listings: HashMap<PathBuf, Option<Listing>> = HashMap::new();
    let mut searched: HashSet<(PathBuf, &str)> = HashSet::new();
    for (file, id) in forks {
        if known.contains(id) || extra.contains(id) {
            continue;
        }
        let dir = upstream_dir(file, opts);
        // Searching again finds the same files and loads them the same way.
        if !searched.insert((dir.clone(), id)) {
            continue;
        }
        let listing = listings
            .entry(dir)
            .or_insert_with_key(|dir| Listing::of(dir, Some(&wanted)));
        let Some(listing) = listing else {
            continue;
        };
        offer_snapshots(listing, id, &mut extra);
    }
    // An upstream found here may itself be a fork of one that neither the set nor the search
    // so far holds: that one is looked for too, so forks that fork each other are seen (in its
    // folder listed whole, once). Each (folder, id) is searched once, so the search ends.
    let mut whole: HashMap<PathBuf, Option<Listing>> = HashMap::new();
    let mut seen: HashSet<(PathBuf, String)> = HashSet::new();
    let mut next: Vec<(PathBuf, String)> = extra
        .0
        .values()
        .filter_map(|f| upstream_of(f, opts))
        .collect();
    while let Some((dir, id)) = next.pop() {
        if known.contains(&id) || extra.contains(&id) || !seen.insert((dir.clone(), id.clone())) {
            continue;
        }
        let listing = whole
            .entry(dir)
            .or_insert_with_key(|dir| Listing::of(dir, None));
        if let Some(listing) = listing {
            for offered in offer_snapshots(listing, &id, &mut extra) {
                next.extend(extra.get(&offered).and_then(|f| upstream_of(f, opts)));
            }
        }
    }
    extra
}

/// Loads the snapshots of `id` a folder lists, keeping the latest in `extra`; returns the ids
/// they hold. An upstream that fails to load is simply not found: the fork's finding says so.
fn offer_snapshots(listing: &Listing, id: &str, extra: &mut LatestById) -> Vec<String> {
    let mut offered = Vec::new();
    for found in listing
        .snapshots(id)
        .filter_map(|p| load_one(p, load::DEFAULT_MAX_BYTES).ok())
    {
        let p = &found.manifest.protocol;
        extra.offer(&p.id, || UpstreamFacts::of(&found), p.as_of);
        offered.push(p.id.clone());
    }
    offered
}

/// The upstream an upstream snapshot names, with the folder to look for it in.
fn upstream_of(facts: &UpstreamFacts, opts: &Options) -> Option<(PathBuf, String)> {
    let up = facts.forked_from.as_ref()?;
    Some((upstream_dir(Path::new(&facts.file.path), opts), up.clone()))
}

/// The upstreams of a small set of manifests (gaps, diff, backtest, verify): the set's own
/// latest snapshots, and those its forks need from their folders.
pub struct Upstreams {
    in_set: LatestById,
    extra: LatestById,
}

impl Upstreams {
    pub fn of(set: &[Loaded], opts: &Options) -> Self {
        let in_set = LatestById::of(set);
        let forks = set.iter().filter_map(|l| {
            l.manifest
                .lineage
                .as_ref()
                .map(|lin| (Path::new(&l.source.name), lin.forked_from.as_str()))
        });
        let extra = extra_upstreams(forks, &in_set, opts);
        Self { in_set, extra }
    }

    /// The upstream a manifest's `[lineage]` names.
    pub fn of_manifest(&self, m: &Manifest) -> UpstreamFile {
        match &m.lineage {
            None => UpstreamFile::NotAFork,
            Some(lin) => self.of_id(&lin.forked_from),
        }
    }

    /// Each protocol on a lineage cycle (forks that fork each other), as the latest snapshots
    /// of the set and of the upstreams found for it have it: the upstream it names there, and
    /// the problem `validate` reports for it.
    fn cycles(&self) -> HashMap<&str, (&str, Problem)> {
        let upstream: std::collections::BTreeMap<&str, &str> = self
            .extra
            .0
            .iter()
            .chain(&self.in_set.0)
            .filter_map(|(id, f)| f.forked_from.as_deref().map(|up| (id.as_str(), up)))
            .collect();
        let mut on = HashMap::new();
        for cycle in crate::core::validate::fork_cycles(&upstream) {
            let problem = crate::core::validate::fork_cycle_problem(&cycle);
            for (k, id) in cycle.iter().enumerate() {
                on.insert(*id, (cycle[(k + 1) % cycle.len()], problem.clone()));
            }
        }
        on
    }

    /// The latest snapshot of an upstream id.
    fn of_id(&self, id: &str) -> UpstreamFile {
        self.in_set
            .get(id)
            .or_else(|| self.extra.get(id))
            .map_or(UpstreamFile::Missing, |u| UpstreamFile::Found(u.clone()))
    }
}

/// A report that failed to be made: a what-if that does not fit one manifest.
#[derive(Debug)]
pub struct Refused {
    pub file: String,
    pub reason: whatif::WhatIfError,
}

/// How many files are read and graded at once: enough to keep every core busy, few enough that
/// memory holds one chunk of manifests and reports whatever the number of files.
const CHUNK: usize = 512;

/// One file's outcome, handed over in grading order.
// Moved once per file: boxing the row would cost an allocation per report for nothing.
#[allow(clippy::large_enum_variant)]
pub enum Graded<P> {
    /// The file did not load.
    Failed(Failed),
    /// A what-if did not fit the manifest.
    Refused(Refused),
    /// A graded file: its league row (ranked later) and what `prepare` made of its report
    /// (`None` without `prepare`: no report was made).
    Report(LeagueRow, Option<P>),
}

/// What one parallel step made of one file, after its facts as an upstream (when it loaded).
type Read<P> = (Option<(String, UpstreamFacts)>, Step<P>);

/// A row and what `prepare` made of the report, or why there is none.
type Made<P> = Result<(LeagueRow, Option<P>), Refused>;

#[allow(clippy::large_enum_variant)]
enum Step<P> {
    Failed(Failed),
    /// A fork: its upstream's latest snapshot may still be ahead.
    Fork(Box<Loaded>),
    Done(Made<P>),
}

/// Forks held in memory until every upstream is known; past this many, a fork's file is read
/// again instead, so memory stays bounded whatever the share of forks.
const MAX_HELD_FORKS: usize = 2048;

/// A fork waiting for its upstreams: its file, the file loaded while memory allows (taken by
/// the worker that grades it and freed there), and what it was graded as on arrival. A fork
/// graded on arrival is not kept: should a later snapshot of its upstream turn up, its file is
/// read again (a file changed during the run is then graded as it reads the second time).
struct Waiting<'a, P> {
    path: &'a Path,
    held: Mutex<Option<Box<Loaded>>>,
    /// The row graded on arrival, against the upstream snapshot latest then: it stands if that
    /// is still the latest once every file is read.
    early: Mutex<Option<(Made<P>, UpstreamFile)>>,
    /// Its own protocol id, and the one it forks.
    id: String,
    upstream: String,
}

/// A loaded file's facts as an upstream, taken from it (it is not needed any more).
fn facts_of(mut l: Loaded) -> (String, UpstreamFacts) {
    let id = std::mem::take(&mut l.manifest.protocol.id);
    let facts = UpstreamFacts {
        file: ManifestStamp {
            sha256: l.source.sha256().to_string(),
            path: l.source.name,
        },
        as_of: l.manifest.protocol.as_of,
        incidents: inheritable(l.manifest.incidents.take().into_iter().flatten()),
        forked_from: l.manifest.lineage.take().map(|lin| lin.forked_from),
    };
    (id, facts)
}

/// Grades files a chunk at a time, in parallel, handing each outcome to `take` in grading order.
///
/// Grading order is the files' order, except that forks come after every other file: a fork
/// inherits from the latest snapshot of its upstream, which may be any file of the set. What
/// is kept across chunks is a league row per report, each protocol's latest incidents and up to
/// [`MAX_HELD_FORKS`] forks, so memory does not grow with the reports. `prepare` runs on the
/// report as soon as it is made, on any thread (rendering it there keeps every core busy);
/// without it no report is made, only the row, which costs a fraction of a report.
pub fn grade<P: Send, E>(
    rubric: &Rubric,
    files: &[PathBuf],
    opts: &Options,
    max_bytes: u64,
    prepare: Option<&(dyn Fn(&Report) -> P + Sync)>,
    mut take: impl FnMut(Graded<P>) -> Result<(), E>,
) -> Result<(), E> {
    let mut known = LatestById::default();
    let mut forks: Vec<Waiting<P>> = Vec::new();
    let mut held = 0usize;
    let finish = |l: &Loaded, upstream: &UpstreamFile| -> Made<P> {
        let refused = |reason| Refused {
            file: l.source.name.clone(),
            reason,
        };
        match prepare {
            Some(prepare) => {
                let report = evaluate_what_if(rubric, l, upstream, opts).map_err(refused)?;
                Ok((LeagueRow::of(&report), Some(prepare(&report))))
            }
            None => Ok((row_of(rubric, l, upstream, opts).map_err(refused)?, None)),
        }
    };

    let read = |path: &PathBuf| -> Read<P> {
        match load_one(path, max_bytes) {
            Err(f) => (None, Step::Failed(f)),
            Ok(l) if l.manifest.lineage.is_some() => {
                let facts = (l.manifest.protocol.id.clone(), UpstreamFacts::of(&l));
                (Some(facts), Step::Fork(Box::new(l)))
            }
            Ok(l) => {
                let done = finish(&l, &UpstreamFile::NotAFork);
                (Some(facts_of(l)), Step::Done(done))
            }
        }
    };
    pipelined(files, read, |path, (facts, step)| {
        if let Some((id, facts)) = facts {
            let as_of = facts.as_of;
            known.offer(id, || facts, as_of);
        }
        match step {
            Step::Failed(f) => take(Graded::Failed(f)),
            Step::Fork(l) => {
                let upstream = l
                    .manifest
                    .lineage
                    .as_ref()
                    .map(|lin| lin.forked_from.clone())
                    .unwrap_or_default();
                // A row costs microseconds once the file is read, and this thread is otherwise
                // waiting: grade the fork now against the upstream latest so far (every file
                // before it in order), and keep the file only when that upstream is not known
                // yet, the likely case for it to change. Reports cost more: they wait.
                let early = prepare.is_none().then(|| {
                    let now = known
                        .get(&upstream)
                        .map_or(UpstreamFile::Missing, |u| UpstreamFile::Found(u.clone()));
                    (finish(&l, &now), now)
                });
                let settled = matches!(early, Some((_, UpstreamFile::Found(_))));
                let id = l.manifest.protocol.id.clone();
                let kept = (!settled && held < MAX_HELD_FORKS).then_some(l);
                held += usize::from(kept.is_some());
                forks.push(Waiting {
                    path,
                    held: Mutex::new(kept),
                    early: Mutex::new(early),
                    id,
                    upstream,
                });
                Ok(())
            }
            Step::Done(done) => hand_over(done, &mut take),
        }
    })?;

    let extra = extra_upstreams(
        forks.iter().map(|w| (w.path, w.upstream.as_str())),
        &known,
        opts,
    );
    let upstreams = Upstreams {
        in_set: known,
        extra,
    };
    let cycles = upstreams.cycles();
    let grade_fork = |w: &Waiting<P>| -> Result<Made<P>, Failed> {
        // A fork round a cycle is refused where it names its upstream, as `validate` does.
        if let Some((_, problem)) = cycles
            .get(w.id.as_str())
            .filter(|(next, _)| *next == w.upstream)
        {
            let held = w.held.lock().ok().and_then(|mut held| held.take());
            let source = match held {
                Some(l) => l.source,
                None => load_one(w.path, max_bytes)?.source,
            };
            return Err(Failed {
                diagnostics: load::locate_all(&source, std::slice::from_ref(problem)),
                text: Some(source.text),
            });
        }
        let early = w.early.lock().ok().and_then(|mut early| early.take());
        if let Some((made, then)) = early
            && then.same(&upstreams.of_id(&w.upstream))
        {
            return Ok(made);
        }
        let held = w.held.lock().ok().and_then(|mut held| held.take());
        let l = match held {
            Some(l) => l,
            None => Box::new(load_one(w.path, max_bytes)?),
        };
        Ok(finish(&l, &upstreams.of_manifest(&l.manifest)))
    };
    pipelined(&forks, grade_fork, |_, step| match step {
        Err(f) => take(Graded::Failed(f)),
        Ok(done) => hand_over(done, &mut take),
    })?;
    drop(cycles);
    drop_in_background(upstreams);
    Ok(())
}

/// Frees a large value on a thread of its own: thousands of small allocations take
/// milliseconds to free one by one, which the caller need not wait for (and a process about
/// to exit never needs to).
pub fn drop_in_background<T: Send + 'static>(value: T) {
    // Should no thread start, the value is freed here, as it would have been.
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

/// Runs `work` on every item, a chunk at a time on the thread pool, and hands each result to
/// `consume` in the items' order. A chunk is worked on while the calling thread consumes the
/// one before, so neither waits for the other; at most three chunks are in flight.
fn pipelined<'a, T: Sync, R: Send, E>(
    items: &'a [T],
    work: impl Fn(&T) -> R + Sync,
    mut consume: impl FnMut(&'a T, R) -> Result<(), E>,
) -> Result<(), E> {
    std::thread::scope(|scope| {
        let (done, results) = std::sync::mpsc::sync_channel::<Vec<R>>(1);
        let work = &work;
        scope.spawn(move || {
            for chunk in items.chunks(CHUNK) {
                // The consumer stopped (an error): stop working.
                if done.send(chunk.par_iter().map(work).collect()).is_err() {
                    break;
                }
            }
        });
        for (chunk, rs) in items.chunks(CHUNK).zip(results) {
            for (item, r) in chunk.iter().zip(rs) {
                consume(item, r)?;
            }
        }
        Ok(())
    })
}

/// Hands a report, or its refusal, to `take`.
fn hand_over<P, E>(
    done: Made<P>,
    take: &mut impl FnMut(Graded<P>) -> Result<(), E>,
) -> Result<(), E> {
    match done {
        Ok((row, p)) => take(Graded::Report(row, p)),
        Err(r) => take(Graded::Refused(r)),
    }
}

/// A file a league leaves out: it did not load, or a what-if did not fit it.
#[allow(clippy::large_enum_variant)]
pub enum Skipped {
    Failed(Failed),
    Refused(Refused),
}

/// Grades every file into a league and writes it with `renderer`, each file that cannot be
/// graded handed to `skipped` as it turns up. Returns the id and grade of each protocol graded
/// below `bar` (`--fail-under`), in league order; nothing is written when no file was graded.
///
/// The renderer sees none of the scheduling: what it asks to make of each report
/// ([`Renderer::prepare`]) is made on the thread that graded it, written at once when the
/// format streams, and otherwise kept here until the league is ranked and handed back with
/// its row in league order. A format that needs no report never has one made.
#[allow(clippy::too_many_arguments)]
pub fn league(
    rubric: &Rubric,
    files: &[PathBuf],
    opts: &Options,
    max_bytes: u64,
    renderer: &dyn Renderer,
    full: bool,
    bar: Option<&Grade>,
    out: &mut dyn Write,
    mut skipped: impl FnMut(Skipped) -> io::Result<()>,
) -> io::Result<Vec<(String, Grade)>> {
    let stamp = LeagueStamp {
        tool: crate::core::report::tool(),
        rubric: crate::core::report::rubric_stamp(rubric),
    };
    let streams = renderer.streams(full);
    let prepare = |report: &Report| renderer.prepare(report, full);
    let prepare = renderer
        .league_needs_reports(full)
        .then_some(&prepare as &(dyn Fn(&Report) -> io::Result<Prepared> + Sync));
    // Rows in grading order, and beside them what the format made of each report (when it
    // keeps any): `made[i]` belongs to `rows[i]` until the league is ranked.
    let mut rows = Vec::with_capacity(files.len());
    let mut made: Vec<Option<Prepared>> = Vec::new();
    let mut streamed = 0usize;
    grade(
        rubric,
        files,
        opts,
        max_bytes,
        prepare,
        |graded| match graded {
            Graded::Failed(f) => skipped(Skipped::Failed(f)),
            Graded::Refused(r) => skipped(Skipped::Refused(r)),
            Graded::Report(mut row, prepared) => {
                if full {
                    // Reports are written in grading order, one per row.
                    row.report = Some(rows.len());
                }
                rows.push(row);
                match prepared.transpose()? {
                    Some(p) if streams => {
                        renderer.stream(&stamp, streamed, p, out)?;
                        streamed += 1;
                    }
                    Some(p) => made.push(Some(p)),
                    None => {}
                }
                Ok(())
            }
        },
    )?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let (league, order) = League::ranked(rubric, rows);
    let prepared = if made.is_empty() {
        Vec::new()
    } else {
        order
            .iter()
            .map(|&graded| {
                made.get_mut(graded)
                    .and_then(Option::take)
                    .unwrap_or_else(Prepared::nothing)
            })
            .collect()
    };
    let view = crate::render::LeagueView::new(&league, prepared, streamed);
    renderer.league(&view, out)?;
    let prepared = view.into_prepared();
    let below = bar.map_or_else(Vec::new, |bar| {
        league
            .rows
            .iter()
            .filter(|r| r.grade.rank > bar.rank)
            .map(|r| (r.id.clone(), r.grade.clone()))
            .collect()
    });
    // Ten thousand rows and reports are milliseconds of freeing nobody waits for.
    drop_in_background((prepared, made, league.rows));
    Ok(below)
}

/// Grades one file and returns its full report, the file's problem handed to `skipped`
/// when it has none.
pub fn single(
    rubric: &Rubric,
    file: &Path,
    opts: &Options,
    max_bytes: u64,
    mut skipped: impl FnMut(Skipped) -> io::Result<()>,
) -> io::Result<Option<Report>> {
    let mut single = None;
    let prepare = Report::clone;
    grade(
        rubric,
        &[file.to_path_buf()],
        opts,
        max_bytes,
        Some(&prepare),
        |graded| match graded {
            Graded::Failed(f) => skipped(Skipped::Failed(f)),
            Graded::Refused(r) => skipped(Skipped::Refused(r)),
            Graded::Report(_, report) => {
                single = report;
                Ok(())
            }
        },
    )?;
    if let Some(report) = single.as_mut() {
        ahead(rubric, file, opts, max_bytes, report);
    }
    Ok(single)
}

/// Reads the single report's file again (it is only one) for what only a single report shows.
fn ahead(rubric: &Rubric, file: &Path, opts: &Options, max_bytes: u64, report: &mut Report) {
    let Ok(loaded) = load_one(file, max_bytes) else {
        return;
    };
    let upstream = Upstreams::of(std::slice::from_ref(&loaded), opts).of_manifest(&loaded.manifest);
    single_extras(rubric, &loaded, &upstream, opts, report);
}

/// What only a single report shows (a league never pays for it): the value of information of a
/// provisional grade, graded as the report was (its `--set`s, its fork's upstream), and the
/// dates in the year ahead on which the grade changes with no new facts, its waivers applied
/// (without `--set`). `verify` calls it too, so a single report verifies whole.
pub fn single_extras(
    rubric: &Rubric,
    loaded: &Loaded,
    upstream: &UpstreamFile,
    opts: &Options,
    report: &mut Report,
) {
    let as_of = report.stamp.evaluated_as_of;
    if report.provisional
        && let Ok((manifest, overrides)) = whatif::apply(&loaded.manifest, &opts.edits)
    {
        report.value_of_information = crate::core::analysis::research::rank(
            rubric,
            &manifest,
            as_of,
            upstream.metric(),
            &overrides,
            report,
        );
    }
    let ids = |cs: &[crate::core::analysis::forecast::Moved]| {
        cs.iter().map(|m| m.change.control.clone()).collect()
    };
    let gates =
        |cs: &[crate::core::analysis::diff::CapChange]| cs.iter().map(|c| c.gate.clone()).collect();
    // The forecast grades the facts as stated: beside a what-if it would speak of another
    // grade than the report's, so it is left out there.
    if !opts.edits.is_empty() {
        return;
    }
    let waivers = opts
        .config
        .as_deref()
        .map_or_else(Vec::new, |c| c.waivers.of(&loaded.manifest.protocol.id));
    let until = as_of.plus_days(365);
    report.forecast = crate::core::analysis::forecast::forecast(
        rubric,
        &loaded.manifest,
        upstream.metric(),
        as_of,
        until,
        report.stamp.clone(),
        &waivers,
    )
    .changes
    .into_iter()
    .map(|c| crate::core::report::Ahead {
        date: c.date,
        before: c.before,
        after: c.after,
        regressed: ids(&c.regressed),
        improved: ids(&c.improved),
        caps_added: gates(&c.caps_added),
        caps_lifted: gates(&c.caps_lifted),
        waivers: c
            .waivers
            .into_iter()
            .map(|w| crate::core::report::WaiverTurn {
                control: w.control,
                gate: w.gate,
                status: w.status,
            })
            .collect(),
    })
    .collect();
}

/// The league row of one manifest, applying the options' what-ifs, without making its report:
/// the same row as [`LeagueRow::of`] the report, for a fraction of the cost.
pub fn row_of(
    rubric: &Rubric,
    l: &Loaded,
    upstream: &UpstreamFile,
    opts: &Options,
) -> Result<LeagueRow, whatif::WhatIfError> {
    let as_of = opts.as_of.unwrap_or(l.manifest.protocol.as_of);
    let plain = engine::Overrides::default();
    let before = engine::summarise(rubric, &l.manifest, as_of, upstream.metric(), &plain);
    let (protocol, summary, what_if) = if opts.edits.is_empty() {
        (ProtocolSummary::of(&l.manifest), before, None)
    } else {
        let (manifest, overrides) = whatif::apply(&l.manifest, &opts.edits)?;
        let after = engine::summarise(rubric, &manifest, as_of, upstream.metric(), &overrides);
        let what_if = WhatIf {
            sets: what_if_sets(opts),
            before: Standing {
                score: before.score,
                grade: before.grade,
                capped_by: before.capped_by,
            },
        };
        (ProtocolSummary::of(&manifest), after, Some(what_if))
    };
    Ok(LeagueRow::new(
        protocol,
        as_of,
        summary,
        l.stamp(),
        upstream.stamp(),
        what_if,
    ))
}

/// The what-ifs as a report lists them.
fn what_if_sets(opts: &Options) -> Vec<String> {
    opts.edits
        .iter()
        .map(|e| format!("{}={}", e.name, e.value))
        .collect()
}

/// Evaluates one manifest, applying the options' what-ifs: the report then says what changed.
pub fn evaluate_what_if(
    rubric: &Rubric,
    l: &Loaded,
    upstream: &UpstreamFile,
    opts: &Options,
) -> Result<Report, whatif::WhatIfError> {
    let mut before = evaluate_one(rubric, l, upstream, opts.as_of);
    let config = opts.config.as_deref();
    before.stamp.config = config.map(|c| c.stamp.clone());
    // Without waivers for this protocol, nothing more is done for them.
    let waivers = config.map_or_else(Vec::new, |c| c.waivers.of(&l.manifest.protocol.id));
    if opts.edits.is_empty() && waivers.is_empty() {
        return Ok(before);
    }
    let (manifest, overrides, plain) = if opts.edits.is_empty() {
        (l.manifest.clone(), engine::Overrides::default(), before)
    } else {
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
            sets: what_if_sets(opts),
            before: Standing::of(&before),
        });
        after.lines = before.lines.clone();
        (manifest, overrides, after)
    };
    Ok(engine::apply_waivers(
        rubric,
        plain,
        &manifest,
        upstream.metric(),
        &overrides,
        &waivers,
    ))
}

pub fn evaluate_one(
    rubric: &Rubric,
    l: &Loaded,
    upstream: &UpstreamFile,
    as_of: Option<Date>,
) -> Report {
    let as_of = as_of.unwrap_or(l.manifest.protocol.as_of);
    let stamp = Stamp {
        tool: crate::core::report::tool(),
        rubric: crate::core::report::rubric_stamp(rubric),
        manifest: l.stamp(),
        upstream: upstream.stamp(),
        evaluated_as_of: as_of,
        config: None,
    };
    let mut report = engine::evaluate(rubric, &l.manifest, as_of, upstream.metric(), stamp);
    report.lines = l.source.table_lines().clone();
    report
}

/// The backtest study over a loaded set: each snapshot graded with its fork's upstream.
pub fn backtest(
    rubric: &Rubric,
    set: &[Loaded],
    opts: &Options,
) -> crate::core::analysis::backtest::Backtest {
    use crate::core::analysis::backtest::{self, Snapshot};
    let upstreams = Upstreams::of(set, opts);
    let snapshots: Vec<Snapshot<'_>> = set
        .iter()
        .map(|l| Snapshot {
            name: &l.source.name,
            manifest: &l.manifest,
        })
        .collect();
    backtest::run(rubric, &snapshots, |i, as_of| {
        let l = &set[i];
        backtest::Graded::of(&evaluate_one(
            rubric,
            l,
            &upstreams.of_manifest(&l.manifest),
            as_of,
        ))
    })
}

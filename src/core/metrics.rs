//! The metric catalogue: every fact a rubric can score, derived from a manifest at an
//! evaluation date. This is the evidence side; rubrics say what a metric is worth.
//!
//! Pure: no files, clock or terminal. Each metric says which facts it used and which it
//! disregarded (and why), so a report can show its working.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::Serialize;

use crate::core::date::Date;
use crate::core::manifest::{
    AdminControl, Audit, AuditKind, Component, Engagement, FactTable, Manifest, MonitoringLevel,
    Version, VersionReq, is_sourced,
};

/// Days in the "recent" window DESIGN.md uses for economic audits and incident history.
pub const RECENT_DAYS: i64 = 730;
/// A drill counts when it happened within this many days.
pub const DRILL_DAYS: i64 = 365;
/// A timelock this long or longer is a real delay for admin and upgrade models.
pub const MEANINGFUL_DELAY_HOURS: f64 = 24.0;
/// DeFiSafety's bounty benchmark: $1M, or 10% of TVL when that is less.
pub const BOUNTY_BENCHMARK_USD: f64 = 1_000_000.0;

/// The unit of a numeric metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A number of things, e.g. audits.
    Count,
    /// A number of days, e.g. the age of the newest audit.
    Days,
    /// A number of hours, e.g. a timelock delay.
    Hours,
    /// An amount of money in US dollars.
    Usd,
    /// A share from 0 to 1, e.g. the share of core code covered.
    Ratio,
}

impl Unit {
    /// The unit as a report writes it, e.g. `USD`.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Days => "days",
            Unit::Hours => "hours",
            Unit::Usd => "USD",
            Unit::Ratio => "ratio 0-1",
        }
    }
}

/// What values a metric takes; rubrics are checked against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// A number, in the given unit.
    Number(Unit),
    /// Yes or no.
    Bool,
    /// One of a fixed list of level names.
    Level(&'static [&'static str]),
}

impl MetricKind {
    /// The kind in words, for `posture rubric metrics` and error messages.
    pub fn describe(&self) -> String {
        match self {
            MetricKind::Number(u) => format!("a number ({})", u.as_str()),
            MetricKind::Bool => "yes/no".to_string(),
            MetricKind::Level(levels) => format!("a level ({})", levels.join(" | ")),
        }
    }
}

/// Index of a metric in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetricId(usize);

impl MetricId {
    /// Position in the catalogue, for per-evaluation caches.
    pub fn index(self) -> usize {
        self.0
    }
}

/// One catalogue entry.
pub struct MetricDef {
    /// The metric's name, e.g. `timelock.delay_hours`; rubrics refer to it by this name.
    pub name: &'static str,
    /// What values the metric takes.
    pub kind: MetricKind,
    /// What the metric measures, in a sentence for a reader of the report.
    pub description: &'static str,
    measure: fn(&Context) -> Measurement,
}

impl MetricDef {
    /// The fact table the metric reads, named by its prefix (`timelock.delay_hours` reads
    /// `timelock`), for telling "not found" from "unknown". None for metrics of several tables.
    pub fn table(&self) -> Option<FactTable> {
        let prefix = self.name.split('.').next()?;
        FactTable::ALL.into_iter().find(|t| t.as_str() == prefix)
    }
}

impl std::fmt::Debug for MetricDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A metric's value. `None` is a known absence (no qualifying audit at all), unlike unknown.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A number, in the metric's unit.
    Number(f64),
    /// Yes or no.
    Bool(bool),
    /// A level name, e.g. `realtime`.
    Level(&'static str),
    /// Known absence: nothing qualifies (e.g. no qualifying audit at all).
    None,
}

/// A fact a metric relied on.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Evidence {
    /// Where in the manifest, with a label: `audits[2] Trail of Bits, 2022-09-02`.
    pub fact: String,
    /// Where the fact can be checked, as the manifest gives it; none means self-attested.
    pub source: Option<String>,
}

/// A fact a metric set aside, and why.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Disregarded {
    /// Where in the manifest, with a label: `audits[2] Trail of Bits, 2022-09-02`.
    pub fact: String,
    /// Why the fact was not counted, e.g. an audit of another version.
    pub reason: String,
    /// Where the fact can be checked, as the manifest gives it.
    pub source: Option<String>,
}

/// The value of one metric for one manifest at one date, with its working.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// `None` when the manifest does not say: unknown, never a pass.
    pub value: Option<Value>,
    /// The facts the value rests on, each with its source.
    pub used: Vec<Evidence>,
    /// Facts that were found but not counted, each with the reason.
    pub disregarded: Vec<Disregarded>,
    /// One line a reader needs to understand the value (uncovered chains, inherited incidents).
    pub note: Option<String>,
    /// Whether every fact used carries a source: kept even when the facts' words are not.
    sourced: bool,
    /// Whether the working is written out. A summary needs only the value and whether it is
    /// sourced, and writing the words is most of what measuring costs.
    words: bool,
}

impl Default for Measurement {
    fn default() -> Self {
        Self {
            value: None,
            used: Vec::new(),
            disregarded: Vec::new(),
            note: None,
            sourced: true,
            words: true,
        }
    }
}

impl Measurement {
    /// A value a what-if forces, with the what-if as its only evidence.
    pub fn forced(value: Value, fact: String) -> Self {
        Self {
            value: Some(value),
            ..Self::default()
        }
        .using_with(|| fact, Some("what-if"))
        .noting("what-if value")
    }

    fn using(self, fact: &str, source: Option<&str>) -> Self {
        self.using_with(|| fact.to_string(), source)
    }

    /// Records a fact used; its words are written only when the working is.
    fn using_with(mut self, fact: impl FnOnce() -> String, source: Option<&str>) -> Self {
        self.sourced &= is_sourced(source);
        if self.words {
            self.used.push(Evidence {
                fact: fact(),
                source: source.map(str::to_string),
            });
        }
        self
    }

    fn noting(self, note: &str) -> Self {
        self.noting_with(|| note.to_string())
    }

    fn noting_with(mut self, note: impl FnOnce() -> String) -> Self {
        if self.words {
            self.note = Some(note());
        }
        self
    }

    /// Records a fact set aside, and why.
    fn set_aside(
        &mut self,
        fact: impl FnOnce() -> String,
        reason: impl FnOnce() -> String,
        source: Option<&str>,
    ) {
        if self.words {
            self.disregarded.push(Disregarded {
                fact: fact(),
                reason: reason(),
                source: source.map(str::to_string),
            });
        }
    }

    /// Takes the measurement out, leaving behind its value and whether it is sourced (with no
    /// words: they went with the working).
    pub fn take_working(&mut self) -> Measurement {
        let rest = Measurement {
            value: self.value.clone(),
            sourced: self.sourced,
            words: false,
            ..Measurement::default()
        };
        std::mem::replace(self, rest)
    }

    /// True when every fact used carries a source.
    pub fn sourced(&self) -> bool {
        debug_assert!(
            !self.words
                || self.sourced == self.used.iter().all(|e| is_sourced(e.source.as_deref())),
            "a measurement's sourced flag drifted from its evidence"
        );
        self.sourced
    }
}

/// The upstream of a fork, as far as the scored set knows it.
#[derive(Debug, Clone, Copy)]
pub enum Upstream<'a> {
    /// The protocol is not a fork.
    NotAFork,
    /// It is a fork, but its upstream's manifest is not in the set scored.
    Missing,
    /// The upstream's recorded incidents: all a fork can inherit from it.
    Found(&'a [crate::core::manifest::Incident]),
}

/// Everything metrics may look at: the manifest, the evaluation date, the fork's upstream.
pub struct Context<'a> {
    /// The manifest, as of the evaluation date.
    pub manifest: &'a Manifest,
    /// The evaluation date.
    pub as_of: Date,
    /// The fork's upstream, as far as the scored set knows it.
    pub upstream: Upstream<'a>,
    /// The rubric's trusted audit firms; empty means every firm counts.
    pub reputable_firms: &'a [String],
    /// Whether measurements write their working (a report) or only values (a summary).
    words: bool,
    audits: AuditCoverage,
    proofs: ProofCoverage,
}

impl<'a> Context<'a> {
    /// A context for measuring `manifest` as of `as_of`; `words` says whether to write the working.
    pub fn new(
        manifest: &'a Manifest,
        as_of: Date,
        upstream: Upstream<'a>,
        reputable_firms: &'a [String],
        words: bool,
    ) -> Self {
        Self {
            manifest,
            as_of,
            upstream,
            reputable_firms,
            words,
            audits: AuditCoverage::analyse(manifest, as_of, words),
            proofs: ProofCoverage::analyse(manifest, as_of, words),
        }
    }

    /// A measured value, with its working written or not as this evaluation needs.
    fn of(&self, value: Value) -> Measurement {
        Measurement {
            value: Some(value),
            ..self.unknown()
        }
    }

    /// Nothing known yet.
    fn unknown(&self) -> Measurement {
        Measurement {
            words: self.words,
            ..Measurement::default()
        }
    }

    fn core(&self) -> impl Iterator<Item = &'a Component> {
        self.manifest.components.iter().filter(|c| c.core)
    }

    fn has_core(&self) -> bool {
        self.core().next().is_some()
    }

    fn tvl(&self) -> Option<f64> {
        self.manifest.tvl()
    }
}

fn audit_label(i: usize, a: &Audit) -> String {
    format!("audits[{i}] {}, {}", a.firm, a.date)
}

fn proof_label(i: usize, p: &crate::core::manifest::FormalVerification) -> String {
    format!("formal_verification[{i}] {}, {}", p.provider, p.date)
}

/// Why dated, version-scoped evidence does not apply to a deployed component, if it does not.
fn not_applying<'a>(
    date: Date,
    covers: &'a VersionReq,
    c: &'a Component,
    as_of: Date,
) -> Option<Misfit<'a>> {
    if date > as_of {
        Some(Misfit::Later(date))
    } else if !covers.matches(&c.version) {
        Some(Misfit::OtherVersion(covers, c))
    } else {
        None
    }
}

/// Why evidence does not apply, put in words only when a report needs them.
enum Misfit<'a> {
    /// Dated after the evaluation date.
    Later(Date),
    /// Covers other versions than the one deployed.
    OtherVersion(&'a VersionReq, &'a Component),
    /// In force from a date after the evaluation date.
    Starts(Date),
    /// Ended before the evaluation date.
    Ended(Date),
}

impl Misfit<'_> {
    fn words(&self, as_of: Date) -> String {
        match self {
            Misfit::Later(date) => after_evaluation("dated", *date, as_of),
            Misfit::OtherVersion(covers, c) => {
                format!("covers {covers}, deployed {} is {}", c.name, c.version)
            }
            Misfit::Starts(date) => after_evaluation("starts", *date, as_of),
            Misfit::Ended(date) => format!("ended {date}"),
        }
    }
}

/// "dated 2026-01-01, after the evaluation date 2025-11-02", and the like.
fn after_evaluation(what: &str, date: Date, as_of: Date) -> String {
    format!("{what} {date}, after the evaluation date {as_of}")
}

/// Why a bounty or a policy with this window is not in force at the evaluation date, if not.
fn outside_window(
    since: Option<Date>,
    until: Option<Date>,
    as_of: Date,
) -> Option<Misfit<'static>> {
    match (since, until) {
        (Some(s), _) if s > as_of => Some(Misfit::Starts(s)),
        (_, Some(u)) if u < as_of => Some(Misfit::Ended(u)),
        _ => None,
    }
}

/// Disregarded evidence, each (fact, reason) once, in the order first met; nothing at all when
/// the working is not written.
#[derive(Debug)]
struct SetAside {
    words: bool,
    seen: BTreeSet<(String, String)>,
    list: Vec<Disregarded>,
}

impl SetAside {
    fn new(words: bool) -> Self {
        Self {
            words,
            seen: BTreeSet::new(),
            list: Vec::new(),
        }
    }

    fn push(
        &mut self,
        fact: impl FnOnce() -> String,
        reason: impl FnOnce() -> String,
        source: &Option<String>,
    ) {
        if !self.words {
            return;
        }
        let (fact, reason) = (fact(), reason());
        if self.seen.insert((fact.clone(), reason.clone())) {
            self.list.push(Disregarded {
                fact,
                reason,
                source: source.clone(),
            });
        }
    }
}

/// A review that covers a deployed core component: an audit, or a firm retained to review every
/// change (a continuous engagement) while the component's version went live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Review {
    Audit(usize),
    Engagement(usize),
}

/// Which code reviews cover which deployed core component, decided once per evaluation.
#[derive(Debug, Default)]
struct AuditCoverage {
    known: bool,
    /// Per core component (in manifest order): reviews covering its deployed version.
    covering: Vec<Vec<Review>>,
    /// Per core component: covering reviews with no unresolved critical or high finding.
    clean: Vec<Vec<Review>>,
    disregarded: Vec<Disregarded>,
}

impl AuditCoverage {
    fn analyse(m: &Manifest, as_of: Date, words: bool) -> Self {
        let engagements = m.engagements.as_deref().unwrap_or_default();
        // Audits unresearched are unknown, unless a retained firm is on record: its reviews
        // are then the known part.
        let audits = match &m.audits {
            Some(a) => a.as_slice(),
            None if !engagements.is_empty() => &[],
            None => return Self::default(),
        };
        let mut aside = SetAside::new(words);
        let mut covering = Vec::new();
        let mut clean = Vec::new();
        for c in m.components.iter().filter(|c| c.core) {
            let mut cov = Vec::new();
            let mut cln = Vec::new();
            for (i, a) in audits.iter().enumerate() {
                if a.kind != AuditKind::Code || !a.scope.contains(&c.name) {
                    continue;
                }
                if let Some(misfit) = not_applying(a.date, &a.covers, c, as_of) {
                    aside.push(|| audit_label(i, a), || misfit.words(as_of), &a.source);
                    continue;
                }
                if let Some(base) = &a.diff_from
                    && !covered_at(audits, engagements, c, base, as_of, &mut Vec::new())
                {
                    let reason = || {
                        format!(
                            "reviews the changes from {base}, and no audit covers {} {base}",
                            c.name
                        )
                    };
                    aside.push(|| audit_label(i, a), reason, &a.source);
                    continue;
                }
                cov.push(Review::Audit(i));
                let open = a.unresolved.map_or(0, |u| u.critical + u.high);
                if open > 0 {
                    let reason = || format!("{open} unresolved critical/high findings");
                    aside.push(|| audit_label(i, a), reason, &a.source);
                } else {
                    cln.push(Review::Audit(i));
                }
            }
            for (j, e) in engagements.iter().enumerate() {
                if !e.scope.contains(&c.name) {
                    continue;
                }
                match engagement_misfit(e, c.deployed, as_of) {
                    Some(reason) => aside.push(
                        || engagement_label(j, e),
                        || reason.words(c, as_of),
                        &e.source,
                    ),
                    None => {
                        cov.push(Review::Engagement(j));
                        cln.push(Review::Engagement(j));
                    }
                }
            }
            covering.push(cov);
            clean.push(cln);
        }
        Self {
            known: true,
            covering,
            clean,
            disregarded: aside.list,
        }
    }
}

fn engagement_label(j: usize, e: &Engagement) -> String {
    match e.until {
        Some(until) => format!("engagements[{j}] {}, {} to {until}", e.firm, e.since),
        None => format!("engagements[{j}] {}, since {}", e.firm, e.since),
    }
}

/// Why a continuous engagement does not cover a version deployed on `deployed`, if it does not.
enum EngagementMisfit {
    /// Starts after the evaluation date.
    Later(Date),
    /// The version's go-live date is not known, so nobody can say it fell inside the window.
    Undated,
    /// The version went live outside the engagement's window.
    Outside(Date),
}

impl EngagementMisfit {
    fn words(&self, c: &Component, as_of: Date) -> String {
        match self {
            EngagementMisfit::Later(date) => after_evaluation("starts", *date, as_of),
            EngagementMisfit::Undated => format!(
                "the manifest does not say when {} {} was deployed, so it cannot fall inside the engagement",
                c.name, c.version
            ),
            EngagementMisfit::Outside(date) => format!(
                "{} {} was deployed {date}, outside the engagement",
                c.name, c.version
            ),
        }
    }
}

/// An engagement covers the versions that went live inside its window, by the evaluation date.
fn engagement_misfit(
    e: &Engagement,
    deployed: Option<Date>,
    as_of: Date,
) -> Option<EngagementMisfit> {
    if e.since > as_of {
        return Some(EngagementMisfit::Later(e.since));
    }
    let Some(deployed) = deployed else {
        return Some(EngagementMisfit::Undated);
    };
    let inside = e.since <= deployed && e.until.is_none_or(|u| deployed <= u);
    (!inside).then_some(EngagementMisfit::Outside(deployed))
}

/// When `component` went live at `version`, if its record says.
fn deployed_at(component: &Component, version: &Version) -> Option<Date> {
    if &component.version == version {
        return component.deployed;
    }
    component
        .history
        .iter()
        .find(|h| &h.version == version)
        .map(|h| h.deployed)
}

/// Whether some code review dated by `as_of` covers `component` at `version`: an audit directly,
/// an engagement whose window holds that version's go-live date, or an incremental review whose
/// base version is itself covered (a chain). Each version is decided once (`seen`), and a
/// version met again on its own chain counts as uncovered, so cycles and wide webs of reviews
/// stay linear in the number of audits.
fn covered_at(
    audits: &[Audit],
    engagements: &[Engagement],
    component: &Component,
    version: &Version,
    as_of: Date,
    seen: &mut Vec<(Version, bool)>,
) -> bool {
    if let Some((_, known)) = seen.iter().find(|(v, _)| v == version) {
        return *known;
    }
    seen.push((version.clone(), false));
    let retained = engagements.iter().any(|e| {
        e.scope.contains(&component.name)
            && engagement_misfit(e, deployed_at(component, version), as_of).is_none()
    });
    let covered = retained
        || audits.iter().any(|a| {
            a.kind == AuditKind::Code
                && a.date <= as_of
                && a.scope.contains(&component.name)
                && a.covers.matches(version)
                && a.diff_from.as_ref().is_none_or(|base| {
                    covered_at(audits, engagements, component, base, as_of, seen)
                })
        });
    if let Some(entry) = seen.iter_mut().find(|(v, _)| v == version) {
        entry.1 = covered;
    }
    covered
}

/// Which formal-verification entries cover which deployed core component.
#[derive(Debug, Default)]
struct ProofCoverage {
    known: bool,
    covered: Vec<bool>,
    used: Vec<usize>,
    disregarded: Vec<Disregarded>,
}

impl ProofCoverage {
    fn analyse(m: &Manifest, as_of: Date, words: bool) -> Self {
        let Some(proofs) = &m.formal_verification else {
            return Self::default();
        };
        let mut aside = SetAside::new(words);
        let mut covered = Vec::new();
        let mut used = BTreeSet::new();
        for c in m.components.iter().filter(|c| c.core) {
            let mut any = false;
            for (i, p) in proofs.iter().enumerate() {
                if !p.scope.contains(&c.name) {
                    continue;
                }
                match not_applying(p.date, &p.covers, c, as_of) {
                    Some(misfit) => {
                        aside.push(|| proof_label(i, p), || misfit.words(as_of), &p.source)
                    }
                    None => {
                        any = true;
                        used.insert(i);
                    }
                }
            }
            covered.push(any);
        }
        Self {
            known: true,
            covered,
            used: used.into_iter().collect(),
            disregarded: aside.list,
        }
    }
}

fn audits_measurement(ctx: &Context, value: Value, reviews: &BTreeSet<Review>) -> Measurement {
    let audits = ctx.manifest.audits.as_deref().unwrap_or_default();
    let engagements = ctx.manifest.engagements.as_deref().unwrap_or_default();
    let mut m = ctx.of(value);
    for &r in reviews {
        m = match r {
            Review::Audit(i) => {
                let a = &audits[i];
                m.using_with(|| audit_label(i, a), a.source.as_deref())
            }
            Review::Engagement(j) => {
                let e = &engagements[j];
                m.using_with(|| engagement_label(j, e), e.source.as_deref())
            }
        };
    }
    m.disregarded = ctx.audits.disregarded.clone();
    m
}

impl Context<'_> {
    /// The firm behind a review, as compared between reviews (trimmed, lower case).
    fn firm(&self, r: Review) -> &str {
        match r {
            Review::Audit(i) => &self.manifest.audits.as_deref().unwrap_or_default()[i].firm,
            Review::Engagement(j) => {
                &self.manifest.engagements.as_deref().unwrap_or_default()[j].firm
            }
        }
    }

    /// When a review of `c`'s deployed version was done: an audit's date, or for a retained
    /// firm the version's go-live (it reviewed the change before it went in).
    fn reviewed_on(&self, r: Review, c: &Component) -> Date {
        match r {
            Review::Audit(i) => self.manifest.audits.as_deref().unwrap_or_default()[i].date,
            Review::Engagement(_) => c.deployed.unwrap_or(self.as_of),
        }
    }
}

/// The fewest distinct firms behind the clean reviews of any one core component, among those
/// `counts` accepts, with the reviews used and the weakest component's name.
fn weakest_firms(
    ctx: &Context,
    counts: impl Fn(&str) -> bool,
) -> (usize, String, BTreeSet<Review>) {
    let mut used = BTreeSet::new();
    let mut weakest: Option<(usize, &str)> = None;
    for (c, clean) in ctx.core().zip(&ctx.audits.clean) {
        let kept: Vec<Review> = clean
            .iter()
            .copied()
            .filter(|&r| counts(ctx.firm(r)))
            .collect();
        let firms: BTreeSet<String> = kept
            .iter()
            .map(|&r| ctx.firm(r).trim().to_lowercase())
            .collect();
        used.extend(kept);
        if weakest.is_none_or(|(n, _)| firms.len() < n) {
            weakest = Some((firms.len(), c.name.as_str()));
        }
    }
    let (n, name) = weakest.unwrap_or((0, ""));
    (n, name.to_string(), used)
}

fn min_firms_per_core_component(ctx: &Context) -> Measurement {
    if !ctx.audits.known || !ctx.has_core() {
        return ctx.unknown();
    }
    let (n, name, used) = weakest_firms(ctx, |_| true);
    audits_measurement(ctx, Value::Number(n as f64), &used)
        .noting_with(|| format!("fewest independent firms: {n}, on `{name}`"))
}

/// True when a firm's name is on the rubric's list (case-insensitive; a list entry may be the
/// start of a longer name, e.g. "Trail of Bits" matches "Trail of Bits (ToB)").
fn reputable(ctx: &Context, firm: &str) -> bool {
    let firm = firm.trim().to_lowercase();
    ctx.reputable_firms.is_empty()
        || ctx
            .reputable_firms
            .iter()
            .any(|r| firm.starts_with(&r.trim().to_lowercase()))
}

fn min_reputable_firms(ctx: &Context) -> Measurement {
    if !ctx.audits.known || !ctx.has_core() {
        return ctx.unknown();
    }
    let (n, name, used) = weakest_firms(ctx, |firm| reputable(ctx, firm));
    audits_measurement(ctx, Value::Number(n as f64), &used)
        .noting_with(|| format!("fewest reputable firms: {n}, on `{name}`"))
}

fn uncovered_core_components(ctx: &Context) -> Measurement {
    if !ctx.audits.known || !ctx.has_core() {
        return ctx.unknown();
    }
    let uncovered: Vec<&str> = ctx
        .core()
        .zip(&ctx.audits.covering)
        .filter(|(_, cov)| cov.is_empty())
        .map(|(c, _)| c.name.as_str())
        .collect();
    let used = ctx.audits.covering.iter().flatten().copied().collect();
    let m = audits_measurement(ctx, Value::Number(uncovered.len() as f64), &used);
    if uncovered.is_empty() {
        m
    } else {
        m.noting_with(|| format!("no audit covers: {}", uncovered.join(", ")))
    }
}

/// Days the deployed core code has run since it was last reviewed: from its newest clean
/// covering review, or from its go-live when that came later (the audit's own age then says
/// nothing about the code; how long the reviewed code has run does).
fn newest_covering_age_days(ctx: &Context) -> Measurement {
    if !ctx.audits.known || !ctx.has_core() {
        return ctx.unknown();
    }
    // Per component: its newest clean review, and its go-live when that is later.
    let mut newest: Option<(Date, Review, Option<&Component>)> = None;
    for (c, clean) in ctx.core().zip(&ctx.audits.clean) {
        let Some((reviewed, r)) = clean
            .iter()
            .map(|&r| (ctx.reviewed_on(r, c), r))
            .max_by_key(|&(d, r)| (d, std::cmp::Reverse(r)))
        else {
            continue;
        };
        let (date, went_live) = match c.deployed.filter(|d| *d > reviewed && *d <= ctx.as_of) {
            Some(d) => (d, Some(c)),
            None => (reviewed, None),
        };
        if newest.is_none_or(|(best, r0, _)| {
            (date, std::cmp::Reverse(r)) > (best, std::cmp::Reverse(r0))
        }) {
            newest = Some((date, r, went_live));
        }
    }
    match newest {
        Some((date, r, went_live)) => {
            let age = date.days_until(ctx.as_of);
            let m = audits_measurement(ctx, Value::Number(age as f64), &BTreeSet::from([r]));
            match went_live {
                Some(c) => m.using_with(|| format!("components `{}` deployed {date}", c.name), c.source.as_deref())
                    .noting_with(|| format!("`{}` {} went live {date}, after its newest review: its age counts from then", c.name, c.version)),
                None => m,
            }
        }
        None => audits_measurement(ctx, Value::None, &BTreeSet::new())
            .noting("no audit covers the deployed core code"),
    }
}

/// How much slower immutable, admin-free code ages than code that can change: its audited
/// bytes are the bytes that run, so only new attack techniques make the review stale.
pub const IMMUTABLE_AGEING: f64 = 0.25;

/// Days since the newest clean covering review of the deployed core code, counted at
/// [`IMMUTABLE_AGEING`] for immutable, admin-free code.
fn review_age_days(ctx: &Context) -> Measurement {
    let mut m = newest_covering_age_days(ctx);
    let immutable = ctx
        .manifest
        .upgradeability
        .as_ref()
        .zip(ctx.manifest.admin.as_ref());
    if let (Some(Value::Number(age)), Some((u, a))) = (m.value.clone(), immutable)
        && !u.upgradeable
        && a.control == AdminControl::Immutable
    {
        m.value = Some(Value::Number((age * IMMUTABLE_AGEING).round()));
        m = m
            .using("upgradeability", u.source.as_deref())
            .using("admin", a.source.as_deref())
            .noting_with(|| {
                format!(
                    "immutable code with no admin: {age} days since its review count as {}",
                    (age * IMMUTABLE_AGEING).round()
                )
            });
    }
    m
}

fn unresolved_critical(ctx: &Context) -> Measurement {
    if !ctx.audits.known {
        return ctx.unknown();
    }
    let audits = ctx.manifest.audits.as_deref().unwrap_or_default();
    let covering: BTreeSet<Review> = ctx.audits.covering.iter().flatten().copied().collect();
    let open: u32 = covering
        .iter()
        .map(|r| match r {
            Review::Audit(i) => audits[*i].unresolved.map_or(0, |u| u.critical),
            Review::Engagement(_) => 0,
        })
        .sum();
    audits_measurement(ctx, Value::Number(f64::from(open)), &covering)
}

fn economic_recent_count(ctx: &Context) -> Measurement {
    let audits = ctx.manifest.audits.as_deref().unwrap_or_default();
    // A list of code audits says nothing about economic review: without an economic audit or a
    // search that found none, the count is unknown, not zero.
    let searched = crate::core::as_of::searched(ctx.manifest, FactTable::EconomicAudits, ctx.as_of);
    if !audits.iter().any(|a| a.kind == AuditKind::Economic) && searched.is_none() {
        return ctx.unknown();
    }
    let window_start = ctx.as_of.minus_days(RECENT_DAYS);
    let mut m = ctx.of(Value::None);
    if let Some(n) = searched {
        m = m.using_with(
            || format!("not_found economic_audits: {}", n.searched),
            n.source.as_deref(),
        );
    }
    let mut n = 0;
    for (i, a) in audits.iter().enumerate() {
        if a.kind != AuditKind::Economic {
            continue;
        }
        let label = || audit_label(i, a);
        let source = a.source.as_deref();
        if a.date > ctx.as_of {
            m.set_aside(
                label,
                || after_evaluation("dated", a.date, ctx.as_of),
                source,
            );
        } else if a.date < window_start {
            let reason = || format!("dated {}, older than 24 months", a.date);
            m.set_aside(label, reason, source);
        } else {
            n += 1;
            m = m.using_with(label, source);
        }
    }
    m.value = Some(Value::Number(f64::from(n)));
    if n == 0 {
        m = m.noting("no economic audit in the last 24 months");
    }
    m
}

fn proof_core_coverage(ctx: &Context) -> Measurement {
    if !ctx.proofs.known || !ctx.has_core() {
        return ctx.unknown();
    }
    let proofs = ctx
        .manifest
        .formal_verification
        .as_deref()
        .unwrap_or_default();
    let total = ctx.proofs.covered.len();
    let covered = ctx.proofs.covered.iter().filter(|c| **c).count();
    let mut m = ctx.of(Value::Number(covered as f64 / total as f64));
    for &i in &ctx.proofs.used {
        let p = &proofs[i];
        m = m.using_with(|| proof_label(i, p), p.source.as_deref());
    }
    m.disregarded = ctx.proofs.disregarded.clone();
    let missing: Vec<&str> = ctx
        .core()
        .zip(&ctx.proofs.covered)
        .filter(|(_, c)| !**c)
        .map(|(c, _)| c.name.as_str())
        .collect();
    if !missing.is_empty() {
        m = m.noting_with(|| format!("not formally verified: {}", missing.join(", ")));
    }
    m
}

/// Monitoring in force at the evaluation date, or why it is unknown.
fn active_monitoring<'a>(
    ctx: &Context<'a>,
) -> Result<&'a crate::core::manifest::Monitoring, Measurement> {
    let Some(mon) = &ctx.manifest.monitoring else {
        return Err(ctx.unknown());
    };
    if let Some(since) = mon.since.filter(|s| *s > ctx.as_of) {
        let mut m = ctx.unknown();
        m.set_aside(
            || "monitoring".into(),
            || after_evaluation("in place since", since, ctx.as_of),
            mon.source.as_deref(),
        );
        return Err(m);
    }
    Ok(mon)
}

fn monitoring_level(ctx: &Context) -> Measurement {
    match active_monitoring(ctx) {
        Ok(mon) => ctx
            .of(Value::Level(mon.level.as_str()))
            .using("monitoring", mon.source.as_deref()),
        Err(m) => m,
    }
}

fn monitoring_level_rank(ctx: &Context) -> Measurement {
    match active_monitoring(ctx) {
        Ok(mon) => {
            let rank = match mon.level {
                MonitoringLevel::None => 0.0,
                MonitoringLevel::Alerting => 1.0,
                MonitoringLevel::Realtime => 2.0,
                MonitoringLevel::AutomatedResponse => 3.0,
            };
            ctx.of(Value::Number(rank))
                .using("monitoring", mon.source.as_deref())
        }
        Err(m) => m,
    }
}

/// Share of deployment TVL on chains a safeguard reaches, and the chains it misses.
/// `chains` absent means every deployment; deployments without TVL weigh equally.
fn tvl_share<'a>(ctx: &Context<'a>, chains: Option<&[String]>) -> Option<(f64, Vec<&'a str>)> {
    let d = &ctx.manifest.deployments;
    if d.is_empty() {
        return None;
    }
    let by_tvl = d.iter().all(|d| d.tvl_usd.is_some_and(|t| t > 0.0));
    let weight = |i: usize| {
        if by_tvl {
            d[i].tvl_usd.unwrap_or(0.0)
        } else {
            1.0
        }
    };
    let total: f64 = (0..d.len()).map(weight).sum();
    let mut covered = 0.0;
    let mut missed = Vec::new();
    for (i, dep) in d.iter().enumerate() {
        let reached = chains.is_none_or(|cs| cs.iter().any(|c| c.eq_ignore_ascii_case(&dep.chain)));
        if reached {
            covered += weight(i);
        } else {
            missed.push(dep.chain.as_str());
        }
    }
    Some((covered / total, missed))
}

/// Every chain the protocol is deployed on: all a safeguard that does not work misses.
fn every_chain<'a>(ctx: &Context<'a>) -> Vec<&'a str> {
    let d = &ctx.manifest.deployments;
    d.iter().map(|d| d.chain.as_str()).collect()
}

fn coverage_measurement(ctx: &Context, share: f64, missed: &[&str], what: &str) -> Measurement {
    let m = ctx.of(Value::Number(share));
    if missed.is_empty() {
        m
    } else {
        m.noting_with(|| format!("{what} misses: {}", missed.join(", ")))
    }
}

fn monitoring_tvl_coverage(ctx: &Context) -> Measurement {
    let mon = match active_monitoring(ctx) {
        Ok(mon) => mon,
        Err(m) => return m,
    };
    let Some((share, missed)) = tvl_share(ctx, mon.chains.as_deref()) else {
        return ctx.unknown();
    };
    let (share, missed) = if mon.level == MonitoringLevel::None {
        (0.0, every_chain(ctx))
    } else {
        (share, missed)
    };
    coverage_measurement(ctx, share, &missed, "monitoring")
        .using("monitoring", mon.source.as_deref())
        .using("deployments", deployments_source(ctx))
}

/// The deployments' source, when every deployment states one (the first of them).
fn deployments_source<'a>(ctx: &Context<'a>) -> Option<&'a str> {
    let d = &ctx.manifest.deployments;
    if d.iter().all(|d| is_sourced(d.source.as_deref())) {
        d.first().and_then(|d| d.source.as_deref())
    } else {
        None
    }
}

/// The pause's state at the evaluation date: none, expired, undrilled or drilled.
fn pause_state(ctx: &Context) -> Measurement {
    let Some(p) = &ctx.manifest.pause else {
        return ctx.unknown();
    };
    let expired = p.expires.filter(|e| *e < ctx.as_of);
    let drill = p.last_drill.filter(|d| *d <= ctx.as_of);
    let drilled = drill.is_some_and(|d| d.days_until(ctx.as_of) <= DRILL_DAYS);
    let level = match (p.available, expired, drilled) {
        (false, _, _) => "none",
        (true, Some(_), _) => "expired",
        (true, None, true) => "drilled",
        (true, None, false) => "undrilled",
    };
    let m = ctx
        .of(Value::Level(level))
        .using("pause", p.source.as_deref());
    if !p.available {
        return m;
    }
    m.noting_with(|| match (expired, drill) {
        (Some(end), _) => format!("pause window expired on {end}"),
        (None, Some(d)) if drilled => format!("last drilled {d}"),
        (None, Some(d)) => format!("last drilled {d}, more than a year before"),
        (None, None) => "no documented drill".to_string(),
    })
}

fn pause_tvl_coverage(ctx: &Context) -> Measurement {
    let Some(p) = &ctx.manifest.pause else {
        return ctx.unknown();
    };
    let Some((share, missed)) = tvl_share(ctx, p.chains.as_deref()) else {
        return ctx.unknown();
    };
    let works = p.available && p.expires.is_none_or(|e| e >= ctx.as_of);
    let (share, missed) = if works {
        (share, missed)
    } else {
        (0.0, every_chain(ctx))
    };
    coverage_measurement(ctx, share, &missed, "pause")
        .using("pause", p.source.as_deref())
        .using("deployments", deployments_source(ctx))
}

fn weakest_coverage(ctx: &Context) -> Measurement {
    let mon = monitoring_tvl_coverage(ctx);
    let pause = pause_tvl_coverage(ctx);
    let (Some(Value::Number(a)), Some(Value::Number(b))) = (&mon.value, &pause.value) else {
        let mut m = ctx.unknown();
        m.disregarded = [mon.disregarded, pause.disregarded].concat();
        return m;
    };
    let value = Value::Number(a.min(*b));
    let notes: Vec<String> = [mon.note, pause.note].into_iter().flatten().collect();
    let mut used = mon.used;
    for e in pause.used {
        if !used.contains(&e) {
            used.push(e);
        }
    }
    Measurement {
        value: Some(value),
        used,
        disregarded: Vec::new(),
        note: (!notes.is_empty()).then(|| notes.join("; ")),
        sourced: mon.sourced && pause.sourced,
        words: ctx.words,
    }
}

fn incident_response_practices(ctx: &Context) -> Measurement {
    let Some(ir) = &ctx.manifest.incident_response else {
        return ctx.unknown();
    };
    let drilled = ir
        .last_drill
        .is_some_and(|d| d <= ctx.as_of && d.days_until(ctx.as_of) <= DRILL_DAYS);
    let have = [
        (ir.plan_public == Some(true), "public plan"),
        (ir.security_contact == Some(true), "security contact"),
        (drilled, "drill in the last year"),
    ];
    let missing: Vec<&str> = have.iter().filter(|(h, _)| !h).map(|(_, n)| *n).collect();
    let n = have.iter().filter(|(h, _)| *h).count();
    let m = ctx
        .of(Value::Number(n as f64))
        .using("incident_response", ir.source.as_deref());
    if missing.is_empty() {
        m
    } else {
        m.noting_with(|| format!("missing: {}", missing.join(", ")))
    }
}

fn incident_response_plan_public(ctx: &Context) -> Measurement {
    match &ctx.manifest.incident_response {
        Some(ir) => match ir.plan_public {
            Some(p) => ctx
                .of(Value::Bool(p))
                .using("incident_response", ir.source.as_deref()),
            None => ctx.unknown(),
        },
        None => ctx.unknown(),
    }
}

fn timelock_delay_hours(ctx: &Context) -> Measurement {
    match &ctx.manifest.timelock {
        Some(t) => ctx
            .of(Value::Number(t.delay_hours))
            .using("timelock", t.source.as_deref()),
        None => ctx.unknown(),
    }
}

/// True when a timelock of meaningful length gates upgrades (an empty scope means all changes).
fn upgrades_timelocked(ctx: &Context) -> bool {
    ctx.manifest.timelock.as_ref().is_some_and(|t| {
        t.delay_hours >= MEANINGFUL_DELAY_HOURS
            && (t.scope.is_empty() || t.scope.iter().any(|s| s.contains("upgrade")))
    })
}

fn admin_model(ctx: &Context) -> Measurement {
    let Some(a) = &ctx.manifest.admin else {
        return ctx.unknown();
    };
    let mut m = ctx.unknown().using("admin", a.source.as_deref());
    let level = match a.control {
        AdminControl::Immutable => "immutable",
        AdminControl::Eoa => "eoa",
        AdminControl::Dao => {
            if let Some(t) = &ctx.manifest.timelock {
                m = m.using("timelock", t.source.as_deref());
            }
            if ctx
                .manifest
                .timelock
                .as_ref()
                .is_some_and(|t| t.delay_hours >= MEANINGFUL_DELAY_HOURS)
            {
                "dao-timelocked"
            } else {
                "dao"
            }
        }
        AdminControl::Multisig => {
            let strong = match (a.threshold, a.signers) {
                (Some(t), Some(s)) => t >= 4 && 2 * t >= s && a.signers_public == Some(true),
                _ => false,
            };
            if strong {
                "multisig-strong"
            } else {
                m = m.noting("a strong multisig has a threshold of at least 4, at least half the signers, and public signers");
                "multisig-weak"
            }
        }
    };
    m.value = Some(Value::Level(level));
    m
}

fn upgradeability_model(ctx: &Context) -> Measurement {
    let Some(u) = &ctx.manifest.upgradeability else {
        return ctx.unknown();
    };
    let mut m = ctx.unknown().using("upgradeability", u.source.as_deref());
    let level = if !u.upgradeable {
        "immutable"
    } else if ctx
        .manifest
        .admin
        .as_ref()
        .is_some_and(|a| a.control == AdminControl::Eoa)
    {
        "admin-key"
    } else if upgrades_timelocked(ctx) {
        "timelocked"
    } else {
        "governed"
    };
    if u.upgradeable
        && let Some(t) = &ctx.manifest.timelock
    {
        m = m.using("timelock", t.source.as_deref());
    }
    m.value = Some(Value::Level(level));
    m
}

fn immutable_and_no_admin(ctx: &Context) -> Measurement {
    let (Some(u), Some(a)) = (&ctx.manifest.upgradeability, &ctx.manifest.admin) else {
        return ctx.unknown();
    };
    ctx.of(Value::Bool(
        !u.upgradeable && a.control == AdminControl::Immutable,
    ))
    .using("upgradeability", u.source.as_deref())
    .using("admin", a.source.as_deref())
}

fn bounty_vs_benchmark(ctx: &Context) -> Measurement {
    let Some(b) = &ctx.manifest.bug_bounty else {
        return ctx.unknown();
    };
    if let Some(misfit) = outside_window(b.since, b.until, ctx.as_of) {
        let reason = || misfit.words(ctx.as_of);
        let mut m = ctx
            .of(Value::Number(0.0))
            .noting_with(|| format!("no active bounty: {}", reason()));
        m.set_aside(|| "bug_bounty".into(), reason, b.source.as_deref());
        return m;
    }
    let benchmark = ctx
        .tvl()
        .map_or(BOUNTY_BENCHMARK_USD, |tvl| {
            BOUNTY_BENCHMARK_USD.min(tvl * 0.1)
        })
        .max(1.0);
    let mut m = ctx
        .of(Value::Number(b.max_payout_usd / benchmark))
        .using("bug_bounty", b.source.as_deref())
        .noting_with(|| {
            format!(
                "max payout ${} against a ${} benchmark",
                thousands(b.max_payout_usd),
                thousands(benchmark)
            )
        });
    if ctx.manifest.protocol.tvl_usd.is_some() {
        m = m.using("protocol.tvl_usd", ctx.manifest.protocol.source.as_deref());
    }
    m
}

fn insurance_tvl_share(ctx: &Context) -> Measurement {
    let Some(policies) = &ctx.manifest.insurance else {
        return ctx.unknown();
    };
    let Some(tvl) = ctx.tvl().filter(|t| *t > 0.0) else {
        return ctx
            .unknown()
            .noting("insurance share needs the protocol's TVL");
    };
    let mut m = ctx
        .unknown()
        .using("protocol.tvl_usd", ctx.manifest.protocol.source.as_deref());
    let mut cover = 0.0;
    for (i, p) in policies.iter().enumerate() {
        let fact = || format!("insurance[{i}] {}", p.provider);
        match outside_window(p.since, p.until, ctx.as_of) {
            Some(misfit) => m.set_aside(fact, || misfit.words(ctx.as_of), p.source.as_deref()),
            None => {
                cover += p.coverage_usd;
                m = m.using_with(fact, p.source.as_deref());
            }
        }
    }
    m.value = Some(Value::Number(cover / tvl));
    m
}

/// Own incidents dated on or before the evaluation date.
fn past_incidents<'a>(ctx: &Context<'a>) -> Vec<(usize, &'a crate::core::manifest::Incident)> {
    ctx.manifest
        .incidents
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(|(_, i)| i.date <= ctx.as_of)
        .collect()
}

fn incident_label(i: usize, inc: &crate::core::manifest::Incident) -> String {
    format!(
        "incidents[{i}] {} {}, ${}",
        inc.date,
        inc.cause,
        thousands(inc.loss_usd)
    )
}

fn incidents_record(ctx: &Context) -> Measurement {
    let past = past_incidents(ctx);
    let window_start = ctx.as_of.minus_days(RECENT_DAYS);
    let mut m = ctx.unknown();
    for (i, inc) in &past {
        m = m.using_with(|| incident_label(*i, inc), inc.source());
    }
    let level = if past.iter().any(|(_, i)| !i.resolved) {
        "unresolved"
    } else if past
        .iter()
        .any(|(_, i)| i.date >= window_start && i.loss_usd > 0.0)
    {
        "recent"
    } else if past.is_empty() {
        "clean"
    } else {
        "resolved-past"
    };
    if ctx.manifest.incidents.is_none() {
        m = m.noting("no incidents recorded");
    }
    m.value = Some(Value::Level(level));
    m
}

fn incidents_unresolved(ctx: &Context) -> Measurement {
    let past = past_incidents(ctx);
    let mut m = ctx.unknown();
    let mut n = 0;
    for (i, inc) in past.iter().filter(|(_, i)| !i.resolved) {
        n += 1;
        m = m.using_with(|| incident_label(*i, inc), inc.source());
    }
    m.value = Some(Value::Number(f64::from(n)));
    m
}

/// A loss is material at 1% of TVL, or at $1M where TVL is unknown.
pub const MATERIAL_TVL_SHARE: f64 = 0.01;
/// The material loss when TVL is unknown, in USD.
pub const MATERIAL_LOSS_USD: f64 = 1_000_000.0;

fn incidents_material_unresolved(ctx: &Context) -> Measurement {
    let past = past_incidents(ctx);
    let threshold = ctx
        .tvl()
        .filter(|t| *t > 0.0)
        .map_or(MATERIAL_LOSS_USD, |t| t * MATERIAL_TVL_SHARE);
    let mut m = ctx.unknown();
    let mut n = 0;
    for (i, inc) in past.iter().filter(|(_, i)| !i.resolved) {
        if inc.loss_usd >= threshold {
            n += 1;
            m = m.using_with(|| incident_label(*i, inc), inc.source());
        } else {
            m.set_aside(
                || incident_label(*i, inc),
                || {
                    format!(
                        "unresolved, but a loss of {} is below the material {}",
                        short_usd(inc.loss_usd),
                        short_usd(threshold)
                    )
                },
                inc.source(),
            );
        }
    }
    m.value = Some(Value::Number(f64::from(n)));
    m
}

fn maturity_days_without_loss(ctx: &Context) -> Measurement {
    let Some(launched) = ctx.manifest.protocol.launched else {
        return ctx.unknown();
    };
    let mut since = launched;
    let mut last_loss = None;
    for (i, inc) in past_incidents(ctx) {
        if inc.loss_usd > 0.0 && inc.date > since {
            since = inc.date;
            last_loss = Some((i, inc));
        }
    }
    let m = ctx
        .of(Value::Number(since.days_until(ctx.as_of).max(0) as f64))
        .using("protocol.launched", ctx.manifest.protocol.source.as_deref());
    match last_loss {
        Some((i, inc)) => m.using_with(|| incident_label(i, inc), inc.source()),
        None => m,
    }
}

fn not_a_fork(ctx: &Context) -> Measurement {
    match &ctx.manifest.lineage {
        None => ctx.of(Value::Bool(true)),
        Some(l) => ctx
            .of(Value::Bool(false))
            .using("lineage", l.source.as_deref()),
    }
}

/// Upstream incidents that affect the forked version and that the fork has not recorded as
/// resolved for itself (an own incident within two days of the upstream's, marked resolved).
fn inherited_unresolved(ctx: &Context) -> Measurement {
    let Some(lineage) = &ctx.manifest.lineage else {
        return ctx.of(Value::Number(0.0)).noting("not a fork");
    };
    let upstream = match ctx.upstream {
        Upstream::Found(u) => u,
        Upstream::NotAFork | Upstream::Missing => {
            return ctx.unknown().noting_with(|| {
                format!(
                    "upstream `{}` is not in the scored set or --protocols folder",
                    lineage.forked_from
                )
            });
        }
    };
    let own = ctx.manifest.incidents.as_deref().unwrap_or_default();
    let mut m = ctx.unknown().using("lineage", lineage.source.as_deref());
    let mut open = Vec::new();
    for (i, inc) in upstream.iter().enumerate() {
        if inc.date > ctx.as_of {
            continue;
        }
        // Only a code-level incident (one that states the versions it affects) travels with
        // the code; a key theft or an outside bridge failure does not.
        let affects = inc
            .affects
            .as_ref()
            .is_some_and(|req| req.matches(&lineage.upstream_version));
        if !affects {
            continue;
        }
        let fact = || {
            format!(
                "{}: {}",
                lineage.forked_from,
                incident_label(i, inc).split_once(' ').map_or("", |x| x.1)
            )
        };
        let fixed_here = own
            .iter()
            .any(|o| o.resolved && o.date.days_until(inc.date).abs() <= 2);
        if fixed_here {
            let reason = || "recorded as resolved by this fork".into();
            m.set_aside(fact, reason, inc.source());
        } else {
            open.push(inc);
            m = m.using_with(fact, inc.source());
        }
    }
    m.value = Some(Value::Number(open.len() as f64));
    if open.is_empty() {
        return m;
    }
    m.noting_with(|| {
        let open: Vec<String> = open
            .iter()
            .map(|inc| {
                format!(
                    "inherited from {}: {} {}, ${}",
                    lineage.forked_from,
                    inc.date,
                    inc.cause,
                    short_usd(inc.loss_usd)
                )
            })
            .collect();
        open.join("; ")
    })
}

fn oracles_unused(ctx: &Context) -> Measurement {
    match &ctx.manifest.oracles {
        Some(o) => ctx
            .of(Value::Bool(!o.used))
            .using("oracles", o.source.as_deref()),
        None => ctx.unknown(),
    }
}

fn oracles_design(ctx: &Context) -> Measurement {
    let Some(o) = &ctx.manifest.oracles else {
        return ctx.unknown();
    };
    // Whether the feeds resist manipulation is the fact that matters; unstated is unknown.
    if o.manipulation_resistant.is_none() {
        return ctx
            .unknown()
            .noting("oracles.manipulation_resistant is not stated");
    }
    let level = match (
        o.manipulation_resistant == Some(true),
        o.fallback == Some(true),
    ) {
        (true, true) => "resistant-with-fallback",
        (true, false) => "resistant",
        (false, true) => "fallback-only",
        (false, false) => "basic",
    };
    ctx.of(Value::Level(level))
        .using("oracles", o.source.as_deref())
}

/// `1234567.8` -> `1,234,568`: money in notes and labels.
pub fn thousands(x: f64) -> String {
    let n = x.round().abs() as u64;
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

/// `128_000_000` -> `128M`: money in one-line summaries.
pub fn short_usd(x: f64) -> String {
    let (v, suffix) = if x >= 1e9 {
        (x / 1e9, "B")
    } else if x >= 1e6 {
        (x / 1e6, "M")
    } else if x >= 1e3 {
        (x / 1e3, "K")
    } else {
        (x, "")
    };
    let text = format!("{v:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text}{suffix}")
}

const PAUSE_STATES: &[&str] = &["none", "expired", "undrilled", "drilled"];
const MONITORING_LEVELS: &[&str] = &["none", "alerting", "realtime", "automated-response"];
const ADMIN_MODELS: &[&str] = &[
    "immutable",
    "dao-timelocked",
    "dao",
    "multisig-strong",
    "multisig-weak",
    "eoa",
];
const UPGRADE_MODELS: &[&str] = &["immutable", "timelocked", "governed", "admin-key"];
const INCIDENT_RECORDS: &[&str] = &["clean", "resolved-past", "recent", "unresolved"];
const ORACLE_DESIGNS: &[&str] = &[
    "resistant-with-fallback",
    "resistant",
    "fallback-only",
    "basic",
];

macro_rules! metric {
    ($name:literal, $kind:expr, $f:ident, $doc:literal) => {
        MetricDef {
            name: $name,
            kind: $kind,
            description: $doc,
            measure: $f,
        }
    };
}

use MetricKind::{Bool, Level, Number};

/// Every metric posture knows, in documentation order.
pub static CATALOGUE: &[MetricDef] = &[
    metric!(
        "audits.min_firms_per_core_component",
        Number(Unit::Count),
        min_firms_per_core_component,
        "Fewest independent firms covering any core component at its deployed version (audits, incremental reviews whose base is covered, and firms retained while that version went live), counting only reviews dated by the evaluation date with no unresolved critical or high finding."
    ),
    metric!(
        "audits.reputable_firms_covering",
        Number(Unit::Count),
        min_reputable_firms,
        "As audits.min_firms_per_core_component, counting only firms on the rubric's `reputable_firms` list (every firm when the rubric has none)."
    ),
    metric!(
        "audits.uncovered_core_components",
        Number(Unit::Count),
        uncovered_core_components,
        "Core components whose deployed version no code audit (dated by the evaluation date) covers."
    ),
    metric!(
        "audits.newest_covering_age_days",
        Number(Unit::Days),
        newest_covering_age_days,
        "Days the deployed core code has run since its newest covering review (or since its go-live, when that came later) at the evaluation date; `none` when no review covers it."
    ),
    metric!(
        "audits.review_age_days",
        Number(Unit::Days),
        review_age_days,
        "As audits.newest_covering_age_days, counted at a quarter of the rate for immutable code with no admin: the reviewed code is the code that runs, so it ages only as attack techniques move on."
    ),
    metric!(
        "audits.unresolved_critical",
        Number(Unit::Count),
        unresolved_critical,
        "Unresolved critical findings in audits that cover the deployed code."
    ),
    metric!(
        "economic_audits.recent_count",
        Number(Unit::Count),
        economic_recent_count,
        "Economic (market and incentive design) audits dated in the 24 months up to the evaluation date."
    ),
    metric!(
        "formal_verification.core_coverage",
        Number(Unit::Ratio),
        proof_core_coverage,
        "Share of core components with a formal verification covering their deployed version."
    ),
    metric!(
        "monitoring.level",
        Level(MONITORING_LEVELS),
        monitoring_level,
        "Monitoring in force at the evaluation date: none, alerting, realtime or automated-response."
    ),
    metric!(
        "monitoring.level_rank",
        Number(Unit::Count),
        monitoring_level_rank,
        "The monitoring level as a number: none 0, alerting 1, realtime 2, automated-response 3."
    ),
    metric!(
        "monitoring.tvl_coverage",
        Number(Unit::Ratio),
        monitoring_tvl_coverage,
        "Share of deployment TVL on chains the monitoring covers (deployments without TVL weigh equally)."
    ),
    metric!(
        "pause.state",
        Level(PAUSE_STATES),
        pause_state,
        "The emergency pause at the evaluation date: none, expired (its window ended), undrilled, or drilled (used or tested within a year)."
    ),
    metric!(
        "pause.tvl_coverage",
        Number(Unit::Ratio),
        pause_tvl_coverage,
        "Share of deployment TVL on chains a working pause reaches."
    ),
    metric!(
        "deployments.weakest_coverage",
        Number(Unit::Ratio),
        weakest_coverage,
        "The lower of monitoring and pause TVL coverage: one unwatched chain is enough."
    ),
    metric!(
        "incident_response.practices",
        Number(Unit::Count),
        incident_response_practices,
        "How many of three practices are in place: a public plan, a security contact, a drill within a year."
    ),
    metric!(
        "incident_response.plan_public",
        Bool,
        incident_response_plan_public,
        "Whether the incident-response plan is public."
    ),
    metric!(
        "timelock.delay_hours",
        Number(Unit::Hours),
        timelock_delay_hours,
        "Delay between queueing and executing a privileged change."
    ),
    metric!(
        "admin.model",
        Level(ADMIN_MODELS),
        admin_model,
        "Who holds admin power: immutable, dao-timelocked (DAO behind a delay of 24h or more), dao, multisig-strong (threshold of 4 or more, at least half the signers, public signers), multisig-weak, eoa."
    ),
    metric!(
        "upgradeability.model",
        Level(UPGRADE_MODELS),
        upgradeability_model,
        "How code can change: immutable, timelocked (upgrades pass a delay of 24h or more), governed (no such delay), admin-key (a single key)."
    ),
    metric!(
        "upgradeability.immutable_and_no_admin",
        Bool,
        immutable_and_no_admin,
        "True when the contracts cannot be upgraded and no admin holds power: nothing for a timelock to delay."
    ),
    metric!(
        "bug_bounty.payout_vs_benchmark",
        Number(Unit::Ratio),
        bounty_vs_benchmark,
        "Maximum bounty payout divided by DeFiSafety's benchmark ($1M, or 10% of TVL when less); 0 when no bounty is active at the evaluation date."
    ),
    metric!(
        "insurance.tvl_share",
        Number(Unit::Ratio),
        insurance_tvl_share,
        "Active insurance cover at the evaluation date as a share of TVL."
    ),
    metric!(
        "incidents.record",
        Level(INCIDENT_RECORDS),
        incidents_record,
        "The protocol's own loss history at the evaluation date: clean, resolved-past (none in 24 months), recent (a loss in the last 24 months), unresolved."
    ),
    metric!(
        "incidents.unresolved",
        Number(Unit::Count),
        incidents_unresolved,
        "Own incidents up to the evaluation date not recorded as resolved."
    ),
    metric!(
        "incidents.material_unresolved",
        Number(Unit::Count),
        incidents_material_unresolved,
        "Unresolved own incidents whose loss is material: at least 1% of TVL (the manifest's TVL at its date), or $1M where TVL is unknown."
    ),
    metric!(
        "maturity.days_without_loss",
        Number(Unit::Days),
        maturity_days_without_loss,
        "Days since launch, or since the last loss if later, up to the evaluation date."
    ),
    metric!(
        "lineage.not_a_fork",
        Bool,
        not_a_fork,
        "True when the manifest has no [lineage]: the code is original."
    ),
    metric!(
        "lineage.inherited_unresolved",
        Number(Unit::Count),
        inherited_unresolved,
        "Upstream incidents whose `affects` requirement matches the forked version and that the fork has not recorded as resolved for itself (incidents without `affects` are not code-level and are not inherited)."
    ),
    metric!(
        "oracles.unused",
        Bool,
        oracles_unused,
        "True when the protocol states it uses no price oracle."
    ),
    metric!(
        "oracles.design",
        Level(ORACLE_DESIGNS),
        oracles_design,
        "Oracle robustness: resistant-with-fallback, resistant (TWAP, multi-source or circuit breakers), fallback-only, basic."
    ),
];

/// The metric with this name, if the catalogue has one.
pub fn lookup(name: &str) -> Option<MetricId> {
    CATALOGUE.iter().position(|m| m.name == name).map(MetricId)
}

/// The catalogue entry of a metric.
pub fn def(id: MetricId) -> &'static MetricDef {
    &CATALOGUE[id.0]
}

/// Every metric name, in catalogue order.
pub fn names() -> Vec<&'static str> {
    CATALOGUE.iter().map(|m| m.name).collect()
}

/// Measures one metric.
pub fn measure(id: MetricId, ctx: &Context) -> Measurement {
    (def(id).measure)(ctx)
}

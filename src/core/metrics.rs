//! The metric catalogue: every fact a rubric can score, derived from a manifest at an
//! evaluation date. This is the evidence side; rubrics say what a metric is worth.
//!
//! Pure: no files, clock or terminal. Each metric records which facts it used, which it set
//! aside (and why) and what a reader should note, as typed references into the manifest
//! ([`Fact`], [`Why`], [`Note`]): cheap enough for a league row, and put into a report's
//! words by `core::words` only when a report is made.

use std::collections::BTreeSet;

use smallvec::SmallVec;

use crate::core::as_of;
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

/// A part of the manifest a metric read, named by its place in the manifest. Recording one
/// costs a copy, so every evaluation records them; only a report puts them into words
/// ([`crate::core::words`]), and a summary only asks whether each has a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// `audits[i]`.
    Audit(usize),
    /// `engagements[i]`.
    Engagement(usize),
    /// `formal_verification[i]`.
    Proof(usize),
    /// `incidents[i]`.
    Incident(usize),
    /// `incidents[i]` of a fork's upstream.
    Inherited(usize),
    /// `insurance[i]`.
    Insurance(usize),
    /// The day `components[component]` went live at its deployed version.
    Deployed {
        /// Place of the component in `components`.
        component: usize,
        /// Its go-live date.
        on: Date,
    },
    /// A whole table, or a field of `[protocol]`.
    Table(Table),
    /// The `[[not_found]]` entry of a table: researched, and nothing public found.
    NotFound(FactTable),
    /// The value a what-if forced on this metric.
    WhatIf(MetricId),
}

/// The source a what-if's forced value is credited to.
pub const WHAT_IF_SOURCE: &str = "what-if";

/// A table (or a `[protocol]` field) read as a whole: one fact with one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// `[monitoring]`.
    Monitoring,
    /// `[timelock]`.
    Timelock,
    /// `[pause]`.
    Pause,
    /// `[bug_bounty]`.
    BugBounty,
    /// `[admin]`.
    Admin,
    /// `[upgradeability]`.
    Upgradeability,
    /// `[oracles]`.
    Oracles,
    /// `[incident_response]`.
    IncidentResponse,
    /// `[lineage]`.
    Lineage,
    /// Every `[[deployments]]` entry, sourced only when each one is.
    Deployments,
    /// `protocol.launched`.
    Launched,
    /// `protocol.tvl_usd`.
    Tvl,
}

impl Fact {
    /// Where the fact can be checked, as the manifest gives it; none means self-attested.
    pub fn source<'a>(self, ctx: &Context<'a>) -> Option<&'a str> {
        let m = ctx.manifest;
        match self {
            Fact::Audit(i) => m.audits.as_deref()?.get(i)?.source.as_deref(),
            Fact::Engagement(i) => m.engagements.as_deref()?.get(i)?.source.as_deref(),
            Fact::Proof(i) => m.formal_verification.as_deref()?.get(i)?.source.as_deref(),
            Fact::Incident(i) => m.incidents.as_deref()?.get(i)?.source(),
            Fact::Inherited(i) => match ctx.upstream {
                Upstream::Found(u) => u.get(i)?.source(),
                Upstream::NotAFork | Upstream::Missing => None,
            },
            Fact::Insurance(i) => m.insurance.as_deref()?.get(i)?.source.as_deref(),
            Fact::Deployed { component, .. } => m.components.get(component)?.source.as_deref(),
            Fact::Table(t) => t.source(ctx),
            Fact::NotFound(t) => as_of::searched(m, t, ctx.as_of)?.source.as_deref(),
            Fact::WhatIf(_) => Some(WHAT_IF_SOURCE),
        }
    }
}

impl Table {
    fn source<'a>(self, ctx: &Context<'a>) -> Option<&'a str> {
        let m = ctx.manifest;
        match self {
            Table::Monitoring => m.monitoring.as_ref()?.source.as_deref(),
            Table::Timelock => m.timelock.as_ref()?.source.as_deref(),
            Table::Pause => m.pause.as_ref()?.source.as_deref(),
            Table::BugBounty => m.bug_bounty.as_ref()?.source.as_deref(),
            Table::Admin => m.admin.as_ref()?.source.as_deref(),
            Table::Upgradeability => m.upgradeability.as_ref()?.source.as_deref(),
            Table::Oracles => m.oracles.as_ref()?.source.as_deref(),
            Table::IncidentResponse => m.incident_response.as_ref()?.source.as_deref(),
            Table::Lineage => m.lineage.as_ref()?.source.as_deref(),
            Table::Deployments => deployments_source(ctx),
            Table::Launched | Table::Tvl => m.protocol.source.as_deref(),
        }
    }
}

/// Why a fact a metric found was not counted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Why {
    /// Dated after the evaluation date.
    Later(Date),
    /// In force from a date after the evaluation date.
    Starts(Date),
    /// Ended before the evaluation date.
    Ended(Date),
    /// In place only since a date after the evaluation date.
    SinceLater(Date),
    /// Dated before the recent window ([`RECENT_DAYS`]).
    Older(Date),
    /// Covers other versions than the one `components[component]` runs.
    OtherVersion {
        /// Place of the component in `components`.
        component: usize,
    },
    /// An incremental review whose base version of `components[component]` no audit covers.
    BaseUncovered {
        /// Place of the component in `components`.
        component: usize,
    },
    /// This many unresolved critical or high findings.
    OpenFindings(u32),
    /// The manifest does not say when `components[component]` went live at its version.
    Undated {
        /// Place of the component in `components`.
        component: usize,
    },
    /// `components[component]` went live outside the engagement's window.
    DeployedOutside {
        /// Place of the component in `components`.
        component: usize,
        /// Its go-live date.
        on: Date,
    },
    /// A loss below the material amount, in USD.
    Immaterial {
        /// The material amount for this protocol.
        threshold: f64,
    },
    /// The fork recorded the incident as resolved for itself.
    ResolvedHere,
}

/// Which of two safeguards a coverage note is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safeguard {
    /// The monitoring.
    Monitoring,
    /// The emergency pause.
    Pause,
}

/// One remark a reader needs to understand a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// The fewest independent firms behind any core component, and that component.
    FewestFirms {
        /// How many firms.
        n: usize,
        /// Place of the component in `components`.
        component: usize,
    },
    /// As `FewestFirms`, counting only the rubric's reputable firms.
    FewestReputable {
        /// How many firms.
        n: usize,
        /// Place of the component in `components`.
        component: usize,
    },
    /// The core components (places in `components`) no audit covers.
    Uncovered(Vec<usize>),
    /// A core component went live after its newest review, so its age counts from then.
    WentLive {
        /// Place of the component in `components`.
        component: usize,
        /// Its go-live date.
        on: Date,
    },
    /// No review covers the deployed core code.
    NoCoveringReview,
    /// Immutable code without admin ages slower: `age` days count as a quarter.
    Immutable {
        /// Days since the review.
        age: f64,
    },
    /// No economic audit in the recent window.
    NoRecentEconomic,
    /// The core components (places in `components`) no formal verification covers.
    Unverified(Vec<usize>),
    /// The deployments (places in `deployments`) a safeguard does not reach.
    Misses {
        /// The safeguard.
        safeguard: Safeguard,
        /// Places in `deployments`.
        deployments: Vec<usize>,
    },
    /// Two notes, in order.
    Both(Box<(Note, Note)>),
    /// The pause's window ended on this date.
    PauseExpired(Date),
    /// The pause was last drilled on this date, within a year.
    Drilled(Date),
    /// The pause was last drilled on this date, more than a year before.
    DrillStale(Date),
    /// The pause was never drilled, as far as the manifest says.
    NoDrill,
    /// Which incident-response practices are in place (some are not).
    Practices {
        /// A public plan.
        plan: bool,
        /// A security contact.
        contact: bool,
        /// A drill within a year.
        drill: bool,
    },
    /// What a strong multisig needs.
    WeakMultisig,
    /// The bounty is not in force at the evaluation date.
    NoActiveBounty(Why),
    /// The bounty's maximum payout against the benchmark, in USD.
    Payout {
        /// The maximum payout.
        max: f64,
        /// The benchmark it is measured against.
        benchmark: f64,
    },
    /// Insurance needs the protocol's TVL.
    NeedsTvl,
    /// The manifest records no incidents.
    NoIncidents,
    /// The protocol is not a fork.
    NotAFork,
    /// The fork's upstream is not in the scored set.
    UpstreamMissing,
    /// The upstream's incidents (places in its `incidents`) the fork inherits.
    Inherited(Vec<usize>),
    /// `oracles.manipulation_resistant` is not stated.
    ResistanceUnstated,
    /// The value is a what-if.
    WhatIf,
}

/// A shared coverage analysis whose set-aside facts a measurement also reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Which code reviews cover which core component.
    Audits,
    /// Which formal verifications cover which core component.
    Proofs,
}

/// The facts one measurement used. Most use one to three: kept inline, so a summary, which
/// records them as a report does, allocates nothing for them.
pub type Used = SmallVec<[Fact; 4]>;

/// The value of one metric for one manifest at one date, with what it rests on.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Measurement {
    /// `None` when the manifest does not say: unknown, never a pass.
    pub value: Option<Value>,
    /// The facts the value rests on.
    pub used: Used,
    /// Facts that were found but not counted, each with the reason.
    pub set_aside: Vec<(Fact, Why)>,
    /// A shared coverage analysis whose set-aside facts count as this measurement's too.
    pub coverage: Option<Coverage>,
    /// One remark a reader needs to understand the value.
    pub note: Option<Note>,
}

impl Measurement {
    /// A measured value, with nothing recorded yet.
    fn of(value: Value) -> Self {
        Self {
            value: Some(value),
            ..Self::default()
        }
    }

    /// A value a what-if forces on `metric`, with the what-if as its only fact.
    pub fn forced(value: Value, metric: MetricId) -> Self {
        Self::of(value)
            .using(Fact::WhatIf(metric))
            .noting(Note::WhatIf)
    }

    /// Records a fact used.
    fn using(mut self, fact: Fact) -> Self {
        self.used.push(fact);
        self
    }

    fn noting(mut self, note: Note) -> Self {
        self.note = Some(note);
        self
    }

    /// Records a fact set aside, and why.
    fn set_aside(&mut self, fact: Fact, why: Why) {
        self.set_aside.push((fact, why));
    }

    /// True when every fact used carries a source.
    pub fn sourced(&self, ctx: &Context) -> bool {
        self.used.iter().all(|f| is_sourced(f.source(ctx)))
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
    audits: AuditCoverage,
    proofs: ProofCoverage,
}

impl<'a> Context<'a> {
    /// A context for measuring `manifest` as of `as_of`.
    pub fn new(
        manifest: &'a Manifest,
        as_of: Date,
        upstream: Upstream<'a>,
        reputable_firms: &'a [String],
    ) -> Self {
        Self {
            manifest,
            as_of,
            upstream,
            reputable_firms,
            audits: AuditCoverage::analyse(manifest, as_of),
            proofs: ProofCoverage::analyse(manifest, as_of),
        }
    }

    /// The facts a shared coverage analysis set aside, in the order met (a fact may recur).
    pub fn set_aside_by(&self, coverage: Coverage) -> &[(Fact, Why)] {
        match coverage {
            Coverage::Audits => &self.audits.set_aside,
            Coverage::Proofs => &self.proofs.set_aside,
        }
    }

    fn core(&self) -> impl Iterator<Item = &'a Component> {
        self.manifest.components.iter().filter(|c| c.core)
    }

    /// The core components with their places in `components`.
    fn core_at(&self) -> impl Iterator<Item = (usize, &'a Component)> {
        self.manifest
            .components
            .iter()
            .enumerate()
            .filter(|(_, c)| c.core)
    }

    fn has_core(&self) -> bool {
        self.core().next().is_some()
    }

    fn tvl(&self) -> Option<f64> {
        self.manifest.tvl()
    }
}

/// Why dated, version-scoped evidence does not apply to `components[at]`, if it does not.
fn not_applying(
    date: Date,
    covers: &VersionReq,
    at: usize,
    c: &Component,
    as_of: Date,
) -> Option<Why> {
    if date > as_of {
        Some(Why::Later(date))
    } else if !covers.matches(&c.version) {
        Some(Why::OtherVersion { component: at })
    } else {
        None
    }
}

/// Why a bounty or a policy with this window is not in force at the evaluation date, if not.
fn outside_window(since: Option<Date>, until: Option<Date>, as_of: Date) -> Option<Why> {
    match (since, until) {
        (Some(s), _) if s > as_of => Some(Why::Starts(s)),
        (_, Some(u)) if u < as_of => Some(Why::Ended(u)),
        _ => None,
    }
}

/// A review that covers a deployed core component: an audit, or a firm retained to review every
/// change (a continuous engagement) while the component's version went live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Review {
    Audit(usize),
    Engagement(usize),
}

impl Review {
    fn fact(self) -> Fact {
        match self {
            Review::Audit(i) => Fact::Audit(i),
            Review::Engagement(j) => Fact::Engagement(j),
        }
    }
}

/// Which code reviews cover which deployed core component, decided once per evaluation.
#[derive(Debug, Default)]
struct AuditCoverage {
    known: bool,
    /// Per core component (in manifest order): reviews covering its deployed version.
    covering: Vec<Vec<Review>>,
    /// Per core component: covering reviews with no unresolved critical or high finding.
    clean: Vec<Vec<Review>>,
    set_aside: Vec<(Fact, Why)>,
}

impl AuditCoverage {
    fn analyse(m: &Manifest, as_of: Date) -> Self {
        let engagements = m.engagements.as_deref().unwrap_or_default();
        // Audits unresearched are unknown, unless a retained firm is on record: its reviews
        // are then the known part.
        let audits = match &m.audits {
            Some(a) => a.as_slice(),
            None if !engagements.is_empty() => &[],
            None => return Self::default(),
        };
        let mut aside = Vec::new();
        let mut covering = Vec::new();
        let mut clean = Vec::new();
        for (at, c) in m.components.iter().enumerate().filter(|(_, c)| c.core) {
            let mut cov = Vec::new();
            let mut cln = Vec::new();
            for (i, a) in audits.iter().enumerate() {
                if a.kind != AuditKind::Code || !a.scope.contains(&c.name) {
                    continue;
                }
                if let Some(why) = not_applying(a.date, &a.covers, at, c, as_of) {
                    aside.push((Fact::Audit(i), why));
                    continue;
                }
                if let Some(base) = &a.diff_from
                    && !covered_at(audits, engagements, c, base, as_of, &mut Vec::new())
                {
                    aside.push((Fact::Audit(i), Why::BaseUncovered { component: at }));
                    continue;
                }
                cov.push(Review::Audit(i));
                let open = a.unresolved.map_or(0, |u| u.critical + u.high);
                if open > 0 {
                    aside.push((Fact::Audit(i), Why::OpenFindings(open)));
                } else {
                    cln.push(Review::Audit(i));
                }
            }
            for (j, e) in engagements.iter().enumerate() {
                if !e.scope.contains(&c.name) {
                    continue;
                }
                match engagement_misfit(e, c.deployed, as_of) {
                    Some(misfit) => aside.push((Fact::Engagement(j), misfit.why(at))),
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
            set_aside: aside,
        }
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
    /// The reason, for the engagement's review of `components[at]`.
    fn why(self, at: usize) -> Why {
        match self {
            EngagementMisfit::Later(date) => Why::Starts(date),
            EngagementMisfit::Undated => Why::Undated { component: at },
            EngagementMisfit::Outside(on) => Why::DeployedOutside { component: at, on },
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
    set_aside: Vec<(Fact, Why)>,
}

impl ProofCoverage {
    fn analyse(m: &Manifest, as_of: Date) -> Self {
        let Some(proofs) = &m.formal_verification else {
            return Self::default();
        };
        let mut aside = Vec::new();
        let mut covered = Vec::new();
        let mut used = BTreeSet::new();
        for (at, c) in m.components.iter().enumerate().filter(|(_, c)| c.core) {
            let mut any = false;
            for (i, p) in proofs.iter().enumerate() {
                if !p.scope.contains(&c.name) {
                    continue;
                }
                match not_applying(p.date, &p.covers, at, c, as_of) {
                    Some(why) => aside.push((Fact::Proof(i), why)),
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
            set_aside: aside,
        }
    }
}

fn audits_measurement(value: Value, reviews: &BTreeSet<Review>) -> Measurement {
    Measurement {
        used: reviews.iter().map(|r| r.fact()).collect(),
        coverage: Some(Coverage::Audits),
        ..Measurement::of(value)
    }
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
/// `counts` accepts, with the reviews used and the weakest component's place.
fn weakest_firms(
    ctx: &Context,
    counts: impl Fn(&str) -> bool,
) -> (usize, Option<usize>, BTreeSet<Review>) {
    let mut used = BTreeSet::new();
    let mut weakest: Option<(usize, usize)> = None;
    for ((at, _), clean) in ctx.core_at().zip(&ctx.audits.clean) {
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
            weakest = Some((firms.len(), at));
        }
    }
    match weakest {
        Some((n, at)) => (n, Some(at), used),
        None => (0, None, used),
    }
}

fn min_firms_per_core_component(ctx: &Context) -> Measurement {
    if !ctx.audits.known || !ctx.has_core() {
        return Measurement::default();
    }
    let (n, weakest, used) = weakest_firms(ctx, |_| true);
    let m = audits_measurement(Value::Number(n as f64), &used);
    match weakest {
        Some(component) => m.noting(Note::FewestFirms { n, component }),
        None => m,
    }
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
        return Measurement::default();
    }
    let (n, weakest, used) = weakest_firms(ctx, |firm| reputable(ctx, firm));
    let m = audits_measurement(Value::Number(n as f64), &used);
    match weakest {
        Some(component) => m.noting(Note::FewestReputable { n, component }),
        None => m,
    }
}

fn uncovered_core_components(ctx: &Context) -> Measurement {
    if !ctx.audits.known || !ctx.has_core() {
        return Measurement::default();
    }
    let uncovered: Vec<usize> = ctx
        .core_at()
        .zip(&ctx.audits.covering)
        .filter(|(_, cov)| cov.is_empty())
        .map(|((at, _), _)| at)
        .collect();
    let used = ctx.audits.covering.iter().flatten().copied().collect();
    let m = audits_measurement(Value::Number(uncovered.len() as f64), &used);
    if uncovered.is_empty() {
        m
    } else {
        m.noting(Note::Uncovered(uncovered))
    }
}

/// Days the deployed core code has run since it was last reviewed: from its newest clean
/// covering review, or from its go-live when that came later (the audit's own age then says
/// nothing about the code; how long the reviewed code has run does).
fn newest_covering_age_days(ctx: &Context) -> Measurement {
    if !ctx.audits.known || !ctx.has_core() {
        return Measurement::default();
    }
    // Per component: its newest clean review, and its go-live when that is later.
    let mut newest: Option<(Date, Review, Option<usize>)> = None;
    for ((at, c), clean) in ctx.core_at().zip(&ctx.audits.clean) {
        let Some((reviewed, r)) = clean
            .iter()
            .map(|&r| (ctx.reviewed_on(r, c), r))
            .max_by_key(|&(d, r)| (d, std::cmp::Reverse(r)))
        else {
            continue;
        };
        let (date, went_live) = match c.deployed.filter(|d| *d > reviewed && *d <= ctx.as_of) {
            Some(d) => (d, Some(at)),
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
            let m = audits_measurement(Value::Number(age as f64), &BTreeSet::from([r]));
            match went_live {
                Some(component) => m
                    .using(Fact::Deployed {
                        component,
                        on: date,
                    })
                    .noting(Note::WentLive {
                        component,
                        on: date,
                    }),
                None => m,
            }
        }
        None => audits_measurement(Value::None, &BTreeSet::new()).noting(Note::NoCoveringReview),
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
            .using(Fact::Table(Table::Upgradeability))
            .using(Fact::Table(Table::Admin))
            .noting(Note::Immutable { age });
    }
    m
}

fn unresolved_critical(ctx: &Context) -> Measurement {
    if !ctx.audits.known {
        return Measurement::default();
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
    audits_measurement(Value::Number(f64::from(open)), &covering)
}

fn economic_recent_count(ctx: &Context) -> Measurement {
    let audits = ctx.manifest.audits.as_deref().unwrap_or_default();
    // A list of code audits says nothing about economic review: without an economic audit or a
    // search that found none, the count is unknown, not zero.
    let searched = as_of::searched(ctx.manifest, FactTable::EconomicAudits, ctx.as_of);
    if !audits.iter().any(|a| a.kind == AuditKind::Economic) && searched.is_none() {
        return Measurement::default();
    }
    let window_start = ctx.as_of.minus_days(RECENT_DAYS);
    let mut m = Measurement::of(Value::None);
    if searched.is_some() {
        m = m.using(Fact::NotFound(FactTable::EconomicAudits));
    }
    let mut n = 0;
    for (i, a) in audits.iter().enumerate() {
        if a.kind != AuditKind::Economic {
            continue;
        }
        if a.date > ctx.as_of {
            m.set_aside(Fact::Audit(i), Why::Later(a.date));
        } else if a.date < window_start {
            m.set_aside(Fact::Audit(i), Why::Older(a.date));
        } else {
            n += 1;
            m = m.using(Fact::Audit(i));
        }
    }
    m.value = Some(Value::Number(f64::from(n)));
    if n == 0 {
        m = m.noting(Note::NoRecentEconomic);
    }
    m
}

fn proof_core_coverage(ctx: &Context) -> Measurement {
    if !ctx.proofs.known || !ctx.has_core() {
        return Measurement::default();
    }
    let total = ctx.proofs.covered.len();
    let covered = ctx.proofs.covered.iter().filter(|c| **c).count();
    let m = Measurement {
        used: ctx.proofs.used.iter().map(|&i| Fact::Proof(i)).collect(),
        coverage: Some(Coverage::Proofs),
        ..Measurement::of(Value::Number(covered as f64 / total as f64))
    };
    let missing: Vec<usize> = ctx
        .core_at()
        .zip(&ctx.proofs.covered)
        .filter(|(_, c)| !**c)
        .map(|((at, _), _)| at)
        .collect();
    if missing.is_empty() {
        m
    } else {
        m.noting(Note::Unverified(missing))
    }
}

/// Monitoring in force at the evaluation date, or why it is unknown: absent, or in place only
/// since a later date.
fn active_monitoring<'a>(
    ctx: &Context<'a>,
) -> Result<&'a crate::core::manifest::Monitoring, Option<Date>> {
    let Some(mon) = &ctx.manifest.monitoring else {
        return Err(None);
    };
    match mon.since.filter(|s| *s > ctx.as_of) {
        Some(since) => Err(Some(since)),
        None => Ok(mon),
    }
}

/// The unknown measurement of monitoring not in force, with the later start set aside.
fn inactive_monitoring(since: Option<Date>) -> Measurement {
    let mut m = Measurement::default();
    if let Some(since) = since {
        m.set_aside(Fact::Table(Table::Monitoring), Why::SinceLater(since));
    }
    m
}

fn monitoring_level(ctx: &Context) -> Measurement {
    match active_monitoring(ctx) {
        Ok(mon) => {
            Measurement::of(Value::Level(mon.level.as_str())).using(Fact::Table(Table::Monitoring))
        }
        Err(since) => inactive_monitoring(since),
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
            Measurement::of(Value::Number(rank)).using(Fact::Table(Table::Monitoring))
        }
        Err(since) => inactive_monitoring(since),
    }
}

/// Share of deployment TVL on chains a safeguard reaches, and the deployments (by place) it
/// misses. `chains` absent means every deployment; deployments without TVL weigh equally.
fn tvl_share(ctx: &Context, chains: Option<&[String]>) -> Option<(f64, Vec<usize>)> {
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
            missed.push(i);
        }
    }
    Some((covered / total, missed))
}

/// Every deployment, by place: all a safeguard that does not work misses.
fn every_chain(ctx: &Context) -> Vec<usize> {
    (0..ctx.manifest.deployments.len()).collect()
}

fn coverage_measurement(share: f64, missed: Vec<usize>, safeguard: Safeguard) -> Measurement {
    let m = Measurement::of(Value::Number(share));
    if missed.is_empty() {
        m
    } else {
        m.noting(Note::Misses {
            safeguard,
            deployments: missed,
        })
    }
}

fn monitoring_tvl_coverage(ctx: &Context) -> Measurement {
    let mon = match active_monitoring(ctx) {
        Ok(mon) => mon,
        Err(since) => return inactive_monitoring(since),
    };
    let Some((share, missed)) = tvl_share(ctx, mon.chains.as_deref()) else {
        return Measurement::default();
    };
    let (share, missed) = if mon.level == MonitoringLevel::None {
        (0.0, every_chain(ctx))
    } else {
        (share, missed)
    };
    coverage_measurement(share, missed, Safeguard::Monitoring)
        .using(Fact::Table(Table::Monitoring))
        .using(Fact::Table(Table::Deployments))
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
        return Measurement::default();
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
    let m = Measurement::of(Value::Level(level)).using(Fact::Table(Table::Pause));
    if !p.available {
        return m;
    }
    m.noting(match (expired, drill) {
        (Some(end), _) => Note::PauseExpired(end),
        (None, Some(d)) if drilled => Note::Drilled(d),
        (None, Some(d)) => Note::DrillStale(d),
        (None, None) => Note::NoDrill,
    })
}

fn pause_tvl_coverage(ctx: &Context) -> Measurement {
    let Some(p) = &ctx.manifest.pause else {
        return Measurement::default();
    };
    let Some((share, missed)) = tvl_share(ctx, p.chains.as_deref()) else {
        return Measurement::default();
    };
    let works = p.available && p.expires.is_none_or(|e| e >= ctx.as_of);
    let (share, missed) = if works {
        (share, missed)
    } else {
        (0.0, every_chain(ctx))
    };
    coverage_measurement(share, missed, Safeguard::Pause)
        .using(Fact::Table(Table::Pause))
        .using(Fact::Table(Table::Deployments))
}

fn weakest_coverage(ctx: &Context) -> Measurement {
    let mon = monitoring_tvl_coverage(ctx);
    let pause = pause_tvl_coverage(ctx);
    let (Some(Value::Number(a)), Some(Value::Number(b))) = (&mon.value, &pause.value) else {
        return Measurement {
            set_aside: [mon.set_aside, pause.set_aside].concat(),
            ..Measurement::default()
        };
    };
    let value = Value::Number(a.min(*b));
    let note = match (mon.note, pause.note) {
        (Some(first), Some(second)) => Some(Note::Both(Box::new((first, second)))),
        (first, second) => first.or(second),
    };
    let mut used = mon.used;
    for f in pause.used {
        if !used.contains(&f) {
            used.push(f);
        }
    }
    Measurement {
        used,
        note,
        ..Measurement::of(value)
    }
}

fn incident_response_practices(ctx: &Context) -> Measurement {
    let Some(ir) = &ctx.manifest.incident_response else {
        return Measurement::default();
    };
    let drilled = ir
        .last_drill
        .is_some_and(|d| d <= ctx.as_of && d.days_until(ctx.as_of) <= DRILL_DAYS);
    let (plan, contact) = (
        ir.plan_public == Some(true),
        ir.security_contact == Some(true),
    );
    let n = [plan, contact, drilled].iter().filter(|h| **h).count();
    let m = Measurement::of(Value::Number(n as f64)).using(Fact::Table(Table::IncidentResponse));
    if n == 3 {
        m
    } else {
        m.noting(Note::Practices {
            plan,
            contact,
            drill: drilled,
        })
    }
}

fn incident_response_plan_public(ctx: &Context) -> Measurement {
    match &ctx.manifest.incident_response {
        Some(ir) => match ir.plan_public {
            Some(p) => Measurement::of(Value::Bool(p)).using(Fact::Table(Table::IncidentResponse)),
            None => Measurement::default(),
        },
        None => Measurement::default(),
    }
}

fn timelock_delay_hours(ctx: &Context) -> Measurement {
    match &ctx.manifest.timelock {
        Some(t) => {
            Measurement::of(Value::Number(t.delay_hours)).using(Fact::Table(Table::Timelock))
        }
        None => Measurement::default(),
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
        return Measurement::default();
    };
    let mut m = Measurement::default().using(Fact::Table(Table::Admin));
    let level = match a.control {
        AdminControl::Immutable => "immutable",
        AdminControl::Eoa => "eoa",
        AdminControl::Dao => {
            if ctx.manifest.timelock.is_some() {
                m = m.using(Fact::Table(Table::Timelock));
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
                m = m.noting(Note::WeakMultisig);
                "multisig-weak"
            }
        }
    };
    m.value = Some(Value::Level(level));
    m
}

fn upgradeability_model(ctx: &Context) -> Measurement {
    let Some(u) = &ctx.manifest.upgradeability else {
        return Measurement::default();
    };
    let mut m = Measurement::default().using(Fact::Table(Table::Upgradeability));
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
    if u.upgradeable && ctx.manifest.timelock.is_some() {
        m = m.using(Fact::Table(Table::Timelock));
    }
    m.value = Some(Value::Level(level));
    m
}

fn immutable_and_no_admin(ctx: &Context) -> Measurement {
    let (Some(u), Some(a)) = (&ctx.manifest.upgradeability, &ctx.manifest.admin) else {
        return Measurement::default();
    };
    Measurement::of(Value::Bool(
        !u.upgradeable && a.control == AdminControl::Immutable,
    ))
    .using(Fact::Table(Table::Upgradeability))
    .using(Fact::Table(Table::Admin))
}

fn bounty_vs_benchmark(ctx: &Context) -> Measurement {
    let Some(b) = &ctx.manifest.bug_bounty else {
        return Measurement::default();
    };
    if let Some(why) = outside_window(b.since, b.until, ctx.as_of) {
        let mut m = Measurement::of(Value::Number(0.0)).noting(Note::NoActiveBounty(why));
        m.set_aside(Fact::Table(Table::BugBounty), why);
        return m;
    }
    let benchmark = ctx
        .tvl()
        .map_or(BOUNTY_BENCHMARK_USD, |tvl| {
            BOUNTY_BENCHMARK_USD.min(tvl * 0.1)
        })
        .max(1.0);
    let mut m = Measurement::of(Value::Number(b.max_payout_usd / benchmark))
        .using(Fact::Table(Table::BugBounty))
        .noting(Note::Payout {
            max: b.max_payout_usd,
            benchmark,
        });
    if ctx.manifest.protocol.tvl_usd.is_some() {
        m = m.using(Fact::Table(Table::Tvl));
    }
    m
}

fn insurance_tvl_share(ctx: &Context) -> Measurement {
    let Some(policies) = &ctx.manifest.insurance else {
        return Measurement::default();
    };
    let Some(tvl) = ctx.tvl().filter(|t| *t > 0.0) else {
        return Measurement::default().noting(Note::NeedsTvl);
    };
    let mut m = Measurement::default().using(Fact::Table(Table::Tvl));
    let mut cover = 0.0;
    for (i, p) in policies.iter().enumerate() {
        match outside_window(p.since, p.until, ctx.as_of) {
            Some(why) => m.set_aside(Fact::Insurance(i), why),
            None => {
                cover += p.coverage_usd;
                m = m.using(Fact::Insurance(i));
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

fn incidents_record(ctx: &Context) -> Measurement {
    let past = past_incidents(ctx);
    let window_start = ctx.as_of.minus_days(RECENT_DAYS);
    let mut m = Measurement::default();
    for (i, _) in &past {
        m = m.using(Fact::Incident(*i));
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
        m = m.noting(Note::NoIncidents);
    }
    m.value = Some(Value::Level(level));
    m
}

fn incidents_unresolved(ctx: &Context) -> Measurement {
    let past = past_incidents(ctx);
    let mut m = Measurement::default();
    let mut n = 0;
    for (i, _) in past.iter().filter(|(_, i)| !i.resolved) {
        n += 1;
        m = m.using(Fact::Incident(*i));
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
    let mut m = Measurement::default();
    let mut n = 0;
    for (i, inc) in past.iter().filter(|(_, i)| !i.resolved) {
        if inc.loss_usd >= threshold {
            n += 1;
            m = m.using(Fact::Incident(*i));
        } else {
            m.set_aside(Fact::Incident(*i), Why::Immaterial { threshold });
        }
    }
    m.value = Some(Value::Number(f64::from(n)));
    m
}

fn maturity_days_without_loss(ctx: &Context) -> Measurement {
    let Some(launched) = ctx.manifest.protocol.launched else {
        return Measurement::default();
    };
    let mut since = launched;
    let mut last_loss = None;
    for (i, inc) in past_incidents(ctx) {
        if inc.loss_usd > 0.0 && inc.date > since {
            since = inc.date;
            last_loss = Some(i);
        }
    }
    let m = Measurement::of(Value::Number(since.days_until(ctx.as_of).max(0) as f64))
        .using(Fact::Table(Table::Launched));
    match last_loss {
        Some(i) => m.using(Fact::Incident(i)),
        None => m,
    }
}

fn not_a_fork(ctx: &Context) -> Measurement {
    match &ctx.manifest.lineage {
        None => Measurement::of(Value::Bool(true)),
        Some(_) => Measurement::of(Value::Bool(false)).using(Fact::Table(Table::Lineage)),
    }
}

/// Upstream incidents that affect the forked version and that the fork has not recorded as
/// resolved for itself (an own incident within two days of the upstream's, marked resolved).
fn inherited_unresolved(ctx: &Context) -> Measurement {
    let Some(lineage) = &ctx.manifest.lineage else {
        return Measurement::of(Value::Number(0.0)).noting(Note::NotAFork);
    };
    let upstream = match ctx.upstream {
        Upstream::Found(u) => u,
        Upstream::NotAFork | Upstream::Missing => {
            return Measurement::default().noting(Note::UpstreamMissing);
        }
    };
    let own = ctx.manifest.incidents.as_deref().unwrap_or_default();
    let mut m = Measurement::default().using(Fact::Table(Table::Lineage));
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
        let fixed_here = own
            .iter()
            .any(|o| o.resolved && o.date.days_until(inc.date).abs() <= 2);
        if fixed_here {
            m.set_aside(Fact::Inherited(i), Why::ResolvedHere);
        } else {
            open.push(i);
            m = m.using(Fact::Inherited(i));
        }
    }
    m.value = Some(Value::Number(open.len() as f64));
    if open.is_empty() {
        return m;
    }
    m.noting(Note::Inherited(open))
}

fn oracles_unused(ctx: &Context) -> Measurement {
    match &ctx.manifest.oracles {
        Some(o) => Measurement::of(Value::Bool(!o.used)).using(Fact::Table(Table::Oracles)),
        None => Measurement::default(),
    }
}

fn oracles_design(ctx: &Context) -> Measurement {
    let Some(o) = &ctx.manifest.oracles else {
        return Measurement::default();
    };
    // Whether the feeds resist manipulation is the fact that matters; unstated is unknown.
    if o.manipulation_resistant.is_none() {
        return Measurement::default().noting(Note::ResistanceUnstated);
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
    Measurement::of(Value::Level(level)).using(Fact::Table(Table::Oracles))
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

//! The format-neutral views the renderers read: what a report, a league row, a gap plan or a
//! backtest case shows, built once, in the words and numbers every format prints. A format
//! only lays these out (and escapes them its own way); it never works out a row again.

use serde::Serialize;

use super::{caps_text, effort_name, grade_words, kind_name, money, provisional_words};
use crate::core::analysis::backtest::{Backtest, Case};
use crate::core::analysis::diff::ControlChange;
use crate::core::analysis::forecast::{Change, Forecast, Moved, Outlook};
use crate::core::analysis::gaps::GapItem;
use crate::core::analysis::league::{League, LeagueRow, LeagueStamp};
use crate::core::analysis::portfolio::Portfolio;
use crate::core::report::{
    CategoryResult, Finding, GapKind, GateResult, GateStatus, Report, Score, Stamp, Standing,
    Status,
};
use crate::core::rubric::Grade;

/// The one rounding rule for numbers people read, in every format: half away from zero on
/// the decimal the value stands for. It is rounded to six more places first, since binary
/// floats miss most halves (0.685 is stored a hair above, 68.5 from a sum may land a hair
/// below), and a printed 68% beside 69% for one value is a contradiction.
pub(crate) fn round_shown(x: f64, places: i32) -> f64 {
    crate::core::report::round_to(crate::core::report::round_to(x, places + 6), places)
}

/// A metric value for people, in its catalogue unit: `1136 days`, `48 hours`, `$1.2M`, a share
/// as `83%`; counts, yes/no and levels as they are, unknown spelled out. Every format shows a
/// control's value through this.
pub(crate) fn value_with_unit(metric: &str, value: &serde_json::Value) -> String {
    use crate::core::metrics::{self, MetricKind, Unit};
    let unit = metrics::lookup(metric).and_then(|id| match metrics::def(id).kind {
        MetricKind::Number(u) => Some(u),
        _ => None,
    });
    let shown = super::show_json(value);
    match (unit, value.as_f64()) {
        (Some(Unit::Days), Some(x)) => format!("{shown} {}", if x == 1.0 { "day" } else { "days" }),
        (Some(Unit::Hours), Some(x)) => {
            format!("{shown} {}", if x == 1.0 { "hour" } else { "hours" })
        }
        (Some(Unit::Usd), Some(x)) => super::money(x),
        (Some(Unit::Ratio), Some(x)) => percent(x),
        _ => shown,
    }
}

/// A share as a whole percentage, by [`round_shown`]: `69%` for 0.685.
pub(crate) fn percent(x: f64) -> String {
    format!("{:.0}%", round_shown(x * 100.0, 0))
}

/// A grade as a view shows it: its label, and its rank on the scale (0 is the best), which
/// sets its colour where a format has colours.
#[derive(Debug, Clone, Serialize)]
pub struct GradeView {
    pub label: String,
    pub rank: usize,
    /// The colour class: the rank, the fifth and lower sharing the last colour.
    pub colour: usize,
}

impl GradeView {
    /// The view of a grade.
    pub fn of(g: &Grade) -> Self {
        Self {
            label: g.label.clone(),
            rank: g.rank,
            colour: g.rank.min(4),
        }
    }
}

/// One category of a report.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryView {
    pub title: String,
    /// The weight as written: `30`, `2.5`.
    pub weight: String,
    /// Score out of 100 to one decimal, or `n/a` when no control of it applies.
    pub score: String,
    /// The unrounded score, for charts; `None` when no control applies.
    #[serde(skip)]
    pub raw: Option<Score>,
}

impl CategoryView {
    fn of(c: &CategoryResult) -> Self {
        Self {
            title: c.title.clone(),
            weight: format!("{}", c.weight),
            score: c.score.map_or("n/a".into(), |s| s.to_string()),
            raw: c.score,
        }
    }
}

/// A source as a format can link it: an http(s) URL, other text, or nothing (self-attested).
#[derive(Debug, Clone, Serialize)]
pub struct SourceView {
    /// The source, trimmed, when it is an absolute http(s) URL: only these become links.
    pub url: Option<String>,
    /// The source, trimmed, when it is text that is not such a URL.
    pub text: Option<String>,
}

impl SourceView {
    /// How a source given as `source` shows.
    pub fn of(source: Option<&str>) -> Self {
        match source.map(str::trim) {
            Some(url) if super::markdown::is_web_url(url) => Self {
                url: Some(url.to_string()),
                text: None,
            },
            Some(text) if !text.is_empty() => Self {
                url: None,
                text: Some(text.to_string()),
            },
            _ => Self {
                url: None,
                text: None,
            },
        }
    }
}

/// One piece of evidence a control used: the fact, and its source as the manifest gives it.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceView {
    pub fact: String,
    pub source: Option<String>,
    pub link: SourceView,
}

impl EvidenceView {
    /// The view of one fact and its source.
    fn of(e: &crate::core::report::Evidence) -> Self {
        Self {
            fact: e.fact.clone(),
            source: e.source.clone(),
            link: SourceView::of(e.source.as_deref()),
        }
    }
}

/// A fact a control did not count, with the reason.
#[derive(Debug, Clone, Serialize)]
pub struct DisregardedView {
    pub fact: String,
    pub reason: String,
    pub source: Option<String>,
    pub link: SourceView,
}

impl DisregardedView {
    fn of(d: &crate::core::report::Disregarded) -> Self {
        Self {
            fact: d.fact.clone(),
            reason: d.reason.clone(),
            source: d.source.clone(),
            link: SourceView::of(d.source.as_deref()),
        }
    }
}

/// One control's row: what every format shows of a finding.
#[derive(Debug, Clone, Serialize)]
pub struct ControlView {
    pub id: String,
    pub title: String,
    pub category: String,
    /// `pass`, `partial`, `fail`, `unknown`, `not-found` or `n/a`.
    pub status: &'static str,
    /// The class of the status's colour: not found is a fail, n/a reads `na`.
    pub status_class: &'static str,
    /// The score from 0 to 1, to two decimals.
    pub score: String,
    /// The metric value for people (`unknown`, `48`, `multisig`).
    pub value: String,
    /// Points of the total lost, to one decimal.
    pub points_lost: String,
    /// The engine's note, empty when there is none.
    pub note: String,
    /// A known value that rests on facts without a source.
    pub self_attested: bool,
    pub evidence: Vec<EvidenceView>,
    pub disregarded: Vec<DisregardedView>,
}

impl ControlView {
    fn of(f: &Finding) -> Self {
        Self {
            id: f.control.0.clone(),
            title: f.title.clone(),
            category: f.category.clone(),
            status: f.status.as_str(),
            status_class: status_class(f.status),
            score: format!("{:.2}", f.score.0),
            value: value_with_unit(f.metric, &f.value),
            points_lost: format!("{:.1}", f.points_lost),
            note: f.note.clone().unwrap_or_default(),
            self_attested: f.status != Status::NotApplicable
                && f.status != Status::Unknown
                && !f.sourced,
            evidence: f.evidence.iter().map(EvidenceView::of).collect(),
            disregarded: f.disregarded.iter().map(DisregardedView::of).collect(),
        }
    }
}

/// The class a status's colour goes by.
pub fn status_class(s: Status) -> &'static str {
    match s {
        Status::Pass => "pass",
        Status::Partial => "partial",
        Status::Fail | Status::NotFound => "fail",
        Status::Unknown => "unknown",
        Status::NotApplicable => "na",
    }
}

/// One gate of a report.
#[derive(Debug, Clone, Serialize)]
pub struct GateView {
    pub id: String,
    pub title: String,
    pub cap: String,
    pub fails: bool,
    /// What triggered it, joined with `; `.
    pub triggered_by: String,
    pub reason: String,
    /// The facts behind the conditions that held, each with its source.
    pub facts: Vec<EvidenceView>,
    /// Those facts in one line, `incidents[0] 2025-11-03 exploit (https://...)`; empty when none.
    pub because: String,
    /// "The fact that sets it" or "The facts that set it".
    pub facts_intro: &'static str,
}

impl GateView {
    fn of(g: &GateResult) -> Self {
        Self {
            id: g.id.0.clone(),
            title: g.title.clone(),
            cap: g.cap.label.clone(),
            fails: g.status == GateStatus::Fails,
            triggered_by: g.triggered_by.join("; "),
            reason: g.reason.clone(),
            facts: g.facts.iter().map(EvidenceView::of).collect(),
            because: g
                .facts
                .iter()
                .map(|e| match &e.source {
                    Some(src) => format!("{} ({src})", e.fact),
                    None => format!("{} (self-attested)", e.fact),
                })
                .collect::<Vec<_>>()
                .join("; "),
            facts_intro: facts_that_set_it(g.facts.len()),
        }
    }
}

/// One gap of a report, in the order to close them.
#[derive(Debug, Clone, Serialize)]
pub struct GapView {
    /// A gate that caps the grade, rather than a control that loses points.
    pub gate: bool,
    pub id: String,
    /// The grade a gate caps at; empty for a control.
    pub caps_at: String,
    /// Points lost, to one decimal.
    pub points_lost: String,
    /// `low`, `medium`, `high`, or empty.
    pub effort: &'static str,
    pub action: String,
}

/// A what-if's change: the `--set`s, and the standing before them.
#[derive(Debug, Clone, Serialize)]
pub struct WhatIfView {
    /// The sets, joined with spaces.
    pub sets: String,
    pub before_score: String,
    pub before_grade: String,
    /// "capped by X" or "no cap", before and after.
    pub before_caps: String,
    pub after_caps: String,
}

/// The range of a report whose unknowns could change its grade.
#[derive(Debug, Clone, Serialize)]
pub struct RangeView {
    pub low_grade: String,
    pub low_score: String,
    pub high_grade: String,
    pub high_score: String,
}

/// A file as a stamp names it.
#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    pub path: String,
    pub sha256: String,
}

/// What produced a report: tool, rubric, files and date.
#[derive(Debug, Clone, Serialize)]
pub struct StampView {
    pub tool: String,
    pub rubric_id: String,
    pub rubric_version: String,
    pub rubric_sha256: String,
    pub manifest: FileView,
    pub upstream: Option<FileView>,
    pub evaluated_as_of: String,
}

impl StampView {
    /// The view of a stamp.
    pub fn of(s: &Stamp) -> Self {
        Self {
            tool: s.tool.clone(),
            rubric_id: s.rubric.id.clone(),
            rubric_version: s.rubric.version.clone(),
            rubric_sha256: s.rubric.sha256.clone(),
            manifest: FileView {
                path: s.manifest.path.clone(),
                sha256: s.manifest.sha256.clone(),
            },
            upstream: s.upstream.as_ref().map(|u| FileView {
                path: u.path.clone(),
                sha256: u.sha256.clone(),
            }),
            evaluated_as_of: s.evaluated_as_of.to_string(),
        }
    }
}

/// Everything a full report shows, built once from a [`Report`] for every format but JSON
/// (which is the report's own serialisation).
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub name: String,
    pub id: String,
    pub kind: String,
    pub facts_as_of: String,
    pub evaluated_as_of: String,
    pub grade: GradeView,
    /// "D" or "D (provisional, up to B)".
    pub grade_words: String,
    /// "provisional, up to B", when the grade is provisional.
    pub provisional_words: Option<String>,
    pub provisional: bool,
    /// The grade if every unknown control were at full marks.
    pub high_grade: String,
    /// Score out of 100, to one decimal.
    pub score: String,
    /// Confidence from 0 to 1, unrounded.
    pub confidence: f64,
    /// Confidence as a whole percentage, `92%`.
    pub confidence_percent: String,
    pub grade_before_caps: String,
    /// A gate set the grade below what the score alone earns.
    pub capped: bool,
    /// The failing gate that sets the grade.
    pub cap: Option<GateView>,
    /// The id of that gate.
    pub capped_by: Option<String>,
    /// Failing gates, binding or not.
    pub failing: Vec<GateView>,
    /// "capped by X" or "no cap".
    pub caps_text: String,
    pub what_if: Option<WhatIfView>,
    /// Present when the top of the range differs from the headline.
    pub range: Option<RangeView>,
    pub warnings: Vec<String>,
    pub tvl_usd: Option<f64>,
    /// TVL in money, `unknown` when not stated.
    pub tvl: String,
    pub forked_from: Option<String>,
    pub categories: Vec<CategoryView>,
    pub controls: Vec<ControlView>,
    /// Disregarded evidence across controls, each (fact, reason) once.
    pub disregarded: Vec<DisregardedView>,
    pub gates: Vec<GateView>,
    pub gaps: Vec<GapView>,
    /// For a provisional grade, what to research first, best first.
    pub research: Vec<ResearchView>,
    /// The dates in the year ahead on which the result changes with no new facts, one line each.
    pub forecast: Vec<AheadView>,
    pub stamp: StampView,
    /// "B with 1 waiver, F without", when waivers name the protocol.
    pub waiver_line: Option<String>,
    /// Every waiver naming the protocol, with what became of it.
    pub waivers: Vec<WaiverView>,
    /// The config file the report was graded under, and its sha256.
    pub config: Option<String>,
}

/// One date ahead on which the result changes, as every format lists it.
#[derive(Debug, Clone, Serialize)]
pub struct AheadView {
    pub date: String,
    pub falls: bool,
    /// `grade B -> C, score 72.0 -> 69.6: audit-recency loses points; cap added: three-pillars`.
    pub line: String,
}

impl AheadView {
    fn of(a: &crate::core::report::Ahead) -> Self {
        let (before, after) = (&a.before, &a.after);
        let mut line = if before.grade == after.grade {
            format!(
                "score {} -> {}, grade {}",
                before.score, after.score, after.grade
            )
        } else {
            format!(
                "grade {} -> {}, score {} -> {}",
                before.grade, after.grade, before.score, after.score
            )
        };
        let mut why = Vec::new();
        if !a.regressed.is_empty() {
            why.push(format!("{} loses points", a.regressed.join(", ")));
        }
        if !a.improved.is_empty() {
            why.push(format!("{} wins points", a.improved.join(", ")));
        }
        if !a.caps_added.is_empty() {
            why.push(format!("cap added: {}", a.caps_added.join(", ")));
        }
        if !a.caps_lifted.is_empty() {
            why.push(format!("cap lifted: {}", a.caps_lifted.join(", ")));
        }
        why.extend(
            a.waivers.iter().map(|w| {
                crate::core::waiver::turned(w.control.as_ref(), w.gate.as_ref(), w.status)
            }),
        );
        if !why.is_empty() {
            line.push_str(": ");
            line.push_str(&why.join("; "));
        }
        Self {
            date: a.date.to_string(),
            falls: after.grade.rank > before.grade.rank,
            line,
        }
    }
}

/// One unknown control worth stating, as every format lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ResearchView {
    pub control: String,
    pub title: String,
    /// `state monitoring: up to +10.0 points, D -> C` (or `D, unchanged`).
    pub line: String,
}

impl ResearchView {
    fn of(r: &crate::core::report::Research) -> Self {
        let grades = if r.grade_after == r.grade_before {
            format!("{}, unchanged", r.grade_before.label)
        } else {
            format!("{} -> {}", r.grade_before.label, r.grade_after.label)
        };
        Self {
            control: r.control.clone(),
            title: r.title.clone(),
            line: format!("state {}: up to +{} points, {grades}", r.control, r.points),
        }
    }
}

/// One waiver as every format lists it.
#[derive(Debug, Clone, Serialize)]
pub struct WaiverView {
    /// `control` or `gate`.
    pub kind: &'static str,
    /// The control or gate id.
    pub target: String,
    /// applied, expired or unmatched.
    pub status: &'static str,
    pub reason: String,
    pub approved_by: String,
    pub approved: String,
    pub expires: String,
    /// What it changed, in words.
    pub changed: String,
}

impl WaiverView {
    /// The views of a report's waivers, in the config's order.
    pub fn all(r: &Report) -> Vec<Self> {
        r.waivers
            .iter()
            .map(|w| {
                let (kind, target) = match (&w.control, &w.gate) {
                    (Some(c), _) => ("control", c.0.clone()),
                    (_, Some(g)) => ("gate", g.0.clone()),
                    _ => ("control", String::new()),
                };
                Self {
                    kind,
                    target,
                    status: w.status.as_str(),
                    reason: w.reason.clone(),
                    approved_by: w.approved_by.clone(),
                    approved: w.approved.to_string(),
                    expires: w.expires.to_string(),
                    changed: w.changed.clone(),
                }
            })
            .collect()
    }
}

impl ReportView {
    /// The view of a report.
    pub fn of(r: &Report) -> Self {
        let p = &r.protocol;
        let mut seen = std::collections::BTreeSet::new();
        let disregarded = r
            .findings
            .iter()
            .flat_map(|f| &f.disregarded)
            .filter(|d| seen.insert((&d.fact, &d.reason)))
            .map(DisregardedView::of)
            .collect();
        Self {
            name: p.name.clone(),
            id: p.id.clone(),
            kind: kind_name(p.kind),
            facts_as_of: p.as_of.to_string(),
            evaluated_as_of: r.stamp.evaluated_as_of.to_string(),
            grade: GradeView::of(&r.grade),
            grade_words: grade_words(&r.grade, r.provisional, &r.range.high.grade),
            provisional_words: provisional_words(&r.grade, r.provisional, &r.range.high.grade),
            provisional: r.provisional,
            high_grade: r.range.high.grade.label.clone(),
            score: r.score.to_string(),
            confidence: r.confidence.0,
            confidence_percent: percent(r.confidence.0),
            grade_before_caps: r.grade_before_caps.label.clone(),
            capped: r.grade != r.grade_before_caps,
            cap: r
                .gates
                .iter()
                .find(|g| Some(&g.id) == r.capped_by.as_ref())
                .map(GateView::of),
            capped_by: r.capped_by.as_ref().map(|g| g.0.clone()),
            failing: r
                .gates
                .iter()
                .filter(|g| g.status == GateStatus::Fails)
                .map(GateView::of)
                .collect(),
            caps_text: caps_text(r.capped_by.as_ref()),
            what_if: r.what_if.as_ref().map(|w| WhatIfView {
                sets: w.sets.join(" "),
                before_score: w.before.score.to_string(),
                before_grade: w.before.grade.label.clone(),
                before_caps: caps_text(w.before.capped_by.as_ref()),
                after_caps: caps_text(r.capped_by.as_ref()),
            }),
            range: (r.range.high != r.range.low).then(|| RangeView {
                low_grade: r.range.low.grade.label.clone(),
                low_score: r.range.low.score.to_string(),
                high_grade: r.range.high.grade.label.clone(),
                high_score: r.range.high.score.to_string(),
            }),
            warnings: r.warnings.clone(),
            tvl_usd: p.tvl_usd,
            tvl: tvl(p.tvl_usd),
            forked_from: p.forked_from.clone(),
            categories: r.categories.iter().map(CategoryView::of).collect(),
            controls: r.findings.iter().map(ControlView::of).collect(),
            disregarded,
            gates: r.gates.iter().map(GateView::of).collect(),
            gaps: r
                .gaps
                .iter()
                .map(|g| GapView {
                    gate: g.kind == GapKind::Gate,
                    id: g.id.clone(),
                    caps_at: g
                        .caps_at
                        .as_ref()
                        .map_or(String::new(), |c| c.label.clone()),
                    points_lost: format!("{:.1}", g.points_lost),
                    effort: g.effort.map_or("", effort_name),
                    action: g.action.clone(),
                })
                .collect(),
            research: r
                .value_of_information
                .iter()
                .map(ResearchView::of)
                .collect(),
            forecast: r.forecast.iter().map(AheadView::of).collect(),
            stamp: StampView::of(&r.stamp),
            waiver_line: crate::core::waiver::headline(r),
            waivers: WaiverView::all(r),
            config: r
                .stamp
                .config
                .as_ref()
                .map(|c| format!("{} (sha256 {})", c.path, c.sha256)),
        }
    }
}

/// Money, or `unknown` when not stated (a sum of nothing is unknown too).
pub fn tvl(x: Option<f64>) -> String {
    x.filter(|t| *t > 0.0).map_or("unknown".into(), usd)
}

/// `$1.2B`; a negative zero (an empty sum) shows as `$0`.
pub fn usd(x: f64) -> String {
    money(if x == 0.0 { 0.0 } else { x })
}

/// One row of a league table, in league order.
#[derive(Debug, Clone, Serialize)]
pub struct RowView {
    pub rank: usize,
    pub id: String,
    pub name: String,
    pub kind: String,
    pub as_of: String,
    pub grade: GradeView,
    pub grade_words: String,
    pub score: String,
    /// The capping gate's id, or `-`.
    pub capped_by: String,
    /// Confidence from 0 to 1, unrounded.
    pub confidence: f64,
    pub confidence_percent: String,
    /// "B 71.0": the grade and score before the what-if, on a what-if league.
    pub before_what_if: Option<String>,
}

impl RowView {
    fn of(r: &LeagueRow) -> Self {
        Self {
            rank: r.rank,
            id: r.id.clone(),
            name: r.name.clone(),
            kind: kind_name(r.kind),
            as_of: r.as_of.to_string(),
            grade: GradeView::of(&r.grade),
            grade_words: grade_words(&r.grade, r.provisional, &r.high_grade),
            score: r.score.to_string(),
            capped_by: r.capped_by.as_ref().map_or("-".into(), ToString::to_string),
            confidence: r.confidence.0,
            confidence_percent: percent(r.confidence.0),
            before_what_if: r
                .what_if
                .as_ref()
                .map(|w| format!("{} {}", w.before.grade, w.before.score)),
        }
    }
}

/// What a format made of one report of a league on the thread that graded it, handed back
/// with the report's row in league order. Opaque outside the renderers.
pub struct Prepared(pub(super) Part);

/// The kinds of [`Prepared`].
pub(super) enum Part {
    Nothing,
    /// The report's own rendering (CSV rows, a JSON document).
    Bytes(Vec<u8>),
    /// The report's view, laid out with the league.
    View(Box<ReportView>),
}

impl Prepared {
    /// Nothing made: the league shows only the row.
    pub fn nothing() -> Self {
        Self(Part::Nothing)
    }
}

/// One row of a league with what its format made of the full report.
pub struct LeagueEntry<'a> {
    row: &'a LeagueRow,
    prepared: Prepared,
}

impl LeagueEntry<'_> {
    /// The row's cells, made when a format asks for them (JSON serialises the row itself).
    pub fn row(&self) -> RowView {
        RowView::of(self.row)
    }

    /// The report's rendering, when the format made one.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.prepared.0 {
            Part::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The report's view, when the format made one.
    pub fn report(&self) -> Option<&ReportView> {
        match &self.prepared.0 {
            Part::View(v) => Some(v),
            _ => None,
        }
    }
}

/// A ranked league as a format shows it: its rows in league order, each with what the
/// format made of its report, and the portfolio in words.
pub struct LeagueView<'a> {
    /// The league itself, for formats that serialise it (JSON).
    pub league: &'a League,
    pub stamp: &'a LeagueStamp,
    pub portfolio: &'a Portfolio,
    pub entries: Vec<LeagueEntry<'a>>,
    /// Any row is a what-if: tables add a "before" column.
    pub what_if: bool,
    /// The portfolio lines under the table.
    pub portfolio_lines: Vec<String>,
    /// How many reports the format wrote as they were graded, before the league.
    pub streamed: usize,
}

impl<'a> LeagueView<'a> {
    /// The view of a ranked league; `prepared` holds what the format made of each row's
    /// report, in league order (empty when it made nothing).
    pub fn new(league: &'a League, prepared: Vec<Prepared>, streamed: usize) -> Self {
        let mut prepared = prepared.into_iter();
        let entries = league
            .rows
            .iter()
            .map(|row| LeagueEntry {
                row,
                prepared: prepared.next().unwrap_or_else(Prepared::nothing),
            })
            .collect();
        Self {
            league,
            stamp: &league.stamp,
            portfolio: &league.portfolio,
            entries,
            what_if: league.what_if(),
            portfolio_lines: super::portfolio_summary(league),
            streamed,
        }
    }

    /// The full reports the format made, in league order.
    pub fn reports(&self) -> impl Iterator<Item = &ReportView> {
        self.entries.iter().filter_map(LeagueEntry::report)
    }

    /// What the format made of the reports, given back (to be freed off the caller's path).
    pub fn into_prepared(self) -> Vec<Prepared> {
        self.entries.into_iter().map(|e| e.prepared).collect()
    }
}

/// One row of a gap plan's table, as every format shows it.
#[derive(Debug, Clone, Serialize)]
pub struct GapRowView {
    pub gate: bool,
    pub id: String,
    pub title: String,
    /// The grade a gate caps at; empty for a control.
    pub caps_at: String,
    pub points_lost: String,
    pub effort: &'static str,
    /// The metric value now; empty for a gate.
    pub now: String,
    /// The next step's `--set`, its gain and the grade after it, when there is a next step.
    pub next: Option<NextStepView>,
    pub action: String,
    pub missing: Option<String>,
    pub disregarded: Vec<DisregardedView>,
}

/// The next step of a gap.
#[derive(Debug, Clone, Serialize)]
pub struct NextStepView {
    /// The manifest edits, `field=value`, space-separated; empty when the step is in words.
    pub set: String,
    /// The step in words when no field edit makes it.
    pub todo: Option<String>,
    /// `+1.5`.
    pub gain: String,
    pub after: GradeView,
}

impl GapRowView {
    /// The view of one item of a gap plan.
    pub fn of(item: &GapItem) -> Self {
        let gate = item.kind == GapKind::Gate;
        Self {
            gate,
            id: item.id.clone(),
            title: item.title.clone(),
            caps_at: item
                .caps_at
                .as_ref()
                .map_or(String::new(), |c| c.label.clone()),
            points_lost: format!("{:.1}", item.points_lost),
            effort: item.effort.map_or("", effort_name),
            now: if gate {
                String::new()
            } else {
                super::show_json(&item.current)
            },
            next: item.next.as_ref().map(|n| NextStepView {
                set: n.set.join(" "),
                todo: n.todo.clone(),
                gain: super::signed(n.gain_points),
                after: GradeView::of(&n.after.grade),
            }),
            action: item.action.clone(),
            missing: item.missing.clone(),
            disregarded: item.disregarded.iter().map(DisregardedView::of).collect(),
        }
    }
}

/// One incident of a backtest, as every format shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub incident_date: String,
    pub protocol: String,
    /// The loss in money.
    pub loss: String,
    pub cause: String,
    /// The snapshot's date, or `-`.
    pub graded_from: String,
    /// The grade the day before, when a snapshot was graded.
    pub grade: Option<GradeView>,
    /// The score, or `-`.
    pub score: String,
    /// The capping gate's id; `None` when nothing caps, or no snapshot was graded.
    pub capped_by: Option<String>,
    /// A snapshot was graded the day before.
    pub graded: bool,
    /// The capping gate's id, `-` when nothing caps, or why no snapshot was graded.
    pub cap: String,
    /// The number of time-matched controls, or why there is none.
    pub controls: String,
    /// The ids of the time-matched controls.
    pub matched: Vec<String>,
    /// The same, joined with `, `.
    pub matched_text: String,
    pub case_auc: String,
}

impl CaseView {
    /// The view of one case of a study.
    pub fn of(b: &Backtest, c: &Case) -> Self {
        let (controls, case_auc) = super::case_match_cells(b, c);
        Self {
            incident_date: c.incident_date.to_string(),
            protocol: c.protocol.clone(),
            loss: usd(c.loss_usd),
            cause: c.cause.clone(),
            graded_from: c.snapshot_as_of.map_or("-".into(), |d| d.to_string()),
            grade: c.before.as_ref().map(|s| GradeView::of(&s.grade)),
            score: c
                .before
                .as_ref()
                .map_or("-".into(), |s| s.score.to_string()),
            capped_by: c
                .before
                .as_ref()
                .and_then(|s| s.capped_by.as_ref().map(|g| g.0.clone())),
            graded: c.before.is_some(),
            cap: c.before.as_ref().map_or_else(
                || "no snapshot in the year before".into(),
                |s| s.capped_by.as_ref().map_or("-".into(), |g| g.0.clone()),
            ),
            controls,
            matched: c.matched.clone(),
            matched_text: c.matched.join(", "),
            case_auc,
        }
    }
}

/// One control's change between two evaluations.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeView {
    pub control: String,
    pub title: String,
    pub points: String,
    pub old_status: &'static str,
    pub old_class: &'static str,
    pub new_status: &'static str,
    pub new_class: &'static str,
    pub old_value: String,
    pub new_value: String,
    /// `sourced -> self-attested` (or back) when the control's evidence changed kind.
    pub evidence: Option<String>,
}

/// How a control's facts stand: all sourced, or resting on the protocol's word.
fn evidence_words(sourced: bool) -> &'static str {
    if sourced { "sourced" } else { "self-attested" }
}

/// The facts that made a gate fail, in words: `failing: audits.uncovered_core_components = 1,
/// above 0` for a cap added, `was failing: ...` for a cap lifted; none when the gate names none.
pub(crate) fn cap_because(
    c: &crate::core::analysis::diff::CapChange,
    lifted: bool,
) -> Option<String> {
    (!c.because.is_empty()).then(|| {
        format!(
            "{}failing: {}",
            if lifted { "was " } else { "" },
            c.because.join("; ")
        )
    })
}

/// A cap that came or went, in words: `unaudited-deployment (caps at D): Every deployed core
/// component is covered by an audit; failing: audits.uncovered_core_components = 1, above 0`.
/// How a cap banner introduces the facts behind its gate.
pub(crate) fn facts_that_set_it(n: usize) -> &'static str {
    if n == 1 {
        "The fact that sets it"
    } else {
        "The facts that set it"
    }
}

/// "C with 1 waiver, D without" for a gap report, when waivers name its protocol.
pub(crate) fn gaps_waiver_line(g: &crate::core::analysis::gaps::GapReport) -> Option<String> {
    crate::core::waiver::headline_of(&g.now.grade, &g.waivers, g.without_waivers.as_ref())
}

/// "waiver of control timelock: expired (it expired on ...)": a waiver whose status a diff
/// changed, with what it does now.
pub(crate) fn waiver_turn_text(w: &crate::core::report::WaiverResult) -> String {
    format!(
        "{} ({})",
        crate::core::waiver::turned(w.control.as_ref(), w.gate.as_ref(), w.status),
        w.changed.strip_prefix("nothing: ").unwrap_or(&w.changed)
    )
}

pub(crate) fn cap_change_text(c: &crate::core::analysis::diff::CapChange, lifted: bool) -> String {
    let mut text = format!("{} (caps at {}): {}", c.gate, c.cap.label, c.title);
    if let Some(because) = cap_because(c, lifted) {
        text.push_str("; ");
        text.push_str(&because);
    }
    text
}

impl ChangeView {
    /// The view of one control's change.
    pub fn of(c: &ControlChange) -> Self {
        Self {
            control: c.control.clone(),
            title: c.title.clone(),
            points: super::signed(c.points),
            old_status: c.old_status.as_str(),
            old_class: status_class(c.old_status),
            new_status: c.new_status.as_str(),
            new_class: status_class(c.new_status),
            old_value: value_with_unit(c.metric, &c.old_value),
            new_value: value_with_unit(c.metric, &c.new_value),
            evidence: (c.old_sourced != c.new_sourced).then(|| {
                format!(
                    "{} -> {}",
                    evidence_words(c.old_sourced),
                    evidence_words(c.new_sourced)
                )
            }),
        }
    }
}

/// One date of a forecast, for people: what changes and why.
#[derive(Debug, Clone, Serialize)]
pub struct ForecastChangeView {
    pub date: String,
    /// "grade B -> C, score 72.0 -> 69.6", or "score 51.9 -> 52.7, grade D" when it stays.
    pub headline: String,
    pub old_grade: String,
    pub new_grade: String,
    pub old_score: String,
    pub new_score: String,
    pub falls: bool,
    /// The controls that move, worst first, each with its note on the new date.
    pub controls: Vec<MovedView>,
    /// "caps added: gate (caps at D)", "cap lifted: gate" and "waiver of control X: expired"
    /// lines.
    pub caps: Vec<String>,
    /// The controls and gates whose waivers turn on this date, by id.
    pub waived: Vec<String>,
}

/// One control that moves on a forecast date.
#[derive(Debug, Clone, Serialize)]
pub struct MovedView {
    #[serde(flatten)]
    pub change: ChangeView,
    /// The control's note on the new date, else its value before and after.
    pub note: String,
}

impl ForecastChangeView {
    /// The view of one forecast date.
    pub fn of(c: &Change) -> Self {
        let moved = |m: &Moved| {
            let change = ChangeView::of(&m.change);
            let note = m
                .note
                .clone()
                .unwrap_or_else(|| format!("value {} -> {}", change.old_value, change.new_value));
            MovedView { change, note }
        };
        let (before, after) = (&c.before, &c.after);
        let headline = if before.grade == after.grade {
            format!(
                "score {} -> {}, grade {}",
                before.score, after.score, after.grade
            )
        } else {
            format!(
                "grade {} -> {}, score {} -> {}",
                before.grade, after.grade, before.score, after.score
            )
        };
        let mut caps: Vec<String> = c
            .caps_added
            .iter()
            .map(|g| format!("cap added: {} (caps at {}): {}", g.gate, g.cap, g.title))
            .collect();
        caps.extend(
            c.caps_lifted
                .iter()
                .map(|g| format!("cap lifted: {}: {}", g.gate, g.title)),
        );
        caps.extend(
            c.waivers.iter().map(|w| {
                crate::core::waiver::turned(w.control.as_ref(), w.gate.as_ref(), w.status)
            }),
        );
        let waived = c
            .waivers
            .iter()
            .filter_map(|w| {
                let id = w
                    .control
                    .as_ref()
                    .map(|c| &c.0)
                    .or(w.gate.as_ref().map(|g| &g.0))?;
                Some(format!("{id} (waiver {})", w.status.as_str()))
            })
            .collect();
        Self {
            date: c.date.to_string(),
            headline,
            old_grade: c.before.grade.label.clone(),
            new_grade: c.after.grade.label.clone(),
            old_score: c.before.score.to_string(),
            new_score: c.after.score.to_string(),
            falls: c.falls(),
            controls: c.regressed.iter().chain(&c.improved).map(moved).collect(),
            caps,
            waived,
        }
    }

    /// The controls that move and the waivers that turn, by id: the short "why" of a league row.
    pub fn why(&self) -> String {
        let ids: Vec<&str> = self
            .controls
            .iter()
            .map(|m| m.change.control.as_str())
            .chain(self.waived.iter().map(String::as_str))
            .collect();
        ids.join(", ")
    }
}

/// A forecast, for people.
#[derive(Debug, Clone, Serialize)]
pub struct ForecastView {
    pub name: String,
    pub id: String,
    pub from: String,
    pub until: String,
    pub rubric: String,
    pub now: String,
    pub then: String,
    pub changes: Vec<ForecastChangeView>,
}

/// "B, score 72.0, no cap": a standing in words.
fn standing_words(s: &Standing) -> String {
    format!(
        "{}, score {}, {}",
        s.grade,
        s.score,
        caps_text(s.capped_by.as_ref())
    )
}

impl ForecastView {
    /// The view of one manifest's forecast.
    pub fn of(f: &Forecast) -> Self {
        Self {
            name: f.protocol.name.clone(),
            id: f.protocol.id.clone(),
            from: f.from.to_string(),
            until: f.until.to_string(),
            rubric: format!("{} {}", f.stamp.rubric.id, f.stamp.rubric.version),
            now: standing_words(&f.now),
            then: standing_words(&f.then),
            changes: f.changes.iter().map(ForecastChangeView::of).collect(),
        }
    }
}

/// One protocol whose grade falls, for people.
#[derive(Debug, Clone, Serialize)]
pub struct FallingView {
    pub file: String,
    pub id: String,
    pub name: String,
    pub from: String,
    pub now: String,
    /// "C 64.1": the grade and score on the start date.
    pub now_short: String,
    pub fall: ForecastChangeView,
    pub then: String,
}

/// A league's outlook, for people: the protocols whose grade falls, soonest first.
#[derive(Debug, Clone, Serialize)]
pub struct OutlookView {
    /// "within 90 days of each protocol's as_of" or "by 2027-01-01".
    pub horizon: String,
    pub rubric: String,
    pub protocols: usize,
    pub falling: Vec<FallingView>,
}

impl OutlookView {
    /// The view of a league's outlook.
    pub fn of(o: &Outlook) -> Self {
        let horizon = match (o.until, o.horizon_days, o.from) {
            (Some(d), _, _) => format!("by {d}"),
            (None, Some(n), Some(from)) => {
                format!("by {} ({n} days after {from})", from.plus_days(n))
            }
            (None, Some(n), None) => format!("within {n} days of each manifest's as_of"),
            (None, None, _) => String::new(),
        };
        Self {
            horizon,
            rubric: format!("{} {}", o.rubric.id, o.rubric.version),
            protocols: o.protocols,
            falling: o
                .falling
                .iter()
                .map(|f| FallingView {
                    file: f.file.clone(),
                    id: f.protocol.id.clone(),
                    name: f.protocol.name.clone(),
                    from: f.from.to_string(),
                    now: standing_words(&f.now),
                    now_short: format!("{} {}", f.now.grade, f.now.score),
                    fall: ForecastChangeView::of(&f.fall),
                    then: standing_words(&f.then),
                })
                .collect(),
        }
    }
}

/// The rows of a report for machine formats (CSV): the protocol's figures and each control's,
/// as numbers and ids rather than words. Far lighter than a [`ReportView`]: no evidence, gates
/// or gaps, which those formats leave out.
#[derive(Debug, Clone)]
pub struct RecordsView<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub kind: String,
    pub facts_as_of: String,
    pub evaluated_as_of: String,
    pub grade: &'a str,
    pub grade_before_caps: &'a str,
    /// Score out of 100, to one decimal.
    pub score: String,
    pub capped_by: Option<&'a str>,
    /// Confidence from 0 to 1, unrounded.
    pub confidence: f64,
    pub tvl_usd: Option<f64>,
    pub rubric_id: &'a str,
    pub rubric_version: &'a str,
    pub manifest_sha256: &'a str,
    pub provisional: bool,
    pub high_grade: &'a str,
    pub controls: Vec<ControlRecord<'a>>,
    /// "B with 1 waiver, F without", when waivers name the protocol.
    pub waiver_line: Option<String>,
    pub waivers: Vec<WaiverView>,
}

/// One control's row for machine formats.
#[derive(Debug, Clone)]
pub struct ControlRecord<'a> {
    pub id: &'a str,
    pub category: &'a str,
    pub status: &'static str,
    /// The score from 0 to 1, unrounded.
    pub score: f64,
    /// The metric the control scores, by its catalogue name.
    pub metric: &'static str,
    /// The metric value as the report has it (`null` when unknown).
    pub value: &'a serde_json::Value,
    /// Points of the total lost, unrounded.
    pub points_lost: f64,
    /// Every fact the control used has a source.
    pub sourced: bool,
}

impl<'a> RecordsView<'a> {
    /// The rows of a report.
    pub fn of(r: &'a Report) -> Self {
        let p = &r.protocol;
        let s = &r.stamp;
        Self {
            id: &p.id,
            name: &p.name,
            kind: kind_name(p.kind),
            facts_as_of: p.as_of.to_string(),
            evaluated_as_of: s.evaluated_as_of.to_string(),
            grade: &r.grade.label,
            grade_before_caps: &r.grade_before_caps.label,
            score: r.score.to_string(),
            capped_by: r.capped_by.as_ref().map(|g| g.0.as_str()),
            confidence: r.confidence.0,
            tvl_usd: p.tvl_usd,
            rubric_id: &s.rubric.id,
            rubric_version: &s.rubric.version,
            manifest_sha256: &s.manifest.sha256,
            provisional: r.provisional,
            high_grade: &r.range.high.grade.label,
            controls: r
                .findings
                .iter()
                .map(|f| ControlRecord {
                    id: &f.control.0,
                    category: &f.category,
                    status: f.status.as_str(),
                    score: f.score.0,
                    metric: f.metric,
                    value: &f.value,
                    points_lost: f.points_lost,
                    sourced: f.sourced,
                })
                .collect(),
            waiver_line: crate::core::waiver::headline(r),
            waivers: WaiverView::all(r),
        }
    }
}

/// How loud a CI finding is: a failing control or a capping gate is an error, a partial
/// control a warning, an unknown one a note (SARIF's levels; GitHub's error, warning, notice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CiLevel {
    Error,
    Warning,
    Note,
}

impl CiLevel {
    /// SARIF's name of the level.
    pub fn as_str(self) -> &'static str {
        match self {
            CiLevel::Error => "error",
            CiLevel::Warning => "warning",
            CiLevel::Note => "note",
        }
    }
}

/// One control or gate of a rubric as a CI tool's rule: what it checks and how to satisfy it.
#[derive(Debug, Clone, Serialize)]
pub struct CiRuleView {
    pub id: String,
    /// `control` or `gate`.
    pub kind: &'static str,
    pub title: String,
    /// Why it matters and what to do.
    pub help: String,
    /// The category id, for a control.
    pub category: Option<String>,
    /// The control's weight within its category, as written.
    pub weight: Option<f64>,
    /// The grade a failing gate caps at.
    pub cap: Option<String>,
    /// The metrics it reads, by catalogue name.
    #[serde(skip)]
    pub metrics: Vec<&'static str>,
}

/// Every control and gate of a rubric, in rubric order (controls first), as CI rules.
#[derive(Debug, Clone)]
pub struct CiRulesView {
    pub rubric: String,
    pub rules: Vec<CiRuleView>,
}

impl CiRulesView {
    /// The rules of a rubric.
    pub fn of(r: &crate::core::rubric::Rubric) -> Self {
        use crate::core::metrics::def;
        let controls = r.controls.iter().map(|c| CiRuleView {
            id: c.id.0.clone(),
            kind: "control",
            title: c.title.clone(),
            help: format!("{}\n\nTo fix: {}", c.rationale.trim(), c.remediation.trim()),
            category: r.categories.get(c.category).map(|k| k.id.clone()),
            weight: Some(c.weight),
            cap: None,
            metrics: vec![def(c.metric).name],
        });
        let gates = r.gates.iter().map(|g| CiRuleView {
            id: g.id.0.clone(),
            kind: "gate",
            title: g.title.clone(),
            help: g.reason.trim().to_string(),
            category: None,
            weight: None,
            cap: Some(g.cap.label.clone()),
            metrics: g.when_any.iter().map(|c| def(c.metric).name).collect(),
        });
        Self {
            rubric: format!("{} {}", r.meta.id, r.meta.version),
            rules: controls.chain(gates).collect(),
        }
    }

    /// The position of a rule, by id and kind.
    pub fn index(&self, kind: &str, id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.kind == kind && r.id == id)
    }
}

/// One thing CI should flag: a control that does not pass (and is not n/a) or a gate that caps
/// the grade, at the line of the manifest table that decided it.
#[derive(Debug, Clone, Serialize)]
pub struct CiResultView {
    pub rule: String,
    /// `control` or `gate`.
    pub kind: &'static str,
    pub level: CiLevel,
    /// The control's status, or `caps` for a gate.
    pub status: &'static str,
    pub title: String,
    /// The status, the value and the fix, in a sentence or two.
    pub message: String,
    /// What to do, alone.
    pub fix: String,
    /// Points of the total lost, to one decimal (a gate: the grade it caps at).
    pub points_lost: String,
    /// The manifest path as given.
    pub file: String,
    /// The line of the table that decided it; 1 when the manifest has no such table.
    pub line: u32,
    /// Stable across edits of the file: a hash of the protocol id and the rule id.
    pub fingerprint: String,
}

/// What CI formats show of one report: its headline and its results.
#[derive(Debug, Clone, Serialize)]
pub struct CiView {
    pub id: String,
    pub name: String,
    pub file: String,
    pub grade_words: String,
    pub score: String,
    pub caps_text: String,
    pub rubric: String,
    pub evaluated_as_of: String,
    pub confidence_percent: String,
    pub results: Vec<CiResultView>,
}

/// The manifest table a metric reads (`timelock.delay_hours` reads `[timelock]`; economic
/// audits are `[[audits]]` of kind `economic`; maturity counts from `protocol.launched`).
pub fn table_of(metric: &str) -> &str {
    match metric.split('.').next().unwrap_or(metric) {
        "maturity" => "protocol",
        "economic_audits" => "audits",
        table => table,
    }
}

/// A fingerprint that survives edits elsewhere in the file: sha256 of protocol and rule id.
fn fingerprint(protocol: &str, kind: &str, rule: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("{protocol}\0{kind}\0{rule}").as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

impl CiView {
    /// The CI view of a report graded under the rubric `rules` describes.
    pub fn of(r: &Report, rules: &CiRulesView) -> Self {
        let file = r.stamp.manifest.path.clone();
        let id = r.protocol.id.clone();
        let line_of = |table: &str, not_found: bool| -> u32 {
            r.lines
                .of(table)
                .or_else(|| not_found.then(|| r.lines.of("not_found")).flatten())
                .unwrap_or(1)
        };
        let mut results = Vec::new();
        for f in &r.findings {
            let level = match f.status {
                Status::Fail | Status::NotFound => CiLevel::Error,
                Status::Partial => CiLevel::Warning,
                Status::Unknown => CiLevel::Note,
                Status::Pass | Status::NotApplicable => continue,
            };
            let table = table_of(f.metric);
            let said = match f.status {
                Status::Unknown => format!(
                    "unknown: the manifest does not say (no [{table}] facts); state them with a source"
                ),
                Status::NotFound => format!(
                    "not found ({} = {}), a sourced no",
                    f.metric,
                    super::show_json(&f.value)
                ),
                _ => format!(
                    "{} ({} = {}), score {:.2}",
                    f.status.as_str(),
                    f.metric,
                    super::show_json(&f.value),
                    f.score.0
                ),
            };
            results.push(CiResultView {
                rule: f.control.0.clone(),
                kind: "control",
                level,
                status: f.status.as_str(),
                title: f.title.clone(),
                message: format!(
                    "{}: {said}; {:.1} points lost. To fix: {}",
                    f.title,
                    f.points_lost,
                    f.remediation.trim()
                ),
                fix: f.remediation.trim().to_string(),
                points_lost: format!("{:.1}", f.points_lost),
                file: file.clone(),
                line: line_of(table, f.status == Status::NotFound),
                fingerprint: fingerprint(&id, "control", &f.control.0),
            });
        }
        for g in &r.gates {
            if g.status != GateStatus::Fails || g.cap.rank <= r.grade_before_caps.rank {
                continue;
            }
            let rule = rules.index("gate", &g.id.0).map(|i| &rules.rules[i]);
            // The condition that held names its metric first ("incidents.unresolved = 1, ...").
            let metric = rule
                .and_then(|rule| {
                    rule.metrics.iter().find(|m| {
                        g.triggered_by
                            .iter()
                            .any(|t| t.starts_with(&format!("{m} ")))
                    })
                })
                .or_else(|| rule.and_then(|rule| rule.metrics.first()))
                .copied()
                .unwrap_or("protocol");
            let fix = r
                .gaps
                .iter()
                .find(|gap| gap.kind == GapKind::Gate && gap.id == g.id.0)
                .map_or_else(|| g.reason.clone(), |gap| gap.action.clone());
            results.push(CiResultView {
                rule: g.id.0.clone(),
                kind: "gate",
                level: CiLevel::Error,
                status: "caps",
                title: g.title.clone(),
                // The gate's gap action says why it caps and what held.
                message: format!(
                    "{}: caps the grade at {}. {}",
                    g.title,
                    g.cap.label,
                    fix.trim()
                ),
                fix: fix.trim().to_string(),
                points_lost: format!("caps at {}", g.cap.label),
                file: file.clone(),
                line: line_of(table_of(metric), true),
                fingerprint: fingerprint(&id, "gate", &g.id.0),
            });
        }
        Self {
            id,
            name: r.protocol.name.clone(),
            file,
            grade_words: grade_words(&r.grade, r.provisional, &r.range.high.grade),
            score: r.score.to_string(),
            caps_text: caps_text(r.capped_by.as_ref()),
            rubric: rules.rubric.clone(),
            evaluated_as_of: r.stamp.evaluated_as_of.to_string(),
            confidence_percent: percent(r.confidence.0),
            results,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_round_away_from_zero_as_the_decimal_they_stand_for() {
        // 0.685 is stored above the half, 0.285 * 100 lands below it (28.499999999999996),
        // 0.125 and 0.625 are exact: each is a half and goes up.
        assert_eq!(percent(0.685), "69%");
        assert_eq!(percent(0.285), "29%");
        assert_eq!(percent(0.125), "13%");
        assert_eq!(percent(0.625), "63%");
        assert_eq!(percent(0.6849), "68%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(round_shown(2.675, 2), 2.68);
        assert_eq!(round_shown(-0.5, 0), -1.0);
    }
}

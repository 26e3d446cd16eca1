//! Gap analysis: what each lost point would take to win back, and the cheapest set of
//! improvements that reaches a target grade, verified by scoring again (never estimated).
//!
//! Pure, like the engine: it re-evaluates the same inputs with hypothetical metric values.

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::Serialize;

use crate::core::analysis::whatif::{self, Edit};
use crate::core::date::Date;
use crate::core::engine::{self, show_value, value_json};
use crate::core::manifest::Manifest;
use crate::core::metrics::{self, MetricId, MetricKind, Upstream, Value};
use crate::core::report::{
    Disregarded, GapKind, GateStatus, ProtocolSummary, Ratio, Report, Stamp, Standing, Status,
};
use crate::core::rubric::{Control, Effort, Grade, Rubric, Scoring, Test};

/// Metrics no action can change: only time (or history) moves them.
const HISTORY: &[&str] = &["maturity.days_without_loss", "incidents.record"];

/// Everything needed to score the same manifest again under what-if edits.
pub struct Scorer<'a> {
    /// The rubric to score with.
    pub rubric: &'a Rubric,
    /// The manifest as given, before any what-if.
    pub manifest: &'a Manifest,
    /// The evaluation date.
    pub as_of: Date,
    /// The upstream manifest, for a fork.
    pub upstream: Upstream<'a>,
    /// What-ifs already asked for by the user (`--set`), kept under every re-score.
    pub base: Vec<Edit>,
    /// The stamp every re-scored report carries.
    pub stamp: Stamp,
}

impl Scorer<'_> {
    /// Scores with the base edits and then `extra`, exactly as `--set` would; `None` when an
    /// edit does not fit the manifest.
    pub fn score(&self, extra: &[Edit]) -> Option<Report> {
        let edits: Vec<Edit> = self.base.iter().chain(extra).cloned().collect();
        let (manifest, overrides) = whatif::apply(self.manifest, &edits).ok()?;
        Some(engine::evaluate_with(
            self.rubric,
            &manifest,
            self.as_of,
            self.upstream,
            &overrides,
            self.stamp.clone(),
        ))
    }

    /// The standing alone under `extra`, without a report's words: the same numbers as
    /// [`Scorer::score`], for a fraction of its cost. Steps and plans compare only these.
    pub fn standing(&self, extra: &[Edit]) -> Option<Standing> {
        let edits: Vec<Edit> = self.base.iter().chain(extra).cloned().collect();
        let (manifest, overrides) = whatif::apply(self.manifest, &edits).ok()?;
        let s = engine::summarise(
            self.rubric,
            &manifest,
            self.as_of,
            self.upstream,
            &overrides,
        );
        Some(Standing {
            score: s.score,
            grade: s.grade,
            capped_by: s.capped_by,
        })
    }
}

/// Standings already worked out, by the edits that gave them: the controls that read one
/// metric ask for the same edit, so a rubric of hundreds of controls costs a score per edit,
/// not per control.
struct Standings<'s, 'a> {
    scorer: &'s Scorer<'a>,
    seen: HashMap<String, Option<Standing>>,
}

impl<'s, 'a> Standings<'s, 'a> {
    fn new(scorer: &'s Scorer<'a>) -> Self {
        Self {
            scorer,
            seen: HashMap::new(),
        }
    }

    /// The standing under `extra`, scored once per list of edits.
    fn of(&mut self, extra: &[Edit]) -> Option<Standing> {
        // An edit is its name and value: the rest is worked out from them.
        let key: String = extra
            .iter()
            .map(|e| format!("{}={}\n", e.name, e.value))
            .collect();
        let scorer = self.scorer;
        self.seen
            .entry(key)
            .or_insert_with(|| scorer.standing(extra))
            .clone()
    }
}

/// The smallest improvement of one control, and what it buys.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NextStep {
    /// As a what-if: `metric=value`.
    pub set: String,
    /// The metric's value after the step.
    pub value: serde_json::Value,
    /// The control's credit after the step, from 0 to 1.
    pub control_score: Ratio,
    /// Points of the total score the step wins back (out of 100).
    pub gain_points: f64,
    /// Score, grade and cap after the step, verified by scoring again.
    pub after: Standing,
}

/// One lost point's source (a failing gate or a control below full marks) and what it takes to
/// win it back.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GapItem {
    /// Whether the item is a failing gate or a control that loses points.
    pub kind: GapKind,
    /// The id of the gate or control.
    pub id: String,
    /// The gate's or control's name.
    pub title: String,
    /// Points of the total score lost (out of 100).
    pub points_lost: f64,
    /// For a gate: the grade it holds the protocol to.
    pub caps_at: Option<Grade>,
    /// How hard the fix is: low, medium or high (none for a gate).
    pub effort: Option<Effort>,
    /// The metric the control scores, by its catalogue name.
    pub metric: String,
    /// The metric's value now: a number, yes/no, a level, "none", or null when unknown.
    pub current: serde_json::Value,
    /// The control's outcome now (none for a gate).
    pub status: Option<Status>,
    /// The smallest improvement that raises the control's score, and what it buys.
    pub next: Option<NextStep>,
    /// What to do to close the gap.
    pub action: String,
    /// Evidence the manifest lacks: unknown facts, facts without a source.
    pub missing: Option<String>,
    /// Facts that were found but not counted, each with the reason.
    pub disregarded: Vec<Disregarded>,
}

/// One improvement of a plan, as a what-if the user can try.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PlanStep {
    /// Whether the step clears a gate or improves a control.
    pub kind: GapKind,
    /// The id of the gate or control.
    pub id: String,
    /// The what-if that makes the step: `metric=value`.
    pub set: String,
    /// How hard the step is: low, medium or high.
    pub effort: Effort,
}

/// The cheapest set of improvements found to reach a target grade.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Plan {
    /// The grade asked for.
    pub target: Grade,
    /// Whether the steps reach it.
    pub reached: bool,
    /// The improvements, in the order to make them.
    pub steps: Vec<PlanStep>,
    /// Standing after every step, verified by scoring again.
    pub after: Standing,
    /// Why the target cannot be reached, when it cannot.
    pub blocked_by: Option<String>,
}

/// What `posture gaps` reports: every lost point, and a plan to reach a target grade.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GapReport {
    /// The report layout's version; it changes when the JSON form does.
    pub report_format: u32,
    /// What produced the report (tool, rubric, manifest, date), so it can be re-verified.
    pub stamp: Stamp,
    /// Who the protocol is.
    pub protocol: ProtocolSummary,
    /// Score, grade and cap now.
    pub now: Standing,
    /// Every gap, in the order to fix it (the report's order).
    pub items: Vec<GapItem>,
    /// The plan to reach the target grade, when one is asked for (`--target`).
    pub plan: Option<Plan>,
}

/// A control's score before the self-attested multiplier.
fn raw_score(rubric: &Rubric, f: &crate::core::report::Finding) -> f64 {
    if f.sourced || rubric.self_attested == 0.0 {
        f.score.0
    } else {
        f.score.0 / rubric.self_attested
    }
}

/// The value reaching the lowest (`next`) or highest scoring step above `current`.
fn step_value(c: &Control, current: f64, best: bool) -> Option<(Value, f64)> {
    let pick = |options: Vec<(Value, f64)>| {
        let above = options.into_iter().filter(|(_, s)| *s > current + 1e-9);
        if best {
            above.max_by(|a, b| a.1.total_cmp(&b.1))
        } else {
            above.min_by(|a, b| a.1.total_cmp(&b.1))
        }
    };
    match &c.scoring {
        Scoring::Tiers(tiers) => pick(
            tiers
                .iter()
                .filter_map(|t| t.min.or(t.max).map(|v| (Value::Number(v), t.score)))
                .collect(),
        ),
        Scoring::Linear { to, .. } => pick(vec![(Value::Number(*to), 1.0)]),
        Scoring::Boolean(b) => pick(vec![(Value::Bool(*b), 1.0)]),
        Scoring::Levels(levels) => {
            let MetricKind::Level(allowed) = metrics::def(c.metric).kind else {
                return None;
            };
            pick(
                allowed
                    .iter()
                    .filter_map(|l| levels.get(*l).map(|s| (Value::Level(l), *s)))
                    .collect(),
            )
        }
    }
}

/// A value that makes a gate condition stop holding.
fn passing_value(metric: MetricId, test: &Test) -> Value {
    match (test, metrics::def(metric).kind) {
        (Test::Below(x), _) => Value::Number(*x),
        (Test::Above(x), _) => Value::Number(*x),
        (Test::Equals(_), MetricKind::Bool) => match test {
            Test::Equals(crate::core::rubric::Literal::Bool(b)) => Value::Bool(!b),
            _ => Value::Bool(false),
        },
        (Test::Equals(lit), MetricKind::Level(levels)) => {
            let other = levels
                .iter()
                .find(|l| lit != &crate::core::rubric::Literal::Text((**l).to_string()));
            Value::Level(other.copied().unwrap_or(levels[0]))
        }
        (Test::Equals(_), MetricKind::Number(_)) => Value::Number(-1.0),
    }
}

/// `metric=value`, exact, as `--set` takes it back.
fn set_arg(metric: MetricId, v: &Value) -> String {
    let value = match v {
        Value::Number(n) => format!("{n}"),
        other => show_value(other),
    };
    format!("{}={value}", metrics::def(metric).name)
}

/// The `--set` that puts a metric at a value (a field edit when the name is a field).
fn edit(metric: MetricId, v: &Value) -> Option<Edit> {
    Edit::parse(&set_arg(metric, v)).ok()
}

/// One improvement the planner may choose.
#[derive(Debug, Clone)]
struct Candidate {
    kind: GapKind,
    id: String,
    edit: Edit,
    effort: Effort,
    gain: f64,
}

/// Analyses the gaps of `base` (the report of `scorer` with no extra what-ifs).
pub fn analyse(scorer: &Scorer, base: &Report, target: Option<&Grade>) -> GapReport {
    let rubric = scorer.rubric;
    let mut standings = Standings::new(scorer);
    let mut items = Vec::new();
    for gap in &base.gaps {
        match gap.kind {
            GapKind::Gate => {
                let gate = rubric.gates.iter().find(|g| g.id.0 == gap.id);
                let result = base.gates.iter().find(|g| g.id.0 == gap.id);
                let (Some(gate), Some(result)) = (gate, result) else {
                    continue;
                };
                let metric = gate.when_any.first().map(|c| c.metric);
                let fix: Vec<Edit> = gate
                    .when_any
                    .iter()
                    .filter_map(|c| edit(c.metric, &passing_value(c.metric, &c.test)))
                    .collect();
                let Some(after) = standings.of(&fix) else {
                    continue;
                };
                items.push(GapItem {
                    kind: GapKind::Gate,
                    id: gap.id.clone(),
                    title: gap.title.clone(),
                    points_lost: 0.0,
                    caps_at: gap.caps_at.clone(),
                    effort: None,
                    metric: metric.map_or(String::new(), |m| metrics::def(m).name.to_string()),
                    current: serde_json::Value::Null,
                    status: None,
                    next: Some(NextStep {
                        set: fix
                            .iter()
                            .map(|e| format!("{}={}", e.name, e.value))
                            .collect::<Vec<_>>()
                            .join(" "),
                        value: serde_json::Value::Null,
                        control_score: Ratio(1.0),
                        gain_points: after.score.0 - base.score.0,
                        after,
                    }),
                    action: gate.reason.clone(),
                    missing: Some(result.triggered_by.join("; ")),
                    disregarded: Vec::new(),
                });
            }
            GapKind::Control => {
                let Some(c) = rubric.control(&gap.id) else {
                    continue;
                };
                let Some(f) = base.findings.iter().find(|f| f.control.0 == gap.id) else {
                    continue;
                };
                let raw = raw_score(rubric, f);
                let next = step_value(c, raw, false).and_then(|(v, s)| {
                    let after = standings.of(&[edit(c.metric, &v)?])?;
                    Some(NextStep {
                        set: set_arg(c.metric, &v),
                        value: value_json(Some(&v)),
                        control_score: Ratio(s),
                        gain_points: after.score.0 - base.score.0,
                        after,
                    })
                });
                let unsourced: Vec<&str> = f
                    .evidence
                    .iter()
                    .filter(|e| !crate::core::manifest::is_sourced(e.source.as_deref()))
                    .map(|e| e.fact.as_str())
                    .collect();
                let missing = if f.status == Status::Unknown {
                    Some(format!("unknown: the manifest does not state {}", f.metric))
                } else if !unsourced.is_empty() {
                    Some(format!("no source for: {}", unsourced.join(", ")))
                } else {
                    None
                };
                items.push(GapItem {
                    kind: GapKind::Control,
                    id: gap.id.clone(),
                    title: gap.title.clone(),
                    points_lost: gap.points_lost,
                    caps_at: None,
                    effort: Some(c.effort),
                    metric: f.metric.to_string(),
                    current: f.value.clone(),
                    status: Some(f.status),
                    next,
                    action: c.remediation.clone(),
                    missing,
                    disregarded: f.disregarded.clone(),
                });
            }
        }
    }
    let plan = target.map(|t| plan(scorer, &mut standings, base, t));
    GapReport {
        report_format: crate::core::report::REPORT_FORMAT,
        stamp: base.stamp.clone(),
        protocol: base.protocol.clone(),
        now: Standing::of(base),
        items,
        plan,
    }
}

fn reaches(r: &Standing, target: &Grade) -> bool {
    r.grade.rank <= target.rank
}

/// Greedy by effort then gain, verified by scoring, then pruned of steps the target does not need.
fn plan(scorer: &Scorer, standings: &mut Standings, base: &Report, target: &Grade) -> Plan {
    let rubric = scorer.rubric;
    let mut candidates = Vec::new();
    for f in base.findings.iter().filter(|f| f.points_lost > 1e-9) {
        let Some(c) = rubric.control(&f.control.0) else {
            continue;
        };
        if HISTORY.contains(&metrics::def(c.metric).name) {
            continue;
        }
        if let Some(e) =
            step_value(c, raw_score(rubric, f), true).and_then(|(v, _)| edit(c.metric, &v))
        {
            candidates.push(Candidate {
                kind: GapKind::Control,
                id: f.control.0.clone(),
                edit: e,
                effort: c.effort,
                gain: 0.0,
            });
        }
    }
    for g in base.gates.iter().filter(|g| g.status == GateStatus::Fails) {
        let Some(gate) = rubric.gates.iter().find(|x| x.id == g.id) else {
            continue;
        };
        for cond in &gate.when_any {
            let effort = rubric
                .controls
                .iter()
                .find(|c| c.metric == cond.metric)
                .map_or(Effort::Medium, |c| c.effort);
            if let Some(e) = edit(cond.metric, &passing_value(cond.metric, &cond.test)) {
                candidates.push(Candidate {
                    kind: GapKind::Gate,
                    id: g.id.0.clone(),
                    edit: e,
                    effort,
                    gain: 0.0,
                });
            }
        }
    }
    candidates.retain_mut(|c| match standings.of(std::slice::from_ref(&c.edit)) {
        Some(r) => {
            c.gain = r.score.0 - base.score.0;
            true
        }
        None => false,
    });
    candidates.sort_by(|a, b| {
        a.effort
            .cmp(&b.effort)
            .then(b.gain.total_cmp(&a.gain))
            .then_with(|| a.id.cmp(&b.id))
    });

    let edits = |list: &[Candidate]| list.iter().map(|c| c.edit.clone()).collect::<Vec<_>>();
    let mut applied: Vec<Candidate> = Vec::new();
    let mut now = Standing::of(base);
    for c in &candidates {
        if reaches(&now, target) {
            break;
        }
        applied.push(c.clone());
        match standings.of(&edits(&applied)) {
            Some(r) => now = r,
            None => {
                applied.pop();
            }
        }
    }
    let reached = reaches(&now, target);
    if reached {
        for i in (0..applied.len()).rev() {
            let mut fewer = applied.clone();
            fewer.remove(i);
            if let Some(r) = standings.of(&edits(&fewer)).filter(|r| reaches(r, target)) {
                applied = fewer;
                now = r;
            }
        }
    }
    let blocked_by = (!reached).then(|| {
        // The gates still failing are the words of a report: the one report the plan makes.
        let failing = scorer
            .score(&edits(&applied))
            .map(|r| r.gates)
            .unwrap_or_else(|| base.gates.clone());
        let held: Vec<String> = base
            .findings
            .iter()
            .filter(|f| HISTORY.contains(&f.metric) && f.points_lost > 1e-9)
            .map(|f| format!("{} ({:.1} points)", f.control, f.points_lost))
            .collect();
        let gates: Vec<String> = failing.iter().filter(|g| g.status == GateStatus::Fails).map(|g| format!("gate {} (caps at {})", g.id, g.cap)).collect();
        let mut why = format!(
            "with every actionable control at full marks and every gate passing, the best is {} ({})",
            now.score, now.grade
        );
        if !gates.is_empty() {
            why.push_str(&format!("; still failing: {}", gates.join(", ")));
        }
        if !held.is_empty() {
            why.push_str(&format!("; only time changes {}", held.join(", ")));
        }
        why
    });
    Plan {
        target: target.clone(),
        reached,
        steps: applied
            .iter()
            .map(|c| PlanStep {
                kind: c.kind,
                id: c.id.clone(),
                set: format!("{}={}", c.edit.name, c.edit.value),
                effort: c.effort,
            })
            .collect(),
        after: now,
        blocked_by,
    }
}

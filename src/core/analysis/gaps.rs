//! Gap analysis: what each lost point would take to win back, and the cheapest set of
//! improvements that reaches a target grade, verified by scoring again (never estimated).
//!
//! Pure, like the engine: it re-evaluates the same inputs with hypothetical metric values.

use schemars::JsonSchema;
use serde::Serialize;

use crate::core::analysis::whatif::{self, Edit};
use crate::core::date::Date;
use crate::core::engine::{self, show_value, value_json};
use crate::core::manifest::Manifest;
use crate::core::metrics::{self, MetricId, MetricKind, Upstream, Value};
use crate::core::report::{
    Bound, Disregarded, Finding, GapKind, GateStatus, ProtocolSummary, Ratio, Report, Stamp,
    Standing, Status, WaiverResult,
};
use crate::core::rubric::{Control, Effort, Grade, Rubric, Scoring, Test};
use crate::core::waiver::Waiver;

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
    /// The waivers naming the protocol, applied under every re-score as `score` applies them.
    pub waivers: Vec<&'a Waiver>,
}

impl Scorer<'_> {
    /// Scores with the base edits and then `extra`, exactly as `--set` would; `None` when an
    /// edit does not fit the manifest.
    pub fn score(&self, extra: &[Edit]) -> Option<Report> {
        let edits: Vec<Edit> = self.base.iter().chain(extra).cloned().collect();
        let (manifest, overrides) = whatif::apply(self.manifest, &edits).ok()?;
        let plain = engine::evaluate_with(
            self.rubric,
            &manifest,
            self.as_of,
            self.upstream,
            &overrides,
            self.stamp.clone(),
        );
        Some(engine::apply_waivers(
            self.rubric,
            plain,
            &manifest,
            self.upstream,
            &overrides,
            &self.waivers,
        ))
    }
}

/// The smallest improvement of one control, and what it buys.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NextStep {
    /// The manifest edits that make the step, each as `--set` takes it (`bug_bounty.
    /// max_payout_usd=1000000`); empty when no field edit does it (see `todo`).
    pub set: Vec<String>,
    /// The step in words when it is more than a field edit (a new audit, a fact to state).
    pub todo: Option<String>,
    /// The metric's value after the step.
    pub value: serde_json::Value,
    /// The control's credit after the step, from 0 to 1.
    pub control_score: Ratio,
    /// Points of the total score the step wins back (out of 100); for an unknown fact, the
    /// control's full points, what it is worth if true.
    pub gain_points: f64,
    /// Score, grade and cap after the step, verified by scoring again (for a step in words,
    /// by forcing the metric to the value the work would give).
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
    /// The manifest edits that make the step, each as `--set` takes it.
    pub set: Vec<String>,
    /// How hard the step is: low, medium or high.
    pub effort: Effort,
}

impl PlanStep {
    /// The step as `--set` flags, ready to paste after `posture score FILE`.
    pub fn flags(&self) -> String {
        self.set
            .iter()
            .map(|e| format!("--set {e}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
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
    /// Every waiver naming the protocol, as the report lists them: a waived control or gate is
    /// no gap while its waiver applies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<WaiverResult>,
    /// Score and grade without the waivers, when any names the protocol.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without_waivers: Option<Bound>,
}

/// A control's score before the self-attested multiplier.
fn raw_score(rubric: &Rubric, f: &Finding) -> f64 {
    if f.sourced || rubric.self_attested == 0.0 {
        f.score.0
    } else {
        f.score.0 / rubric.self_attested
    }
}

/// Every value that scores above `current`, lowest score first (the rubric's order among
/// equal scores); the best is last.
fn steps_above(c: &Control, current: f64) -> Vec<(Value, f64)> {
    let mut options: Vec<(Value, f64)> = match &c.scoring {
        Scoring::Tiers(tiers) => tiers
            .iter()
            .filter_map(|t| t.min.or(t.max).map(|v| (Value::Number(v), t.score)))
            .collect(),
        Scoring::Linear { to, .. } => vec![(Value::Number(*to), 1.0)],
        Scoring::Boolean(b) => vec![(Value::Bool(*b), 1.0)],
        Scoring::Levels(levels) => match metrics::def(c.metric).kind {
            MetricKind::Level(allowed) => allowed
                .iter()
                .filter_map(|l| levels.get(*l).map(|s| (Value::Level(l), *s)))
                .collect(),
            _ => Vec::new(),
        },
    };
    options.retain(|(_, s)| *s > current + 1e-9);
    options.sort_by(|a, b| a.1.total_cmp(&b.1));
    options
}

/// The value reaching the lowest (`next`) or highest scoring step above `current`.
pub(crate) fn step_value(c: &Control, current: f64, best: bool) -> Option<(Value, f64)> {
    let options = steps_above(c, current);
    if best {
        let top = options.last()?.1;
        options.into_iter().find(|(_, s)| *s >= top - 1e-9)
    } else {
        options.into_iter().next()
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

/// How a step is made: manifest edits a team can commit, or work that no one field states.
#[derive(Debug, Clone)]
enum Fix {
    /// Field edits, each `field=value` as `--set` takes it.
    Edits(Vec<String>),
    /// What to do, in words.
    Words(String),
}

/// The core components, as `` `name` version `` for a step in words.
fn core_components(m: &Manifest) -> String {
    let names: Vec<String> = m
        .components
        .iter()
        .filter(|c| c.core)
        .map(|c| format!("`{}` {}", c.name, c.version.0))
        .collect();
    if names.is_empty() {
        "the core components".to_string()
    } else {
        names.join(", ")
    }
}

/// The least share a bounty or cover step offers: a rubric tier that any amount at all reaches
/// (`min = 0.000001`) is met by a token dollar, which would be a trick, not a fix.
const LEAST_SHARE: f64 = 0.01;

/// A whole number of dollars, rounded up, so the edit reaches the tier it aims at.
fn dollars(x: f64) -> String {
    format!("{:.0}", x.max(0.0).ceil())
}

/// The manifest edits that put `metric` at `v`, or the work in words when no field edit does.
/// Never a trick: no timelock under 24 hours, and nothing that rewrites incident history or age.
fn fix(m: &Manifest, as_of: Date, metric: MetricId, v: &Value) -> Fix {
    let words = |w: String| Fix::Words(w);
    let edits = |e: Vec<String>| Fix::Edits(e);
    let name = metrics::def(metric).name;
    match (name, v) {
        ("bug_bounty.payout_vs_benchmark", Value::Number(r)) => {
            let benchmark = m
                .tvl()
                .map_or(metrics::BOUNTY_BENCHMARK_USD, |t| {
                    metrics::BOUNTY_BENCHMARK_USD.min(t * 0.1)
                })
                .max(1.0);
            edits(vec![format!(
                "bug_bounty.max_payout_usd={}",
                dollars(r.max(LEAST_SHARE) * benchmark)
            )])
        }
        ("insurance.tvl_share", Value::Number(share)) => {
            let Some(tvl) = m.tvl().filter(|t| *t > 0.0) else {
                return words("state the protocol's TVL (protocol.tvl_usd), with a source".into());
            };
            let active = |p: &crate::core::manifest::Insurance| {
                p.since.is_none_or(|d| d <= as_of) && p.until.is_none_or(|d| d >= as_of)
            };
            let policies = m.insurance.as_deref().unwrap_or_default();
            let cover: f64 = policies
                .iter()
                .filter(|p| active(p))
                .map(|p| p.coverage_usd)
                .sum();
            let wanted = share.max(LEAST_SHARE) * tvl;
            match policies.iter().position(active) {
                Some(i) => edits(vec![format!(
                    "insurance[{i}].coverage_usd={}",
                    dollars(policies[i].coverage_usd + wanted - cover)
                )]),
                None => words(format!(
                    "buy insurance cover of ${} and add it to [[insurance]] with its source",
                    dollars(wanted)
                )),
            }
        }
        ("incident_response.practices", Value::Number(n)) => {
            let ir = m.incident_response.as_ref();
            let drilled = ir
                .and_then(|ir| ir.last_drill)
                .is_some_and(|d| d <= as_of && d.days_until(as_of) <= 365);
            let have = [
                (
                    ir.is_some_and(|ir| ir.plan_public == Some(true)),
                    "incident_response.plan_public=true".to_string(),
                ),
                (
                    ir.is_some_and(|ir| ir.security_contact == Some(true)),
                    "incident_response.security_contact=true".to_string(),
                ),
                (drilled, format!("incident_response.last_drill={as_of}")),
            ];
            let count = have.iter().filter(|(h, _)| *h).count() as f64;
            let need = (n - count).max(0.0).ceil() as usize;
            edits(
                have.into_iter()
                    .filter(|(h, _)| !h)
                    .map(|(_, e)| e)
                    .take(need)
                    .collect(),
            )
        }
        ("incident_response.plan_public", Value::Bool(true)) => {
            edits(vec!["incident_response.plan_public=true".into()])
        }
        ("pause.state", Value::Level(level)) => {
            let expired = m
                .pause
                .as_ref()
                .and_then(|p| p.expires)
                .is_some_and(|e| e < as_of);
            if expired {
                return words("renew the emergency pause, whose window has ended, and state its new pause.expires with a source".into());
            }
            let mut e = Vec::new();
            if !m.pause.as_ref().is_some_and(|p| p.available) {
                e.push("pause.available=true".to_string());
            }
            if *level == "drilled" {
                e.push(format!("pause.last_drill={as_of}"));
            }
            edits(e)
        }
        ("timelock.delay_hours", Value::Number(h)) => {
            edits(vec![format!("timelock.delay_hours={}", h.max(24.0).ceil())])
        }
        ("monitoring.level", Value::Level(level)) => {
            edits(vec![format!("monitoring.level={level}")])
        }
        ("monitoring.level_rank", Value::Number(r)) => {
            let levels = match metrics::lookup("monitoring.level").map(|id| metrics::def(id).kind) {
                Some(MetricKind::Level(levels)) => levels,
                _ => &[][..],
            };
            let rank = r.max(0.0).ceil() as usize;
            let level = levels.get(rank).or(levels.last()).copied().unwrap_or("realtime");
            edits(vec![format!("monitoring.level={level}")])
        }
        ("admin.model", Value::Level(level)) => match *level {
            "multisig-strong" | "multisig-weak" => {
                let a = m.admin.as_ref();
                let signers = a.and_then(|a| a.signers).unwrap_or(7).max(4);
                let threshold = a
                    .and_then(|a| a.threshold)
                    .unwrap_or(0)
                    .max(4)
                    .max(signers.div_ceil(2));
                let multisig = a.is_some_and(|a| a.control == crate::core::manifest::AdminControl::Multisig);
                let mut e = Vec::new();
                if !multisig {
                    e.push("admin.control=multisig".to_string());
                }
                e.extend([
                    format!("admin.threshold={threshold}"),
                    format!("admin.signers={signers}"),
                    "admin.signers_public=true".into(),
                ]);
                edits(e)
            }
            "dao-timelocked" => {
                let delay = m.timelock.as_ref().map_or(0.0, |t| t.delay_hours);
                let is = |c| m.admin.as_ref().is_some_and(|a| a.control == c);
                let mut e = Vec::new();
                if !is(crate::core::manifest::AdminControl::Dao) {
                    e.push("admin.control=dao".to_string());
                }
                if delay < 24.0 {
                    e.push("timelock.delay_hours=48".into());
                }
                edits(e)
            }
            "dao" => edits(vec!["admin.control=dao".into()]),
            _ => words("renounce admin power (make the contracts immutable) and state it in [admin] with a source".into()),
        },
        ("upgradeability.model", Value::Level(level)) => match *level {
            "timelocked" => {
                let delay = m.timelock.as_ref().map_or(0.0, |t| t.delay_hours);
                edits(vec![format!("timelock.delay_hours={}", delay.max(48.0).ceil())])
            }
            _ => words("make the core contracts immutable and state it in [upgradeability] with a source".into()),
        },
        ("oracles.design", Value::Level(level)) => {
            let o = m.oracles.as_ref();
            let mut e = Vec::new();
            if level.starts_with("resistant")
                && o.is_none_or(|o| o.manipulation_resistant != Some(true))
            {
                e.push("oracles.manipulation_resistant=true".into());
            }
            if level.contains("fallback") && o.is_none_or(|o| o.fallback != Some(true)) {
                e.push("oracles.fallback=true".into());
            }
            if e.is_empty() {
                return words("change the oracle design and state it in [oracles] with a source".into());
            }
            edits(e)
        }
        ("audits.unresolved_critical", _) => {
            let open: Vec<String> = m
                .audits
                .iter()
                .flatten()
                .enumerate()
                .filter(|(_, a)| a.unresolved.is_some_and(|u| u.critical > 0))
                .map(|(i, _)| format!("audits[{i}].unresolved.critical=0"))
                .collect();
            if open.is_empty() {
                words("resolve the audits' unresolved critical findings and record it".into())
            } else {
                edits(open)
            }
        }
        ("audits.uncovered_core_components", _) | ("audits.min_firms_per_core_component", _) => words(format!(
            "commission an audit of {} and add it to [[audits]] with its source",
            core_components(m)
        )),
        ("audits.reputable_firms_covering", _) => words(format!(
            "commission an audit of {} by a firm on the rubric's reputable list and add it to [[audits]] with its source",
            core_components(m)
        )),
        ("audits.newest_covering_age_days", _) | ("audits.review_age_days", _) => words(format!(
            "commission a fresh review of {} and add it to [[audits]] with its source",
            core_components(m)
        )),
        ("economic_audits.recent_count", _) => words(
            "commission an economic audit and add it to [[audits]] with kind = \"economic\" and its source".into(),
        ),
        ("formal_verification.core_coverage", _) => words(format!(
            "formally verify {} and add it to [[formal_verification]] with its source",
            core_components(m)
        )),
        ("monitoring.tvl_coverage", _) | ("pause.tvl_coverage", _) | ("deployments.weakest_coverage", _) => words(
            "extend monitoring and the pause to every deployed chain and list them in monitoring.chains and pause.chains, with a source".into(),
        ),
        ("incidents.material_unresolved", _) | ("incidents.unresolved", _) => words(
            "resolve the open incident (make users whole, publish a postmortem) and then record it as resolved, with its source".into(),
        ),
        ("lineage.inherited_unresolved", _) => words(
            "fix the upstream vulnerability in the fork and record the upstream incident as resolved for this protocol, with its source".into(),
        ),
        ("incidents.record", _) | ("maturity.days_without_loss", _) => {
            words("only time changes this: no edit of the manifest can".into())
        }
        _ => words(format!("change the facts behind `{name}`")),
    }
}

/// The fix that clears one gate condition: for a level, the first other level a field edit
/// reaches (a multisig rather than "make it immutable"), else the work in words.
fn condition_fix(m: &Manifest, as_of: Date, c: &crate::core::rubric::GateCondition) -> Fix {
    let first = fix(m, as_of, c.metric, &passing_value(c.metric, &c.test));
    if let (Test::Equals(lit), MetricKind::Level(levels)) = (&c.test, metrics::def(c.metric).kind) {
        let other = levels
            .iter()
            .filter(|l| lit != &crate::core::rubric::Literal::Text((**l).to_string()))
            .map(|l| fix(m, as_of, c.metric, &Value::Level(l)))
            .find(|f| matches!(f, Fix::Edits(_)));
        if let Some(f) = other {
            return f;
        }
    }
    first
}

/// The fix as what-if edits; `None` for work in words or an edit that does not parse.
fn parsed(fix: &Fix) -> Option<Vec<Edit>> {
    match fix {
        Fix::Edits(list) if !list.is_empty() => list.iter().map(|e| Edit::parse(e).ok()).collect(),
        _ => None,
    }
}

/// The what-if that forces a metric, for the worth of work no field edit states.
fn forced(metric: MetricId, v: &Value) -> Option<Edit> {
    let value = match v {
        Value::Number(n) => format!("{n}"),
        other => show_value(other),
    };
    let edit = Edit::parse(&format!("{}={value}", metrics::def(metric).name)).ok()?;
    edit.metric().is_some().then_some(edit)
}

/// A control's credit before the self-attested multiplier, in a re-scored report.
fn control_raw(rubric: &Rubric, r: &Report, id: &str) -> Option<f64> {
    r.findings
        .iter()
        .find(|f| f.control.0 == id)
        .map(|f| raw_score(rubric, f))
}

/// Whether a gate passes in a re-scored report.
fn gate_passes(r: &Report, id: &str) -> bool {
    r.gates
        .iter()
        .find(|g| g.id.0 == id)
        .is_none_or(|g| g.status != GateStatus::Fails)
}

/// One improvement the planner may choose: always real manifest edits.
#[derive(Debug, Clone)]
struct Candidate {
    kind: GapKind,
    id: String,
    set: Vec<String>,
    edits: Vec<Edit>,
    effort: Effort,
    gain: f64,
}

/// The conditions of a failing gate that hold, by the words the report gives for each.
fn holding<'g>(
    gate: &'g crate::core::rubric::Gate,
    result: &crate::core::report::GateResult,
) -> Vec<&'g crate::core::rubric::GateCondition> {
    gate.when_any
        .iter()
        .filter(|c| {
            let name = metrics::def(c.metric).name;
            result
                .triggered_by
                .iter()
                .any(|t| t.split_whitespace().next() == Some(name))
        })
        .collect()
}

/// A gate's fix: the edits for every condition that holds, and the work in words for those
/// no field edit clears.
fn gate_fix(
    scorer: &Scorer,
    gate: &crate::core::rubric::Gate,
    result: &crate::core::report::GateResult,
) -> (Vec<String>, Vec<String>) {
    let (mut edits, mut words) = (Vec::new(), Vec::new());
    for c in holding(gate, result) {
        match condition_fix(scorer.manifest, scorer.as_of, c) {
            Fix::Edits(e) => edits.extend(e),
            Fix::Words(w) => words.push(w),
        }
    }
    (edits, words)
}

/// The next step of a control: edits verified to raise it, else the work in words.
fn control_step(scorer: &Scorer, base: &Report, c: &Control, f: &Finding) -> Option<NextStep> {
    let rubric = scorer.rubric;
    if f.status == Status::Unknown {
        let best = step_value(c, -1.0, true);
        let after = best
            .as_ref()
            .and_then(|(v, _)| scorer.score(&[forced(c.metric, v)?]))
            .unwrap_or_else(|| base.clone());
        return Some(NextStep {
            set: Vec::new(),
            todo: Some(format!(
                "state this fact ({}), with a source: worth {:.1} points if true",
                f.metric, f.max_points
            )),
            value: best.map_or(serde_json::Value::Null, |(v, _)| value_json(Some(&v))),
            control_score: Ratio(1.0),
            gain_points: f.max_points,
            after: Standing::of(&after),
        });
    }
    let raw = raw_score(rubric, f);
    for (v, _) in steps_above(c, raw) {
        let made = fix(scorer.manifest, scorer.as_of, c.metric, &v);
        if let Fix::Edits(set) = &made
            && let Some(edits) = parsed(&made)
            && let Some(after) = scorer.score(&edits)
            && let Some(now) = control_raw(rubric, &after, &c.id.0)
            && now > raw + 1e-9
        {
            let value = after
                .findings
                .iter()
                .find(|g| g.control == f.control)
                .map_or(serde_json::Value::Null, |g| g.value.clone());
            return Some(NextStep {
                set: set.clone(),
                todo: None,
                value,
                control_score: Ratio(now),
                gain_points: after.score.0 - base.score.0,
                after: Standing::of(&after),
            });
        }
    }
    let (v, s) = step_value(c, raw, false)?;
    let made = fix(scorer.manifest, scorer.as_of, c.metric, &v);
    let todo = match made {
        Fix::Words(w) => w,
        Fix::Edits(_) => c.remediation.clone(),
    };
    let after = scorer.score(&[forced(c.metric, &v)?])?;
    Some(NextStep {
        set: Vec::new(),
        todo: Some(todo),
        value: value_json(Some(&v)),
        control_score: Ratio(s),
        gain_points: after.score.0 - base.score.0,
        after: Standing::of(&after),
    })
}

/// Analyses the gaps of `base` (the report of `scorer` with no extra what-ifs).
pub fn analyse(scorer: &Scorer, base: &Report, target: Option<&Grade>) -> GapReport {
    let rubric = scorer.rubric;
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
                let (set, words) = gate_fix(scorer, gate, result);
                let verified = (!set.is_empty())
                    .then(|| parsed(&Fix::Edits(set.clone())))
                    .flatten()
                    .and_then(|e| scorer.score(&e))
                    .filter(|r| gate_passes(r, &gate.id.0));
                let next = match verified {
                    Some(after) if words.is_empty() => Some(NextStep {
                        set,
                        todo: None,
                        value: serde_json::Value::Null,
                        control_score: Ratio(1.0),
                        gain_points: after.score.0 - base.score.0,
                        after: Standing::of(&after),
                    }),
                    _ => {
                        let forced: Option<Vec<Edit>> = holding(gate, result)
                            .iter()
                            .map(|c| forced(c.metric, &passing_value(c.metric, &c.test)))
                            .collect();
                        forced.and_then(|e| scorer.score(&e)).map(|after| NextStep {
                            set: Vec::new(),
                            todo: Some(if words.is_empty() {
                                gate.reason.clone()
                            } else {
                                words.join("; ")
                            }),
                            value: serde_json::Value::Null,
                            control_score: Ratio(1.0),
                            gain_points: after.score.0 - base.score.0,
                            after: Standing::of(&after),
                        })
                    }
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
                    next,
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
                let next = control_step(scorer, base, c, f);
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
    let plan = target.map(|t| plan(scorer, base, t));
    GapReport {
        report_format: crate::core::report::REPORT_FORMAT,
        stamp: base.stamp.clone(),
        protocol: base.protocol.clone(),
        now: Standing::of(base),
        items,
        plan,
        waivers: base.waivers.clone(),
        without_waivers: base.without_waivers.clone(),
    }
}

fn reaches(r: &Report, target: &Grade) -> bool {
    r.grade.rank <= target.rank
}

/// Greedy by effort then gain, verified by scoring, then pruned of steps the target does not
/// need. Only manifest edits are candidates: work in words cannot be verified by scoring.
fn plan(scorer: &Scorer, base: &Report, target: &Grade) -> Plan {
    let rubric = scorer.rubric;
    let mut candidates = Vec::new();
    let mut beyond: Vec<String> = Vec::new();
    for f in base.findings.iter().filter(|f| f.points_lost > 1e-9) {
        let Some(c) = rubric.control(&f.control.0) else {
            continue;
        };
        if HISTORY.contains(&metrics::def(c.metric).name) {
            continue;
        }
        if f.status == Status::Unknown {
            beyond.push(format!("{} (state it, with a source)", f.control));
            continue;
        }
        // The best step a field edit makes; a better one that takes other work is noted.
        let options = steps_above(c, raw_score(rubric, f));
        let top = options.last().map_or(0.0, |o| o.1);
        let best = options.iter().rev().find_map(|(v, s)| {
            let made = fix(scorer.manifest, scorer.as_of, c.metric, v);
            match (&made, parsed(&made)) {
                (Fix::Edits(set), Some(edits)) => Some((set.clone(), edits, *s)),
                _ => None,
            }
        });
        match best {
            Some((set, edits, s)) => {
                if s < top - 1e-9 {
                    beyond.push(f.control.0.clone());
                }
                candidates.push(Candidate {
                    kind: GapKind::Control,
                    id: f.control.0.clone(),
                    set,
                    edits,
                    effort: c.effort,
                    gain: 0.0,
                });
            }
            None if !options.is_empty() => beyond.push(f.control.0.clone()),
            None => {}
        }
    }
    for g in base.gates.iter().filter(|g| g.status == GateStatus::Fails) {
        let Some(gate) = rubric.gates.iter().find(|x| x.id == g.id) else {
            continue;
        };
        for cond in holding(gate, g) {
            let effort = rubric
                .controls
                .iter()
                .find(|c| c.metric == cond.metric)
                .map_or(Effort::Medium, |c| c.effort);
            let made = condition_fix(scorer.manifest, scorer.as_of, cond);
            if let (Fix::Edits(set), Some(edits)) = (&made, parsed(&made)) {
                candidates.push(Candidate {
                    kind: GapKind::Gate,
                    id: g.id.0.clone(),
                    set: set.clone(),
                    edits,
                    effort,
                    gain: 0.0,
                });
            }
        }
    }
    candidates.retain_mut(|c| match scorer.score(&c.edits) {
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

    let edits = |list: &[Candidate]| {
        list.iter()
            .flat_map(|c| c.edits.iter().cloned())
            .collect::<Vec<_>>()
    };
    let mut applied: Vec<Candidate> = Vec::new();
    let mut now = base.clone();
    for c in &candidates {
        if reaches(&now, target) {
            break;
        }
        // A field an earlier step already sets keeps that step's value.
        let taken: Vec<&str> = applied
            .iter()
            .flat_map(|a| a.edits.iter().map(|e| e.name.as_str()))
            .collect();
        let keep: Vec<bool> = c
            .edits
            .iter()
            .map(|e| !taken.contains(&e.name.as_str()))
            .collect();
        if !keep.contains(&true) {
            continue;
        }
        let mut c = c.clone();
        let mut flags = keep.iter();
        c.edits.retain(|_| *flags.next().unwrap_or(&false));
        let mut flags = keep.iter();
        c.set.retain(|_| *flags.next().unwrap_or(&false));
        applied.push(c);
        match scorer.score(&edits(&applied)) {
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
            if let Some(r) = scorer.score(&edits(&fewer)).filter(|r| reaches(r, target)) {
                applied = fewer;
                now = r;
            }
        }
    }
    let blocked_by = (!reached).then(|| {
        let held: Vec<String> = base
            .findings
            .iter()
            .filter(|f| HISTORY.contains(&f.metric) && f.points_lost > 1e-9)
            .map(|f| format!("{} ({:.1} points)", f.control, f.points_lost))
            .collect();
        let gates: Vec<String> = now
            .gates
            .iter()
            .filter(|g| g.status == GateStatus::Fails)
            .map(|g| format!("gate {} (caps at {})", g.id, g.cap))
            .collect();
        let mut why = format!(
            "with every control a manifest edit can raise at its best, the best is {} ({})",
            now.score, now.grade
        );
        if !gates.is_empty() {
            why.push_str(&format!("; still failing: {}", gates.join(", ")));
        }
        if !beyond.is_empty() {
            why.push_str(&format!(
                "; needs work beyond a manifest edit: {}",
                beyond.join(", ")
            ));
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
                set: c.set.clone(),
                effort: c.effort,
            })
            .collect(),
        after: Standing::of(&now),
        blocked_by,
    }
}

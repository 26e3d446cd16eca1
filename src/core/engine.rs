//! The evaluator: metrics -> control scores -> categories -> grade -> gates -> gaps.
//!
//! Pure: it reads a rubric and a manifest already loaded, and returns a report.

use crate::core::as_of;
use crate::core::date::Date;
use crate::core::manifest::Manifest;
use crate::core::metrics::{self, Context, Fact, Measurement, MetricId, Upstream, Value};
use crate::core::report::{
    Bound, CategoryResult, Finding, Gap, GapKind, GateResult, GateStatus,
    PROVISIONAL_UNKNOWN_SHARE, ProtocolSummary, REPORT_FORMAT, Range, Ratio, Report, Score, Stamp,
    Status,
};
use crate::core::rubric::{GateId, Grade, Literal, Rubric, Scoring, Test, UnknownPolicy};
use crate::core::waiver::{self, Waived};
use crate::core::words::Words;
pub use crate::core::words::show_value;

/// Scores a control's metric value to [0, 1] before the evidence multiplier.
pub fn score_value(scoring: &Scoring, value: &Value) -> f64 {
    match (scoring, value) {
        (Scoring::Tiers(tiers), Value::Number(v)) => tiers
            .iter()
            .find(|t| match (t.min, t.max) {
                (Some(min), _) => *v >= min,
                (None, Some(max)) => *v <= max,
                (None, None) => false,
            })
            .map_or(0.0, |t| t.score),
        (Scoring::Linear { from, to }, Value::Number(v)) => {
            ((v - from) / (to - from)).clamp(0.0, 1.0)
        }
        (Scoring::Boolean(expected), Value::Bool(b)) => f64::from(u8::from(b == expected)),
        (Scoring::Levels(levels), Value::Level(l)) => levels.get(*l).copied().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Measures each metric at most once per evaluation.
struct Measurements<'a> {
    ctx: Context<'a>,
    cache: Vec<Option<Measurement>>,
}

impl<'a> Measurements<'a> {
    fn get(&mut self, id: MetricId) -> &Measurement {
        measured(&self.ctx, &mut self.cache, id)
    }
}

/// A metric's measurement, measured on first use.
fn measured<'m>(
    ctx: &Context,
    cache: &'m mut [Option<Measurement>],
    id: MetricId,
) -> &'m Measurement {
    cache[id.index()].get_or_insert_with(|| metrics::measure(id, ctx))
}

/// The JSON form of a metric value: null when unknown.
pub fn value_json(value: Option<&Value>) -> serde_json::Value {
    match value {
        None => serde_json::Value::Null,
        Some(Value::Number(n)) => {
            serde_json::Number::from_f64(crate::core::report::round_to(*n, 4))
                .map_or(serde_json::Value::Null, serde_json::Value::Number)
        }
        Some(Value::Bool(b)) => serde_json::Value::Bool(*b),
        Some(Value::Level(l)) => serde_json::Value::String((*l).to_string()),
        Some(Value::None) => serde_json::Value::String("none".into()),
    }
}

/// Whether a gate condition holds for a measured value.
fn condition_holds(test: &Test, m: &Measurement, policy: UnknownPolicy) -> bool {
    let Some(value) = &m.value else {
        return policy == UnknownPolicy::Fails;
    };
    match (test, value) {
        (_, Value::None) => true,
        (Test::Below(x), Value::Number(v)) => v < x,
        (Test::Above(x), Value::Number(v)) => v > x,
        (Test::Equals(Literal::Number(x)), Value::Number(v)) => v == x,
        (Test::Equals(Literal::Bool(x)), Value::Bool(v)) => v == x,
        (Test::Equals(Literal::Text(x)), Value::Level(v)) => x == v,
        _ => false,
    }
}

/// A condition that holds, for people: the metric, its value and the test.
fn describe_condition(test: &Test, name: &str, m: &Measurement) -> String {
    let Some(value) = &m.value else {
        return format!("{name} is unknown");
    };
    let shown = show_value(value);
    match test {
        Test::Below(x) => format!("{name} = {shown}, below {x}"),
        Test::Above(x) => format!("{name} = {shown}, above {x}"),
        Test::Equals(x) => format!("{name} = {x}"),
    }
}

/// Metric values forced by a what-if (`--set metric=value`), replacing what the manifest says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides(pub Vec<(MetricId, Value)>);

impl Overrides {
    /// Sets (or replaces) one metric's value.
    pub fn set(&mut self, id: MetricId, value: Value) {
        self.0.retain(|(m, _)| *m != id);
        self.0.push((id, value));
    }
}

/// Evaluates a manifest under a rubric as of a date. `stamp` names the inputs.
pub fn evaluate(
    rubric: &Rubric,
    manifest: &Manifest,
    as_of: Date,
    upstream: Upstream<'_>,
    stamp: Stamp,
) -> Report {
    evaluate_with(
        rubric,
        manifest,
        as_of,
        upstream,
        &Overrides::default(),
        stamp,
    )
}

/// What a grade is made of: a score, a grade, the cap that set it and the confidence. The
/// report adds the words (evidence, titles, remediation); a league table needs only this.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The weighted total score, out of 100.
    pub score: Score,
    /// The grade after gates.
    pub grade: Grade,
    /// The grade the score alone earns, before any gate caps it.
    pub grade_before_caps: Grade,
    /// The failing gate that sets the grade, if a gate does.
    pub capped_by: Option<GateId>,
    /// Share of applicable weight backed by known, sourced facts, 0 to 1.
    pub confidence: Ratio,
    /// Score and grade if every unknown control were at full marks.
    pub high: Bound,
    /// True when unknown controls hold more than a fifth of the applicable weight.
    pub provisional: bool,
}

impl Summary {
    /// The summary a report carries.
    pub fn of(r: &Report) -> Self {
        Self {
            score: r.score,
            grade: r.grade.clone(),
            grade_before_caps: r.grade_before_caps.clone(),
            capped_by: r.capped_by.clone(),
            confidence: r.confidence,
            high: r.range.high.clone(),
            provisional: r.provisional,
        }
    }
}

/// One control's result before any words.
struct ControlScore {
    max_points: f64,
    score: f64,
    status: Status,
    sourced: bool,
    /// A waiver makes it count at full marks.
    waived: bool,
}

/// The numbers of an evaluation, shared by the report and the summary so they cannot differ.
struct Tally {
    controls: Vec<ControlScore>,
    /// Per category, 0 to 100; `None` when none of its controls applies.
    categories: Vec<Option<Score>>,
    /// Per gate, whether it fails.
    failing: Vec<bool>,
    summary: Summary,
}

fn measurements<'a>(
    rubric: &'a Rubric,
    manifest: &'a Manifest,
    as_of: Date,
    upstream: Upstream<'a>,
    overrides: &Overrides,
) -> Measurements<'a> {
    let mut ms = Measurements {
        ctx: Context::new(manifest, as_of, upstream, &rubric.reputable_firms),
        cache: vec![None; metrics::CATALOGUE.len()],
    };
    for (id, value) in &overrides.0 {
        ms.cache[id.index()] = Some(Measurement::forced(value.clone(), *id));
    }
    ms
}

fn tally(rubric: &Rubric, ms: &mut Measurements, waived: &Waived) -> Tally {
    // Applicability first: it decides the denominators.
    let applicable: Vec<bool> = rubric
        .controls
        .iter()
        .map(|c| {
            c.not_applicable_when
                .is_none_or(|m| ms.get(m).value != Some(Value::Bool(true)))
        })
        .collect();
    let cat_weight_of_controls: Vec<f64> = (0..rubric.categories.len())
        .map(|k| {
            rubric
                .controls
                .iter()
                .zip(&applicable)
                .filter(|(c, a)| **a && c.category == k)
                .map(|(c, _)| c.weight)
                .sum()
        })
        .collect();
    let live_category_weight: f64 = rubric
        .categories
        .iter()
        .zip(&cat_weight_of_controls)
        .filter(|(_, w)| **w > 0.0)
        .map(|(c, _)| c.weight)
        .sum();

    let mut controls = Vec::with_capacity(rubric.controls.len());
    let mut credit = vec![0.0; rubric.categories.len()];
    // The same credit with every unknown control at full marks: the top of the range.
    let mut credit_high = vec![0.0; rubric.categories.len()];
    let mut backed = 0.0;
    let mut unknown_points = 0.0;
    let (manifest, as_of) = (ms.ctx.manifest, ms.ctx.as_of);
    for (i, (c, &applies)) in rubric.controls.iter().zip(&applicable).enumerate() {
        let cat = &rubric.categories[c.category];
        let m = measured(&ms.ctx, &mut ms.cache, c.metric);
        let max_points = if applies && live_category_weight > 0.0 {
            100.0
                * (cat.weight / live_category_weight)
                * (c.weight / cat_weight_of_controls[c.category])
        } else {
            0.0
        };
        let sourced = m.sourced(&ms.ctx);
        let (status, score) = if !applies {
            (Status::NotApplicable, 0.0)
        } else {
            match &m.value {
                None => (Status::Unknown, 0.0),
                Some(v) => {
                    let raw = score_value(&c.scoring, v);
                    let s = if sourced {
                        raw
                    } else {
                        raw * rubric.self_attested
                    };
                    let not_found = || {
                        metrics::def(c.metric)
                            .table()
                            .is_some_and(|t| as_of::searched(manifest, t, as_of).is_some())
                    };
                    let status = if s >= 0.9995 {
                        Status::Pass
                    } else if not_found() {
                        Status::NotFound
                    } else if s <= 0.0 {
                        Status::Fail
                    } else {
                        Status::Partial
                    };
                    (status, s)
                }
            }
        };
        // A waived control counts at full marks for the grade; its status stays the facts'.
        let is_waived = applies && waived.control(i);
        if is_waived {
            credit[c.category] += c.weight;
            credit_high[c.category] += c.weight;
        } else if applies {
            credit[c.category] += c.weight * score;
            if status == Status::Unknown {
                credit_high[c.category] += c.weight;
                unknown_points += max_points;
            } else {
                credit_high[c.category] += c.weight * score;
            }
        }
        if applies && m.value.is_some() && sourced {
            backed += max_points;
        }
        controls.push(ControlScore {
            max_points,
            score,
            status,
            sourced,
            waived: is_waived,
        });
    }

    let categories: Vec<Option<Score>> = (0..rubric.categories.len())
        .map(|k| {
            (cat_weight_of_controls[k] > 0.0)
                .then(|| Score(100.0 * credit[k] / cat_weight_of_controls[k]))
        })
        .collect();
    let weighted = |credit: &[f64]| {
        if live_category_weight > 0.0 {
            rubric
                .categories
                .iter()
                .enumerate()
                .filter(|(k, _)| cat_weight_of_controls[*k] > 0.0)
                .map(|(k, c)| c.weight * 100.0 * credit[k] / cat_weight_of_controls[k])
                .sum::<f64>()
                / live_category_weight
        } else {
            0.0
        }
    };
    let total = weighted(&credit);
    let total_high = weighted(&credit_high);
    let total_points: f64 = controls.iter().map(|c| c.max_points).sum();
    let confidence = if total_points > 0.0 {
        backed / total_points
    } else {
        0.0
    };

    let grade_before_caps = rubric.scale.grade_for(total);
    let failing: Vec<bool> = rubric
        .gates
        .iter()
        .map(|g| {
            g.when_any
                .iter()
                .any(|cond| condition_holds(&cond.test, ms.get(cond.metric), g.unknown))
        })
        .collect();
    // The most conservative cap wins; among equals, the rubric's first.
    let binding = rubric
        .gates
        .iter()
        .enumerate()
        .filter(|(i, g)| failing[*i] && !waived.gate(*i) && g.cap.rank > grade_before_caps.rank)
        .fold(
            None::<(usize, &crate::core::rubric::Gate)>,
            |worst, (i, g)| match worst {
                Some(w) if w.1.cap.rank >= g.cap.rank => Some(w),
                _ => Some((i, g)),
            },
        )
        .map(|(i, _)| i);
    let grade = binding.map_or_else(
        || grade_before_caps.clone(),
        |i| rubric.gates[i].cap.clone(),
    );
    // The top of the range: unknown metrics pass every gate, known ones are judged as before.
    let high_cap = rubric
        .gates
        .iter()
        .enumerate()
        .filter(|(i, _)| !waived.gate(*i))
        .map(|(_, g)| g)
        .filter(|g| {
            g.when_any
                .iter()
                .any(|cond| condition_holds(&cond.test, ms.get(cond.metric), UnknownPolicy::Passes))
        })
        .map(|g| &g.cap)
        .max_by_key(|cap| cap.rank);
    let high_before_caps = rubric.scale.grade_for(total_high);
    let high_grade = match high_cap {
        Some(cap) if cap.rank > high_before_caps.rank => cap.clone(),
        _ => high_before_caps,
    };
    Tally {
        controls,
        categories,
        failing,
        summary: Summary {
            score: Score(total),
            grade,
            grade_before_caps,
            capped_by: binding.map(|i| rubric.gates[i].id.clone()),
            confidence: Ratio(confidence),
            high: Bound {
                score: Score(total_high),
                grade: high_grade,
            },
            provisional: total_points > 0.0
                && unknown_points / total_points > PROVISIONAL_UNKNOWN_SHARE,
        },
    }
}

/// The grade alone, without the report's words: what a league table row needs, for a fraction
/// of the cost. Always the same numbers as [`evaluate_with`]'s report.
pub fn summarise(
    rubric: &Rubric,
    manifest: &Manifest,
    as_of: Date,
    upstream: Upstream<'_>,
    overrides: &Overrides,
) -> Summary {
    // No words: a summary reads values and whether they are sourced, nothing else.
    let view = as_of::view(manifest, as_of);
    let mut ms = measurements(rubric, &view.manifest, as_of, upstream, overrides);
    tally(rubric, &mut ms, &Waived::NONE).summary
}

/// As [`evaluate`], with some metrics forced to hypothetical values.
pub fn evaluate_with(
    rubric: &Rubric,
    manifest: &Manifest,
    as_of: Date,
    upstream: Upstream<'_>,
    overrides: &Overrides,
    stamp: Stamp,
) -> Report {
    evaluate_waived(
        rubric,
        manifest,
        as_of,
        upstream,
        overrides,
        stamp,
        &Waived::NONE,
    )
}

/// The report with the waivers naming its protocol applied, from the report made without them
/// (`plain`, of the same manifest, what-ifs and date): the waived report when any waiver
/// changes something, else `plain`; either way with every waiver's entry and the standing
/// without them. No waivers: `plain` as it is.
pub fn apply_waivers(
    rubric: &Rubric,
    plain: Report,
    manifest: &Manifest,
    upstream: Upstream<'_>,
    overrides: &Overrides,
    waivers: &[&waiver::Waiver],
) -> Report {
    if waivers.is_empty() {
        return plain;
    }
    let (waived, results) = waiver::resolve(rubric, &plain, waivers);
    let mut report = if waived.is_empty() {
        plain.clone()
    } else {
        let mut r = evaluate_waived(
            rubric,
            manifest,
            plain.stamp.evaluated_as_of,
            upstream,
            overrides,
            plain.stamp.clone(),
            &waived,
        );
        r.what_if = plain.what_if.clone();
        r.lines = plain.lines.clone();
        r
    };
    waiver::attach(&mut report, &plain, results);
    report
}

/// As [`evaluate_with`], with some controls counted as passing and some gates lifted
/// (`core::waiver` decides which); the findings and gates keep what the facts give.
pub fn evaluate_waived(
    rubric: &Rubric,
    manifest: &Manifest,
    as_of: Date,
    upstream: Upstream<'_>,
    overrides: &Overrides,
    stamp: Stamp,
    waived: &Waived,
) -> Report {
    let view = as_of::view(manifest, as_of);
    let mut ms = measurements(rubric, &view.manifest, as_of, upstream, overrides);
    let t = tally(rubric, &mut ms, waived);

    // The metrics behind each failing gate's holding conditions, so its facts can be worded
    // once the words exist.
    let mut holding: Vec<Vec<MetricId>> = Vec::with_capacity(rubric.gates.len());
    let mut gates: Vec<GateResult> = rubric
        .gates
        .iter()
        .zip(&t.failing)
        .enumerate()
        .map(|(i, (g, &fails))| {
            let mut held = Vec::new();
            let triggered_by: Vec<String> = if fails {
                g.when_any
                    .iter()
                    .filter_map(|cond| {
                        let m = ms.get(cond.metric);
                        condition_holds(&cond.test, m, g.unknown).then(|| {
                            held.push(cond.metric);
                            describe_condition(&cond.test, metrics::def(cond.metric).name, m)
                        })
                    })
                    .collect()
            } else {
                Vec::new()
            };
            holding.push(held);
            GateResult {
                id: g.id.clone(),
                title: g.title.clone(),
                cap: g.cap.clone(),
                status: if fails {
                    GateStatus::Fails
                } else {
                    GateStatus::Passes
                },
                triggered_by,
                facts: Vec::new(),
                reason: g.reason.clone(),
                waived: fails && waived.gate(i),
            }
        })
        .collect();

    // The words of the evidence, made here and only here: a summary never asks for them.
    let Measurements { ctx, cache } = &mut ms;
    let ctx: &Context = ctx;
    let words = Words::new(ctx);
    for (gate, held) in gates.iter_mut().zip(&holding) {
        for &id in held {
            for e in words.evidence(measured(ctx, cache, id)) {
                if !gate.facts.contains(&e) {
                    gate.facts.push(e);
                }
            }
        }
    }
    let mut findings = Vec::with_capacity(rubric.controls.len());
    for (c, cs) in rubric.controls.iter().zip(&t.controls) {
        let cat = &rubric.categories[c.category];
        let m = measured(ctx, cache, c.metric);
        let mut evidence = words.evidence(m);
        if cs.status == Status::NotFound
            && let Some(table) = metrics::def(c.metric).table()
            && as_of::searched(&view.manifest, table, as_of).is_some()
            && !m.used.iter().any(|f| matches!(f, Fact::NotFound(_)))
        {
            evidence.push(words.fact(Fact::NotFound(table), m));
        }
        findings.push(Finding {
            control: c.id.clone(),
            category: cat.id.clone(),
            title: c.title.clone(),
            status: cs.status,
            score: Ratio(cs.score),
            metric: metrics::def(c.metric).name,
            value: value_json(m.value.as_ref()),
            max_points: cs.max_points,
            points_lost: if cs.waived {
                0.0
            } else {
                cs.max_points * (1.0 - cs.score)
            },
            sourced: cs.sourced,
            evidence,
            disregarded: words.disregarded(m),
            note: words.note(m),
            waived: cs.waived,
            effort: c.effort,
            remediation: c.remediation.clone(),
        });
    }

    let categories: Vec<CategoryResult> = rubric
        .categories
        .iter()
        .zip(&t.categories)
        .map(|(c, score)| CategoryResult {
            id: c.id.clone(),
            title: c.title.clone(),
            weight: c.weight,
            score: *score,
        })
        .collect();

    let Summary {
        score,
        grade,
        grade_before_caps,
        capped_by,
        confidence,
        high,
        provisional,
    } = t.summary;
    let gaps = gaps(&gates, &grade_before_caps, &findings);
    let range = Range {
        low: Bound {
            score,
            grade: grade.clone(),
        },
        high,
    };
    Report {
        report_format: REPORT_FORMAT,
        stamp,
        protocol: ProtocolSummary::of(manifest),
        score,
        grade,
        grade_before_caps,
        capped_by,
        confidence,
        range,
        provisional,
        warnings: view.warnings,
        categories,
        findings,
        gates,
        gaps,
        what_if: None,
        lines: crate::core::report::TableLines::default(),
        waivers: Vec::new(),
        without_waivers: None,
        value_of_information: Vec::new(),
        forecast: Vec::new(),
    }
}

/// Gates that hold the grade down first (harshest cap first), then controls by points lost,
/// cheaper effort first on ties.
fn gaps(
    gates: &[GateResult],
    before: &crate::core::rubric::Grade,
    findings: &[Finding],
) -> Vec<Gap> {
    let mut capping: Vec<&GateResult> = gates
        .iter()
        .filter(|g| g.status == GateStatus::Fails && !g.waived && g.cap.rank > before.rank)
        .collect();
    capping.sort_by_key(|g| std::cmp::Reverse(g.cap.rank));
    let mut out: Vec<Gap> = capping
        .into_iter()
        .map(|g| Gap {
            kind: GapKind::Gate,
            id: g.id.0.clone(),
            title: g.title.clone(),
            points_lost: 0.0,
            caps_at: Some(g.cap.clone()),
            effort: None,
            action: format!("{} ({})", g.reason, g.triggered_by.join("; ")),
        })
        .collect();
    let mut losing: Vec<&Finding> = findings.iter().filter(|f| f.points_lost > 1e-9).collect();
    losing.sort_by(|a, b| {
        b.points_lost
            .total_cmp(&a.points_lost)
            .then(a.effort.cmp(&b.effort))
            .then(a.control.cmp(&b.control))
    });
    out.extend(losing.into_iter().map(|f| Gap {
        kind: GapKind::Control,
        id: f.control.0.clone(),
        title: f.title.clone(),
        points_lost: f.points_lost,
        caps_at: None,
        effort: Some(f.effort),
        action: f.remediation.clone(),
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rubric::Tier;

    fn tier(min: Option<f64>, max: Option<f64>, score: f64) -> Tier {
        Tier { min, max, score }
    }

    #[test]
    fn tiers_take_the_first_tier_reached_and_zero_below_all() {
        let s = Scoring::Tiers(vec![
            tier(Some(168.0), None, 1.0),
            tier(Some(48.0), None, 0.8),
            tier(Some(1.0), None, 0.25),
        ]);
        assert_eq!(score_value(&s, &Value::Number(200.0)), 1.0);
        assert_eq!(score_value(&s, &Value::Number(168.0)), 1.0);
        assert_eq!(score_value(&s, &Value::Number(167.9)), 0.8);
        assert_eq!(score_value(&s, &Value::Number(1.0)), 0.25);
        assert_eq!(score_value(&s, &Value::Number(0.5)), 0.0);
        assert_eq!(score_value(&s, &Value::None), 0.0);
    }

    #[test]
    fn max_tiers_reward_smaller_values() {
        let s = Scoring::Tiers(vec![
            tier(None, Some(365.0), 1.0),
            tier(None, Some(730.0), 0.6),
        ]);
        assert_eq!(score_value(&s, &Value::Number(10.0)), 1.0);
        assert_eq!(score_value(&s, &Value::Number(365.0)), 1.0);
        assert_eq!(score_value(&s, &Value::Number(366.0)), 0.6);
        assert_eq!(score_value(&s, &Value::Number(731.0)), 0.0);
    }

    #[test]
    fn linear_interpolates_and_clamps_in_either_direction() {
        let up = Scoring::Linear { from: 0.0, to: 1.0 };
        assert_eq!(score_value(&up, &Value::Number(0.25)), 0.25);
        assert_eq!(score_value(&up, &Value::Number(2.0)), 1.0);
        assert_eq!(score_value(&up, &Value::Number(-1.0)), 0.0);
        let down = Scoring::Linear {
            from: 1000.0,
            to: 0.0,
        };
        assert_eq!(score_value(&down, &Value::Number(250.0)), 0.75);
    }

    #[test]
    fn boolean_scores_the_expected_value() {
        assert_eq!(
            score_value(&Scoring::Boolean(true), &Value::Bool(true)),
            1.0
        );
        assert_eq!(
            score_value(&Scoring::Boolean(true), &Value::Bool(false)),
            0.0
        );
        assert_eq!(
            score_value(&Scoring::Boolean(false), &Value::Bool(false)),
            1.0
        );
    }

    #[test]
    fn levels_score_listed_levels_and_zero_otherwise() {
        let s = Scoring::Levels([("realtime".to_string(), 0.8)].into_iter().collect());
        assert_eq!(score_value(&s, &Value::Level("realtime")), 0.8);
        assert_eq!(score_value(&s, &Value::Level("alerting")), 0.0);
    }

    #[test]
    fn shown_values_drop_needless_decimals() {
        assert_eq!(show_value(&Value::Number(3.0)), "3");
        assert_eq!(show_value(&Value::Number(0.125)), "0.13");
        assert_eq!(show_value(&Value::None), "none");
    }
}

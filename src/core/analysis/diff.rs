//! Posture diffs: what changed between two evaluations of a protocol (two manifests, or one
//! manifest at two dates), so a DAO can show improvement and CI can refuse a regression.

use schemars::JsonSchema;
use serde::Serialize;

use crate::core::report::{
    GateStatus, ProtocolSummary, Report, Stamp, Standing, Status, WaiverResult,
};

/// One control whose result changed between the two evaluations.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ControlChange {
    /// The control's id, e.g. `timelock`.
    pub control: String,
    /// The control's name.
    pub title: String,
    /// The catalogue metric the control scores, whose unit its values are in.
    pub metric: &'static str,
    /// Its outcome in the old evaluation.
    pub old_status: Status,
    /// Its outcome in the new evaluation.
    pub new_status: Status,
    /// The metric's value in the old evaluation (null when unknown).
    pub old_value: serde_json::Value,
    /// The metric's value in the new evaluation (null when unknown).
    pub new_value: serde_json::Value,
    /// Points of the total won (positive) or lost (negative).
    pub points: f64,
    /// Whether every fact the control used carried a source in the old evaluation.
    pub old_sourced: bool,
    /// Whether every fact the control used carries a source in the new evaluation: a source
    /// removed turns the control self-attested, and that alone can cost points.
    pub new_sourced: bool,
}

/// A gate that started or stopped capping the grade.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CapChange {
    /// The gate's id, e.g. `three-pillars`.
    pub gate: String,
    /// The gate's name.
    pub title: String,
    /// The best grade the gate allows while it fails.
    pub cap: crate::core::rubric::Grade,
    /// The facts that made it fail: in the new evaluation for a cap added, in the old one for
    /// a cap lifted (what no longer holds), e.g. `economic_audits.recent_count = 0, below 1`.
    pub because: Vec<String>,
}

/// What `posture diff` reports: what changed between two evaluations of one protocol.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Diff {
    /// The report layout's version; it changes when the JSON form does.
    pub report_format: u32,
    /// Who the protocol is (as the new evaluation describes it).
    pub protocol: ProtocolSummary,
    /// What produced the old report (tool, rubric, manifest, date).
    pub old_stamp: Stamp,
    /// What produced the new report (tool, rubric, manifest, date).
    pub new_stamp: Stamp,
    /// Score, grade and cap in the old evaluation.
    pub old: Standing,
    /// Score, grade and cap in the new evaluation.
    pub new: Standing,
    /// New score minus old, on the rendered one-decimal scale.
    pub score_change: f64,
    /// Controls that won points.
    pub improved: Vec<ControlChange>,
    /// Controls that lost points.
    pub regressed: Vec<ControlChange>,
    /// Failing gates that were passing before.
    pub caps_added: Vec<CapChange>,
    /// Gates that were failing and now pass.
    pub caps_lifted: Vec<CapChange>,
    /// The grade or the (rounded) score went down.
    pub regression: bool,
    /// The waivers whose status differs from the old evaluation (one expired, one came into
    /// force), as they stand in the new one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<WaiverResult>,
}

fn failing(r: &Report) -> Vec<&crate::core::report::GateResult> {
    r.gates
        .iter()
        .filter(|g| g.status == GateStatus::Fails)
        .collect()
}

/// Compares two reports made with the same rubric.
pub fn compare(old: &Report, new: &Report) -> Diff {
    let mut improved = Vec::new();
    let mut regressed = Vec::new();
    for n in &new.findings {
        let Some(o) = old.findings.iter().find(|o| o.control == n.control) else {
            continue;
        };
        let points = o.points_lost - n.points_lost;
        if points.abs() < 0.005 && o.status == n.status && o.sourced == n.sourced {
            continue;
        }
        // Points moved by a waiver alone are said by the waiver (`waivers`), not as a control
        // whose facts changed.
        if o.status == n.status
            && o.value == n.value
            && o.sourced == n.sourced
            && o.waived != n.waived
        {
            continue;
        }
        let change = ControlChange {
            control: n.control.0.clone(),
            title: n.title.clone(),
            metric: n.metric,
            old_status: o.status,
            new_status: n.status,
            old_value: o.value.clone(),
            new_value: n.value.clone(),
            points,
            old_sourced: o.sourced,
            new_sourced: n.sourced,
        };
        if points >= 0.0 {
            improved.push(change);
        } else {
            regressed.push(change);
        }
    }
    improved.sort_by(|a, b| b.points.total_cmp(&a.points));
    regressed.sort_by(|a, b| a.points.total_cmp(&b.points));
    let cap = |g: &crate::core::report::GateResult| CapChange {
        gate: g.id.0.clone(),
        title: g.title.clone(),
        cap: g.cap.clone(),
        because: g.triggered_by.clone(),
    };
    let (old_fail, new_fail) = (failing(old), failing(new));
    let caps_added = new_fail
        .iter()
        .filter(|g| !old_fail.iter().any(|o| o.id == g.id))
        .map(|g| cap(g))
        .collect();
    let caps_lifted = old_fail
        .iter()
        .filter(|g| !new_fail.iter().any(|n| n.id == g.id))
        .map(|g| cap(g))
        .collect();
    let score_change = crate::core::report::round_to(new.score.rounded() - old.score.rounded(), 1);
    Diff {
        report_format: crate::core::report::REPORT_FORMAT,
        protocol: new.protocol.clone(),
        old_stamp: old.stamp.clone(),
        new_stamp: new.stamp.clone(),
        old: Standing::of(old),
        new: Standing::of(new),
        score_change,
        improved,
        regressed,
        caps_added,
        caps_lifted,
        regression: new.grade.rank > old.grade.rank || score_change < 0.0,
        waivers: turned(&old.waivers, &new.waivers),
    }
}

/// The new evaluation's waivers that the old one did not have with the same status.
fn turned(old: &[WaiverResult], new: &[WaiverResult]) -> Vec<WaiverResult> {
    let same = |a: &WaiverResult, b: &WaiverResult| {
        (
            &a.protocol,
            &a.control,
            &a.gate,
            a.approved,
            a.expires,
            a.status,
        ) == (
            &b.protocol,
            &b.control,
            &b.gate,
            b.approved,
            b.expires,
            b.status,
        )
    };
    new.iter()
        .filter(|n| !old.iter().any(|o| same(o, n)))
        .cloned()
        .collect()
}

//! Waivers: accepted exceptions, written in `posture.toml`, that let one protocol's control
//! count as passing or one gate's cap be lifted until a date. A waiver never hides anything:
//! the report lists every waiver naming the protocol and the grade without them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::date::Date;
use crate::core::problem::{FieldPath, Problem};
use crate::core::report::{Bound, GateStatus, Report, Status, WaiverResult, WaiverStatus};
use crate::core::rubric::{ControlId, GateId, Rubric};

pub use crate::core::rubric::DEFAULT_MAX_WAIVER_DAYS;

/// `posture.toml` as written: defaults for the command line, and waivers.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// A built-in rubric id or a rubric file (a path relative to this file's folder).
    pub rubric: Option<String>,
    /// The folder holding forks' upstream manifests (relative to this file's folder).
    pub protocols: Option<String>,
    /// `posture score` exits 1 when a protocol grades below this grade.
    pub fail_under: Option<String>,
    /// The output format when `--format` is not given: table, json, markdown, html or csv.
    pub format: Option<String>,
    /// Accepted exceptions, each for one protocol's control or gate, each expiring.
    #[serde(default)]
    pub waivers: Vec<WaiverEntry>,
}

/// One `[[waivers]]` entry as written.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaiverEntry {
    /// The protocol id the waiver is for (its manifest's `protocol.id`).
    pub protocol: String,
    /// The control that counts as passing (full marks); give this or `gate`, not both.
    pub control: Option<String>,
    /// The gate whose cap is lifted; give this or `control`, not both.
    pub gate: Option<String>,
    /// Why the exception is accepted.
    pub reason: String,
    /// Who approved it (a person, a committee, a vote).
    pub approved_by: String,
    /// The day it was approved: its length (`expires` minus `approved`) may not exceed the
    /// rubric's `max_waiver_days`.
    pub approved: Date,
    /// The last day it applies, compared with the evaluation date, never the clock.
    pub expires: Date,
}

/// What a waiver is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A control that counts as passing.
    Control(ControlId),
    /// A gate whose cap is lifted.
    Gate(GateId),
}

/// A checked waiver.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    /// The protocol id it is for.
    pub protocol: String,
    /// The control or gate it waives.
    pub target: Target,
    /// Why the exception is accepted.
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
    /// The day it was approved.
    pub approved: Date,
    /// The last day it applies.
    pub expires: Date,
}

/// Every waiver of a configuration, in the file's order. Empty costs nothing per manifest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Waivers(pub Vec<Waiver>);

impl Waivers {
    /// The waivers naming a protocol, in the file's order.
    pub fn of(&self, protocol: &str) -> Vec<&Waiver> {
        self.0.iter().filter(|w| w.protocol == protocol).collect()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Checks the entries against the rubric's longest allowed waiver; every problem at once,
/// located at `waivers[i]`.
pub fn check(entries: &[WaiverEntry], max_days: u32) -> (Waivers, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let at = FieldPath::root().key("waivers").index(i);
        let target = match (&e.control, &e.gate) {
            (Some(c), None) => Some(Target::Control(ControlId(c.clone()))),
            (None, Some(g)) => Some(Target::Gate(GateId(g.clone()))),
            (Some(_), Some(_)) => {
                problems.push(
                    Problem::error(
                        at.key("gate"),
                        "a waiver names a control or a gate, not both",
                    )
                    .with_help(Some("write one waiver for each".into())),
                );
                None
            }
            (None, None) => {
                problems.push(
                    Problem::error(at.clone(), "a waiver names no control and no gate").with_help(
                        Some("add `control = \"ID\"` or `gate = \"ID\"` (`posture rubric show` lists them)".into()),
                    ),
                );
                None
            }
        };
        let days = e.approved.days_until(e.expires);
        if days < 0 {
            problems.push(Problem::error(
                at.key("expires"),
                format!(
                    "the waiver expires on {}, before it was approved on {}",
                    e.expires, e.approved
                ),
            ));
        } else if days > i64::from(max_days) {
            problems.push(
                Problem::error(
                    at.key("expires"),
                    format!(
                        "the waiver runs {days} days (approved {}, expires {}): the rubric allows at most {max_days}",
                        e.approved, e.expires
                    ),
                )
                .with_help(Some(format!(
                    "expire it on {} or earlier, and approve it again to extend it",
                    e.approved.minus_days(-i64::from(max_days))
                ))),
            );
        }
        if let Some(target) = target {
            out.push(Waiver {
                protocol: e.protocol.clone(),
                target,
                reason: e.reason.clone(),
                approved_by: e.approved_by.clone(),
                approved: e.approved,
                expires: e.expires,
            });
        }
    }
    (Waivers(out), problems)
}

/// The controls and gates a report is graded without (indices into the rubric's lists).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Waived {
    /// Controls that count as passing.
    pub controls: Vec<usize>,
    /// Gates whose caps are lifted.
    pub gates: Vec<usize>,
}

impl Waived {
    /// Nothing waived.
    pub const NONE: Waived = Waived {
        controls: Vec::new(),
        gates: Vec::new(),
    };

    /// Whether the rubric's control `i` counts as passing.
    pub fn control(&self, i: usize) -> bool {
        self.controls.contains(&i)
    }

    /// Whether the rubric's gate `i` is lifted.
    pub fn gate(&self, i: usize) -> bool {
        self.gates.contains(&i)
    }

    /// Whether nothing is waived.
    pub fn is_empty(&self) -> bool {
        self.controls.is_empty() && self.gates.is_empty()
    }
}

/// Decides what each waiver does to a report made without waivers (`plain`) at the date it
/// was evaluated as of: which controls and gates to waive, and each waiver's entry.
pub fn resolve(
    rubric: &Rubric,
    plain: &Report,
    waivers: &[&Waiver],
) -> (Waived, Vec<WaiverResult>) {
    let as_of = plain.stamp.evaluated_as_of;
    let mut waived = Waived::default();
    let mut results = Vec::with_capacity(waivers.len());
    for w in waivers {
        let (status, changed) = if as_of < w.approved {
            (
                WaiverStatus::Pending,
                format!(
                    "nothing: it was approved on {}, after the evaluation date {as_of}",
                    w.approved
                ),
            )
        } else if as_of > w.expires {
            (
                WaiverStatus::Expired,
                format!(
                    "nothing: it expired on {}, before the evaluation date {as_of}",
                    w.expires
                ),
            )
        } else {
            match &w.target {
                Target::Control(id) => control_effect(rubric, plain, id, &mut waived),
                Target::Gate(id) => gate_effect(rubric, plain, id, &mut waived),
            }
        };
        let (control, gate) = match &w.target {
            Target::Control(c) => (Some(c.clone()), None),
            Target::Gate(g) => (None, Some(g.clone())),
        };
        results.push(WaiverResult {
            protocol: w.protocol.clone(),
            control,
            gate,
            reason: w.reason.clone(),
            approved_by: w.approved_by.clone(),
            approved: w.approved,
            expires: w.expires,
            status,
            changed,
        });
    }
    (waived, results)
}

fn control_effect(
    rubric: &Rubric,
    plain: &Report,
    id: &ControlId,
    waived: &mut Waived,
) -> (WaiverStatus, String) {
    let name = id.0.as_str();
    let Some(i) = rubric.controls.iter().position(|c| &c.id == id) else {
        return (
            WaiverStatus::Unmatched,
            format!("nothing: rubric {} has no control `{name}`", rubric.meta.id),
        );
    };
    let Some(f) = plain.findings.get(i) else {
        return (WaiverStatus::Unmatched, "nothing: no finding".into());
    };
    match f.status {
        Status::Pass => (
            WaiverStatus::Unmatched,
            format!("nothing: control `{name}` passes without it"),
        ),
        Status::NotApplicable => (
            WaiverStatus::Unmatched,
            format!("nothing: control `{name}` does not apply"),
        ),
        status => {
            if !waived.control(i) {
                waived.controls.push(i);
            }
            (
                WaiverStatus::Applied,
                format!(
                    "control `{name}` ({}, {:.1} of {:.1} points) counts as passing: +{:.1} points",
                    status.as_str(),
                    f.max_points - f.points_lost,
                    f.max_points,
                    f.points_lost
                ),
            )
        }
    }
}

fn gate_effect(
    rubric: &Rubric,
    plain: &Report,
    id: &GateId,
    waived: &mut Waived,
) -> (WaiverStatus, String) {
    let name = id.0.as_str();
    let Some(i) = rubric.gates.iter().position(|g| &g.id == id) else {
        return (
            WaiverStatus::Unmatched,
            format!("nothing: rubric {} has no gate `{name}`", rubric.meta.id),
        );
    };
    match plain.gates.get(i) {
        Some(g) if g.status == GateStatus::Fails => {
            if !waived.gate(i) {
                waived.gates.push(i);
            }
            (
                WaiverStatus::Applied,
                format!("gate `{name}` (caps at {}) is lifted", g.cap),
            )
        }
        _ => (
            WaiverStatus::Unmatched,
            format!("nothing: gate `{name}` passes without it"),
        ),
    }
}

/// Puts the waivers' entries and the unwaived standing on the waived report.
pub fn attach(waived: &mut Report, plain: &Report, results: Vec<WaiverResult>) {
    waived.waivers = results;
    waived.without_waivers = Some(Bound {
        score: plain.score,
        grade: plain.grade.clone(),
    });
}

/// "B with 1 waiver, F without" (or "F; 1 waiver expired, none applied"): how every format
/// states a grade under waivers.
pub fn headline(report: &Report) -> Option<String> {
    headline_of(
        &report.grade,
        &report.waivers,
        report.without_waivers.as_ref(),
    )
}

/// As [`headline`], from a grade, the waivers' entries and the standing without them.
pub fn headline_of(
    grade: &crate::core::rubric::Grade,
    waivers: &[WaiverResult],
    without: Option<&Bound>,
) -> Option<String> {
    let without = without?;
    let count = |s: WaiverStatus| waivers.iter().filter(|w| w.status == s).count();
    let plural = |n: usize| if n == 1 { "waiver" } else { "waivers" };
    let applied = count(WaiverStatus::Applied);
    let mut line = if applied > 0 {
        format!(
            "{} with {applied} {}, {} without",
            grade,
            plural(applied),
            without.grade
        )
    } else {
        format!("{grade}, no waiver applied")
    };
    for s in [
        WaiverStatus::Expired,
        WaiverStatus::Unmatched,
        WaiverStatus::Pending,
    ] {
        let n = count(s);
        if n > 0 {
            line.push_str(&format!("; {n} {} {}", plural(n), s.as_str()));
        }
    }
    Some(line)
}

/// "waiver of control timelock: expired": how a forecast says a waiver turned on a date.
pub fn turned(control: Option<&ControlId>, gate: Option<&GateId>, status: WaiverStatus) -> String {
    let what = match (control, gate) {
        (Some(c), _) => format!("control {}", c.0),
        (_, Some(g)) => format!("gate {}", g.0),
        _ => "nothing".into(),
    };
    format!("waiver of {what}: {}", status.as_str())
}

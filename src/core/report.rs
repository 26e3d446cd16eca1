//! The report: what a rubric made of a manifest. Renderers read it; `posture schema report`
//! describes its JSON form, which is versioned by `report_format`.

use schemars::JsonSchema;
use serde::{Serialize, Serializer};

use crate::core::date::Date;
use crate::core::manifest::ProtocolKind;
use crate::core::metrics::{Disregarded, Evidence};
use crate::core::rubric::{ControlId, Effort, GateId, Grade};

/// Version of the JSON report layout.
pub const REPORT_FORMAT: u32 = 1;

/// A total score, 0 to 100. Rendered to one decimal, rounded half away from zero.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Score(pub f64);

impl Score {
    pub fn rounded(self) -> f64 {
        round_to(self.0, 1)
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.1}", self.rounded())
    }
}

impl Serialize for Score {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.rounded())
    }
}

impl JsonSchema for Score {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Score".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "number", "minimum": 0, "maximum": 100,
            "description": "Score out of 100, one decimal" })
    }
}

/// A control's credit, 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Ratio(pub f64);

impl Serialize for Ratio {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(round_to(self.0, 3))
    }
}

impl JsonSchema for Ratio {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Ratio".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "number", "minimum": 0, "maximum": 1 })
    }
}

/// Rounds half away from zero (`f64::round`'s rule) to `places` decimals.
pub fn round_to(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    let r = (x * k).round() / k;
    if r == 0.0 { 0.0 } else { r }
}

fn rounded2<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round_to(*x, 2))
}

impl JsonSchema for Grade {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Grade".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "description": "A label from the rubric's grade scale" })
    }
}

impl JsonSchema for ControlId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ControlId".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string" })
    }
}

impl JsonSchema for GateId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "GateId".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string" })
    }
}

/// What produced the report, so it can be re-verified: no wall-clock time.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Stamp {
    /// `posture <version>`.
    pub tool: String,
    pub rubric: RubricStamp,
    pub manifest: ManifestStamp,
    /// For a fork: the upstream manifest whose incidents it may inherit.
    pub upstream: Option<ManifestStamp>,
    /// The date the manifest was evaluated as of.
    pub evaluated_as_of: Date,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RubricStamp {
    pub id: String,
    pub version: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ManifestStamp {
    /// The path as given on the command line.
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ProtocolSummary {
    pub id: String,
    pub name: String,
    pub kind: ProtocolKind,
    /// The date the manifest's facts describe.
    pub as_of: Date,
    /// The protocol's TVL, else the sum of its deployments' when all are stated.
    pub tvl_usd: Option<f64>,
    /// The upstream protocol id, for a fork.
    pub forked_from: Option<String>,
}

impl ProtocolSummary {
    /// What a report (and a league row) says of the protocol a manifest describes.
    pub fn of(m: &crate::core::manifest::Manifest) -> Self {
        Self {
            id: m.protocol.id.clone(),
            name: m.protocol.name.clone(),
            kind: m.protocol.kind,
            as_of: m.protocol.as_of,
            tvl_usd: m.tvl(),
            forked_from: m.lineage.as_ref().map(|l| l.forked_from.clone()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Partial,
    Fail,
    /// The manifest does not say: scores 0, never a pass.
    Unknown,
    /// Researched and nothing public found (`[[not_found]]`): a sourced "no".
    NotFound,
    /// The control does not apply and leaves the denominator.
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Partial => "partial",
            Status::Fail => "fail",
            Status::Unknown => "unknown",
            Status::NotFound => "not-found",
            Status::NotApplicable => "n/a",
        }
    }
}

/// One control's result for one manifest.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Finding {
    pub control: ControlId,
    pub category: String,
    pub title: String,
    pub status: Status,
    pub score: Ratio,
    /// The metric's value: a number, yes/no, a level, "none", or null when unknown.
    pub metric: &'static str,
    pub value: serde_json::Value,
    /// This control's share of the total, in points (0 when not applicable).
    #[serde(serialize_with = "rounded2")]
    pub max_points: f64,
    #[serde(serialize_with = "rounded2")]
    pub points_lost: f64,
    /// Every fact used carries a source.
    pub sourced: bool,
    pub evidence: Vec<Evidence>,
    pub disregarded: Vec<Disregarded>,
    pub note: Option<String>,
    pub effort: Effort,
    pub remediation: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CategoryResult {
    pub id: String,
    pub title: String,
    pub weight: f64,
    /// 0 to 100; null when no control of the category applies.
    pub score: Option<Score>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GateStatus {
    Passes,
    Fails,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GateResult {
    pub id: GateId,
    pub title: String,
    pub cap: Grade,
    pub status: GateStatus,
    /// The conditions that held, with the values that made them hold.
    pub triggered_by: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GapKind {
    Gate,
    Control,
}

/// One thing to fix, in the order to fix it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Gap {
    pub kind: GapKind,
    pub id: String,
    pub title: String,
    #[serde(serialize_with = "rounded2")]
    pub points_lost: f64,
    /// For a gate: the grade it holds the protocol to.
    pub caps_at: Option<Grade>,
    pub effort: Option<Effort>,
    pub action: String,
}

/// A score and the grade it earns after gates.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Bound {
    pub score: Score,
    pub grade: Grade,
}

/// The grade the known facts give (`low`, the headline) and the best the unknown ones allow.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Range {
    pub low: Bound,
    pub high: Bound,
}

/// Unknown controls above this share of the applicable weight make a grade provisional.
pub const PROVISIONAL_UNKNOWN_SHARE: f64 = 0.2;

/// Score, grade and caps at one point of a plan.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Standing {
    pub score: Score,
    pub grade: Grade,
    pub capped_by: Option<GateId>,
}

impl Standing {
    pub fn of(r: &Report) -> Self {
        Self {
            score: r.score,
            grade: r.grade.clone(),
            capped_by: r.capped_by.clone(),
        }
    }
}

/// What a `--set` changed: the edits, and the standing without them.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WhatIf {
    pub sets: Vec<String>,
    pub before: Standing,
}

/// The whole result for one manifest under one rubric at one date.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Report {
    pub report_format: u32,
    pub stamp: Stamp,
    pub protocol: ProtocolSummary,
    pub score: Score,
    pub grade: Grade,
    pub grade_before_caps: Grade,
    /// The failing gate that sets the grade, if a gate does.
    pub capped_by: Option<GateId>,
    /// Share of applicable weight backed by known, sourced facts, 0 to 1.
    pub confidence: Ratio,
    /// The headline (`low`) and what it would be if every unknown control were at full marks.
    pub range: Range,
    /// True when unknown controls hold more than a fifth of the applicable weight: the grade
    /// says as much about what was researched as about the protocol.
    pub provisional: bool,
    /// Why the result may not describe the protocol on the evaluation date.
    pub warnings: Vec<String>,
    pub categories: Vec<CategoryResult>,
    pub findings: Vec<Finding>,
    pub gates: Vec<GateResult>,
    pub gaps: Vec<Gap>,
    /// Present when the report is a what-if (`--set`).
    pub what_if: Option<WhatIf>,
}

/// The tool's name and version, as stamped on reports.
pub fn tool() -> String {
    format!("posture {}", env!("CARGO_PKG_VERSION"))
}

/// The rubric as reports stamp it.
pub fn rubric_stamp(rubric: &crate::core::rubric::Rubric) -> RubricStamp {
    RubricStamp {
        id: rubric.meta.id.clone(),
        version: rubric.meta.version.to_string(),
        sha256: rubric.sha256.clone(),
    }
}

//! The report: what a rubric made of a manifest. Renderers read it; `posture schema report`
//! describes its JSON form, which is versioned by `report_format`.

use schemars::JsonSchema;
use serde::{Serialize, Serializer};

use crate::core::date::Date;
use crate::core::manifest::ProtocolKind;
use crate::core::rubric::{ControlId, Effort, GateId, Grade};

/// Version of the JSON report layout.
pub const REPORT_FORMAT: u32 = 1;

/// A total score, 0 to 100. Rendered to one decimal, rounded half away from zero.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Score(pub f64);

impl Score {
    /// The score rounded to one decimal, as reports show it.
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
    /// The rubric the report was graded with: id, version and the sha256 of its text.
    pub rubric: RubricStamp,
    /// The manifest the report was graded from: its path and the sha256 of its text.
    pub manifest: ManifestStamp,
    /// For a fork: the upstream manifest whose incidents it may inherit.
    pub upstream: Option<ManifestStamp>,
    /// The date the manifest was evaluated as of.
    pub evaluated_as_of: Date,
    /// The `posture.toml` the run read (its waivers and defaults), when it read one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<ConfigStamp>,
}

/// Which `posture.toml` a report was graded under, so `verify` applies the same waivers.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ConfigStamp {
    /// The path as found or given (`--config`).
    pub path: String,
    /// sha256 of the file, so any change to its waivers shows.
    pub sha256: String,
}

/// Which rubric produced a report, so a reader can check it was the one they expect.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RubricStamp {
    /// The rubric's id, e.g. `defi-baseline`.
    pub id: String,
    /// The rubric's version (semver).
    pub version: String,
    /// sha256 of the rubric text (chained with its base's), so any change to it shows.
    pub sha256: String,
}

/// Which manifest a report was graded from, so anyone can re-run it on the same file.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ManifestStamp {
    /// The path as given on the command line.
    pub path: String,
    /// sha256 of the manifest file, so any change to it shows.
    pub sha256: String,
}

/// Who the protocol is, as a report's heading shows it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ProtocolSummary {
    /// The protocol's id (kebab-case), as the manifest gives it.
    pub id: String,
    /// The protocol's display name.
    pub name: String,
    /// What the protocol does (a DEX, a lending market...).
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

/// A control's outcome, as a report's findings table shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The control earns full marks.
    Pass,
    /// The control earns some but not all of its marks.
    Partial,
    /// The control earns nothing on known facts.
    Fail,
    /// The manifest does not say: scores 0, never a pass.
    Unknown,
    /// Researched and nothing public found (`[[not_found]]`): a sourced "no".
    NotFound,
    /// The control does not apply and leaves the denominator.
    NotApplicable,
}

impl Status {
    /// The word a report shows, e.g. `not-found` or `n/a`.
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

/// One control's result for one manifest.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Finding {
    /// The control's id, e.g. `timelock`.
    pub control: ControlId,
    /// The id of the category the control counts towards.
    pub category: String,
    /// The control's name.
    pub title: String,
    /// The outcome: pass, partial, fail, unknown, not found or not applicable.
    pub status: Status,
    /// The credit earned, from 0 (nothing) to 1 (full marks).
    pub score: Ratio,
    /// The catalogue metric the control scores, by name (`posture rubric metrics` lists them).
    pub metric: &'static str,
    /// The metric's value as the control saw it: a number, yes/no, a level, "none", or null when
    /// unknown.
    pub value: serde_json::Value,
    /// This control's share of the total, in points (0 when not applicable).
    #[serde(serialize_with = "rounded2")]
    pub max_points: f64,
    /// Points of the total score this control lost (out of 100).
    #[serde(serialize_with = "rounded2")]
    pub points_lost: f64,
    /// Every fact used carries a source.
    pub sourced: bool,
    /// The facts the score rests on, each with its source.
    pub evidence: Vec<Evidence>,
    /// Facts that were found but not counted, each with the reason.
    pub disregarded: Vec<Disregarded>,
    /// A remark on how the control was scored, when there is one.
    pub note: Option<String>,
    /// True when a waiver makes the control count as passing: its status and score stay what
    /// the facts give, and it loses no points.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub waived: bool,
    /// How hard the remediation is: low, medium or high.
    pub effort: Effort,
    /// What to do to pass the control.
    pub remediation: String,
}

/// One category's part of a report: its weight and its score.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CategoryResult {
    /// The category's id, e.g. `verification`.
    pub id: String,
    /// The category's name.
    pub title: String,
    /// The category's share of the total score, relative to the other categories' weights.
    pub weight: f64,
    /// 0 to 100; null when no control of the category applies.
    pub score: Option<Score>,
}

/// Whether a gate caps the grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GateStatus {
    /// The gate's conditions do not hold: it does not cap the grade.
    Passes,
    /// A condition holds: the grade is capped at the gate's cap.
    Fails,
}

/// One gate's outcome in a report: whether it caps the grade, at what and why.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GateResult {
    /// The gate's id, e.g. `three-pillars`.
    pub id: GateId,
    /// The gate's name.
    pub title: String,
    /// The best grade a protocol failing this gate can get.
    pub cap: Grade,
    /// Whether the gate passes or fails.
    pub status: GateStatus,
    /// The conditions that held, with the values that made them hold.
    pub triggered_by: Vec<String>,
    /// The facts behind the conditions that held, each with its source: what a reader checks
    /// to see why the grade is capped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<Evidence>,
    /// Why a protocol that fails the gate is capped.
    pub reason: String,
    /// True when a waiver lifts the gate's cap: its status stays what the facts give.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub waived: bool,
}

/// What a gap is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GapKind {
    /// A gate that caps the grade.
    Gate,
    /// A control that loses points.
    Control,
}

/// One thing to fix, in the order to fix it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Gap {
    /// Whether the gap is a failing gate or a control that loses points.
    pub kind: GapKind,
    /// The id of the gate or control.
    pub id: String,
    /// The gate's or control's name.
    pub title: String,
    /// Points of the total score this gap costs (out of 100).
    #[serde(serialize_with = "rounded2")]
    pub points_lost: f64,
    /// For a gate: the grade it holds the protocol to.
    pub caps_at: Option<Grade>,
    /// How hard the fix is: low, medium or high (none for a gate).
    pub effort: Option<Effort>,
    /// What to do to close the gap.
    pub action: String,
}

/// A score and the grade it earns after gates.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Bound {
    /// The score, out of 100.
    pub score: Score,
    /// The grade that score earns after gates.
    pub grade: Grade,
}

/// The grade the known facts give (`low`, the headline) and the best the unknown ones allow.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Range {
    /// The grade the known facts give: the report's headline.
    pub low: Bound,
    /// The best grade possible if every unknown control were at full marks.
    pub high: Bound,
}

/// Unknown controls above this share of the applicable weight make a grade provisional.
pub const PROVISIONAL_UNKNOWN_SHARE: f64 = 0.2;

/// Score, grade and caps at one point of a plan.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Standing {
    /// The total score, out of 100.
    pub score: Score,
    /// The grade after gates.
    pub grade: Grade,
    /// The failing gate that sets the grade, if a gate does.
    pub capped_by: Option<GateId>,
}

impl Standing {
    /// The standing a report states.
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
    /// The `--set` edits applied, as written (`table.field=value`).
    pub sets: Vec<String>,
    /// The score, grade and cap without the edits.
    pub before: Standing,
}

/// The line where each top-level table (or key) of a manifest starts, so a format can point
/// into the file (SARIF, GitHub annotations). Lines count from 1; not part of the JSON report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableLines(pub std::collections::BTreeMap<String, u32>);

impl TableLines {
    /// The line of the table `name` (`timelock`, `audits`), when the manifest has it.
    pub fn of(&self, name: &str) -> Option<u32> {
        self.0.get(name).copied()
    }
}

/// The whole result for one manifest under one rubric at one date.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Report {
    /// The report layout's version; it changes when the JSON form does.
    pub report_format: u32,
    /// What produced the report (tool, rubric, manifest, date), so it can be re-verified.
    pub stamp: Stamp,
    /// Who the protocol is.
    pub protocol: ProtocolSummary,
    /// The weighted total score, out of 100; gates cap the grade, not the score.
    pub score: Score,
    /// The grade after gates: the report's headline grade.
    pub grade: Grade,
    /// The grade the score alone earns, before any gate caps it.
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
    /// Each category's weight and score.
    pub categories: Vec<CategoryResult>,
    /// Each control's result, with the evidence behind it.
    pub findings: Vec<Finding>,
    /// Each gate's outcome.
    pub gates: Vec<GateResult>,
    /// What to fix, in the order to fix it.
    pub gaps: Vec<Gap>,
    /// Present when the report is a what-if (`--set`).
    pub what_if: Option<WhatIf>,
    /// Where the manifest's tables are, for formats that point into it; empty when the
    /// report was not graded from a file.
    #[serde(skip)]
    #[schemars(skip)]
    pub lines: TableLines,
    /// The waivers of `posture.toml` naming this protocol: applied, expired or unmatched,
    /// each with what it changed. Absent when none names it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<WaiverResult>,
    /// The score and grade without any waiver: present whenever `waivers` is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without_waivers: Option<Bound>,
    /// For a provisional grade, the unknown controls ranked by what stating each could win
    /// (`core::analysis::research`); only a single report has it, absent when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub value_of_information: Vec<Research>,
    /// The dates in the year ahead on which the grade, the score or a cap changes with no new
    /// facts (`core::analysis::forecast`); only a single report has it, absent when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forecast: Vec<Ahead>,
}

/// One date ahead on which the result changes while the facts stay as stated.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Ahead {
    /// The first day of the new result.
    pub date: Date,
    /// Score, grade and cap the day before.
    pub before: Standing,
    /// Score, grade and cap from this date.
    pub after: Standing,
    /// The controls that lose points on this date, by id.
    pub regressed: Vec<String>,
    /// The controls that win points on this date, by id.
    pub improved: Vec<String>,
    /// The gates that start capping on this date, by id.
    pub caps_added: Vec<String>,
    /// The gates that stop capping on this date, by id.
    pub caps_lifted: Vec<String>,
    /// The waivers that start or stop applying on this date, with their status from it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<WaiverTurn>,
}

/// A waiver whose status changes on a forecast date (it expires, or comes into force).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct WaiverTurn {
    /// The control it waives, if it waives a control.
    pub control: Option<ControlId>,
    /// The gate it waives, if it waives a gate.
    pub gate: Option<GateId>,
    /// Its status from this date.
    pub status: WaiverStatus,
}

/// What stating one unknown control could do to the grade, at best.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Research {
    /// The unknown control, e.g. `monitoring`.
    pub control: String,
    /// The control's name.
    pub title: String,
    /// Points of the total score stating it at its best value would add, at most.
    pub points: Score,
    /// The grade now, before the control is stated.
    pub grade_before: Grade,
    /// The grade with the control at its best value, caps included.
    pub grade_after: Grade,
}

/// What became of a waiver in one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum WaiverStatus {
    /// It changed the grade's inputs: its control counted as passing, or its gate's cap lifted.
    Applied,
    /// The evaluation date is after its last day: it changed nothing.
    Expired,
    /// It names nothing it could change: no such control or gate, or one that already passes.
    Unmatched,
    /// The evaluation date is before the day it was approved: not yet in force, it changed nothing.
    Pending,
}

impl WaiverStatus {
    /// The word a report shows.
    pub fn as_str(self) -> &'static str {
        match self {
            WaiverStatus::Applied => "applied",
            WaiverStatus::Expired => "expired",
            WaiverStatus::Unmatched => "unmatched",
            WaiverStatus::Pending => "pending",
        }
    }
}

/// A waiver as a report lists it: the waiver, what became of it and what it changed.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct WaiverResult {
    /// The protocol id it is for.
    pub protocol: String,
    /// The control it waives, if it waives a control.
    pub control: Option<ControlId>,
    /// The gate it waives, if it waives a gate.
    pub gate: Option<GateId>,
    /// Why the exception is accepted.
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
    /// The day it was approved.
    pub approved: Date,
    /// The last day it applies.
    pub expires: Date,
    /// Applied, expired, unmatched or pending.
    pub status: WaiverStatus,
    /// What it changed, in words ("nothing: ..." when it changed nothing).
    pub changed: String,
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

//! Rubrics: the policy side. Categories, weighted controls over catalogue metrics, gates that
//! cap the grade, and the grade scale. A rubric only names metrics; `metrics` computes them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::core::metrics::{self, MetricId, MetricKind};
use crate::core::problem::{FieldPath, Problem, did_you_mean};

/// The rubric used when none is named.
pub const DEFAULT_ID: &str = "defi-baseline";

/// Rubrics compiled into the binary, so posture works with no files and no network.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "defi-baseline",
        include_str!("../../rubrics/defi-baseline.toml"),
    ),
    (
        "defi-baseline@1",
        include_str!("../../rubrics/defi-baseline@1.toml"),
    ),
    (
        "institutional",
        include_str!("../../rubrics/institutional.toml"),
    ),
    (
        "three-pillars",
        include_str!("../../rubrics/three-pillars.toml"),
    ),
];

/// How long a waiver may run when the rubric does not say (`max_waiver_days`).
pub const DEFAULT_MAX_WAIVER_DAYS: u32 = 180;

/// A rubric after `extends` is resolved: every field present. Compiled into a [`Rubric`].
#[derive(Debug, Clone)]
pub struct RubricFile {
    /// The rubric's id, version, title and description.
    pub rubric: RubricMeta,
    /// Audit firms the policy trusts; empty means every firm counts.
    pub reputable_firms: Vec<String>,
    /// The longest a waiver may run, in days from approval to expiry.
    pub max_waiver_days: u32,
    /// The grade scale: labels with their minimum score.
    pub grades: Grades,
    /// How much credit a fact without a source earns.
    pub evidence: EvidencePolicy,
    /// The categories controls are grouped into, with their weights.
    pub categories: Vec<CategoryDef>,
    /// The controls: each scores one metric, with a weight, rationale and remediation.
    pub controls: Vec<ControlDef>,
    /// The gates: rules that cap the grade whatever the weighted score says.
    pub gates: Vec<GateDef>,
}

/// A rubric file as written. With `extends`, every table is optional and entries override the
/// base's entries of the same id field by field; without it, new entries need every field.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "posture rubric", extend("$id" = "https://posture.invalid/rubric.schema.json"))]
pub struct RubricSource {
    /// The rubric's id, version, title and description, and the rubric it extends, if any.
    pub rubric: RubricMeta,
    /// Audit firms this rubric's policy trusts (`audits.reputable_firms_covering`).
    pub reputable_firms: Option<Vec<String>>,
    /// The longest a `posture.toml` waiver may run under this rubric, in days from its
    /// `approved` date to its `expires` date (180 unless the rubric or its base says).
    #[schemars(range(min = 1, max = 3650))]
    pub max_waiver_days: Option<u32>,
    /// The grade scale: labels with their minimum score (0 to 100), best first.
    pub grades: Option<Grades>,
    /// How much credit a fact without a source earns.
    pub evidence: Option<EvidencePolicy>,
    /// The categories controls are grouped into, with their weights.
    #[serde(default)]
    pub categories: Vec<CategoryPatch>,
    /// The controls: each scores one metric, with a weight, rationale and remediation.
    #[serde(default)]
    pub controls: Vec<ControlPatch>,
    /// The gates: rules that cap the grade whatever the weighted score says.
    #[serde(default)]
    pub gates: Vec<GatePatch>,
}

/// Who a rubric is: its id, version and title, as a report's stamp names it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RubricMeta {
    /// kebab-case, e.g. `defi-baseline`: the name reports and `extends` use for the rubric.
    #[schemars(regex(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub id: String,
    /// A semver version, e.g. 2.0.0; a change of policy changes the version.
    pub version: crate::core::manifest::Version,
    /// A one-line title, e.g. "DeFi security posture baseline".
    pub title: String,
    /// What the rubric is for and who it suits, in a few sentences.
    #[serde(default)]
    pub description: String,
    /// A built-in rubric id, or a rubric file in the same folder, to start from.
    pub extends: Option<String>,
}

/// A category as a rubric file writes it; with `extends`, it overrides the base's category of the
/// same id field by field.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryPatch {
    /// The category's id, e.g. `verification`.
    pub id: String,
    /// The name a report shows for the category.
    pub title: Option<String>,
    /// The category's share of the total score, relative to the other categories' weights.
    pub weight: Option<f64>,
}

/// A control as a rubric file writes it; with `extends`, it overrides the base's control of the
/// same id field by field.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlPatch {
    /// The control's id (kebab-case), stable across rubric versions, e.g. `timelock`.
    pub id: String,
    /// The id of the category the control counts towards.
    pub category: Option<String>,
    /// The name a report shows for the control.
    pub title: Option<String>,
    /// The control's share of its category's score, relative to the other controls' weights.
    pub weight: Option<f64>,
    /// A metric name from the catalogue (`posture rubric metrics`).
    pub metric: Option<String>,
    /// How the metric's value becomes a score from 0 to 1: `tiers`, `linear`, `boolean` or
    /// `levels`.
    pub scoring: Option<Scoring>,
    /// A yes/no metric; when it is true the control leaves the denominator.
    pub not_applicable_when: Option<String>,
    /// How hard the remediation is (`low`, `medium` or `high`); orders a gap plan.
    pub effort: Option<Effort>,
    /// Why the control matters, for a reader of the report.
    pub rationale: Option<String>,
    /// What to do to pass the control.
    pub remediation: Option<String>,
    /// Links to standards or write-ups behind the control.
    pub references: Option<Vec<String>>,
}

/// A gate as a rubric file writes it; with `extends`, it overrides the base's gate of the same id
/// field by field.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GatePatch {
    /// The gate's id (kebab-case), e.g. `three-pillars`.
    pub id: String,
    /// The name a report shows for the gate.
    pub title: Option<String>,
    /// The gate fails when any condition holds.
    pub when_any: Option<Vec<Condition>>,
    /// Best grade a protocol failing this gate can get.
    pub cap: Option<String>,
    /// Why a protocol that fails the gate is capped, for a reader of the report.
    pub reason: Option<String>,
    /// What an unknown metric does to this gate (`fails` by default).
    pub unknown: Option<UnknownPolicy>,
}

/// Where an entry of a resolved rubric came from, to point problems at the right file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Written (or overridden) at this index of the file's own list.
    Own(usize),
    /// Inherited unchanged from the base rubric.
    Base,
}

/// The origins of each resolved list's entries.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    /// Where each category came from.
    pub categories: Vec<Origin>,
    /// Where each control came from.
    pub controls: Vec<Origin>,
    /// Where each gate came from.
    pub gates: Vec<Origin>,
}

/// The grade scale as a rubric file writes it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Grades {
    /// Labels with their minimum score, best first.
    pub scale: Vec<GradeStep>,
}

/// One grade of the scale and the least score that earns it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeStep {
    /// The grade's label, e.g. `A`.
    pub grade: String,
    /// The minimum score for this grade, from 0 to 100.
    #[schemars(range(min = 0, max = 100))]
    pub min: f64,
}

/// How much credit evidence earns according to whether it is sourced.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidencePolicy {
    /// Credit multiplier for a fact with no source.
    #[schemars(range(min = 0, max = 1))]
    pub self_attested: f64,
}

impl Default for EvidencePolicy {
    fn default() -> Self {
        Self { self_attested: 0.5 }
    }
}

/// A category of a resolved rubric, before it is checked.
#[derive(Debug, Clone)]
pub struct CategoryDef {
    /// The category's id, e.g. `verification`.
    pub id: String,
    /// The name a report shows for the category.
    pub title: String,
    /// The category's share of the total score, relative to the other categories' weights.
    pub weight: f64,
}

/// How hard a remediation is; orders a gap plan when gains are equal.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
#[schemars(transform = crate::core::manifest::plain_enum)]
pub enum Effort {
    /// Quick to fix, e.g. publishing a page.
    Low,
    /// Takes some work, e.g. setting up monitoring.
    Medium,
    /// A large effort, e.g. a new audit or a redesign.
    High,
}

/// A control of a resolved rubric, before it is checked against the catalogue.
#[derive(Debug, Clone)]
pub struct ControlDef {
    /// The control's id (kebab-case), stable across rubric versions, e.g. `timelock`.
    pub id: String,
    /// The id of the category the control counts towards.
    pub category: String,
    /// The name a report shows for the control.
    pub title: String,
    /// The control's share of its category's score, relative to the other controls' weights.
    pub weight: f64,
    /// A metric name from the catalogue (`posture rubric show`).
    pub metric: String,
    /// How the metric's value becomes a score from 0 to 1.
    pub scoring: Scoring,
    /// A boolean metric; when it is true the control leaves the denominator.
    pub not_applicable_when: Option<String>,
    /// How hard the remediation is; orders a gap plan.
    pub effort: Effort,
    /// Why the control matters, for a reader of the report.
    pub rationale: String,
    /// What to do to pass the control.
    pub remediation: String,
    /// Links to standards or write-ups behind the control.
    pub references: Vec<String>,
}

/// How a metric value becomes a control score in [0, 1].
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Scoring {
    /// First tier the value reaches scores; below all tiers scores 0.
    Tiers(Vec<Tier>),
    /// 0 at `from`, 1 at `to`, straight line between, clamped.
    Linear {
        /// The metric value that scores 0.
        from: f64,
        /// The metric value that scores 1.
        to: f64,
    },
    /// Scores 1 when the metric equals this value, else 0.
    Boolean(bool),
    /// Level name -> score; a level not listed scores 0.
    Levels(BTreeMap<String, f64>),
}

/// One threshold: `min` for more-is-better metrics, `max` for less-is-better (ages).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// The least value that earns this tier's score (for metrics where more is better).
    pub min: Option<f64>,
    /// The largest value that earns this tier's score (for metrics where less is better, e.g. ages
    /// in days).
    pub max: Option<f64>,
    /// The score this tier gives, from 0 to 1.
    #[schemars(range(min = 0, max = 1))]
    pub score: f64,
}

/// A gate of a resolved rubric, before it is checked against the catalogue.
#[derive(Debug, Clone)]
pub struct GateDef {
    /// The gate's id (kebab-case), e.g. `three-pillars`.
    pub id: String,
    /// The name a report shows for the gate.
    pub title: String,
    /// The gate fails when any condition holds.
    pub when_any: Vec<Condition>,
    /// Best grade a protocol failing this gate can get.
    pub cap: String,
    /// Why a protocol that fails the gate is capped, for a reader of the report.
    pub reason: String,
    /// What an unknown metric does to this gate.
    pub unknown: UnknownPolicy,
}

/// Unknown is not a pass: by default a gate whose metric is unknown fails.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(transform = crate::core::manifest::plain_enum)]
pub enum UnknownPolicy {
    #[default]
    /// An unknown metric makes the gate fail (the default: unknown is not a pass).
    Fails,
    /// An unknown metric lets the gate pass.
    Passes,
}

/// One test of a gate on one metric: it holds when the metric is below, above or equal to a value.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// A metric name from the catalogue, e.g. `monitoring.level_rank`.
    pub metric: String,
    /// The condition holds when the metric is less than this number.
    pub below: Option<f64>,
    /// The condition holds when the metric is more than this number.
    pub above: Option<f64>,
    /// The condition holds when the metric equals this value (yes/no, number or level name).
    pub equals: Option<Literal>,
}

/// A value a gate compares a metric with.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Literal {
    /// A yes/no value.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A level name, e.g. `realtime`.
    Text(String),
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Number(n) => write!(f, "{n}"),
            Literal::Text(t) => write!(f, "\"{t}\""),
        }
    }
}

/// A letter (or any label) from a rubric's scale. `rank` 0 is the best grade.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Grade {
    /// The grade's label, e.g. `A`.
    pub label: String,
    /// Its place on the scale: 0 is the best grade.
    pub rank: usize,
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

impl Serialize for Grade {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.label)
    }
}

/// The grade scale, best first, with strictly decreasing minimums.
#[derive(Debug, Clone)]
pub struct GradeScale(Vec<GradeStep>);

impl GradeScale {
    /// The best grade whose minimum the score reaches (the worst grade if none).
    pub fn grade_for(&self, score: f64) -> Grade {
        let rank = self
            .0
            .iter()
            .position(|s| score >= s.min)
            .unwrap_or(self.0.len() - 1);
        self.grade(rank)
    }

    /// The grade at a place on the scale (0 is the best).
    pub fn grade(&self, rank: usize) -> Grade {
        Grade {
            label: self.0[rank].grade.clone(),
            rank,
        }
    }

    /// Looks a label up, case-insensitively (`--fail-under b` means B).
    pub fn parse(&self, label: &str) -> Option<Grade> {
        self.0
            .iter()
            .position(|s| s.grade.eq_ignore_ascii_case(label))
            .map(|rank| self.grade(rank))
    }

    /// The least score that earns a grade.
    pub fn min_of(&self, grade: &Grade) -> f64 {
        self.0[grade.rank].min
    }

    /// Every grade, best first.
    pub fn grades(&self) -> impl Iterator<Item = Grade> + '_ {
        (0..self.0.len()).map(|rank| self.grade(rank))
    }

    /// Every label, best first.
    pub fn labels(&self) -> Vec<&str> {
        self.0.iter().map(|s| s.grade.as_str()).collect()
    }
}

/// A control id (`timelock`): stable across rubric versions, used by scripts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ControlId(pub String);

/// A gate id (`three-pillars`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct GateId(pub String);

impl fmt::Display for ControlId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for GateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A rubric checked and resolved against the metric catalogue, ready to score with.
#[derive(Debug, Clone)]
pub struct Rubric {
    /// The rubric's id, version, title and description.
    pub meta: RubricMeta,
    /// The grade scale.
    pub scale: GradeScale,
    /// Credit multiplier (0 to 1) for a fact with no source.
    pub self_attested: f64,
    /// The categories, with their weights.
    pub categories: Vec<Category>,
    /// The controls, each tied to a metric of the catalogue.
    pub controls: Vec<Control>,
    /// The gates that cap the grade.
    pub gates: Vec<Gate>,
    /// Audit firms the policy trusts; empty means every firm counts.
    pub reputable_firms: Vec<String>,
    /// The longest a waiver may run, in days from approval to expiry.
    pub max_waiver_days: u32,
    /// sha256 of the rubric text (chained with its base's), for the report's stamp.
    pub sha256: String,
}

/// A category of a checked rubric: controls are grouped under it.
#[derive(Debug, Clone)]
pub struct Category {
    /// The category's id, e.g. `verification`.
    pub id: String,
    /// The name a report shows for the category.
    pub title: String,
    /// The category's share of the total score, relative to the other categories' weights.
    pub weight: f64,
}

/// A control of a checked rubric: it scores one metric of the catalogue.
#[derive(Debug, Clone)]
pub struct Control {
    /// The control's id, stable across rubric versions, e.g. `timelock`.
    pub id: ControlId,
    /// Index into `Rubric::categories`.
    pub category: usize,
    /// The name a report shows for the control.
    pub title: String,
    /// The control's share of its category's score, relative to the other controls' weights.
    pub weight: f64,
    /// The metric the control scores.
    pub metric: MetricId,
    /// How the metric's value becomes a score from 0 to 1.
    pub scoring: Scoring,
    /// A yes/no metric; when it is true the control does not apply and leaves the denominator.
    pub not_applicable_when: Option<MetricId>,
    /// How hard the remediation is; orders a gap plan.
    pub effort: Effort,
    /// Why the control matters, for a reader of the report.
    pub rationale: String,
    /// What to do to pass the control.
    pub remediation: String,
    /// Links to standards or write-ups behind the control.
    pub references: Vec<String>,
}

/// A gate of a checked rubric: it caps the grade when any of its conditions holds.
#[derive(Debug, Clone)]
pub struct Gate {
    /// The gate's id, e.g. `three-pillars`.
    pub id: GateId,
    /// The name a report shows for the gate.
    pub title: String,
    /// The conditions; the gate fails when any holds.
    pub when_any: Vec<GateCondition>,
    /// The best grade a protocol failing this gate can get.
    pub cap: Grade,
    /// Why a protocol that fails the gate is capped, for a reader of the report.
    pub reason: String,
    /// What an unknown metric does to this gate.
    pub unknown: UnknownPolicy,
}

/// One condition of a checked gate: a metric and the test it must meet.
#[derive(Debug, Clone)]
pub struct GateCondition {
    /// The metric tested.
    pub metric: MetricId,
    /// The comparison that makes the condition hold.
    pub test: Test,
}

/// How a gate condition compares its metric with a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Holds when the metric is less than this number.
    Below(f64),
    /// Holds when the metric is more than this number.
    Above(f64),
    /// Holds when the metric equals this value.
    Equals(Literal),
}

impl fmt::Display for GateCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = metrics::def(self.metric).name;
        match &self.test {
            Test::Below(x) => write!(f, "{name} below {x}"),
            Test::Above(x) => write!(f, "{name} above {x}"),
            Test::Equals(x) => write!(f, "{name} equals {x}"),
        }
    }
}

impl Rubric {
    /// Checks a parsed rubric file and resolves its names; every problem at once.
    pub fn compile(file: RubricFile, sha256: String) -> Result<Rubric, Vec<Problem>> {
        let mut problems = Vec::new();
        let root = FieldPath::root();

        let scale = check_scale(&file.grades.scale, &mut problems);

        let mut category_ids = BTreeSet::new();
        for (i, c) in file.categories.iter().enumerate() {
            let at = root.key("categories").index(i);
            check_id("category", &c.id, at.key("id"), &mut problems);
            if !category_ids.insert(c.id.as_str()) {
                problems.push(Problem::error(
                    at.key("id"),
                    format!("duplicate category id `{}`", c.id),
                ));
            }
            check_weight(c.weight, at.key("weight"), &mut problems);
        }
        if file.categories.is_empty() {
            problems.push(Problem::error(
                root.key("categories"),
                "a rubric needs at least one category",
            ));
        }

        let mut controls = Vec::new();
        let mut control_ids = BTreeSet::new();
        if file.controls.len() > MAX_CONTROLS {
            problems.push(Problem::error(
                root.key("controls"),
                format!(
                    "{} controls: a rubric holds at most {MAX_CONTROLS}",
                    file.controls.len()
                ),
            ));
        }
        for (i, c) in file.controls.iter().enumerate() {
            let at = root.key("controls").index(i);
            check_id("control", &c.id, at.key("id"), &mut problems);
            if !control_ids.insert(c.id.as_str()) {
                problems.push(Problem::error(
                    at.key("id"),
                    format!("duplicate control id `{}`", c.id),
                ));
            }
            check_weight(c.weight, at.key("weight"), &mut problems);
            let category = file.categories.iter().position(|k| k.id == c.category);
            if category.is_none() {
                let names: Vec<&str> = file.categories.iter().map(|k| k.id.as_str()).collect();
                problems.push(
                    Problem::error(
                        at.key("category"),
                        format!("unknown category `{}`", c.category),
                    )
                    .with_help(did_you_mean(&c.category, &names, "categories")),
                );
            }
            let metric = resolve_metric(&c.metric, at.key("metric"), &mut problems);
            if let Some(m) = metric {
                check_scoring(&c.scoring, m, at.key("scoring"), &mut problems);
            }
            let not_applicable_when = c.not_applicable_when.as_ref().and_then(|name| {
                let id = resolve_metric(name, at.key("not_applicable_when"), &mut problems)?;
                if metrics::def(id).kind != MetricKind::Bool {
                    problems.push(Problem::error(
                        at.key("not_applicable_when"),
                        format!("`{name}` is not a yes/no metric, so it cannot make a control not applicable"),
                    ));
                }
                Some(id)
            });
            if let (Some(category), Some(metric)) = (category, metric) {
                controls.push(Control {
                    id: ControlId(c.id.clone()),
                    category,
                    title: c.title.clone(),
                    weight: c.weight,
                    metric,
                    scoring: c.scoring.clone(),
                    not_applicable_when,
                    effort: c.effort,
                    rationale: c.rationale.clone(),
                    remediation: c.remediation.clone(),
                    references: c.references.clone(),
                });
            }
        }
        for (i, k) in file.categories.iter().enumerate() {
            if !file.controls.iter().any(|c| c.category == k.id) {
                problems.push(Problem::error(
                    root.key("categories").index(i).key("id"),
                    format!("category `{}` holds no control", k.id),
                ));
            }
        }

        let mut gates = Vec::new();
        let mut gate_ids = BTreeSet::new();
        for (i, g) in file.gates.iter().enumerate() {
            let at = root.key("gates").index(i);
            check_id("gate", &g.id, at.key("id"), &mut problems);
            if !gate_ids.insert(g.id.as_str()) {
                problems.push(Problem::error(
                    at.key("id"),
                    format!("duplicate gate id `{}`", g.id),
                ));
            }
            let cap = scale.as_ref().and_then(|s| {
                let grade = s.parse(&g.cap);
                if grade.is_none() {
                    problems.push(
                        Problem::error(
                            at.key("cap"),
                            format!("gate caps at `{}`, a grade the scale lacks", g.cap),
                        )
                        .with_help(did_you_mean(
                            &g.cap,
                            &s.labels(),
                            "grades",
                        )),
                    );
                }
                grade
            });
            if g.when_any.is_empty() {
                problems.push(Problem::error(
                    at.key("when_any"),
                    "a gate needs at least one condition",
                ));
            }
            let mut conditions = Vec::new();
            for (j, cond) in g.when_any.iter().enumerate() {
                if let Some(c) = check_condition(cond, at.key("when_any").index(j), &mut problems) {
                    conditions.push(c);
                }
            }
            if let Some(cap) = cap {
                gates.push(Gate {
                    id: GateId(g.id.clone()),
                    title: g.title.clone(),
                    when_any: conditions,
                    cap,
                    reason: g.reason.clone(),
                    unknown: g.unknown,
                });
            }
        }

        let policy = file.evidence.self_attested;
        if !(0.0..=1.0).contains(&policy) {
            problems.push(Problem::error(
                root.key("evidence").key("self_attested"),
                format!("self_attested is {policy}: it is a multiplier between 0 and 1"),
            ));
        }

        match scale {
            Some(scale) if problems.is_empty() => Ok(Rubric {
                meta: file.rubric,
                scale,
                self_attested: policy,
                categories: file
                    .categories
                    .into_iter()
                    .map(|c| Category {
                        id: c.id,
                        title: c.title,
                        weight: c.weight,
                    })
                    .collect(),
                controls,
                gates,
                reputable_firms: file.reputable_firms,
                max_waiver_days: file.max_waiver_days,
                sha256,
            }),
            _ => Err(problems),
        }
    }

    /// The control with this id, if the rubric has one.
    pub fn control(&self, id: &str) -> Option<&Control> {
        self.controls.iter().find(|c| c.id.0 == id)
    }
}

/// Largest weight a category or control may have: weights are proportions, and bounded ones
/// cannot add up to infinity.
pub const MAX_WEIGHT: f64 = 1e6;
/// Most controls a rubric may hold: every analysis stays well under a second per manifest.
pub const MAX_CONTROLS: usize = 500;

fn check_weight(weight: f64, at: FieldPath, problems: &mut Vec<Problem>) {
    if !(weight.is_finite() && weight > 0.0 && weight <= MAX_WEIGHT) {
        problems.push(Problem::error(
            at,
            format!("weight is {weight}: weights are positive numbers up to {MAX_WEIGHT:e}"),
        ));
    }
}

/// Rubric ids are kebab-case, so they are safe in every format (Markdown code spans, HTML).
fn check_id(kind: &str, id: &str, at: FieldPath, problems: &mut Vec<Problem>) {
    if !crate::core::validate::kebab(id) {
        problems.push(Problem::error(
            at,
            format!(
                "{kind} id `{}` is not kebab-case (lower-case letters, digits, single dashes)",
                id.escape_default()
            ),
        ));
    }
}

fn check_scale(steps: &[GradeStep], problems: &mut Vec<Problem>) -> Option<GradeScale> {
    let at = FieldPath::root().key("grades").key("scale");
    let before = problems.len();
    if steps.is_empty() {
        problems.push(Problem::error(at.clone(), "the grade scale is empty"));
    }
    let mut seen = BTreeSet::new();
    for (i, s) in steps.iter().enumerate() {
        if !seen.insert(s.grade.to_ascii_uppercase()) {
            problems.push(Problem::error(
                at.index(i).key("grade"),
                format!("grade `{}` appears twice", s.grade),
            ));
        }
        if !(0.0..=100.0).contains(&s.min) {
            problems.push(Problem::error(
                at.index(i).key("min"),
                format!("min is {}: scores run from 0 to 100", s.min),
            ));
        }
        if i > 0 && s.min >= steps[i - 1].min {
            problems.push(Problem::error(
                at.index(i).key("min"),
                format!(
                    "grades go best first, so `{}` needs a lower min than `{}` ({})",
                    s.grade,
                    steps[i - 1].grade,
                    steps[i - 1].min
                ),
            ));
        }
    }
    (problems.len() == before).then(|| GradeScale(steps.to_vec()))
}

fn resolve_metric(name: &str, at: FieldPath, problems: &mut Vec<Problem>) -> Option<MetricId> {
    let id = metrics::lookup(name);
    if id.is_none() {
        problems.push(
            Problem::error(at, format!("unknown metric `{name}`")).with_help(did_you_mean(
                name,
                &metrics::names(),
                "metrics",
            )),
        );
    }
    id
}

fn check_scoring(scoring: &Scoring, metric: MetricId, at: FieldPath, problems: &mut Vec<Problem>) {
    let def = metrics::def(metric);
    let wrong = |kind: &str| {
        Problem::error(
            at.clone(),
            format!(
                "`{kind}` scoring needs a {} metric, but `{}` is {}",
                if kind == "boolean" {
                    "yes/no"
                } else if kind == "levels" {
                    "level"
                } else {
                    "numeric"
                },
                def.name,
                def.kind.describe()
            ),
        )
    };
    match scoring {
        Scoring::Tiers(tiers) => {
            if !matches!(def.kind, MetricKind::Number(_)) {
                problems.push(wrong("tiers"));
            }
            if tiers.is_empty() {
                problems.push(Problem::error(at.key("tiers"), "tiers are empty"));
            }
            let rising = tiers.first().is_some_and(|t| t.min.is_some());
            for (i, t) in tiers.iter().enumerate() {
                let here = at.key("tiers").index(i);
                match (t.min, t.max) {
                    (Some(_), None) if rising => {}
                    (None, Some(_)) if !rising => {}
                    (Some(_), Some(_)) | (None, None) => problems.push(Problem::error(
                        here.clone(),
                        "a tier takes exactly one of `min` (more is better) or `max` (less is better)",
                    )),
                    _ => problems.push(Problem::error(
                        here.clone(),
                        "all tiers of a control use the same bound: all `min` or all `max`",
                    )),
                }
                if !(0.0..=1.0).contains(&t.score) {
                    problems.push(Problem::error(
                        here.key("score"),
                        format!("score is {}: tier scores run from 0 to 1", t.score),
                    ));
                }
                if i > 0 {
                    let prev = &tiers[i - 1];
                    let out_of_order = match (prev.min, t.min, prev.max, t.max) {
                        (Some(a), Some(b), _, _) => b >= a,
                        (_, _, Some(a), Some(b)) => b <= a,
                        _ => false,
                    };
                    if out_of_order {
                        problems.push(Problem::error(
                            here,
                            "tiers go best first: each tier's bound must be looser than the one before",
                        ));
                    }
                }
            }
        }
        Scoring::Linear { from, to } => {
            if !matches!(def.kind, MetricKind::Number(_)) {
                problems.push(wrong("linear"));
            }
            if from == to || !from.is_finite() || !to.is_finite() {
                problems.push(Problem::error(
                    at.key("linear"),
                    "linear scoring needs two different finite points `from` and `to`",
                ));
            }
        }
        Scoring::Boolean(_) => {
            if def.kind != MetricKind::Bool {
                problems.push(wrong("boolean"));
            }
        }
        Scoring::Levels(levels) => {
            let MetricKind::Level(allowed) = def.kind else {
                problems.push(wrong("levels"));
                return;
            };
            for (name, score) in levels {
                if !allowed.contains(&name.as_str()) {
                    problems.push(
                        Problem::error(
                            at.key("levels").key(name),
                            format!("`{name}` is not a level of `{}`", def.name),
                        )
                        .with_help(did_you_mean(name, allowed, "levels")),
                    );
                }
                if !(0.0..=1.0).contains(score) {
                    problems.push(Problem::error(
                        at.key("levels").key(name),
                        format!("score is {score}: level scores run from 0 to 1"),
                    ));
                }
            }
        }
    }
}

fn check_condition(
    cond: &Condition,
    at: FieldPath,
    problems: &mut Vec<Problem>,
) -> Option<GateCondition> {
    let metric = resolve_metric(&cond.metric, at.key("metric"), problems)?;
    let tests: Vec<Test> = [
        cond.below.map(Test::Below),
        cond.above.map(Test::Above),
        cond.equals.clone().map(Test::Equals),
    ]
    .into_iter()
    .flatten()
    .collect();
    let [test] = tests.as_slice() else {
        problems.push(Problem::error(
            at,
            "a condition takes exactly one of `below`, `above` or `equals`",
        ));
        return None;
    };
    let kind = metrics::def(metric).kind;
    let fits = match (test, kind) {
        (Test::Below(_) | Test::Above(_), MetricKind::Number(_)) => true,
        (Test::Equals(Literal::Bool(_)), MetricKind::Bool) => true,
        (Test::Equals(Literal::Number(_)), MetricKind::Number(_)) => true,
        (Test::Equals(Literal::Text(t)), MetricKind::Level(allowed)) => {
            if !allowed.contains(&t.as_str()) {
                problems.push(
                    Problem::error(
                        at.key("equals"),
                        format!("`{t}` is not a level of `{}`", cond.metric),
                    )
                    .with_help(did_you_mean(t, allowed, "levels")),
                );
                return None;
            }
            true
        }
        _ => false,
    };
    if !fits {
        problems.push(Problem::error(
            at,
            format!(
                "this test does not fit `{}`, which is {}",
                cond.metric,
                kind.describe()
            ),
        ));
        return None;
    }
    Some(GateCondition {
        metric,
        test: test.clone(),
    })
}

impl RubricSource {
    /// Applies this file to its base (or to nothing), field by field and id by id. Problems
    /// point into this file; `Origins` says which resolved entries came from it.
    pub fn resolve(self, base: Option<RubricFile>) -> Result<(RubricFile, Origins), Vec<Problem>> {
        let root = FieldPath::root();
        let mut problems = Vec::new();
        let had_base = base.is_some();
        let max_waiver_days = self
            .max_waiver_days
            .or(base.as_ref().map(|b| b.max_waiver_days))
            .unwrap_or(DEFAULT_MAX_WAIVER_DAYS);
        let (grades, evidence, firms, mut categories, mut controls, mut gates) = match base {
            Some(b) => (
                Some(b.grades),
                Some(b.evidence),
                b.reputable_firms,
                b.categories,
                b.controls,
                b.gates,
            ),
            None => (None, None, Vec::new(), Vec::new(), Vec::new(), Vec::new()),
        };
        let mut origins = Origins {
            categories: vec![Origin::Base; categories.len()],
            controls: vec![Origin::Base; controls.len()],
            gates: vec![Origin::Base; gates.len()],
        };
        let grades = self.grades.or(grades);
        if grades.is_none() {
            problems.push(Problem::error(
                root.key("grades"),
                "a rubric needs a [grades] scale, or `extends` to inherit one",
            ));
        }
        // A new entry without all its fields is usually a misspelled override: suggest the id.
        let new_needs = |what: &str,
                         id: &str,
                         at: &FieldPath,
                         missing: &[&str],
                         known: &[&str],
                         problems: &mut Vec<Problem>| {
            if !missing.is_empty() {
                let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
                let help = crate::core::problem::nearest(id, known)
                    .map(|k| format!("to override the base's `{k}`, write id = \"{k}\""));
                problems.push(
                    Problem::error(
                        at.clone(),
                        format!(
                            "{what} `{id}` is {}, so it needs {}",
                            if had_base {
                                "not in the base rubric"
                            } else {
                                "new"
                            },
                            list.join(", ")
                        ),
                    )
                    .with_help(help),
                );
            }
        };

        for (i, p) in self.categories.into_iter().enumerate() {
            let at = root.key("categories").index(i);
            match categories.iter().position(|c| c.id == p.id) {
                Some(k) if matches!(origins.categories[k], Origin::Own(_)) => {
                    problems.push(Problem::error(
                        at.key("id"),
                        format!("duplicate category id `{}`", p.id),
                    ));
                }
                Some(k) => {
                    let c = &mut categories[k];
                    if let Some(t) = p.title {
                        c.title = t;
                    }
                    if let Some(w) = p.weight {
                        c.weight = w;
                    }
                    origins.categories[k] = Origin::Own(i);
                }
                None => match (p.title, p.weight) {
                    (Some(title), Some(weight)) => {
                        categories.push(CategoryDef {
                            id: p.id,
                            title,
                            weight,
                        });
                        origins.categories.push(Origin::Own(i));
                    }
                    (t, w) => {
                        let missing: Vec<&str> = [(t.is_none(), "title"), (w.is_none(), "weight")]
                            .iter()
                            .filter(|x| x.0)
                            .map(|x| x.1)
                            .collect();
                        let known: Vec<&str> = categories.iter().map(|c| c.id.as_str()).collect();
                        new_needs("category", &p.id, &at, &missing, &known, &mut problems);
                    }
                },
            }
        }

        for (i, p) in self.controls.into_iter().enumerate() {
            let at = root.key("controls").index(i);
            match controls.iter().position(|c| c.id == p.id) {
                Some(k) if matches!(origins.controls[k], Origin::Own(_)) => {
                    problems.push(Problem::error(
                        at.key("id"),
                        format!("duplicate control id `{}`", p.id),
                    ));
                }
                Some(k) => {
                    let c = &mut controls[k];
                    if let Some(v) = p.category {
                        c.category = v;
                    }
                    if let Some(v) = p.title {
                        c.title = v;
                    }
                    if let Some(v) = p.weight {
                        c.weight = v;
                    }
                    if let Some(v) = p.metric {
                        c.metric = v;
                    }
                    if let Some(v) = p.scoring {
                        c.scoring = v;
                    }
                    if p.not_applicable_when.is_some() {
                        c.not_applicable_when = p.not_applicable_when;
                    }
                    if let Some(v) = p.effort {
                        c.effort = v;
                    }
                    if let Some(v) = p.rationale {
                        c.rationale = v;
                    }
                    if let Some(v) = p.remediation {
                        c.remediation = v;
                    }
                    if let Some(v) = p.references {
                        c.references = v;
                    }
                    origins.controls[k] = Origin::Own(i);
                }
                None => {
                    let missing: Vec<&str> = [
                        (p.category.is_none(), "category"),
                        (p.title.is_none(), "title"),
                        (p.weight.is_none(), "weight"),
                        (p.metric.is_none(), "metric"),
                        (p.scoring.is_none(), "scoring"),
                        (p.effort.is_none(), "effort"),
                        (p.rationale.is_none(), "rationale"),
                        (p.remediation.is_none(), "remediation"),
                    ]
                    .iter()
                    .filter(|x| x.0)
                    .map(|x| x.1)
                    .collect();
                    if !missing.is_empty() {
                        let known: Vec<&str> = controls.iter().map(|c| c.id.as_str()).collect();
                        new_needs("control", &p.id, &at, &missing, &known, &mut problems);
                        continue;
                    }
                    controls.push(ControlDef {
                        id: p.id,
                        category: p.category.unwrap_or_default(),
                        title: p.title.unwrap_or_default(),
                        weight: p.weight.unwrap_or_default(),
                        metric: p.metric.unwrap_or_default(),
                        scoring: p.scoring.unwrap_or(Scoring::Boolean(true)),
                        not_applicable_when: p.not_applicable_when,
                        effort: p.effort.unwrap_or(Effort::Medium),
                        rationale: p.rationale.unwrap_or_default(),
                        remediation: p.remediation.unwrap_or_default(),
                        references: p.references.unwrap_or_default(),
                    });
                    origins.controls.push(Origin::Own(i));
                }
            }
        }

        for (i, p) in self.gates.into_iter().enumerate() {
            let at = root.key("gates").index(i);
            match gates.iter().position(|g| g.id == p.id) {
                Some(k) if matches!(origins.gates[k], Origin::Own(_)) => {
                    problems.push(Problem::error(
                        at.key("id"),
                        format!("duplicate gate id `{}`", p.id),
                    ));
                }
                Some(k) => {
                    let g = &mut gates[k];
                    if let Some(v) = p.title {
                        g.title = v;
                    }
                    if let Some(v) = p.when_any {
                        g.when_any = v;
                    }
                    if let Some(v) = p.cap {
                        g.cap = v;
                    }
                    if let Some(v) = p.reason {
                        g.reason = v;
                    }
                    if let Some(v) = p.unknown {
                        g.unknown = v;
                    }
                    origins.gates[k] = Origin::Own(i);
                }
                None => match (p.title, p.when_any, p.cap, p.reason) {
                    (Some(title), Some(when_any), Some(cap), Some(reason)) => {
                        gates.push(GateDef {
                            id: p.id,
                            title,
                            when_any,
                            cap,
                            reason,
                            unknown: p.unknown.unwrap_or_default(),
                        });
                        origins.gates.push(Origin::Own(i));
                    }
                    (t, w, c, r) => {
                        let missing: Vec<&str> = [
                            (t.is_none(), "title"),
                            (w.is_none(), "when_any"),
                            (c.is_none(), "cap"),
                            (r.is_none(), "reason"),
                        ]
                        .iter()
                        .filter(|x| x.0)
                        .map(|x| x.1)
                        .collect();
                        let known: Vec<&str> = gates.iter().map(|g| g.id.as_str()).collect();
                        new_needs("gate", &p.id, &at, &missing, &known, &mut problems);
                    }
                },
            }
        }

        match grades {
            Some(grades) if problems.is_empty() => Ok((
                RubricFile {
                    rubric: self.rubric,
                    reputable_firms: self.reputable_firms.unwrap_or(firms),
                    max_waiver_days,
                    grades,
                    evidence: self.evidence.or(evidence).unwrap_or_default(),
                    categories,
                    controls,
                    gates,
                },
                origins,
            )),
            _ => Err(problems),
        }
    }
}

impl Origins {
    /// Maps a problem found in the resolved rubric back to the file: entries this file wrote
    /// keep their path (re-indexed); inherited ones point at `extends`.
    pub fn locate(&self, mut p: Problem) -> Problem {
        use crate::core::problem::Segment;
        let list = match p.path.0.first() {
            Some(Segment::Key(k)) if k == "categories" => &self.categories,
            Some(Segment::Key(k)) if k == "controls" => &self.controls,
            Some(Segment::Key(k)) if k == "gates" => &self.gates,
            _ => return p,
        };
        let Some(Segment::Index(i)) = p.path.0.get(1).cloned() else {
            return p;
        };
        match list.get(i) {
            Some(Origin::Own(j)) => p.path.0[1] = Segment::Index(*j),
            _ => {
                p.message = format!("in the base rubric ({}): {}", p.path, p.message);
                p.path = FieldPath::root().key("rubric").key("extends");
            }
        }
        p
    }
}

impl Rubric {
    /// Things that are legal but probably not meant: conditions that can never hold, caps that
    /// cannot lower a grade, levels that silently score 0, tiers that reward the looser bound.
    /// Paths index the resolved rubric; map them with [`Origins::locate`].
    pub fn lint(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let root = FieldPath::root();
        if let Some(last) = self.scale.0.last().filter(|s| s.min > 0.0) {
            out.push(Problem::warning(
                root.key("grades")
                    .key("scale")
                    .index(self.scale.0.len() - 1)
                    .key("min"),
                format!(
                    "the lowest grade `{}` starts at {}: scores below it get `{}` anyway",
                    last.grade, last.min, last.grade
                ),
            ));
        }
        for (i, c) in self.controls.iter().enumerate() {
            let at = root.key("controls").index(i);
            let def = metrics::def(c.metric);
            if c.rationale.trim().is_empty() {
                out.push(Problem::warning(
                    at.key("rationale"),
                    format!("control `{}` says nothing about why it matters", c.id),
                ));
            }
            if c.remediation.trim().is_empty() {
                out.push(Problem::warning(
                    at.key("remediation"),
                    format!("control `{}` gives no remediation for its gap report", c.id),
                ));
            }
            match (&c.scoring, def.kind) {
                (Scoring::Levels(levels), MetricKind::Level(allowed)) => {
                    let unlisted: Vec<&str> = allowed
                        .iter()
                        .copied()
                        .filter(|l| !levels.contains_key(*l))
                        .collect();
                    if !unlisted.is_empty() {
                        out.push(Problem::warning(
                            at.key("scoring").key("levels"),
                            format!(
                                "levels {} of `{}` are not listed and score 0",
                                unlisted.join(", "),
                                def.name
                            ),
                        ));
                    }
                }
                (Scoring::Tiers(tiers), _) => {
                    for (k, w) in tiers.windows(2).enumerate() {
                        if w[1].score > w[0].score {
                            out.push(Problem::warning(
                                at.key("scoring").key("tiers").index(k + 1).key("score"),
                                format!("this looser tier scores {} , more than the stricter one before it ({})", w[1].score, w[0].score),
                            ));
                        }
                    }
                }
                (Scoring::Linear { from, to }, MetricKind::Number(metrics::Unit::Ratio))
                    if from.max(*to) > 1.0 || from.min(*to) < 0.0 =>
                {
                    out.push(Problem::warning(
                        at.key("scoring").key("linear"),
                        format!("`{}` is a ratio from 0 to 1, so a line from {from} to {to} cannot reach both ends", def.name),
                    ));
                }
                _ => {}
            }
        }
        for (i, g) in self.gates.iter().enumerate() {
            let at = root.key("gates").index(i);
            if g.cap.rank == 0 {
                out.push(Problem::warning(
                    at.key("cap"),
                    format!(
                        "gate `{}` caps at the best grade `{}`: it can never lower a grade",
                        g.id, g.cap
                    ),
                ));
            }
            for (j, cond) in g.when_any.iter().enumerate() {
                let def = metrics::def(cond.metric);
                let never = match (&cond.test, def.kind) {
                    (Test::Below(x), MetricKind::Number(_)) => *x <= 0.0,
                    (Test::Above(x), MetricKind::Number(metrics::Unit::Ratio)) => *x >= 1.0,
                    (
                        Test::Equals(Literal::Number(x)),
                        MetricKind::Number(metrics::Unit::Count),
                    ) => x.fract() != 0.0 || *x < 0.0,
                    _ => false,
                };
                if never {
                    out.push(Problem::warning(
                        at.key("when_any").index(j),
                        format!(
                            "`{cond}` can never hold: `{}` is {}",
                            def.name,
                            def.kind.describe()
                        ),
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(text: &str) -> Result<Rubric, Vec<Problem>> {
        let written: RubricSource = toml::from_str(text).expect("test rubric parses");
        let (file, _) = written.resolve(None)?;
        Rubric::compile(file, String::new())
    }

    const HEAD: &str = r#"
[rubric]
id = "t"
version = "1.0.0"
title = "t"
[grades]
scale = [ { grade = "A", min = 85 }, { grade = "B", min = 70 }, { grade = "C", min = 55 },
          { grade = "D", min = 40 }, { grade = "F", min = 0 } ]
[[categories]]
id = "governance"
title = "Governance"
weight = 1
"#;

    fn control(metric: &str, scoring: &str) -> String {
        format!(
            r#"{HEAD}
[[controls]]
id = "c"
category = "governance"
title = "c"
weight = 1
metric = "{metric}"
scoring = {scoring}
effort = "low"
rationale = "r"
remediation = "r"
"#
        )
    }

    fn messages(r: Result<Rubric, Vec<Problem>>) -> Vec<String> {
        r.expect_err("the rubric is rejected")
            .into_iter()
            .map(|p| format!("{}: {} {}", p.path, p.message, p.help.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn grade_boundaries_are_inclusive_minimums() {
        let r = compile(&control(
            "timelock.delay_hours",
            "{ tiers = [ { min = 1, score = 1.0 } ] }",
        ))
        .unwrap();
        let g = |s: f64| r.scale.grade_for(s).label;
        assert_eq!(g(100.0), "A");
        assert_eq!(g(85.0), "A");
        assert_eq!(g(84.99), "B");
        assert_eq!(g(70.0), "B");
        assert_eq!(g(69.99), "C");
        assert_eq!(g(55.0), "C");
        assert_eq!(g(40.0), "D");
        assert_eq!(g(39.99), "F");
        assert_eq!(g(0.0), "F");
        assert_eq!(r.scale.parse("b").map(|g| g.rank), Some(1));
    }

    #[test]
    fn unknown_metrics_are_rejected_with_a_suggestion() {
        let m = messages(compile(&control(
            "timelock.delay_hour",
            "{ tiers = [ { min = 1, score = 1.0 } ] }",
        )));
        assert_eq!(
            m,
            vec![
                "controls[0].metric: unknown metric `timelock.delay_hour` did you mean `timelock.delay_hours`?"
            ]
        );
    }

    #[test]
    fn scoring_must_fit_the_metric() {
        let m = messages(compile(&control(
            "admin.model",
            "{ tiers = [ { min = 1, score = 1.0 } ] }",
        )));
        assert!(
            m[0].contains("`tiers` scoring needs a numeric metric"),
            "{m:?}"
        );
        let m = messages(compile(&control(
            "admin.model",
            "{ levels = { multisig = 1.0 } }",
        )));
        assert!(
            m[0].contains("`multisig` is not a level of `admin.model`"),
            "{m:?}"
        );
    }

    #[test]
    fn tiers_out_of_order_are_rejected() {
        let m = messages(compile(&control(
            "timelock.delay_hours",
            "{ tiers = [ { min = 24, score = 0.5 }, { min = 168, score = 1.0 } ] }",
        )));
        assert!(
            m[0].starts_with("controls[0].scoring.tiers[1]: tiers go best first"),
            "{m:?}"
        );
    }

    #[test]
    fn weights_must_be_positive_and_gates_must_cap_at_a_known_grade() {
        let text = control(
            "timelock.delay_hours",
            "{ tiers = [ { min = 1, score = 1.0 } ] }",
        )
        .replace("weight = 1\nmetric", "weight = 0\nmetric")
            + r#"
[[gates]]
id = "g"
title = "g"
when_any = [ { metric = "timelock.delay_hours", below = 1 } ]
cap = "E"
reason = "r"
"#;
        let m = messages(compile(&text));
        assert!(
            m.iter()
                .any(|x| x.starts_with("controls[0].weight: weight is 0")),
            "{m:?}"
        );
        assert!(
            m.iter()
                .any(|x| x.starts_with("gates[0].cap: gate caps at `E`")),
            "{m:?}"
        );
    }
}

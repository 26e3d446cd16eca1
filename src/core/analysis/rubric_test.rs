//! Rubric tests (`posture rubric test`): fixture manifests with the grade, cap and control
//! statuses a rubric should give them, so a change to the rubric that changes its verdicts is
//! seen; and which controls and gates no fixture exercises.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;

use crate::core::date::Date;
use crate::core::problem::{FieldPath, Problem, did_you_mean};
use crate::core::report::{Report, Status};
use crate::core::rubric::{ControlId, GateId, Grade, Rubric};

/// The fields an expectation file may hold, for the did-you-mean of an unknown one.
pub const FIELDS: [&str; 4] = ["grade", "capped_by", "as_of", "controls"];

/// The word `capped_by` takes for "no gate caps the grade".
pub const NO_CAP: &str = "none";

/// Every status a report shows, as an expectation spells it.
const STATUSES: [Status; 6] = [
    Status::Pass,
    Status::Partial,
    Status::Fail,
    Status::Unknown,
    Status::NotFound,
    Status::NotApplicable,
];

/// An expectation file (`NAME.expect.toml`) as written, before it is checked against a rubric.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectFile {
    /// The grade the fixture should get, after caps.
    pub grade: String,
    /// The gate that should set the grade, or `none`.
    pub capped_by: String,
    /// Evaluate the fixture as of this date instead of its own `as_of`.
    pub as_of: Option<Date>,
    /// Control id -> the status it should have.
    #[serde(default)]
    pub controls: BTreeMap<String, String>,
}

/// An expectation checked against a rubric: every id and word is one the rubric knows.
#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// The grade after caps.
    pub grade: Grade,
    /// The gate that sets the grade; `None` when no gate should.
    pub capped_by: Option<GateId>,
    /// The evaluation date, when not the fixture's own.
    pub as_of: Option<Date>,
    /// The statuses of the chosen controls, in id order.
    pub controls: Vec<(ControlId, Status)>,
}

/// Checks an expectation file against the rubric, every problem at once, each at its field.
pub fn check(rubric: &Rubric, file: &ExpectFile) -> Result<Expectation, Vec<Problem>> {
    let root = FieldPath::root();
    let mut problems = Vec::new();
    let grade = rubric.scale.parse(&file.grade);
    if grade.is_none() {
        let labels = rubric.scale.labels();
        problems.push(
            Problem::error(
                root.key("grade"),
                format!(
                    "`{}` is not a grade of rubric {}",
                    file.grade, rubric.meta.id
                ),
            )
            .with_help(did_you_mean(&file.grade, &labels, "grades")),
        );
    }
    let gate_ids: Vec<&str> = rubric.gates.iter().map(|g| g.id.0.as_str()).collect();
    let capped_by = if file.capped_by == NO_CAP {
        None
    } else if gate_ids.contains(&file.capped_by.as_str()) {
        Some(GateId(file.capped_by.clone()))
    } else {
        let mut words = gate_ids.clone();
        words.push(NO_CAP);
        problems.push(
            Problem::error(
                root.key("capped_by"),
                format!(
                    "rubric {} has no gate `{}`: write one of its gate ids, or `{NO_CAP}`",
                    rubric.meta.id, file.capped_by
                ),
            )
            .with_help(did_you_mean(&file.capped_by, &words, "gates")),
        );
        None
    };
    let control_ids: Vec<&str> = rubric.controls.iter().map(|c| c.id.0.as_str()).collect();
    let words: Vec<&str> = STATUSES.iter().map(|s| s.as_str()).collect();
    let mut controls = Vec::new();
    for (id, word) in &file.controls {
        let at = root.key("controls").key(id);
        if !control_ids.contains(&id.as_str()) {
            problems.push(
                Problem::error(
                    at.clone(),
                    format!(
                        "rubric {} has no control `{id}` (`posture rubric show {}` lists them)",
                        rubric.meta.id, rubric.meta.id
                    ),
                )
                .with_help(did_you_mean(id, &control_ids, "controls")),
            );
        }
        match STATUSES.iter().find(|s| s.as_str() == word) {
            Some(status) => controls.push((ControlId(id.clone()), *status)),
            None => problems.push(
                Problem::error(
                    at,
                    format!("`{word}` is not a status a report gives a control"),
                )
                .with_help(did_you_mean(word, &words, "statuses")),
            ),
        }
    }
    match grade {
        Some(grade) if problems.is_empty() => Ok(Expectation {
            grade,
            capped_by,
            as_of: file.as_of,
            controls,
        }),
        _ => Err(problems),
    }
}

/// One way a report differs from its expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// What differs: `grade`, `capped_by`, or a control id.
    pub what: String,
    /// The expectation's word for it.
    pub expected: String,
    /// The report's word for it.
    pub got: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, got {}",
            self.what, self.expected, self.got
        )
    }
}

fn cap_word(cap: Option<&GateId>) -> String {
    cap.map_or_else(|| NO_CAP.to_string(), |g| g.0.clone())
}

/// How a report differs from what was expected of it: grade, then cap, then each control in the
/// expectation's order. Empty when the fixture passes.
pub fn compare(expected: &Expectation, report: &Report) -> Vec<Difference> {
    let mut out = Vec::new();
    if expected.grade != report.grade {
        out.push(Difference {
            what: "grade".into(),
            expected: expected.grade.to_string(),
            got: report.grade.to_string(),
        });
    }
    if expected.capped_by != report.capped_by {
        out.push(Difference {
            what: "capped_by".into(),
            expected: cap_word(expected.capped_by.as_ref()),
            got: cap_word(report.capped_by.as_ref()),
        });
    }
    for (id, status) in &expected.controls {
        let got = report
            .findings
            .iter()
            .find(|f| &f.control == id)
            .map_or("absent from the report", |f| f.status.as_str());
        if got != status.as_str() {
            out.push(Difference {
                what: id.0.clone(),
                expected: status.as_str().into(),
                got: got.into(),
            });
        }
    }
    out
}

/// Which of a rubric's controls and gates a set of expectations exercises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// How many controls the rubric has.
    pub controls: usize,
    /// How many gates the rubric has.
    pub gates: usize,
    /// Controls no expectation gives a status, in rubric order.
    pub controls_missed: Vec<ControlId>,
    /// Gates no expectation names as the cap, in rubric order.
    pub gates_missed: Vec<GateId>,
}

impl Coverage {
    /// Exercised controls and gates over all of them.
    pub fn exercised(&self) -> usize {
        self.controls + self.gates - self.controls_missed.len() - self.gates_missed.len()
    }

    /// The share exercised, in whole percent rounded down: 100% means everything is.
    pub fn percent(&self) -> u32 {
        let total = self.controls + self.gates;
        if total == 0 {
            return 100;
        }
        (self.exercised() * 100 / total) as u32
    }

    /// Whether at least `min` percent is exercised, counted exactly.
    pub fn at_least(&self, min: u8) -> bool {
        self.exercised() * 100 >= usize::from(min) * (self.controls + self.gates)
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "coverage: {} of {} controls, {} of {} gates ({}%)",
            self.controls - self.controls_missed.len(),
            self.controls,
            self.gates - self.gates_missed.len(),
            self.gates,
            self.percent()
        )
    }
}

/// What the expectations exercise of the rubric: a control when one expects a status for it, a
/// gate when one expects the grade to be capped by it.
pub fn coverage<'a>(
    rubric: &Rubric,
    expectations: impl IntoIterator<Item = &'a Expectation>,
) -> Coverage {
    let mut controls = BTreeSet::new();
    let mut gates = BTreeSet::new();
    for e in expectations {
        controls.extend(e.controls.iter().map(|(id, _)| id));
        gates.extend(e.capped_by.iter());
    }
    Coverage {
        controls: rubric.controls.len(),
        gates: rubric.gates.len(),
        controls_missed: rubric
            .controls
            .iter()
            .filter(|c| !controls.contains(&c.id))
            .map(|c| c.id.clone())
            .collect(),
        gates_missed: rubric
            .gates
            .iter()
            .filter(|g| !gates.contains(&g.id))
            .map(|g| g.id.clone())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coverage(controls: usize, missed: usize, gates: usize, gates_missed: usize) -> Coverage {
        Coverage {
            controls,
            gates,
            controls_missed: (0..missed).map(|i| ControlId(format!("c{i}"))).collect(),
            gates_missed: (0..gates_missed).map(|i| GateId(format!("g{i}"))).collect(),
        }
    }

    #[test]
    fn the_percentage_rounds_down_and_the_threshold_is_exact() {
        // 21 of 22: 95.45%, shown as 95, short of 96 and never shown as 100.
        let c = coverage(17, 1, 5, 0);
        assert_eq!(c.percent(), 95);
        assert!(c.at_least(95));
        assert!(!c.at_least(96));
        assert!(!c.at_least(100));
        assert_eq!(
            c.to_string(),
            "coverage: 16 of 17 controls, 5 of 5 gates (95%)"
        );
        assert!(coverage(17, 0, 5, 0).at_least(100));
        assert_eq!(coverage(0, 0, 0, 0).percent(), 100);
    }
}

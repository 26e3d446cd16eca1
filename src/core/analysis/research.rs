//! Value of information: for a provisional grade, the unknown controls ranked by how much
//! stating them could move the grade, each scored again with its metric at its best value.
//!
//! Pure, like the engine; only a single report asks for it, so a league never pays for it.

use crate::core::analysis::gaps::step_value;
use crate::core::date::Date;
use crate::core::engine::{self, Overrides, Summary};
use crate::core::manifest::Manifest;
use crate::core::metrics::Upstream;
use crate::core::report::{Report, Research, Score, Status};
use crate::core::rubric::Rubric;

/// The unknown controls of `report` ranked by what stating each could win: most points first,
/// then the biggest grade change, then by id. `manifest` and `overrides` are those the report
/// was graded with (after any `--set`); empty unless the report is provisional.
pub fn rank(
    rubric: &Rubric,
    manifest: &Manifest,
    as_of: Date,
    upstream: Upstream<'_>,
    overrides: &Overrides,
    report: &Report,
) -> Vec<Research> {
    if !report.provisional {
        return Vec::new();
    }
    // Against the same summary, so the difference is the control's alone (waivers aside).
    let base: Summary = engine::summarise(rubric, manifest, as_of, upstream, overrides);
    let mut out: Vec<Research> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Unknown && !f.waived)
        .filter_map(|f| {
            let control = rubric.controls.iter().find(|c| c.id == f.control)?;
            let (best, _) = step_value(control, -1.0, true)?;
            let mut forced = overrides.clone();
            forced.set(control.metric, best);
            let after = engine::summarise(rubric, manifest, as_of, upstream, &forced);
            Some(Research {
                control: f.control.0.clone(),
                title: f.title.clone(),
                points: Score((after.score.0 - base.score.0).max(0.0)),
                grade_before: base.grade.clone(),
                grade_after: after.grade,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.points
            .0
            .total_cmp(&a.points.0)
            .then(a.grade_after.rank.cmp(&b.grade_after.rank))
            .then_with(|| a.control.cmp(&b.control))
    });
    out
}

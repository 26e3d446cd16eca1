//! Forecast: the dates ahead on which a grade or a control changes with no new facts (a pause
//! window expiring, a bounty or cover period ending, an audit ageing past a tier), so a holder
//! is warned before the grade falls, or a waiver expiring). Each date is found by grading every
//! day of the horizon, so the grade it predicts for a date is the grade `score --as-of` gives on
//! that date.

use schemars::JsonSchema;
use serde::Serialize;

use crate::core::analysis::diff::{self, CapChange, ControlChange};
use crate::core::date::Date;
use crate::core::engine::{self, Overrides, Summary};
use crate::core::manifest::Manifest;
use crate::core::metrics::Upstream;
use crate::core::report::{ProtocolSummary, Report, Stamp, Standing, WaiverResult};
use crate::core::rubric::Rubric;
use crate::core::waiver::Waiver;

/// How far a forecast looks ahead when no end date is given.
pub const DEFAULT_HORIZON_DAYS: i64 = 365;

/// How far a league forecast looks ahead when no end date is given: the grades about to fall.
pub const LEAGUE_HORIZON_DAYS: i64 = 90;

/// The longest horizon: ten years of daily grades is still well under a second per manifest.
pub const MAX_HORIZON_DAYS: i64 = 3660;

/// One control whose result changes on a forecast date, and the control's note afterwards
/// (which usually says why: "pause window expired on 2026-03-01").
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Moved {
    /// What changed, as `posture diff` reports it.
    #[serde(flatten)]
    pub change: ControlChange,
    /// The control's note on the new date, when it has one.
    pub note: Option<String>,
}

/// A date on which the grade, the score or a cap changes while the facts stay as stated.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Change {
    /// The first day of the new result.
    pub date: Date,
    /// Score, grade and cap the day before.
    pub before: Standing,
    /// Score, grade and cap from this date.
    pub after: Standing,
    /// Controls that lose points on this date.
    pub regressed: Vec<Moved>,
    /// Controls that win points on this date (an incident ageing out, say).
    pub improved: Vec<Moved>,
    /// Gates that start capping the grade on this date.
    pub caps_added: Vec<CapChange>,
    /// Gates that stop capping the grade on this date.
    pub caps_lifted: Vec<CapChange>,
    /// Waivers that start or stop applying on this date, as they stand from it (expired,
    /// applied...): a waiver's control keeps the status its facts give, so only this says why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<WaiverResult>,
}

impl Change {
    /// True when the grade gets worse on this date.
    pub fn falls(&self) -> bool {
        self.after.grade.rank > self.before.grade.rank
    }
}

/// What `posture forecast` reports for one manifest.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Forecast {
    /// The report layout's version; it changes when the JSON form does.
    pub report_format: u32,
    /// Who the protocol is.
    pub protocol: ProtocolSummary,
    /// What produced the forecast (tool, rubric, manifest, the date it starts from).
    pub stamp: Stamp,
    /// The date the forecast starts from: the manifest's `as_of`, or `--as-of`.
    pub from: Date,
    /// The last date it looks at.
    pub until: Date,
    /// Score, grade and cap on the start date.
    pub now: Standing,
    /// Score, grade and cap on the last date, if nothing new is stated.
    pub then: Standing,
    /// Every date in between on which something changes, in date order.
    pub changes: Vec<Change>,
}

impl Forecast {
    /// The first date on which the grade gets worse, if it does within the horizon.
    pub fn first_fall(&self) -> Option<&Change> {
        self.changes.iter().find(|c| c.falls())
    }
}

fn standing(s: &Summary) -> Standing {
    Standing {
        score: s.score,
        grade: s.grade.clone(),
        capped_by: s.capped_by.clone(),
    }
}

fn moved(changes: Vec<ControlChange>, report: &Report) -> Vec<Moved> {
    changes
        .into_iter()
        .map(|change| {
            let note = report
                .findings
                .iter()
                .find(|f| f.control.0 == change.control)
                .and_then(|f| f.note.clone());
            Moved { change, note }
        })
        .collect()
}

/// Grades `manifest` on every day from `from` to `until` and lists the days its result changes,
/// with the protocol's waivers applied on each day as `score --as-of` applies them. `stamp`
/// names the inputs (its date is `from`). `until` before `from` gives no changes.
pub fn forecast(
    rubric: &Rubric,
    manifest: &Manifest,
    upstream: Upstream<'_>,
    from: Date,
    until: Date,
    stamp: Stamp,
    waivers: &[&Waiver],
) -> Forecast {
    let none = Overrides::default();
    // The report on a day, with what became of each waiver: without waivers the plain report.
    let graded = |d: Date| -> Report {
        let mut stamp = stamp.clone();
        stamp.evaluated_as_of = d;
        let plain = engine::evaluate(rubric, manifest, d, upstream, stamp);
        engine::apply_waivers(rubric, plain, manifest, upstream, &none, waivers)
    };
    // Without waivers a day's standing needs no report: the summary is a fraction of the cost.
    let standing_on = |d: Date| -> (Standing, Vec<WaiverResult>) {
        if waivers.is_empty() {
            (
                standing(&engine::summarise(rubric, manifest, d, upstream, &none)),
                Vec::new(),
            )
        } else {
            let r = graded(d);
            (Standing::of(&r), r.waivers)
        }
    };
    let (start, mut kept) = standing_on(from);
    let mut last = start.clone();
    let mut changes = Vec::new();
    for ahead in 1..=from.days_until(until).clamp(0, MAX_HORIZON_DAYS) {
        let day = from.plus_days(ahead);
        let (now, results) = standing_on(day);
        let turned = results.iter().zip(&kept).any(|(n, o)| n.status != o.status);
        kept = results;
        let same =
            now.score == last.score && now.grade == last.grade && now.capped_by == last.capped_by;
        if same && !turned {
            continue;
        }
        let (old, new) = (graded(day.minus_days(1)), graded(day));
        let d = diff::compare(&old, &new);
        changes.push(Change {
            date: day,
            before: last.clone(),
            after: now.clone(),
            regressed: moved(d.regressed, &new),
            improved: moved(d.improved, &new),
            caps_added: d.caps_added,
            caps_lifted: d.caps_lifted,
            waivers: d.waivers,
        });
        last = now;
    }
    Forecast {
        report_format: crate::core::report::REPORT_FORMAT,
        protocol: ProtocolSummary::of(manifest),
        stamp,
        from,
        until,
        now: start,
        then: last,
        changes,
    }
}

/// One protocol whose grade falls within a league forecast's horizon.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Falling {
    /// The manifest file, as given.
    pub file: String,
    /// Who the protocol is.
    pub protocol: ProtocolSummary,
    /// The date its forecast starts from.
    pub from: Date,
    /// Score, grade and cap on that date.
    pub now: Standing,
    /// The first date on which the grade falls, and why.
    pub fall: Change,
    /// Score, grade and cap at the end of the horizon.
    pub then: Standing,
}

/// What `posture forecast` reports for many manifests: the protocols whose grade falls.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Outlook {
    /// The report layout's version; it changes when the JSON form does.
    pub report_format: u32,
    /// The rubric every protocol was graded under.
    pub rubric: crate::core::report::RubricStamp,
    /// How many protocols were looked at (the latest snapshot of each).
    pub protocols: usize,
    /// The start date every protocol was forecast from (`--as-of`); each manifest's own
    /// `as_of` when null.
    pub from: Option<Date>,
    /// How many days ahead of each start date it looks, when no end date was given.
    pub horizon_days: Option<i64>,
    /// The end date given with `--until`, if one was.
    pub until: Option<Date>,
    /// The protocols whose grade falls, soonest first.
    pub falling: Vec<Falling>,
}

impl Outlook {
    /// The outlook over some forecasts: the ones whose grade falls, soonest first.
    pub fn of(
        rubric: crate::core::report::RubricStamp,
        forecasts: Vec<(String, Forecast)>,
        from: Option<Date>,
        horizon_days: Option<i64>,
        until: Option<Date>,
    ) -> Self {
        let protocols = forecasts.len();
        let mut falling: Vec<Falling> = forecasts
            .into_iter()
            .filter_map(|(file, f)| {
                let fall = f.first_fall()?.clone();
                Some(Falling {
                    file,
                    protocol: f.protocol,
                    from: f.from,
                    now: f.now,
                    fall,
                    then: f.then,
                })
            })
            .collect();
        falling.sort_by(|a, b| {
            (a.fall.date, &a.protocol.id, &a.file).cmp(&(b.fall.date, &b.protocol.id, &b.file))
        });
        Self {
            report_format: crate::core::report::REPORT_FORMAT,
            rubric,
            protocols,
            from,
            horizon_days,
            until,
            falling,
        }
    }
}

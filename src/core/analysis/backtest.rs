//! Backtest: would the grade have warned people before the money was gone? A study, not a
//! score. For every loss, the protocol is graded the day before, from its latest earlier
//! snapshot, and compared with the protocols that lost nothing in the following 12 months, each
//! graded as of the same day from its own snapshot of the year before (time-matched controls).
//! Beside the grade's AUC it reports what it must beat (ranking by confidence alone), how sure
//! the figure is (bootstrap, leave-one-out), what each control says on its own, and the 1.x
//! pooled comparison. A measurement, not a target.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Serialize, Serializer};

use crate::core::date::Date;
use crate::core::manifest::{Incident, Manifest};
use crate::core::random::SplitMix64;
use crate::core::report::{Report, Standing, Status, round_to};
use crate::core::rubric::{ControlId, Grade, Rubric};

/// A snapshot older than this, counted back from the incident, says little about the protocol
/// that was exploited: such incidents are listed but not graded.
pub const MAX_SNAPSHOT_AGE_DAYS: i64 = 365;

/// "No loss in the following 12 months": a control has no loss in this many days from the
/// case's incident date (the incident day included).
pub const CONTROL_WINDOW_DAYS: i64 = 365;

/// Bootstrap resamples of the matched cases: enough for stable 2.5/97.5 percentiles.
pub const BOOTSTRAP_RESAMPLES: usize = 2000;

/// The bootstrap's fixed seed: same inputs, same interval.
pub const BOOTSTRAP_SEED: u64 = 16;

/// What the study needs of one graded snapshot; made from a [`Report`] by [`Graded::of`].
#[derive(Debug, Clone)]
pub struct Graded {
    /// Score, grade and cap the snapshot got.
    pub standing: Standing,
    /// Share of applicable weight backed by known, sourced facts, 0 to 1.
    pub confidence: f64,
    /// The score over known controls only: points earned / applicable points of the controls
    /// that are not unknown, 0 to 100 (0 when nothing is known).
    pub known_only: f64,
    /// Each rubric control's score, `None` when unknown or not applicable.
    pub controls: Vec<(ControlId, Option<f64>)>,
}

impl Graded {
    /// What the study keeps of a report.
    pub fn of(r: &Report) -> Self {
        let known = |s: Status| !matches!(s, Status::Unknown | Status::NotApplicable);
        let (earned, possible) = r
            .findings
            .iter()
            .filter(|f| known(f.status))
            .fold((0.0, 0.0), |(e, p), f| {
                (e + f.max_points - f.points_lost, p + f.max_points)
            });
        Self {
            standing: Standing::of(r),
            confidence: r.confidence.0,
            known_only: if possible > 0.0 {
                100.0 * earned / possible
            } else {
                0.0
            },
            controls: r
                .findings
                .iter()
                .map(|f| (f.control.clone(), known(f.status).then_some(f.score.0)))
                .collect(),
        }
    }
}

fn rounded3<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round_to(*x, 3))
}

fn rounded3_opt<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match x {
        Some(x) => s.serialize_f64(round_to(*x, 3)),
        None => s.serialize_none(),
    }
}

/// A range of an AUC: a bootstrap interval or the leave-one-out extremes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
pub struct Interval {
    /// The lower end of the range.
    #[serde(serialize_with = "rounded3")]
    pub low: f64,
    /// The upper end of the range.
    #[serde(serialize_with = "rounded3")]
    pub high: f64,
}

impl Interval {
    /// Whether chance (0.5) lies inside: then the study cannot tell the grade from a coin.
    pub fn includes_chance(&self) -> bool {
        self.low <= 0.5 && 0.5 <= self.high
    }
}

/// How the interval was resampled, so anyone can run it again.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Bootstrap {
    /// How many resamples were drawn.
    pub resamples: usize,
    /// The random seed, fixed so the same inputs give the same interval.
    pub seed: u64,
    /// Percentiles of the resampled AUCs: 2.5 and 97.5.
    pub level: f64,
}

/// A protocol graded as of a case's day before, from its own snapshot of the year before.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MatchedControl {
    /// The id of the protocol that lost nothing.
    pub protocol: String,
    /// The file name of the snapshot it was graded from.
    pub snapshot: String,
    /// The date that snapshot's facts describe.
    pub snapshot_as_of: Date,
    /// Score, grade and cap it got as of the case's day before.
    pub standing: Standing,
    /// Share of its applicable weight backed by known, sourced facts, 0 to 1.
    #[serde(serialize_with = "rounded3")]
    pub confidence: f64,
}

/// One incident, and the grade its protocol had the day before.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Case {
    /// The id of the protocol that lost money.
    pub protocol: String,
    /// The day of the incident.
    pub incident_date: Date,
    /// Funds lost, USD.
    pub loss_usd: f64,
    /// The cause, as the manifest states it in short free text.
    pub cause: String,
    /// The snapshot graded: the latest one dated before the incident, at most a year before.
    pub snapshot: Option<String>,
    /// The date the graded snapshot's facts describe.
    pub snapshot_as_of: Option<Date>,
    /// Grade, score and cap as of the day before; absent when no earlier snapshot exists.
    pub before: Option<Standing>,
    /// Share of applicable weight backed by known, sourced facts in that grading, 0 to 1.
    #[serde(serialize_with = "rounded3_opt")]
    pub confidence: Option<f64>,
    /// The ids of its time-matched controls (empty for an incident the matched study leaves
    /// out: no loss, no snapshot, a repeat of the same day, or no control).
    pub matched: Vec<String>,
    /// Its time-matched controls, each with its grade as of the same day.
    pub controls: Vec<MatchedControl>,
    /// Share of its controls that scored above it, ties half: this case's own AUC.
    #[serde(serialize_with = "rounded3_opt")]
    pub case_auc: Option<f64>,
}

/// An incident the matched figure leaves out, and why.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Unmatched {
    /// The id of the protocol that lost money.
    pub protocol: String,
    /// The day of the incident.
    pub incident_date: Date,
    /// Why the incident is left out, e.g. no snapshot before it.
    pub reason: String,
}

/// A protocol with no recorded loss, graded at its latest snapshot (the pooled 1.x study).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Clean {
    /// The id of the protocol.
    pub protocol: String,
    /// The file name of the snapshot it was graded from.
    pub snapshot: String,
    /// The date that snapshot's facts describe.
    pub as_of: Date,
    /// Score, grade and cap it got.
    pub standing: Standing,
}

/// How many protocols got one grade: before a loss, and among those with no loss (pooled 1.x
/// study).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GradeCount {
    /// The grade.
    pub grade: Grade,
    /// Incidents whose protocol had this grade the day before.
    pub before_loss: usize,
    /// Protocols with no recorded loss that have this grade at their latest snapshot.
    pub no_loss: usize,
}

/// One control's own signal: its AUC over the matched pairs where it is known on both sides.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ControlSignal {
    /// The rubric control's id, e.g. `timelock`.
    pub control: ControlId,
    /// P(a time-matched control scores above the case on this rubric control alone, ties half).
    #[serde(serialize_with = "rounded3_opt")]
    pub auc: Option<f64>,
    /// Cases with at least one such pair, and the control rows in those pairs.
    pub known_cases: usize,
    /// Control rows in those pairs: protocols with no loss where the rubric control is known.
    pub known_clean: usize,
    /// Case-control pairs where the rubric control is known on both sides.
    pub pairs: usize,
    /// The control scored the later-exploited protocols higher than their controls (AUC < 0.5).
    pub wrong_way: bool,
}

/// The backtest study: does the grade the day before a loss rank the protocols that lost money
/// below those that did not?
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Backtest {
    /// The report layout's version; it changes when the JSON form does.
    pub report_format: u32,
    /// The rubric graded with, as `id@version`.
    pub rubric: String,
    /// Every incident once, with its matched controls.
    pub cases: Vec<Case>,
    /// Losses the matched figure leaves out, with the reason.
    pub unmatched: Vec<Unmatched>,
    /// Cases in the matched figure, the distinct protocols among their controls, and the
    /// case-control pairs (one per control row).
    pub matched_cases: usize,
    /// Distinct protocols among the cases' time-matched controls.
    pub matched_controls: usize,
    /// Case-control pairs in the matched figure (one per control row).
    pub pairs: usize,
    /// P(a time-matched control scores above the case, ties half), pooled over each case's
    /// own pairs (sum of wins / sum of pairs). Absent without a matched case.
    #[serde(serialize_with = "rounded3_opt")]
    pub auc: Option<f64>,
    /// Bootstrap 95% interval of `auc`, resampling cases (each keeps its controls).
    pub auc_interval: Option<Interval>,
    /// How the bootstrap interval was resampled, so anyone can run it again.
    pub bootstrap: Bootstrap,
    /// The lowest and highest `auc` with one case left out (two matched cases or more).
    pub leave_one_out: Option<Interval>,
    /// The same study ranking by confidence alone: what the grade must beat.
    #[serde(serialize_with = "rounded3_opt")]
    pub confidence_auc: Option<f64>,
    /// Bootstrap 95% interval of `auc - confidence_auc` (same resamples).
    pub difference_interval: Option<Interval>,
    /// The same study ranking by the score over known controls only.
    #[serde(serialize_with = "rounded3_opt")]
    pub known_only_auc: Option<f64>,
    /// `auc` with each case's pairs weighted by its loss.
    #[serde(serialize_with = "rounded3_opt")]
    pub loss_weighted_auc: Option<f64>,
    /// Mean confidence of the matched cases, and of their control rows.
    #[serde(serialize_with = "rounded3_opt")]
    pub case_confidence: Option<f64>,
    /// Mean confidence of the matched cases' time-matched controls.
    #[serde(serialize_with = "rounded3_opt")]
    pub control_confidence: Option<f64>,
    /// Per-control signal, in rubric order.
    pub controls: Vec<ControlSignal>,
    /// The 1.x comparison: each loss the day before against every protocol that never lost
    /// money at its latest snapshot, whatever the years between them.
    #[serde(serialize_with = "rounded3_opt")]
    pub pooled_auc: Option<f64>,
    /// Protocols with no recorded loss, at their latest snapshot (the pooled 1.x study).
    pub clean: Vec<Clean>,
    /// How many protocols got each grade, before a loss and with no loss (pooled 1.x study).
    pub distribution: Vec<GradeCount>,
    /// Incidents graded the day before (the pooled 1.x study's positives).
    pub before_loss_count: usize,
    /// Protocols with no recorded loss (the pooled 1.x study's negatives).
    pub no_loss_count: usize,
}

/// Rank-based AUC (Mann-Whitney U): how often a negative outscores a positive.
pub fn auc(positives: &[f64], negatives: &[f64]) -> Option<f64> {
    let (wins, pairs) = wins(positives, negatives);
    (pairs > 0).then(|| wins / pairs as f64)
}

/// Wins of negatives over positives (ties half) and the number of pairs.
fn wins(positives: &[f64], negatives: &[f64]) -> (f64, usize) {
    let mut w = 0.0;
    for p in positives {
        for n in negatives {
            w += win(*p, *n);
        }
    }
    (w, positives.len() * negatives.len())
}

fn win(case: f64, control: f64) -> f64 {
    if control > case {
        1.0
    } else if control == case {
        0.5
    } else {
        0.0
    }
}

/// One matched case as the statistics see it: its values and its controls' values.
#[derive(Debug, Clone)]
pub struct Stratum {
    /// Funds lost in the case's incident, USD; weights the loss-weighted AUC.
    pub loss: f64,
    /// The protocol that lost money, graded the day before.
    pub case: Graded,
    /// Its time-matched controls, graded as of the same day.
    pub controls: Vec<Graded>,
}

/// A ranking value of a graded snapshot: the score, confidence, known-only score.
type Rank = fn(&Graded) -> f64;

fn by_score(g: &Graded) -> f64 {
    g.standing.score.0
}

fn by_confidence(g: &Graded) -> f64 {
    g.confidence
}

fn by_known_only(g: &Graded) -> f64 {
    g.known_only
}

/// Wins and pairs of one stratum under a ranking.
fn stratum_wins(s: &Stratum, rank: Rank) -> (f64, f64) {
    let c = rank(&s.case);
    let w: f64 = s.controls.iter().map(|n| win(c, rank(n))).sum();
    (w, s.controls.len() as f64)
}

/// Matched AUC over strata, each pair weighted by `weight(stratum)`.
fn matched_auc<'a>(
    strata: impl IntoIterator<Item = &'a Stratum>,
    rank: Rank,
    weight: impl Fn(&Stratum) -> f64,
) -> Option<f64> {
    let (mut w, mut p) = (0.0, 0.0);
    for s in strata {
        let (sw, sp) = stratum_wins(s, rank);
        let k = weight(s);
        w += k * sw;
        p += k * sp;
    }
    (p > 0.0).then(|| w / p)
}

/// The matched AUC of a study, ranking by score.
pub fn matched(strata: &[Stratum]) -> Option<f64> {
    matched_auc(strata, by_score, |_| 1.0)
}

/// The value at a percentile (nearest rank on the sorted values).
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Bootstrap 95% intervals of the matched AUC and of its difference from the confidence AUC:
/// cases resampled with replacement, each keeping its controls.
pub fn bootstrap(strata: &[Stratum], resamples: usize, seed: u64) -> Option<(Interval, Interval)> {
    if strata.is_empty() || resamples == 0 {
        return None;
    }
    let score: Vec<(f64, f64)> = strata.iter().map(|s| stratum_wins(s, by_score)).collect();
    let conf: Vec<(f64, f64)> = strata
        .iter()
        .map(|s| stratum_wins(s, by_confidence))
        .collect();
    let mut rng = SplitMix64::new(seed);
    let mut aucs = Vec::with_capacity(resamples);
    let mut diffs = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        let (mut sw, mut cw, mut p) = (0.0, 0.0, 0.0);
        for _ in 0..strata.len() {
            let i = rng.below(strata.len());
            sw += score[i].0;
            cw += conf[i].0;
            p += score[i].1;
        }
        aucs.push(sw / p);
        diffs.push((sw - cw) / p);
    }
    aucs.sort_by(f64::total_cmp);
    diffs.sort_by(f64::total_cmp);
    let interval = |v: &[f64]| Interval {
        low: percentile(v, 0.025),
        high: percentile(v, 0.975),
    };
    Some((interval(&aucs), interval(&diffs)))
}

/// The lowest and highest matched AUC with one case left out.
pub fn leave_one_out(strata: &[Stratum]) -> Option<Interval> {
    if strata.len() < 2 {
        return None;
    }
    let aucs: Vec<f64> = (0..strata.len())
        .filter_map(|skip| {
            matched_auc(
                strata
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .map(|(_, s)| s),
                by_score,
                |_| 1.0,
            )
        })
        .collect();
    let low = aucs.iter().copied().fold(f64::INFINITY, f64::min);
    let high = aucs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some(Interval { low, high })
}

/// Each control's AUC over the pairs where it is known on both sides, in `order`.
pub fn control_signals(strata: &[Stratum], order: &[ControlId]) -> Vec<ControlSignal> {
    order
        .iter()
        .map(|id| {
            let value = |g: &Graded| {
                g.controls
                    .iter()
                    .find(|(c, _)| c == id)
                    .and_then(|(_, v)| *v)
            };
            let (mut w, mut pairs, mut cases, mut clean) = (0.0, 0usize, 0usize, 0usize);
            for s in strata {
                let Some(c) = value(&s.case) else { continue };
                let known: Vec<f64> = s.controls.iter().filter_map(value).collect();
                if known.is_empty() {
                    continue;
                }
                cases += 1;
                clean += known.len();
                pairs += known.len();
                w += known.iter().map(|n| win(c, *n)).sum::<f64>();
            }
            let auc = (pairs > 0).then(|| w / pairs as f64);
            ControlSignal {
                control: id.clone(),
                auc,
                known_cases: cases,
                known_clean: clean,
                pairs,
                wrong_way: auc.is_some_and(|a| a < 0.5),
            }
        })
        .collect()
}

/// The matched figures of a set of strata, as a [`Backtest`] carries them.
#[derive(Debug, Clone)]
pub struct Figures {
    /// P(a time-matched control scores above the case, ties half), pooled over the strata.
    pub auc: Option<f64>,
    /// Bootstrap 95% interval of `auc`.
    pub auc_interval: Option<Interval>,
    /// Bootstrap 95% interval of `auc - confidence_auc`.
    pub difference_interval: Option<Interval>,
    /// The lowest and highest `auc` with one case left out.
    pub leave_one_out: Option<Interval>,
    /// The same figure ranking by confidence alone: what the grade must beat.
    pub confidence_auc: Option<f64>,
    /// The same figure ranking by the score over known controls only.
    pub known_only_auc: Option<f64>,
    /// `auc` with each case's pairs weighted by its loss.
    pub loss_weighted_auc: Option<f64>,
    /// Mean confidence of the cases.
    pub case_confidence: Option<f64>,
    /// Mean confidence of their time-matched controls.
    pub control_confidence: Option<f64>,
    /// Each rubric control's own signal, in rubric order.
    pub controls: Vec<ControlSignal>,
}

fn mean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

impl Figures {
    /// Computes every matched figure of `strata`; `order` lists the rubric's controls for the
    /// per-control signal.
    pub fn of(strata: &[Stratum], order: &[ControlId]) -> Self {
        let intervals = bootstrap(strata, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED);
        Self {
            auc: matched(strata),
            auc_interval: intervals.map(|i| i.0),
            difference_interval: intervals.map(|i| i.1),
            leave_one_out: leave_one_out(strata),
            confidence_auc: matched_auc(strata, by_confidence, |_| 1.0),
            known_only_auc: matched_auc(strata, by_known_only, |_| 1.0),
            loss_weighted_auc: matched_auc(strata, by_score, |s| s.loss),
            case_confidence: mean(strata.iter().map(|s| s.case.confidence)),
            control_confidence: mean(
                strata
                    .iter()
                    .flat_map(|s| s.controls.iter().map(|c| c.confidence)),
            ),
            controls: control_signals(strata, order),
        }
    }
}

/// One manifest of the study, by the name it was read under.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot<'a> {
    /// The file name it was read from.
    pub name: &'a str,
    /// The manifest.
    pub manifest: &'a Manifest,
}

/// The latest snapshot of `id` whose date `keep` accepts; on equal dates, the first file name.
fn latest_snapshot(set: &[Snapshot<'_>], id: &str, keep: impl Fn(Date) -> bool) -> Option<usize> {
    set.iter()
        .enumerate()
        .filter(|(_, l)| l.manifest.protocol.id == id && keep(l.manifest.protocol.as_of))
        .max_by(|(_, a), (_, b)| {
            a.manifest
                .protocol
                .as_of
                .cmp(&b.manifest.protocol.as_of)
                .then_with(|| b.name.cmp(a.name))
        })
        .map(|(i, _)| i)
}

/// Every incident once, wherever it is recorded (later snapshots repeat earlier ones), by date.
fn incidents(set: &[Snapshot<'_>]) -> Vec<(String, Incident)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for l in set {
        for inc in l.manifest.incidents.iter().flatten() {
            let key = (l.manifest.protocol.id.clone(), inc.date, inc.cause.clone());
            if seen.insert(key) {
                out.push((l.manifest.protocol.id.clone(), inc.clone()));
            }
        }
    }
    out.sort_by(|a, b| {
        a.1.date
            .cmp(&b.1.date)
            .then_with(|| a.0.cmp(&b.0))
            .then_with(|| a.1.cause.cmp(&b.1.cause))
    });
    out
}

/// Runs the study over a set of snapshots. `grade(i, as_of)` grades snapshot `i` as of a date
/// (`None`: its own date); the caller knows how to find a fork's upstream.
pub fn run(
    rubric: &Rubric,
    set: &[Snapshot<'_>],
    grade: impl Fn(usize, Option<Date>) -> Graded,
) -> Backtest {
    let incidents = incidents(set);
    // A snapshot graded on a date once, however many cases need it.
    let mut graded: BTreeMap<(usize, Option<Date>), Graded> = BTreeMap::new();
    let mut grade_once = |i: usize, as_of: Option<Date>| {
        graded
            .entry((i, as_of))
            .or_insert_with(|| grade(i, as_of))
            .clone()
    };

    let mut ids: Vec<&str> = set
        .iter()
        .map(|l| l.manifest.protocol.id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    // Loss days per protocol, for "no loss in the following 12 months".
    let mut loss_days: BTreeMap<&str, Vec<Date>> = BTreeMap::new();
    for (id, inc) in &incidents {
        if inc.loss_usd > 0.0 {
            loss_days.entry(id.as_str()).or_default().push(inc.date);
        }
    }
    let lost_within = |id: &str, from: Date| {
        loss_days.get(id).is_some_and(|days| {
            days.iter().any(|d| {
                let k = from.days_until(*d);
                (0..CONTROL_WINDOW_DAYS).contains(&k)
            })
        })
    };
    // A protocol's loss on one day is one case, whatever the number of incidents recorded.
    let mut day_loss: BTreeMap<(&str, Date), f64> = BTreeMap::new();
    for (id, inc) in &incidents {
        *day_loss.entry((id.as_str(), inc.date)).or_default() += inc.loss_usd.max(0.0);
    }

    let mut cases = Vec::new();
    let mut unmatched = Vec::new();
    let mut strata = Vec::new();
    let mut positives = Vec::new();
    let mut seen_days = BTreeSet::new();
    for (id, inc) in &incidents {
        let snapshot = latest_snapshot(set, id, |as_of| {
            as_of < inc.date && as_of.days_until(inc.date) <= MAX_SNAPSHOT_AGE_DAYS
        });
        let day_before = inc.date.minus_days(1);
        let before = snapshot.map(|i| grade_once(i, Some(day_before)));
        let mut case = Case {
            protocol: id.clone(),
            incident_date: inc.date,
            loss_usd: inc.loss_usd,
            cause: inc.cause.clone(),
            snapshot: snapshot.map(|i| set[i].name.to_string()),
            snapshot_as_of: snapshot.map(|i| set[i].manifest.protocol.as_of),
            before: before.as_ref().map(|g| g.standing.clone()),
            confidence: before.as_ref().map(|g| g.confidence),
            matched: Vec::new(),
            controls: Vec::new(),
            case_auc: None,
        };
        let first_of_day = seen_days.insert((id.clone(), inc.date));
        let leave_out = |reason: &str| Unmatched {
            protocol: id.clone(),
            incident_date: inc.date,
            reason: reason.to_string(),
        };
        match (&before, inc.loss_usd > 0.0, first_of_day) {
            (_, false, _) | (_, _, false) => {}
            (None, true, true) => unmatched.push(leave_out("no snapshot in the year before")),
            (Some(b), true, true) => {
                positives.push(b.clone());
                let mut controls = Vec::new();
                for other in ids.iter().copied().filter(|o| *o != id) {
                    if lost_within(other, inc.date) {
                        continue;
                    }
                    let Some(j) = latest_snapshot(set, other, |as_of| {
                        as_of <= day_before && as_of.days_until(day_before) <= MAX_SNAPSHOT_AGE_DAYS
                    }) else {
                        continue;
                    };
                    let g = grade_once(j, Some(day_before));
                    case.controls.push(MatchedControl {
                        protocol: other.to_string(),
                        snapshot: set[j].name.to_string(),
                        snapshot_as_of: set[j].manifest.protocol.as_of,
                        standing: g.standing.clone(),
                        confidence: g.confidence,
                    });
                    controls.push(g);
                }
                if controls.is_empty() {
                    unmatched.push(leave_out(
                        "no control: no other protocol has a snapshot in the year before and no loss in the 12 months after",
                    ));
                } else {
                    case.matched = case.controls.iter().map(|c| c.protocol.clone()).collect();
                    let stratum = Stratum {
                        loss: day_loss[&(id.as_str(), inc.date)],
                        case: b.clone(),
                        controls,
                    };
                    case.case_auc = matched(std::slice::from_ref(&stratum));
                    strata.push(stratum);
                }
            }
        }
        cases.push(case);
    }

    // The pooled 1.x comparison: protocols that never lost money, at their latest snapshot.
    let clean: Vec<Clean> = ids
        .iter()
        .copied()
        .filter(|id| !loss_days.contains_key(id))
        .filter_map(|id| {
            let i = latest_snapshot(set, id, |_| true)?;
            Some(Clean {
                protocol: id.to_string(),
                snapshot: set[i].name.to_string(),
                as_of: set[i].manifest.protocol.as_of,
                standing: grade_once(i, None).standing,
            })
        })
        .collect();
    let pos_scores: Vec<f64> = positives.iter().map(|g| g.standing.score.0).collect();
    let neg_scores: Vec<f64> = clean.iter().map(|c| c.standing.score.0).collect();
    let distribution = rubric
        .scale
        .labels()
        .iter()
        .filter_map(|l| rubric.scale.parse(l))
        .map(|g| GradeCount {
            before_loss: positives.iter().filter(|s| s.standing.grade == g).count(),
            no_loss: clean.iter().filter(|c| c.standing.grade == g).count(),
            grade: g,
        })
        .collect();

    let order: Vec<ControlId> = rubric.controls.iter().map(|c| c.id.clone()).collect();
    let f = Figures::of(&strata, &order);
    Backtest {
        report_format: crate::core::report::REPORT_FORMAT,
        rubric: format!("{} {}", rubric.meta.id, rubric.meta.version),
        matched_cases: strata.len(),
        matched_controls: cases
            .iter()
            .flat_map(|c| c.matched.iter())
            .collect::<BTreeSet<_>>()
            .len(),
        pairs: strata.iter().map(|s| s.controls.len()).sum(),
        auc: f.auc,
        auc_interval: f.auc_interval,
        bootstrap: Bootstrap {
            resamples: BOOTSTRAP_RESAMPLES,
            seed: BOOTSTRAP_SEED,
            level: 0.95,
        },
        leave_one_out: f.leave_one_out,
        confidence_auc: f.confidence_auc,
        difference_interval: f.difference_interval,
        known_only_auc: f.known_only_auc,
        loss_weighted_auc: f.loss_weighted_auc,
        case_confidence: f.case_confidence,
        control_confidence: f.control_confidence,
        controls: f.controls,
        pooled_auc: auc(&pos_scores, &neg_scores),
        before_loss_count: positives.len(),
        no_loss_count: clean.len(),
        cases,
        unmatched,
        clean,
        distribution,
    }
}

/// One rubric's line of a comparison on the same study.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ComparisonRow {
    /// `id@version`.
    pub rubric: String,
    /// Cases in the matched figure.
    pub matched_cases: usize,
    /// Case-control pairs in the matched figure.
    pub pairs: usize,
    /// P(a time-matched control scores above the case, ties half) under this rubric.
    #[serde(serialize_with = "rounded3_opt")]
    pub auc: Option<f64>,
    /// Bootstrap 95% interval of `auc`.
    pub auc_interval: Option<Interval>,
    /// The same figure ranking by confidence alone: what the grade must beat.
    #[serde(serialize_with = "rounded3_opt")]
    pub confidence_auc: Option<f64>,
    /// `auc - confidence_auc`.
    #[serde(serialize_with = "rounded3_opt")]
    pub difference: Option<f64>,
    /// The same figure ranking by the score over known controls only.
    #[serde(serialize_with = "rounded3_opt")]
    pub known_only_auc: Option<f64>,
    /// `auc` with each case's pairs weighted by its loss.
    #[serde(serialize_with = "rounded3_opt")]
    pub loss_weighted_auc: Option<f64>,
    /// The pooled 1.x comparison under this rubric.
    #[serde(serialize_with = "rounded3_opt")]
    pub pooled_auc: Option<f64>,
    /// Controls whose own signal points the wrong way under this rubric.
    pub wrong_way: Vec<ControlId>,
}

/// Several rubrics on the same study: what a rubric change does before it ships.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Comparison {
    /// The report layout's version; it changes when the JSON form does.
    pub report_format: u32,
    /// How the bootstrap intervals were resampled, so anyone can run them again.
    pub bootstrap: Bootstrap,
    /// One row per rubric compared, in the order given.
    pub rubrics: Vec<ComparisonRow>,
}

impl Comparison {
    /// `studies` with the `id@version` of the rubric each was run with.
    pub fn of(studies: &[(String, Backtest)]) -> Self {
        Self {
            report_format: crate::core::report::REPORT_FORMAT,
            bootstrap: Bootstrap {
                resamples: BOOTSTRAP_RESAMPLES,
                seed: BOOTSTRAP_SEED,
                level: 0.95,
            },
            rubrics: studies
                .iter()
                .map(|(rubric, b)| ComparisonRow {
                    rubric: rubric.clone(),
                    matched_cases: b.matched_cases,
                    pairs: b.pairs,
                    auc: b.auc,
                    auc_interval: b.auc_interval,
                    confidence_auc: b.confidence_auc,
                    difference: b.auc.zip(b.confidence_auc).map(|(a, c)| a - c),
                    known_only_auc: b.known_only_auc,
                    loss_weighted_auc: b.loss_weighted_auc,
                    pooled_auc: b.pooled_auc,
                    wrong_way: b
                        .controls
                        .iter()
                        .filter(|c| c.wrong_way)
                        .map(|c| c.control.clone())
                        .collect(),
                })
                .collect(),
        }
    }
}

/// What `posture backtest --format json` writes: one study, or rubrics compared on it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum BacktestDocument {
    /// One study under one rubric.
    Study(Box<Backtest>),
    /// Several rubrics compared on the same study.
    Comparison(Comparison),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::report::Score;

    #[test]
    fn auc_counts_wins_and_half_ties() {
        assert_eq!(auc(&[10.0, 20.0], &[30.0, 40.0]), Some(1.0));
        assert_eq!(auc(&[30.0, 40.0], &[10.0, 20.0]), Some(0.0));
        assert_eq!(auc(&[10.0], &[10.0]), Some(0.5));
        assert_eq!(auc(&[10.0, 30.0], &[20.0]), Some(0.5));
        assert_eq!(auc(&[], &[1.0]), None);
    }

    /// A graded snapshot with a score, a confidence and two controls' values.
    fn g(score: f64, confidence: f64, timelock: Option<f64>, pause: Option<f64>) -> Graded {
        Graded {
            standing: Standing {
                score: Score(score),
                grade: Grade {
                    label: "F".into(),
                    rank: 4,
                },
                capped_by: None,
            },
            confidence,
            known_only: score,
            controls: vec![
                (ControlId("timelock".into()), timelock),
                (ControlId("emergency-pause".into()), pause),
            ],
        }
    }

    fn strata() -> Vec<Stratum> {
        vec![
            Stratum {
                loss: 10.0,
                case: g(20.0, 0.5, Some(0.0), Some(1.0)),
                controls: vec![
                    g(40.0, 0.9, Some(1.0), Some(0.0)),
                    g(20.0, 0.4, None, Some(1.0)),
                ],
            },
            Stratum {
                loss: 90.0,
                case: g(50.0, 0.8, None, Some(0.5)),
                controls: vec![g(30.0, 0.6, Some(0.5), Some(0.0))],
            },
        ]
    }

    #[test]
    fn matched_auc_is_wins_over_pairs_and_loss_weighting_weights_each_case() {
        let s = strata();
        // Case 1: 40 > 20 wins, 20 = 20 half: 1.5 of 2. Case 2: 30 < 50: 0 of 1.
        assert_eq!(matched(&s), Some(1.5 / 3.0));
        let f = Figures::of(&s, &[]);
        // Loss-weighted: (10 x 1.5 + 90 x 0) / (10 x 2 + 90 x 1).
        assert_eq!(f.loss_weighted_auc, Some(15.0 / 110.0));
        // Confidence: 0.9 > 0.5 and 0.4 < 0.5: 1 of 2; 0.6 < 0.8: 0 of 1.
        assert_eq!(f.confidence_auc, Some(1.0 / 3.0));
        assert_eq!(f.case_confidence, Some(0.65));
        assert_eq!(
            f.leave_one_out,
            Some(Interval {
                low: 0.0,
                high: 0.75
            })
        );
    }

    #[test]
    fn per_control_auc_matches_a_hand_computation() {
        let order = [
            ControlId("timelock".into()),
            ControlId("emergency-pause".into()),
        ];
        let c = control_signals(&strata(), &order);
        // Timelock: case 1 known (0.0) against the one known control (1.0): a win; case 2
        // unknown, so left out.
        assert_eq!(c[0].auc, Some(1.0));
        assert_eq!((c[0].known_cases, c[0].known_clean, c[0].pairs), (1, 1, 1));
        assert!(!c[0].wrong_way);
        // Pause: case 1 (1.0) against 0.0 and 1.0: 0 + 0.5; case 2 (0.5) against 0.0: 0.
        assert_eq!(c[1].auc, Some(0.5 / 3.0));
        assert_eq!((c[1].known_cases, c[1].known_clean, c[1].pairs), (2, 3, 3));
        assert!(c[1].wrong_way);
    }

    #[test]
    fn the_bootstrap_is_deterministic_and_brackets_the_estimate() {
        let s = strata();
        let a = bootstrap(&s, 500, 7).unwrap();
        assert_eq!(a, bootstrap(&s, 500, 7).unwrap());
        assert!(a.0.low <= 0.5 && a.0.high >= 0.5, "{a:?}");
        assert!(a.0.low >= 0.0 && a.0.high <= 1.0);
    }

    #[test]
    fn ranking_by_confidence_gives_the_confidence_auc() {
        let mut s = strata();
        for st in &mut s {
            for x in std::iter::once(&mut st.case).chain(st.controls.iter_mut()) {
                x.standing.score = Score(100.0 * x.confidence);
            }
        }
        let f = Figures::of(&s, &[]);
        assert_eq!(f.auc, f.confidence_auc);
    }
}

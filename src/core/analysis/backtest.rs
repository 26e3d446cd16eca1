//! Backtest: would the grade have warned people before the money was gone? For every incident
//! in a set of manifests, grade that protocol the day before, from its latest earlier snapshot,
//! and compare with protocols that never lost money. A measurement, not a target.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::Serialize;

use crate::core::date::Date;
use crate::core::manifest::Manifest;
use crate::core::report::Standing;
use crate::core::rubric::{Grade, Rubric};

/// A snapshot older than this, counted back from the incident, says little about the protocol
/// that was exploited: such incidents are listed but not graded.
pub const MAX_SNAPSHOT_AGE_DAYS: i64 = 365;

/// One incident, and the grade its protocol had the day before.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Case {
    pub protocol: String,
    pub incident_date: Date,
    pub loss_usd: f64,
    pub cause: String,
    /// The snapshot graded: the latest one dated before the incident, at most a year before.
    pub snapshot: Option<String>,
    pub snapshot_as_of: Option<Date>,
    /// Grade, score and cap as of the day before; absent when no earlier snapshot exists.
    pub before: Option<Standing>,
}

/// A protocol with no recorded loss, graded at its latest snapshot.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Clean {
    pub protocol: String,
    pub snapshot: String,
    pub as_of: Date,
    pub standing: Standing,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GradeCount {
    pub grade: Grade,
    pub before_loss: usize,
    pub no_loss: usize,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Backtest {
    pub report_format: u32,
    pub rubric: String,
    pub cases: Vec<Case>,
    pub clean: Vec<Clean>,
    pub distribution: Vec<GradeCount>,
    /// P(a protocol that never lost money scores above one graded the day before a loss), ties
    /// counting half: the rank-based AUC of "lower score, later exploited". Absent when either
    /// side is empty.
    pub auc: Option<f64>,
    pub before_loss_count: usize,
    pub no_loss_count: usize,
}

/// Rank-based AUC (Mann-Whitney U): how often a negative outscores a positive.
pub fn auc(positives: &[f64], negatives: &[f64]) -> Option<f64> {
    if positives.is_empty() || negatives.is_empty() {
        return None;
    }
    let mut wins = 0.0;
    for p in positives {
        for n in negatives {
            if n > p {
                wins += 1.0;
            } else if n == p {
                wins += 0.5;
            }
        }
    }
    Some(wins / (positives.len() * negatives.len()) as f64)
}

/// One manifest of the study, by the name it was read under.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot<'a> {
    pub name: &'a str,
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

/// Runs the study over a set of snapshots. `grade(i, as_of)` grades snapshot `i` as of a date
/// (`None`: its own date); the caller knows how to find a fork's upstream.
pub fn run(
    rubric: &Rubric,
    set: &[Snapshot<'_>],
    grade: impl Fn(usize, Option<Date>) -> Standing,
) -> Backtest {
    // Every incident once, wherever it is recorded (later snapshots repeat earlier ones).
    let mut seen = BTreeSet::new();
    let mut incidents = Vec::new();
    for l in set {
        for inc in l.manifest.incidents.iter().flatten() {
            let key = (l.manifest.protocol.id.clone(), inc.date, inc.cause.clone());
            if seen.insert(key) {
                incidents.push((l.manifest.protocol.id.clone(), inc.clone()));
            }
        }
    }
    incidents.sort_by(|a, b| {
        a.1.date
            .cmp(&b.1.date)
            .then_with(|| a.0.cmp(&b.0))
            .then_with(|| a.1.cause.cmp(&b.1.cause))
    });

    let mut cases = Vec::new();
    for (id, inc) in incidents {
        let snapshot = latest_snapshot(set, &id, |as_of| {
            as_of < inc.date && as_of.days_until(inc.date) <= MAX_SNAPSHOT_AGE_DAYS
        });
        let before = snapshot.map(|i| grade(i, Some(inc.date.minus_days(1))));
        let snapshot = snapshot.map(|i| set[i]);
        cases.push(Case {
            protocol: id,
            incident_date: inc.date,
            loss_usd: inc.loss_usd,
            cause: inc.cause.clone(),
            snapshot: snapshot.map(|l| l.name.to_string()),
            snapshot_as_of: snapshot.map(|l| l.manifest.protocol.as_of),
            before,
        });
    }

    let lost: BTreeSet<&str> = cases
        .iter()
        .filter(|c| c.loss_usd > 0.0)
        .map(|c| c.protocol.as_str())
        .collect();
    let mut ids: Vec<&str> = set
        .iter()
        .map(|l| l.manifest.protocol.id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let clean: Vec<Clean> = ids
        .into_iter()
        .filter(|id| !lost.contains(id))
        .filter_map(|id| {
            let i = latest_snapshot(set, id, |_| true)?;
            Some(Clean {
                protocol: id.to_string(),
                snapshot: set[i].name.to_string(),
                as_of: set[i].manifest.protocol.as_of,
                standing: grade(i, None),
            })
        })
        .collect();

    // Positives: one per (protocol, incident date) with a loss and a graded snapshot.
    let mut positive_keys = BTreeSet::new();
    let positives: Vec<&Standing> = cases
        .iter()
        .filter(|c| c.loss_usd > 0.0)
        .filter(|c| positive_keys.insert((c.protocol.clone(), c.incident_date)))
        .filter_map(|c| c.before.as_ref())
        .collect();
    let pos_scores: Vec<f64> = positives.iter().map(|s| s.score.0).collect();
    let neg_scores: Vec<f64> = clean.iter().map(|c| c.standing.score.0).collect();
    let distribution = rubric
        .scale
        .labels()
        .iter()
        .filter_map(|l| rubric.scale.parse(l))
        .map(|g| GradeCount {
            before_loss: positives.iter().filter(|s| s.grade == g).count(),
            no_loss: clean.iter().filter(|c| c.standing.grade == g).count(),
            grade: g,
        })
        .collect();
    Backtest {
        report_format: crate::core::report::REPORT_FORMAT,
        rubric: format!("{} {}", rubric.meta.id, rubric.meta.version),
        auc: auc(&pos_scores, &neg_scores),
        before_loss_count: positives.len(),
        no_loss_count: clean.len(),
        cases,
        clean,
        distribution,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_wins_and_half_ties() {
        assert_eq!(auc(&[10.0, 20.0], &[30.0, 40.0]), Some(1.0));
        assert_eq!(auc(&[30.0, 40.0], &[10.0, 20.0]), Some(0.0));
        assert_eq!(auc(&[10.0], &[10.0]), Some(0.5));
        assert_eq!(auc(&[10.0, 30.0], &[20.0]), Some(0.5));
        assert_eq!(auc(&[], &[1.0]), None);
    }
}

//! The investor's view of many protocols: a TVL-weighted portfolio grade, how much value sits
//! at each grade, and the groups of protocols that share code (a fork and its upstream, two
//! forks of one upstream), since one bug hits all of them.

use std::collections::{BTreeMap, HashMap, HashSet};

use schemars::JsonSchema;
use serde::Serialize;

use crate::core::date::Date;
use crate::core::report::Score;
use crate::core::rubric::{Grade, Rubric};

/// Value held at one grade, latest snapshot per protocol.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GradeShare {
    /// The grade.
    pub grade: Grade,
    /// How many protocols have this grade.
    pub protocols: usize,
    /// Their total value locked, USD.
    pub tvl_usd: f64,
    /// Share of the TVL known across the portfolio, 0 to 1.
    pub tvl_share: f64,
}

/// Protocols that run the same code lineage.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SharedCode {
    /// The original codebase (the upstream all members descend from).
    pub lineage: String,
    /// The ids of the protocols in the group.
    pub members: Vec<String>,
    /// Their total value locked, USD.
    pub tvl_usd: f64,
}

/// The investor's view of many protocols: a value-weighted grade, the value at each grade, and
/// the protocols that share code.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Portfolio {
    /// Distinct protocols (the latest snapshot of each counts).
    pub protocols: usize,
    /// Protocols whose TVL is known (the weights).
    pub with_tvl: usize,
    /// Total value locked across the protocols whose TVL is known, USD.
    pub tvl_usd: f64,
    /// TVL-weighted mean score of the latest snapshots; null when no TVL is known.
    pub score: Option<Score>,
    /// The grade that score earns on the rubric's scale (caps are per protocol, not here).
    pub grade: Option<Grade>,
    /// The grade of the median dollar, caps applied: the best grade at which at least half
    /// of the known TVL sits at that grade or better. Null when no TVL is known. It can be
    /// worse than `grade`: a capped protocol's score counts in full in the mean.
    pub median_grade: Option<Grade>,
    /// Value held at each grade, best first.
    pub by_grade: Vec<GradeShare>,
    /// Groups of two or more protocols that share code: correlated exposure.
    pub shared_code: Vec<SharedCode>,
}

/// The latest holding of each protocol id (the first of equal dates), in id order, as indices
/// into `all`.
fn latest(all: &[Holding<'_>]) -> Vec<usize> {
    // Sorting by the id's first bytes settles most comparisons without reading the id, which a
    // map keyed by id would read at every step.
    let mut by_id: Vec<(u128, usize)> = all
        .iter()
        .enumerate()
        .map(|(i, h)| (prefix(h.id), i))
        .collect();
    by_id.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| all[a.1].id.cmp(all[b.1].id))
            .then(a.1.cmp(&b.1))
    });
    let mut latest: Vec<usize> = Vec::new();
    for i in by_id.into_iter().map(|(_, i)| i) {
        match latest.last_mut() {
            Some(e) if all[*e].id == all[i].id => {
                if all[i].facts_as_of > all[*e].facts_as_of {
                    *e = i;
                }
            }
            _ => latest.push(i),
        }
    }
    latest
}

/// The first 16 bytes of a text as a number that orders as the text does (shorter texts pad
/// with zero bytes, which sort first, as a prefix does).
pub fn prefix(text: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let n = text.len().min(16);
    bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

/// The first ancestor with no known upstream (bounded, so a cycle cannot hang it).
fn root<'a>(parent: &HashMap<&'a str, (usize, &'a str)>, mut id: &'a str) -> &'a str {
    for _ in 0..64 {
        match parent.get(id) {
            Some((_, up)) => id = up,
            None => break,
        }
    }
    id
}

/// What the portfolio reads of one graded snapshot. League rows are large and scattered in
/// memory, so they are read once, into these, and every sum runs over these.
#[derive(Debug, Clone, Copy)]
pub struct Holding<'a> {
    /// The protocol's id.
    pub id: &'a str,
    /// The date the snapshot's facts describe: the latest snapshot of a protocol counts.
    pub facts_as_of: Date,
    /// The upstream protocol id, for a fork.
    pub forked_from: Option<&'a str>,
    /// Total value locked, USD, when known.
    pub tvl_usd: Option<f64>,
    /// The weighted total score, out of 100.
    pub score: f64,
    /// The grade's place on the rubric's scale, best first.
    pub rank: usize,
}

/// The portfolio of a set of graded snapshots, counting the latest snapshot of each protocol.
pub fn portfolio(rubric: &Rubric, all: &[Holding<'_>]) -> Portfolio {
    let holdings: Vec<Holding> = latest(all).into_iter().map(|i| all[i]).collect();
    let weighted: Vec<(&Holding, f64)> = holdings
        .iter()
        .filter_map(|h| h.tvl_usd.filter(|t| *t > 0.0).map(|t| (h, t)))
        .collect();
    let tvl: f64 = weighted.iter().map(|(_, t)| t).sum::<f64>() + 0.0;
    let score =
        (tvl > 0.0).then(|| Score(weighted.iter().map(|(h, t)| h.score * t).sum::<f64>() / tvl));
    let mut at = vec![(0usize, 0.0f64); rubric.scale.grades().count()];
    for h in &holdings {
        if let Some((n, value)) = at.get_mut(h.rank) {
            *n += 1;
            // Starting from 0.0, not -0.0 as an empty float sum does, so no TVL reads as 0.
            if let Some(t) = h.tvl_usd {
                *value += t;
            }
        }
    }
    let by_grade = rubric
        .scale
        .grades()
        .zip(at)
        .map(|(grade, (protocols, value))| GradeShare {
            protocols,
            tvl_usd: value,
            tvl_share: if tvl > 0.0 { value / tvl } else { 0.0 },
            grade,
        })
        .collect::<Vec<GradeShare>>();
    let median_grade = (tvl > 0.0)
        .then(|| {
            let mut held = 0.0;
            by_grade.iter().find_map(|g| {
                held += g.tvl_share;
                (held >= 0.5 - 1e-9).then(|| g.grade.clone())
            })
        })
        .flatten();

    // Follow each protocol's forked_from chain to its root, within what the set knows. Only
    // forks and the roots they lead to can share code with anything, so only they are looked
    // at (holdings are in id order, so a root is found by a binary search).
    let parent: HashMap<&str, (usize, &str)> = holdings
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.forked_from.map(|up| (h.id, (i, up))))
        .collect();
    let roots: HashSet<&str> = parent.keys().map(|id| root(&parent, id)).collect();
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (id, (i, _)) in &parent {
        groups.entry(root(&parent, id)).or_default().push(*i);
    }
    // A root outside a cycle has no upstream: it heads its own group.
    for id in roots.iter().filter(|id| !parent.contains_key(*id)) {
        if let Ok(i) = holdings.binary_search_by(|h| h.id.cmp(id)) {
            groups.entry(id).or_default().push(i);
        }
    }
    let shared_code = groups
        .into_iter()
        .filter(|(_, members)| members.len() > 1)
        .map(|(lineage, mut members)| {
            members.sort_unstable();
            let members: Vec<&Holding> = members.into_iter().map(|i| &holdings[i]).collect();
            SharedCode {
                lineage: lineage.to_string(),
                tvl_usd: members.iter().filter_map(|h| h.tvl_usd).sum::<f64>() + 0.0,
                members: members.iter().map(|h| h.id.to_string()).collect(),
            }
        })
        .collect();
    Portfolio {
        protocols: holdings.len(),
        with_tvl: weighted.len(),
        tvl_usd: tvl,
        grade: score.map(|s| rubric.scale.grade_for(s.0)),
        median_grade,
        score,
        by_grade,
        shared_code,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::analysis::league::LeagueRow;
    use crate::core::engine::Summary;
    use crate::core::manifest::ProtocolKind;
    use crate::core::report::{ManifestStamp, ProtocolSummary, Ratio};
    use proptest::prelude::*;

    /// A row of a given grade rank, score, id, day of January 2025 (its date and its facts')
    /// and file number.
    pub(crate) fn sample_row(
        scale: &crate::core::rubric::GradeScale,
        (rank, score, id, day, path): (usize, f64, String, i8, u8),
    ) -> LeagueRow {
        let as_of = Date::new(2025, 1, day).expect("a valid date");
        let grade = scale.grade(rank);
        LeagueRow::new(
            ProtocolSummary {
                id,
                name: String::new(),
                kind: ProtocolKind::Dex,
                as_of,
                tvl_usd: None,
                forked_from: None,
            },
            as_of,
            Summary {
                score: Score(score),
                grade: grade.clone(),
                grade_before_caps: grade,
                capped_by: None,
                confidence: Ratio(1.0),
                high: crate::core::report::Bound {
                    score: Score(score),
                    grade: scale.grade(rank),
                },
                provisional: false,
            },
            ManifestStamp {
                path: format!("p{path}.toml"),
                sha256: String::new(),
            },
            None,
            None,
        )
    }

    /// The median dollar's grade follows the caps where the weighted mean score does not: a
    /// large capped protocol with a high score lifts the mean, not the median.
    #[test]
    fn the_median_dollar_grade_counts_caps() {
        let (rubric, _) =
            crate::load::rubric_by_name("defi-baseline").expect("the built-in rubric");
        let row = |rank, score, id: &str, tvl: f64| {
            let mut r = sample_row(&rubric.scale, (rank, score, id.to_string(), 1, 0));
            r.tvl_usd = Some(tvl);
            r
        };
        // F by a cap on 60% of the TVL, though its score (85) would earn an A.
        let rows = [row(4, 85.0, "capped", 60.0), row(0, 95.0, "a", 40.0)];
        let all: Vec<Holding> = rows.iter().map(LeagueRow::holding).collect();
        let p = portfolio(&rubric, &all);
        assert_eq!(p.grade.map(|g| g.label), Some("A".to_string()));
        assert_eq!(p.median_grade.map(|g| g.label), Some("F".to_string()));
        // Exactly half at A: the median dollar is at A.
        let rows = [row(0, 95.0, "a", 50.0), row(2, 65.0, "c", 50.0)];
        let all: Vec<Holding> = rows.iter().map(LeagueRow::holding).collect();
        assert_eq!(
            portfolio(&rubric, &all).median_grade.map(|g| g.label),
            Some("A".to_string())
        );
        // No TVL known: no median.
        let rows = [sample_row(&rubric.scale, (0, 95.0, "a".into(), 1, 0))];
        let all: Vec<Holding> = rows.iter().map(LeagueRow::holding).collect();
        assert!(portfolio(&rubric, &all).median_grade.is_none());
    }

    proptest! {
        /// The latest row per id is the one a map keyed by id keeps: the latest facts, the
        /// first of equal dates, in id order.
        #[test]
        fn latest_is_the_latest_per_id(
            specs in proptest::collection::vec(
                (prop::sample::select(vec!["b", "a", "ab", "a-very-long-protocol-id", "a-very-long-protocol-id-2"]),
                 1i8..4),
                0..60,
            )
        ) {
            let (rubric, _) = crate::load::rubric_by_name("defi-baseline").expect("the built-in rubric");
            let rows: Vec<LeagueRow> = specs
                .into_iter()
                .enumerate()
                .map(|(i, (id, day))| sample_row(&rubric.scale, (0, 50.0, id.to_string(), day, i as u8)))
                .collect();
            let mut by_id: BTreeMap<&str, &LeagueRow> = BTreeMap::new();
            for r in &rows {
                let e = by_id.entry(r.id.as_str()).or_insert(r);
                if r.facts_as_of > e.facts_as_of {
                    *e = r;
                }
            }
            let expected: Vec<&str> = by_id.values().map(|r| r.manifest.path.as_str()).collect();
            let holdings: Vec<Holding> = rows.iter().map(LeagueRow::holding).collect();
            let got: Vec<&str> = latest(&holdings).into_iter().map(|i| rows[i].manifest.path.as_str()).collect();
            prop_assert_eq!(got, expected);
        }
    }

    proptest! {
        /// Shared-code groups are the forks and the roots their lineage leads to, grouped by
        /// root, members in id order, cycles and unknown upstreams included.
        #[test]
        fn shared_code_groups_follow_lineage(
            specs in proptest::collection::vec(
                (0usize..6, prop::option::of(0usize..8), prop::option::of(1u32..5), 1i8..3),
                0..30,
            )
        ) {
            let ids = ["a", "b", "c", "d", "e", "f", "g", "h"];
            let (rubric, _) = crate::load::rubric_by_name("defi-baseline").expect("the built-in rubric");
            let rows: Vec<LeagueRow> = specs
                .iter()
                .enumerate()
                .map(|(i, (id, up, tvl, day))| {
                    let mut r = sample_row(&rubric.scale, (0, 50.0, ids[*id].to_string(), *day, i as u8));
                    r.forked_from = up.map(|u| ids[u].to_string());
                    r.tvl_usd = tvl.map(f64::from);
                    r
                })
                .collect();
            let all: Vec<Holding> = rows.iter().map(LeagueRow::holding).collect();
            let holdings: Vec<&LeagueRow> = latest(&all).into_iter().map(|i| &rows[i]).collect();
            let parent_of = |id: &str| holdings.iter().find(|r| r.id == id).and_then(|r| r.forked_from.clone());
            let root_of = |mut id: String| {
                for _ in 0..64 {
                    match parent_of(&id) {
                        Some(up) => id = up,
                        None => break,
                    }
                }
                id
            };
            let forks: Vec<String> = holdings.iter().filter(|r| r.forked_from.is_some()).map(|r| r.id.clone()).collect();
            let roots: Vec<String> = forks.iter().map(|f| root_of(f.clone())).collect();
            let mut expected: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for r in &holdings {
                if forks.contains(&r.id) || roots.contains(&r.id) {
                    expected.entry(root_of(r.id.clone())).or_default().push(r.id.clone());
                }
            }
            expected.retain(|_, members| members.len() > 1);
            let got: BTreeMap<String, Vec<String>> = portfolio(&rubric, &all)
                .shared_code
                .into_iter()
                .map(|g| (g.lineage, g.members))
                .collect();
            prop_assert_eq!(got, expected);
        }
    }
}

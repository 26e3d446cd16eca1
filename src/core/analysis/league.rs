//! A league: one row per graded manifest, in league order (best grade first, then higher
//! score, then id and date: a total order, so the same set always prints the same way), and
//! the JSON documents that carry one report or a whole league.

use schemars::JsonSchema;
use serde::Serialize;

use crate::core::analysis::portfolio::{Holding, Portfolio, portfolio, prefix};
use crate::core::date::Date;
use crate::core::engine::Summary;
use crate::core::manifest::ProtocolKind;
use crate::core::report::{
    ManifestStamp, ProtocolSummary, Ratio, Report, RubricStamp, Score, WhatIf,
};
use crate::core::rubric::{GateId, Grade, Rubric};

/// One line of a league: what ranking, the portfolio, a table row and re-verification need of
/// a report. A league keeps these, not the reports, so its memory does not grow with them.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LeagueRow {
    /// Place in the league, from 1 (best grade, then higher score).
    pub rank: usize,
    /// The protocol's id (kebab-case).
    pub id: String,
    /// The protocol's display name.
    pub name: String,
    /// What the protocol does (a DEX, a lending market...).
    pub kind: ProtocolKind,
    /// The date the protocol was evaluated as of.
    pub as_of: Date,
    /// The date the manifest's facts describe.
    pub facts_as_of: Date,
    /// The grade after gates.
    pub grade: Grade,
    /// The weighted total score, out of 100.
    pub score: Score,
    /// The grade the score alone earns, before any gate caps it.
    pub grade_before_caps: Grade,
    /// The failing gate that sets the grade, if a gate does.
    pub capped_by: Option<GateId>,
    /// Share of applicable weight backed by known, sourced facts, 0 to 1.
    pub confidence: Ratio,
    /// Unknown controls hold more than a fifth of the applicable weight.
    pub provisional: bool,
    /// The grade if every unknown control were at full marks (`range.high` of the report).
    pub high_grade: Grade,
    /// Total value locked, USD, when known.
    pub tvl_usd: Option<f64>,
    /// The upstream protocol id, for a fork.
    pub forked_from: Option<String>,
    /// The manifest graded, and a fork's upstream, as the full report stamps them.
    pub manifest: ManifestStamp,
    /// For a fork: the upstream manifest graded with it.
    pub upstream: Option<ManifestStamp>,
    /// Present when the league is a what-if (`--set`).
    pub what_if: Option<WhatIf>,
    /// Index of the full report in `reports`, when the document carries them (`--full`).
    pub report: Option<usize>,
}

impl LeagueRow {
    /// An unranked row: the protocol, the date it was evaluated as of, its grade, and the
    /// files graded.
    pub fn new(
        protocol: ProtocolSummary,
        as_of: Date,
        summary: Summary,
        manifest: ManifestStamp,
        upstream: Option<ManifestStamp>,
        what_if: Option<WhatIf>,
    ) -> Self {
        Self {
            rank: 0,
            id: protocol.id,
            name: protocol.name,
            kind: protocol.kind,
            as_of,
            facts_as_of: protocol.as_of,
            grade: summary.grade,
            score: summary.score,
            grade_before_caps: summary.grade_before_caps,
            capped_by: summary.capped_by,
            confidence: summary.confidence,
            provisional: summary.provisional,
            high_grade: summary.high.grade,
            tvl_usd: protocol.tvl_usd,
            forked_from: protocol.forked_from,
            manifest,
            upstream,
            what_if,
            report: None,
        }
    }

    /// What the portfolio reads of this row.
    pub fn holding(&self) -> Holding<'_> {
        Holding {
            id: &self.id,
            facts_as_of: self.facts_as_of,
            forked_from: self.forked_from.as_deref(),
            tvl_usd: self.tvl_usd,
            score: self.score.0,
            rank: self.grade.rank,
        }
    }

    /// The row of a report, unranked.
    pub fn of(r: &Report) -> Self {
        Self::new(
            r.protocol.clone(),
            r.stamp.evaluated_as_of,
            Summary::of(r),
            r.stamp.manifest.clone(),
            r.stamp.upstream.clone(),
            r.what_if.clone(),
        )
    }
}

/// What made a league: the tool and rubric (each row names its manifest and date).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LeagueStamp {
    /// `posture <version>`.
    pub tool: String,
    /// The rubric the league was graded with: id, version and the sha256 of its text.
    pub rubric: RubricStamp,
}

/// The JSON document of many manifests: the league table and the portfolio, and with `--full`
/// every full report. Reports come first so that they can be written as they are graded.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LeagueDocument {
    /// The report layout's version; it changes when the JSON form does.
    pub report_format: u32,
    /// The tool and rubric that made the league.
    pub stamp: LeagueStamp,
    /// Every full report in grading order (only with `--full`); rows point to them by index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reports: Option<Vec<Report>>,
    /// One row per manifest, in league order.
    pub league: Vec<LeagueRow>,
    /// The portfolio view of the league: value-weighted grade, value at each grade, shared code.
    pub portfolio: Portfolio,
}

/// What `posture score --format json` prints: one report, or a league of many.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(title = "posture report")]
pub enum ReportDocument {
    /// The report of one manifest.
    One(Box<Report>),
    /// The league of several manifests.
    Many(Box<LeagueDocument>),
}

/// A league table: rows in league order, with the portfolio they make up.
#[derive(Debug, Clone)]
pub struct League {
    /// The report layout's version; it changes when the JSON form does.
    pub report_format: u32,
    /// The tool and rubric that made the league.
    pub stamp: LeagueStamp,
    /// One row per manifest, in league order.
    pub rows: Vec<LeagueRow>,
    /// The portfolio view of the league: value-weighted grade, value at each grade, shared code.
    pub portfolio: Portfolio,
}

impl League {
    /// Ranks the rows and adds up the portfolio.
    pub fn new(rubric: &Rubric, rows: Vec<LeagueRow>) -> Self {
        Self::ranked(rubric, rows).0
    }

    /// As [`League::new`], also saying where each row came from: the row at place `i` of the
    /// league was `rows[order[i]]`, so a caller can find what it kept beside each row.
    pub fn ranked(rubric: &Rubric, mut rows: Vec<LeagueRow>) -> (Self, Vec<usize>) {
        let order = league_order(&mut rows);
        let holdings: Vec<Holding> = rows.iter().map(LeagueRow::holding).collect();
        let portfolio = portfolio(rubric, &holdings);
        let league = Self {
            report_format: crate::core::report::REPORT_FORMAT,
            stamp: LeagueStamp {
                tool: crate::core::report::tool(),
                rubric: crate::core::report::rubric_stamp(rubric),
            },
            rows,
            portfolio,
        };
        (league, order)
    }

    /// Whether any row is a what-if, so tables add a "before" column.
    pub fn what_if(&self) -> bool {
        self.rows.iter().any(|r| r.what_if.is_some())
    }
}

/// Best grade first, then higher score, then id and date: a total order, so output is stable.
fn league_cmp(a: &LeagueRow, b: &LeagueRow) -> std::cmp::Ordering {
    a.grade
        .rank
        .cmp(&b.grade.rank)
        .then(b.score.0.total_cmp(&a.score.0))
        .then_with(|| a.id.cmp(&b.id))
        .then(a.as_of.cmp(&b.as_of))
        .then_with(|| a.manifest.path.cmp(&b.manifest.path))
}

/// Sorts rows into league order ([`league_cmp`]) and numbers them from 1. Returns where each
/// row was: the row now at place `i` was at `order[i]`.
pub fn league_order(rows: &mut [LeagueRow]) -> Vec<usize> {
    // Rows are large and scattered in memory: sorting small keys (grade, score, the id's first
    // bytes) settles most comparisons without touching a row, then the rows move once.
    let mut keys: Vec<(usize, f64, u128, usize)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.grade.rank, r.score.0, prefix(&r.id), i))
        .collect();
    keys.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.1.total_cmp(&a.1))
            .then(a.2.cmp(&b.2))
            .then_with(|| league_cmp(&rows[a.3], &rows[b.3]))
            // The same file given twice: keep the order given, as a stable sort would.
            .then(a.3.cmp(&b.3))
    });
    // Row `order[i]` goes to place `i`: each cycle of the permutation is followed once, in
    // place (a second list of rows would cost its page faults).
    let from: Vec<usize> = keys.into_iter().map(|k| k.3).collect();
    let mut order = from.clone();
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != at {
            let from = std::mem::replace(&mut order[at], at);
            if from == start {
                break;
            }
            rows.swap(at, from);
            at = from;
        }
    }
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    from
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::analysis::portfolio::tests::sample_row;
    use crate::load;
    use proptest::prelude::*;

    proptest! {
        /// The keyed sort gives exactly the order of a stable sort by the whole comparison,
        /// ties (the same file twice), shared id prefixes longer than the key's and all.
        #[test]
        fn league_order_is_league_cmp(
            specs in proptest::collection::vec(
                (0usize..3, prop::sample::select(vec![0.0, 50.0, 50.5, 99.9]),
                 prop::sample::select(vec!["a", "ab", "a-very-long-protocol-id", "a-very-long-protocol-id-2", "a-very-long-protocol-i"]),
                 1i8..4, 0u8..3),
                0..60,
            )
        ) {
            let (rubric, _) = load::rubric_by_name("defi-baseline").expect("the built-in rubric");
            let mut rows: Vec<LeagueRow> = specs
                .into_iter()
                .map(|(g, s, id, d, p)| sample_row(&rubric.scale, (g, s, id.to_string(), d, p)))
                .collect();
            // Each row tagged with its place before sorting, to check the order returned.
            let mut expected: Vec<(usize, LeagueRow)> = rows.iter().cloned().enumerate().collect();
            expected.sort_by(|a, b| league_cmp(&a.1, &b.1));
            let given = rows.clone();
            let order = league_order(&mut rows);
            let key = |r: &LeagueRow| (r.id.clone(), r.as_of, r.manifest.path.clone(), r.grade.rank, r.score.0);
            prop_assert_eq!(&order, &expected.iter().map(|(i, _)| *i).collect::<Vec<_>>());
            prop_assert_eq!(rows.iter().map(key).collect::<Vec<_>>(), expected.iter().map(|(_, r)| key(r)).collect::<Vec<_>>());
            prop_assert_eq!(rows.iter().map(key).collect::<Vec<_>>(), order.iter().map(|&i| key(&given[i])).collect::<Vec<_>>());
            prop_assert!(rows.iter().enumerate().all(|(i, r)| r.rank == i + 1));
        }
    }
}

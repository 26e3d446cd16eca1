//! The investor's view of many protocols: a TVL-weighted portfolio grade, how much value sits
//! at each grade, and the groups of protocols that share code (a fork and its upstream, two
//! forks of one upstream), since one bug hits all of them.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

use crate::report::{Report, Score};
use crate::rubric::{Grade, Rubric};

/// Value held at one grade, latest snapshot per protocol.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GradeShare {
    pub grade: Grade,
    pub protocols: usize,
    pub tvl_usd: f64,
    /// Share of the TVL known across the portfolio, 0 to 1.
    pub tvl_share: f64,
}

/// Protocols that run the same code lineage.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SharedCode {
    /// The original codebase (the upstream all members descend from).
    pub lineage: String,
    pub members: Vec<String>,
    pub tvl_usd: f64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Portfolio {
    /// Distinct protocols (the latest snapshot of each counts).
    pub protocols: usize,
    /// Protocols whose TVL is known (the weights).
    pub with_tvl: usize,
    pub tvl_usd: f64,
    /// TVL-weighted mean score of the latest snapshots; null when no TVL is known.
    pub score: Option<Score>,
    /// The grade that score earns on the rubric's scale (caps are per protocol, not here).
    pub grade: Option<Grade>,
    pub by_grade: Vec<GradeShare>,
    /// Groups of two or more protocols that share code: correlated exposure.
    pub shared_code: Vec<SharedCode>,
}

/// One line of a league, as the JSON output lists it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LeagueRow {
    pub rank: usize,
    pub id: String,
    pub as_of: crate::date::Date,
    pub grade: Grade,
    pub score: Score,
    pub capped_by: Option<crate::rubric::GateId>,
    pub confidence: crate::report::Ratio,
}

/// The JSON document of many reports: summary rows, the portfolio, every full report. (The
/// JSON renderer writes the same fields from borrowed data; this owned form is the schema.)
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LeagueDocument {
    pub report_format: u32,
    pub league: Vec<LeagueRow>,
    pub portfolio: Portfolio,
    pub reports: Vec<Report>,
}

/// What `posture score --format json` prints: one report, or a league of many.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(title = "posture report")]
pub enum ReportDocument {
    One(Box<Report>),
    Many(LeagueDocument),
}

/// A league table: reports in league order, with the portfolio they make up.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct League {
    pub report_format: u32,
    pub reports: Vec<Report>,
    pub portfolio: Portfolio,
}

impl League {
    /// The summary line of each report, in league order.
    pub fn rows(&self) -> Vec<LeagueRow> {
        self.reports
            .iter()
            .enumerate()
            .map(|(i, r)| LeagueRow {
                rank: i + 1,
                id: r.protocol.id.clone(),
                as_of: r.stamp.evaluated_as_of,
                grade: r.grade.clone(),
                score: r.score,
                capped_by: r.capped_by.clone(),
                confidence: r.confidence,
            })
            .collect()
    }

    pub fn new(rubric: &Rubric, reports: Vec<Report>) -> Self {
        let portfolio = portfolio(rubric, &reports);
        Self {
            report_format: crate::report::REPORT_FORMAT,
            reports,
            portfolio,
        }
    }
}

/// The latest report of each protocol id, in id order.
fn latest(reports: &[Report]) -> Vec<&Report> {
    let mut by_id: BTreeMap<&str, &Report> = BTreeMap::new();
    for r in reports {
        let e = by_id.entry(r.protocol.id.as_str()).or_insert(r);
        if r.protocol.as_of > e.protocol.as_of {
            *e = r;
        }
    }
    by_id.into_values().collect()
}

/// The first ancestor with no known upstream (bounded, so a cycle cannot hang it).
fn root<'a>(parent: &BTreeMap<&'a str, &'a str>, mut id: &'a str) -> &'a str {
    for _ in 0..64 {
        match parent.get(id) {
            Some(up) => id = up,
            None => break,
        }
    }
    id
}

pub fn portfolio(rubric: &Rubric, reports: &[Report]) -> Portfolio {
    let holdings = latest(reports);
    let weighted: Vec<(&Report, f64)> = holdings
        .iter()
        .filter_map(|r| r.protocol.tvl_usd.filter(|t| *t > 0.0).map(|t| (*r, t)))
        .collect();
    let tvl: f64 = weighted.iter().map(|(_, t)| t).sum::<f64>() + 0.0;
    let score =
        (tvl > 0.0).then(|| Score(weighted.iter().map(|(r, t)| r.score.0 * t).sum::<f64>() / tvl));
    let by_grade = rubric
        .scale
        .labels()
        .iter()
        .filter_map(|l| rubric.scale.parse(l))
        .map(|g| {
            let at: Vec<&&Report> = holdings.iter().filter(|r| r.grade == g).collect();
            // An empty sum of floats is -0.0; add 0.0 so no TVL reads as 0.
            let value: f64 = at.iter().filter_map(|r| r.protocol.tvl_usd).sum::<f64>() + 0.0;
            GradeShare {
                protocols: at.len(),
                tvl_usd: value,
                tvl_share: if tvl > 0.0 { value / tvl } else { 0.0 },
                grade: g,
            }
        })
        .collect();

    // Follow each protocol's forked_from chain to its root, within what the set knows.
    let parent: BTreeMap<&str, &str> = holdings
        .iter()
        .filter_map(|r| {
            r.protocol
                .forked_from
                .as_deref()
                .map(|u| (r.protocol.id.as_str(), u))
        })
        .collect();
    let mut groups: BTreeMap<String, Vec<&Report>> = BTreeMap::new();
    for r in &holdings {
        groups
            .entry(root(&parent, &r.protocol.id).to_string())
            .or_default()
            .push(r);
    }
    let shared_code = groups
        .into_iter()
        .filter(|(_, members)| members.len() > 1)
        .map(|(lineage, members)| SharedCode {
            lineage,
            tvl_usd: members
                .iter()
                .filter_map(|m| m.protocol.tvl_usd)
                .sum::<f64>()
                + 0.0,
            members: members.iter().map(|m| m.protocol.id.clone()).collect(),
        })
        .collect();
    Portfolio {
        protocols: holdings.len(),
        with_tvl: weighted.len(),
        tvl_usd: tvl,
        grade: score.map(|s| rubric.scale.grade_for(s.0)),
        score,
        by_grade,
        shared_code,
    }
}

//! JSON: reports as `posture schema report` describes them; gap plans and diffs alike.

use std::io::{self, Write};

use serde::Serialize;

use super::Renderer;
use crate::backtest::Backtest;
use crate::diff::Diff;
use crate::gaps::GapReport;
use crate::portfolio::League;
use crate::report::Report;

pub struct Json;

/// Many reports: a summary row per protocol (in league order), the portfolio, every report.
#[derive(Serialize)]
struct LeagueJson<'a> {
    report_format: u32,
    league: Vec<Row<'a>>,
    portfolio: &'a crate::portfolio::Portfolio,
    reports: &'a [Report],
}

#[derive(Serialize)]
struct Row<'a> {
    rank: usize,
    id: &'a str,
    as_of: crate::date::Date,
    grade: &'a crate::rubric::Grade,
    score: crate::report::Score,
    capped_by: Option<&'a crate::rubric::GateId>,
    confidence: crate::report::Ratio,
}

fn write_json<T: Serialize>(value: &T, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
    writeln!(out)
}

impl Renderer for Json {
    fn report(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        write_json(report, out)
    }

    fn league(&self, league: &League, out: &mut dyn Write) -> io::Result<()> {
        let rows = league
            .reports
            .iter()
            .enumerate()
            .map(|(i, r)| Row {
                rank: i + 1,
                id: &r.protocol.id,
                as_of: r.stamp.evaluated_as_of,
                grade: &r.grade,
                score: r.score,
                capped_by: r.capped_by.as_ref(),
                confidence: r.confidence,
            })
            .collect();
        write_json(
            &LeagueJson {
                report_format: league.report_format,
                league: rows,
                portfolio: &league.portfolio,
                reports: &league.reports,
            },
            out,
        )
    }

    fn gaps(&self, gaps: &GapReport, out: &mut dyn Write) -> io::Result<()> {
        write_json(gaps, out)
    }

    fn diff(&self, diff: &Diff, out: &mut dyn Write) -> io::Result<()> {
        write_json(diff, out)
    }

    fn backtest(&self, backtest: &Backtest, out: &mut dyn Write) -> io::Result<()> {
        write_json(backtest, out)
    }
}

//! JSON: reports as `posture schema report` describes them; gap plans and diffs alike.

use std::io::{self, Write};

use serde::Serialize;

use super::Renderer;
use crate::backtest::Backtest;
use crate::diff::Diff;
use crate::gaps::GapReport;
use crate::portfolio::{League, LeagueRow, Portfolio};
use crate::report::Report;

pub struct Json;

fn write_json<T: Serialize>(value: &T, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
    writeln!(out)
}

impl Renderer for Json {
    fn report(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        write_json(report, out)
    }

    fn league(&self, league: &League, out: &mut dyn Write) -> io::Result<()> {
        write_json(
            &LeagueJson {
                report_format: league.report_format,
                league: league.rows(),
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

/// [`crate::portfolio::LeagueDocument`], borrowed: the reports are written, not copied.
#[derive(Serialize)]
struct LeagueJson<'a> {
    report_format: u32,
    league: Vec<LeagueRow>,
    portfolio: &'a Portfolio,
    reports: &'a [Report],
}

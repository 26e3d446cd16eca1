//! HTML: one self-contained file for due-diligence records.

use std::io::{self, Write};

use super::{Renderer, unsupported};
use crate::backtest::Backtest;
use crate::diff::Diff;
use crate::gaps::GapReport;
use crate::portfolio::League;
use crate::report::Report;

pub struct Html;

impl Renderer for Html {
    fn report(&self, _report: &Report, _out: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("html", "a report yet"))
    }

    fn league(&self, _league: &League, _out: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("html", "a league yet"))
    }

    fn gaps(&self, _gaps: &GapReport, _out: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("html", "gaps"))
    }

    fn diff(&self, _diff: &Diff, _out: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("html", "diff"))
    }

    fn backtest(&self, _backtest: &Backtest, _out: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("html", "backtest"))
    }
}

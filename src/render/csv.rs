//! CSV: one row per protocol and one per (protocol, control), for spreadsheets.

use std::io::{self, Write};

use super::{Renderer, unsupported};
use crate::backtest::Backtest;
use crate::diff::Diff;
use crate::gaps::GapReport;
use crate::portfolio::League;
use crate::report::Report;

pub struct Csv;

impl Renderer for Csv {
    fn report(&self, _report: &Report, _out: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("csv", "a report yet"))
    }

    fn league(&self, _league: &League, _out: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("csv", "a league yet"))
    }

    fn gaps(&self, _gaps: &GapReport, _out: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("csv", "gaps"))
    }

    fn diff(&self, _diff: &Diff, _out: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("csv", "diff"))
    }

    fn backtest(&self, _backtest: &Backtest, _out: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("csv", "backtest"))
    }
}

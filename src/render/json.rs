//! JSON: reports as `posture schema report` describes them; gap plans and diffs alike.
//!
//! A league is written as it is graded: with `--full` each report is serialised on the thread
//! that made it ([`Renderer::prepare`]) and written in grading order ([`Renderer::stream`]), so neither the reports nor the document are ever
//! held whole. The bytes are exactly those of `serde_json::to_writer_pretty` on the whole
//! [`crate::core::analysis::league::LeagueDocument`].

use std::io::{self, Write};

use serde::Serialize;

use super::view::Part;
use super::{LeagueView, Prepared, Renderer};
use crate::core::analysis::backtest::{Backtest, Comparison};
use crate::core::analysis::diff::Diff;
use crate::core::analysis::forecast::{Forecast, Outlook};
use crate::core::analysis::gaps::GapReport;
use rayon::prelude::*;

use crate::core::analysis::league::{League, LeagueRow, LeagueStamp};
use crate::core::report::Report;

/// JSON: the serde serialisation of the report types, pretty-printed.
pub struct Json;

fn write_json<T: Serialize>(value: &T, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::other)?;
    writeln!(out)
}

/// `value` pretty-printed as it reads `depth` levels down a pretty-printed document. Pretty
/// JSON has no raw newline inside a string, so indenting after each newline is exact.
fn nested<T: Serialize>(value: &T, depth: usize) -> io::Result<Vec<u8>> {
    let flat = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    let pad = depth * 2;
    let lines = flat.iter().filter(|b| **b == b'\n').count();
    let mut out = Vec::with_capacity(flat.len() + lines * pad);
    for &b in &flat {
        out.push(b);
        if b == b'\n' {
            out.resize(out.len() + pad, b' ');
        }
    }
    Ok(out)
}

impl Renderer for Json {
    fn report(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        write_json(report, out)
    }

    fn league_needs_reports(&self, full: bool) -> bool {
        full
    }

    fn prepare(&self, report: &Report, full: bool) -> io::Result<Prepared> {
        Ok(if full {
            Prepared(Part::Bytes(nested(report, 2)?))
        } else {
            Prepared::nothing()
        })
    }

    fn streams(&self, full: bool) -> bool {
        full
    }

    fn stream(
        &self,
        stamp: &LeagueStamp,
        index: usize,
        prepared: Prepared,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let Part::Bytes(report) = prepared.0 else {
            return Ok(());
        };
        if index == 0 {
            head(stamp, out)?;
            out.write_all(b",\n  \"reports\": [\n    ")?;
        } else {
            out.write_all(b",\n    ")?;
        }
        out.write_all(&report)
    }

    fn league(&self, view: &LeagueView, out: &mut dyn Write) -> io::Result<()> {
        if view.streamed == 0 {
            head(view.stamp, out)?;
        } else {
            out.write_all(b"\n  ]")?;
        }
        tail(view.league, out)
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

    fn backtest_comparison(&self, comparison: &Comparison, out: &mut dyn Write) -> io::Result<()> {
        write_json(comparison, out)
    }

    fn forecast(&self, forecast: &Forecast, out: &mut dyn Write) -> io::Result<()> {
        write_json(forecast, out)
    }

    fn outlook(&self, outlook: &Outlook, out: &mut dyn Write) -> io::Result<()> {
        write_json(outlook, out)
    }
}

/// The document up to the reports or the table: `{`, the format and the stamp.
fn head(stamp: &LeagueStamp, out: &mut dyn Write) -> io::Result<()> {
    write!(
        out,
        "{{\n  \"report_format\": {},\n  \"stamp\": ",
        crate::core::report::REPORT_FORMAT
    )?;
    out.write_all(&nested(stamp, 1)?)
}

/// The rest after the head or the reports: the table and the portfolio. Rows are serialised
/// in parallel (ten thousand rows are megabytes of JSON).
fn tail(league: &League, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b",\n  \"league\": ")?;
    list(&league.rows, out)?;
    out.write_all(b",\n  \"portfolio\": ")?;
    out.write_all(&nested(&league.portfolio, 1)?)?;
    out.write_all(b"\n}\n")
}

/// A list of rows as it reads one level down a pretty-printed document, serialised in
/// parallel a few thousand rows at a time and written as it goes, so the text of the whole
/// table is never held.
fn list(rows: &[LeagueRow], out: &mut dyn Write) -> io::Result<()> {
    if rows.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[\n    ")?;
    for (g, group) in rows.chunks(4096).enumerate() {
        let parts: Vec<Vec<u8>> = group
            .par_chunks(256)
            .map(|chunk| -> io::Result<Vec<u8>> {
                let mut part = Vec::new();
                for (i, row) in chunk.iter().enumerate() {
                    if i > 0 {
                        part.extend_from_slice(b",\n    ");
                    }
                    part.extend_from_slice(&nested(row, 2)?);
                }
                Ok(part)
            })
            .collect::<io::Result<_>>()?;
        for (i, part) in parts.iter().enumerate() {
            if g > 0 || i > 0 {
                out.write_all(b",\n    ")?;
            }
            out.write_all(part)?;
        }
    }
    out.write_all(b"\n  ]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::analysis::league::LeagueDocument;
    use crate::pipeline::{self, Options};

    /// The streamed league, with or without its reports, is byte for byte what serde writes
    /// for the whole document.
    #[test]
    fn a_streamed_league_is_the_documents_pretty_json() {
        for full in [true, false] {
            streamed_league_is_pretty_json(full);
        }
    }

    /// Rows serialised in parallel chunks read as one pretty-printed list, at any count.
    #[test]
    fn a_list_of_rows_in_chunks_is_the_pretty_list() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/protocols/balancer-v2.toml"
        ))
        .unwrap();
        let l = pipeline::Loaded {
            manifest: crate::load::manifest(&crate::load::Source::new("b.toml", text.as_str()))
                .unwrap(),
            source: crate::load::Source::new("b.toml", text),
        };
        let (rubric, _) = crate::load::rubric_by_name("defi-baseline").unwrap();
        let up = pipeline::UpstreamFile::NotAFork;
        let row = pipeline::row_of(&rubric, &l, &up, &Options::default()).unwrap();
        for n in [0, 1, 255, 256, 257, 700, 4096, 4097, 9000] {
            let rows: Vec<LeagueRow> = (0..n)
                .map(|i| LeagueRow {
                    rank: i + 1,
                    ..row.clone()
                })
                .collect();
            let mut written = Vec::new();
            list(&rows, &mut written).unwrap();
            assert_eq!(written, nested(&rows, 1).unwrap(), "{n} rows");
        }
    }

    fn streamed_league_is_pretty_json(full: bool) {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/protocols");
        let (files, _) = crate::load::expand(std::path::Path::new(dir));
        let (rubric, _) = crate::load::rubric_by_name("defi-baseline").unwrap();
        let stamp = LeagueStamp {
            tool: crate::core::report::tool(),
            rubric: crate::core::report::rubric_stamp(&rubric),
        };
        let mut streamed = Vec::new();
        pipeline::league(
            &rubric,
            &files,
            &Options::default(),
            crate::load::DEFAULT_MAX_BYTES,
            &Json,
            full,
            None,
            &mut streamed,
            |_| panic!("every shipped manifest scores"),
        )
        .unwrap();
        let (mut reports, mut rows) = (Vec::new(), Vec::new());
        pipeline::grade(
            &rubric,
            &files,
            &Options::default(),
            crate::load::DEFAULT_MAX_BYTES,
            Some(&Report::clone),
            |g| {
                let pipeline::Graded::Report(mut row, Some(report)) = g else {
                    panic!("every shipped manifest scores");
                };
                row.report = full.then_some(reports.len());
                rows.push(row);
                reports.push(report);
                Ok::<_, ()>(())
            },
        )
        .unwrap();
        assert!(reports.len() > 30 && reports.iter().any(|r| r.stamp.upstream.is_some()));
        let league = League::new(&rubric, rows);

        let document = LeagueDocument {
            report_format: league.report_format,
            stamp,
            reports: full.then_some(reports),
            league: league.rows.clone(),
            portfolio: league.portfolio.clone(),
        };
        let mut whole = serde_json::to_vec_pretty(&document).unwrap();
        whole.push(b'\n');
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(whole).unwrap()
        );
    }
}

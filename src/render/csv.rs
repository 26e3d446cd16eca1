//! CSV: one row per protocol and one per (protocol, control), for spreadsheets.
//!
//! Layout: a single rectangular table (RFC 4180: one header, every record the same fields,
//! CRLF line ends), so any CSV reader loads it whole. The first column, `row`, says what a
//! record is:
//!
//! - `protocol`: one per manifest, in league order. Fills the protocol columns (`protocol_id`
//!   to `manifest_sha256`); the control columns are empty.
//! - `control`: one per control of the protocol just above it, in rubric order. Fills the key
//!   of its protocol (`protocol_id`, `as_of`, `evaluated_as_of`, `manifest_sha256`, which tell
//!   snapshots of one protocol apart) and the control columns (`control` to `sourced`).
//!
//! Filter on `row` to get either table; join them on the key. Numbers are plain (`49.3`,
//! `0.92`, `1250000000`): `score` out of 100 to one decimal, `confidence` and `control_score`
//! from 0 to 1, `points_lost` in points of the total. An unknown value is an empty cell.
//!
//! Manifest text is untrusted. A cell that a spreadsheet would read as a formula (starting,
//! after any spaces, with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`,
//! as OWASP recommends; other control characters and bidirectional controls are dropped. The
//! `csv` crate's writer quotes cells with a comma, quote or line break, doubling quotes.

use std::borrow::Cow;
use std::io::{self, Write};

use super::view::{Part, RecordsView};
use super::{LeagueView, Prepared, Renderer, unsupported};
use crate::core::analysis::backtest::{Backtest, Comparison};
use crate::core::analysis::diff::Diff;
use crate::core::analysis::forecast::{Change, Forecast, Outlook};
use crate::core::analysis::gaps::GapReport;
use crate::core::report::{Report, round_to};

/// CSV: a row per protocol and one per control, through the `csv` crate's writer.
pub struct Csv;

/// The columns, in order.
pub const HEADER: [&str; 25] = [
    "row",
    "protocol_id",
    "protocol_name",
    "kind",
    "as_of",
    "evaluated_as_of",
    "grade",
    "grade_before_caps",
    "score",
    "capped_by",
    "confidence",
    "tvl_usd",
    "rubric_id",
    "rubric_version",
    "manifest_sha256",
    "control",
    "category",
    "status",
    "control_score",
    "metric",
    "value",
    "points_lost",
    "sourced",
    "provisional",
    "high_grade",
];

/// One cell's text, neutralised against formula injection; the writer quotes it (RFC 4180)
/// where it needs quotes. Text with nothing to neutralise is not copied.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    // Control characters other than tab and line breaks have no place in a spreadsheet cell
    // (an escape sequence would reach a terminal that prints the file).
    // Bidirectional controls would reorder what a reader sees in the cell: dropped too.
    let dropped = |c: char| {
        (c.is_control() && !matches!(c, '\t' | '\r' | '\n')) || crate::render::is_bidi_control(c)
    };
    let text: Cow<'_, str> = if text.chars().any(dropped) {
        Cow::Owned(text.chars().filter(|c| !dropped(*c)).collect())
    } else {
        Cow::Borrowed(text)
    };
    // A spreadsheet skips blanks it cannot see (line breaks, no-break and zero-width spaces, a
    // byte-order mark) before deciding that a cell is a formula: so does this check.
    let invisible = |c: char| {
        c.is_whitespace() || matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}')
    };
    let formula = text
        .trim_start_matches(invisible)
        .starts_with(['=', '+', '-', '@'])
        || text.starts_with(['\t', '\r']);
    if formula {
        Cow::Owned(format!("'{text}"))
    } else {
        text
    }
}

/// Writes one record, each cell neutralised.
fn record<W: Write>(w: &mut csv::Writer<W>, cells: &[String]) -> csv::Result<()> {
    for c in cells {
        w.write_field(neutralise(c).as_bytes())?;
    }
    w.write_record(None::<&[u8]>)
}

/// A writer of this layout: CRLF line ends, quotes only where a cell needs them.
fn writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out)
}

/// An error of the CSV writer as the I/O error it is.
fn io_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// A number without a trailing `.0` or an exponent.
fn number(x: f64) -> String {
    format!("{}", round_to(x, 6))
}

/// A metric value: a number, true/false, a level, or empty when unknown.
fn value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), number),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The records of one report: its protocol row, then a row per control. Cells go to the
/// writer as they are made, each neutralised.
fn records<W: Write>(r: &RecordsView, w: &mut csv::Writer<W>) -> csv::Result<()> {
    let mut row: [String; HEADER.len()] = std::array::from_fn(|_| String::new());
    row[0] = "protocol".into();
    row[1] = r.id.into();
    row[2] = r.name.into();
    row[3] = r.kind.clone();
    row[4] = r.facts_as_of.clone();
    row[5] = r.evaluated_as_of.clone();
    row[6] = r.grade.into();
    row[7] = r.grade_before_caps.into();
    row[8] = r.score.clone();
    row[9] = r.capped_by.unwrap_or_default().into();
    row[10] = number(super::view::round_shown(r.confidence, 3));
    row[11] = r.tvl_usd.map_or_else(String::new, number);
    row[12] = r.rubric_id.into();
    row[13] = r.rubric_version.into();
    row[14] = r.manifest_sha256.into();
    row[23] = r.provisional.to_string();
    row[24] = r.high_grade.into();
    record(w, &row)?;
    for f in &r.controls {
        let mut row: [String; HEADER.len()] = std::array::from_fn(|_| String::new());
        row[0] = "control".into();
        row[1] = r.id.into();
        row[4] = r.facts_as_of.clone();
        row[5] = r.evaluated_as_of.clone();
        row[14] = r.manifest_sha256.into();
        row[15] = f.id.into();
        row[16] = f.category.into();
        row[17] = f.status.into();
        row[18] = number(round_to(f.score, 3));
        row[19] = f.metric.into();
        row[20] = value(f.value);
        row[21] = number(round_to(f.points_lost, 2));
        row[22] = f.sourced.to_string();
        record(w, &row)?;
    }
    // A row per waiver: the control or gate, its status, and the grade with and without.
    for wv in &r.waivers {
        let mut row: [String; HEADER.len()] = std::array::from_fn(|_| String::new());
        row[0] = "waiver".into();
        row[1] = r.id.into();
        row[4] = r.facts_as_of.clone();
        row[5] = r.evaluated_as_of.clone();
        row[6] = r.grade.into();
        row[14] = r.manifest_sha256.into();
        row[15] = wv.target.clone();
        row[16] = wv.kind.into();
        row[17] = wv.status.into();
        row[20] = format!(
            "{}: {}",
            r.waiver_line.as_deref().unwrap_or_default(),
            wv.changed
        );
        record(w, &row)?;
    }
    Ok(())
}

/// The columns of a forecast: a row per control that moves on a date, and one with no control
/// naming the caps that start or stop on it.
pub const FORECAST_HEADER: [&str; 13] = [
    "file",
    "protocol_id",
    "from",
    "date",
    "old_grade",
    "new_grade",
    "old_score",
    "new_score",
    "control",
    "old_status",
    "new_status",
    "points",
    "why",
];

/// The records of one forecast date.
fn forecast_records<W: Write>(
    w: &mut csv::Writer<W>,
    file: &str,
    id: &str,
    from: crate::core::date::Date,
    c: &Change,
) -> csv::Result<()> {
    let head = [
        file.to_string(),
        id.to_string(),
        from.to_string(),
        c.date.to_string(),
        c.before.grade.label.clone(),
        c.after.grade.label.clone(),
        c.before.score.to_string(),
        c.after.score.to_string(),
    ];
    let caps = || {
        let added = c
            .caps_added
            .iter()
            .map(|g| format!("cap added: {}", g.gate));
        let lifted = c
            .caps_lifted
            .iter()
            .map(|g| format!("cap lifted: {}", g.gate));
        let waivers = c
            .waivers
            .iter()
            .map(|w| crate::core::waiver::turned(w.control.as_ref(), w.gate.as_ref(), w.status));
        added
            .chain(lifted)
            .chain(waivers)
            .collect::<Vec<_>>()
            .join("; ")
    };
    for m in c.regressed.iter().chain(&c.improved) {
        let mut row = head.to_vec();
        row.extend([
            m.change.control.clone(),
            m.change.old_status.as_str().to_string(),
            m.change.new_status.as_str().to_string(),
            number(round_to(m.change.points, 2)),
            m.note.clone().unwrap_or_default(),
        ]);
        record(w, &row)?;
    }
    if !c.caps_added.is_empty() || !c.caps_lifted.is_empty() || !c.waivers.is_empty() {
        let mut row = head.to_vec();
        row.extend([
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            caps(),
        ]);
        record(w, &row)?;
    }
    Ok(())
}

/// The records of one report, as bytes.
fn rendered(r: &Report) -> io::Result<Vec<u8>> {
    let mut w = writer(Vec::new());
    records(&RecordsView::of(r), &mut w).map_err(io_error)?;
    w.into_inner().map_err(|e| e.into_error())
}

impl Renderer for Csv {
    fn report(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut w = writer(out);
        w.write_record(HEADER).map_err(io_error)?;
        records(&RecordsView::of(report), &mut w).map_err(io_error)?;
        w.flush()
    }

    fn league_needs_reports(&self, _full: bool) -> bool {
        true
    }

    fn prepare(&self, report: &Report, _full: bool) -> io::Result<Prepared> {
        Ok(Prepared(Part::Bytes(rendered(report)?)))
    }

    fn league(&self, league: &LeagueView, out: &mut dyn Write) -> io::Result<()> {
        let mut w = writer(&mut *out);
        w.write_record(HEADER).map_err(io_error)?;
        w.flush()?;
        drop(w);
        for entry in &league.entries {
            if let Some(rows) = entry.bytes() {
                out.write_all(rows)?;
            }
        }
        Ok(())
    }

    fn gaps(&self, _gaps: &GapReport, _out: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("csv", "gaps"))
    }

    fn forecast(&self, f: &Forecast, out: &mut dyn Write) -> io::Result<()> {
        let mut w = writer(out);
        w.write_record(FORECAST_HEADER).map_err(io_error)?;
        let file = &f.stamp.manifest.path;
        for c in &f.changes {
            forecast_records(&mut w, file, &f.protocol.id, f.from, c).map_err(io_error)?;
        }
        w.flush()
    }

    fn outlook(&self, o: &Outlook, out: &mut dyn Write) -> io::Result<()> {
        let mut w = writer(out);
        w.write_record(FORECAST_HEADER).map_err(io_error)?;
        for f in &o.falling {
            forecast_records(&mut w, &f.file, &f.protocol.id, f.from, &f.fall).map_err(io_error)?;
        }
        w.flush()
    }

    fn diff(&self, _diff: &Diff, _out: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("csv", "diff"))
    }

    fn backtest(&self, _backtest: &Backtest, _out: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("csv", "backtest"))
    }

    fn backtest_comparison(&self, _c: &Comparison, _out: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("csv", "backtest"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One cell as the writer puts it in a record of its own.
    fn cell(text: &str) -> String {
        let mut w = writer(Vec::new());
        record(&mut w, &[text.to_string(), String::new()]).unwrap();
        let bytes = w.into_inner().unwrap();
        let line = String::from_utf8(bytes).unwrap();
        line.strip_suffix(",\r\n").unwrap().to_string()
    }

    #[test]
    fn cells_are_quoted_and_neutralised() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(
            cell("=HYPERLINK(\"http://evil\")"),
            "\"'=HYPERLINK(\"\"http://evil\"\")\""
        );
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(1)"), "'@SUM(1)");
        assert_eq!(cell("  =1+1"), "'  =1+1");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(cell("a=b"), "a=b");
        assert_eq!(cell(""), "");
        assert_eq!(cell("a\u{1b}[31mb"), "a[31mb");
        // Blanks a spreadsheet skips before a formula, and bidi controls.
        for lead in ["\n", "\u{a0}", "\u{200b}", "\u{feff}", " \u{2060}"] {
            let text = format!("{lead}=1+1");
            assert!(
                cell(&text).trim_start_matches('"').starts_with('\''),
                "{lead:?}"
            );
        }
        assert_eq!(cell("evil\u{202e}txt.exe"), "eviltxt.exe");
    }

    #[test]
    fn numbers_are_plain() {
        assert_eq!(number(1.0), "1");
        assert_eq!(number(0.6667), "0.6667");
        assert_eq!(number(1_250_000_000.0), "1250000000");
        assert_eq!(value(&serde_json::Value::Null), "");
        assert_eq!(value(&serde_json::json!(true)), "true");
        assert_eq!(value(&serde_json::json!("multisig-weak")), "multisig-weak");
    }
}

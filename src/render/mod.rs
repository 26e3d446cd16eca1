//! Renderers: one per output format, all behind [`Renderer`].

use std::io::{self, Write};

use crate::core::analysis::backtest::Backtest;
use crate::core::analysis::diff::Diff;
use crate::core::analysis::gaps::GapReport;
use crate::core::analysis::league::{League, LeagueStamp};
use crate::core::report::Report;
use crate::core::rubric::Grade;

mod csv;
mod html;
mod json;
mod markdown;
mod table;

pub use csv::Csv;
pub use html::Html;
pub use json::Json;
pub use markdown::Markdown;
pub use table::Table;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Html,
    Csv,
}

/// What a format keeps of one report of a league until it has written it or the league is ranked.
pub enum Kept {
    Nothing,
    Bytes(Vec<u8>),
    Report(Box<Report>),
}

/// Writes a league as it is graded: each report's [`Kept`] in grading order, then the ranked
/// league.
pub trait LeagueWriter {
    fn take(&mut self, kept: Kept) -> io::Result<()>;
    fn finish(self: Box<Self>, league: &League) -> io::Result<()>;
}

/// Turns results into bytes. Same results, same bytes.
pub trait Renderer: Sync {
    /// The full report of one protocol.
    fn report(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
    /// Whether a league in this format shows more of a report than its row. By default it does
    /// not, and the reports are never made (a row costs a fraction of a report); a format that
    /// forgets to ask for them fails loudly instead of quietly doing the slow thing.
    fn league_needs_reports(&self, _full: bool) -> bool {
        false
    }
    /// What a league in this format needs of one report, made as soon as it is graded, on any
    /// thread. `full` asks for every full report, where the format leaves them out otherwise.
    fn league_report(&self, _report: &Report, _full: bool) -> io::Result<Kept> {
        Ok(Kept::Nothing)
    }
    /// Starts writing a league. By default the format writes it once it is ranked, from what
    /// [`Renderer::league_report`] kept; a format that can stream writes as it takes.
    fn league<'a>(
        &'a self,
        _stamp: &LeagueStamp,
        _full: bool,
        out: &'a mut dyn Write,
    ) -> Box<dyn LeagueWriter + 'a> {
        Box::new(Ranked {
            renderer: self,
            kept: Vec::new(),
            out,
        })
    }
    /// A ranked league table with its portfolio; `kept[row.graded]` is what was kept of a row's
    /// report.
    fn ranked_league(&self, league: &League, kept: &[Kept], out: &mut dyn Write) -> io::Result<()>;
    /// A gap analysis, with its plan when a target was asked for.
    fn gaps(&self, gaps: &GapReport, out: &mut dyn Write) -> io::Result<()>;
    /// A comparison of two evaluations.
    fn diff(&self, diff: &Diff, out: &mut dyn Write) -> io::Result<()>;
    /// Grades before each incident against protocols that never lost money.
    fn backtest(&self, backtest: &Backtest, out: &mut dyn Write) -> io::Result<()>;
}

/// The league writer of formats that write once the league is ranked.
struct Ranked<'a, R: ?Sized> {
    renderer: &'a R,
    kept: Vec<Kept>,
    out: &'a mut dyn Write,
}

impl<R: Renderer + ?Sized> LeagueWriter for Ranked<'_, R> {
    fn take(&mut self, kept: Kept) -> io::Result<()> {
        self.kept.push(kept);
        Ok(())
    }

    fn finish(self: Box<Self>, league: &League) -> io::Result<()> {
        self.renderer.ranked_league(league, &self.kept, self.out)
    }
}

pub fn renderer(format: Format) -> Box<dyn Renderer> {
    match format {
        Format::Table => Box::new(Table),
        Format::Json => Box::new(Json),
        Format::Markdown => Box::new(Markdown),
        Format::Html => Box::new(Html),
        Format::Csv => Box::new(Csv),
    }
}

/// A metric value for people: whole numbers without decimals, unknown spelled out.
pub(crate) fn show_json(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "unknown".into(),
        serde_json::Value::Number(n) => {
            let x = n.as_f64().unwrap_or_default();
            crate::core::engine::show_value(&crate::core::metrics::Value::Number(x))
        }
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `+1.5` / `-2.0`: a signed change to one decimal.
pub(crate) fn signed(x: f64) -> String {
    let x = crate::core::report::round_to(x, 1);
    if x > 0.0 {
        format!("+{x:.1}")
    } else {
        format!("{x:.1}")
    }
}

pub(crate) fn effort_name(e: crate::core::rubric::Effort) -> &'static str {
    match e {
        crate::core::rubric::Effort::Low => "low",
        crate::core::rubric::Effort::Medium => "medium",
        crate::core::rubric::Effort::High => "high",
    }
}

pub(crate) fn kind_name(k: crate::core::manifest::ProtocolKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// What a provisional grade adds: "provisional, up to B" (or "provisional" when the top of
/// the range is the same grade); nothing for a grade that stands.
pub(crate) fn provisional_words(grade: &Grade, provisional: bool, high: &Grade) -> Option<String> {
    match (provisional, high == grade) {
        (false, _) => None,
        (true, true) => Some("provisional".into()),
        (true, false) => Some(format!("provisional, up to {}", high.label)),
    }
}

/// A grade as every format writes it: "D", or "D (provisional, up to B)".
pub(crate) fn grade_words(grade: &Grade, provisional: bool, high: &Grade) -> String {
    match provisional_words(grade, provisional, high) {
        Some(words) => format!("{} ({words})", grade.label),
        None => grade.label.clone(),
    }
}

pub(crate) fn caps_text(capped_by: Option<&crate::core::rubric::GateId>) -> String {
    capped_by.map_or("no cap".to_string(), |g| format!("capped by {g}"))
}

/// `$128.0M`-style money for summaries.
pub(crate) fn money(x: f64) -> String {
    format!("${}", crate::core::metrics::short_usd(x))
}

/// The summary lines of a backtest, shared by the text formats.
pub(crate) fn backtest_summary(b: &Backtest) -> Vec<String> {
    let mut lines = vec![format!(
        "{} incidents; {} graded the day before a loss, {} protocols with no recorded loss (rubric {}).",
        b.cases.len(),
        b.before_loss_count,
        b.no_loss_count,
        b.rubric
    )];
    let dist: Vec<String> = b
        .distribution
        .iter()
        .map(|d| format!("{} {}/{}", d.grade, d.before_loss, d.no_loss))
        .collect();
    lines.push(format!(
        "Grades, before a loss / no loss: {}.",
        dist.join(", ")
    ));
    lines.push(match b.auc {
        Some(a) => format!(
            "AUC of \"lower score, later exploited\": {a:.2} (1.0: every protocol that lost money scored below every one that did not; 0.5: no better than chance)."
        ),
        None => "AUC: not measurable (one side is empty).".to_string(),
    });
    lines
}

/// The portfolio lines under a league table, shared by the text formats.
pub(crate) fn portfolio_summary(league: &League) -> Vec<String> {
    let p = &league.portfolio;
    let mut lines = vec![match (&p.score, &p.grade) {
        (Some(s), Some(g)) => format!(
            "Portfolio: {} protocols, {} with known TVL ({}): TVL-weighted score {s}, {g} on the scale (per-protocol caps not applied).",
            p.protocols,
            p.with_tvl,
            money(p.tvl_usd)
        ),
        _ => format!(
            "Portfolio: {} protocols; no TVL known, so no weighted grade.",
            p.protocols
        ),
    }];
    if p.tvl_usd > 0.0 {
        let shares: Vec<String> = p
            .by_grade
            .iter()
            .filter(|g| g.protocols > 0)
            .map(|g| format!("{} {:.0}%", g.grade, g.tvl_share * 100.0))
            .collect();
        lines.push(format!("TVL by grade: {}.", shares.join(", ")));
    }
    for g in &p.shared_code {
        lines.push(format!(
            "Shared code ({} lineage): {}: one bug hits all of them.",
            g.lineage,
            g.members.join(", ")
        ));
    }
    lines
}

/// The error for a result a format does not render (CSV has no place for a diff).
pub(crate) fn unsupported(format: &str, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!("--format {format} is not available for {what}; use table, json or markdown"),
    )
}

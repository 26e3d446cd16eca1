//! Renderers: one per output format, all behind [`Renderer`].

use std::io::{self, Write};

use crate::core::analysis::backtest::{
    Backtest, Case, Comparison, ComparisonRow, ControlSignal, Interval,
};
use crate::core::analysis::diff::Diff;
use crate::core::analysis::forecast::{Forecast, Outlook};
use crate::core::analysis::gaps::GapReport;
use crate::core::analysis::league::{League, LeagueStamp};
use crate::core::report::Report;
use crate::core::rubric::Grade;

mod csv;
mod github;
mod html;
mod json;
mod markdown;
mod sarif;
mod table;
/// The format-neutral views every format renders from.
pub mod view;

pub use csv::Csv;
pub use github::Github;
pub use html::Html;
pub use json::Json;
pub use markdown::Markdown;
pub use sarif::Sarif;
pub use table::Table;
pub use view::{LeagueView, Prepared, ReportView};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Html,
    Csv,
    /// SARIF 2.1.0 for code scanning (`score` only).
    Sarif,
    /// GitHub Actions annotations and a step summary (`score` only).
    Github,
}

/// Turns results into bytes. Same results, same bytes.
///
/// A league is written from a [`LeagueView`]: its rows in league order, each with what the
/// format asked to make of the row's report ([`Renderer::prepare`]). How the rows were graded
/// (in what order, on which thread) is the pipeline's business, not the format's.
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
    /// thread, so the work is spread over every core. `full` asks for every full report, where
    /// the format leaves them out otherwise.
    fn prepare(&self, _report: &Report, _full: bool) -> io::Result<Prepared> {
        Ok(Prepared::nothing())
    }
    /// Whether the format writes what it prepared as soon as it is made, before the league
    /// (JSON's `reports`, in grading order), rather than with each row in league order.
    fn streams(&self, _full: bool) -> bool {
        false
    }
    /// Writes one prepared report as soon as it is made, when the format [`Renderer::streams`];
    /// `index` counts them from 0.
    fn stream(
        &self,
        _stamp: &LeagueStamp,
        _index: usize,
        _prepared: Prepared,
        _out: &mut dyn Write,
    ) -> io::Result<()> {
        Ok(())
    }
    /// A ranked league table with its portfolio, after any streamed reports.
    fn league(&self, league: &LeagueView, out: &mut dyn Write) -> io::Result<()>;
    /// A gap analysis, with its plan when a target was asked for.
    fn gaps(&self, gaps: &GapReport, out: &mut dyn Write) -> io::Result<()>;
    /// A comparison of two evaluations.
    fn diff(&self, diff: &Diff, out: &mut dyn Write) -> io::Result<()>;
    /// Grades before each incident against protocols that never lost money.
    fn backtest(&self, backtest: &Backtest, out: &mut dyn Write) -> io::Result<()>;
    /// Several rubrics on the same backtest study, one row each.
    fn backtest_comparison(&self, comparison: &Comparison, out: &mut dyn Write) -> io::Result<()>;
    /// The dates ahead on which one manifest's grade or a control changes.
    fn forecast(&self, forecast: &Forecast, out: &mut dyn Write) -> io::Result<()>;
    /// The protocols of a set whose grade falls within the horizon.
    fn outlook(&self, outlook: &Outlook, out: &mut dyn Write) -> io::Result<()>;
}

/// The renderer of a format.
pub fn renderer(format: Format) -> Box<dyn Renderer> {
    match format {
        Format::Table => Box::new(Table::default()),
        Format::Json => Box::new(Json),
        Format::Markdown => Box::new(Markdown),
        Format::Html => Box::new(Html),
        Format::Csv => Box::new(Csv),
        Format::Sarif => Box::new(Sarif::without_rubric()),
        Format::Github => Box::new(Github::without_rubric()),
    }
}

/// The renderer of a format for reports graded under `rubric`: SARIF and GitHub annotations
/// name the rubric's controls and gates as their rules.
pub fn renderer_for(format: Format, rubric: &crate::core::rubric::Rubric) -> Box<dyn Renderer> {
    match format {
        Format::Sarif => Box::new(Sarif::new(rubric)),
        Format::Github => Box::new(Github::new(rubric)),
        other => renderer(other),
    }
}

/// Unicode's bidirectional controls: they reorder how the text around them is displayed, so a
/// name could read as something else. Text from files never carries them into a report.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
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

pub(crate) use view::percent;

/// `$128.0M`-style money for summaries.
pub(crate) fn money(x: f64) -> String {
    format!("${}", crate::core::metrics::short_usd(x))
}

/// An AUC to two decimals, `-` when it cannot be measured.
pub(crate) fn auc_text(a: Option<f64>) -> String {
    a.map_or("-".into(), |a| format!("{a:.2}"))
}

/// An interval as `0.57 to 0.72`, `-` when absent.
pub(crate) fn interval_text(i: Option<&Interval>) -> String {
    i.map_or("-".into(), |i| format!("{:.2} to {:.2}", i.low, i.high))
}

/// A signed difference of two AUCs to two decimals.
fn signed2(x: f64) -> String {
    let x = crate::core::report::round_to(x, 2);
    if x > 0.0 {
        format!("+{x:.2}")
    } else {
        format!("{x:.2}")
    }
}

/// The summary lines of a backtest, shared by the text formats: the matched figure with its
/// uncertainty and its baseline in words, never a bare number.
pub(crate) fn backtest_summary(b: &Backtest) -> Vec<String> {
    let mut lines = vec![format!(
        "{} incidents; {} losses graded the day before, {} of them with time-matched controls ({} control rows from {} protocols); {} losses left out of the matched figure (rubric {}).",
        b.cases.len(),
        b.before_loss_count,
        b.matched_cases,
        b.pairs,
        b.matched_controls,
        b.unmatched.len(),
        b.rubric
    )];
    let Some(a) = b.auc else {
        lines.push("Matched AUC: not measurable (no case has a time-matched control).".into());
        lines.extend(pooled_lines(b));
        return lines;
    };
    lines.push(format!(
        "Matched AUC of \"lower score, later exploited\": {a:.2}, 95% bootstrap interval {} ({} resamples of the cases, seed {}); leaving one case out: {}.",
        interval_text(b.auc_interval.as_ref()),
        b.bootstrap.resamples,
        b.bootstrap.seed,
        interval_text(b.leave_one_out.as_ref()),
    ));
    if let Some(i) = &b.auc_interval {
        lines.push(if i.includes_chance() {
            "The interval includes 0.5: on this data the grade cannot be told from chance.".into()
        } else {
            "The interval excludes 0.5: the grade ranks later-exploited protocols below their controls more often than chance.".into()
        });
    }
    if let Some(c) = b.confidence_auc {
        let beat = match &b.difference_interval {
            Some(d) if d.low > 0.0 => {
                "the interval of the difference excludes 0: the grade beats the baseline"
                    .to_string()
            }
            Some(d) => format!(
                "the interval of the difference, {}, includes 0: the grade does not yet beat how much was researched",
                interval_text(Some(d))
            ),
            None => "no interval".into(),
        };
        lines.push(format!(
            "Baseline, ranking by confidence alone: {c:.2}; the grade's AUC {a:.2} is {} from it ({beat}).",
            signed2(a - c)
        ));
    }
    if let Some(k) = b.known_only_auc {
        lines.push(format!(
            "Score over known controls only (unknowns excluded): {k:.2} ({} from the grade's AUC).",
            signed2(k - a)
        ));
    }
    if let Some(w) = b.loss_weighted_auc {
        lines.push(format!(
            "Loss-weighted AUC (each case's pairs weighted by its loss): {w:.2}, against {a:.2} unweighted."
        ));
    }
    if let (Some(c), Some(n)) = (b.case_confidence, b.control_confidence) {
        lines.push(format!(
            "Mean confidence: {c:.2} for the cases, {n:.2} for their controls."
        ));
    }
    let wrong: Vec<String> = b
        .controls
        .iter()
        .filter(|c| c.wrong_way)
        .map(|c| format!("{} {}", c.control, auc_text(c.auc)))
        .collect();
    lines.push(if wrong.is_empty() {
        "No control points the wrong way where it is known.".into()
    } else {
        format!(
            "Controls pointing the wrong way (AUC below 0.5 where known on both sides): {}.",
            wrong.join(", ")
        )
    });
    lines.extend(pooled_lines(b));
    lines
}

/// The 1.x pooled comparison, kept for continuity and named for what it is.
fn pooled_lines(b: &Backtest) -> Vec<String> {
    let dist: Vec<String> = b
        .distribution
        .iter()
        .map(|d| format!("{} {}/{}", d.grade, d.before_loss, d.no_loss))
        .collect();
    vec![
        format!(
            "Pooled 1.x comparison, {} losses against {} protocols with no recorded loss at their latest snapshot (years apart): AUC {}; grades before a loss / no loss: {}.",
            b.before_loss_count,
            b.no_loss_count,
            auc_text(b.pooled_auc),
            dist.join(", ")
        ),
        "AUC: 1.0 when every protocol that lost money scored below every one it is compared with; 0.5 is chance.".into(),
    ]
}

/// The cells of one row of the per-control signal table.
pub(crate) fn control_signal_cells(c: &ControlSignal) -> [String; 6] {
    [
        c.control.to_string(),
        auc_text(c.auc),
        c.known_cases.to_string(),
        c.known_clean.to_string(),
        c.pairs.to_string(),
        match c.auc {
            None => "not known on both sides".into(),
            Some(_) if c.wrong_way => "wrong way".into(),
            Some(_) => "-".into(),
        },
    ]
}

pub(crate) const CONTROL_SIGNAL_HEADER: [&str; 6] = [
    "control",
    "AUC where known",
    "cases",
    "controls",
    "pairs",
    "signal",
];

/// A case's matched columns: its number of controls (or why none) and its own AUC.
pub(crate) fn case_match_cells(b: &Backtest, c: &Case) -> (String, String) {
    if !c.matched.is_empty() {
        return (c.matched.len().to_string(), auc_text(c.case_auc));
    }
    let reason = b
        .unmatched
        .iter()
        .find(|u| u.protocol == c.protocol && u.incident_date == c.incident_date)
        .map_or(
            if c.loss_usd > 0.0 {
                "same day as another"
            } else {
                "no loss"
            },
            |u| {
                if u.reason.starts_with("no control") {
                    "no control"
                } else {
                    "no snapshot"
                }
            },
        );
    (reason.to_string(), "-".into())
}

pub(crate) const COMPARISON_HEADER: [&str; 9] = [
    "rubric",
    "cases",
    "matched AUC",
    "95% interval",
    "confidence AUC",
    "difference",
    "known-only AUC",
    "loss-weighted",
    "pooled",
];

/// The cells of one rubric's row of a comparison.
pub(crate) fn comparison_cells(r: &ComparisonRow) -> [String; 9] {
    [
        r.rubric.clone(),
        r.matched_cases.to_string(),
        auc_text(r.auc),
        interval_text(r.auc_interval.as_ref()),
        auc_text(r.confidence_auc),
        r.difference.map_or("-".into(), signed2),
        auc_text(r.known_only_auc),
        auc_text(r.loss_weighted_auc),
        auc_text(r.pooled_auc),
    ]
}

/// The lines under a comparison.
pub(crate) fn comparison_summary(c: &Comparison) -> Vec<String> {
    let mut lines = vec![format!(
        "The same study under each rubric: matched AUC with its 95% bootstrap interval ({} resamples, seed {}), the confidence baseline and the difference.",
        c.bootstrap.resamples, c.bootstrap.seed
    )];
    for r in &c.rubrics {
        let chance = r
            .auc_interval
            .is_some_and(|i| i.includes_chance())
            .then_some("its interval includes 0.5");
        let wrong = (!r.wrong_way.is_empty()).then(|| {
            format!(
                "wrong-way controls: {}",
                r.wrong_way
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        let notes: Vec<String> = chance.map(String::from).into_iter().chain(wrong).collect();
        if !notes.is_empty() {
            lines.push(format!("{}: {}.", r.rubric, notes.join("; ")));
        }
    }
    lines
}

/// The portfolio lines under a league table, shared by the text formats.
pub(crate) fn portfolio_summary(league: &League) -> Vec<String> {
    let p = &league.portfolio;
    let mut lines = vec![match (&p.score, &p.grade, &p.median_grade) {
        (Some(s), Some(g), Some(median)) => format!(
            "Portfolio: {} protocols, {} with known TVL ({}): TVL-weighted score {s}, {g} on the scale before caps; with each protocol's caps, the median dollar sits at {median}.",
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
            .map(|g| format!("{} {}", g.grade, percent(g.tvl_share)))
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

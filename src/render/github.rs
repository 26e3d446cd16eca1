//! GitHub Actions: a workflow command per finding (`::error file=F,line=L,title=T::message`,
//! shown on the pull request's diff) and a Markdown step summary, which the renderer keeps
//! for the command to append to the file `GITHUB_STEP_SUMMARY` names.
//!
//! Workflow commands are one line each: `%`, `\r` and `\n` in data are written `%25`, `%0D`,
//! `%0A`, and in properties `:` and `,` too (`%3A`, `%2C`), as GitHub's toolkit escapes them,
//! so no text from a manifest can end a command or start another.

use std::io::{self, Write};
use std::sync::Mutex;

use super::markdown::{code, escape};
use super::view::{CiLevel, CiRulesView, CiView, Part};
use super::{LeagueView, Prepared, Renderer, unsupported};
use crate::core::analysis::backtest::{Backtest, Comparison};
use crate::core::analysis::diff::Diff;
use crate::core::analysis::gaps::GapReport;
use crate::core::report::Report;

/// GitHub annotations, and the step summary they come with.
pub struct Github {
    rules: Option<CiRulesView>,
    summary: Mutex<Vec<u8>>,
}

impl Github {
    /// A GitHub renderer for reports graded under `rubric`.
    pub fn new(rubric: &crate::core::rubric::Rubric) -> Self {
        Self {
            rules: Some(CiRulesView::of(rubric)),
            summary: Mutex::new(Vec::new()),
        }
    }

    /// A GitHub renderer that knows no rubric: it renders nothing (`score` builds it with one).
    pub fn without_rubric() -> Self {
        Self {
            rules: None,
            summary: Mutex::new(Vec::new()),
        }
    }

    /// The Markdown step summary of what was rendered so far, taken out.
    pub fn take_summary(&self) -> Vec<u8> {
        self.summary
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default()
    }

    fn view(&self, report: &Report) -> io::Result<CiView> {
        let rules = self
            .rules
            .as_ref()
            .ok_or_else(|| unsupported("github", "this command (only score)"))?;
        Ok(CiView::of(report, rules))
    }

    fn summarise(&self, text: &str) {
        if let Ok(mut s) = self.summary.lock() {
            s.extend_from_slice(text.as_bytes());
        }
    }
}

/// Text as a workflow command's message.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Text as a workflow command's property value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The workflow commands of one report, a line each.
fn annotations(view: &CiView) -> String {
    let mut out = String::new();
    for r in &view.results {
        let command = match r.level {
            CiLevel::Error => "error",
            CiLevel::Warning => "warning",
            CiLevel::Note => "notice",
        };
        let title = format!("posture {}: {} ({})", view.id, r.title, r.status);
        out.push_str(&format!(
            "::{command} file={},line={},title={}::{}\n",
            escape_property(&r.file),
            r.line,
            escape_property(&title),
            escape_data(&r.message)
        ));
    }
    out
}

/// The Markdown summary of one report: headline, then what to fix.
fn report_summary(view: &CiView) -> String {
    let mut s = format!(
        "## posture: {} grades {}\n\n{} ({}): score {}, {}, rubric {}, as of {}, confidence {}.\n\n",
        escape(&view.name),
        escape(&view.grade_words),
        code(&view.id),
        escape(&view.file),
        view.score,
        view.caps_text,
        escape(&view.rubric),
        view.evaluated_as_of,
        view.confidence_percent,
    );
    if view.results.is_empty() {
        s.push_str("Every control passes or does not apply; no gate caps the grade.\n\n");
        return s;
    }
    s.push_str("| level | control or gate | status | points lost | line | to fix |\n|---|---|---|---|---|---|\n");
    for r in &view.results {
        s.push_str(&format!(
            "| {} | {} {} | {} | {} | {} | {} |\n",
            r.level.as_str(),
            code(&r.rule),
            escape(&r.title),
            r.status,
            r.points_lost,
            r.line,
            escape(&r.fix),
        ));
    }
    s.push('\n');
    s
}

impl Renderer for Github {
    fn report(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let view = self.view(report)?;
        out.write_all(annotations(&view).as_bytes())?;
        self.summarise(&report_summary(&view));
        Ok(())
    }

    fn league_needs_reports(&self, _full: bool) -> bool {
        true
    }

    fn prepare(&self, report: &Report, _full: bool) -> io::Result<Prepared> {
        Ok(Prepared(Part::Bytes(
            annotations(&self.view(report)?).into_bytes(),
        )))
    }

    fn league(&self, league: &LeagueView, out: &mut dyn Write) -> io::Result<()> {
        let mut s = format!(
            "## posture: {} protocols\n\n| # | protocol | grade | score | capped by | findings |\n|---|---|---|---|---|---|\n",
            league.entries.len()
        );
        for entry in &league.entries {
            let bytes = entry.bytes().unwrap_or_default();
            out.write_all(bytes)?;
            let row = entry.row();
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                row.rank,
                code(&row.id),
                escape(&row.grade_words),
                row.score,
                code(&row.capped_by),
                bytes.iter().filter(|&&b| b == b'\n').count()
            ));
        }
        s.push('\n');
        for line in &league.portfolio_lines {
            s.push_str(&escape(line));
            s.push_str("\n\n");
        }
        self.summarise(&s);
        Ok(())
    }

    fn gaps(&self, _: &GapReport, _: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("github", "gaps"))
    }

    fn forecast(
        &self,
        _: &crate::core::analysis::forecast::Forecast,
        _: &mut dyn Write,
    ) -> io::Result<()> {
        Err(unsupported("github", "forecast"))
    }

    fn outlook(
        &self,
        _: &crate::core::analysis::forecast::Outlook,
        _: &mut dyn Write,
    ) -> io::Result<()> {
        Err(unsupported("github", "forecast"))
    }

    fn diff(&self, _: &Diff, _: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("github", "diff"))
    }

    fn backtest(&self, _: &Backtest, _: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("github", "backtest"))
    }

    fn backtest_comparison(&self, _: &Comparison, _: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("github", "backtest"))
    }
}

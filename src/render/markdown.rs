//! Markdown, for governance-forum posts and due-diligence files. Manifest text is untrusted:
//! it is escaped so it cannot add links, images, HTML or table cells; only http(s) sources
//! become links. Rubric text (ids, titles, category names) is escaped the same way, and
//! bidirectional controls are dropped everywhere, link text included.

use std::io::{self, Write};

use super::view::{
    CaseView, ChangeView, ForecastChangeView, ForecastView, GapRowView, OutlookView, cap_because,
    facts_that_set_it, gaps_waiver_line, waiver_turn_text,
};
use super::{
    COMPARISON_HEADER, CONTROL_SIGNAL_HEADER, comparison_cells, comparison_summary,
    control_signal_cells,
};
use super::{
    LeagueView, Renderer, ReportView, backtest_summary, caps_text, effort_name, is_bidi_control,
    signed,
};
use crate::core::analysis::backtest::{Backtest, Comparison};
use crate::core::analysis::diff::Diff;
use crate::core::analysis::forecast::{Forecast, Outlook};
use crate::core::analysis::gaps::GapReport;
use crate::core::report::Report;

/// Markdown, with every piece of text from files escaped.
pub struct Markdown;

/// Escapes text for inline Markdown, table cells included; newlines become spaces. Emphasis,
/// code, links, HTML, table pipes and mentions are neutralised; a leading block marker too.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    if text.starts_with(['#', '-', '+', '=', '>']) {
        out.push('\\');
    }
    for ch in text.chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '@' => {
                out.push('\\');
                out.push(ch);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// A link when the source is an http(s) URL, escaped text otherwise.
pub fn source_link(source: Option<&str>) -> String {
    match source.map(str::trim) {
        Some(url) if is_web_url(url) => {
            // Bidirectional controls would show the link as another address: dropped.
            let safe: String = url
                .chars()
                .filter(|c| !is_bidi_control(*c))
                .map(|c| match c {
                    '<' | '>' | '(' | ')' | ' ' | '"' | '\\' | '`' => format!("%{:02X}", c as u32),
                    c => c.to_string(),
                })
                .collect();
            format!("<{safe}>")
        }
        Some(text) if !text.is_empty() => escape(text),
        _ => "*no source*".into(),
    }
}

/// Only absolute http(s) URLs with no whitespace or control characters are links.
pub fn is_web_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && s.len() > 8
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Rubric and tool text inside a code span (ids, `--set`s): a backtick cannot close the span
/// and a pipe cannot split a table cell; control and bidirectional characters are dropped.
/// Kebab-case ids come out as they are.
pub fn code(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('`');
    for ch in text.chars() {
        match ch {
            '`' => out.push('\''),
            '|' => out.push_str("\\|"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out.push('`');
    out
}

/// A note as text: the names it quotes between backticks become code spans, the rest is
/// escaped, so no literal backtick reaches the reader.
pub fn note_text(note: &str) -> String {
    note.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 && !part.is_empty() {
                code(part)
            } else {
                escape(part)
            }
        })
        .collect()
}

impl Markdown {
    /// The answer first: the grade and what caps it, what to fix, then the categories, gates
    /// and controls with the evidence behind them.
    fn report(&self, r: &ReportView, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "# {} ({})\n", escape(&r.name), escape(&r.id))?;
        writeln!(
            out,
            "**Grade {}**, score {}/100, confidence {}, {}, evaluated as of {}.\n",
            escape(&r.grade_words),
            r.score,
            r.confidence_percent,
            escape(&r.kind),
            r.evaluated_as_of
        )?;
        if let Some(range) = &r.range {
            writeln!(
                out,
                "Range: {}{} {} (known facts) to {} {} (every unknown at full marks).\n",
                if r.provisional { "provisional, " } else { "" },
                escape(&range.low_grade),
                range.low_score,
                escape(&range.high_grade),
                range.high_score
            )?;
        }
        for w in &r.warnings {
            writeln!(out, "Warning: {}\n", escape(w))?;
        }
        if let Some(g) = &r.cap {
            write!(
                out,
                "**Capped at {} by gate {}** ({}); the score alone earns {}. {}",
                escape(&g.cap),
                code(&g.id),
                escape(&g.title),
                escape(&r.grade_before_caps),
                escape(&g.reason)
            )?;
            if g.facts.is_empty() {
                writeln!(out, "\n")?;
            } else {
                writeln!(out, " {}:\n", facts_that_set_it(g.facts.len()))?;
                for e in &g.facts {
                    writeln!(
                        out,
                        "- {}: {}",
                        escape(&e.fact),
                        source_link(e.source.as_deref())
                    )?;
                }
                writeln!(out)?;
            }
        }
        if let Some(line) = &r.waiver_line {
            writeln!(out, "**Waivers: {}**\n", escape(line))?;
            for w in &r.waivers {
                writeln!(
                    out,
                    "- {} {} {}, approved by {} on {}, expires {}: {} {}",
                    escape(w.status),
                    escape(w.kind),
                    code(&w.target),
                    escape(&w.approved_by),
                    w.approved,
                    w.expires,
                    escape(&w.reason),
                    escape(&w.changed)
                )?;
            }
            writeln!(out)?;
        }
        if let Some(w) = &r.what_if {
            writeln!(
                out,
                "What-if {}: score {} -> {}, grade {} -> {}.\n",
                code(&w.sets),
                w.before_score,
                r.score,
                escape(&w.before_grade),
                escape(&r.grade.label)
            )?;
        }
        if !r.gaps.is_empty() {
            writeln!(out, "## What to fix first\n")?;
            for (i, g) in r.gaps.iter().enumerate() {
                if g.gate {
                    writeln!(
                        out,
                        "{}. gate {}: {}",
                        i + 1,
                        code(&g.id),
                        escape(&g.action)
                    )?;
                } else {
                    writeln!(
                        out,
                        "{}. {} (-{} points, effort {}): {}",
                        i + 1,
                        code(&g.id),
                        g.points_lost,
                        g.effort,
                        escape(&g.action)
                    )?;
                }
            }
            writeln!(out)?;
        }
        if !r.research.is_empty() {
            writeln!(out, "## What to research first\n")?;
            for (i, v) in r.research.iter().enumerate() {
                writeln!(out, "{}. {} ({})", i + 1, escape(&v.line), escape(&v.title))?;
            }
            writeln!(out)?;
        }
        if !r.forecast.is_empty() {
            writeln!(
                out,
                "## Forecast\n\nWith no new facts, in the year ahead:\n"
            )?;
            for a in &r.forecast {
                writeln!(out, "- {}: {}", a.date, escape(&a.line))?;
            }
            writeln!(out)?;
        }
        writeln!(
            out,
            "## Categories\n\n| category | weight | score |\n|---|---:|---:|"
        )?;
        for c in &r.categories {
            writeln!(out, "| {} | {} | {} |", escape(&c.title), c.weight, c.score)?;
        }
        writeln!(
            out,
            "\n## Gates\n\n| gate | status | caps at | triggered by |\n|---|---|---|---|"
        )?;
        for g in &r.gates {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                escape(&g.id),
                if g.fails { "**fails**" } else { "passes" },
                escape(&g.cap),
                escape(&g.triggered_by)
            )?;
        }
        writeln!(
            out,
            "\n## Controls\n\n| control | status | score | value | points lost | note |\n|---|---|---:|---|---:|---|"
        )?;
        for f in &r.controls {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                escape(&f.id),
                f.status,
                f.score,
                escape(&f.value),
                f.points_lost,
                note_text(&f.note)
            )?;
        }
        writeln!(out, "\n## Evidence\n")?;
        for f in &r.controls {
            for e in &f.evidence {
                writeln!(
                    out,
                    "- {}: {}: {}",
                    code(&f.id),
                    escape(&e.fact),
                    source_link(e.source.as_deref())
                )?;
            }
        }
        if !r.disregarded.is_empty() {
            writeln!(out, "\n## Evidence disregarded\n")?;
            for d in &r.disregarded {
                writeln!(
                    out,
                    "- {}: {} ({})",
                    escape(&d.fact),
                    escape(&d.reason),
                    source_link(d.source.as_deref())
                )?;
            }
        }
        let s = &r.stamp;
        writeln!(
            out,
            "\n---\n{} · rubric {} {} (sha256 {}) · manifest {} (sha256 {})",
            escape(&s.tool),
            escape(&s.rubric_id),
            escape(&s.rubric_version),
            code(&s.rubric_sha256),
            escape(&s.manifest.path),
            code(&s.manifest.sha256)
        )
    }
}

impl Renderer for Markdown {
    fn report(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        Markdown::report(self, &ReportView::of(r), out)
    }

    fn league(&self, league: &LeagueView, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "| # | protocol | kind | as of | grade | score | capped by | confidence |\n|---:|---|---|---|---|---:|---|---:|"
        )?;
        for e in &league.entries {
            let r = &e.row();
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                r.rank,
                escape(&r.name),
                escape(&r.kind),
                r.as_of,
                escape(&r.grade_words),
                r.score,
                if r.capped_by == "-" {
                    "-".to_string()
                } else {
                    escape(&r.capped_by)
                },
                r.confidence_percent
            )?;
        }
        if !league.entries.is_empty() {
            writeln!(
                out,
                "\n{} manifests · rubric {} {} · {}",
                league.entries.len(),
                escape(&league.stamp.rubric.id),
                escape(&league.stamp.rubric.version),
                escape(&league.stamp.tool)
            )?;
        }
        writeln!(out)?;
        for line in &league.portfolio_lines {
            writeln!(out, "- {}", escape(line))?;
        }
        Ok(())
    }

    fn gaps(&self, g: &GapReport, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "# Security posture gaps: {}\n",
            escape(&g.protocol.name)
        )?;
        writeln!(
            out,
            "Evaluated as of {} with rubric {} {}: **grade {}**, score {}/100, {}.\n",
            g.stamp.evaluated_as_of,
            escape(&g.stamp.rubric.id),
            escape(&g.stamp.rubric.version),
            escape(&g.now.grade.label),
            g.now.score,
            caps_text(g.now.capped_by.as_ref())
        )?;
        if let Some(line) = gaps_waiver_line(g) {
            writeln!(out, "**Waivers: {}**\n", escape(&line))?;
        }
        writeln!(
            out,
            "| # | gap | points lost | effort | now | next step | gain | grade after |\n|---:|---|---:|---|---|---|---:|---|"
        )?;
        for (i, item) in g.items.iter().map(GapRowView::of).enumerate() {
            let (step, gain, after) = item.next.map_or_else(
                || (String::new(), String::new(), String::new()),
                |n| {
                    let step = match &n.todo {
                        Some(words) => escape(words),
                        None => code(&n.set),
                    };
                    (step, n.gain, escape(&n.after.label))
                },
            );
            let name = if item.gate {
                format!("gate {}", code(&item.id))
            } else {
                code(&item.id)
            };
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                i + 1,
                name,
                item.points_lost,
                item.effort,
                escape(&item.now),
                step,
                gain,
                after
            )?;
        }
        writeln!(out, "\n## What to do\n")?;
        for (i, item) in g.items.iter().enumerate() {
            writeln!(
                out,
                "{}. **{}**: {}",
                i + 1,
                escape(&item.title),
                escape(&item.action)
            )?;
            if let Some(m) = &item.missing {
                writeln!(out, "   Evidence: {}", escape(m))?;
            }
        }
        if let Some(p) = &g.plan {
            if p.reached {
                writeln!(
                    out,
                    "\n## Plan to reach grade {}\n\nVerified by scoring again: score {} -> {}, grade {} -> {}.\n",
                    escape(&p.target.label),
                    g.now.score,
                    p.after.score,
                    escape(&g.now.grade.label),
                    escape(&p.after.grade.label)
                )?;
            } else {
                writeln!(
                    out,
                    "\n## Grade {} is out of reach\n\n{}\n",
                    escape(&p.target.label),
                    escape(p.blocked_by.as_deref().unwrap_or(""))
                )?;
            }
            for (i, s) in p.steps.iter().enumerate() {
                writeln!(
                    out,
                    "{}. {} (effort {}): {}",
                    i + 1,
                    code(&s.id),
                    effort_name(s.effort),
                    code(&s.flags())
                )?;
            }
        }
        Ok(())
    }

    fn diff(&self, d: &Diff, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "# Security posture change: {}\n",
            escape(&d.protocol.name)
        )?;
        writeln!(
            out,
            "From {} to {}: **grade {} -> {}**, score {} -> {} ({}), {} -> {}.{}\n",
            d.old_stamp.evaluated_as_of,
            d.new_stamp.evaluated_as_of,
            escape(&d.old.grade.label),
            escape(&d.new.grade.label),
            d.old.score,
            d.new.score,
            signed(d.score_change),
            caps_text(d.old.capped_by.as_ref()),
            caps_text(d.new.capped_by.as_ref()),
            if d.regression { " **Regression.**" } else { "" }
        )?;
        for (title, list) in [("Improved", &d.improved), ("Regressed", &d.regressed)] {
            if list.is_empty() {
                continue;
            }
            writeln!(
                out,
                "## {title}\n\n| control | points | status | value |\n|---|---:|---|---|"
            )?;
            for c in list.iter().map(ChangeView::of) {
                writeln!(
                    out,
                    "| {} | {} | {} -> {}{} | {} -> {} |",
                    code(&c.control),
                    c.points,
                    c.old_status,
                    c.new_status,
                    c.evidence.map(|e| format!(", {e}")).unwrap_or_default(),
                    escape(&c.old_value),
                    escape(&c.new_value)
                )?;
            }
            writeln!(out)?;
        }
        for (title, list, lifted) in [
            ("Caps added", &d.caps_added, false),
            ("Caps lifted", &d.caps_lifted, true),
        ] {
            for c in list {
                let failing = cap_because(c, lifted)
                    .map(|b| format!("; {}", escape(&b)))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "- {title}: {} (caps at {}): {}{failing}",
                    code(&c.gate),
                    escape(&c.cap.label),
                    escape(&c.title)
                )?;
            }
        }
        for w in &d.waivers {
            writeln!(out, "- {}", escape(&waiver_turn_text(w)))?;
        }
        Ok(())
    }
    fn backtest(&self, b: &Backtest, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "| incident | protocol | loss | cause | graded from | grade | score | capped by | controls | case AUC |\n|---|---|---:|---|---|---|---:|---|---:|---:|"
        )?;
        for c in b.cases.iter().map(|c| CaseView::of(b, c)) {
            let cap = match &c.capped_by {
                Some(g) => escape(g),
                None => c.cap,
            };
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                c.incident_date,
                escape(&c.protocol),
                c.loss,
                escape(&c.cause),
                c.graded_from,
                c.grade.map_or("-".into(), |g| escape(&g.label)),
                c.score,
                cap,
                c.controls,
                c.case_auc
            )?;
        }
        writeln!(
            out,
            "\n| {} |\n|---|---:|---:|---:|---:|---|",
            CONTROL_SIGNAL_HEADER.join(" | ")
        )?;
        for c in &b.controls {
            let cells = control_signal_cells(c).map(|x| escape(&x));
            writeln!(out, "| {} |", cells.join(" | "))?;
        }
        writeln!(
            out,
            "\n| no recorded loss (pooled) | as of | grade | score |\n|---|---|---|---:|"
        )?;
        for c in &b.clean {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                escape(&c.protocol),
                c.as_of,
                escape(&c.standing.grade.label),
                c.standing.score
            )?;
        }
        writeln!(out)?;
        for line in backtest_summary(b) {
            writeln!(out, "{}\n", escape(&line))?;
        }
        Ok(())
    }

    fn backtest_comparison(&self, c: &Comparison, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "| {} |\n|---|---:|---:|---|---:|---:|---:|---:|---:|",
            COMPARISON_HEADER.join(" | ")
        )?;
        for r in &c.rubrics {
            let cells = comparison_cells(r).map(|x| escape(&x));
            writeln!(out, "| {} |", cells.join(" | "))?;
        }
        writeln!(out)?;
        for line in comparison_summary(c) {
            writeln!(out, "{}\n", escape(&line))?;
        }
        Ok(())
    }

    fn forecast(&self, f: &Forecast, out: &mut dyn Write) -> io::Result<()> {
        let f = ForecastView::of(f);
        writeln!(out, "# Security posture forecast: {}\n", escape(&f.name))?;
        writeln!(
            out,
            "From {} to {} under {}, if no new fact is stated. Now: {}.\n",
            f.from,
            f.until,
            escape(&f.rubric),
            escape(&f.now)
        )?;
        if f.changes.is_empty() {
            return writeln!(out, "No change to {}.", f.until);
        }
        for c in &f.changes {
            forecast_change(c, out)?;
        }
        writeln!(out, "\nOn {}: {}.", f.until, escape(&f.then))
    }

    fn outlook(&self, o: &Outlook, out: &mut dyn Write) -> io::Result<()> {
        let o = OutlookView::of(o);
        writeln!(out, "# Grades about to fall\n")?;
        writeln!(
            out,
            "Grades that fall {}, if no new fact is stated: {} of {} protocols (latest snapshot of each), under {}.\n",
            o.horizon,
            o.falling.len(),
            o.protocols,
            escape(&o.rubric)
        )?;
        if o.falling.is_empty() {
            return Ok(());
        }
        writeln!(
            out,
            "| protocol | from | grade | falls on | to | why |\n|---|---|---|---|---|---|"
        )?;
        for f in &o.falling {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} {} | {} |",
                escape(&f.name),
                f.from,
                escape(&f.now_short),
                f.fall.date,
                escape(&f.fall.new_grade),
                f.fall.new_score,
                code(&f.fall.why())
            )?;
        }
        Ok(())
    }
}

/// One forecast date as a Markdown list: the grade and score, then what moves and why.
fn forecast_change(c: &ForecastChangeView, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "- **{}**: {}{}",
        c.date,
        escape(&c.headline),
        if c.falls { " (falls)" } else { "" }
    )?;
    for m in &c.controls {
        writeln!(
            out,
            "  - {} {} -> {} ({} points): {}",
            code(&m.change.control),
            m.change.old_status,
            m.change.new_status,
            m.change.points,
            escape(&m.note)
        )?;
    }
    for cap in &c.caps {
        writeln!(out, "  - {}", escape(cap))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_inert() {
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(escape("[click](javascript:x)"), "\\[click\\](javascript:x)");
        assert_eq!(escape("a | b\nc"), "a \\| b c");
        assert_eq!(escape("# not a heading"), "\\# not a heading");
        assert_eq!(escape("@everyone"), "\\@everyone");
        assert_eq!(
            source_link(Some("javascript:alert(1)")),
            "javascript:alert(1)"
        );
        assert_eq!(
            source_link(Some("https://x.org/a>b")),
            "<https://x.org/a%3Eb>"
        );
        assert_eq!(source_link(None), "*no source*");
    }
}

//! Plain-text tables for a terminal.

use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table as Grid};

use super::view::{
    CaseView, ChangeView, ForecastChangeView, ForecastView, GapRowView, OutlookView,
    cap_change_text, facts_that_set_it, gaps_waiver_line, waiver_turn_text,
};
use super::{
    COMPARISON_HEADER, CONTROL_SIGNAL_HEADER, comparison_cells, comparison_summary,
    control_signal_cells,
};
use super::{LeagueView, Renderer, ReportView, backtest_summary, caps_text, effort_name, signed};
use crate::core::analysis::backtest::{Backtest, Comparison};
use crate::core::analysis::diff::Diff;
use crate::core::analysis::forecast::{Forecast, Outlook};
use crate::core::analysis::gaps::GapReport;
use crate::core::report::Report;

/// Plain-text tables for a terminal, with escape sequences from files made inert. A report's
/// tables fit [`WIDTH`] columns, wrapping their text columns, unless `wide`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Table {
    /// Let a report's tables be as wide as their contents (`--wide`).
    pub wide: bool,
}

/// The columns a report's tables fit in by default: a terminal or a pasted log reads them
/// without scrolling sideways.
pub const WIDTH: u16 = 100;

/// The layout itself; [`Table`] passes its output through [`inert`].
struct Plain {
    wide: bool,
}

impl Plain {
    /// Wraps the grid's cells so it fits [`WIDTH`] columns, unless the layout is wide.
    fn fit(&self, t: &mut Grid) {
        if !self.wide {
            t.set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(WIDTH);
        }
    }
}

fn grid(header: &[&str]) -> Grid {
    let mut t = Grid::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_header(header.to_vec());
    t
}

impl Plain {
    fn report(&self, r: &ReportView, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "{} ({}), {}, evaluated as of {}",
            r.name, r.id, r.kind, r.evaluated_as_of
        )?;
        write!(
            out,
            "Grade {}  score {}/100  confidence {}",
            r.grade_words, r.score, r.confidence_percent
        )?;
        if r.capped {
            write!(out, "  (score alone: {})", r.grade_before_caps)?;
        }
        writeln!(out)?;
        if let Some(w) = &r.what_if {
            writeln!(
                out,
                "What-if {}: score {} -> {}, grade {} -> {}, {} -> {}",
                w.sets,
                w.before_score,
                r.score,
                w.before_grade,
                r.grade.label,
                w.before_caps,
                w.after_caps
            )?;
        }
        if let Some(range) = &r.range {
            writeln!(
                out,
                "Range {} {} (known facts) to {} {} (every unknown at full marks)",
                range.low_grade, range.low_score, range.high_grade, range.high_score
            )?;
        }
        for w in &r.warnings {
            writeln!(out, "Warning: {w}")?;
        }
        if let Some(line) = &r.waiver_line {
            writeln!(out, "Waivers: {line}")?;
            for w in &r.waivers {
                writeln!(
                    out,
                    "  {} {} `{}`, approved by {} on {}, expires {}: {}. {}",
                    w.status,
                    w.kind,
                    w.target,
                    w.approved_by,
                    w.approved,
                    w.expires,
                    w.reason,
                    w.changed
                )?;
            }
        }
        if let Some(g) = &r.cap {
            writeln!(
                out,
                "Capped at {} by gate `{}` ({}); the score alone earns {}",
                g.cap, g.id, g.title, r.grade_before_caps
            )?;
            if !g.because.is_empty() {
                writeln!(out, "  {}: {}", facts_that_set_it(g.facts.len()), g.because)?;
            }
        }
        writeln!(out)?;

        let mut cats = grid(&["category", "weight", "score"]);
        for c in &r.categories {
            cats.add_row(vec![c.title.clone(), c.weight.clone(), c.score.clone()]);
        }
        right_align(&mut cats, &[1, 2]);
        writeln!(out, "{cats}\n")?;

        let mut controls = grid(&[
            "control",
            "status",
            "score",
            "metric value",
            "points lost",
            "note",
        ]);
        for f in &r.controls {
            // Notes mark names as code (`pool`) for the formats that can show it; a terminal
            // shows the bare name.
            let mut note = f.note.replace('`', "");
            if f.self_attested {
                note = join_note(&note, "self-attested");
            }
            if !f.disregarded.is_empty() {
                note = join_note(&note, &format!("{} disregarded", f.disregarded.len()));
            }
            controls.add_row(vec![
                f.id.clone(),
                f.status.to_string(),
                f.score.clone(),
                f.value.clone(),
                f.points_lost.clone(),
                note,
            ]);
        }
        right_align(&mut controls, &[2, 4]);
        self.fit(&mut controls);
        writeln!(out, "{controls}\n")?;

        writeln!(out, "Evidence used:")?;
        for f in &r.controls {
            for e in &f.evidence {
                let source = e.source.as_deref().filter(|s| !s.trim().is_empty());
                writeln!(
                    out,
                    "  {:<22} {} <{}>",
                    f.id,
                    e.fact,
                    source.unwrap_or("no source: self-attested")
                )?;
            }
        }
        writeln!(out)?;
        if !r.disregarded.is_empty() {
            writeln!(out, "Evidence disregarded:")?;
            for d in &r.disregarded {
                writeln!(out, "  {}: {}", d.fact, d.reason)?;
            }
            writeln!(out)?;
        }

        let mut gates = grid(&["gate", "status", "caps at", "triggered by"]);
        for g in &r.gates {
            gates.add_row(vec![
                g.id.clone(),
                if g.fails { "FAILS" } else { "passes" }.to_string(),
                g.cap.clone(),
                g.triggered_by.clone(),
            ]);
        }
        self.fit(&mut gates);
        writeln!(out, "{gates}\n")?;

        if !r.gaps.is_empty() {
            writeln!(out, "Gaps, in the order to close them:")?;
            for (i, g) in r.gaps.iter().enumerate() {
                if g.gate {
                    writeln!(
                        out,
                        "{:>2}. gate {} (caps at {}): {}",
                        i + 1,
                        g.id,
                        g.caps_at,
                        g.action
                    )?;
                } else {
                    writeln!(
                        out,
                        "{:>2}. {} (-{} points, effort {}): {}",
                        i + 1,
                        g.id,
                        g.points_lost,
                        g.effort,
                        g.action
                    )?;
                }
            }
            writeln!(out)?;
        }
        if !r.forecast.is_empty() {
            writeln!(out, "Forecast, with no new facts, in the year ahead:")?;
            for a in &r.forecast {
                writeln!(out, "  {}: {}", a.date, a.line)?;
            }
            writeln!(out)?;
        }
        if !r.research.is_empty() {
            writeln!(out, "What to research first (the grade is provisional):")?;
            for (i, v) in r.research.iter().enumerate() {
                writeln!(out, "{:>2}. {} ({})", i + 1, v.line, v.title)?;
            }
            writeln!(out)?;
        }

        let s = &r.stamp;
        writeln!(
            out,
            "{} | rubric {} {} sha256:{} | manifest {} sha256:{}",
            s.tool,
            s.rubric_id,
            s.rubric_version,
            s.rubric_sha256,
            s.manifest.path,
            s.manifest.sha256
        )
    }

    fn league(&self, league: &LeagueView, out: &mut dyn Write) -> io::Result<()> {
        let mut header = vec![
            "#",
            "protocol",
            "kind",
            "as of",
            "grade",
            "score",
            "capped by",
            "confidence",
        ];
        if league.what_if {
            header.push("before what-if");
        }
        let mut t = grid(&header);
        for e in &league.entries {
            let r = e.row();
            let mut row = vec![
                r.rank.to_string(),
                r.id,
                r.kind,
                r.as_of,
                r.grade_words,
                r.score,
                r.capped_by,
                r.confidence_percent,
            ];
            row.extend(r.before_what_if);
            t.add_row(row);
        }
        right_align(&mut t, &[0, 5, 7]);
        writeln!(out, "{t}")?;
        if !league.entries.is_empty() {
            writeln!(
                out,
                "{} manifests | rubric {} {} | {}",
                league.entries.len(),
                league.stamp.rubric.id,
                league.stamp.rubric.version,
                league.stamp.tool
            )?;
        }
        for line in &league.portfolio_lines {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }

    fn gaps(&self, g: &GapReport, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "{} ({}), evaluated as of {}: grade {}, score {}/100, {}",
            g.protocol.name,
            g.protocol.id,
            g.stamp.evaluated_as_of,
            g.now.grade,
            g.now.score,
            caps_text(g.now.capped_by.as_ref())
        )?;
        if let Some(line) = gaps_waiver_line(g) {
            writeln!(out, "Waivers: {line}")?;
        }
        writeln!(out)?;
        let mut t = grid(&[
            "#",
            "gap",
            "points lost",
            "effort",
            "now",
            "next step",
            "gain",
            "grade after",
        ]);
        for (i, item) in g.items.iter().map(GapRowView::of).enumerate() {
            let (step, gain, after) = item.next.map_or_else(
                || (String::new(), String::new(), String::new()),
                |n| {
                    let step = if n.todo.is_some() {
                        "work, see below".to_string()
                    } else {
                        n.set
                    };
                    (step, n.gain, n.after.label)
                },
            );
            let name = if item.gate {
                format!("gate {} (caps at {})", item.id, item.caps_at)
            } else {
                item.id
            };
            t.add_row(vec![
                (i + 1).to_string(),
                name,
                item.points_lost,
                item.effort.to_string(),
                item.now,
                step,
                gain,
                after,
            ]);
        }
        right_align(&mut t, &[0, 2, 6]);
        writeln!(out, "{t}\n")?;
        writeln!(out, "What to do:")?;
        for (i, item) in g.items.iter().enumerate() {
            writeln!(out, "{:>2}. {}: {}", i + 1, item.id, item.action)?;
            if let Some(todo) = item.next.as_ref().and_then(|n| n.todo.as_ref()) {
                writeln!(out, "    next step: {todo}")?;
            }
            if let Some(m) = &item.missing {
                writeln!(out, "    evidence: {m}")?;
            }
            for d in &item.disregarded {
                writeln!(out, "    disregarded {}: {}", d.fact, d.reason)?;
            }
        }
        if let Some(p) = &g.plan {
            writeln!(out)?;
            if p.reached {
                writeln!(
                    out,
                    "Plan to reach {}: {} step(s), verified: score {} -> {}, grade {} -> {}, {}",
                    p.target,
                    p.steps.len(),
                    g.now.score,
                    p.after.score,
                    g.now.grade,
                    p.after.grade,
                    caps_text(p.after.capped_by.as_ref())
                )?;
            } else {
                writeln!(
                    out,
                    "Grade {} is out of reach: {}",
                    p.target,
                    p.blocked_by.as_deref().unwrap_or("")
                )?;
            }
            for (i, s) in p.steps.iter().enumerate() {
                writeln!(
                    out,
                    "{:>2}. {} (effort {}): {}",
                    i + 1,
                    s.id,
                    effort_name(s.effort),
                    s.flags()
                )?;
            }
            if p.reached && !p.steps.is_empty() {
                let sets: Vec<String> = p.steps.iter().map(|s| s.flags()).collect();
                writeln!(
                    out,
                    "Check it: posture score {} {}",
                    g.stamp.manifest.path,
                    sets.join(" ")
                )?;
            }
        }
        Ok(())
    }

    fn diff(&self, d: &Diff, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "{} ({}): {} -> {}",
            d.protocol.name,
            d.protocol.id,
            d.old_stamp.evaluated_as_of,
            d.new_stamp.evaluated_as_of
        )?;
        writeln!(
            out,
            "grade {} -> {}, score {} -> {} ({}), {} -> {}{}",
            d.old.grade,
            d.new.grade,
            d.old.score,
            d.new.score,
            signed(d.score_change),
            caps_text(d.old.capped_by.as_ref()),
            caps_text(d.new.capped_by.as_ref()),
            if d.regression { "  REGRESSION" } else { "" }
        )?;
        for (title, list) in [("Improved", &d.improved), ("Regressed", &d.regressed)] {
            if list.is_empty() {
                continue;
            }
            writeln!(out, "\n{title}:")?;
            let mut t = grid(&["control", "points", "status", "value"]);
            for c in list.iter().map(ChangeView::of) {
                t.add_row(vec![
                    c.control,
                    c.points,
                    match &c.evidence {
                        Some(e) => format!("{} -> {}, {e}", c.old_status, c.new_status),
                        None => format!("{} -> {}", c.old_status, c.new_status),
                    },
                    format!("{} -> {}", c.old_value, c.new_value),
                ]);
            }
            right_align(&mut t, &[1]);
            writeln!(out, "{t}")?;
        }
        for (title, list, lifted) in [
            ("Caps added", &d.caps_added, false),
            ("Caps lifted", &d.caps_lifted, true),
        ] {
            for c in list {
                writeln!(out, "{title}: {}", cap_change_text(c, lifted))?;
            }
        }
        for w in &d.waivers {
            writeln!(out, "{}", waiver_turn_text(w))?;
        }
        Ok(())
    }
    fn backtest(&self, b: &Backtest, out: &mut dyn Write) -> io::Result<()> {
        let mut t = grid(&[
            "incident",
            "protocol",
            "loss",
            "cause",
            "graded from",
            "grade",
            "score",
            "capped by",
            "controls",
            "case AUC",
        ]);
        for c in b.cases.iter().map(|c| CaseView::of(b, c)) {
            t.add_row(vec![
                c.incident_date,
                c.protocol,
                c.loss,
                c.cause.chars().take(48).collect(),
                c.graded_from,
                c.grade.map_or("-".into(), |g| g.label),
                c.score,
                c.cap,
                c.controls,
                c.case_auc,
            ]);
        }
        right_align(&mut t, &[2, 6, 8, 9]);
        writeln!(out, "{t}\n")?;
        let mut signal = grid(&CONTROL_SIGNAL_HEADER);
        for c in &b.controls {
            signal.add_row(control_signal_cells(c).to_vec());
        }
        right_align(&mut signal, &[1, 2, 3, 4]);
        writeln!(out, "{signal}\n")?;
        let mut clean = grid(&[
            "no recorded loss (pooled)",
            "as of",
            "grade",
            "score",
            "capped by",
        ]);
        for c in &b.clean {
            clean.add_row(vec![
                c.protocol.clone(),
                c.as_of.to_string(),
                c.standing.grade.to_string(),
                c.standing.score.to_string(),
                c.standing
                    .capped_by
                    .as_ref()
                    .map_or("-".into(), ToString::to_string),
            ]);
        }
        right_align(&mut clean, &[3]);
        writeln!(out, "{clean}\n")?;
        for line in backtest_summary(b) {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }

    fn backtest_comparison(&self, c: &Comparison, out: &mut dyn Write) -> io::Result<()> {
        let mut t = grid(&COMPARISON_HEADER);
        for r in &c.rubrics {
            t.add_row(comparison_cells(r).to_vec());
        }
        right_align(&mut t, &[1, 2, 4, 5, 6, 7, 8]);
        writeln!(out, "{t}\n")?;
        for line in comparison_summary(c) {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}

fn join_note(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}; {b}")
    }
}

/// The lines of one forecast date: the grade and score, then each control and cap that moves.
fn forecast_change(c: &ForecastChangeView, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{}  {}{}",
        c.date,
        c.headline,
        if c.falls { "  FALLS" } else { "" }
    )?;
    for m in &c.controls {
        writeln!(
            out,
            "            {} {} -> {} ({} points): {}",
            m.change.control, m.change.old_status, m.change.new_status, m.change.points, m.note
        )?;
    }
    for cap in &c.caps {
        writeln!(out, "            {cap}")?;
    }
    Ok(())
}

impl Plain {
    fn forecast(&self, f: &ForecastView, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "{} ({}): forecast from {} to {} under {}, if no new fact is stated",
            f.name, f.id, f.from, f.until, f.rubric
        )?;
        writeln!(out, "Now: {}", f.now)?;
        if f.changes.is_empty() {
            writeln!(out, "No change to {}.", f.until)?;
            return Ok(());
        }
        for c in &f.changes {
            forecast_change(c, out)?;
        }
        writeln!(out, "On {}: {}", f.until, f.then)
    }

    fn outlook(&self, o: &OutlookView, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "Grades that fall {}, if no new fact is stated: {} of {} protocols (latest snapshot of each), under {}",
            o.horizon,
            o.falling.len(),
            o.protocols,
            o.rubric
        )?;
        if o.falling.is_empty() {
            return Ok(());
        }
        let mut t = grid(&["protocol", "from", "grade", "falls on", "to", "why"]);
        for f in &o.falling {
            t.add_row(vec![
                f.id.clone(),
                f.from.clone(),
                f.now_short.clone(),
                f.fall.date.clone(),
                format!("{} {}", f.fall.new_grade, f.fall.new_score),
                f.fall.why(),
            ]);
        }
        writeln!(out, "{t}")
    }
}

fn right_align(t: &mut Grid, columns: &[usize]) {
    for &c in columns {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// Manifest text reaches a terminal: control characters (escape sequences that could move the
/// cursor, clear the screen or hide text) are shown as `?`; newlines stay.
pub fn inert(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { '?' } else { c })
        .collect()
}

/// Renders with `Plain` into memory, then writes the inert text.
fn through(
    out: &mut dyn Write,
    render: impl FnOnce(&mut Vec<u8>) -> io::Result<()>,
) -> io::Result<()> {
    let mut buffer = Vec::new();
    render(&mut buffer)?;
    out.write_all(inert(&String::from_utf8_lossy(&buffer)).as_bytes())
}

impl Renderer for Table {
    fn report(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        through(out, |b| {
            Plain { wide: self.wide }.report(&ReportView::of(r), b)
        })
    }

    fn league(&self, league: &LeagueView, out: &mut dyn Write) -> io::Result<()> {
        through(out, |b| Plain { wide: true }.league(league, b))
    }

    fn gaps(&self, g: &GapReport, out: &mut dyn Write) -> io::Result<()> {
        through(out, |b| Plain { wide: true }.gaps(g, b))
    }

    fn diff(&self, d: &Diff, out: &mut dyn Write) -> io::Result<()> {
        through(out, |b| Plain { wide: true }.diff(d, b))
    }

    fn backtest(&self, b: &Backtest, out: &mut dyn Write) -> io::Result<()> {
        through(out, |buf| Plain { wide: true }.backtest(b, buf))
    }

    fn backtest_comparison(&self, c: &Comparison, out: &mut dyn Write) -> io::Result<()> {
        through(out, |buf| Plain { wide: true }.backtest_comparison(c, buf))
    }

    fn forecast(&self, f: &Forecast, out: &mut dyn Write) -> io::Result<()> {
        through(out, |b| {
            Plain { wide: true }.forecast(&ForecastView::of(f), b)
        })
    }

    fn outlook(&self, o: &Outlook, out: &mut dyn Write) -> io::Result<()> {
        through(out, |b| {
            Plain { wide: true }.outlook(&OutlookView::of(o), b)
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn terminal_escapes_are_neutralised() {
        assert_eq!(
            super::inert("ok\x1b[2Jgone\u{7}\nnext"),
            "ok?[2Jgone?\nnext"
        );
    }
}

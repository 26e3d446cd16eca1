//! Plain-text tables for a terminal.

use std::io::{self, Write};

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, Table as Grid};

use super::Renderer;
use crate::report::{GapKind, GateStatus, Report, Status};

pub struct Table;

fn grid(header: &[&str]) -> Grid {
    let mut t = Grid::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_header(header.to_vec());
    t
}

fn percent(x: f64) -> String {
    format!("{:.0}%", crate::report::round_to(x * 100.0, 0))
}

/// A metric value for a human: numbers trimmed, unknown spelled out.
fn show_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "unknown".into(),
        serde_json::Value::Number(n) => {
            let x = n.as_f64().unwrap_or_default();
            if x.fract() == 0.0 && x.abs() < 1e15 {
                format!("{x:.0}")
            } else {
                format!("{x:.2}")
            }
        }
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Renderer for Table {
    fn report(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "{} ({}), {}, evaluated as of {}",
            r.protocol.name,
            r.protocol.id,
            serde_plain_kind(r),
            r.stamp.evaluated_as_of
        )?;
        write!(
            out,
            "Grade {}  score {}/100  confidence {}",
            r.grade,
            r.score,
            percent(r.confidence.0)
        )?;
        if r.grade != r.grade_before_caps {
            write!(out, "  (score alone: {})", r.grade_before_caps)?;
        }
        writeln!(out)?;
        if let Some(g) = r.gates.iter().find(|g| Some(&g.id) == r.capped_by.as_ref()) {
            writeln!(out, "Capped at {} by gate `{}`: {}", g.cap, g.id, g.title)?;
        }
        writeln!(out)?;

        let mut cats = grid(&["category", "weight", "score"]);
        for c in &r.categories {
            cats.add_row(vec![
                c.title.clone(),
                format!("{}", c.weight),
                c.score.map_or("n/a".into(), |s| s.to_string()),
            ]);
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
        for f in &r.findings {
            let mut note = f.note.clone().unwrap_or_default();
            if f.status != Status::NotApplicable && f.status != Status::Unknown && !f.sourced {
                note = join_note(&note, "self-attested");
            }
            if !f.disregarded.is_empty() {
                note = join_note(&note, &format!("{} disregarded", f.disregarded.len()));
            }
            controls.add_row(vec![
                f.control.to_string(),
                f.status.as_str().to_string(),
                format!("{:.2}", f.score.0),
                show_value(&f.value),
                format!("{:.1}", f.points_lost),
                note,
            ]);
        }
        right_align(&mut controls, &[2, 4]);
        writeln!(out, "{controls}\n")?;

        writeln!(out, "Evidence used:")?;
        for f in &r.findings {
            for e in &f.evidence {
                let source = e.source.as_deref().filter(|s| !s.trim().is_empty());
                writeln!(
                    out,
                    "  {:<22} {} <{}>",
                    f.control.0,
                    e.fact,
                    source.unwrap_or("no source: self-attested")
                )?;
            }
        }
        writeln!(out)?;
        let mut seen = std::collections::BTreeSet::new();
        let disregarded: Vec<_> = r
            .findings
            .iter()
            .flat_map(|f| &f.disregarded)
            .filter(|d| seen.insert((&d.fact, &d.reason)))
            .collect();
        if !disregarded.is_empty() {
            writeln!(out, "Evidence disregarded:")?;
            for d in disregarded {
                writeln!(out, "  {}: {}", d.fact, d.reason)?;
            }
            writeln!(out)?;
        }

        let mut gates = grid(&["gate", "status", "caps at", "triggered by"]);
        for g in &r.gates {
            gates.add_row(vec![
                g.id.to_string(),
                match g.status {
                    GateStatus::Passes => "passes".into(),
                    GateStatus::Fails => "FAILS".to_string(),
                },
                g.cap.to_string(),
                g.triggered_by.join("; "),
            ]);
        }
        writeln!(out, "{gates}\n")?;

        if !r.gaps.is_empty() {
            writeln!(out, "Gaps, in the order to close them:")?;
            for (i, g) in r.gaps.iter().enumerate() {
                match g.kind {
                    GapKind::Gate => writeln!(
                        out,
                        "{:>2}. gate {} (caps at {}): {}",
                        i + 1,
                        g.id,
                        g.caps_at
                            .as_ref()
                            .map_or(String::new(), ToString::to_string),
                        g.action
                    )?,
                    GapKind::Control => writeln!(
                        out,
                        "{:>2}. {} (-{:.1} points, effort {}): {}",
                        i + 1,
                        g.id,
                        g.points_lost,
                        g.effort.map_or("", |e| effort_name(e)),
                        g.action
                    )?,
                }
            }
            writeln!(out)?;
        }

        let s = &r.stamp;
        writeln!(
            out,
            "{} | rubric {} {} sha256:{} | manifest {} sha256:{}",
            s.tool,
            s.rubric.id,
            s.rubric.version,
            s.rubric.sha256,
            s.manifest.path,
            s.manifest.sha256
        )
    }

    fn league(&self, reports: &[Report], out: &mut dyn Write) -> io::Result<()> {
        let mut t = grid(&[
            "#",
            "protocol",
            "kind",
            "as of",
            "grade",
            "score",
            "capped by",
            "confidence",
        ]);
        for (i, r) in reports.iter().enumerate() {
            t.add_row(vec![
                (i + 1).to_string(),
                r.protocol.id.clone(),
                serde_plain_kind(r),
                r.stamp.evaluated_as_of.to_string(),
                r.grade.to_string(),
                r.score.to_string(),
                r.capped_by.as_ref().map_or("-".into(), ToString::to_string),
                percent(r.confidence.0),
            ]);
        }
        right_align(&mut t, &[0, 5, 7]);
        writeln!(out, "{t}")?;
        if let Some(r) = reports.first() {
            writeln!(
                out,
                "{} manifests | rubric {} {} | {}",
                reports.len(),
                r.stamp.rubric.id,
                r.stamp.rubric.version,
                r.stamp.tool
            )?;
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

fn effort_name(e: crate::rubric::Effort) -> &'static str {
    match e {
        crate::rubric::Effort::Low => "low",
        crate::rubric::Effort::Medium => "medium",
        crate::rubric::Effort::High => "high",
    }
}

fn serde_plain_kind(r: &Report) -> String {
    serde_json::to_value(r.protocol.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn right_align(t: &mut Grid, columns: &[usize]) {
    for &c in columns {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

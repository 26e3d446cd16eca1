//! `posture rubric`: list, show and lint rubrics, and print the metric catalogue.

use super::common::*;
use crate::core::metrics;
use crate::core::rubric::{self, Rubric};
use crate::load::{self};
use clap::Subcommand;
use std::io::{self, Write};

#[derive(Debug, Subcommand)]
pub enum RubricAction {
    /// The built-in rubrics.
    List,
    /// A rubric's categories, controls and gates, with the metrics they use.
    Show {
        /// A built-in id or a rubric file.
        rubric: String,
    },
    /// Every metric in the catalogue, as Markdown.
    Metrics,
    /// Check a rubric file: errors (exit 2) and warnings (legal but probably not meant).
    Lint {
        /// Rubric files (or built-in ids); each is checked, the worst exit code wins.
        #[arg(required = true)]
        rubrics: Vec<String>,
    },
}

pub(crate) fn run(
    action: RubricAction,
    quiet: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    match action {
        RubricAction::List => {
            for (id, _) in rubric::BUILTIN {
                if let Some(r) = load_rubric(id, err)? {
                    writeln!(out, "{id}\t{}\t{}", r.meta.version, r.meta.title)?;
                }
            }
            Ok(exit::OK)
        }
        RubricAction::Show { rubric } => {
            let Some(r) = load_rubric(&rubric, err)? else {
                return Ok(exit::BAD_INPUT);
            };
            show_rubric(&r, out)?;
            Ok(exit::OK)
        }
        RubricAction::Metrics => {
            out.write_all(metrics_markdown().as_bytes())?;
            Ok(exit::OK)
        }
        RubricAction::Lint { rubrics } => {
            let mut code = exit::OK;
            for rubric in &rubrics {
                code = code.max(lint(rubric, quiet, out, err)?);
            }
            Ok(code)
        }
    }
}

pub(crate) fn lint(
    name: &str,
    quiet: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let Some(src) = rubric_source(name, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    match load::lint_rubric(&src) {
        Ok((r, warnings)) => {
            emit(err, &warnings, Some(&src.text))?;
            if !quiet {
                writeln!(
                    out,
                    "{} {}: 0 errors, {}",
                    r.meta.id,
                    r.meta.version,
                    super::validate::plural(warnings.len(), "warning")
                )?;
            }
            Ok(exit::OK)
        }
        Err(diags) => {
            let errors = diags.iter().filter(|d| d.is_error()).count();
            emit(err, &diags, Some(&src.text))?;
            if !quiet {
                writeln!(
                    out,
                    "{}: {}",
                    src.name,
                    super::validate::plural(errors, "error")
                )?;
            }
            Ok(exit::BAD_INPUT)
        }
    }
}

pub(crate) fn show_rubric(r: &Rubric, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{} {}: {}", r.meta.id, r.meta.version, r.meta.title)?;
    if !r.meta.description.is_empty() {
        writeln!(out, "{}", r.meta.description.trim())?;
    }
    let scale: Vec<String> = r
        .scale
        .labels()
        .iter()
        .filter_map(|l| r.scale.parse(l))
        .map(|g| format!("{} >= {}", g, r.scale.min_of(&g)))
        .collect();
    writeln!(out, "\nGrades: {}", scale.join(", "))?;
    writeln!(out, "Self-attested facts count at {}x.", r.self_attested)?;
    if !r.reputable_firms.is_empty() {
        writeln!(
            out,
            "Reputable firms (audits.reputable_firms_covering): {}.",
            r.reputable_firms.join(", ")
        )?;
    }
    for (k, cat) in r.categories.iter().enumerate() {
        writeln!(out, "\n[{}] {} (weight {})", cat.id, cat.title, cat.weight)?;
        for c in r.controls.iter().filter(|c| c.category == k) {
            let m = metrics::def(c.metric);
            writeln!(out, "  {} (weight {}): {}", c.id, c.weight, c.title)?;
            writeln!(out, "    metric {}: {}", m.name, m.description)?;
            writeln!(out, "    scoring: {}", scoring_text(&c.scoring))?;
            if let Some(na) = c.not_applicable_when {
                writeln!(out, "    not applicable when {}", metrics::def(na).name)?;
            }
        }
    }
    writeln!(out, "\nGates:")?;
    for g in &r.gates {
        let conds: Vec<String> = g.when_any.iter().map(ToString::to_string).collect();
        writeln!(out, "  {} caps at {}: {}", g.id, g.cap, g.title)?;
        writeln!(out, "    fails when any: {}", conds.join("; "))?;
    }
    Ok(())
}

/// How a control turns its metric into credit, in one line: `>= 168 -> 1, >= 48 -> 0.6,
/// else 0`; a rubric author reads the thresholds here rather than in the TOML.
fn scoring_text(scoring: &rubric::Scoring) -> String {
    match scoring {
        rubric::Scoring::Tiers(tiers) => {
            let steps: Vec<String> = tiers
                .iter()
                .map(|t| match (t.min, t.max) {
                    (Some(min), Some(max)) => format!("{min} to {max} -> {}", t.score),
                    (Some(min), None) => format!(">= {min} -> {}", t.score),
                    (None, Some(max)) => format!("<= {max} -> {}", t.score),
                    (None, None) => format!("any -> {}", t.score),
                })
                .collect();
            format!("tiers {}, else 0", steps.join(", "))
        }
        rubric::Scoring::Linear { from, to } => {
            format!("linear, 0 at {from} to 1 at {to}")
        }
        rubric::Scoring::Boolean(wanted) => format!("{wanted} -> 1, {} -> 0", !wanted),
        rubric::Scoring::Levels(levels) => {
            // Best level first, as the tiers read.
            let mut by_score: Vec<(&String, &f64)> = levels.iter().collect();
            by_score.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
            let steps: Vec<String> = by_score
                .iter()
                .map(|(level, score)| format!("{level} -> {score}"))
                .collect();
            format!("levels {}, any other 0", steps.join(", "))
        }
    }
}

/// The catalogue as a Markdown table; the README embeds the same text.
pub fn metrics_markdown() -> String {
    let mut s = String::from("| metric | kind | meaning |\n|---|---|---|\n");
    for m in metrics::CATALOGUE {
        s.push_str(&format!(
            "| `{}` | {} | {} |\n",
            m.name,
            m.kind.describe(),
            m.description
        ));
    }
    s
}

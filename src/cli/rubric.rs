//! `posture rubric`: list, show, lint and test rubrics, and print the metric catalogue.

use super::common::*;
use crate::core::analysis::rubric_test::{self, ExpectFile, Expectation};
use crate::core::metrics;
use crate::core::rubric::{self, Rubric};
use crate::load::diagnostics::{Diagnostic, did_you_mean};
use crate::load::{self, Source};
use crate::pipeline;
use clap::Subcommand;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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
    /// Run a rubric's tests: each fixture `NAME.toml` in DIR is scored and compared with its
    /// `NAME.expect.toml` (grade, capped_by, control statuses); exit 1 on a difference.
    Test {
        /// The folder of fixtures and their expectations.
        dir: PathBuf,
        /// A built-in rubric id or a rubric file.
        #[arg(long, default_value = rubric::DEFAULT_ID)]
        rubric: String,
        /// Exit 1 when fixtures exercise less than this percentage of the rubric's controls and
        /// gates together.
        #[arg(long, value_name = "PCT", value_parser = clap::value_parser!(u8).range(0..=100))]
        min_coverage: Option<u8>,
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
        RubricAction::Test {
            dir,
            rubric,
            min_coverage,
        } => test(&dir, &rubric, min_coverage, quiet, out, err),
    }
}

/// One fixture: its manifest file and what is expected of it.
struct Fixture {
    name: String,
    manifest: PathBuf,
    expected: Expectation,
}

/// `posture rubric test`: every fixture of the folder, in name order, then the coverage. With
/// `-q`, only the failures: no `ok` lines, no coverage or summary.
fn test(
    dir: &Path,
    rubric_name: &str,
    min_coverage: Option<u8>,
    quiet: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let Some(rubric) = load_rubric(rubric_name, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let Some(fixtures) = fixtures(dir, &rubric, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let mut failed = 0usize;
    let mut unloaded = 0usize;
    for f in &fixtures {
        let opts = pipeline::Options {
            as_of: f.expected.as_of,
            ..Default::default()
        };
        let report = pipeline::single(&rubric, &f.manifest, &opts, load::DEFAULT_MAX_BYTES, |s| {
            unloaded += 1;
            report_skipped(s, err)
        })?;
        let Some(report) = report else {
            continue;
        };
        let differences = rubric_test::compare(&f.expected, &report);
        if differences.is_empty() {
            if !quiet {
                writeln!(out, "ok {}", f.name)?;
            }
        } else {
            failed += 1;
            writeln!(out, "FAIL {}", f.name)?;
            for d in differences {
                writeln!(out, "  {d}")?;
            }
        }
    }
    if unloaded > 0 {
        writeln!(
            err,
            "error: {unloaded} of {} fixtures could not be scored",
            fixtures.len()
        )?;
        return Ok(exit::BAD_INPUT);
    }
    let coverage = rubric_test::coverage(&rubric, fixtures.iter().map(|f| &f.expected));
    if !quiet {
        summary(&coverage, fixtures.len(), failed, out)?;
    }
    let short = min_coverage.filter(|&min| !coverage.at_least(min));
    if let Some(min) = short {
        writeln!(
            err,
            "coverage {}% is under --min-coverage {min}",
            coverage.percent()
        )?;
    }
    Ok(if failed > 0 || short.is_some() {
        exit::GATE
    } else {
        exit::OK
    })
}

/// The coverage, what it misses, and how many fixtures pass.
fn summary(
    coverage: &rubric_test::Coverage,
    fixtures: usize,
    failed: usize,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "{coverage}")?;
    if !coverage.controls_missed.is_empty() {
        let ids: Vec<&str> = coverage
            .controls_missed
            .iter()
            .map(|c| c.0.as_str())
            .collect();
        writeln!(out, "  controls no fixture exercises: {}", ids.join(", "))?;
    }
    if !coverage.gates_missed.is_empty() {
        let ids: Vec<&str> = coverage.gates_missed.iter().map(|g| g.0.as_str()).collect();
        writeln!(out, "  gates no fixture caps by: {}", ids.join(", "))?;
    }
    writeln!(out, "{} of {fixtures} fixtures pass", fixtures - failed)
}

const EXPECT_SUFFIX: &str = ".expect.toml";

/// The folder's fixtures in name order, each with its checked expectation; `None` once every
/// problem (a bad expectation, a fixture without one, one without a fixture) is reported.
fn fixtures(dir: &Path, rubric: &Rubric, err: &mut dyn Write) -> io::Result<Option<Vec<Fixture>>> {
    let shown = dir.display().to_string();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            let d = Diagnostic::file_error(&shown, format!("cannot read {shown}: {e}"));
            emit(err, &[d], None)?;
            return Ok(None);
        }
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".toml") && !n.starts_with('.'))
        .collect();
    names.sort();
    let mut ok = true;
    let mut fixtures = Vec::new();
    for name in &names {
        if let Some(stem) = name.strip_suffix(EXPECT_SUFFIX) {
            if !names.contains(&format!("{stem}.toml")) {
                let path = dir.join(name).display().to_string();
                let d = Diagnostic::file_error(
                    &path,
                    format!("{path} expects of a fixture {stem}.toml that is not in {shown}"),
                );
                emit(err, &[d], None)?;
                ok = false;
            }
            continue;
        }
        let stem = name.strip_suffix(".toml").unwrap_or(name);
        let expect = dir.join(format!("{stem}{EXPECT_SUFFIX}"));
        if !names.contains(&format!("{stem}{EXPECT_SUFFIX}")) {
            let path = dir.join(name).display().to_string();
            let mut d = Diagnostic::file_error(
                &path,
                format!(
                    "fixture {path} has no expectation file {}",
                    expect.display()
                ),
            );
            d.help = Some(
                "write one: grade = \"...\", capped_by = \"none\" or a gate id, and [controls]"
                    .to_string(),
            );
            emit(err, &[d], None)?;
            ok = false;
            continue;
        }
        match expectation(&expect, rubric, err)? {
            Some(expected) => fixtures.push(Fixture {
                name: stem.to_string(),
                manifest: dir.join(name),
                expected,
            }),
            None => ok = false,
        }
    }
    if ok && fixtures.is_empty() {
        let d = Diagnostic::file_error(
            &shown,
            format!("{shown} holds no fixtures: NAME.toml files, each with a NAME.expect.toml"),
        );
        emit(err, &[d], None)?;
        ok = false;
    }
    Ok(ok.then_some(fixtures))
}

/// Reads and checks one expectation file, reporting its problems at their line and column.
fn expectation(
    path: &Path,
    rubric: &Rubric,
    err: &mut dyn Write,
) -> io::Result<Option<Expectation>> {
    let src = match load::read(path, load::DEFAULT_MAX_BYTES) {
        Ok(src) => src,
        Err(d) => {
            emit(err, &[d], None)?;
            return Ok(None);
        }
    };
    let file = match parse_expectation(&src) {
        Ok(f) => f,
        Err(d) => {
            emit(err, &d, Some(&src.text))?;
            return Ok(None);
        }
    };
    match rubric_test::check(rubric, &file) {
        Ok(e) => Ok(Some(e)),
        Err(problems) => {
            // In the file's order, as a reader goes through it.
            let mut located = load::locate_all(&src, &problems);
            located.sort_by_key(|d| d.span.as_ref().map(|s| s.start));
            emit(err, &located, Some(&src.text))?;
            Ok(None)
        }
    }
}

/// Whether a file is a rubric test's expectation (`NAME.expect.toml`), which `validate` checks
/// for its shape only: its ids are checked against the rubric `rubric test` is given.
pub(crate) fn is_expectation(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(EXPECT_SUFFIX))
}

/// An expectation file's fields, or where its TOML or shape is wrong.
pub(crate) fn parse_expectation(src: &Source) -> Result<ExpectFile, Vec<Diagnostic>> {
    toml::from_str(&src.text).map_err(|e| vec![parse_error(src, &e)])
}

/// A TOML or shape error of an expectation file, at its place, with the field meant when the
/// name is a near miss.
fn parse_error(src: &Source, e: &toml::de::Error) -> Diagnostic {
    let message = e.message().trim().to_string();
    let help = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next())
        .and_then(|wrong| did_you_mean(wrong, &rubric_test::FIELDS, "fields"));
    Diagnostic {
        severity: crate::load::diagnostics::Severity::Error,
        file: src.name.clone(),
        span: Some(e.span().unwrap_or(0..0)),
        message,
        help,
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

//! `posture score`: one manifest gives a full report, many a league table.

use super::common::*;
use crate::pipeline::{self};
use crate::render;
use clap::Args;
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Manifest files or folders of them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub eval: EvalArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// What-if: override a manifest field or a metric (repeatable), e.g. timelock.delay_hours=48.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Exit 1 when any protocol grades below this grade (env: POSTURE_FAIL_UNDER; or
    /// posture.toml's `fail_under`).
    #[arg(long, value_name = "GRADE")]
    pub fail_under: Option<String>,
    /// Where `fail_under` came from, for the message when it is not a grade.
    #[arg(skip)]
    pub fail_under_origin: Origin,
    /// Exit 1 when a waiver of posture.toml naming a graded protocol did not apply: expired,
    /// not yet approved on the evaluation date, or matching nothing (each is named on stderr).
    #[arg(long)]
    pub strict: bool,
    /// With many manifests and --format json, add every full report (`reports`) to the league.
    /// Other formats ignore it: csv always has a row per control of each protocol, html a
    /// section per protocol (grade, caps, category chart), table and markdown the league table.
    #[arg(long)]
    pub full: bool,
}

pub(crate) fn run(
    args: &ScoreArgs,
    quiet: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let Some(rubric) = load_rubric(&args.eval.rubric, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let origin = match args.fail_under_origin {
        Origin::Env => "POSTURE_FAIL_UNDER".to_string(),
        Origin::File => args.eval.found.as_ref().map_or("posture.toml".into(), |c| {
            format!("{}: fail_under", c.source.name)
        }),
        Origin::Flag | Origin::Default => "--fail-under".to_string(),
    };
    let Ok(fail_under) = grade_flag(&rubric, &origin, args.fail_under.as_deref(), err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let Ok(config) = config_in_use(&args.eval, &rubric, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let Some(edits) = parse_edits(&args.set, err)? else {
        return Ok(exit::BAD_INPUT);
    };

    let (files, failed) = expand_paths(&args.paths, err)?;
    let one = args.paths.len() == 1 && files.len() == 1;
    if files.is_empty() && failed == 0 {
        writeln!(err, "error: no .toml manifests found in the given paths")?;
        return Ok(exit::BAD_INPUT);
    }
    let mut opts = options(&args.eval, edits);
    let has_waivers = config.as_ref().is_some_and(|c| !c.waivers.is_empty());
    if one {
        opts.config = config.clone();
    } else if has_waivers {
        writeln!(
            err,
            "note: the waivers of {} apply to the report of one manifest: this league is graded without them",
            args.eval
                .found
                .as_ref()
                .map_or("posture.toml".into(), |c| c.source.name.clone())
        )?;
    }
    // GitHub's renderer is kept by its type: its step summary is taken out after the run.
    let github =
        (args.output.format == render::Format::Github).then(|| render::Github::new(&rubric));
    let boxed = args.output.renderer(&rubric);
    let renderer: &dyn render::Renderer = match &github {
        Some(g) => g,
        None => &*boxed,
    };

    // Reports are rendered as they are graded and, for JSON, written at once: the pipeline
    // keeps only league rows and what the format asked of each report.
    let mut unscored = failed;
    let mut sink = Sink::open(&args.output, out)?;
    let max = args.eval.max_file_size;
    let mut skipped = |s: pipeline::Skipped| -> io::Result<()> {
        unscored += 1;
        report_skipped(s, err)
    };
    let mut stale = Vec::new();
    let below = if one {
        let single = pipeline::single(&rubric, &files[0], &opts, max, &mut skipped)?;
        match single {
            Some(report) => {
                for w in report.warnings.iter().filter(|_| !quiet) {
                    writeln!(err, "warning: {}: {w}", report.stamp.manifest.path)?;
                }
                renderer.report(&report, &mut sink)?;
                stale = report
                    .waivers
                    .iter()
                    .filter(|w| w.status != crate::core::report::WaiverStatus::Applied)
                    .map(|w| {
                        let what = match (&w.control, &w.gate) {
                            (Some(c), _) => format!("control {}", c.0),
                            (_, Some(g)) => format!("gate {}", g.0),
                            _ => String::new(),
                        };
                        format!(
                            "{} {what} is {}: {}",
                            w.protocol,
                            w.status.as_str(),
                            w.changed
                        )
                    })
                    .collect();
                if let Some(c) = &config {
                    for w in c
                        .waivers
                        .0
                        .iter()
                        .filter(|w| w.protocol != report.protocol.id)
                    {
                        writeln!(
                            err,
                            "note: {}: a waiver for protocol `{}` does not name the protocol graded ({})",
                            c.stamp.path, w.protocol, report.protocol.id
                        )?;
                    }
                }
                let below = fail_under
                    .as_ref()
                    .is_some_and(|bar| report.grade.rank > bar.rank);
                if below {
                    vec![(report.protocol.id, report.grade)]
                } else {
                    Vec::new()
                }
            }
            None => Vec::new(),
        }
    } else {
        pipeline::league(
            &rubric,
            &files,
            &opts,
            max,
            renderer,
            args.full,
            fail_under.as_ref(),
            &mut sink,
            &mut skipped,
        )?
    };
    sink.finish()?;
    if let Some(g) = &github {
        step_summary(&g.take_summary())?;
    }

    if unscored > 0 {
        writeln!(
            err,
            "error: {unscored} of {} files could not be scored",
            files.len().max(unscored)
        )?;
        return Ok(exit::BAD_INPUT);
    }
    let below: Vec<String> = below
        .iter()
        .map(|(id, grade)| format!("{id} ({grade})"))
        .collect();
    let mut code = exit::OK;
    if args.strict && !stale.is_empty() {
        for s in &stale {
            writeln!(err, "strict: waiver {s}")?;
        }
        code = exit::GATE;
    }
    if let Some(bar) = fail_under
        && !below.is_empty()
    {
        writeln!(
            err,
            "fail-under {bar}: {} graded below: {}",
            below.len(),
            below.join(", ")
        )?;
        return Ok(exit::GATE);
    }
    Ok(code)
}

/// Appends the GitHub step summary to the file `GITHUB_STEP_SUMMARY` names, when it names one
/// (the runner sets it in every step): the one environment variable posture reads.
fn step_summary(markdown: &[u8]) -> io::Result<()> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let path = PathBuf::from(path);
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(markdown))
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "cannot append the step summary to GITHUB_STEP_SUMMARY={}: {e}",
                    path.display()
                ),
            )
        })
}

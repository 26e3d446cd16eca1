//! `posture score`: one manifest gives a full report, many a league table.

use super::common::*;
use crate::core::report::Report;
use crate::pipeline::{self};
use crate::render::{self};
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
    /// Exit 1 when any protocol grades below this grade.
    #[arg(long, value_name = "GRADE")]
    pub fail_under: Option<String>,
    /// With many manifests, put every full report in the JSON league, not only its table
    /// (csv and html always carry them; table and markdown show the league table).
    #[arg(long)]
    pub full: bool,
}

pub(crate) fn run(args: &ScoreArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    let Some(rubric) = load_rubric(&args.eval.rubric, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let Ok(fail_under) = grade_flag(&rubric, "--fail-under", args.fail_under.as_deref(), err)?
    else {
        return Ok(exit::BAD_INPUT);
    };
    let Some(edits) = parse_edits(&args.set, err)? else {
        return Ok(exit::BAD_INPUT);
    };

    let (files, failed) = expand_paths(&args.paths, err)?;
    if files.is_empty() && failed == 0 {
        writeln!(err, "error: no .toml manifests found in the given paths")?;
        return Ok(exit::BAD_INPUT);
    }
    let opts = options(&args.eval, edits);
    let renderer = render::renderer(args.output.format);
    let one = args.paths.len() == 1 && files.len() == 1;
    let full = args.full;

    // Reports are rendered as they are graded and, for JSON, written at once: only league rows
    // are kept, so memory grows with the rows, not the reports. (CSV and HTML put reports in
    // league order, so they keep each one's rendering until the league is ranked.)
    let mut unscored = failed;
    let mut rows = Vec::with_capacity(files.len());
    let mut sink = Sink::open(&args.output, out)?;
    let max = args.eval.max_file_size;
    if one {
        let mut single = None;
        let prepare = Report::clone;
        pipeline::grade(&rubric, &files, &opts, max, Some(&prepare), |graded| {
            if let Some((row, report)) = graded_report(graded, &mut unscored, err)? {
                rows.push(row);
                single = report;
            }
            Ok::<_, io::Error>(())
        })?;
        if let Some(report) = &single {
            for w in &report.warnings {
                writeln!(err, "warning: {}: {w}", report.stamp.manifest.path)?;
            }
            renderer.report(report, &mut sink)?;
        }
    } else {
        let stamp = crate::core::analysis::league::LeagueStamp {
            tool: crate::core::report::tool(),
            rubric: crate::core::report::rubric_stamp(&rubric),
        };
        let mut writer = renderer.league(&stamp, full, &mut sink);
        let prepare = |report: &Report| renderer.league_report(report, full);
        let prepare = renderer
            .league_needs_reports(full)
            .then_some(&prepare as &(dyn Fn(&Report) -> io::Result<render::Kept> + Sync));
        pipeline::grade(&rubric, &files, &opts, max, prepare, |graded| {
            if let Some((mut row, kept)) = graded_report(graded, &mut unscored, err)? {
                if full {
                    row.report = Some(row.graded);
                }
                rows.push(row);
                writer.take(kept.transpose()?.unwrap_or(render::Kept::Nothing))?;
            }
            Ok::<_, io::Error>(())
        })?;
        if !rows.is_empty() {
            let league =
                crate::core::analysis::league::League::new(&rubric, std::mem::take(&mut rows));
            writer.finish(&league)?;
            rows = league.rows;
        }
    }
    sink.finish()?;

    if unscored > 0 {
        writeln!(
            err,
            "error: {unscored} of {} files could not be scored",
            files.len().max(unscored)
        )?;
        return Ok(exit::BAD_INPUT);
    }
    let below: Vec<String> = fail_under.as_ref().map_or_else(Vec::new, |bar| {
        rows.iter()
            .filter(|r| r.grade.rank > bar.rank)
            .map(|r| format!("{} ({})", r.id, r.grade))
            .collect()
    });
    // Ten thousand rows and paths are milliseconds of freeing nobody waits for.
    pipeline::drop_in_background((files, rows));
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
    Ok(exit::OK)
}

//! `posture backtest`: grade each protocol the day before each of its incidents, against
//! time-matched controls; with `--rubric` repeated, compare rubrics on the same study.

use super::common::*;
use crate::core::analysis::backtest::Comparison;
use crate::core::date::Date;
use crate::core::rubric;
use crate::load;
use crate::pipeline::Options;
use crate::render::{self};
use clap::Args;
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Manifest files or folders of them (snapshots named id@date.toml).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// A built-in rubric id or a rubric file; repeat it to compare rubrics on the same study.
    #[arg(long, default_value = rubric::DEFAULT_ID)]
    pub rubric: Vec<String>,
    /// Refused: each case is graded as of the day before its incident (kept so the refusal
    /// can say so).
    #[arg(long, value_parser = parse_date, hide = true)]
    pub as_of: Option<Date>,
    /// Folder holding upstream manifests of forks (default: each manifest's folder).
    #[arg(long, value_name = "DIR")]
    pub protocols: Option<PathBuf>,
    /// Refuse manifest files larger than this many bytes.
    #[arg(long, default_value_t = load::DEFAULT_MAX_BYTES, value_name = "BYTES")]
    pub max_file_size: u64,
    #[command(flatten)]
    pub output: PageOutputArgs,
}

pub(crate) fn run(args: &BacktestArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    // Every case and its controls are graded as of the day before its incident: one date for
    // all of them would be a different study, so the flag is refused.
    if let Some(date) = args.as_of {
        writeln!(
            err,
            "error: `backtest` does not take --as-of ({date}): it grades each protocol as of the day before each of its incidents; to see one protocol on a date, run `posture score FILE --as-of {date}`"
        )?;
        return Ok(exit::BAD_INPUT);
    }
    let mut rubrics = Vec::new();
    for name in &args.rubric {
        let Some(r) = load_rubric(name, err)? else {
            return Ok(exit::BAD_INPUT);
        };
        rubrics.push(r);
    }
    let (_, loaded, failed) = load_paths(&args.paths, args.max_file_size, err)?;
    let opts = Options {
        as_of: None,
        protocols_dir: args.protocols.clone(),
        edits: Vec::new(),
        config: None,
    };
    let renderer = render::renderer(args.output.format.into());
    let mut buffer = Vec::new();
    if let [rubric] = &rubrics[..] {
        let result = crate::pipeline::backtest(rubric, &loaded, &opts);
        renderer.backtest(&result, &mut buffer)?;
    } else {
        let studies: Vec<_> = rubrics
            .iter()
            .map(|r| {
                (
                    format!("{}@{}", r.meta.id, r.meta.version),
                    crate::pipeline::backtest(r, &loaded, &opts),
                )
            })
            .collect();
        renderer.backtest_comparison(&Comparison::of(&studies), &mut buffer)?;
    }
    deliver(args.output.output.as_deref(), &buffer, out)?;
    Ok(if failed == 0 {
        exit::OK
    } else {
        exit::BAD_INPUT
    })
}

//! `posture backtest`: grade each protocol the day before each of its incidents.

use super::common::*;
use crate::render::{self};
use clap::Args;
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Manifest files or folders of them (snapshots named id@date.toml).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub eval: EvalArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub(crate) fn run(args: &BacktestArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    // Every case is graded as of the day before its incident and every control as of its own
    // snapshot: one date for all of them would be a different study, so the flag is refused.
    if let Some(date) = args.eval.as_of {
        writeln!(
            err,
            "error: `backtest` does not take --as-of ({date}): it grades each protocol as of the day before each of its incidents; to see one protocol on a date, run `posture score FILE --as-of {date}`"
        )?;
        return Ok(exit::BAD_INPUT);
    }
    let Some(rubric) = load_rubric(&args.eval.rubric, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let (_, loaded, failed) = load_paths(&args.paths, args.eval.max_file_size, err)?;
    let result = crate::pipeline::backtest(&rubric, &loaded, &options(&args.eval, Vec::new()));
    let mut buffer = Vec::new();
    render::renderer(args.output.format).backtest(&result, &mut buffer)?;
    deliver(&args.output, &buffer, out)?;
    Ok(if failed == 0 {
        exit::OK
    } else {
        exit::BAD_INPUT
    })
}

//! `posture diff`: what changed between two manifests, or one manifest at two dates.

use super::common::*;
use crate::core::date::Date;
use crate::pipeline::{self};
use crate::render::{self};
use clap::Args;
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier manifest.
    pub old: PathBuf,
    /// The later manifest (default: OLD again, compared at --from and --to).
    pub new: Option<PathBuf>,
    /// Evaluate OLD as of this date.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub from: Option<Date>,
    /// Evaluate NEW as of this date.
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub to: Option<Date>,
    #[command(flatten)]
    pub eval: EvalArgs,
    #[command(flatten)]
    pub output: PageOutputArgs,
    /// Exit 1 when the grade or the score went down.
    #[arg(long)]
    pub fail_on_regression: bool,
}

pub(crate) fn run(args: &DiffArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    if args.new.is_none() && (args.from.is_none() || args.to.is_none()) {
        writeln!(
            err,
            "error: give two manifests (posture diff OLD NEW), or one with --from DATE and --to DATE"
        )?;
        return Ok(exit::BAD_INPUT);
    }
    let Some(rubric) = load_rubric(&args.eval.rubric, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let Some(old) = load_single(&args.old, &args.eval, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let new = match &args.new {
        Some(p) => match load_single(p, &args.eval, err)? {
            Some(l) => l,
            None => return Ok(exit::BAD_INPUT),
        },
        None => old.clone(),
    };
    if old.manifest.protocol.id != new.manifest.protocol.id {
        writeln!(
            err,
            "warning: comparing two protocols ({} and {})",
            old.manifest.protocol.id, new.manifest.protocol.id
        )?;
    }
    let Ok(config) = config_in_use(&args.eval, &rubric, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let mut opts = options(&args.eval, Vec::new());
    opts.config = config;
    let both = [old, new];
    let upstreams = pipeline::Upstreams::of(&both, &opts);
    // Each side graded as `score` grades it on its date, the waivers of posture.toml applied.
    let report = |l: &pipeline::Loaded, date: Option<Date>| {
        let upstream = upstreams.of_manifest(&l.manifest);
        let opts = pipeline::Options {
            as_of: date.or(args.eval.as_of),
            ..opts.clone()
        };
        pipeline::evaluate_what_if(&rubric, l, &upstream, &opts)
    };
    let (old, new) = match (report(&both[0], args.from), report(&both[1], args.to)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(why), _) | (_, Err(why)) => {
            writeln!(err, "error: {why}")?;
            return Ok(exit::BAD_INPUT);
        }
    };
    let d = crate::core::analysis::diff::compare(&old, &new);
    let mut buffer = Vec::new();
    render::renderer(args.output.format.into()).diff(&d, &mut buffer)?;
    deliver(args.output.output.as_deref(), &buffer, out)?;
    Ok(if args.fail_on_regression && d.regression {
        exit::GATE
    } else {
        exit::OK
    })
}

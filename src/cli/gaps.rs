//! `posture gaps`: the remediation plan of one manifest, and the cheapest path to a target.

use super::common::*;
use crate::core::analysis::gaps;
use crate::core::analysis::whatif::{self};
use crate::pipeline::{self};
use crate::render::{self};
use clap::Args;
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct GapsArgs {
    /// One manifest file.
    pub manifest: PathBuf,
    #[command(flatten)]
    pub eval: EvalArgs,
    #[command(flatten)]
    pub output: PageOutputArgs,
    /// What-if: override a manifest field or a metric (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Plan the cheapest improvements that reach this grade; exit 1 when it is out of reach.
    #[arg(long, value_name = "GRADE")]
    pub target: Option<String>,
}

pub(crate) fn run(args: &GapsArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    let Some(rubric) = load_rubric(&args.eval.rubric, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let Ok(target) = grade_flag(&rubric, "--target", args.target.as_deref(), err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let Some(edits) = parse_edits(&args.set, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let Some(loaded) = load_single(&args.manifest, &args.eval, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let Ok(config) = config_in_use(&args.eval, &rubric, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let opts = options(&args.eval, Vec::new());
    let set = std::slice::from_ref(&loaded);
    let upstream = pipeline::Upstreams::of(set, &opts).of_manifest(&loaded.manifest);
    if let Err(why) = whatif::apply(&loaded.manifest, &edits) {
        writeln!(err, "error: {}: {why}", loaded.source.name)?;
        return Ok(exit::BAD_INPUT);
    }
    let mut plain = pipeline::evaluate_one(&rubric, &loaded, &upstream, args.eval.as_of);
    plain.stamp.config = config.as_ref().map(|c| c.stamp.clone());
    let waivers = config
        .as_deref()
        .map_or_else(Vec::new, |c| c.waivers.of(&loaded.manifest.protocol.id));
    let scorer = gaps::Scorer {
        rubric: &rubric,
        manifest: &loaded.manifest,
        as_of: plain.stamp.evaluated_as_of,
        upstream: upstream.metric(),
        base: edits,
        stamp: plain.stamp.clone(),
        waivers,
    };
    let Some(base) = scorer.score(&[]) else {
        return Ok(exit::BAD_INPUT);
    };
    let analysis = gaps::analyse(&scorer, &base, target.as_ref());
    let mut buffer = Vec::new();
    render::renderer(args.output.format.into()).gaps(&analysis, &mut buffer)?;
    deliver(args.output.output.as_deref(), &buffer, out)?;
    Ok(match &analysis.plan {
        Some(p) if !p.reached => exit::GATE,
        _ => exit::OK,
    })
}

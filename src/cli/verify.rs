//! `posture verify`: re-compute a JSON report from the inputs it names.

use super::common::*;
use clap::Args;
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A report made with `posture score --format json` (one report or a league).
    pub report: PathBuf,
    /// Read the manifests the report names from this folder (by file name).
    #[arg(long, value_name = "DIR")]
    pub protocols: Option<PathBuf>,
    /// Use this rubric (a built-in id or a file) instead of the built-in one the report names.
    #[arg(long)]
    pub rubric: Option<String>,
}

pub(crate) fn run(args: &VerifyArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    let name = args.report.display().to_string();
    let doc: serde_json::Value = match std::fs::read_to_string(&args.report)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => {
            writeln!(err, "error: cannot read {name} as a JSON report: {e}")?;
            return Ok(exit::BAD_INPUT);
        }
    };
    let mut code = exit::OK;
    for subject in crate::pipeline::verify::subjects(&doc) {
        let o = crate::pipeline::verify::verify(
            subject,
            args.protocols.as_deref(),
            args.rubric.as_deref(),
        );
        match o.verdict {
            crate::pipeline::verify::Verdict::Holds => {
                writeln!(out, "holds: {} ({})", o.protocol, o.manifest)?
            }
            crate::pipeline::verify::Verdict::Changed(what) => {
                writeln!(out, "changed: {} ({})", o.protocol, o.manifest)?;
                for w in what {
                    writeln!(out, "  {w}")?;
                }
                code = code.max(exit::GATE);
            }
            crate::pipeline::verify::Verdict::Unverifiable(why) => {
                writeln!(err, "error: {} ({}): {why}", o.protocol, o.manifest)?;
                code = exit::BAD_INPUT;
            }
        }
    }
    Ok(code)
}

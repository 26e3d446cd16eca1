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

pub(crate) fn run(
    args: &VerifyArgs,
    quiet: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let name = args.report.display().to_string();
    let doc: serde_json::Value =
        match crate::load::read(&args.report, crate::pipeline::verify::MAX_REPORT_BYTES)
            .map_err(|d| d.message)
            .and_then(|src| {
                serde_json::from_str(&src.text)
                    .map_err(|e| format!("{name}:{}:{}: {e}", e.line(), e.column()))
            }) {
            Ok(v) => v,
            Err(e) => {
                writeln!(err, "error: cannot read {name} as a JSON report: {e}")?;
                return Ok(exit::BAD_INPUT);
            }
        };
    let outcomes = match crate::pipeline::verify::verify_document(
        &doc,
        args.protocols.as_deref(),
        args.rubric.as_deref(),
    ) {
        Ok(o) => o,
        Err(why) => {
            writeln!(err, "error: {name}: {why}")?;
            return Ok(exit::BAD_INPUT);
        }
    };
    let mut code = exit::OK;
    for o in outcomes {
        for n in o.notes.iter().filter(|_| !quiet) {
            writeln!(err, "note: {}: {n}", o.protocol)?;
        }
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

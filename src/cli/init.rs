//! `posture init`: a commented manifest template for self-assessment.

use super::common::*;
use std::io::{self, Write};

/// The commented manifest template `posture init` prints.
pub const TEMPLATE: &str = include_str!("../../templates/manifest.toml");

pub(crate) fn run(
    output: Option<&std::path::Path>,
    quiet: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    match output {
        None => out.write_all(TEMPLATE.as_bytes())?,
        Some(path) => {
            if path.exists() {
                writeln!(
                    err,
                    "error: {} exists; posture init does not overwrite files",
                    path.display()
                )?;
                return Ok(exit::BAD_INPUT);
            }
            std::fs::write(path, TEMPLATE).map_err(|e| {
                io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
            })?;
            if quiet {
                return Ok(exit::OK);
            }
            writeln!(
                err,
                "wrote {}: fill it in, then run posture validate {}",
                path.display(),
                path.display()
            )?;
        }
    }
    Ok(exit::OK)
}

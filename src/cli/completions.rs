//! `posture completions SHELL` and `posture man`: shell completion scripts and the man page,
//! both generated from the one clap definition of the command line, so they never drift.

use super::Cli;
use clap::CommandFactory;
use std::io::{self, Write};

/// Writes the completion script for `shell` (bash, zsh, fish, powershell, elvish).
pub(crate) fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> io::Result<u8> {
    let mut cmd = Cli::command();
    // clap_complete cannot report a failed write; buffered, a closed pipe is reported as
    // any other write error is.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "posture", &mut script);
    out.write_all(&script)?;
    Ok(super::exit::OK)
}

/// Writes the man page (roff: NAME, SYNOPSIS, DESCRIPTION, OPTIONS, SUBCOMMANDS):
/// `posture man > posture.1`, or `posture man | man -l -`.
pub(crate) fn man(out: &mut dyn Write) -> io::Result<u8> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    out.write_all(&page)?;
    Ok(super::exit::OK)
}

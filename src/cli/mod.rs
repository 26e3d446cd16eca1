//! The command line: argument definitions and dispatch; each command lives in a file of its
//! own (`score.rs`, `gaps.rs`, ...) and shared flags and loading in `common.rs`. `main.rs`
//! only parses arguments and calls [`run`].

mod backtest;
mod badge;
mod common;
mod completions;
mod diff;
mod forecast;
mod gaps;
mod import;
mod init;
mod rubric;
mod schema;
mod score;
mod terminal;
mod validate;
mod verify;

use clap::{Parser, Subcommand};
use std::io::{self, Write};
use std::path::PathBuf;

pub use backtest::BacktestArgs;
pub use badge::{Badge, BadgeArgs, BadgeFormat, Colour};
pub use common::{EvalArgs, OutputArgs, PageFormat, PageOutputArgs};
pub use diff::DiffArgs;
pub use forecast::ForecastArgs;
pub use gaps::GapsArgs;
pub use import::{DefillamaArgs, ImportSource};
pub use init::TEMPLATE;
pub use rubric::{RubricAction, metrics_markdown};
pub use schema::SchemaKind;
pub use score::ScoreArgs;
pub use verify::VerifyArgs;

/// Exit codes: 0 done, 1 a gate the user asked for failed, 2 bad input or usage.
pub mod exit {
    pub const OK: u8 = 0;
    pub const GATE: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
}

#[derive(Debug, Parser)]
#[command(
    name = "posture",
    version,
    about = "Grade DeFi protocols' security posture from sourced manifests and declarative rubrics",
    after_help = "Exit codes: 0 done, 1 a gate you asked for failed (--fail-under, --target, --fail-on-regression, --fail-on-fall, --strict, a failing rubric test), 2 bad input or usage."
)]
pub struct Cli {
    /// Print only what was asked for and errors: no summaries, notes, warnings about dates
    /// or "wrote FILE" lines (errors are never silenced).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Grade manifests (files or folders): one gives a full report, many a league table.
    Score(ScoreArgs),
    /// The remediation plan of one manifest: every gap, what fixing it buys, and the cheapest
    /// path to a target grade.
    Gaps(GapsArgs),
    /// What changed between two manifests of a protocol, or one manifest at two dates.
    Diff(DiffArgs),
    /// The dates ahead on which a grade or a control changes with no new facts (a pause
    /// window expiring, a bounty ending, an audit ageing); for many manifests, the grades
    /// about to fall.
    Forecast(ForecastArgs),
    /// Grade each protocol the day before each of its incidents, against the protocols with no
    /// loss in the following year graded as of the same day: would the grade have warned?
    Backtest(BacktestArgs),
    /// Re-compute a JSON report from the inputs it names, check their hashes, and say whether
    /// it still holds (exit 0) or what changed (exit 1).
    Verify(VerifyArgs),
    /// Draft manifests and refresh TVL figures from a saved export of another source
    /// (no network: the file is read, never fetched).
    Import {
        #[command(subcommand)]
        source: ImportSource,
    },
    /// Print a commented manifest template for self-assessment.
    Init {
        /// Write the template to this file (refuses to overwrite).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Check manifests and rubrics (schema and semantics), reporting every error.
    Validate {
        /// Manifest or rubric files, or folders of them.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print the JSON Schema of a manifest, a rubric, posture.toml, a JSON report or a backtest.
    Schema {
        #[arg(value_enum)]
        kind: SchemaKind,
    },
    /// List, show or document rubrics and the metric catalogue.
    Rubric {
        #[command(subcommand)]
        action: RubricAction,
    },
    /// The grade as a self-contained SVG badge, or Shields endpoint JSON (`--format shields`).
    Badge(BadgeArgs),
    /// Print a shell completion script: `posture completions bash > /etc/bash_completion.d/posture`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `posture man > posture.1`.
    Man,
}

impl Command {
    /// Whether the command's standard output is text for people (a table, markdown, messages),
    /// not a document for programs (JSON, CSV, HTML), whose bytes must stay as made.
    fn writes_for_people(&self) -> bool {
        use crate::render::Format;
        let human = |f: Format| matches!(f, Format::Table | Format::Markdown | Format::Github);
        match self {
            Command::Score(a) => human(a.output.format),
            Command::Gaps(a) => human(a.output.format.into()),
            Command::Diff(a) => human(a.output.format.into()),
            Command::Forecast(a) => human(a.format.into()),
            Command::Backtest(a) => human(a.output.format.into()),
            Command::Schema { .. }
            | Command::Badge(_)
            | Command::Completions { .. }
            | Command::Man => false,
            Command::Verify(_)
            | Command::Import { .. }
            | Command::Init { .. }
            | Command::Validate { .. }
            | Command::Rubric { .. } => true,
        }
    }
}

/// Runs a parsed command line; returns the process exit code. Diagnostics, and output meant
/// for people, reach the terminal through [`terminal::Inert`].
pub fn run(mut cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let mut err = terminal::Inert::new(err);
    let err: &mut dyn Write = &mut err;
    // posture.toml and POSTURE_* variables fill in what the flags leave unsaid.
    let env = |name: &str| std::env::var(name).ok();
    let cwd = std::env::current_dir().ok();
    match common::configure_command(&mut cli.command, &env, cwd.as_deref(), err) {
        Ok(Ok(())) => {}
        Ok(Err(())) => return exit::BAD_INPUT,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return exit::BAD_INPUT;
        }
    }
    let mut filtered;
    let out: &mut dyn Write = if cli.command.writes_for_people() {
        filtered = terminal::Inert::new(out);
        &mut filtered
    } else {
        out
    };
    let quiet = cli.quiet;
    let result = match cli.command {
        Command::Score(args) => score::run(&args, quiet, out, err),
        Command::Gaps(args) => gaps::run(&args, out, err),
        Command::Diff(args) => diff::run(&args, out, err),
        Command::Forecast(args) => forecast::run(&args, out, err),
        Command::Backtest(args) => backtest::run(&args, out, err),
        Command::Verify(args) => verify::run(&args, quiet, out, err),
        Command::Import { source } => import::run(&source, out, err),
        Command::Init { output } => init::run(output.as_deref(), quiet, out, err),
        Command::Validate { paths } => validate::run(&paths, quiet, out, err),
        Command::Schema { kind } => schema::run(kind, out),
        Command::Rubric { action } => rubric::run(action, quiet, out, err),
        Command::Badge(args) => badge::run(&args, quiet, out, err),
        Command::Completions { shell } => completions::completions(shell, out),
        Command::Man => completions::man(out),
    };
    match result {
        Ok(code) => code,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            exit::BAD_INPUT
        }
    }
}

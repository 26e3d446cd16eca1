//! The command line: argument definitions and the commands behind them. `main.rs` only
//! parses arguments and calls [`run`].

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::date::Date;
use crate::diagnostics::{self, Diagnostic, did_you_mean};
use crate::load::{self, Source};
use crate::metrics;
use crate::render::{self, Format};
use crate::rubric::{self, Rubric};
use crate::schema;
use crate::score::{self, Options};

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
    after_help = "Exit codes: 0 done, 1 a gate you asked for failed (--fail-under), 2 bad input or usage."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Grade manifests (files or folders): one gives a full report, many a league table.
    Score(ScoreArgs),
    /// Check manifests and rubrics (schema and semantics), reporting every error.
    Validate {
        /// Manifest or rubric files, or folders of them.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print the JSON Schema of a manifest, a rubric or a JSON report.
    Schema {
        #[arg(value_enum)]
        kind: SchemaKind,
    },
    /// List, show or document rubrics and the metric catalogue.
    Rubric {
        #[command(subcommand)]
        action: RubricAction,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaKind {
    Manifest,
    Rubric,
    Report,
}

#[derive(Debug, Subcommand)]
pub enum RubricAction {
    /// The built-in rubrics.
    List,
    /// A rubric's categories, controls and gates, with the metrics they use.
    Show {
        /// A built-in id or a rubric file.
        rubric: String,
    },
    /// Every metric in the catalogue, as Markdown.
    Metrics,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Manifest files or folders of them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// A built-in rubric id or a rubric file.
    #[arg(long, default_value = rubric::DEFAULT_ID)]
    pub rubric: String,
    /// Evaluate as of this date (YYYY-MM-DD) instead of each manifest's `as_of`.
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<Date>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write the output to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Exit 1 when any protocol grades below this grade.
    #[arg(long, value_name = "GRADE")]
    pub fail_under: Option<String>,
    /// Folder holding upstream manifests of forks (default: each manifest's folder).
    #[arg(long, value_name = "DIR")]
    pub protocols: Option<PathBuf>,
    /// Refuse manifest files larger than this many bytes.
    #[arg(long, default_value_t = load::DEFAULT_MAX_BYTES, value_name = "BYTES")]
    pub max_file_size: u64,
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
}

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let result = match cli.command {
        Command::Score(args) => score(&args, out, err),
        Command::Validate { paths } => validate(&paths, out, err),
        Command::Schema { kind } => {
            let kind = match kind {
                SchemaKind::Manifest => schema::Kind::Manifest,
                SchemaKind::Rubric => schema::Kind::Rubric,
                SchemaKind::Report => schema::Kind::Report,
            };
            out.write_all(schema::text(kind).as_bytes())
                .map(|_| exit::OK)
        }
        Command::Rubric { action } => rubric_cmd(action, out, err),
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

fn emit(err: &mut dyn Write, diags: &[Diagnostic], text: Option<&str>) -> io::Result<()> {
    diagnostics::emit(err, diags, text)
}

fn load_rubric(name: &str, err: &mut dyn Write) -> io::Result<Option<Rubric>> {
    match load::rubric_by_name(name) {
        Ok((r, _)) => Ok(Some(r)),
        Err(diags) => {
            let text = std::fs::read_to_string(name).ok();
            emit(err, &diags, text.as_deref())?;
            Ok(None)
        }
    }
}

fn score(args: &ScoreArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    let Some(rubric) = load_rubric(&args.rubric, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let fail_under = match &args.fail_under {
        None => None,
        Some(label) => match rubric.scale.parse(label) {
            Some(g) => Some(g),
            None => {
                let labels = rubric.scale.labels();
                let mut d = Diagnostic::file_error(
                    "--fail-under",
                    format!("`{label}` is not a grade of rubric {}", rubric.meta.id),
                );
                d.help = did_you_mean(label, &labels, "grades");
                emit(err, &[d], None)?;
                return Ok(exit::BAD_INPUT);
            }
        },
    };

    let mut files = Vec::new();
    let mut failed = Vec::new();
    for p in &args.paths {
        match load::expand(p) {
            Ok(mut f) => files.append(&mut f),
            Err(d) => failed.push(score::Failed {
                text: None,
                diagnostics: vec![d],
            }),
        }
    }
    let (loaded, mut bad) = score::load_all(&files, args.max_file_size);
    failed.append(&mut bad);
    for f in &failed {
        emit(err, &f.diagnostics, f.text.as_deref())?;
    }
    if files.is_empty() && failed.is_empty() {
        writeln!(err, "error: no .toml manifests found in the given paths")?;
        return Ok(exit::BAD_INPUT);
    }

    let opts = Options {
        as_of: args.as_of,
        protocols_dir: args.protocols.clone(),
    };
    let reports = score::evaluate_all(&rubric, &loaded, &opts);
    let renderer = render::renderer(args.format);
    let mut buffer = Vec::new();
    if reports.len() == 1 && args.paths.len() == 1 && files.len() == 1 {
        renderer.report(&reports[0], &mut buffer)?;
    } else if !reports.is_empty() {
        renderer.league(&reports, &mut buffer)?;
    }
    match &args.output {
        Some(path) => std::fs::write(path, &buffer).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
        })?,
        None => out.write_all(&buffer)?,
    }

    if !failed.is_empty() {
        writeln!(
            err,
            "error: {} of {} files could not be scored",
            failed.len(),
            files.len().max(failed.len())
        )?;
        return Ok(exit::BAD_INPUT);
    }
    if let Some(bar) = fail_under {
        let below: Vec<String> = reports
            .iter()
            .filter(|r| r.grade.rank > bar.rank)
            .map(|r| format!("{} ({})", r.protocol.id, r.grade))
            .collect();
        if !below.is_empty() {
            writeln!(
                err,
                "fail-under {bar}: {} graded below: {}",
                below.len(),
                below.join(", ")
            )?;
            return Ok(exit::GATE);
        }
    }
    Ok(exit::OK)
}

fn validate(paths: &[PathBuf], out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    let mut files = Vec::new();
    let mut errors = 0usize;
    for p in paths {
        match load::expand(p) {
            Ok(mut f) => files.append(&mut f),
            Err(d) => {
                emit(err, &[d], None)?;
                errors += 1;
            }
        }
    }
    let mut valid = 0usize;
    for path in &files {
        let src = match load::read(path, load::DEFAULT_MAX_BYTES) {
            Ok(s) => s,
            Err(d) => {
                emit(err, &[d], None)?;
                errors += 1;
                continue;
            }
        };
        let result = if load::looks_like_rubric(&src.text) {
            load::rubric(&src).map(|_| "rubric")
        } else {
            load::manifest(&src).map(|_| "manifest")
        };
        match result {
            Ok(kind) => {
                valid += 1;
                writeln!(out, "ok: {} ({kind})", src.name)?;
            }
            Err(diags) => {
                emit(err, &diags, Some(&src.text))?;
                errors += 1;
            }
        }
    }
    writeln!(out, "{valid} valid, {errors} invalid")?;
    Ok(if errors > 0 {
        exit::BAD_INPUT
    } else {
        exit::OK
    })
}

fn rubric_cmd(action: RubricAction, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    match action {
        RubricAction::List => {
            for (id, text) in rubric::BUILTIN {
                let src = Source::new(*id, *text);
                match load::rubric(&src) {
                    Ok(r) => writeln!(out, "{id}\t{}\t{}", r.meta.version, r.meta.title)?,
                    Err(d) => emit(err, &d, Some(text))?,
                }
            }
            Ok(exit::OK)
        }
        RubricAction::Show { rubric } => {
            let Some(r) = load_rubric(&rubric, err)? else {
                return Ok(exit::BAD_INPUT);
            };
            show_rubric(&r, out)?;
            Ok(exit::OK)
        }
        RubricAction::Metrics => {
            out.write_all(metrics_markdown().as_bytes())?;
            Ok(exit::OK)
        }
    }
}

fn show_rubric(r: &Rubric, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{} {}: {}", r.meta.id, r.meta.version, r.meta.title)?;
    if !r.meta.description.is_empty() {
        writeln!(out, "{}", r.meta.description.trim())?;
    }
    let scale: Vec<String> = r
        .scale
        .labels()
        .iter()
        .filter_map(|l| r.scale.parse(l))
        .map(|g| format!("{} >= {}", g, r.scale.min_of(&g)))
        .collect();
    writeln!(out, "\nGrades: {}", scale.join(", "))?;
    writeln!(out, "Self-attested facts count at {}x.", r.self_attested)?;
    for (k, cat) in r.categories.iter().enumerate() {
        writeln!(out, "\n[{}] {} (weight {})", cat.id, cat.title, cat.weight)?;
        for c in r.controls.iter().filter(|c| c.category == k) {
            let m = metrics::def(c.metric);
            writeln!(out, "  {} (weight {}): {}", c.id, c.weight, c.title)?;
            writeln!(out, "    metric {}: {}", m.name, m.description)?;
            if let Some(na) = c.not_applicable_when {
                writeln!(out, "    not applicable when {}", metrics::def(na).name)?;
            }
        }
    }
    writeln!(out, "\nGates:")?;
    for g in &r.gates {
        let conds: Vec<String> = g.when_any.iter().map(ToString::to_string).collect();
        writeln!(out, "  {} caps at {}: {}", g.id, g.cap, g.title)?;
        writeln!(out, "    fails when any: {}", conds.join("; "))?;
    }
    Ok(())
}

/// The catalogue as a Markdown table; the README embeds the same text.
pub fn metrics_markdown() -> String {
    let mut s = String::from("| metric | kind | meaning |\n|---|---|---|\n");
    for m in metrics::CATALOGUE {
        s.push_str(&format!(
            "| `{}` | {} | {} |\n",
            m.name,
            m.kind.describe(),
            m.description
        ));
    }
    s
}

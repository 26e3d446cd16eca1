//! The command line: argument definitions and the commands behind them. `main.rs` only
//! parses arguments and calls [`run`].

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::core::analysis::gaps;
use crate::core::analysis::whatif::{self, Edit};
use crate::core::date::Date;
use crate::core::metrics;
use crate::core::report::Report;
use crate::core::rubric::{self, Grade, Rubric};
use crate::core::schema;
use crate::load::diagnostics::{self, Diagnostic, did_you_mean};
use crate::load::{self, Source};
use crate::pipeline::{self, Options};
use crate::render::{self, Format};

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
    after_help = "Exit codes: 0 done, 1 a gate you asked for failed (--fail-under, --target, --fail-on-regression), 2 bad input or usage."
)]
pub struct Cli {
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
    /// Grade each protocol the day before each of its incidents, against protocols with no
    /// recorded loss: would the grade have warned?
    Backtest(BacktestArgs),
    /// Re-compute a JSON report from the inputs it names, check their hashes, and say whether
    /// it still holds (exit 0) or what changed (exit 1).
    Verify(VerifyArgs),
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
    /// Check a rubric file: errors (exit 2) and warnings (legal but probably not meant).
    Lint {
        /// A rubric file (or a built-in id).
        rubric: String,
    },
}

/// Options shared by every command that evaluates.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A built-in rubric id or a rubric file.
    #[arg(long, default_value = rubric::DEFAULT_ID)]
    pub rubric: String,
    /// Evaluate as of this date (YYYY-MM-DD) instead of each manifest's `as_of`.
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<Date>,
    /// Folder holding upstream manifests of forks (default: each manifest's folder).
    #[arg(long, value_name = "DIR")]
    pub protocols: Option<PathBuf>,
    /// Refuse manifest files larger than this many bytes.
    #[arg(long, default_value_t = load::DEFAULT_MAX_BYTES, value_name = "BYTES")]
    pub max_file_size: u64,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write the output to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Manifest files or folders of them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub eval: EvalArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// What-if: override a manifest field or a metric (repeatable), e.g. timelock.delay_hours=48.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Exit 1 when any protocol grades below this grade.
    #[arg(long, value_name = "GRADE")]
    pub fail_under: Option<String>,
    /// With many manifests, put every full report in the JSON league, not only its table
    /// (csv and html always carry them; table and markdown show the league table).
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Args)]
pub struct GapsArgs {
    /// One manifest file.
    pub manifest: PathBuf,
    #[command(flatten)]
    pub eval: EvalArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// What-if: override a manifest field or a metric (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// Plan the cheapest improvements that reach this grade; exit 1 when it is out of reach.
    #[arg(long, value_name = "GRADE")]
    pub target: Option<String>,
}

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
    pub output: OutputArgs,
    /// Exit 1 when the grade or the score went down.
    #[arg(long)]
    pub fail_on_regression: bool,
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
}

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let result = match cli.command {
        Command::Score(args) => score(&args, out, err),
        Command::Gaps(args) => gaps(&args, out, err),
        Command::Diff(args) => diff(&args, out, err),
        Command::Backtest(args) => backtest(&args, out, err),
        Command::Verify(args) => verify(&args, out, err),
        Command::Init { output } => init(output.as_deref(), out, err),
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

/// A rubric's text by built-in id or path, reporting why it cannot be had.
fn rubric_source(name: &str, err: &mut dyn Write) -> io::Result<Option<Source>> {
    match load::rubric_source(name) {
        Ok(src) => Ok(Some(src)),
        Err(d) => {
            emit(err, &[d], None)?;
            Ok(None)
        }
    }
}

fn load_rubric(name: &str, err: &mut dyn Write) -> io::Result<Option<Rubric>> {
    let Some(src) = rubric_source(name, err)? else {
        return Ok(None);
    };
    match load::rubric(&src) {
        Ok(r) => Ok(Some(r)),
        Err(diags) => {
            emit(err, &diags, Some(&src.text))?;
            Ok(None)
        }
    }
}

/// Parses `--set` arguments; reports the first bad one.
fn parse_edits(sets: &[String], err: &mut dyn Write) -> io::Result<Option<Vec<Edit>>> {
    let mut edits = Vec::new();
    for s in sets {
        match Edit::parse(s) {
            Ok(e) => edits.push(e),
            Err(why) => {
                writeln!(err, "error: {why}")?;
                return Ok(None);
            }
        }
    }
    Ok(Some(edits))
}

/// A grade flag's value on the rubric's scale: `Ok(None)` when the flag is absent, `Err(())`
/// once a label that is not on the scale has been reported with the labels that exist.
fn grade_flag(
    rubric: &Rubric,
    flag: &str,
    label: Option<&str>,
    err: &mut dyn Write,
) -> io::Result<Result<Option<Grade>, ()>> {
    let Some(label) = label else {
        return Ok(Ok(None));
    };
    if let Some(g) = rubric.scale.parse(label) {
        return Ok(Ok(Some(g)));
    }
    let mut d = Diagnostic::file_error(
        flag,
        format!("`{label}` is not a grade of rubric {}", rubric.meta.id),
    );
    d.help = did_you_mean(label, &rubric.scale.labels(), "grades");
    emit(err, &[d], None)?;
    Ok(Err(()))
}

/// Writes rendered bytes to `-o FILE` or standard output. Small results are rendered first, so
/// a format that cannot render them leaves no empty file behind; `score` streams instead.
fn deliver(output: &OutputArgs, bytes: &[u8], out: &mut dyn Write) -> io::Result<()> {
    match &output.output {
        Some(path) => std::fs::write(path, bytes)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))),
        None => out.write_all(bytes),
    }
}

/// Where streamed output goes: standard output; for `-o FILE`, a temporary file beside FILE
/// that becomes FILE only once the run completes, so a failed run never leaves half a report;
/// or, when FILE is not a plain file (`/dev/null`, a pipe, a link), FILE itself.
enum Target<'a> {
    Stdout(&'a mut dyn Write),
    File(tempfile::NamedTempFile, PathBuf),
    Special(std::fs::File),
}

impl Write for Target<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Target::Stdout(w) => w.write(buf),
            Target::File(f, _) => f.write(buf),
            Target::Special(f) => f.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Target::Stdout(w) => w.flush(),
            Target::File(f, _) => f.flush(),
            Target::Special(f) => f.flush(),
        }
    }
}

/// Output written as it is rendered, buffered; [`Sink::finish`] puts a file in place.
struct Sink<'a>(io::BufWriter<Target<'a>>);

impl<'a> Sink<'a> {
    fn open(output: &OutputArgs, out: &'a mut dyn Write) -> io::Result<Self> {
        let cannot = |path: &std::path::Path, e: io::Error| {
            io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
        };
        let target = match &output.output {
            // Renaming over a device or a link would replace it: write to it instead.
            Some(path) if std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_file()) => {
                Target::Special(std::fs::File::create(path).map_err(|e| cannot(path, e))?)
            }
            Some(path) => {
                let dir = match path.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => std::path::Path::new("."),
                };
                let mut builder = tempfile::Builder::new();
                // As `File::create` would: readable by others unless the umask says otherwise.
                #[cfg(unix)]
                builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
                let file = builder.tempfile_in(dir).map_err(|e| cannot(path, e))?;
                Target::File(file, path.clone())
            }
            None => Target::Stdout(out),
        };
        Ok(Self(io::BufWriter::with_capacity(1 << 16, target)))
    }

    fn finish(self) -> io::Result<()> {
        match self
            .0
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?
        {
            Target::Stdout(w) => w.flush(),
            Target::Special(mut f) => f.flush(),
            Target::File(file, path) => file.persist(&path).map(drop).map_err(|e| {
                io::Error::new(
                    e.error.kind(),
                    format!("cannot write {}: {}", path.display(), e.error),
                )
            }),
        }
    }
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// The manifest among `files` that `-o` would overwrite, if any.
fn overwritten_input<'a>(output: &OutputArgs, files: &'a [PathBuf]) -> Option<&'a PathBuf> {
    let out = output.output.as_ref()?.canonicalize().ok()?;
    files
        .iter()
        .filter(|f| f.file_name() == out.file_name())
        .find(|f| f.canonicalize().is_ok_and(|c| c == out))
}

fn options(eval: &EvalArgs, edits: Vec<Edit>) -> Options {
    Options {
        as_of: eval.as_of,
        protocols_dir: eval.protocols.clone(),
        edits,
    }
}

/// Loads one manifest file, reporting its problems.
fn load_single(
    path: &std::path::Path,
    eval: &EvalArgs,
    err: &mut dyn Write,
) -> io::Result<Option<pipeline::Loaded>> {
    match pipeline::load_one(path, eval.max_file_size) {
        Ok(l) => Ok(Some(l)),
        Err(f) => {
            emit(err, &f.diagnostics, f.text.as_deref())?;
            Ok(None)
        }
    }
}

fn score(args: &ScoreArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    let Some(rubric) = load_rubric(&args.eval.rubric, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let Ok(fail_under) = grade_flag(&rubric, "--fail-under", args.fail_under.as_deref(), err)?
    else {
        return Ok(exit::BAD_INPUT);
    };
    let Some(edits) = parse_edits(&args.set, err)? else {
        return Ok(exit::BAD_INPUT);
    };

    let (files, failed) = expand_paths(&args.paths, err)?;
    if files.is_empty() && failed == 0 {
        writeln!(err, "error: no .toml manifests found in the given paths")?;
        return Ok(exit::BAD_INPUT);
    }
    let opts = options(&args.eval, edits);
    let renderer = render::renderer(args.output.format);
    let one = args.paths.len() == 1 && files.len() == 1;
    let full = args.full;

    // Reports are rendered as they are graded and, for JSON, written at once: only league rows
    // are kept, so memory grows with the rows, not the reports. (CSV and HTML put reports in
    // league order, so they keep each one's rendering until the league is ranked.)
    let mut unscored = failed;
    let mut rows = Vec::with_capacity(files.len());
    if let Some(input) = overwritten_input(&args.output, &files) {
        writeln!(
            err,
            "error: -o {} would overwrite a manifest being scored; write the report elsewhere",
            input.display()
        )?;
        return Ok(exit::BAD_INPUT);
    }
    let mut sink = Sink::open(&args.output, out)?;
    let max = args.eval.max_file_size;
    if one {
        let mut single = None;
        let prepare = Report::clone;
        pipeline::grade(&rubric, &files, &opts, max, Some(&prepare), |graded| {
            if let Some((row, report)) = graded_report(graded, &mut unscored, err)? {
                rows.push(row);
                single = report;
            }
            Ok::<_, io::Error>(())
        })?;
        if let Some(report) = &single {
            renderer.report(report, &mut sink)?;
        }
    } else {
        let stamp = crate::core::analysis::league::LeagueStamp {
            tool: crate::core::report::tool(),
            rubric: crate::core::report::rubric_stamp(&rubric),
        };
        let mut writer = renderer.league(&stamp, full, &mut sink);
        let prepare = |report: &Report| renderer.league_report(report, full);
        let prepare = renderer
            .league_needs_reports(full)
            .then_some(&prepare as &(dyn Fn(&Report) -> io::Result<render::Kept> + Sync));
        pipeline::grade(&rubric, &files, &opts, max, prepare, |graded| {
            if let Some((mut row, kept)) = graded_report(graded, &mut unscored, err)? {
                if full {
                    row.report = Some(row.graded);
                }
                rows.push(row);
                writer.take(kept.transpose()?.unwrap_or(render::Kept::Nothing))?;
            }
            Ok::<_, io::Error>(())
        })?;
        if !rows.is_empty() {
            let league =
                crate::core::analysis::league::League::new(&rubric, std::mem::take(&mut rows));
            writer.finish(&league)?;
            rows = league.rows;
        }
    }
    sink.finish()?;

    if unscored > 0 {
        writeln!(
            err,
            "error: {unscored} of {} files could not be scored",
            files.len().max(unscored)
        )?;
        return Ok(exit::BAD_INPUT);
    }
    let below: Vec<String> = fail_under.as_ref().map_or_else(Vec::new, |bar| {
        rows.iter()
            .filter(|r| r.grade.rank > bar.rank)
            .map(|r| format!("{} ({})", r.id, r.grade))
            .collect()
    });
    // Ten thousand rows and paths are milliseconds of freeing nobody waits for.
    pipeline::drop_in_background((files, rows));
    if let Some(bar) = fail_under
        && !below.is_empty()
    {
        writeln!(
            err,
            "fail-under {bar}: {} graded below: {}",
            below.len(),
            below.join(", ")
        )?;
        return Ok(exit::GATE);
    }
    Ok(exit::OK)
}

fn gaps(args: &GapsArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
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
    let opts = options(&args.eval, Vec::new());
    let set = std::slice::from_ref(&loaded);
    let upstream = pipeline::Upstreams::of(set, &opts).of_manifest(&loaded.manifest);
    if let Err(why) = whatif::apply(&loaded.manifest, &edits) {
        writeln!(err, "error: {}: {why}", loaded.source.name)?;
        return Ok(exit::BAD_INPUT);
    }
    let plain = pipeline::evaluate_one(&rubric, &loaded, &upstream, args.eval.as_of);
    let scorer = gaps::Scorer {
        rubric: &rubric,
        manifest: &loaded.manifest,
        as_of: plain.stamp.evaluated_as_of,
        upstream: upstream.metric(),
        base: edits,
        stamp: plain.stamp.clone(),
    };
    let Some(base) = scorer.score(&[]) else {
        return Ok(exit::BAD_INPUT);
    };
    let analysis = gaps::analyse(&scorer, &base, target.as_ref());
    let mut buffer = Vec::new();
    render::renderer(args.output.format).gaps(&analysis, &mut buffer)?;
    deliver(&args.output, &buffer, out)?;
    Ok(match &analysis.plan {
        Some(p) if !p.reached => exit::GATE,
        _ => exit::OK,
    })
}

fn diff(args: &DiffArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
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
    let opts = options(&args.eval, Vec::new());
    let both = [old, new];
    let upstreams = pipeline::Upstreams::of(&both, &opts);
    let report = |l: &pipeline::Loaded, date: Option<Date>| {
        let upstream = upstreams.of_manifest(&l.manifest);
        pipeline::evaluate_one(&rubric, l, &upstream, date.or(args.eval.as_of))
    };
    let d = crate::core::analysis::diff::compare(
        &report(&both[0], args.from),
        &report(&both[1], args.to),
    );
    let mut buffer = Vec::new();
    render::renderer(args.output.format).diff(&d, &mut buffer)?;
    deliver(&args.output, &buffer, out)?;
    Ok(if args.fail_on_regression && d.regression {
        exit::GATE
    } else {
        exit::OK
    })
}

/// Loads every manifest under `paths`, reporting the ones that fail.
/// A graded file's report, or `None` after reporting why the file has none.
fn graded_report<P>(
    graded: pipeline::Graded<P>,
    unscored: &mut usize,
    err: &mut dyn Write,
) -> io::Result<Option<(crate::core::analysis::league::LeagueRow, Option<P>)>> {
    match graded {
        pipeline::Graded::Report(row, p) => return Ok(Some((row, p))),
        pipeline::Graded::Failed(f) => emit(err, &f.diagnostics, f.text.as_deref())?,
        pipeline::Graded::Refused(r) => writeln!(err, "error: {}: {}", r.file, r.reason)?,
    }
    *unscored += 1;
    Ok(None)
}

/// The manifest files the paths name (folders expanded), and how many paths could not be read,
/// each reported.
fn expand_paths(paths: &[PathBuf], err: &mut dyn Write) -> io::Result<(Vec<PathBuf>, usize)> {
    let mut files = Vec::new();
    let mut failed = 0;
    for p in paths {
        match load::expand(p) {
            Ok(mut f) => files.append(&mut f),
            Err(d) => {
                failed += 1;
                emit(err, &[d], None)?;
            }
        }
    }
    Ok((files, failed))
}

/// Loads every file the paths name, reporting the ones that fail.
fn load_paths(
    paths: &[PathBuf],
    max_bytes: u64,
    err: &mut dyn Write,
) -> io::Result<(Vec<PathBuf>, Vec<pipeline::Loaded>, usize)> {
    let (files, mut failed) = expand_paths(paths, err)?;
    let (loaded, bad) = pipeline::load_all(&files, max_bytes);
    failed += bad.len();
    for f in &bad {
        emit(err, &f.diagnostics, f.text.as_deref())?;
    }
    Ok((files, loaded, failed))
}

fn backtest(args: &BacktestArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
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

fn verify(args: &VerifyArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
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

/// The commented manifest template `posture init` prints.
pub const TEMPLATE: &str = include_str!("../../templates/manifest.toml");

fn init(
    output: Option<&std::path::Path>,
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
    // Checked in parallel a chunk at a time, reported in file order; standard output is
    // buffered, and flushed before each diagnostic so the two streams stay in order.
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    for chunk in files.chunks(256) {
        use rayon::prelude::*;
        let checked: Vec<_> = chunk
            .par_iter()
            .map(|path| {
                load::read(path, load::DEFAULT_MAX_BYTES).map(|src| {
                    let result = if load::looks_like_rubric(&src.text) {
                        load::rubric(&src).map(|_| "rubric")
                    } else {
                        load::manifest(&src).map(|_| "manifest")
                    };
                    (src, result)
                })
            })
            .collect();
        for c in checked {
            match c {
                Err(d) => {
                    out.flush()?;
                    emit(err, &[d], None)?;
                    errors += 1;
                }
                Ok((src, Ok(kind))) => {
                    valid += 1;
                    writeln!(out, "ok: {} ({kind})", src.name)?;
                }
                Ok((src, Err(diags))) => {
                    out.flush()?;
                    emit(err, &diags, Some(&src.text))?;
                    errors += 1;
                }
            }
        }
    }
    writeln!(out, "{valid} valid, {errors} invalid")?;
    out.flush()?;
    Ok(if errors > 0 {
        exit::BAD_INPUT
    } else {
        exit::OK
    })
}

fn rubric_cmd(action: RubricAction, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    match action {
        RubricAction::List => {
            for (id, _) in rubric::BUILTIN {
                if let Some(r) = load_rubric(id, err)? {
                    writeln!(out, "{id}\t{}\t{}", r.meta.version, r.meta.title)?;
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
        RubricAction::Lint { rubric } => lint(&rubric, out, err),
    }
}

fn lint(name: &str, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    let Some(src) = rubric_source(name, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    match load::lint_rubric(&src) {
        Ok((r, warnings)) => {
            emit(err, &warnings, Some(&src.text))?;
            writeln!(
                out,
                "{} {}: 0 errors, {} warnings",
                r.meta.id,
                r.meta.version,
                warnings.len()
            )?;
            Ok(exit::OK)
        }
        Err(diags) => {
            let errors = diags.iter().filter(|d| d.is_error()).count();
            emit(err, &diags, Some(&src.text))?;
            writeln!(out, "{}: {errors} errors", src.name)?;
            Ok(exit::BAD_INPUT)
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

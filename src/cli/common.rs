//! What the commands share: evaluation and output flags, loading rubrics and manifests with
//! their diagnostics, and writing output (atomically with `-o`).

pub(crate) use super::exit;

use crate::core::analysis::whatif::Edit;
use crate::core::date::Date;
use crate::core::rubric::{self, Grade, Rubric};
use crate::load::diagnostics::{self, Diagnostic, did_you_mean};
use crate::load::{self, Source, config};
use crate::pipeline::{self, Options};
use crate::render::Format;
use clap::Args;
use std::io::{self, Write};
use std::path::PathBuf;

/// Options shared by every command that evaluates.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A built-in rubric id or a rubric file [default: defi-baseline, or posture.toml's
    /// `rubric`; env: POSTURE_RUBRIC].
    #[arg(long = "rubric", value_name = "RUBRIC")]
    rubric_flag: Option<String>,
    /// The rubric in effect once flags, `POSTURE_RUBRIC` and `posture.toml` are resolved.
    #[arg(skip = rubric::DEFAULT_ID.to_string())]
    pub rubric: String,
    /// Evaluate as of this date (YYYY-MM-DD) instead of each manifest's `as_of`.
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<Date>,
    /// Folder holding upstream manifests of forks (default: each manifest's folder, or
    /// posture.toml's `protocols`; env: POSTURE_PROTOCOLS).
    #[arg(long, value_name = "DIR")]
    pub protocols: Option<PathBuf>,
    /// Refuse manifest files larger than this many bytes.
    #[arg(long, default_value_t = load::DEFAULT_MAX_BYTES, value_name = "BYTES")]
    pub max_file_size: u64,
    /// Read defaults and waivers from this file instead of the posture.toml found in the
    /// working folder or above it (up to the repository root).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Read no posture.toml.
    #[arg(long)]
    pub no_config: bool,
    /// The config file read, once resolved.
    #[arg(skip)]
    pub found: Option<std::sync::Arc<config::Config>>,
}

/// Output flags of `score`, the one command that also writes CSV.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format: a terminal table, JSON (`posture schema report`), Markdown for forum
    /// posts, one self-contained HTML page, CSV (a row per protocol and per control), SARIF
    /// or GitHub annotations [default: table, or posture.toml's `format`; env: POSTURE_FORMAT].
    #[arg(long = "format", value_enum, value_name = "FORMAT")]
    format_flag: Option<Format>,
    /// The format in effect once flags, `POSTURE_FORMAT` and `posture.toml` are resolved.
    #[arg(skip = Format::Table)]
    pub format: Format,
    /// Write the output to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// With --format table: let a report's tables be as wide as their contents (by default
    /// they fit 100 columns, wrapping long notes).
    #[arg(long)]
    pub wide: bool,
}

impl OutputArgs {
    /// The renderer of the chosen format, a table as wide as `--wide` says; the CI formats
    /// name the rubric's rules.
    pub(crate) fn renderer(&self, rubric: &Rubric) -> Box<dyn crate::render::Renderer> {
        match self.format {
            Format::Table => Box::new(crate::render::Table { wide: self.wide }),
            other => crate::render::renderer_for(other, rubric),
        }
    }
}

/// Output flags of `gaps`, `diff` and `backtest`: their results have no CSV form, so clap
/// refuses `--format csv` and their help lists only the formats they write.
#[derive(Debug, Args)]
pub struct PageOutputArgs {
    /// Output format: a terminal table, JSON, Markdown for forum posts, or one
    /// self-contained HTML page [default: table, or posture.toml's `format`; env:
    /// POSTURE_FORMAT].
    #[arg(long = "format", value_enum, value_name = "FORMAT")]
    format_flag: Option<PageFormat>,
    /// The format in effect once flags, `POSTURE_FORMAT` and `posture.toml` are resolved.
    #[arg(skip = PageFormat::Table)]
    pub format: PageFormat,
    /// Write the output to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// The formats of every command but `score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PageFormat {
    Table,
    Json,
    Markdown,
    Html,
}

impl From<PageFormat> for Format {
    fn from(f: PageFormat) -> Self {
        match f {
            PageFormat::Table => Format::Table,
            PageFormat::Json => Format::Json,
            PageFormat::Markdown => Format::Markdown,
            PageFormat::Html => Format::Html,
        }
    }
}

pub(crate) fn parse_date(s: &str) -> Result<Date, crate::core::date::DateError> {
    s.parse()
}

pub(crate) fn emit(
    err: &mut dyn Write,
    diags: &[Diagnostic],
    text: Option<&str>,
) -> io::Result<()> {
    diagnostics::emit(err, diags, text)
}

/// A rubric's text by built-in id or path, reporting why it cannot be had.
pub(crate) fn rubric_source(name: &str, err: &mut dyn Write) -> io::Result<Option<Source>> {
    match load::rubric_source(name) {
        Ok(src) => Ok(Some(src)),
        Err(d) => {
            emit(err, &[d], None)?;
            Ok(None)
        }
    }
}

pub(crate) fn load_rubric(name: &str, err: &mut dyn Write) -> io::Result<Option<Rubric>> {
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
pub(crate) fn parse_edits(sets: &[String], err: &mut dyn Write) -> io::Result<Option<Vec<Edit>>> {
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
pub(crate) fn grade_flag(
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

/// Writes rendered bytes to `-o FILE` (as [`Sink`] does) or standard output. Small results are
/// rendered first, so a format that cannot render them leaves no empty file behind.
pub(crate) fn deliver(
    output: Option<&std::path::Path>,
    bytes: &[u8],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut sink = Sink::to(output, out)?;
    sink.write_all(bytes)?;
    sink.finish()
}

/// Where output goes: standard output; for `-o FILE`, a temporary file beside the file FILE
/// names (links followed) that replaces it only once the run completes, so a failed run never
/// leaves half a report and an input is never truncated before it is read; or, when FILE is
/// not a regular file (`/dev/null`, a pipe), FILE itself.
pub(crate) enum Target<'a> {
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
pub(crate) struct Sink<'a>(io::BufWriter<Target<'a>>);

fn cannot_write(path: &std::path::Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
}

impl<'a> Sink<'a> {
    pub(crate) fn open(output: &OutputArgs, out: &'a mut dyn Write) -> io::Result<Self> {
        Self::to(output.output.as_deref(), out)
    }

    /// Output to `path`, or to `out` when there is none.
    pub(crate) fn to(path: Option<&std::path::Path>, out: &'a mut dyn Write) -> io::Result<Self> {
        let target = match path {
            None => Target::Stdout(out),
            Some(path) => match std::fs::metadata(path) {
                // A device or a pipe is written to as it is; it cannot be an input (only
                // regular files are read).
                Ok(meta) if !meta.is_file() => {
                    Target::Special(std::fs::File::create(path).map_err(|e| cannot_write(path, e))?)
                }
                // An existing file is replaced where it really is: through a link, the file
                // the link names.
                Ok(_) => {
                    let real = path.canonicalize().map_err(|e| cannot_write(path, e))?;
                    Target::File(temp_beside(&real)?, real)
                }
                Err(_) => Target::File(temp_beside(path)?, path.to_path_buf()),
            },
        };
        Ok(Self(io::BufWriter::with_capacity(1 << 16, target)))
    }

    /// Flushes, and puts `-o FILE` in place unless FILE is a file this command read.
    pub(crate) fn finish(self) -> io::Result<()> {
        match self
            .0
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?
        {
            Target::Stdout(w) => w.flush(),
            Target::Special(mut f) => f.flush(),
            Target::File(file, path) => {
                if load::was_read(&path) {
                    return Err(io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        format!(
                            "-o {} would replace a file this command read (a manifest, an upstream, a rubric or a file it extends), under this or another name; it is left as it was: write the output elsewhere",
                            path.display()
                        ),
                    ));
                }
                file.persist(&path)
                    .map(drop)
                    .map_err(|e| cannot_write(&path, e.error))
            }
        }
    }
}

/// A temporary file in the folder of `path`, readable by others unless the umask says
/// otherwise (as `File::create` would make it).
fn temp_beside(path: &std::path::Path) -> io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder.tempfile_in(dir).map_err(|e| cannot_write(path, e))
}

impl Write for Sink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

pub(crate) fn options(eval: &EvalArgs, edits: Vec<Edit>) -> Options {
    Options {
        as_of: eval.as_of,
        protocols_dir: eval.protocols.clone(),
        edits,
        config: None,
    }
}

/// Where a setting's value came from, for messages that name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// Not set anywhere: the built-in default.
    #[default]
    Default,
    /// A command-line flag.
    Flag,
    /// A `POSTURE_*` environment variable.
    Env,
    /// `posture.toml`.
    File,
}

/// The first of flag, environment variable and config value that is set, and where it came
/// from: flags win over `POSTURE_*` variables, which win over `posture.toml`.
pub(crate) fn layered<T>(flag: Option<T>, env: Option<T>, file: Option<T>) -> (Option<T>, Origin) {
    match (flag, env, file) {
        (Some(v), _, _) => (Some(v), Origin::Flag),
        (None, Some(v), _) => (Some(v), Origin::Env),
        (None, None, Some(v)) => (Some(v), Origin::File),
        (None, None, None) => (None, Origin::Default),
    }
}

/// Looks up an environment variable (the real environment, or a test's).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Finds and reads the config (unless `--no-config`), then settles the rubric, the protocols
/// folder and the output format: flag, else `POSTURE_*` variable, else the file, else the
/// default. `Err(())` once a problem has been reported.
pub(crate) fn configure(
    eval: &mut EvalArgs,
    output: Option<&mut dyn ChosenFormat>,
    env: Env,
    cwd: Option<&std::path::Path>,
    err: &mut dyn Write,
) -> io::Result<Result<(), ()>> {
    let path = match (&eval.config, eval.no_config) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => None,
        (None, false) => cwd.and_then(config::discover),
    };
    let found = match path {
        None => None,
        Some(p) => match config::read(&p) {
            Ok(c) => Some(std::sync::Arc::new(c)),
            Err((text, diags)) => {
                emit(err, &diags, text.as_deref())?;
                return Ok(Err(()));
            }
        },
    };
    let file = found.as_deref();
    let (rubric, _) = layered(
        eval.rubric_flag.clone(),
        env("POSTURE_RUBRIC"),
        file.and_then(|c| {
            let name = c.file.rubric.as_deref()?;
            // A file beside the config is read from there; otherwise it is a built-in id.
            let beside = config::relative(c, name);
            Some(if beside.is_file() {
                beside.display().to_string()
            } else {
                name.to_string()
            })
        }),
    );
    eval.rubric = rubric.unwrap_or_else(|| rubric::DEFAULT_ID.to_string());
    let (protocols, _) = layered(
        eval.protocols.clone(),
        env("POSTURE_PROTOCOLS").map(PathBuf::from),
        file.and_then(|c| Some(config::relative(c, c.file.protocols.as_deref()?))),
    );
    eval.protocols = protocols;
    if let Some(output) = output
        && output.settle(env, file, err)?.is_err()
    {
        return Ok(Err(()));
    }
    eval.found = found;
    Ok(Ok(()))
}

/// Output flags whose format can come from `POSTURE_FORMAT` or `posture.toml`.
pub(crate) trait ChosenFormat {
    /// Puts the format in effect in place (see [`settle_format`]).
    fn settle(
        &mut self,
        env: Env,
        file: Option<&config::Config>,
        err: &mut dyn Write,
    ) -> io::Result<Result<(), ()>>;
}

impl ChosenFormat for OutputArgs {
    fn settle(
        &mut self,
        env: Env,
        file: Option<&config::Config>,
        err: &mut dyn Write,
    ) -> io::Result<Result<(), ()>> {
        settle_format(self.format_flag, &mut self.format, env, file, err)
    }
}

impl ChosenFormat for PageOutputArgs {
    fn settle(
        &mut self,
        env: Env,
        file: Option<&config::Config>,
        err: &mut dyn Write,
    ) -> io::Result<Result<(), ()>> {
        settle_format(self.format_flag, &mut self.format, env, file, err)
    }
}

/// The output format: `--format`, else `POSTURE_FORMAT`, else the config's `format`, else a
/// table. `Err(())` once a value that is no format has been reported.
pub(crate) fn settle_format<F: clap::ValueEnum + Copy>(
    flag: Option<F>,
    slot: &mut F,
    env: Env,
    file: Option<&config::Config>,
    err: &mut dyn Write,
) -> io::Result<Result<(), ()>> {
    let env_format = match env("POSTURE_FORMAT") {
        None => None,
        Some(v) => match format_named::<F>(&v) {
            Some(f) => Some(f),
            None => {
                let mut d = Diagnostic::file_error(
                    "POSTURE_FORMAT",
                    format!("POSTURE_FORMAT={v} is not an output format of this command"),
                );
                d.help = format_help::<F>(&v);
                emit(err, &[d], None)?;
                return Ok(Err(()));
            }
        },
    };
    let file_format = match file.and_then(|c| Some((c, c.file.format.as_deref()?))) {
        None => None,
        Some((c, v)) => match format_named::<F>(v) {
            Some(f) => Some(f),
            None => {
                let problem = crate::core::problem::Problem::error(
                    crate::core::problem::FieldPath::root().key("format"),
                    format!("`{v}` is not an output format of this command"),
                )
                .with_help(format_help::<F>(v));
                if let Err(diags) = config::located(c, &[problem]) {
                    emit(err, &diags, Some(&c.source.text))?;
                }
                return Ok(Err(()));
            }
        },
    };
    let (format, _) = layered(flag, env_format, file_format);
    if let Some(f) = format {
        *slot = f;
    }
    Ok(Ok(()))
}

/// The nearest format name to a misspelled one, among the command's formats.
fn format_help<F: clap::ValueEnum>(wrong: &str) -> Option<String> {
    let names: Vec<String> = F::value_variants()
        .iter()
        .filter_map(|f| f.to_possible_value())
        .map(|v| v.get_name().to_string())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    did_you_mean(wrong, &names, "formats")
}

fn format_named<F: clap::ValueEnum>(name: &str) -> Option<F> {
    F::from_str(name, false).ok()
}

/// The config's waivers checked against the rubric (`max_waiver_days`), with the file's stamp,
/// as the pipeline applies them. `Err(())` once a waiver that is too long has been reported.
pub(crate) fn config_in_use(
    eval: &EvalArgs,
    rubric: &Rubric,
    err: &mut dyn Write,
) -> io::Result<Result<Option<std::sync::Arc<pipeline::Config>>, ()>> {
    let Some(c) = eval.found.as_deref() else {
        return Ok(Ok(None));
    };
    match config::waivers(c, rubric.max_waiver_days) {
        Ok(waivers) => Ok(Ok(Some(std::sync::Arc::new(pipeline::Config {
            stamp: crate::core::report::ConfigStamp {
                path: c.source.name.clone(),
                sha256: c.source.sha256().to_string(),
            },
            waivers,
        })))),
        Err(diags) => {
            emit(err, &diags, Some(&c.source.text))?;
            Ok(Err(()))
        }
    }
}

/// Loads one manifest file, reporting its problems.
pub(crate) fn load_single(
    path: &std::path::Path,
    eval: &EvalArgs,
    err: &mut dyn Write,
) -> io::Result<Option<pipeline::Loaded>> {
    match pipeline::load_one(path, eval.max_file_size) {
        Ok(l) => Ok(Some(l)),
        Err(f) => {
            emit_failed(err, &f)?;
            Ok(None)
        }
    }
}

/// Reports why a manifest did not load. A rubric given where a manifest goes would draw a
/// dozen "unknown key" errors; one line saying what it is, and where it goes, serves better.
pub(crate) fn emit_failed(err: &mut dyn Write, f: &pipeline::Failed) -> io::Result<()> {
    let file = f.diagnostics.first().map(|d| d.file.clone());
    if let (Some(text), Some(file)) = (f.text.as_deref(), file)
        && load::looks_like_rubric(text)
    {
        let mut d = Diagnostic::file_error(
            &file,
            format!("{file} looks like a rubric (it has a [rubric] table), not a manifest"),
        );
        d.help = Some(format!(
            "to grade with it, use --rubric {file} and give manifests to grade"
        ));
        return emit(err, &[d], None);
    }
    emit(err, &f.diagnostics, f.text.as_deref())
}

/// Reports why a file was left out of a league.
pub(crate) fn report_skipped(skipped: pipeline::Skipped, err: &mut dyn Write) -> io::Result<()> {
    match skipped {
        pipeline::Skipped::Failed(f) => emit_failed(err, &f),
        pipeline::Skipped::Refused(r) => writeln!(err, "error: {}: {}", r.file, r.reason),
    }
}

/// The manifest files the paths name (folders expanded), in path order, and how many could not
/// be listed, each reported.
pub(crate) fn expand_paths(
    paths: &[PathBuf],
    err: &mut dyn Write,
) -> io::Result<(Vec<PathBuf>, usize)> {
    let mut files = Vec::new();
    let mut failed = 0;
    for p in paths {
        let (mut found, problems) = load::expand(p);
        files.append(&mut found);
        failed += problems.len();
        for d in problems {
            emit(err, &[d], None)?;
        }
    }
    // Path order, whatever order the paths were given in: the same set makes the same output.
    // One path is listed in path order already, and sorting ten thousand paths is not free.
    if paths.len() > 1 {
        files.sort();
    }
    Ok((files, failed))
}

/// Loads every file the paths name, reporting the ones that fail.
pub(crate) fn load_paths(
    paths: &[PathBuf],
    max_bytes: u64,
    err: &mut dyn Write,
) -> io::Result<(Vec<PathBuf>, Vec<pipeline::Loaded>, usize)> {
    let (files, mut failed) = expand_paths(paths, err)?;
    let (loaded, bad) = pipeline::load_all(&files, max_bytes);
    failed += bad.len();
    for f in &bad {
        emit_failed(err, f)?;
    }
    Ok((files, loaded, failed))
}

/// Settles every command's configurable flags before it runs (see [`configure`]); `score`'s
/// `--fail-under` also reads `POSTURE_FAIL_UNDER` and the file's `fail_under`.
pub(crate) fn configure_command(
    command: &mut super::Command,
    env: Env,
    cwd: Option<&std::path::Path>,
    err: &mut dyn Write,
) -> io::Result<Result<(), ()>> {
    use super::Command;
    match command {
        Command::Score(a) => {
            if configure(
                &mut a.eval,
                Some(&mut a.output as &mut dyn ChosenFormat),
                env,
                cwd,
                err,
            )?
            .is_err()
            {
                return Ok(Err(()));
            }
            let file = a
                .eval
                .found
                .as_deref()
                .and_then(|c| c.file.fail_under.clone());
            let (bar, origin) = layered(a.fail_under.take(), env("POSTURE_FAIL_UNDER"), file);
            a.fail_under = bar;
            a.fail_under_origin = origin;
            Ok(Ok(()))
        }
        Command::Gaps(a) => configure(
            &mut a.eval,
            Some(&mut a.output as &mut dyn ChosenFormat),
            env,
            cwd,
            err,
        ),
        Command::Diff(a) => configure(
            &mut a.eval,
            Some(&mut a.output as &mut dyn ChosenFormat),
            env,
            cwd,
            err,
        ),
        // Their formats are their own: the config gives them rubric and protocols.
        Command::Forecast(a) => configure(&mut a.eval, None, env, cwd, err),
        Command::Badge(a) => configure(&mut a.eval, None, env, cwd, err),
        // Backtest takes no --config: the format alone comes from the posture.toml found.
        Command::Backtest(a) => {
            let found = match cwd.and_then(config::discover) {
                None => None,
                Some(p) => match config::read(&p) {
                    Ok(c) => Some(c),
                    Err((text, diags)) => {
                        emit(err, &diags, text.as_deref())?;
                        return Ok(Err(()));
                    }
                },
            };
            a.output.settle(env, found.as_ref(), err)
        }
        _ => Ok(Ok(())),
    }
}

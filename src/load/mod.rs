//! Loading: files into text, text into typed manifests and rubrics, with every problem
//! reported against the file's lines. The only module (with the CLI) that touches files.

pub mod config;
pub mod conformance;
pub mod defillama;
pub mod diagnostics;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::core::manifest::{FORMAT, Manifest};
use crate::core::report::TableLines;
use crate::core::rubric::{self, Origins, Rubric, RubricFile, RubricSource};
use crate::core::schema;
use crate::core::validate;
use crate::load::diagnostics::{
    Diagnostic, FieldPath, Problem, Segment, Severity, did_you_mean, nearest,
};

/// Files larger than this are refused unread: manifests are a few kilobytes.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 20;
/// Errors reported per file; past this a file is hopeless and the rest is counted, not shown.
pub const MAX_DIAGNOSTICS: usize = crate::core::problem::MAX_SHOWN;
/// Deepest nesting of tables and arrays accepted (the formats need 4).
pub const MAX_DEPTH: usize = 16;
/// Longest array accepted (a protocol with more audits than this is not a manifest).
pub const MAX_ARRAY: usize = 10_000;

/// A file's text with the name used in messages.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    /// The text, without a leading byte-order mark (so columns count from the first character).
    pub text: String,
    /// The file began with a byte-order mark: its hash still covers the bytes as written.
    bom: bool,
    /// The text's sha256, computed once: a fork's stamp and its own both need it.
    digest: OnceLock<String>,
    /// The line of each top-level table, noted while the manifest is parsed.
    tables: OnceLock<TableLines>,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
            bom: false,
            digest: OnceLock::new(),
            tables: OnceLock::new(),
        }
    }

    /// The line where each top-level table or key of the text starts (from the parse that
    /// loaded it, else from parsing again); empty for a text that does not parse.
    pub fn table_lines(&self) -> &TableLines {
        self.tables.get_or_init(|| {
            DeTable::parse(&self.text).map_or_else(
                |_| TableLines::default(),
                |tree| table_lines(&self.text, tree.get_ref()),
            )
        })
    }

    /// The same text under another name (a report's stamped path for a file read elsewhere).
    pub fn renamed(self, name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..self
        }
    }

    /// The sha256 of the file's bytes, in lowercase hex.
    pub fn sha256(&self) -> &str {
        self.digest.get_or_init(|| {
            if self.bom {
                sha256_hex(format!("{BOM}{}", self.text).as_bytes())
            } else {
                sha256_hex(self.text.as_bytes())
            }
        })
    }
}

const BOM: char = '\u{feff}';

pub fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in Sha256::digest(bytes) {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 0xf)] as char);
    }
    out
}

/// Reads a file as UTF-8 text. Only regular files are read (a FIFO would block forever, a
/// device never end), and never more than `max_bytes`, counted as read: a size the file
/// system reports can lie. Every file read is remembered, so `-o` can refuse to replace one.
pub fn read(path: &Path, max_bytes: u64) -> Result<Source, Diagnostic> {
    use std::io::Read;
    let name = path.display().to_string();
    let cannot =
        |e: std::io::Error| Diagnostic::file_error(&name, format!("cannot read {name}: {e}"));
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Opening a FIFO for reading waits for a writer unless told not to; the type check below
    // then refuses it.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file (a pipe, socket or device)"
        };
        return Err(Diagnostic::file_error(
            &name,
            format!("{name} is {what}: manifests and rubrics are read from regular files"),
        ));
    }
    let too_big = || {
        Diagnostic::file_error(
            &name,
            format!("{name} is over the {max_bytes}-byte limit: is it really a manifest?"),
        )
    };
    if meta.len() > max_bytes {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_big());
    }
    remember(&meta, path);
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        // The valid prefix is text: its lines and characters give the place of the bad byte.
        let prefix = std::str::from_utf8(valid).unwrap_or_default();
        let (line, column) = diagnostics::line_col(prefix, prefix.len());
        Diagnostic::file_error(
            &name,
            format!(
                "{name}:{line}:{column}: not UTF-8 text (an invalid byte here): manifests and rubrics are TOML text files, saved as UTF-8"
            ),
        )
    })?;
    let (text, bom) = match text.strip_prefix(BOM) {
        Some(rest) => (rest.to_string(), true),
        None => (text, false),
    };
    Ok(Source {
        bom,
        ..Source::new(name, text)
    })
}

/// The identities (device and inode) of every file read so far: a file is the same file
/// whatever path or link names it.
fn reads() -> &'static std::sync::Mutex<std::collections::HashSet<FileId>> {
    static READS: OnceLock<std::sync::Mutex<std::collections::HashSet<FileId>>> = OnceLock::new();
    READS.get_or_init(Default::default)
}

#[cfg(unix)]
type FileId = (u64, u64);
#[cfg(not(unix))]
type FileId = PathBuf;

#[cfg(unix)]
fn file_id(meta: &std::fs::Metadata, _path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_meta: &std::fs::Metadata, path: &Path) -> Option<FileId> {
    path.canonicalize().ok()
}

fn remember(meta: &std::fs::Metadata, path: &Path) {
    if let Some(id) = file_id(meta, path) {
        reads().lock().unwrap_or_else(|e| e.into_inner()).insert(id);
    }
}

/// Whether `path` (after following links) is a file this process has read: writing a report
/// there would destroy an input.
pub fn was_read(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    file_id(&meta, path).is_some_and(|id| {
        reads()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&id)
    })
}

/// How many folders deep `expand` goes: far more than any tree of manifests.
const MAX_FOLDER_DEPTH: usize = 32;

/// The `.toml` files under a path: the file itself, or a folder's, recursively, in path order
/// (hidden files and folders left out), with a problem for each part that cannot be listed: a
/// folder that links back to one above it is reported and the rest still listed.
pub fn expand(path: &Path) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let name = path.display().to_string();
    match std::fs::metadata(path) {
        Err(e) => {
            return (
                Vec::new(),
                vec![Diagnostic::file_error(
                    &name,
                    format!("cannot read {name}: {e}"),
                )],
            );
        }
        Ok(meta) if !meta.is_dir() => return (vec![path.to_path_buf()], Vec::new()),
        Ok(_) => {}
    }
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let walk = walkdir::WalkDir::new(path)
        .follow_links(true)
        .max_depth(MAX_FOLDER_DEPTH)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().as_encoded_bytes().starts_with(b"."));
    for entry in walk {
        match entry {
            Ok(e) if e.file_type().is_dir() => {
                if e.depth() == MAX_FOLDER_DEPTH {
                    problems.push(Diagnostic::file_error(
                        &e.path().display().to_string(),
                        format!(
                            "{} is more than {MAX_FOLDER_DEPTH} folders deep: not searched",
                            e.path().display()
                        ),
                    ));
                }
            }
            Ok(e) => {
                if e.path().extension().is_some_and(|x| x == "toml") {
                    files.push(e.into_path());
                }
            }
            Err(e) => {
                let at = e.path().unwrap_or(path).display().to_string();
                let message = match e.loop_ancestor() {
                    Some(up) => format!(
                        "{at} links back to {}, a folder above it: skipped (the other files are still read)",
                        up.display()
                    ),
                    None => format!("cannot list {at}: {e}"),
                };
                problems.push(Diagnostic::file_error(&at, message));
            }
        }
    }
    (files, problems)
}

/// True when a TOML text is a rubric (it has a top-level `[rubric]` table).
pub fn looks_like_rubric(text: &str) -> bool {
    // A `rubric` key is spelled out, or written with escapes in a quoted key (`"\u0072ubric"`):
    // a text with neither is no rubric, and a manifest is not parsed twice to learn that.
    if !text.contains("rubric") && !text.contains('\\') {
        return false;
    }
    DeTable::parse(text).is_ok_and(|t| t.get_ref().get("rubric").is_some())
}

/// What a manifest looks like, for a file that does not parse.
const MANIFEST_HINT: &str = "a manifest starts with `format = 1` and a [protocol] table";

/// The line of each top-level key of a parsed text: for `[timelock]` the header's line, for
/// `[[audits]]` the first entry's.
fn table_lines(text: &str, root: &DeTable) -> TableLines {
    let mut at: Vec<(usize, &str)> = root
        .iter()
        .map(|(k, _)| (k.span().start, k.get_ref().as_ref()))
        .collect();
    at.sort_unstable();
    // One pass over the text, however many tables.
    let (mut line, mut from) = (1u32, 0usize);
    let mut lines = std::collections::BTreeMap::new();
    for (offset, name) in at {
        let offset = offset.min(text.len());
        line += text.as_bytes()[from..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u32;
        from = offset;
        lines.entry(name.to_string()).or_insert(line);
    }
    TableLines(lines)
}

/// Parses, schema-checks, types and semantically checks a manifest.
pub fn manifest(src: &Source) -> Result<Manifest, Vec<Diagnostic>> {
    // A text that does not parse says so the same way on either path.
    let tree = parse_tree(src, MANIFEST_HINT).map_err(|d| bounded(src, d))?;
    // Every constraint of the manifest schema is also a type (required fields, enums, unknown
    // keys, integers, dates, versions), a semantic check (kebab-case names, money) or a table
    // where the schema wants one, so a file that reads and checks clean passes the schema:
    // checking it would only cost time. Its tables being where the schema has them also keeps
    // it within the limits (no deeper than the schema, lists checked for length). A file that
    // fails anything is read again the careful way, so its diagnostics come as they always
    // have. `schema::tests` and the fuzzer hold this to thousands of variants.
    let _ = src.tables.set(table_lines(&src.text, tree.get_ref()));
    if check_format(src, &tree).is_ok()
        && conformance::tables(schema::Kind::Manifest).hold(tree.get_ref(), MAX_ARRAY)
        && let Ok(m) = Manifest::deserialize(toml::de::Deserializer::from(tree))
    {
        let problems = validate::manifest(&m);
        if !problems.iter().any(|p| p.severity == Severity::Error) {
            return Ok(m);
        }
    }
    manifest_schema_first(src)
}

/// A manifest checked against its schema before it is read: the order that explains a bad file
/// best (a misspelled key is named as such before a missing field is).
pub fn manifest_schema_first(src: &Source) -> Result<Manifest, Vec<Diagnostic>> {
    let checked = || {
        let tree = manifest_tree(src)?;
        if let Err(mut errors) = schema_check(src, &tree, schema::Kind::Manifest) {
            // The parts the schema errors leave alone are still checked for sense, so one run
            // shows every problem, in the file's order.
            let semantic = salvaged_checks(src, &tree, &errors);
            if !semantic.is_empty() {
                errors.extend(semantic);
                errors.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
            }
            return Err(errors);
        }
        let m: Manifest = typed(src, tree)?;
        let problems = validate::manifest(&m);
        into_result(src, m, problems)
    };
    checked().map_err(|d| bounded(src, d))
}

/// The semantic problems of the parts of a manifest that the schema errors do not touch: each
/// top-level table, or entry of a list of tables, with no schema error inside it is kept, the
/// rest left out, and what remains is read and checked. Nothing is said when `[protocol]`
/// itself is broken (every date check needs its `as_of`), and no check is reported that
/// leaned on a part left out (a scope naming a component whose entry was left out).
fn salvaged_checks(
    src: &Source,
    tree: &Spanned<DeTable<'_>>,
    schema_errors: &[Diagnostic],
) -> Vec<Diagnostic> {
    let Some(part) = untouched(tree, schema_errors) else {
        return Vec::new();
    };
    if part
        .kept
        .left_out
        .iter()
        .any(|k| k == "protocol" || k == "format")
    {
        return Vec::new();
    }
    let Ok(m) = Manifest::deserialize(toml::de::Deserializer::from(part.tree.clone())) else {
        return Vec::new();
    };
    let left_out = &part.kept.left_out;
    let without = |table: &str| left_out.iter().any(|k| k == table);
    let problems: Vec<Problem> = validate::manifest(&m)
        .into_iter()
        .filter(|p| {
            let leans_on_components = matches!(
                &p.path.0[..],
                [_, _, Segment::Key(k), Segment::Index(_)] if k == "scope"
            ) || matches!(&p.path.0[..], [_, _, Segment::Key(k)] if k == "component");
            let leans_on_deployments = matches!(
                &p.path.0[..],
                [_, Segment::Key(k), Segment::Index(_)] if k == "chains"
            );
            !(leans_on_components && without("components")
                || leans_on_deployments && without("deployments"))
        })
        .map(|p| part.kept.in_file(p))
        .collect();
    locate_all(src, &problems)
}

/// A document without the parts that schema errors touch.
struct Untouched<'a> {
    tree: Spanned<DeTable<'a>>,
    kept: Kept,
}

/// What was left out of a document, to say where a problem of the rest is in the file.
#[derive(Debug, Default)]
struct Kept {
    /// Top-level keys left out, whole or some of their entries.
    left_out: Vec<String>,
    /// For each list of tables, the index in the file of each entry kept.
    indices: Vec<(String, Vec<usize>)>,
}

impl Kept {
    /// A path in the kept document as a path in the file.
    fn in_file(&self, mut p: Problem) -> Problem {
        if let [Segment::Key(k), Segment::Index(i), ..] = &mut p.path.0[..]
            && let Some((_, keep)) = self.indices.iter().find(|(name, _)| name == k)
            && let Some(&original) = keep.get(*i)
        {
            *i = original;
        }
        p
    }
}

/// Each top-level table, or entry of a list of tables, with no schema error inside it; `None`
/// when the errors touch nothing that could be left out.
fn untouched<'a>(
    tree: &Spanned<DeTable<'a>>,
    schema_errors: &[Diagnostic],
) -> Option<Untouched<'a>> {
    // A problem with a part is placed inside it, or at its key (a required key it lacks).
    let touched = |key: Option<Range<usize>>, part: &Spanned<DeValue>| {
        let Some(mut ext) = extent(part) else {
            return true;
        };
        if let Some(k) = key.filter(|k| !k.is_empty()) {
            ext = ext.start.min(k.start)..ext.end.max(k.end);
        }
        schema_errors.iter().any(|d| {
            d.span
                .as_ref()
                .is_none_or(|s| s.start >= ext.start && s.start < ext.end.max(ext.start + 1))
        })
    };
    let mut kept = DeTable::new();
    // For each list of tables, the index in the file of each entry kept.
    let mut indices: Vec<(String, Vec<usize>)> = Vec::new();
    let mut left_out: Vec<String> = Vec::new();
    for (key, value) in tree.get_ref() {
        let name = key.get_ref().to_string();
        match value.get_ref() {
            DeValue::Array(items) if items.iter().any(|v| v.get_ref().is_table()) => {
                let keep: Vec<usize> = (0..items.len())
                    .filter(|&i| !touched(None, &items[i]))
                    .collect();
                if keep.len() < items.len() {
                    left_out.push(name.clone());
                }
                if !keep.is_empty() {
                    let array = keep.iter().map(|&i| items[i].clone()).collect();
                    kept.insert(
                        key.clone(),
                        Spanned::new(value.span(), DeValue::Array(array)),
                    );
                }
                indices.push((name, keep));
            }
            _ if touched(Some(key.span()), value) => left_out.push(name),
            _ => {
                kept.insert(key.clone(), value.clone());
            }
        }
    }
    (!left_out.is_empty()).then(|| Untouched {
        tree: Spanned::new(tree.span(), kept),
        kept: Kept { left_out, indices },
    })
}

/// The bytes a value covers with everything inside it (keys included): a table's own span
/// may be empty or stop at its header.
fn extent(value: &Spanned<DeValue>) -> Option<Range<usize>> {
    let mut out: Option<Range<usize>> = Some(value.span()).filter(|s| !s.is_empty());
    let mut widen = |r: Option<Range<usize>>| {
        if let Some(r) = r {
            out = Some(match out.take() {
                Some(o) => o.start.min(r.start)..o.end.max(r.end),
                None => r,
            });
        }
    };
    match value.get_ref() {
        DeValue::Table(t) => {
            for (k, v) in t {
                widen(Some(k.span()).filter(|s| !s.is_empty()));
                widen(extent(v));
            }
        }
        DeValue::Array(a) => a.iter().for_each(|v| widen(extent(v))),
        _ => {}
    }
    out
}

/// At most [`MAX_DIAGNOSTICS`] diagnostics per file, then one line saying how many more: a
/// reader fixes the first ones first, and a file of a thousand errors prints in no time.
fn bounded(src: &Source, mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if diagnostics.len() > MAX_DIAGNOSTICS {
        let more = diagnostics.len() - MAX_DIAGNOSTICS;
        diagnostics.truncate(MAX_DIAGNOSTICS);
        diagnostics.push(Diagnostic::file_error(
            &src.name,
            format!(
                "... and {more} more errors in {}: fix these first",
                src.name
            ),
        ));
    }
    diagnostics
}

/// A manifest's TOML tree, within the limits and in a format this build reads.
fn manifest_tree(src: &Source) -> Result<Spanned<DeTable<'_>>, Vec<Diagnostic>> {
    let tree = parse_tree(src, MANIFEST_HINT)?;
    check_limits(src, &tree)?;
    check_format(src, &tree)?;
    Ok(tree)
}

/// A manifest in a format this build does not read is refused before anything else is said.
fn check_format(src: &Source, tree: &Spanned<DeTable>) -> Result<(), Vec<Diagnostic>> {
    if let Some(v) = tree.get_ref().get("format")
        && let Some(n) = v
            .get_ref()
            .as_integer()
            .and_then(|i| i.as_str().parse::<i64>().ok())
        && n != i64::from(FORMAT)
    {
        return Err(vec![at_span(
            src,
            v.span(),
            format!("unsupported manifest format {n}: this posture reads format {FORMAT}"),
            Some(format!("write `format = {FORMAT}`")),
        )]);
    }
    Ok(())
}

/// How many rubrics an `extends` chain may hold.
const MAX_EXTENDS: usize = 8;

/// Parses and checks a rubric, resolves its `extends` chain, then compiles it against the
/// metric catalogue. A rubric read from a file may extend built-ins or files in its folder.
pub fn rubric(src: &Source) -> Result<Rubric, Vec<Diagnostic>> {
    rubric_with_origins(src)
        .map(|(r, _)| r)
        .map_err(|d| bounded(src, d))
}

/// As [`rubric`], plus the lint warnings, located in the file.
pub fn lint_rubric(src: &Source) -> Result<(Rubric, Vec<Diagnostic>), Vec<Diagnostic>> {
    let (r, origins) = rubric_with_origins(src).map_err(|d| bounded(src, d))?;
    let warnings: Vec<Problem> = r.lint().into_iter().map(|p| origins.locate(p)).collect();
    let located = locate_all(src, &warnings);
    Ok((r, located))
}

fn rubric_with_origins(src: &Source) -> Result<(Rubric, Origins), Vec<Diagnostic>> {
    let path = Path::new(&src.name);
    // A file named without a folder (`r.toml`) has the empty path as its parent: the current
    // folder, which the empty path does not name.
    let dir = path.is_file().then(|| {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    });
    let mut chain = Vec::new();
    let (file, origins, sha, pending) = resolve_rubric(src, dir.as_deref(), &mut chain)?;
    let compiled = Rubric::compile(file, sha);
    let Some((mut errors, kept)) = pending else {
        return match compiled {
            Ok(r) => Ok((r, origins)),
            Err(problems) => {
                let mapped: Vec<Problem> =
                    problems.into_iter().map(|p| origins.locate(p)).collect();
                Err(locate_all(src, &mapped))
            }
        };
    };
    // A control or gate left out would be named as missing where another refers to it: with
    // any left out, only the problems of the others' own entries are given.
    let mapped: Vec<Problem> = compiled
        .err()
        .into_iter()
        .flatten()
        .map(|p| kept.in_file(origins.locate(p)))
        .filter(|p| {
            matches!(
                &p.path.0[..],
                [Segment::Key(k), Segment::Index(_), ..] if k == "controls" || k == "gates"
            ) && !(kept.left_out.iter().any(|k| k == "controls")
                && matches!(p.path.0.first(), Some(Segment::Key(k)) if k == "gates"))
        })
        .collect();
    errors.extend(locate_all(src, &mapped));
    errors.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
    Err(errors)
}

/// The identity of a rubric source for cycle detection: its canonical path, or its name.
fn identity(src: &Source) -> String {
    Path::new(&src.name)
        .canonicalize()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| src.name.clone())
}

/// A rubric's schema errors and what was left out to read the rest.
type Pending = Option<(Vec<Diagnostic>, Kept)>;

fn resolve_rubric(
    src: &Source,
    dir: Option<&Path>,
    chain: &mut Vec<String>,
) -> Result<(RubricFile, Origins, String, Pending), Vec<Diagnostic>> {
    let tree = parse_tree(src, "a rubric starts with a [rubric] table")?;
    check_limits(src, &tree)?;
    let (written, pending): (RubricSource, Pending) =
        match schema_check(src, &tree, schema::Kind::Rubric) {
            Ok(()) => (typed(src, tree)?, None),
            Err(errors) => {
                // The rubric named (not a base it extends) is read without the parts its
                // schema errors touch, so its compile errors can be given with them.
                let part = if chain.is_empty() {
                    untouched(&tree, &errors)
                } else {
                    None
                };
                let Some(part) = part.filter(|p| {
                    !p.kept
                        .left_out
                        .iter()
                        .any(|k| matches!(k.as_str(), "rubric" | "grades" | "categories"))
                }) else {
                    return Err(errors);
                };
                match RubricSource::deserialize(toml::de::Deserializer::from(part.tree)) {
                    Ok(w) => (w, Some((errors, part.kept))),
                    Err(_) => return Err(errors),
                }
            }
        };
    match resolve_written(src, written, dir, chain) {
        Ok((file, origins, sha)) => Ok((file, origins, sha, pending)),
        Err(mut more) => match pending {
            Some((mut errors, _)) => {
                errors.append(&mut more);
                errors.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
                Err(errors)
            }
            None => Err(more),
        },
    }
}

/// A read rubric with its `extends` chain resolved.
fn resolve_written(
    src: &Source,
    written: RubricSource,
    dir: Option<&Path>,
    chain: &mut Vec<String>,
) -> Result<(RubricFile, Origins, String), Vec<Diagnostic>> {
    let mut sha = src.sha256().to_string();
    chain.push(identity(src));
    let base = match written.rubric.extends.clone() {
        None => None,
        Some(name) => {
            let at = FieldPath::root().key("rubric").key("extends");
            let fail = |message: String, help: Option<String>| {
                locate_all(src, &[Problem::error(at.clone(), message).with_help(help)])
            };
            if chain.len() >= MAX_EXTENDS {
                return Err(fail(
                    format!("`extends` chains more than {MAX_EXTENDS} rubrics"),
                    None,
                ));
            }
            let ids: Vec<&str> = rubric::BUILTIN.iter().map(|(id, _)| *id).collect();
            let (base_src, base_dir) = match rubric::BUILTIN.iter().find(|(id, _)| *id == name) {
                Some((id, text)) => (Source::new(format!("<built-in rubric {id}>"), *text), None),
                None => {
                    let Some(dir) = dir else {
                        return Err(fail(
                            format!(
                                "no built-in rubric `{name}`: a built-in rubric extends only built-in ones"
                            ),
                            did_you_mean(&name, &ids, "built-in rubrics"),
                        ));
                    };
                    let rel = Path::new(&name);
                    let outside = rel.is_absolute()
                        || rel
                            .components()
                            .any(|c| matches!(c, std::path::Component::ParentDir));
                    let path = dir.join(rel);
                    let inside = match (dir.canonicalize(), path.canonicalize()) {
                        (Ok(d), Ok(p)) => Some(p.starts_with(d)),
                        _ => None,
                    };
                    if outside || inside == Some(false) {
                        return Err(fail(
                            format!("`extends = \"{name}\"` points outside this rubric's folder"),
                            Some("extend a built-in rubric id or a file next to this one".into()),
                        ));
                    }
                    if inside.is_none() {
                        return Err(fail(
                            format!("no built-in rubric `{name}` and no file {}", path.display()),
                            did_you_mean(&name, &ids, "built-in rubrics"),
                        ));
                    }
                    (
                        read(&path, DEFAULT_MAX_BYTES).map_err(|d| vec![d])?,
                        path.parent().map(Path::to_path_buf),
                    )
                }
            };
            if chain.contains(&identity(&base_src)) {
                return Err(fail(
                    format!(
                        "`extends` makes a cycle: {} extends {}, which leads back here",
                        src.name, base_src.name
                    ),
                    None,
                ));
            }
            let (file, _, base_sha, _) = resolve_rubric(&base_src, base_dir.as_deref(), chain)?;
            sha = sha256_hex(format!("{sha}\n{base_sha}").as_bytes());
            Some(file)
        }
    };
    let (file, origins) = written.resolve(base).map_err(|p| locate_all(src, &p))?;
    Ok((file, origins, sha))
}

/// A built-in rubric by id, or a rubric file by path.
pub fn rubric_by_name(name: &str) -> Result<(Rubric, Source), Vec<Diagnostic>> {
    let src = rubric_source(name).map_err(|d| vec![d])?;
    rubric(&src).map(|r| (r, src))
}

/// The text of a built-in rubric by id, or of a rubric file by path.
pub fn rubric_source(name: &str) -> Result<Source, Diagnostic> {
    if let Some((id, text)) = rubric::BUILTIN.iter().find(|(id, _)| *id == name) {
        return Ok(Source::new(format!("<built-in rubric {id}>"), *text));
    }
    let path = Path::new(name);
    if !path.exists() {
        let ids: Vec<&str> = rubric::BUILTIN.iter().map(|(id, _)| *id).collect();
        let mut d = Diagnostic::file_error(
            name,
            format!("no built-in rubric `{name}` and no such file"),
        );
        d.help = did_you_mean(name, &ids, "built-in rubrics");
        return Err(d);
    }
    read(path, DEFAULT_MAX_BYTES)
}

fn into_result<T>(src: &Source, value: T, problems: Vec<Problem>) -> Result<T, Vec<Diagnostic>> {
    if problems.iter().any(|p| p.severity == Severity::Error) {
        Err(locate_all(src, &problems))
    } else {
        Ok(value)
    }
}

fn parse_tree<'a>(
    src: &'a Source,
    empty_hint: &str,
) -> Result<Spanned<DeTable<'a>>, Vec<Diagnostic>> {
    if src.text.trim().is_empty() {
        return Err(vec![Diagnostic {
            help: Some(empty_hint.to_string()),
            ..Diagnostic::file_error(&src.name, format!("{} is empty", src.name))
        }]);
    }
    let (tree, errors) = DeTable::parse_recoverable(&src.text);
    if errors.is_empty() {
        return Ok(tree);
    }
    // All of them: the callers show the first [`MAX_DIAGNOSTICS`] and count the rest.
    let out: Vec<Diagnostic> = errors
        .iter()
        .map(|e| {
            let span = e.span().unwrap_or(0..0);
            // A date written another way is quoted whole, not from where the parser gave up.
            let hint = date_hint(&src.text, span.start);
            at_span(
                src,
                hint.as_ref().map_or(span, |(word, _)| word.clone()),
                format!("invalid TOML: {}", e.message().trim()),
                hint.map(|(_, h)| h),
            )
        })
        .collect();
    Err(out)
}

/// When the bare word at `at` looks like a date written another way (`2026/03/01`,
/// `2026.03.01`, `2026-3-1`), its span and how to write it: TOML reads only `YYYY-MM-DD` as a
/// date.
fn date_hint(text: &str, at: usize) -> Option<(Range<usize>, String)> {
    let date_char = |c: char| c.is_ascii_digit() || matches!(c, '/' | '.' | '-');
    let at = at.min(text.len());
    if !text.is_char_boundary(at) {
        return None;
    }
    let start = text[..at]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| date_char(c))
        .last()
        .map_or(at, |(i, _)| i);
    let end = text[at..]
        .find(|c: char| !date_char(c))
        .map_or(text.len(), |i| at + i);
    let word = &text[start..end];
    let parts: Vec<&str> = word.split(['/', '.', '-']).collect();
    let looks_like_date = parts.len() == 3
        && parts
            .iter()
            .all(|p| (1..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    if !looks_like_date {
        return None;
    }
    // The key is the word before the `=` in front of the value.
    let before = text[..start].trim_end().strip_suffix('=')?.trim_end();
    let key_start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '"' | '\'' | '.')))
        .map_or(0, |i| i + 1);
    let key = before[key_start..].rsplit('.').next().unwrap_or_default();
    let key = if key.is_empty() { "date" } else { key };
    let number = |p: &str| p.parse::<i16>().ok();
    let written = match (number(parts[0]), number(parts[1]), number(parts[2])) {
        (Some(y), Some(m), Some(d)) if parts[0].len() == 4 => i8::try_from(m)
            .ok()
            .zip(i8::try_from(d).ok())
            .and_then(|(m, d)| jiff::civil::Date::new(y, m, d).ok())
            .map(|date| date.to_string()),
        _ => None,
    };
    let help = match written {
        Some(date) => format!("dates are written YYYY-MM-DD, unquoted: {key} = {date}"),
        None => {
            format!("dates are written YYYY-MM-DD (year, month, day), unquoted: {key} = YYYY-MM-DD")
        }
    };
    Some((start..end, help))
}

/// Refuses documents nested deeper, or with longer arrays, than any real manifest or rubric,
/// before anything walks them.
fn check_limits(src: &Source, tree: &Spanned<DeTable>) -> Result<(), Vec<Diagnostic>> {
    fn walk(v: &Spanned<DeValue>, depth: usize, src: &Source, out: &mut Vec<Diagnostic>) {
        if !out.is_empty() {
            return;
        }
        if depth > MAX_DEPTH {
            out.push(at_span(
                src,
                v.span(),
                format!(
                    "nested more than {MAX_DEPTH} levels deep: posture's formats need at most 4"
                ),
                None,
            ));
            return;
        }
        match v.get_ref() {
            DeValue::Array(a) => {
                if a.len() > MAX_ARRAY {
                    out.push(at_span(
                        src,
                        v.span(),
                        format!(
                            "an array of {} entries, over the limit of {MAX_ARRAY}",
                            a.len()
                        ),
                        None,
                    ));
                    return;
                }
                a.iter().for_each(|x| walk(x, depth + 1, src, out));
            }
            DeValue::Table(t) => t.values().for_each(|x| walk(x, depth + 1, src, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for v in tree.get_ref().values() {
        walk(v, 1, src, &mut out);
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

fn typed<'de, T: Deserialize<'de>>(
    src: &Source,
    tree: Spanned<DeTable<'de>>,
) -> Result<T, Vec<Diagnostic>> {
    T::deserialize(toml::de::Deserializer::from(tree)).map_err(|e| {
        let message = e.message().trim().to_string();
        let help = expected_list(&message).and_then(|(wrong, expected)| {
            let refs: Vec<&str> = expected.iter().map(String::as_str).collect();
            did_you_mean(&wrong, &refs, "values")
        });
        vec![at_span(src, e.span().unwrap_or(0..0), message, help)]
    })
}

/// From serde's "unknown field `x`, expected one of `a`, `b`": the wrong name and the list.
fn expected_list(message: &str) -> Option<(String, Vec<String>)> {
    let mut ticks = message.split('`').skip(1).step_by(2).map(str::to_string);
    let wrong = ticks.next()?;
    let rest: Vec<String> = ticks.collect();
    (!rest.is_empty()).then_some((wrong, rest))
}

fn at_span(src: &Source, span: Range<usize>, message: String, help: Option<String>) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        file: src.name.clone(),
        span: Some(span),
        message,
        help,
    }
}

/// Turns path-located problems into span-located diagnostics (parsing again: errors are rare).
pub fn locate_all(src: &Source, problems: &[Problem]) -> Vec<Diagnostic> {
    let tree = DeTable::parse(&src.text).ok();
    problems
        .iter()
        .map(|p| Diagnostic {
            severity: p.severity,
            file: src.name.clone(),
            span: tree
                .as_ref()
                .map(|t| locate(t.get_ref(), &p.path, false).unwrap_or(0..0)),
            message: if p.path.0.is_empty() {
                p.message.clone()
            } else {
                format!("{}: {}", p.path, p.message)
            },
            help: p.help.clone(),
        })
        .collect()
}

/// The span of the value at `path` (or of its key, when `key` is set), else of the nearest
/// ancestor that exists.
fn locate(root: &DeTable, path: &FieldPath, key: bool) -> Option<Range<usize>> {
    let mut best: Option<Range<usize>> = None;
    let mut table = Some(root);
    let mut array: Option<&[Spanned<DeValue>]> = None;
    for (n, seg) in path.0.iter().enumerate() {
        let last = n + 1 == path.0.len();
        let value = match seg {
            Segment::Key(k) => {
                let (kspan, v) = table?.get_key_value(k.as_str())?;
                if last && key {
                    return Some(kspan.span());
                }
                best = Some(kspan.span().start..v.span().end.max(kspan.span().end));
                v
            }
            Segment::Index(i) => {
                let v = array?.get(*i)?;
                best = Some(v.span());
                v
            }
        };
        if !last {
            best = Some(value.span()).filter(|s| !s.is_empty()).or(best);
        } else {
            let s = value.span();
            if !s.is_empty() {
                best = Some(s);
            }
        }
        table = value.get_ref().as_table();
        array = value.get_ref().as_array().map(|a| &a[..]);
    }
    best
}

fn schema_check(
    src: &Source,
    tree: &Spanned<DeTable>,
    kind: schema::Kind,
) -> Result<(), Vec<Diagnostic>> {
    let mut out = schema_errors(src, tree, kind);
    // The schema reads TOML dates and strings alike (both are JSON strings): a date in quotes
    // is caught here, where the TOML says which it is.
    for d in conformance::tables(kind).quoted_dates(tree.get_ref()) {
        out.push(at_span(
            src,
            d.span,
            format!(
                "a date is written unquoted: {key} = {text}, not {key} = \"{text}\"",
                key = d.key,
                text = d.text
            ),
            Some(format!(
                "remove the quotes: TOML reads {} as a date, and \"{}\" as text",
                d.text, d.text
            )),
        ));
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

/// What the JSON Schema says is wrong with a document, in the JSON validator's order.
fn schema_errors(src: &Source, tree: &Spanned<DeTable>, kind: schema::Kind) -> Vec<Diagnostic> {
    // Valid files, nearly all of them, are checked in place; only an invalid one is converted
    // to JSON and checked again for its errors, in the JSON validator's order.
    if conformance::toml_validator(kind)
        .is_valid(conformance::toml_json::TomlNode::root(tree.get_ref()))
    {
        return Vec::new();
    }
    let instance = conformance::table_json(tree.get_ref());
    let validator = conformance::validator(kind);
    let mut out = Vec::new();
    // A misspelled required key also shows up as "missing"; say it once, as the misspelling.
    let mut misspelled: Vec<(FieldPath, String)> = Vec::new();
    let mut missing: Vec<(FieldPath, String, Diagnostic)> = Vec::new();
    for e in validator.iter_errors(&instance).take(MAX_DIAGNOSTICS) {
        let pointer: Vec<String> = e
            .instance_path()
            .as_str()
            .split('/')
            .skip(1)
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect();
        let path = to_field_path(tree.get_ref(), &pointer);
        use jsonschema::error::ValidationErrorKind as K;
        match e.kind() {
            K::AdditionalProperties { unexpected } => {
                let allowed = schema::properties_at(kind, &pointer);
                let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
                for name in unexpected {
                    let at = path.key(name);
                    if let Some(best) = nearest(name, &allowed) {
                        misspelled.push((path.clone(), best.to_string()));
                    }
                    let where_ = if path.0.is_empty() {
                        "at the top level".to_string()
                    } else {
                        format!("in `{path}`")
                    };
                    out.push(Diagnostic {
                        severity: Severity::Error,
                        file: src.name.clone(),
                        span: locate(tree.get_ref(), &at, true),
                        message: format!("unknown key `{name}` {where_}"),
                        help: did_you_mean(name, &allowed, "keys"),
                    });
                }
            }
            kind_ => {
                let help = match kind_ {
                    K::Enum { options } => {
                        let opts: Vec<String> = options
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|o| o.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default();
                        let refs: Vec<&str> = opts.iter().map(String::as_str).collect();
                        e.instance()
                            .as_str()
                            .and_then(|v| did_you_mean(v, &refs, "values"))
                    }
                    K::Type { kind: expected } if wants_number(expected) => {
                        match value_at(tree.get_ref(), &path) {
                            Some(DeValue::String(text)) => number_hint(&path, text),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                // A whole number beyond 64 bits reaches the schema as its text (text in
                // quotes, digits or not, is text).
                let quoted = matches!(value_at(tree.get_ref(), &path), Some(DeValue::String(_)));
                let too_big = !quoted
                    && e.instance().as_str().is_some_and(|t| {
                        let digits = t.trim_start_matches(['+', '-']).replace('_', "");
                        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
                    });
                let detail = match kind_ {
                    K::Type { .. } if too_big => format!(
                        "{} is too large: whole numbers must fit in 64 bits (at most 9223372036854775807)",
                        e.instance().as_str().unwrap_or_default()
                    ),
                    // A regex means little to a reader: say what the value should look like.
                    K::Pattern { .. } => match schema::description_at(kind, &pointer) {
                        Some(d) => format!("{} does not have the expected form: {d}", e.instance()),
                        None => e.to_string(),
                    },
                    // Name every allowed value: a reader should not have to open the schema.
                    K::Enum { options } => match options.as_array() {
                        Some(all) => format!(
                            "{} is not one of {}",
                            e.instance(),
                            all.iter()
                                .map(|o| o.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        None => e.to_string(),
                    },
                    _ => e.to_string(),
                };
                let message = if path.0.is_empty() {
                    detail
                } else {
                    format!("{path}: {detail}")
                };
                let d = Diagnostic {
                    severity: Severity::Error,
                    file: src.name.clone(),
                    span: locate(tree.get_ref(), &path, false).or(Some(0..0)),
                    message,
                    help,
                };
                match kind_ {
                    K::Required { property } => {
                        let name = property.as_str().unwrap_or_default().to_string();
                        missing.push((path, name, d));
                    }
                    _ => out.push(d),
                }
            }
        }
    }
    out.extend(
        missing
            .into_iter()
            .filter(|(p, name, _)| !misspelled.iter().any(|(q, m)| q == p && m == name))
            .map(|(_, _, d)| d),
    );
    out
}

/// Whether a schema type error expected a number (a whole one or any).
fn wants_number(expected: &jsonschema::error::TypeKind) -> bool {
    use jsonschema::JsonType;
    use jsonschema::error::TypeKind;
    let number = |t: &JsonType| matches!(t, JsonType::Number | JsonType::Integer);
    match expected {
        TypeKind::Single(t) => number(t),
        TypeKind::Multiple(set) => set.iter().any(|t| number(&t)),
    }
}

/// The TOML value at a field path, when there is one.
fn value_at<'a>(root: &'a DeTable<'a>, path: &FieldPath) -> Option<&'a DeValue<'a>> {
    let mut value: Option<&DeValue> = None;
    for seg in &path.0 {
        value = Some(match (seg, value) {
            (Segment::Key(k), None) => root.get(k.as_str())?.get_ref(),
            (Segment::Key(k), Some(DeValue::Table(t))) => t.get(k.as_str())?.get_ref(),
            (Segment::Index(i), Some(DeValue::Array(a))) => a.get(*i)?.get_ref(),
            _ => return None,
        });
    }
    value
}

/// How to write a number given as text (`delay_hours = "48h"`), in the unit the key's name
/// says, with the number the text starts with when it has one.
fn number_hint(path: &FieldPath, text: &str) -> Option<String> {
    let Some(Segment::Key(key)) = path.0.last() else {
        return None;
    };
    let text = text.trim();
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '_' | '.' | ',')))
        .unwrap_or(text.len());
    let digits = text[..end].trim_end_matches(['.', '_', ',']);
    // Commas that group thousands become TOML's `_`; any other comma makes no number.
    let grouped = digits.split(',').skip(1).all(|g| g.len() == 3);
    let digits = digits.replace(',', "_");
    let leading =
        (grouped && digits.starts_with(|c: char| c.is_ascii_digit())).then_some(digits.as_str());
    let (what, example) = if key.ends_with("_hours") {
        ("a number of hours, unquoted and without a unit", "48")
    } else if key.ends_with("_days") {
        ("a number of days, unquoted and without a unit", "30")
    } else if key.ends_with("_usd") {
        (
            "a number of US dollars, unquoted, without a unit or commas (`_` may group digits)",
            "1_000_000",
        )
    } else {
        ("a number, unquoted", "1")
    };
    Some(format!("{what}: {key} = {}", leading.unwrap_or(example)))
}

/// A JSON pointer as a field path, reading numbers as indices where the document has arrays.
fn to_field_path(root: &DeTable, pointer: &[String]) -> FieldPath {
    let mut path = FieldPath::root();
    let mut node: Option<&DeValue> = None;
    for seg in pointer {
        let here = match node {
            None => root
                .get(seg.as_str())
                .map(|v| (Segment::Key(seg.clone()), v.get_ref())),
            Some(DeValue::Array(a)) => seg
                .parse::<usize>()
                .ok()
                .and_then(|i| a.get(i).map(|v| (Segment::Index(i), v.get_ref()))),
            Some(DeValue::Table(t)) => t
                .get(seg.as_str())
                .map(|v| (Segment::Key(seg.clone()), v.get_ref())),
            Some(_) => None,
        };
        match here {
            Some((s, v)) => {
                path.0.push(s);
                node = Some(v);
            }
            None => {
                path.0.push(Segment::Key(seg.clone()));
                break;
            }
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file whose tables are all where the schema has them skips the limits walk, so a list
    /// over the limit must still be refused, as the careful path refuses it.
    #[test]
    fn a_list_over_the_limit_is_refused_on_the_fast_path_too() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/best-practice.toml"
        ))
        .expect("the fixture");
        let source = Source::new("best-practice.toml", text.clone());
        assert!(manifest(&source).is_ok());
        let long = vec!["\"upgrades\""; MAX_ARRAY + 1].join(", ");
        let text = text.replace(
            "scope = [\"upgrades\", \"parameters\"]",
            &format!("scope = [{long}]"),
        );
        let source = Source::new("long.toml", text);
        let fast = manifest(&source).expect_err("a list over the limit");
        let careful = manifest_schema_first(&source).expect_err("a list over the limit");
        assert_eq!(fast.len(), 1);
        assert!(
            fast[0].message.contains("over the limit"),
            "{}",
            fast[0].message
        );
        assert_eq!(fast[0].message, careful[0].message);
    }

    /// A date in quotes is refused wherever the format has a date, in a table, a list of
    /// tables or an inline table in a list, on the fast path as on the careful one; a TOML date
    /// in the same places is accepted.
    #[test]
    fn a_quoted_date_is_refused_at_its_place_on_both_paths() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/best-practice.toml"
        ))
        .expect("the fixture");
        let with_history = text.replace(
            "version = \"2.1.0\"\n",
            "version = \"2.1.0\"\nhistory = [ { version = \"2.0.0\", deployed = 2024-03-01 } ]\n",
        );
        assert!(manifest(&Source::new("ok.toml", with_history.clone())).is_ok());
        for (from, to, key) in [
            ("as_of = 2026-06-30", "as_of = \"2026-06-30\"", "as_of"),
            ("date = 2026-01-10", "date = \"2026-01-10\"", "date"),
            (
                "deployed = 2024-03-01",
                "deployed = \"2024-03-01\"",
                "deployed",
            ),
        ] {
            assert!(with_history.contains(from), "{from}");
            let bad = with_history.replacen(from, to, 1);
            let src = Source::new("quoted.toml", bad.clone());
            for found in [manifest(&src), manifest_schema_first(&src)] {
                let errors = found.expect_err("a quoted date");
                assert_eq!(errors.len(), 1, "{errors:?}");
                let value = &to[key.len() + 3..];
                let at = bad.find(to).expect("the line") + key.len() + 3;
                assert_eq!(errors[0].span, Some(at..at + value.len()), "{to}");
                assert!(
                    errors[0].message.starts_with(&format!(
                        "a date is written unquoted: {key} = {}",
                        value.trim_matches('"')
                    )),
                    "{}",
                    errors[0].message
                );
            }
        }
        // Text that is no date where a date goes is the schema's to report, once.
        let src = Source::new(
            "x.toml",
            text.replace("as_of = 2026-06-30", "as_of = \"soon\""),
        );
        let errors = manifest(&src).expect_err("not a date");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].message.contains("is not a \"date\""),
            "{errors:?}"
        );
        // A date-like string where the format wants text is text.
        let src = Source::new(
            "x.toml",
            text.replace("name = \"Exemplar Finance\"", "name = \"2026-06-30\""),
        );
        assert!(manifest(&src).is_ok());
    }

    /// Folder by folder in name order is the order of whole paths, where `-` and `.` sort
    /// before `/` byte-wise but a folder's files come before a longer sibling's name.
    #[test]
    fn expand_lists_in_path_order() {
        let root = tempfile::tempdir().expect("a temporary folder");
        let files = [
            "a.toml",
            "a-b.toml",
            "a/x.toml",
            "a/b/c.toml",
            "a/b.toml",
            "a-b/y.toml",
            "a.b/z.toml",
            "b.toml",
            "B.toml",
            "a0.toml",
            ".hidden.toml",
            "a/.hidden/w.toml",
            "notes.txt",
        ];
        for f in files {
            let p = root.path().join(f);
            std::fs::create_dir_all(p.parent().expect("a parent")).expect("a folder");
            std::fs::write(&p, "").expect("a file");
        }
        let (got, problems) = super::expand(root.path());
        assert!(problems.is_empty(), "{problems:?}");
        let mut expected: Vec<std::path::PathBuf> = files
            .iter()
            .filter(|f| f.ends_with(".toml") && !f.starts_with('.') && !f.contains("/."))
            .map(|f| root.path().join(f))
            .collect();
        expected.sort();
        assert_eq!(got, expected);
        assert_eq!(got.len(), 10);
    }

    #[test]
    fn sha256_is_lowercase_hex_of_the_digest() {
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

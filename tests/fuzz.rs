//! Fuzzing by property, with three generators:
//!
//! - Damaged texts: take a real manifest or rubric, damage it at random (cut, insert hostile
//!   tokens, duplicate or swap lines), and push it through load -> validate -> score -> render
//!   in memory. Nothing may panic; a refusal must come with diagnostics.
//! - Special files: build a scored folder in a tempdir from good manifests (copied, or linked
//!   to copies elsewhere) and special files (FIFOs, links to /dev/zero, a directory link loop,
//!   a directory named `x.toml`, a file over the 1 MiB limit, dangling links, empty files), and
//!   place special files as a fork's upstream (beside it or in `--protocols`), as `--rubric` and
//!   as the file a rubric extends. The built binary runs with a deadline (a hang fails): it must
//!   not panic, must exit 2 exactly when a bad file is scored, must still score every good
//!   manifest, must take an unreadable upstream for a missing one, and must change no file,
//!   also with `-o` at one of its inputs or at a link to one (which it refuses).
//! - Forged reports: real `--format json` reports (one protocol, a league, a league with
//!   `--full`) changed at random as JSON values (numbers moved, bools flipped, strings edited,
//!   keys removed, added or renamed, array elements duplicated, removed or swapped, values set
//!   to null, several at once). `posture verify` must hold a report exactly when the forged
//!   value equals the original.
//!
//! `cargo test` runs a few hundred damaged texts and a few dozen cases of the others (those
//! spawn the binary). For a long run: `PROPTEST_CASES=200000 cargo test --release --test fuzz damaged`
//! (the damaged texts), `PROPTEST_CASES=2000 cargo test --release --test fuzz -- special forged`
//! (the spawning generators), or the timed loop below. Failures shrink and are kept in
//! `tests/fuzz.proptest-regressions`, which later runs replay first.

use posture::core::engine;
use posture::core::metrics::Upstream;
use posture::core::report::{ManifestStamp, RubricStamp, Stamp};
use posture::load::{self, Source};
use posture::render::{self, Format};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

fn corpus() -> &'static [String] {
    static CORPUS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(read_corpus)
}

fn read_corpus() -> Vec<String> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut out = Vec::new();
    for dir in [
        "protocols",
        "rubrics",
        "tests/fixtures",
        "examples/dao-self-assessment",
    ] {
        let mut paths: Vec<_> = std::fs::read_dir(format!("{root}/{dir}"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        out.extend(paths.iter().map(|p| std::fs::read_to_string(p).unwrap()));
    }
    out
}

const TOKENS: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "=",
    "\"",
    "'",
    "\n",
    "#",
    ",",
    "{",
    "}",
    ".",
    "-",
    "_",
    "0",
    "1e309",
    "nan",
    "-inf",
    "2025-02-30",
    "1979-05-27T07:32:00Z",
    "true",
    "\\u0000",
    "é",
    "\u{202e}",
    "<script>",
    "=HYPERLINK(\"x\")",
    "audits",
    "components",
    "version = \"1\"",
    "covers = \"^0\"",
    "scope = []",
    "extends = \"defi-baseline\"",
    "weight = 0",
    "cap = \"Z\"",
    "incidents = []",
    "[protocol]",
    "[[incidents]]",
    "affects = \"*\"",
];

#[derive(Debug, Clone)]
enum Damage {
    Cut(usize, usize),
    Insert(usize, usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), 0usize..64).prop_map(|(a, n)| Damage::Cut(a, n)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(a, t)| Damage::Insert(a, t)),
        any::<usize>().prop_map(Damage::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Damage::SwapLines(a, b)),
    ]
}

fn boundary(s: &str, at: usize) -> usize {
    let mut i = at % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(mut text: String, ds: &[Damage]) -> String {
    for d in ds {
        match *d {
            Damage::Cut(at, n) => {
                let a = boundary(&text, at);
                let b = boundary(&text, a + n);
                if b > a {
                    text.replace_range(a..b, "");
                }
            }
            Damage::Insert(at, t) => {
                let a = boundary(&text, at);
                text.insert_str(a, TOKENS[t]);
            }
            Damage::DuplicateLine(i) => {
                let mut lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let l = lines[i % lines.len()];
                    lines.insert(i % lines.len(), l);
                }
                text = lines.join("\n");
            }
            Damage::SwapLines(i, j) => {
                let mut lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let n = lines.len();
                    lines.swap(i % n, j % n);
                }
                text = lines.join("\n");
            }
        }
    }
    text
}

/// The whole pipeline on one text; panics are the only failure.
fn exercise(text: &str) {
    let src = Source::new("fuzz.toml", text);
    let mut sink = Vec::new();
    if load::looks_like_rubric(text) {
        match load::rubric(&src) {
            Ok(r) => {
                let _ = r.lint();
            }
            Err(d) => {
                assert!(!d.is_empty());
                posture::load::diagnostics::emit(&mut sink, &d, Some(text)).unwrap();
            }
        }
        return;
    }
    let loaded = load::manifest(&src);
    // The loader's fast path (no schema check for a file that reads clean) must judge every
    // input as checking the schema first does.
    assert_eq!(
        format!("{loaded:?}"),
        format!("{:?}", load::manifest_schema_first(&src)),
        "fast path disagrees on:\n{text}"
    );
    match loaded {
        Ok(m) => {
            let (rubric, _) = load::rubric_by_name("defi-baseline").unwrap();
            let stamp = Stamp {
                tool: "fuzz".into(),
                rubric: RubricStamp {
                    id: String::new(),
                    version: String::new(),
                    sha256: String::new(),
                },
                manifest: ManifestStamp {
                    path: "fuzz.toml".into(),
                    sha256: String::new(),
                },
                upstream: None,
                evaluated_as_of: m.protocol.as_of,
                config: None,
            };
            for upstream in [
                Upstream::NotAFork,
                Upstream::Missing,
                Upstream::Found(m.incidents.as_deref().unwrap_or_default()),
            ] {
                let report =
                    engine::evaluate(&rubric, &m, m.protocol.as_of, upstream, stamp.clone());
                for format in [
                    Format::Table,
                    Format::Json,
                    Format::Markdown,
                    Format::Html,
                    Format::Csv,
                ] {
                    let _ = render::renderer(format).report(&report, &mut sink);
                }
            }
        }
        Err(d) => {
            assert!(!d.is_empty());
            posture::load::diagnostics::emit(&mut sink, &d, Some(text)).unwrap();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(300),
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct("tests/fuzz.proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn damaged_inputs_never_panic(pick in any::<usize>(), ds in proptest::collection::vec(damage(), 1..8)) {
        let corpus = corpus();
        let text = apply(corpus[pick % corpus.len()].clone(), &ds);
        exercise(&text);
    }
}

// ---------------------------------------------------------------------------------------------
// Special files: the real binary on folders of good manifests mixed with files it must refuse.
// ---------------------------------------------------------------------------------------------

/// The repository, where the shipped protocols and rubrics are.
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// How long one run of the binary may take before it counts as a hang.
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// Non-fork manifests with distinct ids, named `ID.toml`, that score cleanly on their own.
const GOOD: &[&str] = &[
    "lido",
    "curve",
    "aave-v3",
    "sky",
    "uniswap-v2",
    "compound-v3",
];

/// What the binary printed and how it ended.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `posture` in `cwd`, killing it (and failing) if it outlives [`DEADLINE`]; output goes
/// to files so a full pipe can never stall it. The variables posture reads are removed, so a
/// CI's settings neither change the outcome nor receive a step summary.
fn run_posture(cwd: &Path, args: &[OsString]) -> Run {
    let logs = tempfile::tempdir().unwrap();
    let (out, err) = (logs.path().join("out"), logs.path().join("err"));
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_posture"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("POSTURE_") || name == "GITHUB_STEP_SUMMARY" {
            command.env_remove(name);
        }
    }
    let mut child = command
        .current_dir(cwd)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > DEADLINE {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("posture {args:?} still running after {DEADLINE:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let run = Run {
        code: status.code(),
        stdout: std::fs::read_to_string(out).unwrap(),
        stderr: std::fs::read_to_string(err).unwrap(),
    };
    assert!(
        run.code != Some(101) && !run.stderr.contains("panicked"),
        "posture {args:?} panicked: {run:?}"
    );
    assert!(
        run.code.is_some(),
        "posture {args:?} killed by a signal: {run:?}"
    );
    run
}

/// One file a scored folder may hold.
#[derive(Debug, Clone, Copy)]
enum Special {
    Fifo,
    LinkToDevZero,
    /// A directory link to its own folder.
    DirLoop,
    /// A directory whose name looks like a manifest.
    DirNamedToml,
    /// One byte over the 1 MiB limit.
    OverLimit,
    Dangling,
    Empty,
}

fn special() -> impl Strategy<Value = Special> {
    prop_oneof![
        Just(Special::Fifo),
        Just(Special::LinkToDevZero),
        Just(Special::DirLoop),
        Just(Special::DirNamedToml),
        Just(Special::OverLimit),
        Just(Special::Dangling),
        Just(Special::Empty),
    ]
}

impl Special {
    /// Makes the entry at `path`; a special file that is a directory is made as one.
    fn make(self, path: &Path) {
        use std::os::unix::fs::symlink;
        match self {
            Special::Fifo => {
                let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
                // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
                assert_eq!(
                    unsafe { libc::mkfifo(c.as_ptr(), 0o644) },
                    0,
                    "mkfifo {path:?}"
                );
            }
            Special::LinkToDevZero => symlink("/dev/zero", path).unwrap(),
            Special::DirLoop => symlink(".", path).unwrap(),
            Special::DirNamedToml => std::fs::create_dir(path).unwrap(),
            Special::OverLimit => {
                std::fs::write(path, "#".repeat((1 << 20) + 1)).unwrap();
            }
            Special::Dangling => symlink("nowhere/at-all.toml", path).unwrap(),
            Special::Empty => std::fs::write(path, "").unwrap(),
        }
    }

    /// Whether a scored folder holding it must exit 2: a directory named `x.toml` is only
    /// walked (it holds nothing), every other entry is a file that cannot be scored.
    fn is_bad(self) -> bool {
        !matches!(self, Special::DirNamedToml)
    }
}

/// Where `-o` points in a run.
#[derive(Debug, Clone, Copy)]
enum Out {
    Stdout,
    /// One of the good manifests of the set (a file, or a link to one), by index.
    Input(usize),
    /// A new link to one of them.
    LinkToInput(usize),
}

fn out() -> impl Strategy<Value = Out> {
    prop_oneof![
        2 => Just(Out::Stdout),
        1 => any::<usize>().prop_map(Out::Input),
        1 => any::<usize>().prop_map(Out::LinkToInput),
    ]
}

/// The sha256 of every regular file under `dir`, never following links nor opening others.
fn hashes(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    use sha2::Digest;
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let kind = e.file_type().unwrap();
            if kind.is_dir() {
                todo.push(e.path());
            } else if kind.is_file() {
                let bytes = std::fs::read(e.path()).unwrap();
                out.insert(e.path(), sha2::Sha256::digest(bytes).to_vec());
            }
        }
    }
    out
}

/// Copies a shipped manifest into `dir` as `ID.toml`.
fn copy_protocol(id: &str, dir: &Path) -> PathBuf {
    let to = dir.join(format!("{id}.toml"));
    std::fs::copy(format!("{ROOT}/protocols/{id}.toml"), &to).unwrap();
    to
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// A scored folder: `set/` holds the good manifests (copied, or linked to copies kept in
/// `elsewhere/`) and the special files, under names in the order generated.
struct Folder {
    root: tempfile::TempDir,
    /// The ids of the good manifests, each once.
    ids: Vec<&'static str>,
    /// The paths in `set/` that name a good manifest, relative to `root`.
    inputs: Vec<PathBuf>,
    bad: bool,
}

fn lay_out(goods: &[(usize, bool)], specials: &[Special]) -> Folder {
    let root = tempfile::tempdir().unwrap();
    let (set, elsewhere) = (root.path().join("set"), root.path().join("elsewhere"));
    std::fs::create_dir(&set).unwrap();
    std::fs::create_dir(&elsewhere).unwrap();
    let (mut ids, mut inputs) = (Vec::new(), Vec::new());
    for (n, &(g, linked)) in goods.iter().enumerate() {
        let id = GOOD[g];
        if !ids.contains(&id) {
            ids.push(id);
        }
        if linked {
            let target = copy_protocol(id, &elsewhere);
            let link = PathBuf::from(format!("set/{n:02}-link-{id}.toml"));
            std::os::unix::fs::symlink(target, root.path().join(&link)).unwrap();
            inputs.push(link);
        } else if !set.join(format!("{id}.toml")).exists() {
            copy_protocol(id, &set);
            inputs.push(PathBuf::from(format!("set/{id}.toml")));
        }
    }
    for (n, s) in specials.iter().enumerate() {
        s.make(&set.join(format!("{n:02}-special.toml")));
    }
    Folder {
        root,
        ids,
        inputs,
        bad: specials.iter().any(|s| s.is_bad()),
    }
}

/// Scores a generated folder (as a folder, or naming each entry) and checks the outcome.
fn score_folder(folder: &Folder, explicit: bool, out: Out) {
    let root = folder.root.path();
    let mut args = os(&["score", "--format", "json"]);
    if explicit {
        let mut names: Vec<_> = std::fs::read_dir(root.join("set"))
            .unwrap()
            .map(|e| Path::new("set").join(e.unwrap().file_name()))
            .collect();
        names.sort();
        args.extend(names.into_iter().map(OsString::from));
    } else {
        args.push("set".into());
    }
    let pick = |i: usize| folder.inputs[i % folder.inputs.len()].clone();
    let target = match out {
        Out::Stdout => None,
        Out::Input(i) => Some(pick(i)),
        Out::LinkToInput(i) => {
            let link = root.join("out.json");
            std::os::unix::fs::symlink(root.join(pick(i)), &link).unwrap();
            Some(link)
        }
    };
    if let Some(t) = &target {
        args.push("-o".into());
        args.push(t.into());
    }
    let before = hashes(root);
    let run = run_posture(root, &args);
    assert_eq!(before, hashes(root), "a file changed: {run:?}");
    if target.is_some() {
        assert_eq!(
            run.code,
            Some(2),
            "-o over an input was not refused: {run:?}"
        );
        assert!(run.stderr.contains("would replace a file"), "{run:?}");
        return;
    }
    let expected = if folder.bad { 2 } else { 0 };
    assert_eq!(run.code, Some(expected), "{run:?}");
    for id in &folder.ids {
        assert!(
            run.stdout.contains(&format!("\"id\": \"{id}\"")),
            "{id} missing from the output: {run:?}"
        );
    }
}

/// The role a special file plays outside the scored folder.
#[derive(Debug, Clone, Copy)]
enum Role {
    /// A fork's upstream, found beside the fork.
    Upstream,
    /// A fork's upstream, found in `--protocols`.
    UpstreamInProtocols,
    /// The `--rubric`.
    Rubric,
    /// The file the `--rubric` extends.
    Base,
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        Just(Role::Upstream),
        Just(Role::UpstreamInProtocols),
        Just(Role::Rubric),
        Just(Role::Base),
    ]
}

/// A rubric that extends `base.toml` beside it.
const EXTENDING: &str =
    "[rubric]\nid = \"ours\"\nversion = \"1.0.0\"\ntitle = \"Ours\"\nextends = \"base.toml\"\n";

/// Scores a fork or a good manifest with `s` as its upstream, rubric or rubric's base, and
/// checks the outcome: an unreadable upstream counts as a missing one (the fork is scored, its
/// lineage unknown), an unreadable rubric or base refuses the run.
fn score_with(s: Special, role: Role) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    for d in ["set", "up"] {
        std::fs::create_dir(dir.join(d)).unwrap();
    }
    copy_protocol("beets", &dir.join("set"));
    copy_protocol("lido", &dir.join("set"));
    let mut args = os(&["score", "--format", "json"]);
    match role {
        Role::Upstream | Role::UpstreamInProtocols => {
            args.push("set/beets.toml".into());
            if matches!(role, Role::UpstreamInProtocols) {
                args.extend(os(&["--protocols", "up"]));
            }
            let missing = run_posture(dir, &args);
            assert_eq!(missing.code, Some(0), "{missing:?}");
            let at = if matches!(role, Role::Upstream) {
                "set"
            } else {
                "up"
            };
            s.make(&dir.join(at).join("balancer-v2.toml"));
            let before = hashes(dir);
            let run = run_posture(dir, &args);
            assert_eq!(before, hashes(dir), "a file changed: {run:?}");
            assert_eq!(run.code, Some(0), "{run:?}");
            assert_eq!(
                run.stdout, missing.stdout,
                "a special upstream is not a missing one"
            );
            return;
        }
        Role::Rubric => {
            s.make(&dir.join("rubric.toml"));
        }
        Role::Base => {
            std::fs::write(dir.join("rubric.toml"), EXTENDING).unwrap();
            s.make(&dir.join("base.toml"));
        }
    }
    args.extend(os(&["set/lido.toml", "--rubric", "rubric.toml"]));
    let before = hashes(dir);
    let run = run_posture(dir, &args);
    assert_eq!(before, hashes(dir), "a file changed: {run:?}");
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    let named = if matches!(role, Role::Rubric) {
        "rubric.toml"
    } else {
        "base.toml"
    };
    assert!(run.stderr.contains(named), "{named} not named: {run:?}");
}

/// `-o` at a good rubric, at the file it extends, or at a link to either is refused.
fn out_over_a_rubric(at_base: bool, through_link: bool) {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    std::fs::write(dir.join("rubric.toml"), EXTENDING).unwrap();
    std::fs::copy(
        format!("{ROOT}/rubrics/defi-baseline.toml"),
        dir.join("base.toml"),
    )
    .unwrap();
    copy_protocol("lido", dir);
    let mut target = PathBuf::from(if at_base { "base.toml" } else { "rubric.toml" });
    if through_link {
        std::os::unix::fs::symlink(&target, dir.join("out.json")).unwrap();
        target = "out.json".into();
    }
    let mut args = os(&["score", "lido.toml", "--rubric", "rubric.toml", "-o"]);
    args.push(target.into());
    let before = hashes(dir);
    let run = run_posture(dir, &args);
    assert_eq!(before, hashes(dir), "a file changed: {run:?}");
    assert_eq!(run.code, Some(2), "{run:?}");
    assert!(run.stderr.contains("would replace a file"), "{run:?}");
}

// ---------------------------------------------------------------------------------------------
// Forged reports: real JSON reports, changed at random, must no longer verify.
// ---------------------------------------------------------------------------------------------

/// The reports forged: one protocol, a league of rows, and a league with every full report.
/// They are made once, in a folder kept for the whole run, from copies of a fork, its upstream
/// and one more manifest (so the league has ranks, a portfolio and a lineage to re-derive).
fn reports() -> &'static (tempfile::TempDir, Vec<(PathBuf, serde_json::Value)>) {
    static REPORTS: std::sync::OnceLock<(tempfile::TempDir, Vec<(PathBuf, serde_json::Value)>)> =
        std::sync::OnceLock::new();
    REPORTS.get_or_init(|| {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path();
        let set = dir.join("protocols");
        std::fs::create_dir(&set).unwrap();
        for id in ["balancer-v2", "beets", "lido"] {
            copy_protocol(id, &set);
        }
        let mut out = Vec::new();
        for (name, args) in [
            ("one.json", &["protocols/beets.toml"][..]),
            ("league.json", &["protocols"][..]),
            ("full.json", &["protocols", "--full"][..]),
        ] {
            let mut all = os(&["score", "--format", "json", "-o", name]);
            all.extend(os(args));
            let run = run_posture(dir, &all);
            assert_eq!(run.code, Some(0), "{run:?}");
            let path = dir.join(name);
            let held = run_posture(dir, &[OsString::from("verify"), path.clone().into()]);
            assert_eq!(held.code, Some(0), "a fresh report must verify: {held:?}");
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path, serde_json::from_str(&text).unwrap()));
        }
        (root, out)
    })
}

/// One change to a JSON document: the node reached by following `path` (each step an index
/// among the children, taken modulo their number; the walk stops at a leaf), then a change
/// chosen by `how` among those that fit the node's type, with `arg` as its operand.
#[derive(Debug, Clone)]
struct Mutation {
    path: Vec<usize>,
    how: usize,
    arg: usize,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (
        proptest::collection::vec(any::<usize>(), 0..8),
        any::<usize>(),
        any::<usize>(),
    )
        .prop_map(|(path, how, arg)| Mutation { path, how, arg })
}

/// Changes a number by amounts that matter and some that barely do.
const DELTAS: &[f64] = &[1.0, -1.0, 0.5, 0.01, -0.001, 1000.0, 1e-9];

impl Mutation {
    fn apply(&self, doc: &mut serde_json::Value) {
        use serde_json::Value;
        let mut node = doc;
        for &step in &self.path {
            let len = match node {
                Value::Array(a) => a.len(),
                Value::Object(o) => o.len(),
                _ => 0,
            };
            if len == 0 {
                break;
            }
            node = match node {
                Value::Array(a) => &mut a[step % len],
                Value::Object(o) => o.values_mut().nth(step % len).unwrap(),
                _ => unreachable!(),
            };
        }
        let arg = self.arg;
        match node {
            Value::Null => {
                *node = [
                    Value::Bool(false),
                    0.into(),
                    "".into(),
                    Value::Array(vec![]),
                ][arg % 4]
                    .clone()
            }
            Value::Bool(b) => match self.how % 3 {
                0 | 1 => *b = !*b,
                _ => *node = Value::Null,
            },
            Value::Number(n) => match self.how % 4 {
                0 | 1 => {
                    let changed = n.as_f64().unwrap() + DELTAS[arg % DELTAS.len()];
                    *node =
                        serde_json::Number::from_f64(changed).map_or(Value::Null, Value::Number);
                }
                2 => *node = Value::String(n.to_string()),
                _ => *node = Value::Null,
            },
            Value::String(s) => match self.how % 5 {
                0 => s.push(['x', ' ', '\u{202e}', '/', '0'][arg % 5]),
                1 => {
                    let keep = s.char_indices().nth(arg % (s.chars().count() + 1));
                    s.truncate(
                        keep.map_or(s.len(), |(i, _)| i)
                            .min(s.len().saturating_sub(1)),
                    );
                }
                2 => *s = s.to_uppercase(),
                3 => *s = ["", "A", "beets", "lido", "protocols/lido.toml"][arg % 5].into(),
                _ => *node = Value::Null,
            },
            Value::Array(a) => {
                let len = a.len().max(1);
                match self.how % 5 {
                    0 if !a.is_empty() => {
                        let e = a[arg % len].clone();
                        a.insert(arg % len, e);
                    }
                    1 if !a.is_empty() => {
                        a.remove(arg % len);
                    }
                    2 if !a.is_empty() => a.swap(arg % len, (arg / len) % len),
                    3 => a.push(Value::Null),
                    _ => *node = Value::Null,
                }
            }
            Value::Object(o) => {
                let len = o.len().max(1);
                match self.how % 4 {
                    0 if !o.is_empty() => {
                        let key = o.keys().nth(arg % len).unwrap().clone();
                        o.remove(&key);
                    }
                    1 => {
                        o.insert(format!("fuzz_{}", arg % 3), Value::Bool(true));
                    }
                    2 if !o.is_empty() => {
                        let key = o.keys().nth(arg % len).unwrap().clone();
                        let v = o.remove(&key).unwrap();
                        o.insert(format!("{key}_"), v);
                    }
                    _ => *node = Value::Null,
                }
            }
        }
    }
}

/// Verifies a forged copy of one of the [`reports`]: it holds exactly when nothing changed.
fn verify_forged(pick: usize, mutations: &[Mutation]) {
    let (root, reports) = reports();
    let (path, original) = &reports[pick % reports.len()];
    let mut forged = original.clone();
    for m in mutations {
        m.apply(&mut forged);
    }
    let at = root.path().join(format!(
        "forged-{}",
        path.file_name().unwrap().to_string_lossy()
    ));
    // Each case has its own name so cases run in parallel never share a file.
    let at = at.with_extension(format!("{}.json", unique()));
    std::fs::write(&at, serde_json::to_string_pretty(&forged).unwrap()).unwrap();
    let run = run_posture(root.path(), &[OsString::from("verify"), at.clone().into()]);
    std::fs::remove_file(&at).unwrap();
    if forged == *original {
        assert_eq!(
            run.code,
            Some(0),
            "an unchanged report was refused: {run:?}"
        );
    } else {
        assert_ne!(
            run.code,
            Some(0),
            "a forged report verified: {mutations:?} on {path:?}: {run:?}"
        );
    }
}

/// A number no other call in this process returns.
fn unique() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The number of cases of the properties that spawn the binary: `PROPTEST_CASES`, else `small`.
fn spawning_cases(small: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(small)
}

fn spawning_config(small: u32) -> ProptestConfig {
    ProptestConfig {
        cases: spawning_cases(small),
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(
                "tests/fuzz.proptest-regressions",
            ),
        )),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(spawning_config(24))]

    #[test]
    fn special_files_in_a_folder_are_refused_and_the_rest_scored(
        goods in proptest::collection::vec((0..GOOD.len(), any::<bool>()), 1..4),
        specials in proptest::collection::vec(special(), 0..5),
        explicit in any::<bool>(),
        out in out(),
    ) {
        let folder = lay_out(&goods, &specials);
        score_folder(&folder, explicit, out);
    }

    #[test]
    fn special_files_as_upstream_rubric_or_base(s in special(), role in role()) {
        score_with(s, role);
    }

    #[test]
    fn out_over_a_rubric_or_its_base_is_refused(at_base in any::<bool>(), through_link in any::<bool>()) {
        out_over_a_rubric(at_base, through_link);
    }
}

proptest! {
    #![proptest_config(spawning_config(40))]

    #[test]
    fn forged_reports_never_verify(
        pick in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        verify_forged(pick, &mutations);
    }
}

/// The long run: `FUZZ_SECONDS=600 cargo test --release --test fuzz -- --ignored --nocapture`.
#[test]
#[ignore]
fn fuzz_for_a_while() {
    use proptest::test_runner::{Config, TestRunner};
    let seconds: u64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let start = std::time::Instant::now();
    let mut total = 0u64;
    while start.elapsed().as_secs() < seconds {
        let mut runner = TestRunner::new(Config {
            cases: 5_000,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(
                &(any::<usize>(), proptest::collection::vec(damage(), 1..8)),
                |(pick, ds)| {
                    let corpus = corpus();
                    exercise(&apply(corpus[pick % corpus.len()].clone(), &ds));
                    Ok(())
                },
            )
            .unwrap();
        total += 5_000;
    }
    println!("fuzz: {total} damaged inputs in {seconds}s, no panic");
}

//! Fuzzing by property: take a real manifest or rubric, damage it at random (cut, insert
//! hostile tokens, duplicate or swap lines), and push it through load -> validate -> score ->
//! render. Nothing may panic; a refusal must come with diagnostics.
//!
//! `cargo test` runs a few hundred cases. For a long run:
//! `PROPTEST_CASES=200000 cargo test --release --test fuzz`. Failures shrink and are kept in
//! `tests/fuzz.proptest-regressions`, which later runs replay first.

use posture::core::engine;
use posture::core::metrics::Upstream;
use posture::core::report::{ManifestStamp, RubricStamp, Stamp};
use posture::load::{self, Source};
use posture::render::{self, Format};
use proptest::prelude::*;

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

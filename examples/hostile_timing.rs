//! How long posture takes on hostile inputs within the size limits (issue 14, item 8: no input
//! within the limits may take more than a second on one manifest). Each case is written to a
//! temporary folder and run through the command line in this process, best of three;
//! BENCHMARKS.md ("Hostile inputs") records the figures.
//!
//! ```sh
//! cargo run --release --example hostile_timing            # every case
//! cargo run --release --example hostile_timing -- gaps    # the cases whose name has `gaps`
//! ```

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use clap::Parser;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A case: its name, the files it writes (name, text), and the command line run on them.
struct Case {
    name: &'static str,
    files: Vec<(&'static str, String)>,
    args: Vec<&'static str>,
}

fn best_practice() -> String {
    std::fs::read_to_string(format!("{ROOT}/tests/fixtures/best-practice.toml"))
        .expect("the best-practice fixture")
}

/// One line of about 26 KB: a [protocol] table written inline, with a thousand keys the format
/// does not know (each an error quoting the whole line).
fn one_line_schema_errors() -> String {
    let mut line = String::from(
        "protocol = { id = \"x\", name = \"X\", kind = \"dex\", as_of = 2025-01-01, tvl_usd = 1",
    );
    let mut i = 0;
    while line.len() < 26_000 {
        write!(line, ", junk{i} = {i}").unwrap();
        i += 1;
    }
    line.push_str(" }\n");
    line
}

/// One line of about 26 KB that is not TOML at all: the parser recovers and reports each error.
fn one_line_syntax_errors() -> String {
    "a = 1 = 2 ".repeat(2_600) + "\n"
}

/// A manifest whose one line lists 3,000 audits of components it does not have, each within a
/// letter of one of 3,000 it has: a semantic error and a did-you-mean per audit.
fn one_line_semantic_errors() -> String {
    let n = 3_000;
    let mut text = String::from("format = 1\ncomponents = [");
    for i in 0..n {
        write!(
            text,
            "{{ name = \"part-{i:05}\", version = \"1.0.0\", core = false }},"
        )
        .unwrap();
    }
    text.push_str("]\naudits = [");
    for i in 0..n {
        write!(text, "{{ firm = \"f\", date = 2024-01-01, kind = \"code\", scope = [\"part-{i:05}x\"], covers = \"*\" }},").unwrap();
    }
    text.push_str("]\n\n[protocol]\nid = \"x\"\nname = \"X\"\nkind = \"dex\"\nas_of = 2025-01-01\ntvl_usd = 1\n\n[[deployments]]\nchain = \"ethereum\"\n");
    text
}

/// Components by the thousand and audits whose scopes name none of them: every name is
/// checked against every component, and each miss looks for the nearest name.
fn did_you_mean_components(name_len: usize, components: usize, misses: usize) -> String {
    let pad = "q".repeat(name_len.saturating_sub(6));
    let mut text = String::from(
        "format = 1\n\n[protocol]\nid = \"x\"\nname = \"X\"\nkind = \"dex\"\nas_of = 2025-01-01\ntvl_usd = 1\n\n[[deployments]]\nchain = \"ethereum\"\n",
    );
    for i in 0..components {
        write!(
            text,
            "\n[[components]]\nname = \"{pad}{i:06}\"\nversion = \"1.0.0\"\ncore = false\n"
        )
        .unwrap();
    }
    text.push_str(
        "\n[[audits]]\nfirm = \"f\"\ndate = 2024-01-01\nkind = \"code\"\ncovers = \"*\"\nscope = [",
    );
    for i in 0..misses {
        write!(text, "\"{pad}{i:05}z\",").unwrap();
    }
    text.push_str("]\n");
    text
}

/// A rubric of `n` controls: the default rubric's scale and gates, and its controls' metrics
/// and scorings over and over under new ids, written tersely (one-letter categories, no
/// spaces). Past 4,000 controls the rubric is two files, each within the size limit: the first
/// half in `base.toml`, which `r.toml` extends with the second.
fn many_controls(n: usize) -> Vec<(&'static str, String)> {
    if n <= 4_000 {
        return vec![("r.toml", controls_file("many", None, 0..n))];
    }
    vec![
        ("base.toml", controls_file("base", None, 0..n / 2)),
        ("r.toml", controls_file("many", Some("base.toml"), n / 2..n)),
    ]
}

/// A rubric file of the controls numbered `ids`; one that extends another takes its scale,
/// categories and gates from it.
fn controls_file(id: &str, extends: Option<&str>, ids: std::ops::Range<usize>) -> String {
    let base = std::fs::read_to_string(format!("{ROOT}/rubrics/defi-baseline.toml"))
        .expect("the default rubric");
    let table: toml::Table = base.parse().expect("the default rubric parses");
    let controls = table["controls"].as_array().expect("controls");
    let categories: Vec<&str> = table["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| c["id"].as_str().expect("an id"))
        .collect();
    let scale =
        &base[base.find("[grades]").expect("a scale")..base.find("[evidence]").expect("evidence")];
    let gates = &base[base.find("[[gates]]").expect("a gate")..];
    let mut text = format!("[rubric]\nid = \"{id}\"\ntitle = \"Many\"\nversion = \"1.0.0\"\n");
    if let Some(base) = extends {
        writeln!(text, "extends = \"{base}\"").unwrap();
    } else {
        text.push_str(scale);
        for (k, w) in [30, 25, 20, 10, 15].iter().enumerate() {
            write!(
                text,
                "[[categories]]\nid=\"{k}\"\ntitle=\"t\"\nweight={w}\n"
            )
            .unwrap();
        }
    }
    for i in ids {
        let c = &controls[i % controls.len()];
        let category = categories
            .iter()
            .position(|k| Some(*k) == c["category"].as_str())
            .expect("a known category");
        let scoring = c["scoring"].to_string().replace(' ', "");
        write!(
            text,
            "[[controls]]\nid=\"c{i}\"\ncategory=\"{category}\"\ntitle=\"t\"\nweight=1\nmetric={}\nscoring={scoring}\neffort=\"low\"\nrationale=\"r\"\nremediation=\"m\"\n",
            c["metric"]
        )
        .unwrap();
    }
    if extends.is_none() {
        text.push_str(gates);
    }
    text
}

/// A rubric of 500 controls of one metric, each with a tier of its own: every control's next
/// step is a different what-if, so none is scored for another.
fn distinct_steps() -> String {
    let base = many_controls(1).remove(0).1;
    let head = &base[..base.find("[[controls]]").expect("a control")];
    let mut text = head.to_string();
    for i in 0..500 {
        write!(
            text,
            "[[controls]]\nid=\"c{i}\"\ncategory=\"{}\"\ntitle=\"t\"\nweight=1\nmetric=\"timelock.delay_hours\"\nscoring={{tiers=[{{min={},score=1.0}},{{min=1,score=0.5}}]}}\neffort=\"low\"\nrationale=\"r\"\nremediation=\"m\"\n",
            i % 5,
            1_000 + i
        )
        .unwrap();
    }
    text
}

/// One file and some others.
fn with(
    first: (&'static str, String),
    rest: Vec<(&'static str, String)>,
) -> Vec<(&'static str, String)> {
    std::iter::once(first).chain(rest).collect()
}

fn cases() -> Vec<Case> {
    let lido = std::fs::read_to_string(format!("{ROOT}/protocols/lido.toml")).expect("lido");
    vec![
        Case {
            name: "one-line-26kb-schema-errors",
            files: vec![("x.toml", one_line_schema_errors())],
            args: vec!["validate", "x.toml"],
        },
        Case {
            name: "one-line-26kb-syntax-errors",
            files: vec![("x.toml", one_line_syntax_errors())],
            args: vec!["validate", "x.toml"],
        },
        Case {
            name: "one-line-3000-semantic-errors",
            files: vec![("x.toml", one_line_semantic_errors())],
            args: vec!["validate", "x.toml"],
        },
        Case {
            name: "did-you-mean-5000-names-5000-misses",
            files: vec![("x.toml", did_you_mean_components(12, 5_000, 5_000))],
            args: vec!["validate", "x.toml"],
        },
        Case {
            name: "did-you-mean-1000-names-of-200-chars",
            files: vec![("x.toml", did_you_mean_components(200, 1_000, 1_000))],
            args: vec!["validate", "x.toml"],
        },
        Case {
            name: "did-you-mean-one-name-of-100kb",
            files: vec![("x.toml", did_you_mean_components(100_000, 3, 1))],
            args: vec!["validate", "x.toml"],
        },
        Case {
            name: "gaps-500-controls",
            files: with(("m.toml", lido.clone()), many_controls(500)),
            args: vec!["gaps", "m.toml", "--rubric", "r.toml"],
        },
        Case {
            name: "gaps-500-controls-target-A",
            files: with(("m.toml", lido.clone()), many_controls(500)),
            args: vec!["gaps", "m.toml", "--rubric", "r.toml", "--target", "A"],
        },
        Case {
            name: "gaps-500-distinct-steps-target-A",
            files: vec![("m.toml", lido.clone()), ("r.toml", distinct_steps())],
            args: vec!["gaps", "m.toml", "--rubric", "r.toml", "--target", "A"],
        },
        Case {
            name: "gaps-6800-controls",
            files: with(("m.toml", lido.clone()), many_controls(6_800)),
            args: vec!["gaps", "m.toml", "--rubric", "r.toml"],
        },
        Case {
            name: "gaps-6800-controls-target-A",
            files: with(("m.toml", lido.clone()), many_controls(6_800)),
            args: vec!["gaps", "m.toml", "--rubric", "r.toml", "--target", "A"],
        },
        Case {
            name: "score-6800-controls",
            files: with(("m.toml", lido.clone()), many_controls(6_800)),
            args: vec!["score", "m.toml", "--rubric", "r.toml"],
        },
        Case {
            name: "score-best-practice",
            files: vec![("m.toml", best_practice())],
            args: vec!["score", "m.toml"],
        },
    ]
}

/// Runs one command line in `dir`: its exit code, the bytes it wrote, and the time it took.
fn run(dir: &Path, args: &[&str]) -> (u8, usize, Duration, String) {
    let argv = std::iter::once("posture").chain(args.iter().copied());
    let cli = posture::cli::Cli::parse_from(argv);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    std::env::set_current_dir(dir).expect("the case's folder");
    let start = Instant::now();
    let code = posture::cli::run(cli, &mut out, &mut err);
    let took = start.elapsed();
    std::env::set_current_dir(ROOT).expect("back");
    let first = String::from_utf8_lossy(&err)
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(100)
        .collect();
    (code, out.len() + err.len(), took, first)
}

fn main() {
    let only: Vec<String> = std::env::args().skip(1).collect();
    println!(
        "{:<40} {:>6} {:>10} {:>12}",
        "case", "exit", "bytes out", "best of 3"
    );
    for case in cases() {
        if !only.is_empty() && !only.iter().any(|o| case.name.contains(o.as_str())) {
            continue;
        }
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut biggest = 0;
        for (name, text) in &case.files {
            std::fs::write(dir.path().join(name), text).expect("the case's file");
            biggest = biggest.max(text.len());
        }
        assert!(
            biggest <= 1 << 20,
            "{}: a file of {biggest} bytes is over the size limit",
            case.name
        );
        let mut best = Duration::MAX;
        let mut last = (0, 0, String::new());
        for _ in 0..3 {
            let (code, bytes, took, said) = run(dir.path(), &case.args);
            best = best.min(took);
            last = (code, bytes, said);
        }
        println!(
            "{:<40} {:>6} {:>10} {:>9.1} ms  {}",
            case.name,
            last.0,
            last.1,
            best.as_secs_f64() * 1e3,
            last.2
        );
    }
}

//! Hostile text in the Markdown export: rubric text (category, control and gate titles) is
//! escaped like manifest text, and bidirectional controls, which would make a name or a link
//! read as something else, never reach the page, link text included. Each test fails without
//! the mechanism it names.

mod common;

use common::{ROOT, stdout_in};
use std::path::Path;

/// Unicode's bidirectional controls (embeddings, overrides, isolates, marks).
const BIDI: &[char] = &[
    '\u{061c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}',
    '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
];

/// Rubric titles that would add markup if printed as they are.
const RUBRIC_PAYLOAD: &str = " <b>x</b> *y* | z [l](javascript:alert(1)) \u{202e}";

/// A folder with a manifest whose name and sources carry bidi controls, a second snapshot of
/// it, and the default rubric with every title carrying [`RUBRIC_PAYLOAD`].
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let manifest = |as_of: &str, delay: u32| {
        format!(
            r#"format = 1
[protocol]
id = "mirror"
name = "safe\u202egnp.exe"
kind = "dex"
as_of = {as_of}
tvl_usd = 1000000

[[components]]
name = "core"
version = "1.0.0"
core = true

[[audits]]
firm = "Firm\u2067 A"
date = 2025-06-01
kind = "code"
scope = ["core"]
covers = "^1"
source = "https://example.org/\u202eaudit.pdf"

[timelock]
delay_hours = {delay}
source = "https://example.org/\u2066timelock"
"#
        )
    };
    std::fs::write(dir.path().join("old.toml"), manifest("2026-01-01", 0)).unwrap();
    std::fs::write(dir.path().join("new.toml"), manifest("2026-02-01", 48)).unwrap();
    let rubric = std::fs::read_to_string(Path::new(ROOT).join("rubrics/defi-baseline.toml"))
        .unwrap()
        .replacen("id = \"defi-baseline\"", "id = \"hostile\"", 1);
    let rubric: String = rubric
        .lines()
        .map(|line| match line.strip_prefix("title = \"") {
            Some(rest) => format!(
                "title = {}",
                toml::Value::String(format!("{}{RUBRIC_PAYLOAD}", rest.trim_end_matches('"')))
            ),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.path().join("hostile.toml"), rubric).unwrap();
    dir
}

/// Every Markdown output of the folder: a report, a league, a gap plan and a change.
fn markdown_outputs(dir: &Path) -> Vec<(String, String)> {
    let runs: [&[&str]; 4] = [
        &["score", "new.toml"],
        &["score", "old.toml", "new.toml"],
        // Manifest edits alone cannot lift this thin manifest above F (its audits, proofs
        // and monitoring are work, not edits), and a target out of reach exits 1.
        &["gaps", "new.toml", "--target", "F"],
        &["diff", "old.toml", "new.toml"],
    ];
    runs.iter()
        .map(|args| {
            let mut args = args.to_vec();
            args.extend(["--rubric", "hostile.toml", "--format", "markdown"]);
            let text = String::from_utf8(stdout_in(dir, &args)).unwrap();
            (args.join(" "), text)
        })
        .collect()
}

#[test]
fn markdown_drops_bidi_controls_from_text_and_link_text() {
    let dir = folder();
    for (run, text) in markdown_outputs(dir.path()) {
        assert!(
            !text.contains(BIDI),
            "posture {run} printed a bidirectional control:\n{text}"
        );
    }
    let (_, report) = &markdown_outputs(dir.path())[0];
    assert!(
        report.contains("<https://example.org/audit.pdf>"),
        "the link stays a link:\n{report}"
    );
    assert!(report.contains("safegnp.exe"), "{report}");
}

#[test]
fn markdown_escapes_rubric_titles_like_manifest_text() {
    let dir = folder();
    let outputs = markdown_outputs(dir.path());
    let (_, report) = &outputs[0];
    assert!(
        report.contains(
            "Code assurance &lt;b&gt;x&lt;/b&gt; \\*y\\* \\| z \\[l\\](javascript:alert(1))"
        ),
        "a category title is escaped:\n{report}"
    );
    for (run, text) in &outputs {
        assert!(
            !text.contains("<b>"),
            "posture {run} let HTML through:\n{text}"
        );
        assert!(
            !text.contains("[l](javascript"),
            "posture {run} let a link through:\n{text}"
        );
    }
}

#[test]
fn html_drops_bidi_controls_from_text_and_link_text() {
    let dir = folder();
    for args in [
        &["score", "new.toml", "--format", "html"][..],
        &["score", "old.toml", "new.toml", "--format", "html"][..],
    ] {
        let text = String::from_utf8(stdout_in(dir.path(), args)).unwrap();
        assert!(
            !text.contains(BIDI),
            "posture {args:?} printed a bidirectional control"
        );
        assert!(text.contains("safegnp.exe"), "the name stays readable");
    }
}

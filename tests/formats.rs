//! HTML and CSV exports: self-contained, deterministic, and inert with hostile manifest text.

use assert_cmd::Command;

fn posture() -> Command {
    let mut c = Command::cargo_bin("posture").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn run(args: &[&str]) -> String {
    let out = posture().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn csv_of_balancer_matches_the_golden_file() {
    let golden = std::fs::read_to_string(format!(
        "{}/tests/golden/balancer-v2.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let out = run(&["score", "protocols/balancer-v2.toml", "--format", "csv"]);
    assert!(
        out == golden,
        "CSV changed: if intended, regenerate with `cargo run -- score protocols/balancer-v2.toml --format csv > tests/golden/balancer-v2.csv` and read it"
    );
    let rows: Vec<&str> = out.lines().collect();
    assert!(rows[0].starts_with("row,protocol_id,"));
    assert_eq!(
        rows.iter().filter(|r| r.starts_with("protocol,")).count(),
        1
    );
    assert_eq!(
        rows.iter().filter(|r| r.starts_with("control,")).count(),
        17
    );
}

#[test]
fn html_is_one_self_contained_file() {
    for args in [
        vec!["score", "protocols/balancer-v2.toml"],
        vec!["score", "protocols/"],
    ] {
        let mut a = args.clone();
        a.extend(["--format", "html"]);
        let html = run(&a);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("Content-Security-Policy"));
        assert!(html.contains("<svg"), "a chart of category scores");
        assert!(html.contains("@media print"));
        for external in ["<script", "<link", "@import", "src=\"http", "url(http"] {
            assert!(!html.contains(external), "{external} in {args:?}");
        }
    }
    let one = run(&["score", "protocols/balancer-v2.toml", "--format", "html"]);
    let sha = posture::load::sha256_hex(
        &std::fs::read(format!(
            "{}/protocols/balancer-v2.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    );
    assert!(one.contains(&sha), "the stamp names the manifest's sha256");
    assert!(one.contains("three-pillars"));
    let league = run(&["score", "protocols/", "--format", "html"]);
    assert!(league.contains("balancer-v2") && league.contains("beets"));
}

#[test]
fn exports_are_byte_identical_across_runs() {
    for format in ["html", "csv"] {
        let a = run(&["score", "protocols/", "--format", format]);
        let b = run(&["score", "protocols/", "--format", format]);
        assert_eq!(a, b, "{format}");
    }
}

#[test]
fn hostile_manifest_text_is_inert_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(format!("{}/tests/fixtures/best-practice.toml", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .replace("name = \"Exemplar Finance\"", "name = \"=HYPERLINK(\\\"http://evil\\\") <script>alert(1)</script> [x](javascript:alert(1)) \\u001b[2J\"")
        .replace("source = \"https://example.org/exemplar\"", "source = \"javascript:alert(1)\"")
        .replace("firm = \"Firm One\"", "firm = \"<img src=x onerror=alert(1)>\"");
    let path = dir.path().join("hostile.toml");
    std::fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap();

    let html = run(&["score", p, "--format", "html"]);
    assert!(
        !html.contains("<script>alert"),
        "script tag from the manifest"
    );
    assert!(!html.contains("<img"), "image tag from the manifest");
    assert!(
        !html.to_lowercase().contains("href=\"javascript:"),
        "javascript link"
    );
    assert!(html.contains("&lt;script&gt;"));

    let csv = run(&["score", p, "--format", "csv"]);
    let protocol_row = csv.lines().nth(1).unwrap();
    assert!(
        protocol_row.contains(",\"'=HYPERLINK("),
        "formula neutralised: {protocol_row}"
    );

    let md = run(&["score", p, "--format", "markdown"]);
    assert!(
        !md.contains("<script>") && !md.contains("[x](javascript"),
        "{md}"
    );
    assert!(
        md.contains("\\[x\\](javascript"),
        "brackets escaped, so no link"
    );

    let table = run(&["score", p]);
    assert!(
        !table.contains('\u{1b}'),
        "terminal escape reached the table"
    );

    let json: serde_json::Value =
        serde_json::from_str(&run(&["score", p, "--format", "json"])).unwrap();
    assert!(
        json["protocol"]["name"]
            .as_str()
            .unwrap()
            .contains("<script>"),
        "JSON keeps the text, as data"
    );
}

#[test]
fn formats_without_a_place_for_a_result_say_so() {
    posture()
        .args([
            "diff",
            "examples/dao-self-assessment/before.toml",
            "examples/dao-self-assessment/after.toml",
            "--format",
            "csv",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--format csv is not available"));
}

//! `posture import defillama`: drafts from a saved export, TVL refreshed in place with every
//! other line kept, and bad exports refused with their place.

mod common;

use std::path::Path;

use common::{ROOT, posture};

const EXPORT: &str = "tests/fixtures/defillama/protocols.json";

fn export() -> String {
    format!("{ROOT}/{EXPORT}")
}

fn import(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["import", "defillama"];
    let export = export();
    args.push(&export);
    args.extend_from_slice(&["--as-of", "2026-12-01", "--into", dir.to_str().unwrap()]);
    args.extend_from_slice(extra);
    posture().args(&args).output().unwrap()
}

#[test]
fn a_draft_holds_defillamas_tvl_without_borrows_and_no_injected_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = import(dir.path(), &["--slug", "harbor-lend"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let draft = std::fs::read_to_string(dir.path().join("harbor-lend.toml")).unwrap();
    let m: toml::Table = draft.parse().unwrap();
    let p = m["protocol"].as_table().unwrap();
    // Ethereum and BNB chain only: staking and pool2 are not TVL.
    assert_eq!(p["tvl_usd"].as_integer(), Some(12_000_000));
    assert_eq!(p["name"].as_str(), Some("Harbor \"Lend\""));
    assert_eq!(p["kind"].as_str(), Some("stablecoin"));
    let chains: Vec<&str> = m["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["chain"].as_str().unwrap())
        .collect();
    assert_eq!(chains, ["bnb", "ethereum"]);
    // A link with a line break in it would have written an [admin] table into the draft.
    assert!(!m.contains_key("admin"), "{draft}");
    assert!(draft.contains("#   https://example.org/audit.pdf"));
    assert!(draft.contains(
        "# TVL: DefiLlama-style (deposits, borrows excluded), as of 2026-12-01, https://defillama.com/protocol/harbor-lend"
    ));
    let valid = posture()
        .args([
            "validate",
            dir.path().join("harbor-lend.toml").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        valid.status.success(),
        "{}",
        String::from_utf8_lossy(&valid.stdout)
    );
}

#[test]
fn a_refresh_rewrites_only_the_tvl_lines() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(format!("{ROOT}/protocols/aave-v3.toml")).unwrap();
    let path = dir.path().join("aave-v3.toml");
    std::fs::write(&path, &original).unwrap();
    // A snapshot beside it is never refreshed: its figures are of its own date.
    std::fs::write(
        dir.path().join("aave-v3@2023-01-01.toml"),
        "not even toml [",
    )
    .unwrap();
    let out = import(dir.path(), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("refreshed"), "{stdout}");
    assert!(
        stdout.contains("other facts stay as of 2025-12-31"),
        "{stdout}"
    );
    let refreshed = std::fs::read_to_string(&path).unwrap();
    let tvl_line = |l: &&str| l.starts_with("tvl_usd") || l.starts_with("# TVL:");
    let kept = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !tvl_line(l))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        kept(&original),
        kept(&refreshed),
        "a line other than TVL changed"
    );
    let m: toml::Table = refreshed.parse().unwrap();
    assert_eq!(m["protocol"]["tvl_usd"].as_integer(), Some(25_900_000_000));
    let ethereum = m["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["chain"].as_str() == Some("ethereum"))
        .unwrap();
    assert_eq!(ethereum["tvl_usd"].as_integer(), Some(22_000_000_000));
    // Twice is once.
    let again = import(dir.path(), &[]);
    assert!(
        String::from_utf8(again.stdout)
            .unwrap()
            .contains("unchanged")
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), refreshed);
}

#[test]
fn a_dry_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = import(dir.path(), &["--slug", "harbor-lend", "--dry-run"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("dry run: nothing written")
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn bad_exports_and_unknown_slugs_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let unknown = import(dir.path(), &["--slug", "aave-v4"]);
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8(unknown.stderr).unwrap();
    assert!(
        stderr.contains("no protocol with the slug `aave-v4`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `aave-v3`?"), "{stderr}");

    let bad = dir.path().join("export.json");
    std::fs::write(&bad, "[\n  {\"slug\": \"x\", \"name\": 3}\n]\n").unwrap();
    let out = posture()
        .args([
            "import",
            "defillama",
            bad.to_str().unwrap(),
            "--as-of",
            "2026-12-01",
        ])
        .args(["--into", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("not a DefiLlama protocols export"),
        "{stderr}"
    );
    assert!(stderr.contains("export.json:2:"), "{stderr}");
}

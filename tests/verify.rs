//! `posture verify`: a JSON report re-computed from the inputs it names.

mod common;

use common::posture;
use predicates::prelude::*;

fn report(dir: &std::path::Path, args: &[&str]) -> std::path::PathBuf {
    let path = dir.join("report.json");
    posture()
        .args(args)
        .args(["--format", "json", "-o"])
        .arg(&path)
        .assert()
        .code(0);
    path
}

/// Sets one field of a protocol's league row in a saved league.
fn tamper_row(league: &std::path::Path, id: &str, field: &str, value: serde_json::Value) {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(league).unwrap()).unwrap();
    let row = v["league"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|row| row["id"] == id)
        .unwrap();
    row[field] = value;
    std::fs::write(league, serde_json::to_string(&v).unwrap()).unwrap();
}

#[test]
fn a_fresh_report_holds_and_a_league_too() {
    let dir = tempfile::tempdir().unwrap();
    let one = report(dir.path(), &["score", "protocols/beets.toml"]);
    posture()
        .arg("verify")
        .arg(&one)
        .assert()
        .code(0)
        .stdout("holds: beets (protocols/beets.toml)\n");
    // A league's rows are verified when it carries no full reports, its reports with --full.
    for full in [&[][..], &["--full"][..]] {
        let mut args = vec!["score", "protocols/", "--as-of", "2025-06-01"];
        args.extend_from_slice(full);
        let league = report(dir.path(), &args);
        posture()
            .arg("verify")
            .arg(&league)
            .assert()
            .code(0)
            .stdout(predicate::str::contains(
                "holds: beets (protocols/beets.toml)",
            ))
            .stdout(predicate::str::contains("changed").not());
    }
    let what_if = report(
        dir.path(),
        &[
            "score",
            "protocols/lido.toml",
            "--set",
            "timelock.delay_hours=200",
        ],
    );
    posture().arg("verify").arg(&what_if).assert().code(0);
}

#[test]
fn a_changed_manifest_is_caught_with_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let r = report(dir.path(), &["score", "protocols/balancer-v2.toml"]);
    let copy = dir.path().join("protocols");
    std::fs::create_dir(&copy).unwrap();
    let text = std::fs::read_to_string(format!(
        "{}/protocols/balancer-v2.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    std::fs::write(copy.join("balancer-v2.toml"), &text).unwrap();
    posture()
        .arg("verify")
        .arg(&r)
        .arg("--protocols")
        .arg(&copy)
        .assert()
        .code(0);

    std::fs::write(
        copy.join("balancer-v2.toml"),
        text.replace("delay_hours = 0", "delay_hours = 48"),
    )
    .unwrap();
    posture()
        .arg("verify")
        .arg(&r)
        .arg("--protocols")
        .arg(&copy)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("changed: balancer-v2"))
        .stdout(predicate::str::contains(
            "protocols/balancer-v2.toml changed: sha256",
        ))
        .stdout(predicate::str::contains("control timelock"));
}

#[test]
fn a_league_row_with_a_changed_manifest_or_grade_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("protocols");
    std::fs::create_dir(&copy).unwrap();
    for name in ["balancer-v2.toml", "beets.toml", "lido.toml"] {
        let from = format!("{}/protocols/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(from, copy.join(name)).unwrap();
    }
    let r = dir.path().join("league.json");
    posture()
        .arg("score")
        .arg(&copy)
        .args(["--format", "json", "-o"])
        .arg(&r)
        .assert()
        .code(0);
    posture().arg("verify").arg(&r).assert().code(0);

    let text = std::fs::read_to_string(copy.join("lido.toml")).unwrap();
    std::fs::write(
        copy.join("lido.toml"),
        text.replace("delay_hours = 72", "delay_hours = 0"),
    )
    .unwrap();
    tamper_row(&r, "beets", "grade", serde_json::json!("A"));
    posture()
        .arg("verify")
        .arg(&r)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("holds: balancer-v2"))
        .stdout(predicate::str::contains("changed: lido"))
        .stdout(predicate::str::contains("lido.toml changed: sha256"))
        .stdout(predicate::str::contains("changed: beets"))
        .stdout(predicate::str::contains("grade: \"A\" -> "));
}

#[test]
fn a_tampered_report_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let r = report(dir.path(), &["score", "protocols/lido.toml"]);
    let text = std::fs::read_to_string(&r).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["grade"] = serde_json::json!("A");
    std::fs::write(&r, serde_json::to_string(&v).unwrap()).unwrap();
    posture()
        .arg("verify")
        .arg(&r)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("grade: \"A\" -> "));
}

#[test]
fn unreadable_reports_and_missing_inputs_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "not json").unwrap();
    posture()
        .arg("verify")
        .arg(&junk)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read"));
    let r = report(dir.path(), &["score", "protocols/lido.toml"]);
    posture()
        .arg("verify")
        .arg(&r)
        .arg("--protocols")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read"));
}

#[test]
fn a_tampered_row_of_a_full_league_is_caught_even_with_its_report_intact() {
    let dir = tempfile::tempdir().unwrap();
    let r = report(dir.path(), &["score", "protocols/", "--full"]);
    tamper_row(&r, "lido", "score", serde_json::json!(99.9));
    posture()
        .arg("verify")
        .arg(&r)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("changed: lido"))
        .stdout(predicate::str::contains("league row score: 99.9 -> "))
        .stdout(predicate::str::contains("holds: curve"));
}

//! The DAO's side: gap plans, what-ifs, diffs and the init template, through the CLI.

mod common;

use common::posture;
use predicates::prelude::*;

fn json(args: &[&str]) -> serde_json::Value {
    let out = posture()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)))
}

const BEFORE: &str = "examples/dao-self-assessment/before.toml";
const AFTER: &str = "examples/dao-self-assessment/after.toml";

#[test]
fn gaps_put_capping_gates_first_then_points_lost() {
    let v = json(&["gaps", "protocols/balancer-v2@2025-11-07.toml"]);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items[0]["kind"], "gate");
    assert_eq!(items[0]["id"], "unresolved-critical");
    let controls: Vec<&serde_json::Value> =
        items.iter().filter(|i| i["kind"] == "control").collect();
    assert!(!controls.is_empty());
    for w in controls.windows(2) {
        let (a, b) = (
            w[0]["points_lost"].as_f64().unwrap(),
            w[1]["points_lost"].as_f64().unwrap(),
        );
        assert!(
            a > b || (a == b && w[0]["effort"].as_str() <= w[1]["effort"].as_str()),
            "{} before {}",
            w[0]["id"],
            w[1]["id"]
        );
    }
    // Each control gap names its next step and what it buys, verified by scoring.
    let timelock = controls.iter().find(|i| i["id"] == "timelock").unwrap();
    assert_eq!(
        timelock["next"]["set"],
        serde_json::json!(["timelock.delay_hours=24"])
    );
    assert!(timelock["next"]["gain_points"].as_f64().unwrap() > 0.0);
}

/// Runs `gaps --target`, then scores with the plan's `--set`s: the target must really be met.
fn plan_reaches(manifest: &str, target: &str) {
    let v = json(&["gaps", manifest, "--target", target]);
    let plan = &v["plan"];
    assert_eq!(plan["reached"], true, "{plan}");
    let sets: Vec<String> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["set"].as_array().unwrap().iter())
        .map(|e| e.as_str().unwrap().to_string())
        .collect();
    assert!(!sets.is_empty());
    let mut args = vec!["score".to_string(), manifest.to_string()];
    for s in &sets {
        args.push("--set".into());
        args.push(s.clone());
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let report = json(&refs);
    let grades = ["A", "B", "C", "D", "F"];
    let rank = |g: &str| grades.iter().position(|x| *x == g).unwrap();
    assert!(
        rank(report["grade"].as_str().unwrap()) <= rank(target),
        "{sets:?} gave {}",
        report["grade"]
    );
    assert_eq!(report["grade"], plan["after"]["grade"]);
    assert_eq!(report["score"], plan["after"]["score"]);
}

#[test]
fn the_target_plan_applied_through_set_reaches_the_target() {
    plan_reaches(BEFORE, "B");
    // Balancer's B needs formal verification and an economic audit, work no field edit
    // states; manifest edits alone reach C.
    plan_reaches("protocols/balancer-v2.toml", "C");
    plan_reaches("protocols/aave-v3.toml", "A");
}

#[test]
fn a_target_out_of_reach_says_why_and_exits_one() {
    // Without maturity and incident history (only time changes them), A is out of reach for
    // a protocol that lost money last week.
    let out = posture()
        .args([
            "gaps",
            "protocols/balancer-v2@2025-11-07.toml",
            "--target",
            "A",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    if out.status.code() == Some(1) {
        assert!(
            text.contains("out of reach") && text.contains("only time changes"),
            "{text}"
        );
    } else {
        assert_eq!(out.status.code(), Some(0), "{text}");
    }
    posture()
        .args(["gaps", BEFORE, "--target", "Q"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a grade"));
}

#[test]
fn set_changes_exactly_what_it_names() {
    let src = posture::load::Source::new(
        "before",
        std::fs::read_to_string(format!("{}/{BEFORE}", env!("CARGO_MANIFEST_DIR"))).unwrap(),
    );
    let m = posture::load::manifest(&src).unwrap();
    let edit = posture::core::analysis::whatif::Edit::parse("timelock.delay_hours=48").unwrap();
    let (edited, overrides) = posture::core::analysis::whatif::apply(&m, &[edit]).unwrap();
    assert!(overrides.0.is_empty());
    let mut a = serde_json::to_value(&m).unwrap();
    let b = serde_json::to_value(&edited).unwrap();
    assert_eq!(b["timelock"]["delay_hours"], 48.0);
    a["timelock"]["delay_hours"] = serde_json::json!(48.0);
    assert_eq!(a, b, "only timelock.delay_hours may change");

    // A metric what-if moves that one control and nothing else.
    let before = json(&["score", BEFORE]);
    let after = json(&["score", BEFORE, "--set", "economic_audits.recent_count=1"]);
    let findings = |v: &serde_json::Value| v["findings"].as_array().unwrap().clone();
    let changed: Vec<String> = findings(&before)
        .iter()
        .zip(findings(&after).iter())
        .filter(|(x, y)| x["score"] != y["score"])
        .map(|(x, _)| x["control"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(changed, vec!["economic-audit"]);
    assert_eq!(
        after["what_if"]["sets"][0],
        "economic_audits.recent_count=1"
    );
    assert_eq!(after["what_if"]["before"]["score"], before["score"]);
}

#[test]
fn unknown_set_names_are_errors_with_suggestions() {
    posture()
        .args(["score", BEFORE, "--set", "timelock.delay_hour=48"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "did you mean `timelock.delay_hours`?",
        ));
    posture()
        .args(["score", BEFORE, "--set", "admin.threshold=9"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("threshold 9 of 5 signers"));
}

#[test]
fn diff_reports_changes_and_exit_codes() {
    let v = json(&["diff", BEFORE, AFTER]);
    assert_eq!(v["old"]["grade"], "F");
    assert_eq!(v["new"]["grade"], "B");
    assert_eq!(v["regression"], false);
    assert_eq!(v["caps_lifted"][0]["gate"], "three-pillars");
    assert!(
        v["improved"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["control"] == "timelock")
    );

    posture()
        .args(["diff", BEFORE, AFTER, "--fail-on-regression"])
        .assert()
        .code(0);
    posture()
        .args(["diff", AFTER, BEFORE, "--fail-on-regression"])
        .assert()
        .code(1);
    posture()
        .args(["diff", AFTER, BEFORE])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("REGRESSION"));
    posture()
        .args([
            "diff",
            "protocols/balancer-v2@2025-11-07.toml",
            "--from",
            "2025-11-02",
            "--to",
            "2025-11-07",
            "--fail-on-regression",
        ])
        .assert()
        .code(1);
    posture()
        .args(["diff", BEFORE])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--from"));
    posture()
        .args(["diff", BEFORE, AFTER, "--format", "markdown"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(
            "# Security posture change: Harbor Lend",
        ));
}

#[test]
fn the_init_template_validates_once_filled_with_its_examples() {
    let out = posture().arg("init").output().unwrap();
    assert!(out.status.success());
    let template = String::from_utf8(out.stdout).unwrap();
    // Unfilled, it states nothing.
    let empty = posture::load::Source::new("template.toml", template.clone());
    assert!(posture::load::manifest(&empty).is_err());
    let filled: String = template
        .lines()
        .map(|l| l.strip_prefix("# ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let src = posture::load::Source::new("filled.toml", filled);
    let m = posture::load::manifest(&src).unwrap_or_else(|d| panic!("{d:?}"));
    assert_eq!(m.protocol.id, "example-protocol");
    for table in [
        "audits",
        "formal_verification",
        "monitoring",
        "timelock",
        "pause",
        "bug_bounty",
        "insurance",
        "admin",
        "upgradeability",
        "oracles",
        "incident_response",
        "incidents",
        "lineage",
    ] {
        assert!(template.contains(table), "template lacks {table}");
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    posture().arg("init").arg("-o").arg(&path).assert().code(0);
    posture()
        .arg("init")
        .arg("-o")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not overwrite"));
}

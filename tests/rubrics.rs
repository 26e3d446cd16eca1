//! Rubric inheritance and lint, through the command line.

mod common;

use common::posture;
use predicates::prelude::*;

fn json(args: &[&str]) -> serde_json::Value {
    let out = posture()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn institutional_extends_the_baseline_and_adds_its_gates() {
    let show = String::from_utf8(
        posture()
            .args(["rubric", "show", "institutional"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(show.contains("insurance (weight 8)"), "{show}");
    assert!(
        show.contains("timelock (weight 8)"),
        "inherited controls are kept:\n{show}"
    );
    for gate in [
        "three-pillars",
        "reputable-audits",
        "insurance-cover",
        "public-incident-plan",
    ] {
        assert!(
            show.contains(&format!("{gate} caps at")),
            "{gate} missing:\n{show}"
        );
    }
    let v = json(&["score", "protocols/", "--rubric", "institutional", "--full"]);
    let reports = v["reports"].as_array().unwrap();
    assert!(
        reports
            .iter()
            .all(|r| r["stamp"]["rubric"]["id"] == "institutional")
    );
    let balancer = reports
        .iter()
        .find(|r| r["stamp"]["manifest"]["path"] == "protocols/balancer-v2.toml")
        .unwrap();
    let gate = |id: &str| {
        balancer["gates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["id"] == id)
            .unwrap()
            .clone()
    };
    // Balancer's audits come from Trail of Bits, OpenZeppelin and Certora: reputable, but only
    // one firm covers the weighted pools.
    assert_eq!(gate("reputable-audits")["status"], "fails");
    assert_eq!(gate("insurance-cover")["status"], "fails");
}

#[test]
fn three_pillars_counts_only_the_pillars() {
    let show = String::from_utf8(
        posture()
            .args(["rubric", "show", "three-pillars"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(!show.contains("timelock"), "{show}");
    let v = json(&[
        "score",
        "protocols/balancer-v2.toml",
        "--rubric",
        "three-pillars",
    ]);
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["control"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            "formal-verification",
            "continuous-monitoring",
            "monitoring-coverage",
            "economic-audit"
        ]
    );
}

#[test]
fn a_rubric_file_extends_a_sibling_and_overrides_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(format!(
        "{}/rubrics/defi-baseline.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    std::fs::write(dir.path().join("base.toml"), base).unwrap();
    std::fs::write(
        dir.path().join("mine.toml"),
        r#"[rubric]
id = "mine"
version = "0.1.0"
title = "Mine"
extends = "base.toml"

[grades]
scale = [ { grade = "A", min = 90 }, { grade = "B", min = 75 }, { grade = "C", min = 60 }, { grade = "D", min = 45 }, { grade = "F", min = 0 } ]

[[controls]]
id = "timelock"
weight = 20
scoring = { tiers = [ { min = 168, score = 1.0 } ] }

[[gates]]
id = "eoa-admin"
cap = "F"
"#,
    )
    .unwrap();
    let rubric = dir.path().join("mine.toml");
    let r = rubric.to_str().unwrap();
    posture()
        .args(["rubric", "lint", r])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("mine 0.1.0: 0 errors"));
    let v = json(&[
        "score",
        "examples/dao-self-assessment/after.toml",
        "--rubric",
        r,
    ]);
    let timelock = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["control"] == "timelock")
        .unwrap()
        .clone();
    // 48 hours no longer reaches the only tier: 168.
    assert_eq!(timelock["score"], 0.0);
    assert_eq!(
        v["gates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["id"] == "eoa-admin")
            .unwrap()["cap"],
        "F"
    );
    assert_eq!(v["stamp"]["rubric"]["id"], "mine");
    // The stamp's sha256 covers the chain: editing the base changes it.
    let before = v["stamp"]["rubric"]["sha256"].clone();
    std::fs::write(
        dir.path().join("base.toml"),
        std::fs::read_to_string(dir.path().join("base.toml")).unwrap() + "\n# edited\n",
    )
    .unwrap();
    let after = json(&[
        "score",
        "examples/dao-self-assessment/after.toml",
        "--rubric",
        r,
    ]);
    assert_ne!(before, after["stamp"]["rubric"]["sha256"]);
}

#[test]
fn lint_warns_about_what_is_legal_but_not_meant() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.toml");
    std::fs::write(
        &path,
        r#"[rubric]
id = "odd"
version = "1.0.0"
title = "Odd"
extends = "defi-baseline"

[[controls]]
id = "continuous-monitoring"
scoring = { levels = { realtime = 1.0 } }

[[gates]]
id = "never"
title = "Never fires"
when_any = [ { metric = "insurance.tvl_share", above = 1 } ]
cap = "A"
reason = "r"
"#,
    )
    .unwrap();
    let out = posture()
        .args(["rubric", "lint"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning: controls[0].scoring.levels: levels none, alerting, automated-response of `monitoring.level` are not listed and score 0"), "{stderr}");
    assert!(stderr.contains("can never hold"), "{stderr}");
    assert!(stderr.contains("caps at the best grade `A`"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 errors, 3 warnings"));
    posture()
        .args([
            "rubric",
            "lint",
            "tests/fixtures/bad/rubric-zero-weight.toml",
        ])
        .assert()
        .code(2)
        .stdout(predicate::str::ends_with(
            "tests/fixtures/bad/rubric-zero-weight.toml: 1 error\n",
        ));
    for builtin in ["defi-baseline", "institutional", "three-pillars"] {
        posture()
            .args(["rubric", "lint", builtin])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("0 errors, 0 warnings"));
    }
}

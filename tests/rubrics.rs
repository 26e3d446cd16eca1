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

/// `posture rubric test` on a folder of the shipped tests, with a rubric: exit code, stdout,
/// stderr.
fn rubric_test(dir: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = posture()
        .args(["rubric", "test", dir])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_shipped_rubrics_pass_their_tests_and_they_exercise_all_of_them() {
    for (rubric, coverage) in [
        (
            "defi-baseline",
            "coverage: 17 of 17 controls, 5 of 5 gates (100%)",
        ),
        (
            "institutional",
            "coverage: 17 of 17 controls, 8 of 8 gates (100%)",
        ),
    ] {
        let (code, out, err) = rubric_test(
            &format!("rubrics/tests/{rubric}"),
            &["--rubric", rubric, "--min-coverage", "100"],
        );
        assert_eq!(code, Some(0), "{rubric}: {out}{err}");
        let names: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("ok ")).collect();
        // Every fixture ran, in name order.
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert!(names.len() >= 6, "{out}");
        assert!(!out.contains("FAIL"), "{out}");
        assert!(out.contains(coverage), "{out}");
    }
    // The baseline's tests under institutional: the policy's own gates go unexercised, and
    // best practice by unlisted auditors is capped.
    let (code, out, _) = rubric_test(
        "rubrics/tests/defi-baseline",
        &["--rubric", "institutional", "--min-coverage", "100"],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("FAIL best-practice\n  grade: expected A, got C\n  capped_by: expected none, got reputable-audits\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "gates no fixture caps by: reputable-audits, insurance-cover, public-incident-plan"
        ),
        "{out}"
    );
}

#[test]
fn a_rubric_test_fails_when_its_rubric_changes() {
    let base =
        std::fs::read_to_string(format!("{}/rubrics/defi-baseline.toml", common::ROOT)).unwrap();
    // A stricter top timelock tier, then a gentler three-pillars cap: each changes a verdict
    // a fixture pins down, and the run names the fixture and what changed.
    for (from, to, fixture, difference) in [
        (
            "{ min = 168, score = 1.0 }, { min = 48, score = 0.8 }",
            "{ min = 336, score = 1.0 }, { min = 48, score = 0.8 }",
            "best-practice",
            "timelock: expected pass, got partial",
        ),
        (
            "]\ncap = \"C\"",
            "]\ncap = \"B\"",
            "no-pillars",
            "grade: expected C, got B",
        ),
    ] {
        assert_eq!(base.matches(from).count(), 1, "{from}");
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("defi-baseline.toml");
        std::fs::write(&copy, base.replace(from, to)).unwrap();
        let (code, out, err) = rubric_test(
            "rubrics/tests/defi-baseline",
            &["--rubric", copy.to_str().unwrap()],
        );
        assert_eq!(code, Some(1), "{out}{err}");
        let failing = out
            .split_once(&format!("FAIL {fixture}\n"))
            .unwrap_or_else(|| panic!("{fixture} should fail:\n{out}"))
            .1;
        assert!(failing.starts_with(&format!("  {difference}")), "{out}");
        // The unchanged copy passes: the failure is the edit's.
        std::fs::write(&copy, &base).unwrap();
        let (code, out, _) = rubric_test(
            "rubrics/tests/defi-baseline",
            &["--rubric", copy.to_str().unwrap()],
        );
        assert_eq!(code, Some(0), "{out}");
    }
}

/// A folder holding the best-practice fixture and the expectation text given.
fn one_fixture(expect: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        format!(
            "{}/rubrics/tests/defi-baseline/best-practice.toml",
            common::ROOT
        ),
        dir.path().join("bp.toml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("bp.expect.toml"), expect).unwrap();
    dir
}

#[test]
fn bad_expectations_are_refused_at_their_line_and_column() {
    for (expect, wanted) in [
        (
            "grade = \"A\"\ncapped_by = \"none\"\ngrde = \"A\"\n",
            &[
                "unknown field `grde`",
                "bp.expect.toml:3:1",
                "did you mean `grade`?",
            ][..],
        ),
        (
            "grade = \"A\"\ncapped_by = \"three-pilars\"\n",
            &[
                "no gate `three-pilars`",
                "bp.expect.toml:2:13",
                "did you mean `three-pillars`?",
            ],
        ),
        (
            "grade = \"A\"\ncapped_by = \"none\"\n[controls]\ntimelok = \"pass\"\nmaturity = \"passed\"\n",
            &[
                "no control `timelok`",
                "bp.expect.toml:4:",
                "did you mean `timelock`?",
                "`passed` is not a status",
                "bp.expect.toml:5:12",
                "did you mean `pass`?",
            ],
        ),
        (
            "grade = \"Q\"\ncapped_by = \"none\"\n",
            &[
                "`Q` is not a grade",
                "bp.expect.toml:1:9",
                "`A`, `B`, `C`, `D`, `F`",
            ],
        ),
        ("grade = \"A\"\n", &["missing field `capped_by`"]),
        ("grade = \"A\n", &["bp.expect.toml:1:"]),
    ] {
        let dir = one_fixture(expect);
        let (code, out, err) = rubric_test(dir.path().to_str().unwrap(), &[]);
        assert_eq!(code, Some(2), "{expect}: {out}{err}");
        assert!(out.is_empty(), "nothing runs on bad input: {out}");
        for w in wanted {
            assert!(err.contains(w), "{expect}: wanted {w} in\n{err}");
        }
    }
    // Problems come in the file's order.
    let dir = one_fixture(
        "grade = \"A\"\ncapped_by = \"none\"\n[controls]\ntimelok = \"pass\"\nmaturity = \"passed\"\n",
    );
    let (_, _, err) = rubric_test(dir.path().to_str().unwrap(), &[]);
    assert!(
        err.find("timelok").unwrap() < err.find("passed").unwrap(),
        "{err}"
    );
}

#[test]
fn a_fixture_without_an_expectation_or_an_expectation_without_a_fixture_is_bad_input() {
    let dir = one_fixture("grade = \"A\"\ncapped_by = \"none\"\n");
    std::fs::write(
        dir.path().join("stray.expect.toml"),
        "grade = \"A\"\ncapped_by = \"none\"\n",
    )
    .unwrap();
    let (code, _, err) = rubric_test(dir.path().to_str().unwrap(), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("stray.toml that is not in"), "{err}");
    std::fs::remove_file(dir.path().join("stray.expect.toml")).unwrap();
    std::fs::remove_file(dir.path().join("bp.expect.toml")).unwrap();
    let (code, _, err) = rubric_test(dir.path().to_str().unwrap(), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("has no expectation file"), "{err}");
    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) = rubric_test(empty.path().to_str().unwrap(), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("holds no fixtures"), "{err}");
}

#[test]
fn differences_and_missing_coverage_are_listed_and_gate_the_exit_code() {
    let dir = one_fixture(
        "grade = \"C\"\ncapped_by = \"three-pillars\"\n[controls]\ntimelock = \"fail\"\nmaturity = \"pass\"\n",
    );
    let (code, out, _) = rubric_test(dir.path().to_str().unwrap(), &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.starts_with(
            "FAIL bp\n  grade: expected C, got A\n  capped_by: expected three-pillars, got none\n  timelock: expected fail, got pass\ncoverage:"
        ),
        "{out}"
    );
    assert!(!out.contains("maturity: expected"), "{out}");
    // Two controls and one gate of 22: 13%, rounded down.
    assert!(
        out.contains("coverage: 2 of 17 controls, 1 of 5 gates (13%)"),
        "{out}"
    );
    assert!(
        out.contains("controls no fixture exercises: code-audits,"),
        "{out}"
    );
    assert!(
        out.contains("gates no fixture caps by: unaudited-deployment, eoa-admin,"),
        "{out}"
    );

    let dir = one_fixture("grade = \"A\"\ncapped_by = \"none\"\n[controls]\ntimelock = \"pass\"\n");
    let d = dir.path().to_str().unwrap();
    assert_eq!(rubric_test(d, &[]).0, Some(0));
    // 1 of 22 is under 5%, over 4%.
    assert_eq!(rubric_test(d, &["--min-coverage", "4"]).0, Some(0));
    let (code, _, err) = rubric_test(d, &["--min-coverage", "5"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("coverage 4% is under --min-coverage 5"),
        "{err}"
    );
    assert_eq!(rubric_test(d, &["--min-coverage", "101"]).0, Some(2));
    // -q keeps the failures and the shortfall, not the summaries.
    let (code, out, err) = rubric_test(d, &["-q", "--min-coverage", "5"]);
    assert_eq!(code, Some(1));
    assert_eq!(out, "");
    assert!(err.contains("under --min-coverage 5"), "{err}");
    let failing = one_fixture("grade = \"B\"\ncapped_by = \"none\"\n");
    let (code, out, _) = rubric_test(failing.path().to_str().unwrap(), &["-q"]);
    assert_eq!(code, Some(1));
    assert_eq!(out, "FAIL bp\n  grade: expected B, got A\n");
}

#[test]
fn validate_checks_an_expectation_for_its_shape() {
    let dir = one_fixture("grade = \"A\"\ncapped_by = \"none\"\n[controls]\ntimelock = \"pass\"\n");
    posture()
        .args(["validate"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "bp.expect.toml (rubric test expectation)",
        ));
    std::fs::write(
        dir.path().join("bp.expect.toml"),
        "grade = \"A\"\ncapped_by = \"none\"\ncontrol = {}\n",
    )
    .unwrap();
    posture()
        .args(["validate"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown field `control`"))
        .stderr(predicate::str::contains("bp.expect.toml:3:1"))
        .stderr(predicate::str::contains("did you mean `controls`?"));
}

//! The command line as a user meets it: outputs, diagnostics and exit codes.

mod common;

use common::posture;
use predicates::prelude::*;

fn stdout_of(args: &[&str]) -> String {
    let out = posture().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json_of(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&stdout_of(args)).unwrap()
}

#[test]
fn scoring_the_shipped_folder_prints_a_league_table() {
    let out = stdout_of(&["score", "protocols/"]);
    for id in [
        "balancer-v2",
        "aave-v3",
        "uniswap-v3",
        "lido",
        "compound-v3",
    ] {
        assert!(out.contains(id), "{id} missing from\n{out}");
    }
    assert!(out.contains("capped by") && out.contains("confidence"));
}

#[test]
fn the_league_is_ordered_by_grade_then_score() {
    let v = json_of(&["score", "protocols/", "--format", "json"]);
    let rows = v["league"].as_array().unwrap();
    assert!(rows.len() >= 5);
    let key = |r: &serde_json::Value| {
        (
            r["grade"].as_str().unwrap().to_string(),
            -r["score"].as_f64().unwrap(),
        )
    };
    for w in rows.windows(2) {
        let (a, b) = (key(&w[0]), key(&w[1]));
        assert!(
            a.0 < b.0 || (a.0 == b.0 && a.1 <= b.1),
            "{a:?} before {b:?}"
        );
    }
}

#[test]
fn one_manifest_gets_the_full_report_with_its_stamp() {
    let out = stdout_of(&["score", "protocols/balancer-v2.toml"]);
    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/protocols/balancer-v2.toml"
    ))
    .unwrap();
    let sha = posture::load::sha256_hex(&text);
    for needle in [
        "Balancer V2 (balancer-v2)",
        "Code assurance",
        "timelock",
        "three-pillars",
        "Gaps",
        "defi-baseline 2.0.0",
        &sha,
        "evaluated as of 2025-11-02",
    ] {
        assert!(out.contains(needle), "{needle} missing from\n{out}");
    }
}

#[test]
fn balancer_before_its_exploit_is_neither_a_nor_b() {
    let v = json_of(&["score", "protocols/balancer-v2.toml", "--format", "json"]);
    let grade = v["grade"].as_str().unwrap();
    assert!(!["A", "B"].contains(&grade), "graded {grade}");
    let finding = |id: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["control"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(finding("timelock")["value"], 0.0);
    assert_eq!(finding("economic-audit")["value"], 0.0);
    assert_eq!(v["gates"][0]["id"], "three-pillars");
    assert_eq!(v["gates"][0]["status"], "fails");
}

#[test]
fn as_of_changes_what_the_facts_say() {
    let early = json_of(&[
        "score",
        "protocols/balancer-v2.toml",
        "--format",
        "json",
        "--as-of",
        "2023-01-01",
    ]);
    let late = json_of(&[
        "score",
        "protocols/balancer-v2.toml",
        "--format",
        "json",
        "--as-of",
        "2025-11-02",
    ]);
    assert_eq!(early["stamp"]["evaluated_as_of"], "2023-01-01");
    assert_eq!(late["stamp"]["evaluated_as_of"], "2025-11-02");
    let value = |v: &serde_json::Value, id: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["control"] == id)
            .unwrap()["value"]
            .clone()
    };
    // Audits age: in 2023 the newest covering audit was months old, by late 2025 years old.
    assert!(
        value(&early, "audit-recency").as_f64().unwrap()
            < value(&late, "audit-recency").as_f64().unwrap()
    );
    // The August 2023 incident does not exist yet in January 2023.
    assert_eq!(value(&early, "incident-history"), "clean");
    assert_eq!(value(&late, "incident-history"), "resolved-past");
    assert_ne!(early["score"], late["score"]);
}

#[test]
fn a_fork_in_the_folder_inherits_its_upstreams_exploit() {
    let v = json_of(&["score", "protocols/beets.toml", "--format", "json"]);
    let lineage = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["control"] == "code-lineage")
        .unwrap()
        .clone();
    assert!(
        lineage["note"]
            .as_str()
            .unwrap()
            .starts_with("inherited from balancer-v2: 2025-11-03"),
        "{lineage}"
    );
    let gate = v["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "inherited-vulnerability")
        .unwrap()
        .clone();
    assert_eq!(gate["status"], "fails");
}

#[test]
fn output_is_byte_identical_across_runs() {
    for format in ["table", "json"] {
        let a = posture()
            .args(["score", "protocols/", "--format", format])
            .output()
            .unwrap();
        let b = posture()
            .args(["score", "protocols/", "--format", format])
            .output()
            .unwrap();
        assert_eq!(a.stdout, b.stdout, "{format}");
    }
}

#[test]
fn fail_under_exits_one_when_a_grade_is_below() {
    posture()
        .args(["score", "protocols/", "--fail-under", "A"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("graded below"));
    posture()
        .args(["score", "protocols/", "--fail-under", "f"])
        .assert()
        .code(0);
    posture()
        .args(["score", "protocols/", "--fail-under", "Z"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`Z` is not a grade"));
}

#[test]
fn a_typo_in_a_key_names_the_line_and_suggests_the_key() {
    posture()
        .args(["score", "tests/fixtures/bad/typo-key.toml"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("unknown key `delay_hour`"))
        .stderr(predicate::str::contains(
            "tests/fixtures/bad/typo-key.toml:10:1",
        ))
        .stderr(predicate::str::contains("did you mean `delay_hours`?"));
}

#[test]
fn invalid_toml_is_located() {
    posture()
        .args(["validate", "tests/fixtures/bad/broken-syntax.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid TOML"))
        .stderr(predicate::str::contains("broken-syntax.toml:3:"));
}

#[test]
fn a_bad_manifest_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::copy(
        format!("{root}/protocols/lido.toml"),
        dir.path().join("lido.toml"),
    )
    .unwrap();
    std::fs::copy(
        format!("{root}/tests/fixtures/bad/typo-key.toml"),
        dir.path().join("typo.toml"),
    )
    .unwrap();
    let out = posture().arg("score").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("lido"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("delay_hour"));
}

#[test]
fn validate_checks_semantics_and_rubrics() {
    posture()
        .args(["validate", "protocols/", "rubrics/"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0 invalid"));
    posture()
        .args(["validate", "tests/fixtures/bad/unknown-component.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no component named `pools`"))
        .stderr(predicate::str::contains("unknown-component.toml:18:"))
        .stderr(predicate::str::contains("did you mean `pool`?"));
    posture()
        .args(["validate", "tests/fixtures/bad/unknown-metric-rubric.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown metric `timelock.delay`"))
        .stderr(predicate::str::contains("unknown-metric-rubric.toml:19:"))
        .stderr(predicate::str::contains(
            "did you mean `timelock.delay_hours`?",
        ));
}

#[test]
fn a_rubric_file_can_replace_the_default() {
    posture()
        .args([
            "score",
            "protocols/lido.toml",
            "--rubric",
            "rubrics/defi-baseline.toml",
        ])
        .assert()
        .code(0);
    posture()
        .args(["score", "protocols/lido.toml", "--rubric", "defi-baselin"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `defi-baseline`?"));
}

#[test]
fn missing_files_and_usage_errors_exit_two() {
    posture()
        .args(["score", "no/such/file.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read"));
    posture().args(["score"]).assert().code(2);
    posture().args(["frobnicate"]).assert().code(2);
    posture()
        .args(["score", "protocols/", "--as-of", "2025-13-01"])
        .assert()
        .code(2);
    posture().args(["validate", "no/such"]).assert().code(2);
}

#[test]
fn schema_and_rubric_commands_succeed() {
    let schema: serde_json::Value =
        serde_json::from_str(&stdout_of(&["schema", "report"])).unwrap();
    assert_eq!(schema["title"], "posture report");
    let show = stdout_of(&["rubric", "show", "defi-baseline"]);
    assert!(show.contains("three-pillars caps at C"));
    assert!(show.contains("metric timelock.delay_hours"));
    assert!(stdout_of(&["rubric", "list"]).starts_with("defi-baseline\t2.0.0"));
    posture().args(["rubric", "show", "nope"]).assert().code(2);
}

#[test]
fn output_can_go_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    posture()
        .args(["score", "protocols/lido.toml", "--format", "json", "-o"])
        .arg(&path)
        .assert()
        .code(0)
        .stdout("");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["protocol"]["id"], "lido");
}

#[test]
fn golden_json_report_of_balancer() {
    let out = stdout_of(&["score", "protocols/balancer-v2.toml", "--format", "json"]);
    insta::assert_snapshot!("balancer-v2.json", out);
}

#[test]
fn a_fork_scored_alone_finds_its_upstream_through_protocols() {
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let fork = dir.path().join("beets.toml");
    std::fs::copy(format!("{root}/protocols/beets.toml"), &fork).unwrap();
    let lineage = |args: &[&str]| {
        let out = posture()
            .arg("score")
            .arg(&fork)
            .args(args)
            .args(["--format", "json"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["control"] == "code-lineage")
            .unwrap()
            .clone()
    };
    // Alone in its folder, the upstream is unknown...
    assert_eq!(lineage(&[])["status"], "unknown");
    // ...and found when pointed at the shipped protocols.
    assert_eq!(
        lineage(&["--protocols", &format!("{root}/protocols")])["status"],
        "fail"
    );
}

#[test]
fn schema_needs_a_known_kind() {
    posture().args(["schema", "manifests"]).assert().code(2);
    posture()
        .args(["schema", "manifest"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"title\": \"posture manifest\""));
}

#[test]
fn backtest_grades_the_day_before_each_incident() {
    let v = json_of(&["backtest", "tests/fixtures/backtest/", "--format", "json"]);
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["protocol"], "harbor-lend");
    assert_eq!(cases[0]["snapshot_as_of"], "2026-03-01");
    assert_eq!(cases[0]["before"]["grade"], "F");
    assert_eq!(v["clean"][0]["protocol"], "exemplar");
    // The only protocol without a loss is dated after the incident: no time-matched control.
    assert_eq!(v["pooled_auc"], 1.0);
    assert!(v["auc"].is_null());
    assert_eq!(v["unmatched"][0]["protocol"], "harbor-lend");
    let text = stdout_of(&["backtest", "tests/fixtures/backtest/"]);
    assert!(
        text.contains("Pooled 1.x comparison") && text.contains("AUC 1.00"),
        "{text}"
    );
    assert!(text.contains("Matched AUC: not measurable"), "{text}");
}

/// A tiny manifest with what the study reads: id, date and incidents.
fn tiny(dir: &std::path::Path, id: &str, as_of: &str, incidents: &str) {
    std::fs::write(
        dir.join(format!("{id}@{as_of}.toml")),
        format!(
            "format = 1\n\n[protocol]\nid = \"{id}\"\nname = \"{id}\"\nkind = \"dex\"\nas_of = {as_of}\nlaunched = 2020-01-01\n{incidents}"
        ),
    )
    .unwrap();
}

#[test]
fn a_control_dated_two_years_away_is_no_control() {
    let dir = tempfile::tempdir().unwrap();
    tiny(dir.path(), "hit", "2024-05-01", "");
    tiny(
        dir.path(),
        "hit",
        "2024-07-01",
        "\n[[incidents]]\ndate = 2024-06-01\nloss_usd = 5_000_000\ncause = \"bug\"\nresolved = true\nsource = \"https://example.org/pm\"\n",
    );
    tiny(dir.path(), "far", "2022-05-01", "");
    let path = dir.path().to_str().unwrap();
    let v = json_of(&["backtest", path, "--format", "json"]);
    assert!(v["auc"].is_null(), "{v}");
    assert_eq!(v["unmatched"][0]["protocol"], "hit");
    assert!(
        v["unmatched"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("no control")
    );
    assert_eq!(v["cases"][0]["matched"], serde_json::json!([]));
    // A snapshot of the year before is a control, graded as of the case's day before.
    tiny(dir.path(), "near", "2024-03-01", "");
    let v = json_of(&["backtest", path, "--format", "json"]);
    assert_eq!(v["cases"][0]["matched"], serde_json::json!(["near"]));
    assert_eq!(v["matched_cases"], 1);
    assert!(v["unmatched"].as_array().unwrap().is_empty());
    // Nothing is known on either side: grade and confidence tie, so both give chance.
    assert_eq!(v["auc"], 0.5);
    assert_eq!(v["auc"], v["confidence_auc"]);
    assert_eq!(v["bootstrap"]["resamples"], 2000);
}

#[test]
fn the_matched_study_is_deterministic_and_compares_rubrics() {
    let a = stdout_of(&["backtest", "protocols/", "--format", "json"]);
    assert_eq!(
        a,
        stdout_of(&["backtest", "protocols/", "--format", "json"])
    );
    let v: serde_json::Value = serde_json::from_str(&a).unwrap();
    for key in [
        "auc",
        "auc_interval",
        "confidence_auc",
        "pooled_auc",
        "loss_weighted_auc",
        "known_only_auc",
        "leave_one_out",
        "case_confidence",
        "control_confidence",
    ] {
        assert!(!v[key].is_null(), "{key}");
    }
    let i = &v["auc_interval"];
    assert!(i["low"].as_f64().unwrap() <= v["auc"].as_f64().unwrap());
    assert!(i["high"].as_f64().unwrap() >= v["auc"].as_f64().unwrap());
    let c = json_of(&[
        "backtest",
        "protocols/",
        "--rubric",
        "defi-baseline",
        "--rubric",
        "three-pillars",
        "--format",
        "json",
    ]);
    let rows = c["rubrics"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["auc"], v["auc"]);
    assert!(
        rows[1]["rubric"]
            .as_str()
            .unwrap()
            .starts_with("three-pillars@")
    );
    let help = stdout_of(&["backtest", "--help"]);
    assert!(!help.contains("--as-of"), "{help}");
}

#[test]
fn backtest_of_the_shipped_data_uses_only_earlier_snapshots() {
    let v = json_of(&["backtest", "protocols/", "--format", "json"]);
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    for c in cases.iter().filter(|c| !c["before"].is_null()) {
        assert!(
            c["snapshot_as_of"].as_str().unwrap() < c["incident_date"].as_str().unwrap(),
            "{c}"
        );
    }
    let balancer = cases
        .iter()
        .find(|c| c["protocol"] == "balancer-v2" && c["incident_date"] == "2025-11-03")
        .unwrap();
    assert_eq!(balancer["snapshot_as_of"], "2025-11-02");
    let auc = v["auc"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&auc));
    let md = stdout_of(&["backtest", "protocols/", "--format", "markdown"]);
    assert!(md.starts_with("| incident | protocol |"));
}

/// A fork read before its upstream still inherits from the upstream's latest snapshot, which
/// here is the last file of the folder: forks are graded once every file has been read.
#[test]
fn a_fork_read_first_inherits_from_the_latest_upstream_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/protocols/");
    for (from, to) in [
        ("beets.toml", "a-beets.toml"),
        ("balancer-v2.toml", "balancer-v2.toml"),
        ("balancer-v2@2025-11-07.toml", "balancer-v2@2025-11-07.toml"),
    ] {
        std::fs::copy(format!("{shipped}{from}"), dir.path().join(to)).unwrap();
    }
    let out = posture()
        .current_dir(dir.path())
        .args(["score", ".", "--format", "json", "--full"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reports = v["reports"].as_array().unwrap();
    // Grading order: the two upstream snapshots, then the fork.
    let order: Vec<&str> = reports
        .iter()
        .map(|r| r["stamp"]["manifest"]["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            "./balancer-v2.toml",
            "./balancer-v2@2025-11-07.toml",
            "./a-beets.toml"
        ]
    );
    let beets = &reports[2];
    assert_eq!(
        beets["stamp"]["upstream"]["path"],
        "./balancer-v2@2025-11-07.toml"
    );
    let lineage = beets["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["control"] == "code-lineage")
        .unwrap();
    assert_eq!(lineage["status"], "fail", "{lineage}");
    // Each row points at its report.
    for row in v["league"].as_array().unwrap() {
        let i = row["report"].as_u64().unwrap() as usize;
        assert_eq!(reports[i]["protocol"]["id"], row["id"]);
        assert_eq!(reports[i]["stamp"]["manifest"], row["manifest"]);
    }
}

/// A league table grades a fork as it arrives, against the upstream snapshot latest so far,
/// and again once every file is read when a later snapshot turned up: read before its upstream
/// (`a-beets`), or between two snapshots of it (`balancer-v20-beets` sorts after
/// `balancer-v2.toml` and before `balancer-v2@2025-11-07.toml`). Either way its row is graded
/// against the latest snapshot, exactly as with every full report.
#[test]
fn a_fork_graded_on_arrival_is_graded_again_when_a_later_upstream_turns_up() {
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/protocols/");
    for fork in ["a-beets.toml", "balancer-v20-beets.toml"] {
        let dir = tempfile::tempdir().unwrap();
        for (from, to) in [
            ("beets.toml", fork),
            ("balancer-v2.toml", "balancer-v2.toml"),
            ("balancer-v2@2025-11-07.toml", "balancer-v2@2025-11-07.toml"),
        ] {
            std::fs::copy(format!("{shipped}{from}"), dir.path().join(to)).unwrap();
        }
        let run = |full: bool| -> serde_json::Value {
            let mut cmd = posture();
            cmd.current_dir(dir.path())
                .args(["score", ".", "--format", "json"]);
            if full {
                cmd.arg("--full");
            }
            let out = cmd.output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{fork}");
            serde_json::from_slice(&out.stdout).unwrap()
        };
        let beets = |v: &serde_json::Value| -> serde_json::Value {
            let rows = v["league"].as_array().unwrap();
            let mut row = rows.iter().find(|r| r["id"] == "beets").unwrap().clone();
            row["report"] = serde_json::Value::Null;
            row
        };
        let lean = beets(&run(false));
        assert_eq!(
            lean["upstream"]["path"], "./balancer-v2@2025-11-07.toml",
            "{fork}"
        );
        assert_eq!(lean, beets(&run(true)), "{fork}");
    }
}

/// A league table without reports grades each manifest the cheap way (no report is made); its
/// rows are exactly those of the league with every full report.
#[test]
fn rows_graded_without_reports_match_rows_of_full_reports() {
    for extra in [
        &[][..],
        &["--as-of", "2024-01-01"][..],
        &[
            "--set",
            "timelock.delay_hours=200",
            "--set",
            "audits.min_firms_per_core_component=3",
        ][..],
    ] {
        let run = |full: bool| -> serde_json::Value {
            let mut cmd = posture();
            cmd.args(["score", "protocols/", "--format", "json"])
                .args(extra);
            if full {
                cmd.arg("--full");
            }
            let out = cmd.output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{extra:?}");
            serde_json::from_slice(&out.stdout).unwrap()
        };
        let (lean, mut full) = (run(false), run(true));
        for row in full["league"].as_array_mut().unwrap() {
            assert!(row["report"].is_u64());
            row["report"] = serde_json::Value::Null;
        }
        assert_eq!(lean["league"], full["league"], "{extra:?}");
        assert_eq!(lean["portfolio"], full["portfolio"], "{extra:?}");
        if extra.contains(&"--set") {
            assert!(lean["league"][0]["what_if"]["before"]["grade"].is_string());
        }
    }
}

/// `-o` never destroys an input, and a run that fails leaves no half-written file behind.
#[test]
fn output_never_overwrites_a_manifest_and_appears_only_when_complete() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/protocols/");
    for name in ["lido.toml", "curve.toml"] {
        std::fs::copy(format!("{shipped}{name}"), dir.path().join(name)).unwrap();
    }
    let before = std::fs::read(dir.path().join("lido.toml")).unwrap();
    posture()
        .current_dir(dir.path())
        .args(["score", ".", "--format", "json", "-o", "lido.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "would replace a file this command read",
        ));
    assert_eq!(std::fs::read(dir.path().join("lido.toml")).unwrap(), before);

    // A folder that cannot hold the output: an error, and nothing written anywhere.
    posture()
        .current_dir(dir.path())
        .args(["score", ".", "-o", "missing/league.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write missing/league.txt"));
    posture()
        .current_dir(dir.path())
        .args(["score", ".", "--format", "json", "-o", "league.json"])
        .assert()
        .code(0);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["curve.toml", "league.json", "lido.toml"]);
}

/// `-o` through a link writes the file it points to and leaves the link a link.
#[cfg(unix)]
#[test]
fn output_through_a_link_writes_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.json");
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    std::fs::write(&target, "old").unwrap();
    posture()
        .args(["score", "protocols/lido.toml", "--format", "json", "-o"])
        .arg(&link)
        .assert()
        .code(0);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(v["protocol"]["id"], "lido");
}

/// `-o /dev/null` (as in benchmarks and CI scripts) writes to the device; it must never be
/// replaced by a file.
#[cfg(unix)]
#[test]
fn output_to_dev_null_leaves_the_device_alone() {
    use std::os::unix::fs::FileTypeExt;
    posture()
        .args(["score", "protocols/", "--format", "json", "-o", "/dev/null"])
        .assert()
        .code(0);
    let meta = std::fs::symlink_metadata("/dev/null").unwrap();
    assert!(
        meta.file_type().is_char_device(),
        "/dev/null is no longer a device"
    );
}

/// The formats `posture COMMAND -h` lists after `possible values:` for `--format` (the short
/// help lists them on one line, documented or not).
fn formats_in_help(command: &str) -> Vec<String> {
    let help = stdout_of(&[command, "-h"]);
    let line = help
        .lines()
        .find(|l| l.trim_start().starts_with("--format"))
        .unwrap_or_else(|| panic!("{command} --help has no --format:\n{help}"));
    let list = line
        .split_once("[possible values: ")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(list, _)| list)
        .unwrap_or_else(|| panic!("{command}: no possible values in {line}"));
    list.split(", ").map(str::to_string).collect()
}

#[test]
fn each_command_lists_and_takes_only_its_formats() {
    let all = [
        "table", "json", "markdown", "html", "csv", "sarif", "github",
    ];
    assert_eq!(formats_in_help("score"), all);
    assert_eq!(formats_in_help("forecast"), all[..5]);
    for command in ["gaps", "diff", "backtest"] {
        assert_eq!(formats_in_help(command), all[..4], "{command}");
        let out = posture()
            .args([command, "protocols/aave-v3.toml", "--format", "csv"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("invalid value 'csv' for '--format")
                && stderr.contains("[possible values: table, json, markdown, html]"),
            "{command}: {stderr}"
        );
    }
}

#[test]
fn help_of_each_evaluating_command() {
    for command in ["score", "gaps", "diff", "backtest"] {
        insta::assert_snapshot!(format!("help_{command}"), stdout_of(&[command, "--help"]));
    }
}

/// Euler V1 the day before its exploit has confidence 0.625, an exact half of a percent:
/// every format that prints a percentage prints 63% (half away from zero), CSV the fraction
/// to three places and JSON the float.
#[test]
fn confidence_rounds_alike_in_every_format() {
    let file = "protocols/euler-v1@2023-03-12.toml";
    let json = json_of(&["score", file, "--format", "json"]);
    let confidence = json["confidence"].as_f64().unwrap();
    assert_eq!(
        confidence, 0.625,
        "the fixture's confidence moved: pick another half"
    );
    let table = stdout_of(&["score", file]);
    assert!(table.contains("confidence 63%"), "{table}");
    let md = stdout_of(&["score", file, "--format", "markdown"]);
    assert!(md.contains("confidence 63%,"), "{md}");
    let html = stdout_of(&["score", file, "--format", "html"]);
    assert!(html.contains("<dt>confidence</dt><dd>63%</dd>"), "{html}");
    let csv = stdout_of(&["score", file, "--format", "csv"]);
    let protocol_row = csv.lines().nth(1).unwrap();
    assert_eq!(protocol_row.split(',').nth(10), Some("0.625"), "{csv}");
    // The league rows round the same way.
    let dir = tempfile::tempdir().unwrap();
    for name in ["euler-v1@2023-03-12.toml", "aave-v3.toml"] {
        let from = std::path::Path::new(common::ROOT)
            .join("protocols")
            .join(name);
        std::fs::copy(from, dir.path().join(name)).unwrap();
    }
    let folder = dir.path().to_str().unwrap();
    let row = |text: &str| {
        text.lines()
            .find(|l| l.contains("euler-v1") || l.contains("Euler Finance V1"))
            .unwrap()
            .to_string()
    };
    assert!(row(&stdout_of(&["score", folder])).contains("63%"));
    assert!(row(&stdout_of(&["score", folder, "--format", "markdown"])).ends_with("| 63% |"));
    let html = stdout_of(&["score", folder, "--format", "html"]);
    assert!(html.contains("confidence 63%, lending"), "{html}");
}

/// Two versions of the best-practice fixture: the later one runs a core version no audit
/// covers and drops the timelock's source.
fn before_and_after(dir: &std::path::Path) {
    let before = std::fs::read_to_string(format!(
        "{}/tests/fixtures/best-practice.toml",
        common::ROOT
    ))
    .unwrap();
    let after = before
        .replacen("version = \"2.1.0\"", "version = \"3.0.0\"", 1)
        .replacen("source = \"https://example.org/timelock\"\n", "", 1);
    assert_ne!(before, after);
    std::fs::write(dir.join("before.toml"), &before).unwrap();
    std::fs::write(dir.join("after.toml"), after).unwrap();
}

#[test]
fn diff_names_the_failing_fact_and_a_lost_source() {
    let dir = tempfile::tempdir().unwrap();
    before_and_after(dir.path());
    let run = |args: &[&str]| String::from_utf8(common::stdout_in(dir.path(), args)).unwrap();
    let worse = run(&["diff", "before.toml", "after.toml"]);
    assert!(
        worse.contains(
            "Caps added: unaudited-deployment (caps at D): Every deployed core component is covered by an audit; failing: audits.uncovered_core_components = 1, above 0"
        ),
        "{worse}"
    );
    let timelock = worse.lines().find(|l| l.contains("│ timelock")).unwrap();
    assert!(
        timelock.contains("pass -> partial, sourced -> self-attested"),
        "{worse}"
    );

    let better = run(&["diff", "after.toml", "before.toml", "--format", "markdown"]);
    assert!(
        better.contains("| `timelock` | +4.0 | partial -> pass, self-attested -> sourced |"),
        "{better}"
    );
    assert!(
        better.contains("was failing: audits.uncovered\\_core\\_components = 1, above 0"),
        "{better}"
    );
    let html = run(&["diff", "before.toml", "after.toml", "--format", "html"]);
    assert!(html.contains("sourced -&gt; self-attested"), "{html}");
    assert!(
        html.contains("; failing: audits.uncovered_core_components = 1"),
        "{html}"
    );
    let json: serde_json::Value = serde_json::from_str(&run(&[
        "diff",
        "before.toml",
        "after.toml",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(
        json["caps_added"][0]["because"][0],
        "audits.uncovered_core_components = 1, above 0"
    );
    let t = json["regressed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control"] == "timelock")
        .unwrap();
    assert_eq!(
        (&t["old_sourced"], &t["new_sourced"]),
        (&true.into(), &false.into())
    );
}

#[test]
fn validate_warns_of_each_table_without_a_source_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/best-practice.toml",
        common::ROOT
    ))
    .unwrap()
    .replacen("source = \"https://example.org/timelock\"\n", "", 1);
    std::fs::write(dir.path().join("m.toml"), text).unwrap();
    let out = posture()
        .current_dir(dir.path())
        .args(["validate", "m.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "warnings do not fail validate");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stdout,
        "ok: m.toml (manifest), 2 warnings: 2 facts self-attested (no source)\n1 valid, 0 invalid, 2 warnings\n"
    );
    // Each warning is located: the source-less component and the timelock table.
    for (place, line) in [
        ("m.toml:29:1", "[[components]]"),
        ("m.toml:109:1", "[timelock]"),
    ] {
        assert!(
            stderr.contains(place) && stderr.contains(line),
            "{place} {line}:\n{stderr}"
        );
    }
    assert_eq!(stderr.matches("warning: ").count(), 2, "{stderr}");
    assert!(stderr.contains("no `source`: these facts count as self-attested"));
    // One of them: singular.
    let shipped = stdout_of(&["validate", "tests/fixtures/best-practice.toml"]);
    assert!(
        shipped.contains("1 warning: 1 fact self-attested (no source)"),
        "{shipped}"
    );
}

#[test]
fn rubric_show_prints_each_controls_scoring_and_the_reputable_firms() {
    let shown = stdout_of(&["rubric", "show", "institutional"]);
    let controls = shown
        .lines()
        .filter(|l| l.contains(" (weight ") && l.starts_with("  "))
        .count();
    let scorings = shown
        .lines()
        .filter(|l| l.starts_with("    scoring: "))
        .count();
    assert!(controls > 10 && controls == scorings, "{shown}");
    assert!(shown.contains("Reputable firms (audits.reputable_firms_covering): Trail of Bits,"));
    assert!(!stdout_of(&["rubric", "show", "defi-baseline"]).contains("Reputable firms"));
    insta::assert_snapshot!("rubric_show_institutional", shown);
}

/// The lines of a report's tables (box-drawing lines), each with its width in characters.
fn table_lines(text: &str) -> Vec<(usize, &str)> {
    text.lines()
        .filter(|l| l.starts_with(['┌', '│', '╞', '├', '└']))
        .map(|l| (l.chars().count(), l))
        .collect()
}

#[test]
fn a_reports_tables_fit_100_columns_unless_wide() {
    for file in [
        "protocols/aave-v3.toml",
        "protocols/balancer-v2.toml",
        "protocols/euler-v1@2023-03-12.toml",
        "tests/fixtures/best-practice.toml",
    ] {
        let narrow = stdout_of(&["score", file]);
        let lines = table_lines(&narrow);
        assert!(lines.len() > 20, "{file}");
        for (width, line) in &lines {
            assert!(*width <= 100, "{file}: {width} columns:\n{line}");
        }
        let wide = stdout_of(&["score", file, "--wide"]);
        assert!(
            table_lines(&wide).iter().any(|(w, _)| *w > 100),
            "{file}: --wide keeps the notes on one line"
        );
    }
}

#[test]
fn control_values_carry_units_and_notes_show_no_backticks() {
    let out = stdout_of(&["score", "protocols/aave-v3.toml", "--wide"]);
    let row = |control: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("│ {control} ")))
            .unwrap_or_else(|| panic!("no {control} row in\n{out}"))
            .to_string()
    };
    assert!(
        row("timelock").contains("┆ 24 hours "),
        "{}",
        row("timelock")
    );
    assert!(
        row("audit-recency").contains(" days "),
        "{}",
        row("audit-recency")
    );
    assert!(
        row("multichain-coverage").contains("┆ 31% "),
        "{}",
        row("multichain-coverage")
    );
    assert!(
        row("code-audits").contains("on pool;"),
        "{}",
        row("code-audits")
    );
    assert!(!row("code-audits").contains('`'));
    // The other formats read the same view: the same words.
    let md = stdout_of(&["score", "protocols/aave-v3.toml", "--format", "markdown"]);
    assert!(md.contains("24 hours"), "{md}");
}

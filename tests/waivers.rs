//! Waivers in posture.toml, through the command line: what they change, when they stop, how
//! every format shows them, and what is refused.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::ROOT;

/// A repository (a folder with `.git`) holding a copy of a shipped manifest and a posture.toml.
fn repo(manifest: &str, config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let name = Path::new(manifest).file_name().unwrap();
    std::fs::copy(Path::new(ROOT).join(manifest), dir.path().join(name)).unwrap();
    std::fs::write(dir.path().join("posture.toml"), config).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("posture")
        .unwrap()
        .current_dir(dir)
        .env_remove("POSTURE_FORMAT")
        .env_remove("POSTURE_RUBRIC")
        .env_remove("POSTURE_FAIL_UNDER")
        .env_remove("POSTURE_PROTOCOLS")
        .args(args)
        .output()
        .unwrap()
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = run(dir, &[args, &["--format", "json"]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

const TIMELOCK: &str = r#"
[[waivers]]
protocol = "balancer-v2"
control = "timelock"
reason = "Timelock rollout voted, deploying"
approved_by = "Risk committee, vote 2025-10-01"
approved = 2025-10-01
expires = 2025-12-31
"#;

#[test]
fn a_control_waiver_applies_until_it_expires_between_two_as_of_dates() {
    let dir = repo("protocols/balancer-v2.toml", TIMELOCK);
    let before = json(
        dir.path(),
        &["score", "balancer-v2.toml", "--as-of", "2025-11-02"],
    );
    assert_eq!(before["grade"], "C", "{before:#}");
    assert_eq!(before["without_waivers"]["grade"], "D");
    assert!(before["score"].as_f64() > before["without_waivers"]["score"].as_f64());
    let w = &before["waivers"][0];
    assert_eq!(w["status"], "applied");
    assert_eq!(w["control"], "timelock");
    let timelock = before["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["control"] == "timelock")
        .unwrap();
    // The finding keeps what the facts say; it only stops losing points.
    assert_eq!(timelock["status"], "fail");
    assert_eq!(timelock["waived"], true);
    assert_eq!(timelock["points_lost"], 0.0);

    let after = json(
        dir.path(),
        &["score", "balancer-v2.toml", "--as-of", "2026-01-15"],
    );
    assert_eq!(after["waivers"][0]["status"], "expired");
    assert_eq!(after["grade"], after["without_waivers"]["grade"]);
    assert_eq!(after["score"], after["without_waivers"]["score"]);
    let plain = json(
        dir.path(),
        &[
            "score",
            "balancer-v2.toml",
            "--as-of",
            "2026-01-15",
            "--no-config",
        ],
    );
    assert_eq!(after["grade"], plain["grade"]);
    assert_eq!(after["score"], plain["score"]);
    assert!(plain.get("waivers").is_none() && plain.get("without_waivers").is_none());
}

#[test]
fn a_gate_waiver_lifts_its_cap() {
    let config = r#"
[[waivers]]
protocol = "balancer-v2"
gate = "unresolved-critical"
reason = "Restitution under way"
approved_by = "Risk committee"
approved = 2025-11-07
expires = 2026-01-31
"#;
    let dir = repo("protocols/balancer-v2@2025-11-07.toml", config);
    let r = json(dir.path(), &["score", "balancer-v2@2025-11-07.toml"]);
    assert_eq!(r["without_waivers"]["grade"], "F");
    assert_eq!(r["grade"], r["grade_before_caps"]);
    assert_ne!(r["grade"], "F");
    assert_eq!(r["capped_by"], serde_json::Value::Null);
    let gate = r["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == "unresolved-critical")
        .unwrap();
    assert_eq!(gate["status"], "fails");
    assert_eq!(gate["waived"], true);
    assert!(
        !r["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["id"] == "unresolved-critical")
    );
}

#[test]
fn every_format_shows_the_grade_with_and_without_waivers() {
    let dir = repo("protocols/balancer-v2.toml", TIMELOCK);
    for format in ["table", "markdown", "html", "csv"] {
        let out = run(
            dir.path(),
            &["score", "balancer-v2.toml", "--format", format],
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("C with 1 waiver, D without"),
            "{format}:\n{text}"
        );
        assert!(text.contains("timelock"), "{format}");
    }
}

#[test]
fn strict_fails_on_an_unmatched_or_expired_waiver_and_names_it() {
    let config = format!(
        "{TIMELOCK}{}",
        r#"
[[waivers]]
protocol = "balancer-v2"
control = "bug-bounty"
reason = "Bounty under review"
approved_by = "Risk committee"
approved = 2025-10-01
expires = 2025-12-31
"#
    );
    let dir = repo("protocols/balancer-v2.toml", &config);
    let lax = run(dir.path(), &["score", "balancer-v2.toml"]);
    assert_eq!(lax.status.code(), Some(0));
    let strict = run(dir.path(), &["score", "balancer-v2.toml", "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    let err = String::from_utf8(strict.stderr).unwrap();
    assert!(
        err.contains("bug-bounty is unmatched") && !err.contains("timelock is"),
        "{err}"
    );
    let expired = run(
        dir.path(),
        &[
            "score",
            "balancer-v2.toml",
            "--strict",
            "--as-of",
            "2026-02-01",
        ],
    );
    assert_eq!(expired.status.code(), Some(1));
    assert!(
        String::from_utf8(expired.stderr)
            .unwrap()
            .contains("timelock is expired")
    );
}

#[test]
fn a_waiver_longer_than_the_rubric_allows_is_refused_at_its_line() {
    let config = TIMELOCK.replace("expires = 2025-12-31", "expires = 2026-06-30");
    let dir = repo("protocols/balancer-v2.toml", &config);
    let out = run(dir.path(), &["score", "balancer-v2.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("posture.toml:8:11"), "{err}");
    assert!(
        err.contains("272 days") && err.contains("at most 180"),
        "{err}"
    );
}

#[test]
fn a_waiver_names_exactly_one_control_or_gate() {
    let config = TIMELOCK.replace(
        "control = \"timelock\"",
        "control = \"timelock\"\ngate = \"three-pillars\"",
    );
    let dir = repo("protocols/balancer-v2.toml", &config);
    let out = run(dir.path(), &["score", "balancer-v2.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("not both") && err.contains("posture.toml:5:"),
        "{err}"
    );
}

/// TIMELOCK, approved only on 2025-11-10.
fn approved_late() -> String {
    TIMELOCK.replace("approved = 2025-10-01", "approved = 2025-11-10")
}

#[test]
fn a_waiver_is_not_in_force_before_the_day_it_was_approved() {
    let dir = repo("protocols/balancer-v2.toml", &approved_late());
    let before = json(
        dir.path(),
        &["score", "balancer-v2.toml", "--as-of", "2025-11-02"],
    );
    assert_eq!(before["waivers"][0]["status"], "pending", "{before:#}");
    assert_eq!(before["grade"], before["without_waivers"]["grade"]);
    assert_eq!(before["score"], before["without_waivers"]["score"]);
    let strict = run(
        dir.path(),
        &[
            "score",
            "balancer-v2.toml",
            "--as-of",
            "2025-11-02",
            "--strict",
        ],
    );
    assert_eq!(strict.status.code(), Some(1));
    let stderr = String::from_utf8(strict.stderr).unwrap();
    assert!(stderr.contains("timelock is pending"), "{stderr}");
    assert!(stderr.contains("approved on 2025-11-10"), "{stderr}");
    let after = json(
        dir.path(),
        &["score", "balancer-v2.toml", "--as-of", "2025-11-10"],
    );
    assert_eq!(after["waivers"][0]["status"], "applied");
    assert_ne!(after["grade"], after["without_waivers"]["grade"]);
}

#[test]
fn the_forecast_names_the_days_a_waiver_starts_and_stops_and_score_agrees() {
    let dir = repo("protocols/balancer-v2.toml", &approved_late());
    let f = json(
        dir.path(),
        &[
            "forecast",
            "balancer-v2.toml",
            "--as-of",
            "2025-11-02",
            "--days",
            "90",
        ],
    );
    assert!(f["stamp"]["config"]["sha256"].is_string(), "{f:#}");
    let changes = f["changes"].as_array().unwrap();
    let turns: Vec<(&str, &str)> = changes
        .iter()
        .filter_map(|c| {
            let w = c["waivers"].as_array()?.first()?;
            Some((c["date"].as_str()?, w["status"].as_str()?))
        })
        .collect();
    assert_eq!(
        turns,
        [("2025-11-10", "applied"), ("2026-01-01", "expired")],
        "{f:#}"
    );
    // The waiver alone moves the points: no control is said to move with it.
    for c in changes.iter().filter(|c| c["waivers"].is_array()) {
        assert_eq!(c["improved"], serde_json::json!([]), "{c:#}");
        assert_eq!(c["regressed"], serde_json::json!([]), "{c:#}");
    }
    // Each date's grade is the grade `score --as-of` gives on it and the day before.
    for c in changes {
        let date = c["date"].as_str().unwrap();
        let on = json(dir.path(), &["score", "balancer-v2.toml", "--as-of", date]);
        assert_eq!(on["grade"], c["after"]["grade"], "{date}");
        assert_eq!(on["score"], c["after"]["score"], "{date}");
        let eve: posture::core::date::Date = date.parse().unwrap();
        let eve = eve.minus_days(1);
        let eve = eve.to_string();
        let before = json(dir.path(), &["score", "balancer-v2.toml", "--as-of", &eve]);
        assert_eq!(before["grade"], c["before"]["grade"], "{eve}");
        assert_eq!(before["score"], c["before"]["score"], "{eve}");
    }
    // A single report's year ahead says the same of its waiver.
    let report = json(
        dir.path(),
        &["score", "balancer-v2.toml", "--as-of", "2025-11-12"],
    );
    let ahead = &report["forecast"][0];
    assert_eq!(ahead["date"], "2026-01-01", "{report:#}");
    assert_eq!(ahead["waivers"][0]["status"], "expired");
    let table = run(
        dir.path(),
        &["score", "balancer-v2.toml", "--as-of", "2025-11-12"],
    );
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.contains("waiver of control timelock: expired"),
        "{text}"
    );
}

#[test]
fn gaps_plans_from_the_waived_grade_and_a_waived_control_is_no_gap() {
    let dir = repo("protocols/balancer-v2.toml", TIMELOCK);
    let args = ["gaps", "balancer-v2.toml", "--as-of", "2025-11-02"];
    let g = json(dir.path(), &args);
    let score = json(
        dir.path(),
        &["score", "balancer-v2.toml", "--as-of", "2025-11-02"],
    );
    assert_eq!(g["now"]["grade"], score["grade"], "{g:#}");
    assert_eq!(g["now"]["score"], score["score"]);
    assert_eq!(g["without_waivers"], score["without_waivers"]);
    assert_eq!(g["waivers"][0]["status"], "applied");
    let ids = |g: &serde_json::Value| -> Vec<String> {
        g["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!ids(&g).contains(&"timelock".to_string()), "{g:#}");
    let plain = json(dir.path(), &[&args[..], &["--no-config"]].concat());
    assert!(ids(&plain).contains(&"timelock".to_string()));
    let table = String::from_utf8(run(dir.path(), &args).stdout).unwrap();
    assert!(
        table.contains("Waivers: C with 1 waiver, D without"),
        "{table}"
    );
}

#[test]
fn diff_names_a_waiver_that_expires_between_its_dates_as_the_regression() {
    let dir = repo("protocols/balancer-v2.toml", TIMELOCK);
    let args = [
        "diff",
        "balancer-v2.toml",
        "--from",
        "2025-11-02",
        "--to",
        "2026-01-15",
    ];
    let d = json(dir.path(), &args);
    assert_eq!(d["old"]["grade"], "C", "{d:#}");
    assert_eq!(d["new"]["grade"], "D");
    assert_eq!(d["regression"], true);
    assert_eq!(d["waivers"][0]["status"], "expired");
    assert_eq!(d["waivers"][0]["control"], "timelock");
    // The timelock's facts did not change: the waiver says why its points went.
    let regressed = d["regressed"].as_array().unwrap();
    assert!(
        regressed.iter().all(|c| c["control"] != "timelock"),
        "{d:#}"
    );
    let out = run(dir.path(), &[&args[..], &["--fail-on-regression"]].concat());
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("waiver of control timelock: expired (it expired on 2025-12-31"),
        "{text}"
    );
    // Without the config the two dates grade the same.
    let plain = json(dir.path(), &[&args[..], &["--no-config"]].concat());
    assert_eq!(plain["old"]["grade"], plain["new"]["grade"], "{plain:#}");
    assert!(plain.get("waivers").is_none());
}

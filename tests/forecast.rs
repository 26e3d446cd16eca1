//! `posture forecast`: the dates it predicts are the dates `score --as-of` changes on, and
//! the reasons it gives are the facts that expire.

mod common;

use common::posture;
use serde_json::Value;

fn json(args: &[&str]) -> Value {
    let out = posture().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "posture {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Score, grade and cap of `score FILE --as-of DATE`.
fn standing_on(file: &str, date: &str) -> (f64, String, Value) {
    let r = json(&["score", file, "--as-of", date, "--format", "json"]);
    (
        r["score"].as_f64().unwrap(),
        r["grade"].as_str().unwrap().to_string(),
        r["capped_by"].clone(),
    )
}

fn standing(s: &Value) -> (f64, String, Value) {
    (
        s["score"].as_f64().unwrap(),
        s["grade"].as_str().unwrap().to_string(),
        s["capped_by"].clone(),
    )
}

fn day_before(date: &str) -> String {
    let d: posture::core::date::Date = date.parse().unwrap();
    d.minus_days(1).to_string()
}

#[test]
fn expiring_facts_are_dated_with_their_reasons() {
    let f = json(&[
        "forecast",
        "tests/fixtures/best-practice.toml",
        "--days",
        "1000",
        "--format",
        "json",
    ]);
    let changes = f["changes"].as_array().unwrap();
    let on = |date: &str| {
        changes
            .iter()
            .find(|c| c["date"] == date)
            .unwrap_or_else(|| panic!("no change on {date}: {f:#}"))
    };
    // The cover's `until = 2027-01-01`: gone the day after.
    assert_eq!(on("2027-01-02")["regressed"][0]["control"], "insurance");
    // The pause was last drilled on 2026-03-01: a year later it is undrilled.
    let pause = &on("2027-03-02")["regressed"][0];
    assert_eq!(pause["control"], "emergency-pause");
    assert!(
        pause["note"]
            .as_str()
            .unwrap()
            .contains("last drilled 2026-03-01")
    );
    // The newest economic audit turns two years old: the three-pillars gate caps at C.
    let fall = on("2028-04-01");
    assert_eq!(fall["caps_added"][0]["gate"], "three-pillars");
    assert_eq!(fall["before"]["grade"], "A");
    assert_eq!(fall["after"]["grade"], "C");
    assert_eq!(
        changes
            .iter()
            .find(|c| c["before"]["grade"] != c["after"]["grade"]),
        Some(fall),
        "the first fall is the first grade change"
    );
    assert_eq!(f["now"]["grade"], "A");
    assert_eq!(f["then"]["grade"], "C");
}

/// The forecast and an as-of sweep agree: on each change date `score --as-of` gives the new
/// standing and the day before the old one; on dates between, the standing of the last change.
#[test]
fn forecast_matches_an_as_of_sweep() {
    for file in [
        "tests/fixtures/best-practice.toml",
        "protocols/lido.toml",
        "protocols/aave-v3.toml",
        "protocols/compound-v3.toml",
    ] {
        let f = json(&["forecast", file, "--days", "800", "--format", "json"]);
        let changes = f["changes"].as_array().unwrap();
        assert!(!changes.is_empty(), "{file}: nothing changes in 800 days");
        for c in changes {
            let date = c["date"].as_str().unwrap();
            assert_eq!(
                standing_on(file, date),
                standing(&c["after"]),
                "{file} {date}"
            );
            assert_eq!(
                standing_on(file, &day_before(date)),
                standing(&c["before"]),
                "{file} the day before {date}"
            );
        }
        // Every 100 days: the standing of the latest change on or before that day.
        let from: posture::core::date::Date = f["from"].as_str().unwrap().parse().unwrap();
        for step in (50..800).step_by(100) {
            let day = from.plus_days(step).to_string();
            let expected = changes
                .iter()
                .rev()
                .find(|c| c["date"].as_str().unwrap() <= day.as_str())
                .map_or_else(|| standing(&f["now"]), |c| standing(&c["after"]));
            assert_eq!(standing_on(file, &day), expected, "{file} on {day}");
        }
    }
}

#[test]
fn a_league_lists_the_grades_about_to_fall_in_any_order() {
    let args = ["forecast", "--as-of", "2026-12-02", "--format", "json"];
    let forward = posture()
        .args(args)
        .args([
            "protocols/lido.toml",
            "protocols/curve.toml",
            "protocols/aave-v3.toml",
        ])
        .output()
        .unwrap();
    let backward = posture()
        .args(args)
        .args([
            "protocols/aave-v3.toml",
            "protocols/curve.toml",
            "protocols/lido.toml",
        ])
        .output()
        .unwrap();
    assert!(forward.status.success());
    assert_eq!(
        forward.stdout, backward.stdout,
        "argument order changed the output"
    );
    let o: Value = serde_json::from_slice(&forward.stdout).unwrap();
    assert_eq!(o["protocols"], 3);
    assert_eq!(o["horizon_days"], 90);
    let falling: Vec<&str> = o["falling"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["protocol"]["id"].as_str().unwrap())
        .collect();
    // Soonest first; each grade the sweep confirms.
    assert_eq!(falling, ["lido", "curve"]);
    for f in o["falling"].as_array().unwrap() {
        let file = f["file"].as_str().unwrap();
        let date = f["fall"]["date"].as_str().unwrap();
        assert_eq!(
            standing_on(file, date).1,
            f["fall"]["after"]["grade"].as_str().unwrap()
        );
    }
    posture()
        .args(args)
        .args([
            "protocols/lido.toml",
            "protocols/aave-v3.toml",
            "--fail-on-fall",
        ])
        .assert()
        .code(1);
    posture()
        .args(args)
        .args([
            "protocols/aave-v3.toml",
            "protocols/compound-v3.toml",
            "--fail-on-fall",
        ])
        .assert()
        .code(0);
}

#[test]
fn every_format_renders_a_forecast() {
    for format in ["table", "markdown", "html", "csv"] {
        let out = posture()
            .args(["forecast", "protocols/lido.toml", "--format", format])
            .output()
            .unwrap();
        assert!(out.status.success(), "{format}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("2027-01-02"), "{format}: {text}");
        assert!(text.contains("emergency-pause"), "{format}: {text}");
        assert!(
            text.contains("pause window expired on 2026-09-12"),
            "{format}: {text}"
        );
    }
}

#[test]
fn an_end_date_before_the_start_is_refused() {
    posture()
        .args(["forecast", "protocols/lido.toml", "--until", "2020-01-01"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "is before the start date 2026-02-16",
        ));
    posture()
        .args(["forecast", "protocols/lido.toml", "--until", "2090-01-01"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("at most 3660 days ahead"));
}

/// `--rubric` reaches a forecast and a badge as it reaches `score` (the flag is settled with
/// `POSTURE_RUBRIC` and posture.toml before the command runs).
#[test]
fn the_rubric_flag_reaches_forecast_and_badge() {
    let forecast = posture()
        .args([
            "forecast",
            "protocols/lido.toml",
            "--rubric",
            "institutional",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&forecast.stdout).contains("under institutional "));
    let badge = posture()
        .args(["badge", "protocols/lido.toml", "--rubric", "institutional"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&badge.stdout).contains("institutional "));
}

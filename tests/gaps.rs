//! `posture gaps` speaks the manifest's language: every step is a field edit a team can make
//! (or work in words), and a plan's edits, applied with `score --set`, give the grade it promised.

mod common;

use common::{ROOT, posture};
use std::path::{Path, PathBuf};

/// Runs posture with `--format json` and parses what it printed (a plan out of reach exits 1
/// and still prints).
fn json(args: &[&str]) -> serde_json::Value {
    let out = posture()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// The best-practice fixture with `edit` applied, written where the test binary may write.
fn variant(name: &str, edit: impl FnOnce(&mut toml_edit::DocumentMut)) -> PathBuf {
    let text =
        std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures/best-practice.toml")).unwrap();
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
    edit(&mut doc);
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("gaps-{name}.toml"));
    std::fs::write(&path, doc.to_string()).unwrap();
    path
}

/// Every manifest edit a gap report offers: each item's next step and each plan step.
fn all_edits(v: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for item in v["items"].as_array().unwrap() {
        if let Some(set) = item["next"]["set"].as_array() {
            out.extend(set.iter().map(|s| s.as_str().unwrap().to_string()));
        }
    }
    for step in v["plan"]["steps"].as_array().into_iter().flatten() {
        out.extend(
            step["set"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string()),
        );
    }
    out
}

/// Runs `gaps --target`, applies every plan step's edits with `score --set`, and checks the
/// score and grade are the ones the plan promised; returns the gap report.
fn plan_holds(manifest: &str, target: &str) -> serde_json::Value {
    let v = json(&["gaps", manifest, "--target", target]);
    let plan = &v["plan"];
    let mut args = vec!["score".to_string(), manifest.to_string()];
    for step in plan["steps"].as_array().unwrap() {
        let set = step["set"].as_array().unwrap();
        assert!(!set.is_empty(), "a plan step without an edit: {step}");
        for e in set {
            args.push("--set".into());
            args.push(e.as_str().unwrap().to_string());
        }
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let report = json(&refs);
    assert_eq!(
        report["grade"], plan["after"]["grade"],
        "{manifest}: {args:?}"
    );
    assert_eq!(
        report["score"], plan["after"]["score"],
        "{manifest}: {args:?}"
    );
    if plan["reached"] == true {
        assert!(
            !plan["steps"].as_array().unwrap().is_empty() || v["now"]["grade"] == report["grade"]
        );
    }
    v
}

/// Edits are manifest fields, never metric values, never history, never a token timelock.
fn edits_are_honest(manifest: &str, v: &serde_json::Value) {
    for e in all_edits(v) {
        let (name, value) = e.split_once('=').unwrap();
        assert!(
            !name.starts_with("incidents") && !name.starts_with("maturity"),
            "{manifest}: {e}"
        );
        let edit = posture::core::analysis::whatif::Edit::parse(&e).unwrap();
        assert!(edit.metric().is_none(), "{manifest}: {e} sets a metric");
        if name == "timelock.delay_hours" {
            assert!(value.parse::<f64>().unwrap() >= 24.0, "{manifest}: {e}");
        }
    }
}

#[test]
fn plans_applied_as_manifest_edits_give_the_promised_grade() {
    let weak = variant("weak", |d| {
        d["timelock"]["delay_hours"] = toml_edit::value(0);
        d["monitoring"]["level"] = toml_edit::value("none");
        d["bug_bounty"]["max_payout_usd"] = toml_edit::value(10_000);
        d["incident_response"]["plan_public"] = toml_edit::value(false);
        d["incident_response"]["security_contact"] = toml_edit::value(false);
        d["pause"].as_table_mut().unwrap().remove("last_drill");
        d["oracles"]["fallback"] = toml_edit::value(false);
        d["insurance"][0]["coverage_usd"] = toml_edit::value(1_000_000);
    });
    let eoa = variant("eoa", |d| {
        d["admin"]["control"] = toml_edit::value("eoa");
        d["upgradeability"]["upgradeable"] = toml_edit::value(true);
        d["upgradeability"]["mechanism"] = toml_edit::value("proxy");
    });
    let weak = weak.to_str().unwrap().to_string();
    let eoa = eoa.to_str().unwrap().to_string();
    let weak_plan = plan_holds(&weak, "A");
    assert_eq!(weak_plan["plan"]["reached"], true, "{}", weak_plan["plan"]);
    edits_are_honest(&weak, &weak_plan);
    let eoa_plan = plan_holds(&eoa, "B");
    edits_are_honest(&eoa, &eoa_plan);
    assert_eq!(eoa_plan["now"]["capped_by"], "eoa-admin");
    assert_eq!(eoa_plan["plan"]["reached"], true, "{}", eoa_plan["plan"]);

    for (manifest, target) in [
        ("protocols/aave-v3.toml", "A"),
        ("protocols/beanstalk.toml", "B"),
        ("protocols/curve.toml", "B"),
        ("protocols/balancer-v2.toml", "B"),
        ("protocols/compound-v3.toml", "A"),
        ("protocols/euler-v1@2023-03-12.toml", "A"),
        ("examples/dao-self-assessment/before.toml", "B"),
    ] {
        let v = plan_holds(manifest, target);
        edits_are_honest(manifest, &v);
    }
}

#[test]
fn steps_name_the_manifest_field_and_the_value_that_reaches_the_tier() {
    let weak = variant("fields", |d| {
        d["timelock"]["delay_hours"] = toml_edit::value(0);
        d["bug_bounty"]["max_payout_usd"] = toml_edit::value(10_000);
        d["incident_response"]["plan_public"] = toml_edit::value(false);
        d["monitoring"]["level"] = toml_edit::value("alerting");
    });
    let v = json(&["gaps", weak.to_str().unwrap()]);
    let step = |id: &str| {
        let item = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap_or_else(|| panic!("no gap {id}: {v}"));
        item["next"]["set"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    // The smallest timelock step is a real delay, not the rubric's 1-hour tier.
    assert_eq!(step("timelock"), ["timelock.delay_hours=24"]);
    // A bounty step is a payout in dollars: the lowest tier's share of the $1M benchmark.
    let bounty = step("bug-bounty");
    assert_eq!(bounty.len(), 1);
    assert!(
        bounty[0].starts_with("bug_bounty.max_payout_usd="),
        "{bounty:?}"
    );
    assert!(
        bounty[0]["bug_bounty.max_payout_usd=".len()..]
            .parse::<u64>()
            .unwrap()
            > 10_000
    );
    assert_eq!(
        step("incident-response"),
        ["incident_response.plan_public=true"]
    );
    assert_eq!(step("continuous-monitoring"), ["monitoring.level=realtime"]);
}

#[test]
fn no_step_is_a_token_amount() {
    // The rubric's lowest bounty and cover tiers are met by any amount at all; the step offered
    // is still a real one: at least 1% of the benchmark, at least 1% of TVL.
    let path = variant("token", |d| {
        d["bug_bounty"]["max_payout_usd"] = toml_edit::value(0);
        d["insurance"][0]["coverage_usd"] = toml_edit::value(0);
    });
    let v = json(&["gaps", path.to_str().unwrap()]);
    let edit = |id: &str| {
        let item = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap_or_else(|| panic!("no gap {id}: {v}"));
        let set = item["next"]["set"][0].as_str().unwrap().to_string();
        let (_, value) = set.split_once('=').unwrap();
        value.parse::<f64>().unwrap()
    };
    // The fixture's TVL is $1B, so the bounty benchmark is $1M.
    assert!(edit("bug-bounty") >= 10_000.0, "{v}");
    assert!(edit("insurance") >= 10_000_000.0, "{v}");
}

#[test]
fn an_unknown_fact_asks_to_state_it_and_is_worth_the_control_points() {
    let path = variant("no-insurance", |d| {
        d.remove("insurance");
    });
    let file = path.to_str().unwrap();
    let v = json(&["gaps", file]);
    let item = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "insurance")
        .unwrap_or_else(|| panic!("no insurance gap: {v}"));
    assert_eq!(item["status"], "unknown");
    let next = &item["next"];
    assert_eq!(next["set"], serde_json::json!([]));
    let todo = next["todo"].as_str().unwrap();
    assert!(todo.starts_with("state this fact"), "{todo}");
    assert!(todo.contains("with a source"), "{todo}");
    let report = json(&["score", file]);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["control"] == "insurance")
        .unwrap();
    assert_eq!(next["gain_points"], finding["max_points"]);
    assert!(finding["max_points"].as_f64().unwrap() > 0.0);
}

#[test]
fn work_no_field_states_is_words_only() {
    // Curve's deployed core code is not covered by an audit: the step is to commission one.
    let v = json(&["gaps", "protocols/curve.toml"]);
    let audits = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "code-audits")
        .unwrap();
    assert_eq!(audits["next"]["set"], serde_json::json!([]));
    let todo = audits["next"]["todo"].as_str().unwrap();
    assert!(todo.starts_with("commission an audit of `"), "{todo}");
    assert!(todo.contains("[[audits]]"), "{todo}");
    edits_are_honest("protocols/curve.toml", &v);
}

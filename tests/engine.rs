//! Scoring semantics of the default rubric, through the library: each test changes one fact of
//! a best-practice manifest and checks what the report says.

use posture::core::date::Date;
use posture::core::engine;
use posture::core::manifest::{
    AdminControl, Audit, AuditKind, Incident, Lineage, Manifest, MonitoringLevel, Unresolved,
    Version, VersionReq,
};
use posture::core::metrics::Upstream;
use posture::core::report::{
    Finding, GapKind, GateResult, GateStatus, ManifestStamp, Report, RubricStamp, Stamp, Status,
};

mod common;
use common::{best, date, rubric};

fn stamp(as_of: Date) -> Stamp {
    Stamp {
        tool: "posture test".into(),
        rubric: RubricStamp {
            id: "defi-baseline".into(),
            version: "1.0.0".into(),
            sha256: String::new(),
        },
        manifest: ManifestStamp {
            path: "test".into(),
            sha256: String::new(),
        },
        upstream: None,
        evaluated_as_of: as_of,
        config: None,
    }
}

fn eval_with(m: &Manifest, as_of: Date, upstream: Upstream) -> Report {
    engine::evaluate(&rubric(), m, as_of, upstream, stamp(as_of))
}

fn eval(m: &Manifest) -> Report {
    eval_with(m, m.protocol.as_of, Upstream::NotAFork)
}

fn finding<'a>(r: &'a Report, id: &str) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.control.0 == id)
        .unwrap_or_else(|| panic!("no finding {id}"))
}

fn gate<'a>(r: &'a Report, id: &str) -> &'a GateResult {
    r.gates
        .iter()
        .find(|g| g.id.0 == id)
        .unwrap_or_else(|| panic!("no gate {id}"))
}

fn failing_gates(r: &Report) -> Vec<&str> {
    r.gates
        .iter()
        .filter(|g| g.status == GateStatus::Fails)
        .map(|g| g.id.0.as_str())
        .collect()
}

#[test]
fn best_practice_manifest_grades_a_with_full_marks() {
    let r = eval(&best());
    assert_eq!(r.grade.label, "A");
    assert_eq!(r.score.rounded(), 100.0);
    assert_eq!(r.capped_by, None);
    assert!(failing_gates(&r).is_empty(), "{:?}", failing_gates(&r));
    assert_eq!(r.confidence.0, 1.0);
    assert!(r.gaps.is_empty());
    // Not a fork: code-lineage leaves the denominator rather than passing.
    assert_eq!(finding(&r, "code-lineage").status, Status::NotApplicable);
}

#[test]
fn every_control_and_gate_of_the_design_exists() {
    let r = eval(&best());
    for id in [
        "code-audits",
        "audit-recency",
        "formal-verification",
        "economic-audit",
        "continuous-monitoring",
        "emergency-pause",
        "incident-response",
        "timelock",
        "admin-keys",
        "upgradeability",
        "bug-bounty",
        "insurance",
        "incident-history",
        "code-lineage",
        "oracle-design",
        "multichain-coverage",
        "maturity",
    ] {
        finding(&r, id);
    }
    for id in [
        "three-pillars",
        "unaudited-deployment",
        "eoa-admin",
        "unresolved-critical",
        "inherited-vulnerability",
    ] {
        gate(&r, id);
    }
}

#[test]
fn an_absent_table_is_unknown_scores_zero_and_lowers_confidence() {
    let mut m = best();
    m.insurance = None;
    let r = eval(&m);
    let f = finding(&r, "insurance");
    assert_eq!(f.status, Status::Unknown);
    assert_eq!(f.value, serde_json::Value::Null);
    assert_eq!(f.score.0, 0.0);
    assert!(f.points_lost > 0.0 && (f.points_lost - f.max_points).abs() < 1e-9);
    assert!((r.score.0 - (100.0 - f.max_points)).abs() < 1e-9);
    assert!((r.confidence.0 - (1.0 - f.max_points / 100.0)).abs() < 1e-9);
}

#[test]
fn a_stated_no_is_a_known_fail_not_unknown() {
    let mut m = best();
    m.monitoring.as_mut().unwrap().level = MonitoringLevel::None;
    let r = eval(&m);
    let f = finding(&r, "continuous-monitoring");
    assert_eq!(f.status, Status::Fail);
    assert_eq!(f.value, serde_json::json!("none"));
    // A known fact, sourced: confidence is untouched.
    assert_eq!(r.confidence.0, 1.0);
}

#[test]
fn a_not_applicable_control_leaves_the_denominator() {
    let mut m = best();
    m.oracles.as_mut().unwrap().used = false;
    m.oracles.as_mut().unwrap().manipulation_resistant = None;
    let r = eval(&m);
    let f = finding(&r, "oracle-design");
    assert_eq!(f.status, Status::NotApplicable);
    assert_eq!(f.max_points, 0.0);
    assert_eq!(r.score.rounded(), 100.0);

    // Unknown oracles instead: applicable, scored 0.
    m.oracles = None;
    let r = eval(&m);
    assert_eq!(finding(&r, "oracle-design").status, Status::Unknown);
    assert!(r.score.0 < 100.0);
}

#[test]
fn self_attested_facts_count_at_the_multiplier_and_lower_confidence() {
    let mut m = best();
    m.timelock.as_mut().unwrap().source = None;
    let r = eval(&m);
    let f = finding(&r, "timelock");
    assert!(!f.sourced);
    assert_eq!(f.status, Status::Partial);
    assert!((f.score.0 - 0.5).abs() < 1e-9);
    assert!(r.confidence.0 < 1.0);
    // admin-keys also relies on the timelock (dao-timelocked), so it is self-attested too.
    assert!(!finding(&r, "admin-keys").sourced);
}

#[test]
fn three_pillars_gate_fires_on_each_missing_pillar() {
    let mut no_fv = best();
    no_fv.formal_verification = Some(vec![]);
    let mut alerting = best();
    alerting.monitoring.as_mut().unwrap().level = MonitoringLevel::Alerting;
    let mut no_econ = best();
    no_econ
        .audits
        .as_mut()
        .unwrap()
        .retain(|a| a.kind != AuditKind::Economic);
    // Unknown economic audits cost their points but do not cap (2.0): the cap needs a fact.
    assert!(failing_gates(&eval(&no_econ)).is_empty());
    no_econ.not_found.push(posture::core::manifest::NotFound {
        table: posture::core::manifest::FactTable::EconomicAudits,
        searched: "the audits folder".into(),
        date: no_econ.protocol.as_of,
        source: Some("https://example.org/audits".into()),
    });
    for m in [no_fv, alerting, no_econ] {
        let r = eval(&m);
        assert_eq!(failing_gates(&r), vec!["three-pillars"]);
        assert_eq!(r.grade.label, "C");
        assert_eq!(r.grade_before_caps.label, "A");
        assert_eq!(
            r.capped_by.as_ref().map(|g| g.0.as_str()),
            Some("three-pillars")
        );
    }
    // Realtime monitoring is enough for the gate.
    let mut realtime = best();
    realtime.monitoring.as_mut().unwrap().level = MonitoringLevel::Realtime;
    assert!(failing_gates(&eval(&realtime)).is_empty());
}

#[test]
fn unaudited_deployment_gate_fires_when_the_deployed_version_moved_on() {
    let mut m = best();
    m.components[0].version = Version("3.0.0".parse().unwrap());
    let r = eval(&m);
    assert!(failing_gates(&r).contains(&"unaudited-deployment"));
    assert_eq!(r.grade.label, "D");
    let f = finding(&r, "code-audits");
    assert!(
        f.disregarded
            .iter()
            .any(|d| d.reason.contains("deployed pool is 3.0.0")),
        "{:?}",
        f.disregarded
    );
}

#[test]
fn an_audit_of_an_older_major_does_not_cover_the_deployed_version() {
    let mut m = best();
    let audits = m.audits.as_mut().unwrap();
    for a in audits.iter_mut().filter(|a| a.kind == AuditKind::Code) {
        a.covers = VersionReq("^1".parse().unwrap());
    }
    m.components[0].version = Version("2.0.0".parse().unwrap());
    m.components[1].version = Version("2.0.0".parse().unwrap());
    let r = eval(&m);
    let f = finding(&r, "code-audits");
    assert_eq!(f.value, serde_json::json!(0.0));
    assert!(
        f.disregarded
            .iter()
            .all(|d| d.reason.starts_with("covers ^1")),
        "{:?}",
        f.disregarded
    );
    assert!(failing_gates(&r).contains(&"unaudited-deployment"));
}

#[test]
fn eoa_admin_gate_fires_only_on_a_known_eoa() {
    let mut m = best();
    m.admin.as_mut().unwrap().control = AdminControl::Eoa;
    let r = eval(&m);
    assert_eq!(failing_gates(&r), vec!["eoa-admin"]);
    assert_eq!(r.grade.label, "D");
    assert_eq!(finding(&r, "admin-keys").status, Status::Fail);

    m.admin = None;
    let r = eval(&m);
    assert!(!failing_gates(&r).contains(&"eoa-admin"));
    assert_eq!(finding(&r, "admin-keys").status, Status::Unknown);
}

#[test]
fn unresolved_critical_gate_fires_on_findings_and_incidents_and_wins_over_milder_caps() {
    let mut m = best();
    m.audits.as_mut().unwrap()[0].unresolved = Some(Unresolved {
        critical: 1,
        high: 0,
    });
    let r = eval(&m);
    assert!(failing_gates(&r).contains(&"unresolved-critical"));
    assert_eq!(r.grade.label, "F");

    let mut m = best();
    // 5% of the $1B TVL: material, so it caps (2.0).
    m.incidents = Some(vec![incident("2026-05-01", 50_000_000.0, false, None)]);
    m.formal_verification = Some(vec![]);
    let r = eval(&m);
    assert_eq!(
        failing_gates(&r),
        vec!["three-pillars", "unresolved-critical"]
    );
    assert_eq!(r.grade.label, "F");
    assert_eq!(r.capped_by.as_ref().unwrap().0, "unresolved-critical");
    // Gaps: the binding gate first, then the milder one, then controls by points lost.
    assert_eq!(r.gaps[0].id, "unresolved-critical");
    assert_eq!(r.gaps[1].id, "three-pillars");
    let controls: Vec<f64> = r
        .gaps
        .iter()
        .filter(|g| g.kind == GapKind::Control)
        .map(|g| g.points_lost)
        .collect();
    assert!(controls.windows(2).all(|w| w[0] >= w[1]), "{controls:?}");
}

fn incident(day: &str, loss: f64, resolved: bool, affects: Option<&str>) -> Incident {
    Incident {
        date: date(day),
        loss_usd: loss,
        cause: "rounding".into(),
        component: None,
        affects: affects.map(|a| VersionReq(a.parse().unwrap())),
        resolved,
        postmortem: Some("https://example.org/postmortem".into()),
        source: None,
    }
}

fn fork_and_upstream() -> (Manifest, Manifest) {
    let mut upstream = best();
    upstream.protocol.id = "upstream".into();
    upstream.incidents = Some(vec![incident(
        "2026-04-01",
        128_000_000.0,
        true,
        Some(">=1.0.0, <7.0.0"),
    )]);
    let mut fork = best();
    fork.protocol.id = "fork".into();
    fork.lineage = Some(Lineage {
        forked_from: "upstream".into(),
        upstream_version: Version("6.0.0".parse().unwrap()),
        source: Some("https://example.org/lineage".into()),
    });
    (fork, upstream)
}

#[test]
fn a_fork_inherits_its_upstreams_matching_incident_until_it_records_the_fix() {
    let (mut fork, upstream) = fork_and_upstream();
    let r = eval_with(
        &fork,
        fork.protocol.as_of,
        Upstream::Found(upstream.incidents.as_deref().unwrap_or_default()),
    );
    assert_eq!(failing_gates(&r), vec!["inherited-vulnerability"]);
    assert_eq!(r.grade.label, "D");
    let f = finding(&r, "code-lineage");
    assert_eq!(f.status, Status::Fail);
    assert_eq!(
        f.note.as_deref(),
        Some("inherited from upstream: 2026-04-01 rounding, $128M")
    );

    fork.incidents = Some(vec![incident("2026-04-01", 0.0, true, None)]);
    let r = eval_with(
        &fork,
        fork.protocol.as_of,
        Upstream::Found(upstream.incidents.as_deref().unwrap_or_default()),
    );
    assert!(failing_gates(&r).is_empty());
    assert_eq!(finding(&r, "code-lineage").status, Status::Pass);

    // Before the upstream's incident, there is nothing to inherit.
    let (fork, upstream) = fork_and_upstream();
    let r = eval_with(
        &fork,
        date("2026-03-01"),
        Upstream::Found(upstream.incidents.as_deref().unwrap_or_default()),
    );
    assert!(!failing_gates(&r).contains(&"inherited-vulnerability"));
}

#[test]
fn an_incident_outside_the_forked_version_is_not_inherited() {
    let (mut fork, upstream) = fork_and_upstream();
    fork.lineage.as_mut().unwrap().upstream_version = Version("7.1.0".parse().unwrap());
    let r = eval_with(
        &fork,
        fork.protocol.as_of,
        Upstream::Found(upstream.incidents.as_deref().unwrap_or_default()),
    );
    assert_eq!(finding(&r, "code-lineage").status, Status::Pass);
}

#[test]
fn a_missing_upstream_is_unknown_not_a_pass() {
    let (fork, _) = fork_and_upstream();
    let r = eval_with(&fork, fork.protocol.as_of, Upstream::Missing);
    let f = finding(&r, "code-lineage");
    assert_eq!(f.status, Status::Unknown);
    assert!(
        f.note
            .as_deref()
            .unwrap()
            .contains("`upstream` is not in the scored set")
    );
}

#[test]
fn evaluating_before_an_audit_excludes_it() {
    let m = best();
    let before = eval_with(&m, date("2026-02-01"), Upstream::NotAFork);
    let f = finding(&before, "code-audits");
    assert!(f.disregarded.iter().any(|d| d.fact.contains("Firm Three")
        && d.reason.contains("after the evaluation date 2026-02-01")));
    assert_eq!(f.value, serde_json::json!(1.0));
    let after = eval(&m);
    assert_eq!(finding(&after, "code-audits").value, serde_json::json!(3.0));
}

#[test]
fn an_expired_pause_window_is_not_a_pause() {
    let mut m = best();
    m.pause.as_mut().unwrap().expires = Some(date("2022-01-01"));
    let r = eval(&m);
    let f = finding(&r, "emergency-pause");
    assert_eq!(f.value, serde_json::json!("expired"));
    assert_eq!(f.status, Status::Fail);
    assert_eq!(
        f.note.as_deref(),
        Some("pause window expired on 2022-01-01")
    );
    // The same pause evaluated before its window ended still works.
    let r = eval_with(&m, date("2021-12-01"), Upstream::NotAFork);
    assert_ne!(
        finding(&r, "emergency-pause").value,
        serde_json::json!("expired")
    );
}

#[test]
fn ended_bounties_and_insurance_do_not_count() {
    let mut m = best();
    m.bug_bounty.as_mut().unwrap().until = Some(date("2025-01-01"));
    m.insurance.as_mut().unwrap()[0].until = Some(date("2025-12-31"));
    let r = eval(&m);
    assert_eq!(finding(&r, "bug-bounty").status, Status::Fail);
    assert_eq!(finding(&r, "insurance").status, Status::Fail);
    assert_eq!(
        finding(&r, "insurance").disregarded[0].reason,
        "ended 2025-12-31"
    );
}

#[test]
fn an_unmonitored_chain_is_named_and_weighted_by_tvl() {
    let mut m = best();
    m.monitoring.as_mut().unwrap().chains = Some(vec!["ethereum".into()]);
    let r = eval(&m);
    let f = finding(&r, "multichain-coverage");
    assert_eq!(f.value, serde_json::json!(0.8));
    assert_eq!(f.note.as_deref(), Some("monitoring misses: arbitrum"));
}

#[test]
fn old_audits_lose_recency_credit() {
    let m = best();
    let r = eval_with(&m, date("2028-01-01"), Upstream::NotAFork);
    let f = finding(&r, "audit-recency");
    assert_eq!(f.value, serde_json::json!(657.0));
    assert!((f.score.0 - 0.6).abs() < 1e-9);
}

#[test]
fn an_audit_with_unresolved_high_findings_earns_no_audit_credit() {
    let mut m = best();
    let extra = Audit {
        firm: "Firm Four".into(),
        date: date("2026-04-01"),
        kind: AuditKind::Code,
        scope: vec!["pool".into(), "oracle-adapter".into()],
        covers: VersionReq("*".parse().unwrap()),
        findings: None,
        unresolved: Some(Unresolved {
            critical: 0,
            high: 2,
        }),
        diff_from: None,
        source: Some("https://example.org/four.pdf".into()),
    };
    m.audits.as_mut().unwrap().push(extra);
    let r = eval(&m);
    let f = finding(&r, "code-audits");
    assert_eq!(f.value, serde_json::json!(3.0));
    assert!(
        f.disregarded
            .iter()
            .any(|d| d.fact.contains("Firm Four")
                && d.reason == "2 unresolved critical/high findings")
    );
}

#[test]
fn same_inputs_give_the_same_report() {
    let m = best();
    let a = serde_json::to_string(&eval(&m)).unwrap();
    let b = serde_json::to_string(&eval(&m)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn monitoring_that_started_later_does_not_exist_yet() {
    let m = best();
    let r = eval_with(&m, date("2022-06-01"), Upstream::NotAFork);
    let f = finding(&r, "continuous-monitoring");
    assert_eq!(f.status, Status::Unknown);
    assert!(
        f.disregarded[0]
            .reason
            .contains("since 2023-01-01, after the evaluation date 2022-06-01")
    );
    assert!(failing_gates(&r).contains(&"three-pillars"));
}

#[test]
fn an_incident_not_tied_to_code_versions_is_not_inherited() {
    let (fork, mut upstream) = fork_and_upstream();
    upstream.incidents = Some(vec![incident("2026-04-01", 50_000_000.0, false, None)]);
    let r = eval_with(
        &fork,
        fork.protocol.as_of,
        Upstream::Found(upstream.incidents.as_deref().unwrap_or_default()),
    );
    assert_eq!(finding(&r, "code-lineage").status, Status::Pass);
    assert!(!failing_gates(&r).contains(&"inherited-vulnerability"));
}

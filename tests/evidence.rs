//! Grades that stand on evidence (DESIGN.md, rubric defi-baseline 2.x): each test changes the
//! facts of the best-practice manifest in one way and checks the rule that must follow.

use posture::core::date::Date;
use posture::core::engine;
use posture::core::manifest::{
    AdminControl, Audit, AuditKind, Engagement, FactTable, Incident, Manifest, NotFound,
    PastVersion, Version, VersionReq,
};
use posture::core::metrics::Upstream;
use posture::core::report::{Finding, ManifestStamp, Report, RubricStamp, Stamp, Status};

mod common;
use common::{best, date, rubric};

fn eval_at(m: &Manifest, as_of: Date) -> Report {
    let stamp = Stamp {
        tool: "posture test".into(),
        rubric: RubricStamp {
            id: "defi-baseline".into(),
            version: "2.0.0".into(),
            sha256: String::new(),
        },
        manifest: ManifestStamp {
            path: "test".into(),
            sha256: String::new(),
        },
        upstream: None,
        evaluated_as_of: as_of,
        config: None,
    };
    engine::evaluate(&rubric(), m, as_of, Upstream::NotAFork, stamp)
}

fn eval(m: &Manifest) -> Report {
    eval_at(m, m.protocol.as_of)
}

fn finding<'a>(r: &'a Report, id: &str) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.control.0 == id)
        .unwrap_or_else(|| panic!("no finding {id}"))
}

fn code_audit(firm: &str, day: &str, scope: &str, covers: &str, diff_from: Option<&str>) -> Audit {
    Audit {
        firm: firm.into(),
        date: date(day),
        kind: AuditKind::Code,
        scope: vec![scope.into()],
        covers: VersionReq(covers.parse().unwrap()),
        findings: None,
        unresolved: None,
        diff_from: diff_from.map(|v| Version(v.parse().unwrap())),
        source: Some(format!("https://example.org/{firm}.pdf")),
    }
}

/// A manifest whose only core component `pool` runs 1.2.0, audited as `audits` say.
fn pool_at_1_2(audits: Vec<Audit>) -> Manifest {
    let mut m = best();
    m.components.retain(|c| c.name == "pool");
    m.components[0].version = Version("1.2.0".parse().unwrap());
    m.audits = Some(audits);
    m.formal_verification = None;
    m
}

#[test]
fn a_chain_of_incremental_reviews_covers_the_deployed_version() {
    let chain = vec![
        code_audit("Base", "2025-01-01", "pool", "=1.0.0", None),
        code_audit("Step", "2025-06-01", "pool", "=1.1.0", Some("1.0.0")),
        code_audit("Next", "2026-01-01", "pool", "=1.2.0", Some("1.1.0")),
    ];
    let r = eval(&pool_at_1_2(chain));
    let f = finding(&r, "code-audits");
    assert_eq!(f.value, serde_json::json!(1.0), "{f:?}");
    assert!(f.evidence.iter().any(|e| e.fact.contains("Next")));
    assert_eq!(
        r.gates
            .iter()
            .find(|g| g.id.0 == "unaudited-deployment")
            .unwrap()
            .status,
        posture::core::report::GateStatus::Passes
    );
}

#[test]
fn a_broken_chain_of_incremental_reviews_covers_nothing() {
    // The middle link (1.0.0 -> 1.1.0) is missing: the review of 1.1.0 -> 1.2.0 rests on
    // code nobody reviewed.
    let broken = vec![
        code_audit("Base", "2025-01-01", "pool", "=1.0.0", None),
        code_audit("Next", "2026-01-01", "pool", "=1.2.0", Some("1.1.0")),
    ];
    let r = eval(&pool_at_1_2(broken));
    let f = finding(&r, "code-audits");
    assert_eq!(f.value, serde_json::json!(0.0), "{f:?}");
    assert!(
        f.disregarded
            .iter()
            .any(|d| d.fact.contains("Next") && d.reason.contains("no audit covers pool 1.1.0")),
        "{:?}",
        f.disregarded
    );
    assert!(r.gates.iter().any(|g| g.id.0 == "unaudited-deployment"
        && g.status == posture::core::report::GateStatus::Fails));
}

#[test]
fn immutable_code_keeps_recency_credit_that_upgradeable_code_loses() {
    // One audit, three years before the evaluation date, of the version that runs.
    let old = vec![code_audit("Old", "2023-06-01", "pool", "=1.2.0", None)];
    let mut immutable = pool_at_1_2(old);
    immutable.admin.as_mut().unwrap().control = AdminControl::Immutable;
    let mut upgradeable = immutable.clone();
    upgradeable.upgradeability.as_mut().unwrap().upgradeable = true;
    upgradeable.admin.as_mut().unwrap().control = AdminControl::Dao;

    let at = date("2026-06-01");
    let kept = finding(&eval_at(&immutable, at), "audit-recency").score.0;
    let lost = finding(&eval_at(&upgradeable, at), "audit-recency").score.0;
    assert!(kept >= 0.99, "immutable code scored {kept}");
    assert_eq!(lost, 0.0, "upgradeable code scored {lost}");
    // And the pause that immutable, admin-free code cannot have does not count against it.
    assert_eq!(
        finding(&eval_at(&immutable, at), "emergency-pause").status,
        Status::NotApplicable
    );
}

fn retained(firm: &str, since: &str, until: Option<&str>) -> Engagement {
    Engagement {
        firm: firm.into(),
        scope: vec!["pool".into()],
        since: date(since),
        until: until.map(date),
        source: Some(format!("https://example.org/{firm}-retainer")),
    }
}

/// `pool` 1.2.0, deployed on `deployed`, whose only full audit covers 1.0.0.
fn pool_reviewed_by(engagements: Vec<Engagement>, deployed: Option<&str>) -> Manifest {
    let mut m = pool_at_1_2(vec![code_audit(
        "Base",
        "2024-01-01",
        "pool",
        "=1.0.0",
        None,
    )]);
    m.components[0].deployed = deployed.map(date);
    m.engagements = Some(engagements);
    m
}

#[test]
fn a_retained_firm_covers_the_versions_deployed_inside_its_window() {
    let inside = pool_reviewed_by(
        vec![retained("Keeper", "2025-01-01", None)],
        Some("2026-03-01"),
    );
    let r = eval(&inside);
    let f = finding(&r, "code-audits");
    assert_eq!(f.value, serde_json::json!(1.0), "{f:?}");
    assert!(
        f.evidence
            .iter()
            .any(|e| e.fact.contains("engagements[0] Keeper")),
        "{f:?}"
    );
    // Its review is as old as the version's go-live, not as the engagement.
    assert_eq!(finding(&r, "audit-recency").value, serde_json::json!(121.0));

    // The same firm, retained only until before the version went live, covers nothing.
    let ended = pool_reviewed_by(
        vec![retained("Keeper", "2025-01-01", Some("2025-12-31"))],
        Some("2026-03-01"),
    );
    let r = eval(&ended);
    let f = finding(&r, "code-audits");
    assert_eq!(f.value, serde_json::json!(0.0), "{f:?}");
    assert!(
        f.disregarded
            .iter()
            .any(|d| d.reason.contains("outside the engagement")),
        "{:?}",
        f.disregarded
    );

    // Without a go-live date nobody can say the version fell inside the window.
    let undated = pool_reviewed_by(vec![retained("Keeper", "2025-01-01", None)], None);
    let r = eval(&undated);
    let f = finding(&r, "code-audits");
    assert_eq!(f.value, serde_json::json!(0.0), "{f:?}");
    assert!(
        f.disregarded
            .iter()
            .any(|d| d.reason.contains("does not say when pool 1.2.0"))
    );
}

#[test]
fn a_retained_firm_can_be_the_base_of_an_incremental_review() {
    // 1.1.0 went live inside the engagement; an audit of the changes 1.1.0 -> 1.2.0 then
    // covers the deployed 1.2.0, though the engagement ended before 1.2.0 went live.
    let mut m = pool_reviewed_by(
        vec![retained("Keeper", "2025-01-01", Some("2025-12-31"))],
        Some("2026-03-01"),
    );
    m.components[0].history = vec![PastVersion {
        version: Version("1.1.0".parse().unwrap()),
        deployed: date("2025-06-01"),
    }];
    m.audits.as_mut().unwrap().push(code_audit(
        "Step",
        "2026-02-01",
        "pool",
        "=1.2.0",
        Some("1.1.0"),
    ));
    let r = eval(&m);
    let f = finding(&r, "code-audits");
    assert_eq!(f.value, serde_json::json!(1.0), "{f:?}");
    assert!(f.evidence.iter().any(|e| e.fact.contains("Step")), "{f:?}");
}

#[test]
fn recency_counts_from_go_live_when_the_code_went_live_after_its_review() {
    // Audited 2024-06-01, live only from 2026-01-01: on 2026-06-01 the reviewed code has run
    // 151 days, and the audit's own two years say nothing about it.
    let mut m = pool_at_1_2(vec![code_audit(
        "Old",
        "2024-06-01",
        "pool",
        "=1.2.0",
        None,
    )]);
    let at = date("2026-06-01");
    let before = finding(&eval_at(&m, at), "audit-recency").clone();
    assert_eq!(before.value, serde_json::json!(730.0), "{before:?}");
    m.components[0].deployed = Some(date("2026-01-01"));
    let after = finding(&eval_at(&m, at), "audit-recency").clone();
    assert_eq!(after.value, serde_json::json!(151.0), "{after:?}");
    assert!(after.score.0 > before.score.0);
    assert!(
        after
            .evidence
            .iter()
            .any(|e| e.fact.contains("deployed 2026-01-01")),
        "{after:?}"
    );
    // A go-live before the review changes nothing: the review is the newer fact.
    m.components[0].deployed = Some(date("2024-01-01"));
    assert_eq!(
        finding(&eval_at(&m, at), "audit-recency").value,
        serde_json::json!(730.0)
    );
}

fn with_unresolved_loss(share_of_tvl: f64) -> Report {
    let mut m = best();
    let tvl = m.tvl().unwrap();
    m.incidents = Some(vec![Incident {
        date: date("2026-01-05"),
        loss_usd: tvl * share_of_tvl,
        cause: "bad debt".into(),
        component: None,
        affects: None,
        resolved: false,
        postmortem: Some("https://example.org/pm".into()),
        source: None,
    }]);
    eval(&m)
}

#[test]
fn a_tiny_unresolved_loss_costs_points_but_does_not_cap() {
    let r = with_unresolved_loss(0.00001);
    assert_ne!(r.grade.label, "F", "capped by {:?}", r.capped_by);
    assert_eq!(r.capped_by, None);
    assert!(finding(&r, "incident-history").score.0 < 1.0);
}

#[test]
fn a_material_unresolved_loss_caps_at_f() {
    let r = with_unresolved_loss(0.05);
    assert_eq!(r.grade.label, "F");
    assert_eq!(
        r.capped_by.as_ref().map(|g| g.0.as_str()),
        Some("unresolved-critical")
    );
}

#[test]
fn a_capping_gate_names_the_facts_that_set_it() {
    let r = with_unresolved_loss(0.05);
    let gate = r
        .gates
        .iter()
        .find(|g| g.id.0 == "unresolved-critical")
        .expect("the gate is in the report");
    assert!(
        gate.facts.iter().any(|e| e.fact.starts_with("incidents[0]")
            && e.fact.contains("bad debt")
            && e.fact.contains("2026-01-05")),
        "facts: {:?}",
        gate.facts
    );
    let mut seen = std::collections::BTreeSet::new();
    assert!(
        gate.facts.iter().all(|e| seen.insert(&e.fact)),
        "each fact once"
    );
    // A passing gate has no facts, and the JSON leaves the field out.
    let passing = r
        .gates
        .iter()
        .find(|g| g.status == posture::core::report::GateStatus::Passes)
        .expect("some gate passes");
    assert!(passing.facts.is_empty());
    assert!(
        serde_json::to_value(passing)
            .unwrap()
            .get("facts")
            .is_none()
    );
}

#[test]
fn a_not_found_table_is_a_sourced_no() {
    let mut m = best();
    m.insurance = None;
    m.not_found.push(NotFound {
        table: FactTable::Insurance,
        searched: "Nexus Mutual and OpenCover cover lists".into(),
        date: m.protocol.as_of,
        source: Some("https://example.org/cover-list".into()),
    });
    let r = eval(&m);
    let f = finding(&r, "insurance");
    assert_eq!(f.status, Status::NotFound);
    assert_eq!(f.score.0, 0.0);
    assert!(f.sourced);
    assert!(
        f.evidence
            .iter()
            .any(|e| e.source.as_deref() == Some("https://example.org/cover-list"))
    );
    // Known, so it counts toward confidence, unlike an absent table.
    let mut unknown = best();
    unknown.insurance = None;
    assert!(r.confidence.0 > eval(&unknown).confidence.0);
    assert_eq!(
        finding(&eval(&unknown), "insurance").status,
        Status::Unknown
    );
}

#[test]
fn a_search_dated_after_the_evaluation_date_did_not_happen_yet() {
    let mut m = best();
    m.insurance = None;
    m.not_found.push(NotFound {
        table: FactTable::Insurance,
        searched: "cover lists".into(),
        date: m.protocol.as_of,
        source: Some("https://example.org/cover-list".into()),
    });
    let earlier = m.protocol.as_of.minus_days(30);
    assert_eq!(
        finding(&eval_at(&m, earlier), "insurance").status,
        Status::Unknown
    );
}

#[test]
fn removing_fact_tables_makes_the_grade_provisional_with_a_higher_range() {
    let full = eval(&best());
    assert!(!full.provisional);
    assert_eq!(full.range.low, full.range.high);

    let mut thin = best();
    thin.monitoring = None;
    thin.pause = None;
    thin.formal_verification = None;
    let r = eval(&thin);
    assert!(r.provisional, "unknown share should exceed 20%");
    assert!(r.range.high.score.0 > r.range.low.score.0);
    assert_eq!(r.range.low.score, r.score);
    assert_eq!(r.range.low.grade, r.grade);
    assert!(r.range.high.grade.rank < r.grade.rank, "{:?}", r.range);
}

#[test]
fn value_of_information_ranks_the_unknown_controls_by_what_stating_them_wins() {
    use posture::core::analysis::research;
    let mut thin = best();
    thin.monitoring = None;
    thin.pause = None;
    thin.formal_verification = None;
    let as_of = thin.protocol.as_of;
    let plain = engine::Overrides::default();
    let r = eval(&thin);
    let ranked = research::rank(&rubric(), &thin, as_of, Upstream::NotAFork, &plain, &r);
    let unknown: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.status == Status::Unknown)
        .map(|f| f.control.0.as_str())
        .collect();
    assert_eq!(ranked.len(), unknown.len(), "{ranked:?}");
    assert!(ranked.windows(2).all(|w| w[0].points.0 >= w[1].points.0));
    // Each line is what scoring again with that one control at its best value gives.
    let top = &ranked[0];
    assert!(top.points.0 > 0.0, "{top:?}");
    assert_eq!(top.grade_before, r.grade);
    let finding = r
        .findings
        .iter()
        .find(|f| f.control.0 == top.control)
        .unwrap();
    assert!(
        (top.points.0 - finding.points_lost).abs() < 0.051 || top.grade_after.rank < r.grade.rank,
        "{top:?} vs {} points lost",
        finding.points_lost
    );
    assert!(top.grade_after.rank <= r.grade.rank);
    // A grade that is not provisional has nothing to research.
    let full = eval(&best());
    assert!(
        research::rank(&rubric(), &best(), as_of, Upstream::NotAFork, &plain, &full).is_empty()
    );
}

#[test]
fn as_of_uses_the_version_deployed_on_that_date() {
    let mut m = best();
    let pool = m.components.iter_mut().find(|c| c.name == "pool").unwrap();
    pool.deployed = Some(date("2026-01-01"));
    pool.history = vec![PastVersion {
        version: Version("1.9.0".parse().unwrap()),
        deployed: date("2024-01-01"),
    }];
    m.audits
        .as_mut()
        .unwrap()
        .push(code_audit("Early", "2025-08-01", "pool", "^2", None));
    // Without history the audit of `^2` covers the pool in October 2025 as it does today...
    let mut today = m.clone();
    for c in &mut today.components {
        c.deployed = None;
        c.history.clear();
    }
    let f = eval_at(&today, date("2025-10-01"));
    assert!(
        finding(&f, "code-audits")
            .evidence
            .iter()
            .any(|e| e.fact.contains("Early"))
    );
    // ...but in October 2025 the pool ran 1.9.0, which that audit does not cover.
    let r = eval_at(&m, date("2025-10-01"));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let f = finding(&r, "code-audits");
    assert!(
        f.disregarded
            .iter()
            .any(|d| d.reason.contains("deployed pool is 1.9.0")),
        "{:?}",
        f.disregarded
    );
}

#[test]
fn as_of_before_a_components_known_history_warns() {
    let mut m = best();
    let pool = m.components.iter_mut().find(|c| c.name == "pool").unwrap();
    pool.deployed = Some(date("2026-01-01"));
    let r = eval_at(&m, date("2025-06-01"));
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("`pool`") && w.contains("history does not say")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn as_of_long_after_the_facts_warns() {
    let m = best();
    let r = eval_at(&m, m.protocol.as_of.minus_days(-400));
    assert!(r.warnings.iter().any(|w| w.contains("days after")));
}

#[test]
fn economic_audits_are_unknown_unless_stated_or_not_found() {
    let mut m = best();
    m.audits
        .as_mut()
        .unwrap()
        .retain(|a| a.kind == AuditKind::Code);
    assert_eq!(finding(&eval(&m), "economic-audit").status, Status::Unknown);
    m.not_found.push(NotFound {
        table: FactTable::EconomicAudits,
        searched: "the audits folder".into(),
        date: m.protocol.as_of,
        source: Some("https://example.org/audits".into()),
    });
    assert_eq!(
        finding(&eval(&m), "economic-audit").status,
        Status::NotFound
    );
}

#[test]
fn backtest_refuses_as_of() {
    let out = common::posture()
        .args(["backtest", "protocols/", "--as-of", "2024-01-01"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not take --as-of"), "{err}");
}

#[test]
fn the_best_practice_fixture_still_grades_a() {
    assert_eq!(eval(&best()).grade.label, "A");
}

#[test]
fn score_prints_as_of_warnings_on_stderr() {
    let out = common::posture()
        .args([
            "score",
            "protocols/balancer-v2.toml",
            "--as-of",
            "2020-01-01",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning:") && err.contains("before the protocol launched"),
        "{err}"
    );
}

#[test]
fn a_web_of_incremental_reviews_is_judged_in_linear_time() {
    // 300 incremental reviews whose bases point at each other and never at a full audit: a
    // walk that re-decided each base would take exponential time; each version is decided once.
    let mut audits = Vec::new();
    for i in 0..300 {
        let base = if i % 2 == 0 { "1.0.0" } else { "1.1.0" };
        audits.push(code_audit(
            &format!("Firm{i}"),
            "2026-01-01",
            "pool",
            "*",
            Some(base),
        ));
    }
    let r = eval(&pool_at_1_2(audits));
    assert_eq!(finding(&r, "code-audits").value, serde_json::json!(0.0));
}

//! The shipped dataset: every manifest validates and every fact table cites an http(s) source a
//! reader can follow. A table that cannot be sourced is left out (unknown), never guessed.

use posture::core::manifest::Manifest;
use posture::load::{self, Source};

fn is_url(s: Option<&str>) -> bool {
    s.is_some_and(|s| {
        let s = s.trim();
        (s.starts_with("https://") || s.starts_with("http://"))
            && s.len() > 10
            && !s.contains(char::is_whitespace)
    })
}

/// Every fact table of a manifest with its source, named for the failure message.
fn sources(m: &Manifest) -> Vec<(String, Option<&str>)> {
    let mut out = vec![("protocol".to_string(), m.protocol.source.as_deref())];
    for (i, c) in m.components.iter().enumerate() {
        out.push((format!("components[{i}] {}", c.name), c.source.as_deref()));
    }
    for (i, d) in m.deployments.iter().enumerate() {
        out.push((format!("deployments[{i}] {}", d.chain), d.source.as_deref()));
    }
    if let Some(l) = &m.lineage {
        out.push(("lineage".into(), l.source.as_deref()));
    }
    for (i, a) in m.audits.iter().flatten().enumerate() {
        out.push((format!("audits[{i}] {}", a.firm), a.source.as_deref()));
    }
    for (i, f) in m.formal_verification.iter().flatten().enumerate() {
        out.push((format!("formal_verification[{i}]"), f.source.as_deref()));
    }
    for (i, p) in m.insurance.iter().flatten().enumerate() {
        out.push((format!("insurance[{i}]"), p.source.as_deref()));
    }
    for (i, inc) in m.incidents.iter().flatten().enumerate() {
        out.push((format!("incidents[{i}] {}", inc.date), inc.source()));
    }
    // A search that found nothing still says where it looked.
    for (i, n) in m.not_found.iter().enumerate() {
        out.push((
            format!("not_found[{i}] {}", n.table.as_str()),
            n.source.as_deref(),
        ));
    }
    let tables = [
        (
            "monitoring",
            m.monitoring.as_ref().map(|t| t.source.as_deref()),
        ),
        ("timelock", m.timelock.as_ref().map(|t| t.source.as_deref())),
        ("pause", m.pause.as_ref().map(|t| t.source.as_deref())),
        (
            "bug_bounty",
            m.bug_bounty.as_ref().map(|t| t.source.as_deref()),
        ),
        ("admin", m.admin.as_ref().map(|t| t.source.as_deref())),
        (
            "upgradeability",
            m.upgradeability.as_ref().map(|t| t.source.as_deref()),
        ),
        ("oracles", m.oracles.as_ref().map(|t| t.source.as_deref())),
        (
            "incident_response",
            m.incident_response.as_ref().map(|t| t.source.as_deref()),
        ),
    ];
    out.extend(
        tables
            .into_iter()
            .filter_map(|(name, s)| s.map(|s| (name.to_string(), s))),
    );
    out
}

fn shipped() -> Vec<(String, String)> {
    let dir = format!("{}/protocols", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_manifest_validates_and_every_fact_is_sourced() {
    let mut missing = Vec::new();
    for (name, text) in shipped() {
        let m = load::manifest(&Source::new(name.clone(), text))
            .unwrap_or_else(|d| panic!("{name}: {d:?}"));
        for (fact, source) in sources(&m) {
            if !is_url(source) {
                missing.push(format!("{name}: {fact}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "facts without an http(s) source:\n{}",
        missing.join("\n")
    );
}

#[test]
fn snapshot_file_names_match_their_contents() {
    for (name, text) in shipped() {
        let m = load::manifest(&Source::new(name.clone(), text)).unwrap();
        let stem = name.trim_end_matches(".toml");
        match stem.split_once('@') {
            Some((id, date)) => {
                assert_eq!(id, m.protocol.id, "{name}: id");
                assert_eq!(date, m.protocol.as_of.to_string(), "{name}: as_of");
            }
            None => assert_eq!(stem, m.protocol.id, "{name}: id"),
        }
    }
}

#[test]
fn the_dataset_is_wide_enough_for_a_backtest() {
    let files = shipped();
    let mut ids: Vec<String> = files
        .iter()
        .map(|(n, _)| {
            n.trim_end_matches(".toml")
                .split('@')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert!(ids.len() >= 25, "{} protocols", ids.len());
    let snapshots = files.iter().filter(|(n, _)| n.contains('@')).count();
    assert!(snapshots >= 10, "{snapshots} dated snapshots");
}

/// Most unknown weight a reference manifest may carry: a grade should measure the protocol,
/// not how much of it was researched, so every table is researched (a table or a not-found).
const MAX_UNKNOWN_SHARE: f64 = 0.10;

#[test]
fn unknown_tables_hold_at_most_a_tenth_of_any_reference_manifests_weight() {
    let out = assert_cmd::Command::cargo_bin("posture")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["score", "protocols/", "--format", "json", "--full"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut references = 0;
    let mut over = Vec::new();
    for r in doc["reports"].as_array().unwrap() {
        let path = r["stamp"]["manifest"]["path"].as_str().unwrap();
        if path.contains('@') {
            continue;
        }
        references += 1;
        let findings = r["findings"].as_array().unwrap();
        let weight = |unknown_only: bool| -> f64 {
            findings
                .iter()
                .filter(|f| f["status"] != "not-applicable")
                .filter(|f| !unknown_only || f["status"] == "unknown")
                .map(|f| f["max_points"].as_f64().unwrap())
                .sum()
        };
        let share = weight(true) / weight(false);
        if share > MAX_UNKNOWN_SHARE {
            over.push(format!("{path}: {:.1}% unknown", share * 100.0));
        }
    }
    assert!(references >= 90, "{references} reference manifests");
    assert!(over.is_empty(), "over the bound:\n{}", over.join("\n"));
}

/// The one TVL definition every reference manifest states its TVL by (DATA.md): the comment
/// block right above `tvl_usd` in `[protocol]` names it with the figure's date and source.
const TVL_LINE: &str = "# TVL: DefiLlama-style (deposits, borrows excluded), ";

/// Whether a `# TVL: ...` line says when the figure is from and where it was read:
/// `as of YYYY-MM-DD, URL` or `page read YYYY-MM, undated, URL`.
fn dated_and_sourced(line: &str) -> bool {
    let Some(rest) = line.strip_prefix(TVL_LINE) else {
        return false;
    };
    let rest = if let Some(r) = rest.strip_prefix("as of ") {
        r.get(10..).filter(|_| {
            r.get(..10)
                .is_some_and(|d| d.parse::<posture::core::date::Date>().is_ok())
        })
    } else {
        rest.strip_prefix("page read ")
            .and_then(|r| r.split_once(", undated"))
            .map(|(_, r)| r)
    };
    rest.and_then(|r| r.strip_prefix(", "))
        .is_some_and(|url| url.starts_with("https://") || url.starts_with("http://"))
}

#[test]
fn every_reference_tvl_is_stated_by_one_definition_or_its_absence_explained() {
    let mut wrong = Vec::new();
    for (name, text) in shipped().iter().filter(|(n, _)| !n.contains('@')) {
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.iter().position(|l| l.trim() == "[protocol]").unwrap();
        let end = lines[start + 1..]
            .iter()
            .position(|l| l.starts_with('['))
            .map_or(lines.len(), |i| start + 1 + i);
        let block = &lines[start + 1..end];
        match block.iter().position(|l| l.starts_with("tvl_usd")) {
            Some(at) => {
                let comments = block[..at].iter().rev().take_while(|l| l.starts_with('#'));
                if !comments.clone().any(|l| dated_and_sourced(l)) {
                    wrong.push(format!(
                        "{name}: no `{TVL_LINE}as of DATE, URL` line above tvl_usd"
                    ));
                }
            }
            None => {
                if !block.iter().any(|l| {
                    l.starts_with('#')
                        && (l.contains("tvl_usd left out") || l.contains("tvl_usd still left out"))
                }) {
                    wrong.push(format!(
                        "{name}: no tvl_usd and no comment saying why it is left out"
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_tvl_line_check_tells_a_dated_sourced_line_from_others() {
    assert!(dated_and_sourced(&format!(
        "{TVL_LINE}as of 2026-05-12, https://example.org/x"
    )));
    assert!(dated_and_sourced(&format!(
        "{TVL_LINE}page read 2026-12, undated, https://example.org/x"
    )));
    assert!(!dated_and_sourced(&format!(
        "{TVL_LINE}as of 2026-13-12, https://example.org/x"
    )));
    assert!(!dated_and_sourced(&format!("{TVL_LINE}as of 2026-05-12")));
    assert!(!dated_and_sourced(
        "# TVL: total value secured, as of 2026-05-12, https://example.org/x"
    ));
}

/// The dated facts of a manifest that must not postdate its `as_of`: what a snapshot holds
/// was public on its date (DATA.md "Snapshots and names").
fn dated_facts(m: &Manifest) -> Vec<(String, posture::core::date::Date)> {
    let mut out = Vec::new();
    for (i, a) in m.audits.iter().flatten().enumerate() {
        out.push((format!("audits[{i}] {}", a.firm), a.date));
    }
    for (i, p) in m.formal_verification.iter().flatten().enumerate() {
        out.push((format!("formal_verification[{i}] {}", p.provider), p.date));
    }
    for (i, n) in m.not_found.iter().enumerate() {
        out.push((format!("not_found[{i}] {:?}", n.table), n.date));
    }
    for (i, inc) in m.incidents.iter().flatten().enumerate() {
        out.push((format!("incidents[{i}]"), inc.date));
    }
    out
}

#[test]
fn no_snapshot_holds_an_audit_proof_search_or_incident_dated_after_its_as_of() {
    let mut later = Vec::new();
    for (name, text) in shipped() {
        let m = load::manifest(&Source::new(name.clone(), text)).unwrap();
        for (fact, date) in dated_facts(&m) {
            if date > m.protocol.as_of {
                later.push(format!(
                    "{name}: {fact} is dated {date}, after {}",
                    m.protocol.as_of
                ));
            }
        }
    }
    assert!(later.is_empty(), "hindsight:\n{}", later.join("\n"));
}

#[test]
fn the_hindsight_check_sees_a_search_made_after_the_date() {
    let src = Source::new(
        "x.toml",
        include_str!("fixtures/best-practice.toml").to_string(),
    );
    let mut m = load::manifest(&src).unwrap();
    let as_of = m.protocol.as_of;
    m.audits.as_mut().unwrap()[0].date = as_of.minus_days(-1);
    assert!(dated_facts(&m).iter().any(|(_, d)| *d > as_of));
}

#[test]
fn at_least_30_incidents_meet_two_time_matched_controls_researched_alike() {
    let out = assert_cmd::Command::cargo_bin("posture")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["backtest", "protocols/", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let graded: Vec<&serde_json::Value> = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !c["before"].is_null())
        .collect();
    let matched = graded
        .iter()
        .filter(|c| c["matched"].as_array().is_some_and(|m| m.len() >= 2))
        .count();
    assert!(
        matched >= 30,
        "{matched} incidents with two or more matched controls"
    );
    let gap =
        doc["control_confidence"].as_f64().unwrap() - doc["case_confidence"].as_f64().unwrap();
    assert!(
        gap.abs() < 0.10,
        "cases and controls differ in confidence by {gap:.3}"
    );
}

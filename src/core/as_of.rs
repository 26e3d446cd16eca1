//! What a manifest says as of an evaluation date, before any metric reads it: each component at
//! the version that ran on that date (from its `history`), and every table that was researched
//! and not found written out as the sourced "no" it is. Metrics then need no special cases.

use std::borrow::Cow;

use crate::core::date::Date;
use crate::core::manifest::{
    Admin, AdminControl, BugBounty, FactTable, IncidentResponse, Manifest, Monitoring,
    MonitoringLevel, NotFound, Oracles, Pause, Timelock, Upgradeability,
};

/// How long after a manifest's `as_of` its facts still describe the protocol well enough to be
/// evaluated without a warning.
pub const STALE_AFTER_DAYS: i64 = 365;

/// A manifest as of a date, and what the evaluation should warn about.
#[derive(Debug)]
pub struct AsOf<'a> {
    /// The manifest as it stood on the evaluation date (borrowed when nothing had to change).
    pub manifest: Cow<'a, Manifest>,
    /// Why the result may not describe the protocol on that date, in words for the report.
    pub warnings: Vec<String>,
}

/// The `[[not_found]]` entry for a table, if the table is absent and the search was done by
/// the evaluation date (a search dated later did not exist yet).
pub fn searched(m: &Manifest, table: FactTable, as_of: Date) -> Option<&NotFound> {
    m.not_found(table).filter(|n| n.date <= as_of)
}

/// The manifest as of `as_of`. Borrows when nothing changes (the usual case), so a league of
/// manifests without history or `[[not_found]]` pays nothing.
pub fn view(m: &Manifest, as_of: Date) -> AsOf<'_> {
    let mut warnings = Vec::new();
    if let Some(launched) = m.protocol.launched.filter(|l| as_of < *l) {
        warnings.push(format!(
            "evaluated as of {as_of}, before the protocol launched ({launched}): nothing it had then is known"
        ));
    }
    let gap = m.protocol.as_of.days_until(as_of);
    if gap > STALE_AFTER_DAYS {
        warnings.push(format!(
            "evaluated as of {as_of}, {gap} days after the manifest's facts ({}): anything that changed since is missing",
            m.protocol.as_of
        ));
    }
    let versions_change = m
        .components
        .iter()
        .any(|c| c.deployed.is_some_and(|d| d > as_of));
    let fills = m.not_found.iter().any(|n| n.date <= as_of);
    if !versions_change && !fills {
        return AsOf {
            manifest: Cow::Borrowed(m),
            warnings,
        };
    }
    let mut out = m.clone();
    for c in &mut out.components {
        let Some(deployed) = c.deployed.filter(|d| *d > as_of) else {
            continue;
        };
        match c.history.iter().rev().find(|h| h.deployed <= as_of) {
            Some(h) => {
                c.version = h.version.clone();
                c.deployed = Some(h.deployed);
            }
            None => warnings.push(format!(
                "evaluated as of {as_of}: component `{}` runs {} since {deployed} and its history does not say what ran before, so {} is assumed",
                c.name, c.version, c.version
            )),
        }
    }
    fill_not_found(&mut out, as_of);
    AsOf {
        manifest: Cow::Owned(out),
        warnings,
    }
}

/// Writes each absent table that was searched for as its worst content, sourced by the search.
fn fill_not_found(m: &mut Manifest, as_of: Date) {
    let entries: Vec<NotFound> = m
        .not_found
        .iter()
        .filter(|n| n.date <= as_of)
        .cloned()
        .collect();
    for n in entries {
        let source = n.source.clone();
        match n.table {
            FactTable::Audits if m.audits.is_none() => m.audits = Some(Vec::new()),
            FactTable::FormalVerification if m.formal_verification.is_none() => {
                m.formal_verification = Some(Vec::new())
            }
            FactTable::Engagements if m.engagements.is_none() => m.engagements = Some(Vec::new()),
            FactTable::Insurance if m.insurance.is_none() => m.insurance = Some(Vec::new()),
            FactTable::Incidents if m.incidents.is_none() => m.incidents = Some(Vec::new()),
            FactTable::Monitoring if m.monitoring.is_none() => {
                m.monitoring = Some(Monitoring {
                    providers: Vec::new(),
                    level: MonitoringLevel::None,
                    chains: None,
                    since: None,
                    source,
                })
            }
            FactTable::Timelock if m.timelock.is_none() => {
                m.timelock = Some(Timelock {
                    delay_hours: 0.0,
                    scope: Vec::new(),
                    source,
                })
            }
            FactTable::Pause if m.pause.is_none() => {
                m.pause = Some(Pause {
                    available: false,
                    controller: None,
                    scope: None,
                    expires: None,
                    chains: None,
                    last_drill: None,
                    source,
                })
            }
            FactTable::BugBounty if m.bug_bounty.is_none() => {
                m.bug_bounty = Some(BugBounty {
                    platform: None,
                    max_payout_usd: 0.0,
                    since: None,
                    until: None,
                    source,
                })
            }
            // Nobody could find who holds admin power: judged as the weakest holder.
            FactTable::Admin if m.admin.is_none() => {
                m.admin = Some(Admin {
                    control: AdminControl::Eoa,
                    threshold: None,
                    signers: None,
                    signers_public: None,
                    source,
                })
            }
            FactTable::Upgradeability if m.upgradeability.is_none() => {
                m.upgradeability = Some(Upgradeability {
                    upgradeable: true,
                    mechanism: None,
                    source,
                })
            }
            FactTable::Oracles if m.oracles.is_none() => {
                m.oracles = Some(Oracles {
                    used: true,
                    providers: Vec::new(),
                    manipulation_resistant: Some(false),
                    fallback: Some(false),
                    source,
                })
            }
            FactTable::IncidentResponse if m.incident_response.is_none() => {
                m.incident_response = Some(IncidentResponse {
                    plan_public: Some(false),
                    security_contact: Some(false),
                    war_room: Some(false),
                    last_drill: None,
                    source,
                })
            }
            // Economic audits are read from `not_found` by their metric; a table that is
            // stated is never overwritten (validation refuses both at once anyway).
            _ => {}
        }
    }
}

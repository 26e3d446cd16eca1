//! The words of a report: what each metric recorded (the facts it used, the facts it set aside
//! and why, a note) put into the sentences a reader sees, from the manifest it measured.
//!
//! Only a report asks for words; a league row never does, so measuring stays cheap. Every
//! sentence a report shows about the evidence is written here, once.

use std::cell::OnceCell;
use std::collections::BTreeSet;

use crate::core::date::Date;
use crate::core::manifest::{Component, Incident};
use crate::core::metrics::{
    self, Context, Coverage, Fact, IMMUTABLE_AGEING, Measurement, Note, Safeguard, Table, Upstream,
    Value, Why, short_usd, thousands,
};
use crate::core::report::{Disregarded, Evidence, round_to};

/// A metric value for people: whole numbers without decimals, others to two places.
pub fn show_value(value: &Value) -> String {
    match value {
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{n:.0}"),
        Value::Number(n) => format!("{:.2}", round_to(*n, 2)),
        Value::Bool(b) => b.to_string(),
        Value::Level(l) => (*l).to_string(),
        Value::None => "none".to_string(),
    }
}

/// Puts the measurements of one evaluation into words. The facts the shared coverage analyses
/// set aside, which several metrics report, are put into words once per report.
pub struct Words<'c, 'a> {
    ctx: &'c Context<'a>,
    audits: OnceCell<Vec<Disregarded>>,
    proofs: OnceCell<Vec<Disregarded>>,
}

impl<'c, 'a> Words<'c, 'a> {
    /// Words for measurements taken in `ctx`.
    pub fn new(ctx: &'c Context<'a>) -> Self {
        Self {
            ctx,
            audits: OnceCell::new(),
            proofs: OnceCell::new(),
        }
    }

    /// The facts a measurement used, each with its source.
    pub fn evidence(&self, m: &Measurement) -> Vec<Evidence> {
        m.used.iter().map(|&f| self.fact(f, m)).collect()
    }

    /// One fact `m` rests on, labelled, with its source.
    pub fn fact(&self, f: Fact, m: &Measurement) -> Evidence {
        Evidence {
            fact: self.label(f, m.value.as_ref()),
            source: f.source(self.ctx).map(str::to_string),
        }
    }

    /// The facts a measurement set aside, each with the reason: those of the coverage
    /// analysis it shares (each fact and reason once), then its own.
    pub fn disregarded(&self, m: &Measurement) -> Vec<Disregarded> {
        let mut out = m.coverage.map_or_else(Vec::new, |c| self.shared(c).clone());
        out.extend(m.set_aside.iter().map(|&(f, why)| self.set_aside(f, why)));
        out
    }

    /// The measurement's note, in words.
    pub fn note(&self, m: &Measurement) -> Option<String> {
        m.note.as_ref().map(|n| self.note_words(n))
    }

    fn shared(&self, coverage: Coverage) -> &Vec<Disregarded> {
        let cell = match coverage {
            Coverage::Audits => &self.audits,
            Coverage::Proofs => &self.proofs,
        };
        cell.get_or_init(|| {
            let mut seen = BTreeSet::new();
            let mut list = Vec::new();
            for &(f, why) in self.ctx.set_aside_by(coverage) {
                let d = self.set_aside(f, why);
                if seen.insert((d.fact.clone(), d.reason.clone())) {
                    list.push(d);
                }
            }
            list
        })
    }

    fn set_aside(&self, f: Fact, why: Why) -> Disregarded {
        Disregarded {
            fact: self.label(f, None),
            reason: self.reason(f, why),
            source: f.source(self.ctx).map(str::to_string),
        }
    }

    /// Where a fact is in the manifest, with a label: `audits[2] Trail of Bits, 2022-09-02`.
    /// `value` is the measured value, which a what-if's label shows.
    fn label(&self, f: Fact, value: Option<&Value>) -> String {
        let m = self.ctx.manifest;
        match f {
            Fact::Audit(i) => match nth(&m.audits, i) {
                Some(a) => format!("audits[{i}] {}, {}", a.firm, a.date),
                None => format!("audits[{i}]"),
            },
            Fact::Engagement(j) => match nth(&m.engagements, j) {
                Some(e) => match e.until {
                    Some(until) => format!("engagements[{j}] {}, {} to {until}", e.firm, e.since),
                    None => format!("engagements[{j}] {}, since {}", e.firm, e.since),
                },
                None => format!("engagements[{j}]"),
            },
            Fact::Proof(i) => match nth(&m.formal_verification, i) {
                Some(p) => format!("formal_verification[{i}] {}, {}", p.provider, p.date),
                None => format!("formal_verification[{i}]"),
            },
            Fact::Incident(i) => match nth(&m.incidents, i) {
                Some(inc) => format!("incidents[{i}] {}", incident(inc)),
                None => format!("incidents[{i}]"),
            },
            Fact::Inherited(i) => {
                let text = self.upstream_incident(i).map_or_else(String::new, incident);
                format!("{}: {text}", self.forked_from())
            }
            Fact::Insurance(i) => match nth(&m.insurance, i) {
                Some(p) => format!("insurance[{i}] {}", p.provider),
                None => format!("insurance[{i}]"),
            },
            Fact::Deployed { component, on } => {
                format!(
                    "components `{}` deployed {on}",
                    self.component_name(component)
                )
            }
            Fact::Table(t) => table_name(t).to_string(),
            Fact::NotFound(t) => match crate::core::as_of::searched(m, t, self.ctx.as_of) {
                Some(n) => format!("not_found {}: {}", n.table.as_str(), n.searched),
                None => format!("not_found {}", t.as_str()),
            },
            Fact::WhatIf(id) => {
                let name = metrics::def(id).name;
                match value {
                    Some(v) => format!("what-if {name}={}", show_value(v)),
                    None => format!("what-if {name}"),
                }
            }
        }
    }

    /// Why a fact was set aside.
    fn reason(&self, f: Fact, why: Why) -> String {
        let as_of = self.ctx.as_of;
        let m = self.ctx.manifest;
        match why {
            Why::Later(d) => after_evaluation("dated", d, as_of),
            Why::Starts(d) => after_evaluation("starts", d, as_of),
            Why::SinceLater(d) => after_evaluation("in place since", d, as_of),
            Why::Ended(d) => format!("ended {d}"),
            Why::Older(d) => format!("dated {d}, older than 24 months"),
            Why::OtherVersion { component } => {
                let covers = match f {
                    Fact::Audit(i) => nth(&m.audits, i).map(|a| a.covers.to_string()),
                    Fact::Proof(i) => nth(&m.formal_verification, i).map(|p| p.covers.to_string()),
                    _ => None,
                };
                let (name, version) = self.component_version(component);
                format!(
                    "covers {}, deployed {name} is {version}",
                    covers.unwrap_or_default()
                )
            }
            Why::BaseUncovered { component } => {
                let base = match f {
                    Fact::Audit(i) => nth(&m.audits, i)
                        .and_then(|a| a.diff_from.as_ref())
                        .map(ToString::to_string),
                    _ => None,
                }
                .unwrap_or_default();
                format!(
                    "reviews the changes from {base}, and no audit covers {} {base}",
                    self.component_name(component)
                )
            }
            Why::OpenFindings(open) => format!("{open} unresolved critical/high findings"),
            Why::Undated { component } => {
                let (name, version) = self.component_version(component);
                format!(
                    "the manifest does not say when {name} {version} was deployed, so it cannot fall inside the engagement"
                )
            }
            Why::DeployedOutside { component, on } => {
                let (name, version) = self.component_version(component);
                format!("{name} {version} was deployed {on}, outside the engagement")
            }
            Why::Immaterial { threshold } => {
                let loss = match f {
                    Fact::Incident(i) => nth(&m.incidents, i).map_or(0.0, |inc| inc.loss_usd),
                    _ => 0.0,
                };
                format!(
                    "unresolved, but a loss of {} is below the material {}",
                    short_usd(loss),
                    short_usd(threshold)
                )
            }
            Why::ResolvedHere => "recorded as resolved by this fork".to_string(),
        }
    }

    fn note_words(&self, note: &Note) -> String {
        let names = |places: &[usize]| {
            places
                .iter()
                .map(|&at| self.component_name(at))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match note {
            Note::FewestFirms { n, component } => format!(
                "fewest independent firms: {n}, on `{}`",
                self.component_name(*component)
            ),
            Note::FewestReputable { n, component } => format!(
                "fewest reputable firms: {n}, on `{}`",
                self.component_name(*component)
            ),
            Note::Uncovered(places) => format!("no audit covers: {}", names(places)),
            Note::WentLive { component, on } => {
                let (name, version) = self.component_version(*component);
                format!(
                    "`{name}` {version} went live {on}, after its newest review: its age counts from then"
                )
            }
            Note::NoCoveringReview => "no audit covers the deployed core code".to_string(),
            Note::Immutable { age } => format!(
                "immutable code with no admin: {age} days since its review count as {}",
                (age * IMMUTABLE_AGEING).round()
            ),
            Note::NoRecentEconomic => "no economic audit in the last 24 months".to_string(),
            Note::Unverified(places) => format!("not formally verified: {}", names(places)),
            Note::Misses {
                safeguard,
                deployments,
            } => {
                let what = match safeguard {
                    Safeguard::Monitoring => "monitoring",
                    Safeguard::Pause => "pause",
                };
                let chains: Vec<&str> = deployments
                    .iter()
                    .filter_map(|&i| self.ctx.manifest.deployments.get(i))
                    .map(|d| d.chain.as_str())
                    .collect();
                format!("{what} misses: {}", chains.join(", "))
            }
            Note::Both(pair) => {
                format!("{}; {}", self.note_words(&pair.0), self.note_words(&pair.1))
            }
            Note::PauseExpired(end) => format!("pause window expired on {end}"),
            Note::Drilled(d) => format!("last drilled {d}"),
            Note::DrillStale(d) => format!("last drilled {d}, more than a year before"),
            Note::NoDrill => "no documented drill".to_string(),
            Note::Practices {
                plan,
                contact,
                drill,
            } => {
                let missing: Vec<&str> = [
                    (*plan, "public plan"),
                    (*contact, "security contact"),
                    (*drill, "drill in the last year"),
                ]
                .into_iter()
                .filter(|(have, _)| !have)
                .map(|(_, name)| name)
                .collect();
                format!("missing: {}", missing.join(", "))
            }
            Note::WeakMultisig => "a strong multisig has a threshold of at least 4, at least half the signers, and public signers".to_string(),
            Note::NoActiveBounty(why) => format!(
                "no active bounty: {}",
                self.reason(Fact::Table(Table::BugBounty), *why)
            ),
            Note::Payout { max, benchmark } => format!(
                "max payout ${} against a ${} benchmark",
                thousands(*max),
                thousands(*benchmark)
            ),
            Note::NeedsTvl => "insurance share needs the protocol's TVL".to_string(),
            Note::NoIncidents => "no incidents recorded".to_string(),
            Note::NotAFork => "not a fork".to_string(),
            Note::UpstreamMissing => format!(
                "upstream `{}` is not in the scored set or --protocols folder",
                self.forked_from()
            ),
            Note::Inherited(open) => {
                let from = self.forked_from();
                let open: Vec<String> = open
                    .iter()
                    .filter_map(|&i| self.upstream_incident(i))
                    .map(|inc| {
                        format!(
                            "inherited from {from}: {} {}, ${}",
                            inc.date,
                            inc.cause,
                            short_usd(inc.loss_usd)
                        )
                    })
                    .collect();
                open.join("; ")
            }
            Note::ResistanceUnstated => "oracles.manipulation_resistant is not stated".to_string(),
            Note::WhatIf => "what-if value".to_string(),
        }
    }

    fn component(&self, at: usize) -> Option<&'a Component> {
        self.ctx.manifest.components.get(at)
    }

    fn component_name(&self, at: usize) -> &'a str {
        self.component(at).map_or("", |c| c.name.as_str())
    }

    fn component_version(&self, at: usize) -> (&'a str, String) {
        self.component(at).map_or(("", String::new()), |c| {
            (c.name.as_str(), c.version.to_string())
        })
    }

    fn forked_from(&self) -> &'a str {
        self.ctx
            .manifest
            .lineage
            .as_ref()
            .map_or("", |l| l.forked_from.as_str())
    }

    fn upstream_incident(&self, i: usize) -> Option<&'a Incident> {
        match self.ctx.upstream {
            Upstream::Found(u) => u.get(i),
            Upstream::NotAFork | Upstream::Missing => None,
        }
    }
}

/// Entry `i` of an optional list of the manifest.
fn nth<T>(list: &Option<Vec<T>>, i: usize) -> Option<&T> {
    list.as_deref().and_then(|l| l.get(i))
}

/// An incident as a label ends: `2022-03-01 oracle manipulation, $1,200,000`.
fn incident(inc: &Incident) -> String {
    format!("{} {}, ${}", inc.date, inc.cause, thousands(inc.loss_usd))
}

/// How a report names a table or field a metric read whole.
fn table_name(t: Table) -> &'static str {
    match t {
        Table::Monitoring => "monitoring",
        Table::Timelock => "timelock",
        Table::Pause => "pause",
        Table::BugBounty => "bug_bounty",
        Table::Admin => "admin",
        Table::Upgradeability => "upgradeability",
        Table::Oracles => "oracles",
        Table::IncidentResponse => "incident_response",
        Table::Lineage => "lineage",
        Table::Deployments => "deployments",
        Table::Launched => "protocol.launched",
        Table::Tvl => "protocol.tvl_usd",
    }
}

/// "dated 2026-01-01, after the evaluation date 2025-11-02", and the like.
fn after_evaluation(what: &str, date: Date, as_of: Date) -> String {
    format!("{what} {date}, after the evaluation date {as_of}")
}

//! The manifest: one protocol's security facts at one date, each with its source.
//!
//! Field names are user-facing (see DESIGN.md). An absent table is `None` and means
//! "unknown"; a user who means "no" says so inside the table.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use crate::core::date::Date;

/// The manifest format this build reads.
pub const FORMAT: u32 = 1;

/// One protocol's posture at `protocol.as_of`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "posture manifest", extend("$id" = "https://posture.invalid/manifest.schema.json"))]
pub struct Manifest {
    /// Manifest format version; this build reads format 1.
    #[schemars(range(min = 1, max = 1))]
    pub format: u32,
    /// Who the protocol is, its kind, value locked and the date the facts describe.
    pub protocol: Protocol,
    /// The deployed code, by part.
    #[serde(default)]
    pub components: Vec<Component>,
    /// Chains the protocol is deployed on, with the value each holds.
    #[serde(default)]
    pub deployments: Vec<Deployment>,
    /// Only for forks: where the code came from.
    pub lineage: Option<Lineage>,
    /// Security audits of the code or the economic design (`[[audits]]`); absent means unknown.
    pub audits: Option<Vec<Audit>>,
    /// Machine-checked proofs of properties of the code (`[[formal_verification]]`); absent means
    /// unknown.
    pub formal_verification: Option<Vec<FormalVerification>>,
    /// Who watches the contracts on chain and how far they go (alert, react); absent means unknown.
    pub monitoring: Option<Monitoring>,
    /// The delay imposed on privileged changes before they take effect; absent means unknown.
    pub timelock: Option<Timelock>,
    /// Whether and how the protocol can be paused in an emergency; absent means unknown.
    pub pause: Option<Pause>,
    /// The bug bounty offered to researchers who report flaws; absent means unknown.
    pub bug_bounty: Option<BugBounty>,
    /// Cover bought against losses from a hack (`[[insurance]]`); absent means unknown.
    pub insurance: Option<Vec<Insurance>>,
    /// Who holds the admin keys: nobody, a DAO, a multisig or a single key; absent means unknown.
    pub admin: Option<Admin>,
    /// Whether and how the code can be replaced after deployment; absent means unknown.
    pub upgradeability: Option<Upgradeability>,
    /// The price feeds the protocol depends on and how they are protected; absent means unknown.
    pub oracles: Option<Oracles>,
    /// How the team is prepared to respond to an attack; absent means unknown.
    pub incident_response: Option<IncidentResponse>,
    /// Past losses. Events, not a posture table: an absent list means none recorded.
    pub incidents: Option<Vec<Incident>>,
    /// Firms retained to review every change inside a window (continuous engagements).
    pub engagements: Option<Vec<Engagement>>,
    /// Tables that were researched and have nothing public behind them: a sourced "no".
    #[serde(default)]
    pub not_found: Vec<NotFound>,
}

impl Manifest {
    /// Total value locked: the protocol's figure, else the sum over deployments when every
    /// deployment states one.
    pub fn tvl(&self) -> Option<f64> {
        self.protocol.tvl_usd.or_else(|| {
            let d = &self.deployments;
            (!d.is_empty() && d.iter().all(|d| d.tvl_usd.is_some()))
                .then(|| d.iter().filter_map(|d| d.tvl_usd).sum())
        })
    }
}

/// Who the protocol is and the date the facts describe.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    /// kebab-case, unique in a set of manifests.
    #[schemars(regex(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub id: String,
    /// Display name, as shown in reports.
    pub name: String,
    /// What the protocol does (a DEX, a lending market...), used to compare like with like.
    pub kind: ProtocolKind,
    /// The date these facts describe; the default evaluation date.
    pub as_of: Date,
    /// When the protocol first went live.
    pub launched: Option<Date>,
    /// Total value locked, USD.
    #[schemars(range(min = 0))]
    pub tvl_usd: Option<f64>,
    /// The protocol's website.
    pub website: Option<String>,
    /// Where the protocol's source code is published.
    pub repository: Option<String>,
    /// Where the facts of this table can be checked (URL or document reference); without one they
    /// count as self-attested and earn reduced credit.
    pub source: Option<String>,
}

/// What kind of protocol it is, so reports and leagues compare like with like: `dex`, `lending`,
/// `liquid-staking`, `restaking`, `bridge`, `yield` (aggregators, vaults), `derivatives`,
/// `stablecoin`, `rwa` (real-world assets) or `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = crate::core::manifest::plain_enum)]
pub enum ProtocolKind {
    /// A decentralised exchange (swaps, liquidity pools).
    Dex,
    /// A lending or borrowing market.
    Lending,
    /// Liquid staking: staked assets returned as a tradable token.
    LiquidStaking,
    /// Restaking: staked assets reused to secure other services.
    Restaking,
    /// A bridge that moves assets between chains.
    Bridge,
    /// A yield aggregator or vault strategy.
    Yield,
    /// Perpetuals, options or other derivatives.
    Derivatives,
    /// A stablecoin issuer.
    Stablecoin,
    /// Real-world assets (treasuries, credit) brought on chain.
    Rwa,
    /// Anything that fits none of the other kinds.
    Other,
}

/// A deployed part of the protocol at a version.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// kebab-case: the name audits, incidents and coverage use for this part of the code.
    #[schemars(regex(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub name: String,
    /// A semver version, e.g. 2.0.0: the one deployed now.
    pub version: Version,
    /// Core components hold or move user funds; coverage is measured on them.
    #[serde(default)]
    pub core: bool,
    /// When this version went live.
    pub deployed: Option<Date>,
    /// Earlier versions, oldest first: what ran before `version`, for evaluating past dates.
    #[serde(default)]
    pub history: Vec<PastVersion>,
    /// Where this fact can be checked (URL or document reference); without one it counts as
    /// self-attested and earns reduced credit.
    pub source: Option<String>,
}

/// A version a component ran before its current one, and when it went live.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PastVersion {
    /// A semver version, e.g. 2.0.0: the one that ran before.
    pub version: Version,
    /// When that version went live.
    pub deployed: Date,
}

/// One chain the protocol is deployed on, with the value it holds there.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// The chain's name, e.g. `ethereum`.
    pub chain: String,
    /// Total value locked on this chain, USD.
    #[schemars(range(min = 0))]
    pub tvl_usd: Option<f64>,
    /// Where this fact can be checked (URL or document reference); without one it counts as
    /// self-attested and earns reduced credit.
    pub source: Option<String>,
}

/// Where a forked protocol's code came from, so it can inherit its upstream's reviews and flaws.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lineage {
    /// Protocol id of the upstream manifest.
    pub forked_from: String,
    /// The upstream version the fork copied, in the upstream's numbering.
    pub upstream_version: Version,
    /// Where this fact can be checked (URL or document reference); without one it counts as
    /// self-attested and earns reduced credit.
    pub source: Option<String>,
}

/// What an audit reviewed: the code, or the economic design.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = crate::core::manifest::plain_enum)]
pub enum AuditKind {
    /// A review of the code.
    Code,
    /// A review of the market and incentive design.
    Economic,
}

/// Counts of findings by severity, as an audit report states them.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Findings {
    /// Critical findings: flaws that could lose user funds outright.
    #[serde(default)]
    pub critical: u32,
    /// High-severity findings.
    #[serde(default)]
    pub high: u32,
    /// Medium-severity findings.
    #[serde(default)]
    pub medium: u32,
    /// Low-severity findings.
    #[serde(default)]
    pub low: u32,
}

/// Findings left unresolved when the report was published.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unresolved {
    /// Critical findings still open when the report was published.
    #[serde(default)]
    pub critical: u32,
    /// High-severity findings still open when the report was published.
    #[serde(default)]
    pub high: u32,
}

/// One audit report: who reviewed what, when, and what they found.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Audit {
    /// The audit firm's name; a rubric may count only the firms it trusts (`reputable_firms`).
    pub firm: String,
    /// The date the audit report was published.
    pub date: Date,
    /// Whether it reviewed the code or the economic design.
    pub kind: AuditKind,
    /// Component names the audit reviewed.
    pub scope: Vec<String>,
    /// Versions of those components the audit applies to.
    pub covers: VersionReq,
    /// How many findings the report lists, by severity.
    pub findings: Option<Findings>,
    /// How many findings were still open at publication, by severity.
    pub unresolved: Option<Unresolved>,
    /// An incremental review of the changes from this version to `covers`: it covers them only
    /// where this base version is itself covered.
    pub diff_from: Option<Version>,
    /// Where the report can be read (URL or document reference); without one it counts as
    /// self-attested and earns reduced credit.
    pub source: Option<String>,
}

/// A firm retained to review every change to its scope inside a window; it covers the
/// versions deployed inside that window.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Engagement {
    /// The firm's name.
    pub firm: String,
    /// Component names the engagement reviews.
    pub scope: Vec<String>,
    /// The first day of the engagement.
    pub since: Date,
    /// Absent means still retained.
    pub until: Option<Date>,
    /// Where the engagement can be checked (URL or document reference); without one it counts as
    /// self-attested and earns reduced credit.
    pub source: Option<String>,
}

/// The fact tables a `[[not_found]]` entry can name: `audits` means code audits and
/// `economic_audits` economic ones (both written as `[[audits]]`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[schemars(transform = crate::core::manifest::plain_enum)]
pub enum FactTable {
    /// Code audits (`[[audits]]` with `kind = "code"`).
    Audits,
    /// Economic audits (`[[audits]]` with `kind = "economic"`).
    EconomicAudits,
    /// Formal verification (`[[formal_verification]]`).
    FormalVerification,
    /// Continuous review engagements (`[[engagements]]`).
    Engagements,
    /// Monitoring (`[monitoring]`).
    Monitoring,
    /// The timelock (`[timelock]`).
    Timelock,
    /// The pause mechanism (`[pause]`).
    Pause,
    /// The bug bounty (`[bug_bounty]`).
    BugBounty,
    /// Insurance cover (`[[insurance]]`).
    Insurance,
    /// Admin key control (`[admin]`).
    Admin,
    /// Upgradeability (`[upgradeability]`).
    Upgradeability,
    /// Oracles (`[oracles]`).
    Oracles,
    /// Incident response (`[incident_response]`).
    IncidentResponse,
    /// Past incidents (`[[incidents]]`).
    Incidents,
}

impl FactTable {
    /// Every table, in manifest order.
    pub const ALL: [FactTable; 14] = [
        Self::Audits,
        Self::EconomicAudits,
        Self::FormalVerification,
        Self::Engagements,
        Self::Monitoring,
        Self::Timelock,
        Self::Pause,
        Self::BugBounty,
        Self::Insurance,
        Self::Admin,
        Self::Upgradeability,
        Self::Oracles,
        Self::IncidentResponse,
        Self::Incidents,
    ];

    /// The name a manifest writes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Audits => "audits",
            Self::EconomicAudits => "economic_audits",
            Self::FormalVerification => "formal_verification",
            Self::Engagements => "engagements",
            Self::Monitoring => "monitoring",
            Self::Timelock => "timelock",
            Self::Pause => "pause",
            Self::BugBounty => "bug_bounty",
            Self::Insurance => "insurance",
            Self::Admin => "admin",
            Self::Upgradeability => "upgradeability",
            Self::Oracles => "oracles",
            Self::IncidentResponse => "incident_response",
            Self::Incidents => "incidents",
        }
    }
}

/// A table that was researched with nothing public behind it: where the search looked.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotFound {
    /// The fact table that was looked for.
    pub table: FactTable,
    /// Where the search looked, in words.
    pub searched: String,
    /// When the search was done (for a dated snapshot: the day whose public record was searched).
    pub date: Date,
    /// Where it was done: the docs' security page, the cover list, the audits folder.
    pub source: Option<String>,
}

impl Manifest {
    /// The `[[not_found]]` entry for a table, if the table was researched and nothing found.
    pub fn not_found(&self, table: FactTable) -> Option<&NotFound> {
        self.not_found.iter().find(|n| n.table == table)
    }
}

/// One formal verification: a provider proved stated properties of some components.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormalVerification {
    /// Who did the verification, e.g. Certora.
    pub provider: String,
    /// The date the verification was published.
    pub date: Date,
    /// Component names that were verified.
    pub scope: Vec<String>,
    /// Versions of those components the verification applies to (semver requirement).
    pub covers: VersionReq,
    /// What was proven, free text.
    #[serde(default)]
    pub properties: Vec<String>,
    /// Where the verification can be checked (URL or document reference); without one it counts as
    /// self-attested and earns reduced credit.
    pub source: Option<String>,
}

/// How far monitoring goes, weakest first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = crate::core::manifest::plain_enum)]
pub enum MonitoringLevel {
    /// No monitoring at all.
    None,
    /// Alerts go to the team, who must react by hand.
    Alerting,
    /// Real-time monitoring of transactions, with the team on call.
    Realtime,
    /// Monitoring that acts on its own, e.g. pausing the protocol when an attack is seen.
    AutomatedResponse,
}

impl MonitoringLevel {
    /// The name a manifest writes, e.g. `automated-response`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Alerting => "alerting",
            Self::Realtime => "realtime",
            Self::AutomatedResponse => "automated-response",
        }
    }
}

/// Who watches the contracts on chain, and how far the watching goes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    /// Monitoring services used, e.g. Hypernative or Forta.
    #[serde(default)]
    pub providers: Vec<String>,
    /// How far monitoring goes: `none`, `alerting`, `realtime` or `automated-response`.
    pub level: MonitoringLevel,
    /// Deployments covered; absent means every deployment.
    pub chains: Option<Vec<String>>,
    /// Since when monitoring has been in place.
    pub since: Option<Date>,
    /// Where this fact can be checked (URL or document reference); without one it counts as
    /// self-attested and earns reduced credit.
    pub source: Option<String>,
}

/// A delay between queueing a privileged change and executing it, so users can leave first.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Timelock {
    /// Hours between queueing and executing a privileged change.
    #[schemars(range(min = 0))]
    pub delay_hours: f64,
    /// Which privileged actions go through it.
    #[serde(default)]
    pub scope: Vec<String>,
    /// Where this fact can be checked (URL or document reference); without one it counts as
    /// self-attested and earns reduced credit.
    pub source: Option<String>,
}

/// Who can trigger the pause: a `multisig`, a `dao` vote, an `automated` system (e.g. a monitor
/// that pauses on an attack) or an `eoa`, a single key held by one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = crate::core::manifest::plain_enum)]
pub enum Controller {
    /// A multisig of named or anonymous signers.
    Multisig,
    /// A DAO vote.
    Dao,
    /// An automated system, e.g. a monitor that pauses on an attack.
    Automated,
    /// A single key held by one person (externally owned account).
    Eoa,
}

/// How much of the protocol a pause stops: all of it (`global`), one market or pool at a time
/// (`per-market`), or only some functions (`partial`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = crate::core::manifest::plain_enum)]
pub enum PauseScope {
    /// The whole protocol at once.
    Global,
    /// One market or pool at a time.
    PerMarket,
    /// Only some functions.
    Partial,
}

/// The ability to stop the protocol in an emergency, and who holds it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pause {
    /// Whether the contracts can be paused at all; `false` is a known "no".
    pub available: bool,
    /// Who can trigger the pause: `multisig`, `dao`, `automated` or `eoa`.
    pub controller: Option<Controller>,
    /// How much a pause stops: `global`, `per-market` or `partial`.
    pub scope: Option<PauseScope>,
    /// End of a pause window, if the contracts have one.
    pub expires: Option<Date>,
    /// Deployments the pause reaches; absent means every deployment.
    pub chains: Option<Vec<String>>,
    /// Last documented test or real use.
    pub last_drill: Option<Date>,
    /// Where this fact can be checked (URL or document reference); without one it counts as
    /// self-attested and earns reduced credit.
    pub source: Option<String>,
}

/// A reward offered to researchers who report flaws instead of exploiting them.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BugBounty {
    /// Where the bounty is run, e.g. Immunefi.
    pub platform: Option<String>,
    /// The largest reward paid for a critical report, USD.
    #[schemars(range(min = 0))]
    pub max_payout_usd: f64,
    /// Since when the bounty has been offered.
    pub since: Option<Date>,
    /// Absent means still active.
    pub until: Option<Date>,
    /// Where this fact can be checked (URL or document reference); without one it counts as
    /// self-attested and earns reduced credit.
    pub source: Option<String>,
}

/// Cover bought against losses from a hack, paid out to users.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Insurance {
    /// Who provides the cover, e.g. Nexus Mutual.
    pub provider: String,
    /// How much is covered, USD.
    #[schemars(range(min = 0))]
    pub coverage_usd: f64,
    /// When the cover started.
    pub since: Option<Date>,
    /// When the cover ends; absent means still in force.
    pub until: Option<Date>,
    /// Where this fact can be checked (URL or document reference); without one it counts as
    /// self-attested and earns reduced credit.
    pub source: Option<String>,
}

/// Who holds the admin keys: nobody (`immutable`), a `dao` vote, a `multisig` of named or
/// anonymous signers, or an `eoa`, a single key held by one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = crate::core::manifest::plain_enum)]
pub enum AdminControl {
    /// Nobody: the contracts have no admin.
    Immutable,
    /// A DAO vote.
    Dao,
    /// A multisig of named or anonymous signers holds the admin keys.
    Multisig,
    /// A single key held by one person (externally owned account).
    Eoa,
}

/// Who can change the protocol, and how many people must agree.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Admin {
    /// Who holds the admin keys: `immutable`, `dao`, `multisig` or `eoa`.
    pub control: AdminControl,
    /// For a multisig: how many signatures a change needs.
    pub threshold: Option<u32>,
    /// For a multisig: how many signers there are in all.
    pub signers: Option<u32>,
    /// For a multisig: whether the signers' identities are public.
    pub signers_public: Option<bool>,
    /// Where this fact can be checked (URL or document reference); without one it counts as
    /// self-attested and earns reduced credit.
    pub source: Option<String>,
}

/// How the code can be replaced: it cannot (`none`), a `proxy` points to an implementation that
/// can be swapped, a `diamond` (EIP-2535) swaps parts one by one, or users are moved to new
/// contracts by a `migration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(transform = crate::core::manifest::plain_enum)]
pub enum UpgradeMechanism {
    /// It cannot be replaced.
    None,
    /// A proxy contract points to an implementation that can be swapped.
    Proxy,
    /// A diamond (EIP-2535): parts of the code can be swapped one by one.
    Diamond,
    /// Users are moved to new contracts by a migration.
    Migration,
}

/// Whether the deployed code can be replaced after launch, and how.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Upgradeability {
    /// Whether the code can be changed at all; `false` is a known "no".
    pub upgradeable: bool,
    /// How it can be changed: `none`, `proxy`, `diamond` or `migration`.
    pub mechanism: Option<UpgradeMechanism>,
    /// Where this fact can be checked (URL or document reference); without one it counts as
    /// self-attested and earns reduced credit.
    pub source: Option<String>,
}

/// The price feeds the protocol depends on, and how they are protected from manipulation.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Oracles {
    /// Whether the protocol uses price oracles at all.
    pub used: bool,
    /// Oracle providers used, e.g. `chainlink`.
    #[serde(default)]
    pub providers: Vec<String>,
    /// TWAP, multi-source or circuit breakers.
    pub manipulation_resistant: Option<bool>,
    /// Whether there is a fallback feed when the main one fails.
    pub fallback: Option<bool>,
    /// Where this fact can be checked (URL or document reference); without one it counts as
    /// self-attested and earns reduced credit.
    pub source: Option<String>,
}

/// How ready the team is to respond to an attack.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentResponse {
    /// Whether an incident response plan is published.
    pub plan_public: Option<bool>,
    /// security.txt, SEAL 911 or equivalent.
    pub security_contact: Option<bool>,
    /// Whether a war room (a standing team and channel for incidents) is set up.
    pub war_room: Option<bool>,
    /// The last documented drill of the plan.
    pub last_drill: Option<Date>,
    /// Where this fact can be checked (URL or document reference); without one it counts as
    /// self-attested and earns reduced credit.
    pub source: Option<String>,
}

/// A past loss: when, how much, why, and whether it is fixed.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// The day of the incident.
    pub date: Date,
    /// Funds lost, USD.
    #[schemars(range(min = 0))]
    pub loss_usd: f64,
    /// Short free text.
    pub cause: String,
    /// The component where the flaw was, by name.
    pub component: Option<String>,
    /// Versions affected. Absent means the incident is not tied to a code version (a key theft,
    /// an outside bridge failure): forks do not inherit it.
    pub affects: Option<VersionReq>,
    /// Whether the cause has been fixed.
    pub resolved: bool,
    /// The post-mortem: the incident's source.
    pub postmortem: Option<String>,
    /// Where the incident is described, if there is no post-mortem (URL or document reference).
    pub source: Option<String>,
}

impl Incident {
    /// The post-mortem, else the plain source.
    pub fn source(&self) -> Option<&str> {
        self.postmortem.as_deref().or(self.source.as_deref())
    }
}

/// Text that counts as a source: anything but blank.
pub fn is_sourced(source: Option<&str>) -> bool {
    source.is_some_and(|s| !s.trim().is_empty())
}

/// A semver version (`2.0.0`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub semver::Version);

/// A semver requirement (`^2`, `>=2.0.0, <2.1.0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionReq(pub semver::VersionReq);

impl VersionReq {
    /// Whether a version meets this requirement.
    pub fn matches(&self, v: &Version) -> bool {
        self.0.matches(&v.0)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for VersionReq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl Serialize for VersionReq {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        // As strict as the schema's pattern: no spaces around the version.
        semver::Version::parse(&text).map(Version).map_err(|e| {
            de::Error::custom(format!(
                "`{text}` is not a semver version ({e}): write all three parts, e.g. 2.0.0"
            ))
        })
    }
}

impl<'de> Deserialize<'de> for VersionReq {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        semver::VersionReq::parse(text.trim())
            .map(VersionReq)
            .map_err(|e| {
                de::Error::custom(format!(
                    "`{text}` is not a semver requirement ({e}): e.g. \"^2.0.0\" or \">=2.0.0, <2.1.0\""
                ))
            })
    }
}

impl JsonSchema for Version {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Version".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$",
            "description": "A semver version, e.g. 2.0.0"
        })
    }
}

impl JsonSchema for VersionReq {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "VersionReq".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A semver requirement, e.g. \"^2.0.0\" or \">=2.0.0, <2.1.0\""
        })
    }
}

/// Writes an enum of documented unit variants as a plain `enum` list of its values. Documenting
/// each value would otherwise make the schema a `oneOf` of constants, and a typo would be
/// reported as "not valid under any of the schemas" instead of naming the values it could be;
/// the enum's own doc comment describes the values.
pub fn plain_enum(schema: &mut schemars::Schema) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    let Some(serde_json::Value::Array(options)) = obj.get("oneOf") else {
        return;
    };
    let values: Option<Vec<serde_json::Value>> =
        options.iter().map(|o| o.get("const").cloned()).collect();
    let Some(values) = values.filter(|v| v.iter().all(serde_json::Value::is_string)) else {
        return;
    };
    obj.remove("oneOf");
    obj.insert("type".into(), "string".into());
    obj.insert("enum".into(), serde_json::Value::Array(values));
}

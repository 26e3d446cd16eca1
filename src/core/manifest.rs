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
    pub protocol: Protocol,
    /// The deployed code, by part.
    #[serde(default)]
    pub components: Vec<Component>,
    /// Chains the protocol is deployed on, with the value each holds.
    #[serde(default)]
    pub deployments: Vec<Deployment>,
    /// Only for forks: where the code came from.
    pub lineage: Option<Lineage>,
    pub audits: Option<Vec<Audit>>,
    pub formal_verification: Option<Vec<FormalVerification>>,
    pub monitoring: Option<Monitoring>,
    pub timelock: Option<Timelock>,
    pub pause: Option<Pause>,
    pub bug_bounty: Option<BugBounty>,
    pub insurance: Option<Vec<Insurance>>,
    pub admin: Option<Admin>,
    pub upgradeability: Option<Upgradeability>,
    pub oracles: Option<Oracles>,
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
    pub name: String,
    pub kind: ProtocolKind,
    /// The date these facts describe; the default evaluation date.
    pub as_of: Date,
    pub launched: Option<Date>,
    /// Total value locked, USD.
    #[schemars(range(min = 0))]
    pub tvl_usd: Option<f64>,
    pub website: Option<String>,
    pub repository: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ProtocolKind {
    Dex,
    Lending,
    LiquidStaking,
    Restaking,
    Bridge,
    Yield,
    Derivatives,
    Stablecoin,
    Rwa,
    Other,
}

/// A deployed part of the protocol at a version.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    #[schemars(regex(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub name: String,
    pub version: Version,
    /// Core components hold or move user funds; coverage is measured on them.
    #[serde(default)]
    pub core: bool,
    /// When this version went live.
    pub deployed: Option<Date>,
    /// Earlier versions, oldest first: what ran before `version`, for evaluating past dates.
    #[serde(default)]
    pub history: Vec<PastVersion>,
    pub source: Option<String>,
}

/// A version a component ran before its current one, and when it went live.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PastVersion {
    pub version: Version,
    pub deployed: Date,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    pub chain: String,
    #[schemars(range(min = 0))]
    pub tvl_usd: Option<f64>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lineage {
    /// Protocol id of the upstream manifest.
    pub forked_from: String,
    /// The upstream version the fork copied, in the upstream's numbering.
    pub upstream_version: Version,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
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
    #[serde(default)]
    pub critical: u32,
    #[serde(default)]
    pub high: u32,
    #[serde(default)]
    pub medium: u32,
    #[serde(default)]
    pub low: u32,
}

/// Findings left unresolved when the report was published.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Unresolved {
    #[serde(default)]
    pub critical: u32,
    #[serde(default)]
    pub high: u32,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Audit {
    pub firm: String,
    pub date: Date,
    pub kind: AuditKind,
    /// Component names the audit reviewed.
    pub scope: Vec<String>,
    /// Versions of those components the audit applies to.
    pub covers: VersionReq,
    pub findings: Option<Findings>,
    pub unresolved: Option<Unresolved>,
    /// An incremental review of the changes from this version to `covers`: it covers them only
    /// where this base version is itself covered.
    pub diff_from: Option<Version>,
    pub source: Option<String>,
}

/// A firm retained to review every change to its scope inside a window; it covers the
/// versions deployed inside that window.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Engagement {
    pub firm: String,
    /// Component names the engagement reviews.
    pub scope: Vec<String>,
    pub since: Date,
    /// Absent means still retained.
    pub until: Option<Date>,
    pub source: Option<String>,
}

/// The fact tables a `[[not_found]]` entry can name: `audits` means code audits and
/// `economic_audits` economic ones (both written as `[[audits]]`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FactTable {
    Audits,
    EconomicAudits,
    FormalVerification,
    Engagements,
    Monitoring,
    Timelock,
    Pause,
    BugBounty,
    Insurance,
    Admin,
    Upgradeability,
    Oracles,
    IncidentResponse,
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

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormalVerification {
    pub provider: String,
    pub date: Date,
    pub scope: Vec<String>,
    pub covers: VersionReq,
    /// What was proven, free text.
    #[serde(default)]
    pub properties: Vec<String>,
    pub source: Option<String>,
}

/// How far monitoring goes, weakest first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum MonitoringLevel {
    None,
    Alerting,
    Realtime,
    AutomatedResponse,
}

impl MonitoringLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Alerting => "alerting",
            Self::Realtime => "realtime",
            Self::AutomatedResponse => "automated-response",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    #[serde(default)]
    pub providers: Vec<String>,
    pub level: MonitoringLevel,
    /// Deployments covered; absent means every deployment.
    pub chains: Option<Vec<String>>,
    pub since: Option<Date>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Timelock {
    /// Hours between queueing and executing a privileged change.
    #[schemars(range(min = 0))]
    pub delay_hours: f64,
    /// Which privileged actions go through it.
    #[serde(default)]
    pub scope: Vec<String>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Controller {
    Multisig,
    Dao,
    Automated,
    Eoa,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PauseScope {
    Global,
    PerMarket,
    Partial,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pause {
    pub available: bool,
    pub controller: Option<Controller>,
    pub scope: Option<PauseScope>,
    /// End of a pause window, if the contracts have one.
    pub expires: Option<Date>,
    /// Deployments the pause reaches; absent means every deployment.
    pub chains: Option<Vec<String>>,
    /// Last documented test or real use.
    pub last_drill: Option<Date>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BugBounty {
    pub platform: Option<String>,
    #[schemars(range(min = 0))]
    pub max_payout_usd: f64,
    pub since: Option<Date>,
    /// Absent means still active.
    pub until: Option<Date>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Insurance {
    pub provider: String,
    #[schemars(range(min = 0))]
    pub coverage_usd: f64,
    pub since: Option<Date>,
    pub until: Option<Date>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AdminControl {
    Immutable,
    Dao,
    Multisig,
    Eoa,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Admin {
    pub control: AdminControl,
    pub threshold: Option<u32>,
    pub signers: Option<u32>,
    pub signers_public: Option<bool>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum UpgradeMechanism {
    None,
    Proxy,
    Diamond,
    Migration,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Upgradeability {
    pub upgradeable: bool,
    pub mechanism: Option<UpgradeMechanism>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Oracles {
    pub used: bool,
    #[serde(default)]
    pub providers: Vec<String>,
    /// TWAP, multi-source or circuit breakers.
    pub manipulation_resistant: Option<bool>,
    pub fallback: Option<bool>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentResponse {
    pub plan_public: Option<bool>,
    /// security.txt, SEAL 911 or equivalent.
    pub security_contact: Option<bool>,
    pub war_room: Option<bool>,
    pub last_drill: Option<Date>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    pub date: Date,
    #[schemars(range(min = 0))]
    pub loss_usd: f64,
    /// Short free text.
    pub cause: String,
    pub component: Option<String>,
    /// Versions affected. Absent means the incident is not tied to a code version (a key theft,
    /// an outside bridge failure): forks do not inherit it.
    pub affects: Option<VersionReq>,
    pub resolved: bool,
    /// The post-mortem: the incident's source.
    pub postmortem: Option<String>,
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

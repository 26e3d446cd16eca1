//! A synthetic corpus of manifests for benchmarks: varied, valid and deterministic.
//!
//! Shared by `examples/gen_corpus.rs` (writes the files) and `benches/` (keeps them in memory)
//! through `#[path = "..."] mod corpus;`, so both measure the same inputs.
//!
//! Every manifest is a function of `(seed, index)` alone: a seeded SplitMix64, no clock, no
//! hash-map order. Manifest `i` is the same whatever the corpus size, so the first 100 files of
//! a 10,000-file corpus are the 100-file corpus. The protocols are fictional (`synthetic-00042`)
//! and every source is on example.org.
//!
//! What varies: every optional table is present in some manifests and absent in others (and
//! `audits`, `formal_verification`, `insurance`, `incidents` are sometimes an explicit `[]`);
//! 1-12 components (some not core), 1-10 deployments (TVL known or not), 0-20 audits (code and
//! economic, covering the deployed version or an older one, with findings and unresolved
//! findings), forks of earlier corpus protocols and of upstreams outside the corpus, resolved
//! and unresolved incidents, sourced and self-attested facts. What holds, so that
//! `posture validate` accepts every file: scopes name existing components, dated facts are not
//! after `protocol.as_of`, `covers` is a semver requirement, `threshold <= signers`,
//! `unresolved <= findings`, chains lists name deployed chains, windows end after they start.

#![allow(dead_code)]

use std::fmt::Write as _;

/// The seed `gen_corpus` and the benchmarks use unless told otherwise.
pub const DEFAULT_SEED: u64 = 0x0005_EED0_2025;

/// The core's SplitMix64, with the draws a corpus needs: the same on every platform.
#[derive(Debug, Clone)]
pub struct Rng(posture::core::random::SplitMix64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(posture::core::random::SplitMix64::new(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        let span = (hi - lo) as u64 + 1;
        lo + (self.next_u64() % span) as i64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as i64 - 1) as usize]
    }

    /// `k` distinct items, in a random order.
    pub fn sample<'a, T>(&mut self, items: &'a [T], k: usize) -> Vec<&'a T> {
        let mut idx: Vec<usize> = (0..items.len()).collect();
        for i in 0..k.min(idx.len()) {
            let j = self.range(i as i64, idx.len() as i64 - 1) as usize;
            idx.swap(i, j);
        }
        idx[..k.min(items.len())]
            .iter()
            .map(|&i| &items[i])
            .collect()
    }
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A day number as a TOML local date.
fn date(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// 2022-01-01 and 2026-02-28 as day numbers: the span of `as_of` dates.
const AS_OF_FIRST: i64 = 18_993;
const AS_OF_LAST: i64 = 20_512;

const KINDS: &[&str] = &[
    "dex",
    "lending",
    "liquid-staking",
    "restaking",
    "bridge",
    "yield",
    "derivatives",
    "stablecoin",
    "other",
];
const COMPONENTS: &[&str] = &[
    "vault",
    "pool",
    "router",
    "factory",
    "oracle-adapter",
    "governor",
    "staking",
    "lending-pool",
    "liquidator",
    "bridge-endpoint",
    "rewards",
    "treasury",
    "price-feed",
    "perp-engine",
    "stable-swap",
    "vote-escrow",
];
const CHAINS: &[&str] = &[
    "ethereum",
    "arbitrum",
    "optimism",
    "base",
    "polygon",
    "bsc",
    "avalanche",
    "gnosis",
    "zksync",
    "linea",
    "scroll",
    "fantom",
    "mantle",
    "blast",
];
const FIRMS: &[&str] = &[
    "Example Audits",
    "Sample Security",
    "Placeholder Labs",
    "Fictional Assurance",
    "Illustrative Review",
    "Mock Diligence",
    "Dummy Verification Co",
    "Pretend Partners",
];
const PROVERS: &[&str] = &["Example Prover", "Sample Formal", "Fictional Proofs"];
const MONITORS: &[&str] = &["Example Monitor", "Sample Watch", "Fictional Sentinel"];
const INSURERS: &[&str] = &["Example Cover", "Sample Mutual", "Fictional Shield"];
const CAUSES: &[&str] = &[
    "rounding in share accounting",
    "oracle price manipulation",
    "reentrancy in withdraw path",
    "compromised deployer key",
    "faulty upgrade initialisation",
    "bridge message replay",
];

/// The file name of manifest `i`.
pub fn file_name(i: usize) -> String {
    format!("synthetic-{i:05}.toml")
}

/// The protocol id of manifest `i`.
pub fn id(i: usize) -> String {
    format!("synthetic-{i:05}")
}

/// `n` manifests as (file name, text).
pub fn corpus(seed: u64, n: usize) -> Vec<(String, String)> {
    (0..n).map(|i| (file_name(i), manifest(seed, i))).collect()
}

/// A source line for a table, or none (a self-attested fact) now and then.
fn source(out: &mut String, rng: &mut Rng, q: f64, pid: &str, what: &str) {
    if rng.chance(0.55 + 0.44 * q) {
        let _ = writeln!(out, "source = \"https://example.org/{pid}/{what}\"");
    }
}

/// A semver requirement over `(major, minor, patch)`: matching it or, now and then, not.
fn covers(rng: &mut Rng, (ma, mi, pa): (i64, i64, i64)) -> String {
    match rng.range(0, 6) {
        0 => format!("={ma}.{mi}.{pa}"),
        1 => format!("^{ma}.{mi}.0"),
        2 => format!(">={ma}.0.0, <{}.0.0", ma + 1),
        3 => format!("~{ma}.{mi}"),
        // An audit of older code: does not cover the deployed version.
        4 => format!("<{ma}.{mi}.{pa}"),
        5 if ma > 0 => format!("^{}.0.0", ma - 1),
        _ => format!("^{ma}"),
    }
}

/// Manifest `i` of the corpus seeded with `seed`.
pub fn manifest(seed: u64, i: usize) -> String {
    let mut rng = Rng::new(seed ^ (i as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93));
    let pid = id(i);
    // How seriously this protocol takes security, 0 to 1: skews the facts below, so the corpus
    // spans every grade rather than clustering at the mean.
    let q = rng.range(0, 1_000) as f64 / 1_000.0;
    let good = |rng: &mut Rng| rng.chance(0.15 + 0.8 * q);
    // An index into a weakest-first list, higher for better protocols.
    let tier = |rng: &mut Rng, len: usize| -> usize {
        let x = q * len as f64 + rng.range(-1, 1) as f64;
        (x.max(0.0) as usize).min(len - 1)
    };
    let mut o = String::with_capacity(8 * 1024);
    let _ = writeln!(o, "#:schema ../schemas/manifest.schema.json");
    let _ = writeln!(
        o,
        "# Synthetic benchmark manifest {i}: a fictional protocol."
    );
    let _ = writeln!(o, "format = 1");

    // Explicit empty lists, decided now: top-level keys go before any table.
    let n_audits = if rng.chance(0.1) {
        None
    } else {
        Some(rng.range(0, (4.0 + 16.0 * q) as i64) as usize)
    };
    let n_proofs = if !good(&mut rng) {
        None
    } else {
        Some(rng.range(0, 4) as usize)
    };
    let n_insurance = if rng.chance(0.8 - 0.4 * q) {
        None
    } else {
        Some(rng.range(0, 3) as usize)
    };
    let n_incidents = if rng.chance(0.4) {
        None
    } else {
        Some(rng.range(0, 4) as usize)
    };
    for (key, n) in [
        ("audits", n_audits),
        ("formal_verification", n_proofs),
        ("insurance", n_insurance),
        ("incidents", n_incidents),
    ] {
        if n == Some(0) {
            let _ = writeln!(o, "{key} = []");
        }
    }

    // [protocol]
    let as_of = rng.range(AS_OF_FIRST, AS_OF_LAST);
    let launched = as_of - rng.range(60, 2_400);
    let tvl: Option<f64> = rng
        .chance(0.7)
        .then(|| rng.range(100_000, 20_000_000_000) as f64);
    let _ = writeln!(o, "\n[protocol]");
    let _ = writeln!(o, "id = \"{pid}\"");
    let _ = writeln!(o, "name = \"Synthetic Protocol {i}\"");
    let _ = writeln!(o, "kind = \"{}\"", rng.pick(KINDS));
    let _ = writeln!(o, "as_of = {}", date(as_of));
    if rng.chance(0.9) {
        let _ = writeln!(o, "launched = {}", date(launched));
    }
    if let Some(t) = tvl {
        let _ = writeln!(o, "tvl_usd = {t:.0}");
    }
    let _ = writeln!(o, "website = \"https://example.org/{pid}\"");
    if rng.chance(0.5) {
        let _ = writeln!(o, "repository = \"https://example.org/{pid}/code\"");
    }
    source(&mut o, &mut rng, q, &pid, "docs");

    // [[components]]: 1-12, at least one core in most manifests.
    let n_components = rng.range(1, 12) as usize;
    let names: Vec<&str> = rng
        .sample(COMPONENTS, n_components)
        .into_iter()
        .copied()
        .collect();
    let mut versions = Vec::new();
    let no_core = rng.chance(0.03);
    for (k, name) in names.iter().enumerate() {
        let v = (rng.range(0, 6), rng.range(0, 12), rng.range(0, 9));
        versions.push(v);
        let core = !no_core && (k == 0 || rng.chance(0.6));
        let _ = writeln!(o, "\n[[components]]");
        let _ = writeln!(o, "name = \"{name}\"");
        let _ = writeln!(o, "version = \"{}.{}.{}\"", v.0, v.1, v.2);
        if core {
            let _ = writeln!(o, "core = true");
        }
        source(&mut o, &mut rng, q, &pid, "deployments");
    }

    // [[deployments]]: 1-10 distinct chains.
    let n_deployments = rng.range(1, 10) as usize;
    let chains: Vec<&str> = rng
        .sample(CHAINS, n_deployments)
        .into_iter()
        .copied()
        .collect();
    let per_chain_tvl = rng.chance(0.6);
    for chain in &chains {
        let _ = writeln!(o, "\n[[deployments]]");
        let _ = writeln!(o, "chain = \"{chain}\"");
        if per_chain_tvl {
            let _ = writeln!(o, "tvl_usd = {}", rng.range(0, 5_000_000_000));
        }
        source(&mut o, &mut rng, q, &pid, "deployments");
    }

    // [lineage]: some forks of an earlier corpus protocol, a few of one outside the corpus.
    if rng.chance(0.12) {
        let upstream = if i > 0 && rng.chance(0.9) {
            id(rng.range(0, i as i64 - 1) as usize)
        } else {
            format!("external-upstream-{}", rng.range(0, 9))
        };
        let _ = writeln!(o, "\n[lineage]");
        let _ = writeln!(o, "forked_from = \"{upstream}\"");
        let _ = writeln!(
            o,
            "upstream_version = \"{}.{}.0\"",
            rng.range(1, 4),
            rng.range(0, 5)
        );
        source(&mut o, &mut rng, q, &pid, "fork");
    }

    // [[audits]]
    for _ in 0..n_audits.unwrap_or(0) {
        let economic = rng.chance(0.1 + 0.15 * q);
        let scoped: Vec<usize> = {
            let k = rng.range(1, 3.min(n_components as i64)) as usize;
            let all: Vec<usize> = (0..n_components).collect();
            rng.sample(&all, k).into_iter().copied().collect()
        };
        let scope: Vec<String> = scoped
            .iter()
            .map(|&k| format!("\"{}\"", names[k]))
            .collect();
        let _ = writeln!(o, "\n[[audits]]");
        let _ = writeln!(o, "firm = \"{}\"", rng.pick(FIRMS));
        let _ = writeln!(
            o,
            "date = {}",
            date(as_of - rng.range(0, (1_800.0 - 1_300.0 * q) as i64))
        );
        let _ = writeln!(
            o,
            "kind = \"{}\"",
            if economic { "economic" } else { "code" }
        );
        let _ = writeln!(o, "scope = [{}]", scope.join(", "));
        let req = if good(&mut rng) {
            let v = versions[scoped[0]];
            format!("={}.{}.{}", v.0, v.1, v.2)
        } else {
            covers(&mut rng, versions[scoped[0]])
        };
        let _ = writeln!(o, "covers = \"{req}\"");
        if rng.chance(0.6) {
            let (c, h) = (rng.range(0, 2), rng.range(0, 4));
            let _ = writeln!(
                o,
                "findings = {{ critical = {c}, high = {h}, medium = {}, low = {} }}",
                rng.range(0, 8),
                rng.range(0, 15)
            );
            if rng.chance(0.3 - 0.25 * q) {
                let uc = if rng.chance(0.2) { rng.range(0, c) } else { 0 };
                let _ = writeln!(
                    o,
                    "unresolved = {{ critical = {uc}, high = {} }}",
                    rng.range(0, h)
                );
            }
        }
        source(&mut o, &mut rng, q, &pid, "audits");
    }

    // [[formal_verification]]
    for _ in 0..n_proofs.unwrap_or(0) {
        let k = rng.range(0, n_components as i64 - 1) as usize;
        let _ = writeln!(o, "\n[[formal_verification]]");
        let _ = writeln!(o, "provider = \"{}\"", rng.pick(PROVERS));
        let _ = writeln!(o, "date = {}", date(as_of - rng.range(0, 1_500)));
        let _ = writeln!(o, "scope = [\"{}\"]", names[k]);
        let _ = writeln!(o, "covers = \"{}\"", covers(&mut rng, versions[k]));
        if rng.chance(0.7) {
            let _ = writeln!(o, "properties = [\"solvency\", \"access control\"]");
        }
        source(&mut o, &mut rng, q, &pid, "proofs");
    }

    let subset = |rng: &mut Rng| -> Option<String> {
        rng.chance(0.5).then(|| {
            let k = rng.range(1, chains.len() as i64) as usize;
            let picked: Vec<String> = rng
                .sample(&chains, k)
                .into_iter()
                .map(|c| format!("\"{c}\""))
                .collect();
            picked.join(", ")
        })
    };

    if rng.chance(0.4 + 0.55 * q) {
        let _ = writeln!(o, "\n[monitoring]");
        let _ = writeln!(o, "providers = [\"{}\"]", rng.pick(MONITORS));
        let levels = ["none", "alerting", "realtime", "automated-response"];
        let level = levels[tier(&mut rng, levels.len())];
        let _ = writeln!(o, "level = \"{level}\"");
        if let Some(list) = subset(&mut rng) {
            let _ = writeln!(o, "chains = [{list}]");
        }
        if rng.chance(0.6) {
            let _ = writeln!(o, "since = {}", date(as_of - rng.range(0, 1_000)));
        }
        source(&mut o, &mut rng, q, &pid, "security");
    }

    let delays = [0, 6, 24, 48, 72, 168, 336];
    let delay_hours = delays[tier(&mut rng, delays.len())];
    if rng.chance(0.4 + 0.55 * q) {
        let _ = writeln!(o, "\n[timelock]");
        let _ = writeln!(o, "delay_hours = {delay_hours}");
        let _ = writeln!(o, "scope = [\"upgrades\", \"parameters\"]");
        source(&mut o, &mut rng, q, &pid, "governance");
    }

    if rng.chance(0.4 + 0.55 * q) {
        let available = good(&mut rng) || rng.chance(0.5);
        let _ = writeln!(o, "\n[pause]");
        let _ = writeln!(o, "available = {available}");
        if available {
            let _ = writeln!(
                o,
                "controller = \"{}\"",
                rng.pick(&["multisig", "dao", "automated", "eoa"])
            );
            let _ = writeln!(
                o,
                "scope = \"{}\"",
                rng.pick(&["global", "per-market", "partial"])
            );
            if rng.chance(0.3) {
                // A pause window may end before or after the manifest's date.
                let _ = writeln!(o, "expires = {}", date(as_of + rng.range(-700, 1_500)));
            }
            if let Some(list) = subset(&mut rng) {
                let _ = writeln!(o, "chains = [{list}]");
            }
            if good(&mut rng) {
                let _ = writeln!(o, "last_drill = {}", date(as_of - rng.range(0, 900)));
            }
        }
        source(&mut o, &mut rng, q, &pid, "pause");
    }

    if good(&mut rng) {
        let since = as_of - rng.range(0, 1_200);
        let _ = writeln!(o, "\n[bug_bounty]");
        let _ = writeln!(o, "platform = \"Example Bounties\"");
        let _ = writeln!(
            o,
            "max_payout_usd = {}",
            rng.range(10, (50.0 + 1_950.0 * q) as i64) * 5_000
        );
        let _ = writeln!(o, "since = {}", date(since));
        if rng.chance(0.2) {
            let _ = writeln!(o, "until = {}", date(since + rng.range(30, 1_500)));
        }
        source(&mut o, &mut rng, q, &pid, "bounty");
    }

    for _ in 0..n_insurance.unwrap_or(0) {
        let since = as_of - rng.range(0, 800);
        let _ = writeln!(o, "\n[[insurance]]");
        let _ = writeln!(o, "provider = \"{}\"", rng.pick(INSURERS));
        let _ = writeln!(o, "coverage_usd = {}", rng.range(1, 500) * 100_000);
        let _ = writeln!(o, "since = {}", date(since));
        if rng.chance(0.7) {
            let _ = writeln!(o, "until = {}", date(since + rng.range(90, 1_100)));
        }
        source(&mut o, &mut rng, q, &pid, "cover");
    }

    if rng.chance(0.45 + 0.54 * q) {
        let controls = ["eoa", "multisig", "multisig", "dao", "immutable"];
        let control = controls[tier(&mut rng, controls.len())];
        let _ = writeln!(o, "\n[admin]");
        let _ = writeln!(o, "control = \"{control}\"");
        if control == "multisig" {
            let signers = rng.range(1, 13);
            let threshold = if good(&mut rng) {
                rng.range(signers.div_euclid(2).max(1), signers)
            } else {
                rng.range(1, signers)
            };
            let _ = writeln!(o, "threshold = {threshold}");
            let _ = writeln!(o, "signers = {signers}");
            if rng.chance(0.7) {
                let _ = writeln!(o, "signers_public = {}", good(&mut rng));
            }
        }
        source(&mut o, &mut rng, q, &pid, "governance/admin");
    }

    if rng.chance(0.4 + 0.55 * q) {
        let upgradeable = rng.chance(0.7);
        let _ = writeln!(o, "\n[upgradeability]");
        let _ = writeln!(o, "upgradeable = {upgradeable}");
        let mechanism = if upgradeable {
            *rng.pick(&["proxy", "diamond", "migration"])
        } else {
            "none"
        };
        let _ = writeln!(o, "mechanism = \"{mechanism}\"");
        source(&mut o, &mut rng, q, &pid, "governance/upgrades");
    }

    if rng.chance(0.4 + 0.55 * q) {
        let used = rng.chance(0.85);
        let _ = writeln!(o, "\n[oracles]");
        let _ = writeln!(o, "used = {used}");
        if used {
            let _ = writeln!(o, "providers = [\"example-feeds\"]");
            if rng.chance(0.7) {
                let _ = writeln!(o, "manipulation_resistant = {}", good(&mut rng));
            }
            if rng.chance(0.6) {
                let _ = writeln!(o, "fallback = {}", good(&mut rng));
            }
        }
        source(&mut o, &mut rng, q, &pid, "oracles");
    }

    if rng.chance(0.3 + 0.6 * q) {
        let _ = writeln!(o, "\n[incident_response]");
        for key in ["plan_public", "security_contact", "war_room"] {
            if rng.chance(0.8) {
                let _ = writeln!(o, "{key} = {}", good(&mut rng));
            }
        }
        if good(&mut rng) {
            let _ = writeln!(o, "last_drill = {}", date(as_of - rng.range(0, 700)));
        }
        source(&mut o, &mut rng, q, &pid, "security/incident-response");
    }

    for _ in 0..n_incidents.unwrap_or(0) {
        let k = rng.range(0, n_components as i64 - 1) as usize;
        let v = versions[k];
        let _ = writeln!(o, "\n[[incidents]]");
        let _ = writeln!(
            o,
            "date = {}",
            date(as_of - rng.range(0, (as_of - launched).max(0)))
        );
        let _ = writeln!(o, "loss_usd = {}", rng.range(0, 200_000_000));
        let _ = writeln!(o, "cause = \"{}\"", rng.pick(CAUSES));
        if rng.chance(0.6) {
            let _ = writeln!(o, "component = \"{}\"", names[k]);
            if rng.chance(0.7) {
                let _ = writeln!(o, "affects = \"<={}.{}.{}\"", v.0, v.1, v.2);
            }
        }
        let _ = writeln!(o, "resolved = {}", rng.chance(0.8 + 0.19 * q));
        if rng.chance(0.8) {
            let _ = writeln!(
                o,
                "postmortem = \"https://example.org/{pid}/postmortem-{}\"",
                rng.range(1, 99)
            );
        }
    }
    o
}

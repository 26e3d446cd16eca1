//! DefiLlama's `protocols` export (the JSON array `https://api.llama.fi/protocols` returns),
//! saved to a file: TVL per chain by DefiLlama's own definition, and listing leads for drafts.
//! Read from the file only; posture never fetches it.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::load::Source;
use crate::load::diagnostics::Diagnostic;

/// One protocol as DefiLlama lists it: only the fields a draft or a TVL refresh uses.
#[derive(Debug, Clone, Deserialize)]
pub struct Listing {
    /// DefiLlama's page name, e.g. `aave-v3`: the id a draft takes.
    pub slug: String,
    /// The protocol's name as listed.
    pub name: String,
    /// DefiLlama's category (`Lending`, `Dexs`, `Liquid Staking`...).
    #[serde(default)]
    pub category: Option<String>,
    /// The protocol's website.
    #[serde(default)]
    pub url: Option<String>,
    /// Audit report links the protocol gave DefiLlama: leads to research, not facts.
    #[serde(default)]
    pub audit_links: Vec<String>,
    /// TVL by key: a chain's name, or a chain and a kind of value DefiLlama keeps apart
    /// (`Ethereum-borrowed`, `staking`, `pool2`).
    #[serde(default, rename = "chainTvls")]
    pub chain_tvls: BTreeMap<String, f64>,
}

/// The kinds of value DefiLlama lists beside TVL and leaves out of it by default: borrows,
/// governance-token staking, liquidity of the protocol's own token, and the like.
const NOT_TVL: [&str; 9] = [
    "borrowed",
    "staking",
    "pool2",
    "vesting",
    "doublecounted",
    "liquidstaking",
    "dcandlsoverlap",
    "offers",
    "treasury",
];

impl Listing {
    /// TVL per chain by DefiLlama's default definition (deposits; borrows, staking and pool2
    /// excluded), chains named as manifests name them, in name order.
    pub fn tvl_by_chain(&self) -> Vec<(String, f64)> {
        let mut out: BTreeMap<String, f64> = BTreeMap::new();
        for (key, value) in &self.chain_tvls {
            let lower = key.to_lowercase();
            if key.contains('-') || NOT_TVL.contains(&lower.as_str()) || !value.is_finite() {
                continue;
            }
            *out.entry(chain_name(key)).or_default() += value.max(0.0);
        }
        out.into_iter().collect()
    }

    /// The protocol's TVL: the sum over its chains.
    pub fn tvl(&self) -> f64 {
        self.tvl_by_chain().iter().map(|(_, v)| v).sum()
    }

    /// The page a reader opens to see these figures.
    pub fn page(&self) -> String {
        format!("https://defillama.com/protocol/{}", self.slug)
    }

    /// The manifest `kind` DefiLlama's category most likely means; `other` when unsure.
    pub fn kind(&self) -> &'static str {
        let category = self.category.as_deref().unwrap_or_default().to_lowercase();
        match category.as_str() {
            "lending" | "cdp lending" | "uncollateralized lending" | "nft lending" => "lending",
            "dexs" | "dex" | "dexes" => "dex",
            "liquid staking" => "liquid-staking",
            "restaking" | "liquid restaking" => "restaking",
            "bridge" | "cross chain" | "cross chain bridge" => "bridge",
            "derivatives" | "options" | "perps" | "synthetics" => "derivatives",
            "yield" | "yield aggregator" | "farm" => "yield",
            "cdp" | "stablecoins" | "algo-stables" | "basis trading" => "stablecoin",
            "rwa" | "rwa lending" => "rwa",
            _ => "other",
        }
    }
}

/// A chain as manifests name it: DefiLlama's name in lower case with dashes, and the few names
/// the two spell differently.
pub fn chain_name(defillama: &str) -> String {
    let lower = defillama.trim().to_lowercase().replace(' ', "-");
    match lower.as_str() {
        "bsc" | "binance" => "bnb".into(),
        "op-mainnet" => "optimism".into(),
        "xdai" => "gnosis".into(),
        "zksync-era" => "zksync".into(),
        "polygon-zkevm" => "zkevm".into(),
        "avax" => "avalanche".into(),
        _ => lower,
    }
}

/// Reads a saved export: a JSON array of listings, or a diagnostic naming the file, line and
/// column where it stops being one.
pub fn listings(src: &Source) -> Result<Vec<Listing>, Diagnostic> {
    serde_json::from_str(&src.text).map_err(|e| {
        // serde_json counts lines and columns from 1; the span starts at that character.
        let line_start: usize = src
            .text
            .split_inclusive('\n')
            .take(e.line().saturating_sub(1))
            .map(str::len)
            .sum();
        let at = (line_start + e.column().saturating_sub(1)).min(src.text.len());
        let mut d =
            Diagnostic::file_error(&src.name, format!("not a DefiLlama protocols export: {e}"));
        d.span = Some(at..at);
        d.help = Some("save the JSON array that https://api.llama.fi/protocols returns".into());
        d
    })
}

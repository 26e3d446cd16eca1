//! Semantic checks on a typed manifest: what a schema cannot say (names that must refer to
//! something, numbers that must agree, dates that must not lie in the manifest's future).

use std::collections::BTreeSet;

use crate::core::date::Date;
use crate::core::manifest::{AuditKind, FORMAT, FactTable, Manifest};
use crate::core::problem::{FieldPath, MAX_SHOWN, Problem, did_you_mean};

/// A protocol, component or rubric id: lower-case ASCII letters and digits in dash-separated
/// words, so ids cannot carry look-alike letters or markup.
pub fn kebab(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Whether the next problem is among those a file shows ([`MAX_SHOWN`]): only those are
/// worth a did-you-mean, which compares a name with every candidate.
fn helpful(out: &[Problem]) -> bool {
    out.len() < MAX_SHOWN
}

/// Every semantic problem of a manifest, errors and warnings, in document order.
pub fn manifest(m: &Manifest) -> Vec<Problem> {
    let mut out = Vec::new();
    let root = FieldPath::root();
    if m.format != FORMAT {
        out.push(Problem::error(
            root.key("format"),
            format!(
                "unsupported manifest format {}: this posture reads format {FORMAT}",
                m.format
            ),
        ));
    }
    let p = &m.protocol;
    let at = || root.key("protocol");
    if !kebab(&p.id) {
        out.push(Problem::error(
            at().key("id"),
            format!(
                "protocol id `{}` is not kebab-case (lower-case letters, digits, single dashes)",
                p.id
            ),
        ));
    }
    one_line_names(m, &root, &mut out);
    let as_of = p.as_of;
    // Paths are built only for a problem: most manifests have none, and a path allocates.
    let not_after = |date: Option<Date>,
                     path: &dyn Fn() -> FieldPath,
                     what: &str,
                     out: &mut Vec<Problem>| {
        if let Some(d) = date.filter(|d| *d > as_of) {
            out.push(Problem::error(
                path(),
                format!(
                    "{what} {d} is after the manifest's as_of {as_of}: a manifest states what was known on its date"
                ),
            ));
        }
    };
    not_after(
        p.launched,
        &|| at().key("launched"),
        "launch date",
        &mut out,
    );
    check_money(p.tvl_usd, || at().key("tvl_usd"), &mut out);

    let mut names = BTreeSet::new();
    for (i, c) in m.components.iter().enumerate() {
        if !kebab(&c.name) {
            out.push(Problem::error(
                root.key("components").index(i).key("name"),
                format!(
                    "component name `{}` is not kebab-case (lower-case letters, digits, single dashes)",
                    c.name
                ),
            ));
        }
        let at = || root.key("components").index(i);
        not_after(
            c.deployed,
            &|| at().key("deployed"),
            "deployment date",
            &mut out,
        );
        let mut previous: Option<&crate::core::manifest::PastVersion> = None;
        for (j, h) in c.history.iter().enumerate() {
            let here = || at().key("history").index(j);
            not_after(
                Some(h.deployed),
                &|| here().key("deployed"),
                "deployment date",
                &mut out,
            );
            if let Some(prev) = previous
                && h.deployed < prev.deployed
            {
                out.push(Problem::error(
                    here().key("deployed"),
                    format!(
                        "history is oldest first: {} ({}) comes after {} ({})",
                        h.version, h.deployed, prev.version, prev.deployed
                    ),
                ));
            }
            if let Some(d) = c.deployed.filter(|d| h.deployed > *d) {
                out.push(Problem::error(
                    here().key("deployed"),
                    format!(
                        "an earlier version deployed {} after the current version {} ({d})",
                        h.deployed, c.version
                    ),
                ));
            }
            if h.version == c.version {
                out.push(Problem::error(
                    here().key("version"),
                    format!("history repeats the current version {}", c.version),
                ));
            }
            previous = Some(h);
        }
        if !names.insert(c.name.as_str()) {
            out.push(Problem::error(
                root.key("components").index(i).key("name"),
                format!("component `{}` is listed twice", c.name),
            ));
        }
    }
    let component_names: Vec<&str> = m.components.iter().map(|c| c.name.as_str()).collect();
    // Looked up, not searched: thousands of scope entries against thousands of components.
    let components: std::collections::HashSet<&str> = component_names.iter().copied().collect();
    let check_component = |name: &str, path: &dyn Fn() -> FieldPath, out: &mut Vec<Problem>| {
        if !components.contains(name) {
            let help = helpful(out).then(|| did_you_mean(name, &component_names, "components"));
            out.push(
                Problem::error(
                    path(),
                    format!("no component named `{name}` in [[components]]"),
                )
                .with_help(help.flatten()),
            );
        }
    };
    let check_scope = |scope: &[String], path: &dyn Fn() -> FieldPath, out: &mut Vec<Problem>| {
        if scope.is_empty() {
            out.push(Problem::error(
                path(),
                "a scope names at least one component",
            ));
        }
        for (j, s) in scope.iter().enumerate() {
            check_component(s, &|| path().index(j), out);
        }
    };

    let mut chains = BTreeSet::new();
    for (i, d) in m.deployments.iter().enumerate() {
        if !chains.insert(d.chain.to_ascii_lowercase()) {
            out.push(Problem::error(
                root.key("deployments").index(i).key("chain"),
                format!("chain `{}` is listed twice", d.chain),
            ));
        }
        check_money(
            d.tvl_usd,
            || root.key("deployments").index(i).key("tvl_usd"),
            &mut out,
        );
    }
    let chain_names: Vec<&str> = m.deployments.iter().map(|d| d.chain.as_str()).collect();
    let check_chains =
        |list: Option<&Vec<String>>, path: &dyn Fn() -> FieldPath, out: &mut Vec<Problem>| {
            for (j, c) in list.into_iter().flatten().enumerate() {
                // `chains` holds every deployment's chain in lower case.
                if !chain_names.is_empty() && !chains.contains(&c.to_ascii_lowercase()) {
                    let help = helpful(out).then(|| did_you_mean(c, &chain_names, "chains"));
                    out.push(
                        Problem::error(
                            path().index(j),
                            format!("chain `{c}` is not among [[deployments]]"),
                        )
                        .with_help(help.flatten()),
                    );
                }
            }
        };

    if let Some(l) = &m.lineage
        && !kebab(&l.forked_from)
    {
        out.push(Problem::error(
            root.key("lineage").key("forked_from"),
            format!(
                "`{}` is not a protocol id (lower-case letters, digits, single dashes): a fork names its upstream by its id",
                l.forked_from.escape_default()
            ),
        ));
    }
    if let Some(l) = &m.lineage
        && l.forked_from == p.id
    {
        out.push(Problem::error(
            root.key("lineage").key("forked_from"),
            "a protocol cannot be forked from itself",
        ));
    }

    for (i, a) in m.audits.iter().flatten().enumerate() {
        let at = || root.key("audits").index(i);
        not_after(Some(a.date), &|| at().key("date"), "audit date", &mut out);
        check_scope(&a.scope, &|| at().key("scope"), &mut out);
        if let (Some(f), Some(u)) = (a.findings, a.unresolved)
            && (u.critical > f.critical || u.high > f.high)
        {
            out.push(Problem::error(
                at().key("unresolved"),
                "more unresolved findings than findings of that severity",
            ));
        }
    }
    for (i, f) in m.formal_verification.iter().flatten().enumerate() {
        let at = || root.key("formal_verification").index(i);
        not_after(
            Some(f.date),
            &|| at().key("date"),
            "verification date",
            &mut out,
        );
        check_scope(&f.scope, &|| at().key("scope"), &mut out);
    }
    if let Some(mon) = &m.monitoring {
        not_after(
            mon.since,
            &|| root.key("monitoring").key("since"),
            "monitoring start",
            &mut out,
        );
        check_chains(
            mon.chains.as_ref(),
            &|| root.key("monitoring").key("chains"),
            &mut out,
        );
    }
    if let Some(t) = &m.timelock {
        check_money(
            Some(t.delay_hours),
            || root.key("timelock").key("delay_hours"),
            &mut out,
        );
    }
    if let Some(pause) = &m.pause {
        not_after(
            pause.last_drill,
            &|| root.key("pause").key("last_drill"),
            "drill date",
            &mut out,
        );
        check_chains(
            pause.chains.as_ref(),
            &|| root.key("pause").key("chains"),
            &mut out,
        );
    }
    if let Some(b) = &m.bug_bounty {
        let at = || root.key("bug_bounty");
        not_after(b.since, &|| at().key("since"), "bounty start", &mut out);
        check_money(
            Some(b.max_payout_usd),
            || at().key("max_payout_usd"),
            &mut out,
        );
        if let (Some(s), Some(u)) = (b.since, b.until)
            && u < s
        {
            out.push(Problem::error(
                at().key("until"),
                format!("the bounty ends ({u}) before it starts ({s})"),
            ));
        }
    }
    for (i, ins) in m.insurance.iter().flatten().enumerate() {
        let at = || root.key("insurance").index(i);
        not_after(ins.since, &|| at().key("since"), "cover start", &mut out);
        check_money(
            Some(ins.coverage_usd),
            || at().key("coverage_usd"),
            &mut out,
        );
        if let (Some(s), Some(u)) = (ins.since, ins.until)
            && u < s
        {
            out.push(Problem::error(
                at().key("until"),
                format!("the cover ends ({u}) before it starts ({s})"),
            ));
        }
    }
    if let Some(a) = &m.admin
        && let (Some(t), Some(s)) = (a.threshold, a.signers)
        && (t > s || t == 0)
    {
        out.push(Problem::error(
            root.key("admin").key("threshold"),
            format!(
                "threshold {t} of {s} signers: a threshold is between 1 and the number of signers"
            ),
        ));
    }
    if let Some(ir) = &m.incident_response {
        not_after(
            ir.last_drill,
            &|| root.key("incident_response").key("last_drill"),
            "drill date",
            &mut out,
        );
    }
    for (i, e) in m.engagements.iter().flatten().enumerate() {
        let at = || root.key("engagements").index(i);
        not_after(
            Some(e.since),
            &|| at().key("since"),
            "engagement start",
            &mut out,
        );
        check_scope(&e.scope, &|| at().key("scope"), &mut out);
        if let Some(u) = e.until.filter(|u| *u < e.since) {
            out.push(Problem::error(
                at().key("until"),
                format!("the engagement ends ({u}) before it starts ({})", e.since),
            ));
        }
    }
    let mut searched = BTreeSet::new();
    for (i, n) in m.not_found.iter().enumerate() {
        let at = || root.key("not_found").index(i);
        not_after(Some(n.date), &|| at().key("date"), "search date", &mut out);
        if !searched.insert(n.table) {
            out.push(Problem::error(
                at().key("table"),
                format!(
                    "`{}` has two [[not_found]] entries: keep one and list every place searched in it",
                    n.table.as_str()
                ),
            ));
        }
        if stated(m, n.table) {
            out.push(Problem::error(
                at().key("table"),
                format!(
                    "`{}` is stated in this manifest and also listed as not found: keep the facts or the entry, not both",
                    n.table.as_str()
                ),
            ));
        }
    }
    for (i, inc) in m.incidents.iter().flatten().enumerate() {
        let at = || root.key("incidents").index(i);
        not_after(
            Some(inc.date),
            &|| at().key("date"),
            "incident date",
            &mut out,
        );
        check_money(Some(inc.loss_usd), || at().key("loss_usd"), &mut out);
        if let Some(c) = &inc.component {
            check_component(c, &|| at().key("component"), &mut out);
        }
    }
    out
}

/// Whether a manifest states a fact table (so a `[[not_found]]` entry for it contradicts it).
pub fn stated(m: &Manifest, table: FactTable) -> bool {
    let audits_of = |kind| m.audits.iter().flatten().any(|a| a.kind == kind);
    match table {
        FactTable::Audits => audits_of(AuditKind::Code),
        FactTable::EconomicAudits => audits_of(AuditKind::Economic),
        FactTable::FormalVerification => m
            .formal_verification
            .as_ref()
            .is_some_and(|v| !v.is_empty()),
        FactTable::Engagements => m.engagements.as_ref().is_some_and(|v| !v.is_empty()),
        FactTable::Monitoring => m.monitoring.is_some(),
        FactTable::Timelock => m.timelock.is_some(),
        FactTable::Pause => m.pause.is_some(),
        FactTable::BugBounty => m.bug_bounty.is_some(),
        FactTable::Insurance => m.insurance.as_ref().is_some_and(|v| !v.is_empty()),
        FactTable::Admin => m.admin.is_some(),
        FactTable::Upgradeability => m.upgradeability.is_some(),
        FactTable::Oracles => m.oracles.is_some(),
        FactTable::IncidentResponse => m.incident_response.is_some(),
        FactTable::Incidents => m.incidents.as_ref().is_some_and(|v| !v.is_empty()),
    }
}

/// Largest amount of money a manifest may state, in USD: a thousand times all of DeFi. Sums of
/// ten thousand such amounts stay finite, so no score, share or total can become NaN.
pub const MAX_USD: f64 = 1e15;

/// Names are one line of text: a line break or another control character in one would let a
/// file print lines of its own into a report ("Grade A" under the real grade).
fn one_line_names(m: &Manifest, root: &FieldPath, out: &mut Vec<Problem>) {
    let mut check = |text: &str, path: &dyn Fn() -> FieldPath| {
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            out.push(Problem::error(
                path(),
                format!(
                    "a name is one line of text, and this one holds the control character U+{:04X}: remove it",
                    u32::from(c)
                ),
            ));
        }
    };
    check(&m.protocol.name, &|| root.key("protocol").key("name"));
    for (i, a) in m.audits.iter().flatten().enumerate() {
        check(&a.firm, &|| root.key("audits").index(i).key("firm"));
    }
    for (i, e) in m.engagements.iter().flatten().enumerate() {
        check(&e.firm, &|| root.key("engagements").index(i).key("firm"));
    }
    for (i, p) in m.formal_verification.iter().flatten().enumerate() {
        check(&p.provider, &|| {
            root.key("formal_verification").index(i).key("provider")
        });
    }
    for (i, p) in m.insurance.iter().flatten().enumerate() {
        check(&p.provider, &|| {
            root.key("insurance").index(i).key("provider")
        });
    }
    if let Some(mon) = &m.monitoring {
        for (i, p) in mon.providers.iter().enumerate() {
            check(p, &|| root.key("monitoring").key("providers").index(i));
        }
    }
    if let Some(platform) = m.bug_bounty.as_ref().and_then(|b| b.platform.as_deref()) {
        check(platform, &|| root.key("bug_bounty").key("platform"));
    }
    for (i, inc) in m.incidents.iter().flatten().enumerate() {
        check(&inc.cause, &|| root.key("incidents").index(i).key("cause"));
    }
}

fn check_money(x: Option<f64>, path: impl FnOnce() -> FieldPath, out: &mut Vec<Problem>) {
    if let Some(v) = x.filter(|v| !v.is_finite() || *v < 0.0 || *v > MAX_USD) {
        out.push(Problem::error(
            path(),
            format!(
                "{v} is not a valid amount: use a number of US dollars from 0 to {MAX_USD:e}, e.g. 1_500_000"
            ),
        ));
    }
}

/// The lineage cycles in a set of manifests, given each protocol's upstream (`forked_from`):
/// each cycle once, as the ids in order starting from the smallest. A protocol cannot be a
/// fork of its own fork: one of them is the original, and nothing can be inherited round a
/// circle.
pub fn fork_cycles<'a>(
    upstream: &std::collections::BTreeMap<&'a str, &'a str>,
) -> Vec<Vec<&'a str>> {
    // Each protocol names one upstream, so every protocol is walked through once: a walk stops
    // where an earlier one went, and a long chain of forks costs its length, not its square.
    let mut walked: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    let mut cycles: Vec<Vec<&str>> = Vec::new();
    for (walk, &start) in upstream.keys().enumerate() {
        let mut path = Vec::new();
        let mut at = start;
        loop {
            match walked.get(at) {
                // Back on this walk's own path: a cycle, from where the path first met `at`.
                Some(&w) if w == walk => {
                    let from = path.iter().position(|p| *p == at).unwrap_or(0);
                    let mut cycle: Vec<&str> = path.split_off(from);
                    let first = cycle
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, id)| **id)
                        .map_or(0, |(k, _)| k);
                    cycle.rotate_left(first);
                    cycles.push(cycle);
                    break;
                }
                // Where an earlier walk went: every cycle from here is found already.
                Some(_) => break,
                None => {}
            }
            walked.insert(at, walk);
            path.push(at);
            match upstream.get(at) {
                Some(&next) => at = next,
                None => break,
            }
        }
    }
    cycles
}

/// The problem of each protocol on a lineage cycle, said at its `forked_from`: `validate` and
/// `score` say it alike.
pub fn fork_cycle_problem(cycle: &[&str]) -> Problem {
    let round = match cycle.first() {
        Some(first) => format!("{} -> {first}", cycle.join(" -> ")),
        None => String::new(),
    };
    Problem::error(
        FieldPath::root().key("lineage").key("forked_from"),
        format!(
            "forks make a cycle ({round}): one of these protocols is the original and names no upstream"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn fork_cycles_finds_each_cycle_once_from_its_smallest_id() {
        let ids: Vec<String> = (0..5000).map(|i| format!("p{i:05}")).collect();
        let mut up: BTreeMap<&str, &str> = BTreeMap::new();
        // A long chain p00000 -> ... -> p04999 that ends in a cycle of its last three, and a
        // second chain that runs into the first one.
        for w in ids.windows(2) {
            up.insert(&w[0], &w[1]);
        }
        up.insert(&ids[4999], &ids[4997]);
        up.insert("z-b", "z-a");
        up.insert("z-a", "z-c");
        up.insert("z-c", "z-b");
        up.insert("tail", "p02500");
        // A fork of an original: no cycle.
        up.insert("fork", "original");
        assert_eq!(
            fork_cycles(&up),
            vec![
                vec!["p04997", "p04998", "p04999"],
                vec!["z-a", "z-c", "z-b"]
            ]
        );
        assert!(fork_cycles(&BTreeMap::from([("a", "b"), ("b", "c")])).is_empty());
    }

    #[test]
    fn only_the_problems_a_file_shows_are_given_a_did_you_mean() {
        let best = include_str!("../../tests/fixtures/best-practice.toml");
        let scope: Vec<String> = (0..120).map(|i| format!("\"pools{i}\"")).collect();
        let text = best.to_string()
            + &format!(
                "\n[[audits]]\nfirm = \"F\"\ndate = 2026-01-10\nkind = \"code\"\ncovers = \"*\"\nscope = [{}]\nsource = \"https://example.org/a\"\n",
                scope.join(", ")
            );
        let m: Manifest = toml::from_str(&text).expect("a manifest");
        let problems: Vec<Problem> = manifest(&m)
            .into_iter()
            .filter(|p| p.message.contains("no component named `pools"))
            .collect();
        assert_eq!(problems.len(), 120);
        let helped = problems.iter().filter(|p| p.help.is_some()).count();
        assert_eq!(helped, MAX_SHOWN, "{problems:?}");
        assert!(
            problems[..MAX_SHOWN]
                .iter()
                .all(|p| p.help.as_deref() == Some("did you mean `pool`?"))
        );
    }

    #[test]
    fn a_cycle_is_said_round_from_its_first_id() {
        let p = fork_cycle_problem(&["a", "b"]);
        assert!(
            p.message.starts_with("forks make a cycle (a -> b -> a)"),
            "{}",
            p.message
        );
        assert_eq!(p.path.to_string(), "lineage.forked_from");
    }
}

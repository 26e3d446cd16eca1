//! Forecasts over loaded manifests: one manifest's dates ahead, or, for many, the latest
//! snapshot of each protocol graded day by day in parallel.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::core::analysis::forecast::{self, Forecast, Outlook};
use crate::core::date::Date;
use crate::core::report::{self, Stamp};
use crate::core::rubric::Rubric;

use super::{Loaded, Options, Upstreams};

/// How far ahead to look: to a given date, or a number of days after each start date.
#[derive(Debug, Clone, Copy)]
pub enum Horizon {
    /// Up to and including this date.
    Until(Date),
    /// This many days after the start date.
    Days(i64),
}

impl Horizon {
    fn end(self, from: Date) -> Date {
        match self {
            Horizon::Until(d) => d,
            Horizon::Days(n) => from.plus_days(n),
        }
    }
}

/// The forecast of one loaded manifest, from `--as-of` or its own `as_of`, with the waivers
/// of the options' `posture.toml` that name its protocol.
pub fn one(
    rubric: &Rubric,
    l: &Loaded,
    upstreams: &Upstreams,
    opts: &Options,
    horizon: Horizon,
) -> Forecast {
    let from = opts.as_of.unwrap_or(l.manifest.protocol.as_of);
    let config = opts.config.as_deref();
    let waivers = config.map_or_else(Vec::new, |c| c.waivers.of(&l.manifest.protocol.id));
    let upstream = upstreams.of_manifest(&l.manifest);
    let stamp = Stamp {
        tool: report::tool(),
        rubric: report::rubric_stamp(rubric),
        manifest: l.stamp(),
        upstream: upstream.stamp(),
        evaluated_as_of: from,
        config: config.map(|c| c.stamp.clone()),
    };
    forecast::forecast(
        rubric,
        &l.manifest,
        upstream.metric(),
        from,
        horizon.end(from),
        stamp,
        &waivers,
    )
}

/// The outlook of a set: the latest snapshot of each protocol (the later file of two with the
/// same date, so the result does not depend on the order given), forecast in parallel.
pub fn outlook(rubric: &Rubric, set: &[Loaded], opts: &Options, horizon: Horizon) -> Outlook {
    let upstreams = Upstreams::of(set, opts);
    let mut latest: BTreeMap<&str, &Loaded> = BTreeMap::new();
    for l in set {
        let key = (l.manifest.protocol.as_of, l.source.name.as_str());
        latest
            .entry(l.manifest.protocol.id.as_str())
            .and_modify(|kept| {
                if key > (kept.manifest.protocol.as_of, kept.source.name.as_str()) {
                    *kept = l;
                }
            })
            .or_insert(l);
    }
    let forecasts: Vec<(String, Forecast)> = latest
        .into_values()
        .collect::<Vec<_>>()
        .par_iter()
        .map(|l| {
            let f = one(rubric, l, &upstreams, opts, horizon);
            (l.source.name.clone(), f)
        })
        .collect();
    let (days, until) = match horizon {
        Horizon::Until(d) => (None, Some(d)),
        Horizon::Days(n) => (Some(n), None),
    };
    Outlook::of(
        report::rubric_stamp(rubric),
        forecasts,
        opts.as_of,
        days,
        until,
    )
}

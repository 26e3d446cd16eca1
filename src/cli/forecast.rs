//! `posture forecast`: the dates ahead on which a grade changes with no new facts; for many
//! manifests, the protocols whose grade falls within the horizon.

use super::common::*;
use crate::core::analysis::forecast::{
    DEFAULT_HORIZON_DAYS, LEAGUE_HORIZON_DAYS, MAX_HORIZON_DAYS,
};
use crate::core::date::Date;
use crate::pipeline::forecast::{self, Horizon};
use crate::pipeline::{self};
use crate::render::{self};
use clap::Args;
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// Manifest files or folders: one file gives its dates ahead, many the protocols whose
    /// grade falls (the latest snapshot of each).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Look up to this date (default: 365 days after the start for one manifest, 90 for many).
    #[arg(long, value_parser = parse_date, value_name = "DATE", conflicts_with = "days")]
    pub until: Option<Date>,
    /// Look this many days ahead of each start date.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_HORIZON_DAYS))]
    pub days: Option<u16>,
    #[command(flatten)]
    pub eval: EvalArgs,
    /// Output format: a terminal table, JSON, Markdown for forum posts, one self-contained
    /// HTML page, or CSV (a row per control that moves on a date).
    #[arg(long, value_enum, default_value = "table")]
    pub format: ForecastFormat,
    /// Write the output to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Exit 1 when a grade falls within the horizon.
    #[arg(long)]
    pub fail_on_fall: bool,
}

/// The formats of a forecast: those of `score` but the CI ones, which report on controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ForecastFormat {
    Table,
    Json,
    Markdown,
    Html,
    Csv,
}

impl From<ForecastFormat> for render::Format {
    fn from(f: ForecastFormat) -> Self {
        match f {
            ForecastFormat::Table => render::Format::Table,
            ForecastFormat::Json => render::Format::Json,
            ForecastFormat::Markdown => render::Format::Markdown,
            ForecastFormat::Html => render::Format::Html,
            ForecastFormat::Csv => render::Format::Csv,
        }
    }
}

pub(crate) fn run(args: &ForecastArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    let Some(rubric) = load_rubric(&args.eval.rubric, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let (files, set, failed) = load_paths(&args.paths, args.eval.max_file_size, err)?;
    if failed > 0 {
        writeln!(
            err,
            "error: {failed} of {} files could not be read: fix them first",
            files.len().max(failed)
        )?;
        return Ok(exit::BAD_INPUT);
    }
    if set.is_empty() {
        writeln!(err, "error: no .toml manifests found in the given paths")?;
        return Ok(exit::BAD_INPUT);
    }
    let one = args.paths.len() == 1 && set.len() == 1;
    let days = |default| i64::from(args.days.unwrap_or(default));
    let horizon = match args.until {
        Some(d) => Horizon::Until(d),
        None if one => Horizon::Days(days(DEFAULT_HORIZON_DAYS as u16)),
        None => Horizon::Days(days(LEAGUE_HORIZON_DAYS as u16)),
    };
    let Ok(config) = config_in_use(&args.eval, &rubric, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let mut opts = options(&args.eval, Vec::new());
    opts.config = config;
    let renderer = render::renderer(args.format.into());
    let mut buffer = Vec::new();
    let falls = if one {
        let upstreams = pipeline::Upstreams::of(&set, &opts);
        let from = args.eval.as_of.unwrap_or(set[0].manifest.protocol.as_of);
        if let Horizon::Until(d) = horizon
            && let Some(problem) = too_far(from, d)
        {
            writeln!(err, "error: --until {d}: {problem}")?;
            return Ok(exit::BAD_INPUT);
        }
        let f = forecast::one(&rubric, &set[0], &upstreams, &opts, horizon);
        renderer.forecast(&f, &mut buffer)?;
        f.first_fall().is_some()
    } else {
        if let Horizon::Until(d) = horizon {
            for l in &set {
                let from = args.eval.as_of.unwrap_or(l.manifest.protocol.as_of);
                if let Some(problem) = too_far(from, d) {
                    writeln!(err, "error: --until {d}: {}: {problem}", l.source.name)?;
                    return Ok(exit::BAD_INPUT);
                }
            }
        }
        let o = forecast::outlook(&rubric, &set, &opts, horizon);
        renderer.outlook(&o, &mut buffer)?;
        !o.falling.is_empty()
    };
    deliver(args.output.as_deref(), &buffer, out)?;
    Ok(if args.fail_on_fall && falls {
        exit::GATE
    } else {
        exit::OK
    })
}

/// Why an end date cannot be forecast to from `from`, if it cannot.
fn too_far(from: Date, until: Date) -> Option<String> {
    let days = from.days_until(until);
    if days < 0 {
        Some(format!(
            "is before the start date {from}: give a later date"
        ))
    } else if days > MAX_HORIZON_DAYS {
        Some(format!(
            "is {days} days after the start date {from}: a forecast looks at most {MAX_HORIZON_DAYS} days ahead"
        ))
    } else {
        None
    }
}

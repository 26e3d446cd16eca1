//! `posture badge`: the grade as a flat SVG badge for a README (offline: no font, image or
//! link outside the file), or as the JSON a Shields endpoint badge reads.

use super::common::*;
use crate::core::report::Report;
use crate::pipeline;
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BadgeFormat {
    /// A self-contained SVG image.
    Svg,
    /// The JSON of a Shields endpoint badge (`schemaVersion`, `label`, `message`, `color`).
    Shields,
}

#[derive(Debug, Args)]
pub struct BadgeArgs {
    /// One manifest file.
    pub manifest: PathBuf,
    #[command(flatten)]
    pub eval: EvalArgs,
    #[arg(long, value_enum, default_value = "svg")]
    pub format: BadgeFormat,
    /// Write the badge to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// What a badge says: the label on the left, the grade (with rubric and date) on the right,
/// and the colour of the grade's place on the scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Badge {
    pub label: String,
    /// The grade alone, as a Shields message carries it: `B`, `D (provisional, up to B)`.
    pub grade: String,
    /// `B · defi-baseline 2.0.0 · 2026-01-31`: what the SVG shows.
    pub message: String,
    pub colour: Colour,
}

/// Shields' five grade colours, best to worst, by name and as the SVG paints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    BrightGreen,
    Green,
    Yellow,
    Orange,
    Red,
}

impl Colour {
    const ALL: [Colour; 5] = [
        Colour::BrightGreen,
        Colour::Green,
        Colour::Yellow,
        Colour::Orange,
        Colour::Red,
    ];

    /// The colour of the grade at `rank` on a scale of `grades` grades: the best is bright
    /// green, the worst red, the rest spread between them.
    pub fn of(rank: usize, grades: usize) -> Self {
        let last = Self::ALL.len() - 1;
        let at = if grades <= 1 {
            0
        } else {
            (rank.min(grades - 1) * last * 2 + (grades - 1)) / ((grades - 1) * 2)
        };
        Self::ALL[at.min(last)]
    }

    /// The Shields colour name.
    pub fn name(self) -> &'static str {
        match self {
            Colour::BrightGreen => "brightgreen",
            Colour::Green => "green",
            Colour::Yellow => "yellow",
            Colour::Orange => "orange",
            Colour::Red => "red",
        }
    }

    /// The colour as Shields paints it.
    pub fn hex(self) -> &'static str {
        match self {
            Colour::BrightGreen => "#4c1",
            Colour::Green => "#97ca00",
            Colour::Yellow => "#dfb317",
            Colour::Orange => "#fe7d37",
            Colour::Red => "#e05d44",
        }
    }
}

impl Badge {
    /// The badge of a report graded on a scale of `grades` grades.
    pub fn of(report: &Report, grades: usize) -> Self {
        let grade =
            crate::render::grade_words(&report.grade, report.provisional, &report.range.high.grade);
        let s = &report.stamp;
        Self {
            label: "posture".into(),
            message: format!(
                "{grade} · {} {} · {}",
                s.rubric.id, s.rubric.version, s.evaluated_as_of
            ),
            grade,
            colour: Colour::of(report.grade.rank, grades),
        }
    }

    /// The Shields endpoint JSON (https://shields.io/badges/endpoint-badge).
    pub fn shields(&self) -> String {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Endpoint<'a> {
            schema_version: u8,
            label: &'a str,
            message: &'a str,
            color: &'a str,
        }
        let doc = Endpoint {
            schema_version: 1,
            label: &self.label,
            message: &self.grade,
            color: self.colour.name(),
        };
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    }

    /// A flat badge in the shape Shields draws, every byte from this file: no external font,
    /// image or link, and every text escaped.
    pub fn svg(&self) -> String {
        const PAD: u32 = 60; // tenths of a pixel either side of a text
        let label_w = text_width(&self.label) + 2 * PAD;
        let message_w = text_width(&self.message) + 2 * PAD;
        let (lw, mw) = (tenths_up(label_w), tenths_up(message_w));
        let width = lw + mw;
        let label = escape(&self.label);
        let message = escape(&self.message);
        let colour = self.colour.hex();
        // Text is laid out at ten times size and scaled down, as Shields does, so positions
        // stay whole numbers.
        let (label_x, message_x) = (lw * 5, lw * 10 + mw * 5);
        let (label_len, message_len) = (text_width(&self.label), text_width(&self.message));
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" aria-label="{label}: {message}">
<title>{label}: {message}</title>
<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>
<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#555"/><rect x="{lw}" width="{mw}" height="20" fill="{colour}"/><rect width="{width}" height="20" fill="url(#s)"/></g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110">
<text x="{label_x}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="{label_len}">{label}</text><text x="{label_x}" y="140" transform="scale(.1)" textLength="{label_len}">{label}</text>
<text x="{message_x}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="{message_len}">{message}</text><text x="{message_x}" y="140" transform="scale(.1)" textLength="{message_len}">{message}</text>
</g>
</svg>
"##
        )
    }
}

/// Whole pixels covering a width in tenths of a pixel.
fn tenths_up(w: u32) -> u32 {
    w.div_ceil(10)
}

/// The width of a text in 11px Verdana, in tenths of a pixel, from a fixed table (so the same
/// text always makes the same badge, whatever fonts the machine has).
fn text_width(text: &str) -> u32 {
    text.chars().map(char_width).sum()
}

/// One character's advance in 11px Verdana, in tenths of a pixel; characters outside the
/// table count as a wide letter, so the text never overflows its box.
fn char_width(c: char) -> u32 {
    match c {
        ' ' => 38,
        '!' | '\'' | '.' | ',' | ':' | ';' | '|' | 'i' | 'l' => 35,
        'j' | 'I' | '(' | ')' | '[' | ']' | 'f' | 't' | 'r' => 45,
        '-' => 50,
        'J' | 's' | 'c' | 'z' | '/' | '\\' => 60,
        'a' | 'e' | 'k' | 'v' | 'x' | 'y' | 'L' | 'F' => 65,
        '0'..='9' | 'b' | 'd' | 'g' | 'h' | 'n' | 'o' | 'p' | 'q' | 'u' | '#' | '$' | '?' => 70,
        '·' => 64,
        'E' | 'P' | 'S' | 'T' | 'Y' | 'Z' | 'B' | 'K' | 'R' | 'X' | 'V' | '_' | '+' | '=' => 75,
        'A' | 'C' | 'D' | 'G' | 'H' | 'N' | 'U' => 80,
        'O' | 'Q' | 'w' | '&' | '%' => 90,
        'm' | 'M' => 105,
        'W' | '@' => 115,
        _ => 110,
    }
}

/// Text as SVG (XML) character data or attribute value: markup characters as entities, and
/// characters XML cannot carry as `?`.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c < ' ' && c != '\t') || crate::render::is_bidi_control(c) => out.push('?'),
            '\u{fffe}' | '\u{ffff}' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn run(
    args: &BadgeArgs,
    quiet: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let Some(rubric) = load_rubric(&args.eval.rubric, err)? else {
        return Ok(exit::BAD_INPUT);
    };
    let opts = options(&args.eval, Vec::new());
    let mut failed = false;
    let report = pipeline::single(
        &rubric,
        &args.manifest,
        &opts,
        args.eval.max_file_size,
        |s| {
            failed = true;
            report_skipped(s, err)
        },
    )?;
    let Some(report) = report.filter(|_| !failed) else {
        return Ok(exit::BAD_INPUT);
    };
    let badge = Badge::of(&report, rubric.scale.labels().len());
    let text = match args.format {
        BadgeFormat::Svg => badge.svg(),
        BadgeFormat::Shields => badge.shields(),
    };
    deliver(args.output.as_deref(), text.as_bytes(), out)?;
    if let (Some(path), false) = (&args.output, quiet) {
        writeln!(err, "wrote {}: {}", path.display(), badge.message)?;
    }
    Ok(exit::OK)
}

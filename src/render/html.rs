//! HTML: one self-contained file for due-diligence records, readable on screen and printable
//! to PDF. No scripts, no external styles, fonts or images: a Content-Security-Policy forbids
//! every load, and the category charts are inline SVG. Manifest text is untrusted: every piece
//! of text is HTML-escaped, and only http(s) sources become links.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::markdown::is_web_url;
use super::view::Part;
use super::{
    COMPARISON_HEADER, CONTROL_SIGNAL_HEADER, auc_text, case_match_cells, comparison_cells,
    comparison_summary, control_signal_cells,
};
use super::{
    LeagueView, Prepared, Renderer, backtest_summary, caps_text, effort_name, kind_name, money,
    portfolio_summary, provisional_words, show_json, signed,
};
use crate::core::analysis::backtest::{Backtest, Comparison};
use crate::core::analysis::diff::Diff;
use crate::core::analysis::gaps::GapReport;
use crate::core::report::{CategoryResult, GapKind, GateStatus, Report, Stamp, Standing, Status};
use crate::core::rubric::Grade;

pub struct Html;

/// Forbids every load: no scripts, fonts, images or frames; only the inline stylesheet.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE: &str = r#":root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --soft: #f6f8fa; --link: #0550ae; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: #fff; color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 28px 24px 40px; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: .1rem 0 .4rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; padding-bottom: .2rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
p { margin: .4rem 0; }
.eyebrow { margin: 0; color: var(--muted); font-size: .75rem; letter-spacing: .08em; text-transform: uppercase; }
.id { color: var(--muted); font-weight: 400; }
.muted { color: var(--muted); }
.headline { display: flex; gap: 24px; align-items: center; margin: 1rem 0; }
.grade { flex: none; display: flex; align-items: center; justify-content: center; width: 92px; height: 92px; border-radius: 12px; color: #fff; font-size: 2.8rem; font-weight: 700; }
.grade.small { display: inline-flex; width: 2em; height: 1.6em; border-radius: 6px; font-size: .95rem; }
.prov { font-size: .8rem; color: #6b5b00; margin-left: .3em; }
.g0 { background: #1a7f37; } .g1 { background: #4b8b1d; } .g2 { background: #9a6700; } .g3 { background: #bc4c00; } .g4 { background: #b42318; }
.facts { flex: 1; display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px 24px; margin: 0; }
.facts dt { color: var(--muted); font-size: .72rem; letter-spacing: .05em; text-transform: uppercase; }
.facts dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
.callout { margin: .6rem 0; padding: .5rem .8rem; border-left: 4px solid var(--line); background: var(--soft); }
.callout.bad { border-color: #b42318; } .callout.good { border-color: #1a7f37; } .callout.note { border-color: #0550ae; }
table { width: 100%; border-collapse: collapse; font-size: .88rem; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
.nowrap { white-space: nowrap; }
td.ctl { width: 26%; min-width: 12em; }
td.ctl code { white-space: nowrap; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.lead td { border-bottom: none; }
tr.ev td { padding-top: 0; color: #32383f; font-size: .8rem; }
tr.ev ul { margin: 0 0 .2rem; padding-left: 1.1rem; }
.label { color: var(--muted); font-weight: 600; }
.title { display: block; color: var(--muted); font-size: .8rem; }
.pill { display: inline-block; padding: 0 .5em; border: 1px solid currentColor; border-radius: 999px; font-size: .78rem; font-weight: 600; white-space: nowrap; }
.s-pass { color: #1a7f37; } .s-partial { color: #9a6700; } .s-fail { color: #b42318; } .s-unknown, .s-na { color: #6e7781; }
a { color: var(--link); overflow-wrap: anywhere; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace; font-size: .86em; overflow-wrap: anywhere; }
ol, ul { padding-left: 1.4rem; }
li { margin: .15rem 0; }
figure { margin: .5rem 0 1rem; }
figcaption { color: var(--muted); font-size: .8rem; }
svg { display: block; max-width: 100%; height: auto; }
.stamp dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; font-size: .85rem; }
.stamp dt { color: var(--muted); }
.stamp dd { margin: 0; overflow-wrap: anywhere; }
section.protocol { margin-top: 1.5rem; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2, h3 { break-after: avoid; }
  tr, tbody, figure, li, .headline, .callout, .stamp { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  section.protocol { break-inside: avoid; }
}
"#;

/// Escapes text for HTML content and attribute values alike: `& < > " '` become entities;
/// control characters other than newline and tab are dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(ch),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A link when the source is an http(s) URL (the URL is the text, so it survives printing),
/// escaped text otherwise.
pub fn source_link(source: Option<&str>) -> String {
    match source.map(str::trim) {
        Some(url) if is_web_url(url) => {
            let url = escape(url);
            format!(r#"<a href="{url}" rel="noopener noreferrer">{url}</a>"#)
        }
        Some(text) if !text.is_empty() => escape(text),
        _ => r#"<span class="muted">no source: self-attested</span>"#.into(),
    }
}

/// `{}` into a String cannot fail.
macro_rules! w {
    ($dst:expr, $($arg:tt)*) => {{
        let _ = write!($dst, $($arg)*);
    }};
}

fn page(title: &str, body: &str, out: &mut dyn Write) -> io::Result<()> {
    let mut h = String::with_capacity(body.len() + STYLE.len() + 512);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    w!(
        h,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
    );
    h.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    w!(
        h,
        "<title>{}</title>\n<style>\n{STYLE}</style>\n",
        escape(title)
    );
    h.push_str("</head>\n<body>\n<main>\n");
    h.push_str(body);
    h.push_str("</main>\n</body>\n</html>\n");
    out.write_all(h.as_bytes())
}

/// Money, or `unknown` when not stated (a sum of nothing is unknown too).
fn tvl(x: Option<f64>) -> String {
    x.filter(|t| *t > 0.0).map_or("unknown".into(), usd)
}

/// `$1.2B`; a negative zero (an empty sum) shows as `$0`.
fn usd(x: f64) -> String {
    escape(&money(if x == 0.0 { 0.0 } else { x }))
}

fn percent(x: f64) -> String {
    format!("{:.0}%", crate::core::report::round_to(x * 100.0, 0))
}

/// A grade as a coloured badge: the colour follows the grade's rank on the scale.
fn badge(g: &Grade, small: bool) -> String {
    format!(
        r#"<span class="grade{} g{}">{}</span>"#,
        if small { " small" } else { "" },
        g.rank.min(4),
        escape(&g.label)
    )
}

/// The grade badge, with the provisional mark and the top of the range when it applies.
fn grade_cell(r: &Report, small: bool) -> String {
    let mut out = badge(&r.grade, small);
    if let Some(words) = provisional_words(&r.grade, r.provisional, &r.range.high.grade) {
        w!(out, r#" <span class="prov">{}</span>"#, escape(&words));
    }
    out
}

fn status_pill(s: Status) -> String {
    let class = match s {
        Status::Pass => "pass",
        Status::Partial => "partial",
        Status::Fail => "fail",
        Status::Unknown => "unknown",
        Status::NotFound => "fail",
        Status::NotApplicable => "na",
    };
    format!(r#"<span class="pill s-{class}">{}</span>"#, s.as_str())
}

fn gate_name(g: Option<&crate::core::rubric::GateId>) -> String {
    g.map_or("-".into(), |g| format!("<code>{}</code>", escape(&g.0)))
}

fn fact(dl: &mut String, name: &str, value: &str) {
    w!(dl, "<div><dt>{name}</dt><dd>{value}</dd></div>\n");
}

/// Score colour bands for the chart bars.
fn bar_colour(score: f64) -> &'static str {
    if score >= 80.0 {
        "#1a7f37"
    } else if score >= 60.0 {
        "#4b8b1d"
    } else if score >= 40.0 {
        "#bf8700"
    } else {
        "#b42318"
    }
}

/// A horizontal bar chart of category scores (0 to 100) as inline SVG.
fn category_chart(categories: &[CategoryResult], label: &str) -> String {
    const WIDTH: f64 = 720.0;
    const BAR_X: f64 = 262.0;
    const BAR_W: f64 = 400.0;
    const ROW: f64 = 28.0;
    const TOP: f64 = 8.0;
    let height = TOP + ROW * categories.len() as f64 + 24.0;
    let bottom = TOP + ROW * categories.len() as f64;
    let mut s = String::new();
    w!(
        s,
        "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"{}\" font-size=\"13\">\n<title>{}</title>\n",
        escape(label),
        escape(label)
    );
    for t in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let x = BAR_X + BAR_W * t / 100.0;
        w!(
            s,
            "<line x1=\"{x}\" y1=\"{TOP}\" x2=\"{x}\" y2=\"{bottom}\" stroke=\"#d0d7de\" stroke-width=\"1\"/>\n<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" fill=\"#57606a\" font-size=\"11\">{t}</text>\n",
            bottom + 16.0
        );
    }
    for (i, c) in categories.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let title: String = if c.title.chars().count() > 34 {
            c.title.chars().take(33).chain(['…']).collect()
        } else {
            c.title.clone()
        };
        let value = c.score.map_or("n/a".into(), |s| s.to_string());
        w!(
            s,
            "<g><title>{}: {}, weight {}</title>\n<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#1b1f24\">{}</text>\n<rect x=\"{BAR_X}\" y=\"{}\" width=\"{BAR_W}\" height=\"{}\" fill=\"#eef1f4\"/>\n",
            escape(&c.title),
            value,
            c.weight,
            BAR_X - 10.0,
            y + ROW / 2.0 + 4.5,
            escape(&title),
            y + 6.0,
            ROW - 12.0
        );
        if let Some(score) = c.score {
            let v = score.rounded().clamp(0.0, 100.0);
            w!(
                s,
                "<rect x=\"{BAR_X}\" y=\"{}\" width=\"{:.1}\" height=\"{}\" fill=\"{}\"/>\n",
                y + 6.0,
                BAR_W * v / 100.0,
                ROW - 12.0,
                bar_colour(v)
            );
        }
        w!(
            s,
            "<text x=\"{}\" y=\"{}\" fill=\"#1b1f24\" font-weight=\"600\">{value}</text></g>\n",
            BAR_X + BAR_W + 8.0,
            y + ROW / 2.0 + 4.5
        );
    }
    let weights: Vec<String> = categories
        .iter()
        .map(|c| format!("{} {}", escape(&c.title), c.weight))
        .collect();
    w!(
        s,
        "</svg>\n<figcaption>Category scores out of 100. Weights in the total: {}.</figcaption>\n</figure>\n",
        weights.join(", ")
    );
    s
}

/// The caps line: which gate sets the grade, or that none does, and gates that fail without
/// binding.
fn caps_callout(r: &Report) -> String {
    let mut s = String::new();
    match r.gates.iter().find(|g| Some(&g.id) == r.capped_by.as_ref()) {
        Some(g) => w!(
            s,
            "<p class=\"callout bad\"><strong>Capped at {} by gate <code>{}</code></strong> ({}); the score alone earns {}. {}</p>\n",
            escape(&g.cap.label),
            escape(&g.id.0),
            escape(&g.title),
            escape(&r.grade_before_caps.label),
            escape(&g.reason)
        ),
        None => {
            let failing: Vec<String> = r
                .gates
                .iter()
                .filter(|g| g.status == GateStatus::Fails)
                .map(|g| {
                    format!(
                        "<code>{}</code> (caps at {})",
                        escape(&g.id.0),
                        escape(&g.cap.label)
                    )
                })
                .collect();
            if failing.is_empty() {
                s.push_str("<p class=\"callout good\">No gate caps the grade.</p>\n");
            } else {
                w!(
                    s,
                    "<p class=\"callout note\">No gate caps the grade below what the score earns. Failing without effect: {}.</p>\n",
                    failing.join(", ")
                );
            }
        }
    }
    if let Some(wi) = &r.what_if {
        w!(
            s,
            "<p class=\"callout note\"><strong>What-if</strong> <code>{}</code>: score {} &rarr; {}, grade {} &rarr; {}, {} &rarr; {}.</p>\n",
            escape(&wi.sets.join(" ")),
            wi.before.score,
            r.score,
            escape(&wi.before.grade.label),
            escape(&r.grade.label),
            escape(&caps_text(wi.before.capped_by.as_ref())),
            escape(&caps_text(r.capped_by.as_ref()))
        );
    }
    s
}

fn stamp_section(s: &Stamp) -> String {
    let mut h = String::new();
    h.push_str("<section class=\"stamp\" id=\"stamp\">\n<h2>Stamp</h2>\n<dl>\n");
    w!(h, "<dt>tool</dt><dd>{}</dd>\n", escape(&s.tool));
    w!(
        h,
        "<dt>rubric</dt><dd>{} {}</dd>\n<dt>rubric sha256</dt><dd><code>{}</code></dd>\n",
        escape(&s.rubric.id),
        escape(&s.rubric.version),
        escape(&s.rubric.sha256)
    );
    w!(
        h,
        "<dt>manifest</dt><dd>{}</dd>\n<dt>manifest sha256</dt><dd><code>{}</code></dd>\n",
        escape(&s.manifest.path),
        escape(&s.manifest.sha256)
    );
    if let Some(up) = &s.upstream {
        w!(
            h,
            "<dt>upstream manifest</dt><dd>{}</dd>\n<dt>upstream sha256</dt><dd><code>{}</code></dd>\n",
            escape(&up.path),
            escape(&up.sha256)
        );
    }
    w!(
        h,
        "<dt>evaluated as of</dt><dd>{}</dd>\n",
        s.evaluated_as_of
    );
    h.push_str("</dl>\n<p class=\"muted\">Same manifest, rubric and date: same report, byte for byte.</p>\n</section>\n");
    h
}

fn report_body(r: &Report) -> String {
    let mut h = String::new();
    let p = &r.protocol;
    h.push_str("<header>\n<p class=\"eyebrow\">Security posture report</p>\n");
    w!(
        h,
        "<h1>{} <span class=\"id\">({})</span></h1>\n<div class=\"headline\">\n{}\n<dl class=\"facts\">\n",
        escape(&p.name),
        escape(&p.id),
        grade_cell(r, false)
    );
    fact(&mut h, "score", &format!("{} / 100", r.score));
    if r.range.high != r.range.low {
        let words = if r.provisional { "provisional: " } else { "" };
        fact(
            &mut h,
            "range",
            &format!(
                "{words}{} {} to {} {}",
                escape(&r.range.low.grade.label),
                r.range.low.score,
                escape(&r.range.high.grade.label),
                r.range.high.score
            ),
        );
    }
    fact(&mut h, "confidence", &percent(r.confidence.0));
    fact(&mut h, "kind", &escape(&kind_name(p.kind)));
    fact(&mut h, "facts as of", &p.as_of.to_string());
    fact(
        &mut h,
        "evaluated as of",
        &r.stamp.evaluated_as_of.to_string(),
    );
    fact(&mut h, "TVL", &tvl(p.tvl_usd));
    fact(
        &mut h,
        "caps",
        &r.capped_by
            .as_ref()
            .map_or("none".into(), |g| format!("<code>{}</code>", escape(&g.0))),
    );
    if let Some(up) = &p.forked_from {
        fact(&mut h, "forked from", &escape(up));
    }
    h.push_str("</dl>\n</div>\n");
    h.push_str(&caps_callout(r));
    h.push_str("</header>\n");

    h.push_str("<section id=\"categories\">\n<h2>Categories</h2>\n");
    h.push_str(&category_chart(
        &r.categories,
        &format!("Category scores of {}", p.name),
    ));
    h.push_str("</section>\n");

    h.push_str("<section id=\"controls\">\n<h2>Controls</h2>\n<table>\n<thead><tr><th>control</th><th>category</th><th>status</th><th class=\"num\">score</th><th>value</th><th class=\"num\">points lost</th><th>note</th></tr></thead>\n");
    // One tbody per control, so print keeps a control with its evidence.
    for f in &r.findings {
        let has_ev = !f.evidence.is_empty() || !f.disregarded.is_empty();
        let mut note = escape(f.note.as_deref().unwrap_or(""));
        if f.status != Status::NotApplicable && f.status != Status::Unknown && !f.sourced {
            if !note.is_empty() {
                note.push_str("; ");
            }
            note.push_str("<strong>self-attested</strong>");
        }
        w!(
            h,
            "<tbody>\n<tr{}><td class=\"ctl\"><code>{}</code><span class=\"title\">{}</span></td><td>{}</td><td>{}</td><td class=\"num\">{:.2}</td><td>{}</td><td class=\"num\">{:.1}</td><td>{}</td></tr>\n",
            if has_ev { " class=\"lead\"" } else { "" },
            escape(&f.control.0),
            escape(&f.title),
            escape(&f.category),
            status_pill(f.status),
            f.score.0,
            escape(&show_json(&f.value)),
            f.points_lost,
            note
        );
        if has_ev {
            h.push_str("<tr class=\"ev\"><td colspan=\"7\">");
            if !f.evidence.is_empty() {
                h.push_str("<span class=\"label\">Evidence</span>\n<ul>\n");
                for e in &f.evidence {
                    w!(
                        h,
                        "<li>{}: {}</li>\n",
                        escape(&e.fact),
                        source_link(e.source.as_deref())
                    );
                }
                h.push_str("</ul>\n");
            }
            if !f.disregarded.is_empty() {
                h.push_str("<span class=\"label\">Disregarded</span>\n<ul>\n");
                for d in &f.disregarded {
                    w!(
                        h,
                        "<li>{}: {} ({})</li>\n",
                        escape(&d.fact),
                        escape(&d.reason),
                        source_link(d.source.as_deref())
                    );
                }
                h.push_str("</ul>\n");
            }
            h.push_str("</td></tr>\n");
        }
        h.push_str("</tbody>\n");
    }
    h.push_str("</table>\n</section>\n");

    h.push_str("<section id=\"gates\">\n<h2>Gates</h2>\n<table>\n<thead><tr><th>gate</th><th>status</th><th>caps at</th><th>triggered by</th></tr></thead>\n<tbody>\n");
    for g in &r.gates {
        let status = match g.status {
            GateStatus::Fails => "<span class=\"pill s-fail\">fails</span>",
            GateStatus::Passes => "<span class=\"pill s-pass\">passes</span>",
        };
        w!(
            h,
            "<tr><td class=\"ctl\"><code>{}</code><span class=\"title\">{}</span></td><td>{status}</td><td>{}</td><td>{}</td></tr>\n",
            escape(&g.id.0),
            escape(&g.title),
            escape(&g.cap.label),
            escape(&g.triggered_by.join("; "))
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");

    h.push_str("<section id=\"gaps\">\n<h2>Gaps</h2>\n");
    if r.gaps.is_empty() {
        h.push_str("<p>None: every control scores in full and no gate fails.</p>\n");
    } else {
        h.push_str("<p class=\"muted\">In the order to close them.</p>\n<ol>\n");
        for g in &r.gaps {
            match g.kind {
                GapKind::Gate => w!(
                    h,
                    "<li>gate <code>{}</code> (caps at {}): {}</li>\n",
                    escape(&g.id),
                    g.caps_at
                        .as_ref()
                        .map_or(String::new(), |c| escape(&c.label)),
                    escape(&g.action)
                ),
                GapKind::Control => w!(
                    h,
                    "<li><code>{}</code> (-{:.1} points, effort {}): {}</li>\n",
                    escape(&g.id),
                    g.points_lost,
                    g.effort.map_or("", effort_name),
                    escape(&g.action)
                ),
            }
        }
        h.push_str("</ol>\n");
    }
    h.push_str("</section>\n");
    h.push_str(&stamp_section(&r.stamp));
    h
}

fn league_body(view: &LeagueView) -> String {
    let league = view.league;
    let reports: Vec<&Report> = view.full_reports().collect();
    let mut h = String::new();
    let what_if = reports.iter().any(|r| r.what_if.is_some());
    h.push_str("<header>\n<p class=\"eyebrow\">Security posture league</p>\n");
    w!(h, "<h1>{} protocols</h1>\n", reports.len());
    if let Some(r) = reports.first() {
        w!(
            h,
            "<p class=\"muted\">Rubric {} {} &middot; {}</p>\n",
            escape(&r.stamp.rubric.id),
            escape(&r.stamp.rubric.version),
            escape(&r.stamp.tool)
        );
    }
    h.push_str("</header>\n");

    h.push_str("<section id=\"league\">\n<h2>League</h2>\n<table>\n<thead><tr><th class=\"num\">#</th><th>protocol</th><th>kind</th><th>as of</th><th>grade</th><th class=\"num\">score</th><th>capped by</th><th class=\"num\">confidence</th><th class=\"num\">TVL</th>");
    if what_if {
        h.push_str("<th>before what-if</th>");
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for (i, r) in reports.iter().enumerate() {
        w!(
            h,
            "<tr><td class=\"num\">{}</td><td><a href=\"#p{}\">{}</a> <span class=\"id\">({})</span></td><td>{}</td><td class=\"nowrap\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"nowrap\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            i + 1,
            i + 1,
            escape(&r.protocol.name),
            escape(&r.protocol.id),
            escape(&kind_name(r.protocol.kind)),
            r.stamp.evaluated_as_of,
            grade_cell(r, true),
            r.score,
            gate_name(r.capped_by.as_ref()),
            percent(r.confidence.0),
            tvl(r.protocol.tvl_usd)
        );
        if what_if {
            w!(
                h,
                "<td>{}</td>",
                r.what_if.as_ref().map_or(String::new(), |wi| format!(
                    "{} {}",
                    escape(&wi.before.grade.label),
                    wi.before.score
                ))
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n</section>\n");

    let p = &league.portfolio;
    h.push_str("<section id=\"portfolio\">\n<h2>Portfolio</h2>\n<ul>\n");
    // The headline sentence; TVL by grade and shared code follow as tables.
    for line in portfolio_summary(league).into_iter().take(1) {
        w!(h, "<li>{}</li>\n", escape(&line));
    }
    h.push_str("</ul>\n");
    if p.tvl_usd > 0.0 {
        h.push_str("<table>\n<thead><tr><th>grade</th><th class=\"num\">protocols</th><th class=\"num\">TVL</th><th class=\"num\">share of TVL</th></tr></thead>\n<tbody>\n");
        for g in &p.by_grade {
            w!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                badge(&g.grade, true),
                g.protocols,
                usd(g.tvl_usd),
                percent(g.tvl_share)
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    if !p.shared_code.is_empty() {
        h.push_str("<h3>Shared code</h3>\n<table>\n<thead><tr><th>lineage</th><th>protocols</th><th class=\"num\">TVL</th></tr></thead>\n<tbody>\n");
        for g in &p.shared_code {
            w!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
                escape(&g.lineage),
                escape(&g.members.join(", ")),
                tvl(Some(g.tvl_usd))
            );
        }
        h.push_str("</tbody>\n</table>\n<p class=\"muted\">One bug in shared code hits every protocol of the group.</p>\n");
    }
    h.push_str("</section>\n");

    h.push_str("<section id=\"protocols\">\n<h2>Protocols</h2>\n");
    for (i, r) in reports.iter().enumerate() {
        w!(
            h,
            "<section class=\"protocol\" id=\"p{}\">\n<h3>{}. {} <span class=\"id\">({})</span></h3>\n<p>{} score {}/100, confidence {}, {}, facts as of {}, evaluated as of {}.</p>\n",
            i + 1,
            i + 1,
            escape(&r.protocol.name),
            escape(&r.protocol.id),
            badge(&r.grade, true),
            r.score,
            percent(r.confidence.0),
            escape(&kind_name(r.protocol.kind)),
            r.protocol.as_of,
            r.stamp.evaluated_as_of
        );
        if let Some(up) = &r.protocol.forked_from {
            w!(h, "<p>A fork of {}.</p>\n", escape(up));
        }
        h.push_str(&caps_callout(r));
        h.push_str(&category_chart(
            &r.categories,
            &format!("Category scores of {}", r.protocol.name),
        ));
        w!(
            h,
            "<p class=\"muted\">manifest {} &middot; sha256 <code>{}</code>{}</p>\n</section>\n",
            escape(&r.stamp.manifest.path),
            escape(&r.stamp.manifest.sha256),
            r.stamp
                .upstream
                .as_ref()
                .map_or(String::new(), |up| format!(
                    "; upstream manifest {} &middot; sha256 <code>{}</code>",
                    escape(&up.path),
                    escape(&up.sha256)
                ))
        );
    }
    h.push_str("</section>\n");
    if let Some(r) = reports.first() {
        let s = &r.stamp;
        w!(
            h,
            "<section class=\"stamp\" id=\"stamp\">\n<h2>Stamp</h2>\n<dl>\n<dt>tool</dt><dd>{}</dd>\n<dt>rubric</dt><dd>{} {}</dd>\n<dt>rubric sha256</dt><dd><code>{}</code></dd>\n<dt>manifests</dt><dd>{}, each with its sha256 above</dd>\n</dl>\n</section>\n",
            escape(&s.tool),
            escape(&s.rubric.id),
            escape(&s.rubric.version),
            escape(&s.rubric.sha256),
            reports.len()
        );
    }
    h
}

fn standing(s: &Standing) -> String {
    format!(
        "{} score {}/100, {}",
        badge(&s.grade, true),
        s.score,
        escape(&caps_text(s.capped_by.as_ref()))
    )
}

fn gaps_body(g: &GapReport) -> String {
    let mut h = String::new();
    w!(
        h,
        "<header>\n<p class=\"eyebrow\">Security posture gaps</p>\n<h1>{} <span class=\"id\">({})</span></h1>\n<p>Evaluated as of {} with rubric {} {}: {}.</p>\n</header>\n",
        escape(&g.protocol.name),
        escape(&g.protocol.id),
        g.stamp.evaluated_as_of,
        escape(&g.stamp.rubric.id),
        escape(&g.stamp.rubric.version),
        standing(&g.now)
    );
    h.push_str("<section id=\"gaps\">\n<h2>Gaps</h2>\n<table>\n<thead><tr><th class=\"num\">#</th><th>gap</th><th class=\"num\">points lost</th><th>effort</th><th>now</th><th>next step</th><th class=\"num\">gain</th><th>grade after</th></tr></thead>\n<tbody>\n");
    for (i, item) in g.items.iter().enumerate() {
        let (step, gain, after) =
            item.next
                .as_ref()
                .map_or((String::new(), String::new(), String::new()), |n| {
                    (
                        format!("<code>{}</code>", escape(&n.set)),
                        signed(n.gain_points),
                        badge(&n.after.grade, true),
                    )
                });
        let name = match item.kind {
            GapKind::Gate => format!(
                "gate <code>{}</code> (caps at {})",
                escape(&item.id),
                item.caps_at
                    .as_ref()
                    .map_or(String::new(), |c| escape(&c.label))
            ),
            GapKind::Control => format!("<code>{}</code>", escape(&item.id)),
        };
        let now = if item.kind == GapKind::Gate {
            String::new()
        } else {
            escape(&show_json(&item.current))
        };
        w!(
            h,
            "<tr><td class=\"num\">{}</td><td>{name}</td><td class=\"num\">{:.1}</td><td>{}</td><td>{now}</td><td>{step}</td><td class=\"num\">{gain}</td><td>{after}</td></tr>\n",
            i + 1,
            item.points_lost,
            item.effort.map_or("", effort_name)
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
    h.push_str("<section id=\"actions\">\n<h2>What to do</h2>\n<ol>\n");
    for item in &g.items {
        w!(
            h,
            "<li><strong>{}</strong>: {}",
            escape(&item.title),
            escape(&item.action)
        );
        if item.missing.is_some() || !item.disregarded.is_empty() {
            h.push_str("\n<ul>\n");
            if let Some(m) = &item.missing {
                w!(h, "<li>Evidence: {}</li>\n", escape(m));
            }
            for d in &item.disregarded {
                w!(
                    h,
                    "<li>Disregarded {}: {} ({})</li>\n",
                    escape(&d.fact),
                    escape(&d.reason),
                    source_link(d.source.as_deref())
                );
            }
            h.push_str("</ul>\n");
        }
        h.push_str("</li>\n");
    }
    h.push_str("</ol>\n</section>\n");
    if let Some(p) = &g.plan {
        h.push_str("<section id=\"plan\">\n");
        if p.reached {
            w!(
                h,
                "<h2>Plan to reach grade {}</h2>\n<p>Verified by scoring again: score {} &rarr; {}, grade {} &rarr; {}, {}.</p>\n",
                escape(&p.target.label),
                g.now.score,
                p.after.score,
                escape(&g.now.grade.label),
                escape(&p.after.grade.label),
                escape(&caps_text(p.after.capped_by.as_ref()))
            );
        } else {
            w!(
                h,
                "<h2>Grade {} is out of reach</h2>\n<p>{}</p>\n",
                escape(&p.target.label),
                escape(p.blocked_by.as_deref().unwrap_or(""))
            );
        }
        if !p.steps.is_empty() {
            h.push_str("<ol>\n");
            for s in &p.steps {
                w!(
                    h,
                    "<li><code>{}</code> (effort {}): <code>--set {}</code></li>\n",
                    escape(&s.id),
                    effort_name(s.effort),
                    escape(&s.set)
                );
            }
            h.push_str("</ol>\n");
        }
        h.push_str("</section>\n");
    }
    h.push_str(&stamp_section(&g.stamp));
    h
}

fn diff_body(d: &Diff) -> String {
    let mut h = String::new();
    w!(
        h,
        "<header>\n<p class=\"eyebrow\">Security posture change</p>\n<h1>{} <span class=\"id\">({})</span></h1>\n",
        escape(&d.protocol.name),
        escape(&d.protocol.id)
    );
    w!(
        h,
        "<table>\n<thead><tr><th></th><th>evaluated as of</th><th>standing</th><th>manifest</th></tr></thead>\n<tbody>\n<tr><td>before</td><td>{}</td><td>{}</td><td>{} <code>{}</code></td></tr>\n<tr><td>after</td><td>{}</td><td>{}</td><td>{} <code>{}</code></td></tr>\n</tbody>\n</table>\n",
        d.old_stamp.evaluated_as_of,
        standing(&d.old),
        escape(&d.old_stamp.manifest.path),
        escape(&d.old_stamp.manifest.sha256),
        d.new_stamp.evaluated_as_of,
        standing(&d.new),
        escape(&d.new_stamp.manifest.path),
        escape(&d.new_stamp.manifest.sha256)
    );
    w!(
        h,
        "<p class=\"callout {}\">Score {} &rarr; {} ({}), grade {} &rarr; {}.{}</p>\n</header>\n",
        if d.regression { "bad" } else { "good" },
        d.old.score,
        d.new.score,
        signed(d.score_change),
        escape(&d.old.grade.label),
        escape(&d.new.grade.label),
        if d.regression {
            " <strong>Regression.</strong>"
        } else {
            ""
        }
    );
    for (title, list) in [("Improved", &d.improved), ("Regressed", &d.regressed)] {
        w!(h, "<section>\n<h2>{title}</h2>\n",);
        if list.is_empty() {
            h.push_str("<p class=\"muted\">No control.</p>\n</section>\n");
            continue;
        }
        h.push_str("<table>\n<thead><tr><th>control</th><th class=\"num\">points</th><th>status</th><th>value</th></tr></thead>\n<tbody>\n");
        for c in list {
            w!(
                h,
                "<tr><td><code>{}</code><span class=\"title\">{}</span></td><td class=\"num\">{}</td><td>{} &rarr; {}</td><td>{} &rarr; {}</td></tr>\n",
                escape(&c.control),
                escape(&c.title),
                signed(c.points),
                status_pill(c.old_status),
                status_pill(c.new_status),
                escape(&show_json(&c.old_value)),
                escape(&show_json(&c.new_value))
            );
        }
        h.push_str("</tbody>\n</table>\n</section>\n");
    }
    if !d.caps_added.is_empty() || !d.caps_lifted.is_empty() {
        h.push_str("<section>\n<h2>Caps</h2>\n<ul>\n");
        for (title, list) in [("added", &d.caps_added), ("lifted", &d.caps_lifted)] {
            for c in list {
                w!(
                    h,
                    "<li>Cap {title}: <code>{}</code> (caps at {}): {}</li>\n",
                    escape(&c.gate),
                    escape(&c.cap.label),
                    escape(&c.title)
                );
            }
        }
        h.push_str("</ul>\n</section>\n");
    }
    let (o, n) = (&d.old_stamp, &d.new_stamp);
    w!(
        h,
        "<section class=\"stamp\" id=\"stamp\">\n<h2>Stamp</h2>\n<dl>\n<dt>tool</dt><dd>{}</dd>\n<dt>rubric</dt><dd>{} {}</dd>\n<dt>rubric sha256</dt><dd><code>{}</code></dd>\n",
        escape(&n.tool),
        escape(&n.rubric.id),
        escape(&n.rubric.version),
        escape(&n.rubric.sha256)
    );
    if o.rubric.sha256 != n.rubric.sha256 {
        w!(
            h,
            "<dt>rubric before</dt><dd>{} {} <code>{}</code></dd>\n",
            escape(&o.rubric.id),
            escape(&o.rubric.version),
            escape(&o.rubric.sha256)
        );
    }
    h.push_str("</dl>\n</section>\n");
    h
}

fn backtest_body(b: &Backtest) -> String {
    let mut h = String::new();
    w!(
        h,
        "<header>\n<p class=\"eyebrow\">Backtest</p>\n<h1>Grades the day before each incident, against time-matched controls</h1>\n<p class=\"muted\">Rubric {}</p>\n</header>\n",
        escape(&b.rubric)
    );
    h.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n");
    for line in backtest_summary(b) {
        w!(h, "<p>{}</p>\n", escape(&line));
    }
    h.push_str("</section>\n<section id=\"roc\">\n<h2>ROC curve</h2>\n");
    h.push_str(&roc_chart(b));
    h.push_str("</section>\n<section id=\"controls\">\n<h2>Signal of each control</h2>\n");
    h.push_str(&control_chart(b));
    h.push_str("<table>\n<thead><tr>");
    for (i, head) in CONTROL_SIGNAL_HEADER.iter().enumerate() {
        let class = if (1..=4).contains(&i) {
            " class=\"num\""
        } else {
            ""
        };
        w!(h, "<th{class}>{}</th>", escape(head));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for c in &b.controls {
        h.push_str("<tr>");
        for (i, cell) in control_signal_cells(c).iter().enumerate() {
            let class = if (1..=4).contains(&i) {
                " class=\"num\""
            } else {
                ""
            };
            w!(h, "<td{class}>{}</td>", escape(cell));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
    h.push_str("<section id=\"incidents\">\n<h2>Incidents</h2>\n<table>\n<thead><tr><th>incident</th><th>protocol</th><th class=\"num\">loss</th><th>cause</th><th>graded from</th><th>grade</th><th class=\"num\">score</th><th>capped by</th><th class=\"num\">controls</th><th class=\"num\">case AUC</th></tr></thead>\n<tbody>\n");
    for c in &b.cases {
        let (grade, score, cap) = c.before.as_ref().map_or(
            (
                "-".into(),
                "-".into(),
                "no snapshot in the year before".into(),
            ),
            |s| {
                (
                    badge(&s.grade, true),
                    s.score.to_string(),
                    gate_name(s.capped_by.as_ref()),
                )
            },
        );
        let (controls, case_auc) = case_match_cells(b, c);
        let matched = if c.matched.is_empty() {
            escape(&controls)
        } else {
            format!(
                "<span title=\"{}\">{}</span>",
                escape(&c.matched.join(", ")),
                escape(&controls)
            )
        };
        w!(
            h,
            "<tr><td class=\"nowrap\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"nowrap\">{}</td><td>{grade}</td><td class=\"num\">{score}</td><td>{cap}</td><td class=\"num\">{matched}</td><td class=\"num\">{}</td></tr>\n",
            c.incident_date,
            escape(&c.protocol),
            usd(c.loss_usd),
            escape(&c.cause),
            c.snapshot_as_of.map_or("-".into(), |d| d.to_string()),
            escape(&case_auc)
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
    h.push_str("<section id=\"clean\">\n<h2>No recorded loss (the pooled 1.x comparison)</h2>\n<table>\n<thead><tr><th>protocol</th><th>as of</th><th>grade</th><th class=\"num\">score</th><th>capped by</th></tr></thead>\n<tbody>\n");
    for c in &b.clean {
        w!(
            h,
            "<tr><td>{}</td><td class=\"nowrap\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
            escape(&c.protocol),
            c.as_of,
            badge(&c.standing.grade, true),
            c.standing.score,
            gate_name(c.standing.capped_by.as_ref())
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
    h
}

/// The ROC curve of the matched rows as inline SVG: each case against every control row of
/// its own matched set, thresholds on the score ("at or below the threshold: flagged").
fn roc_chart(b: &Backtest) -> String {
    const SIZE: f64 = 320.0;
    const PAD: f64 = 44.0;
    let mut points: Vec<(f64, bool)> = Vec::new();
    for c in b.cases.iter().filter(|c| !c.matched.is_empty()) {
        if let Some(s) = &c.before {
            points.push((s.score.0, true));
        }
        points.extend(c.controls.iter().map(|m| (m.standing.score.0, false)));
    }
    let positives = points.iter().filter(|p| p.1).count();
    let negatives = points.len() - positives;
    if positives == 0 || negatives == 0 {
        return "<p class=\"muted\">No matched case: no curve to draw.</p>\n".into();
    }
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Walk up the thresholds, lowest score first; tied scores move in one step.
    let mut curve = vec![(0.0, 0.0)];
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut i = 0;
    while i < points.len() {
        let t = points[i].0;
        while i < points.len() && points[i].0 == t {
            if points[i].1 {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        curve.push((fp as f64 / negatives as f64, tp as f64 / positives as f64));
    }
    let x = |f: f64| PAD + f * SIZE;
    let y = |t: f64| PAD / 2.0 + (1.0 - t) * SIZE;
    let (w, hgt) = (SIZE + PAD * 1.5, SIZE + PAD * 1.8);
    let label =
        format!("ROC curve of {positives} matched cases against their {negatives} control rows");
    let mut s = String::new();
    w!(
        s,
        "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {hgt}\" width=\"{w}\" height=\"{hgt}\" role=\"img\" aria-label=\"{}\" font-size=\"12\">\n<title>{}</title>\n",
        escape(&label),
        escape(&label)
    );
    w!(
        s,
        "<rect x=\"{}\" y=\"{}\" width=\"{SIZE}\" height=\"{SIZE}\" fill=\"none\" stroke=\"#d0d7de\"/>\n<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#8c959f\" stroke-dasharray=\"4 4\"/>\n",
        x(0.0),
        y(1.0),
        x(0.0),
        y(0.0),
        x(1.0),
        y(1.0)
    );
    for t in [0.0, 0.5, 1.0] {
        w!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#57606a\">{t}</text>\n<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#57606a\">{t}</text>\n",
            x(t),
            y(0.0) + 16.0,
            x(0.0) - 6.0,
            y(t) + 4.0
        );
    }
    w!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#1b1f24\">share of controls flagged</text>\n",
        x(0.5),
        y(0.0) + 34.0
    );
    for pair in curve.windows(2) {
        w!(
            s,
            "<line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#0969da\" stroke-width=\"2\"/>\n",
            x(pair[0].0),
            y(pair[0].1),
            x(pair[1].0),
            y(pair[1].1)
        );
    }
    w!(
        s,
        "</svg>\n<figcaption>Share of cases flagged (up) against share of their controls flagged (across) as the score threshold rises; the dashed diagonal is chance. Pooled over the matched rows, so its area can differ from the matched AUC ({}), which compares each case only with its own controls.</figcaption>\n</figure>\n",
        auc_text(b.auc)
    );
    s
}

/// Each control's AUC where known as a bar from chance (0.5): right is the right way.
fn control_chart(b: &Backtest) -> String {
    const WIDTH: f64 = 720.0;
    const BAR_X: f64 = 200.0;
    const BAR_W: f64 = 440.0;
    const ROW: f64 = 24.0;
    const TOP: f64 = 8.0;
    let rows: Vec<_> = b.controls.iter().filter(|c| c.auc.is_some()).collect();
    let bottom = TOP + ROW * rows.len() as f64;
    let height = bottom + 24.0;
    let label = "AUC of each control where it is known on both sides";
    let mut s = String::new();
    w!(
        s,
        "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"{label}\" font-size=\"12\">\n<title>{label}</title>\n"
    );
    let at = |a: f64| BAR_X + BAR_W * a.clamp(0.0, 1.0);
    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
        w!(
            s,
            "<line x1=\"{}\" y1=\"{TOP}\" x2=\"{}\" y2=\"{bottom}\" stroke=\"{}\" stroke-width=\"1\"/>\n<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#57606a\" font-size=\"11\">{t}</text>\n",
            at(t),
            at(t),
            if t == 0.5 { "#57606a" } else { "#d0d7de" },
            at(t),
            bottom + 16.0
        );
    }
    for (i, c) in rows.iter().enumerate() {
        let a = c.auc.unwrap_or(0.5);
        let y = TOP + ROW * i as f64;
        let (from, to) = if a < 0.5 { (a, 0.5) } else { (0.5, a) };
        w!(
            s,
            "<g><title>{}: {:.2} over {} pairs</title>\n<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#1b1f24\">{}</text>\n<rect x=\"{:.1}\" y=\"{}\" width=\"{:.1}\" height=\"{}\" fill=\"{}\"/>\n<text x=\"{}\" y=\"{}\" fill=\"#1b1f24\">{:.2}</text></g>\n",
            escape(&c.control.0),
            a,
            c.pairs,
            BAR_X - 10.0,
            y + ROW / 2.0 + 4.0,
            escape(&c.control.0),
            at(from),
            y + 5.0,
            at(to) - at(from),
            ROW - 10.0,
            if c.wrong_way { "#b42318" } else { "#1a7f37" },
            at(1.0) + 8.0,
            y + ROW / 2.0 + 4.0,
            a
        );
    }
    s.push_str("</svg>\n<figcaption>Bars start at chance (0.5): to the right the control scores later-exploited protocols below their controls (the right way); red bars to the left point the wrong way. Controls never known on both sides are left out of the chart.</figcaption>\n</figure>\n");
    s
}

/// Several rubrics on the same study, one row each.
fn comparison_body(c: &Comparison) -> String {
    let mut h = String::new();
    h.push_str("<header>\n<p class=\"eyebrow\">Backtest</p>\n<h1>Rubrics compared on the same study</h1>\n</header>\n<section id=\"comparison\">\n<table>\n<thead><tr>");
    for (i, head) in COMPARISON_HEADER.iter().enumerate() {
        let class = if i == 0 || i == 3 {
            ""
        } else {
            " class=\"num\""
        };
        w!(h, "<th{class}>{}</th>", escape(head));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for r in &c.rubrics {
        h.push_str("<tr>");
        for (i, cell) in comparison_cells(r).iter().enumerate() {
            let class = if i == 0 || i == 3 {
                ""
            } else {
                " class=\"num\""
            };
            w!(h, "<td{class}>{}</td>", escape(cell));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
    for line in comparison_summary(c) {
        w!(h, "<p>{}</p>\n", escape(&line));
    }
    h.push_str("</section>\n");
    h
}

impl Renderer for Html {
    fn report(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let title = format!(
            "{} ({}): grade {}, posture report",
            r.protocol.name, r.protocol.id, r.grade.label
        );
        page(&title, &report_body(r), out)
    }

    fn league_needs_reports(&self, _full: bool) -> bool {
        true
    }

    fn prepare(&self, report: &Report, _full: bool) -> io::Result<Prepared> {
        Ok(Prepared(Part::Report(Box::new(report.clone()))))
    }

    fn league(&self, league: &LeagueView, out: &mut dyn Write) -> io::Result<()> {
        let title = format!("Posture league of {} protocols", league.entries.len());
        page(&title, &league_body(league), out)
    }

    fn gaps(&self, g: &GapReport, out: &mut dyn Write) -> io::Result<()> {
        let title = format!("{} ({}): posture gaps", g.protocol.name, g.protocol.id);
        page(&title, &gaps_body(g), out)
    }

    fn diff(&self, d: &Diff, out: &mut dyn Write) -> io::Result<()> {
        let title = format!("{} ({}): posture change", d.protocol.name, d.protocol.id);
        page(&title, &diff_body(d), out)
    }

    fn backtest(&self, b: &Backtest, out: &mut dyn Write) -> io::Result<()> {
        page("Posture backtest", &backtest_body(b), out)
    }

    fn backtest_comparison(&self, c: &Comparison, out: &mut dyn Write) -> io::Result<()> {
        page(
            "Posture backtest: rubrics compared",
            &comparison_body(c),
            out,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_inert() {
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            escape(r#"a" onmouseover='x'"#),
            "a&quot; onmouseover=&#39;x&#39;"
        );
        assert_eq!(escape("a\u{0}b\u{1b}c"), "abc");
        assert_eq!(
            source_link(Some("javascript:alert(1)")),
            "javascript:alert(1)"
        );
        assert_eq!(
            source_link(Some("https://x.org/?a=1&b=\"><script>")),
            r#"<a href="https://x.org/?a=1&amp;b=&quot;&gt;&lt;script&gt;" rel="noopener noreferrer">https://x.org/?a=1&amp;b=&quot;&gt;&lt;script&gt;</a>"#
        );
        assert_eq!(source_link(Some("https://x.org/a b")), "https://x.org/a b");
        assert!(source_link(None).contains("self-attested"));
    }
}

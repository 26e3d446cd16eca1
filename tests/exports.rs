//! Due-diligence exports: HTML and CSV against insta snapshots, determinism, and hostile
//! manifest text that must stay inert in every format.
//!
//! The snapshots live in `tests/snapshots/exports__*.snap`. After an intended change of output,
//! run `INSTA_UPDATE=always cargo test --test exports` (or `cargo insta review`) and read the
//! diff before committing.

mod common;

use std::path::Path;

use common::{ROOT, stdout_in as posture_in};

/// The three-protocol league of the snapshots: Aave V3 (a known TVL, so a weighted portfolio
/// score), Balancer V2 after its exploit (capped), and Beets, a fork of it (so the portfolio has
/// a shared-code group).
const LEAGUE: &[&str] = &[
    "protocols/aave-v3.toml",
    "protocols/balancer-v2@2025-11-07.toml",
    "protocols/beets.toml",
];

fn posture(args: &[&str]) -> Vec<u8> {
    posture_in(Path::new(ROOT), args)
}

fn score(paths: &[&str], format: &str) -> Vec<u8> {
    let mut args = vec!["score"];
    args.extend_from_slice(paths);
    args.extend_from_slice(&["--format", format]);
    posture(&args)
}

/// Output as text for its snapshot. Snapshots compare text with line endings normalised, so
/// a CSV's record terminator is checked on its own: every record ends in CRLF (RFC 4180).
fn text(format: &str, out: Vec<u8>) -> String {
    let out = String::from_utf8(out).expect("exports are UTF-8");
    if format == "csv" {
        assert!(out.ends_with("\r\n"), "a CSV ends with CRLF");
        assert_eq!(
            out.matches('\n').count(),
            out.matches("\r\n").count(),
            "every CSV record ends with CRLF"
        );
    }
    out
}

#[test]
fn balancer_html_report_matches_its_snapshot() {
    let out = score(&["protocols/balancer-v2.toml"], "html");
    insta::assert_snapshot!("balancer-v2.html", text("html", out));
}

#[test]
fn balancer_csv_matches_its_snapshot() {
    let out = score(&["protocols/balancer-v2.toml"], "csv");
    insta::assert_snapshot!("balancer-v2.csv", text("csv", out));
}

#[test]
fn league_html_matches_its_snapshot() {
    insta::assert_snapshot!("league.html", text("html", score(LEAGUE, "html")));
}

#[test]
fn league_csv_matches_its_snapshot() {
    insta::assert_snapshot!("league.csv", text("csv", score(LEAGUE, "csv")));
}

#[test]
fn exports_are_byte_identical_across_runs() {
    for format in ["html", "csv"] {
        let a = score(&["protocols/"], format);
        let b = score(&["protocols/"], format);
        assert!(a == b, "{format}: two runs differ");
        let a = score(&["protocols/balancer-v2.toml"], format);
        let b = score(&["protocols/balancer-v2.toml"], format);
        assert!(a == b, "{format}: two runs differ");
    }
    for args in [
        &["gaps", "protocols/balancer-v2.toml", "--target", "C"][..],
        &[
            "diff",
            "protocols/balancer-v2.toml",
            "protocols/balancer-v2@2025-11-07.toml",
        ],
        &["backtest", "protocols/"],
    ] {
        let mut args = args.to_vec();
        args.extend_from_slice(&["--format", "html"]);
        assert!(
            posture(&args) == posture(&args),
            "{args:?}: two runs differ"
        );
    }
}

#[test]
fn html_is_self_contained_with_a_print_stylesheet() {
    let pages = [
        score(&["protocols/balancer-v2.toml"], "html"),
        score(LEAGUE, "html"),
        posture(&[
            "gaps",
            "protocols/balancer-v2.toml",
            "--target",
            "C",
            "--format",
            "html",
        ]),
        posture(&[
            "diff",
            "protocols/balancer-v2.toml",
            "protocols/balancer-v2@2025-11-07.toml",
            "--format",
            "html",
        ]),
        posture(&["backtest", "protocols/", "--format", "html"]),
    ];
    for page in &pages {
        let html = String::from_utf8(page.clone()).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>\n"));
        assert!(html.contains(
            r#"<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">"#
        ));
        assert!(html.contains("@media print"));
        assert_inert_html(&html);
    }
    let report = String::from_utf8(pages[0].clone()).unwrap();
    let text = std::fs::read(format!("{ROOT}/protocols/balancer-v2.toml")).unwrap();
    for needle in [
        "Balancer V2",
        "<svg",
        "Code assurance",
        "three-pillars",
        "id=\"gaps\"",
        "defi-baseline 2.0.0",
        &posture::load::sha256_hex(&text),
        "protocols/balancer-v2.toml",
        "<dt>evaluated as of</dt><dd>2025-11-02</dd>",
        r#"<a href="https://immunefi.com/bug-bounty/balancer/information" rel="noopener noreferrer">"#,
    ] {
        assert!(report.contains(needle), "{needle} missing from the report");
    }
    let league = String::from_utf8(pages[1].clone()).unwrap();
    for needle in [
        "Portfolio",
        "Shared code",
        "balancer-v2, beets",
        "Capped at F by gate",
    ] {
        assert!(league.contains(needle), "{needle} missing from the league");
    }
    // One rosette per protocol, and the overview's grade distribution.
    assert_eq!(
        league.matches("<svg class=\"rosette\"").count(),
        LEAGUE.len()
    );
    assert_eq!(league.matches("<svg").count(), LEAGUE.len() + 1);
    assert!(league.contains("<table class=\"heatmap\">"));
    let heat_rows = league.split("<table class=\"heatmap\">").nth(1).unwrap();
    let heat_rows = &heat_rows[..heat_rows.find("</table>").unwrap()];
    assert_eq!(
        heat_rows.matches("<tr>").count(),
        LEAGUE.len() + 1,
        "a header and a row per protocol"
    );
    assert!(
        report.contains("<svg class=\"rosette\""),
        "the report's rosette"
    );
}

/// Every tag is one the renderer writes; every link is a fragment or an http(s) URL with
/// `rel="noopener noreferrer"`; nothing loads, nothing runs.
fn assert_inert_html(html: &str) {
    const TAGS: &[&str] = &[
        "!DOCTYPE",
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "main",
        "header",
        "section",
        "h1",
        "h2",
        "h3",
        "p",
        "span",
        "div",
        "dl",
        "dt",
        "dd",
        "code",
        "strong",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "ul",
        "ol",
        "li",
        "a",
        "figure",
        "figcaption",
        "svg",
        "g",
        "line",
        "rect",
        "text",
        "path",
        "details",
        "summary",
    ];
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "a script element");
    assert!(!lower.contains("javascript:\""), "a javascript: attribute");
    for bad in [
        "href=\"javascript:",
        "<img",
        "<iframe",
        "<link",
        "<object",
        "<embed",
    ] {
        assert!(!lower.contains(bad), "`{bad}` in the page");
    }
    let style = &lower[lower.find("<style>").unwrap()..lower.find("</style>").unwrap()];
    for bad in ["@import", "url(", "@font-face"] {
        assert!(!style.contains(bad), "`{bad}` in the stylesheet");
    }
    let bytes = html.as_bytes();
    for (i, _) in html.match_indices('<') {
        let rest = &html[i + 1..];
        let rest = rest.strip_prefix('/').unwrap_or(rest);
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect();
        assert!(
            TAGS.contains(&name.as_str()),
            "unexpected tag <{name}> at byte {i}: {:?}",
            String::from_utf8_lossy(&bytes[i..(i + 60).min(bytes.len())])
        );
        // No event handler or other unexpected attribute inside a tag.
        let end = rest.find('>').unwrap();
        let tag = &rest[..end];
        assert!(
            !tag.to_ascii_lowercase().contains("src="),
            "a loading attribute in <{tag}>"
        );
        let mut in_quotes = false;
        let mut outside = String::new();
        for c in tag.chars() {
            if c == '"' {
                in_quotes = !in_quotes;
            } else if !in_quotes {
                outside.push(c);
            }
        }
        assert!(
            !outside.to_ascii_lowercase().contains(" on") && !outside.contains('\''),
            "suspicious attributes in <{tag}>"
        );
    }
    for (i, _) in html.match_indices("href=\"") {
        let value = &html[i + 6..];
        let value = &value[..value.find('"').unwrap()];
        if value.starts_with('#') {
            continue;
        }
        assert!(
            value.starts_with("https://") || value.starts_with("http://"),
            "href {value:?}"
        );
        let tail = &html[i..];
        let tag_end = tail.find('>').unwrap();
        assert!(
            tail[..tag_end].contains(r#"rel="noopener noreferrer""#),
            "link without rel: {}",
            &tail[..tag_end]
        );
    }
}

/// An RFC 4180 reader: records of fields, CRLF line ends, quoted fields with doubled quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                assert!(field.is_empty(), "a quote inside an unquoted field");
                quoted = true;
            }
            ',' => record.push(std::mem::take(&mut field)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "a bare CR ends a record");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            '\n' => panic!("a bare LF ends a record; RFC 4180 wants CRLF"),
            c => field.push(c),
        }
    }
    assert!(!quoted, "unterminated quoted field");
    assert!(
        field.is_empty() && record.is_empty(),
        "the last record lacks CRLF"
    );
    records
}

#[test]
fn csv_is_one_rectangular_table_with_a_row_per_protocol_and_per_control() {
    let text = String::from_utf8(score(LEAGUE, "csv")).unwrap();
    let records = parse_csv(&text);
    let header = &records[0];
    assert_eq!(header[0], "row");
    for name in [
        "protocol_id",
        "protocol_name",
        "kind",
        "as_of",
        "evaluated_as_of",
        "grade",
        "grade_before_caps",
        "score",
        "capped_by",
        "confidence",
        "tvl_usd",
        "rubric_id",
        "rubric_version",
        "manifest_sha256",
        "control",
        "category",
        "status",
        "control_score",
        "metric",
        "value",
        "points_lost",
        "sourced",
    ] {
        assert!(header.iter().any(|h| h == name), "no column {name}");
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert!(records.iter().all(|r| r.len() == header.len()));
    let protocols: Vec<_> = records.iter().filter(|r| r[0] == "protocol").collect();
    let controls: Vec<_> = records.iter().filter(|r| r[0] == "control").collect();
    assert_eq!(protocols.len(), LEAGUE.len());
    assert_eq!(records.len(), 1 + protocols.len() + controls.len());
    assert_eq!(controls.len() % protocols.len(), 0);
    let capped = protocols
        .iter()
        .find(|r| r[col("as_of")] == "2025-11-07" && r[col("protocol_id")] == "balancer-v2")
        .unwrap();
    assert_eq!(capped[col("grade")], "F");
    assert_eq!(capped[col("grade_before_caps")], "D");
    assert_eq!(capped[col("capped_by")], "unresolved-critical");
    for c in &controls {
        assert!(!c[col("protocol_id")].is_empty() && !c[col("manifest_sha256")].is_empty());
        assert!(c[col("control")].len() > 1 && c[col("protocol_name")].is_empty());
        assert!(matches!(c[col("sourced")].as_str(), "true" | "false"));
        let _: f64 = c[col("points_lost")].parse().unwrap();
    }
    // The JSON report and the CSV agree on the numbers.
    let json: serde_json::Value =
        serde_json::from_slice(&score(&["protocols/balancer-v2.toml"], "json")).unwrap();
    let csv = parse_csv(&String::from_utf8(score(&["protocols/balancer-v2.toml"], "csv")).unwrap());
    assert_eq!(
        csv[1][col("score")].parse::<f64>().unwrap(),
        json["score"].as_f64().unwrap()
    );
    assert_eq!(
        csv[1][col("manifest_sha256")],
        json["stamp"]["manifest"]["sha256"].as_str().unwrap()
    );
}

/// Spreadsheet formulas, HTML and Markdown links that a manifest might carry.
const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "=HYPERLINK(\"http://evil\")",
    "+1",
    "-1",
    "@SUM(1)",
];

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A manifest whose name is `name`, and whose sources, firm and incident cause carry every
/// payload.
fn hostile_manifest(id: &str, name: &str) -> String {
    let all = PAYLOADS.join(" ");
    format!(
        r#"format = 1
[protocol]
id = "{id}"
name = {name}
kind = "dex"
as_of = 2026-01-01
tvl_usd = 1000
source = "javascript:alert(1)"

[[components]]
name = "core"
version = "1.0.0"
core = true
source = {formula}

[[audits]]
firm = "@SUM(1)"
date = 2025-06-01
kind = "code"
scope = ["core"]
covers = "^1"
source = {breakout}

[[audits]]
firm = {script}
date = 2025-07-01
kind = "code"
scope = ["core"]
covers = "^0.1"
source = {mdlink}

[timelock]
delay_hours = 0
source = "-1"

[monitoring]
level = "alerting"
source = "+1"

[[incidents]]
date = 2025-01-01
loss_usd = 10
cause = {all}
resolved = true
postmortem = "javascript:alert(1)"
"#,
        name = toml_string(name),
        formula = toml_string(PAYLOADS[2]),
        breakout = toml_string("https://evil.example/\"><script>alert(1)</script>"),
        script = toml_string(PAYLOADS[0]),
        mdlink = toml_string(PAYLOADS[1]),
        all = toml_string(&format!("<img src=x onerror=alert(1)> {all}")),
    )
}

/// A folder of hostile manifests, one per payload as the protocol name.
fn hostile_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (i, p) in PAYLOADS.iter().enumerate() {
        std::fs::write(
            dir.path().join(format!("evil-{i}.toml")),
            hostile_manifest(&format!("evil-{i}"), p),
        )
        .unwrap();
    }
    dir
}

#[test]
fn hostile_text_is_inert_in_html() {
    let dir = hostile_dir();
    let mut pages = vec![posture_in(dir.path(), &["score", ".", "--format", "html"])];
    for i in 0..PAYLOADS.len() {
        let file = format!("evil-{i}.toml");
        pages.push(posture_in(
            dir.path(),
            &["score", &file, "--format", "html"],
        ));
        pages.push(posture_in(dir.path(), &["gaps", &file, "--format", "html"]));
    }
    pages.push(posture_in(
        dir.path(),
        &["diff", "evil-0.toml", "evil-1.toml", "--format", "html"],
    ));
    pages.push(posture_in(
        dir.path(),
        &["backtest", ".", "--format", "html"],
    ));
    for (i, page) in pages.iter().enumerate() {
        let html = String::from_utf8(page.clone()).unwrap();
        assert_inert_html(&html);
        // The text is shown, escaped, not dropped.
        let shown = if i == pages.len() - 2 {
            "[x](javascript:alert(1))" // the diff names the newer manifest, evil-1
        } else {
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        };
        assert!(html.contains(shown), "page {i}: {html}");
    }
    let report = String::from_utf8(pages[1].clone()).unwrap();
    assert!(report.contains("[x](javascript:alert(1))"), "shown as text");
    assert!(report.contains(
        r#"href="https://evil.example/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" rel="noopener noreferrer""#
    ));
    assert!(report.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

#[test]
fn hostile_text_is_neutralised_in_csv() {
    let dir = hostile_dir();
    let text =
        String::from_utf8(posture_in(dir.path(), &["score", ".", "--format", "csv"])).unwrap();
    let records = parse_csv(&text);
    let name = records[0]
        .iter()
        .position(|h| h == "protocol_name")
        .unwrap();
    for r in &records {
        assert_eq!(r.len(), records[0].len());
        for cell in r {
            assert!(
                !cell
                    .trim_start()
                    .starts_with(['=', '+', '-', '@', '\t', '\r']),
                "live formula cell {cell:?}"
            );
        }
    }
    let names: Vec<&str> = records
        .iter()
        .filter(|r| r[0] == "protocol")
        .map(|r| r[name].as_str())
        .collect();
    for p in PAYLOADS {
        let expected = if p.starts_with(['=', '+', '-', '@']) {
            format!("'{p}")
        } else {
            p.to_string()
        };
        assert!(
            names.contains(&expected.as_str()),
            "{expected:?} not among {names:?}"
        );
    }
    // On the wire: the quote is doubled inside a quoted cell.
    assert!(text.contains(r#""'=HYPERLINK(""http://evil"")""#));
}

#[test]
fn hostile_text_is_inert_in_markdown_table_and_json() {
    let dir = hostile_dir();
    let md = String::from_utf8(posture_in(
        dir.path(),
        &["score", "evil-0.toml", "--format", "markdown"],
    ))
    .unwrap();
    let league = String::from_utf8(posture_in(
        dir.path(),
        &["score", ".", "--format", "markdown"],
    ))
    .unwrap();
    for text in [&md, &league] {
        assert!(!text.to_ascii_lowercase().contains("<script"), "{text}");
        assert!(!text.contains("<javascript:"), "{text}");
        assert!(!text.contains("<img"), "{text}");
        // A link needs an unescaped `](`; every one here is `\](`.
        for (i, _) in text.match_indices("](") {
            assert_eq!(&text[i - 1..i], "\\", "a live Markdown link in {text}");
        }
    }
    assert!(md.contains("&lt;script&gt;"));

    // JSON is data: it parses and carries every string exactly, in rows and full reports.
    let json: serde_json::Value = serde_json::from_slice(&posture_in(
        dir.path(),
        &["score", ".", "--format", "json", "--full"],
    ))
    .unwrap();
    let rows = json["league"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["name"]);
    let reports = json["reports"].as_array().unwrap();
    let names: Vec<&serde_json::Value> = rows
        .chain(reports.iter().map(|r| &r["protocol"]["name"]))
        .collect();
    for p in PAYLOADS {
        assert_eq!(
            names.iter().filter(|n| n.as_str() == Some(p)).count(),
            2,
            "{p:?} altered in a JSON row or report"
        );
    }

    // The terminal table shows the text as it is; it must not turn into anything else.
    let table = String::from_utf8(posture_in(dir.path(), &["score", "evil-1.toml"])).unwrap();
    assert!(table.contains("[x](javascript:alert(1))"));
}

#[test]
fn csv_and_html_say_what_they_do_not_render() {
    let out = common::posture()
        .args(["backtest", "protocols/", "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Refused by the command line itself, which lists the formats backtest does write.
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("invalid value 'csv' for '--format <FORMAT>'")
    );
}

/// The league's title counts protocols and snapshots apart: two dated manifests of one
/// protocol are one protocol.
#[test]
fn the_league_title_counts_protocols_and_snapshots() {
    let two_of_one = score(
        &["protocols/lido.toml", "protocols/lido@2024-01-01.toml"],
        "html",
    );
    let html = String::from_utf8(two_of_one).unwrap();
    assert!(
        html.contains("<h1>1 protocol, 2 snapshots</h1>"),
        "{}",
        &html[..2000]
    );
    let three = String::from_utf8(score(LEAGUE, "html")).unwrap();
    assert!(three.contains("<h1>3 protocols</h1>"));
}

/// The position of each heading in a Markdown report, failing when one is missing.
fn heading_positions(md: &str, headings: &[&str]) -> Vec<usize> {
    headings
        .iter()
        .map(|h| {
            md.find(&format!("\n{h}\n"))
                .unwrap_or_else(|| panic!("no heading {h:?} in:\n{md}"))
        })
        .collect()
}

#[test]
fn markdown_report_answers_first() {
    let md = String::from_utf8(score(
        &["protocols/balancer-v2@2025-11-07.toml"],
        "markdown",
    ))
    .expect("UTF-8");
    let grade = md.find("**Grade F**").expect("grade line");
    let cap = md
        .find("**Capped at F by gate `unresolved-critical`**")
        .expect("cap line");
    // The fact behind the cap, with its source, right under the cap.
    let fact = md
        .find("- incidents\\[1\\] 2025-11-03")
        .expect("the exploit is named");
    let order = heading_positions(
        &md,
        &[
            "## What to fix first",
            "## Categories",
            "## Gates",
            "## Controls",
            "## Evidence",
        ],
    );
    assert!(grade < cap && cap < fact && fact < order[0], "{md}");
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "order {order:?}:\n{md}"
    );
    assert!(md[cap..order[0]].contains("<https://blog.trailofbits.com/"));
}

#[test]
fn markdown_notes_have_no_literal_backticks() {
    // Notes quote manifest names between backticks: they become code spans, not `\``.
    let md = String::from_utf8(score(&["protocols/balancer-v2.toml"], "markdown")).expect("UTF-8");
    assert!(!md.contains("\\`"), "{md}");
}

#[test]
fn table_and_html_caps_name_their_facts() {
    let table = String::from_utf8(score(&["protocols/balancer-v2@2025-11-07.toml"], "table"))
        .expect("UTF-8");
    let mut lines = table.lines();
    let banner = lines
        .find(|l| l.starts_with("Capped at F by gate `unresolved-critical`"))
        .expect("cap line");
    assert!(banner.ends_with("the score alone earns D"), "{banner}");
    let line = lines.next().expect("the line of facts under the banner");
    assert!(
        line.starts_with("  The fact that sets it: incidents[1] 2025-11-03")
            && line.contains("(https://blog.trailofbits.com/"),
        "{line}"
    );
    let html = String::from_utf8(score(&["protocols/balancer-v2@2025-11-07.toml"], "html"))
        .expect("UTF-8");
    let callout = html.find("<div class=\"callout bad\">").expect("callout");
    let end = callout + html[callout..].find("</div>").expect("callout ends");
    assert!(
        html[callout..end].contains("<li>incidents[1] 2025-11-03"),
        "{}",
        &html[callout..end]
    );
}

/// The best-practice fixture without its monitoring, pause and formal-verification facts: a
/// provisional grade (unknown controls hold more than a fifth of the weight).
fn thin_manifest() -> tempfile::TempDir {
    let text = std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures/best-practice.toml"))
        .expect("fixture");
    let mut doc: toml_edit::DocumentMut = text.parse().expect("fixture parses");
    for table in ["monitoring", "pause", "formal_verification"] {
        doc.remove(table).expect("the fixture states it");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("thin.toml"), doc.to_string()).unwrap();
    dir
}

#[test]
fn a_provisional_report_says_what_to_research_first_in_every_format() {
    let dir = thin_manifest();
    let run = |format: &str| {
        String::from_utf8(posture_in(
            dir.path(),
            &["score", "thin.toml", "--format", format],
        ))
        .expect("UTF-8")
    };
    let json: serde_json::Value = serde_json::from_str(&run("json")).expect("JSON");
    assert_eq!(json["provisional"], true);
    let voi = json["value_of_information"].as_array().expect("listed");
    let unknown: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "unknown")
        .map(|f| f["control"].as_str().unwrap())
        .collect();
    assert_eq!(voi.len(), unknown.len(), "{voi:?}");
    let points: Vec<f64> = voi.iter().map(|v| v["points"].as_f64().unwrap()).collect();
    assert!(points.windows(2).all(|w| w[0] >= w[1]), "{points:?}");
    assert!(points[0] > 0.0);
    let top = &voi[0];
    // The top line reads the same in every format.
    let control = top["control"].as_str().unwrap();
    let line = format!(
        "state {control}: up to +{:.1} points, ",
        top["points"].as_f64().unwrap()
    );
    let md = run("markdown");
    let research = md
        .find("\n## What to research first\n")
        .expect("markdown section");
    assert!(md[research..].contains(&line), "{md}");
    assert!(md.find("\n## What to fix first\n").unwrap() < research);
    assert!(research < md.find("\n## Categories\n").unwrap());
    assert!(run("table").contains(&line));
    let html = run("html");
    let section = html
        .find("<section id=\"research\">")
        .expect("html section");
    assert!(html[section..].contains(&line.replace("->", "-&gt;")));
    // A grade that is not provisional has no such section.
    let full = String::from_utf8(score(&["protocols/balancer-v2.toml"], "markdown")).unwrap();
    assert!(!full.contains("What to research first"));
}

#[test]
fn a_single_report_forecasts_the_year_ahead_as_posture_forecast_does() {
    let file = "protocols/balancer-v2.toml";
    let json = |args: &[&str]| -> serde_json::Value {
        serde_json::from_slice(&posture(args)).expect("JSON")
    };
    let report = json(&["score", file, "--format", "json"]);
    let ahead = report["forecast"].as_array().expect("a forecast");
    assert!(!ahead.is_empty());
    let forecast = json(&[
        "forecast",
        file,
        "--until",
        "2026-11-02",
        "--format",
        "json",
    ]);
    let changes = forecast["changes"].as_array().unwrap();
    let dates = |xs: &[serde_json::Value]| -> Vec<String> {
        xs.iter()
            .map(|x| x["date"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(dates(ahead), dates(changes));
    // What it predicts for a date is what scoring as of that date gives.
    for a in ahead {
        let date = a["date"].as_str().unwrap();
        let then = json(&["score", file, "--as-of", date, "--format", "json"]);
        assert_eq!(then["score"], a["after"]["score"], "{date}");
        assert!(then["grade"].is_string());
        assert_eq!(then["grade"], a["after"]["grade"], "{date}");
    }
    let md = String::from_utf8(score(&[file], "markdown")).unwrap();
    let section = md.find("\n## Forecast\n").expect("markdown section");
    assert!(md[section..].contains(&format!("- {}: ", dates(ahead)[0])));
    assert!(section < md.find("\n## Categories\n").unwrap());
    let table = String::from_utf8(score(&[file], "table")).unwrap();
    assert!(table.contains(&format!("  {}: ", dates(ahead)[0])));
    let html = String::from_utf8(score(&[file], "html")).unwrap();
    assert!(html.contains("<section id=\"forecast\">"));
    // A league does not pay for it.
    let league = json(&["score", file, "protocols/aave-v3.toml", "--format", "json"]);
    assert!(!league.to_string().contains("\"forecast\""));
}

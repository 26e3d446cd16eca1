//! A real browser opens the HTML exports: a fixed tenth of the shipped protocols' reports, a
//! league, gaps, a diff, a backtest and a report of hostile manifest text, in headless Chromium.
//! Each page must render (a screenshot that is not blank, a DOM with its content), log nothing to the console
//! and make no network request. A canary page that does load something proves the network
//! check can fail. Reports and the league are laid out in a 1280-pixel frame: no sideways
//! overflow, the grade in the first screen, the answer (plan) before the detail.
//!
//! Chromium is Debian's `chromium` (`.ci/browser.sh` installs it; `POSTURE_CHROMIUM` names
//! another binary). Without it the test is skipped with a message, except in CI (`CI` or
//! `POSTURE_REQUIRE_BROWSER` set), where a missing browser fails it.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod common;

use common::ROOT;
/// A page that has not rendered after this long has hung.
const TIMEOUT: Duration = Duration::from_secs(90);

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("POSTURE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::iter::once(PathBuf::from("/usr/bin"))
        .chain(std::env::split_paths(&path))
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}

fn set(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// One page to open: a name for messages and files, and its HTML.
struct Page {
    name: String,
    html: PathBuf,
    /// Report-like pages carry a category chart.
    chart: bool,
}

/// What the browser made of a page.
struct Visit {
    name: String,
    png: u64,
    png_header: Vec<u8>,
    dom: String,
    /// Console messages and failed loads.
    errors: Vec<String>,
    /// URLs the page asked the network for.
    requests: Vec<String>,
}

fn posture(args: &[&str]) -> Vec<u8> {
    common::stdout_in(Path::new(ROOT), args)
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// Opens one page headless, with a fresh profile; screenshot, DOM, console and network log.
fn visit(browser: &Path, page: &Page, work: &Path) -> Result<Visit, String> {
    let dir = work.join(format!("visit-{}", page.name));
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join("page.png");
    let netlog = dir.join("netlog.json");
    let stdout = std::fs::File::create(dir.join("dom.html")).unwrap();
    let stderr = std::fs::File::create(dir.join("stderr.txt")).unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,1600",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(file_url(&page.html))
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("{}: cannot start {}: {e}", page.name, browser.display()))?;
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{}: no result after {TIMEOUT:?}", page.name));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = std::fs::read_to_string(dir.join("stderr.txt")).unwrap_or_default();
    if !status.success() {
        return Err(format!("{}: chromium exited {status}:\n{log}", page.name));
    }
    let bytes = std::fs::read(&png).unwrap_or_default();
    Ok(Visit {
        name: page.name.clone(),
        png: bytes.len() as u64,
        png_header: bytes.iter().take(8).copied().collect(),
        dom: std::fs::read_to_string(dir.join("dom.html")).unwrap_or_default(),
        errors: page_errors(&log),
        requests: page_requests(&std::fs::read_to_string(&netlog).unwrap_or_default()),
    })
}

/// Lines of Chromium's log that come from the page: console messages (a Content-Security-Policy
/// violation, a script error) and failed loads. Chromium's own noise on a machine without a
/// session bus or network (D-Bus, GPU, updater) is neither.
fn page_errors(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Failed to load resource"))
        .map(str::to_string)
        .collect()
}

/// URLs requested on behalf of a `file://` page, from Chromium's NetLog (one event a line).
/// Requests of the browser itself (component updates, account checks) have another network
/// isolation key and are not the page's.
fn page_requests(netlog: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for line in netlog.lines() {
        let line = line.trim().trim_end_matches(',');
        if !line.contains("\"url\"") {
            continue;
        }
        let Ok(event) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let params = &event["params"];
        let (Some(url), Some(key)) = (
            params["url"].as_str(),
            params["network_isolation_key"].as_str(),
        ) else {
            continue;
        };
        let from_page = key.contains("file://")
            || params["site_for_cookies"]
                .as_str()
                .is_some_and(|s| s.contains("file://"));
        if from_page && !url.starts_with("file:") && !urls.iter().any(|u| u == url) {
            urls.push(url.to_string());
        }
    }
    urls
}

/// A manifest whose free text tries scripts, links and formulas.
const HOSTILE: &str = r#"format = 1
[protocol]
id = "evil"
name = "<script>alert(1)</script><img src=\"http://127.0.0.1:9/x.png\"> [x](javascript:alert(1))"
kind = "dex"
as_of = 2026-01-01
source = "javascript:alert(1)"

[[components]]
name = "core"
version = "1.0.0"
core = true

[[audits]]
firm = "=HYPERLINK(\"http://evil\")"
date = 2025-06-01
kind = "code"
scope = ["core"]
covers = "^1"
source = "https://127.0.0.1:9/\"><script>alert(1)</script><link rel=stylesheet href=\"http://127.0.0.1:9/a.css\">"

[[incidents]]
date = 2025-01-01
loss_usd = 10
cause = "<style>@import url(http://127.0.0.1:9/b.css);</style><iframe src=\"http://127.0.0.1:9/\"></iframe>"
resolved = true
postmortem = "javascript:alert(1)"
"#;

fn pages(work: &Path) -> Vec<Page> {
    let mut pages = Vec::new();
    let mut add = |name: &str, html: Vec<u8>, chart: bool| {
        let path = work.join(format!("{name}.html"));
        std::fs::write(&path, html).unwrap();
        pages.push(Page {
            name: name.to_string(),
            html: path,
            chart,
        });
    };
    let mut protocols: Vec<PathBuf> = std::fs::read_dir(format!("{ROOT}/protocols"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    protocols.sort();
    assert!(!protocols.is_empty());
    // Every report is the same template over different data: a fixed tenth of them (and the
    // exploited Balancer V2, whose report has every kind of cap and finding) keeps CI short.
    let sample = protocols
        .iter()
        .enumerate()
        .filter(|(i, p)| i % 10 == 0 || p.ends_with("balancer-v2.toml"))
        .map(|(_, p)| p);
    for p in sample {
        let file = format!("protocols/{}", p.file_name().unwrap().to_string_lossy());
        let stem = p.file_stem().unwrap().to_string_lossy().replace('@', "-");
        add(&stem, posture(&["score", &file, "--format", "html"]), true);
    }
    add(
        "league",
        posture(&["score", "protocols/", "--format", "html"]),
        true,
    );
    add(
        "gaps",
        posture(&[
            "gaps",
            "protocols/balancer-v2.toml",
            "--target",
            "C",
            "--format",
            "html",
        ]),
        false,
    );
    add(
        "diff",
        posture(&[
            "diff",
            "protocols/balancer-v2.toml",
            "protocols/balancer-v2@2025-11-07.toml",
            "--format",
            "html",
        ]),
        false,
    );
    add(
        "backtest",
        posture(&["backtest", "protocols/", "--format", "html"]),
        false,
    );
    let hostile = work.join("evil.toml");
    std::fs::write(&hostile, HOSTILE).unwrap();
    let hostile = hostile.display().to_string();
    add(
        "hostile",
        posture(&["score", &hostile, "--format", "html"]),
        true,
    );
    pages
}

/// Says a test was skipped on the real standard error: the test harness captures `eprintln!`,
/// and a silent skip would look like coverage in a local run.
fn skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{why}");
}

#[test]
fn chromium_renders_every_html_export_offline_and_silently() {
    let Some(browser) = chromium() else {
        if set("CI") || set("POSTURE_REQUIRE_BROWSER") {
            panic!(
                "chromium is required in CI but was not found (install it with .ci/browser.sh, or set POSTURE_CHROMIUM)"
            );
        }
        skipped(
            "SKIPPED chromium_renders_every_html_export_offline_and_silently: no chromium found \
             (apt-get install chromium, or set POSTURE_CHROMIUM); CI=true makes this a failure",
        );
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let work = work.path();

    // Controls: a blank page sets the size of an empty screenshot, and a canary page that
    // loads an image proves the network check sees the page's requests.
    let blank = work.join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><title>blank</title>").unwrap();
    let canary = work.join("canary.html");
    std::fs::write(
        &canary,
        "<!DOCTYPE html><title>canary</title><img src=\"http://127.0.0.1:9/canary.png\">",
    )
    .unwrap();
    let mut queue: VecDeque<Page> = pages(work).into();
    let count = queue.len();
    for (name, html) in [("blank", blank), ("canary", canary)] {
        queue.push_front(Page {
            name: name.into(),
            html,
            chart: false,
        });
    }

    let started = Instant::now();
    let queue = Mutex::new(queue);
    let visits = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let Some(page) = queue.lock().unwrap().pop_front() else {
                        break;
                    };
                    let result = visit(&browser, &page, work).map(|v| (page.chart, v));
                    visits.lock().unwrap().push(result);
                }
            });
        }
    });
    let visits = visits.into_inner().unwrap();
    let mut failures: Vec<String> = Vec::new();
    let mut ok = Vec::new();
    for v in visits {
        match v {
            Ok(v) => ok.push(v),
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    let find = |name: &str| ok.iter().find(|(_, v)| v.name == name).unwrap();
    let (_, canary) = find("canary");
    assert!(
        canary
            .requests
            .iter()
            .any(|u| u.starts_with("http://127.0.0.1:9/")),
        "the network check missed the canary's request: {:?}",
        canary.requests
    );
    let blank_png = find("blank").1.png;
    assert!(blank_png > 0, "no screenshot of the blank page");

    for (chart, v) in &ok {
        if v.name == "blank" || v.name == "canary" {
            continue;
        }
        let mut problems = Vec::new();
        if v.png_header != b"\x89PNG\r\n\x1a\n" {
            problems.push("no PNG screenshot".to_string());
        } else if v.png <= blank_png * 3 {
            problems.push(format!(
                "screenshot of {} bytes looks blank (empty page: {blank_png})",
                v.png
            ));
        }
        let dom = v.dom.to_ascii_lowercase();
        if !dom.contains("<h1") || !dom.contains("</main>") {
            problems.push("the DOM lacks the page's content".into());
        }
        if *chart && !dom.contains("<svg") {
            problems.push("no category chart in the DOM".into());
        }
        for tag in ["<script", "<img", "<iframe", "<link", "<object"] {
            if dom.contains(tag) {
                problems.push(format!("a {tag}> element in the DOM"));
            }
        }
        if !v.errors.is_empty() {
            problems.push(format!(
                "console or load errors:\n  {}",
                v.errors.join("\n  ")
            ));
        }
        if !v.requests.is_empty() {
            problems.push(format!("network requests: {:?}", v.requests));
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}", v.name, problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(ok.len(), count + 2);
    eprintln!(
        "chromium rendered {count} pages in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn chromium_prints_a_report_to_pdf() {
    let Some(browser) = chromium() else {
        if set("CI") || set("POSTURE_REQUIRE_BROWSER") {
            panic!("chromium is required in CI but was not found");
        }
        skipped("SKIPPED chromium_prints_a_report_to_pdf: no chromium found");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let html = work.path().join("report.html");
    std::fs::write(
        &html,
        posture(&["score", "protocols/balancer-v2.toml", "--format", "html"]),
    )
    .unwrap();
    let pdf = work.path().join("report.pdf");
    let mut child = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(file_url(&html))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("no PDF after {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let bytes = std::fs::read(&pdf).unwrap_or_default();
    assert!(bytes.starts_with(b"%PDF-"), "no PDF written");
    assert!(bytes.len() > 10_000, "a PDF of {} bytes", bytes.len());
}

/// What the layout harness measured of a page in a 1280 x 800 frame.
fn measure(browser: &Path, html: &Path, work: &Path, name: &str) -> serde_json::Value {
    let harness = work.join(format!("harness-{name}.html"));
    // The page's own policy forbids scripts; the harness beside it is a page of the test's,
    // which reads the framed page's layout (file pages may read each other with
    // --allow-file-access-from-files) and writes what it found into its own DOM.
    std::fs::write(
        &harness,
        format!(
            r#"<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="{}" style="width:1280px;height:800px;border:0"></iframe>
<pre id="result"></pre>
<script>
window.addEventListener('load', () => {{
  const d = document.getElementById('f').contentDocument;
  const grade = d.querySelector('.headline .grade') || d.querySelector('h1');
  const r = grade.getBoundingClientRect();
  document.getElementById('result').textContent = JSON.stringify({{
    scroll_width: d.documentElement.scrollWidth,
    client_width: d.documentElement.clientWidth,
    grade_bottom: r.bottom,
    sections: Array.from(d.querySelectorAll('section[id]')).map(s => s.id),
  }});
}});
</script></body></html>"#,
            file_url(html)
        ),
    )
    .unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--allow-file-access-from-files",
            "--window-size=1300,900",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.join(format!("profile-{name}")).display()
        ))
        .arg(file_url(&harness))
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let json = dom
        .split_once("<pre id=\"result\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(json, _)| json.replace("&quot;", "\""))
        .unwrap_or_else(|| panic!("{name}: the harness wrote nothing: {dom}"));
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}: {json}"))
}

/// Reports answer first and fit the screen: at 1280 pixels nothing overflows sideways, the
/// grade is in the first screen, and the plan comes before the categories and the controls.
#[test]
fn chromium_lays_out_reports_answer_first_without_overflow() {
    let Some(browser) = chromium() else {
        if set("CI") || set("POSTURE_REQUIRE_BROWSER") {
            panic!("chromium is required in CI but was not found");
        }
        skipped(
            "SKIPPED chromium_lays_out_reports_answer_first_without_overflow: no chromium found",
        );
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let pages = [
        (
            "balancer-v2",
            vec!["score", "protocols/balancer-v2.toml", "--format", "html"],
        ),
        (
            "lido",
            vec!["score", "protocols/lido.toml", "--format", "html"],
        ),
        ("league", vec!["score", "protocols/", "--format", "html"]),
    ];
    for (name, args) in pages {
        let html = work.path().join(format!("{name}.html"));
        std::fs::write(&html, posture(&args)).unwrap();
        let m = measure(&browser, &html, work.path(), name);
        let (scroll, client) = (
            m["scroll_width"].as_f64().unwrap(),
            m["client_width"].as_f64().unwrap(),
        );
        assert!(
            scroll <= client,
            "{name}: {scroll} px of content in a {client} px frame"
        );
        assert!(
            m["grade_bottom"].as_f64().unwrap() < 800.0,
            "{name}: the headline is below the first screen: {m}"
        );
        let sections: Vec<&str> = m["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let at = |id: &str| {
            sections
                .iter()
                .position(|s| *s == id)
                .unwrap_or_else(|| panic!("{name}: no #{id} in {sections:?}"))
        };
        if name == "league" {
            assert!(
                at("overview") < at("league") && at("league") < at("portfolio"),
                "{name}: {sections:?}"
            );
        } else {
            assert!(at("gaps") < at("categories"), "{name}: {sections:?}");
            assert!(at("categories") < at("controls"), "{name}: {sections:?}");
        }
    }
}

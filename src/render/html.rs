//! HTML: one self-contained file for due-diligence records, readable on screen and printable
//! to PDF. No scripts, no external styles, fonts or images: a Content-Security-Policy forbids
//! every load, and the category charts are inline SVG. Manifest text is untrusted: every piece
//! of text is HTML-escaped, and only http(s) sources become links.

use std::io::{self, Write};
use std::sync::LazyLock;

use minijinja::{AutoEscape, Environment, Value};
use serde::Serialize;

use super::view::{
    CaseView, ChangeView, GapRowView, GradeView, LeagueView, Part, Prepared, ReportView, StampView,
    tvl, usd,
};
use super::view::{ForecastView, OutlookView};
use super::{
    COMPARISON_HEADER, CONTROL_SIGNAL_HEADER, Renderer, auc_text, backtest_summary, caps_text,
    comparison_cells, comparison_summary, control_signal_cells, effort_name, percent, signed,
};
use crate::core::analysis::backtest::{Backtest, Comparison};
use crate::core::analysis::diff::{CapChange, Diff};
use crate::core::analysis::forecast::{Forecast, Outlook};
use crate::core::analysis::gaps::GapReport;
use crate::core::report::{Report, Standing};

/// HTML pages from the templates in `templates/html/`, text escaped by default.
pub struct Html;

/// Forbids every load: no scripts, fonts, images or frames; only the inline stylesheet.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// The stylesheet every page carries inline.
const STYLE: &str = include_str!("../../templates/html/style.css");

/// The templates, embedded so that the binary stays self-contained.
const TEMPLATES: [(&str, &str); 10] = [
    ("page.html", include_str!("../../templates/html/page.html")),
    (
        "macros.html",
        include_str!("../../templates/html/macros.html"),
    ),
    (
        "report.html",
        include_str!("../../templates/html/report.html"),
    ),
    (
        "league.html",
        include_str!("../../templates/html/league.html"),
    ),
    ("gaps.html", include_str!("../../templates/html/gaps.html")),
    ("diff.html", include_str!("../../templates/html/diff.html")),
    (
        "backtest.html",
        include_str!("../../templates/html/backtest.html"),
    ),
    (
        "comparison.html",
        include_str!("../../templates/html/comparison.html"),
    ),
    (
        "forecast.html",
        include_str!("../../templates/html/forecast.html"),
    ),
    (
        "outlook.html",
        include_str!("../../templates/html/outlook.html"),
    ),
];

/// Escapes text for HTML content and attribute values alike: `& < > " '` become entities;
/// control characters other than newline and tab are dropped. Every value a template prints
/// goes through it unless it is markup the templates made themselves (a macro's output).
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
            // Controls and bidi overrides from a file would reorder what a link or a name reads.
            c if c.is_control() || super::is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// The template environment: auto-escape on for `.html` templates, through [`escape`];
/// block tags leave no blank lines, so a template reads line for line as the page it makes.
static TEMPLATES_ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    // The default delimiters with these three switches always build.
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_formatter(|out, state, value| {
        if matches!(state.auto_escape(), AutoEscape::Html) && !value.is_safe() {
            if value.is_none() || value.is_undefined() {
                return Ok(());
            }
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            return out
                .write_str(&escape(&text))
                .map_err(minijinja::Error::from);
        }
        minijinja::escape_formatter(out, state, value)
    });
    for (name, source) in TEMPLATES {
        // The templates are part of the binary and tested: one that does not parse fails
        // every HTML test, and here it is left out so that rendering names it.
        let _ = env.add_template(name, source);
    }
    env
});

/// A template error as the I/O error of the write it stopped.
fn template_error(e: minijinja::Error) -> io::Error {
    io::Error::other(e)
}

/// Renders a page template with its context, the shell's stylesheet and policy added.
fn page<C: Serialize>(
    template: &str,
    title: &str,
    context: &C,
    out: &mut dyn Write,
) -> io::Result<()> {
    let env = &*TEMPLATES_ENV;
    let t = env.get_template(template).map_err(template_error)?;
    let ctx = minijinja::context! {
        title => title,
        csp => Value::from_safe_string(CSP.to_string()),
        style => Value::from_safe_string(STYLE.to_string()),
        ..Value::from(minijinja::value::Serde(context))
    };
    let text = t.render(ctx).map_err(template_error)?;
    out.write_all(text.as_bytes())
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

/// A tick of a chart's axis: where it is and what it reads.
#[derive(Serialize)]
struct Tick {
    x: String,
    y: String,
    label: String,
    /// The tick at chance (0.5) is drawn darker.
    chance: bool,
}

/// One bar of the category chart.
#[derive(Serialize)]
struct CategoryBar {
    title: String,
    /// The title cut to 34 characters.
    short: String,
    value: String,
    weight: String,
    text_y: String,
    bar_y: String,
    /// The filled width, when the category has a score.
    fill: Option<String>,
    colour: &'static str,
}

/// The horizontal bar chart of category scores (0 to 100): numbers only, drawn by the
/// template.
#[derive(Serialize)]
struct CategoryChart {
    label: String,
    width: String,
    height: String,
    top: String,
    bottom: String,
    tick_y: String,
    label_x: String,
    bar_x: String,
    bar_w: String,
    bar_h: String,
    value_x: String,
    ticks: Vec<Tick>,
    bars: Vec<CategoryBar>,
}

impl CategoryChart {
    fn of(r: &ReportView) -> Self {
        const WIDTH: f64 = 720.0;
        const BAR_X: f64 = 262.0;
        const BAR_W: f64 = 400.0;
        const ROW: f64 = 28.0;
        const TOP: f64 = 8.0;
        let n = r.categories.len() as f64;
        let bottom = TOP + ROW * n;
        let ticks = [0.0, 25.0, 50.0, 75.0, 100.0]
            .iter()
            .map(|t| Tick {
                x: format!("{}", BAR_X + BAR_W * t / 100.0),
                y: String::new(),
                label: format!("{t}"),
                chance: false,
            })
            .collect();
        let bars = r
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let y = TOP + ROW * i as f64;
                let v = c.raw.map(|s| s.rounded().clamp(0.0, 100.0));
                CategoryBar {
                    title: c.title.clone(),
                    short: if c.title.chars().count() > 34 {
                        c.title.chars().take(33).chain(['…']).collect()
                    } else {
                        c.title.clone()
                    },
                    value: c.score.clone(),
                    weight: c.weight.clone(),
                    text_y: format!("{}", y + ROW / 2.0 + 4.5),
                    bar_y: format!("{}", y + 6.0),
                    fill: v.map(|v| format!("{:.1}", BAR_W * v / 100.0)),
                    colour: v.map_or("", bar_colour),
                }
            })
            .collect();
        Self {
            label: format!("Category scores of {}", r.name),
            width: format!("{WIDTH}"),
            height: format!("{}", TOP + ROW * n + 24.0),
            top: format!("{TOP}"),
            bottom: format!("{bottom}"),
            tick_y: format!("{}", bottom + 16.0),
            label_x: format!("{}", BAR_X - 10.0),
            bar_x: format!("{BAR_X}"),
            bar_w: format!("{BAR_W}"),
            bar_h: format!("{}", ROW - 12.0),
            value_x: format!("{}", BAR_X + BAR_W + 8.0),
            ticks,
            bars,
        }
    }
}

/// One slice of a rosette: a category, its wedge drawn to its score.
#[derive(Serialize)]
struct Slice {
    title: String,
    score: String,
    /// The wedge at full score (the outline), then the filled wedge, as SVG paths.
    outline: String,
    fill: Option<String>,
    colour: &'static str,
}

/// A rosette: one wedge per category, its length the category's score (after L2BEAT's risk
/// rosette), so a reader sees at a glance which side of a protocol is weak.
#[derive(Serialize)]
struct Rosette {
    label: String,
    size: String,
    slices: Vec<Slice>,
}

/// An SVG path of the wedge from angle `a0` to `a1` (radians, clockwise from the top) and
/// radius `r`, centred at (`c`, `c`).
fn wedge(c: f64, r: f64, a0: f64, a1: f64) -> String {
    let point = |a: f64| (c + r * a.sin(), c - r * a.cos());
    let ((x0, y0), (x1, y1)) = (point(a0), point(a1));
    let large = u8::from(a1 - a0 > std::f64::consts::PI);
    format!("M{c:.1},{c:.1} L{x0:.1},{y0:.1} A{r:.1},{r:.1} 0 {large},1 {x1:.1},{y1:.1} Z")
}

impl Rosette {
    /// The rosette of a report, `size` pixels wide.
    fn of(r: &ReportView, size: f64) -> Self {
        let c = size / 2.0;
        let (inner, outer) = (size * 0.08, size * 0.48);
        let n = r.categories.len().max(1) as f64;
        let step = std::f64::consts::TAU / n;
        let slices = r
            .categories
            .iter()
            .enumerate()
            .map(|(i, cat)| {
                let (a0, a1) = (step * i as f64, step * (i as f64 + 1.0));
                let v = cat.raw.map(|s| s.rounded().clamp(0.0, 100.0));
                Slice {
                    title: cat.title.clone(),
                    score: cat.score.clone(),
                    outline: wedge(c, outer, a0, a1),
                    fill: v.map(|v| wedge(c, inner + (outer - inner) * v / 100.0, a0, a1)),
                    colour: v.map_or("", bar_colour),
                }
            })
            .collect();
        Self {
            label: format!("Category rosette of {}", r.name),
            size: format!("{size}"),
            slices,
        }
    }
}

/// A report's page: its view, its chart and its rosette.
#[derive(Serialize)]
struct ReportPage<'a> {
    r: &'a ReportView,
    chart: CategoryChart,
    rosette: Rosette,
}

/// A protocol of a league page: its view and a small rosette.
#[derive(Serialize)]
struct Protocol<'a> {
    r: &'a ReportView,
    rosette: Rosette,
}

/// One cell of the category heatmap.
#[derive(Serialize)]
struct HeatCell {
    score: String,
    colour: &'static str,
}

/// One bar of the grade distribution: a grade's count of protocols and share of TVL.
#[derive(Serialize)]
struct GradeBar {
    grade: GradeView,
    protocols: usize,
    share: String,
    y: String,
    text_y: String,
    count_w: String,
    share_w: String,
}

/// The league's overview chart: protocols per grade and TVL per grade, side by side.
#[derive(Serialize)]
struct Distribution {
    height: String,
    bars: Vec<GradeBar>,
}

impl Distribution {
    fn of(p: &crate::core::analysis::portfolio::Portfolio) -> Self {
        const ROW: f64 = 26.0;
        const BAR_W: f64 = 260.0;
        let most = p
            .by_grade
            .iter()
            .map(|g| g.protocols)
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let bars = p
            .by_grade
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let y = 22.0 + ROW * i as f64;
                GradeBar {
                    grade: GradeView::of(&g.grade),
                    protocols: g.protocols,
                    share: percent(g.tvl_share),
                    y: format!("{}", y + 5.0),
                    text_y: format!("{}", y + ROW / 2.0 + 4.0),
                    count_w: format!("{:.1}", BAR_W * g.protocols as f64 / most),
                    share_w: format!("{:.1}", BAR_W * g.tvl_share.clamp(0.0, 1.0)),
                }
            })
            .collect();
        Self {
            height: format!("{}", 30.0 + ROW * p.by_grade.len() as f64),
            bars,
        }
    }
}

/// One grade's share of a portfolio.
#[derive(Serialize)]
struct GradeShareView {
    grade: GradeView,
    protocols: usize,
    tvl: String,
    share: String,
}

/// A group of protocols that share code.
#[derive(Serialize)]
struct SharedCodeView {
    lineage: String,
    members: String,
    tvl: String,
}

/// The portfolio under a league.
#[derive(Serialize)]
struct PortfolioView {
    headline: Option<String>,
    show_tvl: bool,
    by_grade: Vec<GradeShareView>,
    shared_code: Vec<SharedCodeView>,
}

/// A league page.
#[derive(Serialize)]
struct LeaguePage<'a> {
    protocols: Vec<Protocol<'a>>,
    what_if: bool,
    portfolio: PortfolioView,
    /// "128 protocols, 201 snapshots" (a protocol can have several dated manifests).
    count: String,
    distribution: Distribution,
    /// The category titles, the heatmap's columns.
    categories: Vec<String>,
    /// One row per protocol in league order: its category scores.
    heatmap: Vec<Vec<HeatCell>>,
}

impl<'a> LeaguePage<'a> {
    fn of(view: &'a LeagueView) -> Self {
        let protocols: Vec<Protocol<'a>> = view
            .reports()
            .map(|r| Protocol {
                r,
                rosette: Rosette::of(r, 56.0),
            })
            .collect();
        let p = view.portfolio;
        let snapshots = view.entries.len();
        let count = match (p.protocols, snapshots) {
            (1, 1) => "1 protocol".to_string(),
            (n, s) if n == s => format!("{n} protocols"),
            (n, s) => format!(
                "{n} protocol{}, {s} snapshots",
                if n == 1 { "" } else { "s" }
            ),
        };
        let categories = protocols
            .first()
            .map(|p| p.r.categories.iter().map(|c| c.title.clone()).collect())
            .unwrap_or_default();
        let heatmap = protocols
            .iter()
            .map(|p| {
                p.r.categories
                    .iter()
                    .map(|c| HeatCell {
                        score: c.score.clone(),
                        colour: c.raw.map_or("", |s| bar_colour(s.rounded())),
                    })
                    .collect()
            })
            .collect();
        Self {
            what_if: protocols.iter().any(|p| p.r.what_if.is_some()),
            count,
            distribution: Distribution::of(p),
            categories,
            heatmap,
            protocols,
            portfolio: PortfolioView {
                // The headline sentence; TVL by grade and shared code follow as tables.
                headline: view.portfolio_lines.first().cloned(),
                show_tvl: p.tvl_usd > 0.0,
                by_grade: p
                    .by_grade
                    .iter()
                    .map(|g| GradeShareView {
                        grade: GradeView::of(&g.grade),
                        protocols: g.protocols,
                        tvl: usd(g.tvl_usd),
                        share: percent(g.tvl_share),
                    })
                    .collect(),
                shared_code: p
                    .shared_code
                    .iter()
                    .map(|g| SharedCodeView {
                        lineage: g.lineage.clone(),
                        members: g.members.join(", "),
                        tvl: tvl(Some(g.tvl_usd)),
                    })
                    .collect(),
            },
        }
    }
}

/// A grade, score and caps, as the gap and change pages show them.
#[derive(Serialize)]
struct StandingView {
    grade: GradeView,
    score: String,
    caps: String,
}

impl StandingView {
    fn of(s: &Standing) -> Self {
        Self {
            grade: GradeView::of(&s.grade),
            score: s.score.to_string(),
            caps: caps_text(s.capped_by.as_ref()),
        }
    }
}

/// One step of a plan.
#[derive(Serialize)]
struct StepView {
    id: String,
    effort: &'static str,
    /// The step as `--set` flags.
    set: String,
}

/// The plan to a target grade.
#[derive(Serialize)]
struct PlanView {
    reached: bool,
    target: String,
    after: StandingView,
    blocked_by: String,
    steps: Vec<StepView>,
}

/// A gap page.
#[derive(Serialize)]
struct GapsPage {
    name: String,
    id: String,
    stamp: StampView,
    now: StandingView,
    items: Vec<GapRowView>,
    plan: Option<PlanView>,
    /// "C with 1 waiver, D without", when waivers name the protocol.
    waiver_line: Option<String>,
}

impl GapsPage {
    fn of(g: &GapReport) -> Self {
        Self {
            name: g.protocol.name.clone(),
            id: g.protocol.id.clone(),
            stamp: StampView::of(&g.stamp),
            now: StandingView::of(&g.now),
            items: g.items.iter().map(GapRowView::of).collect(),
            waiver_line: super::view::gaps_waiver_line(g),
            plan: g.plan.as_ref().map(|p| PlanView {
                reached: p.reached,
                target: p.target.label.clone(),
                after: StandingView::of(&p.after),
                blocked_by: p.blocked_by.clone().unwrap_or_default(),
                steps: p
                    .steps
                    .iter()
                    .map(|s| StepView {
                        id: s.id.clone(),
                        effort: effort_name(s.effort),
                        set: s.flags(),
                    })
                    .collect(),
            }),
        }
    }
}

/// The improved or the regressed controls.
#[derive(Serialize)]
struct ChangeList {
    title: &'static str,
    rows: Vec<ChangeView>,
}

/// A gate that started or stopped capping.
#[derive(Serialize)]
struct CapView {
    change: &'static str,
    gate: String,
    cap: String,
    title: String,
    /// The facts that made the gate fail (`failing: ...`, `was failing: ...`).
    because: Option<String>,
}

impl CapView {
    fn of(change: &'static str, c: &CapChange) -> Self {
        Self {
            change,
            gate: c.gate.clone(),
            cap: c.cap.label.clone(),
            title: c.title.clone(),
            because: super::view::cap_because(c, change == "lifted"),
        }
    }
}

/// A change page.
#[derive(Serialize)]
struct DiffPage {
    name: String,
    id: String,
    old_stamp: StampView,
    new_stamp: StampView,
    old: StandingView,
    new: StandingView,
    score_change: String,
    regression: bool,
    changes: [ChangeList; 2],
    caps: Vec<CapView>,
    /// The waivers whose status changed, in words.
    waivers: Vec<String>,
}

impl DiffPage {
    fn of(d: &Diff) -> Self {
        Self {
            name: d.protocol.name.clone(),
            id: d.protocol.id.clone(),
            old_stamp: StampView::of(&d.old_stamp),
            new_stamp: StampView::of(&d.new_stamp),
            old: StandingView::of(&d.old),
            new: StandingView::of(&d.new),
            score_change: signed(d.score_change),
            regression: d.regression,
            changes: [
                ChangeList {
                    title: "Improved",
                    rows: d.improved.iter().map(ChangeView::of).collect(),
                },
                ChangeList {
                    title: "Regressed",
                    rows: d.regressed.iter().map(ChangeView::of).collect(),
                },
            ],
            caps: d
                .caps_added
                .iter()
                .map(|c| CapView::of("added", c))
                .chain(d.caps_lifted.iter().map(|c| CapView::of("lifted", c)))
                .collect(),
            waivers: d
                .waivers
                .iter()
                .map(super::view::waiver_turn_text)
                .collect(),
        }
    }
}

/// One cell of a table whose columns the renderer numbers: its text and whether it is a number.
#[derive(Serialize)]
struct Cell {
    text: String,
    num: bool,
}

/// A table of text cells with a header.
#[derive(Serialize)]
struct TableView {
    header: Vec<Cell>,
    rows: Vec<Vec<Cell>>,
}

impl TableView {
    fn of<const N: usize>(
        header: &[&str; N],
        rows: impl Iterator<Item = [String; N]>,
        num: impl Fn(usize) -> bool,
    ) -> Self {
        Self {
            header: header
                .iter()
                .enumerate()
                .map(|(i, h)| Cell {
                    text: (*h).to_string(),
                    num: num(i),
                })
                .collect(),
            rows: rows
                .map(|row| {
                    row.into_iter()
                        .enumerate()
                        .map(|(i, text)| Cell { text, num: num(i) })
                        .collect()
                })
                .collect(),
        }
    }
}

/// A segment of the ROC curve.
#[derive(Serialize)]
struct Segment {
    x1: String,
    y1: String,
    x2: String,
    y2: String,
}

/// The ROC curve of the matched rows: each case against every control row of its own matched
/// set, thresholds on the score ("at or below the threshold: flagged").
#[derive(Serialize)]
struct RocChart {
    label: String,
    width: String,
    height: String,
    size: String,
    left: String,
    right: String,
    top: String,
    bottom: String,
    middle: String,
    x_label_y: String,
    y_label_x: String,
    axis_y: String,
    ticks: Vec<Tick>,
    segments: Vec<Segment>,
    auc: String,
}

impl RocChart {
    fn of(b: &Backtest) -> Option<Self> {
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
            return None;
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
        Some(Self {
            label: format!(
                "ROC curve of {positives} matched cases against their {negatives} control rows"
            ),
            width: format!("{}", SIZE + PAD * 1.5),
            height: format!("{}", SIZE + PAD * 1.8),
            size: format!("{SIZE}"),
            left: format!("{}", x(0.0)),
            right: format!("{}", x(1.0)),
            top: format!("{}", y(1.0)),
            bottom: format!("{}", y(0.0)),
            middle: format!("{}", x(0.5)),
            x_label_y: format!("{}", y(0.0) + 16.0),
            y_label_x: format!("{}", x(0.0) - 6.0),
            axis_y: format!("{}", y(0.0) + 34.0),
            ticks: [0.0, 0.5, 1.0]
                .iter()
                .map(|&t| Tick {
                    x: format!("{}", x(t)),
                    y: format!("{}", y(t) + 4.0),
                    label: format!("{t}"),
                    chance: false,
                })
                .collect(),
            segments: curve
                .windows(2)
                .map(|pair| Segment {
                    x1: format!("{:.1}", x(pair[0].0)),
                    y1: format!("{:.1}", y(pair[0].1)),
                    x2: format!("{:.1}", x(pair[1].0)),
                    y2: format!("{:.1}", y(pair[1].1)),
                })
                .collect(),
            auc: auc_text(b.auc),
        })
    }
}

/// One control's bar of the signal chart.
#[derive(Serialize)]
struct SignalBar {
    control: String,
    auc: String,
    pairs: usize,
    text_y: String,
    bar_y: String,
    x: String,
    width: String,
    wrong_way: bool,
}

/// Each control's AUC where known as a bar from chance (0.5): right is the right way.
#[derive(Serialize)]
struct SignalChart {
    label: &'static str,
    width: String,
    height: String,
    top: String,
    bottom: String,
    tick_y: String,
    label_x: String,
    value_x: String,
    bar_h: String,
    ticks: Vec<Tick>,
    bars: Vec<SignalBar>,
}

impl SignalChart {
    fn of(b: &Backtest) -> Self {
        const WIDTH: f64 = 720.0;
        const BAR_X: f64 = 200.0;
        const BAR_W: f64 = 440.0;
        const ROW: f64 = 24.0;
        const TOP: f64 = 8.0;
        let rows: Vec<_> = b.controls.iter().filter(|c| c.auc.is_some()).collect();
        let bottom = TOP + ROW * rows.len() as f64;
        let at = |a: f64| BAR_X + BAR_W * a.clamp(0.0, 1.0);
        Self {
            label: "AUC of each control where it is known on both sides",
            width: format!("{WIDTH}"),
            height: format!("{}", bottom + 24.0),
            top: format!("{TOP}"),
            bottom: format!("{bottom}"),
            tick_y: format!("{}", bottom + 16.0),
            label_x: format!("{}", BAR_X - 10.0),
            value_x: format!("{}", at(1.0) + 8.0),
            bar_h: format!("{}", ROW - 10.0),
            ticks: [0.0, 0.25, 0.5, 0.75, 1.0]
                .iter()
                .map(|&t| Tick {
                    x: format!("{}", at(t)),
                    y: String::new(),
                    label: format!("{t}"),
                    chance: t == 0.5,
                })
                .collect(),
            bars: rows
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let a = c.auc.unwrap_or(0.5);
                    let y = TOP + ROW * i as f64;
                    let (from, to) = if a < 0.5 { (a, 0.5) } else { (0.5, a) };
                    SignalBar {
                        control: c.control.0.clone(),
                        auc: format!("{a:.2}"),
                        pairs: c.pairs,
                        text_y: format!("{}", y + ROW / 2.0 + 4.0),
                        bar_y: format!("{}", y + 5.0),
                        x: format!("{:.1}", at(from)),
                        width: format!("{:.1}", at(to) - at(from)),
                        wrong_way: c.wrong_way,
                    }
                })
                .collect(),
        }
    }
}

/// A protocol with no recorded loss, in the pooled comparison.
#[derive(Serialize)]
struct CleanView {
    protocol: String,
    as_of: String,
    grade: GradeView,
    score: String,
    capped_by: Option<String>,
}

/// A backtest page.
#[derive(Serialize)]
struct BacktestPage {
    rubric: String,
    summary: Vec<String>,
    roc: Option<RocChart>,
    signal: SignalChart,
    signal_table: TableView,
    cases: Vec<CaseView>,
    clean: Vec<CleanView>,
}

impl BacktestPage {
    fn of(b: &Backtest) -> Self {
        Self {
            rubric: b.rubric.clone(),
            summary: backtest_summary(b),
            roc: RocChart::of(b),
            signal: SignalChart::of(b),
            signal_table: TableView::of(
                &CONTROL_SIGNAL_HEADER,
                b.controls.iter().map(control_signal_cells),
                |i| (1..=4).contains(&i),
            ),
            cases: b.cases.iter().map(|c| CaseView::of(b, c)).collect(),
            clean: b
                .clean
                .iter()
                .map(|c| CleanView {
                    protocol: c.protocol.clone(),
                    as_of: c.as_of.to_string(),
                    grade: GradeView::of(&c.standing.grade),
                    score: c.standing.score.to_string(),
                    capped_by: c.standing.capped_by.as_ref().map(|g| g.0.clone()),
                })
                .collect(),
        }
    }
}

/// A comparison page.
#[derive(Serialize)]
struct ComparisonPage {
    table: TableView,
    summary: Vec<String>,
}

/// A forecast page's context.
#[derive(Serialize)]
struct ForecastPage {
    f: ForecastView,
}

/// An outlook page's context.
#[derive(Serialize)]
struct OutlookPage {
    o: OutlookView,
}

impl Renderer for Html {
    fn forecast(&self, f: &Forecast, out: &mut dyn Write) -> io::Result<()> {
        let title = format!("{} ({}): posture forecast", f.protocol.name, f.protocol.id);
        page(
            "forecast.html",
            &title,
            &ForecastPage {
                f: ForecastView::of(f),
            },
            out,
        )
    }

    fn outlook(&self, o: &Outlook, out: &mut dyn Write) -> io::Result<()> {
        page(
            "outlook.html",
            "Posture outlook: grades about to fall",
            &OutlookPage {
                o: OutlookView::of(o),
            },
            out,
        )
    }

    fn report(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let title = format!(
            "{} ({}): grade {}, posture report",
            r.protocol.name, r.protocol.id, r.grade.label
        );
        let view = ReportView::of(r);
        let context = ReportPage {
            chart: CategoryChart::of(&view),
            rosette: Rosette::of(&view, 180.0),
            r: &view,
        };
        page("report.html", &title, &context, out)
    }

    fn league_needs_reports(&self, _full: bool) -> bool {
        true
    }

    fn prepare(&self, report: &Report, _full: bool) -> io::Result<Prepared> {
        Ok(Prepared(Part::View(Box::new(ReportView::of(report)))))
    }

    fn league(&self, league: &LeagueView, out: &mut dyn Write) -> io::Result<()> {
        let title = format!("Posture league of {} protocols", league.entries.len());
        page("league.html", &title, &LeaguePage::of(league), out)
    }

    fn gaps(&self, g: &GapReport, out: &mut dyn Write) -> io::Result<()> {
        let title = format!("{} ({}): posture gaps", g.protocol.name, g.protocol.id);
        page("gaps.html", &title, &GapsPage::of(g), out)
    }

    fn diff(&self, d: &Diff, out: &mut dyn Write) -> io::Result<()> {
        let title = format!("{} ({}): posture change", d.protocol.name, d.protocol.id);
        page("diff.html", &title, &DiffPage::of(d), out)
    }

    fn backtest(&self, b: &Backtest, out: &mut dyn Write) -> io::Result<()> {
        page(
            "backtest.html",
            "Posture backtest",
            &BacktestPage::of(b),
            out,
        )
    }

    fn backtest_comparison(&self, c: &Comparison, out: &mut dyn Write) -> io::Result<()> {
        let context = ComparisonPage {
            table: TableView::of(
                &COMPARISON_HEADER,
                c.rubrics.iter().map(comparison_cells),
                |i| i != 0 && i != 3,
            ),
            summary: comparison_summary(c),
        };
        page(
            "comparison.html",
            "Posture backtest: rubrics compared",
            &context,
            out,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::view::SourceView;

    /// A source as the templates link it.
    fn source_link(source: Option<&str>) -> String {
        TEMPLATES_ENV
            .render_named_str(
                "test.html",
                r#"{% import "macros.html" as m %}{{ m.source_link(s) }}"#,
                minijinja::context! { s => Value::from(minijinja::value::Serde(SourceView::of(source))) },
            )
            .unwrap()
    }

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

    #[test]
    fn every_template_parses() {
        for (name, _) in TEMPLATES {
            assert!(TEMPLATES_ENV.get_template(name).is_ok(), "{name}");
        }
    }

    /// Text reaches a page only through the escaping formatter: markup in a value is shown,
    /// never run, in content and attributes alike.
    #[test]
    fn templates_escape_every_value() {
        let out = TEMPLATES_ENV
            .render_named_str(
                "test.html",
                r#"<p title="{{ t }}">{{ t }}</p>"#,
                minijinja::context! { t => "<script>'x'</script>" },
            )
            .unwrap();
        assert_eq!(
            out,
            "<p title=\"&lt;script&gt;&#39;x&#39;&lt;/script&gt;\">&lt;script&gt;&#39;x&#39;&lt;/script&gt;</p>"
        );
    }
}

//! SARIF 2.1.0 for code scanning (GitHub and others): one run whose rules are every control
//! and gate of the rubric, and one result per control that does not pass and per gate that
//! caps the grade, located at the manifest's line of the table that decided it.
//!
//! Fingerprints (`partialFingerprints.postureRule/v1`) hash the protocol id and the rule id,
//! never a line number, so an alert stays the same alert when the file around it changes.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::view::{CiResultView, CiRulesView, CiView, Part};
use super::{LeagueView, Prepared, Renderer, unsupported};
use crate::core::analysis::backtest::{Backtest, Comparison};
use crate::core::analysis::diff::Diff;
use crate::core::analysis::gaps::GapReport;
use crate::core::report::Report;

/// The SARIF schema a document names.
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// SARIF: needs the rubric, whose controls and gates are its rules.
pub struct Sarif {
    rules: Option<CiRulesView>,
}

impl Sarif {
    /// A SARIF renderer for reports graded under `rubric`.
    pub fn new(rubric: &crate::core::rubric::Rubric) -> Self {
        Self {
            rules: Some(CiRulesView::of(rubric)),
        }
    }

    /// A SARIF renderer that knows no rubric: it renders nothing (`score` builds it with one).
    pub fn without_rubric() -> Self {
        Self { rules: None }
    }

    fn rules(&self) -> io::Result<&CiRulesView> {
        self.rules
            .as_ref()
            .ok_or_else(|| unsupported("sarif", "this command (only score)"))
    }

    /// The results of one report, as SARIF result objects.
    fn results(&self, report: &Report) -> io::Result<Vec<Value>> {
        let rules = self.rules()?;
        let view = CiView::of(report, rules);
        Ok(view
            .results
            .iter()
            .map(|r| result(r, rules, &view))
            .collect())
    }

    fn document(&self, results: Vec<Value>) -> io::Result<Value> {
        let rules = self.rules()?;
        let version = env!("CARGO_PKG_VERSION");
        Ok(json!({
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "posture",
                    "version": version,
                    "semanticVersion": version,
                    "rules": rules.rules.iter().map(rule).collect::<Vec<_>>(),
                    "properties": { "rubric": rules.rubric },
                }},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }],
        }))
    }
}

/// A path as a SARIF URI reference: relative, `/`-separated, reserved characters escaped.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b'@' => {
                out.push(b as char)
            }
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out.trim_start_matches("./").to_string()
}

fn rule(r: &super::view::CiRuleView) -> Value {
    let mut properties = json!({ "kind": r.kind, "tags": ["security", r.kind] });
    if let Some(c) = &r.category {
        properties["category"] = json!(c);
    }
    if let Some(w) = r.weight {
        properties["weight"] = json!(w);
    }
    if let Some(cap) = &r.cap {
        properties["cap"] = json!(cap);
    }
    json!({
        "id": r.id,
        "name": r.id,
        "shortDescription": { "text": r.title },
        "fullDescription": { "text": r.title },
        "help": { "text": r.help },
        "defaultConfiguration": { "level": if r.kind == "gate" { "error" } else { "warning" } },
        "properties": properties,
    })
}

fn result(r: &CiResultView, rules: &CiRulesView, view: &CiView) -> Value {
    let mut v = json!({
        "ruleId": r.rule,
        "level": r.level.as_str(),
        "message": { "text": r.message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri(&r.file) },
                "region": { "startLine": r.line },
            },
        }],
        "partialFingerprints": { "postureRule/v1": r.fingerprint },
        "properties": {
            "protocol": view.id,
            "status": r.status,
            "grade": view.grade_words,
            "evaluatedAsOf": view.evaluated_as_of,
        },
    });
    if let Some(i) = rules.index(r.kind, &r.rule) {
        v["ruleIndex"] = json!(i);
    }
    v
}

fn write_doc(doc: &Value, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, doc)?;
    writeln!(out)
}

impl Renderer for Sarif {
    fn report(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let doc = self.document(self.results(report)?)?;
        write_doc(&doc, out)
    }

    fn league_needs_reports(&self, _full: bool) -> bool {
        true
    }

    fn prepare(&self, report: &Report, _full: bool) -> io::Result<Prepared> {
        Ok(Prepared(Part::Bytes(serde_json::to_vec(
            &self.results(report)?,
        )?)))
    }

    fn league(&self, league: &LeagueView, out: &mut dyn Write) -> io::Result<()> {
        let mut results = Vec::new();
        for entry in &league.entries {
            if let Some(bytes) = entry.bytes() {
                let mut some: Vec<Value> = serde_json::from_slice(bytes)?;
                results.append(&mut some);
            }
        }
        write_doc(&self.document(results)?, out)
    }

    fn gaps(&self, _: &GapReport, _: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("sarif", "gaps"))
    }

    fn forecast(
        &self,
        _: &crate::core::analysis::forecast::Forecast,
        _: &mut dyn Write,
    ) -> io::Result<()> {
        Err(unsupported("sarif", "forecast"))
    }

    fn outlook(
        &self,
        _: &crate::core::analysis::forecast::Outlook,
        _: &mut dyn Write,
    ) -> io::Result<()> {
        Err(unsupported("sarif", "forecast"))
    }

    fn diff(&self, _: &Diff, _: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("sarif", "diff"))
    }

    fn backtest(&self, _: &Backtest, _: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("sarif", "backtest"))
    }

    fn backtest_comparison(&self, _: &Comparison, _: &mut dyn Write) -> io::Result<()> {
        Err(unsupported("sarif", "backtest"))
    }
}

//! The league's cheap path (`engine::summarise`, no report) grades exactly as the full report
//! does, on thousands of generated manifests of every shape and under every built-in rubric.

#[path = "../examples/corpus/mod.rs"]
mod corpus;

use posture::engine::{self, Overrides, Summary};
use posture::load::{self, Source};
use posture::metrics::Upstream;
use posture::report::{ManifestStamp, RubricStamp, Stamp};

#[test]
fn the_summary_is_the_reports_grade_on_a_generated_corpus() {
    let manifests: Vec<_> = corpus::corpus(corpus::DEFAULT_SEED, 1500)
        .into_iter()
        .map(|(name, text)| load::manifest(&Source::new(name, text)).expect("corpus validates"))
        .collect();
    let mut capped = 0;
    let mut grades = std::collections::BTreeSet::new();
    for id in ["defi-baseline", "institutional", "three-pillars"] {
        let (rubric, _) = load::rubric_by_name(id).unwrap();
        for m in &manifests {
            // Forks with and without their upstream's incidents, evaluated on their date and later.
            let incidents = m.incidents.as_deref().unwrap_or_default();
            let upstream = if m.lineage.is_some() {
                Upstream::Found(incidents)
            } else {
                Upstream::NotAFork
            };
            for as_of in [m.protocol.as_of, m.protocol.as_of.minus_days(-400)] {
                let stamp = Stamp {
                    tool: String::new(),
                    rubric: RubricStamp {
                        id: String::new(),
                        version: String::new(),
                        sha256: String::new(),
                    },
                    manifest: ManifestStamp {
                        path: String::new(),
                        sha256: String::new(),
                    },
                    upstream: None,
                    evaluated_as_of: as_of,
                };
                let none = Overrides::default();
                let r = engine::evaluate_with(&rubric, m, as_of, upstream, &none, stamp);
                let s = engine::summarise(&rubric, m, as_of, upstream, &none);
                let from_report = Summary {
                    score: r.score,
                    grade: r.grade.clone(),
                    grade_before_caps: r.grade_before_caps.clone(),
                    capped_by: r.capped_by.clone(),
                    confidence: r.confidence,
                };
                assert_eq!(s, from_report, "{} under {id} as of {as_of}", m.protocol.id);
                capped += usize::from(s.capped_by.is_some());
                grades.insert(s.grade.label.clone());
            }
        }
    }
    // The corpus exercises caps and the whole scale, not only plain F grades.
    assert!(capped > 200, "only {capped} capped summaries");
    assert!(grades.len() >= 5, "grades seen: {grades:?}");
}

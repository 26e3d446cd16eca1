//! A league row made without a report (`pipeline::row_of`, the cheap path of a league table) is
//! the row of the full report, on generated manifests of every shape: forks with and without
//! their upstream, what-ifs, other evaluation dates and every built-in rubric.

#[path = "../examples/corpus/mod.rs"]
mod corpus;

use std::sync::Arc;

use posture::core::analysis::league::LeagueRow;
use posture::core::analysis::whatif::Edit;
use posture::load::{self, Source};
use posture::pipeline::{self, Loaded, Options, UpstreamFacts, UpstreamFile};

#[test]
fn rows_without_reports_are_the_rows_of_the_reports_on_a_generated_corpus() {
    let loaded: Vec<Loaded> = corpus::corpus(corpus::DEFAULT_SEED, 600)
        .into_iter()
        .map(|(name, text)| {
            let source = Source::new(name, text);
            let manifest = load::manifest(&source).expect("corpus validates");
            Loaded { source, manifest }
        })
        .collect();
    // Any manifest with incidents stands in as every fork's upstream.
    let upstream = loaded
        .iter()
        .find(|l| l.manifest.incidents.as_ref().is_some_and(|i| !i.is_empty()))
        .map(|l| UpstreamFile::Found(Arc::new(UpstreamFacts::of(l))))
        .unwrap();
    let edits =
        |sets: &[&str]| -> Vec<Edit> { sets.iter().map(|s| Edit::parse(s).unwrap()).collect() };
    let options = [
        Options::default(),
        Options {
            as_of: Some("2026-06-30".parse().unwrap()),
            ..Options::default()
        },
        Options {
            edits: edits(&["timelock.delay_hours=48", "monitoring.level=realtime"]),
            ..Options::default()
        },
    ];
    let (mut compared, mut capped, mut what_ifs) = (0, 0, 0);
    for id in ["defi-baseline", "institutional", "three-pillars"] {
        let (rubric, _) = load::rubric_by_name(id).unwrap();
        for l in &loaded {
            let ups = if l.manifest.lineage.is_some() {
                vec![UpstreamFile::Missing, upstream.clone()]
            } else {
                vec![UpstreamFile::NotAFork]
            };
            for up in &ups {
                for opts in &options {
                    let Ok(report) = pipeline::evaluate_what_if(&rubric, l, up, opts) else {
                        // A what-if that does not fit this manifest: the cheap path refuses too.
                        assert!(pipeline::row_of(&rubric, l, up, opts).is_err());
                        continue;
                    };
                    let full = serde_json::to_value(LeagueRow::of(&report)).unwrap();
                    let cheap =
                        serde_json::to_value(pipeline::row_of(&rubric, l, up, opts).unwrap())
                            .unwrap();
                    assert_eq!(cheap, full, "{} under {id}", l.source.name);
                    compared += 1;
                    capped += usize::from(report.capped_by.is_some());
                    what_ifs += usize::from(report.what_if.is_some());
                }
            }
        }
    }
    assert!(compared > 5000, "{compared} rows compared");
    assert!(
        capped > 100 && what_ifs > 1000,
        "{capped} capped, {what_ifs} what-ifs"
    );
}

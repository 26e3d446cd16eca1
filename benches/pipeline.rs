//! The pipeline on an in-memory corpus made by the same generator as `gen_corpus`:
//! (a) TOML into the typed manifest, (b) parse and validate as `posture` loads a file
//! (`load::manifest`: schema and semantic checks), (c) evaluation under the built-in rubric into
//! a full report, (d) the same evaluation to its summary only, as a league table row needs.
//!
//! `cargo bench --bench pipeline`; BENCHMARKS.md records the numbers and the end-to-end runs.
//! Each iteration handles the whole corpus on one thread, so the time per element is the cost
//! of one manifest.

#[path = "../examples/corpus/mod.rs"]
mod corpus;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use posture::core::date::Date;
use posture::core::engine;
use posture::core::manifest::Manifest;
use posture::core::metrics::Upstream;
use posture::core::report::{ManifestStamp, RubricStamp, Stamp};
use posture::load::{self, Source};

/// Manifests per iteration: enough to cover the generator's variety.
const N: usize = 200;

fn sources() -> Vec<Source> {
    corpus::corpus(corpus::DEFAULT_SEED, N)
        .into_iter()
        .map(|(name, text)| Source::new(name, text))
        .collect()
}

fn stamp(src: &Source, as_of: Date) -> Stamp {
    Stamp {
        tool: "posture bench".into(),
        rubric: RubricStamp {
            id: "defi-baseline".into(),
            version: "1.0.0".into(),
            sha256: String::new(),
        },
        manifest: ManifestStamp {
            path: src.name.clone(),
            sha256: String::new(),
        },
        upstream: None,
        evaluated_as_of: as_of,
        config: None,
    }
}

/// Forks are evaluated without their upstream here: scoring a set resolves upstreams once per
/// run (`score::grade`), not per manifest.
fn upstream(m: &Manifest) -> Upstream<'static> {
    if m.lineage.is_some() {
        Upstream::Missing
    } else {
        Upstream::NotAFork
    }
}

fn pipeline(c: &mut Criterion) {
    let sources = sources();
    let manifests: Vec<Manifest> = sources
        .iter()
        .map(|s| load::manifest(s).unwrap_or_else(|d| panic!("{}: {d:?}", s.name)))
        .collect();
    let (rubric, _) = load::rubric_by_name("defi-baseline").expect("the built-in rubric loads");

    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("a_parse", |b| {
        b.iter(|| {
            for s in &sources {
                black_box(toml::from_str::<Manifest>(black_box(&s.text)).expect("parses"));
            }
        })
    });
    g.bench_function("b_parse_validate", |b| {
        b.iter(|| {
            for s in &sources {
                black_box(load::manifest(black_box(s)).expect("validates"));
            }
        })
    });
    g.bench_function("c_evaluate", |b| {
        b.iter(|| {
            for (s, m) in sources.iter().zip(&manifests) {
                let as_of = m.protocol.as_of;
                black_box(engine::evaluate(
                    &rubric,
                    black_box(m),
                    as_of,
                    upstream(m),
                    stamp(s, as_of),
                ));
            }
        })
    });
    g.bench_function("d_summarise", |b| {
        b.iter(|| {
            for m in &manifests {
                black_box(engine::summarise(
                    &rubric,
                    black_box(m),
                    m.protocol.as_of,
                    upstream(m),
                    &engine::Overrides::default(),
                ));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);

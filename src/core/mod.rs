//! The pure core: models, the metric catalogue, the engine and the analyses built on it.
//!
//! Nothing here touches files, threads, the clock, the terminal or the command line, so a
//! grade depends only on its inputs; `tests/layout.rs` fails if that stops being true.

#![warn(missing_docs)]

pub mod analysis;
pub mod as_of;
pub mod date;
pub mod engine;
pub mod manifest;
pub mod metrics;
pub mod problem;
pub mod random;
pub mod report;
pub mod rubric;
pub mod schema;
pub mod validate;
pub mod waiver;
pub mod words;

//! posture: a protocol security-posture scoring engine.
//!
//! Rubrics (policy, TOML) score manifests (facts with sources, TOML) through a catalogue of
//! metrics. Data flows one way: `load` -> `metrics` -> `engine` -> `report` -> `render`.

pub mod backtest;
pub mod cli;
pub mod date;
pub mod diagnostics;
pub mod diff;
pub mod engine;
pub mod gaps;
pub mod load;
pub mod manifest;
pub mod metrics;
pub mod portfolio;
pub mod render;
pub mod report;
pub mod rubric;
pub mod schema;
pub mod score;
pub mod validate;
pub mod verify;
pub mod whatif;

//! posture: a protocol security-posture scoring engine.
//!
//! Rubrics (policy, TOML) score manifests (facts with sources, TOML) through a catalogue of
//! metrics. The folders are the stages of the data flow, in order:
//! `load` (files to checked types) -> `core` (pure scoring and analyses) -> `pipeline` (many
//! files at once) -> `render` (one view, many formats) -> `cli` (the commands).

pub mod cli;
pub mod core;
pub mod load;
pub mod pipeline;
pub mod render;

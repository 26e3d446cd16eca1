//! `posture schema`: print the JSON Schema of a manifest, a rubric, a report or posture.toml.

use super::common::*;
use crate::core::schema;
use clap::ValueEnum;
use std::io::{self, Write};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaKind {
    Manifest,
    Rubric,
    Report,
    Backtest,
    /// `posture.toml`: defaults and waivers.
    Config,
}

/// Prints the schema of a kind.
pub(crate) fn run(kind: SchemaKind, out: &mut dyn Write) -> io::Result<u8> {
    let kind = match kind {
        SchemaKind::Backtest => {
            return out
                .write_all(schema::backtest_text().as_bytes())
                .map(|_| exit::OK);
        }
        SchemaKind::Manifest => schema::Kind::Manifest,
        SchemaKind::Rubric => schema::Kind::Rubric,
        SchemaKind::Report => schema::Kind::Report,
        SchemaKind::Config => schema::Kind::Config,
    };
    out.write_all(schema::text(kind).as_bytes())
        .map(|_| exit::OK)
}

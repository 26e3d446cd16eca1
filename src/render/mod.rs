//! Renderers: one per output format, all behind [`Renderer`].

use std::io::{self, Write};

use crate::report::Report;

mod json;
mod table;

pub use json::Json;
pub use table::Table;

/// Output formats of `score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// Turns reports into bytes. Same reports, same bytes.
pub trait Renderer {
    /// The full report of one protocol.
    fn report(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
    /// A league table of many protocols, already in league order.
    fn league(&self, reports: &[Report], out: &mut dyn Write) -> io::Result<()>;
}

pub fn renderer(format: Format) -> Box<dyn Renderer> {
    match format {
        Format::Table => Box::new(Table),
        Format::Json => Box::new(Json),
    }
}

//! Diagnostics: what is wrong, where (file, line, column), and what would be right, rendered
//! cargo-style. Checks speak in field paths ([`crate::core::problem`]); the loader turns a path
//! into a byte span of the file.

use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as Rendered, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term;

pub use crate::core::problem::{FieldPath, Problem, Segment, Severity, did_you_mean, nearest};

/// A problem located in a file, ready to show a user.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    /// Byte range in the file's text, when the problem has a place.
    pub span: Option<Range<usize>>,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    /// A problem with a whole file (unreadable, not UTF-8, too large).
    pub fn file_error(file: &str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            file: file.to_string(),
            span: None,
            message: message.into(),
            help: None,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Line and column (both from 1) of a byte offset, for one-line summaries.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Writes diagnostics cargo-style: message, `file:line:col`, the line quoted with a caret.
pub fn emit(
    out: &mut dyn std::io::Write,
    diagnostics: &[Diagnostic],
    text: Option<&str>,
) -> std::io::Result<()> {
    let config = term::Config::default();
    // One file per call: its line index is built once, however many diagnostics there are.
    let name = diagnostics.first().map_or("", |d| d.file.as_str());
    let file = SimpleFile::new(name, text.unwrap_or(""));
    for d in diagnostics {
        let mut r = match d.severity {
            Severity::Error => Rendered::error(),
            Severity::Warning => Rendered::warning(),
        }
        .with_message(&d.message);
        let mut notes = Vec::new();
        match (&d.span, text) {
            (Some(span), Some(t)) if d.file == name => {
                let start = floor_char_boundary(t, span.start.min(t.len()));
                let end = floor_char_boundary(t, span.end.min(t.len())).max(start);
                r = r.with_labels(vec![Label::primary((), start..end)]);
            }
            _ => notes.push(format!("in {}", d.file)),
        }
        if let Some(h) = &d.help {
            notes.push(format!("help: {h}"));
        }
        r = r.with_notes(notes);
        term::emit_to_io_write(out, &config, &file, &r)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_read_naturally() {
        assert_eq!(line_col("a\nbc\n", 3), (2, 2));
    }
}

//! Diagnostics: what is wrong, where (file, line, column), and what would be right.
//!
//! Checks deep in the code speak in field paths (`controls[3].metric`); the loader turns a
//! path into a byte span of the file, and this module renders spans cargo-style.

use std::fmt;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as Rendered, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term;

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Where a value sits in a document, e.g. `audits[2].scope[0]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    pub fn root() -> Self {
        Self::default()
    }

    pub fn key(&self, key: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Key(key.to_string()));
        p
    }

    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Index(i));
        p
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Segment::Key(k) if i == 0 => write!(f, "{k}")?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A problem found by a semantic check, located by field path.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub severity: Severity,
    pub path: FieldPath,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    pub fn error(path: FieldPath, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            path,
            message: message.into(),
            help: None,
        }
    }

    pub fn warning(path: FieldPath, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(path, message)
        }
    }

    pub fn with_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

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

/// The closest candidate to a misspelled name, phrased as help.
pub fn did_you_mean(wrong: &str, candidates: &[&str], what: &str) -> Option<String> {
    match nearest(wrong, candidates) {
        Some(c) => Some(format!("did you mean `{c}`?")),
        None if candidates.is_empty() => None,
        None if candidates.len() <= 12 => Some(format!(
            "valid {what}: {}",
            candidates
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        None => None,
    }
}

/// The candidate a misspelling most likely meant (Jaro-Winkler above 0.8), if any.
pub fn nearest<'a>(wrong: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(wrong, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
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
    fn suggests_the_nearest_name() {
        assert_eq!(
            did_you_mean("delay_hour", &["delay_hours", "scope", "source"], "keys").as_deref(),
            Some("did you mean `delay_hours`?")
        );
        assert_eq!(
            did_you_mean("zzz", &["alpha", "beta"], "keys").as_deref(),
            Some("valid keys: `alpha`, `beta`")
        );
    }

    #[test]
    fn paths_and_positions_read_naturally() {
        let p = FieldPath::root().key("audits").index(2).key("scope");
        assert_eq!(p.to_string(), "audits[2].scope");
        assert_eq!(line_col("a\nbc\n", 3), (2, 2));
    }
}

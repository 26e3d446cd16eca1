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

/// Longest line, in characters, quoted whole; a longer one is quoted as a window around the
/// problem, so a file of one long line prints in time proportional to its errors, not to the
/// line's length times their number.
pub const MAX_QUOTED_LINE: usize = 240;
/// Characters quoted before the problem's start on a clipped line.
const BEFORE: usize = 60;
/// Characters quoted from the problem's start on a clipped line.
const AFTER: usize = 100;
const ELLIPSIS: &str = "…";

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
        let mut clipped = None;
        match (&d.span, text) {
            (Some(span), Some(t)) if d.file == name => {
                let start = floor_char_boundary(t, span.start.min(t.len()));
                let end = floor_char_boundary(t, span.end.min(t.len())).max(start);
                match Window::around(&file, t, start..end) {
                    Some((window, label)) => {
                        r = r.with_labels(vec![Label::primary((), label)]);
                        clipped = Some(window);
                    }
                    None => r = r.with_labels(vec![Label::primary((), start..end)]),
                }
            }
            _ => notes.push(format!("in {}", d.file)),
        }
        if let Some(h) = &d.help {
            notes.push(format!("help: {h}"));
        }
        r = r.with_notes(notes);
        let written = match &clipped {
            Some(window) => term::emit_to_io_write(out, &config, window, &r),
            None => term::emit_to_io_write(out, &config, &file, &r),
        };
        written.map_err(|e| std::io::Error::other(e.to_string()))?;
    }
    Ok(())
}

/// A long line of a file clipped to a window around a problem, with an ellipsis where it is
/// cut, that still gives the line and column in the whole file.
struct Window<'a> {
    name: &'a str,
    /// The window's text, one line.
    text: String,
    /// The line's number in the file, from 1.
    line: usize,
    /// The column, in the file, of the window's first character after any ellipsis.
    column: usize,
    /// Bytes of the leading ellipsis (none when the window starts the line).
    lead: usize,
}

impl<'a> Window<'a> {
    /// The window around `span` and the span within it, when a line it touches is too long to
    /// quote whole; `None` when every line is short.
    fn around(
        file: &SimpleFile<&'a str, &str>,
        text: &str,
        span: Range<usize>,
    ) -> Option<(Self, Range<usize>)> {
        use codespan_reporting::files::Files;
        let first = file.line_index((), span.start).ok()?;
        let last = file.line_index((), span.end).ok()?;
        let long = (first..=last).any(|i| {
            file.line_range((), i).is_ok_and(|r| {
                let body = text[r].trim_end_matches(['\n', '\r']);
                body.len() > MAX_QUOTED_LINE && body.chars().count() > MAX_QUOTED_LINE
            })
        });
        if !long {
            return None;
        }
        let line = file.line_range((), first).ok()?;
        let body = text[line.clone()].trim_end_matches(['\n', '\r']);
        let line_end = line.start + body.len();
        let at = span.start.min(line_end);
        let from = text[line.start..at]
            .char_indices()
            .rev()
            .nth(BEFORE - 1)
            .map_or(line.start, |(i, _)| line.start + i);
        let to = text[at..line_end]
            .char_indices()
            .nth(AFTER)
            .map_or(line_end, |(i, _)| at + i);
        let lead = if from > line.start { ELLIPSIS.len() } else { 0 };
        let mut quoted = String::with_capacity(to - from + 2 * ELLIPSIS.len());
        if lead > 0 {
            quoted.push_str(ELLIPSIS);
        }
        quoted.push_str(&text[from..to]);
        if to < line_end {
            quoted.push_str(ELLIPSIS);
        }
        let label = (at - from + lead)..(span.end.min(to).max(at) - from + lead);
        let window = Window {
            name: file.name(),
            column: text[line.start..from].chars().count() + 1,
            text: quoted,
            line: first + 1,
            lead,
        };
        Some((window, label))
    }
}

impl<'a> codespan_reporting::files::Files<'a> for Window<'_> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, codespan_reporting::files::Error> {
        Ok(&self.text)
    }

    fn line_index(&'a self, (): (), _: usize) -> Result<usize, codespan_reporting::files::Error> {
        Ok(0)
    }

    fn line_number(&'a self, (): (), _: usize) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.line)
    }

    fn column_number(
        &'a self,
        (): (),
        _: usize,
        byte: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        let byte = floor_char_boundary(&self.text, byte.min(self.text.len())).max(self.lead);
        Ok(self.column + self.text[self.lead..byte].chars().count())
    }

    fn line_range(
        &'a self,
        (): (),
        _: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        Ok(0..self.text.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_at(span: Range<usize>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            file: "x.toml".into(),
            span: Some(span),
            message: "bad".into(),
            help: None,
        }
    }

    /// The quoted line and the caret line under it, and the column (in characters) where the
    /// carets start and how many there are.
    fn quoted(out: &str) -> (String, usize, usize) {
        let lines: Vec<&str> = out.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.contains('^'))
            .expect("a caret line");
        let carets = lines[at];
        let start = carets.chars().position(|c| c == '^').expect("a caret");
        let count = carets.chars().filter(|c| *c == '^').count();
        (lines[at - 1].to_string(), start, count)
    }

    #[test]
    fn a_long_line_is_quoted_as_a_window_that_still_shows_the_span() {
        // Characters of two bytes before the span, so bytes and columns differ.
        let line = format!("{}key = \"value\"{}", "é".repeat(5_000), " x".repeat(5_000));
        let text = format!("a = 1\n{line}\nb = 2\n");
        let start = text.find("key").expect("the key");
        let span = start..start + "key = \"value\"".len();
        let mut out = Vec::new();
        emit(&mut out, &[error_at(span.clone())], Some(&text)).expect("written");
        let out = String::from_utf8(out).expect("text");
        assert!(out.len() < 1_000, "{} bytes", out.len());
        // The place in the whole file: line 2, the 5,001st character.
        assert!(out.contains("x.toml:2:5001"), "{out}");
        let (quote, from, count) = quoted(&out);
        assert!(quote.contains(ELLIPSIS), "{quote}");
        let under: String = quote.chars().skip(from).take(count).collect();
        assert_eq!(under, &text[span]);
        // A span at the very start and one at the very end of a long line.
        for (span, shown) in [(6..12, "ééé"), (text.len() - 9..text.len() - 7, " x")] {
            let mut out = Vec::new();
            emit(&mut out, &[error_at(span)], Some(&text)).expect("written");
            let out = String::from_utf8(out).expect("text");
            let (quote, from, count) = quoted(&out);
            let under: String = quote.chars().skip(from).take(count).collect();
            assert_eq!(under, shown, "{out}");
            assert!(out.len() < 1_000);
        }
    }

    #[test]
    fn a_span_over_many_lines_one_of_them_long_is_quoted_as_its_first_line() {
        let text = format!("t = {{ a = 1,\nb = [{}] }}\n", "1,".repeat(2_000));
        let mut out = Vec::new();
        emit(&mut out, &[error_at(4..text.len() - 1)], Some(&text)).expect("written");
        let out = String::from_utf8(out).expect("text");
        assert!(out.len() < 1_000, "{out}");
        assert!(out.contains("x.toml:1:5"), "{out}");
        let (quote, from, _) = quoted(&out);
        assert!(
            quote
                .chars()
                .skip(from)
                .collect::<String>()
                .starts_with("{ a = 1")
        );
    }

    #[test]
    fn a_short_line_is_quoted_whole() {
        let line = "k".repeat(MAX_QUOTED_LINE - 4);
        let text = format!("{line} = 1\n");
        let mut out = Vec::new();
        emit(&mut out, &[error_at(0..3)], Some(&text)).expect("written");
        let out = String::from_utf8(out).expect("text");
        assert!(out.contains(&text[..text.len() - 1]), "{out}");
        assert!(!out.contains(ELLIPSIS));
    }

    #[test]
    fn positions_read_naturally() {
        assert_eq!(line_col("a\nbc\n", 3), (2, 2));
    }
}

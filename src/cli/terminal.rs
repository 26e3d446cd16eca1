//! Text meant for people goes through one filter before it reaches a terminal. A manifest, a
//! rubric or a report is a file from someone else: an escape sequence, a bell, a carriage
//! return or a bidi control in a name would recolour, rewrite or reorder what the user reads.

use std::io::{self, Write};

/// Shows each control character (other than line breaks and tabs) and each bidi control as `?`,
/// whatever wrote it: a renderer, a diagnostic quoting a line, a name in a message.
pub struct Inert<'a> {
    inner: &'a mut dyn Write,
    /// The start of a UTF-8 sequence split across two writes.
    pending: Vec<u8>,
}

impl<'a> Inert<'a> {
    /// Filters everything written to `inner`.
    pub fn new(inner: &'a mut dyn Write) -> Self {
        Self {
            inner,
            pending: Vec::new(),
        }
    }

    /// Writes the complete characters of `pending`, keeping an unfinished sequence for the
    /// next write unless `all`.
    fn drain(&mut self, all: bool) -> io::Result<()> {
        let bytes = std::mem::take(&mut self.pending);
        let (text, rest) = match std::str::from_utf8(&bytes) {
            Ok(text) => (std::borrow::Cow::Borrowed(text), &[][..]),
            Err(e) if e.error_len().is_none() && !all => {
                let (done, rest) = bytes.split_at(e.valid_up_to());
                (String::from_utf8_lossy(done), rest)
            }
            Err(_) => (String::from_utf8_lossy(&bytes), &[][..]),
        };
        let shown: String = text.chars().map(shown).collect();
        self.inner.write_all(shown.as_bytes())?;
        self.pending = rest.to_vec();
        Ok(())
    }
}

/// A character as it may reach a terminal.
fn shown(c: char) -> char {
    let control = c.is_control() && c != '\n' && c != '\t';
    if control || crate::render::is_bidi_control(c) {
        '?'
    } else {
        c
    }
}

impl Write for Inert<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        self.drain(false)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain(true)?;
        self.inner.flush()
    }
}

impl Drop for Inert<'_> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_bells_returns_and_bidi_are_shown_as_marks() {
        let mut out = Vec::new();
        {
            let mut w = Inert::new(&mut out);
            w.write_all("a\u{1b}[31mred\u{7}\r\u{202e}x\ty\n".as_bytes())
                .unwrap();
        }
        assert_eq!(String::from_utf8(out).unwrap(), "a?[31mred???x\ty\n");
    }

    #[test]
    fn a_character_split_across_writes_survives() {
        let mut out = Vec::new();
        {
            let mut w = Inert::new(&mut out);
            let bytes = "é€".as_bytes();
            for b in bytes {
                w.write_all(std::slice::from_ref(b)).unwrap();
            }
        }
        assert_eq!(String::from_utf8(out).unwrap(), "é€");
    }
}

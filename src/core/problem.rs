//! Problems found by checks, located by field path (`controls[3].metric`), and the
//! did-you-mean that suggests the nearest valid name. The loader turns a path into a span of
//! the file; this module knows nothing of files.

use std::fmt;

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A named field, e.g. `audits`.
    Key(String),
    /// A position in a list, from 0.
    Index(usize),
}

/// Where a value sits in a document, e.g. `audits[2].scope[0]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    /// The empty path: the whole document.
    pub fn root() -> Self {
        Self::default()
    }

    /// This path followed by a named field.
    pub fn key(&self, key: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Key(key.to_string()));
        p
    }

    /// This path followed by a position in a list.
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

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The document cannot be used as it is.
    Error,
    /// The document can be used, but something in it looks wrong.
    Warning,
}

/// A problem found by a semantic check, located by field path.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Whether the problem stops the document being used.
    pub severity: Severity,
    /// Where the problem is, e.g. `controls[3].metric`.
    pub path: FieldPath,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it, when a hint is known (e.g. a did-you-mean).
    pub help: Option<String>,
}

impl Problem {
    /// An error at `path`.
    pub fn error(path: FieldPath, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            path,
            message: message.into(),
            help: None,
        }
    }

    /// A warning at `path`.
    pub fn warning(path: FieldPath, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(path, message)
        }
    }

    /// The same problem with a hint on how to fix it.
    pub fn with_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

/// Problems shown per file; past these a file is hopeless, and the rest are counted, not
/// shown (so no help need be worked out for them).
pub const MAX_SHOWN: usize = 50;

/// Longest name, in characters, that a suggestion is looked for or made: a longer one is no
/// misspelling of a name in these formats, and comparing it costs its length squared.
pub const MAX_SUGGESTED_LEN: usize = 64;

/// Most candidates one search compares.
const MAX_CANDIDATES: usize = 10_000;

/// Most pairs of characters one search compares (a few milliseconds): the bound on
/// did-you-mean over thousands of names.
const MAX_PAIRS: usize = 4_000_000;

/// The closest candidate to a misspelled name, phrased as help.
pub fn did_you_mean(wrong: &str, candidates: &[&str], what: &str) -> Option<String> {
    match nearest(wrong, candidates) {
        Some(c) => Some(format!("did you mean `{c}`?")),
        None if candidates.is_empty() => None,
        None if candidates.len() <= 12 && candidates.iter().all(|c| short(c)) => Some(format!(
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

/// Whether a name is short enough to suggest, or to be given a suggestion.
fn short(name: &str) -> bool {
    name.len() <= MAX_SUGGESTED_LEN || name.chars().count() <= MAX_SUGGESTED_LEN
}

/// The candidate a misspelling most likely meant (Jaro-Winkler above 0.8), if any. None for a
/// name longer than [`MAX_SUGGESTED_LEN`], or when the search would compare more than
/// [`MAX_CANDIDATES`] names or [`MAX_PAIRS`] pairs of characters: bounded, whatever the file.
pub fn nearest<'a>(wrong: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if !short(wrong) || candidates.len() > MAX_CANDIDATES {
        return None;
    }
    let pairs: usize = candidates
        .iter()
        .filter(|c| short(c))
        .map(|c| c.len().saturating_mul(wrong.len()))
        .fold(0, usize::saturating_add);
    if pairs > MAX_PAIRS {
        return None;
    }
    candidates
        .iter()
        .filter(|c| short(c))
        .map(|c| (strsim::jaro_winkler(wrong, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
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
    fn suggestions_are_bounded() {
        let long = "a".repeat(MAX_SUGGESTED_LEN + 1);
        assert_eq!(nearest(&long, &[long.as_str()]), None, "a long name");
        assert_eq!(nearest("pool", &[long.as_str(), "pools"]), Some("pools"));
        assert_eq!(
            did_you_mean("zzz", &[long.as_str()], "keys"),
            None,
            "a long name is not listed"
        );
        let many: Vec<String> = (0..=MAX_CANDIDATES).map(|i| format!("part-{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(nearest("part-7x", &refs), None, "too many to compare");
        assert_eq!(nearest("part-7x", &refs[..3_000]), Some("part-7"));
        // Within the count, but more characters than one search compares.
        let wide: Vec<String> = (0..9_000).map(|i| format!("{i:0>60}")).collect();
        let refs: Vec<&str> = wide.iter().map(String::as_str).collect();
        assert_eq!(nearest(&format!("{:0>59}x", 7), &refs), None);
        assert!(nearest(&format!("{:0>59}x", 7), &refs[..1_000]).is_some());
    }

    #[test]
    fn paths_read_naturally() {
        let p = FieldPath::root().key("audits").index(2).key("scope");
        assert_eq!(p.to_string(), "audits[2].scope");
    }
}

//! `posture.toml`: found in the working folder or above it up to the repository root, read
//! within limits, checked against its schema like a manifest, and its waivers checked against
//! the rubric's longest allowed waiver.

use std::path::{Path, PathBuf};

use crate::core::problem::Problem;
use crate::core::schema;
use crate::core::waiver::{self, ConfigFile, Waivers};
use crate::load::diagnostics::Diagnostic;
use crate::load::{self, Source};

/// The file name looked for.
pub const FILE_NAME: &str = "posture.toml";

/// Largest config file read: a config is a few lines and some waivers.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// A config file read and checked against its schema.
#[derive(Debug, Clone)]
pub struct Config {
    /// The text, named by the path it was found at (relative to the working folder when found).
    pub source: Source,
    /// What it says.
    pub file: ConfigFile,
    /// The folder relative paths in it start from.
    pub dir: PathBuf,
}

/// The `posture.toml` nearest to `cwd`: in it or a folder above it, stopping at the first folder
/// that holds `.git` (a folder, or a file in a worktree): the repository root. The path is
/// relative (`posture.toml`, `../posture.toml`) so reports stamp the same path on any machine.
pub fn discover(cwd: &Path) -> Option<PathBuf> {
    let mut relative = PathBuf::new();
    for dir in cwd.ancestors() {
        if dir.join(FILE_NAME).is_file() {
            return Some(relative.join(FILE_NAME));
        }
        if dir.join(".git").exists() {
            return None;
        }
        relative.push("..");
    }
    None
}

/// Reads and checks a config file: TOML, within the limits, every key known (did-you-mean
/// for a misspelled one), every value of its type.
pub fn read(path: &Path) -> Result<Config, (Option<String>, Vec<Diagnostic>)> {
    let source = load::read(path, MAX_CONFIG_BYTES).map_err(|d| (None, vec![d]))?;
    let file = parse(&source).map_err(|d| (Some(source.text.clone()), d))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(Config { source, file, dir })
}

/// Parses a config's text, checked against `posture schema config`.
pub fn parse(src: &Source) -> Result<ConfigFile, Vec<Diagnostic>> {
    let tree = load::parse_tree(
        src,
        "posture.toml holds keys such as `rubric = \"defi-baseline\"` and [[waivers]] tables",
    )?;
    load::check_limits(src, &tree)?;
    load::schema_check(src, &tree, schema::Kind::Config)?;
    load::typed(src, tree)
}

/// The config's waivers, each checked: one control or gate, approved before it expires, and
/// no longer than `max_days` (the rubric's `max_waiver_days`). Every problem at once, each at
/// its line and column.
pub fn waivers(config: &Config, max_days: u32) -> Result<Waivers, Vec<Diagnostic>> {
    let (waivers, problems) = waiver::check(&config.file.waivers, max_days);
    located(config, &problems).map(|()| waivers)
}

/// Problems found in a config's values, placed at their lines: `Err` when any is an error.
pub fn located(config: &Config, problems: &[Problem]) -> Result<(), Vec<Diagnostic>> {
    load::into_result(&config.source, (), problems.to_vec())
}

/// A path the config gives, relative to its folder.
pub fn relative(config: &Config, value: &str) -> PathBuf {
    let p = Path::new(value);
    if p.is_absolute() || config.dir.as_os_str().is_empty() {
        p.to_path_buf()
    } else {
        config.dir.join(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_stops_at_the_repository_root() {
        let root = tempfile::tempdir().expect("a temporary folder");
        let repo = root.path().join("repo");
        let deep = repo.join("a/b");
        std::fs::create_dir_all(&deep).expect("folders");
        std::fs::write(root.path().join(FILE_NAME), "").expect("a config outside the repo");
        std::fs::create_dir(repo.join(".git")).expect("a .git folder");
        assert_eq!(discover(&deep), None);
        std::fs::write(repo.join(FILE_NAME), "").expect("a config at the root");
        assert_eq!(discover(&deep), Some(PathBuf::from("../../posture.toml")));
        std::fs::write(deep.join(FILE_NAME), "").expect("a config here");
        assert_eq!(discover(&deep), Some(PathBuf::from("posture.toml")));
    }
}

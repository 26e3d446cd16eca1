//! Helpers shared by the integration tests (each test file uses some of them).
#![allow(dead_code)]

use std::path::Path;

use assert_cmd::Command;

/// The repository, where the shipped protocols, rubrics and fixtures are.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The `posture` binary, run from the repository.
pub fn posture() -> Command {
    let mut c = Command::cargo_bin("posture").unwrap();
    c.current_dir(ROOT);
    c
}

/// Runs `posture` in `dir` and returns what it printed, failing the test if it failed.
pub fn stdout_in(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::cargo_bin("posture")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "posture {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The built-in default rubric.
pub fn rubric() -> posture::core::rubric::Rubric {
    posture::load::rubric_by_name("defi-baseline")
        .expect("built-in rubric loads")
        .0
}

/// The best-practice fixture: a complete, fictional manifest that grades A.
pub fn best() -> posture::core::manifest::Manifest {
    let src = posture::load::Source::new(
        "best-practice.toml",
        include_str!("../fixtures/best-practice.toml"),
    );
    posture::load::manifest(&src).expect("fixture is valid")
}

/// A date written YYYY-MM-DD.
pub fn date(s: &str) -> posture::core::date::Date {
    s.parse().unwrap()
}

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

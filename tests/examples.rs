//! The walkthroughs under `examples/` are run as written: each `$ posture ...` command's output
//! must match the README that shows it.
//!
//! This checks documentation, not a golden file: the text a reader follows is the expectation,
//! which an insta snapshot (kept in a file of its own) could not keep honest. Golden outputs
//! are insta snapshots (`tests/cli.rs`, `tests/exports.rs`).

#[test]
fn dao_self_assessment_walkthrough() {
    trycmd::TestCases::new().case("examples/dao-self-assessment/README.md");
}

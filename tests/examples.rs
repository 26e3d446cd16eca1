//! The walkthroughs under `examples/` are run as written: each `$ posture ...` command's output
//! must match the README that shows it.

#[test]
fn dao_self_assessment_walkthrough() {
    trycmd::TestCases::new().case("examples/dao-self-assessment/README.md");
}

//! Every malformed fixture in `tests/fixtures/bad/` is refused with exit 2, a clear message and
//! the location that `expected.txt` gives. Nothing panics.

use assert_cmd::Command;

#[test]
fn every_bad_fixture_is_refused_where_expected() {
    let root = env!("CARGO_MANIFEST_DIR");
    let expected =
        std::fs::read_to_string(format!("{root}/tests/fixtures/bad/expected.txt")).unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in expected
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let parts: Vec<&str> = line.splitn(3, " | ").collect();
        let [file, place, words] = parts[..] else {
            panic!("malformed expectation: {line}");
        };
        let path = format!("tests/fixtures/bad/{file}");
        let out = Command::cargo_bin("posture")
            .unwrap()
            .current_dir(root)
            .args(["validate", &path])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let located = place == "-"
            || stderr.contains(&format!("{path}:{place}"))
            || stderr.contains(&format!(":{place}\n"));
        if out.status.code() != Some(2)
            || !stderr.contains(words)
            || !located
            || stderr.contains("panicked")
        {
            failures.push(format!(
                "{file}: exit {:?}, expected `{words}` at {place}, got:\n{stderr}",
                out.status.code()
            ));
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} bad fixtures");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_fixture_in_the_folder_has_an_expectation() {
    let root = env!("CARGO_MANIFEST_DIR");
    let expected =
        std::fs::read_to_string(format!("{root}/tests/fixtures/bad/expected.txt")).unwrap();
    for e in std::fs::read_dir(format!("{root}/tests/fixtures/bad")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".toml") {
            assert!(
                expected
                    .lines()
                    .any(|l| l.starts_with(&format!("{name} |"))),
                "{name} has no line in expected.txt"
            );
        }
    }
}

#[test]
fn a_file_over_the_size_limit_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    std::fs::write(&big, "a = 1\n".repeat(300_000)).unwrap();
    let out = Command::cargo_bin("posture")
        .unwrap()
        .arg("score")
        .arg(&big)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("over the 1048576-byte limit"));
    let out = Command::cargo_bin("posture")
        .unwrap()
        .arg("score")
        .arg(&big)
        .args(["--max-file-size", "5000000"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a larger limit reads it, and it is still not a manifest"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("byte limit"));
}

#[test]
fn deep_nesting_and_huge_arrays_are_refused_without_overflowing() {
    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("deep.toml");
    std::fs::write(
        &deep,
        format!(
            "format = 1\nx = {}1{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
    )
    .unwrap();
    let out = Command::cargo_bin("posture")
        .unwrap()
        .arg("validate")
        .arg(&deep)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let wide = dir.path().join("wide.toml");
    let items = vec!["\"a\""; 150_000].join(",");
    std::fs::write(&wide, format!("format = 1\nincidents = [{items}]\n")).unwrap();
    let out = Command::cargo_bin("posture")
        .unwrap()
        .arg("validate")
        .arg(&wide)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_rubric_given_as_a_manifest_is_named_and_pointed_to_rubric() {
    for command in ["score", "gaps"] {
        let out = Command::cargo_bin("posture")
            .unwrap()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([command, "rubrics/institutional.toml"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("rubrics/institutional.toml looks like a rubric")
                && stderr.contains("use --rubric rubrics/institutional.toml"),
            "{command}: {stderr}"
        );
        assert!(!stderr.contains("unknown key"), "{command}: {stderr}");
    }
}

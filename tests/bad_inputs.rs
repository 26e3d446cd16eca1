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

/// What `validate` prints on stderr for a text.
fn validate_stderr(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.toml");
    std::fs::write(&path, text).unwrap();
    let out = Command::cargo_bin("posture")
        .unwrap()
        .arg("validate")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{text}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_date_written_another_way_is_shown_written_right() {
    let root = env!("CARGO_MANIFEST_DIR");
    for file in ["slash-date.toml", "dotted-date.toml"] {
        let text = std::fs::read_to_string(format!("{root}/tests/fixtures/bad/{file}")).unwrap();
        let stderr = validate_stderr(&text);
        assert!(
            stderr.contains("help: dates are written YYYY-MM-DD, unquoted: as_of = 2026-03-01"),
            "{file}: {stderr}"
        );
    }
    let base =
        std::fs::read_to_string(format!("{root}/tests/fixtures/bad/slash-date.toml")).unwrap();
    // Month first or day first cannot be told apart: the form is named, no date is guessed.
    let stderr = validate_stderr(&base.replace("2026/03/01", "3/1/2026"));
    assert!(
        stderr.contains("unquoted: as_of = YYYY-MM-DD") && !stderr.contains("2026-03-01"),
        "{stderr}"
    );
    // In an inline table the key is the one the date belongs to.
    let stderr = validate_stderr(&base.replace(
        "as_of = 2026/03/01",
        "as_of = 2026-03-01\nhistory = [ { version = \"1.0.0\", deployed = 2024-3-1 } ]",
    ));
    assert!(
        stderr.contains("unquoted: deployed = 2024-03-01"),
        "{stderr}"
    );
    // A syntax error that is no date gets no word about dates.
    let stderr = validate_stderr(&base.replace("as_of = 2026/03/01", "as_of = soon"));
    assert!(!stderr.contains("dates are written"), "{stderr}");
}

#[test]
fn a_number_written_as_text_is_shown_as_a_number_in_the_keys_unit() {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |f: &str| std::fs::read_to_string(format!("{root}/tests/fixtures/bad/{f}")).unwrap();
    let hours = read("hours-with-unit.toml");
    let stderr = validate_stderr(&hours);
    assert!(
        stderr.contains("help: a number of hours, unquoted and without a unit: delay_hours = 48\n"),
        "{stderr}"
    );
    let stderr = validate_stderr(&read("usd-as-text.toml"));
    assert!(
        stderr.contains("help: a number of US dollars")
            && stderr.contains("max_payout_usd = 1_000_000\n"),
        "{stderr}"
    );
    // Text with no number in front gets the unit's example.
    let stderr = validate_stderr(&hours.replace("\"48h\"", "\"two days\""));
    assert!(stderr.contains("delay_hours = 48\n"), "{stderr}");
    // A key with no unit in its name: a number, unquoted; quoted digits are text, not a number
    // too large for 64 bits.
    let stderr = validate_stderr(&hours.replace(
        "[timelock]",
        "[admin]\ncontrol = \"multisig\"\nthreshold = \"3\"\nsigners = 5\n\n[timelock]",
    ));
    assert!(
        stderr.contains("help: a number, unquoted: threshold = 3\n")
            && !stderr.contains("too large"),
        "{stderr}"
    );
    // An unquoted non-number (`inf`) is not told to drop quotes it does not have.
    let stderr = validate_stderr(&read("inf-payout.toml"));
    assert!(!stderr.contains("unquoted"), "{stderr}");
}

/// Where each problem of a run points (`line:col`), in the order shown.
fn error_places(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("┌─ "))
        .map(|p| {
            let mut parts = p.rsplitn(3, ':');
            let column = parts.next().unwrap_or_default();
            let line = parts.next().unwrap_or_default();
            format!("{line}:{column}")
        })
        .collect()
}

#[test]
fn semantic_errors_are_reported_with_schema_errors_elsewhere_in_file_order() {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!(
        "{root}/tests/fixtures/bad/schema-and-semantic-errors.toml"
    ))
    .unwrap();
    let stderr = validate_stderr(&text);
    assert!(stderr.contains("threshold 9 of 5 signers"), "{stderr}");
    assert!(
        stderr.contains("\"48h\" is not of type \"number\""),
        "{stderr}"
    );
    assert!(
        stderr.find("threshold 9").unwrap() < stderr.find("\"48h\"").unwrap(),
        "in the file's order: {stderr}"
    );
    // A table with a schema error of its own is not also checked for sense.
    let stderr = validate_stderr(&text.replace("signers = 5", "signers = 5\nthreshhold = 2"));
    assert!(stderr.contains("unknown key `threshhold`"), "{stderr}");
    assert!(!stderr.contains("threshold 9 of 5"), "{stderr}");
    // In a list of tables, an entry with a schema error is left out and the others are
    // checked, each reported at its own place.
    let audits = "\n[[audits]]\nfirm = \"A\"\ndate = 2025-01-01\nkind = \"cod\"\nscope = [\"pool\"]\ncovers = \"^1\"\n\
                  \n[[audits]]\nfirm = \"B\"\ndate = 2025-09-01\nkind = \"code\"\nscope = [\"pool\"]\ncovers = \"^1\"\n";
    let stderr = validate_stderr(&format!("{text}{audits}"));
    assert!(stderr.contains("\"cod\" is not one of"), "{stderr}");
    assert!(
        stderr.contains("audits[1].date: audit date 2025-09-01 is after"),
        "{stderr}"
    );
    assert_eq!(error_places(&stderr).len(), 4, "{stderr}");
    // A check that leans on a part left out is not made: with [[components]] broken, a scope
    // naming a component is not called unknown.
    let broken = text.replace("core = true", "core = \"yes\"");
    let stderr = validate_stderr(&format!("{broken}{audits}"));
    assert!(stderr.contains("components[0].core"), "{stderr}");
    assert!(!stderr.contains("no component named"), "{stderr}");
    assert!(stderr.contains("threshold 9 of 5 signers"), "{stderr}");
    // With [protocol] broken nothing else is checked for sense (dates are checked against its
    // as_of), and the schema errors are still all given.
    let stderr = validate_stderr(&text.replace("kind = \"lending\"", "kind = \"lendng\""));
    assert!(stderr.contains("\"lendng\" is not one of"), "{stderr}");
    assert!(!stderr.contains("threshold 9 of 5"), "{stderr}");
}

#[test]
fn a_rubrics_type_error_does_not_hide_its_compile_errors() {
    let out = Command::cargo_bin("posture")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "rubric",
            "lint",
            "tests/fixtures/bad/rubric-type-and-compile-errors.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for words in [
        "controls[0].metric: unknown metric `no.such1`",
        "controls[1].metric: unknown metric `no.such2`",
        "controls[2].metric: unknown metric `no.such3`",
        "controls[3].category: unknown category `govrnance`",
        "controls[4].weight: \"heavy\" is not of type \"number\"",
    ] {
        assert!(stderr.contains(words), "{words}: {stderr}");
    }
    // In the file's order, each at its own line.
    let places = error_places(&stderr);
    assert_eq!(places.len(), 6, "{stderr}");
    let lines: Vec<usize> = places
        .iter()
        .map(|p| p.split(':').next().unwrap().parse().unwrap())
        .collect();
    assert!(lines.is_sorted(), "{places:?}");
}

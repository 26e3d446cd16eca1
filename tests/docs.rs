//! Committed artefacts that must match the code: the JSON Schemas under `schemas/` and the
//! metric table in the README. Regenerate with the commands the failure message gives.

use posture::core::schema::{self, Kind};

fn committed(name: &str) -> String {
    std::fs::read_to_string(format!("{}/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn committed_schemas_match_the_code() {
    for (kind, name) in [
        (Kind::Manifest, "manifest"),
        (Kind::Rubric, "rubric"),
        (Kind::Report, "report"),
        (Kind::Config, "config"),
    ] {
        assert!(
            committed(&format!("schemas/{name}.schema.json")) == schema::text(kind),
            "schemas/{name}.schema.json is stale: run `cargo run -- schema {name} > schemas/{name}.schema.json`"
        );
    }
}

#[test]
fn the_readme_lists_every_metric_as_the_catalogue_does() {
    let readme = committed("README.md");
    assert!(
        readme.contains(&posture::cli::metrics_markdown()),
        "README.md's metric table is stale: paste the output of `cargo run -- rubric metrics`"
    );
}

#[test]
fn a_report_validates_against_the_report_schema() {
    let src = posture::load::Source::new("x", committed("protocols/balancer-v2.toml"));
    let m = posture::load::manifest(&src).unwrap();
    let (rubric, _) = posture::load::rubric_by_name("defi-baseline").unwrap();
    let l = posture::pipeline::Loaded {
        source: src,
        manifest: m,
    };
    let report = posture::pipeline::evaluate_one(
        &rubric,
        &l,
        &posture::pipeline::UpstreamFile::NotAFork,
        None,
    );
    let v = serde_json::to_value(&report).unwrap();
    let errors: Vec<String> = posture::load::conformance::validator(Kind::Report)
        .iter_errors(&v)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn shipped_files_start_with_a_schema_directive() {
    for dir in ["protocols", "rubrics"] {
        for entry in std::fs::read_dir(format!("{}/{dir}", env!("CARGO_MANIFEST_DIR"))).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|x| x != "toml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let expected = format!(
                "#:schema ../schemas/{}.schema.json",
                if dir == "rubrics" {
                    "rubric"
                } else {
                    "manifest"
                }
            );
            assert!(
                text.starts_with(&expected),
                "{} does not start with `{expected}`",
                path.display()
            );
        }
    }
}

#[test]
fn league_json_validates_against_the_report_schema() {
    for full in [false, true] {
        let mut cmd = assert_cmd::Command::cargo_bin("posture").unwrap();
        cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args([
            "score",
            "protocols/",
            "--format",
            "json",
        ]);
        if full {
            cmd.arg("--full");
        }
        let v: serde_json::Value = serde_json::from_slice(&cmd.output().unwrap().stdout).unwrap();
        assert!(v["portfolio"].is_object());
        assert_eq!(v["reports"].is_array(), full);
        let errors: Vec<String> = posture::load::conformance::validator(Kind::Report)
            .iter_errors(&v)
            .take(5)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
}

/// Every README block marked `<!-- output: ARGS -->` is what `posture ARGS` prints: its lines
/// before a `...` line are the first lines printed, its lines after it the last ones.
#[test]
fn the_readme_quotes_what_the_tool_prints() {
    let readme = committed("README.md");
    let mut checked = 0;
    for part in readme.split("<!-- output: ").skip(1) {
        let (args, rest) = part.split_once(" -->").expect("a closed marker");
        let block = rest
            .split_once("```text\n")
            .and_then(|(_, b)| b.split_once("\n```"))
            .map(|(b, _)| b)
            .expect("a text block after the marker");
        let out = assert_cmd::Command::cargo_bin("posture")
            .unwrap()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args.split_whitespace())
            .output()
            .unwrap();
        let printed = String::from_utf8(out.stdout).unwrap();
        let printed: Vec<&str> = printed.lines().collect();
        let (head, tail) = match block.split_once("\n...\n") {
            Some((h, t)) => (h, Some(t)),
            None => (block, None),
        };
        let head: Vec<&str> = head.lines().collect();
        assert_eq!(
            &printed[..head.len().min(printed.len())],
            &head[..],
            "README's block for `posture {args}` no longer starts as the tool prints"
        );
        if let Some(tail) = tail {
            let tail: Vec<&str> = tail.lines().collect();
            assert!(printed.len() >= tail.len());
            assert_eq!(
                &printed[printed.len() - tail.len()..],
                &tail[..],
                "README's block for `posture {args}` no longer ends as the tool prints"
            );
        } else {
            assert_eq!(
                printed.len(),
                head.len(),
                "README's block for `posture {args}`"
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 2,
        "the README's league and backtest blocks are marked"
    );
}

/// docs/VALIDATION.md quotes the backtest's figures on `protocols/` as the tool prints them:
/// after a data change, regenerate the quoted summary and tables from the commands it names.
#[test]
fn validation_quotes_what_the_backtest_prints() {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc = std::fs::read_to_string(format!("{root}/docs/VALIDATION.md")).unwrap();
    let run = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("posture")
            .unwrap()
            .current_dir(root)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let table = run(&["backtest", "protocols/"]);
    let lines: Vec<&str> = table.lines().collect();
    let summary = lines[lines.len() - 10..].join("\n");
    let marker = "<!-- summary: backtest protocols/ -->\n```text\n";
    let at = doc.find(marker).expect("the summary block is marked") + marker.len();
    let quoted = &doc[at..at + doc[at..].find("\n```").unwrap()];
    assert_eq!(
        quoted, summary,
        "docs/VALIDATION.md's summary no longer matches `posture backtest protocols/`"
    );
    let md = run(&["backtest", "protocols/", "--format", "markdown"]);
    let controls: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("| control |"))
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert!(controls.len() > 2);
    assert!(
        doc.contains(&controls.join("\n")),
        "docs/VALIDATION.md's per-control table no longer matches the tool"
    );
    let cmp = run(&[
        "backtest",
        "protocols/",
        "--rubric",
        "defi-baseline",
        "--rubric",
        "three-pillars",
        "--rubric",
        "institutional",
        "--format",
        "markdown",
    ]);
    let rows: Vec<&str> = cmp.lines().take_while(|l| l.starts_with('|')).collect();
    assert!(
        doc.contains(&rows.join("\n")),
        "docs/VALIDATION.md's rubric comparison no longer matches the tool"
    );
}

/// The backtest's JSON schema is committed, and what the tool prints validates against it.
#[test]
fn the_backtest_schema_is_committed_and_holds() {
    let text = schema::backtest_text();
    assert!(
        committed("schemas/backtest.schema.json") == text,
        "schemas/backtest.schema.json is stale: run `cargo run -- schema backtest > schemas/backtest.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for args in [
        &["backtest", "protocols/", "--format", "json"][..],
        &[
            "backtest",
            "protocols/",
            "--rubric",
            "defi-baseline",
            "--rubric",
            "three-pillars",
            "--format",
            "json",
        ],
    ] {
        let out = assert_cmd::Command::cargo_bin("posture")
            .unwrap()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{args:?}: {errors:?}");
    }
}

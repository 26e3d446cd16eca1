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

/// The README's `--format` row says which formats each command takes, as its `--help` does.
#[test]
fn the_readme_names_the_formats_each_command_takes() {
    let readme = committed("README.md");
    let row = readme
        .lines()
        .find(|l| l.starts_with("| `--format"))
        .expect("the option table has a --format row");
    // Commands that take the same formats are named together, in the order first met.
    let mut groups: Vec<(Vec<&str>, String)> = Vec::new();
    // The short help lists the values on one line, whether or not they are documented.
    for command in ["score", "forecast", "gaps", "diff", "backtest"] {
        let out = assert_cmd::Command::cargo_bin("posture")
            .unwrap()
            .args([command, "-h"])
            .output()
            .unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        let list = help
            .split_once("--format")
            .and_then(|(_, r)| r.split_once("[possible values: "))
            .and_then(|(_, r)| r.split_once(']'))
            .map(|(l, _)| l.to_string())
            .expect("--format lists its values");
        match groups.iter_mut().find(|(_, l)| *l == list) {
            Some((commands, _)) => commands.push(command),
            None => groups.push((vec![command], list)),
        }
    }
    let and = |items: Vec<String>| match &items[..] {
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => String::new(),
    };
    for (commands, list) in groups {
        let claim = format!(
            "{} take{} {}",
            and(commands.iter().map(|c| format!("`{c}`")).collect()),
            if commands.len() == 1 { "s" } else { "" },
            and(list.split(", ").map(str::to_string).collect())
        );
        assert!(
            row.contains(&claim),
            "README's --format row should say \"{claim}\":\n{row}"
        );
    }
}

/// Copies a folder's files (not its subfolders) into `to`.
fn copy_files(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let path = e.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

/// The commands a README line shows: `a|b` in a word, and ` | ` between subcommands, are
/// alternatives (`posture rubric list | show institutional`), each its own command.
fn alternatives(line: &str) -> Vec<Vec<String>> {
    let mut parts = line.split(" | ");
    let first: Vec<String> = parts
        .next()
        .unwrap()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let mut commands = vec![first.clone()];
    let stem = &first[..first.len().saturating_sub(1)];
    for part in parts {
        let mut c = stem.to_vec();
        c.extend(part.split_whitespace().map(str::to_string));
        commands.push(c);
    }
    commands
        .into_iter()
        .flat_map(|c| match c.iter().position(|w| w.contains('|')) {
            None => vec![c],
            Some(i) => c[i]
                .split('|')
                .map(|alt| {
                    let mut one = c.clone();
                    one[i] = alt.to_string();
                    one
                })
                .collect(),
        })
        .collect()
}

/// Every command in the README's "Using it" block runs as documented: exit 0, or 1 for a gate
/// it asks for, never a usage error or bad input. Each runs in a fresh folder holding the
/// shipped protocols and rubrics and the files the examples name (`my.toml` is the best-practice fixture,
/// `before.toml` and `after.toml` the DAO walkthrough's, `protocols.json` the DefiLlama fixture
/// export, `report.json` a report of the tool's own); a file a line writes with `-o` is not
/// there before it runs.
#[test]
fn every_command_in_using_it_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = committed("README.md");
    let section = readme
        .split_once("## Using it")
        .and_then(|(_, rest)| rest.split_once("```sh\n"))
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .map(|(block, _)| block)
        .expect("a sh block under ## Using it");
    let report = assert_cmd::Command::cargo_bin("posture")
        .unwrap()
        .current_dir(root)
        .args(["score", "protocols/balancer-v2.toml", "--format", "json"])
        .output()
        .unwrap()
        .stdout;
    let mut ran = 0;
    for line in section.lines() {
        let command = line.split(" # ").next().unwrap().trim();
        let Some(command) = command.strip_prefix("posture ") else {
            panic!("a line of Using it that is not a posture command: {line}");
        };
        for args in alternatives(command) {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            copy_files(&root.join("protocols"), &d.join("protocols"));
            copy_files(&root.join("rubrics"), &d.join("rubrics"));
            for tests in ["defi-baseline", "institutional"] {
                let at = format!("rubrics/tests/{tests}");
                copy_files(&root.join(&at), &d.join(&at));
            }
            let fixture =
                |name: &str, to: &str| std::fs::copy(root.join(name), d.join(to)).unwrap();
            fixture("tests/fixtures/best-practice.toml", "my.toml");
            fixture("rubrics/institutional.toml", "my-rubric.toml");
            fixture("examples/dao-self-assessment/before.toml", "before.toml");
            fixture("examples/dao-self-assessment/after.toml", "after.toml");
            let export =
                std::fs::read_to_string(root.join("tests/fixtures/defillama/protocols.json"))
                    .unwrap()
                    .replace("\"harbor-lend\"", "\"kamino\"");
            std::fs::write(d.join("protocols.json"), export).unwrap();
            std::fs::write(d.join("report.json"), &report).unwrap();
            if let Some(i) = args.iter().position(|a| a == "-o") {
                let _ = std::fs::remove_file(d.join(&args[i + 1]));
            }
            let out = assert_cmd::Command::cargo_bin("posture")
                .unwrap()
                .current_dir(d)
                .args(&args)
                .output()
                .unwrap();
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "README's `posture {}` exits {:?}:\n{}",
                args.join(" "),
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 20, "only {ran} commands");
}

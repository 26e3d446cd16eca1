//! posture in CI and on a developer's machine: SARIF and GitHub output of `score`, the
//! composite action and pre-commit hooks, shell completions, the man page and `-q`.

use assert_cmd::Command;

fn posture(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("posture")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn bash_completions_name_every_subcommand() {
    let out = posture(&["completions", "bash"]);
    assert!(out.status.success());
    let script = text(&out.stdout);
    for sub in [
        "score",
        "gaps",
        "diff",
        "backtest",
        "verify",
        "import",
        "init",
        "validate",
        "schema",
        "rubric",
        "badge",
        "completions",
        "man",
    ] {
        assert!(
            script.contains(&format!("posture,{sub})")),
            "no completion for {sub}"
        );
    }
    assert!(script.contains("--fail-under") && script.contains("--format"));
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let out = posture(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        assert!(text(&out.stdout).contains("badge"), "{shell}");
    }
    assert_eq!(posture(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn the_man_page_has_name_synopsis_and_the_commands() {
    let out = posture(&["man"]);
    assert!(out.status.success());
    let page = text(&out.stdout);
    assert!(page.contains(".TH posture 1"), "{page}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "no {section}");
    }
    assert!(page.contains("posture\\-score") || page.contains("score"));
    assert!(page.contains("\\-\\-quiet"));
}

#[test]
fn quiet_silences_the_summary_but_never_an_error() {
    let args = [
        "validate",
        "protocols/aave-v3.toml",
        "tests/fixtures/bad/typo-key.toml",
    ];
    let loud = posture(&args);
    assert_eq!(loud.status.code(), Some(2));
    assert!(text(&loud.stdout).contains("1 valid, 1 invalid"));
    assert!(text(&loud.stdout).contains("ok: protocols/aave-v3.toml"));
    let mut quiet_args = vec!["-q"];
    quiet_args.extend(args);
    let quiet = posture(&quiet_args);
    assert_eq!(quiet.status.code(), Some(2));
    assert!(quiet.stdout.is_empty(), "{}", text(&quiet.stdout));
    assert_eq!(text(&quiet.stderr), text(&loud.stderr));
    assert!(text(&quiet.stderr).contains("unknown key `delay_hour`"));
    // `-q` is global: after the subcommand too.
    let after = posture(&["validate", "-q", "protocols/aave-v3.toml"]);
    assert!(after.status.success());
    assert!(after.stdout.is_empty());
}

#[test]
fn quiet_silences_date_warnings_and_notes_not_the_report() {
    // Before Lido's launch the manifest cannot say which version ran: a warning on stderr.
    let args = ["score", "protocols/lido.toml", "--as-of", "2019-01-01"];
    let loud = posture(&args);
    assert!(
        text(&loud.stderr).contains("warning:"),
        "{}",
        text(&loud.stderr)
    );
    let mut q = vec!["--quiet"];
    q.extend(args);
    let quiet = posture(&q);
    assert_eq!(quiet.status.code(), loud.status.code());
    assert!(quiet.stderr.is_empty(), "{}", text(&quiet.stderr));
    assert_eq!(quiet.stdout, loud.stdout);
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/sarif/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the vendored SARIF schema compiles")
}

fn sarif(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["score"];
    all.extend_from_slice(args);
    all.extend(["--format", "sarif"]);
    let out = posture(&all);
    assert!(out.status.success(), "{all:?}: {}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let v = sarif_validator();
    let errors: Vec<String> = v
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{all:?}: not SARIF 2.1.0: {errors:#?}");
    doc
}

/// The 1-based line of the first line of `text` that starts with `prefix`.
fn line_starting(text: &str, prefix: &str) -> u64 {
    text.lines().position(|l| l.starts_with(prefix)).unwrap() as u64 + 1
}

#[test]
fn sarif_of_one_manifest_is_valid_sarif_with_every_rule_and_located_results() {
    let doc = sarif(&["protocols/balancer-v2@2025-11-07.toml"]);
    assert_eq!(doc["version"], "2.1.0");
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "posture");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    // Every control and gate of the rubric, as `rubric show` lists them.
    let shown = text(&posture(&["rubric", "show", "defi-baseline"]).stdout);
    let rules: Vec<&str> = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let listed: Vec<&str> = shown
        .lines()
        .filter_map(|l| {
            let l = l.strip_prefix("  ")?;
            (!l.starts_with(' ')).then(|| l.split(' ').next().unwrap())
        })
        .collect();
    assert_eq!(rules, listed, "rules are the rubric's controls then gates");
    let timelock = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "timelock")
        .unwrap();
    assert_eq!(
        timelock["shortDescription"]["text"],
        "Timelock on privileged changes"
    );
    assert_eq!(timelock["properties"]["category"], "governance");
    assert!(timelock["properties"]["weight"].as_f64().unwrap() > 0.0);
    assert!(
        timelock["help"]["text"]
            .as_str()
            .unwrap()
            .contains("To fix:")
    );

    // Results: the report's non-passing controls and its capping gate, at their tables.
    let report: serde_json::Value = serde_json::from_slice(
        &posture(&[
            "score",
            "protocols/balancer-v2@2025-11-07.toml",
            "--format",
            "json",
        ])
        .stdout,
    )
    .unwrap();
    let results = runs[0]["results"].as_array().unwrap();
    let manifest = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("protocols/balancer-v2@2025-11-07.toml"),
    )
    .unwrap();
    let find = |rule: &str| results.iter().find(|r| r["ruleId"] == rule);
    for f in report["findings"].as_array().unwrap() {
        let id = f["control"].as_str().unwrap();
        let expected = match f["status"].as_str().unwrap() {
            "fail" | "not-found" => Some("error"),
            "partial" => Some("warning"),
            "unknown" => Some("note"),
            _ => None,
        };
        assert_eq!(
            find(id).map(|r| r["level"].as_str().unwrap()),
            expected,
            "control {id}"
        );
    }
    let timelock = find("timelock").unwrap();
    let region = &timelock["locations"][0]["physicalLocation"];
    assert_eq!(
        region["artifactLocation"]["uri"],
        "protocols/balancer-v2@2025-11-07.toml"
    );
    assert_eq!(
        region["region"]["startLine"],
        line_starting(&manifest, "[timelock]")
    );
    assert!(
        timelock["message"]["text"]
            .as_str()
            .unwrap()
            .contains("fail")
    );
    assert!(
        timelock["message"]["text"]
            .as_str()
            .unwrap()
            .contains("To fix:")
    );
    let audits = find("code-audits").unwrap();
    assert_eq!(
        audits["locations"][0]["physicalLocation"]["region"]["startLine"],
        line_starting(&manifest, "[[audits]]")
    );
    // The gate that caps, at its metric's table; an unknown table at line 1.
    let gate = find("unresolved-critical").unwrap();
    assert_eq!(gate["level"], "error");
    assert_eq!(
        gate["locations"][0]["physicalLocation"]["region"]["startLine"],
        line_starting(&manifest, "[[incidents]]")
    );
    assert!(find("three-pillars").is_none() || report["grade_before_caps"] == "F");
    let insurance = find("insurance").unwrap();
    assert_eq!(insurance["level"], "note");
    assert_eq!(
        insurance["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    // The schema check can fail: a level SARIF does not have is refused.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!sarif_validator().is_valid(&broken));
    for r in results {
        let rule = r["ruleId"].as_str().unwrap();
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(driver["rules"][index]["id"], rule);
    }
}

#[test]
fn sarif_fingerprints_do_not_move_with_lines_and_differ_by_protocol_and_rule() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("protocols/balancer-v2@2025-11-07.toml"),
    )
    .unwrap();
    let a = dir.path().join("a.toml");
    let b = dir.path().join("b.toml");
    std::fs::write(&a, &original).unwrap();
    std::fs::write(&b, format!("# a comment\n# and another\n{original}")).unwrap();
    let prints = |doc: &serde_json::Value| -> Vec<(String, String, u64)> {
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["partialFingerprints"]["postureRule/v1"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect()
    };
    let pa = prints(&sarif(&[a.to_str().unwrap()]));
    let pb = prints(&sarif(&[b.to_str().unwrap()]));
    assert_eq!(pa.len(), pb.len());
    for (x, y) in pa.iter().zip(&pb) {
        assert_eq!((&x.0, &x.1), (&y.0, &y.1), "same rule, same fingerprint");
        if x.2 > 1 {
            assert_eq!(y.2, x.2 + 2, "{}: the location moved with the text", x.0);
        }
    }
    let mut unique: Vec<&String> = pa.iter().map(|p| &p.1).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), pa.len(), "one fingerprint per rule");
    let other = prints(&sarif(&["protocols/balancer-v2.toml"]));
    let shared = other.iter().find(|o| o.0 == "timelock").unwrap();
    let mine = pa.iter().find(|o| o.0 == "timelock").unwrap();
    assert_eq!(
        shared.1, mine.1,
        "the same protocol and rule in another snapshot"
    );
    let aave = prints(&sarif(&["protocols/aave-v3.toml"]));
    assert!(
        aave.iter().all(|x| pa.iter().all(|y| x.1 != y.1)),
        "another protocol"
    );
}

#[test]
fn sarif_of_a_league_is_one_valid_run_with_every_manifests_results() {
    let doc = sarif(&[
        "protocols/aave-v3.toml",
        "protocols/balancer-v2.toml",
        "protocols/lido.toml",
    ]);
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let files: std::collections::BTreeSet<&str> = runs[0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        [
            "protocols/aave-v3.toml",
            "protocols/balancer-v2.toml",
            "protocols/lido.toml"
        ]
    );
    let again = sarif(&[
        "protocols/lido.toml",
        "protocols/balancer-v2.toml",
        "protocols/aave-v3.toml",
    ]);
    assert_eq!(doc, again, "argument order does not change the document");
}

#[test]
fn github_annotations_escape_and_the_step_summary_is_appended() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let out = Command::cargo_bin("posture")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args([
            "score",
            "protocols/balancer-v2@2025-11-07.toml",
            "--format",
            "github",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = text(&out.stdout);
    let manifest = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("protocols/balancer-v2@2025-11-07.toml"),
    )
    .unwrap();
    let timelock = lines
        .lines()
        .find(|l| l.contains("Timelock on privileged changes"))
        .unwrap();
    assert!(
        timelock.starts_with(&format!(
            "::error file=protocols/balancer-v2@2025-11-07.toml,line={},title=posture balancer-v2%3A Timelock",
            line_starting(&manifest, "[timelock]")
        )),
        "{timelock}"
    );
    for l in lines.lines() {
        assert!(
            l.starts_with("::error ") || l.starts_with("::warning ") || l.starts_with("::notice "),
            "{l}"
        );
        let (props, _) = l[2..].split_once("::").unwrap();
        let title = props.split_once("title=").unwrap().1;
        assert!(!title.contains(',') && !title.contains(':'), "{title}");
    }
    // `%` in a message is escaped, so `10%` cannot read as an escape.
    assert!(lines.contains("10%25 of TVL"), "{lines}");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("earlier step\n## posture: Balancer V2 grades F"),
        "{md}"
    );
    assert!(
        md.contains("| error | `timelock` Timelock on privileged changes | fail |"),
        "{md}"
    );
    // Without the variable, nothing but the annotations.
    let out = posture(&[
        "score",
        "protocols/balancer-v2@2025-11-07.toml",
        "--format",
        "github",
    ]);
    assert_eq!(text(&out.stdout), lines);
}

#[test]
fn github_escaping_follows_the_toolkit() {
    // A manifest whose name carries newlines and percent signs, graded in a league: the step
    // summary and annotations stay one line per command.
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("protocols/aave-v3.toml"),
    )
    .unwrap();
    let path = dir.path().join("x,y:z%.toml");
    std::fs::write(&path, &original).unwrap();
    let out = posture(&["score", path.to_str().unwrap(), "--format", "github"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = text(&out.stdout);
    assert!(lines.contains("x%2Cy%3Az%25.toml,line="), "{lines}");
}

#[test]
fn ci_formats_are_for_score_only() {
    // gaps, diff and backtest list only their own formats: clap refuses the CI ones.
    for format in ["sarif", "github"] {
        let out = posture(&["gaps", "protocols/aave-v3.toml", "--format", format]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out.stderr).contains(&format!("invalid value '{format}' for '--format")),
            "{}",
            text(&out.stderr)
        );
        let out = posture(&["forecast", "protocols/aave-v3.toml", "--format", format]);
        assert_eq!(out.status.code(), Some(2), "forecast --format {format}");
    }
}

fn yaml(path: &str) -> yaml_rust2::Yaml {
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut docs =
        yaml_rust2::YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(docs.len(), 1, "{path}: one document");
    docs.remove(0)
}

/// Splits a shell command line into words, keeping double-quoted words whole.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let (mut quoted, mut any) = (false, false);
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

/// Runs a `posture ...` line of a script on the example folder, its shell variables replaced
/// by example values; it must parse and run (exit 0 or 1: a gate may fail, usage may not).
fn run_posture_line(line: &str, vars: &[(&str, &str)]) {
    let command = line.split(" || ").next().unwrap().trim();
    let mut args: Vec<String> = words(command);
    assert_eq!(args.remove(0), "posture", "{line}");
    for a in &mut args {
        if let Some(name) = a.strip_prefix('$') {
            let value = vars
                .iter()
                .find(|(k, _)| *k == name)
                .unwrap_or_else(|| panic!("{line}: no example value for ${name}"));
            *a = value.1.to_string();
        }
        assert!(!a.contains('$'), "{line}: a variable inside a word: {a}");
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = posture(&args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{line} -> posture {args:?}: exit {:?}\n{}",
        out.status.code(),
        text(&out.stderr)
    );
}

#[test]
fn every_posture_command_of_the_action_runs_on_the_example() {
    let action = yaml("action.yml");
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("posture.sarif");
    let vars = [
        ("MANIFESTS", "examples/dao-self-assessment/after.toml"),
        ("RUBRIC", "defi-baseline"),
        ("FAIL_UNDER", "B"),
        ("sarif", sarif.to_str().unwrap()),
        ("BASE_FILE", "examples/dao-self-assessment/before.toml"),
        ("HEAD_FILE", "examples/dao-self-assessment/after.toml"),
        ("PROTOCOLS", "examples/dao-self-assessment"),
    ];
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let inputs = action["inputs"].as_hash().unwrap();
    let names: Vec<&str> = inputs.keys().map(|k| k.as_str().unwrap()).collect();
    assert_eq!(names, ["manifests", "rubric", "fail-under", "base-ref"]);
    let mut commands = Vec::new();
    let mut scripts = String::new();
    for step in action["runs"]["steps"].as_vec().unwrap() {
        assert_eq!(step["shell"].as_str(), Some("bash"), "{step:?}");
        let run = step["run"].as_str().unwrap();
        scripts.push_str(run);
        for line in run.lines().map(str::trim) {
            if line.starts_with("posture ") {
                commands.push(words(line)[1].clone());
                run_posture_line(line, &vars);
            }
        }
    }
    assert!(scripts.contains("cargo install --locked --path \"$GITHUB_ACTION_PATH\""));
    assert!(scripts.contains("git show \"FETCH_HEAD:$HEAD_FILE\""));
    assert!(scripts.contains("--fail-on-regression") && scripts.contains("--fail-under"));
    commands.dedup();
    assert_eq!(commands, ["validate", "score", "diff"]);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert!(sarif_validator().is_valid(&doc));

    // The example workflow uses the action with its inputs only.
    let workflow = yaml("examples/dao-self-assessment/.github/workflows/posture.yml");
    let steps = workflow["jobs"]["posture"]["steps"].as_vec().unwrap();
    let uses = steps
        .iter()
        .find(|s| s["uses"].as_str().is_some_and(|u| u.contains("/posture@")))
        .expect("the example uses the action");
    for (k, _) in uses["with"].as_hash().unwrap() {
        assert!(names.contains(&k.as_str().unwrap()), "unknown input {k:?}");
    }
    assert!(steps.iter().any(|s| {
        s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif"))
    }));
}

#[test]
fn every_pre_commit_hook_runs_a_valid_posture_command() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_vec().unwrap();
    let mut ids = Vec::new();
    for hook in hooks {
        let id = hook["id"].as_str().unwrap();
        ids.push(id);
        let entry = hook["entry"].as_str().unwrap();
        assert!(entry.starts_with("posture "), "{id}: {entry}");
        assert_eq!(hook["language"].as_str(), Some("rust"), "{id}");
        // pre-commit appends the staged files that match: two of them, as it would.
        let files = match words(entry)[1].as_str() {
            "validate" => " examples/dao-self-assessment/after.toml rubrics/institutional.toml",
            "rubric" => " rubrics/defi-baseline.toml rubrics/institutional.toml",
            other => panic!("{id}: a hook for an unexpected command {other}"),
        };
        let line = format!("{entry}{files}");
        let args = words(&line);
        let args: Vec<&str> = args[1..].iter().map(String::as_str).collect();
        let out = posture(&args);
        assert_eq!(out.status.code(), Some(0), "{line}: {}", text(&out.stderr));
        // And a bad file fails the commit.
        let mut bad = args.clone();
        bad.push("tests/fixtures/bad/typo-key.toml");
        assert_eq!(posture(&bad).status.code(), Some(2), "{line} on a bad file");
    }
    assert_eq!(ids, ["posture-validate", "posture-rubric-lint"]);
    let config = yaml("examples/dao-self-assessment/.pre-commit-config.yaml");
    for repo in config["repos"].as_vec().unwrap() {
        for hook in repo["hooks"].as_vec().unwrap() {
            assert!(ids.contains(&hook["id"].as_str().unwrap()), "{hook:?}");
        }
    }
}

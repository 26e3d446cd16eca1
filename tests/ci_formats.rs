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

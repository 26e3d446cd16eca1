//! Hostile inputs: files and reports written to make posture lose data, hang, forge a verdict
//! or print what the files did not say. Each test fails without the mechanism it names.

mod common;

use assert_cmd::Command;
use common::{ROOT, posture};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `posture` run in `dir`, with a timeout: a hang is a failure, not a stuck test run.
fn posture_in(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("posture").unwrap();
    c.current_dir(dir).timeout(Duration::from_secs(20));
    c
}

/// A folder holding copies of two shipped manifests.
fn folder() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("aave-v3.toml");
    let b = dir.path().join("lido.toml");
    std::fs::copy(format!("{ROOT}/protocols/aave-v3.toml"), &a).unwrap();
    std::fs::copy(format!("{ROOT}/protocols/lido.toml"), &b).unwrap();
    (dir, a, b)
}

fn original(name: &str) -> Vec<u8> {
    std::fs::read(format!("{ROOT}/protocols/{name}")).unwrap()
}

#[cfg(unix)]
#[test]
fn o_never_replaces_a_file_the_command_read_under_any_name() {
    use std::os::unix::fs::symlink;
    let (dir, a, _) = folder();
    let d = dir.path();
    symlink(&a, d.join("link.toml")).unwrap();
    std::fs::create_dir(d.join("out")).unwrap();
    symlink(&a, d.join("out/report.txt")).unwrap();
    let rubric = d.join("mine.toml");
    std::fs::write(
        &rubric,
        "[rubric]\nid = \"mine\"\ntitle = \"Mine\"\nversion = \"1.0.0\"\nextends = \"defi-baseline\"\n",
    )
    .unwrap();
    let attempts: Vec<Vec<&str>> = vec![
        // onto a link to the input
        vec!["score", "aave-v3.toml", "-o", "link.toml"],
        // the input named through a link, -o onto the file itself
        vec!["score", "link.toml", "-o", "aave-v3.toml"],
        // a link elsewhere that points at an input
        vec!["score", "aave-v3.toml", "lido.toml", "-o", "out/report.txt"],
        // onto the rubric file
        vec![
            "score",
            "aave-v3.toml",
            "--rubric",
            "mine.toml",
            "-o",
            "mine.toml",
        ],
        // commands that write small results
        vec!["gaps", "aave-v3.toml", "-o", "aave-v3.toml"],
        vec!["diff", "aave-v3.toml", "lido.toml", "-o", "lido.toml"],
        vec!["backtest", "aave-v3.toml", "lido.toml", "-o", "link.toml"],
    ];
    let rubric_text = std::fs::read(&rubric).unwrap();
    for args in attempts {
        let out = posture_in(d).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?} was not refused");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("would replace a file this command read"),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            std::fs::read(&a).unwrap(),
            original("aave-v3.toml"),
            "{args:?}"
        );
        assert_eq!(
            std::fs::read(d.join("lido.toml")).unwrap(),
            original("lido.toml")
        );
        assert_eq!(std::fs::read(&rubric).unwrap(), rubric_text, "{args:?}");
    }
    // A fork's upstream, found in the fork's folder, is an input too.
    let fork = d.join("fork.toml");
    let text = String::from_utf8(original("aave-v3.toml"))
        .unwrap()
        .replacen("id = \"aave-v3\"", "id = \"fork-lend\"", 1);
    std::fs::write(
        &fork,
        format!(
            "{text}\n[lineage]\nforked_from = \"lido\"\nupstream_version = \"1.0.0\"\nsource = \"https://example.org\"\n"
        ),
    )
    .unwrap();
    let out = posture_in(d)
        .args(["score", "fork.toml", "-o", "lido.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read(d.join("lido.toml")).unwrap(),
        original("lido.toml")
    );
    // Writing elsewhere still works, and through a link to a fresh file too.
    posture_in(d)
        .args(["score", "aave-v3.toml", "-o", "report.txt"])
        .assert()
        .code(0);
    assert!(
        std::fs::read_to_string(d.join("report.txt"))
            .unwrap()
            .contains("Aave V3")
    );
}

#[cfg(unix)]
#[test]
fn special_files_are_refused_and_the_good_files_still_scored() {
    use std::os::unix::fs::symlink;
    let (dir, _, _) = folder();
    let d = dir.path();
    let fifo = std::ffi::CString::new(d.join("pipe.toml").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    symlink("/dev/zero", d.join("zero.toml")).unwrap();
    let out = posture_in(d).args(["score", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        stdout.contains("aave-v3") && stdout.contains("lido"),
        "{stdout}"
    );
    assert!(
        stderr.contains("pipe.toml is not a regular file"),
        "{stderr}"
    );
    assert!(
        stderr.contains("zero.toml is not a regular file"),
        "{stderr}"
    );
    // As a rubric, and as a report to verify.
    for args in [
        vec!["score", "aave-v3.toml", "--rubric", "pipe.toml"],
        vec!["score", "aave-v3.toml", "--rubric", "zero.toml"],
        vec!["verify", "zero.toml"],
        vec!["verify", "pipe.toml"],
    ] {
        let out = posture_in(d).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
    }
}

#[cfg(unix)]
#[test]
fn a_folder_that_links_to_itself_is_reported_and_the_rest_scored() {
    let (dir, _, _) = folder();
    let d = dir.path();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::os::unix::fs::symlink("..", d.join("sub/up")).unwrap();
    let out = posture_in(d).args(["score", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("aave-v3") && stdout.contains("lido"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("links back to"));
}

#[test]
fn the_same_files_in_any_order_print_the_same_bytes() {
    let run = |args: &[&str]| posture().args(args).output().unwrap().stdout;
    let a = run(&[
        "score",
        "protocols/lido.toml",
        "protocols/aave-v3.toml",
        "protocols/beets.toml",
        "--format",
        "json",
        "--full",
    ]);
    let b = run(&[
        "score",
        "protocols/beets.toml",
        "protocols/aave-v3.toml",
        "protocols/lido.toml",
        "--format",
        "json",
        "--full",
    ]);
    assert!(!a.is_empty());
    assert_eq!(a, b);
}

/// A league report of two shipped manifests, saved with `--full` or without.
fn league(dir: &Path, full: bool) -> serde_json::Value {
    let path = dir.join("league.json");
    let mut c = posture();
    c.args([
        "score",
        "protocols/aave-v3.toml",
        "protocols/lido.toml",
        "--format",
        "json",
        "-o",
    ])
    .arg(&path);
    if full {
        c.arg("--full");
    }
    c.assert().code(0);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn verify_code(dir: &Path, doc: &serde_json::Value) -> (Option<i32>, String) {
    let path = dir.join("forged.json");
    std::fs::write(&path, serde_json::to_string(doc).unwrap()).unwrap();
    let out = posture().arg("verify").arg(&path).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[test]
fn verify_refuses_or_catches_every_forged_document() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let plain = league(d, false);
    let full = league(d, true);
    assert_eq!(verify_code(d, &plain).0, Some(0));
    assert_eq!(verify_code(d, &full).0, Some(0));

    let mut forged = Vec::new();
    let mut v = plain.clone();
    v["reports"] = serde_json::json!([]);
    forged.push(("reports added", v));
    forged.push(("only a league", serde_json::json!({"league": []})));
    let mut v = plain.clone();
    v["portfolio"]["score"] = serde_json::json!(99.0);
    forged.push(("edited portfolio", v));
    let mut v = plain.clone();
    v["league"][0]["rank"] = serde_json::json!(2);
    v["league"][1]["rank"] = serde_json::json!(1);
    forged.push(("swapped ranks", v));
    let mut v = full.clone();
    v["league"][0]["report"] = serde_json::json!(7);
    forged.push(("row points nowhere", v));
    let mut v = full.clone();
    let other = v["league"][1]["report"].clone();
    v["league"][0]["report"] = other;
    forged.push(("row points at another report", v));
    let mut v = plain.clone();
    v["extra"] = serde_json::json!(true);
    forged.push(("unknown field", v));
    let mut v = plain.clone();
    v["stamp"]["rubric"]["id"] = serde_json::json!("/etc/passwd");
    forged.push(("rubric id as a path", v));
    for (what, doc) in forged {
        let (code, text) = verify_code(d, &doc);
        assert!(matches!(code, Some(1 | 2)), "{what} held: {text}");
        assert!(
            !text.contains("/etc/passwd:"),
            "{what}: read a rubric id as a file"
        );
    }
}

#[test]
fn a_fork_report_that_hides_its_upstream_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(format!("{ROOT}/protocols/lido.toml"), d.join("lido.toml")).unwrap();
    let text = String::from_utf8(original("aave-v3.toml"))
        .unwrap()
        .replacen("id = \"aave-v3\"", "id = \"fork-lend\"", 1);
    std::fs::write(
        d.join("fork-lend.toml"),
        format!(
            "{text}\n[lineage]\nforked_from = \"lido\"\nupstream_version = \"1.0.0\"\nsource = \"https://example.org\"\n"
        ),
    )
    .unwrap();
    posture_in(d)
        .args([
            "score",
            "fork-lend.toml",
            "--format",
            "json",
            "-o",
            "r.json",
        ])
        .assert()
        .code(0);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("r.json")).unwrap()).unwrap();
    assert!(!v["stamp"]["upstream"].is_null());
    v["stamp"]["upstream"] = serde_json::Value::Null;
    std::fs::write(d.join("r.json"), serde_json::to_string(&v).unwrap()).unwrap();
    let out = posture_in(d).args(["verify", "r.json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is its upstream"));
}

/// A copy of a shipped manifest with one line replaced, in a fresh folder.
fn edited(from: &str, to: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let text = String::from_utf8(original("aave-v3.toml")).unwrap();
    assert!(text.contains(from), "the fixture has {from}");
    let path = dir.path().join("x.toml");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    (dir, path)
}

#[test]
fn money_beyond_any_real_amount_is_refused_at_its_line() {
    let text = String::from_utf8(original("aave-v3.toml")).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("tvl_usd = "))
        .expect("the protocol states its TVL");
    let (_dir, path) = edited(&format!("\n{line}\n"), "\ntvl_usd = 1e308\n");
    let out = posture().arg("score").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a valid amount"), "{stderr}");
    assert!(stderr.contains("x.toml:"), "names file and line: {stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("NaN"));
}

#[test]
fn a_look_alike_upstream_id_is_refused() {
    // A Cyrillic "а" in place of the Latin one.
    let (_dir, path) = edited(
        "[protocol]",
        "[lineage]\nforked_from = \"\u{430}ave-v2\"\nupstream_version = \"1.0.0\"\nsource = \"https://example.org\"\n\n[protocol]",
    );
    let out = posture().arg("validate").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a protocol id"));
}

#[test]
fn rubric_ids_cannot_carry_markup() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(format!("{ROOT}/rubrics/defi-baseline.toml"))
        .unwrap()
        .replacen("id = \"timelock\"", "id = \"<script>alert(1)</script>\"", 1);
    let path = dir.path().join("r.toml");
    std::fs::write(&path, text).unwrap();
    let out = posture().args(["validate"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not kebab-case"));
}

#[test]
fn a_byte_order_mark_does_not_shift_columns_and_bad_utf8_is_placed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bom.toml");
    std::fs::write(&path, "\u{feff}format = 1\n[protocol]\nid = 5\n").unwrap();
    let out = posture().arg("validate").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bom.toml:3:6"), "{stderr}");
    let path = dir.path().join("latin1.toml");
    std::fs::write(&path, b"format = 1\n# caf\xe9\n").unwrap();
    let out = posture().arg("validate").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("latin1.toml:2:6"));
}

/// True when text could drive a terminal: an escape, a bell, a carriage return, a C1 control
/// or a bidi control.
fn drives_a_terminal(text: &str) -> bool {
    text.chars().any(|c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

#[test]
fn nothing_from_a_file_drives_the_terminal() {
    // A right-to-left override in the name (control characters in names are refused at load)
    // and a terminal title escape with a bell in an oracle provider, in every text the
    // commands print for people.
    let (dir, path) = edited("name = \"Aave V3\"", "name = \"Aave\\u202eV3\"");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen(
        "providers = [\"chainlink\"]",
        "providers = [\"chain\\u001b]0;pwned\\u0007link\"]",
        1,
    );
    std::fs::write(&path, text).unwrap();
    let d = dir.path();
    for args in [
        vec!["score", "x.toml"],
        vec!["score", "x.toml", "--format", "markdown"],
        vec!["gaps", "x.toml"],
        vec!["score", "x.toml", "--set", "protocol.kind=\u{1b}[2J"],
    ] {
        let out = posture_in(d).args(&args).output().unwrap();
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            assert!(!drives_a_terminal(&text), "{args:?} {stream}: {text:?}");
        }
    }
    // A file name with an escape in it, as validate lists it.
    std::fs::copy(&path, d.join("\u{1b}[31mred.toml")).unwrap();
    let out = posture_in(d).args(["validate", "."]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("?[31mred.toml"), "{text}");
    assert!(!drives_a_terminal(&text), "{text:?}");
    // Strings of a report, as verify prints them.
    posture_in(d)
        .args(["score", "x.toml", "--format", "json", "-o", "r.json"])
        .assert()
        .code(0);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("r.json")).unwrap()).unwrap();
    v["protocol"]["id"] = "evil\u{1b}[2J\u{202e}".into();
    std::fs::write(d.join("r.json"), serde_json::to_string(&v).unwrap()).unwrap();
    let out = posture_in(d).args(["verify", "r.json"]).output().unwrap();
    for bytes in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(bytes);
        assert!(!drives_a_terminal(&text), "verify: {text:?}");
    }
    // JSON stays exactly as made: its escapes are already inert, and verify reads it back.
    let json = posture_in(d)
        .args(["score", "x.toml", "--format", "json"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&json.stdout).contains('\u{202e}'));
}

#[test]
fn a_name_cannot_print_a_line_of_its_own() {
    // A line break in the name would print a forged "Grade A" line under the report's title.
    let (_dir, path) = edited(
        "name = \"Aave V3\"",
        "name = \"Aave V3\\nGrade A  score 99.0/100\"",
    );
    let out = posture().arg("score").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Grade A"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("a name is one line of text"), "{stderr}");
    assert!(
        stderr.contains("x.toml:12:"),
        "names file and line: {stderr}"
    );
}

/// A folder of forks, each `(id, upstream)`, made from the best-practice fixture.
fn forks(pairs: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let best =
        std::fs::read_to_string(format!("{ROOT}/tests/fixtures/best-practice.toml")).unwrap();
    for (id, up) in pairs {
        let text = best.replacen("id = \"exemplar\"", &format!("id = \"{id}\""), 1)
            + &format!(
                "\n[lineage]\nforked_from = \"{up}\"\nupstream_version = \"1.0.0\"\nsource = \"https://example.org/fork\"\n"
            );
        std::fs::write(dir.path().join(format!("{id}.toml")), text).unwrap();
    }
    dir
}

const CYCLE: [(&str, &str); 3] = [
    ("fork-a", "fork-b"),
    ("fork-b", "fork-c"),
    ("fork-c", "fork-a"),
];

#[test]
fn forks_that_fork_each_other_are_reported_at_their_lineage() {
    let dir = forks(&CYCLE);
    let out = posture_in(dir.path())
        .args(["validate", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr
            .matches("forks make a cycle (fork-a -> fork-b -> fork-c -> fork-a)")
            .count(),
        3,
        "{stderr}"
    );
    assert!(
        stderr.contains("fork-b.toml:"),
        "names the file and line: {stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 valid, 3 invalid"));
}

#[test]
fn score_refuses_forks_that_fork_each_other_and_scores_the_rest() {
    // A fork of one on the cycle, and a protocol that is no fork, still score.
    let dir = forks(&[CYCLE[0], CYCLE[1], CYCLE[2], ("fork-d", "fork-a")]);
    std::fs::copy(
        format!("{ROOT}/protocols/lido.toml"),
        dir.path().join("lido.toml"),
    )
    .unwrap();
    let said = "lineage.forked_from: forks make a cycle (fork-a -> fork-b -> fork-c -> fork-a)";
    for full in [false, true] {
        let mut args = vec!["score", ".", "--format", "json"];
        if full {
            args.push("--full");
        }
        let out = posture_in(dir.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.matches(said).count(), 3, "{stderr}");
        for (id, up) in CYCLE {
            // Each at its own `forked_from` line, as `validate` says it.
            assert!(
                stderr.contains(&format!("{id}.toml:160:15")),
                "{id}: {stderr}"
            );
            assert!(
                stderr.contains(&format!("forked_from = \"{up}\"")),
                "{stderr}"
            );
        }
        assert!(
            stderr.contains("3 of 5 files could not be scored"),
            "{stderr}"
        );
        let league: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut ids: Vec<&str> = league["league"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, ["fork-d", "lido"], "full: {full}");
    }
    // One fork scored alone: its upstreams are followed through its folder round the cycle.
    let out = posture_in(dir.path())
        .args(["score", "fork-b.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches(said).count(), 1, "{stderr}");
    assert!(stderr.contains("fork-b.toml:160:15"), "{stderr}");
    // Off the cycle, a fork alone still scores, whatever its upstream forks.
    let out = posture_in(dir.path())
        .args(["score", "fork-d.toml"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_file_shows_at_most_50_errors_then_how_many_more() {
    let dir = tempfile::tempdir().unwrap();
    let best =
        std::fs::read_to_string(format!("{ROOT}/tests/fixtures/best-practice.toml")).unwrap();
    // A thousand unknown keys (schema errors), and three hundred audits dated after the
    // evaluation date (semantic errors).
    let keys: String = (0..1000).map(|i| format!("junk{i} = {i}\n")).collect();
    let audits: String = (0..300)
        .map(|i| format!("\n[[audits]]\nfirm = \"F{i}\"\ndate = 2099-01-01\nkind = \"code\"\nscope = [\"pool\"]\ncovers = \"^1\"\nsource = \"https://example.org/a\"\n"))
        .collect();
    std::fs::write(
        dir.path().join("keys.toml"),
        best.replacen("[protocol]\n", &format!("[protocol]\n{keys}"), 1),
    )
    .unwrap();
    std::fs::write(dir.path().join("later.toml"), format!("{best}{audits}")).unwrap();
    for (file, more) in [("keys.toml", 950), ("later.toml", 250)] {
        let out = posture_in(dir.path())
            .args(["validate", file])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.matches("\nerror: ").count() + usize::from(stderr.starts_with("error: ")),
            51,
            "{file}"
        );
        assert!(
            stderr.contains(&format!("... and {more} more errors in {file}")),
            "{stderr}"
        );
    }
}

#[test]
fn a_rubric_named_without_a_folder_extends_the_file_beside_it() {
    // `r.toml`'s folder is the empty path, which names no folder: it is the current one.
    let (dir, _, _) = folder();
    std::fs::write(
        dir.path().join("base.toml"),
        "[rubric]\nid = \"base\"\ntitle = \"Base\"\nversion = \"1.0.0\"\nextends = \"defi-baseline\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("r.toml"),
        "[rubric]\nid = \"mine\"\ntitle = \"Mine\"\nversion = \"1.0.0\"\nextends = \"base.toml\"\n",
    )
    .unwrap();
    let out = posture_in(dir.path())
        .args(["score", "lido.toml", "--rubric", "r.toml"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("rubric mine"));
}

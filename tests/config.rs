//! posture.toml: where it is found, what wins over it, how a bad one is reported, and how its
//! hash ties a report to it (`verify`).

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::ROOT;

fn posture_in(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("posture").unwrap();
    c.current_dir(dir);
    for v in [
        "POSTURE_FORMAT",
        "POSTURE_RUBRIC",
        "POSTURE_FAIL_UNDER",
        "POSTURE_PROTOCOLS",
    ] {
        c.env_remove(v);
    }
    c
}

/// A repository root (`.git`) with a manifest in `sub/` and a config where `config_at` says.
fn repo(config_at: &str, config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("repo/.git")).unwrap();
    std::fs::create_dir_all(dir.path().join("repo/sub")).unwrap();
    std::fs::copy(
        Path::new(ROOT).join("protocols/balancer-v2.toml"),
        dir.path().join("repo/sub/balancer-v2.toml"),
    )
    .unwrap();
    std::fs::write(dir.path().join(config_at), config).unwrap();
    dir
}

fn rubric_id(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["stamp"]["rubric"]["id"].as_str().unwrap().to_string()
}

#[test]
fn the_config_is_found_here_or_above_up_to_the_repository_root() {
    let json = ["score", "balancer-v2.toml", "--format", "json"];
    let here = repo("repo/sub/posture.toml", "rubric = \"three-pillars\"\n");
    let sub = here.path().join("repo/sub");
    assert_eq!(rubric_id(posture_in(&sub).args(json)), "three-pillars");

    let parent = repo("repo/posture.toml", "rubric = \"three-pillars\"\n");
    let sub = parent.path().join("repo/sub");
    assert_eq!(rubric_id(posture_in(&sub).args(json)), "three-pillars");
    let out = posture_in(&sub).args(json).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stamp"]["config"]["path"], "../posture.toml");

    // Above the repository root is someone else's folder: not read.
    let outside = repo("posture.toml", "rubric = \"three-pillars\"\n");
    let sub = outside.path().join("repo/sub");
    assert_eq!(rubric_id(posture_in(&sub).args(json)), "defi-baseline");
    let out = posture_in(&sub).args(json).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["stamp"].get("config").is_none(), "{:#}", v["stamp"]);

    // --no-config ignores a config that would be found; --config reads one that would not.
    assert_eq!(
        rubric_id(
            posture_in(&parent.path().join("repo/sub"))
                .args(json)
                .arg("--no-config")
        ),
        "defi-baseline"
    );
    assert_eq!(
        rubric_id(
            posture_in(&sub)
                .args(json)
                .args(["--config", "../../posture.toml"])
        ),
        "three-pillars"
    );
}

#[test]
fn flags_win_over_variables_which_win_over_the_file() {
    let dir = repo(
        "repo/posture.toml",
        "rubric = \"three-pillars\"\nformat = \"json\"\nfail_under = \"A\"\n",
    );
    let sub = dir.path().join("repo/sub");
    let score = ["score", "balancer-v2.toml"];
    // rubric: file, then variable over file, then flag over variable.
    assert_eq!(
        rubric_id(posture_in(&sub).args(score).arg("--fail-under=F")),
        "three-pillars"
    );
    assert_eq!(
        rubric_id(
            posture_in(&sub)
                .args(score)
                .arg("--fail-under=F")
                .env("POSTURE_RUBRIC", "institutional")
        ),
        "institutional"
    );
    assert_eq!(
        rubric_id(
            posture_in(&sub)
                .args(score)
                .args(["--fail-under=F", "--rubric", "defi-baseline"])
                .env("POSTURE_RUBRIC", "institutional")
        ),
        "defi-baseline"
    );
    // format: the file's json, then the variable's csv, then the flag's markdown.
    let first_line = |cmd: &mut Command| {
        let out = cmd.args(score).arg("--fail-under=F").output().unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(first_line(&mut posture_in(&sub)), "{");
    assert!(first_line(posture_in(&sub).env("POSTURE_FORMAT", "csv")).starts_with("row,"));
    let out = posture_in(&sub)
        .env("POSTURE_FORMAT", "csv")
        .args(score)
        .args(["--fail-under=F", "--format", "markdown"])
        .output()
        .unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().starts_with("# "));
    // fail_under: the file's A fails a D; the variable's F passes it; the flag's A fails it.
    let code = |cmd: &mut Command| cmd.args(score).output().unwrap().status.code();
    assert_eq!(code(&mut posture_in(&sub)), Some(1));
    assert_eq!(
        code(posture_in(&sub).env("POSTURE_FAIL_UNDER", "F")),
        Some(0)
    );
    let flagged = posture_in(&sub)
        .env("POSTURE_FAIL_UNDER", "F")
        .args(score)
        .args(["--fail-under", "A"])
        .output()
        .unwrap();
    assert_eq!(flagged.status.code(), Some(1));
    // A variable that names no format is refused, with the nearest one.
    let out = posture_in(&sub)
        .args(score)
        .env("POSTURE_FORMAT", "jsn")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("json"));
}

#[test]
fn an_unknown_key_is_an_error_at_its_line_with_the_nearest_key() {
    let dir = repo(
        "repo/posture.toml",
        "fail_under = \"C\"\nrubrik = \"institutional\"\n",
    );
    let out = posture_in(&dir.path().join("repo/sub"))
        .args(["score", "balancer-v2.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("unknown key `rubrik`"), "{err}");
    assert!(err.contains("../posture.toml:2:1"), "{err}");
    assert!(err.contains("did you mean `rubric`?"), "{err}");
}

#[test]
fn the_config_hash_is_stamped_and_verify_refuses_a_changed_config() {
    let config = r#"
[[waivers]]
protocol = "balancer-v2"
control = "timelock"
reason = "Timelock rollout voted"
approved_by = "Risk committee"
approved = 2025-10-01
expires = 2025-12-31
"#;
    let dir = repo("repo/posture.toml", config);
    let sub = dir.path().join("repo/sub");
    let out = posture_in(&sub)
        .args(["score", "balancer-v2.toml", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = std::fs::read(dir.path().join("repo/posture.toml")).unwrap();
    assert_eq!(
        v["stamp"]["config"]["sha256"],
        posture::load::sha256_hex(&text)
    );
    std::fs::write(sub.join("report.json"), &out.stdout).unwrap();

    // verify re-applies the waiver: the waived report holds.
    let holds = posture_in(&sub)
        .args(["verify", "report.json"])
        .output()
        .unwrap();
    assert_eq!(
        holds.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&holds.stderr)
    );

    // A changed waiver changes the hash: verify refuses, saying why.
    let edited = config.replace("2025-12-31", "2025-12-30");
    std::fs::write(dir.path().join("repo/posture.toml"), edited).unwrap();
    let refused = posture_in(&sub)
        .args(["verify", "report.json"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8(refused.stderr).unwrap();
    assert!(
        err.contains("../posture.toml") && err.contains("sha256"),
        "{err}"
    );
}

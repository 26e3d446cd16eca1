//! `posture badge`: the SVG parses as XML, refers to nothing outside itself, and says the
//! grade, rubric and date of the report; `--format shields` is a Shields endpoint document.

use assert_cmd::Command;

fn posture(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("posture")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(args: &[&str]) -> String {
    let out = posture(args);
    assert!(
        out.status.success(),
        "posture {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The grade, rubric and evaluation date the JSON report states.
fn report_facts(manifest: &str, extra: &[&str]) -> (String, String, String, String) {
    let mut args = vec!["score", manifest, "--format", "json"];
    args.extend_from_slice(extra);
    let v: serde_json::Value = serde_json::from_str(&stdout(&args)).unwrap();
    (
        v["grade"].as_str().unwrap().to_string(),
        v["stamp"]["rubric"]["id"].as_str().unwrap().to_string(),
        v["stamp"]["rubric"]["version"]
            .as_str()
            .unwrap()
            .to_string(),
        v["stamp"]["evaluated_as_of"].as_str().unwrap().to_string(),
    )
}

/// Every attribute value and text node of the document, with its element's name.
fn walk(doc: &roxmltree::Document) -> (Vec<(String, String, String)>, String) {
    let mut attrs = Vec::new();
    let mut text = String::new();
    for node in doc.descendants() {
        if node.is_element() {
            for a in node.attributes() {
                attrs.push((
                    node.tag_name().name().to_string(),
                    a.name().to_string(),
                    a.value().to_string(),
                ));
            }
        }
        if let Some(t) = node.text().filter(|_| node.is_text()) {
            text.push_str(t);
            text.push('\n');
        }
    }
    (attrs, text)
}

fn assert_self_contained(svg: &str) {
    let doc = roxmltree::Document::parse(svg).expect("the badge is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert_eq!(
        doc.root_element().tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let (attrs, _) = walk(&doc);
    for (element, name, value) in &attrs {
        assert!(
            !matches!(element.as_str(), "image" | "use" | "script" | "style" | "a"),
            "an element that can load or run something: <{element}>"
        );
        assert!(
            !name.contains("href"),
            "a link in <{element} {name}={value:?}>"
        );
        assert!(
            !value.contains("//") && !value.contains("data:"),
            "an external reference in <{element} {name}={value:?}>"
        );
        if let Some(at) = value.find("url(") {
            assert!(
                value[at + 4..].starts_with('#'),
                "url() outside the document in <{element} {name}={value:?}>"
            );
        }
    }
    assert!(!svg.contains("@import") && !svg.contains("@font-face"));
}

#[test]
fn the_svg_badge_shows_the_reports_grade_rubric_and_date_and_nothing_external() {
    for (manifest, extra) in [
        ("protocols/aave-v3.toml", &[][..]),
        ("protocols/balancer-v2.toml", &[][..]),
        ("protocols/aave-v3.toml", &["--rubric", "institutional"][..]),
        ("protocols/lido.toml", &["--as-of", "2025-06-01"][..]),
    ] {
        let (grade, rubric, version, date) = report_facts(manifest, extra);
        let mut args = vec!["badge", manifest];
        args.extend_from_slice(extra);
        let svg = stdout(&args);
        assert_self_contained(&svg);
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let (_, text) = walk(&doc);
        // The <title> reads "posture: ..."; the badge's own texts are the label and message.
        let shown = text
            .lines()
            .find(|l| l.contains(&rubric) && !l.starts_with("posture:"))
            .unwrap_or_else(|| panic!("{manifest}: no text names rubric {rubric}: {text}"));
        assert!(
            shown.starts_with(&grade),
            "{manifest}: the badge reads {shown:?}, the report grades {grade}"
        );
        assert!(shown.contains(&version) && shown.contains(&date), "{shown}");
        assert!(text.contains("posture"));
        let width: u32 = doc
            .root_element()
            .attribute("width")
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            width > 100 && width < 600,
            "{manifest}: width {width} does not fit its text"
        );
    }
}

#[test]
fn the_badge_colour_follows_the_grade() {
    let colour_of = |manifest: &str| -> String {
        let svg = stdout(&["badge", manifest, "--format", "shields"]);
        let v: serde_json::Value = serde_json::from_str(&svg).unwrap();
        v["color"].as_str().unwrap().to_string()
    };
    // On the five-grade scale: B green, C yellow, D orange, F red.
    assert_eq!(colour_of("protocols/aave-v3.toml"), "green");
    assert_eq!(colour_of("protocols/lido.toml"), "yellow");
    assert_eq!(colour_of("protocols/balancer-v2.toml"), "orange");
    assert_eq!(colour_of("protocols/balancer-v2@2025-11-07.toml"), "red");
}

#[test]
fn a_longer_text_makes_a_wider_badge_and_the_same_inputs_the_same_bytes() {
    let short = stdout(&["badge", "protocols/aave-v3.toml"]);
    let again = stdout(&["badge", "protocols/aave-v3.toml"]);
    assert_eq!(short, again);
    let dir = tempfile::tempdir().unwrap();
    let rubric = dir.path().join("r.toml");
    std::fs::write(
        &rubric,
        "[rubric]\nid = \"a-much-longer-rubric-name\"\nversion = \"1.0.0\"\ntitle = \"t\"\nextends = \"defi-baseline\"\n",
    )
    .unwrap();
    let long = stdout(&[
        "badge",
        "protocols/aave-v3.toml",
        "--rubric",
        rubric.to_str().unwrap(),
    ]);
    let width = |svg: &str| -> u32 {
        roxmltree::Document::parse(svg)
            .unwrap()
            .root_element()
            .attribute("width")
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(width(&long) > width(&short), "{long}");
}

#[test]
fn hostile_text_from_a_rubric_is_escaped_in_the_svg() {
    // A grade label is the rubric's own text: markup, quotes and a bidi control in it.
    let dir = tempfile::tempdir().unwrap();
    let rubric = dir.path().join("r.toml");
    std::fs::write(
        &rubric,
        "[rubric]\nid = \"x\"\nversion = \"1.0.0\"\ntitle = \"t\"\nextends = \"defi-baseline\"\n\n[grades]\nscale = [ { grade = \"A\", min = 85 }, { grade = \"<b>&\\\"'\\u202e\", min = 70 }, { grade = \"C\", min = 55 }, { grade = \"D\", min = 40 }, { grade = \"F\", min = 0 } ]\n",
    )
    .unwrap();
    let out = posture(&[
        "badge",
        "protocols/aave-v3.toml",
        "--rubric",
        rubric.to_str().unwrap(),
    ]);
    let svg = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_self_contained(&svg);
    assert!(!svg.contains("<b>") && !svg.contains('\u{202e}'), "{svg}");
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let (_, text) = walk(&doc);
    assert!(text.contains("<b>&\"'? · x 1.0.0"), "{text}");
}

#[test]
fn shields_endpoint_json_has_the_four_fields() {
    let (grade, ..) = report_facts("protocols/aave-v3.toml", &[]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&[
        "badge",
        "protocols/aave-v3.toml",
        "--format",
        "shields",
    ]))
    .unwrap();
    assert_eq!(v["schemaVersion"], 1);
    assert_eq!(v["label"], "posture");
    assert_eq!(v["message"], grade.as_str());
    assert!(v["color"].is_string());
    assert_eq!(v.as_object().unwrap().len(), 4);
}

#[test]
fn badge_o_writes_the_file_and_says_so_unless_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("badge.svg");
    let p = path.to_str().unwrap();
    let out = posture(&["badge", "protocols/aave-v3.toml", "-o", p]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("wrote "));
    assert_self_contained(&std::fs::read_to_string(&path).unwrap());
    std::fs::remove_file(&path).unwrap();
    let out = posture(&["-q", "badge", "protocols/aave-v3.toml", "-o", p]);
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(path.exists());
    // A bad manifest is an error, quiet or not, and writes nothing.
    let bad = dir.path().join("bad.svg");
    let out = posture(&[
        "-q",
        "badge",
        "tests/fixtures/bad/typo-key.toml",
        "-o",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error"));
    assert!(!bad.exists());
}

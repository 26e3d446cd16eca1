//! Damaged input never panics: every truncation point and every dropped line of the shipped
//! manifests and rubric either loads or returns located diagnostics.

use posture::load::{self, Source};

fn shipped() -> Vec<(String, String)> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut files = Vec::new();
    for dir in [
        "protocols",
        "rubrics",
        "tests/fixtures",
        "tests/fixtures/bad",
        "tests/fixtures/backtest",
    ] {
        for e in std::fs::read_dir(format!("{root}/{dir}")).unwrap() {
            let p = e.unwrap().path();
            // Not-UTF-8 fixtures are refused before parsing; they have their own test.
            if p.extension().is_some_and(|x| x == "toml")
                && let Ok(text) = std::fs::read_to_string(&p)
            {
                files.push((p.display().to_string(), text));
            }
        }
    }
    files.sort();
    files
}

fn load_any(text: &str) {
    let src = Source::new("mutant.toml", text);
    let result = if load::looks_like_rubric(text) {
        load::rubric(&src).map(|_| ())
    } else {
        load::manifest(&src).map(|_| ())
    };
    if let Err(diags) = result {
        assert!(!diags.is_empty());
        let mut sink = Vec::new();
        posture::load::diagnostics::emit(&mut sink, &diags, Some(text)).unwrap();
        assert!(String::from_utf8(sink).unwrap().contains("mutant.toml"));
    }
}

#[test]
fn truncated_files_never_panic() {
    for (_, text) in shipped() {
        for cut in (0..text.len())
            .step_by(61)
            .filter(|c| text.is_char_boundary(*c))
        {
            load_any(&text[..cut]);
        }
    }
}

#[test]
fn files_missing_a_line_never_panic() {
    for (_, text) in shipped() {
        let lines: Vec<&str> = text.lines().collect();
        for skip in 0..lines.len() {
            let mutant: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, l)| *l)
                .collect();
            load_any(&mutant.join("\n"));
        }
    }
}

#[test]
fn hostile_values_are_refused_not_scored() {
    let base =
        "format = 1\n[protocol]\nid = \"x\"\nname = \"x\"\nkind = \"dex\"\nas_of = 2025-01-01\n";
    for extra in [
        "tvl_usd = nan\n",
        "tvl_usd = -5\n",
        "tvl_usd = inf\n",
        "launched = 2030-01-01\n",
        "[admin]\ncontrol = \"multisig\"\nthreshold = 9\nsigners = 3\n",
        "[[components]]\nname = \"a\"\nversion = \"2.0\"\n",
        "[[components]]\nname = \"a\"\nversion = \"1.0.0\"\n[[components]]\nname = \"a\"\nversion = \"1.0.0\"\n",
        "[timelock]\ndelay_hours = \"forty\"\n",
    ] {
        let text = if extra.starts_with('[') {
            format!("{base}{extra}")
        } else {
            base.replace(
                "as_of = 2025-01-01\n",
                &format!("as_of = 2025-01-01\n{extra}"),
            )
        };
        let src = Source::new("hostile.toml", text.clone());
        assert!(load::manifest(&src).is_err(), "accepted:\n{text}");
    }
}

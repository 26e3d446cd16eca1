//! JSON Schemas of the manifest, rubric and report, generated from the types themselves so
//! they cannot drift; `schemas/` holds committed copies for editors (`#:schema`). The loader
//! checks files against them (`load::schema_check`); did-you-mean reads their field names.

use std::sync::OnceLock;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;

use crate::core::analysis::league::ReportDocument;
use crate::core::manifest::Manifest;
use crate::core::rubric::RubricSource;

/// Which schema `posture schema` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The manifest format (`schemas/manifest.schema.json`).
    Manifest,
    /// The rubric format (`schemas/rubric.schema.json`).
    Rubric,
    /// The JSON report format (`schemas/report.schema.json`).
    Report,
    /// `posture.toml`: defaults and waivers (`schemas/config.schema.json`).
    Config,
}

fn generate<T: JsonSchema>() -> serde_json::Value {
    serde_json::to_value(
        SchemaSettings::draft2020_12()
            .into_generator()
            .into_root_schema_for::<T>(),
    )
    .unwrap_or_default()
}

/// TOML has no null: an optional key is simply absent, so input schemas never allow null.
fn strip_null(v: &mut serde_json::Value) {
    use serde_json::Value as J;
    match v {
        J::Object(map) => {
            if let Some(J::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".into(), only);
                }
            }
            if let Some(J::Array(alts)) = map.get_mut("anyOf") {
                alts.retain(|a| a.get("type").is_none_or(|t| t != "null"));
                if alts.len() == 1 {
                    let only = alts.remove(0);
                    map.remove("anyOf");
                    if let J::Object(inner) = only {
                        map.extend(inner);
                    }
                }
            }
            map.values_mut().for_each(strip_null);
        }
        J::Array(items) => items.iter_mut().for_each(strip_null),
        _ => {}
    }
}

/// The JSON Schema of one document kind, as `posture schema` prints it.
pub fn json(kind: Kind) -> serde_json::Value {
    let mut schema = match kind {
        Kind::Manifest => generate::<Manifest>(),
        Kind::Rubric => generate::<RubricSource>(),
        Kind::Report => return generate::<ReportDocument>(),
        Kind::Config => generate::<crate::core::waiver::ConfigFile>(),
    };
    strip_null(&mut schema);
    schema
}

/// Pretty JSON with a trailing newline, as committed under `schemas/`.
pub fn text(kind: Kind) -> String {
    let mut s = serde_json::to_string_pretty(&json(kind)).unwrap_or_default();
    s.push('\n');
    s
}

/// The schema of `posture backtest --format json` (an output, never read back, so it is not a
/// [`Kind`] the loader checks files against).
pub fn backtest_text() -> String {
    let schema = generate::<crate::core::analysis::backtest::BacktestDocument>();
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

/// One value per kind, made the first time it is asked for.
pub(crate) type PerKind<T> = [OnceLock<T>; 4];

/// The value of `cells` for a kind, made by `make` once per process.
pub(crate) fn once<T>(
    cells: &'static PerKind<T>,
    kind: Kind,
    make: impl FnOnce() -> T,
) -> &'static T {
    let slot = match kind {
        Kind::Manifest => 0,
        Kind::Rubric => 1,
        Kind::Report => 2,
        Kind::Config => 3,
    };
    cells[slot].get_or_init(make)
}

/// The schema of a kind, generated once per process.
pub(crate) fn cached(kind: Kind) -> &'static serde_json::Value {
    static CELLS: PerKind<serde_json::Value> = [const { OnceLock::new() }; 4];
    once(&CELLS, kind, || json(kind))
}

/// Property names the schema allows at a JSON pointer into an instance, for did-you-mean.
pub fn properties_at(kind: Kind, pointer: &[String]) -> Vec<String> {
    let root = cached(kind);
    let mut node = root;
    for seg in pointer {
        node = resolve(root, node);
        node = if let Some(items) = node.get("items") {
            items
        } else if let Some(p) = node.get("properties").and_then(|p| p.get(seg.as_str())) {
            p
        } else {
            return Vec::new();
        };
    }
    resolve(root, node)
        .get("properties")
        .and_then(|p| p.as_object())
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// The schema's description of the value at a JSON pointer into an instance, if it has one.
pub fn description_at(kind: Kind, pointer: &[String]) -> Option<String> {
    let root = cached(kind);
    let mut node = root;
    let mut described = node.get("description");
    for seg in pointer {
        node = resolve(root, node);
        node = node
            .get("items")
            .or_else(|| node.get("properties").and_then(|p| p.get(seg.as_str())))?;
        described = node
            .get("description")
            .or_else(|| resolve(root, node).get("description"));
    }
    described.and_then(|d| d.as_str()).map(str::to_string)
}

/// Follows `$ref` and picks the object/array branch of an `anyOf`.
pub(crate) fn resolve<'a>(
    root: &'a serde_json::Value,
    mut node: &'a serde_json::Value,
) -> &'a serde_json::Value {
    for _ in 0..16 {
        if let Some(r) = node.get("$ref").and_then(|r| r.as_str()) {
            let name = r.rsplit('/').next().unwrap_or_default();
            match root.get("$defs").and_then(|d| d.get(name)) {
                Some(n) => node = n,
                None => return node,
            }
        } else if let Some(alts) = node.get("anyOf").and_then(|a| a.as_array()) {
            match alts.iter().find(|a| {
                a.get("$ref").is_some() || a.get("properties").is_some() || a.get("items").is_some()
            }) {
                Some(n) => node = n,
                None => return node,
            }
        } else {
            return node;
        }
    }
    node
}

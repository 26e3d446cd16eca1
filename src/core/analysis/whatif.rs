//! What-if edits: `--set NAME=VALUE` changes a manifest field (`timelock.delay_hours=48`) or
//! forces a catalogue metric (`economic_audits.recent_count=1`), so a team can see what an
//! improvement would buy before making it.

use crate::core::engine::Overrides;
use crate::core::manifest::Manifest;
use crate::core::metrics::{self, MetricId, MetricKind, Value};
use crate::core::problem::did_you_mean;
use crate::core::schema::{self, Kind};
use crate::core::validate;

/// Why a `--set` cannot be applied: the user's argument, not the manifest, is at fault.
#[derive(Debug, thiserror::Error)]
pub enum WhatIfError {
    /// No `=` in the argument.
    #[error("`--set {0}` needs NAME=VALUE, e.g. --set timelock.delay_hours=48")]
    NotNameValue(String),
    /// The name is neither a manifest field nor a metric; `help` suggests the nearest one.
    #[error("`{name}` is neither a manifest field nor a metric{}", help.as_ref().map(|h| format!(": {h}")).unwrap_or_default())]
    UnknownName {
        /// The name as given.
        name: String,
        /// "did you mean ..." when a known name is close.
        help: Option<String>,
    },
    /// A number metric given something else.
    #[error("`{metric}` takes a number, not `{raw}`")]
    NotANumber {
        /// The metric's name.
        metric: &'static str,
        /// The value as given.
        raw: String,
    },
    /// A yes/no metric given something else.
    #[error("`{metric}` takes true or false, not `{raw}`")]
    NotABool {
        /// The metric's name.
        metric: &'static str,
        /// The value as given.
        raw: String,
    },
    /// A level metric given a level it does not have.
    #[error("`{raw}` is not a level of `{metric}`{}", help.as_ref().map(|h| format!(": {h}")).unwrap_or_default())]
    NotALevel {
        /// The metric's name.
        metric: &'static str,
        /// The value as given.
        raw: String,
        /// "did you mean ..." when a level is close.
        help: Option<String>,
    },
    /// The field path does not lead anywhere in the manifest.
    #[error("--set {name}: {why}")]
    Path {
        /// The field as given.
        name: String,
        /// Where the path breaks.
        why: PathError,
    },
    /// The edited manifest no longer has the manifest's shape.
    #[error("--set does not fit the manifest: {0}")]
    DoesNotFit(serde_json::Error),
    /// The edited manifest breaks a rule of the format.
    #[error("--set makes the manifest invalid: {path}: {message}")]
    Invalid {
        /// Where in the manifest.
        path: String,
        /// What rule it breaks.
        message: String,
    },
}

/// Where a `--set` field path breaks.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    /// A list index that is not a number.
    #[error("`{0}` is not an index")]
    NotAnIndex(String),
    /// A list index past the end of the list.
    #[error("index {index} is past the {len} entries")]
    PastTheEnd {
        /// The index given.
        index: usize,
        /// How many entries the list has.
        len: usize,
    },
    /// A path that goes inside a value that is not a table.
    #[error("`{0}` is not a table")]
    NotATable(String),
}

/// One parsed `--set`.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    /// The name given: a manifest field (`timelock.delay_hours`) or a catalogue metric.
    pub name: String,
    /// The value given, as written.
    pub value: String,
    target: Target,
}

#[derive(Debug, Clone, PartialEq)]
enum Target {
    /// A manifest field, as JSON-pointer segments (`audits`, `0`, `date`).
    Field(Vec<String>),
    Metric(MetricId),
}

/// `a.b[2].c` -> `["a", "b", "2", "c"]`.
fn segments(name: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for part in name.split('.') {
        let (key, rest) = part.split_once('[').unwrap_or((part, ""));
        if key.is_empty() {
            return None;
        }
        out.push(key.to_string());
        let mut rest = rest;
        while !rest.is_empty() {
            let (index, after) = rest.split_once(']')?;
            index.parse::<usize>().ok()?;
            out.push(index.to_string());
            rest = after.strip_prefix('[').unwrap_or(after);
        }
    }
    Some(out)
}

/// True when the schema knows this path (array indices pass through `items`).
fn known_field(path: &[String]) -> bool {
    (0..path.len()).all(|i| {
        path[i].parse::<usize>().is_ok()
            || schema::properties_at(Kind::Manifest, &path[..i]).contains(&path[i])
    })
}

impl Edit {
    /// Parses `NAME=VALUE`. Field names win over metric names that spell the same.
    pub fn parse(arg: &str) -> Result<Edit, WhatIfError> {
        let Some((name, value)) = arg.split_once('=') else {
            return Err(WhatIfError::NotNameValue(arg.to_string()));
        };
        let (name, value) = (name.trim(), value.trim());
        let target = match segments(name) {
            Some(path) if known_field(&path) => Target::Field(path),
            _ => match metrics::lookup(name) {
                Some(id) => {
                    parse_metric_value(id, value)?;
                    Target::Metric(id)
                }
                None => {
                    let mut names: Vec<String> =
                        metrics::names().iter().map(|s| s.to_string()).collect();
                    names.extend(field_names());
                    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                    let help = did_you_mean(name, &refs, "names").filter(|h| h.starts_with("did"));
                    return Err(WhatIfError::UnknownName {
                        name: name.to_string(),
                        help,
                    });
                }
            },
        };
        Ok(Edit {
            name: name.to_string(),
            value: value.to_string(),
            target,
        })
    }

    /// The metric this edit forces, if it forces one (not a field edit).
    pub fn metric(&self) -> Option<MetricId> {
        match self.target {
            Target::Metric(id) => Some(id),
            Target::Field(_) => None,
        }
    }
}

/// Every `table.key` path of the manifest schema, for did-you-mean.
fn field_names() -> Vec<String> {
    let mut out = Vec::new();
    for table in schema::properties_at(Kind::Manifest, &[]) {
        let keys = schema::properties_at(Kind::Manifest, std::slice::from_ref(&table));
        let keys = if keys.is_empty() {
            schema::properties_at(Kind::Manifest, &[table.clone(), "0".into()])
        } else {
            keys
        };
        out.push(table.clone());
        out.extend(keys.into_iter().map(|k| format!("{table}.{k}")));
    }
    out
}

/// Parses a metric value by the metric's kind.
pub fn parse_metric_value(id: MetricId, raw: &str) -> Result<Value, WhatIfError> {
    let def = metrics::def(id);
    match def.kind {
        MetricKind::Number(_) => raw
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Value::Number)
            .ok_or_else(|| WhatIfError::NotANumber {
                metric: def.name,
                raw: raw.to_string(),
            }),
        MetricKind::Bool => {
            raw.parse::<bool>()
                .map(Value::Bool)
                .map_err(|_| WhatIfError::NotABool {
                    metric: def.name,
                    raw: raw.to_string(),
                })
        }
        MetricKind::Level(levels) => levels
            .iter()
            .find(|l| **l == raw)
            .map(|l| Value::Level(l))
            .ok_or_else(|| WhatIfError::NotALevel {
                metric: def.name,
                raw: raw.to_string(),
                help: did_you_mean(raw, levels, "levels"),
            }),
    }
}

/// The JSON a raw `--set` value most likely means: bool, number, else text.
fn guess(raw: &str) -> serde_json::Value {
    if let Ok(b) = raw.parse::<bool>() {
        return b.into();
    }
    if let Ok(i) = raw.replace('_', "").parse::<i64>() {
        return i.into();
    }
    if let Some(n) = raw
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
    {
        return serde_json::Value::Number(n);
    }
    serde_json::Value::String(raw.to_string())
}

/// Applies the edits: field edits change the manifest, metric edits become overrides.
/// A table created or edited without a source is marked `source = "what-if"`, so the
/// hypothetical fact is not also discounted as self-attested.
pub fn apply(manifest: &Manifest, edits: &[Edit]) -> Result<(Manifest, Overrides), WhatIfError> {
    let mut overrides = Overrides::default();
    let mut doc = serde_json::to_value(manifest).map_err(WhatIfError::DoesNotFit)?;
    let mut touched = false;
    for e in edits {
        match &e.target {
            Target::Metric(id) => overrides.set(*id, parse_metric_value(*id, &e.value)?),
            Target::Field(path) => {
                set_field(&mut doc, path, guess(&e.value)).map_err(|why| WhatIfError::Path {
                    name: e.name.clone(),
                    why,
                })?;
                touched = true;
            }
        }
    }
    if !touched {
        return Ok((manifest.clone(), overrides));
    }
    let edited: Manifest = match serde_json::from_value(doc.clone()) {
        Ok(m) => m,
        Err(first) => {
            // A number given where text is expected (`protocol.name=42`): try it as text.
            let mut retry = doc;
            for e in edits {
                if let Target::Field(path) = &e.target {
                    set_field(&mut retry, path, serde_json::Value::String(e.value.clone())).ok();
                }
            }
            serde_json::from_value(retry).map_err(|_| WhatIfError::DoesNotFit(first))?
        }
    };
    // A what-if that states a table researched as not found replaces that finding.
    let mut edited = edited;
    let now_stated: Vec<_> = edited
        .not_found
        .iter()
        .map(|n| n.table)
        .filter(|t| validate::stated(&edited, *t))
        .collect();
    edited.not_found.retain(|n| !now_stated.contains(&n.table));
    let problems = validate::manifest(&edited);
    if let Some(p) = problems
        .iter()
        .find(|p| p.severity == crate::core::problem::Severity::Error)
    {
        return Err(WhatIfError::Invalid {
            path: p.path.to_string(),
            message: p.message.clone(),
        });
    }
    Ok((edited, overrides))
}

fn set_field(
    doc: &mut serde_json::Value,
    path: &[String],
    value: serde_json::Value,
) -> Result<(), PathError> {
    use serde_json::Value as J;
    let mut node = &mut *doc;
    for (i, seg) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        if node.is_null() {
            *node = J::Object(Default::default());
        }
        node = match node {
            J::Object(map) => map.entry(seg.clone()).or_insert(J::Null),
            J::Array(items) => {
                let index: usize = seg
                    .parse()
                    .map_err(|_| PathError::NotAnIndex(seg.clone()))?;
                let len = items.len();
                items
                    .get_mut(index)
                    .ok_or(PathError::PastTheEnd { index, len })?
            }
            _ => return Err(PathError::NotATable(path[..i].join("."))),
        };
        if last {
            *node = value.clone();
        }
    }
    // Mark the edited table as hypothetical when nothing sources it.
    if path.len() >= 2 {
        let table_path = if path.len() >= 3 && path[1].parse::<usize>().is_ok() {
            &path[..2]
        } else {
            &path[..1]
        };
        let mut t = &mut *doc;
        for seg in table_path {
            t = match t {
                // The path was just written, so each step exists; stop quietly if not.
                J::Object(map) => match map.get_mut(seg.as_str()) {
                    Some(t) => t,
                    None => return Ok(()),
                },
                J::Array(items) => match seg.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                    Some(t) => t,
                    None => return Ok(()),
                },
                _ => return Ok(()),
            };
        }
        if let J::Object(map) = t {
            let unsourced = map
                .get("source")
                .is_none_or(|s| s.as_str().is_none_or(|s| s.trim().is_empty()));
            if unsourced
                && schema::properties_at(Kind::Manifest, table_path)
                    .iter()
                    .any(|k| k == "source")
            {
                map.insert("source".into(), J::String("what-if".into()));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_to_fields_first_then_metrics() {
        assert!(matches!(
            Edit::parse("timelock.delay_hours=48").unwrap().target,
            Target::Field(_)
        ));
        assert!(matches!(
            Edit::parse("audits[0].date=2024-01-01").unwrap().target,
            Target::Field(_)
        ));
        assert!(
            Edit::parse("economic_audits.recent_count=1")
                .unwrap()
                .metric()
                .is_some()
        );
    }

    #[test]
    fn unknown_names_and_values_are_explained() {
        let e = Edit::parse("timelock.delay_hour=48")
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean `timelock.delay_hours`?"), "{e}");
        let e = Edit::parse("monitoring.level_rank=high")
            .unwrap_err()
            .to_string();
        assert!(e.contains("takes a number"), "{e}");
        let e = Edit::parse("pause.state=drilld").unwrap_err().to_string();
        assert!(e.contains("did you mean `drilled`?"), "{e}");
        assert!(Edit::parse("no-equals-sign").is_err());
    }
}

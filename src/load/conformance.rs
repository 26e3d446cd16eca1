//! Checking a parsed file against its JSON Schema: the compiled validators, the fast check of a
//! document's table shapes, and the adapter that lets `jsonschema` read TOML trees in place.

use std::sync::OnceLock;

use toml::de::{DeTable, DeValue};

use crate::core::schema::{Kind, PerKind, cached, once, resolve};

/// The compiled validator for manifests or rubrics, built once per process.
pub fn validator(kind: Kind) -> &'static jsonschema::Validator {
    static CELLS: PerKind<jsonschema::Validator> = [const { OnceLock::new() }; 4];
    once(&CELLS, kind, || {
        jsonschema::options()
            .should_validate_formats(true)
            .build(cached(kind))
            .expect("the generated schema is valid JSON Schema")
    })
}

/// The same validator over TOML trees as parsed, without converting them to JSON first: the
/// fast check that every valid file passes. Its verdict is the JSON validator's on
/// `load`'s conversion of the tree (numbers, dates and NaN read the same way, see [`toml_json`]);
/// the errors of an invalid file still come from [`validator`], which reports them in order.
pub fn toml_validator(kind: Kind) -> &'static jsonschema::Validator<toml_json::TomlJson> {
    static CELLS: PerKind<jsonschema::Validator<toml_json::TomlJson>> =
        [const { OnceLock::new() }; 4];
    once(&CELLS, kind, || {
        jsonschema::options_for::<toml_json::TomlJson>()
            .should_validate_formats(true)
            .build(cached(kind))
            .expect("the generated schema is valid JSON Schema")
    })
}

/// Where a document holds tables, as the schema says: a table exactly where the schema wants
/// an object (a property, or the items of a list), and nowhere else.
///
/// Serde is more lenient than the schema in both directions: it reads a struct from an array
/// (`findings = [1, 2]`) and a word from a table (`kind = { dex = {} }`). So a document that
/// reads clean into the types is schema-valid only if its tables are where the schema puts them.
/// (A word or number where the schema wants a table or a list, the types refuse themselves.)
#[derive(Debug)]
pub enum Tables {
    /// An object: each property's shape (properties the schema does not know are the types' to
    /// refuse).
    Table(Vec<(String, Tables)>),
    /// An array of the shape given.
    List(Box<Tables>),
    /// A date (`format: date`): a TOML date, never a quoted string. The JSON forms (what-if
    /// values, reports) write dates as strings, so the schema alone cannot tell them apart.
    Date,
    /// Anything else: a string, a number, a boolean.
    Scalar,
}

impl Tables {
    fn of(root: &serde_json::Value, node: &serde_json::Value, depth: usize) -> Self {
        let node = resolve(root, node);
        // The formats nest four levels; the bound only guards against a recursive schema.
        if depth > 8 {
            return Tables::Scalar;
        }
        if node.get("format").and_then(|f| f.as_str()) == Some("date") {
            Tables::Date
        } else if is_object(node) {
            let props = node.get("properties").and_then(|p| p.as_object());
            let shapes = props
                .into_iter()
                .flatten()
                .map(|(name, p)| (name.clone(), Tables::of(root, p, depth + 1)))
                .collect();
            Tables::Table(shapes)
        } else if let Some(items) = node.get("items") {
            Tables::List(Box::new(Tables::of(root, items, depth + 1)))
        } else {
            Tables::Scalar
        }
    }

    /// Whether a document's tables are where this shape has them, with no list longer than
    /// `max_list`. A document that holds is no deeper than the schema, so it is within the
    /// loader's limits without a walk of its own.
    pub fn hold(&self, table: &toml::de::DeTable, max_list: usize) -> bool {
        match self {
            Tables::Table(props) => Self::table_holds(props, table, max_list),
            _ => false,
        }
    }

    fn table_holds(props: &[(String, Tables)], table: &toml::de::DeTable, max_list: usize) -> bool {
        use toml::de::DeValue;
        table.iter().all(|(key, value)| {
            let value = value.get_ref();
            // The types refuse a word, number or date where they want a table or a list, so
            // only the document's own tables and lists (a few keys of each table) are looked up,
            // and text that reads as a date, which must not stand where the schema has a date.
            let date_like = matches!(value, DeValue::String(s) if reads_as_date(s));
            if !date_like && !matches!(value, DeValue::Table(_) | DeValue::Array(_)) {
                return true;
            }
            let key: &str = key.get_ref();
            // A table has a few dozen properties at most: comparing lengths first leaves about
            // one comparison of text per key, fewer than a binary search makes.
            match props
                .iter()
                .find(|(name, _)| name.len() == key.len() && name == key)
            {
                Some((_, shape)) => shape.holds(value, max_list),
                // A key the schema does not know: the types refuse it.
                None => true,
            }
        })
    }

    fn holds(&self, value: &toml::de::DeValue, max_list: usize) -> bool {
        use toml::de::DeValue;
        match (self, value) {
            (Tables::Table(props), DeValue::Table(t)) => Self::table_holds(props, t, max_list),
            (Tables::List(items), DeValue::Array(a)) => {
                a.len() <= max_list && a.iter().all(|v| items.holds(v.get_ref(), max_list))
            }
            (Tables::Date, DeValue::String(_)) => false,
            (Tables::Scalar | Tables::Date, v) => {
                !matches!(v, DeValue::Table(_) | DeValue::Array(_))
            }
            _ => false,
        }
    }

    /// Every quoted string that reads as a date where this shape has a date: TOML has dates of
    /// its own, and a date written as text is a typo the format refuses (a string that is no
    /// date at all, the schema's `format` check already reports).
    pub fn quoted_dates<'t>(&self, table: &'t DeTable<'t>) -> Vec<QuotedDate<'t>> {
        let mut out = Vec::new();
        if let Tables::Table(props) = self {
            Self::table_dates(props, table, &mut out);
        }
        out
    }

    fn table_dates<'t>(
        props: &[(String, Tables)],
        table: &'t DeTable<'t>,
        out: &mut Vec<QuotedDate<'t>>,
    ) {
        for (key, value) in table.iter() {
            let key: &str = key.get_ref();
            if let Some((_, shape)) = props.iter().find(|(name, _)| name == key) {
                shape.value_dates(key, value, out);
            }
        }
    }

    fn value_dates<'t>(
        &self,
        key: &'t str,
        value: &'t toml::Spanned<DeValue<'t>>,
        out: &mut Vec<QuotedDate<'t>>,
    ) {
        match (self, value.get_ref()) {
            (Tables::Table(props), DeValue::Table(t)) => Self::table_dates(props, t, out),
            (Tables::List(items), DeValue::Array(a)) => {
                a.iter().for_each(|v| items.value_dates(key, v, out));
            }
            (Tables::Date, DeValue::String(s)) if reads_as_date(s) => out.push(QuotedDate {
                key,
                text: s,
                span: value.span(),
            }),
            _ => {}
        }
    }
}

/// A date written as a quoted string, where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotedDate<'t> {
    /// The key it is the value of (in a list of dates, the list's key).
    pub key: &'t str,
    /// The text between the quotes.
    pub text: &'t str,
    /// The quoted string's bytes in the file.
    pub span: std::ops::Range<usize>,
}

/// Text a date deserializer would take as a date: YYYY-MM-DD of a real day.
fn reads_as_date(s: &str) -> bool {
    let b = s.as_bytes();
    // The shape first: nearly every string fails it at its length.
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && s.parse::<crate::core::date::Date>().is_ok()
}

fn is_object(node: &serde_json::Value) -> bool {
    node.get("type").and_then(|t| t.as_str()) == Some("object") || node.get("properties").is_some()
}

/// The [`Tables`] of a kind's schema, worked out once per process.
pub fn tables(kind: Kind) -> &'static Tables {
    static CELLS: PerKind<Tables> = [const { OnceLock::new() }; 4];
    once(&CELLS, kind, || {
        let root = cached(kind);
        Tables::of(root, root, 0)
    })
}

/// A TOML value as the JSON instance the schemas check.
pub(crate) fn to_json(v: &DeValue) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        DeValue::String(s) => J::String(s.to_string()),
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
            .map(J::from)
            .unwrap_or_else(|_| J::String(i.as_str().to_string())),
        DeValue::Float(f) => f
            .as_str()
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(J::Number)
            // NaN and infinities have no JSON form: keep them as text so type checks fail.
            .unwrap_or_else(|| J::String(f.as_str().to_string())),
        DeValue::Boolean(b) => J::Bool(*b),
        DeValue::Datetime(d) => J::String(d.to_string()),
        DeValue::Array(a) => J::Array(a.iter().map(|x| to_json(x.get_ref())).collect()),
        DeValue::Table(t) => table_json(t),
    }
}

pub(crate) fn table_json(t: &DeTable) -> serde_json::Value {
    serde_json::Value::Object(
        t.iter()
            .map(|(k, v)| (k.get_ref().to_string(), to_json(v.get_ref())))
            .collect(),
    )
}

/// A parsed TOML document as a JSON instance for `jsonschema`, read in place.
///
/// Converting each manifest to a `serde_json::Value` (a map per table, a string per key) cost
/// about as much as parsing it; this reads the tree the parser built. Every accessor gives what
/// `load`'s conversion would have produced: integers and floats as JSON numbers (text when they
/// overflow or are not finite), dates and datetimes as their TOML text, tables as objects.
pub mod toml_json {
    use std::borrow::Cow;

    use jsonschema::JsonType;
    use jsonschema::json::{Array, Json, Node, NodeIdentity, Object};
    use serde_json::Value;
    use toml::de::{DeArray, DeTable, DeValue};

    pub struct TomlJson;

    /// A node: the document's root table, a value in it, or a property name.
    #[derive(Clone, Copy)]
    pub enum TomlNode<'a> {
        Root(&'a DeTable<'a>),
        Value(&'a DeValue<'a>),
        Name(&'a str),
    }

    impl<'a> TomlNode<'a> {
        pub fn root(table: &'a DeTable<'a>) -> Self {
            TomlNode::Root(table)
        }
    }

    /// A TOML number as the JSON conversion reads it; `None` when it becomes text.
    fn number(v: &DeValue) -> Option<serde_json::Number> {
        match v {
            DeValue::Integer(i) => {
                let text = i.as_str();
                let parsed = if text.contains('_') {
                    i64::from_str_radix(&text.replace('_', ""), i.radix())
                } else {
                    i64::from_str_radix(text, i.radix())
                };
                parsed.ok().map(serde_json::Number::from)
            }
            DeValue::Float(f) => {
                let text = f.as_str();
                let parsed = if text.contains('_') {
                    text.replace('_', "").parse::<f64>()
                } else {
                    text.parse::<f64>()
                };
                parsed.ok().and_then(serde_json::Number::from_f64)
            }
            _ => None,
        }
    }

    impl Json for TomlJson {
        type Node<'a> = TomlNode<'a>;
        type PreparedKey = String;
        type StringBuffer = String;

        fn prepare_key(key: &str) -> String {
            key.to_owned()
        }

        fn with_string_node<T>(
            buffer: &mut String,
            string: &str,
            f: impl FnOnce(TomlNode<'_>) -> T,
        ) -> T {
            buffer.clear();
            buffer.push_str(string);
            f(TomlNode::Name(buffer))
        }
    }

    impl<'a> Node<'a, TomlJson> for TomlNode<'a> {
        type Object = &'a DeTable<'a>;
        type Array = &'a DeArray<'a>;
        type Number = serde_json::Number;

        fn as_object(&self) -> Option<&'a DeTable<'a>> {
            match *self {
                TomlNode::Root(t) | TomlNode::Value(DeValue::Table(t)) => Some(t),
                _ => None,
            }
        }

        fn as_array(&self) -> Option<&'a DeArray<'a>> {
            match *self {
                TomlNode::Value(DeValue::Array(a)) => Some(a),
                _ => None,
            }
        }

        fn as_string(&self) -> Option<Cow<'a, str>> {
            match *self {
                TomlNode::Name(s) => Some(Cow::Borrowed(s)),
                TomlNode::Value(DeValue::String(s)) => Some(Cow::Borrowed(s.as_ref())),
                TomlNode::Value(DeValue::Datetime(d)) => Some(Cow::Owned(d.to_string())),
                TomlNode::Value(v @ DeValue::Integer(i)) if number(v).is_none() => {
                    Some(Cow::Borrowed(i.as_str()))
                }
                TomlNode::Value(v @ DeValue::Float(f)) if number(v).is_none() => {
                    Some(Cow::Borrowed(f.as_str()))
                }
                _ => None,
            }
        }

        fn as_number(&self) -> Option<serde_json::Number> {
            match *self {
                TomlNode::Value(v) => number(v),
                _ => None,
            }
        }

        fn as_boolean(&self) -> Option<bool> {
            match *self {
                TomlNode::Value(DeValue::Boolean(b)) => Some(*b),
                _ => None,
            }
        }

        fn is_null(&self) -> bool {
            false
        }

        fn json_type(&self) -> JsonType {
            match *self {
                TomlNode::Root(_) | TomlNode::Value(DeValue::Table(_)) => JsonType::Object,
                TomlNode::Value(DeValue::Array(_)) => JsonType::Array,
                TomlNode::Value(DeValue::Boolean(_)) => JsonType::Boolean,
                TomlNode::Value(v @ (DeValue::Integer(_) | DeValue::Float(_))) => {
                    if number(v).is_some() {
                        JsonType::Number
                    } else {
                        JsonType::String
                    }
                }
                TomlNode::Name(_) | TomlNode::Value(DeValue::String(_) | DeValue::Datetime(_)) => {
                    JsonType::String
                }
            }
        }

        fn equals_value(&self, expected: &Value) -> bool {
            // `enum` checks on strings (levels, kinds) without building a JSON value.
            match (self.json_type(), expected) {
                (JsonType::String, Value::String(e)) => {
                    self.as_string().is_some_and(|s| s.as_ref() == e.as_str())
                }
                (JsonType::String, _) => false,
                _ => jsonschema::json::cmp::equal(&self.to_value(), expected),
            }
        }

        fn to_value(&self) -> Cow<'a, Value> {
            Cow::Owned(match *self {
                TomlNode::Root(t) => crate::load::conformance::table_json(t),
                TomlNode::Value(v) => crate::load::conformance::to_json(v),
                TomlNode::Name(s) => Value::String(s.to_owned()),
            })
        }

        fn identity(&self) -> Option<NodeIdentity> {
            match *self {
                TomlNode::Root(t) => Some(NodeIdentity::new(std::ptr::from_ref(t) as usize)),
                TomlNode::Value(v) => Some(NodeIdentity::new(std::ptr::from_ref(v) as usize)),
                TomlNode::Name(_) => None,
            }
        }
    }

    pub struct Members<'a>(
        toml::map::Iter<'a, toml::Spanned<Cow<'a, str>>, toml::Spanned<DeValue<'a>>>,
    );

    impl<'a> Iterator for Members<'a> {
        type Item = (&'a str, TomlNode<'a>);

        fn next(&mut self) -> Option<Self::Item> {
            self.0
                .next()
                .map(|(k, v)| (k.get_ref().as_ref(), TomlNode::Value(v.get_ref())))
        }
    }

    impl<'a> Object<'a, TomlJson> for &'a DeTable<'a> {
        type Node = TomlNode<'a>;
        type MemberName = &'a str;
        type MembersIter = Members<'a>;

        fn len(&self) -> usize {
            DeTable::len(self)
        }

        fn get(&self, key: &String) -> Option<TomlNode<'a>> {
            DeTable::get(self, key.as_str()).map(|v| TomlNode::Value(v.get_ref()))
        }

        fn members(&self) -> Members<'a> {
            Members(self.iter())
        }
    }

    impl<'a> Array<'a, TomlJson> for &'a DeArray<'a> {
        type Node = TomlNode<'a>;
        type ElementsIter = std::iter::Map<
            std::slice::Iter<'a, toml::Spanned<DeValue<'a>>>,
            fn(&'a toml::Spanned<DeValue<'a>>) -> TomlNode<'a>,
        >;

        fn len(&self) -> usize {
            <[toml::Spanned<DeValue<'a>>]>::len(self)
        }

        fn elements(&self) -> Self::ElementsIter {
            self.iter().map(|v| TomlNode::Value(v.get_ref()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use toml::de::DeTable;

    /// The in-place check and the JSON check agree on a document, for both input kinds.
    fn agree(text: &str, what: &str) {
        // The loader skips the schema for a file that reads and checks clean: it must accept
        // and refuse exactly what checking the schema first does, with the same diagnostics.
        let src = crate::load::Source::new("variant.toml", text);
        let quick = format!("{:?}", crate::load::manifest(&src));
        let careful = format!("{:?}", crate::load::manifest_schema_first(&src));
        assert_eq!(
            quick, careful,
            "the loader's fast path disagrees on {what}:\n{text}"
        );
        let Ok(tree) = DeTable::parse(text) else {
            return;
        };
        let json = table_json(tree.get_ref());
        for kind in [Kind::Manifest, Kind::Rubric] {
            let fast = toml_validator(kind).is_valid(toml_json::TomlNode::root(tree.get_ref()));
            let slow = validator(kind).is_valid(&json);
            assert_eq!(fast, slow, "{kind:?} check disagrees on {what}:\n{text}");
        }
    }

    fn toml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                toml_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "toml") {
                out.push(p);
            }
        }
    }

    #[test]
    fn in_place_check_agrees_with_json_check_on_every_shipped_file() {
        let mut files = Vec::new();
        for dir in ["protocols", "rubrics", "tests/fixtures", "examples"] {
            toml_files(std::path::Path::new(dir), &mut files);
        }
        assert!(files.len() > 20, "found {} files", files.len());
        for f in files {
            if let Ok(text) = std::fs::read_to_string(&f) {
                agree(&text, &f.display().to_string());
            }
        }
    }

    #[test]
    fn in_place_check_agrees_with_json_check_on_every_kind_of_value_in_every_place() {
        let base = std::fs::read_to_string("tests/fixtures/best-practice.toml")
            .expect("the best-practice fixture");
        let values = [
            "-1",
            "0",
            "1",
            "7",
            "1.5",
            "-0.5",
            "1e3",
            "0x10",
            "0o17",
            "0b101",
            "1_000",
            "99999999999999999999",
            "nan",
            "inf",
            "-inf",
            "\"text\"",
            "\"\"",
            "\"Not-Kebab\"",
            "\"2.0.0\"",
            "\" 2.0.0\"",
            "\"^2\"",
            "\"realtime\"",
            "\"multisig\"",
            "\"2024-01-01\"",
            "true",
            "false",
            "2024-01-01",
            "2024-01-01T10:00:00",
            "2024-01-01T10:00:00Z",
            "10:00:00",
            "[]",
            "[1, 2]",
            "[\"a\", \"b\"]",
            "{}",
            "{ critical = 1 }",
            "{ dex = {} }",
            "{ code = [] }",
            "[\"a\", { b = 1 }]",
            "\" 2025-11-02\"",
            "\"+025-01-01\"",
            "\"2025-+1-02\"",
        ];
        let lines: Vec<&str> = base.lines().collect();
        let mut checked = 0;
        for (n, line) in lines.iter().enumerate() {
            let Some((key, _)) = line.split_once(" = ") else {
                continue;
            };
            if key.starts_with('#') {
                continue;
            }
            for v in values {
                let mut doc: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                doc[n] = format!("{key} = {v}");
                agree(&doc.join("\n"), &format!("line {}: {key} = {v}", n + 1));
                checked += 1;
            }
            // The key misspelled, and gone.
            let mut doc: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            doc[n] = format!("{key}x = 1");
            agree(
                &doc.join("\n"),
                &format!("line {}: {key} misspelled", n + 1),
            );
            let mut doc: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            doc.remove(n);
            agree(&doc.join("\n"), &format!("line {}: {key} removed", n + 1));
        }
        assert!(checked > 500, "checked {checked} variants");
    }

    #[test]
    fn a_table_written_as_another_kind_of_value_is_judged_as_the_schema_judges_it() {
        let base = std::fs::read_to_string("tests/fixtures/best-practice.toml")
            .expect("the best-practice fixture");
        let lines: Vec<&str> = base.lines().collect();
        let mut checked = 0;
        for (n, line) in lines.iter().enumerate() {
            let Some(name) = line
                .strip_prefix("[[")
                .and_then(|l| l.strip_suffix("]]"))
                .or_else(|| line.strip_prefix('[').and_then(|l| l.strip_suffix(']')))
            else {
                continue;
            };
            let end = (n + 1..lines.len())
                .find(|&i| lines[i].starts_with('['))
                .unwrap_or(lines.len());
            // The table (or one entry of a list of tables) written as an inline value.
            let body: Vec<&str> = lines[n + 1..end]
                .iter()
                .filter(|l| l.contains(" = ") && !l.starts_with('#'))
                .copied()
                .collect();
            let leaf = name.rsplit('.').next().unwrap_or(name);
            for value in [
                "[]".to_string(),
                "[1, 2]".to_string(),
                "\"text\"".to_string(),
                format!("[{{ {} }}]", body.join(", ")),
                format!("{{ {} }}", body.join(", ")),
            ] {
                let mut doc: Vec<&str> = lines[..n].to_vec();
                let parent = name.rsplit_once('.').map(|(p, _)| format!("[{p}]"));
                let assignment = format!("{leaf} = {value}");
                if let Some(p) = &parent {
                    doc.push(p);
                }
                doc.push(&assignment);
                doc.extend_from_slice(&lines[end..]);
                agree(
                    &doc.join("\n"),
                    &format!("line {}: {name} as {value}", n + 1),
                );
                checked += 1;
            }
        }
        assert!(checked > 50, "checked {checked} variants");
    }
}

//! Front matter: splitting a write-up into its header and body, and parsing the
//! header (TOML between `+++`, YAML between `---`) into one [`Node`] tree that
//! remembers the line and column of every value.
//!
//! Both formats land in the same tree so the model validates fields once, with the
//! same messages, whatever the user wrote. Nothing here knows what a field means.

use std::fmt;

/// A front-matter value with the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// 1-based line in the whole file.
    pub line: u32,
    /// 1-based column; 0 when unknown.
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Integer(i64),
    Float(f64),
    String(String),
    /// A TOML date or date-time literal, kept as written (RFC 3339).
    Datetime(String),
    Array(Vec<Node>),
    /// Keys keep their own position, for "unknown key" diagnostics.
    Table(Vec<(Key, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub line: u32,
    pub column: u32,
}

impl Value {
    /// The word a user would use for this type in "expected X, found Y".
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a number",
            Value::String(_) => "a string",
            Value::Datetime(_) => "a date",
            Value::Array(_) => "a list",
            Value::Table(_) => "a table",
        }
    }
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Table(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Which syntax the header used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Yaml,
    /// No front matter: the file is all body.
    None,
}

/// A file split into header and body, before parsing.
#[derive(Debug)]
pub struct Split<'a> {
    pub format: Format,
    pub header: &'a str,
    /// 1-based line of the header's first line in the file.
    pub header_line: u32,
    pub body: &'a str,
    /// 1-based line of the body's first line in the file.
    pub body_line: u32,
}

/// Why a file's front matter could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct SyntaxError {
    pub line: u32,
    pub column: u32,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

fn syntax(line: u32, column: u32, message: impl Into<String>, hint: Option<&str>) -> SyntaxError {
    SyntaxError {
        line,
        column,
        message: message.into(),
        hint: hint.map(str::to_owned),
    }
}

/// Splits `text` at its front-matter fences. A file that does not start with
/// `+++` or `---` has no front matter: all of it is the body.
pub fn split(text: &str) -> Result<Split<'_>, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(syntax(
            1,
            1,
            "the file is empty",
            Some("a write-up is Markdown, optionally with front matter between `+++` lines"),
        ));
    }
    let first_line = text.lines().next().unwrap_or("").trim_end();
    let (format, fence) = match first_line {
        "+++" => (Format::Toml, "+++"),
        "---" => (Format::Yaml, "---"),
        _ => {
            return Ok(Split {
                format: Format::None,
                header: "",
                header_line: 1,
                body: text,
                body_line: 1,
            })
        }
    };
    let header_start = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut offset = header_start;
    for (line_no, line) in (2u32..).zip(text[header_start..].split_inclusive('\n')) {
        if line.trim_end() == fence {
            let header = &text[header_start..offset];
            let body = &text[offset + line.len()..];
            return Ok(Split {
                format,
                header,
                header_line: 2,
                body,
                body_line: line_no + 1,
            });
        }
        offset += line.len();
    }
    Err(syntax(
        1,
        1,
        format!("front matter opened with `{fence}` is never closed"),
        Some(&format!(
            "add a line with just `{fence}` after the last field"
        )),
    ))
}

/// Byte offsets to 1-based line/column within one header.
struct LineIndex {
    starts: Vec<usize>,
    first_line: u32,
}

impl LineIndex {
    fn new(text: &str, first_line: u32) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts, first_line }
    }

    fn place(&self, text: &str, offset: usize) -> (u32, u32) {
        let idx = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts[idx];
        let column = text
            .get(start..offset.min(text.len()))
            .map_or(1, |s| s.chars().count() + 1);
        (self.first_line + idx as u32, column as u32)
    }
}

/// Parses a header into a table node.
pub fn parse(split: &Split<'_>) -> Result<Node, SyntaxError> {
    match split.format {
        Format::Toml => parse_toml(split.header, split.header_line),
        Format::Yaml => parse_yaml(split.header, split.header_line),
        Format::None => Ok(Node {
            value: Value::Table(Vec::new()),
            line: 1,
            column: 1,
        }),
    }
}

pub fn parse_toml(text: &str, first_line: u32) -> Result<Node, SyntaxError> {
    use toml::de::{DeTable, DeValue};
    let index = LineIndex::new(text, first_line);
    let table =
        DeTable::parse(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((first_line, 0), |s| index.place(text, s.start));
            syntax(line, column, format!("invalid TOML: {}", e.message().trim()), Some(
            "strings need quotes, dates are written bare (date = 2025-03-14), lists use [ ]",
        ))
        })?;

    fn convert(value: &toml::Spanned<DeValue<'_>>, text: &str, index: &LineIndex) -> Node {
        let (line, column) = index.place(text, value.span().start);
        let value = match value.get_ref() {
            DeValue::String(s) => Value::String(s.to_string()),
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Value::Integer(n),
                Err(_) => Value::String(i.as_str().to_owned()),
            },
            DeValue::Float(f) => Value::Float(f.as_str().parse().unwrap_or(f64::NAN)),
            DeValue::Boolean(b) => Value::Bool(*b),
            DeValue::Datetime(d) => Value::Datetime(d.to_string()),
            DeValue::Array(items) => {
                Value::Array(items.iter().map(|v| convert(v, text, index)).collect())
            }
            DeValue::Table(t) => Value::Table(convert_table(t, text, index)),
        };
        Node {
            value,
            line,
            column,
        }
    }

    fn convert_table(table: &DeTable<'_>, text: &str, index: &LineIndex) -> Vec<(Key, Node)> {
        let mut entries: Vec<(Key, Node)> = table
            .iter()
            .map(|(k, v)| {
                let (line, column) = index.place(text, k.span().start);
                let key = Key {
                    name: k.get_ref().to_string(),
                    line,
                    column,
                };
                (key, convert(v, text, index))
            })
            .collect();
        // Source order, so diagnostics and follow-ups read top to bottom.
        entries.sort_by_key(|(k, _)| (k.line, k.column));
        entries
    }

    let (line, column) = index.place(text, 0);
    Ok(Node {
        value: Value::Table(convert_table(table.get_ref(), text, &index)),
        line,
        column,
    })
}

pub fn parse_yaml(text: &str, first_line: u32) -> Result<Node, SyntaxError> {
    let docs = super::yaml::load(text).map_err(|e| yaml_error(e, first_line))?;
    let empty = Node {
        value: Value::Table(Vec::new()),
        line: first_line,
        column: 1,
    };
    let Some(doc) = docs.into_iter().next() else {
        return Ok(empty);
    };
    let node = yaml_node(&doc, first_line);
    match node.value {
        Value::Table(_) => Ok(node),
        Value::Null => Ok(empty),
        other => Err(syntax(
            node.line,
            node.column,
            format!(
                "front matter must be a mapping of fields, found {}",
                other.kind()
            ),
            Some("write one `key: value` per line"),
        )),
    }
}

/// YAML that does not scan, or nests too deep, at its place in the file.
fn yaml_error(e: super::yaml::LoadError, first_line: u32) -> SyntaxError {
    use super::yaml::{self, LoadError};
    match e {
        LoadError::Scan(e) => {
            let m = e.marker();
            syntax(
                first_line + m.line().saturating_sub(1) as u32,
                m.col() as u32 + 1,
                format!("invalid YAML: {}", e.info()),
                Some("check indentation and quote values that contain `: ` or start with `@`"),
            )
        }
        LoadError::TooDeep { line, column } => syntax(
            first_line + line.saturating_sub(1) as u32,
            column as u32,
            format!(
                "YAML nested more than {} levels deep (lists or mappings inside each other)",
                yaml::MAX_DEPTH
            ),
            Some("front matter needs a few levels at most; flatten the value"),
        ),
    }
}

/// The 1-based line in the whole file and column where a YAML node starts.
fn yaml_place(node: &saphyr::MarkedYaml<'_>, first_line: u32) -> (u32, u32) {
    let m = node.span.start;
    (
        first_line + m.line().saturating_sub(1) as u32,
        m.col() as u32 + 1,
    )
}

/// A YAML node as a [`Node`]; tags are dropped, and what has no equal (an
/// alias left unresolved, a bad value) is null.
fn yaml_node(node: &saphyr::MarkedYaml<'_>, first_line: u32) -> Node {
    use saphyr::{Scalar, YamlData};
    let (line, column) = yaml_place(node, first_line);
    let value = match &node.data {
        YamlData::Value(Scalar::Null) => Value::Null,
        YamlData::Value(Scalar::Boolean(b)) => Value::Bool(*b),
        YamlData::Value(Scalar::Integer(i)) => Value::Integer(*i),
        YamlData::Value(Scalar::FloatingPoint(f)) => Value::Float(f.into_inner()),
        YamlData::Value(Scalar::String(s)) => Value::String(s.to_string()),
        YamlData::Representation(s, _, _) => Value::String(s.to_string()),
        YamlData::Sequence(items) => {
            Value::Array(items.iter().map(|n| yaml_node(n, first_line)).collect())
        }
        YamlData::Mapping(map) => Value::Table(
            map.iter()
                .map(|(k, v)| (yaml_key(k, first_line), yaml_node(v, first_line)))
                .collect(),
        ),
        YamlData::Tagged(_, inner) => return yaml_node(inner, first_line),
        _ => Value::Null,
    };
    Node {
        value,
        line,
        column,
    }
}

/// A mapping's key: a string, number or boolean as written, else `?`.
fn yaml_key(k: &saphyr::MarkedYaml<'_>, first_line: u32) -> Key {
    use saphyr::{Scalar, YamlData};
    let (line, column) = yaml_place(k, first_line);
    let name = match &k.data {
        YamlData::Value(Scalar::String(s)) => s.to_string(),
        YamlData::Value(Scalar::Integer(i)) => i.to_string(),
        YamlData::Value(Scalar::Boolean(b)) => b.to_string(),
        _ => String::from("?"),
    };
    Key { name, line, column }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_toml_and_counts_lines() {
        let s = split("+++\ntitle = \"x\"\n+++\nbody\n").expect("split");
        assert_eq!(s.format, Format::Toml);
        assert_eq!(s.header, "title = \"x\"\n");
        assert_eq!(s.body, "body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn a_file_without_front_matter_is_all_body() {
        let s = split("# Title\n\nText.\n").expect("split");
        assert_eq!(s.format, Format::None);
        assert_eq!(s.body, "# Title\n\nText.\n");
        assert_eq!(s.body_line, 1);
        assert_eq!(parse(&s).expect("parse").value, Value::Table(Vec::new()));
    }

    #[test]
    fn unterminated_front_matter_is_an_error() {
        let e = split("---\ntitle: x\nbody\n").expect_err("must fail");
        assert!(e.message.contains("never closed"), "{}", e.message);
    }

    #[test]
    fn toml_values_keep_their_lines() {
        let s = split("+++\ntitle = \"x\"\n\n[timeline]\nstarted = 2025-03-14T09:12:00Z\n+++\n")
            .expect("split");
        let node = parse(&s).expect("parse");
        let started = node
            .get("timeline")
            .and_then(|t| t.get("started"))
            .expect("started");
        assert_eq!(started.line, 5);
        assert_eq!(
            started.value,
            Value::Datetime("2025-03-14T09:12:00Z".into())
        );
    }

    #[test]
    fn yaml_values_keep_their_lines() {
        let s = split("---\ntitle: x\nsystems: [a, b]\ndate: 2024-05-02\n---\n").expect("split");
        let node = parse(&s).expect("parse");
        let date = node.get("date").expect("date");
        assert_eq!(date.line, 4);
        assert_eq!(date.value, Value::String("2024-05-02".into()));
    }

    #[test]
    fn toml_syntax_error_points_at_the_line() {
        let s = split("+++\ntitle = \"x\"\nseverity = SEV2\n+++\n").expect("split");
        let e = parse(&s).expect_err("must fail");
        assert_eq!(e.line, 3);
    }

    #[test]
    fn yaml_syntax_error_points_at_the_line() {
        let s = split("---\ntitle: x\nsystems: [a, b\n---\n").expect("split");
        let e = parse(&s).expect_err("must fail");
        assert!(e.line >= 3, "line {}", e.line);
    }
}

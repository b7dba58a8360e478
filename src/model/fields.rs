//! Typed reading of a front-matter [`Node`] table, collecting every problem as a
//! diagnostic with file, line, column, field and hint instead of stopping at the
//! first. Keys that are never asked for are reported as unknown, with the closest
//! known key as a "did you mean".
//!
//! Real folders hold values casebook did not write, so reading is lenient: `""`,
//! `null` and `[]` are absent, numbers in a list of strings are strings, and
//! timestamps may lack seconds, the `T` or a leading zero. A value that still does
//! not fit is a warning naming the field and saying it is ignored: the write-up
//! builds with the field's fallback.

use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::load::frontmatter::{Key, Node, Value};
use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// Collects the diagnostics of one file.
pub struct Reporter {
    pub file: PathBuf,
    diagnostics: RefCell<Vec<Diagnostic>>,
}

impl Reporter {
    pub fn new(file: &Path) -> Self {
        Self {
            file: file.to_path_buf(),
            diagnostics: RefCell::new(Vec::new()),
        }
    }

    pub fn push(&self, d: Diagnostic) {
        self.diagnostics.borrow_mut().push(d);
    }

    pub fn error_at(&self, node: &Node, field: &str, message: String, hint: Option<String>) {
        self.push_at(Diagnostic::error(&self.file, message), node, field, hint);
    }

    /// A value that cannot be used: a warning; the field falls back.
    pub fn warn_at(&self, node: &Node, field: &str, message: String, hint: Option<String>) {
        self.push_at(Diagnostic::warning(&self.file, message), node, field, hint);
    }

    fn push_at(&self, d: Diagnostic, node: &Node, field: &str, hint: Option<String>) {
        let mut d = d.at(node.line, node.column).field(field);
        if let Some(h) = hint {
            d = d.hint(h);
        }
        self.push(d);
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.borrow().iter().any(Diagnostic::is_error)
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics.into_inner()
    }
}

/// A table being read. Call [`Fields::finish`] to report keys nobody asked for.
pub struct Fields<'a> {
    reporter: &'a Reporter,
    prefix: String,
    entries: &'a [(Key, Node)],
    asked: RefCell<Vec<&'static str>>,
    /// Where the table itself starts, for "missing field" diagnostics.
    pub line: u32,
}

impl<'a> Fields<'a> {
    /// Reads `node` as a table; reports and returns `None` if it is not one.
    pub fn new(reporter: &'a Reporter, node: &'a Node, prefix: &str) -> Option<Self> {
        match &node.value {
            Value::Table(entries) => Some(Self {
                reporter,
                prefix: prefix.to_owned(),
                entries,
                asked: RefCell::new(Vec::new()),
                line: node.line,
            }),
            other => {
                reporter.warn_at(
                    node,
                    prefix.trim_end_matches('.'),
                    format!("expected a table, found {}", other.kind()),
                    Some("casebook ignores this value".into()),
                );
                None
            }
        }
    }

    /// A file's front matter (always a table once parsed; anything else reads
    /// as an empty one).
    pub fn root(reporter: &'a Reporter, node: &'a Node) -> Self {
        let entries: &'a [(Key, Node)] = match &node.value {
            Value::Table(entries) => entries,
            _ => &[],
        };
        Self {
            reporter,
            prefix: String::new(),
            entries,
            asked: RefCell::new(Vec::new()),
            line: node.line,
        }
    }

    pub fn reporter(&self) -> &'a Reporter {
        self.reporter
    }

    pub fn path(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The raw node of `key`, marking it as known; `None` when it is absent
    /// or empty (`""`, `null`, `[]`).
    pub fn node(&self, key: &'static str) -> Option<&'a Node> {
        self.asked.borrow_mut().push(key);
        self.entries
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
            .filter(|v| !is_absent(&v.value))
    }

    fn wrong_type(&self, key: &str, node: &Node, expected: &str, hint: Option<String>) {
        let hint = hint.map_or_else(
            || "casebook ignores this value".to_owned(),
            |h| format!("{h}; until then casebook ignores this value"),
        );
        self.reporter.warn_at(
            node,
            &self.path(key),
            format!("expected {expected}, found {}", node.value.kind()),
            Some(hint),
        );
    }

    pub fn string(&self, key: &'static str) -> Option<String> {
        let node = self.node(key)?;
        match &node.value {
            Value::String(s) => Some(s.trim().to_owned()),
            // A number or date where a string is expected reads as written.
            Value::Integer(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Datetime(d) => Some(d.clone()),
            _ => {
                self.wrong_type(
                    key,
                    node,
                    "a string",
                    Some(format!("write {key} = \"...\" (in quotes)")),
                );
                None
            }
        }
    }

    /// A string that must be present; reports a missing or empty field at the
    /// table's line (for casebook's own files, such as reading lists).
    pub fn required_string(&self, key: &'static str, hint: &str) -> Option<String> {
        let value = self.string(key);
        if value.is_none() {
            let written = self.entries.iter().find(|(k, _)| k.name == key);
            let (message, line) = match written {
                Some((_, node)) => (format!("`{}` is empty", self.path(key)), node.line),
                None => (
                    format!("missing required field `{}`", self.path(key)),
                    self.line,
                ),
            };
            self.reporter.push(
                Diagnostic::error(&self.reporter.file, message)
                    .at_line(line)
                    .field(self.path(key))
                    .hint(hint.to_owned()),
            );
        }
        value
    }

    /// A list of strings; a single string is taken as a one-item list.
    pub fn string_list(&self, key: &'static str) -> Vec<(String, &'a Node)> {
        let Some(node) = self.node(key) else {
            return Vec::new();
        };
        match &node.value {
            Value::String(s) => vec![(s.clone(), node)],
            Value::Integer(i) => vec![(i.to_string(), node)],
            Value::Array(items) => items
                .iter()
                .filter_map(|item| match &item.value {
                    Value::String(s) if s.trim().is_empty() => None,
                    Value::String(s) => Some((s.clone(), item)),
                    Value::Integer(i) => Some((i.to_string(), item)),
                    Value::Float(f) => Some((f.to_string(), item)),
                    Value::Bool(b) => Some((b.to_string(), item)),
                    Value::Null => None,
                    _ => {
                        self.wrong_type(key, item, "a string in this list", None);
                        None
                    }
                })
                .collect(),
            _ => {
                self.wrong_type(
                    key,
                    node,
                    "a list of strings",
                    Some(format!("write {key} = [\"a\", \"b\"]")),
                );
                Vec::new()
            }
        }
    }

    pub fn bool(&self, key: &'static str) -> Option<bool> {
        let node = self.node(key)?;
        match &node.value {
            Value::Bool(b) => Some(*b),
            Value::String(s)
                if matches!(s.trim().to_ascii_lowercase().as_str(), "true" | "yes") =>
            {
                Some(true)
            }
            Value::String(s)
                if matches!(s.trim().to_ascii_lowercase().as_str(), "false" | "no") =>
            {
                Some(false)
            }
            _ => {
                self.wrong_type(key, node, "true or false", None);
                None
            }
        }
    }

    pub fn integer(&self, key: &'static str) -> Option<i64> {
        let node = self.node(key)?;
        match &node.value {
            Value::Integer(i) => Some(*i),
            _ => {
                self.wrong_type(key, node, "an integer", None);
                None
            }
        }
    }

    /// A calendar day: a TOML date, a date string, or the day of a date-time.
    pub fn date(&self, key: &'static str) -> Option<jiff::civil::Date> {
        let node = self.node(key)?;
        match &node.value {
            Value::String(s) | Value::Datetime(s) => match parse_date(s) {
                Some(d) => Some(d),
                None => {
                    self.reporter.warn_at(
                        node,
                        &self.path(key),
                        format!("\"{s}\" is not a valid date"),
                        Some("write dates as YYYY-MM-DD, e.g. 2025-03-14; until then casebook ignores this value".into()),
                    );
                    None
                }
            },
            _ => {
                self.wrong_type(key, node, "a date (YYYY-MM-DD)", None);
                None
            }
        }
    }

    /// A moment in time; without an offset it is taken as UTC.
    pub fn timestamp(&self, key: &'static str) -> Option<jiff::Timestamp> {
        let node = self.node(key)?;
        match &node.value {
            Value::String(s) | Value::Datetime(s) => match parse_timestamp(s) {
                Some(t) => Some(t),
                None => {
                    self.reporter.warn_at(
                        node,
                        &self.path(key),
                        format!("\"{s}\" is not a valid date-time"),
                        Some("write RFC 3339 date-times, e.g. 2025-03-14T09:12:00Z; until then casebook ignores this value".into()),
                    );
                    None
                }
            },
            _ => {
                self.wrong_type(key, node, "a date-time (2025-03-14T09:12:00Z)", None);
                None
            }
        }
    }

    pub fn table(&self, key: &'static str) -> Option<Fields<'a>> {
        let node = self.node(key)?;
        Fields::new(self.reporter, node, &format!("{}.", self.path(key)))
    }

    /// An array of tables (`[[key]]` in TOML, a list of mappings in YAML).
    pub fn tables(&self, key: &'static str) -> Vec<Fields<'a>> {
        let Some(node) = self.node(key) else {
            return Vec::new();
        };
        match &node.value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| {
                    Fields::new(
                        self.reporter,
                        item,
                        &format!("{}[{}].", self.path(key), i + 1),
                    )
                })
                .collect(),
            Value::Table(_) => Fields::new(self.reporter, node, &format!("{}[1].", self.path(key)))
                .into_iter()
                .collect(),
            _ => {
                self.wrong_type(
                    key,
                    node,
                    "a list of tables",
                    Some(format!("write each item as [[{key}]]")),
                );
                Vec::new()
            }
        }
    }

    /// Reports every key that was never asked for, as a warning.
    pub fn finish(self) {
        let asked = self.asked.borrow();
        for (key, _) in self.entries {
            if asked.iter().any(|a| *a == key.name) {
                continue;
            }
            let mut d = Diagnostic::warning(
                &self.reporter.file,
                format!("unknown field `{}`", self.path(&key.name)),
            )
            .at(key.line, key.column)
            .field(self.path(&key.name));
            d = match did_you_mean(&key.name, asked.iter().copied()) {
                Some(m) => d.hint(format!("did you mean `{}`?", self.path(m))),
                None => d.hint("casebook ignores it; map it with [front_matter.aliases] in casebook.toml if it is your name for a known field"),
            };
            self.reporter.push(d);
        }
    }
}

/// `""`, `null`, `[]` and whitespace: what real folders write for "not known".
pub(crate) fn is_absent(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(items) => items.iter().all(|i| is_absent(&i.value)),
        _ => false,
    }
}

/// A calendar day, as written: the day of a date-time is the day in its own
/// offset (`2025-11-22T08:00+09:00` is 22 November, not the 21st in UTC).
pub(crate) fn parse_date(s: &str) -> Option<jiff::civil::Date> {
    let s = s.trim();
    // Most dates are well-formed: only the others pay for normalizing.
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return Some(d);
    }
    let s = normalize_timestamp(s);
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return Some(d);
    }
    parse_timestamp(&s).map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
}

/// A moment; without an offset it is taken as UTC.
pub(crate) fn parse_timestamp(s: &str) -> Option<jiff::Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Some(t);
    }
    let s = normalize_timestamp(s);
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Some(t);
    }
    let utc = |dt: jiff::civil::DateTime| {
        dt.to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp())
    };
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
        return utc(dt);
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return utc(d.to_datetime(jiff::civil::Time::midnight()));
    }
    None
}

/// `2023-04-11 8:00` -> `2023-04-11T08:00`: the shapes hand-written timestamps
/// take (a space for `T`, a one-digit hour, ` UTC`), in the form RFC 3339 parsers take.
fn normalize_timestamp(s: &str) -> std::borrow::Cow<'_, str> {
    let bytes = s.as_bytes();
    let is_date = bytes.len() > 10
        && bytes[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !is_date || !matches!(bytes[10], b'T' | b't' | b' ') {
        return s.into();
    }
    let (date, time) = (&s[..10], s[11..].trim_start());
    let time = time
        .strip_suffix(" UTC")
        .or_else(|| time.strip_suffix(" GMT"))
        .map_or_else(|| time.to_owned(), |t| format!("{t}Z"));
    let hour_digits = time.bytes().take_while(u8::is_ascii_digit).count();
    let time = if hour_digits == 1 {
        format!("0{time}")
    } else {
        time
    };
    // `08:00 +09:00` -> `08:00+09:00`.
    let time = time
        .replacen(" +", "+", 1)
        .replacen(" -", "-", 1)
        .replace(" Z", "Z");
    format!("{date}T{time}").into()
}

/// A string field limited to `names`; a bad value gets a "did you mean".
pub(super) fn enum_field<T>(
    f: &Fields<'_>,
    key: &'static str,
    names: &[&str],
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    let s = f.string(key)?;
    if let Some(v) = parse(&s) {
        return Some(v);
    }
    let node = f.node(key)?;
    let list = names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = match did_you_mean(&s, names.iter().copied()) {
        Some(m) => format!("did you mean \"{m}\"? Allowed: {list}"),
        None => format!("allowed: {list}"),
    };
    f.reporter().warn_at(
        node,
        &f.path(key),
        format!("\"{s}\" is not a valid {key}; it is ignored"),
        Some(hint),
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps_accept_common_forms() {
        assert_eq!(
            parse_date("2025-03-14").map(|d| d.to_string()),
            Some("2025-03-14".into())
        );
        // The calendar day as written, not shifted to UTC.
        assert_eq!(
            parse_date("2025-03-14T23:30:00-02:00").map(|d| d.to_string()),
            Some("2025-03-14".into())
        );
        assert!(parse_timestamp("2025-03-14T09:12:00Z").is_some());
        assert!(parse_timestamp("2025-03-14 09:12:00").is_some());
        assert!(parse_timestamp("2025-13-14").is_none());
        assert!(parse_date("March 14").is_none());
    }

    #[test]
    fn hand_written_timestamps_are_read() {
        let ts = |s: &str| parse_timestamp(s).map(|t| t.to_string());
        assert_eq!(ts("2023-04-11 20:28"), Some("2023-04-11T20:28:00Z".into()));
        assert_eq!(
            ts("2023-04-11T8:00:00"),
            Some("2023-04-11T08:00:00Z".into())
        );
        assert_eq!(
            ts("2023-04-11 8:05 +09:00"),
            Some("2023-04-10T23:05:00Z".into())
        );
        assert_eq!(
            ts("2023-04-11 20:28 UTC"),
            Some("2023-04-11T20:28:00Z".into())
        );
        // The day as written in its own offset.
        assert_eq!(
            parse_date("2025-11-22T08:00:00+09:00").map(|d| d.to_string()),
            Some("2025-11-22".into())
        );
    }

    #[test]
    fn empty_values_are_absent() {
        assert!(is_absent(&Value::String("  ".into())));
        assert!(is_absent(&Value::Null));
        assert!(is_absent(&Value::Array(Vec::new())));
        assert!(!is_absent(&Value::Bool(false)));
    }
}

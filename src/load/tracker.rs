//! Tracker exports: a CSV or JSON file from an issue tracker (Jira, GitHub, or
//! anything with a key/link, status and resolved-date column), read into
//! [`TrackerRecord`]s. The model matches them to follow-ups; this module only reads.

use crate::diagnostic::Diagnostic;
use std::path::Path;

/// One issue as the tracker reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackerRecord {
    /// Issue key (`OPS-123`), number, or URL.
    pub key: String,
    /// The tracker's status name, lowercased, with GitHub's state reason appended
    /// as `closed/not_planned` when present.
    pub status: String,
    pub resolved: Option<jiff::civil::Date>,
    /// 1-based line (CSV) or record number (JSON), for diagnostics.
    pub line: u32,
}

/// A tracker export as read: its records, and warnings about cells that could
/// not be read (the rest of the record is still used).
#[derive(Debug, Clone, Default)]
pub struct Export {
    pub records: Vec<TrackerRecord>,
    pub warnings: Vec<Diagnostic>,
    /// Whether `line` counts JSON records rather than lines.
    pub json: bool,
}

impl Export {
    /// Where a record is, for a diagnostic's text: "line 3" or "record 3".
    pub fn place(&self, line: u32) -> String {
        if self.json {
            format!("record {line}")
        } else {
            format!("line {line}")
        }
    }
}

/// Why an export could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The file is missing or unreadable: I/O trouble, not an archive error.
    #[error("cannot read the tracker export {}: {source}", .path.display())]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// The file is there but is not an export casebook can read.
    #[error("{0}")]
    Invalid(Diagnostic),
}

const KEY_COLUMNS: &[&str] = &[
    "key",
    "issue key",
    "issue_key",
    "issue",
    "id",
    "link",
    "url",
    "html_url",
    "number",
];
const STATUS_COLUMNS: &[&str] = &["status", "state", "status name"];
const REASON_COLUMNS: &[&str] = &["state_reason", "statereason", "resolution"];
const RESOLVED_COLUMNS: &[&str] = &[
    "resolved",
    "resolved date",
    "resolutiondate",
    "resolution date",
    "closed_at",
    "closedat",
    "done_on",
    "done",
];

pub fn read(path: &Path, shown_as: &Path) -> Result<Export, ExportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ExportError::Io {
        path: shown_as.to_path_buf(),
        source,
    })?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with(['[', '{']);
    if is_json {
        parse_json(&text, shown_as)
    } else {
        parse_csv(&text, shown_as)
    }
    .map_err(ExportError::Invalid)
}

/// The resolved day of a record; a value that is there but cannot be read is a
/// warning (it used to vanish, and the follow-up lost its done date).
fn date_of(
    value: &str,
    shown_as: &Path,
    place: &str,
    line: Option<u32>,
    warnings: &mut Vec<Diagnostic>,
) -> Option<jiff::civil::Date> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let day = crate::model::tracker_dates::day(value);
    if day.is_none() {
        let mut d = Diagnostic::warning(
            shown_as,
            format!("{place}: resolved date \"{value}\" cannot be read; it is left out"),
        )
        .field("resolved")
        .hint("write e.g. 2025-03-28, 2025-03-28T10:00:00.000+0000 or 28/Mar/25 2:03 PM");
        if let Some(line) = line {
            d = d.at_line(line);
        }
        warnings.push(d);
    }
    day
}

fn find(headers: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| headers.iter().position(|h| h == n))
}

fn status_of(status: &str, reason: Option<&str>) -> String {
    let status = status.trim().to_lowercase();
    match reason
        .map(|r| r.trim().to_lowercase())
        .filter(|r| !r.is_empty())
    {
        Some(r) => format!("{status}/{r}"),
        None => status,
    }
}

pub fn parse_csv(text: &str, shown_as: &Path) -> Result<Export, Diagnostic> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| {
            Diagnostic::error(shown_as, format!("cannot read the CSV header: {e}")).at_line(1)
        })?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let (Some(key), Some(status)) = (find(&headers, KEY_COLUMNS), find(&headers, STATUS_COLUMNS))
    else {
        return Err(Diagnostic::error(
            shown_as,
            "the CSV needs a key or link column and a status column",
        )
        .at_line(1)
        .hint(format!(
            "name them e.g. `key` (or {}) and `status` (or state)",
            KEY_COLUMNS[1..].join(", ")
        )));
    };
    let reason = find(&headers, REASON_COLUMNS);
    let resolved = find(&headers, RESOLVED_COLUMNS);
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i as u32 + 2;
        let row = row
            .map_err(|e| Diagnostic::error(shown_as, format!("invalid CSV: {e}")).at_line(line))?;
        let k = row.get(key).unwrap_or("").trim();
        if k.is_empty() {
            continue;
        }
        out.push(TrackerRecord {
            key: k.to_owned(),
            status: status_of(
                row.get(status).unwrap_or(""),
                reason.and_then(|r| row.get(r)),
            ),
            resolved: resolved.and_then(|r| row.get(r)).and_then(|value| {
                date_of(
                    value,
                    shown_as,
                    &format!("line {line}"),
                    Some(line),
                    &mut warnings,
                )
            }),
            line,
        });
    }
    Ok(Export {
        records: out,
        warnings,
        json: false,
    })
}

pub fn parse_json(text: &str, shown_as: &Path) -> Result<Export, Diagnostic> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Diagnostic::error(shown_as, format!("invalid JSON: {e}"))
            .at(e.line() as u32, e.column() as u32)
    })?;
    // A bare list (GitHub `gh issue list --json`), or Jira's `{"issues": [...]}`.
    let items = match &value {
        serde_json::Value::Array(a) => a.as_slice(),
        serde_json::Value::Object(o) => o
            .get("issues")
            .and_then(|v| v.as_array())
            .map(Vec::as_slice)
            .unwrap_or_default(),
        _ => &[],
    };
    let text_of = |v: Option<&serde_json::Value>| -> Option<String> {
        match v? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Object(o) => {
                o.get("name").and_then(|n| n.as_str()).map(str::to_owned)
            }
            _ => None,
        }
    };
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let record = i as u32 + 1;
        let Some(obj) = item.as_object() else {
            continue;
        };
        let fields = obj.get("fields").and_then(|f| f.as_object());
        let get = |names: &[&str]| -> Option<String> {
            names.iter().find_map(|n| {
                let lower = |o: &serde_json::Map<String, serde_json::Value>| {
                    o.iter()
                        .find(|(k, _)| k.to_lowercase() == *n)
                        .and_then(|(_, v)| text_of(Some(v)))
                };
                lower(obj).or_else(|| fields.and_then(lower))
            })
        };
        let Some(key) = get(&["key", "url", "html_url", "link", "number", "id"]) else {
            continue;
        };
        out.push(TrackerRecord {
            key,
            status: status_of(
                &get(STATUS_COLUMNS).unwrap_or_default(),
                get(REASON_COLUMNS).as_deref(),
            ),
            // A JSON export is one line or many; its records have no useful
            // line, so diagnostics name the record (and give no line).
            resolved: get(RESOLVED_COLUMNS).as_deref().and_then(|value| {
                date_of(
                    value,
                    shown_as,
                    &format!("record {record}"),
                    None,
                    &mut warnings,
                )
            }),
            line: record,
        });
    }
    if out.is_empty() && !items.is_empty() {
        return Err(Diagnostic::error(
            shown_as,
            "no record in the JSON export has a key, url or number",
        )
        .hint("export a list of objects with `key` (or `url`), `status` and `resolved`"));
    }
    Ok(Export {
        records: out,
        warnings,
        json: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_jira_csv_columns() {
        let csv = "Issue key,Summary,Status,Resolved\nOPS-123,Alert,Done,2025-03-28T10:00:00.000+0000\nOPS-124,Pool,In Progress,\n";
        let r = parse_csv(csv, Path::new("x.csv")).expect("parse").records;
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].key, "OPS-123");
        assert_eq!(r[0].status, "done");
        assert_eq!(
            r[0].resolved.map(|d| d.to_string()),
            Some("2025-03-28".into())
        );
        assert_eq!(r[1].line, 3);
    }

    #[test]
    fn reads_github_and_jira_json() {
        let gh = r#"[{"number": 7, "url": "https://github.com/o/r/issues/7", "state": "CLOSED", "stateReason": "NOT_PLANNED", "closedAt": "2025-04-01T00:00:00Z"}]"#;
        let r = parse_json(gh, Path::new("x.json")).expect("parse").records;
        assert_eq!(r[0].key, "https://github.com/o/r/issues/7");
        assert_eq!(r[0].status, "closed/not_planned");
        let jira = r#"{"issues": [{"key": "OPS-1", "fields": {"status": {"name": "Won't Do"}, "resolutiondate": "2025-05-02T11:00:00.000+0000"}}]}"#;
        let r = parse_json(jira, Path::new("x.json"))
            .expect("parse")
            .records;
        assert_eq!(r[0].status, "won't do");
        assert_eq!(
            r[0].resolved.map(|d| d.to_string()),
            Some("2025-05-02".into())
        );
    }

    #[test]
    fn jira_csv_dates_in_jiras_own_format_are_read() {
        let csv = "Issue key,Status,Resolved\nOPS-1,Done,20/May/24 2:03 PM\nOPS-2,Done,someday\n";
        let export = parse_csv(csv, Path::new("x.csv")).expect("parse");
        assert_eq!(
            export.records[0].resolved.map(|d| d.to_string()),
            Some("2024-05-20".into())
        );
        assert_eq!(export.records[1].resolved, None);
        assert_eq!(
            export.warnings.len(),
            1,
            "an unreadable date is said, not dropped"
        );
        assert_eq!(export.warnings[0].line, Some(3));
    }
}

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

pub fn read(path: &Path, shown_as: &Path) -> Result<Vec<TrackerRecord>, Diagnostic> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Diagnostic::error(shown_as, format!("cannot read the tracker export: {e}")))?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text.trim_start().starts_with(['[', '{']);
    if is_json {
        parse_json(&text, shown_as)
    } else {
        parse_csv(&text, shown_as)
    }
}

fn date_of(s: &str) -> Option<jiff::civil::Date> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    // Jira writes `2025-03-28T10:00:00.000+0000`; take the calendar day.
    s.get(..10).and_then(|d| d.parse().ok())
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

pub fn parse_csv(text: &str, shown_as: &Path) -> Result<Vec<TrackerRecord>, Diagnostic> {
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
            resolved: resolved.and_then(|r| row.get(r)).and_then(date_of),
            line,
        });
    }
    Ok(out)
}

pub fn parse_json(text: &str, shown_as: &Path) -> Result<Vec<TrackerRecord>, Diagnostic> {
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
    for (i, item) in items.iter().enumerate() {
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
            resolved: get(RESOLVED_COLUMNS).as_deref().and_then(date_of),
            line: i as u32 + 1,
        });
    }
    if out.is_empty() && !items.is_empty() {
        return Err(Diagnostic::error(
            shown_as,
            "no record in the JSON export has a key, url or number",
        )
        .hint("export a list of objects with `key` (or `url`), `status` and `resolved`"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_jira_csv_columns() {
        let csv = "Issue key,Summary,Status,Resolved\nOPS-123,Alert,Done,2025-03-28T10:00:00.000+0000\nOPS-124,Pool,In Progress,\n";
        let r = parse_csv(csv, Path::new("x.csv")).expect("parse");
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
        let r = parse_json(gh, Path::new("x.json")).expect("parse");
        assert_eq!(r[0].key, "https://github.com/o/r/issues/7");
        assert_eq!(r[0].status, "closed/not_planned");
        let jira = r#"{"issues": [{"key": "OPS-1", "fields": {"status": {"name": "Won't Do"}, "resolutiondate": "2025-05-02T11:00:00.000+0000"}}]}"#;
        let r = parse_json(jira, Path::new("x.json")).expect("parse");
        assert_eq!(r[0].status, "won't do");
        assert_eq!(
            r[0].resolved.map(|d| d.to_string()),
            Some("2025-05-02".into())
        );
    }
}

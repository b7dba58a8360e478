//! `casebook import csv`: a tracker or spreadsheet export, one row per incident,
//! read into [`ImportedIncident`]s through `--map column=field`.
//!
//! This module owns the mapping (which columns feed which casebook fields, and
//! the usage errors when a `--map` names something that is not there) and the
//! reading of cell values: lists split on `,` or `;`, dates in the forms trackers
//! write, statuses in their words. A cell it cannot read is a warning naming the
//! row's line and is left out; the row is still imported.

use super::{add_name, is_web_url, ImportError, Imported, ImportedIncident, Link};
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::model::tracker_dates::{when, year_only};
use std::path::Path;

/// A casebook field a column can feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Date,
    Summary,
    Severity,
    Systems,
    Tags,
    Status,
    Links,
    Id,
    Authors,
    Started,
    Detected,
    Mitigated,
    Resolved,
}

impl Field {
    const ALL: [(&'static str, Field); 14] = [
        ("title", Field::Title),
        ("date", Field::Date),
        ("summary", Field::Summary),
        ("severity", Field::Severity),
        ("systems", Field::Systems),
        ("tags", Field::Tags),
        ("status", Field::Status),
        ("links", Field::Links),
        ("id", Field::Id),
        ("authors", Field::Authors),
        ("timeline.started", Field::Started),
        ("timeline.detected", Field::Detected),
        ("timeline.mitigated", Field::Mitigated),
        ("timeline.resolved", Field::Resolved),
    ];

    /// Every field name `--map` accepts.
    pub fn names() -> impl Iterator<Item = &'static str> {
        Self::ALL.iter().map(|(name, _)| *name)
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(n, _)| *n == name.trim())
            .map(|(_, f)| *f)
    }
}

/// One `--map column=field`, resolved against the CSV's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mapping {
    column: usize,
    field: Field,
}

fn map_error(spec: &str, message: String) -> ImportError {
    ImportError::Map {
        spec: spec.to_owned(),
        message,
    }
}

/// `column=field` against `headers`: an unknown column or field is a usage error
/// with the closest name and the choices.
fn mapping(spec: &str, headers: &[String]) -> Result<Mapping, ImportError> {
    // Field names have no `=`, so a column name may.
    let Some((column, field)) = spec.rsplit_once('=') else {
        return Err(map_error(
            spec,
            "expected COLUMN=FIELD, e.g. `--map \"Issue key\"=id`".into(),
        ));
    };
    let field = Field::parse(field).ok_or_else(|| {
        let names: Vec<&str> = Field::names().collect();
        let hint = match did_you_mean(field.trim(), names.iter().copied()) {
            Some(m) => format!("did you mean `{m}`? "),
            None => String::new(),
        };
        map_error(
            spec,
            format!(
                "`{field}` is not a casebook field; {hint}fields: {}",
                names.join(", ")
            ),
        )
    })?;
    let column = column.trim();
    let found = headers
        .iter()
        .position(|h| h == column)
        .or_else(|| headers.iter().position(|h| h.eq_ignore_ascii_case(column)));
    let column = found.ok_or_else(|| {
        let hint = match did_you_mean(column, headers.iter().map(String::as_str)) {
            Some(m) => format!("did you mean `{m}`? "),
            None => String::new(),
        };
        map_error(
            spec,
            format!(
                "the CSV has no column `{column}`; {hint}its columns: {}",
                headers.join(", ")
            ),
        )
    })?;
    Ok(Mapping { column, field })
}

/// `,` unless the header line has more `;` or tabs (spreadsheets in many locales).
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let count = |c: char| header.matches(c).count();
    [b'\t', b';']
        .into_iter()
        .find(|&d| count(char::from(d)) > count(','))
        .unwrap_or(b',')
}

/// Reads every row of `text` (a CSV file shown as `shown`) through `maps`;
/// `severities` is the archive's scale, for a warning on values not on it.
pub fn parse(
    text: &str,
    shown: &Path,
    maps: &[String],
    severities: &[String],
) -> Result<Imported, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(delimiter(text))
        .from_reader(text.as_bytes());
    let csv_error = |e: ::csv::Error| ImportError::Csv {
        file: shown.to_path_buf(),
        message: e.to_string(),
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let mappings = maps
        .iter()
        .map(|spec| mapping(spec, &headers))
        .collect::<Result<Vec<_>, _>>()?;
    let Some(title_column) = mappings.iter().find(|m| m.field == Field::Title) else {
        let example = headers
            .iter()
            .find(|h| ["title", "summary", "name", "subject"].contains(&h.to_lowercase().as_str()))
            .or(headers.first())
            .map_or("Title", String::as_str);
        return Err(ImportError::NoTitle {
            file: shown.to_path_buf(),
            example: quote_column(example),
        });
    };
    let title_header = headers[title_column.column].clone();
    let mut out = Imported::default();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        let line = record
            .position()
            .and_then(|p| u32::try_from(p.line()).ok())
            .unwrap_or(0);
        let mut row = Row {
            incident: ImportedIncident {
                line,
                ..ImportedIncident::default()
            },
            shown,
            severities,
            warnings: &mut out.warnings,
        };
        let mut any = false;
        for m in &mappings {
            let value = record.get(m.column).unwrap_or_default().trim();
            if !value.is_empty() {
                any = true;
                row.set(m.field, &headers[m.column], value);
            }
        }
        if !any {
            continue;
        }
        if row.incident.title.is_empty() {
            let message =
                format!("the row has no title (column `{title_header}` is empty); left out");
            out.warnings
                .push(Diagnostic::warning(shown, message).at_line(line));
            continue;
        }
        let incident = row.incident;
        out.incidents.push(incident);
    }
    Ok(out)
}

fn quote_column(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        name.to_owned()
    } else {
        format!("\"{name}\"")
    }
}

/// One row being read, and where its warnings go.
struct Row<'a> {
    incident: ImportedIncident,
    shown: &'a Path,
    severities: &'a [String],
    warnings: &'a mut Vec<Diagnostic>,
}

impl Row<'_> {
    fn warn(&mut self, column: &str, message: String, hint: Option<String>) {
        let mut d = Diagnostic::warning(self.shown, format!("column `{column}`: {message}"))
            .at_line(self.incident.line);
        if let Some(hint) = hint {
            d = d.hint(hint);
        }
        self.warnings.push(d);
    }

    fn set(&mut self, field: Field, column: &str, value: &str) {
        let i = &mut self.incident;
        match field {
            Field::Title if i.title.is_empty() => {
                i.title = value.split_whitespace().collect::<Vec<_>>().join(" ");
            }
            Field::Summary if i.summary.is_none() => i.summary = Some(value.to_owned()),
            Field::Systems => merge_names(&mut i.systems, value),
            Field::Tags => merge_names(&mut i.tags, value),
            Field::Authors => merge_names(&mut i.authors, value),
            Field::Id if i.id.is_none() => {
                let id = crate::model::incident::slugify(value);
                i.id = (!id.is_empty()).then_some(id);
            }
            Field::Date if i.date.is_none() => match when(value) {
                Some(w) => i.date = Some(w.day),
                None => match year_only(value) {
                    Some(y) => i.year = Some(y),
                    None => self.unreadable_date(column, value),
                },
            },
            Field::Started | Field::Detected | Field::Mitigated | Field::Resolved => {
                let Some(w) = when(value) else {
                    return self.unreadable_date(column, value);
                };
                let t = &mut i.timeline;
                let slot = match field {
                    Field::Started => &mut t.started,
                    Field::Detected => &mut t.detected,
                    Field::Mitigated => &mut t.mitigated,
                    _ => &mut t.resolved,
                };
                slot.get_or_insert(w.at);
            }
            Field::Severity if i.severity.is_none() => self.severity(column, value),
            Field::Status if i.status.is_none() => match status(value) {
                Some(s) => i.status = Some(s.to_owned()),
                None => self.warn(
                    column,
                    format!("status \"{value}\" is not one casebook knows; left out (resolved)"),
                    Some("casebook's statuses are ongoing, monitoring and resolved".into()),
                ),
            },
            Field::Links => {
                for url in value
                    .split([',', ';', ' ', '\n', '\t'])
                    .filter(|u| !u.is_empty())
                {
                    if !is_web_url(url) {
                        self.warn(
                            column,
                            format!("`{url}` is not an http(s) URL; left out"),
                            None,
                        );
                    } else if !self.incident.links.iter().any(|l| l.url == url) {
                        self.incident.links.push(Link {
                            title: None,
                            url: url.to_owned(),
                        });
                    }
                }
            }
            // A scalar fed by several columns: the first non-empty one wins.
            _ => {}
        }
    }

    fn unreadable_date(&mut self, column: &str, value: &str) {
        self.warn(
            column,
            format!("\"{value}\" is not a date casebook reads; left out"),
            Some("write e.g. 2025-03-14, 2025-03-14 09:12, 2025-03-14T09:12:00Z, 14/Mar/25 9:12 AM or Mar 14, 2025 (day/month order is ambiguous in 03/04/2025)".into()),
        );
    }

    /// Written as the scale spells it when it matches but for case; otherwise as
    /// it is, with a warning (`casebook check` will report it until it is fixed).
    fn severity(&mut self, column: &str, value: &str) {
        let on_scale = self
            .severities
            .iter()
            .find(|s| s.eq_ignore_ascii_case(value));
        if let Some(s) = on_scale {
            self.incident.severity = Some(s.clone());
            return;
        }
        self.incident.severity = Some(value.to_owned());
        if !self.severities.is_empty() {
            let scale = self.severities.join(", ");
            self.warn(
                column,
                format!("severity \"{value}\" is not on this archive's scale ({scale})"),
                Some("rename it in the CSV, or declare it in casebook.toml `severities`".into()),
            );
        }
    }
}

fn merge_names(names: &mut Vec<String>, value: &str) {
    for name in value.split([',', ';']) {
        add_name(names, name);
    }
}

/// Tracker words for casebook's three statuses.
fn status(value: &str) -> Option<&'static str> {
    let v = value.trim().to_lowercase().replace(['_', '-'], " ");
    match v.as_str() {
        "resolved" | "closed" | "done" | "fixed" | "complete" | "completed" | "postmortem"
        | "post mortem" | "reviewed" => Some("resolved"),
        "ongoing" | "open" | "active" | "investigating" | "identified" | "triggered"
        | "acknowledged" | "in progress" | "new" => Some("ongoing"),
        "monitoring" | "mitigated" => Some("monitoring"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "\
Issue key,Summary,Created,Priority,Components,Labels,Status,Link,Description
INC-1,Checkout 502s after deploy,2025-03-14 09:12,sev2,checkout; payments-db,deploy,Closed,https://tracker.example/INC-1,\"Bad \"\"deploy\"\", rolled back\"
INC-2,Search slow,14/Mar/25 9:12 AM,P9,search,,Investigating,ftp://x.example/a,
INC-3,,2025-01-01,,,,,,
INC-4,Undated one,someday,,,,,,
";

    fn maps(specs: &[&str]) -> Vec<String> {
        specs.iter().map(|s| (*s).to_owned()).collect()
    }

    fn parsed() -> Imported {
        let severities = maps(&["SEV1", "SEV2", "SEV3"]);
        parse(
            CSV,
            Path::new("export.csv"),
            &maps(&[
                "Issue key=id",
                "Summary=title",
                "created=date",
                "Created=timeline.started",
                "Priority=severity",
                "Components=systems",
                "Labels=tags",
                "Status=status",
                "Link=links",
                "Description=summary",
            ]),
            &severities,
        )
        .expect("parsed")
    }

    #[test]
    fn rows_become_incidents_through_the_mapping() {
        let incidents = parsed().incidents;
        assert_eq!(incidents.len(), 3, "the row without a title is left out");
        let first = &incidents[0];
        assert_eq!(first.title, "Checkout 502s after deploy");
        assert_eq!(first.id.as_deref(), Some("inc-1"));
        assert_eq!(first.date, Some(jiff::civil::date(2025, 3, 14)));
        assert_eq!(
            first.timeline.started.map(|t| t.to_string()),
            Some("2025-03-14T09:12:00Z".into())
        );
        assert_eq!(first.severity.as_deref(), Some("SEV2"));
        assert_eq!(first.systems, ["checkout", "payments-db"]);
        assert_eq!(first.status.as_deref(), Some("resolved"));
        assert_eq!(first.links[0].url, "https://tracker.example/INC-1");
        assert_eq!(
            first.summary.as_deref(),
            Some("Bad \"deploy\", rolled back")
        );
        assert_eq!(first.line, 2);
        assert_eq!(incidents[1].date, Some(jiff::civil::date(2025, 3, 14)));
        assert_eq!(incidents[1].status.as_deref(), Some("ongoing"));
    }

    #[test]
    fn unreadable_cells_are_warnings_with_the_rows_line() {
        let warnings: Vec<String> = parsed().warnings.iter().map(ToString::to_string).collect();
        let joined = warnings.join("\n");
        assert!(
            joined.contains("\"P9\" is not on this archive's scale"),
            "{joined}"
        );
        assert!(
            joined.contains("`ftp://x.example/a` is not an http(s) URL"),
            "{joined}"
        );
        assert!(joined.contains("export.csv:4"), "{joined}");
        assert!(joined.contains("\"someday\" is not a date"), "{joined}");
        assert!(joined.contains("export.csv:5"), "{joined}");
    }

    #[test]
    fn a_map_naming_an_unknown_column_or_field_says_what_is_close() {
        let err = |spec: &str| {
            parse(CSV, Path::new("e.csv"), &maps(&[spec]), &[])
                .map(|_| ())
                .expect_err("usage error")
                .to_string()
        };
        let column = err("Sumary=title");
        assert!(column.contains("did you mean `Summary`?"), "{column}");
        let field = err("Summary=titel");
        assert!(field.contains("did you mean `title`?"), "{field}");
        assert!(err("Summary").contains("COLUMN=FIELD"));
        let none = parse(CSV, Path::new("e.csv"), &maps(&["Status=status"]), &[])
            .map(|_| ())
            .expect_err("no title");
        assert!(none.to_string().contains("--map Summary=title"), "{none}");
    }

    #[test]
    fn tracker_dates() {
        // The calendar day as written, then the instant.
        for (cell, read) in [
            ("2025-03-14", "2025-03-14 2025-03-14T00:00:00Z"),
            ("2025-03-14 09:12", "2025-03-14 2025-03-14T09:12:00Z"),
            (
                "2025-03-28T10:00:00.000+0000",
                "2025-03-28 2025-03-28T10:00:00Z",
            ),
            (
                "2025-03-14T23:30:00-02:00",
                "2025-03-14 2025-03-15T01:30:00Z",
            ),
            (
                "2025-05-02T01:00:00+0200",
                "2025-05-02 2025-05-01T23:00:00Z",
            ),
            ("14/Mar/25 9:12 PM", "2025-03-14 2025-03-14T21:12:00Z"),
            ("Mar 14, 2025", "2025-03-14 2025-03-14T00:00:00Z"),
            ("14 March 2025", "2025-03-14 2025-03-14T00:00:00Z"),
            ("2025/03/14 09:12", "2025-03-14 2025-03-14T09:12:00Z"),
            ("14.03.2025", "2025-03-14 2025-03-14T00:00:00Z"),
            ("3/14/2025", "2025-03-14 2025-03-14T00:00:00Z"),
            ("14/3/2025 09:12", "2025-03-14 2025-03-14T09:12:00Z"),
        ] {
            let w = when(cell).map(|w| format!("{} {}", w.day, w.at));
            assert_eq!(w.as_deref(), Some(read), "{cell}");
        }
        assert_eq!(when("3/4/2025"), None, "day/month order unknown");
        assert_eq!(when("yesterday"), None);
        assert_eq!(year_only("2019"), Some(2019));
    }
}

//! Merging a tracker export into follow-ups, so the site shows the tracker's
//! truth without network access. A follow-up matches a tracker record by its
//! link: the whole URL, or its last path segment (`.../browse/OPS-123` ↔ `OPS-123`).

use super::incident::FollowUpStatus;
use super::Archive;
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::load::tracker::{Export, TrackerRecord};
use std::collections::HashMap;
use std::path::Path;

/// Jira's and GitHub's status names (lowercase), then casebook's own.
const DEFAULT_STATUS_MAP: &[(&str, FollowUpStatus)] = &[
    ("to do", FollowUpStatus::Open),
    ("todo", FollowUpStatus::Open),
    ("open", FollowUpStatus::Open),
    ("backlog", FollowUpStatus::Open),
    ("new", FollowUpStatus::Open),
    ("reopened", FollowUpStatus::Open),
    ("selected for development", FollowUpStatus::Open),
    ("in progress", FollowUpStatus::InProgress),
    ("in_progress", FollowUpStatus::InProgress),
    ("in review", FollowUpStatus::InProgress),
    ("code review", FollowUpStatus::InProgress),
    ("blocked", FollowUpStatus::InProgress),
    ("done", FollowUpStatus::Done),
    ("closed", FollowUpStatus::Done),
    ("resolved", FollowUpStatus::Done),
    ("fixed", FollowUpStatus::Done),
    ("closed/completed", FollowUpStatus::Done),
    ("won't do", FollowUpStatus::WontDo),
    ("wont_do", FollowUpStatus::WontDo),
    ("won't fix", FollowUpStatus::WontDo),
    ("wontfix", FollowUpStatus::WontDo),
    ("declined", FollowUpStatus::WontDo),
    ("cancelled", FollowUpStatus::WontDo),
    ("canceled", FollowUpStatus::WontDo),
    ("duplicate", FollowUpStatus::WontDo),
    ("closed/not_planned", FollowUpStatus::WontDo),
    // Jira resolutions (the status is often plain "Done" beside them).
    ("cannot reproduce", FollowUpStatus::WontDo),
    ("incomplete", FollowUpStatus::WontDo),
    ("obsolete", FollowUpStatus::WontDo),
    ("open/reopened", FollowUpStatus::Open),
];

/// A record's status: its status and reason together (`closed/not_planned`),
/// else a reason that says it was not done (Jira's Done with resolution "Won't
/// Do" is not done), else the status alone.
fn status_of(map: &HashMap<String, FollowUpStatus>, status: &str) -> Option<FollowUpStatus> {
    if let Some(&s) = map.get(status) {
        return Some(s);
    }
    let (base, reason) = status.split_once('/').unwrap_or((status, ""));
    let reason = map.get(reason).copied();
    let base = map.get(base).copied();
    match (base, reason) {
        (Some(FollowUpStatus::Done), Some(FollowUpStatus::WontDo)) => Some(FollowUpStatus::WontDo),
        (Some(base), _) => Some(base),
        (None, _) => None,
    }
}

/// What the merge did, for the build summary.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TrackerReport {
    pub records: usize,
    /// Follow-ups whose status came from the tracker.
    pub matched: usize,
    /// Tracker records that match no follow-up: (key, where: "line 3" or "record 3").
    pub unmatched_records: Vec<(String, String)>,
    /// Follow-ups with a link that the export does not contain.
    pub unmatched_follow_ups: usize,
}

fn normalize(key: &str) -> String {
    key.trim().trim_end_matches('/').to_lowercase()
}

fn last_segment(link: &str) -> Option<String> {
    let trimmed = link.trim().trim_end_matches('/');
    let seg = trimmed.rsplit('/').next()?;
    let seg = seg.split(['?', '#']).next()?;
    (!seg.is_empty()).then(|| seg.to_lowercase())
}

/// Applies `records` to every follow-up with a matching link.
pub fn apply(
    archive: &mut Archive,
    export: &Export,
    config: &Config,
    file: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> TrackerReport {
    let map = status_map(config, diagnostics);
    let records = &export.records;
    let mut report = TrackerReport {
        records: records.len(),
        ..TrackerReport::default()
    };
    let merged = merge(archive, records, &map, &mut report);
    // A CSV record has a line; a JSON record only its number (its text says which).
    let at = |d: Diagnostic, line: u32| if export.json { d } else { d.at_line(line) };
    for (status, line) in merged.unknown_status {
        diagnostics.push(
            at(Diagnostic::warning(file, format!("{}: tracker status \"{status}\" is not mapped to a follow-up status", export.place(line))), line)
                .field("status")
                .hint(format!("add it to casebook.toml: [tracker.status_map] \"{status}\" = \"done\" (or open, in_progress, wont_do)")),
        );
    }
    for (i, r) in records.iter().enumerate() {
        if !merged.used[i] {
            report
                .unmatched_records
                .push((r.key.clone(), export.place(r.line)));
            diagnostics.push(
                at(
                    Diagnostic::note(
                        file,
                        format!(
                            "{}: tracker issue \"{}\" matches no follow-up",
                            export.place(r.line),
                            r.key
                        ),
                    ),
                    r.line,
                )
                .hint("a follow-up matches when its link ends with this key or equals this URL"),
            );
        }
    }
    report
}

/// Status names (lowercase) to follow-up statuses: the defaults, then
/// `[tracker.status_map]`, whose values that are not a status are errors.
fn status_map(
    config: &Config,
    diagnostics: &mut Vec<Diagnostic>,
) -> HashMap<String, FollowUpStatus> {
    let mut map: HashMap<String, FollowUpStatus> = DEFAULT_STATUS_MAP
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect();
    for (name, status) in &config.file.tracker.status_map {
        match FollowUpStatus::parse(status) {
            Some(s) => {
                map.insert(name.to_lowercase(), s);
            }
            None => diagnostics.push(
                Diagnostic::error("casebook.toml", format!("tracker.status_map maps \"{name}\" to \"{status}\", which is not a follow-up status"))
                    .field(format!("tracker.status_map.{name}"))
                    .hint("use open, in_progress, done or wont_do"),
            ),
        }
    }
    map
}

/// What merging found besides the follow-ups it changed.
struct Merged {
    /// Per record: whether a follow-up matched it.
    used: Vec<bool>,
    /// Statuses the map does not know, with the line of their first record.
    unknown_status: HashMap<String, u32>,
}

/// Sets every follow-up whose link matches a record to the record's status
/// (and, when done, its resolution date), counting into `report`.
fn merge(
    archive: &mut Archive,
    records: &[TrackerRecord],
    map: &HashMap<String, FollowUpStatus>,
    report: &mut TrackerReport,
) -> Merged {
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        by_key.insert(normalize(&r.key), i);
    }
    let mut merged = Merged {
        used: vec![false; records.len()],
        unknown_status: HashMap::new(),
    };
    for inc in &mut archive.incidents {
        for f in &mut std::sync::Arc::make_mut(inc).follow_ups {
            let Some(link) = &f.link else { continue };
            let hit = by_key
                .get(&normalize(link))
                .or_else(|| last_segment(link).and_then(|seg| by_key.get(&seg)))
                .copied();
            let Some(i) = hit else {
                report.unmatched_follow_ups += 1;
                continue;
            };
            merged.used[i] = true;
            let r = &records[i];
            let status = status_of(map, &r.status);
            let Some(status) = status else {
                merged
                    .unknown_status
                    .entry(r.status.clone())
                    .or_insert(r.line);
                continue;
            };
            report.matched += 1;
            f.status = status;
            f.from_tracker = true;
            if status == FollowUpStatus::Done {
                f.done_on = r.resolved.or(f.done_on);
            }
        }
    }
    merged
}

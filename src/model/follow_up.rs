//! Follow-ups (action items) as written: their status, and their reading from
//! `[[follow_ups]]` tables. Task lists in the body are read by [`super::body`];
//! both sources merge here ([`read_follow_ups`]).

use super::body;
use super::fallback::Fallback;
use super::fields::enum_field;
use super::fields::Fields;
use super::incident::normalize_title;
use super::url::checked_url;
use jiff::civil::Date;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpStatus {
    Open,
    InProgress,
    Done,
    WontDo,
    /// Written as a plain bullet under an action heading (or with a status casebook
    /// cannot read): nobody said whether it is done. Never counted as open,
    /// overdue or done.
    Untracked,
}

impl FollowUpStatus {
    pub const NAMES: &'static [&'static str] =
        &["open", "in_progress", "done", "wont_do", "untracked"];

    /// Case, spaces and dashes folded: `In Progress`, `in-progress`, `WONT_DO`.
    pub fn parse(s: &str) -> Option<Self> {
        let folded: String = s
            .trim()
            .chars()
            .filter(|c| *c != '\'')
            .map(|c| match c {
                ' ' | '-' => '_',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        match folded.as_str() {
            "open" | "todo" | "to_do" => Some(Self::Open),
            "in_progress" | "started" => Some(Self::InProgress),
            "done" | "closed" | "completed" | "complete" | "fixed" => Some(Self::Done),
            "wont_do" | "wontdo" | "wontfix" | "wont_fix" => Some(Self::WontDo),
            "untracked" | "unknown" => Some(Self::Untracked),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// Still to do: open or in progress.
    pub fn is_pending(self) -> bool {
        matches!(self, Self::Open | Self::InProgress)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpSource {
    FrontMatter,
    TaskList,
}

/// A follow-up as written, before merging the two sources.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RawFollowUp {
    pub title: String,
    pub owner: Option<String>,
    pub status: FollowUpStatus,
    pub due: Option<Date>,
    pub done_on: Option<Date>,
    pub link: Option<String>,
    pub public: bool,
    pub source: FollowUpSource,
    /// 1-based line in the source file.
    pub line: u32,
    /// The status came from a tracker export (`--follow-up-status`).
    pub from_tracker: bool,
}

pub type FollowUp = RawFollowUp;

/// One `[[follow_ups]]` table; `None` (with a warning) when it has no title.
pub fn read(t: Fields<'_>) -> Option<FollowUp> {
    let title = t.string("title");
    if title.is_none() {
        t.reporter().push(
            crate::diagnostic::Diagnostic::warning(
                &t.reporter().file,
                format!(
                    "`{}` has no title; it is skipped",
                    t.path("").trim_end_matches('.')
                ),
            )
            .at_line(t.line)
            .field(t.path("title"))
            .hint("each [[follow_ups]] needs `title = \"...\"`"),
        );
    }
    let status = match t.node("status") {
        None => FollowUpStatus::Open,
        Some(_) => enum_field(&t, "status", FollowUpStatus::NAMES, FollowUpStatus::parse)
            .unwrap_or(FollowUpStatus::Untracked),
    };
    let link = t
        .node("link")
        .and_then(|node| checked_url(&t, "link", node, t.string("link")?));
    let fu = FollowUp {
        title: title?,
        owner: t.string("owner"),
        status,
        due: t.date("due"),
        done_on: t.date("done_on"),
        link,
        public: t.bool("public").unwrap_or(false),
        source: FollowUpSource::FrontMatter,
        line: t.line,
        from_tracker: false,
    };
    t.finish();
    Some(fu)
}

/// Front-matter follow-ups, then the body's task lists under action headings
/// (plain bullets there are untracked), merged by title.
pub(super) fn read_follow_ups(
    f: &Fields<'_>,
    body_text: &str,
    body_line: u32,
    fallbacks: &mut Vec<Fallback>,
) -> Vec<FollowUp> {
    let mut follow_ups: Vec<FollowUp> = f
        .tables("follow_ups")
        .into_iter()
        .filter_map(super::follow_up::read)
        .collect();
    let mut seen: std::collections::HashSet<String> = follow_ups
        .iter()
        .map(|fu| normalize_title(&fu.title))
        .collect();
    let mut untracked = 0;
    let lines = body::action_lines(body_text);
    let tables = super::sections::table_follow_ups(&lines, body_line)
        .into_iter()
        .map(|follow_up| body::TaskLine {
            follow_up,
            bad_due: None,
        });
    for body::TaskLine {
        follow_up: mut task,
        bad_due,
    } in body::task_lines(&lines, body_line)
        .into_iter()
        .chain(tables)
    {
        if let Some(bad) = bad_due {
            let reporter = f.reporter();
            reporter.push(
                crate::diagnostic::Diagnostic::warning(
                    &reporter.file,
                    format!(
                        "follow-up \"{}\": due:{bad} is not a date; it has no due date",
                        task.title
                    ),
                )
                .at_line(task.line)
                .field("follow_ups")
                .hint("write due:YYYY-MM-DD, e.g. due:2025-01-31"),
            );
        }
        if let Some(link) = task.link.take() {
            task.link = super::url::is_safe_url(&link).then_some(link);
        }
        if seen.insert(normalize_title(&task.title)) {
            untracked += usize::from(task.status == FollowUpStatus::Untracked);
            follow_ups.push(task);
        }
    }
    if untracked > 0 {
        fallbacks.push(Fallback {
            field: "follow_ups",
            source: "plain bullets",
        });
    }
    follow_ups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_read_in_the_spellings_people_use() {
        assert_eq!(
            FollowUpStatus::parse("In Progress"),
            Some(FollowUpStatus::InProgress)
        );
        assert_eq!(FollowUpStatus::parse("DONE"), Some(FollowUpStatus::Done));
        assert_eq!(
            FollowUpStatus::parse("won't-do"),
            Some(FollowUpStatus::WontDo)
        );
        assert_eq!(FollowUpStatus::parse("maybe"), None);
        assert_eq!(FollowUpStatus::Untracked.as_str(), "untracked");
    }
}

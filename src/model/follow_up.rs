//! Follow-ups (action items) as written: their status, and their reading from
//! `[[follow_ups]]` tables. Task lists in the body are read by [`super::body`];
//! both sources merge in [`super::incident`].

use super::fields::Fields;
use super::incident::enum_field;
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

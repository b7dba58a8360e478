//! What the most copied postmortem templates (the SRE book's among them) say in
//! their sections rather than in front matter: the summary under a `Summary`
//! heading, and action items kept as a table (`| Action Item | Type | Owner | Bug |`)
//! with `DONE`/`TODO` written in a cell. A line scanner, like [`super::body`].

use super::body::{first_paragraph, heading, normalize_heading};
use super::fallback::strip_inline_markup as plain;
use super::follow_up::{FollowUpSource, FollowUpStatus, RawFollowUp};

/// Headings whose first paragraph is the write-up's summary.
const SUMMARY_HEADINGS: &[&str] = &[
    "summary",
    "executive summary",
    "tl dr",
    "tldr",
    "overview",
    "incident summary",
    "what happened",
];

/// The first paragraph under a heading named like "Summary", when there is one.
pub(crate) fn summary_section(body: &str) -> Option<String> {
    let mut start = None;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        if let Some((level, text)) = heading(line) {
            if start.is_some() {
                break;
            }
            if SUMMARY_HEADINGS.contains(&normalize_heading(text).as_str()) {
                start = Some((offset + line.len(), level));
            }
        }
        offset += line.len();
    }
    let (from, _) = start?;
    let section = &body[from..];
    // The section ends at the next heading; first_paragraph stops there anyway.
    first_paragraph(section.split("\n#").next().unwrap_or(section))
}

/// Rows of Markdown tables among `lines` (the lines under action-items
/// headings, from [`super::body::action_lines`]), as follow-ups. Columns are
/// found by their header (action/item/task, owner, status, due, bug/ticket); a
/// status cell, or a `DONE`/`TODO` word anywhere in the row, gives the status,
/// else the item is untracked.
pub(crate) fn table_follow_ups(lines: &[(usize, &str)], body_line: u32) -> Vec<RawFollowUp> {
    let mut items = Vec::new();
    let mut columns: Option<Columns> = None;
    for &(i, line) in lines {
        let t = line.trim();
        if !t.starts_with('|') {
            columns = None;
            continue;
        }
        let cells = cells(t);
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
        {
            continue;
        }
        match &columns {
            None => columns = Some(Columns::of(&cells)),
            Some(cols) => {
                if let Some(item) = cols.follow_up(&cells, body_line + i as u32) {
                    items.push(item);
                }
            }
        }
    }
    items
}

fn cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_owned()).collect()
}

/// Which cell holds what, from a table's header row.
struct Columns {
    title: usize,
    owner: Option<usize>,
    status: Option<usize>,
    due: Option<usize>,
}

impl Columns {
    fn of(header: &[String]) -> Self {
        let find = |names: &[&str]| {
            header
                .iter()
                .position(|h| names.contains(&normalize_heading(h).as_str()))
        };
        Columns {
            title: find(&[
                "action item",
                "action",
                "item",
                "task",
                "description",
                "what",
                "follow up",
            ])
            .unwrap_or(0),
            owner: find(&["owner", "owners", "assignee", "who", "responsible"]),
            status: find(&["status", "state", "done"]),
            due: find(&["due", "due date", "deadline", "when", "eta"]),
        }
    }

    fn follow_up(&self, cells: &[String], line: u32) -> Option<RawFollowUp> {
        let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).map(String::as_str);
        let title = plain(cell(Some(self.title))?);
        if title.is_empty() {
            return None;
        }
        let row = cells.join(" ");
        let marked = row
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .find_map(|w| match w {
                "DONE" | "FIXED" | "COMPLETE" | "COMPLETED" => Some(FollowUpStatus::Done),
                "TODO" | "OPEN" => Some(FollowUpStatus::Open),
                _ => None,
            });
        let status = cell(self.status)
            .map(plain)
            .and_then(|s| FollowUpStatus::parse(&s))
            .or(marked)
            .unwrap_or(FollowUpStatus::Untracked);
        let owner = cell(self.owner)
            .map(|o| plain(o).trim_start_matches('@').to_owned())
            .filter(|o| !o.is_empty() && !matches!(o.as_str(), "n/a" | "-" | "tbd" | "TBD"));
        let link = row
            .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>'))
            .find(|w| w.starts_with("https://") || w.starts_with("http://"))
            .map(|w| w.trim_end_matches([',', '.', ';']).to_owned());
        Some(RawFollowUp {
            title,
            owner,
            status,
            due: cell(self.due).and_then(|d| super::fields::parse_date(&plain(d))),
            done_on: None,
            link,
            public: false,
            source: FollowUpSource::TaskList,
            line,
            from_tracker: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRE: &str = "# Sonnet++ postmortem\n\n### Date\n\n2015-10-21\n\n### Summary\n\nSearch was down for 66 minutes.\n\n### Action Items\n\n| Action Item | Type | Owner | Bug |\n| ----------- | ---- | ----- | --- |\n| Update the playbook | mitigate | jennifer | n/a **DONE** |\n| Balance load between clusters | prevent | martym | [Bug 5554823](https://bugs.example/5554823) **TODO** |\n| Schedule a game day | process | | |\n\n## Lessons\n| Not | an item |\n|---|---|\n| x | y |\n";

    #[test]
    fn the_summary_section_is_the_summary() {
        assert_eq!(
            summary_section(SRE).as_deref(),
            Some("Search was down for 66 minutes.")
        );
        assert_eq!(summary_section("No headings.\n"), None);
    }

    #[test]
    fn action_item_tables_become_follow_ups() {
        let items = table_follow_ups(&super::super::body::action_lines(SRE), 1);
        let titles: Vec<&str> = items.iter().map(|f| f.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Update the playbook",
                "Balance load between clusters",
                "Schedule a game day"
            ]
        );
        assert_eq!(items[0].status, FollowUpStatus::Done);
        assert_eq!(items[0].owner.as_deref(), Some("jennifer"));
        assert_eq!(items[1].status, FollowUpStatus::Open);
        assert_eq!(
            items[1].link.as_deref(),
            Some("https://bugs.example/5554823")
        );
        assert_eq!(items[2].status, FollowUpStatus::Untracked);
        assert_eq!(items[2].owner, None);
        assert_eq!(items[0].line, 15);
    }
}

//! What the model reads out of a write-up's Markdown body without rendering it:
//! follow-ups written as task lists under an action-items heading, the first
//! paragraph (the default summary) and a word count.
//!
//! A line scanner rather than a Markdown parse: it runs on every write-up before
//! rendering, must keep exact line numbers, and only needs headings, fences and
//! task-list items, which are line-shaped in CommonMark.

use super::follow_up::{FollowUpSource, FollowUpStatus, RawFollowUp};

/// Headings (case-insensitive, punctuation ignored) whose task lists are follow-ups.
pub(super) const ACTION_HEADINGS: &[&str] = &[
    "action items",
    "action item",
    "actions",
    "follow ups",
    "followups",
    "follow up items",
    "remediation",
    "remediations",
    "remediation items",
    "corrective actions",
    "next steps",
    "action points",
    "follow up",
    "followup",
    "follow up actions",
    "preventive actions",
    "preventative actions",
    "preventive measures",
    "corrective and preventive actions",
    "todo",
    "to do",
];

pub(crate) fn normalize_heading(text: &str) -> String {
    let cleaned: String = text
        .trim()
        .trim_end_matches('#')
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) fn heading(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim_start();
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let level = trimmed.bytes().take_while(|b| *b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &trimmed[level..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    Some((level, rest.trim()))
}

pub(super) fn fence(line: &str) -> Option<&str> {
    let t = line.trim_start();
    if t.starts_with("```") {
        Some("```")
    } else if t.starts_with("~~~") {
        Some("~~~")
    } else {
        None
    }
}

/// A follow-up read from a list item, and what on its line could not be read.
#[derive(Debug, Clone)]
pub(crate) struct TaskLine {
    pub follow_up: RawFollowUp,
    /// A `due:` value that is not a date (`due:2025-31-01`): left out of the
    /// title and of the due date, and worth a warning on the line.
    pub bad_due: Option<String>,
}

/// The lines of `body` outside code fences, with their 0-based index.
pub(crate) fn outside_fences(body: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut in_fence: Option<&str> = None;
    body.lines().enumerate().filter(move |(_, line)| {
        if let Some(f) = in_fence {
            if line.trim_start().starts_with(f) {
                in_fence = None;
            }
            return false;
        }
        if let Some(f) = fence(line) {
            in_fence = Some(f);
            return false;
        }
        true
    })
}

/// Every heading of `body` outside code fences, normalized (lowercase words).
pub(crate) fn headings(body: &str) -> Vec<String> {
    outside_fences(body)
        .filter_map(|(_, line)| heading(line).map(|(_, text)| normalize_heading(text)))
        .collect()
}

/// The lines under action-items headings, outside code fences, with their
/// 0-based index in `body`; headings nested in such a section are kept (they
/// end a table). One pass, shared by task lists and action-item tables.
pub(crate) fn action_lines(body: &str) -> Vec<(usize, &str)> {
    let mut lines = Vec::new();
    let mut section_level: Option<usize> = None;
    for (i, line) in outside_fences(body) {
        if let Some((level, text)) = heading(line) {
            if ACTION_HEADINGS.contains(&normalize_heading(text).as_str()) {
                section_level = Some(level);
                continue;
            } else if section_level.is_some_and(|s| level <= s) {
                section_level = None;
            }
        }
        if section_level.is_some() {
            lines.push((i, line));
        }
    }
    lines
}

/// Task-list items under action-items headings, with their 1-based file lines
/// (the reading does it in two steps; tests in one).
#[cfg(test)]
pub(crate) fn task_follow_ups(body: &str, body_line: u32) -> Vec<TaskLine> {
    task_lines(&action_lines(body), body_line)
}

/// The task-list items among lines [`action_lines`] found.
pub(crate) fn task_lines(lines: &[(usize, &str)], body_line: u32) -> Vec<TaskLine> {
    lines
        .iter()
        .filter(|(_, line)| heading(line).is_none())
        .filter_map(|&(i, line)| parse_task(line, body_line + i as u32))
        .collect()
}

/// A list item under an action heading: a task (`[ ]` open, `[x]` done) or a
/// plain bullet or numbered item, which is untracked (nobody said its status).
fn parse_task(line: &str, line_no: u32) -> Option<TaskLine> {
    let (status, text) = list_item(line)?;
    let task = TaskText::read(text);
    let title = task.title();
    if title.is_empty() {
        return None;
    }
    Some(TaskLine {
        follow_up: RawFollowUp {
            title,
            owner: task.owner,
            status,
            due: task.due,
            done_on: None,
            link: task.link,
            public: false,
            source: FollowUpSource::TaskList,
            line: line_no,
            from_tracker: false,
        },
        bad_due: task.bad_due,
    })
}

/// A list item's status and text, after its bullet (`-`, `*`, `+`, `1.` or
/// `1)`) and its checkbox, if any.
fn list_item(line: &str) -> Option<(FollowUpStatus, &str)> {
    let t = line.trim_start();
    let numbered = t
        .find(['.', ')'])
        .filter(|&i| i > 0 && i <= 3 && t[..i].bytes().all(|b| b.is_ascii_digit()))
        .and_then(|i| t[i + 1..].strip_prefix(' '));
    let rest = t
        .strip_prefix("- ")
        .or_else(|| t.strip_prefix("* "))
        .or_else(|| t.strip_prefix("+ "))
        .or(numbered)?;
    let rest = rest.trim_start();
    Some(if let Some(r) = rest.strip_prefix("[ ]") {
        (FollowUpStatus::Open, r)
    } else if let Some(r) = rest
        .strip_prefix("[x]")
        .or_else(|| rest.strip_prefix("[X]"))
    {
        (FollowUpStatus::Done, r)
    } else {
        (FollowUpStatus::Untracked, rest)
    })
}

/// A task's text read word by word: the first `@owner`, `due:DATE` and URLs
/// are taken out, and what is left is its title.
#[derive(Default)]
struct TaskText<'a> {
    owner: Option<String>,
    due: Option<jiff::civil::Date>,
    bad_due: Option<String>,
    link: Option<String>,
    words: Vec<&'a str>,
}

impl<'a> TaskText<'a> {
    fn read(text: &'a str) -> Self {
        let mut task = TaskText::default();
        for word in text.split_whitespace() {
            task.take(word);
        }
        task
    }

    fn take(&mut self, word: &'a str) {
        if let Some(o) = word.strip_prefix('@').filter(|o| !o.is_empty()) {
            if self.owner.is_none() {
                self.owner = Some(o.trim_end_matches([',', '.', ';']).to_owned());
                return;
            }
        }
        if let Some(d) = word.strip_prefix("due:") {
            let d = d.trim_end_matches([',', '.', ';']);
            match super::fields::parse_date(d) {
                Some(date) => self.due = Some(date),
                None => self.bad_due = Some(d.to_owned()),
            }
            return;
        }
        let bare = word.trim_start_matches(['(', '<', '[']);
        if bare.starts_with("https://") || bare.starts_with("http://") {
            self.take_url(word, bare);
            return;
        }
        // Brackets left empty by a URL taken out: "(see )".
        if self
            .words
            .last()
            .is_some_and(|w| w.starts_with('(') && !w.contains(')'))
            && word.chars().all(|c| matches!(c, ')' | ',' | ';' | '.'))
        {
            self.words.pop();
            return;
        }
        self.words.push(word);
    }

    /// A URL, bare or in brackets (`bare` is `word` without its opening ones):
    /// the first is the link; later ones are references, not words of the
    /// title, and would mangle it.
    fn take_url(&mut self, word: &str, bare: &str) {
        let url = bare.trim_end_matches([',', ';', '.', ')', '>', ']']);
        if self.link.is_none() {
            self.link = Some(url.to_owned());
        }
        // "(see https://…)": the bracket it closes goes with it.
        let closes = bare.trim_end_matches([',', ';', '.']).ends_with(')') && !url.contains('(');
        if closes && bare.len() == word.len() {
            let words = &mut self.words;
            if let Some(open) = words.iter().rposition(|w| w.starts_with('(')) {
                if !words[open..].iter().any(|w| w.contains(')')) {
                    words.truncate(open);
                }
            }
        }
    }

    fn title(&self) -> String {
        self.words
            .join(" ")
            .trim_end_matches([' ', '-', '—', ',', ';', ':'])
            .to_owned()
    }
}

/// The body's first paragraph of prose, as Markdown.
pub(crate) fn first_paragraph(body: &str) -> Option<String> {
    let mut para: Vec<&str> = Vec::new();
    let mut in_fence: Option<&str> = None;
    for line in body.lines() {
        if let Some(f) = in_fence {
            if line.trim_start().starts_with(f) {
                in_fence = None;
            }
            continue;
        }
        let t = line.trim();
        if t.is_empty() {
            if !para.is_empty() {
                break;
            }
            continue;
        }
        if let Some(f) = fence(line) {
            if !para.is_empty() {
                break;
            }
            in_fence = Some(f);
            continue;
        }
        let structural = heading(line).is_some()
            || t.starts_with('|')
            || t.starts_with('>')
            || t.starts_with("- ")
            || t.starts_with("* ")
            || t.starts_with('<')
            // Only a list starting at 1 interrupts a paragraph (CommonMark):
            // "10 to 13 at 09:00. Each step…" is the paragraph going on.
            || ordered_item(t).is_some_and(|n| para.is_empty() || n == 1);
        if structural {
            if !para.is_empty() {
                break;
            }
            continue;
        }
        para.push(t);
    }
    (!para.is_empty()).then(|| whole_sentences(para.join(" ")))
}

/// The number of an ordered-list item line (`3. `, `12) `), if it is one.
fn ordered_item(line: &str) -> Option<u32> {
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let rest = &line[digits..];
    let marker = rest.strip_prefix('.').or_else(|| rest.strip_prefix(')'))?;
    if !(marker.is_empty() || marker.starts_with([' ', '\t'])) {
        return None;
    }
    line[..digits].parse().ok()
}

/// A paragraph that ends by introducing what follows ("…which rejected them:"
/// before a code block or list) reads as cut off on its own: keep its whole
/// sentences, when it has any.
fn whole_sentences(para: String) -> String {
    if !para.ends_with(':') {
        return para;
    }
    let end = [". ", "! ", "? "]
        .iter()
        .filter_map(|stop| para.rfind(stop))
        .max();
    match end {
        Some(end) => para[..=end].to_owned(),
        None => para,
    }
}

/// Markdown reduced to plain words, for search records, feeds and meta tags.
pub(crate) fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut in_link_target = false;
    let mut prev = ' ';
    let mut chars = markdown.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // Inside a word `_` is part of it (`insert_failed`), not emphasis
            // (GFM reads it so too), and search must find the word whole.
            '_' if prev.is_alphanumeric() && chars.peek().is_some_and(|n| n.is_alphanumeric()) => {
                out.push(c)
            }
            '*' | '_' | '`' | '#' | '|' | '>' => {}
            '[' => {}
            ']' => {}
            '(' if prev == ']' => in_link_target = true,
            ')' if in_link_target => in_link_target = false,
            _ if in_link_target => {}
            '\n' | '\t' => out.push(' '),
            _ => out.push(c),
        }
        prev = c;
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) fn word_count(body: &str) -> usize {
    body.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "Checkout failed.\nSecond line.\n\n## Action items\n- [ ] Add pool health check @sam due:2025-05-01 https://tracker.example/OPS-124\n- [x] Lower DNS TTL @kim\n- a plain bullet\n2. a numbered item\n\n```\n- [ ] inside code\n```\n## Lessons\n- [ ] not a follow-up\n";

    #[test]
    fn task_lists_under_action_items_become_follow_ups() {
        let items: Vec<RawFollowUp> = task_follow_ups(BODY, 10)
            .into_iter()
            .map(|t| t.follow_up)
            .collect();
        assert_eq!(items.len(), 4);
        assert_eq!(items[2].title, "a plain bullet");
        assert_eq!(items[2].status, FollowUpStatus::Untracked);
        assert_eq!(items[3].title, "a numbered item");
        assert_eq!(items[3].status, FollowUpStatus::Untracked);
        assert_eq!(items[0].title, "Add pool health check");
        assert_eq!(items[0].owner.as_deref(), Some("sam"));
        assert_eq!(
            items[0].due.map(|d| d.to_string()),
            Some("2025-05-01".into())
        );
        assert_eq!(
            items[0].link.as_deref(),
            Some("https://tracker.example/OPS-124")
        );
        assert_eq!(items[0].line, 14);
        assert_eq!(items[1].status, FollowUpStatus::Done);
    }

    #[test]
    fn first_paragraph_skips_headings() {
        assert_eq!(
            first_paragraph("## Summary\n\nIt broke.\nBadly.\n\nMore.").as_deref(),
            Some("It broke. Badly.")
        );
        assert_eq!(first_paragraph("## Only headings\n"), None);
    }

    #[test]
    fn summary_is_not_cut_before_a_line_starting_with_a_number() {
        assert_eq!(
            first_paragraph("We raised the cost from\n10 to 13. Each step doubles it.\n\nMore.")
                .as_deref(),
            Some("We raised the cost from 10 to 13. Each step doubles it.")
        );
        assert_eq!(
            first_paragraph("Steps:\n\n1. one\n2. two").as_deref(),
            Some("Steps:")
        );
        assert_eq!(
            first_paragraph("It broke\n1. first\n2. second").as_deref(),
            Some("It broke")
        );
    }

    #[test]
    fn summary_is_not_cut_mid_sentence_before_a_code_block() {
        assert_eq!(
            first_paragraph("Clocks drifted. Services\nrejected them:\n\n```\nlog\n```\n")
                .as_deref(),
            Some("Clocks drifted.")
        );
    }

    #[test]
    fn plain_text_drops_markup_and_link_targets() {
        assert_eq!(
            plain_text("**Bold** and [a link](https://x.example) `code`"),
            "Bold and a link code"
        );
        assert_eq!(
            plain_text("`insert_failed` and _emphasis_ and __strong__"),
            "insert_failed and emphasis and strong"
        );
    }

    fn task(line: &str) -> TaskLine {
        parse_task(line, 1).expect("a task")
    }

    #[test]
    fn a_bad_due_date_is_not_left_in_the_title() {
        let t = task("- [ ] Rotate keys @sam due:2025-31-01");
        assert_eq!(t.follow_up.title, "Rotate keys");
        assert_eq!(t.follow_up.due, None);
        assert_eq!(t.bad_due.as_deref(), Some("2025-31-01"));
    }

    #[test]
    fn a_second_url_does_not_mangle_the_title() {
        let t =
            task("- [ ] Add pool check https://t.example/OPS-1 (see https://wiki.example/pool)");
        assert_eq!(t.follow_up.title, "Add pool check");
        assert_eq!(t.follow_up.link.as_deref(), Some("https://t.example/OPS-1"));
        let t = task("- [ ] Add pool check (https://t.example/OPS-1, https://wiki.example/x) @kim");
        assert_eq!(t.follow_up.title, "Add pool check");
        assert_eq!(t.follow_up.link.as_deref(), Some("https://t.example/OPS-1"));
        assert_eq!(t.follow_up.owner.as_deref(), Some("kim"));
    }
}

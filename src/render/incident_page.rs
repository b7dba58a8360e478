//! The incident page's story: what the template needs, beyond the incident's
//! view, to tell it in reading order — the summary under the title (and the
//! body without it), the repeat chain with each earlier occurrence's
//! follow-ups that were still open, the body's contents for the side column,
//! and the linked incidents the chain does not already show.

use super::markdown::Markdown;
use super::views::{IncidentView, RecurredView, Row};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub(super) struct Story {
    /// The summary is shown under the title (a summary taken from the body is
    /// then left out of `body_html`).
    pub(super) summary_on_top: bool,
    pub(super) body_html: String,
    /// The body's second-level headings, for the contents list.
    pub(super) contents: Vec<Heading>,
    /// Earlier occurrences with follow-ups still open when this one happened,
    /// nearest last; `in_chain` says the chain shown lists the occurrence.
    pub(super) earlier_open: Vec<EarlierOpen>,
    /// How many follow-ups `earlier_open` holds.
    pub(super) open_count: usize,
    /// Repeat links the chain shown does not list.
    pub(super) repeat_of: Vec<Row>,
    pub(super) repeated_by: Vec<Row>,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct Heading {
    pub(super) id: String,
    pub(super) text: String,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct EarlierOpen {
    pub(super) row: Row,
    pub(super) in_chain: bool,
    pub(super) items: Vec<OpenItem>,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct OpenItem {
    /// The tracker's key (`OPS-118`), read from the link's last path segment.
    pub(super) key: Option<String>,
    pub(super) title: String,
    pub(super) owner: Option<String>,
    pub(super) link: Option<String>,
    /// "still not done when this happened", "done only on 3 Mar 2026, after this incident".
    pub(super) state: String,
    /// "open 448 days", while it is still open.
    pub(super) age: Option<String>,
    pub(super) still_open: bool,
}

/// `body` and `summary` are the write-up's Markdown; `rewrite` turns its
/// relative links into site links, as for the rest of the page.
pub(super) fn story(
    view: &IncidentView,
    md: &Markdown,
    body: &str,
    summary: Option<&str>,
    rewrite: &dyn Fn(&str) -> Option<String>,
) -> Story {
    let trimmed = summary
        .filter(|_| view.summary_from_body)
        .and_then(|summary| md.to_html_without_summary(body, summary, rewrite));
    let summary_on_top =
        view.summary_html.is_some() && (!view.summary_from_body || trimmed.is_some());
    let body_html = trimmed.unwrap_or_else(|| view.body_html.clone());
    let in_chain: Vec<&str> = view
        .chain
        .iter()
        .flat_map(|c| c.members.iter().map(|m| m.row.id.as_str()))
        .collect();
    let earlier_open = earlier_open(&view.recurred_while_open, &in_chain);
    let outside = |rows: &[Row]| -> Vec<Row> {
        rows.iter()
            .filter(|r| !in_chain.contains(&r.id.as_str()))
            .cloned()
            .collect()
    };
    Story {
        summary_on_top,
        contents: headings(&body_html),
        body_html,
        open_count: earlier_open.iter().map(|g| g.items.len()).sum(),
        earlier_open,
        repeat_of: outside(&view.repeat_of),
        repeated_by: outside(&view.repeated_by),
    }
}

/// `items`, one group per earlier incident, in the order they come.
fn earlier_open(items: &[RecurredView], in_chain: &[&str]) -> Vec<EarlierOpen> {
    let mut groups: Vec<EarlierOpen> = Vec::new();
    for x in items {
        let item = OpenItem {
            key: x.follow_up.link.as_deref().and_then(tracker_key),
            title: x.follow_up.title.clone(),
            owner: x.follow_up.owner.clone(),
            link: x.follow_up.link.clone(),
            state: open_state(x),
            age: open_age(x),
            still_open: !x.done_late,
        };
        match groups.iter_mut().find(|g| g.row.id == x.earlier.id) {
            Some(g) => g.items.push(item),
            None => groups.push(EarlierOpen {
                in_chain: in_chain.contains(&x.earlier.id.as_str()),
                row: x.earlier.clone(),
                items: vec![item],
            }),
        }
    }
    groups
}

fn open_state(x: &RecurredView) -> String {
    match (&x.follow_up.done_on, x.done_late) {
        (Some(d), true) => format!("done only on {d}, after this incident"),
        (None, true) => "done only after this incident".to_owned(),
        _ => "still not done when this happened".to_owned(),
    }
}

/// How long a follow-up that is still pending has been open.
fn open_age(x: &RecurredView) -> Option<String> {
    let f = &x.follow_up;
    let pending = matches!(f.state, "open" | "in_progress" | "overdue");
    let days = f.age_days.filter(|_| pending && !x.done_late)?;
    Some(format!(
        "open {days} day{}",
        if days == 1 { "" } else { "s" }
    ))
}

/// `OPS-118` from `https://tracker.example/browse/OPS-118`: a last path
/// segment of capitals, a dash and digits.
pub(super) fn tracker_key(url: &str) -> Option<String> {
    let last = url
        .split(['?', '#'])
        .next()?
        .trim_end_matches('/')
        .rsplit('/')
        .next()?;
    let (project, number) = last.split_once('-')?;
    let ok = !project.is_empty()
        && project
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && project.starts_with(|c: char| c.is_ascii_uppercase())
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit());
    ok.then(|| last.to_owned())
}

/// The `<h2 id="...">` headings of rendered body HTML, with their text.
fn headings(html: &str) -> Vec<Heading> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("<h2 id=\"") {
        rest = &rest[at + 8..];
        let Some(end) = rest.find('"') else { break };
        let id = &rest[..end];
        let Some(open) = rest.find('>') else { break };
        let text_and_more = &rest[open + 1..];
        let text = text_and_more.split("</h2>").next().unwrap_or_default();
        let text = unescape(&strip_tags(text));
        if !id.is_empty() && !text.trim().is_empty() {
            out.push(Heading {
                id: id.to_owned(),
                text: text.trim().to_owned(),
            });
        }
    }
    out
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The entities comrak writes in text; the template escapes again.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracker_keys_come_from_the_link() {
        assert_eq!(
            tracker_key("https://tracker.example/browse/OPS-118").as_deref(),
            Some("OPS-118")
        );
        assert_eq!(
            tracker_key("https://t.example/PAY2-7/?x=1").as_deref(),
            Some("PAY2-7")
        );
        assert_eq!(tracker_key("https://github.com/o/r/issues/12"), None);
        assert_eq!(tracker_key("https://x.example/ops-1"), None);
    }

    #[test]
    fn headings_are_read_with_their_text() {
        let html = r##"<h2 id="h-root-cause">Root &amp; cause<a href="#h-root-cause" class="anchor"></a></h2><p>x</p><h3 id="h-x">Sub</h3><h2 id="h-lessons">Lessons</h2>"##;
        let h = headings(html);
        assert_eq!(h.len(), 2);
        assert_eq!(
            (h[0].id.as_str(), h[0].text.as_str()),
            ("h-root-cause", "Root & cause")
        );
        assert_eq!(h[1].text, "Lessons");
    }
}

//! Searchable text: which parts of an incident are searched and compared, named
//! once. The possible-repeats analysis counts the words of
//! [`SearchableText::compared`]; the search records (`index::Record`), which feed
//! both the terminal's tantivy index and the browser's Pagefind bundle, take the
//! title, [`SearchableText::prose`] and the names (systems, factors, tags,
//! follow-up titles) from it. Consumers weigh the
//! parts differently (search boosts the title, similarity scores shared systems
//! apart); which parts there are is decided here, so a field added to
//! write-ups is made searchable in one place.
//!
//! Borrowed from the incident: nothing is derived until a consumer asks for it.
//! Knows nothing of words, scores, indexes or pages.

use super::body::plain_text;
use super::Incident;

/// An incident's searchable text, field by field, as the write-up has it
/// (Markdown where the write-up's field is Markdown). Hashing it keys the cached
/// search records: equal values give equal records.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SearchableText<'a> {
    pub(crate) title: &'a str,
    /// Markdown; from the front matter or the body's first paragraph.
    pub(crate) summary: Option<&'a str>,
    /// The customer-facing impact (`[public] impact`), Markdown.
    pub(crate) impact: Option<&'a str>,
    /// Markdown.
    pub(crate) body: &'a str,
    pub(crate) systems: &'a [String],
    pub(crate) tags: &'a [String],
    pub(crate) factors: &'a [String],
    /// The follow-ups' titles.
    pub(crate) follow_ups: Vec<&'a str>,
}

impl<'a> SearchableText<'a> {
    pub(crate) fn of(inc: &'a Incident) -> Self {
        SearchableText {
            title: &inc.title,
            summary: inc.summary.as_deref(),
            impact: inc.public.impact.as_deref(),
            body: &inc.body,
            systems: &inc.systems,
            tags: &inc.tags,
            factors: &inc.contributing_factors,
            follow_ups: inc.follow_ups.iter().map(|f| f.title.as_str()).collect(),
        }
    }

    /// What the possible-repeats analysis compares, one part at a time so that
    /// words never run across parts: title, summary, factors, tags, body.
    ///
    /// Not the same text as search's, and kept so, since similarity scores are
    /// tuned on it: the summary and body are taken as written (Markdown, link
    /// targets included) and a summary copied from the body counts twice;
    /// systems are left out (the analysis scores a shared system on its own), and
    /// so are follow-up titles and the impact.
    pub(crate) fn compared(&self) -> impl Iterator<Item = &'a str> {
        let (title, summary, body) = (self.title, self.summary, self.body);
        let names = self.factors.iter().chain(self.tags).map(String::as_str);
        [title, summary.unwrap_or_default()]
            .into_iter()
            .chain(names)
            .chain(std::iter::once(body))
    }

    /// What search shows excerpts from, as plain text: the summary unless the
    /// body already holds it (a summary taken from the body's first paragraph
    /// would be indexed, counted and shipped twice), the impact when there is no
    /// body, then the body. Title and names are searched beside it, not in it.
    pub(crate) fn prose(&self) -> String {
        let mut text = String::with_capacity(self.body.len() + 512);
        let body = plain_text(self.body);
        if let Some(s) = self.summary {
            let summary = plain_text(s);
            if !body.contains(summary.trim()) {
                text.push_str(&summary);
                text.push('\n');
            }
        }
        if let Some(s) = self.impact {
            if self.body.is_empty() {
                text.push_str(&plain_text(s));
                text.push('\n');
            }
        }
        text.push_str(&body);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::follow_up::FollowUpSource;
    use crate::model::{FollowUp, FollowUpStatus};

    fn incident() -> Incident {
        let mut inc = Incident::sample("a", None);
        inc.title = "Checkout errors".into();
        inc.summary = Some("The **pool** ran dry.".into());
        inc.body = "The pool ran dry. See [the graph](https://x.example/g).".into();
        inc.systems = vec!["checkout".into()];
        inc.tags = vec!["dns".into()];
        inc.contributing_factors = vec!["config-drift".into()];
        inc.public.impact = Some("Some checkouts failed.".into());
        inc.follow_ups = vec![FollowUp {
            title: "Alert on pool size".into(),
            owner: None,
            status: FollowUpStatus::Open,
            due: None,
            done_on: None,
            link: None,
            public: false,
            source: FollowUpSource::FrontMatter,
            line: 1,
            from_tracker: false,
        }];
        inc
    }

    #[test]
    fn similarity_compares_title_summary_factors_tags_and_body_as_written() {
        let inc = incident();
        let parts: Vec<&str> = SearchableText::of(&inc).compared().collect();
        assert_eq!(
            parts,
            [
                "Checkout errors",
                "The **pool** ran dry.",
                "config-drift",
                "dns",
                "The pool ran dry. See [the graph](https://x.example/g).",
            ]
        );
    }

    #[test]
    fn similarity_compares_an_empty_summary_when_there_is_none() {
        let mut inc = incident();
        inc.summary = None;
        let parts: Vec<&str> = SearchableText::of(&inc).compared().collect();
        assert_eq!(parts[1], "");
        assert_eq!(parts.len(), 5);
    }

    #[test]
    fn prose_is_plain_text_without_a_summary_the_body_holds() {
        let inc = incident();
        assert_eq!(
            SearchableText::of(&inc).prose(),
            "The pool ran dry. See the graph."
        );
    }

    #[test]
    fn prose_leads_with_a_summary_the_body_does_not_hold() {
        let mut inc = incident();
        inc.summary = Some("Connections *leaked*.".into());
        assert_eq!(
            SearchableText::of(&inc).prose(),
            "Connections leaked.\nThe pool ran dry. See the graph."
        );
    }

    #[test]
    fn prose_of_a_write_up_without_a_body_is_its_summary_and_impact() {
        let mut inc = incident();
        inc.body = String::new();
        assert_eq!(
            SearchableText::of(&inc).prose(),
            "The pool ran dry.\nSome checkouts failed.\n"
        );
    }
}

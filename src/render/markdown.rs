//! Markdown to HTML with comrak: GFM (tables, task lists, strikethrough,
//! autolinks, footnotes) and heading anchors. Raw HTML in write-ups is escaped
//! unless `markdown.unsafe_html` is on, because write-ups are untrusted text.
//!
//! Body heading ids carry [`HEADING_ID_PREFIX`], so a heading "Follow-ups" can
//! never repeat an id the page's template gives its own sections; in-body links
//! to a heading (`[see](#follow-ups)`) are rewritten to match.

/// Prefix of every body heading's id (`## Timeline` gets `id="h-timeline"`).
pub(crate) const HEADING_ID_PREFIX: &str = "h-";

pub(crate) struct Markdown {
    options: comrak::Options<'static>,
}

impl Markdown {
    pub(crate) fn new(unsafe_html: bool) -> Self {
        let mut options = comrak::Options::default();
        options.extension.strikethrough = true;
        options.extension.table = true;
        options.extension.autolink = true;
        options.extension.tasklist = true;
        options.extension.footnotes = true;
        options.extension.header_id_prefix = Some(HEADING_ID_PREFIX.to_owned());
        options.extension.header_id_prefix_in_href = true;
        options.render.r#unsafe = unsafe_html;
        options.render.escape = !unsafe_html;
        options.render.tasklist_classes = true;
        Self { options }
    }

    pub(crate) fn to_html(&self, markdown: &str) -> String {
        self.to_html_linked(markdown, &|_| None)
    }

    /// [`Markdown::to_html`], with each link's and image's URL passed to
    /// `rewrite` first: `Some` replaces it (a write-up's `.md` link becomes the
    /// incident page's), `None` keeps it.
    pub(crate) fn to_html_linked(
        &self,
        markdown: &str,
        rewrite: &dyn Fn(&str) -> Option<String>,
    ) -> String {
        let arena = comrak::Arena::new();
        let root = comrak::parse_document(&arena, markdown, &self.options);
        rewrite_urls(root, rewrite);
        prefix_heading_links(root);
        let mut html = String::new();
        match comrak::format_html(root, &self.options, &mut html) {
            Ok(()) => html,
            // Writing into a String cannot fail; render the plain way regardless.
            Err(_) => comrak::markdown_to_html(markdown, &self.options),
        }
    }

    /// `markdown` without its first top-level paragraph that reads `summary`
    /// (and the heading above it, when that leaves the heading nothing to
    /// head), or None when no paragraph reads so. A page that shows the
    /// summary above the body then reads it once.
    /// Links are rewritten as [`Markdown::to_html_linked`] does.
    pub(crate) fn to_html_without_summary(
        &self,
        markdown: &str,
        summary: &str,
        rewrite: &dyn Fn(&str) -> Option<String>,
    ) -> Option<String> {
        use comrak::nodes::NodeValue;
        let is_heading = |n: comrak::Node<'_>| matches!(n.data().value, NodeValue::Heading(_));
        let arena = comrak::Arena::new();
        let root = comrak::parse_document(&arena, markdown, &self.options);
        let wanted = letters(&crate::model::body::plain_text(summary));
        if wanted.is_empty() {
            return None;
        }
        let paragraph = root.children().find(|n| {
            matches!(n.data().value, NodeValue::Paragraph) && letters(&n.collect_text()) == wanted
        })?;
        let heading = paragraph.previous_sibling().filter(|&h| is_heading(h));
        let section_empties = paragraph.next_sibling().is_none_or(is_heading);
        paragraph.detach();
        if let (Some(h), true) = (heading, section_empties) {
            h.detach();
        }
        rewrite_urls(root, rewrite);
        prefix_heading_links(root);
        let mut html = String::new();
        comrak::format_html(root, &self.options, &mut html).ok()?;
        Some(html)
    }

    /// One paragraph without the `<p>` wrapper, for summaries inside other markup.
    pub(crate) fn inline(&self, markdown: &str) -> String {
        self.inline_linked(markdown, &|_| None)
    }

    /// [`Markdown::inline`] with links rewritten as [`Markdown::to_html_linked`] does.
    pub(crate) fn inline_linked(
        &self,
        markdown: &str,
        rewrite: &dyn Fn(&str) -> Option<String>,
    ) -> String {
        let html = self.to_html_linked(markdown, rewrite);
        let trimmed = html.trim();
        match trimmed
            .strip_prefix("<p>")
            .and_then(|s| s.strip_suffix("</p>"))
        {
            Some(inner) if !inner.contains("<p>") => inner.to_owned(),
            _ => html,
        }
    }
}

fn rewrite_urls<'a>(root: comrak::Node<'a>, rewrite: &dyn Fn(&str) -> Option<String>) {
    use comrak::nodes::NodeValue;
    for node in root.descendants() {
        if let NodeValue::Link(link) | NodeValue::Image(link) = &mut node.data_mut().value {
            if let Some(url) = rewrite(&link.url) {
                link.url = url;
            }
        }
    }
}

/// The letters and digits of `text`, lowercased: a paragraph and the summary
/// taken from it compare equal whatever markup either kept.
fn letters(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Points `#anchor` links that name one of the document's own headings at the
/// prefixed id; other fragments (footnotes, the page's sections) stay as written.
fn prefix_heading_links<'a>(root: comrak::Node<'a>) {
    use comrak::nodes::NodeValue;
    // The same anchorizer comrak uses, fed the headings in order, gives the
    // same ids, repeats numbered (`timeline`, `timeline-1`).
    let mut anchorizer = comrak::Anchorizer::new();
    let headings: std::collections::HashSet<String> = root
        .descendants()
        .filter(|n| matches!(n.data().value, NodeValue::Heading(_)))
        .map(|n| anchorizer.anchorize(&n.collect_text()))
        .collect();
    if headings.is_empty() {
        return;
    }
    for node in root.descendants() {
        if let NodeValue::Link(link) = &mut node.data_mut().value {
            if let Some(fragment) = link.url.strip_prefix('#') {
                if headings.contains(fragment) {
                    link.url = format!("#{HEADING_ID_PREFIX}{fragment}");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_escaped_by_default() {
        let html = Markdown::new(false).to_html("hi <script>alert(1)</script>");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn raw_html_passes_when_enabled() {
        let html = Markdown::new(true).to_html("<mark>x</mark>");
        assert!(html.contains("<mark>x</mark>"), "{html}");
    }

    #[test]
    fn gfm_tables_tasks_and_anchors() {
        let html = Markdown::new(false).to_html("## Action items\n\n- [x] done\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~ https://x.example");
        assert!(html.contains("id=\"h-action-items\""), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("checked"), "{html}");
        assert!(html.contains("<del>gone</del>"), "{html}");
        assert!(html.contains("<a href=\"https://x.example\">"), "{html}");
    }

    #[test]
    fn the_summary_paragraph_is_dropped_once_with_its_empty_heading() {
        let md = Markdown::new(false);
        let body = "## Summary\n\nThe *cache* kept the old primary.\n\n## Impact\n\nThe cache kept the old primary.\n";
        let html = md
            .to_html_without_summary(body, "The cache kept the old primary.", &|_| None)
            .expect("found");
        assert_eq!(html.matches("kept the old primary").count(), 1, "{html}");
        assert!(!html.contains("h-summary"), "{html}");
        assert!(html.contains("h-impact"), "{html}");
        // A heading with more under it stays.
        let html = md
            .to_html_without_summary("## What happened\n\nFirst.\n\nSecond.\n", "First.", &|_| {
                None
            })
            .expect("found");
        assert!(
            html.contains("h-what-happened") && html.contains("Second."),
            "{html}"
        );
        assert!(md
            .to_html_without_summary("Other text.", "First.", &|_| None)
            .is_none());
    }

    #[test]
    fn in_body_links_follow_the_heading_prefix() {
        let html = Markdown::new(false)
            .to_html("See [the list](#follow-ups) and [the top](#top).\n\n## Follow-ups\n");
        assert!(html.contains("id=\"h-follow-ups\""), "{html}");
        assert!(html.contains("href=\"#h-follow-ups\""), "{html}");
        assert!(html.contains("href=\"#top\""), "{html}");
        assert!(!html.contains("id=\"follow-ups\""), "{html}");
    }
}

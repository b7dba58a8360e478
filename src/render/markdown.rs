//! Markdown to HTML with comrak: GFM (tables, task lists, strikethrough,
//! autolinks, footnotes) and heading anchors. Raw HTML in write-ups is escaped
//! unless `markdown.unsafe_html` is on, because write-ups are untrusted text.
//!
//! Body heading ids carry [`HEADING_ID_PREFIX`], so a heading "Follow-ups" can
//! never repeat an id the page's template gives its own sections; in-body links
//! to a heading (`[see](#follow-ups)`) are rewritten to match.

/// Prefix of every body heading's id (`## Timeline` gets `id="h-timeline"`).
pub const HEADING_ID_PREFIX: &str = "h-";

pub struct Markdown {
    options: comrak::Options<'static>,
}

impl Markdown {
    pub fn new(unsafe_html: bool) -> Self {
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

    pub fn to_html(&self, markdown: &str) -> String {
        self.to_html_linked(markdown, &|_| None)
    }

    /// [`Markdown::to_html`], with each link's and image's URL passed to
    /// `rewrite` first: `Some` replaces it (a write-up's `.md` link becomes the
    /// incident page's), `None` keeps it.
    pub fn to_html_linked(
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

    /// One paragraph without the `<p>` wrapper, for summaries inside other markup.
    pub fn inline(&self, markdown: &str) -> String {
        self.inline_linked(markdown, &|_| None)
    }

    /// [`Markdown::inline`] with links rewritten as [`Markdown::to_html_linked`] does.
    pub fn inline_linked(
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
    fn in_body_links_follow_the_heading_prefix() {
        let html = Markdown::new(false)
            .to_html("See [the list](#follow-ups) and [the top](#top).\n\n## Follow-ups\n");
        assert!(html.contains("id=\"h-follow-ups\""), "{html}");
        assert!(html.contains("href=\"#h-follow-ups\""), "{html}");
        assert!(html.contains("href=\"#top\""), "{html}");
        assert!(!html.contains("id=\"follow-ups\""), "{html}");
    }
}

//! Markdown to HTML with comrak: GFM (tables, task lists, strikethrough,
//! autolinks, footnotes) and heading anchors. Raw HTML in write-ups is escaped
//! unless `markdown.unsafe_html` is on, because write-ups are untrusted text.

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
        options.extension.header_id_prefix = Some(String::new());
        options.render.r#unsafe = unsafe_html;
        options.render.escape = !unsafe_html;
        options.render.tasklist_classes = true;
        Self { options }
    }

    pub fn to_html(&self, markdown: &str) -> String {
        comrak::markdown_to_html(markdown, &self.options)
    }

    /// One paragraph without the `<p>` wrapper, for summaries inside other markup.
    pub fn inline(&self, markdown: &str) -> String {
        let html = self.to_html(markdown);
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
        assert!(html.contains("id=\"action-items\""), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("checked"), "{html}");
        assert!(html.contains("<del>gone</del>"), "{html}");
        assert!(html.contains("<a href=\"https://x.example\">"), "{html}");
    }
}

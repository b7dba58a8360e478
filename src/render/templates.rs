//! The template engine: a theme's templates compiled by tera with casebook's
//! escaping, its `slugify` filter and its `page_url` function (URLs from
//! [`crate::routes`]), and template errors as diagnostics naming the template
//! and its line.

use super::fragments;
use crate::diagnostic::Diagnostic;
use crate::load::theme::Theme;
use crate::routes::PageId;

/// Compiles a theme's templates; an error names the template and its line.
pub(crate) fn compile(theme: &Theme) -> Result<tera::Tera, Diagnostic> {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(escape);
    // The same slugs the page paths use, so links and files always agree.
    tera.register_filter(
        "slugify",
        |value: &tera::Value, _: &std::collections::HashMap<String, tera::Value>| {
            let s = tera::try_get_value!("slugify", "value", String, value);
            Ok(tera::Value::String(crate::model::incident::slugify(&s)))
        },
    );
    tera.register_function("page_url", page_url);
    let fragment_templates = fragments::templates();
    let templates: Vec<(&str, &str)> = theme
        .templates
        .iter()
        .map(|(n, s, _)| (n.as_str(), s.as_str()))
        .chain(fragment_templates.iter().map(|(n, s)| (*n, s.as_str())))
        .collect();
    tera.add_raw_templates(templates).map_err(|e| {
        let text = error_chain(&e);
        let (name, line) = template_location(&text, theme);
        let path = theme
            .templates
            .iter()
            .find(|(n, _, _)| Some(n.as_str()) == name.as_deref())
            .map(|(_, _, p)| p.clone());
        let mut d = Diagnostic::error(
            path.unwrap_or_else(|| "templates".into()),
            format!("template error: {}", text.trim()),
        )
        .hint("fix the template syntax; see Tera's documentation for tags and filters");
        if let Some(line) = line {
            d = d.at_line(line);
        }
        d
    })?;
    Ok(tera)
}

/// `page_url(page="system", id=system.id)`, `page_url(page="incidents",
/// order="oldest")`: a page's URL relative to the site root, from
/// [`crate::routes`] (templates put `{{ root }}` before it).
fn page_url(args: &std::collections::HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let arg = |name: &str| args.get(name).and_then(tera::Value::as_str);
    let page = arg("page").unwrap_or_default();
    let (id, order) = (arg("id"), arg("order"));
    PageId::named(page, id, order)
        .map(|p| tera::Value::String(p.url()))
        .ok_or_else(|| {
            let with = match (id, order) {
                (_, Some(order)) => format!(" in order \"{order}\""),
                (None, None) => " without an id".to_owned(),
                (Some(_), None) => String::new(),
            };
            tera::Error::msg(format!(
                "page_url: no page \"{page}\"{with}; see the routes in DESIGN.md's site map"
            ))
        })
}

/// HTML escaping for text and quoted attributes. Unlike Tera's default it leaves
/// `/` alone, so relative URLs stay readable (`../../style.css`). Control
/// characters other than tab and newlines, and U+FFFE/U+FFFF, are dropped: HTML
/// and XML (the feed) do not allow them, and list fragments use one as a separator.
pub(crate) fn escape(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_ascii_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push('\n');
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Finds the template name in quotes and the `--> line:col` Tera prints.
fn template_location(text: &str, theme: &Theme) -> (Option<String>, Option<u32>) {
    let name = theme
        .templates
        .iter()
        .map(|(n, _, _)| n)
        .find(|n| text.contains(&format!("'{n}'")))
        .cloned();
    let line = text
        .split("--> ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|l| l.trim().parse().ok());
    (name, line)
}

pub(super) fn render_error(template: &str, e: &tera::Error) -> Diagnostic {
    Diagnostic::error(format!("templates/{template}"), format!("template error while rendering: {}", error_chain(e).replace('\n', ": ")))
        .hint("a template used a variable or filter that does not exist; compare with the default theme's template of that name")
}

#[cfg(test)]
mod tests {
    use super::{escape, page_url};

    #[test]
    fn templates_ask_the_routes_for_urls() {
        let args = |page: &str, id: Option<&str>| {
            let mut args = std::collections::HashMap::new();
            args.insert("page".to_owned(), tera::Value::from(page));
            if let Some(id) = id {
                args.insert("id".to_owned(), tera::Value::from(id));
            }
            args
        };
        assert_eq!(
            page_url(&args("team", Some("payments"))).ok(),
            Some(tera::Value::from("teams/payments/"))
        );
        assert_eq!(
            page_url(&args("metrics", None)).ok(),
            Some(tera::Value::from("metrics/"))
        );
        let error = page_url(&args("system", None)).map_err(|e| e.to_string());
        assert!(error.is_err_and(|e| e.contains("without an id")));
        let mut oldest = args("incidents", None);
        oldest.insert("order".to_owned(), tera::Value::from("oldest"));
        assert_eq!(
            page_url(&oldest).ok(),
            Some(tera::Value::from("incidents/oldest/"))
        );
        oldest.insert("order".to_owned(), tera::Value::from("upside-down"));
        let error = page_url(&oldest).map_err(|e| e.to_string());
        assert!(error.is_err_and(|e| e.contains("in order \"upside-down\"")));
    }

    #[test]
    fn escape_quotes_markup_and_drops_control_characters() {
        assert_eq!(
            escape("<a href='x'>\"R&D\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&quot;R&amp;D&quot;&lt;/a&gt;"
        );
        assert_eq!(
            escape("tab\there\nline\u{1e}\u{0}bell\u{7}"),
            "tab\there\nlinebell"
        );
    }
}

//! URLs from write-ups: `links` and follow-up links. Every URL that reaches an
//! `href` is accepted only as http(s), mailto or relative; anything else
//! (`javascript:`, `data:`, `vbscript:`, in any case or spacing) is dropped with
//! a warning on its line, so a write-up cannot carry a script into the site.

use super::fields::Fields;
use super::incident::Link;
use crate::load::frontmatter::{Node, Value};

/// `links`: URLs, or `{ title, url }` tables; only http(s), mailto and relative
/// URLs are kept.
pub(crate) fn read_links(f: &Fields<'_>) -> Vec<Link> {
    let Some(node) = f.node("links") else {
        return Vec::new();
    };
    let items: Vec<&Node> = match &node.value {
        Value::Array(items) => items.iter().collect(),
        _ => vec![node],
    };
    items
        .into_iter()
        .filter_map(|item| {
            let (title, url) = match &item.value {
                Value::String(url) => (None, url.clone()),
                Value::Table(_) => {
                    let title = item.get("title").and_then(|n| match &n.value {
                        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                        _ => None,
                    });
                    match item.get("url").map(|n| &n.value) {
                        Some(Value::String(url)) => (title, url.clone()),
                        _ => {
                            f.reporter().warn_at(
                                item,
                                "links",
                                "a link without `url`; it is skipped".into(),
                                Some(
                                    "write links = [{ title = \"...\", url = \"https://...\" }]"
                                        .into(),
                                ),
                            );
                            return None;
                        }
                    }
                }
                Value::Null => return None,
                other => {
                    f.reporter().warn_at(
                        item,
                        "links",
                        format!("expected a URL, found {}", other.kind()),
                        Some("casebook ignores this value".into()),
                    );
                    return None;
                }
            };
            let url = checked_url(f, "links", item, url)?;
            Some(Link { title, url })
        })
        .collect()
}

/// `url` when it may reach an `href`: http(s), mailto or relative. Anything
/// else (`javascript:`, `data:`, `vbscript:`, in any case or spacing) is dropped
/// with a warning on its line.
pub(crate) fn checked_url(f: &Fields<'_>, field: &str, node: &Node, url: String) -> Option<String> {
    let url = url.trim().to_owned();
    if is_safe_url(&url) {
        return Some(url);
    }
    f.reporter().warn_at(
        node,
        &f.path(field),
        format!(
            "\"{}\" is not an http(s), mailto or relative URL; it is left out",
            url.escape_debug()
        ),
        Some("links must start with https://, http://, mailto: or be relative".into()),
    );
    None
}

/// http(s), mailto or relative (no scheme). Control characters and spaces
/// browsers strip inside a scheme (`java\tscript:`) count as part of it.
pub(crate) fn is_safe_url(url: &str) -> bool {
    let url = url.trim();
    if url.is_empty() || url.chars().any(char::is_control) {
        return false;
    }
    let scheme_end = url.find([':', '/', '?', '#']);
    match scheme_end {
        Some(i) if url[i..].starts_with(':') => {
            let scheme = url[..i].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
        // No scheme: relative (a path, `?query` or `#fragment`), but not
        // `//host` which leaves the site.
        _ => !url.starts_with("//") && !url.starts_with("\\\\"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_mail_and_relative_urls_reach_an_href() {
        for ok in [
            "https://tracker.example/OPS-1",
            "HTTP://x.example",
            "mailto:oncall@example.com",
            "../runbooks/db.html",
            "#timeline",
            "?q=x",
        ] {
            assert!(is_safe_url(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(document.domain)",
            "  JavaScript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "//evil.example/x",
            "",
        ] {
            assert!(!is_safe_url(bad), "{bad:?}");
        }
    }
}

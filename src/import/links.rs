//! `casebook import links`: a Markdown list of postmortem links with blurbs
//! under category headings, read into [`ImportedIncident`]s.
//!
//! An entry is a paragraph or list item that starts with a link, `[Company](url)
//! blurb...`: the link text is the title, every http(s) link of the entry goes to
//! `links`, the rest is the summary (Markdown kept), the enclosing headings are
//! tags and a date or year in the text (or a year in the URL) dates it. Tables of
//! contents (links to `#anchors`), badges and images, and prose that does not
//! start with a link are not entries. Parsed with comrak, so nesting, emphasis
//! and escapes are read as any Markdown renderer reads them.

use super::{add_name, is_web_url, Imported, ImportedIncident, Link};
use crate::diagnostic::Diagnostic;
use crate::model::prose_date::{first_date, first_year, year};
use comrak::nodes::{AstNode, NodeValue};
use std::path::Path;

/// Reads every entry of `markdown`; `shown` names the file in warnings.
pub fn parse(markdown: &str, shown: &Path) -> Imported {
    let arena = comrak::Arena::new();
    let mut options = comrak::Options::default();
    options.extension.strikethrough = true;
    options.extension.table = true;
    let root = comrak::parse_document(&arena, markdown, &options);
    let level = |node: &AstNode<'_>| match node.data.borrow().value {
        NodeValue::Heading(ref h) => Some(h.level),
        _ => None,
    };
    // One level-1 heading is the list's own title, not a category.
    let titled = root.descendants().filter(|n| level(n) == Some(1)).count() == 1;
    let lines: Vec<&str> = markdown.lines().collect();
    let mut headings: Vec<(u8, String)> = Vec::new();
    let mut out = Imported::default();
    for node in root.descendants() {
        if let Some(level) = level(node) {
            headings.retain(|(above, _)| *above < level);
            if !(titled && level == 1) {
                headings.push((level, plain_text(node)));
            }
        } else if matches!(node.data.borrow().value, NodeValue::Paragraph) {
            let mut tags = Vec::new();
            for (_, heading) in &headings {
                add_name(&mut tags, heading);
            }
            if let Some(incident) = entry(&lines, node, tags, shown, &mut out.warnings) {
                out.incidents.push(incident);
            }
        }
    }
    out
}

/// The entry a paragraph holds, if it starts with a link to a page.
fn entry<'a>(
    lines: &[&str],
    paragraph: &'a AstNode<'a>,
    tags: Vec<String>,
    shown: &Path,
    warnings: &mut Vec<Diagnostic>,
) -> Option<ImportedIncident> {
    let line = u32::try_from(paragraph.data.borrow().sourcepos.start.line).unwrap_or(0);
    let lead = leading_link(paragraph)?;
    let NodeValue::Link(first) = lead.link.data.borrow().value.clone() else {
        return None;
    };
    if first.url.starts_with('#') || lead.link.descendants().any(is_image) {
        return None;
    }
    let title = plain_text(lead.link);
    if title.is_empty() {
        warnings.push(
            Diagnostic::warning(
                shown,
                format!("a link to {} without text; left out", first.url),
            )
            .at_line(line)
            .hint("the link text is the write-up's title: `[Company](url) what happened`"),
        );
        return None;
    }
    let mut links: Vec<Link> = Vec::new();
    let mut elsewhere: Vec<String> = Vec::new();
    for node in paragraph.descendants() {
        let NodeValue::Link(link) = node.data.borrow().value.clone() else {
            continue;
        };
        if !is_web_url(&link.url) {
            elsewhere.push(link.url);
            continue;
        }
        let text = plain_text(node);
        if !links.iter().any(|l| l.url == link.url) {
            links.push(Link {
                title: (!text.is_empty() && text != link.url).then_some(text),
                url: link.url.trim().to_owned(),
            });
        }
    }
    let not_web = |url: &str| format!("`{url}`, which is not an http(s) URL");
    if links.is_empty() {
        let message = format!(
            "\"{title}\" links to {}; entry left out",
            not_web(&first.url)
        );
        warnings.push(Diagnostic::warning(shown, message).at_line(line));
        return None;
    }
    for url in elsewhere {
        let message = format!("\"{title}\" links to {}; link left out", not_web(&url));
        warnings.push(Diagnostic::warning(shown, message).at_line(line));
    }
    let text = plain_text(paragraph);
    let date = first_date(&text);
    let year = date
        .map(|d| d.year())
        .or_else(|| first_year(&text))
        .or_else(|| year_in_url(&first.url));
    Some(ImportedIncident {
        title,
        date,
        year,
        summary: blurb(lines, paragraph, lead.outer),
        tags,
        links,
        line,
        ..ImportedIncident::default()
    })
}

/// The link an entry starts with, and the node to remove for the blurb (the
/// link, or the `**...**` around it).
struct Lead<'a> {
    link: &'a AstNode<'a>,
    outer: &'a AstNode<'a>,
}

fn leading_link<'a>(paragraph: &'a AstNode<'a>) -> Option<Lead<'a>> {
    let first = paragraph.children().find(|n| !is_blank(n))?;
    let value = first.data.borrow().value.clone();
    match value {
        NodeValue::Link(_) => Some(Lead {
            link: first,
            outer: first,
        }),
        NodeValue::Strong | NodeValue::Emph => {
            let inner = first.first_child()?;
            let only_child = inner.next_sibling().is_none();
            (only_child && matches!(inner.data.borrow().value, NodeValue::Link(_))).then_some(
                Lead {
                    link: inner,
                    outer: first,
                },
            )
        }
        _ => None,
    }
}

fn is_blank(node: &AstNode<'_>) -> bool {
    match &node.data.borrow().value {
        NodeValue::Text(t) => t.trim().is_empty(),
        NodeValue::SoftBreak | NodeValue::LineBreak => true,
        _ => false,
    }
}

fn is_image(node: &AstNode<'_>) -> bool {
    matches!(node.data.borrow().value, NodeValue::Image(_))
}

/// What follows the leading link, as written (Markdown kept, lines joined),
/// without the `.`, `:` or dash that joined it to the link. Taken from the
/// source rather than re-rendered from the tree, which would add escapes.
fn blurb(lines: &[&str], paragraph: &AstNode<'_>, lead: &AstNode<'_>) -> Option<String> {
    let after = lead.data.borrow().sourcepos.end;
    let last = paragraph.data.borrow().sourcepos.end.line;
    let mut parts = Vec::new();
    for number in after.line..=last {
        let line = lines.get(number.checked_sub(1)?)?;
        let text = if number == after.line {
            line.get(after.column..)?
        } else {
            // A continuation line inside a list item or a quote.
            line.trim_start().trim_start_matches(['>', ' ', '\t'])
        };
        let text = match text.trim_end() {
            hard_break if number < last => hard_break.strip_suffix('\\').unwrap_or(hard_break),
            t => t,
        };
        parts.push(text);
    }
    let joined = parts.join(" ");
    let blurb = joined
        .trim_start_matches(|c: char| c.is_whitespace() || ".:,;-–—".contains(c))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!blurb.is_empty()).then_some(blurb)
}

/// The words of a node as a reader sees them, whitespace collapsed.
fn plain_text<'a>(node: &'a AstNode<'a>) -> String {
    let mut out = String::new();
    for n in node.descendants() {
        match &n.data.borrow().value {
            NodeValue::Text(t) => out.push_str(t),
            NodeValue::Code(c) => out.push_str(&c.literal),
            NodeValue::SoftBreak | NodeValue::LineBreak => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs of letters or digits with their byte offsets.
/// A year in a URL's path (`/2019/06/`, `2019-outage`); not its host, and not
/// inside a longer number such as an archive's `20190612000000`.
fn year_in_url(url: &str) -> Option<i16> {
    let path = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest.split_once('/').map_or("", |(_, p)| p));
    path.split(|c: char| !c.is_ascii_digit()).find_map(year)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "\
# Postmortems

[![Build](https://ci.example/badge.svg)](https://ci.example/) A list of public postmortems.

Intro prose with a [link](https://example.org) that is not an entry.

- [Config errors](#config-errors)
- [Hardware/Power failures](#hardware)

## Config errors

[Acme](https://acme.example/blog/2019-outage). A bad config push took down the EU
region for 3 hours on 12 June 2019; see also [the follow-up](https://acme.example/follow-up).

- [Globex](https://globex.example/post/123) A DNS change propagated *slowly*, in 2021.
- **[Initech](https://initech.example/2018/11/postmortem)**: TPS reports were lost.
- [Hooli](docs/hooli.md) a local file, not a page.

## Hardware/Power failures

- [Umbrella](https://umbrella.example/x) - A power cut.
";

    fn parsed() -> Imported {
        parse(LIST, Path::new("list.md"))
    }

    #[test]
    fn entries_start_with_a_link_and_nothing_else_is_one() {
        let titles: Vec<String> = parsed().incidents.into_iter().map(|i| i.title).collect();
        assert_eq!(titles, ["Acme", "Globex", "Initech", "Umbrella"]);
    }

    #[test]
    fn an_entry_has_its_links_blurb_tags_and_date() {
        let acme = &parsed().incidents[0];
        assert_eq!(acme.date, Some(jiff::civil::date(2019, 6, 12)));
        assert_eq!(acme.tags, ["Config errors"]);
        assert_eq!(
            acme.links,
            [
                Link {
                    title: Some("Acme".into()),
                    url: "https://acme.example/blog/2019-outage".into()
                },
                Link {
                    title: Some("the follow-up".into()),
                    url: "https://acme.example/follow-up".into()
                },
            ]
        );
        assert_eq!(
            acme.summary.as_deref(),
            Some("A bad config push took down the EU region for 3 hours on 12 June 2019; see also [the follow-up](https://acme.example/follow-up).")
        );
        assert_eq!(acme.line, 12);
    }

    #[test]
    fn a_year_without_a_day_is_kept_apart_from_the_date() {
        let incidents = parsed().incidents;
        let globex = &incidents[1];
        assert_eq!((globex.date, globex.year), (None, Some(2021)));
        assert_eq!(
            globex.summary.as_deref(),
            Some("A DNS change propagated *slowly*, in 2021.")
        );
        let initech = &incidents[2];
        assert_eq!(
            (initech.date, initech.year),
            (None, Some(2018)),
            "from the URL"
        );
        assert_eq!(initech.summary.as_deref(), Some("TPS reports were lost."));
        let umbrella = &incidents[3];
        assert_eq!(umbrella.tags, ["Hardware-Power failures"]);
        assert_eq!(umbrella.summary.as_deref(), Some("A power cut."));
        assert_eq!((umbrella.date, umbrella.year), (None, None));
    }

    #[test]
    fn links_that_are_not_pages_are_dropped_with_their_line() {
        let warnings = parsed().warnings;
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(
            warnings[0].to_string(),
            "warning: \"Hooli\" links to `docs/hooli.md`, which is not an http(s) URL; entry left out\n  --> list.md:17"
        );
    }

    #[test]
    fn dates_in_prose() {
        let d = |s: &str| first_date(s).map(|d| d.to_string());
        assert_eq!(d("on 2019-06-12 at noon").as_deref(), Some("2019-06-12"));
        assert_eq!(d("June 12th, 2019").as_deref(), Some("2019-06-12"));
        assert_eq!(d("the 3rd of Sept 2020").as_deref(), Some("2020-09-03"));
        assert_eq!(d("12 Jun 2019").as_deref(), Some("2019-06-12"));
        assert_eq!(d("31 June 2019"), None, "no such day");
        assert_eq!(d("in June 2019"), None);
        assert_eq!(first_year("500 servers in 1960, then 2019"), Some(2019));
        assert_eq!(
            year_in_url("https://web.archive.org/web/20190612000000/https://x.example/a"),
            None
        );
        assert_eq!(year_in_url("https://x2019.example/a"), None);
    }

    #[test]
    fn the_blurb_is_kept_as_written_across_lines_and_containers() {
        let md = "* [Acme](https://a.example) — lost users_table, `a*b` \\* 2\n  on a second line\n\n> [Quoted](https://q.example) in a\n> quote\n";
        let summaries: Vec<Option<String>> = parse(md, Path::new("x.md"))
            .incidents
            .into_iter()
            .map(|i| i.summary)
            .collect();
        assert_eq!(
            summaries,
            [
                Some("lost users_table, `a*b` \\* 2 on a second line".to_owned()),
                Some("in a quote".to_owned())
            ]
        );
    }
}

//! The link check: relative links and images in write-ups that lead to no page
//! or file of the built site — another write-up that is not in the archive, an
//! `#anchor` that is no heading of the page it names, a file that is not one of
//! the write-up's copied attachments, a path above the archive. Only the
//! archive itself is consulted: nothing is fetched, no file is opened.

use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::model::links::{self, BodyLink, Target};
use crate::model::{Archive, Incident};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Ids an incident page has besides its body's headings, which `#anchor`
/// links may name (`#top` is the document's top in every browser).
const PAGE_IDS: &[&str] = &["top", "main", "follow-ups"];

/// Every broken relative link of every write-up, as warnings on their lines.
pub fn check(archive: &Archive) -> Vec<Diagnostic> {
    let by_source: HashMap<&Path, &Incident> = archive
        .incidents
        .iter()
        .map(|inc| (inc.source.as_path(), &**inc))
        .collect();
    archive
        .incidents
        .par_iter()
        .filter(|inc| {
            [
                Some(&inc.body),
                inc.public.summary.as_ref(),
                inc.public.impact.as_ref(),
            ]
            .into_iter()
            .flatten()
            .any(|text| may_link_relatively(text))
        })
        .flat_map_iter(|inc| incident_links(inc, &by_source))
        .collect()
}

/// Whether `markdown` has a link or image that could be relative: a `](` or a
/// reference definition not followed by an absolute URL. A cheap scan, so write-ups
/// without one (most) are not parsed again.
fn may_link_relatively(markdown: &str) -> bool {
    let absolute = |rest: &str| {
        let rest = rest.trim_start_matches('<');
        ["http://", "https://", "mailto:"]
            .iter()
            .any(|p| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p))
    };
    markdown
        .match_indices("](")
        .map(|(at, _)| &markdown[at + 2..])
        .chain(
            markdown
                .match_indices("]: ")
                .map(|(at, _)| &markdown[at + 3..]),
        )
        .any(|rest| !absolute(rest))
}

fn incident_links(inc: &Incident, by_source: &HashMap<&Path, &Incident>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let own_ids = links::heading_ids(&inc.body);
    for link in links::body_links(&inc.body) {
        let line = inc.body_line + link.line.saturating_sub(1);
        if let Some(d) = problem(inc, &link, &own_ids, by_source) {
            out.push(d.at_line(line).field("body"));
        }
    }
    let public = [
        ("public.summary", &inc.public.summary),
        ("public.impact", &inc.public.impact),
    ];
    for (field, text) in public {
        for link in text.iter().flat_map(|t| links::body_links(t)) {
            if let Some(d) = problem(inc, &link, &own_ids, by_source) {
                out.push(d.at_line(inc.line).field(field));
            }
        }
    }
    out
}

/// What is wrong with one link, if anything.
fn problem(
    inc: &Incident,
    link: &BodyLink,
    own_ids: &HashSet<String>,
    by_source: &HashMap<&Path, &Incident>,
) -> Option<Diagnostic> {
    let what = if link.image { "image" } else { "link" };
    let warn = |message: String| Diagnostic::warning(&inc.source, message);
    match links::resolve(&inc.source, inc.attachments.is_some(), &link.url) {
        Target::Elsewhere => None,
        Target::Fragment(f) => missing_anchor(f, own_ids).map(|hint| {
            warn(format!(
                "{what} to \"#{f}\": this page has no heading with that anchor"
            ))
            .hint(hint)
        }),
        Target::WriteUp { path, fragment } => match by_source.get(path.as_path()) {
            None => Some(unknown_write_up(what, &link.url, &path, by_source, inc)),
            Some(target) => {
                let f = fragment?;
                let ids = links::heading_ids(&target.body);
                missing_anchor(f, &ids).map(|hint| {
                    warn(format!(
                        "{what} to \"{}\": incident \"{}\" has no heading with the anchor \"#{f}\"",
                        link.url, target.id
                    ))
                    .hint(hint)
                })
            }
        },
        Target::Attachment { name, .. } => {
            let copied = inc.attachments.iter().flatten().any(|a| *a == name);
            (!copied).then(|| {
                warn(format!(
                    "{} \"{}\": no file \"{name}\" is copied from this write-up's folder",
                    if link.image {
                        "missing image"
                    } else {
                        "broken link"
                    },
                    link.url
                ))
                .hint(format!(
                    "put the file in the write-up's folder; only these kinds are copied: {}",
                    crate::load::ASSET_EXTENSIONS.join(", ")
                ))
            })
        }
        Target::Outside { path } => {
            Some(
                warn(format!(
                "{} \"{}\": {} is outside this write-up's folder, so the site has no copy of it",
                if link.image { "missing image" } else { "broken link" },
                link.url,
                path.display()
            ))
                .hint(if inc.attachments.is_some() {
                    "move the file into this write-up's folder and link it by its name there"
                        .to_owned()
                } else {
                    format!(
                        "make the write-up a folder ({}/index.md) and put the file beside it",
                        inc.source.with_extension("").display()
                    )
                }),
            )
        }
        Target::AboveRoot => Some(
            warn(format!(
                "{what} \"{}\" points above the archive's root; nothing there is part of the site",
                link.url
            ))
            .hint("link files inside the write-up's own folder, or use an absolute https:// URL"),
        ),
    }
}

/// None when `fragment` is an anchor of the page; else a hint naming some.
fn missing_anchor(fragment: &str, ids: &HashSet<String>) -> Option<String> {
    let footnote = fragment.starts_with("fn-") || fragment.starts_with("fnref-");
    if ids.contains(fragment) || footnote || PAGE_IDS.contains(&fragment) {
        return None;
    }
    let mut known: Vec<&str> = ids.iter().map(String::as_str).collect();
    known.sort_unstable();
    Some(match did_you_mean(fragment, known.iter().copied()) {
        Some(m) => format!("did you mean \"#{m}\"?"),
        None if known.is_empty() => "the page has no headings to link to".to_owned(),
        None => format!(
            "anchors are the headings in lowercase with dashes: {}",
            known
                .iter()
                .take(8)
                .map(|k| format!("#{k}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

fn unknown_write_up(
    what: &str,
    url: &str,
    path: &Path,
    by_source: &HashMap<&Path, &Incident>,
    inc: &Incident,
) -> Diagnostic {
    let file_name = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned()
    };
    // Folder write-ups are all `index.md`: they are told apart by their folder.
    let known: Vec<(String, &Path)> = by_source
        .keys()
        .map(|p| {
            let name = match p.parent() {
                Some(dir) if crate::load::attachments::is_folder_write_up(p) => file_name(dir),
                _ => file_name(p),
            };
            (name, *p)
        })
        .collect();
    let wanted = match path.parent() {
        Some(dir) if crate::load::attachments::is_folder_write_up(path) => file_name(dir),
        _ => file_name(path),
    };
    let best = did_you_mean(&wanted, known.iter().map(|(n, _)| n.as_str()))
        .and_then(|m| known.iter().find(|(n, _)| n == m))
        .map(|(_, p)| relative_path(inc.source.parent().unwrap_or(Path::new("")), p));
    let hint = match best {
        Some(m) => format!("did you mean {m}? A link names a write-up by its path from this file"),
        None => {
            "a link names a write-up by its path from this file, e.g. ../2024/2024-01-02-dns.md"
                .to_owned()
        }
    };
    Diagnostic::warning(
        &inc.source,
        format!(
            "broken {what} \"{url}\": {} is not a write-up of this archive",
            path.display()
        ),
    )
    .hint(hint)
}

/// `to` as a relative path from the folder `from` (both from the archive root).
fn relative_path(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to_parts: Vec<_> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    parts.extend(
        to_parts[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_write_ups_with_possible_relative_links_are_parsed_again() {
        assert!(!may_link_relatively(
            "See [the doc](https://x.example) and <https://y>."
        ));
        assert!(may_link_relatively("See [dns](../dns.md)."));
        assert!(may_link_relatively("![graph](graph.png)"));
        assert!(may_link_relatively("[a]: ./notes.md"));
        assert!(!may_link_relatively("[a]: HTTPS://x.example"));
    }

    #[test]
    fn suggestions_are_paths_from_the_writing_file() {
        assert_eq!(
            relative_path(
                Path::new("content/incidents/2025"),
                Path::new("content/incidents/2024/a.md")
            ),
            "../2024/a.md"
        );
        assert_eq!(
            relative_path(
                Path::new("content/incidents"),
                Path::new("content/incidents/x/index.md")
            ),
            "x/index.md"
        );
    }

    #[test]
    fn anchors_of_the_page_and_footnotes_are_no_problem() {
        let ids: HashSet<String> = ["root-cause".to_owned()].into();
        assert!(missing_anchor("root-cause", &ids).is_none());
        assert!(missing_anchor("fn-1", &ids).is_none());
        assert!(missing_anchor("top", &ids).is_none());
        assert_eq!(
            missing_anchor("root-causes", &ids).as_deref(),
            Some("did you mean \"#root-cause\"?")
        );
    }
}

//! Relative links in write-ups: where `[text](../2024-01-02-dns.md#timeline)`
//! or `![graph](graph.png)` points. A link to another write-up's Markdown file
//! is a link to that incident's page; a path inside a folder write-up
//! (`incidents/ID/index.md`) names one of its attachments; the rest leads to
//! no page of the site. Paths are resolved as text, never on the file system,
//! so a link cannot reach outside the archive by being followed.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

/// A link or image in Markdown, with its line in that text (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct BodyLink {
    pub url: String,
    pub line: u32,
    pub image: bool,
}

/// What a link's URL points at.
#[derive(Debug, Clone, PartialEq)]
pub enum Target<'a> {
    /// Not a relative path: a scheme (`https:`, `mailto:`), a site path (`/x`) or nothing.
    Elsewhere,
    /// `#anchor` on the write-up's own page.
    Fragment(&'a str),
    /// A document file (another write-up's source, by its path from the root).
    WriteUp {
        path: PathBuf,
        fragment: Option<&'a str>,
    },
    /// A file inside the write-up's own folder, by its name there (`img/graph.png`).
    Attachment {
        name: String,
        fragment: Option<&'a str>,
    },
    /// Any other path (from the archive root): no page of the site has it.
    Outside { path: PathBuf },
    /// A path above the archive's root.
    AboveRoot,
}

/// Document extensions a link to another write-up ends with.
const WRITE_UP_EXTENSIONS: &[&str] = &["md", "markdown", "mdown", "mkd", "mdx"];

fn comrak_options() -> comrak::Options<'static> {
    let mut options = comrak::Options::default();
    options.extension.strikethrough = true;
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.extension.footnotes = true;
    options
}

/// Every link and image of `markdown`, in order.
pub fn body_links(markdown: &str) -> Vec<BodyLink> {
    use comrak::nodes::NodeValue;
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, markdown, &comrak_options());
    root.descendants()
        .filter_map(|node| {
            let data = node.data();
            let (url, image) = match &data.value {
                NodeValue::Link(link) => (link.url.clone(), false),
                NodeValue::Image(link) => (link.url.clone(), true),
                _ => return None,
            };
            Some(BodyLink {
                url,
                line: data.sourcepos.start.line.max(1) as u32,
                image,
            })
        })
        .collect()
}

/// The ids comrak gives `markdown`'s headings, without the page's prefix
/// (`## Root cause` -> `root-cause`, a second `## Timeline` -> `timeline-1`).
pub fn heading_ids(markdown: &str) -> HashSet<String> {
    use comrak::nodes::NodeValue;
    let arena = comrak::Arena::new();
    let root = comrak::parse_document(&arena, markdown, &comrak_options());
    let mut anchorizer = comrak::Anchorizer::new();
    root.descendants()
        .filter(|n| matches!(n.data().value, NodeValue::Heading(_)))
        .map(|n| anchorizer.anchorize(&n.collect_text()))
        .collect()
}

/// Where `url`, written in the write-up at `source` (relative to the archive
/// root), points. `folder` says whether the write-up is a folder write-up.
pub fn resolve<'a>(source: &Path, folder: bool, url: &'a str) -> Target<'a> {
    let (rest, fragment) = match url.split_once('#') {
        Some((rest, fragment)) => (rest, Some(fragment)),
        None => (url, None),
    };
    let path = rest.split_once('?').map_or(rest, |(p, _)| p);
    if path.is_empty() {
        return match (rest.is_empty(), fragment) {
            (true, Some(f)) => Target::Fragment(f),
            _ => Target::Elsewhere,
        };
    }
    let scheme = path
        .split_once(':')
        .is_some_and(|(s, _)| !s.is_empty() && !s.contains('/'));
    if scheme || path.starts_with('/') || path.starts_with('\\') {
        return Target::Elsewhere;
    }
    let decoded = percent_decode(path);
    let base = source.parent().unwrap_or(Path::new(""));
    let Some(joined) = normalize(&base.join(&decoded)) else {
        return Target::AboveRoot;
    };
    let is_document = joined
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| WRITE_UP_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
    if is_document {
        return Target::WriteUp {
            path: joined,
            fragment,
        };
    }
    if folder {
        if let Ok(inside) = joined.strip_prefix(base) {
            let name: Vec<&str> = inside
                .components()
                .filter_map(|c| c.as_os_str().to_str())
                .collect();
            if !name.is_empty() {
                return Target::Attachment {
                    name: name.join("/"),
                    fragment,
                };
            }
        }
    }
    Target::Outside { path: joined }
}

/// `path` with `.` and `..` resolved as text; None when `..` climbs above its start.
pub fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(part) => out.push(part),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// `%20` and friends as the bytes they stand for (invalid sequences kept).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAT: &str = "content/incidents/2025/2025-03-14-db.md";
    const FOLDER: &str = "content/incidents/2025-03-14-db/index.md";

    #[test]
    fn links_to_write_ups_resolve_from_the_writing_file() {
        assert_eq!(
            resolve(Path::new(FLAT), false, "../2024/2024-01-02-dns.md#timeline"),
            Target::WriteUp {
                path: "content/incidents/2024/2024-01-02-dns.md".into(),
                fragment: Some("timeline")
            }
        );
        assert_eq!(
            resolve(Path::new(FOLDER), true, "./other/index.md"),
            Target::WriteUp {
                path: "content/incidents/2025-03-14-db/other/index.md".into(),
                fragment: None
            }
        );
    }

    #[test]
    fn files_inside_a_folder_write_up_are_its_attachments() {
        assert_eq!(
            resolve(Path::new(FOLDER), true, "img/graph%20one.png?v=2"),
            Target::Attachment {
                name: "img/graph one.png".into(),
                fragment: None
            }
        );
        // The same name beside a flat file is no attachment.
        assert!(matches!(
            resolve(Path::new(FLAT), false, "graph.png"),
            Target::Outside { .. }
        ));
        // Leaving the folder is leaving the attachments.
        assert!(matches!(
            resolve(Path::new(FOLDER), true, "../x/graph.png"),
            Target::Outside { .. }
        ));
    }

    #[test]
    fn traversal_above_the_root_and_other_urls_are_no_files() {
        assert_eq!(
            resolve(Path::new(FOLDER), true, "../../../../../etc/passwd"),
            Target::AboveRoot
        );
        for url in ["https://x.example/a.md", "mailto:a@b", "/incidents/x/", ""] {
            assert_eq!(
                resolve(Path::new(FOLDER), true, url),
                Target::Elsewhere,
                "{url}"
            );
        }
        assert_eq!(
            resolve(Path::new(FLAT), false, "#root-cause"),
            Target::Fragment("root-cause")
        );
    }

    #[test]
    fn links_and_headings_are_found_with_their_lines() {
        let md = "Intro.\n\n![g](graph.png)\n\n## Root cause\n\nSee [dns](../dns.md).\n\n## Root cause\n";
        let links = body_links(md);
        assert_eq!(links.len(), 2);
        assert_eq!((links[0].line, links[0].image), (3, true));
        assert_eq!((links[1].url.as_str(), links[1].line), ("../dns.md", 7));
        let ids = heading_ids(md);
        assert!(
            ids.contains("root-cause") && ids.contains("root-cause-1"),
            "{ids:?}"
        );
    }

    #[test]
    fn percent_escapes_decode_and_bad_ones_stay() {
        assert_eq!(percent_decode("a%20b%2"), "a b%2");
        assert_eq!(percent_decode("100%"), "100%");
    }
}

//! Load: walk an archive's `content/`, read every write-up, systems file and
//! reading list in parallel, split and parse their front matter. Produces
//! [`Document`]s with line-accurate values; knows nothing of what fields mean.

pub mod frontmatter;
pub mod theme;
pub mod tracker;

use crate::diagnostic::{relative, Diagnostic};
use frontmatter::Node;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// What a file under `content/` is, by its folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Incident,
    System,
    ReadingList,
}

/// One parsed source file.
#[derive(Debug)]
pub struct Document {
    pub kind: Kind,
    /// Relative to the archive root.
    pub path: PathBuf,
    /// File stem: the default id.
    pub stem: String,
    pub front: Node,
    pub body: String,
    pub body_line: u32,
}

/// Every document that parsed, and a diagnostic for every one that did not.
#[derive(Debug, Default)]
pub struct Loaded {
    pub documents: Vec<Document>,
    pub diagnostics: Vec<Diagnostic>,
    /// File stems of write-ups that could not be parsed: links to them are not
    /// reported again as "unknown incident".
    pub unreadable_incidents: Vec<String>,
}

/// The Markdown files of an archive, by kind, in a stable order.
pub fn find_sources(root: &Path) -> Vec<(Kind, PathBuf)> {
    let content = root.join("content");
    let mut found = Vec::new();
    for (dir, kind, recursive) in [
        ("incidents", Kind::Incident, true),
        ("systems", Kind::System, false),
        ("reading-lists", Kind::ReadingList, false),
    ] {
        let walker = walkdir::WalkDir::new(content.join(dir))
            .max_depth(if recursive { usize::MAX } else { 1 })
            .sort_by_file_name();
        for entry in walker.into_iter().filter_map(Result::ok) {
            let path = entry.path();
            let hidden = entry
                .file_name()
                .to_str()
                .is_some_and(|n| n.starts_with('.') || n.starts_with('_'));
            if entry.file_type().is_file() && !hidden && path.extension().is_some_and(|e| e == "md")
            {
                found.push((kind, path.to_path_buf()));
            }
        }
    }
    found
}

/// What kind of source `path` (under `root`) is, by the rules of
/// [`find_sources`]; None when a build does not read it.
pub fn source_kind(root: &Path, path: &Path) -> Option<Kind> {
    let rel = path.strip_prefix(root.join("content")).ok()?;
    let name = rel.file_name()?.to_str()?;
    if name.starts_with('.') || name.starts_with('_') || !name.ends_with(".md") {
        return None;
    }
    let mut parts = rel.components();
    let dir = parts.next()?.as_os_str().to_str()?;
    let depth = parts.count();
    match dir {
        "incidents" => Some(Kind::Incident),
        "systems" if depth == 1 => Some(Kind::System),
        "reading-lists" if depth == 1 => Some(Kind::ReadingList),
        _ => None,
    }
}

/// Reads and parses every source file of the archive at `root`, in parallel.
pub fn load(root: &Path) -> Loaded {
    let sources = find_sources(root);
    let results: Vec<Result<Document, Diagnostic>> = sources
        .par_iter()
        .map(|(kind, path)| read_document(root, *kind, path))
        .collect();
    let mut loaded = Loaded::default();
    for ((kind, path), r) in sources.iter().zip(results) {
        match r {
            Ok(doc) => loaded.documents.push(doc),
            Err(d) => {
                if *kind == Kind::Incident {
                    if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                        loaded.unreadable_incidents.push(stem.to_owned());
                    }
                }
                loaded.diagnostics.push(d);
            }
        }
    }
    loaded
}

/// Reads one file; every failure is a diagnostic naming the file.
pub fn read_document(root: &Path, kind: Kind, path: &Path) -> Result<Document, Diagnostic> {
    let rel = relative(root, path);
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::error(&rel, format!("cannot read the file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() as u32 + 1;
        Diagnostic::error(&rel, "the file is not valid UTF-8")
            .at_line(line)
            .hint("save it as UTF-8 (most editors have an \"encoding\" option)")
    })?;
    parse_document(&rel, kind, &text)
}

/// Splits and parses text already read; `rel` names it in diagnostics.
pub fn parse_document(rel: &Path, kind: Kind, text: &str) -> Result<Document, Diagnostic> {
    let to_diag = |e: frontmatter::SyntaxError| {
        let mut d = Diagnostic::error(rel, e.message).at(e.line, e.column);
        if let Some(h) = e.hint {
            d = d.hint(h);
        }
        d
    };
    let split = frontmatter::split(text).map_err(to_diag)?;
    let front = frontmatter::parse(&split).map_err(to_diag)?;
    let stem = rel
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned();
    Ok(Document {
        kind,
        path: rel.to_path_buf(),
        stem,
        front,
        body: split.body.to_owned(),
        body_line: split.body_line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_kind_follows_the_build_rules() {
        let root = Path::new("/a");
        let kind = |p: &str| source_kind(root, Path::new(p));
        assert_eq!(kind("/a/content/incidents/x.md"), Some(Kind::Incident));
        assert_eq!(kind("/a/content/incidents/2024/x.md"), Some(Kind::Incident));
        assert_eq!(kind("/a/content/systems/db.md"), Some(Kind::System));
        assert_eq!(
            kind("/a/content/reading-lists/l.md"),
            Some(Kind::ReadingList)
        );
        assert_eq!(kind("/a/content/systems/deep/db.md"), None);
        assert_eq!(kind("/a/content/incidents/_template.md"), None);
        assert_eq!(kind("/a/content/incidents/.x.md"), None);
        assert_eq!(kind("/a/content/incidents/x.png"), None);
        assert_eq!(kind("/a/templates/base.html"), None);
    }
}

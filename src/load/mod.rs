//! Load: find an archive's source files under `content/` ([`find_sources`]),
//! read one and split and parse its front matter ([`read_document`]). Produces
//! [`Document`]s with line-accurate values; knows nothing of what fields mean.
//! The site ([`crate::site`]) reads every file in parallel and caches the reads.

pub(crate) mod attachments;
pub mod frontmatter;
pub(crate) mod theme;
pub mod tracker;
pub(crate) mod walk;
pub(crate) mod yaml;

use crate::config::ContentConfig;
use crate::diagnostic::{relative, Diagnostic};
use frontmatter::Node;
use std::path::{Path, PathBuf};

/// What a file under `content/` is, by its folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Incident,
    System,
    ReadingList,
    /// `content/incidents/README.md` (or `index.md`, `_index.md`): the archive's
    /// introduction, shown atop the incidents page.
    Introduction,
}

/// One parsed source file.
#[derive(Debug)]
pub struct Document {
    pub kind: Kind,
    /// Relative to the archive root.
    pub path: PathBuf,
    /// File name without its extensions (`2020-02-12.html.md.erb` -> `2020-02-12`);
    /// a write-up folder's `index.md` takes the folder's name.
    pub stem: String,
    pub front: Node,
    /// The header had no front matter at all.
    pub bare: bool,
    pub body: String,
    pub body_line: u32,
    /// A folder write-up's (`incidents/ID/index.md`) other files, by name in
    /// its folder; None for a write-up that is one file.
    pub attachments: Option<Vec<String>>,
}

/// The files a build reads, and notes on the files under `content/incidents/`
/// that it does not.
#[derive(Debug, Default)]
pub struct Sources {
    pub files: Vec<(Kind, PathBuf)>,
    pub notes: Vec<Diagnostic>,
}

/// Which files under `content/incidents/` are write-ups: `[content] include`
/// and `exclude` globs, less hidden files, templates and introductions.
pub struct SourceFilter {
    include: globset::GlobSet,
    exclude: globset::GlobSet,
}

/// Extensions that are documents (stripped from ids: `x.html.md.erb` is `x`).
const DOCUMENT_EXTENSIONS: &[&str] = &[
    "md", "markdown", "mdown", "mkd", "mdx", "erb", "html", "htm", "txt", "text", "rst", "adoc",
];
/// Attachments beside write-ups, not worth a note when they are not read.
pub const ASSET_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "pdf", "csv", "json", "yml", "yaml", "toml", "log",
    "zip", "gz",
];
const INTRODUCTION_NAMES: &[&str] = &["readme", "index", "_index"];

/// What a file under `content/incidents/` is to a build.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    Incident,
    Introduction,
    /// Read by no one; the reason says why, for a note.
    Skipped(&'static str),
    /// No include pattern matches it.
    Unmatched,
}

impl SourceFilter {
    pub fn new(content: &ContentConfig) -> Self {
        let set = |patterns: &[String]| {
            let mut b = globset::GlobSetBuilder::new();
            for p in patterns {
                // Patterns were checked when casebook.toml was read.
                if let Ok(g) = globset::GlobBuilder::new(p).literal_separator(true).build() {
                    b.add(g);
                }
            }
            b.build().unwrap_or_else(|_| globset::GlobSet::empty())
        };
        Self {
            include: set(&content.include),
            exclude: set(&content.exclude),
        }
    }

    /// `rel` is relative to `content/incidents/`.
    fn role(&self, rel: &Path) -> Role {
        let Some(name) = rel.file_name().and_then(|n| n.to_str()) else {
            return Role::Skipped("its name is not UTF-8");
        };
        let hidden = rel.components().any(|c| {
            c.as_os_str()
                .to_str()
                .is_some_and(|n| n.starts_with('.') || (n.starts_with('_') && n != "_index.md"))
        });
        if hidden || self.exclude.is_match(rel) {
            return Role::Skipped("");
        }
        if !self.include.is_match(rel) {
            return Role::Unmatched;
        }
        let stem = strip_extensions(name).to_ascii_lowercase();
        let top_level = rel.components().count() == 1;
        if INTRODUCTION_NAMES.contains(&stem.as_str()) {
            return if top_level {
                Role::Introduction
            } else if stem == "index" {
                // A write-up kept as a folder: incidents/ID/index.md.
                Role::Incident
            } else {
                Role::Skipped("a README is not a write-up")
            };
        }
        if stem.contains("template") {
            return Role::Skipped("its name says it is a template");
        }
        Role::Incident
    }
}

/// `name` without its document extensions: `2020-02-12.html.md.erb` -> `2020-02-12`,
/// `2023-04-19-get.jenkins.io-incident.md` -> `2023-04-19-get.jenkins.io-incident`.
pub fn strip_extensions(name: &str) -> &str {
    let mut stem = name;
    while let Some((rest, ext)) = stem.rsplit_once('.') {
        if rest.is_empty() || !DOCUMENT_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) {
            break;
        }
        stem = rest;
    }
    stem
}

/// The files of an archive a build reads, by kind, in a stable order.
pub fn find_sources(root: &Path, content: &ContentConfig) -> Sources {
    let filter = SourceFilter::new(content);
    let mut sources = Sources::default();
    let mut left_out = LeftOut::default();
    let incidents = root.join(&content.incidents);
    walk_incidents(root, &incidents, &filter, &mut sources, &mut left_out);
    walk_systems_and_reading_lists(root, &mut sources);
    keep_first_introduction(&mut sources.files, &mut left_out.skipped);
    for (path, why) in left_out.skipped {
        sources.notes.push(
            Diagnostic::note(
                relative(root, &path),
                format!("not read as a write-up: {why}"),
            )
            .hint("rename it, or list it in [content] exclude in casebook.toml to silence this"),
        );
    }
    if let Some(mut note) = unmatched_note(root, &content.incidents, &left_out.unmatched) {
        // With no write-up read at all, the site would be empty without a word.
        if !sources.files.iter().any(|(k, _)| *k == Kind::Incident) {
            note.level = crate::diagnostic::Level::Warning;
        }
        sources.notes.push(note);
    }
    sources
}

/// Files under the write-ups' folder that are not read, each said in a note.
#[derive(Default)]
struct LeftOut {
    /// With why (an empty reason is not worth a note).
    skipped: Vec<(PathBuf, &'static str)>,
    /// No include pattern takes them.
    unmatched: Vec<PathBuf>,
}

/// The write-ups and the introduction under `incidents`, at any depth.
fn walk_incidents(
    root: &Path,
    incidents: &Path,
    filter: &SourceFilter,
    sources: &mut Sources,
    left_out: &mut LeftOut,
) {
    // Hidden folders (`.git`, `.casebook-cache`) are not walked at all: an adopted
    // folder may be a whole repository.
    let visible = |e: &walkdir::DirEntry| {
        e.depth() == 0 || !e.file_name().to_str().is_some_and(|n| n.starts_with('.'))
    };
    let walker = walkdir::WalkDir::new(incidents)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(visible);
    for entry in walk::entries(root, walker, &mut sources.notes, walk::warning) {
        let path = entry.path();
        let Ok(rel) = path.strip_prefix(incidents) else {
            continue;
        };
        if entry.depth() > 0 && entry.path_is_symlink() {
            // Not followed (a link could loop or leave the archive), but said.
            if filter.role(rel) != Role::Skipped("") {
                left_out.skipped.push((
                    path.to_path_buf(),
                    "it is a symbolic link, and links inside content/incidents/ are not followed",
                ));
            }
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        match filter.role(rel) {
            Role::Incident => sources.files.push((Kind::Incident, path.to_path_buf())),
            Role::Introduction => sources.files.push((Kind::Introduction, path.to_path_buf())),
            Role::Skipped("") => {}
            Role::Skipped(why) => left_out.skipped.push((path.to_path_buf(), why)),
            Role::Unmatched => left_out.unmatched.push(path.to_path_buf()),
        }
    }
}

/// The Markdown files directly in `content/systems/` and `content/reading-lists/`.
fn walk_systems_and_reading_lists(root: &Path, sources: &mut Sources) {
    let base = root.join("content");
    for (dir, kind) in [
        ("systems", Kind::System),
        ("reading-lists", Kind::ReadingList),
    ] {
        let walker = walkdir::WalkDir::new(base.join(dir))
            .max_depth(1)
            .sort_by_file_name();
        for entry in walk::entries(root, walker, &mut sources.notes, walk::warning) {
            if entry.file_type().is_file() && is_markdown_source(entry.path()) {
                sources.files.push((kind, entry.path().to_path_buf()));
            }
        }
    }
}

/// Two introductions (README.md and index.md): the first by name is used, the
/// other skipped.
fn keep_first_introduction(
    files: &mut Vec<(Kind, PathBuf)>,
    skipped: &mut Vec<(PathBuf, &'static str)>,
) {
    let mut intro_seen = false;
    files.retain(|(kind, path)| {
        if *kind != Kind::Introduction {
            return true;
        }
        if intro_seen {
            skipped.push((path.clone(), "another file is the introduction"));
        }
        !std::mem::replace(&mut intro_seen, true)
    });
}

fn is_markdown_source(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !name.starts_with('.') && !name.starts_with('_') && name.ends_with(".md")
}

/// One note for every file under `content/incidents/` no include pattern takes:
/// how many, which extensions, and the line to add.
fn unmatched_note(root: &Path, incidents: &Path, unmatched: &[PathBuf]) -> Option<Diagnostic> {
    let mut by_extension: std::collections::BTreeMap<String, usize> = Default::default();
    for path in unmatched {
        let ext = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.rsplit_once('.').filter(|(stem, _)| !stem.is_empty()))
            .map(|(_, ext)| ext.to_ascii_lowercase())
            .unwrap_or_default();
        if !ASSET_EXTENSIONS.contains(&ext.as_str()) {
            *by_extension.entry(ext).or_default() += 1;
        }
    }
    let total: usize = by_extension.values().sum();
    if total == 0 {
        return None;
    }
    let kinds: Vec<String> = by_extension
        .iter()
        .map(|(ext, n)| match ext.as_str() {
            "" => format!("{n} without an extension"),
            ext => format!("{n} .{ext}"),
        })
        .collect();
    let patterns: Vec<String> = by_extension
        .keys()
        .map(|ext| match ext.as_str() {
            "" => "\"**/*\"".to_owned(),
            ext => format!("\"**/*.{ext}\""),
        })
        .collect();
    let first = unmatched.first()?;
    Some(
        Diagnostic::note(
            relative(root, &root.join(incidents)),
            format!(
                "{total} file(s) are not read as write-ups ({}), e.g. {}",
                kinds.join(", "),
                relative(root, first).display()
            ),
        )
        .hint(format!(
            "to read them, add to casebook.toml: [content] include = [\"**/*.md\", \"**/*.markdown\", {}]",
            patterns.join(", ")
        )),
    )
}

/// What kind of source `path` (under `root`) is, by the rules of
/// [`find_sources`]; None when a build does not read it.
pub fn source_kind(root: &Path, path: &Path, content: &ContentConfig) -> Option<Kind> {
    if let Ok(rest) = path.strip_prefix(root.join(&content.incidents)) {
        let hidden = rest
            .components()
            .any(|c| c.as_os_str().to_str().is_some_and(|n| n.starts_with('.')));
        return match SourceFilter::new(content).role(rest) {
            Role::Incident if !hidden => Some(Kind::Incident),
            Role::Introduction => Some(Kind::Introduction),
            _ => None,
        };
    }
    let rel = path.strip_prefix(root.join("content")).ok()?;
    let mut parts = rel.components();
    let dir = parts.next()?.as_os_str().to_str()?;
    let rest = parts.as_path();
    match dir {
        "systems" | "reading-lists" if rest.components().count() == 1 => is_markdown_source(path)
            .then_some(if dir == "systems" {
                Kind::System
            } else {
                Kind::ReadingList
            }),
        _ => None,
    }
}

/// The default id source of a file: its name without extensions, or for a
/// write-up folder's `index.md`, the folder's name.
pub fn stem_of(path: &Path) -> String {
    let name = path
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let stem = strip_extensions(name);
    if stem.eq_ignore_ascii_case("index") {
        if let Some(folder) = path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str())
            .filter(|f| *f != "incidents")
        {
            return folder.to_owned();
        }
    }
    stem.to_owned()
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
    let mut doc = parse_document(&rel, kind, &text)?;
    if kind == Kind::Incident && attachments::is_folder_write_up(&rel) {
        doc.attachments = Some(attachments::list(root, &rel));
    }
    Ok(doc)
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
    if text.trim_start_matches('\u{feff}').trim().is_empty() && kind == Kind::Incident {
        // A placeholder a team has not filled in yet: nothing to build, nothing broken.
        return Err(Diagnostic::warning(rel, "the file is empty; it is skipped")
            .at_line(1)
            .hint("write the incident in it, or delete it"));
    }
    let split = frontmatter::split(text).map_err(to_diag)?;
    let front = frontmatter::parse(&split).map_err(to_diag)?;
    Ok(Document {
        kind,
        path: rel.to_path_buf(),
        stem: stem_of(rel),
        bare: split.format == frontmatter::Format::None,
        front,
        body: split.body.to_owned(),
        body_line: split.body_line,
        attachments: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_kind_follows_the_build_rules() {
        let root = Path::new("/a");
        let content = ContentConfig::default();
        let kind = |p: &str| source_kind(root, Path::new(p), &content);
        assert_eq!(kind("/a/content/incidents/x.md"), Some(Kind::Incident));
        assert_eq!(kind("/a/content/incidents/2024/x.md"), Some(Kind::Incident));
        assert_eq!(
            kind("/a/content/incidents/x.markdown"),
            Some(Kind::Incident)
        );
        assert_eq!(
            kind("/a/content/incidents/README.md"),
            Some(Kind::Introduction)
        );
        assert_eq!(kind("/a/content/incidents/2024/README.md"), None);
        assert_eq!(
            kind("/a/content/incidents/2024-x/index.md"),
            Some(Kind::Incident)
        );
        assert_eq!(kind("/a/content/incidents/postmortem-template.md"), None);
        assert_eq!(kind("/a/content/systems/db.md"), Some(Kind::System));
        assert_eq!(
            kind("/a/content/reading-lists/l.md"),
            Some(Kind::ReadingList)
        );
        assert_eq!(kind("/a/content/systems/deep/db.md"), None);
        assert_eq!(kind("/a/content/incidents/_template.md"), None);
        assert_eq!(kind("/a/content/incidents/.x.md"), None);
        assert_eq!(kind("/a/content/incidents/x.png"), None);
        assert_eq!(kind("/a/content/incidents/x.html.md.erb"), None);
        assert_eq!(kind("/a/templates/base.html"), None);
    }

    #[test]
    fn include_globs_choose_the_write_ups() {
        let root = Path::new("/a");
        let content = ContentConfig {
            include: vec!["**/*.erb".into(), "**/*.md".into()],
            exclude: vec!["drafts/**".into()],
            ..ContentConfig::default()
        };
        let kind = |p: &str| source_kind(root, Path::new(p), &content);
        assert_eq!(
            kind("/a/content/incidents/2020-02-12.html.md.erb"),
            Some(Kind::Incident)
        );
        assert_eq!(kind("/a/content/incidents/drafts/x.md"), None);
        // A team's own folder, adopted where it is.
        let own = ContentConfig {
            incidents: "postmortems".into(),
            ..ContentConfig::default()
        };
        let kind = |p: &str| source_kind(root, Path::new(p), &own);
        assert_eq!(kind("/a/postmortems/2023/x.md"), Some(Kind::Incident));
        assert_eq!(kind("/a/content/incidents/x.md"), None);
        assert_eq!(kind("/a/content/systems/db.md"), Some(Kind::System));
    }

    #[test]
    fn ids_lose_every_document_extension() {
        assert_eq!(strip_extensions("2020-02-12.html.md.erb"), "2020-02-12");
        assert_eq!(
            strip_extensions("2023-04-19-get.jenkins.io-incident.md"),
            "2023-04-19-get.jenkins.io-incident"
        );
        assert_eq!(strip_extensions("no-extension"), "no-extension");
        assert_eq!(
            stem_of(Path::new("incidents/2025-03-14-db/index.md")),
            "2025-03-14-db"
        );
    }
}

//! Adopting an existing folder (`casebook init --adopt`): survey the front matter of
//! every file under `content/incidents/`, match the keys found to casebook's fields by
//! name and value type, and write the text of a commented casebook.toml.
//!
//! It reads files and returns values and text; it never writes, moves or prints:
//! the CLI decides where the text goes. What a key *means* stays the model's: this
//! module only proposes aliases, and the model reads them like any others.

use crate::config::ContentConfig;
use crate::load::frontmatter::{self, Node, Value};
use crate::load::{self, Kind};
use crate::model::fields::parse_date;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

mod render;
mod suggest;

pub use render::render_config;
pub use suggest::{match_key, suggest, worst_first, Suggestions};

/// Why a folder cannot be surveyed.
#[derive(Debug, thiserror::Error)]
pub enum AdoptError {
    #[error("{} holds no Markdown write-ups: casebook reads them from content/incidents/ or from the folder that holds the most .md files", .root.display())]
    NoIncidents { root: PathBuf },
}

/// The shape of a value, as far as matching it to a field goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ValueKind {
    Text,
    Url,
    Date,
    DateTime,
    List,
    Bool,
    Number,
    Table,
}

impl ValueKind {
    fn of(value: &Value) -> Option<Self> {
        let text = |s: &str| {
            let s = s.trim();
            if s.is_empty() {
                None
            } else if s.starts_with("http://") || s.starts_with("https://") {
                Some(Self::Url)
            } else if parse_date(s).is_some() {
                Some(if s.len() > 10 {
                    Self::DateTime
                } else {
                    Self::Date
                })
            } else {
                Some(Self::Text)
            }
        };
        match value {
            Value::Null => None,
            Value::String(s) | Value::Datetime(s) => text(s),
            Value::Array(items) if items.is_empty() => None,
            Value::Array(_) => Some(Self::List),
            Value::Bool(_) => Some(Self::Bool),
            Value::Integer(_) | Value::Float(_) => Some(Self::Number),
            Value::Table(_) => Some(Self::Table),
        }
    }
}

/// One top-level front-matter key across the folder.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyStats {
    pub name: String,
    /// Files that have it.
    pub files: usize,
    /// The first non-empty value seen, short and on one line.
    pub sample: String,
    pub kinds: BTreeSet<ValueKind>,
    /// Distinct text values in order of first appearance (at most [`MAX_VALUES`]).
    pub values: Vec<String>,
}

/// Distinct values kept per key: enough for a severity scale.
pub const MAX_VALUES: usize = 16;
const SAMPLE_CHARS: usize = 40;

/// What a folder's write-ups hold.
#[derive(Debug, Default)]
pub struct Survey {
    /// The write-ups' folder, relative to the root (`content/incidents`, or the
    /// team's own folder where it is).
    pub incidents: PathBuf,
    /// Files read as possible write-ups.
    pub files: usize,
    pub with_front_matter: usize,
    /// Keys in order of first appearance.
    pub keys: Vec<KeyStats>,
    /// Last extension (`md`, `erb`; empty for none) and how many files have it.
    pub extensions: Vec<(String, usize)>,
    /// Files whose front matter cannot be read, and why.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Reads every file under the write-ups' folder except assets, hidden files,
/// templates and the introduction. The folder is `content/incidents/`, or where
/// there is none, the folder holding the most Markdown files (a team's own
/// `postmortems/`, or the root of a repository of them), adopted where it is.
pub fn survey(root: &Path) -> Result<Survey, AdoptError> {
    let default = PathBuf::from("content/incidents");
    let incidents = if root.join(&default).is_dir() {
        default
    } else {
        match markdown_elsewhere(root) {
            Some((dir, n)) => {
                let dir = narrowest(dir, n);
                match dir.strip_prefix(root) {
                    Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
                    Ok(rel) => rel.to_path_buf(),
                    Err(_) => dir.clone(),
                }
            }
            None => {
                return Err(AdoptError::NoIncidents {
                    root: root.to_path_buf(),
                })
            }
        }
    };
    let everything = ContentConfig {
        incidents: incidents.clone(),
        include: vec!["**/*".into()],
        exclude: Vec::new(),
    };
    let mut survey = Survey {
        incidents,
        ..Survey::default()
    };
    for (kind, path) in load::find_sources(root, &everything).files {
        let ext = last_extension(&path);
        if kind != Kind::Incident || load::ASSET_EXTENSIONS.contains(&ext.as_str()) {
            continue;
        }
        survey.files += 1;
        match survey.extensions.iter_mut().find(|(e, _)| *e == ext) {
            Some((_, n)) => *n += 1,
            None => survey.extensions.push((ext, 1)),
        }
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        let text = match std::fs::read(&path).map(String::from_utf8) {
            Ok(Ok(text)) => text,
            Ok(Err(_)) => {
                survey.unreadable.push((rel, "not UTF-8 text".into()));
                continue;
            }
            Err(e) => {
                survey.unreadable.push((rel, e.to_string()));
                continue;
            }
        };
        let front = frontmatter::split(&text).and_then(|s| {
            let bare = s.format == frontmatter::Format::None;
            frontmatter::parse(&s).map(|node| (node, bare))
        });
        match front {
            Ok((node, bare)) => {
                if !bare {
                    survey.with_front_matter += 1;
                }
                survey.count(&node);
            }
            Err(e) => survey.unreadable.push((rel, e.to_string())),
        }
    }
    Ok(survey)
}

impl Survey {
    fn count(&mut self, front: &Node) {
        let Value::Table(entries) = &front.value else {
            return;
        };
        for (key, node) in entries {
            let i = match self.keys.iter().position(|k| k.name == key.name) {
                Some(i) => i,
                None => {
                    self.keys.push(KeyStats {
                        name: key.name.clone(),
                        files: 0,
                        sample: String::new(),
                        kinds: BTreeSet::new(),
                        values: Vec::new(),
                    });
                    self.keys.len() - 1
                }
            };
            let stats = &mut self.keys[i];
            stats.files += 1;
            if let Some(kind) = ValueKind::of(&node.value) {
                stats.kinds.insert(kind);
                if stats.sample.is_empty() {
                    stats.sample = sample(&node.value);
                }
            }
            if let Value::String(s) = &node.value {
                let s = s.trim();
                if !s.is_empty()
                    && stats.values.len() < MAX_VALUES
                    && !stats.values.iter().any(|v| v == s)
                {
                    stats.values.push(s.to_owned());
                }
            }
        }
    }

    pub fn has_key(&self, name: &str) -> bool {
        self.keys.iter().any(|k| k.name == name)
    }
}

fn last_extension(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.rsplit_once('.').filter(|(stem, _)| !stem.is_empty()))
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default()
}

/// A value on one short line, as a user would recognise it.
fn sample(value: &Value) -> String {
    let text = match value {
        Value::String(s) | Value::Datetime(s) => s.trim().to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|n| sample(&n.value)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Table(_) => "{…}".into(),
        Value::Null => String::new(),
    };
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(SAMPLE_CHARS) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

/// `dir`'s one sub-folder that holds all of its `n` Markdown files, as deep as
/// that goes (`content/` with everything in `content/issues/` is `content/issues/`).
fn narrowest(mut dir: PathBuf, n: usize) -> PathBuf {
    loop {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return dir;
        };
        let children: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        // Year folders (`2024/`) are how a write-ups folder is kept, not a folder of its own.
        let by_year = |p: &Path| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
        };
        let holding_all = children.into_iter().filter(|c| !by_year(c)).find(|child| {
            walkdir::WalkDir::new(child)
                .max_depth(4)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| {
                    e.file_type().is_file()
                        && matches!(last_extension(e.path()).as_str(), "md" | "markdown")
                        && !e
                            .file_name()
                            .to_str()
                            .is_some_and(|n| n.eq_ignore_ascii_case("readme.md"))
                })
                .count()
                == n
        });
        match holding_all {
            Some(child) => dir = child,
            None => return dir,
        }
    }
}

/// The folder (the root itself, or one below it) with the most Markdown files.
fn markdown_elsewhere(root: &Path) -> Option<(PathBuf, usize)> {
    let is_markdown = |p: &Path| {
        matches!(last_extension(p).as_str(), "md" | "markdown")
            && !p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.eq_ignore_ascii_case("readme.md"))
    };
    let mut best: Option<(PathBuf, usize)> = None;
    let mut consider = |dir: PathBuf, n: usize| {
        if n > 0 && best.as_ref().is_none_or(|(_, m)| n > *m) {
            best = Some((dir, n));
        }
    };
    let top = std::fs::read_dir(root).ok()?;
    let mut at_top = 0;
    for entry in top.filter_map(Result::ok) {
        let path = entry.path();
        let hidden = entry.file_name().to_str().is_none_or(|n| {
            n.starts_with('.') || ["public", "target", "node_modules"].contains(&n)
        });
        if path.is_dir() && !hidden {
            let n = walkdir::WalkDir::new(&path)
                .max_depth(4)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file() && is_markdown(e.path()))
                .count();
            consider(path, n);
        } else if path.is_file() && is_markdown(&path) {
            at_top += 1;
        }
    }
    consider(root.to_path_buf(), at_top);
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn key(name: &str, kinds: &[ValueKind], values: &[&str]) -> KeyStats {
        KeyStats {
            name: name.into(),
            files: 3,
            sample: values.first().copied().unwrap_or("x").into(),
            kinds: kinds.iter().copied().collect(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    pub(super) fn surveyed(keys: Vec<KeyStats>) -> Survey {
        Survey {
            incidents: PathBuf::from("content/incidents"),
            files: 4,
            with_front_matter: 3,
            keys,
            extensions: vec![("md".into(), 2), ("markdown".into(), 1), ("erb".into(), 1)],
            unreadable: Vec::new(),
        }
    }

    #[test]
    fn value_kinds_tell_dates_from_date_times_and_urls() {
        let kind = |s: &str| ValueKind::of(&Value::String(s.into()));
        assert_eq!(kind("2023-04-11 20:28"), Some(ValueKind::DateTime));
        assert_eq!(kind("2023-04-11"), Some(ValueKind::Date));
        assert_eq!(kind("https://example.com/x"), Some(ValueKind::Url));
        assert_eq!(kind("Acme"), Some(ValueKind::Text));
        assert_eq!(kind("  "), None);
    }

    #[test]
    fn a_file_that_cannot_be_read_is_listed_not_fatal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let incidents = dir.path().join("content/incidents");
        std::fs::create_dir_all(&incidents).expect("mkdir");
        let write = |name: &str, text: &[u8]| std::fs::write(incidents.join(name), text);
        write("a.md", b"---\nsev: SEV2\ntags: [x]\n---\nText.\n").expect("write");
        write("b.md", b"---\nsev: [unclosed\n---\nText.\n").expect("write");
        write("c.png", b"\x89PNG").expect("write");
        write("README.md", b"---\nintro_only: 1\n---\nAbout.\n").expect("write");
        let s = survey(dir.path()).expect("survey");
        assert_eq!(s.files, 2);
        assert_eq!(s.with_front_matter, 1);
        assert_eq!(s.unreadable.len(), 1);
        assert!(s.unreadable[0].0.ends_with("b.md"));
        let names: Vec<&str> = s.keys.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["sev", "tags"]);
        assert_eq!(s.extensions, [("md".to_owned(), 2)]);
    }
}

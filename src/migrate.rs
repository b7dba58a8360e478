//! `casebook migrate`: moves adopted write-ups onto casebook's own format, for a
//! team that is ready to. Each write-up that needs it gets TOML front matter
//! holding what casebook read from it — aliases applied, fallbacks (title, date,
//! id) written out, keys casebook does not know kept under `[extra]` — and its
//! body byte for byte as it was. A file already in casebook's format (TOML, no
//! alias, fallback or unknown key) is not touched, so its comments survive.
//!
//! Migration never loses what a file says: a write-up with a value casebook
//! could not use (a severity off the scale, a date it cannot read, a URL it
//! refuses) is left alone and named, to be fixed by hand first.

use crate::config::Config;
use crate::diagnostic::{relative, Diagnostic, Level};
use crate::load::frontmatter::{Format, Key, Node, Value};
use crate::load::{self, Kind};
use crate::model::incident::{is_valid_id, FollowUpSource, Incident};
use crate::model::{self, Item};
use crate::schema::KNOWN_PATHS;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One file's new text.
#[derive(Debug, Clone, PartialEq)]
pub struct Rewrite {
    /// Relative to the archive root.
    pub path: PathBuf,
    pub old: String,
    pub new: String,
}

impl Rewrite {
    /// A unified diff, as `--dry-run` prints it.
    pub fn diff(&self) -> String {
        let name = self.path.display().to_string();
        similar::TextDiff::from_lines(&self.old, &self.new)
            .unified_diff()
            .context_radius(3)
            .header(&name, &name)
            .to_string()
    }
}

/// What a migration would do.
#[derive(Debug, Default)]
pub struct Plan {
    pub rewrites: Vec<Rewrite>,
    /// Write-ups in casebook's format already.
    pub unchanged: usize,
    /// Write-ups left alone, each with the diagnostic that says why.
    pub held_back: Vec<Diagnostic>,
}

/// Reads every write-up and works out its new text; writes nothing.
pub fn plan(config: &Config) -> Plan {
    let root = &config.root;
    let files: Vec<PathBuf> = load::find_sources(root, &config.file.content)
        .files
        .into_iter()
        .filter(|(kind, _)| *kind == Kind::Incident)
        .map(|(_, path)| path)
        .collect();
    let outcomes: Vec<Outcome> = files
        .par_iter()
        .map(|path| migrate_file(root, path, config))
        .collect();
    let mut plan = Plan::default();
    for outcome in outcomes {
        match outcome {
            Outcome::Rewrite(r) => plan.rewrites.push(r),
            Outcome::Unchanged => plan.unchanged += 1,
            Outcome::HeldBack(d) => plan.held_back.push(d),
        }
    }
    plan
}

/// Writes the plan's files (each through a temporary file and a rename, so a
/// failure leaves every file whole); returns how many were written.
pub fn apply(root: &Path, plan: &Plan) -> Result<usize, MigrateError> {
    for rewrite in &plan.rewrites {
        let path = root.join(&rewrite.path);
        let temp = path.with_file_name(format!(
            ".{}.casebook-migrate",
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("write-up")
        ));
        let write =
            std::fs::write(&temp, &rewrite.new).and_then(|()| std::fs::rename(&temp, &path));
        if let Err(source) = write {
            let _ = std::fs::remove_file(&temp);
            return Err(MigrateError::Write { path, source });
        }
    }
    Ok(plan.rewrites.len())
}

enum Outcome {
    Rewrite(Rewrite),
    Unchanged,
    HeldBack(Diagnostic),
}

fn migrate_file(root: &Path, path: &Path, config: &Config) -> Outcome {
    let rel = relative(root, path);
    let (text, doc) = match read_write_up(path, &rel) {
        Ok(read) => read,
        Err(held_back) => return Outcome::HeldBack(held_back),
    };
    let format = load::frontmatter::split(&text).map_or(Format::None, |s| s.format);
    let stem = doc.stem.clone();
    let body = doc.body.clone();
    let written: Vec<(Key, Node)> = match &doc.front.value {
        Value::Table(entries) => entries.clone(),
        _ => Vec::new(),
    };
    let mut front = doc.front.clone();
    model::apply_aliases(
        &mut front,
        &config.file.front_matter,
        &model::fields::Reporter::new(&rel),
    );
    let read = model::read_source(doc, config);
    let Some(Item::Incident(incident)) = &read.item else {
        return Outcome::Unchanged;
    };
    if let Some(held_back) = lossy_warning(&rel, &read.diagnostics, incident) {
        return Outcome::HeldBack(held_back);
    }
    let extra = extra_keys(&written, &front, &config.file.front_matter.ignore);
    let aliased = config
        .file
        .front_matter
        .aliases
        .iter()
        .any(|a| written.iter().any(|(k, _)| k.name == a.from));
    let native =
        format == Format::Toml && incident.fallbacks.is_empty() && extra.is_empty() && !aliased;
    if native {
        return Outcome::Unchanged;
    }
    let header = front_matter(incident, &front, &stem, extra);
    let new = format!("+++\n{header}+++\n{body}");
    if new == text {
        return Outcome::Unchanged;
    }
    Outcome::Rewrite(Rewrite {
        path: rel,
        old: text,
        new,
    })
}

/// The write-up's text and its parse, or why it is held back: it is not UTF-8,
/// or its front matter cannot be read.
fn read_write_up(path: &Path, rel: &Path) -> Result<(String, load::Document), Diagnostic> {
    let text = match std::fs::read(path).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        _ => {
            return Err(
                Diagnostic::warning(rel, "not migrated: the file cannot be read as UTF-8")
                    .hint("run `casebook check` for the details"),
            )
        }
    };
    match load::parse_document(rel, Kind::Incident, &text) {
        Ok(doc) => Ok((text, doc)),
        Err(d) => Err(
            Diagnostic::warning(rel, format!("not migrated: {}", d.message))
                .hint("run `casebook check` for the details"),
        ),
    }
}

/// The first warning that says migration would lose something the file says,
/// as the diagnostic that holds the write-up back.
fn lossy_warning(
    rel: &Path,
    diagnostics: &[Diagnostic],
    incident: &Incident,
) -> Option<Diagnostic> {
    let lossy = diagnostics
        .iter()
        .find(|d| d.level == Level::Warning && !is_carried_over(d, incident))?;
    Some(
        Diagnostic::warning(rel, format!("not migrated: {}", lossy.message))
            .at_line(lossy.line.unwrap_or(1))
            .hint("fix this by hand first (`casebook check` lists it), then migrate again"),
    )
}

/// What goes under `[extra]`, in file order: ignored keys (the team's data
/// too), keys casebook does not know, and an `[extra]` of an earlier migration
/// or an import as it is.
fn extra_keys(written: &[(Key, Node)], front: &Node, ignore: &[String]) -> Vec<(Key, Node)> {
    let mut extra: Vec<(Key, Node)> = written
        .iter()
        .filter(|(k, _)| ignore.contains(&k.name))
        .cloned()
        .collect();
    extra.extend(unknown_keys(front));
    if let Some(Node {
        value: Value::Table(kept),
        ..
    }) = front.get("extra")
    {
        extra.extend(kept.iter().cloned());
    }
    extra.sort_by_key(|(k, _)| (k.line, k.column));
    extra
}

/// Warnings migration keeps as they are: a fallback (written out now), an
/// unknown key (kept under `[extra]`), a slugified id, a timeline out of order.
fn is_carried_over(d: &Diagnostic, incident: &Incident) -> bool {
    let fallback = matches!(d.field.as_deref(), Some("title" | "date" | "id"))
        && d.line == Some(incident.line)
        && d.column.is_none();
    fallback
        || d.message.starts_with("unknown field")
        || d.message.starts_with("timeline out of order")
        || (d.field.as_deref() == Some("id") && d.message.contains("may only use"))
}

/// Top-level keys that are no write-up field, in file order.
fn unknown_keys(front: &Node) -> Vec<(Key, Node)> {
    let Value::Table(entries) = &front.value else {
        return Vec::new();
    };
    entries
        .iter()
        .filter(|(k, _)| {
            k.name != "extra"
                && !KNOWN_PATHS
                    .iter()
                    .any(|p| p.split('.').next() == Some(k.name.as_str()))
        })
        .cloned()
        .collect()
}

/// The write-up as casebook's TOML front matter.
fn front_matter(inc: &Incident, front: &Node, stem: &str, extra: Vec<(Key, Node)>) -> String {
    use toml::Value as T;
    let mut t = toml::Table::new();
    let given = |key: &str| {
        front
            .get(key)
            .is_some_and(|n| !model::fields::is_absent(&n.value))
    };
    let strings = |v: &[String]| T::Array(v.iter().cloned().map(T::String).collect());
    t.insert("title".into(), T::String(inc.title.clone()));
    if let Some(date) = inc.date.and_then(|d| d.to_string().parse().ok()) {
        t.insert("date".into(), T::Datetime(date));
    }
    if !(is_valid_id(stem) && stem == inc.id) {
        t.insert("id".into(), T::String(inc.id.clone()));
    }
    if let Some(s) = &inc.severity {
        t.insert("severity".into(), T::String(s.clone()));
    }
    if given("status") {
        t.insert("status".into(), T::String(inc.status.as_str().into()));
    }
    for (key, list) in [
        ("systems", &inc.systems),
        ("tags", &inc.tags),
        ("contributing_factors", &inc.contributing_factors),
        ("authors", &inc.authors),
    ] {
        if !list.is_empty() {
            t.insert(key.into(), strings(list));
        }
    }
    if given("summary") {
        if let Some(s) = &inc.summary {
            t.insert("summary".into(), T::String(s.clone()));
        }
    }
    for (key, links) in [("repeat_of", &inc.repeat_of), ("related", &inc.related)] {
        if !links.is_empty() {
            let ids: Vec<String> = links.iter().map(|l| l.id.clone()).collect();
            t.insert(key.into(), strings(&ids));
        }
    }
    if !inc.links.is_empty() {
        let links = inc.links.iter().map(|l| match &l.title {
            Some(title) => {
                let mut link = toml::Table::new();
                link.insert("title".into(), T::String(title.clone()));
                link.insert("url".into(), T::String(l.url.clone()));
                T::Table(link)
            }
            None => T::String(l.url.clone()),
        });
        t.insert("links".into(), T::Array(links.collect()));
    }
    if given("visibility") {
        let v = match inc.visibility {
            model::Visibility::Public => "public",
            model::Visibility::Internal => "internal",
        };
        t.insert("visibility".into(), T::String(v.into()));
    }
    if inc.draft {
        t.insert("draft".into(), T::Boolean(true));
    }
    insert_tables(&mut t, inc);
    if !extra.is_empty() {
        let table: toml::Table = extra
            .into_iter()
            .filter_map(|(k, v)| Some((k.name, to_toml(&v)?)))
            .collect();
        t.insert("extra".into(), T::Table(table));
    }
    toml::to_string(&t).unwrap_or_default()
}

/// `[timeline]`, `[public]` and `[[follow_ups]]` (the front matter's own; task
/// lists stay in the body).
fn insert_tables(t: &mut toml::Table, inc: &Incident) {
    use toml::Value as T;
    let stamp = |ts: jiff::Timestamp| -> Option<T> {
        ts.strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
            .parse()
            .ok()
            .map(T::Datetime)
    };
    let mut timeline = toml::Table::new();
    for (key, value) in [
        ("started", inc.timeline.started),
        ("detected", inc.timeline.detected),
        ("mitigated", inc.timeline.mitigated),
        ("resolved", inc.timeline.resolved),
    ] {
        if let Some(v) = value.and_then(stamp) {
            timeline.insert(key.into(), v);
        }
    }
    if !timeline.is_empty() {
        t.insert("timeline".into(), T::Table(timeline));
    }
    let mut public = toml::Table::new();
    for (key, value) in [
        ("title", &inc.public.title),
        ("summary", &inc.public.summary),
        ("impact", &inc.public.impact),
    ] {
        if let Some(v) = value {
            public.insert(key.into(), T::String(v.clone()));
        }
    }
    if !public.is_empty() {
        t.insert("public".into(), T::Table(public));
    }
    let date = |d: jiff::civil::Date| d.to_string().parse().ok().map(T::Datetime);
    let follow_ups: Vec<T> = inc
        .follow_ups
        .iter()
        .filter(|f| f.source == FollowUpSource::FrontMatter)
        .map(|f| {
            let mut item = toml::Table::new();
            item.insert("title".into(), T::String(f.title.clone()));
            if let Some(o) = &f.owner {
                item.insert("owner".into(), T::String(o.clone()));
            }
            item.insert("status".into(), T::String(f.status.as_str().into()));
            for (key, value) in [("due", f.due), ("done_on", f.done_on)] {
                if let Some(v) = value.and_then(date) {
                    item.insert(key.into(), v);
                }
            }
            if let Some(l) = &f.link {
                item.insert("link".into(), T::String(l.clone()));
            }
            if f.public {
                item.insert("public".into(), T::Boolean(true));
            }
            T::Table(item)
        })
        .collect();
    if !follow_ups.is_empty() {
        t.insert("follow_ups".into(), T::Array(follow_ups));
    }
}

/// A front-matter value as TOML; `None` for what TOML cannot hold (null).
fn to_toml(node: &Node) -> Option<toml::Value> {
    use toml::Value as T;
    Some(match &node.value {
        Value::Null => return None,
        Value::Bool(b) => T::Boolean(*b),
        Value::Integer(i) => T::Integer(*i),
        Value::Float(f) => T::Float(*f),
        Value::String(s) => T::String(s.clone()),
        Value::Datetime(s) => s.parse().map_or_else(|_| T::String(s.clone()), T::Datetime),
        Value::Array(items) => T::Array(items.iter().filter_map(to_toml).collect()),
        Value::Table(entries) => T::Table(
            entries
                .iter()
                .filter_map(|(k, v)| Some((k.name.clone(), to_toml(v)?)))
                .collect(),
        ),
    })
}

//! Import: moves history kept elsewhere into casebook's own format — a Markdown
//! list of postmortem links ([`links`]) or a tracker or spreadsheet export
//! ([`csv`]). The parsers are pure (text in, [`ImportedIncident`]s and warnings
//! out); [`write`] turns them into ordinary TOML write-ups under the archive and
//! skips ids the archive already has, so importing again adds only what is new.
//!
//! It writes files and reads nothing but the source and the archive's ids: it
//! never loads or validates the archive (`casebook check` does that afterwards).

pub mod csv;
pub mod links;

use crate::diagnostic::Diagnostic;
use crate::model::incident::{slugify, Timeline};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Where imported write-ups go unless `--into` says otherwise (relative to the root).
/// The folder new write-ups go to, under the write-ups' folder.
pub const DEFAULT_INTO: &str = "imported";

/// Words of a title kept in its id: ids become URLs and file names.
const ID_WORDS: usize = 8;

/// One write-up to be, read from one list entry or one CSV row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportedIncident {
    pub title: String,
    /// A full calendar day; a write-up without one is undated.
    pub date: Option<Date>,
    /// A year known without its day (from the text or a URL): it prefixes the id
    /// but is not written as a date, which would claim a day nobody knows.
    pub year: Option<i16>,
    /// An id given by the source (a CSV `id` column); default: made from the title.
    pub id: Option<String>,
    /// Markdown.
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub systems: Vec<String>,
    pub severity: Option<String>,
    /// One of casebook's statuses; default "resolved".
    pub status: Option<String>,
    pub authors: Vec<String>,
    pub links: Vec<Link>,
    pub timeline: Timeline,
    /// 1-based line in the source, for messages.
    pub line: u32,
}

/// A URL the write-up points at (the original postmortem, a ticket...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub url: String,
}

/// What a parser read: the write-ups, and warnings about what it left out.
#[derive(Debug, Default)]
pub struct Imported {
    pub incidents: Vec<ImportedIncident>,
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: cannot read the CSV: {message}", .file.display())]
    Csv { file: PathBuf, message: String },
    /// A `--map` that is not `column=field`, or names an unknown column or field.
    #[error("--map {spec}: {message}")]
    Map { spec: String, message: String },
    #[error("{}: no column is mapped to `title`; add e.g. `--map {example}=title`", .file.display())]
    NoTitle { file: PathBuf, example: String },
    #[error("cannot write {id}.md as TOML: {message}")]
    Toml { id: String, message: String },
}

/// Reads a source file as UTF-8 text.
pub fn read_source(path: &Path) -> Result<String, ImportError> {
    std::fs::read_to_string(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Where and how [`write`] puts the files.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    pub root: PathBuf,
    /// The archive's write-ups folder (`[content] incidents`), relative to the root:
    /// ids already there are not imported again.
    pub incidents: PathBuf,
    /// Relative to the root.
    pub into: PathBuf,
    /// The source's name for the body's "Imported from" line.
    pub source_name: String,
    /// Plan the files without writing any.
    pub dry_run: bool,
}

/// One write-up file, written or (in a dry run) to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedFile {
    pub id: String,
    /// Relative to the root.
    pub path: PathBuf,
    pub text: String,
}

/// What [`write`] did.
#[derive(Debug, Default)]
pub struct Report {
    pub written: Vec<ImportedFile>,
    /// Ids the archive already had, in source order.
    pub skipped: Vec<String>,
}

/// Writes one TOML write-up per incident as `INTO/ID.md`, skipping ids that
/// exist anywhere under the write-ups' folder (or in `INTO`). Ids are assigned
/// before the skip, so the same source always yields the same ids.
pub fn write(
    incidents: &[ImportedIncident],
    options: &WriteOptions,
) -> Result<Report, ImportError> {
    let existing = existing_ids(&options.root, &options.incidents, &options.into)?;
    let mut report = Report::default();
    let into = options.root.join(&options.into);
    let mut made_folder = options.dry_run;
    for (incident, id) in incidents.iter().zip(assign_ids(incidents)) {
        if existing.contains(&id) {
            report.skipped.push(id);
            continue;
        }
        let text = write_up(incident, options)?;
        let path = options.into.join(format!("{id}.md"));
        if !options.dry_run {
            if !made_folder {
                std::fs::create_dir_all(&into).map_err(|source| ImportError::Write {
                    path: into.clone(),
                    source,
                })?;
                made_folder = true;
            }
            let full = options.root.join(&path);
            // Never over a file: one made since the scan is skipped like any other.
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&full)
            {
                Ok(mut file) => std::io::Write::write_all(&mut file, text.as_bytes()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    report.skipped.push(id);
                    continue;
                }
                Err(e) => Err(e),
            }
            .map_err(|source| ImportError::Write { path: full, source })?;
        }
        report.written.push(ImportedFile { id, path, text });
    }
    Ok(report)
}

/// `YYYY-MM-DD-slug`, `YYYY-slug` or `slug`; `-2`, `-3`... where two come out alike.
fn assign_ids(incidents: &[ImportedIncident]) -> Vec<String> {
    let mut taken = HashSet::new();
    incidents
        .iter()
        .map(|incident| {
            let base = base_id(incident);
            let id = std::iter::once(base.clone())
                .chain((2..).map(|n| format!("{base}-{n}")))
                .find(|id| !taken.contains(id))
                .unwrap_or(base);
            taken.insert(id.clone());
            id
        })
        .collect()
}

fn base_id(incident: &ImportedIncident) -> String {
    if let Some(id) = incident
        .id
        .as_deref()
        .filter(|id| crate::model::incident::is_valid_id(id))
    {
        return id.to_owned();
    }
    let words: Vec<String> = slugify(&incident.title)
        .split('-')
        .take(ID_WORDS)
        .map(str::to_owned)
        .collect();
    let slug = match words.join("-") {
        s if s.is_empty() => "imported".to_owned(),
        s => s,
    };
    let day = incident
        .date
        .or_else(|| incident.timeline.started.map(utc_day));
    match (day, incident.year) {
        (Some(day), _) => format!("{day}-{slug}"),
        (None, Some(year)) => format!("{year:04}-{slug}"),
        (None, None) => slug,
    }
}

fn utc_day(t: jiff::Timestamp) -> Date {
    t.to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// Ids of the write-ups already there: file stems and `id` values in front matter.
/// A folder or write-up that cannot be read is an error: its ids would be
/// missed, and the import would write them again as new files.
fn existing_ids(
    root: &Path,
    incidents: &Path,
    into: &Path,
) -> Result<HashSet<String>, ImportError> {
    let mut ids = HashSet::new();
    for dir in [root.join(incidents), root.join(into)] {
        for entry in walkdir::WalkDir::new(&dir) {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e)
                    if e.io_error().map(std::io::Error::kind)
                        == Some(std::io::ErrorKind::NotFound) =>
                {
                    continue
                }
                Err(e) => {
                    let path = e.path().unwrap_or(&dir).to_path_buf();
                    return Err(ImportError::Read {
                        path,
                        source: e.into(),
                    });
                }
            };
            let path = entry.path();
            if !entry.file_type().is_file() || path.extension().is_none_or(|e| e != "md") {
                continue;
            }
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                ids.insert(stem.to_owned());
            }
            let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            if let Some(id) = front_matter_id(&String::from_utf8_lossy(&bytes)) {
                ids.insert(id);
            }
        }
    }
    Ok(ids)
}

/// The `id` a front matter sets, TOML (`id = "x"`) or YAML (`id: x`).
fn front_matter_id(text: &str) -> Option<String> {
    let mut lines = text.lines();
    let fence = lines.next()?.trim();
    if fence != "+++" && fence != "---" {
        return None;
    }
    lines.take_while(|l| l.trim() != fence).find_map(|line| {
        let rest = line.strip_prefix("id")?.trim_start();
        let value = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':'))?;
        let value = value.split('#').next()?.trim().trim_matches(['"', '\'']);
        (!value.is_empty()).then(|| value.to_owned())
    })
}

fn toml_date(d: Date) -> toml::value::Date {
    // jiff's civil dates are years -9999..=9999; TOML's are 0..=9999.
    toml::value::Date {
        year: u16::try_from(d.year()).unwrap_or(0),
        month: d.month().unsigned_abs(),
        day: d.day().unsigned_abs(),
    }
}

fn toml_timestamp(t: jiff::Timestamp) -> toml::value::Datetime {
    let utc = t.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    toml::value::Datetime {
        date: Some(toml_date(utc.date())),
        time: Some(toml::value::Time {
            hour: utc.hour().unsigned_abs(),
            minute: utc.minute().unsigned_abs(),
            second: Some(utc.second().unsigned_abs()),
            nanosecond: None,
        }),
        offset: Some(toml::value::Offset::Z),
    }
}

/// One value as inline TOML (strings escaped, lists and tables on one line).
fn inline<T: Serialize + ?Sized>(value: &T) -> Result<String, toml::ser::Error> {
    let mut out = String::new();
    value.serialize(toml::ser::ValueSerializer::new(&mut out))?;
    Ok(out)
}

/// The whole file: `+++` TOML front matter in the order a person would write
/// it, the summary as the first paragraph, and where it came from.
fn write_up(incident: &ImportedIncident, options: &WriteOptions) -> Result<String, ImportError> {
    front_matter(incident)
        .map(|front| {
            let mut text = format!("+++\n{front}+++\n");
            if let Some(summary) = &incident.summary {
                text.push_str(summary);
                text.push_str("\n\n");
            }
            // No day here: an undated write-up's date falls back to the first
            // date in its body, and the day of the import is not the incident's.
            text.push_str(&format!("Imported from {}.\n", options.source_name));
            text
        })
        .map_err(|e| ImportError::Toml {
            id: base_id(incident),
            message: e.to_string(),
        })
}

fn front_matter(incident: &ImportedIncident) -> Result<String, toml::ser::Error> {
    let mut out = String::new();
    let mut line = |key: &str, value: String| out.push_str(&format!("{key} = {value}\n"));
    line("title", inline(&incident.title)?);
    if let Some(date) = incident.date {
        let date = toml::value::Datetime {
            date: Some(toml_date(date)),
            time: None,
            offset: None,
        };
        line("date", inline(&date)?);
    }
    if let Some(severity) = &incident.severity {
        line("severity", inline(severity)?);
    }
    line(
        "status",
        inline(incident.status.as_deref().unwrap_or("resolved"))?,
    );
    for (key, names) in [("systems", &incident.systems), ("tags", &incident.tags)] {
        if !names.is_empty() {
            line(key, inline(names)?);
        }
    }
    if let Some(summary) = &incident.summary {
        line("summary", inline(summary)?);
    }
    if !incident.authors.is_empty() {
        line("authors", inline(&incident.authors)?);
    }
    if !incident.links.is_empty() {
        line("links", inline(&incident.links)?);
    }
    let t = &incident.timeline;
    if !t.is_empty() {
        out.push_str("\n[timeline]\n");
        for (key, at) in [
            ("started", t.started),
            ("detected", t.detected),
            ("mitigated", t.mitigated),
            ("resolved", t.resolved),
        ] {
            if let Some(at) = at {
                out.push_str(&format!("{key} = {}\n", inline(&toml_timestamp(at))?));
            }
        }
    }
    Ok(out)
}

/// Adds a name (tag, system, author) once, as the model accepts it: trimmed,
/// without the path separators it rejects; `-` keeps the slug the name had
/// ("CI/CD" → "CI-CD").
pub(crate) fn add_name(names: &mut Vec<String>, name: &str) {
    let name = name.trim().replace(['/', '\\'], "-");
    if !name.is_empty() && !names.contains(&name) {
        names.push(name);
    }
}

/// Whether casebook keeps a link: only http(s) URLs are worth following.
pub(crate) fn is_web_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && lower.len() > "https://".len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(root: &Path) -> WriteOptions {
        WriteOptions {
            root: root.to_path_buf(),
            incidents: PathBuf::from("content/incidents"),
            into: PathBuf::from("content/incidents").join(DEFAULT_INTO),
            source_name: "list.md".into(),
            dry_run: true,
        }
    }

    fn incident(title: &str) -> ImportedIncident {
        ImportedIncident {
            title: title.into(),
            ..ImportedIncident::default()
        }
    }

    #[test]
    fn ids_take_the_day_or_the_year_and_a_suffix_when_alike() {
        let incidents = [
            ImportedIncident {
                date: Some(jiff::civil::date(2019, 6, 12)),
                ..incident("Acme Corp.")
            },
            ImportedIncident {
                year: Some(2021),
                ..incident("Globex")
            },
            incident("Initech"),
            incident("Initech!"),
            incident("日本"),
        ];
        assert_eq!(
            assign_ids(&incidents),
            [
                "2019-06-12-acme-corp",
                "2021-globex",
                "initech",
                "initech-2",
                "imported"
            ]
        );
    }

    #[test]
    fn front_matter_is_toml_with_every_string_escaped() {
        let root = tempfile::tempdir().expect("tempdir");
        let tricky = ImportedIncident {
            title: "Quote \" backslash \\ and\nnewline".into(),
            summary: Some("**Bold** \"blurb\" with `code`".into()),
            tags: vec!["Config errors".into()],
            links: vec![Link {
                title: Some("Acme".into()),
                url: "https://acme.example/a?b=\"c\"".into(),
            }],
            date: Some(jiff::civil::date(2019, 6, 12)),
            ..incident("")
        };
        let report = write(std::slice::from_ref(&tricky), &options(root.path())).expect("planned");
        let text = &report.written[0].text;
        let front = text
            .strip_prefix("+++\n")
            .and_then(|t| t.split_once("+++\n"))
            .map(|(front, _)| front)
            .expect("fenced");
        let table: toml::Table = front.parse().expect("valid TOML");
        assert_eq!(table["title"].as_str(), Some(tricky.title.as_str()));
        assert_eq!(
            table["date"].as_datetime().map(ToString::to_string),
            Some("2019-06-12".into())
        );
        assert_eq!(
            table["links"][0]["url"].as_str(),
            Some(tricky.links[0].url.as_str())
        );
        assert_eq!(table["status"].as_str(), Some("resolved"));
        assert!(text.ends_with("Imported from list.md.\n"), "{text}");
    }

    #[test]
    fn existing_ids_are_skipped_by_file_name_and_by_id() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("content/incidents/2019");
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("globex.md"), "+++\ntitle = \"x\"\n+++\n").expect("write");
        std::fs::write(
            dir.join("other.md"),
            "---\ntitle: y\nid: initech # set by hand\n---\n",
        )
        .expect("write");
        let report = write(
            &[incident("Acme"), incident("Globex"), incident("Initech")],
            &options(root.path()),
        )
        .expect("planned");
        assert_eq!(report.skipped, ["globex", "initech"]);
        assert_eq!(report.written.len(), 1);
        assert_eq!(
            report.written[0].path,
            Path::new("content/incidents/imported/acme.md")
        );
    }
}

//! The incident write-up as a typed value, and its reading from front matter.
//!
//! Validation that needs one file only happens here (types, severity scale,
//! timeline order, ids, URLs). What a real folder's file does not say (a title,
//! a date, an id) falls back as [`super::fallback`] describes, with a warning;
//! nothing a file can hold makes its incident unreadable here. Cross-file checks
//! (duplicate ids, links) belong to [`super::Archive`].

use super::body;
use super::fallback::{self, Fallback};
use super::fields::{enum_field, Fields, Reporter};
use super::follow_up::read_follow_ups;
pub use super::follow_up::{FollowUp, FollowUpSource, FollowUpStatus, RawFollowUp};
use crate::config::Config;
use crate::diagnostic::did_you_mean;
use crate::load::frontmatter::{Node, Value};
use crate::load::Document;
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    Ongoing,
    Monitoring,
    #[default]
    Resolved,
}

impl IncidentStatus {
    const NAMES: &'static [&'static str] = &["ongoing", "monitoring", "resolved"];

    /// Case-insensitive, with the words status pages use.
    fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ongoing" | "open" | "active" | "investigating" | "identified" => Some(Self::Ongoing),
            "monitoring" => Some(Self::Monitoring),
            "resolved" | "closed" | "done" | "complete" | "completed" | "fixed" => {
                Some(Self::Resolved)
            }
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ongoing => "ongoing",
            Self::Monitoring => "monitoring",
            Self::Resolved => "resolved",
        }
    }
}

/// What happened: an incident, a near miss (it nearly did), or a drill. Near
/// misses and drills are learning too; they are counted apart and left out of
/// time-to-X metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum IncidentKind {
    #[default]
    Incident,
    NearMiss,
    Drill,
}

impl IncidentKind {
    pub const NAMES: &'static [&'static str] = &["incident", "near-miss", "drill"];

    /// Case, spaces and underscores folded: `Near miss`, `near_miss`, `NEAR-MISS`.
    pub fn parse(s: &str) -> Option<Self> {
        let folded: String = s
            .trim()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        match folded.as_str() {
            "incident" | "outage" => Some(Self::Incident),
            "nearmiss" => Some(Self::NearMiss),
            "drill" | "exercise" | "gameday" => Some(Self::Drill),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incident => "incident",
            Self::NearMiss => "near-miss",
            Self::Drill => "drill",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Internal,
    Public,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Timeline {
    pub started: Option<Timestamp>,
    pub detected: Option<Timestamp>,
    pub mitigated: Option<Timestamp>,
    pub resolved: Option<Timestamp>,
}

impl Timeline {
    /// Started <= detected <= mitigated <= resolved, for the steps given. An
    /// out-of-order timeline (usually a typo) gives no durations.
    pub fn in_order(&self) -> bool {
        let steps = [self.started, self.detected, self.mitigated, self.resolved];
        let mut latest = None;
        for step in steps.into_iter().flatten() {
            if latest.is_some_and(|l| step < l) {
                return false;
            }
            latest = Some(step);
        }
        true
    }

    pub fn is_empty(&self) -> bool {
        self.started.is_none()
            && self.detected.is_none()
            && self.mitigated.is_none()
            && self.resolved.is_none()
    }
}

/// The customer-facing root-cause report, written in `[public]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PublicText {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub impact: Option<String>,
}

/// A URL from `links`, with its title when one was given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub title: Option<String>,
    pub url: String,
}

/// An id written in `repeat_of` or `related`, with its line for diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkRef {
    pub id: String,
    #[serde(skip)]
    pub line: u32,
    #[serde(skip)]
    pub column: u32,
}

#[cfg(test)]
impl Incident {
    /// A resolved internal incident with id and title `id`, dated `date`, and
    /// nothing else: tests set what they need with `..Incident::sample(..)`.
    pub(crate) fn sample(id: &str, date: Option<Date>) -> Incident {
        Incident {
            id: id.to_owned(),
            source: PathBuf::from(format!("content/incidents/{id}.md")),
            title: id.to_owned(),
            date,
            severity: None,
            status: IncidentStatus::Resolved,
            kind: IncidentKind::Incident,
            systems: Vec::new(),
            tags: Vec::new(),
            contributing_factors: Vec::new(),
            summary: None,
            summary_from_body: false,
            authors: Vec::new(),
            repeat_of: Vec::new(),
            related: Vec::new(),
            visibility: Visibility::Internal,
            draft: false,
            timeline: Timeline::default(),
            public: PublicText::default(),
            follow_ups: Vec::new(),
            links: Vec::new(),
            fallbacks: Vec::new(),
            body: String::new(),
            body_line: 1,
            attachments: None,
            word_count: 0,
            line: 1,
            hidden_repeat_of: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub id: String,
    /// Relative to the archive root.
    pub source: PathBuf,
    pub title: String,
    /// `None`: undated (listed last, left out of time-based metrics).
    pub date: Option<Date>,
    pub severity: Option<String>,
    pub status: IncidentStatus,
    pub kind: IncidentKind,
    pub systems: Vec<String>,
    pub tags: Vec<String>,
    pub contributing_factors: Vec<String>,
    /// Markdown; from the front matter or the body's first paragraph.
    pub summary: Option<String>,
    /// The summary is the body's first paragraph: the page shows it once, in the body.
    pub summary_from_body: bool,
    pub authors: Vec<String>,
    pub repeat_of: Vec<LinkRef>,
    pub related: Vec<LinkRef>,
    pub visibility: Visibility,
    pub draft: bool,
    pub timeline: Timeline,
    pub public: PublicText,
    pub follow_ups: Vec<FollowUp>,
    /// The original write-up, chat thread, dashboards.
    pub links: Vec<Link>,
    /// What the file did not say, and where casebook found it instead.
    pub fallbacks: Vec<Fallback>,
    /// Markdown body.
    #[serde(skip)]
    pub body: String,
    /// Line of the body's first line in the file, for diagnostics about links.
    #[serde(skip)]
    pub body_line: u32,
    /// A folder write-up's files copied beside its page (`graph.png`,
    /// `img/a.svg`); None for a write-up that is one file.
    pub attachments: Option<Vec<String>>,
    pub word_count: usize,
    /// Line of the first front-matter line, for diagnostics about the whole file.
    #[serde(skip)]
    pub line: u32,
    /// Internal repeat_of links removed by a public build: "this happened before".
    pub hidden_repeat_of: usize,
}

pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The id a file gets when its front matter names none: its name, slugified.
pub fn default_id(stem: &str) -> String {
    if is_valid_id(stem) {
        return stem.to_owned();
    }
    let id = slugify(stem);
    if id.is_empty() {
        "untitled".to_owned()
    } else {
        id
    }
}

/// Reads one incident from its parsed document. Always gives an incident: what
/// is missing or unusable falls back, with a warning in `reporter`.
pub fn read(reporter: &Reporter, doc: &Document, config: &Config) -> Incident {
    let mut fallbacks = Vec::new();
    let front = &doc.front;
    let f = Fields::root(reporter, front);
    if doc.bare {
        fallbacks.push(Fallback {
            field: "front matter",
            source: "none",
        });
    }

    let front_title = f.string("title");
    let (body_text, body_line, heading) = body_below_title(doc, front_title.as_deref());
    let front_summary = f.string("summary");
    let summary_from_body = front_summary.is_none();
    let summary = front_summary
        .or_else(|| super::sections::summary_section(body_text))
        .or_else(|| body::first_paragraph(body_text));
    let title = fallback::read_title(
        &f,
        front_title,
        heading,
        summary.as_deref(),
        &doc.stem,
        &mut fallbacks,
    );
    let timeline = fallback::read_timeline(&f);
    let date = fallback::read_date(&f, &doc.stem, &title, body_text, body_line, &mut fallbacks);
    let id = fallback::read_id(&f, &doc.stem, &mut fallbacks);

    let severity = read_severity(&f, config);
    let status = read_status(&f);
    let kind = enum_field(&f, "kind", IncidentKind::NAMES, IncidentKind::parse).unwrap_or_default();
    let visibility = read_visibility(&f);
    let names = |key: &'static str| read_names(&f, key);
    let links_to = |key: &'static str| read_links_to(&f, key);
    let public = read_public(&f);

    let follow_ups = read_follow_ups(&f, body_text, body_line, &mut fallbacks);
    // `[extra]`: keys `casebook migrate` kept from another format; read by no one.
    f.node("extra");
    let incident = Incident {
        id,
        source: doc.path.clone(),
        title,
        date,
        severity,
        status,
        kind,
        systems: names("systems"),
        tags: names("tags"),
        contributing_factors: names("contributing_factors"),
        summary_from_body: summary_from_body && summary.is_some(),
        summary,
        authors: names("authors"),
        repeat_of: links_to("repeat_of"),
        related: links_to("related"),
        visibility,
        draft: f.bool("draft").unwrap_or(false),
        timeline,
        public,
        follow_ups,
        links: super::url::read_links(&f),
        fallbacks,
        word_count: body::word_count(body_text),
        body: body_text.to_owned(),
        body_line,
        attachments: doc.attachments.clone(),
        line: front.line,
        hidden_repeat_of: 0,
    };
    f.finish();
    incident
}

/// The body without a leading `# Title`, with the line it now starts on, and
/// that heading when it is the title. A leading heading is the title when the
/// front matter has none (the page then shows it once, as the title, so it
/// leaves the body); one that repeats the front matter's title is dropped too
/// (Hugo-style files carry both; a migrated file keeps its heading).
fn body_below_title<'d>(
    doc: &'d Document,
    front_title: Option<&str>,
) -> (&'d str, u32, Option<(String, usize)>) {
    let mut body_text = doc.body.as_str();
    let mut body_line = doc.body_line;
    let heading = fallback::leading_heading(body_text).filter(|(text, _)| {
        front_title.is_none_or(|t| normalize_title(t) == normalize_title(text))
    });
    if let Some((_, index)) = &heading {
        body_text = fallback::drop_lines(body_text, index + 1);
        body_line += *index as u32 + 1;
    }
    let heading = heading.filter(|_| front_title.is_none());
    (body_text, body_line, heading)
}

/// `status`: a name, or `resolved = true`-style booleans some folders use.
fn read_status(f: &Fields<'_>) -> IncidentStatus {
    match f.node("status") {
        Some(Node {
            value: Value::Bool(resolved),
            ..
        }) => {
            if *resolved {
                IncidentStatus::Resolved
            } else {
                IncidentStatus::Ongoing
            }
        }
        _ => enum_field(f, "status", IncidentStatus::NAMES, IncidentStatus::parse)
            .unwrap_or_default(),
    }
}

/// Anything but a clear "public" stays internal: a typo must not publish.
fn read_visibility(f: &Fields<'_>) -> Visibility {
    enum_field(f, "visibility", &["internal", "public"], |s| {
        match s.trim().to_ascii_lowercase().as_str() {
            "internal" | "private" => Some(Visibility::Internal),
            "public" => Some(Visibility::Public),
            _ => None,
        }
    })
    .unwrap_or_default()
}

/// A list of names, trimmed, empty ones and repeats left out.
fn read_names(f: &Fields<'_>, key: &'static str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for (s, _) in f.string_list(key) {
        let s = s.trim().to_owned();
        if !s.is_empty() && !seen.contains(&s) {
            seen.push(s);
        }
    }
    seen
}

/// A list of incident ids (`repeat_of`, `related`), each where it was written;
/// an id that is not one is slugified.
fn read_links_to(f: &Fields<'_>, key: &'static str) -> Vec<LinkRef> {
    f.string_list(key)
        .into_iter()
        .map(|(id, node)| LinkRef {
            id: if is_valid_id(id.trim()) {
                id.trim().to_owned()
            } else {
                slugify(&id)
            },
            line: node.line,
            column: node.column,
        })
        .collect()
}

/// `[public]`: the customer-facing RCA's own text.
fn read_public(f: &Fields<'_>) -> PublicText {
    f.table("public")
        .map(|p| {
            let text = PublicText {
                title: p.string("title"),
                summary: p.string("summary"),
                impact: p.string("impact"),
            };
            p.finish();
            text
        })
        .unwrap_or_default()
}

fn read_severity(f: &Fields<'_>, config: &Config) -> Option<String> {
    let s = f.string("severity")?;
    if let Some(known) = config
        .file
        .severities
        .iter()
        .find(|known| known.eq_ignore_ascii_case(&s))
    {
        return Some(known.clone());
    }
    let node = f.node("severity")?;
    let scale = config.file.severities.join(", ");
    let hint = match did_you_mean(&s, config.file.severities.iter().map(String::as_str)) {
        Some(m) => {
            format!("did you mean \"{m}\"? The scale is {scale} (casebook.toml `severities`)")
        }
        None => format!("use one of {scale}, or declare it in casebook.toml `severities`"),
    };
    f.reporter().warn_at(
        node,
        "severity",
        format!("\"{s}\" is not a severity in this archive; the incident is shown unrated"),
        Some(hint),
    );
    None
}

pub(super) fn check_timeline_order(t: &Fields<'_>, timeline: &Timeline) {
    let steps = [
        ("started", timeline.started),
        ("detected", timeline.detected),
        ("mitigated", timeline.mitigated),
        ("resolved", timeline.resolved),
    ];
    let mut latest: Option<(&str, Timestamp)> = None;
    for (name, value) in steps {
        let Some(value) = value else { continue };
        if let Some((before, at)) = latest {
            if value < at {
                if let Some(node) = t.node(match name {
                    "detected" => "detected",
                    "mitigated" => "mitigated",
                    _ => "resolved",
                }) {
                    t.reporter().warn_at(
                        node,
                        &t.path(name),
                        format!("timeline out of order: {name} ({value}) is before {before} ({at}); its durations count as unknown"),
                        Some("the order is started <= detected <= mitigated <= resolved; check the date and the time zone".into()),
                    );
                }
            }
        }
        if latest.is_none_or(|(_, at)| value >= at) {
            latest = Some((name, value));
        }
    }
}

pub fn normalize_title(title: &str) -> String {
    title
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

pub fn slugify(s: &str) -> String {
    slug(s)
}

//! The incident write-up as a typed value, and its reading from front matter.
//!
//! Validation that needs one file only happens here (types, required fields,
//! severity scale, timeline order, id syntax). Cross-file checks (duplicate ids,
//! links) belong to [`super::Archive`].

use super::body;
use super::fields::{Fields, Reporter};
use crate::config::Config;
use crate::diagnostic::did_you_mean;
use crate::load::frontmatter::Node;
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;
use std::path::PathBuf;

/// Every front-matter path an alias may point at.
pub const KNOWN_PATHS: &[&str] = &[
    "title",
    "date",
    "id",
    "severity",
    "status",
    "systems",
    "tags",
    "contributing_factors",
    "summary",
    "authors",
    "repeat_of",
    "related",
    "visibility",
    "draft",
    "timeline.started",
    "timeline.detected",
    "timeline.mitigated",
    "timeline.resolved",
    "public.title",
    "public.summary",
    "public.impact",
    "follow_ups",
];

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

    fn parse(s: &str) -> Option<Self> {
        match s {
            "ongoing" => Some(Self::Ongoing),
            "monitoring" => Some(Self::Monitoring),
            "resolved" => Some(Self::Resolved),
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Internal,
    Public,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpStatus {
    Open,
    InProgress,
    Done,
    WontDo,
}

impl FollowUpStatus {
    pub const NAMES: &'static [&'static str] = &["open", "in_progress", "done", "wont_do"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Self::Open),
            "in_progress" => Some(Self::InProgress),
            "done" => Some(Self::Done),
            "wont_do" => Some(Self::WontDo),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// Still to do: open or in progress.
    pub fn is_pending(self) -> bool {
        matches!(self, Self::Open | Self::InProgress)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpSource {
    FrontMatter,
    TaskList,
}

/// A follow-up as written, before merging the two sources.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RawFollowUp {
    pub title: String,
    pub owner: Option<String>,
    pub status: FollowUpStatus,
    pub due: Option<Date>,
    pub done_on: Option<Date>,
    pub link: Option<String>,
    pub public: bool,
    pub source: FollowUpSource,
    /// 1-based line in the source file.
    pub line: u32,
    /// The status came from a tracker export (`--follow-up-status`).
    pub from_tracker: bool,
}

pub type FollowUp = RawFollowUp;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Timeline {
    pub started: Option<Timestamp>,
    pub detected: Option<Timestamp>,
    pub mitigated: Option<Timestamp>,
    pub resolved: Option<Timestamp>,
}

impl Timeline {
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

/// An id written in `repeat_of` or `related`, with its line for diagnostics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkRef {
    pub id: String,
    #[serde(skip)]
    pub line: u32,
    #[serde(skip)]
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub id: String,
    /// Relative to the archive root.
    pub source: PathBuf,
    pub title: String,
    pub date: Date,
    pub severity: Option<String>,
    pub status: IncidentStatus,
    pub systems: Vec<String>,
    pub tags: Vec<String>,
    pub contributing_factors: Vec<String>,
    /// Markdown; from the front matter or the body's first paragraph.
    pub summary: Option<String>,
    pub authors: Vec<String>,
    pub repeat_of: Vec<LinkRef>,
    pub related: Vec<LinkRef>,
    pub visibility: Visibility,
    pub draft: bool,
    pub timeline: Timeline,
    pub public: PublicText,
    pub follow_ups: Vec<FollowUp>,
    /// Markdown body.
    #[serde(skip)]
    pub body: String,
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

/// Reads one incident from its parsed front matter and body. Returns `None` when
/// an error makes the incident unusable; the reporter holds why.
pub fn read(
    reporter: &Reporter,
    front: &Node,
    body_text: &str,
    body_line: u32,
    stem: &str,
    source: PathBuf,
    config: &Config,
) -> Option<Incident> {
    let f = Fields::new(reporter, front, "")?;
    let title = f.required_string("title", "every write-up needs `title = \"...\"`");

    let timeline = f.table("timeline").map(|t| {
        let timeline = Timeline {
            started: t.timestamp("started"),
            detected: t.timestamp("detected"),
            mitigated: t.timestamp("mitigated"),
            resolved: t.timestamp("resolved"),
        };
        check_timeline_order(&t, &timeline);
        t.finish();
        timeline
    });
    let timeline = timeline.unwrap_or_default();

    let date_present = f.node("date").is_some();
    let date = f.date("date").or_else(|| {
        timeline
            .started
            .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
    });
    if date.is_none() && !date_present {
        reporter.push(
            crate::diagnostic::Diagnostic::error(&reporter.file, "missing required field `date`")
                .at_line(f.line)
                .field("date")
                .hint("add `date = YYYY-MM-DD`, or a `[timeline]` with `started`"),
        );
    }

    let id = match f.node("id") {
        Some(_) => f.string("id"),
        None => Some(stem.to_owned()),
    };
    let id = id.and_then(|id| {
        if is_valid_id(&id) {
            Some(id)
        } else {
            let (line, column) = f.node("id").map_or((f.line, 0), |n| (n.line, n.column));
            reporter.push(
                crate::diagnostic::Diagnostic::error(
                    &reporter.file,
                    format!("id \"{id}\" may only use a-z, 0-9 and -"),
                )
                .at(line, column)
                .field("id")
                .hint(match f.node("id") {
                    Some(_) => {
                        "ids become URLs: use lowercase letters, digits and dashes".to_owned()
                    }
                    None => format!(
                        "the id defaults to the file name; rename the file or set `id = \"{}\"`",
                        slug(&id)
                    ),
                }),
            );
            None
        }
    });

    let severity = f.string("severity").and_then(|s| {
        if config.severity_rank(&s).is_some() {
            Some(s)
        } else {
            let node = f.node("severity")?;
            let scale = config.file.severities.join(", ");
            let hint = match did_you_mean(&s, config.file.severities.iter().map(String::as_str)) {
                Some(m) => format!(
                    "did you mean \"{m}\"? The scale is {scale} (casebook.toml `severities`)"
                ),
                None => format!("use one of {scale}, or declare it in casebook.toml `severities`"),
            };
            reporter.error_at(
                node,
                "severity",
                format!("\"{s}\" is not a severity in this archive"),
                Some(hint),
            );
            None
        }
    });

    let status =
        enum_field(&f, "status", IncidentStatus::NAMES, IncidentStatus::parse).unwrap_or_default();
    let visibility = enum_field(&f, "visibility", &["internal", "public"], |s| match s {
        "internal" => Some(Visibility::Internal),
        "public" => Some(Visibility::Public),
        _ => None,
    })
    .unwrap_or_default();

    let names = |key: &'static str| -> Vec<String> {
        let mut seen = Vec::new();
        for (s, node) in f.string_list(key) {
            let s = s.trim().to_owned();
            if s.is_empty() || s.contains(['/', '\\']) {
                reporter.error_at(
                    node,
                    key,
                    format!("\"{s}\" is not a usable name"),
                    Some("use short names like \"payments-db\"".into()),
                );
            } else if !seen.contains(&s) {
                seen.push(s);
            }
        }
        seen
    };
    let systems = names("systems");
    let tags = names("tags");
    let contributing_factors = names("contributing_factors");
    let authors = names("authors");
    let links = |key: &'static str| -> Vec<LinkRef> {
        f.string_list(key)
            .into_iter()
            .map(|(id, node)| LinkRef {
                id,
                line: node.line,
                column: node.column,
            })
            .collect()
    };
    let repeat_of = links("repeat_of");
    let related = links("related");
    let draft = f.bool("draft").unwrap_or(false);
    let summary = f
        .string("summary")
        .or_else(|| body::first_paragraph(body_text));

    let public = f
        .table("public")
        .map(|p| {
            let text = PublicText {
                title: p.string("title"),
                summary: p.string("summary"),
                impact: p.string("impact"),
            };
            p.finish();
            text
        })
        .unwrap_or_default();

    let mut follow_ups: Vec<FollowUp> = f
        .tables("follow_ups")
        .into_iter()
        .filter_map(read_follow_up)
        .collect();
    for task in body::task_follow_ups(body_text, body_line) {
        let key = normalize_title(&task.title);
        if !follow_ups
            .iter()
            .any(|fu| normalize_title(&fu.title) == key)
        {
            follow_ups.push(task);
        }
    }

    f.finish();
    Some(Incident {
        id: id?,
        source,
        title: title?,
        date: date?,
        severity,
        status,
        systems,
        tags,
        contributing_factors,
        summary,
        authors,
        repeat_of,
        related,
        visibility,
        draft,
        timeline,
        public,
        follow_ups,
        word_count: body::word_count(body_text),
        body: body_text.to_owned(),
        line: front.line,
        hidden_repeat_of: 0,
    })
}

fn read_follow_up(t: Fields<'_>) -> Option<FollowUp> {
    let title = t.required_string("title", "each [[follow_ups]] needs `title = \"...\"`");
    let status = enum_field(&t, "status", FollowUpStatus::NAMES, FollowUpStatus::parse)
        .unwrap_or(FollowUpStatus::Open);
    let fu = FollowUp {
        title: title?,
        owner: t.string("owner"),
        status,
        due: t.date("due"),
        done_on: t.date("done_on"),
        link: t.string("link"),
        public: t.bool("public").unwrap_or(false),
        source: FollowUpSource::FrontMatter,
        line: t.line,
        from_tracker: false,
    };
    t.finish();
    Some(fu)
}

/// A string field limited to `names`; a bad value gets a "did you mean".
fn enum_field<T>(
    f: &Fields<'_>,
    key: &'static str,
    names: &[&str],
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    let s = f.string(key)?;
    if let Some(v) = parse(&s) {
        return Some(v);
    }
    let node = f.node(key)?;
    let list = names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let hint = match did_you_mean(&s, names.iter().copied()) {
        Some(m) => format!("did you mean \"{m}\"? Allowed: {list}"),
        None => format!("allowed: {list}"),
    };
    f.reporter().error_at(
        node,
        &f.path(key),
        format!("\"{s}\" is not a valid {key}"),
        Some(hint),
    );
    None
}

fn check_timeline_order(t: &Fields<'_>, timeline: &Timeline) {
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
                    t.reporter().error_at(
                        node,
                        &t.path(name),
                        format!("timeline out of order: {name} ({value}) is before {before} ({at})"),
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

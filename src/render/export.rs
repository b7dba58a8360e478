//! Machine-readable outputs: the Atom and JSON feeds, `sitemap.xml` and
//! `casebook.json` (every incident's metadata, derived follow-up states, teams,
//! chains and metrics).

use super::escape as esc;
use crate::analyze::{Analysis, IncidentFacts};
use crate::config::Config;
use crate::model::{Archive, Incident};
use crate::routes::{self, PageId};
use serde::Serialize;

/// A URL relative to the site root, or a page's path, made absolute.
fn absolute(base_url: &str, path: &str) -> String {
    routes::absolute(base_url, path.trim_end_matches("index.html"))
}

/// How many entries a feed holds: the newest.
const FEED_ENTRIES: usize = 50;

/// One feed: its title, where it lives, and its incidents (newest first).
pub(crate) struct Feed<'a> {
    pub title: String,
    /// The page the feed is about, and the feed's own path.
    pub page: String,
    pub path: String,
    pub incidents: &'a [usize],
}

fn open_follow_ups(analysis: &Analysis, i: usize) -> usize {
    analysis.incidents[i]
        .follow_ups
        .iter()
        .filter(|f| f.state.is_pending())
        .count()
}

/// An entry's HTML: its summary, then what a reader asks first (a repeat? still
/// open?).
fn entry_html(
    archive: &Archive,
    analysis: &Analysis,
    md: &super::markdown::Markdown,
    i: usize,
) -> String {
    let summary = archive.incidents[i]
        .summary
        .as_deref()
        .map(|m| md.inline(m))
        .unwrap_or_default();
    format!("{summary}<p>{}</p>", esc(&entry_note(archive, analysis, i)))
}

/// What an entry says besides its summary: a repeat, and open follow-ups.
fn entry_note(archive: &Archive, analysis: &Analysis, i: usize) -> String {
    let inc = &archive.incidents[i];
    let open = open_follow_ups(analysis, i);
    let mut parts = Vec::new();
    if !inc.repeat_of.is_empty() || inc.hidden_repeat_of > 0 {
        parts.push("A repeat: this has happened before.".to_owned());
    }
    if !analysis.incidents[i].recurred_while_open.is_empty() {
        parts.push("It recurred while last time's follow-ups were still open.".to_owned());
    }
    parts.push(match open {
        0 => "No follow-ups open.".to_owned(),
        1 => "1 follow-up open.".to_owned(),
        n => format!("{n} follow-ups open."),
    });
    parts.join(" ")
}

/// The 50 newest incidents as an Atom feed.
pub(crate) fn atom(
    config: &Config,
    archive: &Archive,
    analysis: &Analysis,
    md: &super::markdown::Markdown,
) -> String {
    let all: Vec<usize> = (0..archive.incidents.len()).collect();
    atom_of(
        config,
        archive,
        analysis,
        md,
        &Feed {
            title: config.file.title.clone(),
            page: PageId::Home.url(),
            path: PageId::Feed.path(),
            incidents: &all,
        },
    )
}

/// `feed`'s 50 newest incidents as an Atom feed.
pub(crate) fn atom_of(
    config: &Config,
    archive: &Archive,
    analysis: &Analysis,
    md: &super::markdown::Markdown,
    feed: &Feed<'_>,
) -> String {
    let updated = feed
        .incidents
        .first()
        .and_then(|&i| archive.incidents[i].date)
        .map_or_else(|| config.as_of.to_string(), |d| d.to_string());
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    s.push_str(&format!("<title>{}</title>\n", esc(&feed.title)));
    s.push_str(&format!(
        "<id>{}</id>\n",
        esc(&absolute(&config.base_url, &feed.page))
    ));
    s.push_str(&format!(
        "<link href=\"{}\"/>\n",
        esc(&absolute(&config.base_url, &feed.page))
    ));
    s.push_str(&format!(
        "<link rel=\"self\" href=\"{}\"/>\n",
        esc(&absolute(&config.base_url, &feed.path))
    ));
    s.push_str(&format!(
        "<updated>{updated}T00:00:00Z</updated>\n<generator>casebook</generator>\n"
    ));
    for &i in feed.incidents.iter().take(FEED_ENTRIES) {
        let inc = &archive.incidents[i];
        let url = absolute(&config.base_url, &PageId::incident(&inc.id).url());
        s.push_str("<entry>\n");
        s.push_str(&format!(
            "<title>{}{}</title>\n",
            inc.severity
                .as_deref()
                .map(|s| format!("[{}] ", esc(s)))
                .unwrap_or_default(),
            esc(&inc.title)
        ));
        s.push_str(&format!(
            "<id>{}</id>\n<link href=\"{}\"/>\n",
            esc(&url),
            esc(&url)
        ));
        // Atom requires a date; an undated write-up carries the build's.
        let day = inc.date.unwrap_or(config.as_of);
        s.push_str(&format!("<updated>{day}T00:00:00Z</updated>\n"));
        for a in &inc.authors {
            s.push_str(&format!("<author><name>{}</name></author>\n", esc(a)));
        }
        if inc.authors.is_empty() {
            s.push_str(&format!(
                "<author><name>{}</name></author>\n",
                esc(&config.file.title)
            ));
        }
        for sys in &inc.systems {
            s.push_str(&format!("<category term=\"{}\"/>\n", esc(sys)));
        }
        s.push_str(&format!(
            "<summary type=\"html\">{}</summary>
",
            esc(&entry_html(archive, analysis, md, i))
        ));
        s.push_str("</entry>\n");
    }
    s.push_str("</feed>\n");
    s
}

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: String,
    feed_url: String,
    items: Vec<JsonFeedItem>,
}

#[derive(Serialize)]
struct JsonFeedItem {
    id: String,
    url: String,
    title: String,
    content_html: String,
    /// RFC 3339; an undated write-up carries the build's day.
    date_published: String,
    tags: Vec<String>,
    #[serde(rename = "_casebook")]
    casebook: JsonFeedExtension,
}

/// JSON Feed's extension object: what a reader could filter on.
#[derive(Serialize)]
struct JsonFeedExtension {
    is_repeat: bool,
    recurred_while_open: bool,
    open_follow_ups: usize,
}

/// `feed.json`: the Atom feed's entries as a JSON Feed 1.1.
pub(crate) fn json_feed(
    config: &Config,
    archive: &Archive,
    analysis: &Analysis,
    md: &super::markdown::Markdown,
) -> Vec<u8> {
    let items = archive
        .incidents
        .iter()
        .enumerate()
        .take(FEED_ENTRIES)
        .map(|(i, inc)| {
            let url = absolute(&config.base_url, &PageId::incident(&inc.id).url());
            JsonFeedItem {
                id: url.clone(),
                url,
                title: inc.title.clone(),
                content_html: entry_html(archive, analysis, md, i),
                date_published: format!("{}T00:00:00Z", inc.date.unwrap_or(config.as_of)),
                tags: inc.tags.clone(),
                casebook: JsonFeedExtension {
                    is_repeat: !inc.repeat_of.is_empty() || inc.hidden_repeat_of > 0,
                    recurred_while_open: !analysis.incidents[i].recurred_while_open.is_empty(),
                    open_follow_ups: open_follow_ups(analysis, i),
                },
            }
        })
        .collect();
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &config.file.title,
        home_page_url: absolute(&config.base_url, &PageId::Home.url()),
        feed_url: absolute(&config.base_url, &PageId::JsonFeed.url()),
        items,
    };
    serde_json::to_vec_pretty(&feed).unwrap_or_default()
}

pub(crate) fn sitemap(base_url: &str, paths: &[&str]) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let mut paths: Vec<&&str> = paths.iter().collect();
    paths.sort();
    let pages = paths.into_iter().filter_map(|p| PageId::of_path(p));
    for page in pages.filter(PageId::in_sitemap) {
        s.push_str(&format!(
            "<url><loc>{}</loc></url>\n",
            esc(&routes::absolute(base_url, &page.url()))
        ));
    }
    s.push_str("</urlset>\n");
    s
}

#[derive(Serialize)]
struct JsonFollowUp<'a> {
    title: &'a str,
    owner: Option<&'a str>,
    status: &'static str,
    state: &'static str,
    due: Option<String>,
    done_on: Option<String>,
    link: Option<&'a str>,
    public: bool,
    age_days: Option<i64>,
}

#[derive(Serialize)]
struct JsonIncident<'a> {
    id: &'a str,
    url: String,
    title: &'a str,
    /// `null` for an undated write-up.
    date: Option<String>,
    severity: Option<&'a str>,
    status: &'static str,
    kind: &'static str,
    visibility: &'static str,
    systems: &'a [String],
    tags: &'a [String],
    contributing_factors: &'a [String],
    authors: &'a [String],
    summary: Option<&'a str>,
    repeat_of: Vec<&'a str>,
    repeated_by: Vec<&'a str>,
    related: Vec<&'a str>,
    chain: Option<usize>,
    timeline: &'a crate::model::incident::Timeline,
    time_to_detect_minutes: Option<i64>,
    time_to_mitigate_minutes: Option<i64>,
    time_to_resolve_minutes: Option<i64>,
    follow_ups: Vec<JsonFollowUp<'a>>,
    recurred_while_open: Vec<serde_json::Value>,
    /// Earlier occurrences whose follow-ups were all done (internal builds only:
    /// a public build's archive has only the public follow-ups).
    #[serde(skip_serializing_if = "Option::is_none")]
    fix_did_not_hold: Option<Vec<&'a str>>,
    possibly_related: Vec<serde_json::Value>,
}

#[derive(Serialize)]
struct JsonExport<'a> {
    generator: String,
    as_of: String,
    audience: crate::config::Audience,
    title: &'a str,
    incidents: Vec<JsonIncident<'a>>,
    systems: Vec<serde_json::Value>,
    teams: Vec<serde_json::Value>,
    chains: Vec<Vec<&'a str>>,
    metrics: serde_json::Value,
}

/// `m` as casebook.json holds it: a public build's archive has only the public
/// follow-ups, so it never says how many repeats came although every one was done.
fn metrics_for(config: &Config, m: &crate::analyze::metrics::Metrics) -> serde_json::Value {
    let mut value = serde_json::to_value(m).unwrap_or(serde_json::Value::Null);
    if config.is_public() {
        if let Some(rate) = value
            .get_mut("repeat_rate")
            .and_then(serde_json::Value::as_object_mut)
        {
            rate.remove("fix_did_not_hold");
        }
    }
    value
}

pub(crate) fn json(config: &Config, archive: &Archive, analysis: &Analysis) -> Vec<u8> {
    let export = JsonExport {
        generator: format!("casebook {}", env!("CARGO_PKG_VERSION")),
        as_of: config.as_of.to_string(),
        audience: config.audience,
        title: &config.file.title,
        incidents: archive
            .incidents
            .iter()
            .zip(&analysis.incidents)
            .map(|(inc, facts)| json_incident(config, archive, inc, facts))
            .collect(),
        systems: json_systems(config, archive, analysis),
        teams: json_teams(analysis),
        chains: analysis
            .chains
            .iter()
            .map(|c| {
                c.members
                    .iter()
                    .map(|&m| archive.incidents[m].id.as_str())
                    .collect()
            })
            .collect(),
        metrics: metrics_for(config, &analysis.metrics),
    };
    serde_json::to_vec_pretty(&export).unwrap_or_default()
}

/// One incident of casebook.json, with what the analysis found about it.
fn json_incident<'a>(
    config: &Config,
    archive: &'a Archive,
    inc: &'a Incident,
    f: &IncidentFacts,
) -> JsonIncident<'a> {
    let id = |i: usize| archive.incidents[i].id.as_str();
    JsonIncident {
        id: &inc.id,
        url: PageId::incident(&inc.id).url(),
        title: &inc.title,
        date: inc.date.map(|d| d.to_string()),
        severity: inc.severity.as_deref(),
        status: inc.status.as_str(),
        kind: inc.kind.as_str(),
        visibility: match inc.visibility {
            crate::model::Visibility::Internal => "internal",
            crate::model::Visibility::Public => "public",
        },
        systems: &inc.systems,
        tags: &inc.tags,
        contributing_factors: &inc.contributing_factors,
        authors: &inc.authors,
        summary: inc.summary.as_deref(),
        repeat_of: inc.repeat_of.iter().map(|l| l.id.as_str()).collect(),
        repeated_by: f.repeated_by.iter().map(|&i| id(i)).collect(),
        related: inc.related.iter().map(|l| l.id.as_str()).collect(),
        chain: f.chain.map(|(c, _)| c),
        timeline: &inc.timeline,
        time_to_detect_minutes: f.time_to_detect,
        time_to_mitigate_minutes: f.time_to_mitigate,
        time_to_resolve_minutes: f.time_to_resolve,
        follow_ups: inc
            .follow_ups
            .iter()
            .zip(&f.follow_ups)
            .map(|(fu, fact)| JsonFollowUp {
                title: &fu.title,
                owner: fu.owner.as_deref(),
                status: fu.status.as_str(),
                state: fact.state.as_str(),
                due: fu.due.map(|d| d.to_string()),
                done_on: fu.done_on.map(|d| d.to_string()),
                link: fu.link.as_deref(),
                public: fu.public,
                age_days: fact.age_days,
            })
            .collect(),
        recurred_while_open: f
            .recurred_while_open
            .iter()
            .map(|r| {
                serde_json::json!({
                    "incident": id(r.earlier),
                    "follow_up": archive.incidents[r.earlier].follow_ups[r.follow_up].title,
                    "done_late": r.done_late,
                })
            })
            .collect(),
        fix_did_not_hold: (!config.is_public())
            .then(|| f.fix_did_not_hold.iter().map(|d| id(d.earlier)).collect()),
        possibly_related: f
            .possibly_related
            .iter()
            .map(|&(j, score)| serde_json::json!({ "incident": id(j), "score": score }))
            .collect(),
    }
}

/// casebook.json's systems: each with its follow-up counts, repeats and metrics.
fn json_systems(config: &Config, archive: &Archive, analysis: &Analysis) -> Vec<serde_json::Value> {
    archive
        .systems
        .iter()
        .map(|s| {
            let f = analysis.system(&s.id).cloned().unwrap_or_default();
            serde_json::json!({
                "id": s.id, "name": s.name, "team": s.team, "tier": s.tier, "parent": s.parent,
                "incidents": f.incidents.len(), "open_follow_ups": f.open, "overdue_follow_ups": f.overdue,
                "oldest_open_days": f.oldest_open_days, "completion": f.completion,
                "repeats_last_12_months": f.repeats_last_12_months, "recurred_while_open": f.recurred_while_open,
                "fix_did_not_hold": (!config.is_public()).then_some(f.fix_did_not_hold),
                "metrics": analysis.system_metrics.get(&s.id).map(|m| metrics_for(config, m)),
            })
        })
        .collect()
}

/// casebook.json's teams: their page, systems and follow-up counts.
fn json_teams(analysis: &Analysis) -> Vec<serde_json::Value> {
    analysis
        .teams
        .iter()
        .map(|t| {
            serde_json::json!({
                "id": t.id, "name": t.name, "url": PageId::team(&t.id).url(), "systems": t.systems,
                "incidents": t.incidents.len(), "open_follow_ups": t.open, "overdue_follow_ups": t.overdue,
            })
        })
        .collect()
}

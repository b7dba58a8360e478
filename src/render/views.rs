//! Views: what templates see. Plain serializable structs built from the archive
//! and its analysis, with text already formatted and Markdown already rendered,
//! so templates stay declarative and every page shows facts the same way.

use super::format;
use super::markdown::Markdown;
use crate::analyze::{Analysis, FollowUpFact, FollowUpState, IncidentFacts};
use crate::config::Config;
use crate::model::Archive;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct SiteView {
    pub(super) title: String,
    pub(super) description: String,
    pub(super) base_url: String,
    pub(super) is_public: bool,
    pub(super) as_of: String,
    pub(super) as_of_iso: String,
    pub(super) generator: String,
    pub(crate) incident_count: usize,
    pub(super) has_reading_lists: bool,
    /// Some systems file names a team: the site has `teams/`.
    pub(super) has_teams: bool,
    /// Some write-up names a contributing factor (the nav links the factors page).
    pub(super) has_factors: bool,
    /// The follow-up board is built: always internally, in a public build
    /// only with `public.show_follow_ups`.
    pub(super) has_follow_ups: bool,
    /// The severity scale, worst first (for scripts that colour badges).
    pub(super) severities: Vec<String>,
}

impl SiteView {
    pub(crate) fn new(config: &Config, archive: &Archive) -> Self {
        Self {
            title: site_title(config),
            description: site_description(config),
            base_url: config.base_url.clone(),
            is_public: config.is_public(),
            as_of: format::date(config.as_of),
            as_of_iso: config.as_of.to_string(),
            generator: format!("casebook {}", env!("CARGO_PKG_VERSION")),
            incident_count: archive.incidents.len(),
            has_reading_lists: !archive.reading_lists.is_empty(),
            has_teams: archive.systems.iter().any(|s| {
                s.team
                    .as_deref()
                    .and_then(crate::model::system::team_id)
                    .is_some()
            }),
            has_factors: archive
                .incidents
                .iter()
                .any(|i| !i.contributing_factors.is_empty()),
            has_follow_ups: !config.is_public() || config.file.public.show_follow_ups,
            severities: config.file.severities.clone(),
        }
    }
}

/// The site's name: a public build may have its own (`[public] title`).
pub(super) fn site_title(config: &Config) -> String {
    match &config.file.public.title {
        Some(t) if config.is_public() => t.clone(),
        _ => config.file.title.clone(),
    }
}

/// The home page's sentence: a public build never borrows the internal one.
fn site_description(config: &Config) -> String {
    if !config.is_public() {
        return config.file.description.clone();
    }
    config
        .file
        .public
        .description
        .clone()
        .unwrap_or_else(|| crate::config::PUBLIC_DESCRIPTION.to_owned())
}

/// A system as a link: its id for the URL, its name to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct SystemLink {
    pub(super) id: String,
    pub(super) name: String,
}

/// One incident as a row of a list or table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Row {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) date: String,
    pub(super) date_iso: String,
    /// `2024`, or `undated`.
    pub(super) year: String,
    pub(super) severity: Option<String>,
    /// Position on the scale (0 = worst), for CSS classes; the scale's length when none.
    pub(super) sev_rank: usize,
    pub(super) status: &'static str,
    /// `incident`, `near-miss` or `drill`.
    pub(super) kind: &'static str,
    /// System ids (filters, links).
    pub(super) systems: Vec<String>,
    /// The same systems' names, for display: a systems file's `name`, else the
    /// spelling the write-ups use most.
    pub(super) system_names: Vec<String>,
    /// Both, for links: `{ id, name }`.
    pub(super) system_links: Vec<SystemLink>,
    pub(super) open: usize,
    pub(super) overdue: usize,
    pub(super) follow_ups: usize,
    pub(super) done: usize,
    pub(super) time_to_resolve: Option<String>,
    pub(super) ttr_minutes: Option<i64>,
    pub(super) is_repeat: bool,
    pub(super) draft: bool,
    pub(super) visibility: &'static str,
}

pub(crate) fn row(config: &Config, archive: &Archive, analysis: &Analysis, i: usize) -> Row {
    let inc = &archive.incidents[i];
    let f = &analysis.incidents[i];
    let system_links: Vec<SystemLink> = inc
        .systems
        .iter()
        .map(|s| SystemLink {
            id: s.clone(),
            name: archive
                .system(s)
                .map_or_else(|| s.clone(), |s| s.name.clone()),
        })
        .collect();
    Row {
        id: inc.id.clone(),
        title: inc.title.clone(),
        date: inc.date.map_or_else(|| "undated".to_owned(), format::date),
        date_iso: inc.date.map_or_else(String::new, |d| d.to_string()),
        year: inc
            .date
            .map_or_else(|| "undated".to_owned(), |d| d.year().to_string()),
        severity: inc.severity.clone(),
        sev_rank: inc
            .severity
            .as_deref()
            .and_then(|s| config.severity_rank(s))
            .unwrap_or(config.file.severities.len()),
        status: inc.status.as_str(),
        kind: inc.kind.as_str(),
        systems: inc.systems.clone(),
        system_names: system_links.iter().map(|l| l.name.clone()).collect(),
        system_links,
        open: f.follow_ups.iter().filter(|x| x.state.is_pending()).count(),
        overdue: f.count(FollowUpState::Overdue),
        // Untracked items have no status to count as done or not.
        follow_ups: f.follow_ups.len() - f.count(FollowUpState::Untracked),
        done: f.count(FollowUpState::Done),
        time_to_resolve: f.time_to_resolve.map(format::minutes),
        ttr_minutes: f.time_to_resolve,
        is_repeat: !inc.repeat_of.is_empty() || inc.hidden_repeat_of > 0,
        draft: inc.draft,
        visibility: match inc.visibility {
            crate::model::Visibility::Internal => "internal",
            crate::model::Visibility::Public => "public",
        },
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct FollowUpView {
    pub(super) title: String,
    pub(super) owner: Option<String>,
    pub(super) state: &'static str,
    pub(super) state_label: &'static str,
    pub(super) due: Option<String>,
    pub(super) due_iso: Option<String>,
    pub(super) done_on: Option<String>,
    pub(super) link: Option<String>,
    pub(super) age_days: Option<i64>,
    pub(super) public: bool,
    pub(super) incident_id: String,
    pub(super) incident_title: String,
    pub(super) incident_date: String,
    pub(super) systems: Vec<String>,
}

pub(super) fn follow_up(archive: &Archive, fact: &FollowUpFact) -> FollowUpView {
    let inc = &archive.incidents[fact.incident];
    let f = &inc.follow_ups[fact.index];
    FollowUpView {
        title: f.title.clone(),
        owner: f.owner.clone(),
        state: fact.state.as_str(),
        state_label: fact.state.label(),
        due: f.due.map(format::date),
        due_iso: f.due.map(|d| d.to_string()),
        done_on: f.done_on.map(format::date),
        link: f.link.clone(),
        age_days: fact.age_days,
        public: f.public,
        incident_id: inc.id.clone(),
        incident_title: inc.title.clone(),
        incident_date: inc.date.map_or_else(|| "undated".to_owned(), format::date),
        systems: inc.systems.clone(),
    }
}

/// The parent of system `id`, named as its own page names it (its id if it has no file).
pub(super) fn parent_link(archive: &Archive, id: &str) -> Option<SystemLink> {
    let parent = archive.system(id)?.parent.as_deref()?;
    Some(SystemLink {
        id: parent.to_owned(),
        name: archive
            .system(parent)
            .map_or_else(|| parent.to_owned(), |s| s.name.clone()),
    })
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct LabelValue {
    pub(super) label: String,
    pub(super) value: String,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct ChainMember {
    pub(super) row: Row,
    pub(super) current: bool,
    pub(super) ordinal: String,
    /// Members left out just before this one (see [`CHAIN_NEIGHBOURS`]).
    pub(super) hidden_before: usize,
}

/// How many "recurred while open" items an incident page lists, from the
/// nearest earlier occurrences: every earlier occurrence's open items were
/// listed, so a chain of 2,000 with one open item each wrote two million.
pub(super) const RECURRED_SHOWN: usize = 20;

/// How many occurrences before and after the current one an incident page
/// shows of its chain, besides the first and the last. Every page of a chain
/// used to list all of it: a chain of 2,000 wrote 1.5 GB. The system page
/// lists whole chains, once.
pub(super) const CHAIN_NEIGHBOURS: usize = 5;

#[derive(Debug, Clone, Serialize)]
pub(super) struct ChainView {
    pub(super) index: usize,
    pub(super) length: usize,
    /// "3rd occurrence" of the current incident, when shown on an incident page.
    pub(super) ordinal: Option<String>,
    pub(super) systems: Vec<String>,
    pub(super) members: Vec<ChainMember>,
    pub(super) first: String,
    pub(super) last: String,
    /// A member repeats an incident this (public) archive leaves out: the chain
    /// is not the whole story, so neither positions nor a count are shown.
    pub(super) hidden_earlier: bool,
    /// Members not in `members`, and the system page that lists them all.
    pub(super) hidden: usize,
    pub(super) system: Option<String>,
}

pub(super) fn chain(
    config: &Config,
    archive: &Archive,
    analysis: &Analysis,
    c: usize,
    current: Option<usize>,
) -> ChainView {
    let chain = &analysis.chains[c];
    let hidden_earlier = chain
        .members
        .iter()
        .any(|&m| archive.incidents[m].hidden_repeat_of > 0);
    let at = current.and_then(|cur| chain.members.iter().position(|&m| m == cur));
    let last = chain.members.len().saturating_sub(1);
    let shown = |pos: usize| match at {
        None => true,
        Some(at) => pos == 0 || pos == last || pos.abs_diff(at) <= CHAIN_NEIGHBOURS,
    };
    let mut members: Vec<ChainMember> = Vec::new();
    let mut hidden_before = 0;
    for (pos, &m) in chain.members.iter().enumerate() {
        if !shown(pos) {
            hidden_before += 1;
            continue;
        }
        members.push(ChainMember {
            row: row(config, archive, analysis, m),
            current: Some(m) == current,
            ordinal: if hidden_earlier {
                String::new()
            } else {
                format::ordinal(pos + 1)
            },
            hidden_before: std::mem::take(&mut hidden_before),
        });
    }
    let date = |m: Option<&usize>| {
        m.and_then(|&m| archive.incidents[m].date)
            .map_or_else(|| "undated".to_owned(), format::date)
    };
    ChainView {
        index: c,
        length: chain.members.len(),
        ordinal: at
            .filter(|_| !hidden_earlier)
            .map(|p| format::ordinal(p + 1)),
        systems: chain.systems.clone(),
        first: date(chain.members.first()),
        last: date(chain.members.last()),
        hidden: chain.members.len() - members.len(),
        system: chain.systems.first().cloned(),
        members,
        hidden_earlier,
    }
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct RecurredView {
    pub(super) follow_up: FollowUpView,
    pub(super) earlier: Row,
    pub(super) done_late: bool,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct Progress {
    pub(super) done: usize,
    /// Follow-ups with a known status; untracked ones are counted apart.
    pub(super) total: usize,
    pub(super) wont_do: usize,
    /// Plain bullets under an action heading: no status known.
    pub(super) untracked: usize,
    pub(super) open: usize,
    pub(super) overdue: usize,
    pub(super) percent: usize,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct SimilarView {
    pub(super) row: Row,
    pub(super) score: String,
}

#[derive(Debug, Clone, Serialize)]
pub(super) struct IncidentView {
    pub(super) row: Row,
    pub(super) summary_html: Option<String>,
    /// The summary is the body's first paragraph (shown in the body, not above it).
    pub(super) summary_from_body: bool,
    pub(super) body_html: String,
    pub(super) tags: Vec<String>,
    pub(super) factors: Vec<String>,
    pub(super) authors: Vec<String>,
    pub(super) timeline: Vec<LabelValue>,
    pub(super) durations: Vec<LabelValue>,
    pub(super) follow_ups: Vec<FollowUpView>,
    pub(super) progress: Progress,
    pub(super) repeat_of: Vec<Row>,
    pub(super) repeated_by: Vec<Row>,
    pub(super) related: Vec<Row>,
    pub(super) related_by: Vec<Row>,
    pub(super) chain: Option<ChainView>,
    pub(super) recurred_while_open: Vec<RecurredView>,
    /// Items of `recurred_while_open` left out (see [`RECURRED_SHOWN`]).
    pub(super) recurred_hidden: usize,
    pub(super) possibly_related: Vec<SimilarView>,
    /// "The fix did not hold", "possibly a repeat; OPS-194 still open".
    pub(super) signals: super::repeat_signals::Signals,
    pub(super) hidden_repeat_of: usize,
    pub(super) public_title: Option<String>,
    pub(super) public_summary_html: Option<String>,
    pub(super) public_impact_html: Option<String>,
    pub(super) public_follow_ups: Vec<FollowUpView>,
    /// The systems hit, as customers know them (`public_name`, else `name`).
    pub(super) public_systems: Vec<String>,
    pub(super) has_rca: bool,
    /// The original write-up, chat threads, dashboards (checked URLs).
    pub(super) links: Vec<crate::model::incident::Link>,
    pub(super) source: String,
    pub(super) word_count: usize,
    pub(super) reading_minutes: usize,
}

pub(super) fn reading_minutes(words: usize) -> usize {
    words.div_ceil(200).max(1)
}

pub(super) fn incident(
    config: &Config,
    archive: &Archive,
    analysis: &Analysis,
    md: &Markdown,
    links: &super::links::WriteUpLinks,
    i: usize,
) -> IncidentView {
    let inc = &archive.incidents[i];
    let f = &analysis.incidents[i];
    let rows = |ids: &mut dyn Iterator<Item = usize>| -> Vec<Row> {
        ids.map(|j| row(config, archive, analysis, j)).collect()
    };
    let link_rows = |links: &[crate::model::incident::LinkRef]| -> Vec<Row> {
        rows(&mut links.iter().filter_map(|l| archive.position(&l.id)))
    };
    let follow_ups: Vec<FollowUpView> =
        f.follow_ups.iter().map(|x| follow_up(archive, x)).collect();
    let progress = Progress::of(f);
    let public_follow_ups = follow_ups.iter().filter(|x| x.public).cloned().collect();
    IncidentView {
        row: row(config, archive, analysis, i),
        summary_html: inc
            .summary
            .as_deref()
            .map(|s| links.inline(md, archive, i, "", s)),
        summary_from_body: inc.summary_from_body,
        body_html: links.html(md, archive, i, "", &inc.body),
        tags: inc.tags.clone(),
        factors: inc.contributing_factors.clone(),
        authors: inc.authors.clone(),
        timeline: timeline(&inc.timeline),
        durations: durations(f),
        follow_ups,
        progress,
        links: inc.links.clone(),
        repeat_of: link_rows(&inc.repeat_of),
        repeated_by: rows(&mut f.repeated_by.iter().copied()),
        related: link_rows(&inc.related),
        related_by: rows(&mut f.related_by.iter().copied()),
        chain: f
            .chain
            .map(|(c, _)| chain(config, archive, analysis, c, Some(i))),
        recurred_hidden: f.recurred_while_open.len().saturating_sub(RECURRED_SHOWN),
        // In chain order, oldest first: the last are the nearest.
        recurred_while_open: recurred_views(
            config,
            archive,
            analysis,
            &f.recurred_while_open[f.recurred_while_open.len().saturating_sub(RECURRED_SHOWN)..],
        ),
        possibly_related: f
            .possibly_related
            .iter()
            .map(|&(j, score)| SimilarView {
                row: row(config, archive, analysis, j),
                score: format!("{score:.2}"),
            })
            .collect(),
        signals: super::repeat_signals::signals(config, archive, analysis, i),
        hidden_repeat_of: inc.hidden_repeat_of,
        public_title: inc.public.title.clone(),
        public_summary_html: inc
            .public
            .summary
            .as_deref()
            .map(|s| links.html(md, archive, i, "", s)),
        public_impact_html: inc
            .public
            .impact
            .as_deref()
            .map(|s| links.inline(md, archive, i, "", s)),
        public_follow_ups,
        public_systems: public_systems(archive, inc),
        has_rca: inc.visibility == crate::model::Visibility::Public,
        source: inc.source.display().to_string(),
        word_count: inc.word_count,
        reading_minutes: reading_minutes(inc.word_count),
    }
}

/// The timeline's moments that the write-up gives, in order.
fn timeline(t: &crate::model::incident::Timeline) -> Vec<LabelValue> {
    [
        ("Started", t.started),
        ("Detected", t.detected),
        ("Mitigated", t.mitigated),
        ("Resolved", t.resolved),
    ]
    .into_iter()
    .filter_map(|(label, at)| {
        at.map(|at| LabelValue {
            label: label.into(),
            value: format::timestamp(at),
        })
    })
    .collect()
}

/// Time to detect, mitigate and resolve, where the timeline gives them.
fn durations(f: &IncidentFacts) -> Vec<LabelValue> {
    [
        ("Time to detect", f.time_to_detect),
        ("Time to mitigate", f.time_to_mitigate),
        ("Time to resolve", f.time_to_resolve),
    ]
    .into_iter()
    .filter_map(|(label, m)| {
        m.map(|m| LabelValue {
            label: label.into(),
            value: format::minutes(m),
        })
    })
    .collect()
}

impl Progress {
    /// An incident's follow-ups counted by state; the percentage done leaves
    /// out won't-do and untracked ones.
    fn of(f: &IncidentFacts) -> Progress {
        let all = f.follow_ups.len();
        let wont_do = f.count(FollowUpState::WontDo);
        let done = f.count(FollowUpState::Done);
        let untracked = f.count(FollowUpState::Untracked);
        let counted = all - wont_do - untracked;
        Progress {
            done,
            total: all - untracked,
            wont_do,
            untracked,
            open: f.follow_ups.iter().filter(|x| x.state.is_pending()).count(),
            overdue: f.count(FollowUpState::Overdue),
            percent: (done * 100).checked_div(counted).unwrap_or(0),
        }
    }
}

/// The systems `inc` hit, as customers know them.
fn public_systems(archive: &Archive, inc: &crate::model::Incident) -> Vec<String> {
    inc.systems
        .iter()
        .map(|s| {
            archive
                .system(s)
                .map_or(s.as_str(), |s| s.public_name())
                .to_owned()
        })
        .collect()
}

/// The earlier incidents' follow-ups that were not done when incident `i` happened.
pub(super) fn recurred_while_open(
    config: &Config,
    archive: &Archive,
    analysis: &Analysis,
    i: usize,
) -> Vec<RecurredView> {
    recurred_views(
        config,
        archive,
        analysis,
        &analysis.incidents[i].recurred_while_open,
    )
}

/// `items` as views. One row per earlier incident, not per follow-up: a row
/// counts its incident's follow-ups, and a repeat of a write-up with thousands
/// of open items lists each of them.
fn recurred_views(
    config: &Config,
    archive: &Archive,
    analysis: &Analysis,
    items: &[crate::analyze::OpenAtRecurrence],
) -> Vec<RecurredView> {
    let mut rows: std::collections::HashMap<usize, Row> = Default::default();
    items
        .iter()
        .map(|r| RecurredView {
            follow_up: follow_up(
                archive,
                analysis.incidents[r.earlier]
                    .follow_ups
                    .get(r.follow_up)
                    .unwrap_or(&FollowUpFact {
                        incident: r.earlier,
                        index: r.follow_up,
                        state: FollowUpState::Open,
                        age_days: None,
                    }),
            ),
            earlier: rows
                .entry(r.earlier)
                .or_insert_with(|| row(config, archive, analysis, r.earlier))
                .clone(),
            done_late: r.done_late,
        })
        .collect()
}

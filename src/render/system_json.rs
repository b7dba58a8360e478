//! Per-system data for the places engineers already look (a developer portal's
//! service page, a team dashboard): `systems/index.json` and one
//! `systems/ID/index.json` per system, with the system's recent incidents,
//! repeat chains, open and overdue follow-ups and headline metrics, as of the
//! build. Static files, fetched like any page; the schema is versioned
//! (`"schema": 1`) and documented in the README. A public build writes what its
//! archive holds, which is public data only (see `model::public_view`).

use crate::analyze::{Analysis, FollowUpState, SystemFacts};
use crate::config::Config;
use crate::model::Archive;
use crate::routes::PageId;
use serde::Serialize;

/// Bumped when a field changes meaning or goes away; new fields keep it.
pub(super) const SCHEMA: u32 = 1;
/// How many recent incidents a system's file lists (all are counted).
const RECENT: usize = 10;

#[derive(Serialize)]
struct SystemIndex<'a> {
    schema: u32,
    as_of: String,
    systems: Vec<SystemSummary<'a>>,
}

#[derive(Serialize)]
struct SystemSummary<'a> {
    id: &'a str,
    name: &'a str,
    team: Option<&'a str>,
    url: String,
    data: String,
    incidents: usize,
    last_incident: Option<String>,
    open_follow_ups: usize,
    overdue_follow_ups: usize,
    recurred_while_open: usize,
}

#[derive(Serialize)]
struct SystemData<'a> {
    schema: u32,
    as_of: String,
    system: SystemSummary<'a>,
    tier: Option<i64>,
    parent: Option<&'a str>,
    recent_incidents: Vec<IncidentRef<'a>>,
    repeats_last_12_months: usize,
    chains: Vec<Vec<&'a str>>,
    follow_ups: FollowUps<'a>,
    metrics: Vec<Duration>,
}

#[derive(Serialize)]
struct IncidentRef<'a> {
    id: &'a str,
    title: &'a str,
    date: Option<String>,
    severity: Option<&'a str>,
    status: &'static str,
    url: String,
    is_repeat: bool,
}

#[derive(Serialize)]
struct FollowUps<'a> {
    open: usize,
    overdue: usize,
    oldest_open_days: Option<i64>,
    /// Done over all but won't-do and untracked; null with none.
    completion: Option<f64>,
    /// Overdue, open and in progress, most urgent first.
    pending: Vec<PendingFollowUp<'a>>,
}

#[derive(Serialize)]
struct PendingFollowUp<'a> {
    title: &'a str,
    state: &'static str,
    owner: Option<&'a str>,
    due: Option<String>,
    link: Option<&'a str>,
    age_days: Option<i64>,
    incident: &'a str,
}

#[derive(Serialize)]
struct Duration {
    key: &'static str,
    definition: &'static str,
    n: usize,
    unknown: usize,
    median_minutes: Option<i64>,
    /// Only for n >= 10: a p90 of fewer says nothing.
    p90_minutes: Option<i64>,
}

/// Absolute with `base_url`, else relative to the site's root (a consumer joins
/// it to wherever the site is published).
fn url(config: &Config, path: &str) -> String {
    if config.base_url.is_empty() {
        path.to_owned()
    } else {
        format!("{}/{path}", config.base_url)
    }
}

fn summary<'a>(
    config: &Config,
    archive: &'a Archive,
    analysis: &Analysis,
    id: &'a str,
) -> SystemSummary<'a> {
    let system = archive.system(id);
    let facts = analysis.system(id);
    SystemSummary {
        id,
        name: system.map_or(id, |s| s.name.as_str()),
        team: system.and_then(|s| s.team.as_deref()),
        url: url(config, &PageId::system(id).url()),
        data: url(config, &PageId::SystemData(id.to_owned()).url()),
        incidents: facts.map_or(0, |f| f.incidents.len()),
        last_incident: facts
            .and_then(|f| f.incidents.first())
            .and_then(|&i| archive.incidents[i].date)
            .map(|d| d.to_string()),
        open_follow_ups: facts.map_or(0, |f| f.open),
        overdue_follow_ups: facts.map_or(0, |f| f.overdue),
        recurred_while_open: facts.map_or(0, |f| f.recurred_while_open),
    }
}

/// `systems/index.json`.
pub(super) fn index(config: &Config, archive: &Archive, analysis: &Analysis) -> Vec<u8> {
    let data = SystemIndex {
        schema: SCHEMA,
        as_of: analysis.as_of.to_string(),
        systems: archive
            .systems
            .iter()
            .map(|s| summary(config, archive, analysis, &s.id))
            .collect(),
    };
    serde_json::to_vec_pretty(&data).unwrap_or_default()
}

/// `systems/ID/index.json`.
pub(super) fn system(config: &Config, archive: &Archive, analysis: &Analysis, id: &str) -> Vec<u8> {
    let facts = analysis.system(id).cloned().unwrap_or_default();
    let system = archive.system(id);
    let data = SystemData {
        schema: SCHEMA,
        as_of: analysis.as_of.to_string(),
        system: summary(config, archive, analysis, id),
        tier: system.and_then(|s| s.tier),
        parent: system.and_then(|s| s.parent.as_deref()),
        recent_incidents: recent_incidents(config, archive, &facts),
        repeats_last_12_months: facts.repeats_last_12_months,
        chains: facts
            .chains
            .iter()
            .map(|&c| {
                analysis.chains[c]
                    .members
                    .iter()
                    .map(|&m| archive.incidents[m].id.as_str())
                    .collect()
            })
            .collect(),
        follow_ups: FollowUps {
            open: facts.open,
            overdue: facts.overdue,
            oldest_open_days: facts.oldest_open_days,
            completion: facts.completion,
            pending: pending_follow_ups(archive, &facts),
        },
        metrics: durations(analysis, id),
    };
    serde_json::to_vec_pretty(&data).unwrap_or_default()
}

/// The system's newest incidents, at most [`RECENT`].
fn recent_incidents<'a>(
    config: &Config,
    archive: &'a Archive,
    facts: &SystemFacts,
) -> Vec<IncidentRef<'a>> {
    facts
        .incidents
        .iter()
        .take(RECENT)
        .map(|&i| {
            let inc = &archive.incidents[i];
            IncidentRef {
                id: &inc.id,
                title: &inc.title,
                date: inc.date.map(|d| d.to_string()),
                severity: inc.severity.as_deref(),
                status: inc.status.as_str(),
                url: url(config, &PageId::incident(&inc.id).url()),
                is_repeat: !inc.repeat_of.is_empty() || inc.hidden_repeat_of > 0,
            }
        })
        .collect()
}

/// The system's overdue, open and in-progress follow-ups: overdue first, then
/// by due date, then by incident.
fn pending_follow_ups<'a>(archive: &'a Archive, facts: &SystemFacts) -> Vec<PendingFollowUp<'a>> {
    let incident = |i: usize| &archive.incidents[i];
    let mut pending: Vec<&crate::analyze::FollowUpFact> = facts
        .follow_ups
        .iter()
        .filter(|f| f.state.is_pending())
        .collect();
    pending.sort_by_key(|f| {
        let fu = &incident(f.incident).follow_ups[f.index];
        (f.state != FollowUpState::Overdue, fu.due, f.incident)
    });
    pending
        .into_iter()
        .map(|f| {
            let inc = incident(f.incident);
            let fu = &inc.follow_ups[f.index];
            PendingFollowUp {
                title: &fu.title,
                state: f.state.as_str(),
                owner: fu.owner.as_deref(),
                due: fu.due.map(|d| d.to_string()),
                link: fu.link.as_deref(),
                age_days: f.age_days,
                incident: &inc.id,
            }
        })
        .collect()
}

/// The system's time-to-X metrics, with a p90 only where n is at least 10.
fn durations(analysis: &Analysis, id: &str) -> Vec<Duration> {
    analysis
        .system_metrics
        .get(id)
        .map(|m| {
            m.durations
                .iter()
                .map(|d| Duration {
                    key: d.key,
                    definition: d.definition,
                    n: d.n,
                    unknown: d.unknown,
                    median_minutes: d.median,
                    p90_minutes: d.p90.filter(|_| d.n >= 10),
                })
                .collect()
        })
        .unwrap_or_default()
}

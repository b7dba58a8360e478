//! Analyze: facts derived from the [`Archive`] as of one day — backlinks, repeat
//! chains, follow-ups still open when an incident recurred (or all done: "the
//! fix did not hold"), related incidents with overdue follow-ups, follow-up
//! states and metrics. Pure functions of the archive and the as-of date: the same inputs give
//! the same site. Nothing here renders.

pub mod adoption;
pub mod expectations;
pub mod fix_held;
pub mod links;
pub mod lint;
pub mod metrics;
pub mod open_related;
pub mod reading;
pub mod repeat_rate;
pub mod similar;
pub mod teams;

use crate::model::{Archive, FollowUp, FollowUpStatus, Incident};
use jiff::civil::Date;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// A follow-up's state on the as-of day. Overdue is open or in progress past due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpState {
    Overdue,
    Open,
    InProgress,
    Done,
    WontDo,
    /// No status known (a plain bullet under an action heading).
    Untracked,
}

impl FollowUpState {
    pub const ALL: [FollowUpState; 6] = [
        Self::Overdue,
        Self::Open,
        Self::InProgress,
        Self::Done,
        Self::WontDo,
        Self::Untracked,
    ];

    pub fn of(f: &FollowUp, as_of: Date) -> Self {
        match f.status {
            FollowUpStatus::Open | FollowUpStatus::InProgress
                if f.due.is_some_and(|d| d < as_of) =>
            {
                Self::Overdue
            }
            FollowUpStatus::Open => Self::Open,
            FollowUpStatus::InProgress => Self::InProgress,
            FollowUpStatus::Done => Self::Done,
            FollowUpStatus::WontDo => Self::WontDo,
            FollowUpStatus::Untracked => Self::Untracked,
        }
    }

    /// Done, or still to do: what completion rates divide by (won't-do and
    /// untracked items are neither).
    pub fn counts_toward_completion(self) -> bool {
        !matches!(self, Self::WontDo | Self::Untracked)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Overdue => "overdue",
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Done => "done",
            Self::WontDo => "wont_do",
            Self::Untracked => "untracked",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Overdue => "Overdue",
            Self::Open => "Open",
            Self::InProgress => "In progress",
            Self::Done => "Done",
            Self::WontDo => "Won't do",
            Self::Untracked => "Untracked",
        }
    }

    pub fn is_pending(self) -> bool {
        matches!(self, Self::Overdue | Self::Open | Self::InProgress)
    }
}

/// Where one follow-up stands, with its place in the archive.
#[derive(Debug, Clone, Serialize)]
pub struct FollowUpFact {
    pub incident: usize,
    pub index: usize,
    pub state: FollowUpState,
    /// Days since the incident for pending items; days to completion for done ones (when `done_on` is known).
    pub age_days: Option<i64>,
}

/// An earlier incident's follow-up that was not done on the day a repeat happened.
#[derive(Debug, Clone, Serialize)]
pub struct OpenAtRecurrence {
    pub earlier: usize,
    pub follow_up: usize,
    /// Done, but only after the repeat.
    pub done_late: bool,
}

/// Incidents linked by repeat_of, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct Chain {
    pub members: Vec<usize>,
    /// Systems every member shares, else the systems of the first member.
    pub systems: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct IncidentFacts {
    /// Later incidents naming this one in repeat_of.
    pub repeated_by: Vec<usize>,
    /// Incidents naming this one in related.
    pub related_by: Vec<usize>,
    /// (chain index, 0-based position in it).
    pub chain: Option<(usize, usize)>,
    pub recurred_while_open: Vec<OpenAtRecurrence>,
    /// Earlier occurrences whose follow-ups were all done when this one
    /// happened ("the fix did not hold"; see [`fix_held`]).
    pub fix_did_not_hold: Vec<fix_held::DoneBefore>,
    /// Related (not repeat) earlier incidents with a shared contributing
    /// factor and an overdue follow-up ("possibly a repeat"; see [`open_related`]).
    pub open_on_related: Vec<open_related::OpenOnRelated>,
    pub follow_ups: Vec<FollowUpFact>,
    pub time_to_detect: Option<i64>,
    pub time_to_mitigate: Option<i64>,
    pub time_to_resolve: Option<i64>,
    /// Possible repeats found by text similarity: (incident, score).
    pub possibly_related: Vec<(usize, f32)>,
}

impl IncidentFacts {
    pub fn count(&self, state: FollowUpState) -> usize {
        self.follow_ups.iter().filter(|f| f.state == state).count()
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SystemFacts {
    /// Newest first.
    pub incidents: Vec<usize>,
    pub chains: Vec<usize>,
    pub follow_ups: Vec<FollowUpFact>,
    pub open: usize,
    pub overdue: usize,
    pub oldest_open_days: Option<i64>,
    /// Done / (all but won't do), when there is any.
    pub completion: Option<f64>,
    pub repeats_last_12_months: usize,
    pub recurred_while_open: usize,
    /// Repeats on this system although every follow-up of the earlier
    /// occurrences was done.
    pub fix_did_not_hold: usize,
    pub children: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub as_of: Date,
    pub incidents: Vec<IncidentFacts>,
    pub chains: Vec<Chain>,
    pub systems: BTreeMap<String, SystemFacts>,
    /// Teams named by systems files, by name.
    pub teams: Vec<teams::Team>,
    /// Every follow-up, most urgent first (overdue by due date, then open...).
    pub follow_ups: Vec<FollowUpFact>,
    pub tags: BTreeMap<String, Vec<usize>>,
    pub factors: BTreeMap<String, Vec<usize>>,
    pub metrics: metrics::Metrics,
    pub system_metrics: BTreeMap<String, metrics::Metrics>,
    /// Per reading list (archive order): its items, explicit then from its rule.
    pub reading_lists: Vec<Vec<reading::ResolvedItem>>,
    /// Per incident: the reading lists it is in, with its position.
    pub in_reading_lists: Vec<Vec<(usize, usize)>>,
}

impl Analysis {
    pub fn system(&self, id: &str) -> Option<&SystemFacts> {
        self.systems.get(id)
    }

    pub fn team(&self, id: &str) -> Option<&teams::Team> {
        self.teams.iter().find(|t| t.id == id)
    }
}

/// `scale` is the configured severity scale, worst first; `similarity` is None
/// when possible repeats are not wanted (e.g. public builds).
pub fn analyze(
    archive: &Archive,
    scale: &[String],
    as_of: Date,
    similarity: Option<&crate::config::SimilarityConfig>,
) -> Analysis {
    let n = archive.incidents.len();
    let mut facts: Vec<IncidentFacts> = archive
        .incidents
        .par_iter()
        .enumerate()
        .map(|(i, inc)| incident_facts(i, inc, as_of))
        .collect();
    link_back(archive, &mut facts);
    let chains = chains(archive);
    mark_chains(archive, &chains, &mut facts);
    repeat_signals(archive, &chains, &mut facts);
    if let Some(config) = similarity {
        suggest_repeats(archive, config, &mut facts);
    }
    let systems = system_facts(archive, &facts, &chains, as_of);
    let teams = teams::teams(archive, &systems);
    let follow_ups = most_urgent_first(archive, &facts);
    let (tags, factors) = terms(archive);
    let all: Vec<usize> = (0..n).collect();
    let (metrics, system_metrics) = rayon::join(
        || metrics::compute(archive, &facts, &all, scale, as_of),
        || {
            systems
                .par_iter()
                .map(|(id, sf)| {
                    (
                        id.clone(),
                        metrics::compute(archive, &facts, &sf.incidents, scale, as_of),
                    )
                })
                .collect()
        },
    );

    let (reading_lists, in_reading_lists) = reading_positions(archive, &facts);
    Analysis {
        as_of,
        incidents: facts,
        chains,
        systems,
        teams,
        follow_ups,
        tags,
        factors,
        metrics,
        system_metrics,
        reading_lists,
        in_reading_lists,
    }
}

/// Each incident learns who names it in `repeat_of` and `related`.
fn link_back(archive: &Archive, facts: &mut [IncidentFacts]) {
    for (i, inc) in archive.incidents.iter().enumerate() {
        for link in &inc.repeat_of {
            if let Some(j) = archive.position(&link.id) {
                facts[j].repeated_by.push(i);
            }
        }
        for link in &inc.related {
            if let Some(j) = archive.position(&link.id) {
                facts[j].related_by.push(i);
            }
        }
    }
}

/// Each chain member's place in its chain, and the earlier members' follow-ups
/// that were still open when it recurred.
fn mark_chains(archive: &Archive, chains: &[Chain], facts: &mut [IncidentFacts]) {
    for (c, chain) in chains.iter().enumerate() {
        for (pos, &m) in chain.members.iter().enumerate() {
            facts[m].chain = Some((c, pos));
            let repeat = &archive.incidents[m];
            for earlier in fix_held::earlier_occurrences(archive, &chain.members, pos) {
                let e = &archive.incidents[earlier];
                for (fi, fu) in e.follow_ups.iter().enumerate() {
                    let open_then = match fu.status {
                        FollowUpStatus::Open | FollowUpStatus::InProgress => true,
                        FollowUpStatus::Done => fu
                            .done_on
                            .zip(repeat.date)
                            .is_some_and(|(done, repeat_day)| done > repeat_day),
                        FollowUpStatus::WontDo | FollowUpStatus::Untracked => false,
                    };
                    if open_then {
                        let done_late = fu.status == FollowUpStatus::Done;
                        facts[m].recurred_while_open.push(OpenAtRecurrence {
                            earlier,
                            follow_up: fi,
                            done_late,
                        });
                    }
                }
            }
        }
    }
}

/// What a repeat says besides its chain: the fix that did not hold, and a
/// related earlier incident with an overdue follow-up.
fn repeat_signals(archive: &Archive, chains: &[Chain], facts: &mut [IncidentFacts]) {
    let held = fix_held::did_not_hold(archive, chains, facts);
    for (f, held) in facts.iter_mut().zip(held) {
        f.fix_did_not_hold = held;
    }
    let open_on_related = open_related::open_on_related(archive, facts);
    for (f, found) in facts.iter_mut().zip(open_on_related) {
        f.open_on_related = found;
    }
}

/// Possible repeats: incidents that read alike but are not linked (not in one
/// chain, and neither names the other).
fn suggest_repeats(
    archive: &Archive,
    config: &crate::config::SimilarityConfig,
    facts: &mut [IncidentFacts],
) {
    let linked = |i: usize, j: usize| {
        let same_chain =
            matches!((facts[i].chain, facts[j].chain), (Some((a, _)), Some((b, _))) if a == b);
        let (a, b) = (&archive.incidents[i], &archive.incidents[j]);
        same_chain
            || a.related.iter().chain(&a.repeat_of).any(|l| l.id == b.id)
            || b.related.iter().chain(&b.repeat_of).any(|l| l.id == a.id)
    };
    let found = similar::possible_repeats(archive, &linked, config);
    for (f, found) in facts.iter_mut().zip(found) {
        f.possibly_related = found;
    }
}

/// Per system: its incidents, follow-ups, repeats of the last year, chains,
/// children and follow-up summary.
fn system_facts(
    archive: &Archive,
    facts: &[IncidentFacts],
    chains: &[Chain],
    as_of: Date,
) -> BTreeMap<String, SystemFacts> {
    let mut systems: BTreeMap<String, SystemFacts> = archive
        .systems
        .iter()
        .map(|s| (s.id.clone(), SystemFacts::default()))
        .collect();
    let year_ago = as_of
        .checked_sub(jiff::Span::new().years(1))
        .unwrap_or(as_of);
    for (i, inc) in archive.incidents.iter().enumerate() {
        for s in &inc.systems {
            if let Some(sf) = systems.get_mut(s) {
                sf.incidents.push(i);
                sf.follow_ups.extend(facts[i].follow_ups.iter().cloned());
                if !inc.repeat_of.is_empty() && inc.date.is_some_and(|d| d >= year_ago) {
                    sf.repeats_last_12_months += 1;
                }
                sf.recurred_while_open += facts[i].recurred_while_open.len();
                sf.fix_did_not_hold += usize::from(!facts[i].fix_did_not_hold.is_empty());
            }
        }
    }
    for (c, chain) in chains.iter().enumerate() {
        let mut touched: Vec<&String> = chain
            .members
            .iter()
            .flat_map(|&m| &archive.incidents[m].systems)
            .collect();
        touched.sort();
        touched.dedup();
        for s in touched {
            if let Some(sf) = systems.get_mut(s) {
                sf.chains.push(c);
            }
        }
    }
    for s in &archive.systems {
        if let Some(parent) = &s.parent {
            if let Some(pf) = systems.get_mut(parent) {
                pf.children.push(s.id.clone());
            }
        }
    }
    for sf in systems.values_mut() {
        summarize_follow_ups(sf);
    }
    systems
}

/// Every follow-up, most urgent first.
fn most_urgent_first(archive: &Archive, facts: &[IncidentFacts]) -> Vec<FollowUpFact> {
    let mut follow_ups: Vec<FollowUpFact> = facts
        .iter()
        .flat_map(|f| f.follow_ups.iter().cloned())
        .collect();
    // Keys computed once: comparing through the archive was most of a
    // preview rebuild's analysis at 10,000 write-ups.
    follow_ups.sort_by_cached_key(|f| {
        let due = archive.incidents[f.incident].follow_ups[f.index].due;
        (f.state, due, f.incident)
    });
    follow_ups
}

/// Incidents by tag and by contributing factor.
type ByTerm = BTreeMap<String, Vec<usize>>;

fn terms(archive: &Archive) -> (ByTerm, ByTerm) {
    let mut tags: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut factors: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, inc) in archive.incidents.iter().enumerate() {
        // Looked up before inserting: most terms are there already, and an
        // owned key would be a copy per use.
        for (terms, map) in [
            (&inc.tags, &mut tags),
            (&inc.contributing_factors, &mut factors),
        ] {
            for t in terms {
                match map.get_mut(t) {
                    Some(ids) => ids.push(i),
                    None => {
                        map.insert(t.clone(), vec![i]);
                    }
                }
            }
        }
    }
    (tags, factors)
}

/// Every reading list's items, and per incident the lists it is in with its place.
type ReadingPositions = (Vec<Vec<reading::ResolvedItem>>, Vec<Vec<(usize, usize)>>);

fn reading_positions(archive: &Archive, facts: &[IncidentFacts]) -> ReadingPositions {
    let n = archive.incidents.len();
    let chained: Vec<bool> = facts.iter().map(|f| f.chain.is_some()).collect();
    let reading_lists = reading::resolve(archive, &chained);
    let mut in_reading_lists = vec![Vec::new(); n];
    for (l, items) in reading_lists.iter().enumerate() {
        for (pos, item) in items.iter().enumerate() {
            in_reading_lists[item.incident].push((l, pos));
        }
    }
    (reading_lists, in_reading_lists)
}

fn minutes(from: Option<jiff::Timestamp>, to: Option<jiff::Timestamp>) -> Option<i64> {
    let d = to?.duration_since(from?);
    Some(d.as_secs() / 60)
}

fn incident_facts(i: usize, inc: &Incident, as_of: Date) -> IncidentFacts {
    let t = &inc.timeline;
    // Near misses and drills have no customer-facing durations to compare.
    let timed = t.in_order() && inc.kind == crate::model::incident::IncidentKind::Incident;
    IncidentFacts {
        follow_ups: inc
            .follow_ups
            .iter()
            .enumerate()
            .map(|(fi, f)| {
                let state = FollowUpState::of(f, as_of);
                let age_days = inc.date.and_then(|day| {
                    if state.is_pending() {
                        Some((as_of - day).get_days() as i64)
                    } else {
                        f.done_on.map(|d| (d - day).get_days() as i64)
                    }
                });
                FollowUpFact {
                    incident: i,
                    index: fi,
                    state,
                    age_days,
                }
            })
            .collect(),
        time_to_detect: timed.then(|| minutes(t.started, t.detected)).flatten(),
        time_to_mitigate: timed.then(|| minutes(t.started, t.mitigated)).flatten(),
        time_to_resolve: timed.then(|| minutes(t.started, t.resolved)).flatten(),
        ..IncidentFacts::default()
    }
}

fn summarize_follow_ups(sf: &mut SystemFacts) {
    sf.open = sf
        .follow_ups
        .iter()
        .filter(|f| f.state.is_pending())
        .count();
    sf.overdue = sf
        .follow_ups
        .iter()
        .filter(|f| f.state == FollowUpState::Overdue)
        .count();
    sf.oldest_open_days = sf
        .follow_ups
        .iter()
        .filter(|f| f.state.is_pending())
        .filter_map(|f| f.age_days)
        .max();
    let counted = sf
        .follow_ups
        .iter()
        .filter(|f| f.state.counts_toward_completion())
        .count();
    let done = sf
        .follow_ups
        .iter()
        .filter(|f| f.state == FollowUpState::Done)
        .count();
    sf.completion = (counted > 0).then(|| done as f64 / counted as f64);
}

/// Connected components of the repeat_of graph, each oldest first.
fn chains(archive: &Archive) -> Vec<Chain> {
    let n = archive.incidents.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut linked = vec![false; n];
    for (i, inc) in archive.incidents.iter().enumerate() {
        for link in &inc.repeat_of {
            if let Some(j) = archive.position(&link.id) {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                parent[a] = b;
                linked[i] = true;
                linked[j] = true;
            }
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in (0..n).filter(|&i| linked[i]) {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut chains: Vec<Chain> = groups
        .into_values()
        .map(|mut members| {
            // Incidents are stored newest first, so a higher index is older.
            members.sort_by(|a, b| b.cmp(a));
            let first = &archive.incidents[members[0]].systems;
            let shared: Vec<String> = first
                .iter()
                .filter(|s| {
                    members
                        .iter()
                        .all(|&m| archive.incidents[m].systems.contains(s))
                })
                .cloned()
                .collect();
            Chain {
                systems: if shared.is_empty() {
                    first.clone()
                } else {
                    shared
                },
                members,
            }
        })
        .collect();
    // Newest occurrence first (a lower index is newer).
    chains.sort_by_key(|c| c.members.last().copied());
    chains
}

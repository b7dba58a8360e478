//! Which pages show an incident, for a kind of change. The list pages that show
//! every incident (indexes, the board, tags, metrics ...) are not named here:
//! they show all of them, and a preview renders them again whenever anything
//! they show changed. What is named are the pages that show a few incidents:
//! other incidents' pages (through links, chains, reading lists and possible
//! repeats) and the pages of the incident's systems and their teams.
//!
//! Whoever makes a page show another incident says so here, or a preview
//! leaves it stale (the differential test in `tests/integration` notices).

use super::PageId;
use crate::analyze::Analysis;
use crate::model::{self, Archive};
use std::collections::{BTreeSet, HashMap, HashSet};

/// What changed about an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// Only its body text: its own pages change, and the pages that show its
    /// reading time or summary ([`PageId::shows_body`]).
    Body,
    /// What other pages show of it (title, dates, severity, follow-ups,
    /// links, systems): its own pages, the pages of the incidents that show
    /// it, of its systems and of their teams.
    Listed,
}

/// The pages that show the incidents `changed` (by id), before and after
/// the change: an incident that left a chain or a system is still shown on
/// the pages it left until they are rendered again. Incident pages come as
/// [`PageId::Incident`] (its RCA page goes with it), then systems and teams.
pub(crate) fn incidents_showing(
    before: (&Archive, &Analysis),
    after: (&Archive, &Analysis),
    changed: &HashSet<String>,
    change: Change,
) -> Vec<PageId> {
    if change == Change::Body {
        return changed.iter().map(|id| PageId::incident(id)).collect();
    }
    let mut incidents: BTreeSet<String> = changed.iter().cloned().collect();
    let mut systems: BTreeSet<String> = BTreeSet::new();
    for (archive, analysis) in [before, after] {
        let suggesting = suggested_by(archive, analysis, changed);
        for id in changed {
            let Some(i) = archive.position(id) else {
                continue;
            };
            neighbours(archive, analysis, &suggesting, i, &mut incidents);
            systems.extend(archive.incidents[i].systems.iter().cloned());
        }
    }
    let (archive, _) = after;
    // Team pages show their systems' incidents as system pages do.
    let teams: BTreeSet<String> = systems
        .iter()
        .filter_map(|s| archive.system(s)?.team.as_deref())
        .filter_map(model::system::team_id)
        .collect();
    let systems = systems.into_iter().filter(|s| archive.system(s).is_some());
    incidents
        .into_iter()
        .map(PageId::Incident)
        .chain(systems.map(PageId::System))
        .chain(teams.into_iter().map(PageId::Team))
        .collect()
}

/// For each of the incidents `of` (by id), the incidents that list it as a
/// possible repeat. One pass, keeping only what will be looked up.
fn suggested_by(
    archive: &Archive,
    analysis: &Analysis,
    of: &HashSet<String>,
) -> HashMap<usize, Vec<usize>> {
    let targets: HashSet<usize> = of.iter().filter_map(|id| archive.position(id)).collect();
    let mut by: HashMap<usize, Vec<usize>> = HashMap::new();
    for (j, f) in analysis.incidents.iter().enumerate() {
        for &(k, _) in &f.possibly_related {
            if targets.contains(&k) {
                by.entry(k).or_default().push(j);
            }
        }
    }
    by
}

/// Ids of the incidents whose pages show incident `i`: links both ways, chain
/// members, reading-list neighbours and possible repeats either way.
fn neighbours(
    archive: &Archive,
    analysis: &Analysis,
    suggested_by: &HashMap<usize, Vec<usize>>,
    i: usize,
    out: &mut BTreeSet<String>,
) {
    let inc = &archive.incidents[i];
    let facts = &analysis.incidents[i];
    let mut add = |j: usize| {
        if let Some(other) = archive.incidents.get(j) {
            out.insert(other.id.clone());
        }
    };
    for link in inc.repeat_of.iter().chain(&inc.related) {
        if let Some(j) = archive.position(&link.id) {
            add(j);
        }
    }
    facts
        .repeated_by
        .iter()
        .chain(&facts.related_by)
        .for_each(|&j| add(j));
    if let Some((c, _)) = facts.chain {
        analysis.chains[c].members.iter().for_each(|&j| add(j));
    }
    for &(l, pos) in &analysis.in_reading_lists[i] {
        let items = &analysis.reading_lists[l];
        for p in [pos.wrapping_sub(1), pos + 1] {
            if let Some(item) = items.get(p) {
                add(item.incident);
            }
        }
    }
    suggested_by
        .get(&i)
        .into_iter()
        .flatten()
        .for_each(|&j| add(j));
    facts.possibly_related.iter().for_each(|&(j, _)| add(j));
}

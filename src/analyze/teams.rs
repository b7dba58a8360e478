//! Teams: the systems files' `team` values grouped by their slug (`Payments`
//! and `payments` are one team), each with its systems, their incidents and the
//! follow-ups it owes. Teams are listed by name, never by a count: nothing here
//! ranks one team against another.

use super::{FollowUpFact, FollowUpState, SystemFacts};
use crate::model::system::team_id;
use crate::model::Archive;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// One team, as its systems files name it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Team {
    /// The slug of its name: the URL segment of `teams/ID/`.
    pub id: String,
    /// The spelling most of its systems files use (the first among equals).
    pub name: String,
    /// Its systems' ids, in the archive's (id) order.
    pub systems: Vec<String>,
    /// Incidents on any of its systems, newest first, each once.
    pub incidents: Vec<usize>,
    /// Pending follow-ups it owes by system (a follow-up of an incident on two
    /// of its systems is owed under the first the write-up names), oldest first.
    pub owed: Vec<(String, Vec<FollowUpFact>)>,
    pub open: usize,
    pub overdue: usize,
}

/// Spellings of one team name, each with how many systems files use it.
type Spellings = Vec<(String, usize)>;

/// Every team of the archive, in order of name (case folded).
pub fn teams(archive: &Archive, systems: &BTreeMap<String, SystemFacts>) -> Vec<Team> {
    // Per team id: its systems and every spelling with its count.
    let mut by_id: BTreeMap<String, (Vec<String>, Spellings)> = BTreeMap::new();
    for s in &archive.systems {
        let Some(name) = s.team.as_deref() else {
            continue;
        };
        let Some(id) = team_id(name) else {
            continue;
        };
        let (members, spellings) = by_id.entry(id).or_default();
        members.push(s.id.clone());
        match spellings.iter_mut().find(|(n, _)| n == name) {
            Some((_, count)) => *count += 1,
            None => spellings.push((name.to_owned(), 1)),
        }
    }
    let mut teams: Vec<Team> = by_id
        .into_iter()
        .map(|(id, (members, spellings))| {
            let name = most_used(&spellings).unwrap_or(&id).to_owned();
            team(archive, systems, id, name, members)
        })
        .collect();
    teams.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.id.cmp(&b.id))
    });
    teams
}

fn most_used(spellings: &[(String, usize)]) -> Option<&str> {
    let mut best: Option<&(String, usize)> = None;
    for entry in spellings {
        if best.is_none_or(|b| entry.1 > b.1) {
            best = Some(entry);
        }
    }
    best.map(|(name, _)| name.as_str())
}

fn team(
    archive: &Archive,
    systems: &BTreeMap<String, SystemFacts>,
    id: String,
    name: String,
    members: Vec<String>,
) -> Team {
    let mut incidents: Vec<usize> = members
        .iter()
        .filter_map(|s| systems.get(s))
        .flat_map(|f| f.incidents.iter().copied())
        .collect();
    // Incidents are stored newest first: a lower position is newer.
    incidents.sort_unstable();
    incidents.dedup();
    let owned: HashSet<&str> = members.iter().map(String::as_str).collect();
    let mut owed: BTreeMap<&str, Vec<FollowUpFact>> = BTreeMap::new();
    for &i in &incidents {
        let Some(system) = archive.incidents[i]
            .systems
            .iter()
            .find(|s| owned.contains(s.as_str()))
        else {
            continue;
        };
        let pending = systems
            .get(system)
            .into_iter()
            .flat_map(|f| &f.follow_ups)
            .filter(|f| f.incident == i && f.state.is_pending());
        owed.entry(system).or_default().extend(pending.cloned());
    }
    let mut owed: Vec<(String, Vec<FollowUpFact>)> = members
        .iter()
        .filter_map(|s| owed.remove(s.as_str()).map(|list| (s.clone(), list)))
        .collect();
    for (_, list) in &mut owed {
        // Oldest first: the longest open; undated write-ups (no age) last.
        list.sort_by_key(|f| {
            (
                f.age_days.is_none(),
                std::cmp::Reverse(f.age_days),
                std::cmp::Reverse(f.incident),
                f.index,
            )
        });
    }
    let all = owed.iter().flat_map(|(_, list)| list);
    let open = all.clone().count();
    let overdue = all.filter(|f| f.state == FollowUpState::Overdue).count();
    Team {
        id,
        name,
        systems: members,
        incidents,
        owed,
        open,
        overdue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_ids_fold_case_and_punctuation_and_need_a_letter() {
        assert_eq!(
            team_id("Payments & Billing").as_deref(),
            Some("payments-billing")
        );
        assert_eq!(
            team_id("payments  billing").as_deref(),
            Some("payments-billing")
        );
        assert_eq!(team_id("—"), None);
    }

    #[test]
    fn the_most_used_spelling_names_the_team() {
        let spellings = vec![("payments".to_owned(), 1), ("Payments".to_owned(), 2)];
        assert_eq!(most_used(&spellings), Some("Payments"));
        let tie = vec![("payments".to_owned(), 1), ("Payments".to_owned(), 1)];
        assert_eq!(most_used(&tie), Some("payments"));
    }
}

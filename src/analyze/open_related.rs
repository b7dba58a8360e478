//! "Possibly a repeat; OPS-194 still open": an incident linked as `related` (in
//! either direction, not by `repeat_of`) to an earlier one that shares a
//! contributing factor with it and still has an overdue follow-up. The authors
//! did not call it a repeat, but the same cause came back while last time's
//! promise was past due — the page says so. Pure: reads the archive and the
//! follow-up states the analysis already made; renders nothing.
//!
//! What counts, for incident I and a related incident J:
//! - J is not in I's repeat chain (a repeat already says "this happened before");
//! - J is dated on or before I (both dated: an undated J cannot be called earlier);
//! - J and I name at least one contributing factor in common;
//! - at least one of J's follow-ups is overdue as of the build day.

use super::{FollowUpState, IncidentFacts};
use crate::model::Archive;
use serde::Serialize;

/// A related, earlier incident with the same factor and an overdue follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenOnRelated {
    pub related: usize,
    /// The contributing factors both name, in I's order.
    pub factors: Vec<String>,
    /// Indices of J's overdue follow-ups, in J's order.
    pub overdue: Vec<usize>,
}

/// Per incident (archive order), nearest related incident first.
pub fn open_on_related(archive: &Archive, facts: &[IncidentFacts]) -> Vec<Vec<OpenOnRelated>> {
    (0..archive.incidents.len())
        .map(|i| {
            let inc = &archive.incidents[i];
            let mut related: Vec<usize> = inc
                .related
                .iter()
                .filter_map(|l| archive.position(&l.id))
                .chain(facts[i].related_by.iter().copied())
                .collect();
            // Archive order is newest first: the nearest earlier one comes first.
            related.sort_unstable();
            related.dedup();
            related
                .into_iter()
                .filter_map(|j| open_on(archive, facts, i, j))
                .collect()
        })
        .collect()
}

fn open_on(
    archive: &Archive,
    facts: &[IncidentFacts],
    i: usize,
    j: usize,
) -> Option<OpenOnRelated> {
    let (inc, other) = (&archive.incidents[i], &archive.incidents[j]);
    let same_chain = matches!(
        (facts[i].chain, facts[j].chain),
        (Some((a, _)), Some((b, _))) if a == b
    );
    let earlier = other.date.zip(inc.date).is_some_and(|(o, d)| o <= d);
    if i == j || same_chain || !earlier {
        return None;
    }
    let factors: Vec<String> = inc
        .contributing_factors
        .iter()
        .filter(|f| other.contributing_factors.contains(f))
        .cloned()
        .collect();
    let overdue: Vec<usize> = facts[j]
        .follow_ups
        .iter()
        .filter(|f| f.state == FollowUpState::Overdue)
        .map(|f| f.index)
        .collect();
    (!factors.is_empty() && !overdue.is_empty()).then_some(OpenOnRelated {
        related: j,
        factors,
        overdue,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::FollowUpFact;
    use crate::model::Incident;
    use jiff::civil::{date, Date};
    use std::sync::Arc;

    fn incident(id: &str, day: Option<Date>, factors: &[&str]) -> Arc<Incident> {
        Arc::new(Incident {
            contributing_factors: factors.iter().map(|f| (*f).to_owned()).collect(),
            ..Incident::sample(id, day)
        })
    }

    fn state(incident: usize, index: usize, state: FollowUpState) -> FollowUpFact {
        FollowUpFact {
            incident,
            index,
            state,
            age_days: None,
        }
    }

    /// Two incidents linked as related: `newer` at position 0, `older` at 1,
    /// with `older`'s follow-ups in the states given.
    fn case(
        newer: Arc<Incident>,
        older: Arc<Incident>,
        older_states: &[FollowUpState],
    ) -> (Archive, Vec<IncidentFacts>) {
        let mut archive = Archive::default();
        archive.incidents = vec![newer, older];
        let mut facts = vec![IncidentFacts::default(); 2];
        facts[0].related_by.push(1);
        facts[1].related_by.push(0);
        facts[1].follow_ups = older_states
            .iter()
            .enumerate()
            .map(|(k, &s)| state(1, k, s))
            .collect();
        (archive, facts)
    }

    #[test]
    fn a_related_earlier_incident_with_the_factor_and_an_overdue_item_is_named() {
        let (archive, facts) = case(
            incident("new", Some(date(2026, 11, 24)), &["batch-job", "alerting"]),
            incident("old", Some(date(2024, 9, 3)), &["alerting", "batch-job"]),
            &[FollowUpState::Done, FollowUpState::Overdue],
        );
        let found = open_on_related(&archive, &facts);
        assert_eq!(
            found[0],
            vec![OpenOnRelated {
                related: 1,
                factors: vec!["batch-job".to_owned(), "alerting".to_owned()],
                overdue: vec![1],
            }]
        );
        assert!(found[1].is_empty(), "the later incident is not earlier");
    }

    #[test]
    fn no_shared_factor_no_overdue_item_or_the_same_chain_says_nothing() {
        let day = |d| Some(date(2025, 1, d));
        let open = [FollowUpState::Open, FollowUpState::InProgress];
        let cases = [
            (&["a"][..], &["b"][..], &[FollowUpState::Overdue][..]),
            (&["a"], &["a"], &open[..]),
            (&["a"], &["a"], &[][..]),
        ];
        for (new_factors, old_factors, states) in cases {
            let (archive, facts) = case(
                incident("new", day(20), new_factors),
                incident("old", day(2), old_factors),
                states,
            );
            assert!(open_on_related(&archive, &facts)[0].is_empty());
        }
        let (archive, mut facts) = case(
            incident("new", day(20), &["a"]),
            incident("old", day(2), &["a"]),
            &[FollowUpState::Overdue],
        );
        facts[0].chain = Some((0, 1));
        facts[1].chain = Some((0, 0));
        assert!(open_on_related(&archive, &facts)[0].is_empty());
    }

    #[test]
    fn an_undated_incident_is_never_called_earlier() {
        let (archive, facts) = case(
            incident("new", Some(date(2025, 1, 20)), &["a"]),
            incident("old", None, &["a"]),
            &[FollowUpState::Overdue],
        );
        assert!(open_on_related(&archive, &facts)[0].is_empty());
    }
}

//! "The fix did not hold": repeats that came although every follow-up of the
//! earlier occurrences was done — the signal that last time's lessons were
//! acted on and were not enough, as opposed to "recurred while open" (they were
//! not acted on in time). Pure: reads the chains and the recurred-while-open
//! facts the analysis already made; renders nothing.
//!
//! What counts, for a repeat R and the earlier occurrences of its chain (those
//! dated before R, or undated, as for recurred-while-open):
//! - nothing of theirs was still open on R's day (R did not recur while open);
//! - every earlier occurrence that has follow-ups had each of them **done**
//!   (status done) on or before R's day (a done item without `done_on` is taken
//!   as done in time, as recurred-while-open takes it);
//! - a single won't-do or untracked item (a plain bullet, status unknown) rules
//!   R out: then not *every* follow-up was done, and casebook does not claim so;
//! - at least one earlier occurrence had follow-ups (an earlier incident with
//!   none had no fix to hold).
//!
//! Such a repeat names the earlier occurrences whose follow-ups were all done.

use super::{Chain, IncidentFacts};
use crate::model::{Archive, FollowUpStatus, Incident};
use jiff::civil::Date;
use serde::Serialize;

/// An earlier occurrence every one of whose follow-ups was done before a repeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoneBefore {
    pub earlier: usize,
    /// How many follow-ups it had, all done.
    pub follow_ups: usize,
    /// The latest `done_on` among them, when any is known.
    pub last_done: Option<Date>,
}

/// The chain members before position `pos` that can have preceded it: dated
/// before it, or either undated (then the chain's order is all there is).
pub fn earlier_occurrences<'a>(
    archive: &'a Archive,
    members: &'a [usize],
    pos: usize,
) -> impl Iterator<Item = usize> + 'a {
    let repeat_day = archive.incidents[members[pos]].date;
    members[..pos]
        .iter()
        .copied()
        .filter(move |&e| match (archive.incidents[e].date, repeat_day) {
            (Some(earlier_day), Some(repeat_day)) => earlier_day < repeat_day,
            _ => true,
        })
}

/// Per incident (archive order): the earlier occurrences whose follow-ups were
/// all done when it repeated, oldest first; empty unless the fix did not hold.
pub fn did_not_hold(
    archive: &Archive,
    chains: &[Chain],
    facts: &[IncidentFacts],
) -> Vec<Vec<DoneBefore>> {
    let mut out = vec![Vec::new(); archive.incidents.len()];
    for chain in chains {
        for (pos, &m) in chain.members.iter().enumerate().skip(1) {
            if !facts[m].recurred_while_open.is_empty() {
                continue;
            }
            let repeat_day = archive.incidents[m].date;
            let mut done = Vec::new();
            let mut all_done = true;
            for e in earlier_occurrences(archive, &chain.members, pos) {
                match all_done_by(&archive.incidents[e], repeat_day) {
                    Verdict::NoFollowUps => {}
                    Verdict::NotAllDone => all_done = false,
                    Verdict::AllDone {
                        follow_ups,
                        last_done,
                    } => done.push(DoneBefore {
                        earlier: e,
                        follow_ups,
                        last_done,
                    }),
                }
            }
            if all_done && !done.is_empty() {
                // Chain order is oldest first already.
                out[m] = done;
            }
        }
    }
    out
}

enum Verdict {
    NoFollowUps,
    NotAllDone,
    AllDone {
        follow_ups: usize,
        last_done: Option<Date>,
    },
}

/// Whether every follow-up of `earlier` was done by `repeat_day`.
fn all_done_by(earlier: &Incident, repeat_day: Option<Date>) -> Verdict {
    if earlier.follow_ups.is_empty() {
        return Verdict::NoFollowUps;
    }
    let in_time = |f: &crate::model::FollowUp| {
        f.status == FollowUpStatus::Done
            && match (f.done_on, repeat_day) {
                (Some(done), Some(day)) => done <= day,
                _ => true,
            }
    };
    if !earlier.follow_ups.iter().all(in_time) {
        return Verdict::NotAllDone;
    }
    Verdict::AllDone {
        follow_ups: earlier.follow_ups.len(),
        last_done: earlier.follow_ups.iter().filter_map(|f| f.done_on).max(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::OpenAtRecurrence;
    use crate::model::follow_up::FollowUpSource;
    use crate::model::FollowUp;
    use jiff::civil::date;
    use std::sync::Arc;

    fn follow_up(status: FollowUpStatus, done_on: Option<Date>) -> FollowUp {
        FollowUp {
            title: "Alert on replica lag".to_owned(),
            owner: None,
            status,
            due: None,
            done_on,
            link: None,
            public: false,
            source: FollowUpSource::FrontMatter,
            line: 1,
            from_tracker: false,
        }
    }

    fn incident(id: &str, day: Option<Date>, follow_ups: Vec<FollowUp>) -> Arc<Incident> {
        Arc::new(Incident {
            systems: vec!["db".to_owned()],
            follow_ups,
            ..Incident::sample(id, day)
        })
    }

    /// A chain of the given incidents, given newest first (archive order), and
    /// the verdict for each.
    fn verdicts(incidents: Vec<Arc<Incident>>, open: &[usize]) -> Vec<Vec<DoneBefore>> {
        let mut archive = Archive::default();
        let n = incidents.len();
        archive.incidents = incidents;
        let chain = Chain {
            members: (0..n).rev().collect(),
            systems: vec!["db".to_owned()],
        };
        let mut facts = vec![IncidentFacts::default(); n];
        for &i in open {
            facts[i].recurred_while_open.push(OpenAtRecurrence {
                earlier: n - 1,
                follow_up: 0,
                done_late: false,
            });
        }
        did_not_hold(&archive, &[chain], &facts)
    }

    const DONE: FollowUpStatus = FollowUpStatus::Done;

    #[test]
    fn a_repeat_after_every_follow_up_was_done_did_not_hold() {
        let v = verdicts(
            vec![
                incident("b", Some(date(2025, 3, 1)), vec![]),
                incident(
                    "a",
                    Some(date(2025, 1, 1)),
                    vec![
                        follow_up(DONE, Some(date(2025, 1, 20))),
                        follow_up(DONE, None),
                    ],
                ),
            ],
            &[],
        );
        assert_eq!(
            v[0],
            vec![DoneBefore {
                earlier: 1,
                follow_ups: 2,
                last_done: Some(date(2025, 1, 20)),
            }]
        );
        assert!(v[1].is_empty(), "the first occurrence repeats nothing");
    }

    #[test]
    fn wont_do_untracked_late_or_open_items_are_not_every_follow_up_done() {
        for other in [
            follow_up(FollowUpStatus::WontDo, None),
            follow_up(FollowUpStatus::Untracked, None),
            follow_up(FollowUpStatus::Open, None),
            follow_up(DONE, Some(date(2025, 4, 1))),
        ] {
            let v = verdicts(
                vec![
                    incident("b", Some(date(2025, 3, 1)), vec![]),
                    incident(
                        "a",
                        Some(date(2025, 1, 1)),
                        vec![follow_up(DONE, None), other.clone()],
                    ),
                ],
                &[],
            );
            assert!(v[0].is_empty(), "{:?} counted as done", other.status);
        }
    }

    #[test]
    fn an_earlier_occurrence_without_follow_ups_had_no_fix_to_hold() {
        let v = verdicts(
            vec![
                incident("c", Some(date(2025, 5, 1)), vec![]),
                incident("b", Some(date(2025, 3, 1)), vec![follow_up(DONE, None)]),
                incident("a", Some(date(2025, 1, 1)), vec![]),
            ],
            &[],
        );
        assert!(v[1].is_empty(), "a had no follow-ups at all");
        assert_eq!(v[0].len(), 1, "c came after b's follow-ups were all done");
        assert_eq!(v[0][0].earlier, 1);
    }

    #[test]
    fn a_repeat_that_recurred_while_open_is_not_also_a_fix_that_did_not_hold() {
        let v = verdicts(
            vec![
                incident("b", Some(date(2025, 3, 1)), vec![]),
                incident("a", Some(date(2025, 1, 1)), vec![follow_up(DONE, None)]),
            ],
            &[0],
        );
        assert!(v[0].is_empty());
    }

    #[test]
    fn an_occurrence_on_the_same_day_is_not_earlier() {
        let day = Some(date(2025, 3, 1));
        let v = verdicts(
            vec![
                incident("b", day, vec![]),
                incident("a", day, vec![follow_up(DONE, None)]),
            ],
            &[],
        );
        assert!(v[0].is_empty());
    }
}

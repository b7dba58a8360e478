//! What an incident page's repeat block says beyond the chain and the
//! follow-ups that were still open: "the fix did not hold" (it repeated
//! although every follow-up of an earlier occurrence was done) and "possibly a
//! repeat; OPS-194 still open" (a related incident with the same contributing
//! factor still has an overdue follow-up). Views only: the facts come from
//! [`crate::analyze::fix_held`] and [`crate::analyze::open_related`].
//!
//! A public build shows neither: its archive holds only public follow-ups, so
//! "every follow-up was done" could be false, and it has no factors.

use super::format;
use super::incident_page::{tracker_key, OpenItem};
use super::views::{self, Row};
use crate::analyze::Analysis;
use crate::config::Config;
use crate::model::Archive;
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Signals {
    /// Earlier occurrences whose follow-ups were all done, oldest first.
    pub fix_did_not_hold: Vec<DoneView>,
    /// Related incidents with a shared factor and overdue follow-ups.
    pub possibly_repeat: Vec<RelatedOpenView>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct DoneView {
    pub row: Row,
    /// "2 follow-ups", "1 follow-up".
    pub follow_ups: String,
    /// "the last on 11 Sep 2024", when a `done_on` is known.
    pub last_done: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct RelatedOpenView {
    pub row: Row,
    /// The shared factors, as the factor pages name them.
    pub factors: Vec<String>,
    /// "OPS-194" or "OPS-194 and OPS-195", or "a follow-up" without tracker keys.
    pub keys: String,
    pub items: Vec<OpenItem>,
}

pub(crate) fn signals(
    config: &Config,
    archive: &Archive,
    analysis: &Analysis,
    i: usize,
) -> Signals {
    if config.is_public() {
        return Signals::default();
    }
    let f = &analysis.incidents[i];
    let row = |j: usize| views::row(config, archive, analysis, j);
    Signals {
        fix_did_not_hold: fix_did_not_hold(config, archive, analysis, i),
        possibly_repeat: f
            .open_on_related
            .iter()
            .map(|o| {
                let items: Vec<OpenItem> = o
                    .overdue
                    .iter()
                    .filter_map(|&k| overdue_item(archive, analysis, o.related, k))
                    .collect();
                RelatedOpenView {
                    row: row(o.related),
                    factors: o.factors.clone(),
                    keys: keys(&items),
                    items,
                }
            })
            .collect(),
    }
}

/// The earlier occurrences whose follow-ups were all done when incident `i`
/// happened (empty in a public build).
pub(crate) fn fix_did_not_hold(
    config: &Config,
    archive: &Archive,
    analysis: &Analysis,
    i: usize,
) -> Vec<DoneView> {
    if config.is_public() {
        return Vec::new();
    }
    analysis.incidents[i]
        .fix_did_not_hold
        .iter()
        .map(|d| DoneView {
            row: views::row(config, archive, analysis, d.earlier),
            follow_ups: format!(
                "{} follow-up{}",
                d.follow_ups,
                if d.follow_ups == 1 { "" } else { "s" }
            ),
            last_done: d
                .last_done
                .map(|day| format!("the last on {}", format::date(day))),
        })
        .collect()
}

/// Follow-up `k` of incident `j`, overdue on the build day.
fn overdue_item(archive: &Archive, analysis: &Analysis, j: usize, k: usize) -> Option<OpenItem> {
    let f = archive.incidents[j].follow_ups.get(k)?;
    let days = analysis.incidents[j]
        .follow_ups
        .get(k)
        .and_then(|fact| fact.age_days);
    Some(OpenItem {
        key: f.link.as_deref().and_then(tracker_key),
        title: f.title.clone(),
        owner: f.owner.clone(),
        link: f.link.clone(),
        state: match f.due {
            Some(due) => format!("due {}, still open", format::date(due)),
            None => "still open".to_owned(),
        },
        age: days.map(|d| format!("open {d} day{}", if d == 1 { "" } else { "s" })),
        still_open: true,
    })
}

/// The tracker keys of `items` in a phrase: "OPS-194", "OPS-194 and OPS-7",
/// "OPS-1, OPS-2 and 1 more follow-up"; "a follow-up" when none has a key.
fn keys(items: &[OpenItem]) -> String {
    let named: Vec<&str> = items.iter().filter_map(|x| x.key.as_deref()).collect();
    let unnamed = items.len() - named.len();
    let mut parts: Vec<String> = named.iter().map(|k| (*k).to_owned()).collect();
    if unnamed > 0 {
        let what = if unnamed == 1 {
            "follow-up"
        } else {
            "follow-ups"
        };
        parts.push(if named.is_empty() {
            if unnamed == 1 {
                "a follow-up".to_owned()
            } else {
                format!("{unnamed} follow-ups")
            }
        } else {
            format!("{unnamed} more {what}")
        });
    }
    match parts.len() {
        0 => String::new(),
        1 => parts.remove(0),
        n => format!("{} and {}", parts[..n - 1].join(", "), parts[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(key: Option<&str>) -> OpenItem {
        OpenItem {
            key: key.map(str::to_owned),
            title: "Throttle backfills".to_owned(),
            owner: None,
            link: None,
            state: String::new(),
            age: None,
            still_open: true,
        }
    }

    #[test]
    fn keys_name_what_the_tracker_calls_them() {
        assert_eq!(keys(&[item(Some("OPS-194"))]), "OPS-194");
        assert_eq!(
            keys(&[item(Some("OPS-1")), item(Some("OPS-2")), item(None)]),
            "OPS-1, OPS-2 and 1 more follow-up"
        );
        assert_eq!(keys(&[item(None)]), "a follow-up");
        assert_eq!(keys(&[item(None), item(None)]), "2 follow-ups");
    }
}

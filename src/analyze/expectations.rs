//! Expectations: what a write-up of a given severity or kind must have, from
//! `[expectations]` in casebook.toml (`SEV1 = ["Timeline", "Root cause",
//! "Action items"]`, `near-miss = ["summary"]`). An entry that names a write-up
//! field (`summary`, `timeline`, `follow_ups`, `systems`, ...) needs that field;
//! anything else names a section: a heading of the body, compared ignoring case
//! and punctuation. What is missing is a warning on the write-up, for `check`.

use crate::diagnostic::Diagnostic;
use crate::model::{body, Archive, Incident};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Every write-up's missing expectations, as warnings.
pub fn check(archive: &Archive, expectations: &BTreeMap<String, Vec<String>>) -> Vec<Diagnostic> {
    if expectations.is_empty() {
        return Vec::new();
    }
    archive
        .incidents
        .par_iter()
        .flat_map_iter(|inc| missing(inc, expectations))
        .collect()
}

/// The expectations `inc` does not meet, one warning each.
fn missing(inc: &Incident, expectations: &BTreeMap<String, Vec<String>>) -> Vec<Diagnostic> {
    let applies = |key: &str| {
        inc.severity
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(key))
            || inc.kind.as_str().eq_ignore_ascii_case(key)
    };
    let headings = body::headings(&inc.body);
    let mut out = Vec::new();
    for (key, wanted) in expectations.iter().filter(|(k, _)| applies(k)) {
        for item in wanted {
            if has(inc, &headings, item) {
                continue;
            }
            let what = if field_present(inc, item).is_some() {
                format!("field `{item}`")
            } else {
                format!("a \"{item}\" section")
            };
            out.push(
                Diagnostic::warning(
                    &inc.source,
                    format!("{key} write-ups are expected to have {what}"),
                )
                .at_line(inc.line)
                .field("expectations")
                .hint(format!(
                    "add it, or change [expectations] {key} in casebook.toml"
                )),
            );
        }
    }
    out
}

fn has(inc: &Incident, headings: &[String], item: &str) -> bool {
    field_present(inc, item).unwrap_or_else(|| headings.contains(&body::normalize_heading(item)))
}

/// Whether `inc` has the field `item` names; `None` when it names no field.
fn field_present(inc: &Incident, item: &str) -> Option<bool> {
    Some(match item {
        "summary" => inc.summary.is_some(),
        "severity" => inc.severity.is_some(),
        "systems" => !inc.systems.is_empty(),
        "tags" => !inc.tags.is_empty(),
        "contributing_factors" => !inc.contributing_factors.is_empty(),
        "authors" => !inc.authors.is_empty(),
        "timeline" => !inc.timeline.is_empty(),
        "follow_ups" => !inc.follow_ups.is_empty(),
        "links" => !inc.links.is_empty(),
        "public.summary" => inc.public.summary.is_some(),
        "public.impact" => inc.public.impact.is_some(),
        _ => return None,
    })
}

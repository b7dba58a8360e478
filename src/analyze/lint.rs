//! Lint: warnings about an archive that is valid but could teach better —
//! follow-ups that are not actionable, specific and bounded; public incidents
//! without customer text; reading lists that come out empty.

use super::Analysis;
use crate::diagnostic::Diagnostic;
use crate::model::{Archive, Incident, Visibility};
use rayon::prelude::*;

/// Titles that promise no specific change.
const VAGUE: &[&str] = &[
    "investigate",
    "look into",
    "be careful",
    "be more careful",
    "consider",
    "think about",
    "monitor",
    "improve",
    "follow up on",
    "discuss",
    "review",
];

/// What each write-up says, as written: run on the whole archive, never on a
/// public build's redacted view (which drops owners and internal text).
pub fn write_ups(archive: &Archive) -> Vec<Diagnostic> {
    // Per write-up, in parallel: at 10,000 write-ups this is thousands of warnings,
    // and `casebook serve` lints again on every structural save.
    archive
        .incidents
        .par_iter()
        .flat_map_iter(|inc| incident_warnings(inc))
        .collect()
}

/// What the analysis of the archive being built shows: reading lists that come
/// out empty, possible repeats.
pub fn derived(archive: &Archive, analysis: &Analysis) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (list, items) in archive.reading_lists.iter().zip(&analysis.reading_lists) {
        if items.is_empty() {
            out.push(
                Diagnostic::warning(
                    &list.source,
                    format!("reading list \"{}\" has no incidents", list.title),
                )
                .at_line(list.line)
                .hint("add [[items]] with incident ids, or loosen its [rule]"),
            );
        }
    }
    // A pair can be on one incident's list and not on the other's (each keeps
    // its own top_k), and the page shows each incident's own list: so pairs are
    // gathered from both sides, then reported once, on the later incident.
    let mut pairs: std::collections::BTreeMap<(usize, usize), f32> = Default::default();
    for (i, f) in analysis.incidents.iter().enumerate() {
        for &(j, score) in &f.possibly_related {
            let (a, b) = (&archive.incidents[i], &archive.incidents[j]);
            let i_later = a.date > b.date || (a.date == b.date && i < j);
            let key = if i_later { (i, j) } else { (j, i) };
            let best = pairs.entry(key).or_insert(score);
            *best = best.max(score);
        }
    }
    for ((i, j), score) in pairs {
        let inc = &archive.incidents[i];
        let other = &archive.incidents[j].id;
        out.push(
            Diagnostic::note(&inc.source, format!("possible repeat of \"{other}\" (similarity {score:.2})"))
                .at_line(inc.line)
                .field("repeat_of")
                .hint(format!("if it is, add `repeat_of = [\"{other}\"]`; if not, add it to `related` or ignore this note")),
        );
    }
    out
}

/// One write-up's follow-ups that are not actionable, specific and bounded, and
/// public text it lacks.
fn incident_warnings(inc: &Incident) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for f in &inc.follow_ups {
        if !f.status.is_pending() {
            continue;
        }
        let at = |d: Diagnostic| d.at_line(f.line).field("follow_ups");
        if f.owner.is_none() {
            out.push(
                at(Diagnostic::warning(
                    &inc.source,
                    format!("follow-up \"{}\" has no owner", f.title),
                ))
                .hint("name one person: `owner = \"sam\"` or `@sam` in the task line"),
            );
        }
        if f.due.is_none() {
            out.push(
                at(Diagnostic::warning(
                    &inc.source,
                    format!("follow-up \"{}\" has no due date", f.title),
                ))
                .hint("bound it in time: `due = 2025-05-01` or `due:2025-05-01` in the task line"),
            );
        }
        let lower = f.title.to_lowercase();
        if let Some(v) = VAGUE
            .iter()
            .find(|v| lower.starts_with(*v) || lower.contains(&format!(" {v} ")))
        {
            out.push(at(Diagnostic::warning(&inc.source, format!("follow-up \"{}\" is vague (\"{v}\")", f.title)))
                .hint("say the specific change and how you will know it is done, e.g. \"Alert when replica lag > 30s for 2 min\""));
        }
    }
    if inc.visibility == Visibility::Public && inc.public.summary.is_none() {
        out.push(
            Diagnostic::warning(&inc.source, "public incident has no [public] summary")
                .at_line(inc.line)
                .field("public.summary")
                .hint("customers see only [public] text: add `[public]` with `summary = \"...\"` (and `impact`)"),
        );
    }
    out
}

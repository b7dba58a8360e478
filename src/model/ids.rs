//! Checks on incident ids across the archive: each must be unique, and none may
//! name a page the site itself puts under `incidents/`. Only ids are looked at
//! here; the page paths themselves are the renderer's.

use super::{Archive, Incident};
use crate::diagnostic::Diagnostic;
use std::collections::HashMap;
use std::sync::Arc;

/// Path segments the site uses under `incidents/` for its own pages: the
/// orderings of the incidents index (`incidents/oldest/`...) and the index file.
/// A write-up with one of these ids would be written over by (or write over)
/// that page, so it gets another id instead (`rca` is below each incident's own
/// folder, so it cannot collide).
pub const RESERVED: &[&str] = &["oldest", "severity", "longest", "index"];

/// Gives write-ups whose id is [`RESERVED`] the id `ID-incident`, with a
/// warning, and points links to them at the new id; then reports duplicates.
pub fn check(archive: &mut Archive, diagnostics: &mut Vec<Diagnostic>) {
    let mut renamed: HashMap<String, String> = HashMap::new();
    for inc in &mut archive.incidents {
        if !RESERVED.contains(&inc.id.as_str()) {
            continue;
        }
        let new_id = format!("{}-incident", inc.id);
        diagnostics.push(
            Diagnostic::warning(
                &inc.source,
                format!(
                    "id \"{}\" is the name of the site's page incidents/{}/; this write-up is published as \"{new_id}\"",
                    inc.id, inc.id
                ),
            )
            .at_line(inc.line)
            .field("id")
            .hint(format!("set `id = \"...\"` to another id (reserved: {})", RESERVED.join(", "))),
        );
        let inc = Arc::make_mut(inc);
        renamed.insert(std::mem::replace(&mut inc.id, new_id.clone()), new_id);
    }
    if !renamed.is_empty() {
        let rename = |id: &mut String| {
            if let Some(new_id) = renamed.get(id.as_str()) {
                id.clone_from(new_id);
            }
        };
        for inc in &mut archive.incidents {
            let named = |i: &Incident| {
                i.repeat_of
                    .iter()
                    .chain(&i.related)
                    .any(|l| renamed.contains_key(&l.id))
            };
            if named(inc) {
                let inc = Arc::make_mut(inc);
                inc.repeat_of.iter_mut().for_each(|l| rename(&mut l.id));
                inc.related.iter_mut().for_each(|l| rename(&mut l.id));
            }
        }
        for list in &mut archive.reading_lists {
            list.items
                .iter_mut()
                .for_each(|it| rename(&mut it.incident.id));
        }
    }
    check_duplicates(&archive.incidents, diagnostics);
}

fn check_duplicates(incidents: &[Arc<Incident>], diagnostics: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, &Incident> = HashMap::new();
    for inc in incidents {
        if let Some(other) = first.get(inc.id.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    &inc.source,
                    format!(
                        "duplicate id \"{}\", also used by {}",
                        inc.id,
                        other.source.display()
                    ),
                )
                .at_line(inc.line)
                .field("id")
                .hint(format!(
                    "ids must be unique: set `id = \"...\"` in {} or {}",
                    inc.source.display(),
                    other.source.display()
                )),
            );
        } else {
            first.insert(&inc.id, inc);
        }
    }
}

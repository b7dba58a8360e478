//! Checks on incident ids across the archive: each must be unique, and none may
//! name a page the site itself puts under `incidents/`. Only ids are looked at
//! here; the page paths themselves are the renderer's.

use super::fields::Reporter;
use super::incident::LinkRef;
use super::{Archive, Incident};
use crate::diagnostic::Diagnostic;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// Path segments the site uses under `incidents/` for its own pages: the
/// orderings of the incidents index (`incidents/oldest/`...) and the index file.
/// A write-up with one of these ids would be written over by (or write over)
/// that page, so it gets another id instead (`rca` is below each incident's own
/// folder, so it cannot collide).
pub(crate) const RESERVED: &[&str] = &["oldest", "severity", "longest", "index"];

/// The id a write-up is published under: its own, or `ID-incident` when its id
/// is [`RESERVED`]. Used for unreadable files too, so a preview never takes the
/// site's own page for the page of a write-up that did not read.
pub(crate) fn published(id: &str) -> Cow<'_, str> {
    if RESERVED.contains(&id) {
        Cow::Owned(format!("{id}-incident"))
    } else {
        Cow::Borrowed(id)
    }
}

/// Gives a write-up whose id is [`RESERVED`] its [`published`] id, with a
/// warning. Done as the file is read, so everything keyed by a file's id (a
/// live preview's pages) agrees with the archive.
pub(crate) fn reserve(inc: &mut Incident, reporter: &Reporter) {
    let Cow::Owned(new_id) = published(&inc.id) else {
        return;
    };
    reporter.push(
        Diagnostic::warning(
            &inc.source,
            format!(
                "id \"{}\" is the name of the site's page incidents/{}/; this write-up is published as \"{new_id}\"",
                inc.id, inc.id
            ),
        )
        .at_line(inc.line)
        .field("id")
        .hint(format!(
            "set `id = \"...\"` to another id (reserved: {})",
            RESERVED.join(", ")
        )),
    );
    inc.id = new_id;
}

/// Points links that name a reserved id at its [`published`] one (no write-up
/// can hold a reserved id), then reports duplicate ids.
pub(crate) fn check(archive: &mut Archive, diagnostics: &mut Vec<Diagnostic>) {
    let rename = |id: &mut String| {
        if let Cow::Owned(new_id) = published(id) {
            *id = new_id;
        }
    };
    let names_reserved =
        |links: &[LinkRef]| links.iter().any(|l| RESERVED.contains(&l.id.as_str()));
    for inc in &mut archive.incidents {
        if names_reserved(&inc.repeat_of) || names_reserved(&inc.related) {
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

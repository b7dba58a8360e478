//! Model: the archive as typed, validated values — [`Archive`] with its
//! incidents, systems and reading lists — built from loaded documents. Every
//! problem becomes a diagnostic with file and line; an archive is only used for a
//! build when it has no errors.
//!
//! Audience filtering happens here, at the source: a public build's archive holds
//! only public incidents with internal-only fields removed, so no later stage can
//! leak what it never sees.
//!
//! This module holds the archive and its assembly from every file's read (with
//! the checks that span files); [`aliases`] moves another folder's keys onto
//! casebook's, [`public`] makes the public view, and [`searchable`] names the
//! parts of an incident that similarity and search read.

mod aliases;
pub(crate) mod body;
pub(crate) mod fallback;
pub(crate) mod fields;
pub mod follow_up;
pub(crate) mod ids;
pub mod incident;
pub mod links;
pub(crate) mod names;
pub(crate) mod prose_date;
mod public;
pub mod reading_list;
pub(crate) mod searchable;
pub(crate) mod sections;
pub mod system;
pub mod tracker;
pub(crate) mod tracker_dates;
pub(crate) mod url;

use crate::config::Config;
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::load::{Document, Kind};
pub use aliases::apply_aliases;
use fields::Reporter;
pub use incident::{FollowUp, FollowUpStatus, Incident, IncidentStatus, Visibility};
pub use public::public_view;
pub use reading_list::ReadingList;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
pub use system::System;

#[derive(Debug, Clone, Default)]
pub struct Archive {
    /// Newest first (date, then id). Shared, so a live preview can keep the
    /// write-ups that did not change from one rebuild to the next.
    pub incidents: Vec<Arc<Incident>>,
    /// Sorted by id; includes systems only named by incidents.
    pub systems: Vec<System>,
    pub reading_lists: Vec<ReadingList>,
    /// `content/incidents/README.md` or `index.md`, shown atop the incidents page.
    pub introduction: Option<Introduction>,
    index: HashMap<String, usize>,
}

/// The archive's own introduction (a folder's README), Markdown.
#[derive(Debug, Clone, PartialEq)]
pub struct Introduction {
    pub source: std::path::PathBuf,
    pub body: String,
}

impl Archive {
    pub fn incident(&self, id: &str) -> Option<&Incident> {
        self.index.get(id).map(|&i| &*self.incidents[i])
    }

    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub fn system(&self, id: &str) -> Option<&System> {
        self.systems
            .binary_search_by(|s| s.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.systems[i])
    }

    fn reindex(&mut self) {
        // Newest first; undated (`None`) sorts below every date, so last.
        self.incidents
            .sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.id.cmp(&b.id)));
        self.index = self
            .incidents
            .iter()
            .enumerate()
            .map(|(i, inc)| (inc.id.clone(), i))
            .collect();
    }
}

/// What one source file became: its item (when it read cleanly), its
/// diagnostics, and the id it claims when it did not read (links to it are not
/// reported again as "unknown"). Depends only on the file and the config, so a
/// live preview keeps it until the file changes.
#[derive(Debug, Clone, Default)]
pub struct SourceRead {
    pub item: Option<Item>,
    pub diagnostics: Vec<Diagnostic>,
    pub broken: Option<String>,
}

/// An incident, system or reading list read from one file.
#[derive(Debug, Clone)]
pub enum Item {
    Incident(Arc<Incident>),
    System(System),
    List(ReadingList),
    Introduction(Introduction),
}

impl SourceRead {
    /// A file that could not be read or parsed at all.
    pub fn unreadable(kind: Kind, path: &std::path::Path, diagnostic: Diagnostic) -> Self {
        let broken = (kind == Kind::Incident).then(|| {
            ids::published(&incident::default_id(&crate::load::stem_of(path))).into_owned()
        });
        SourceRead {
            item: None,
            diagnostics: vec![diagnostic],
            broken,
        }
    }

    /// The incident id this file defines (or claims, when it did not read).
    pub fn incident_id(&self) -> Option<&str> {
        match &self.item {
            Some(Item::Incident(i)) => Some(&i.id),
            _ => self.broken.as_deref(),
        }
    }
}

/// Reads one parsed document into its typed item.
pub fn read_source(mut doc: Document, config: &Config) -> SourceRead {
    let reporter = Reporter::new(&doc.path);
    let item = match doc.kind {
        Kind::Incident => {
            apply_aliases(&mut doc.front, &config.file.front_matter, &reporter);
            let mut inc = incident::read(&reporter, &doc, config);
            ids::reserve(&mut inc, &reporter);
            Some(Item::Incident(Arc::new(inc)))
        }
        Kind::Introduction => {
            // Its own `# Title` would be a second heading atop the incidents page.
            let body = match fallback::leading_heading(&doc.body) {
                Some((_, line)) => fallback::drop_lines(&doc.body, line + 1).to_owned(),
                None => doc.body.clone(),
            };
            Some(Item::Introduction(Introduction {
                source: doc.path.clone(),
                body,
            }))
        }
        Kind::System => system::read(&reporter, &doc).map(Item::System),
        Kind::ReadingList => reading_list::read(&reporter, &doc).map(Item::List),
    };
    // A write-up always reads (what it lacks falls back), so only a file that
    // did not parse is "broken"; see [`SourceRead::unreadable`].
    SourceRead {
        item,
        diagnostics: reporter.into_diagnostics(),
        broken: None,
    }
}

/// Puts the archive together from every file's [`SourceRead`], in source order,
/// and runs the checks that span files (duplicate ids, links, systems, lists).
/// `diagnostics` are the notes of finding the files.
pub fn assemble(
    reads: Vec<SourceRead>,
    mut diagnostics: Vec<Diagnostic>,
    config: &Config,
) -> (Archive, Vec<Diagnostic>) {
    let mut broken: BTreeSet<String> = BTreeSet::new();
    let mut archive = Archive::default();
    for read in reads {
        diagnostics.extend(read.diagnostics);
        broken.extend(read.broken);
        match read.item {
            Some(Item::Incident(i)) => archive.incidents.push(i),
            Some(Item::System(s)) => archive.systems.push(s),
            Some(Item::List(l)) => archive.reading_lists.push(l),
            Some(Item::Introduction(intro)) => archive.introduction = Some(intro),
            None => {}
        }
    }
    let system_names = names::unify(&mut archive, &config.file.systems.aliases, &mut diagnostics);

    ids::check(&mut archive, &mut diagnostics);
    if !config.drafts {
        let drafts: BTreeSet<String> = archive
            .incidents
            .iter()
            .filter(|i| i.draft)
            .map(|i| i.id.clone())
            .collect();
        archive.incidents.retain(|i| !i.draft);
        for inc in &mut archive.incidents {
            // Links to drafts are valid but point nowhere in this build.
            let links_draft =
                |links: &[incident::LinkRef]| links.iter().any(|l| drafts.contains(&l.id));
            if links_draft(&inc.repeat_of) || links_draft(&inc.related) {
                let inc = Arc::make_mut(inc);
                inc.repeat_of.retain(|l| !drafts.contains(&l.id));
                inc.related.retain(|l| !drafts.contains(&l.id));
            }
        }
        for list in &mut archive.reading_lists {
            for item in &list.items {
                if drafts.contains(&item.incident.id) {
                    diagnostics.push(
                        Diagnostic::warning(
                            &list.source,
                            format!("reading list names draft incident \"{}\"", item.incident.id),
                        )
                        .at(item.incident.line, item.incident.column)
                        .field("items.incident")
                        .hint("it is left out until the write-up is published (draft = false)"),
                    );
                }
            }
            list.items
                .retain(|item| !drafts.contains(&item.incident.id));
        }
    }
    archive.reindex();
    check_links(&archive, &broken, &mut diagnostics);
    complete_systems(&mut archive, &system_names, &mut diagnostics);
    check_reading_lists(&archive, &broken, &mut diagnostics);
    crate::diagnostic::sort(&mut diagnostics);
    (archive, diagnostics)
}

fn check_links(archive: &Archive, broken: &BTreeSet<String>, diagnostics: &mut Vec<Diagnostic>) {
    let ids = || archive.incidents.iter().map(|i| i.id.as_str());
    for inc in &archive.incidents {
        for (field, links) in [("repeat_of", &inc.repeat_of), ("related", &inc.related)] {
            for link in links.iter().filter(|l| !broken.contains(&l.id)) {
                let d = if link.id == inc.id {
                    Diagnostic::error(&inc.source, format!("{field} names the incident itself"))
                        .hint("link to the earlier incident's id instead")
                } else if let Some(target) = archive.incident(&link.id) {
                    let later = target.date.zip(inc.date).is_some_and(|(t, i)| t > i);
                    if field == "repeat_of" && later {
                        Diagnostic::warning(&inc.source, format!("repeat_of names \"{}\", which happened later ({})", link.id, target.date.map_or_else(String::new, |d| d.to_string())))
                            .hint("repeat_of points at the earlier incident; put this link on the later one")
                    } else {
                        continue;
                    }
                } else {
                    let d = Diagnostic::error(
                        &inc.source,
                        format!("{field} names unknown incident \"{}\"", link.id),
                    );
                    match did_you_mean(&link.id, ids()) {
                        Some(m) => d.hint(format!("did you mean \"{m}\"?")),
                        None => d.hint(
                            "use the id of an existing write-up (its file name, or its `id` field)",
                        ),
                    }
                };
                diagnostics.push(d.at(link.line, link.column).field(field));
            }
        }
    }
}

/// Adds implied systems, checks parents, and warns on systems no file declares
/// when the archive does declare systems (usually a typo).
fn complete_systems(
    archive: &mut Archive,
    names: &HashMap<String, String>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    archive.systems.sort_by(|a, b| a.id.cmp(&b.id));
    let declared: Vec<String> = archive.systems.iter().map(|s| s.id.clone()).collect();
    let mut implied = BTreeSet::new();
    for inc in &archive.incidents {
        for s in &inc.systems {
            if declared.binary_search(s).is_err()
                && implied.insert(s.clone())
                && !declared.is_empty()
            {
                if let Some(m) = did_you_mean(s, declared.iter().map(String::as_str)) {
                    diagnostics.push(
                        Diagnostic::warning(
                            &inc.source,
                            format!("system \"{s}\" has no file in content/systems/"),
                        )
                        .at_line(inc.line)
                        .field("systems")
                        .hint(format!("did you mean \"{m}\"?")),
                    );
                }
            }
        }
    }
    for s in &archive.systems {
        if let (Some(parent), Some(source)) = (&s.parent, &s.source) {
            if declared.binary_search(parent).is_err() && !implied.contains(parent) {
                diagnostics.push(
                    Diagnostic::error(source, format!("parent \"{parent}\" is not a known system"))
                        .at_line(s.parent_line)
                        .field("parent")
                        .hint("name the file stem of another file in content/systems/"),
                );
            }
        }
    }
    archive
        .systems
        .extend(implied.iter().map(|id| names::implied_system(id, names)));
    archive.systems.sort_by(|a, b| a.id.cmp(&b.id));
}

fn check_reading_lists(
    archive: &Archive,
    broken: &BTreeSet<String>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for list in &archive.reading_lists {
        for item in list
            .items
            .iter()
            .filter(|it| !broken.contains(&it.incident.id))
        {
            if archive.incident(&item.incident.id).is_none() {
                let mut d = Diagnostic::error(
                    &list.source,
                    format!(
                        "reading list names unknown incident \"{}\"",
                        item.incident.id
                    ),
                )
                .at(item.incident.line, item.incident.column)
                .field("items.incident");
                if let Some(m) = did_you_mean(
                    &item.incident.id,
                    archive.incidents.iter().map(|i| i.id.as_str()),
                ) {
                    d = d.hint(format!("did you mean \"{m}\"?"));
                }
                diagnostics.push(d);
            }
        }
    }
}

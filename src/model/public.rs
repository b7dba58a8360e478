//! The public view of an archive: what a `--audience public` build may see,
//! and nothing else.

use super::{links, Archive, FollowUp, Incident, System, Visibility};
use crate::config::Config;
use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::Arc;

/// The archive a public build may see: public incidents only, each reduced to its
/// public fields and `[public]` text. Links to internal incidents become a count.
pub fn public_view(archive: &Archive, config: &Config) -> Archive {
    let public_ids: BTreeSet<&str> = archive
        .incidents
        .iter()
        .filter(|i| i.visibility == Visibility::Public)
        .map(|i| i.id.as_str())
        .collect();
    let incidents = archive
        .incidents
        .iter()
        .filter(|i| public_ids.contains(i.id.as_str()))
        .map(|i| Arc::new(public_incident(i, &public_ids, config)))
        .collect();
    let mut public = Archive {
        incidents,
        systems: public_systems(archive, &public_ids),
        reading_lists: Vec::new(),
        introduction: None,
        index: HashMap::new(),
    };
    public.reindex();
    public
}

/// Public incident `i` as a public build shows it: its `[public]` title and
/// text, no internal prose, names or links, links only to other public
/// incidents (`public_ids`), and only its public follow-ups.
fn public_incident(i: &Incident, public_ids: &BTreeSet<&str>, config: &Config) -> Incident {
    let (repeat_of, hidden): (Vec<_>, Vec<_>) = i
        .repeat_of
        .iter()
        .cloned()
        .partition(|l| public_ids.contains(l.id.as_str()));
    Incident {
        id: i.id.clone(),
        source: i.source.clone(),
        title: i.public.title.clone().unwrap_or_else(|| i.title.clone()),
        date: i.date,
        severity: i.severity.clone(),
        status: i.status,
        kind: i.kind,
        systems: i.systems.clone(),
        tags: Vec::new(),
        contributing_factors: Vec::new(),
        summary: i.public.summary.clone(),
        summary_from_body: false,
        authors: if config.file.public.show_authors {
            i.authors.clone()
        } else {
            Vec::new()
        },
        repeat_of,
        related: i
            .related
            .iter()
            .filter(|l| public_ids.contains(l.id.as_str()))
            .cloned()
            .collect(),
        visibility: Visibility::Public,
        draft: i.draft,
        timeline: i.timeline.clone(),
        public: i.public.clone(),
        follow_ups: public_follow_ups(i, config),
        links: Vec::new(),
        fallbacks: i.fallbacks.clone(),
        body: String::new(),
        body_line: i.body_line,
        attachments: public_attachments(i),
        word_count: 0,
        line: i.line,
        hidden_repeat_of: i.hidden_repeat_of + hidden.len(),
    }
}

/// The follow-ups marked `public`, without their tracker links, and without
/// owners unless the configuration shows them.
fn public_follow_ups(i: &Incident, config: &Config) -> Vec<FollowUp> {
    i.follow_ups
        .iter()
        .filter(|f| f.public)
        .map(|f| FollowUp {
            owner: if config.file.public.show_owners {
                f.owner.clone()
            } else {
                None
            },
            link: None,
            ..f.clone()
        })
        .collect()
}

/// The systems public incidents name, under their public names and without
/// their team, description, tier or parent.
fn public_systems(archive: &Archive, public_ids: &BTreeSet<&str>) -> Vec<System> {
    let used: BTreeSet<String> = archive
        .incidents
        .iter()
        .filter(|i| public_ids.contains(i.id.as_str()))
        .flat_map(|i| i.systems.iter().cloned())
        .collect();
    archive
        .systems
        .iter()
        .filter(|s| used.contains(&s.id))
        .map(|s| System {
            name: s.public_name().to_owned(),
            team: None,
            description: None,
            tier: None,
            parent: None,
            ..s.clone()
        })
        .collect()
}

/// The attachments a public build copies for public incident `i`: those its
/// `[public]` text links to or shows. The rest of its folder is internal.
fn public_attachments(i: &Incident) -> Option<Vec<String>> {
    let all = i.attachments.as_ref()?;
    let named: BTreeSet<String> = [&i.public.summary, &i.public.impact]
        .into_iter()
        .flatten()
        .flat_map(|text| links::body_links(text))
        .filter_map(|l| match links::resolve(&i.source, true, &l.url) {
            links::Target::Attachment { name, .. } => Some(name),
            _ => None,
        })
        .collect();
    Some(all.iter().filter(|a| named.contains(*a)).cloned().collect())
}

//! Reading lists resolved against the archive: the explicit items in order, then
//! the incidents the list's rule selects (newest first), without duplicates.

use crate::model::Archive;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ResolvedItem {
    pub incident: usize,
    /// Index into the list's explicit items; None for items added by the rule.
    pub item: Option<usize>,
}

pub fn resolve(archive: &Archive, chained: &[bool]) -> Vec<Vec<ResolvedItem>> {
    archive
        .reading_lists
        .iter()
        .map(|list| {
            let mut out: Vec<ResolvedItem> = list
                .items
                .iter()
                .enumerate()
                .filter_map(|(k, item)| {
                    archive.position(&item.incident.id).map(|i| ResolvedItem {
                        incident: i,
                        item: Some(k),
                    })
                })
                .collect();
            if let Some(rule) = &list.rule {
                let mut added = 0;
                for (i, inc) in archive.incidents.iter().enumerate() {
                    if rule.limit.is_some_and(|l| added >= l) {
                        break;
                    }
                    let matches = (rule.systems.is_empty()
                        || inc.systems.iter().any(|s| rule.systems.contains(s)))
                        && (rule.severity.is_empty()
                            || inc
                                .severity
                                .as_ref()
                                .is_some_and(|s| rule.severity.contains(s)))
                        && (rule.tags.is_empty() || inc.tags.iter().any(|t| rule.tags.contains(t)))
                        && rule
                            .since
                            .is_none_or(|d| inc.date.is_some_and(|day| day >= d))
                        && (!rule.repeats_only || chained[i]);
                    if matches && !out.iter().any(|r| r.incident == i) {
                        out.push(ResolvedItem {
                            incident: i,
                            item: None,
                        });
                        added += 1;
                    }
                }
            }
            out
        })
        .collect()
}

//! The pages that gather across incidents: the follow-up board, the metrics
//! page, and the tag and contributing-factor pages.
use super::fragments::Fragments;
use super::{format, Job, Renderer};
use crate::analyze::FollowUpState;
use crate::routes::{PageId, Terms};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct TermView {
    id: String,
    count: usize,
    last: String,
}

impl Renderer<'_> {
    pub(super) fn follow_ups_page(&self, fragments: &Fragments) -> Job {
        let path = PageId::FollowUps.path();
        let mut c = self.context_of(&PageId::FollowUps);
        let mut sections = Vec::new();
        for state in FollowUpState::ALL {
            let mut count = 0;
            let items_html: String = self
                .analysis
                .follow_ups
                .iter()
                .filter(|f| f.state == state)
                .inspect(|_| count += 1)
                .map(|f| fragments.follow_up(self, f))
                .collect();
            sections.push(serde_json::json!({
                "state": state.as_str(), "label": state.label(), "count": count, "items_html": items_html,
            }));
        }
        let mut owners: Vec<&str> = self
            .archive
            .incidents
            .iter()
            .flat_map(|i| i.follow_ups.iter().filter_map(|f| f.owner.as_deref()))
            .collect();
        owners.sort_unstable();
        owners.dedup();
        let systems: Vec<&str> = self.archive.systems.iter().map(|s| s.id.as_str()).collect();
        c.insert("sections", &sections);
        c.insert("owners", &owners);
        c.insert("systems", &systems);
        c.insert("total", &self.analysis.follow_ups.len());
        Job {
            path,
            template: "follow_ups.html",
            context: c,
        }
    }

    pub(super) fn metrics_page(&self) -> Job {
        let path = PageId::Metrics.path();
        let mut c = self.context_of(&PageId::Metrics);
        c.insert(
            "metrics",
            &self.metrics_view(
                &self.analysis.metrics,
                "Incidents per month by severity",
                &format::root_for(&path),
            ),
        );
        Job {
            path,
            template: "metrics.html",
            context: c,
        }
    }

    pub(super) fn terms_pages(
        &self,
        kinds: Terms,
        label: &'static str,
        terms: &BTreeMap<String, Vec<usize>>,
        fragments: &Fragments,
    ) -> Vec<Job> {
        let kind = kinds.as_str();
        let index_path = PageId::TermIndex(kinds).path();
        let mut c = self.context_of(&PageId::TermIndex(kinds));
        let mut list: Vec<TermView> = terms
            .iter()
            .map(|(id, ids)| TermView {
                id: id.clone(),
                count: ids.len(),
                last: ids
                    .first()
                    .map(|&i| self.rows[i].date.clone())
                    .unwrap_or_default(),
            })
            .collect();
        // Most used first: the factors that keep coming back lead.
        list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.id.cmp(&b.id)));
        c.insert("kind", kind);
        c.insert("term_page", kinds.page_name());
        c.insert("label", label);
        c.insert("terms", &list);
        let mut jobs = vec![Job {
            path: index_path,
            template: "terms.html",
            context: c,
        }];
        for (id, ids) in terms {
            let page = PageId::term(kinds, id);
            let path = page.path();
            let mut c = self.context_of(&page);
            c.insert("kind", kind);
            c.insert("label", label);
            c.insert("term", id);
            c.insert("rows_html", &fragments.rows_of(ids));
            c.insert("row_count", &ids.len());
            jobs.push(Job {
                path,
                template: "term.html",
                context: c,
            });
        }
        jobs
    }
}

//! The incidents' pages: each incident's page and its RCA page, and the
//! incident indexes (`incidents/`, by newest, oldest, severity, longest).
use super::fragments::Fragments;
use super::{format, incident_page, views, Job, Page, Renderer};
use crate::diagnostic::Diagnostic;
use crate::routes::{IncidentOrder, PageId};

impl Renderer<'_> {
    /// The paths of one incident's pages.
    pub(crate) fn incident_paths(&self, i: usize) -> Vec<String> {
        let id = &self.archive.incidents[i].id;
        let mut paths = vec![PageId::Incident(id.clone()).path()];
        if self.archive.incidents[i].visibility == crate::model::Visibility::Public {
            paths.push(PageId::Rca(id.clone()).path());
        }
        paths
    }

    /// One incident's page, and its RCA page when it is public.
    pub(crate) fn incident_pages(&self, i: usize) -> Result<Vec<Page>, Diagnostic> {
        let inc = &self.archive.incidents[i];
        let path = PageId::incident(&inc.id).path();
        let view = views::incident(
            self.config,
            self.archive,
            self.analysis,
            &self.md,
            &self.links,
            i,
        );
        let mut c = self.context(&path, PageId::incident(&inc.id).section());
        c.insert("incident", &view);
        c.insert(
            "story",
            &incident_page::story(&view, &self.md, &inc.body, inc.summary.as_deref(), &|url| {
                self.links.rewrite(self.archive, i, "", url)
            }),
        );
        c.insert("reading", &self.reading_nav(i));
        let mut pages = vec![self.render_job(Job {
            path,
            template: "incident.html",
            context: c,
        })?];
        if view.has_rca {
            let rca = PageId::Rca(inc.id.clone());
            let rca_path = rca.path();
            let mut c = self.context(&rca_path, rca.section());
            // One folder down: links to attachments and write-ups climb one more.
            let (archive, links) = (self.archive, &self.links);
            let rca = views::IncidentView {
                public_summary_html: inc
                    .public
                    .summary
                    .as_deref()
                    .map(|s| links.html(&self.md, archive, i, "../", s)),
                public_impact_html: inc
                    .public
                    .impact
                    .as_deref()
                    .map(|s| links.inline(&self.md, archive, i, "../", s)),
                ..view
            };
            c.insert("incident", &rca);
            pages.push(self.render_job(Job {
                path: rca_path,
                template: "rca.html",
                context: c,
            })?);
        }
        Ok(pages)
    }

    pub(super) fn incident_indexes(&self, shallow: &Fragments, deep: &Fragments) -> Vec<Job> {
        let newest: Vec<usize> = (0..self.rows.len()).collect();
        let in_order = |order: IncidentOrder| {
            let mut ids = newest.clone();
            match order {
                IncidentOrder::Newest => {}
                IncidentOrder::Oldest => ids.reverse(),
                IncidentOrder::Severity => ids.sort_by_key(|&i| self.rows[i].sev_rank),
                IncidentOrder::Longest => {
                    ids.sort_by_key(|&i| std::cmp::Reverse(self.rows[i].ttr_minutes.unwrap_or(-1)))
                }
            }
            ids
        };
        let mut systems: Vec<&str> = self.archive.systems.iter().map(|s| s.id.as_str()).collect();
        systems.sort();
        // Newest year first, "undated" last (as the rows are).
        let mut years: Vec<&str> = Vec::new();
        for r in self.rows.iter() {
            if !years.contains(&r.year.as_str()) {
                years.push(&r.year);
            }
        }
        let shallow_root = format::root_for(&PageId::Incidents(IncidentOrder::Newest).path());
        // The folder's README, atop the first page of the list.
        let introduction = self
            .archive
            .introduction
            .as_ref()
            .map(|intro| self.md.to_html(&intro.body));
        IncidentOrder::ALL
            .into_iter()
            .map(|order| {
                let page = PageId::Incidents(order);
                let (path, ids) = (page.path(), in_order(order));
                let mut c = self.context_of(&page);
                if order == IncidentOrder::Newest {
                    c.insert("intro_html", &introduction);
                }
                let fragments = if format::root_for(&path) == shallow_root {
                    shallow
                } else {
                    deep
                };
                c.insert("order", order.as_str());
                c.insert("rows_html", &fragments.rows_of(&ids));
                c.insert("row_count", &ids.len());
                c.insert("systems", &systems);
                c.insert("severities", &self.config.file.severities);
                c.insert("years", &years);
                Job {
                    path,
                    template: "incidents.html",
                    context: c,
                }
            })
            .collect()
    }
}

//! Render: the archive and its analysis become pages in memory — Markdown by
//! comrak, HTML by tera templates, charts as inline SVG, plus the Atom feed,
//! sitemap and `casebook.json`. Pages render in parallel. Rendering never reads
//! or writes files: the theme arrives loaded and the pages leave as bytes.

mod boards;
pub(crate) mod charts;
pub(crate) mod export;
mod feeds;
pub(crate) mod format;
mod fragments;
mod home;
mod incident_page;
mod incidents;
pub(crate) mod links;
pub(crate) mod markdown;
mod metrics_view;
mod reading_lists;
mod repeat_signals;
mod system_json;
mod systems;
mod teams;
mod templates;
pub(crate) mod views;

use crate::analyze::Analysis;
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::model::Archive;
use crate::routes::{IncidentOrder, PageId, Terms};
pub(crate) use fragments::FragmentCache;
use fragments::Fragments;
use markdown::Markdown;
use rayon::prelude::*;
use std::sync::Arc;
use templates::render_error;
pub(crate) use templates::{compile, escape};
use views::{Row, SiteView};

/// One output file, by its path relative to the output root (`incidents/x/index.html`).
#[derive(Debug, Clone)]
pub struct Page {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// A page's template and context before rendering.
struct Job {
    path: String,
    template: &'static str,
    context: tera::Context,
}

pub(crate) struct Renderer<'a> {
    tera: Arc<tera::Tera>,
    md: Markdown,
    config: &'a Config,
    archive: &'a Archive,
    analysis: &'a Analysis,
    site: SiteView,
    rows: Arc<Vec<Row>>,
    fragment_cache: Option<Arc<FragmentCache>>,
    links: links::WriteUpLinks,
}

/// How many incidents the search page lists before a query: search.js's page size.
const SEARCH_PAGE_NEWEST: usize = 10;

impl<'a> Renderer<'a> {
    /// A renderer with rows computed earlier for this archive and analysis.
    pub(crate) fn with_rows(
        tera: Arc<tera::Tera>,
        config: &'a Config,
        archive: &'a Archive,
        analysis: &'a Analysis,
        rows: Arc<Vec<Row>>,
    ) -> Self {
        Self {
            tera,
            md: Markdown::new(config.file.markdown.unsafe_html),
            config,
            archive,
            analysis,
            site: SiteView::new(config, archive),
            rows,
            fragment_cache: None,
            links: links::WriteUpLinks::new(archive),
        }
    }

    /// Reuses list fragments kept from earlier renders with the same templates
    /// (`casebook serve`): only entries whose row changed are rendered again.
    pub(crate) fn with_fragment_cache(mut self, cache: Arc<FragmentCache>) -> Self {
        self.fragment_cache = Some(cache);
        self
    }

    /// The position of the incident `id` in the archive being rendered.
    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        self.archive.position(id)
    }

    /// The context every template gets for the page `page`.
    fn context_of(&self, page: &PageId) -> tera::Context {
        self.context(&page.path(), page.section())
    }

    fn context(&self, path: &str, section: &str) -> tera::Context {
        let mut c = tera::Context::new();
        c.insert("site", &self.site);
        c.insert("root", &format::root_for(path));
        c.insert("path", path);
        c.insert("section", section);
        c
    }

    /// Every page, each handed to `emit` as soon as it is rendered, in no set
    /// order: a build writes incident pages while the rest still render.
    pub(crate) fn render_each(&self, emit: &(dyn Fn(Page) + Sync)) -> Result<(), Diagnostic> {
        let (aggregates, incidents) = rayon::join(
            || self.emit_aggregate_pages(&|| true, emit),
            || {
                (0..self.archive.incidents.len())
                    .into_par_iter()
                    .try_for_each(|i| {
                        self.incident_pages(i)?.into_iter().for_each(emit);
                        Ok(())
                    })
            },
        );
        incidents?;
        aggregates?;
        Ok(())
    }

    /// The pages besides an incident's own that show its body's word count or
    /// summary: home and reading lists (reading time), feed, `casebook.json`.
    pub(crate) fn body_dependent_pages(&self) -> Result<Vec<Page>, Diagnostic> {
        let mut jobs = vec![self.home()];
        jobs.extend(self.reading_list_pages());
        let mut pages = jobs
            .into_par_iter()
            .map(|job| self.render_job(job))
            .collect::<Result<Vec<Page>, Diagnostic>>()?;
        pages.extend(self.feeds());
        pages.push(Page {
            path: PageId::Export.path(),
            bytes: export::json(self.config, self.archive, self.analysis),
        });
        Ok(pages)
    }

    /// Every page but the incidents' own (indexes, systems, terms, lists, the
    /// feeds, the sitemap and `casebook.json`), given up (None) as soon as
    /// `keep_going` says so: a live preview drops list pages a newer save has
    /// made stale.
    pub(crate) fn aggregate_pages_while(
        &self,
        keep_going: &(dyn Fn() -> bool + Sync),
    ) -> Result<Option<Vec<Page>>, Diagnostic> {
        let pages = std::sync::Mutex::new(Vec::new());
        let complete = self.emit_aggregate_pages(keep_going, &|page| {
            pages.lock().unwrap_or_else(|e| e.into_inner()).push(page);
        })?;
        let pages = pages.into_inner().unwrap_or_else(|e| e.into_inner());
        Ok(complete.then_some(pages))
    }

    /// The aggregate pages, each handed to `emit` as soon as it is rendered:
    /// a large archive's list pages run to tens of megabytes each (hundreds
    /// for `casebook.json`), and holding them all until the last was done
    /// held gigabytes. False when `keep_going` stopped it part way (some pages
    /// may have been emitted).
    fn emit_aggregate_pages(
        &self,
        keep_going: &(dyn Fn() -> bool + Sync),
        emit: &(dyn Fn(Page) + Sync),
    ) -> Result<bool, Diagnostic> {
        let (shallow, deep) = self.list_fragments()?;
        if !keep_going() {
            return Ok(false);
        }
        // Each page's path, in page order, for the sitemap.
        let emitted = |page: Page| {
            let path = page.path.clone();
            emit(page);
            path
        };
        let jobs = self.list_jobs(&shallow, &deep);
        let fixed: Vec<Option<Result<String, Diagnostic>>> = jobs
            .into_par_iter()
            .map(|job| keep_going().then(|| self.render_job(job).map(emitted)))
            .collect();
        let systems: Vec<Option<Result<String, Diagnostic>>> = self
            .archive
            .systems
            .par_iter()
            .map(|s| {
                keep_going().then(|| self.render_job(self.system_page(&s.id, &deep)).map(emitted))
            })
            .collect();
        drop((shallow, deep));
        let mut paths = Vec::with_capacity(fixed.len() + systems.len());
        for p in fixed.into_iter().chain(systems) {
            match p {
                Some(p) => paths.push(p?),
                None => return Ok(false),
            }
        }
        self.feeds().into_iter().for_each(emit);
        let incident_paths = (0..self.archive.incidents.len()).flat_map(|i| self.incident_paths(i));
        paths.extend(incident_paths);
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        emit(Page {
            path: PageId::Sitemap.path(),
            bytes: export::sitemap(&self.config.base_url, &paths).into_bytes(),
        });
        emit(Page {
            path: PageId::Export.path(),
            bytes: export::json(self.config, self.archive, self.analysis),
        });
        self.system_data().into_iter().for_each(emit);
        Ok(true)
    }

    /// Every incident's list markup at the two depths list pages sit at: one
    /// level (incidents/, follow-ups/) or two (incidents/oldest/, systems/x/,
    /// tags/x/) below the root.
    fn list_fragments(&self) -> Result<(Fragments, Fragments), Diagnostic> {
        let (shallow, deep) = rayon::join(
            || {
                let wanted = fragments::Wanted {
                    rows: true,
                    items: false,
                    follow_ups: fragments::FollowUps::All,
                };
                let depth = PageId::Incidents(IncidentOrder::Newest).path();
                self.fragments(&format::root_for(&depth), wanted, None)
            },
            || {
                let wanted = fragments::Wanted {
                    rows: true,
                    items: true,
                    follow_ups: fragments::FollowUps::Pending,
                };
                self.fragments(&format::root_for(&PageId::system("x").path()), wanted, None)
            },
        );
        Ok((shallow?, deep?))
    }

    /// The pages that show many incidents, but for the systems' own pages.
    fn list_jobs(&self, shallow: &Fragments, deep: &Fragments) -> Vec<Job> {
        let mut jobs = vec![
            self.home(),
            self.repeats_page(),
            self.metrics_page(),
            self.systems_index(),
        ];
        if self.site.has_follow_ups {
            jobs.push(self.follow_ups_page(shallow));
        }
        jobs.extend(self.teams_index());
        jobs.extend(self.team_pages(deep));
        jobs.extend(self.incident_indexes(shallow, deep));
        jobs.extend(self.terms_pages(Terms::Tags, "Tags", &self.analysis.tags, deep));
        jobs.extend(self.terms_pages(
            Terms::Factors,
            "Contributing factors",
            &self.analysis.factors,
            deep,
        ));
        jobs.extend(self.reading_list_pages());
        jobs.push(self.search_page());
        jobs.push(self.not_found_page());
        jobs
    }

    /// `search/`: the search box, and the newest incidents before any query.
    fn search_page(&self) -> Job {
        let mut search = self.context_of(&PageId::Search);
        search.insert("title", "Search");
        // The page lists the newest incidents before any query, as search.js
        // would, without fetching a Pagefind fragment for each of them.
        let newest: Vec<serde_json::Value> = self
            .rows
            .iter()
            .zip(&self.archive.incidents)
            .take(SEARCH_PAGE_NEWEST)
            .map(|(row, inc)| {
                serde_json::json!({
                    "row": row,
                    "summary": inc.summary.as_deref().map(crate::model::body::plain_text),
                })
            })
            .collect();
        search.insert("newest", &newest);
        search.insert("incident_total", &self.rows.len());
        Job {
            path: PageId::Search.path(),
            template: "search.html",
            context: search,
        }
    }

    fn not_found_page(&self) -> Job {
        let mut not_found = self.context_of(&PageId::NotFound);
        not_found.insert("title", "Page not found");
        // Hosts serve 404.html at whatever URL was missing, so relative links would
        // point nowhere; with a base URL they can be absolute.
        if !self.config.base_url.is_empty() {
            not_found.insert("root", &format!("{}/", self.config.base_url));
        }
        Job {
            path: PageId::NotFound.path(),
            template: "404.html",
            context: not_found,
        }
    }

    fn render_job(&self, job: Job) -> Result<Page, Diagnostic> {
        let html = self
            .tera
            .render(job.template, &job.context)
            .map_err(|e| render_error(job.template, &e))?;
        Ok(Page {
            path: job.path,
            bytes: html.into_bytes(),
        })
    }
}

//! Render: the archive and its analysis become pages in memory — Markdown by
//! comrak, HTML by tera templates, charts as inline SVG, plus the Atom feed,
//! sitemap and `casebook.json`. Pages render in parallel. Rendering never reads
//! or writes files: the theme arrives loaded and the pages leave as bytes.

pub mod charts;
pub mod export;
pub mod format;
mod fragments;
mod home;
mod incident_page;
pub mod links;
pub mod markdown;
mod metrics_view;
mod repeat_signals;
mod system_json;
mod teams;
pub mod views;

use crate::analyze::{Analysis, FollowUpState};
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::load::theme::Theme;
use crate::model::Archive;
pub use fragments::FragmentCache;
use fragments::Fragments;
use markdown::Markdown;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
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

pub struct Renderer<'a> {
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

/// Compiles a theme's templates; an error names the template and its line.
pub fn compile(theme: &Theme) -> Result<tera::Tera, Diagnostic> {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(escape);
    // The same slugs the page paths use, so links and files always agree.
    tera.register_filter(
        "slugify",
        |value: &tera::Value, _: &std::collections::HashMap<String, tera::Value>| {
            let s = tera::try_get_value!("slugify", "value", String, value);
            Ok(tera::Value::String(crate::model::incident::slugify(&s)))
        },
    );
    let fragment_templates = fragments::templates();
    let templates: Vec<(&str, &str)> = theme
        .templates
        .iter()
        .map(|(n, s, _)| (n.as_str(), s.as_str()))
        .chain(fragment_templates.iter().map(|(n, s)| (*n, s.as_str())))
        .collect();
    tera.add_raw_templates(templates).map_err(|e| {
        let text = error_chain(&e);
        let (name, line) = template_location(&text, theme);
        let path = theme
            .templates
            .iter()
            .find(|(n, _, _)| Some(n.as_str()) == name.as_deref())
            .map(|(_, _, p)| p.clone());
        let mut d = Diagnostic::error(
            path.unwrap_or_else(|| "templates".into()),
            format!("template error: {}", text.trim()),
        )
        .hint("fix the template syntax; see Tera's documentation for tags and filters");
        if let Some(line) = line {
            d = d.at_line(line);
        }
        d
    })?;
    Ok(tera)
}

/// HTML escaping for text and quoted attributes. Unlike Tera's default it leaves
/// `/` alone, so relative URLs stay readable (`../../style.css`). Control
/// characters other than tab and newlines, and U+FFFE/U+FFFF, are dropped: HTML
/// and XML (the feed) do not allow them, and list fragments use one as a separator.
pub fn escape(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_ascii_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push('\n');
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Finds the template name in quotes and the `--> line:col` Tera prints.
fn template_location(text: &str, theme: &Theme) -> (Option<String>, Option<u32>) {
    let name = theme
        .templates
        .iter()
        .map(|(n, _, _)| n)
        .find(|n| text.contains(&format!("'{n}'")))
        .cloned();
    let line = text
        .split("--> ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|l| l.trim().parse().ok());
    (name, line)
}

fn render_error(template: &str, e: &tera::Error) -> Diagnostic {
    Diagnostic::error(format!("templates/{template}"), format!("template error while rendering: {}", error_chain(e).replace('\n', ": ")))
        .hint("a template used a variable or filter that does not exist; compare with the default theme's template of that name")
}

#[derive(Serialize)]
struct SystemCard {
    id: String,
    name: String,
    team: Option<String>,
    /// The team's page, when the team has one.
    team_id: Option<String>,
    tier: Option<i64>,
    incidents: usize,
    last: Option<Row>,
    open: usize,
    overdue: usize,
    oldest_open_days: Option<i64>,
    completion: Option<String>,
    repeats_last_12_months: usize,
    recurred_while_open: usize,
    fix_did_not_hold: usize,
    chains: usize,
    /// Incidents per quarter over the last two years, oldest first.
    quarters: Vec<usize>,
    sparkline: String,
}

#[derive(Serialize)]
struct TermView {
    id: String,
    count: usize,
    last: String,
}

/// How many incidents the search page lists before a query: search.js's page size.
const SEARCH_PAGE_NEWEST: usize = 10;

impl<'a> Renderer<'a> {
    pub fn new(
        theme: &Theme,
        config: &'a Config,
        archive: &'a Archive,
        analysis: &'a Analysis,
    ) -> Result<Self, Diagnostic> {
        Ok(Self::with_templates(
            Arc::new(compile(theme)?),
            config,
            archive,
            analysis,
        ))
    }

    /// A renderer with templates compiled earlier (a live preview keeps them
    /// until the theme changes).
    pub fn with_templates(
        tera: Arc<tera::Tera>,
        config: &'a Config,
        archive: &'a Archive,
        analysis: &'a Analysis,
    ) -> Self {
        let rows: Vec<Row> = archive
            .incidents
            .par_iter()
            .enumerate()
            .map(|(i, _)| views::row(config, archive, analysis, i))
            .collect();
        Self::with_rows(tera, config, archive, analysis, Arc::new(rows))
    }

    /// A renderer with rows computed earlier for this archive and analysis.
    pub fn with_rows(
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
    pub fn with_fragment_cache(mut self, cache: Arc<FragmentCache>) -> Self {
        self.fragment_cache = Some(cache);
        self
    }

    /// The row every list shows for each incident, by position.
    pub fn rows(&self) -> &Arc<Vec<Row>> {
        &self.rows
    }

    fn context(&self, path: &str, section: &str) -> tera::Context {
        let mut c = tera::Context::new();
        c.insert("site", &self.site);
        c.insert("root", &format::root_for(path));
        c.insert("path", path);
        c.insert("section", section);
        c
    }

    /// Every page of the site, rendered in parallel.
    pub fn render(&self) -> Result<Vec<Page>, Diagnostic> {
        let pages =
            std::sync::Mutex::new(Vec::with_capacity(self.archive.incidents.len() * 2 + 64));
        self.render_each(&|page| {
            pages.lock().unwrap_or_else(|e| e.into_inner()).push(page);
        })?;
        Ok(pages.into_inner().unwrap_or_else(|e| e.into_inner()))
    }

    /// Every page, each handed to `emit` as soon as it is rendered, in no set
    /// order: a build writes incident pages while the rest still render.
    pub fn render_each(&self, emit: &(dyn Fn(Page) + Sync)) -> Result<(), Diagnostic> {
        let (aggregates, incidents) = rayon::join(
            || self.aggregate_pages(),
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
        aggregates?.into_iter().for_each(emit);
        Ok(())
    }

    /// The paths of one incident's pages.
    pub fn incident_paths(&self, i: usize) -> Vec<String> {
        let id = &self.archive.incidents[i].id;
        let mut paths = vec![format!("incidents/{id}/index.html")];
        if self.archive.incidents[i].visibility == crate::model::Visibility::Public {
            paths.push(format!("incidents/{id}/rca/index.html"));
        }
        paths
    }

    /// Every page but the incidents' own: indexes, systems, terms, lists, the
    /// feed, the sitemap and `casebook.json`.
    pub fn aggregate_pages(&self) -> Result<Vec<Page>, Diagnostic> {
        Ok(self.aggregate_pages_while(&|| true)?.unwrap_or_default())
    }

    /// The pages besides an incident's own that show its body's word count or
    /// summary: home and reading lists (reading time), feed, `casebook.json`.
    pub fn body_dependent_pages(&self) -> Result<Vec<Page>, Diagnostic> {
        let mut jobs = vec![self.home()];
        jobs.extend(self.reading_list_pages());
        let mut pages = jobs
            .into_par_iter()
            .map(|job| self.render_job(job))
            .collect::<Result<Vec<Page>, Diagnostic>>()?;
        pages.extend(self.feeds());
        pages.push(Page {
            path: "casebook.json".into(),
            bytes: export::json(self.config, self.archive, self.analysis),
        });
        Ok(pages)
    }

    /// [`Renderer::aggregate_pages`], given up (None) as soon as `keep_going`
    /// says so: a live preview drops list pages a newer save has made stale.
    pub fn aggregate_pages_while(
        &self,
        keep_going: &(dyn Fn() -> bool + Sync),
    ) -> Result<Option<Vec<Page>>, Diagnostic> {
        // List pages sit one level (incidents/, follow-ups/) or two levels
        // (incidents/oldest/, systems/x/, tags/x/) below the root.
        let (shallow, deep) = rayon::join(
            || {
                let wanted = fragments::Wanted {
                    rows: true,
                    items: false,
                    follow_ups: fragments::FollowUps::All,
                };
                self.fragments(&format::root_for("incidents/index.html"), wanted, None)
            },
            || {
                let wanted = fragments::Wanted {
                    rows: true,
                    items: true,
                    follow_ups: fragments::FollowUps::Pending,
                };
                self.fragments(&format::root_for("systems/x/index.html"), wanted, None)
            },
        );
        let (shallow, deep) = (shallow?, deep?);
        if !keep_going() {
            return Ok(None);
        }
        let mut jobs = vec![
            self.home(),
            self.repeats_page(),
            self.metrics_page(),
            self.systems_index(),
        ];
        if self.site.has_follow_ups {
            jobs.push(self.follow_ups_page(&shallow));
        }
        jobs.extend(self.teams_index());
        jobs.extend(self.team_pages(&deep));
        jobs.extend(self.incident_indexes(&shallow, &deep));
        jobs.extend(self.terms_pages("tags", "Tags", &self.analysis.tags, &deep));
        jobs.extend(self.terms_pages(
            "factors",
            "Contributing factors",
            &self.analysis.factors,
            &deep,
        ));
        jobs.extend(self.reading_list_pages());
        let mut search = self.context("search/index.html", "search");
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
        jobs.push(Job {
            path: "search/index.html".into(),
            template: "search.html",
            context: search,
        });
        let mut not_found = self.context("404.html", "");
        not_found.insert("title", "Page not found");
        // Hosts serve 404.html at whatever URL was missing, so relative links would
        // point nowhere; with a base URL they can be absolute.
        if !self.config.base_url.is_empty() {
            not_found.insert("root", &format!("{}/", self.config.base_url));
        }
        jobs.push(Job {
            path: "404.html".into(),
            template: "404.html",
            context: not_found,
        });

        let fixed: Vec<Option<Result<Page, Diagnostic>>> = jobs
            .into_par_iter()
            .map(|job| keep_going().then(|| self.render_job(job)))
            .collect();
        let systems: Vec<Option<Result<Page, Diagnostic>>> = self
            .archive
            .systems
            .par_iter()
            .map(|s| keep_going().then(|| self.render_job(self.system_page(&s.id, &deep))))
            .collect();

        let mut pages = Vec::with_capacity(fixed.len() + systems.len() + 3);
        for p in fixed.into_iter().chain(systems) {
            match p {
                Some(p) => pages.push(p?),
                None => return Ok(None),
            }
        }
        let feeds = self.feeds();
        let incident_paths: Vec<String> = (0..self.archive.incidents.len())
            .flat_map(|i| self.incident_paths(i))
            .collect();
        let paths: Vec<&str> = pages
            .iter()
            .map(|p| p.path.as_str())
            .chain(incident_paths.iter().map(String::as_str))
            .collect();
        let sitemap = export::sitemap(&self.config.base_url, &paths);
        pages.extend(feeds);
        pages.push(Page {
            path: "sitemap.xml".into(),
            bytes: sitemap.into_bytes(),
        });
        pages.push(Page {
            path: "casebook.json".into(),
            bytes: export::json(self.config, self.archive, self.analysis),
        });
        pages.extend(self.system_data());
        Ok(Some(pages))
    }

    /// `feed.xml`, `feed.json`, every system's `systems/ID/feed.xml` and every
    /// team's `teams/ID/feed.xml`: the
    /// newest incidents, each saying whether it is a repeat and what is open.
    fn feeds(&self) -> Vec<Page> {
        let (config, archive, analysis) = (self.config, self.archive, self.analysis);
        let mut pages = vec![
            Page {
                path: "feed.xml".into(),
                bytes: export::atom(config, archive, analysis, &self.md).into_bytes(),
            },
            Page {
                path: "feed.json".into(),
                bytes: export::json_feed(config, archive, analysis, &self.md),
            },
        ];
        let on_this_day = self.on_this_day();
        let feed = export::Feed {
            title: format!("{}: on this day", config.file.title),
            page: String::new(),
            path: "on-this-day.xml".into(),
            incidents: &on_this_day,
        };
        pages.push(Page {
            path: feed.path.clone(),
            bytes: export::atom_of(config, archive, analysis, &self.md, &feed).into_bytes(),
        });
        pages.extend(self.team_feeds());
        pages.extend(
            archive
                .systems
                .par_iter()
                .map(|s| {
                    let incidents = analysis
                        .system(&s.id)
                        .map(|f| f.incidents.as_slice())
                        .unwrap_or_default();
                    let feed = export::Feed {
                        title: format!("{}: {}", config.file.title, s.name),
                        page: format!("systems/{}/", s.id),
                        path: format!("systems/{}/feed.xml", s.id),
                        incidents,
                    };
                    Page {
                        path: feed.path.clone(),
                        bytes: export::atom_of(config, archive, analysis, &self.md, &feed)
                            .into_bytes(),
                    }
                })
                .collect::<Vec<_>>(),
        );
        pages
    }

    /// `systems/index.json` and every system's `systems/ID/index.json`.
    fn system_data(&self) -> Vec<Page> {
        let (config, archive, analysis) = (self.config, self.archive, self.analysis);
        let mut pages: Vec<Page> = archive
            .systems
            .par_iter()
            .map(|s| Page {
                path: format!("systems/{}/index.json", s.id),
                bytes: system_json::system(config, archive, analysis, &s.id),
            })
            .collect();
        pages.push(Page {
            path: "systems/index.json".into(),
            bytes: system_json::index(config, archive, analysis),
        });
        pages
    }

    /// One system's page.
    pub fn system_page_of(&self, id: &str) -> Result<Page, Diagnostic> {
        let ids = self
            .analysis
            .system(id)
            .map(|f| f.incidents.as_slice())
            .unwrap_or_default();
        let wanted = fragments::Wanted {
            rows: false,
            items: true,
            follow_ups: fragments::FollowUps::Pending,
        };
        let fragments =
            self.fragments(&format::root_for("systems/x/index.html"), wanted, Some(ids))?;
        self.render_job(self.system_page(id, &fragments))
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

    /// Every system's card, their sparklines drawn to one scale so rows compare.
    fn system_cards(&self) -> Vec<SystemCard> {
        let mut cards: Vec<SystemCard> = self
            .archive
            .systems
            .iter()
            .map(|s| self.system_card(s))
            .collect();
        let scale = cards
            .iter()
            .flat_map(|c| c.quarters.iter().copied())
            .max()
            .unwrap_or(0);
        for card in &mut cards {
            card.sparkline = charts::quarter_sparkline(&card.name, &card.quarters, scale);
        }
        cards
    }

    fn system_card(&self, s: &crate::model::System) -> SystemCard {
        let as_of = self.config.as_of;
        {
            {
                let f = self.analysis.system(&s.id).cloned().unwrap_or_default();
                // Incidents per quarter over the last two years, oldest first.
                let mut counts = vec![0usize; 8];
                for &i in &f.incidents {
                    let Some(d) = self.archive.incidents[i].date else {
                        continue;
                    };
                    let months = (as_of.year() as i32 - d.year() as i32) * 12
                        + as_of.month() as i32
                        - d.month() as i32;
                    if (0..24).contains(&months) {
                        counts[7 - (months / 3) as usize] += 1;
                    }
                }
                SystemCard {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    team: s.team.clone(),
                    team_id: s.team.as_deref().and_then(crate::model::system::team_id),
                    tier: s.tier,
                    incidents: f.incidents.len(),
                    last: f.incidents.first().map(|&i| self.rows[i].clone()),
                    open: f.open,
                    overdue: f.overdue,
                    oldest_open_days: f.oldest_open_days,
                    completion: f.completion.map(format::percent),
                    repeats_last_12_months: f.repeats_last_12_months,
                    recurred_while_open: f.recurred_while_open,
                    fix_did_not_hold: f.fix_did_not_hold,
                    chains: f.chains.len(),
                    sparkline: charts::quarter_sparkline(&s.name, &counts, 0),
                    quarters: counts,
                }
            }
        }
    }

    fn incident_indexes(&self, shallow: &Fragments, deep: &Fragments) -> Vec<Job> {
        let mut orders: Vec<(&str, &str, Vec<usize>)> = Vec::new();
        let newest: Vec<usize> = (0..self.rows.len()).collect();
        let mut oldest = newest.clone();
        oldest.reverse();
        let mut severity = newest.clone();
        severity.sort_by_key(|&i| self.rows[i].sev_rank);
        let mut longest = newest.clone();
        longest.sort_by_key(|&i| std::cmp::Reverse(self.rows[i].ttr_minutes.unwrap_or(-1)));
        orders.push(("newest", "incidents/index.html", newest));
        orders.push(("oldest", "incidents/oldest/index.html", oldest));
        orders.push(("severity", "incidents/severity/index.html", severity));
        orders.push(("longest", "incidents/longest/index.html", longest));
        let mut systems: Vec<&str> = self.archive.systems.iter().map(|s| s.id.as_str()).collect();
        systems.sort();
        // Newest year first, "undated" last (as the rows are).
        let mut years: Vec<&str> = Vec::new();
        for r in self.rows.iter() {
            if !years.contains(&r.year.as_str()) {
                years.push(&r.year);
            }
        }
        let shallow_root = format::root_for("incidents/index.html");
        // The folder's README, atop the first page of the list.
        let introduction = self
            .archive
            .introduction
            .as_ref()
            .map(|intro| self.md.to_html(&intro.body));
        orders
            .into_iter()
            .map(|(order, path, ids)| {
                let mut c = self.context(path, "incidents");
                if order == "newest" {
                    c.insert("intro_html", &introduction);
                }
                let fragments = if format::root_for(path) == shallow_root {
                    shallow
                } else {
                    deep
                };
                c.insert("order", order);
                c.insert("rows_html", &fragments.rows_of(&ids));
                c.insert("row_count", &ids.len());
                c.insert("systems", &systems);
                c.insert("severities", &self.config.file.severities);
                c.insert("years", &years);
                Job {
                    path: path.into(),
                    template: "incidents.html",
                    context: c,
                }
            })
            .collect()
    }

    /// One incident's page, and its RCA page when it is public.
    pub fn incident_pages(&self, i: usize) -> Result<Vec<Page>, Diagnostic> {
        let inc = &self.archive.incidents[i];
        let path = format!("incidents/{}/index.html", inc.id);
        let view = views::incident(
            self.config,
            self.archive,
            self.analysis,
            &self.md,
            &self.links,
            i,
        );
        let mut c = self.context(&path, "incidents");
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
            let rca_path = format!("incidents/{}/rca/index.html", inc.id);
            let mut c = self.context(&rca_path, "incidents");
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

    fn system_page(&self, id: &str, fragments: &Fragments) -> Job {
        let path = format!("systems/{id}/index.html");
        let mut c = self.context(&path, "systems");
        let system = self.archive.system(id);
        let facts = self.analysis.system(id).cloned().unwrap_or_default();
        let card = system.map(|s| self.system_card(s));
        c.insert("system", &system);
        c.insert("parent", &views::parent_link(self.archive, id));
        c.insert("card", &card);
        c.insert(
            "description_html",
            &system
                .and_then(|s| s.description.as_deref())
                .map(|d| self.md.to_html(d)),
        );
        // Newest first, so each year is one run.
        let mut by_year: Vec<(&str, Vec<usize>)> = Vec::new();
        for &i in &facts.incidents {
            let year = self.rows[i].year.as_str();
            match by_year.last_mut() {
                Some((y, list)) if *y == year => list.push(i),
                _ => by_year.push((year, vec![i])),
            }
        }
        let by_year: Vec<serde_json::Value> = by_year
            .iter()
            .map(|(year, ids)| {
                serde_json::json!({ "year": year, "count": ids.len(), "items_html": fragments.items_of(ids) })
            })
            .collect();
        c.insert("by_year", &by_year);
        let chains: Vec<views::ChainView> = facts
            .chains
            .iter()
            .map(|&ch| views::chain(self.config, self.archive, self.analysis, ch, None))
            .collect();
        c.insert("chains", &chains);
        let open: String = facts
            .follow_ups
            .iter()
            .filter(|f| f.state.is_pending())
            .map(|f| fragments.follow_up(self, f))
            .collect();
        c.insert("open_follow_ups", &open);
        let children: Vec<&crate::model::System> = facts
            .children
            .iter()
            .filter_map(|ch| self.archive.system(ch))
            .collect();
        c.insert("children", &children);
        if let Some(m) = self.analysis.system_metrics.get(id) {
            c.insert(
                "metrics",
                &self.metrics_view(
                    m,
                    &format!("{id}: incidents per month by severity"),
                    &format::root_for(&path),
                ),
            );
        }
        Job {
            path,
            template: "system.html",
            context: c,
        }
    }

    fn systems_index(&self) -> Job {
        let mut c = self.context("systems/index.html", "systems");
        c.insert("systems", &self.system_cards());
        Job {
            path: "systems/index.html".into(),
            template: "systems.html",
            context: c,
        }
    }

    fn follow_ups_page(&self, fragments: &Fragments) -> Job {
        let path = "follow-ups/index.html";
        let mut c = self.context(path, "follow-ups");
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
            path: path.into(),
            template: "follow_ups.html",
            context: c,
        }
    }

    fn metrics_page(&self) -> Job {
        let path = "metrics/index.html";
        let mut c = self.context(path, "metrics");
        c.insert(
            "metrics",
            &self.metrics_view(
                &self.analysis.metrics,
                "Incidents per month by severity",
                &format::root_for(path),
            ),
        );
        Job {
            path: path.into(),
            template: "metrics.html",
            context: c,
        }
    }

    fn terms_pages(
        &self,
        kind: &'static str,
        label: &'static str,
        terms: &BTreeMap<String, Vec<usize>>,
        fragments: &Fragments,
    ) -> Vec<Job> {
        let index_path = format!("{kind}/index.html");
        let mut c = self.context(&index_path, kind);
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
        c.insert("label", label);
        c.insert("terms", &list);
        let mut jobs = vec![Job {
            path: index_path,
            template: "terms.html",
            context: c,
        }];
        for (id, ids) in terms {
            let path = format!("{kind}/{}/index.html", crate::model::incident::slugify(id));
            let mut c = self.context(&path, kind);
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

    fn reading_list_summaries(&self) -> Vec<serde_json::Value> {
        self.archive
            .reading_lists
            .iter()
            .zip(&self.analysis.reading_lists)
            .map(|(l, items)| {
                let words: usize = items.iter().map(|it| self.archive.incidents[it.incident].word_count).sum();
                serde_json::json!({
                    "id": l.id, "title": l.title, "description": l.description, "audience": l.audience,
                    "count": items.len(), "minutes": views::reading_minutes(words),
                })
            })
            .collect()
    }

    fn reading_nav(&self, i: usize) -> Vec<serde_json::Value> {
        self.analysis.in_reading_lists[i]
            .iter()
            .map(|&(l, pos)| {
                let list = &self.archive.reading_lists[l];
                let items = &self.analysis.reading_lists[l];
                let id_at = |p: usize| items.get(p).map(|it| self.rows[it.incident].clone());
                serde_json::json!({
                    "id": list.id, "title": list.title, "position": pos + 1, "count": items.len(),
                    "previous": pos.checked_sub(1).and_then(id_at), "next": id_at(pos + 1),
                })
            })
            .collect()
    }

    fn reading_list_pages(&self) -> Vec<Job> {
        if self.archive.reading_lists.is_empty() {
            return Vec::new();
        }
        let mut c = self.context("reading-lists/index.html", "reading-lists");
        c.insert("lists", &self.reading_list_summaries());
        let mut jobs = vec![Job {
            path: "reading-lists/index.html".into(),
            template: "reading_lists.html",
            context: c,
        }];
        for (l, list) in self.archive.reading_lists.iter().enumerate() {
            let path = format!("reading-lists/{}/index.html", list.id);
            let mut c = self.context(&path, "reading-lists");
            let resolved = &self.analysis.reading_lists[l];
            let mut systems: Vec<&String> = Vec::new();
            let mut questions: Vec<serde_json::Value> = Vec::new();
            let items: Vec<serde_json::Value> = resolved
                .iter()
                .enumerate()
                .map(|(pos, it)| {
                    let inc = &self.archive.incidents[it.incident];
                    for s in &inc.systems {
                        if !systems.contains(&s) {
                            systems.push(s);
                        }
                    }
                    let explicit = it.item.map(|k| &list.items[k]);
                    if let Some(e) = explicit {
                        if !e.questions.is_empty() {
                            questions.push(serde_json::json!({ "incident": self.rows[it.incident], "questions": e.questions }));
                        }
                    }
                    let open: Vec<views::FollowUpView> = self.analysis.incidents[it.incident]
                        .follow_ups
                        .iter()
                        .filter(|f| f.state.is_pending())
                        .map(|f| views::follow_up(self.archive, f))
                        .collect();
                    serde_json::json!({
                        "position": pos + 1,
                        "row": self.rows[it.incident],
                        "note_html": explicit.and_then(|e| e.note.as_deref()).map(|n| self.md.inline(n)),
                        "questions": explicit.map(|e| e.questions.clone()).unwrap_or_default(),
                        "from_rule": it.item.is_none(),
                        "minutes": views::reading_minutes(inc.word_count),
                        "summary_html": inc.summary.as_deref().map(|x| self.md.inline(x)),
                        "open_follow_ups": open,
                    })
                })
                .collect();
            let words: usize = resolved
                .iter()
                .map(|it| self.archive.incidents[it.incident].word_count)
                .sum();
            let ongoing: Vec<&Row> = self
                .rows
                .iter()
                .filter(|r| r.status != "resolved")
                .collect();
            let pick_up: Vec<views::FollowUpView> = self
                .analysis
                .follow_ups
                .iter()
                .filter(|f| f.state.is_pending())
                .filter(|f| {
                    self.archive.incidents[f.incident]
                        .systems
                        .iter()
                        .any(|s| systems.contains(&s))
                })
                .take(10)
                .map(|f| views::follow_up(self.archive, f))
                .collect();
            c.insert("list", list);
            c.insert("intro_html", &self.md.to_html(&list.body));
            c.insert("items", &items);
            c.insert("minutes", &views::reading_minutes(words));
            c.insert("ongoing", &ongoing);
            c.insert("pick_up", &pick_up);
            c.insert("questions", &questions);
            c.insert("systems", &systems);
            // The same list on one printable page, for a team session.
            let print_path = format!("reading-lists/{}/print/index.html", list.id);
            let mut print = c.clone();
            print.insert("root", &format::root_for(&print_path));
            print.insert("path", &print_path);
            jobs.push(Job {
                path: print_path,
                template: "reading_list_print.html",
                context: print,
            });
            jobs.push(Job {
                path,
                template: "reading_list.html",
                context: c,
            });
        }
        jobs
    }
}

/// Renders the whole site, handing each page to `emit` as it is done.
pub fn render_each(
    theme: &Theme,
    config: &Config,
    archive: &Archive,
    analysis: &Analysis,
    emit: &(dyn Fn(Page) + Sync),
) -> Result<(), Diagnostic> {
    Renderer::new(theme, config, archive, analysis)?.render_each(emit)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_quotes_markup_and_drops_control_characters() {
        assert_eq!(
            escape("<a href='x'>\"R&D\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&quot;R&amp;D&quot;&lt;/a&gt;"
        );
        assert_eq!(
            escape("tab\there\nline\u{1e}\u{0}bell\u{7}"),
            "tab\there\nlinebell"
        );
    }
}

//! [`Site::apply`]: a change to some files becomes the pages to re-render.
//! A save re-reads the files it names; the archive is reassembled from the
//! cached reads and re-analysed (cheap, linear); then only the pages that can
//! show the change are rendered at once — the changed incidents and every
//! incident that links to them, shares a chain or a reading list with them, or
//! lists them as a possible repeat, plus their systems' and those systems'
//! teams' pages. The list pages that show every incident are left to a
//! [`ListJob`], and only when something they show changed.
//!
//! The common save while writing changes only a write-up's body. Its analysis
//! cannot change (nothing derived from other files reads the body; possible
//! repeats are kept from the first load), so that save skips the model and
//! analysis and renders the one page, then the few lists showing reading time
//! or the summary.
//!
//! A change to anything but a write-up (config, templates, static files, systems
//! files — which say which team owns what —, reading lists, a write-up folder's
//! attachments) renders the whole site again: those are rare and touch every page.

use super::lists::{JobParts, Lists};
use super::{sources, ListJob, MemorySink, Site, Snapshot};
use crate::analyze::Analysis;
use crate::diagnostic::Diagnostic;
use crate::load::{self, Kind};
use crate::model::{Archive, Incident, Item, SourceRead};
use crate::render::{Page, Renderer};
use crate::routes::{self, Change, PageId};
use crate::{BuildError, Mode};
use rayon::prelude::*;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;

/// What a change did to the site.
pub struct Update {
    /// When true, `pages` is the whole site; otherwise pages to add or replace.
    pub whole_site: bool,
    pub pages: Vec<Page>,
    /// Paths to drop (incidents removed, RCA pages no longer public).
    pub removed: Vec<String>,
    /// Paths the [`ListJob`] re-renders; serve them only after it is done.
    pub pending: Vec<String>,
    pub lists: Option<ListJob>,
    pub diagnostics: Vec<Diagnostic>,
    /// Pages rendered by this call.
    pub rendered: usize,
}

/// A fresh read of a changed file, by its key; None when it is gone.
type Fresh = Vec<(sources::SourceKey, Option<SourceRead>)>;

impl Site {
    /// Reads everything again and renders the whole site into memory.
    /// `Mode::Full` also builds the search bundle and finds possible repeats
    /// (kept for the preview renders after it).
    pub fn refresh(&mut self, mode: Mode) -> Result<Update, BuildError> {
        self.load(mode)?;
        self.render_whole()
    }

    /// Renders the whole site of the last good load into memory.
    fn render_whole(&mut self) -> Result<Update, BuildError> {
        let sink = MemorySink::default();
        let rendered = self.render(&sink, &|_| {})?;
        let mut diagnostics = rendered.diagnostics;
        // A damaged cached search bundle was rebuilt: the preview says so too.
        diagnostics.extend(
            rendered
                .notices
                .into_iter()
                .map(|n| Diagnostic::warning(crate::index::search::CACHE_DIR, n)),
        );
        Ok(Update {
            whole_site: true,
            pages: sink.into_pages(),
            removed: Vec::new(),
            pending: Vec::new(),
            lists: None,
            diagnostics,
            rendered: rendered.rendered,
        })
    }

    /// Applies a change to the files at `paths` (absolute, as a watcher
    /// reports them): re-reads changed write-ups and renders what shows them.
    pub fn apply(&mut self, paths: &[PathBuf]) -> Result<Update, BuildError> {
        let root = self.config.root.clone();
        let (changed_incidents, whole) = self.classify(paths);
        if paths.contains(&root.join(crate::config::CONFIG_FILE)) {
            self.config
                .reload_file()
                .map_err(|d| BuildError::Invalid(vec![d]))?;
        }
        if whole || !self.warm || self.last.is_none() || self.theme.is_none() {
            return self.refresh(Mode::Preview);
        }
        let fresh: Fresh = changed_incidents
            .par_iter()
            .map(|path| {
                let read = path
                    .is_file()
                    .then(|| sources::read(&root, Kind::Incident, path, &self.config));
                (sources::key(&root, Kind::Incident, path), read)
            })
            .collect();
        // A folder write-up that gained or lost attachments: those files are
        // copied by a full render only.
        if fresh
            .iter()
            .any(|(key, new)| attachments(self.sources.get(key)) != attachments(new.as_ref()))
        {
            return self.refresh(Mode::Preview);
        }
        if let Some(update) = self.body_only(&fresh) {
            return update;
        }
        let mut changed_ids = std::mem::take(&mut self.dirty);
        for (key, read) in fresh {
            changed_ids.extend(
                read.as_ref()
                    .and_then(|r| r.incident_id())
                    .map(str::to_owned),
            );
            if let Some(old) = self.sources.replace(key, read) {
                changed_ids.extend(old.incident_id().map(str::to_owned));
            }
        }
        let (archive, diagnostics) = self.sources.assemble(&self.config);
        match self.derive(archive, diagnostics, Mode::Preview) {
            Ok(loaded) => self.render_changes(
                loaded.archive,
                loaded.analysis,
                loaded.diagnostics,
                changed_ids,
            ),
            Err(e) => {
                self.dirty = changed_ids;
                Err(e)
            }
        }
    }

    /// The changed write-ups among `paths`, and whether anything else changed
    /// that only a full render shows.
    fn classify(&self, paths: &[PathBuf]) -> (Vec<PathBuf>, bool) {
        let root = &self.config.root;
        let content = &self.config.file.content;
        let incidents_dir = root.join(&content.incidents);
        let mut changed_incidents = Vec::new();
        let mut whole = false;
        for path in paths {
            match load::source_kind(root, path, content) {
                Some(Kind::Incident) => changed_incidents.push(path.clone()),
                // A folder write-up's attachment: copied by a full render.
                None if load::attachments::is_attachment_path(&incidents_dir, path) => whole = true,
                // Other files among the write-ups (notes, editor files) are not read.
                None if path.starts_with(&incidents_dir) => {}
                // Systems files and reading lists reach many pages; anything
                // outside content/ is the theme or the config.
                _ => whole = true,
            }
        }
        (changed_incidents, whole)
    }

    /// The save changed only the body of write-ups (nothing a list, a link or
    /// the analysis reads): swap them in and render their pages.
    fn body_only(&mut self, fresh: &Fresh) -> Option<Result<Update, BuildError>> {
        if !self.dirty.is_empty() || fresh.is_empty() {
            return None;
        }
        let last = self.last.as_ref()?;
        let mut swaps = Vec::new();
        for (key, new) in fresh {
            let (old_read, new_read) = (self.sources.get(key)?, new.as_ref()?);
            let (Some(Item::Incident(old)), Some(Item::Incident(inc))) =
                (&old_read.item, &new_read.item)
            else {
                return None;
            };
            let same_diagnostics =
                format!("{:?}", old_read.diagnostics) == format!("{:?}", new_read.diagnostics);
            if !same_diagnostics || without_body(old) != without_body(inc) {
                return None;
            }
            swaps.push((last.archive.position(&inc.id)?, Arc::clone(inc)));
        }
        for (key, new) in fresh {
            self.sources.replace(key.clone(), new.clone());
        }
        let last = self.last.as_mut()?;
        let archive = Arc::make_mut(&mut last.archive);
        for (i, inc) in &swaps {
            archive.incidents[*i] = Arc::clone(inc);
        }
        let renderer = self.renderer()?;
        let mut pages = Vec::new();
        let mut removed = Vec::new();
        for (i, inc) in &swaps {
            match renderer.incident_pages(*i) {
                Ok(p) => pages.extend(p),
                Err(d) => {
                    drop(renderer);
                    let mut errors = self.diagnostics().to_vec();
                    errors.push(d);
                    self.dirty.insert(inc.id.clone());
                    return Some(Err(BuildError::Invalid(errors)));
                }
            }
            removed.extend(routes::incident_paths(&inc.id));
        }
        drop(renderer);
        let diagnostics = self.diagnostics().to_vec();
        Some(Ok(self.partial_update(
            pages,
            removed,
            diagnostics,
            Lists::BodyDependent,
        )))
    }

    /// Renders the pages that can show the changed incidents, and schedules
    /// the list pages when anything they show changed.
    fn render_changes(
        &mut self,
        archive: Archive,
        analysis: Analysis,
        diagnostics: Vec<Diagnostic>,
        changed_ids: HashSet<String>,
    ) -> Result<Update, BuildError> {
        let (Some(theme), Some(last)) = (&self.theme, self.last.take()) else {
            return self.refresh(Mode::Preview);
        };
        let counts = theme.counts_beyond_home;
        if shown_on_every_page(&self.config, &archive, counts)
            != shown_on_every_page(&self.config, &last.archive, counts)
        {
            let tracker = last.tracker.clone();
            std::thread::spawn(move || drop(last));
            let now = super::Snapshot::new(&self.config, archive, analysis, diagnostics, tracker);
            return self.render_everything(now);
        }
        let rows = Arc::new(super::rows(&self.config, &archive, &analysis));
        let renderer = Renderer::with_rows(
            Arc::clone(&theme.tera),
            &self.config,
            &archive,
            &analysis,
            Arc::clone(&rows),
        )
        .with_fragment_cache(Arc::clone(&self.fragment_cache));

        let (touched, rows_changed) = touched_rows(&last, &archive, &rows, &changed_ids);
        let lists_changed = rows_changed
            || changed_ids.iter().any(|id| {
                summary_key(&archive, &analysis, id)
                    != summary_key(&last.archive, &last.analysis, id)
            });
        let showing = routes::incidents_showing(
            (&last.archive, &last.analysis),
            (&archive, &analysis),
            &touched,
            Change::Listed,
        );
        let removed: Vec<String> = showing
            .iter()
            .filter_map(|page| match page {
                PageId::Incident(id) => Some(routes::incident_paths(id)),
                _ => None,
            })
            .flatten()
            .collect();
        let rendered = render_showing(&renderer, &showing, lists_changed);
        drop(renderer);
        let mut pages = Vec::new();
        let mut errors = diagnostics.clone();
        for p in rendered {
            match p {
                Ok(p) => pages.extend(p),
                Err(d) => errors.push(d),
            }
        }
        if errors.iter().any(Diagnostic::is_error) {
            self.last = Some(last);
            self.dirty = changed_ids;
            return Err(BuildError::Invalid(errors));
        }
        self.last = Some(Snapshot {
            archive: Arc::new(archive),
            analysis: Arc::new(analysis),
            rows,
            diagnostics: diagnostics.clone(),
            tracker: last.tracker.clone(),
        });
        // Freeing the previous archive and analysis (millions of small
        // allocations at 10,000 write-ups) need not delay the reload.
        std::thread::spawn(move || drop(last));
        let scope = if lists_changed {
            Lists::All
        } else {
            Lists::None
        };
        Ok(self.partial_update(pages, removed, diagnostics, scope))
    }

    /// What every page shows of the site changed (the nav, a count a theme
    /// shows): renders all of it, from the reads already made.
    fn render_everything(&mut self, now: Snapshot) -> Result<Update, BuildError> {
        self.last = Some(now);
        self.mode = Mode::Preview;
        self.dirty.clear();
        self.lists.reset();
        self.render_whole()
    }

    /// An update of `pages`, minus `removed` paths (those not rendered again),
    /// with the list job for `scope`.
    fn partial_update(
        &self,
        pages: Vec<Page>,
        mut removed: Vec<String>,
        diagnostics: Vec<Diagnostic>,
        scope: Lists,
    ) -> Update {
        let written: HashSet<&str> = pages.iter().map(|p| p.path.as_str()).collect();
        removed.retain(|p| !written.contains(p.as_str()));
        let (lists, mut pending) = match self.job_parts() {
            Some(parts) => self.lists.job(scope, parts),
            None => (None, Vec::new()),
        };
        pending.retain(|p| !written.contains(p.as_str()));
        Update {
            whole_site: false,
            rendered: pages.len(),
            pages,
            removed,
            pending,
            lists,
            diagnostics,
        }
    }

    fn job_parts(&self) -> Option<JobParts> {
        let (last, theme) = (self.last.as_ref()?, self.theme.as_ref()?);
        Some(JobParts {
            tera: Arc::clone(&theme.tera),
            fragment_cache: Arc::clone(&self.fragment_cache),
            config: self.config.clone(),
            archive: Arc::clone(&last.archive),
            analysis: Arc::clone(&last.analysis),
            rows: Arc::clone(&last.rows),
        })
    }
}

/// The incidents `changed`, and those whose row in lists changed with them
/// (title, date, severity, follow-up counts...; other pages show that row), or
/// that are gone; and whether any row changed at all.
fn touched_rows(
    last: &Snapshot,
    archive: &Archive,
    rows: &[crate::render::views::Row],
    changed: &HashSet<String>,
) -> (HashSet<String>, bool) {
    let mut touched = changed.clone();
    let mut rows_changed = archive.incidents.len() != last.archive.incidents.len();
    for (inc, row) in archive.incidents.iter().zip(rows) {
        if last.archive.position(&inc.id).map(|j| &last.rows[j]) != Some(row) {
            touched.insert(inc.id.clone());
            rows_changed = true;
        }
    }
    for inc in &last.archive.incidents {
        if archive.position(&inc.id).is_none() {
            touched.insert(inc.id.clone());
            rows_changed = true;
        }
    }
    (touched, rows_changed)
}

/// Renders the pages routes say show a change, but for the system and team
/// pages when the list pages are rendered anyway (every system and team page
/// is one of them, and requests for them wait until they are): those need
/// not delay the incident's reload.
fn render_showing(
    renderer: &Renderer<'_>,
    showing: &[PageId],
    lists_changed: bool,
) -> Vec<Result<Vec<Page>, Diagnostic>> {
    showing
        .par_iter()
        .filter_map(|page| match page {
            PageId::Incident(id) => Some(
                renderer
                    .position(id)
                    .map_or_else(|| Ok(Vec::new()), |i| renderer.incident_pages(i)),
            ),
            PageId::System(_) | PageId::Team(_) if lists_changed => None,
            PageId::System(id) => Some(renderer.system_page_of(id).map(|p| vec![p])),
            PageId::Team(id) => renderer.team_page_of(id).map(|p| p.map(|p| vec![p])),
            _ => None,
        })
        .collect()
}

/// What every page may show of the site (the `site` value of every template's
/// context). The incident count counts only when a template besides the home
/// page's (a list page, rendered again when a row changes) names it.
fn shown_on_every_page(
    config: &crate::config::Config,
    archive: &Archive,
    with_count: bool,
) -> serde_json::Value {
    let mut site = crate::render::views::SiteView::new(config, archive);
    if !with_count {
        site.incident_count = 0;
    }
    serde_json::to_value(site).unwrap_or_default()
}

/// A folder write-up's attachments, when it has any.
fn attachments(read: Option<&SourceRead>) -> Option<Vec<String>> {
    match read.and_then(|r| r.item.as_ref()) {
        Some(Item::Incident(inc)) => inc.attachments.clone().filter(|a| !a.is_empty()),
        _ => None,
    }
}

/// An incident without what comes from its body text.
fn without_body(inc: &Incident) -> Incident {
    let mut inc = inc.clone();
    inc.body.clear();
    inc.word_count = 0;
    inc.summary = None;
    inc
}

/// A key over what list pages show of an incident: everything but its body
/// text (its word count, summary and follow-ups are in it) and its suggestions.
fn summary_key(archive: &Archive, analysis: &Analysis, id: &str) -> Option<u64> {
    let i = archive.position(id)?;
    let mut inc = (*archive.incidents[i]).clone();
    inc.body.clear();
    let mut facts = analysis.incidents[i].clone();
    facts.possibly_related.clear();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{inc:?}{facts:?}").hash(&mut h);
    Some(h.finish())
}

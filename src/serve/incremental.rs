//! Incremental rebuilds for `casebook serve`: the pipeline kept warm between
//! saves. Every source file's typed read ([`SourceRead`]) is cached by size and
//! modification time, so a save re-reads one file; the archive is reassembled
//! from shared incidents and re-analysed (cheap, linear); then only the pages
//! that can show the change are rendered at once — the changed incidents and
//! every incident that links to them, shares a chain or a reading list with
//! them, or lists them as a possible repeat, plus their systems' and those
//! systems' teams' pages. The
//! list pages that show every incident (indexes, follow-ups, tags, metrics, feed,
//! `casebook.json`) are rendered right after, on another thread, and only when
//! something they show changed; until then the server holds requests for them
//! rather than serve a stale copy, and a newer save cancels them.
//!
//! The common save while writing changes only a write-up's body. Its analysis
//! cannot change (nothing derived from other files reads the body; possible
//! repeats are kept from the first build), so that save skips the model and
//! analysis and renders the one page, then the few lists showing reading time
//! or the summary.
//!
//! A change to anything but a write-up (config, templates, static files, systems
//! files — which say which team owns what —, reading lists, a write-up folder's
//! attachments) rebuilds the whole site: those are rare and touch every page.

use crate::analyze::Analysis;
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::load::{self, Kind};
use crate::model::{self, Archive, Incident, Item, SourceRead};
use crate::render::{self, views::Row, FragmentCache, Page, Renderer};
use crate::{BuildError, Mode};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

/// What the last good build derived, kept to tell what a change touches.
struct Snapshot {
    archive: Arc<Archive>,
    analysis: Arc<Analysis>,
    /// Every incident's row in lists, by position.
    rows: Arc<Vec<Row>>,
    diagnostics: Vec<Diagnostic>,
}

/// Which list pages a change leaves stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Lists {
    None = 0,
    /// Home, reading lists, feed and `casebook.json` (reading time, summary).
    BodyDependent = 1,
    All = 2,
}

/// What a rebuild changed in the served site.
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

/// List pages still to render after an incremental rebuild.
pub struct ListJob {
    tera: Arc<tera::Tera>,
    fragment_cache: Arc<FragmentCache>,
    config: Config,
    archive: Arc<Archive>,
    analysis: Arc<Analysis>,
    rows: Arc<Vec<Row>>,
    scope: Lists,
    aggregate_paths: Arc<Mutex<BTreeSet<String>>>,
    stale: Arc<AtomicU8>,
}

/// Rendered list pages, and list pages that no longer exist.
pub struct Finished {
    pub pages: Vec<Page>,
    pub removed: Vec<String>,
}

impl ListJob {
    /// Renders the pages; None when `keep_going` turned false first.
    pub fn run(
        self,
        keep_going: &(dyn Fn() -> bool + Sync),
    ) -> Result<Option<Finished>, BuildError> {
        let renderer = Renderer::with_rows(
            self.tera,
            &self.config,
            &self.archive,
            &self.analysis,
            self.rows,
        )
        .with_fragment_cache(self.fragment_cache);
        let pages = match self.scope {
            Lists::None => Ok(Vec::new()),
            Lists::BodyDependent => renderer.body_dependent_pages(),
            Lists::All => match renderer.aggregate_pages_while(keep_going) {
                Ok(Some(pages)) => Ok(pages),
                Ok(None) => return Ok(None),
                Err(d) => Err(d),
            },
        }
        .map_err(|d| BuildError::Invalid(vec![d]))?;
        if !keep_going() {
            return Ok(None);
        }
        let mut removed = Vec::new();
        if self.scope == Lists::All {
            let now: BTreeSet<String> = pages.iter().map(|p| p.path.clone()).collect();
            let mut paths = self
                .aggregate_paths
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            removed = paths.difference(&now).cloned().collect();
            *paths = now;
        }
        // Done: unless a newer job has widened what is stale meanwhile.
        let _ = self.stale.compare_exchange(
            self.scope as u8,
            Lists::None as u8,
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
        Ok(Some(Finished { pages, removed }))
    }
}

/// Compiled templates and the theme's static files.
type Templates = (Arc<tera::Tera>, Vec<(String, Vec<u8>)>);

/// The warm pipeline of one archive.
pub struct Session {
    config: Config,
    /// By (kind, path relative to the root), in the order a full load reads them.
    sources: BTreeMap<(u8, PathBuf), SourceRead>,
    templates: Option<Templates>,
    /// List entries rendered with `templates`, kept for the next rebuild.
    fragment_cache: Arc<FragmentCache>,
    /// Possible repeats from the first (full) analysis, by incident id: preview
    /// rebuilds skip the similarity search, and keep these.
    similar: HashMap<String, Vec<(String, f32)>>,
    last: Option<Snapshot>,
    /// Paths of the pages that are not an incident's own.
    aggregate_paths: Arc<Mutex<BTreeSet<String>>>,
    /// The widest [`Lists`] scope issued and not yet rendered: a cancelled job's
    /// pages are still stale, so the next job covers them too.
    stale: Arc<AtomicU8>,
    /// Incidents changed since the last good build (a failed rebuild keeps them).
    dirty: HashSet<String>,
}

fn kind_order(kind: Kind) -> u8 {
    match kind {
        Kind::Incident => 0,
        Kind::System => 1,
        Kind::ReadingList => 2,
        Kind::Introduction => 3,
    }
}

fn read_source(root: &Path, kind: Kind, path: &Path, config: &Config) -> SourceRead {
    match load::read_document(root, kind, path) {
        Ok(doc) => model::read_source(doc, config),
        Err(d) => SourceRead::unreadable(kind, path, d),
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

/// For each of the incidents `of` (by id), the incidents that list it as a
/// possible repeat. One pass, keeping only what the rebuild will look up.
fn suggested_by(
    archive: &Archive,
    analysis: &Analysis,
    of: &HashSet<String>,
) -> HashMap<usize, Vec<usize>> {
    let targets: HashSet<usize> = of.iter().filter_map(|id| archive.position(id)).collect();
    let mut by: HashMap<usize, Vec<usize>> = HashMap::new();
    for (j, f) in analysis.incidents.iter().enumerate() {
        for &(k, _) in &f.possibly_related {
            if targets.contains(&k) {
                by.entry(k).or_default().push(j);
            }
        }
    }
    by
}

/// Ids of the incidents whose pages show incident `i`: links both ways, chain
/// members, reading-list neighbours and possible repeats either way.
fn neighbours(
    archive: &Archive,
    analysis: &Analysis,
    suggested_by: &HashMap<usize, Vec<usize>>,
    i: usize,
    out: &mut HashSet<String>,
) {
    let inc = &archive.incidents[i];
    let facts = &analysis.incidents[i];
    let mut add = |j: usize| {
        if let Some(other) = archive.incidents.get(j) {
            out.insert(other.id.clone());
        }
    };
    for link in inc.repeat_of.iter().chain(&inc.related) {
        if let Some(j) = archive.position(&link.id) {
            add(j);
        }
    }
    facts
        .repeated_by
        .iter()
        .chain(&facts.related_by)
        .for_each(|&j| add(j));
    if let Some((c, _)) = facts.chain {
        analysis.chains[c].members.iter().for_each(|&j| add(j));
    }
    for &(l, pos) in &analysis.in_reading_lists[i] {
        let items = &analysis.reading_lists[l];
        for p in [pos.wrapping_sub(1), pos + 1] {
            if let Some(item) = items.get(p) {
                add(item.incident);
            }
        }
    }
    suggested_by
        .get(&i)
        .into_iter()
        .flatten()
        .for_each(|&j| add(j));
    facts.possibly_related.iter().for_each(|&(j, _)| add(j));
}

fn incident_paths(id: &str) -> [String; 2] {
    [
        format!("incidents/{id}/index.html"),
        format!("incidents/{id}/rca/index.html"),
    ]
}

impl Session {
    pub fn new(config: Config) -> Self {
        Session {
            config,
            sources: BTreeMap::new(),
            templates: None,
            fragment_cache: Arc::default(),
            similar: HashMap::new(),
            last: None,
            aggregate_paths: Arc::default(),
            stale: Arc::default(),
            dirty: HashSet::new(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Reads every source file again and renders the whole site. `Mode::Full`
    /// also finds possible repeats (kept for later preview rebuilds).
    pub fn full(&mut self, mode: Mode) -> Result<Update, BuildError> {
        let root = self.config.root.clone();
        let config = &self.config;
        self.sources = load::find_sources(&root, &config.file.content)
            .files
            .into_par_iter()
            .map(|(kind, path)| {
                let source = read_source(&root, kind, &path, config);
                (
                    (kind_order(kind), crate::diagnostic::relative(&root, &path)),
                    source,
                )
            })
            .collect();
        self.templates = None;
        self.render_all(mode)
    }

    /// Applies a change to the files at `paths` (absolute, as the watcher
    /// reports them): re-reads changed write-ups and renders what shows them.
    pub fn rebuild(&mut self, paths: &[PathBuf]) -> Result<Update, BuildError> {
        let root = self.config.root.clone();
        let mut changed_incidents = Vec::new();
        let mut whole = self.last.is_none() || self.templates.is_none();
        let incidents_dir = root.join(&self.config.file.content.incidents);
        for path in paths {
            match load::source_kind(&root, path, &self.config.file.content) {
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
        if paths.contains(&root.join(crate::config::CONFIG_FILE)) {
            self.config
                .reload_file()
                .map_err(|d| BuildError::Invalid(vec![d]))?;
        }
        if whole {
            return self.full(Mode::Preview);
        }
        let fresh: Vec<((u8, PathBuf), Option<SourceRead>)> = changed_incidents
            .par_iter()
            .map(|path| {
                let source = path
                    .is_file()
                    .then(|| read_source(&root, Kind::Incident, path, &self.config));
                let key = (
                    kind_order(Kind::Incident),
                    crate::diagnostic::relative(&root, path),
                );
                (key, source)
            })
            .collect();
        // A folder write-up that gained or lost attachments: those files are
        // copied by a full render only.
        let attachments_changed = fresh.iter().any(|(key, new)| {
            let attachments = |read: Option<&SourceRead>| match read.and_then(|r| r.item.as_ref()) {
                Some(Item::Incident(inc)) => inc.attachments.clone().filter(|a| !a.is_empty()),
                _ => None,
            };
            attachments(self.sources.get(key)) != attachments(new.as_ref())
        });
        if attachments_changed {
            return self.full(Mode::Preview);
        }
        if let Some(update) = self.body_only(&fresh) {
            return update;
        }
        let mut changed_ids = std::mem::take(&mut self.dirty);
        for (key, source) in fresh {
            if let Some(old) = self.sources.remove(&key) {
                changed_ids.extend(old.incident_id().map(str::to_owned));
            }
            if let Some(source) = source {
                changed_ids.extend(source.incident_id().map(str::to_owned));
                self.sources.insert(key, source);
            }
        }
        match self.derive(Mode::Preview) {
            Ok((archive, analysis, diagnostics)) => {
                self.render_changes(archive, analysis, diagnostics, changed_ids)
            }
            Err(e) => {
                self.dirty = changed_ids;
                Err(e)
            }
        }
    }

    /// The save changed only the body of write-ups (nothing a list, a link or
    /// the analysis reads): swap them in and render their pages.
    fn body_only(
        &mut self,
        fresh: &[((u8, PathBuf), Option<SourceRead>)],
    ) -> Option<Result<Update, BuildError>> {
        if !self.dirty.is_empty() || fresh.is_empty() {
            return None;
        }
        let last = self.last.as_ref()?;
        let mut swaps = Vec::new();
        for (key, new) in fresh {
            let old_read = self.sources.get(key)?;
            let new_read = new.as_ref()?;
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
            let position = last.archive.position(&inc.id)?;
            swaps.push((position, Arc::clone(inc)));
        }
        for (key, new) in fresh {
            if let Some(new) = new {
                self.sources.insert(key.clone(), new.clone());
            }
        }
        let (tera, _) = self.templates.as_ref()?;
        let last = self.last.as_mut()?;
        let archive = Arc::make_mut(&mut last.archive);
        for (i, inc) in &swaps {
            archive.incidents[*i] = Arc::clone(inc);
        }
        let renderer = Renderer::with_rows(
            Arc::clone(tera),
            &self.config,
            &last.archive,
            &last.analysis,
            Arc::clone(&last.rows),
        )
        .with_fragment_cache(Arc::clone(&self.fragment_cache));
        let mut pages = Vec::new();
        let mut removed = Vec::new();
        for (i, inc) in &swaps {
            match renderer.incident_pages(*i) {
                Ok(p) => pages.extend(p),
                Err(d) => {
                    let mut errors = last.diagnostics.clone();
                    errors.push(d);
                    self.dirty.insert(inc.id.clone());
                    return Some(Err(BuildError::Invalid(errors)));
                }
            }
            removed.extend(incident_paths(&inc.id));
        }
        drop(renderer);
        let diagnostics = last.diagnostics.clone();
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
        let (Some((tera, _)), Some(last)) = (&self.templates, self.last.take()) else {
            return self.full(Mode::Preview);
        };
        let renderer =
            Renderer::with_templates(Arc::clone(tera), &self.config, &archive, &analysis)
                .with_fragment_cache(Arc::clone(&self.fragment_cache));
        let rows = Arc::clone(renderer.rows());

        // Incidents whose row changed (title, date, severity, follow-up
        // counts...) are changes too: their neighbours' pages show that row.
        let mut touched: HashSet<String> = changed_ids.clone();
        let mut rows_changed = archive.incidents.len() != last.archive.incidents.len();
        for (inc, row) in archive.incidents.iter().zip(rows.iter()) {
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
        let lists_changed = rows_changed
            || changed_ids.iter().any(|id| {
                summary_key(&archive, &analysis, id)
                    != summary_key(&last.archive, &last.analysis, id)
            });

        let mut affected = touched.clone();
        let old_by = suggested_by(&last.archive, &last.analysis, &touched);
        let new_by = suggested_by(&archive, &analysis, &touched);
        for id in &touched {
            if let Some(i) = last.archive.position(id) {
                neighbours(&last.archive, &last.analysis, &old_by, i, &mut affected);
            }
            if let Some(i) = archive.position(id) {
                neighbours(&archive, &analysis, &new_by, i, &mut affected);
            }
        }
        let removed: Vec<String> = affected.iter().flat_map(|id| incident_paths(id)).collect();
        let positions: Vec<usize> = affected
            .iter()
            .filter_map(|id| archive.position(id))
            .collect();
        let mut systems: BTreeSet<&str> = BTreeSet::new();
        for id in &touched {
            for a in [&*last.archive, &archive] {
                if let Some(inc) = a.incident(id) {
                    systems.extend(inc.systems.iter().map(String::as_str));
                }
            }
        }
        let incident_pages: Vec<Result<Vec<Page>, Diagnostic>> = positions
            .par_iter()
            .map(|&i| renderer.incident_pages(i))
            .collect();
        // When the list pages are re-rendered anyway (every system page is one
        // of them, and requests for them wait until they are), the systems'
        // pages need not delay the reload of the incident's.
        let system_pages: Vec<Result<Page, Diagnostic>> = systems
            .par_iter()
            .filter(|s| !lists_changed && archive.system(s).is_some())
            .map(|s| renderer.system_page_of(s))
            .collect();
        // Team pages show their systems' incidents as system pages do.
        let teams: BTreeSet<String> = systems
            .iter()
            .filter(|_| !lists_changed)
            .filter_map(|s| archive.system(s)?.team.as_deref())
            .filter_map(model::system::team_id)
            .collect();
        let team_pages: Vec<Result<Page, Diagnostic>> = teams
            .par_iter()
            .filter_map(|t| renderer.team_page_of(t))
            .collect();
        drop(renderer);
        let mut pages = Vec::new();
        let mut errors = diagnostics.clone();
        for p in incident_pages {
            match p {
                Ok(p) => pages.extend(p),
                Err(d) => errors.push(d),
            }
        }
        for p in system_pages.into_iter().chain(team_pages) {
            match p {
                Ok(p) => pages.push(p),
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
        let (lists, mut pending) = self.list_job(scope);
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

    /// The list pages to render after this rebuild: at least `scope`, and
    /// whatever an unfinished earlier job left stale.
    fn list_job(&self, scope: Lists) -> (Option<ListJob>, Vec<String>) {
        let before = self.stale.fetch_max(scope as u8, Ordering::SeqCst);
        let scope = if before >= Lists::All as u8 {
            Lists::All
        } else if before >= Lists::BodyDependent as u8 {
            scope.max(Lists::BodyDependent)
        } else {
            scope
        };
        let (Some(last), Some((tera, _))) = (&self.last, &self.templates) else {
            return (None, Vec::new());
        };
        let paths = self
            .aggregate_paths
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let pending: Vec<String> = match scope {
            Lists::None => return (None, Vec::new()),
            Lists::All => paths.iter().cloned().collect(),
            Lists::BodyDependent => paths
                .iter()
                .filter(|p| {
                    ["index.html", "feed.json", "casebook.json"].contains(&p.as_str())
                        || p.ends_with("feed.xml")
                        || p.starts_with("reading-lists/")
                })
                .cloned()
                .collect(),
        };
        let job = ListJob {
            tera: Arc::clone(tera),
            fragment_cache: Arc::clone(&self.fragment_cache),
            config: self.config.clone(),
            archive: Arc::clone(&last.archive),
            analysis: Arc::clone(&last.analysis),
            rows: Arc::clone(&last.rows),
            scope,
            aggregate_paths: Arc::clone(&self.aggregate_paths),
            stale: Arc::clone(&self.stale),
        };
        (Some(job), pending)
    }

    /// Model and analysis from the cached reads.
    fn derive(&mut self, mode: Mode) -> Result<(Archive, Analysis, Vec<Diagnostic>), BuildError> {
        let reads: Vec<SourceRead> = self.sources.values().cloned().collect();
        let (archive, diagnostics) = model::assemble(reads, Vec::new(), Vec::new(), &self.config);
        let mut loaded = crate::derive(archive, diagnostics, &self.config, mode);
        if mode == Mode::Full {
            self.similar = loaded
                .analysis
                .incidents
                .iter()
                .enumerate()
                .filter(|(_, f)| !f.possibly_related.is_empty())
                .map(|(i, f)| {
                    let ids = f
                        .possibly_related
                        .iter()
                        .map(|&(j, s)| (loaded.archive.incidents[j].id.clone(), s))
                        .collect();
                    (loaded.archive.incidents[i].id.clone(), ids)
                })
                .collect();
        } else if !self.config.is_public() {
            for (i, inc) in loaded.archive.incidents.iter().enumerate() {
                if let Some(similar) = self.similar.get(&inc.id) {
                    loaded.analysis.incidents[i].possibly_related = similar
                        .iter()
                        .filter_map(|(id, s)| Some((loaded.archive.position(id)?, *s)))
                        .collect();
                }
            }
        }
        if self.templates.is_none() {
            match load::theme::load(&self.config.root, self.config.file.theme.as_deref())
                .and_then(|t| Ok((Arc::new(render::compile(&t)?), t.static_files)))
            {
                Ok(t) => {
                    self.templates = Some(t);
                    self.fragment_cache = Arc::default();
                }
                Err(d) => loaded.diagnostics.push(d),
            }
        }
        if loaded.diagnostics.iter().any(Diagnostic::is_error) {
            return Err(BuildError::Invalid(loaded.diagnostics));
        }
        Ok((loaded.archive, loaded.analysis, loaded.diagnostics))
    }

    fn render_all(&mut self, mode: Mode) -> Result<Update, BuildError> {
        self.last = None;
        // Whatever list job is still running renders an older archive.
        self.stale.store(Lists::None as u8, Ordering::SeqCst);
        let (archive, analysis, diagnostics) = self.derive(mode)?;
        let Some((tera, static_files)) = &self.templates else {
            return Err(BuildError::Invalid(diagnostics));
        };
        let renderer =
            Renderer::with_templates(Arc::clone(tera), &self.config, &archive, &analysis)
                .with_fragment_cache(Arc::clone(&self.fragment_cache));
        // As in a build: the search bundle is made while the pages render.
        let mut notices = Vec::new();
        let (pages, bundle) = rayon::join(
            || renderer.render(),
            || crate::search_pages(&self.config, &archive, &analysis, mode, &mut notices),
        );
        let mut pages = pages.map_err(|d| {
            let mut errors = diagnostics.clone();
            errors.push(d);
            BuildError::Invalid(errors)
        })?;
        let incident_paths: HashSet<String> = (0..archive.incidents.len())
            .flat_map(|i| renderer.incident_paths(i))
            .collect();
        *self
            .aggregate_paths
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = pages
            .iter()
            .filter(|p| !incident_paths.contains(&p.path))
            .map(|p| p.path.clone())
            .collect();
        let rows = Arc::clone(renderer.rows());
        drop(renderer);
        let rendered = pages.len();
        pages.extend(static_files.iter().map(|(path, bytes)| Page {
            path: path.clone(),
            bytes: bytes.clone(),
        }));
        let mut diagnostics = diagnostics;
        pages.extend(crate::attachment_pages(
            &self.config,
            &archive,
            &mut diagnostics,
        ));
        pages.extend(bundle?.0);
        // A damaged cached search bundle was rebuilt: the preview says so too.
        diagnostics.extend(
            notices
                .into_iter()
                .map(|n| Diagnostic::warning(crate::index::search::CACHE_DIR, n)),
        );
        self.last = Some(Snapshot {
            archive: Arc::new(archive),
            analysis: Arc::new(analysis),
            rows,
            diagnostics: diagnostics.clone(),
        });
        self.dirty.clear();
        Ok(Update {
            whole_site: true,
            pages,
            removed: Vec::new(),
            pending: Vec::new(),
            lists: None,
            diagnostics,
            rendered,
        })
    }

    /// The archive and analysis of the last good build, for the search refresh.
    pub fn archive(&self) -> Option<(Arc<Archive>, Arc<Analysis>)> {
        self.last
            .as_ref()
            .map(|l| (Arc::clone(&l.archive), Arc::clone(&l.analysis)))
    }
}

//! The site: one value owning an archive's configuration, the cached per-file
//! reads ([`sources`]), the compiled theme, and the last archive and analysis
//! (as Zola's `Site` does). The pipeline exists here once:
//!
//! - `casebook build` is [`Site::load`], then [`Site::render`] into the staging
//!   folder (the disk sink); `casebook check` renders into [`Discard`].
//! - `casebook serve` keeps one warm site ([`Site::warm`]) and calls
//!   [`Site::apply`] on every change: it re-reads what changed and renders the
//!   pages that show it (which pages those are, [`crate::routes`] says) into
//!   memory, and falls back to a full render of the same site when in doubt.
//!
//! A site never serves or watches anything; `serve` does that around it.

mod apply;
pub(crate) mod derive;
mod lists;
mod sink;
pub(crate) mod sources;

pub use crate::render::Page;
pub use apply::Update;
pub use lists::{Finished, ListJob};
pub use sink::{Discard, MemorySink, Sink};

use crate::analyze::{self, Analysis};
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::model::{self, Archive};
use crate::render::{self, views::Row, FragmentCache, Renderer};
use crate::routes::PageId;
use crate::{index, load, BuildError, Loaded, Mode, Stage};
use derive::KeptSuggestions;
use rayon::prelude::*;
use sources::Sources;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A theme's templates, compiled, and its static files.
struct CompiledTheme {
    tera: Arc<tera::Tera>,
    static_files: Vec<(String, Vec<u8>)>,
    /// A template besides the home page's names the incident count: a page
    /// that shows no incident may show how many there are.
    counts_beyond_home: bool,
}

/// What the last good load derived.
struct Snapshot {
    archive: Arc<Archive>,
    analysis: Arc<Analysis>,
    /// Every incident's row in lists, by position.
    rows: Arc<Vec<Row>>,
    diagnostics: Vec<Diagnostic>,
    tracker: Option<model::tracker::TrackerReport>,
}

impl Snapshot {
    fn new(
        config: &Config,
        archive: Archive,
        analysis: Analysis,
        diagnostics: Vec<Diagnostic>,
        tracker: Option<model::tracker::TrackerReport>,
    ) -> Snapshot {
        let rows = rows(config, &archive, &analysis);
        Snapshot {
            archive: Arc::new(archive),
            analysis: Arc::new(analysis),
            rows: Arc::new(rows),
            diagnostics,
            tracker,
        }
    }
}

/// An archive's site: read, derived and ready to render.
pub struct Site {
    config: Config,
    /// Kept for [`Site::apply`]: the reads, list fragments and possible repeats.
    warm: bool,
    sources: Sources,
    theme: Option<CompiledTheme>,
    /// List entries rendered with `theme`, kept for the next render (warm only).
    fragment_cache: Arc<FragmentCache>,
    /// Possible repeats of the last full load (warm only).
    kept: KeptSuggestions,
    /// How much the last load derived.
    mode: Mode,
    last: Option<Snapshot>,
    lists: lists::ListState,
    /// Incidents changed since the last good render (a failed change keeps them).
    dirty: HashSet<String>,
    timings: crate::Timings,
}

/// What a render made, besides the files themselves.
pub struct Rendered {
    pub incidents: usize,
    /// HTML pages.
    pub pages: usize,
    /// Every file the templates made (pages, feeds, JSON), as a preview counts them.
    pub rendered: usize,
    pub diagnostics: Vec<Diagnostic>,
    pub tracker: Option<model::tracker::TrackerReport>,
    pub adoption: Option<analyze::adoption::Summary>,
    /// Wall time per stage, in pipeline order.
    pub timings: Vec<(&'static str, Duration)>,
    /// Caches that were damaged and rebuilt, one line each.
    pub notices: Vec<String>,
}

impl Site {
    /// A site that is rendered once (`build`, `check`): nothing is kept for a change.
    pub fn new(config: Config) -> Site {
        Site {
            config,
            warm: false,
            sources: Sources::default(),
            theme: None,
            fragment_cache: Arc::default(),
            kept: KeptSuggestions::default(),
            mode: Mode::Full,
            last: None,
            lists: lists::ListState::default(),
            dirty: HashSet::new(),
            timings: Vec::new(),
        }
    }

    /// A site kept between changes (`serve`): [`Site::apply`] re-reads only
    /// what changed and renders only what shows it.
    pub fn warm(config: Config) -> Site {
        Site {
            warm: true,
            ..Site::new(config)
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The diagnostics of the last good load (empty before one).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        self.last.as_ref().map_or(&[], |l| &l.diagnostics)
    }

    /// The archive and analysis of the last good load.
    pub fn archive(&self) -> Option<(Arc<Archive>, Arc<Analysis>)> {
        self.last
            .as_ref()
            .map(|l| (Arc::clone(&l.archive), Arc::clone(&l.analysis)))
    }

    /// Reads every source file and the theme again and derives the archive's
    /// facts. An archive with errors (or a theme that does not compile) is
    /// refused with every diagnostic; the site then has nothing to render.
    pub fn load(&mut self, mode: Mode) -> Result<(), BuildError> {
        self.last = None;
        self.theme = None;
        self.dirty.clear();
        self.lists.reset();
        self.timings.clear();
        self.mode = mode;
        let started = Instant::now();
        self.sources = Sources::read_all(&self.config);
        let (archive, diagnostics) = if self.warm {
            self.sources.assemble(&self.config)
        } else {
            std::mem::take(&mut self.sources).into_archive(&self.config)
        };
        self.timings.push(("load", started.elapsed()));
        let started = Instant::now();
        let loaded = self.derive(archive, diagnostics, mode);
        self.timings.push(("analyze", started.elapsed()));
        let loaded = loaded?;
        self.last = Some(Snapshot::new(
            &self.config,
            loaded.archive,
            loaded.analysis,
            loaded.diagnostics,
            loaded.tracker,
        ));
        Ok(())
    }

    /// Analysis of an assembled archive, with the kept possible repeats and
    /// the theme (loaded when there is none): refused when anything is an error.
    fn derive(
        &mut self,
        archive: Archive,
        diagnostics: Vec<Diagnostic>,
        mode: Mode,
    ) -> Result<Loaded, BuildError> {
        let mut loaded = derive::derive(archive, diagnostics, &self.config, mode);
        if self.warm && mode == Mode::Full {
            self.kept = KeptSuggestions::of(&loaded);
        } else if self.warm && !self.config.is_public() {
            self.kept.restore(&mut loaded);
        }
        if self.theme.is_none() {
            match load_theme(&self.config) {
                Ok(theme) => {
                    self.theme = Some(theme);
                    self.fragment_cache = Arc::default();
                }
                Err(d) => loaded.diagnostics.push(d),
            }
        }
        if loaded.diagnostics.iter().any(Diagnostic::is_error) {
            return Err(BuildError::Invalid(loaded.diagnostics));
        }
        Ok(loaded)
    }

    /// A renderer of the last good load.
    fn renderer(&self) -> Option<Renderer<'_>> {
        let (last, theme) = (self.last.as_ref()?, self.theme.as_ref()?);
        let renderer = Renderer::with_rows(
            Arc::clone(&theme.tera),
            &self.config,
            &last.archive,
            &last.analysis,
            Arc::clone(&last.rows),
        );
        Some(match self.warm {
            true => renderer.with_fragment_cache(Arc::clone(&self.fragment_cache)),
            false => renderer,
        })
    }

    /// Every page the templates make, into `sink` (no theme files, attachments
    /// or search bundle): what `check` renders to find template errors.
    pub fn render_pages(&self, sink: &dyn Sink) -> Result<(), Diagnostic> {
        match self.renderer() {
            Some(renderer) => renderer.render_each(&|page| sink.add(page)),
            None => Ok(()),
        }
    }

    /// Every file of the site into `sink`: the search bundle first (in
    /// `Mode::Full`), then the pages, the theme's static files and folder
    /// write-ups' attachments.
    pub fn render(
        &mut self,
        sink: &dyn Sink,
        progress: &dyn Fn(Stage),
    ) -> Result<Rendered, BuildError> {
        let not_loaded = || BuildError::Invalid(Vec::new());
        let last = self.last.as_ref().ok_or_else(not_loaded)?;
        let mut diagnostics = last.diagnostics.clone();
        let mut timings = std::mem::take(&mut self.timings);
        let mut notices = Vec::new();
        // The search bundle first, then the pages: both use every core, and
        // building a new Pagefind index alongside rendering only added their
        // peaks together. Its files are queued for writing before the first page.
        if self.mode == Mode::Full {
            progress(Stage::Index);
            let started = Instant::now();
            let bundle = search_bundle(&self.config, &last.archive, &last.analysis)?;
            notices.extend(bundle.repaired);
            bundle.pages.into_iter().for_each(|p| sink.add(p));
            timings.push(("search index", started.elapsed()));
            timings.extend(bundle.stages);
        }
        progress(Stage::Render);
        let started = Instant::now();
        let counted = self.render_counted(sink);
        timings.push(("render", started.elapsed()));
        let counted = counted.map_err(|d| {
            diagnostics.push(d);
            BuildError::Invalid(diagnostics.clone())
        })?;
        let theme = self.theme.as_ref().ok_or_else(not_loaded)?;
        for (path, bytes) in &theme.static_files {
            sink.add(Page {
                path: path.clone(),
                bytes: bytes.clone(),
            });
        }
        attachment_pages(&self.config, &last.archive, &mut diagnostics)
            .into_iter()
            .for_each(|p| sink.add(p));
        let rendered = Rendered {
            incidents: last.archive.incidents.len(),
            pages: counted.html,
            rendered: counted.all,
            diagnostics: diagnostics.clone(),
            tracker: last.tracker.clone(),
            adoption: analyze::adoption::Report::of(&last.archive).summary(&last.archive),
            timings,
            notices,
        };
        if self.warm {
            self.lists.set_aggregate_paths(counted.aggregate_paths);
        }
        if let Some(last) = &mut self.last {
            last.diagnostics = diagnostics;
        }
        Ok(rendered)
    }

    /// The templates' pages into `sink`, counted; a warm site also notes the
    /// paths of the pages that are not an incident's own.
    fn render_counted(&self, sink: &dyn Sink) -> Result<Counted, Diagnostic> {
        let Some(renderer) = self.renderer() else {
            return Ok(Counted::default());
        };
        let (html, all) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let aggregate_paths = Mutex::new(Vec::new());
        let incident_paths: HashSet<String> = match self.warm {
            true => (0..self.last.as_ref().map_or(0, |l| l.archive.incidents.len()))
                .flat_map(|i| renderer.incident_paths(i))
                .collect(),
            false => HashSet::new(),
        };
        renderer.render_each(&|page| {
            if page.path.ends_with(".html") {
                html.fetch_add(1, Ordering::Relaxed);
            }
            all.fetch_add(1, Ordering::Relaxed);
            if self.warm && !incident_paths.contains(&page.path) {
                let mut paths = aggregate_paths.lock().unwrap_or_else(|e| e.into_inner());
                paths.push(page.path.clone());
            }
            sink.add(page);
        })?;
        Ok(Counted {
            html: html.into_inner(),
            all: all.into_inner(),
            aggregate_paths: aggregate_paths
                .into_inner()
                .unwrap_or_else(|e| e.into_inner()),
        })
    }
}

#[derive(Default)]
struct Counted {
    html: usize,
    all: usize,
    aggregate_paths: Vec<String>,
}

fn load_theme(config: &Config) -> Result<CompiledTheme, Diagnostic> {
    let theme = load::theme::load(&config.root, config.file.theme.as_deref())?;
    let counts_beyond_home = theme
        .templates
        .iter()
        .any(|(name, source, _)| name != "index.html" && source.contains("incident_count"));
    Ok(CompiledTheme {
        tera: Arc::new(render::compile(&theme)?),
        static_files: theme.static_files,
        counts_beyond_home,
    })
}

/// Every incident's row in lists, by position.
fn rows(config: &Config, archive: &Archive, analysis: &Analysis) -> Vec<Row> {
    (0..archive.incidents.len())
        .into_par_iter()
        .map(|i| render::views::row(config, archive, analysis, i))
        .collect()
}

/// The Pagefind bundle as files under `search/`, and why a damaged cached
/// bundle was rebuilt.
pub struct SearchBundle {
    pub pages: Vec<Page>,
    pub repaired: Vec<String>,
    /// The time each part of the bundle's making took, for `--timings`.
    pub stages: crate::Timings,
}

/// Builds the search bundle of an archive (reusing what the cache holds).
pub fn search_bundle(
    config: &Config,
    archive: &Archive,
    analysis: &Analysis,
) -> Result<SearchBundle, index::pagefind::IndexError> {
    let bundle = index::pagefind::build_cached(
        &config.root,
        &index::SearchInputs::of(archive, analysis),
        config.audience(),
    )?;
    let pages = bundle
        .files
        .into_iter()
        .map(|(name, bytes)| Page {
            path: PageId::SearchFile(name).path(),
            bytes,
        })
        .collect();
    Ok(SearchBundle {
        pages,
        repaired: bundle.repaired,
        stages: bundle.stages,
    })
}

/// Folder write-ups' attachments as files beside their pages
/// (`incidents/ID/graph.png`), read from their folders only now, as the site is
/// written. A public build's archive holds only public incidents, each with only
/// the attachments its `[public]` text shows. What cannot be copied is a warning.
fn attachment_pages(
    config: &Config,
    archive: &Archive,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Page> {
    let allow_scripts = config.file.markdown.unsafe_html;
    let read: Vec<Result<Page, Diagnostic>> = archive
        .incidents
        .par_iter()
        .flat_map_iter(|inc| {
            inc.attachments
                .iter()
                .flatten()
                .map(move |name| (inc, name))
        })
        .map(|(inc, name)| {
            load::attachments::read(&config.root, &inc.source, name, allow_scripts)
                .map(|bytes| Page {
                    path: PageId::Attachment {
                        incident: inc.id.clone(),
                        name: name.clone(),
                    }
                    .path(),
                    bytes,
                })
                .map_err(|e| {
                    Diagnostic::warning(&inc.source, format!("attachment not copied: {e}"))
                        .hint("keep attachments as plain files inside the write-up's folder")
                })
        })
        .collect();
    let mut pages = Vec::with_capacity(read.len());
    for r in read {
        match r {
            Ok(page) => pages.push(page),
            Err(d) => diagnostics.push(d),
        }
    }
    pages
}

//! casebook turns a folder of incident write-ups into a static learning archive.
//!
//! The library is one pipeline, one direction (see DESIGN.md):
//! [`load`] → [`model`] → [`analyze`] → [`render`] → [`write`], with [`index`]
//! for search and [`serve`] re-running the pipeline on change. The binary only
//! parses arguments and calls [`build`], [`check`] and friends.

pub mod adopt;
pub mod analyze;
pub mod config;
pub mod diagnostic;
pub mod import;
pub mod index;
pub mod load;
pub mod migrate;
pub mod model;
pub mod render;
pub mod serve;
pub mod write;

use config::Config;
use diagnostic::{Diagnostic, Level};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Wall time per named stage, in order.
pub type Timings = Vec<(&'static str, Duration)>;

/// What went wrong in a build, as the CLI reports it.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The archive has errors; nothing was written.
    #[error("the archive has {} error(s); the previous site was left untouched", count_errors(.0))]
    Invalid(Vec<Diagnostic>),
    #[error(transparent)]
    Write(#[from] write::WriteError),
    #[error(transparent)]
    Search(#[from] index::pagefind::IndexError),
    /// `--follow-up-status` names a file that cannot be read: I/O trouble.
    #[error("cannot read the tracker export {}: {source}", .path.display())]
    TrackerExport {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn count_errors(d: &[Diagnostic]) -> usize {
    d.iter().filter(|d| d.is_error()).count()
}

/// The stages a build reports progress on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Load,
    Analyze,
    Render,
    Index,
    Write,
}

/// A successful build.
#[derive(Debug)]
pub struct BuildReport {
    pub output: PathBuf,
    pub incidents: usize,
    pub pages: usize,
    pub diagnostics: Vec<Diagnostic>,
    pub elapsed: Duration,
    pub tracker: Option<model::tracker::TrackerReport>,
    /// Set when write-ups used fallbacks (an adopted folder): three lines to print.
    pub adoption: Option<analyze::adoption::Summary>,
    /// Wall time per stage, in pipeline order. Pages and the search index are
    /// built at the same time, so the stages add up to more than `elapsed`.
    pub timings: Vec<(&'static str, Duration)>,
    /// No `base_url`: the feed's ids and the sitemap's `<loc>`s are relative,
    /// which feed readers and search engines reject (one warning, not one per file).
    pub without_base_url: bool,
    /// Caches that were damaged and rebuilt, one line each for stderr.
    pub notices: Vec<String>,
}

impl BuildReport {
    pub fn warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.level == Level::Warning)
            .count()
    }
}

/// An archive read and validated, with everything derived from it.
pub struct Loaded {
    pub archive: model::Archive,
    pub analysis: analyze::Analysis,
    pub diagnostics: Vec<Diagnostic>,
    /// What `--follow-up-status` merged, when given.
    pub tracker: Option<model::tracker::TrackerReport>,
}

/// Load, model and analyze the archive; the audience filter is applied before
/// analysis, so a public build derives nothing from internal incidents.
pub fn load(config: &Config) -> Loaded {
    load_with(config, Mode::Full)
}

fn load_with(config: &Config, mode: Mode) -> Loaded {
    load_timed(config, mode, &mut Vec::new())
}

fn load_timed(config: &Config, mode: Mode, timings: &mut Vec<(&'static str, Duration)>) -> Loaded {
    let started = Instant::now();
    let (archive, diagnostics) =
        model::build(load::load(&config.root, &config.file.content), config);
    timings.push(("load", started.elapsed()));
    let started = Instant::now();
    let loaded = derive(archive, diagnostics, config, mode);
    timings.push(("analyze", started.elapsed()));
    loaded
}

/// Everything after the model: follow-up status from a tracker export, the
/// audience filter, analysis and lint.
fn derive(
    mut archive: model::Archive,
    mut diagnostics: Vec<Diagnostic>,
    config: &Config,
    mode: Mode,
) -> Loaded {
    let mut tracker = None;
    if let Some(path) = &config.follow_up_status {
        let shown = diagnostic::relative(&config.root, path);
        match load::tracker::read(path, &shown) {
            Ok(export) => {
                diagnostics.extend(export.warnings.iter().cloned());
                tracker = Some(model::tracker::apply(
                    &mut archive,
                    &export,
                    config,
                    &shown,
                    &mut diagnostics,
                ));
            }
            Err(load::tracker::ExportError::Invalid(d)) => diagnostics.push(d),
            // `build` refuses an unreadable export before it starts (exit 2);
            // a preview that loses it while running says so like any error.
            Err(e @ load::tracker::ExportError::Io { .. }) => {
                diagnostics.push(Diagnostic::error(&shown, e.to_string()));
            }
        }
    }
    let mut write_up_lint = analyze::lint::write_ups(&archive);
    write_up_lint.extend(analyze::expectations::check(
        &archive,
        &config.file.expectations,
    ));
    write_up_lint.extend(analyze::links::check(&archive));
    let archive = if config.is_public() {
        model::public_view(&archive, config)
    } else {
        archive
    };
    // Suggestions compare internal text, so public builds skip them.
    let similarity = (!config.is_public() && mode == Mode::Full).then_some(&config.file.similarity);
    let analysis = analyze::analyze(&archive, &config.file.severities, config.as_of, similarity);

    diagnostics.extend(write_up_lint);
    diagnostics.extend(analyze::lint::derived(&archive, &analysis));
    diagnostic::sort(&mut diagnostics);
    Loaded {
        archive,
        analysis,
        diagnostics,
        tracker,
    }
}

/// Validates the archive without writing anything: every diagnostic, sorted.
///
/// A valid archive is rendered too, every page into a sink that drops it, so a
/// template that compiles but fails on real data (an unknown variable or filter)
/// is reported here rather than first by `build`.
pub fn check(config: &Config) -> Vec<Diagnostic> {
    let Loaded {
        archive,
        analysis,
        mut diagnostics,
        ..
    } = load(config);
    let theme = load::theme::load(&config.root, config.file.theme.as_deref());
    let rendered = match &theme {
        Err(d) => Err(d.clone()),
        // With errors in the archive `build` would not render either; compiling
        // still catches template syntax.
        Ok(t) if diagnostics.iter().any(Diagnostic::is_error) => render::compile(t).map(drop),
        Ok(t) => render::render_each(t, config, &archive, &analysis, &|_| {}),
    };
    if let Err(d) = rendered {
        diagnostics.push(d);
    }
    diagnostics
}

/// The adoption report of the archive: per field, what files give and what fell
/// back (`casebook check --adoption`). Analysis is skipped: the report needs only
/// the model.
pub fn adoption(config: &Config) -> analyze::adoption::Report {
    let (archive, _) = model::build(load::load(&config.root, &config.file.content), config);
    let mut report = analyze::adoption::Report::of(&archive);
    let unmet: std::collections::BTreeSet<std::path::PathBuf> =
        analyze::expectations::check(&archive, &config.file.expectations)
            .into_iter()
            .map(|d| d.file)
            .collect();
    report.expectations_unmet = unmet.len();
    report
}

/// What a build rendered, besides the files themselves.
pub struct Site {
    pub incidents: usize,
    pub pages: usize,
    pub diagnostics: Vec<Diagnostic>,
    pub tracker: Option<model::tracker::TrackerReport>,
    pub adoption: Option<analyze::adoption::Summary>,
    pub timings: Vec<(&'static str, Duration)>,
    /// Caches that were damaged and rebuilt, one line each.
    pub notices: Vec<String>,
}

/// How much a build derives: everything, or what a live preview needs quickly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Pages, possible repeats and the Pagefind search bundle.
    Full,
    /// Pages only: no search bundle, no possible-repeat suggestions (the slow parts).
    Preview,
}

/// Runs the pipeline, handing every file of the site to `emit` as it is made
/// (pages, theme files, the search bundle). `ready` is called once the archive
/// has been found valid, before the first file: a build makes its staging folder
/// there, so an invalid archive touches nothing.
pub fn render_site(
    config: &Config,
    mode: Mode,
    progress: &dyn Fn(Stage),
    ready: &mut dyn FnMut() -> Result<(), BuildError>,
    emit: &(dyn Fn(render::Page) + Sync),
) -> Result<Site, BuildError> {
    progress(Stage::Load);
    let mut timings = Vec::new();
    let mut notices = Vec::new();
    let Loaded {
        archive,
        analysis,
        mut diagnostics,
        tracker,
    } = load_timed(config, mode, &mut timings);
    let theme = match load::theme::load(&config.root, config.file.theme.as_deref()) {
        Ok(t) => Some(t),
        Err(d) => {
            diagnostics.push(d);
            None
        }
    };
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(BuildError::Invalid(diagnostics));
    }
    let Some(theme) = theme else {
        return Err(BuildError::Invalid(diagnostics));
    };
    ready()?;
    let pages = std::sync::atomic::AtomicUsize::new(0);
    let count_and_emit = |page: render::Page| {
        if page.path.ends_with(".html") {
            pages.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        emit(page);
    };
    // The search bundle first, then the pages: both use every core, and building
    // a new Pagefind index alongside rendering only added their peaks together.
    // Its files are queued for writing before the first page renders.
    if mode == Mode::Full {
        progress(Stage::Index);
        let started = Instant::now();
        let (files, stages) = search_pages(config, &archive, &analysis, mode, &mut notices)?;
        files.into_iter().for_each(emit);
        timings.push(("search index", started.elapsed()));
        timings.extend(stages);
    }
    progress(Stage::Render);
    let started = Instant::now();
    let rendered = render::render_each(&theme, config, &archive, &analysis, &count_and_emit);
    timings.push(("render", started.elapsed()));
    if let Err(d) = rendered {
        diagnostics.push(d);
        return Err(BuildError::Invalid(diagnostics));
    }
    for (path, bytes) in theme.static_files {
        emit(render::Page { path, bytes });
    }
    attachment_pages(config, &archive, &mut diagnostics)
        .into_iter()
        .for_each(emit);
    let adoption = analyze::adoption::Report::of(&archive).summary(&archive);
    Ok(Site {
        adoption,
        incidents: archive.incidents.len(),
        pages: pages.into_inner(),
        diagnostics,
        tracker,
        timings,
        notices,
    })
}

/// Folder write-ups' attachments as files beside their pages
/// (`incidents/ID/graph.png`), read from their folders only now, as the site is
/// written. A public build's archive holds only public incidents, each with only
/// the attachments its `[public]` text shows. What cannot be copied is a warning.
pub fn attachment_pages(
    config: &Config,
    archive: &model::Archive,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<render::Page> {
    use rayon::prelude::*;
    let allow_scripts = config.file.markdown.unsafe_html;
    let read: Vec<Result<render::Page, Diagnostic>> = archive
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
                .map(|bytes| render::Page {
                    path: format!("incidents/{}/{name}", inc.id),
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

/// The Pagefind bundle as pages under `search/` (none in preview mode), and
/// why a damaged cached bundle was rebuilt.
fn search_pages(
    config: &Config,
    archive: &model::Archive,
    analysis: &analyze::Analysis,
    mode: Mode,
    notices: &mut Vec<String>,
) -> Result<(Vec<render::Page>, Timings), index::pagefind::IndexError> {
    if mode == Mode::Preview {
        return Ok((Vec::new(), Vec::new()));
    }
    let bundle = index::pagefind::build_cached(
        &config.root,
        &index::SearchInputs::of(archive, analysis),
        config.audience(),
    )?;
    notices.extend(bundle.repaired);
    let pages = bundle
        .files
        .into_iter()
        .map(|(p, bytes)| render::Page {
            path: format!("search/{p}"),
            bytes,
        })
        .collect();
    Ok((pages, bundle.stages))
}

/// Builds the site into `config.output`, replacing it only on success.
pub fn build(config: &Config, progress: &dyn Fn(Stage)) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    if let Some(path) = &config.follow_up_status {
        std::fs::File::open(path).map_err(|source| BuildError::TrackerExport {
            path: path.clone(),
            source,
        })?;
    }
    write::check_output(&config.root, &config.output)?;
    // Earlier copies are deleted alongside the build and not waited for: on a
    // busy disk that can take longer than the build, and whatever is left when
    // the process ends is deleted by the next build.
    drop(write::sweep_old_outputs(&config.output));
    let staging = std::sync::OnceLock::new();
    let site = render_site(
        config,
        Mode::Full,
        progress,
        &mut || {
            let stores = config.root.join(index::search::CACHE_DIR).join("store");
            let store = write::Store::for_output(&stores, &config.output);
            let _ = staging.set(write::Staging::begin(&config.output, store)?);
            Ok(())
        },
        &|page| {
            if let Some(staging) = staging.get() {
                staging.add(page.path, page.bytes);
            }
        },
    )?;
    progress(Stage::Write);
    let finishing = Instant::now();
    if let Some(staging) = staging.into_inner() {
        staging.commit()?;
    }
    let mut timings = site.timings;
    // Files are written while pages render; this is what remained after.
    timings.push(("write", finishing.elapsed()));
    Ok(BuildReport {
        output: config.output.clone(),
        incidents: site.incidents,
        pages: site.pages,
        diagnostics: site.diagnostics,
        elapsed: started.elapsed(),
        tracker: site.tracker,
        adoption: site.adoption,
        timings,
        without_base_url: config.base_url.is_empty(),
        notices: site.notices,
    })
}

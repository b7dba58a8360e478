//! casebook turns a folder of incident write-ups into a static learning archive.
//!
//! The library is one pipeline, one direction (see DESIGN.md):
//! [`load`] → [`model`] → [`analyze`] → [`render`] → [`write`], with [`index`]
//! for search and [`serve`] re-running the pipeline on change. The binary only
//! parses arguments and calls [`build`], [`check`] and friends.

pub mod analyze;
pub mod config;
pub mod diagnostic;
pub mod index;
pub mod load;
pub mod model;
pub mod render;
pub mod serve;
pub mod write;

use config::Config;
use diagnostic::{Diagnostic, Level};
use std::path::PathBuf;
use std::time::{Duration, Instant};

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
    /// Wall time per stage, in pipeline order. Pages and the search index are
    /// built at the same time, so the stages add up to more than `elapsed`.
    pub timings: Vec<(&'static str, Duration)>,
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
    let (archive, diagnostics) = model::build(load::load(&config.root), config);
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
            Ok(records) => {
                tracker = Some(model::tracker::apply(
                    &mut archive,
                    &records,
                    config,
                    &shown,
                    &mut diagnostics,
                ));
            }
            Err(d) => diagnostics.push(d),
        }
    }
    let archive = if config.is_public() {
        model::public_view(&archive, config)
    } else {
        archive
    };
    // Suggestions compare internal text, so public builds skip them.
    let similarity = (!config.is_public() && mode == Mode::Full).then_some(&config.file.similarity);
    let analysis = analyze::analyze(&archive, &config.file.severities, config.as_of, similarity);

    diagnostics.extend(analyze::lint::lint(&archive, &analysis));
    diagnostic::sort(&mut diagnostics);
    Loaded {
        archive,
        analysis,
        diagnostics,
        tracker,
    }
}

/// Validates the archive without writing anything: every diagnostic, sorted.
pub fn check(config: &Config) -> Vec<Diagnostic> {
    let mut diagnostics = load(config).diagnostics;
    if let Err(d) = load::theme::load(&config.root, config.file.theme.as_deref())
        .and_then(|t| render::compile(&t))
    {
        diagnostics.push(d);
    }
    diagnostics
}

/// A whole site in memory: every file by its path under the output root.
pub struct Site {
    pub files: Vec<render::Page>,
    pub incidents: usize,
    pub pages: usize,
    pub diagnostics: Vec<Diagnostic>,
    pub tracker: Option<model::tracker::TrackerReport>,
    pub timings: Vec<(&'static str, Duration)>,
}

/// How much a build derives: everything, or what a live preview needs quickly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Pages, possible repeats and the Pagefind search bundle.
    Full,
    /// Pages only: no search bundle, no possible-repeat suggestions (the slow parts).
    Preview,
}

/// Runs the pipeline up to rendered files in memory, without touching the output.
pub fn render_site(
    config: &Config,
    mode: Mode,
    progress: &dyn Fn(Stage),
) -> Result<Site, BuildError> {
    progress(Stage::Load);
    let mut timings = Vec::new();
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
    progress(Stage::Render);
    // The search index is built from records, not from the HTML, so it can be
    // built while the pages render.
    let ((pages, render_time), (bundle, index_time)) = rayon::join(
        || {
            let started = Instant::now();
            (
                render::render(&theme, config, &archive, &analysis),
                started.elapsed(),
            )
        },
        || {
            let started = Instant::now();
            (
                search_pages(config, &archive, &analysis, mode),
                started.elapsed(),
            )
        },
    );
    timings.push(("render", render_time));
    if mode == Mode::Full {
        timings.push(("search index", index_time));
    }
    let mut files = match pages {
        Ok(p) => p,
        Err(d) => {
            diagnostics.push(d);
            return Err(BuildError::Invalid(diagnostics));
        }
    };
    let pages = files.iter().filter(|p| p.path.ends_with(".html")).count();
    files.extend(
        theme
            .static_files
            .into_iter()
            .map(|(path, bytes)| render::Page { path, bytes }),
    );
    files.extend(bundle?);
    Ok(Site {
        files,
        incidents: archive.incidents.len(),
        pages,
        diagnostics,
        tracker,
        timings,
    })
}

/// The Pagefind bundle as pages under `search/` (none in preview mode).
fn search_pages(
    config: &Config,
    archive: &model::Archive,
    analysis: &analyze::Analysis,
    mode: Mode,
) -> Result<Vec<render::Page>, index::pagefind::IndexError> {
    if mode == Mode::Preview {
        return Ok(Vec::new());
    }
    let bundle = index::pagefind::build_cached(&config.root, &index::records(archive, analysis))?;
    Ok(bundle
        .into_iter()
        .map(|(p, bytes)| render::Page {
            path: format!("search/{p}"),
            bytes,
        })
        .collect())
}

/// Builds the site into `config.output`, replacing it only on success.
pub fn build(config: &Config, progress: &dyn Fn(Stage)) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    // Earlier copies are deleted alongside the build and not waited for: on a
    // busy disk that can take longer than the build, and whatever is left when
    // the process ends is deleted by the next build.
    drop(write::sweep_old_outputs(&config.output));
    let site = render_site(config, Mode::Full, progress)?;
    progress(Stage::Write);
    let files: Vec<write::OutputFile<'_>> = site
        .files
        .iter()
        .map(|p| write::OutputFile {
            path: &p.path,
            bytes: &p.bytes,
        })
        .collect();
    let started_writing = Instant::now();
    let store = write::Store::open(&config.root.join(index::search::CACHE_DIR).join("store"));
    write::write_site(&config.output, &files, store)?;
    let mut timings = site.timings;
    timings.push(("write", started_writing.elapsed()));
    Ok(BuildReport {
        output: config.output.clone(),
        incidents: site.incidents,
        pages: site.pages,
        diagnostics: site.diagnostics,
        elapsed: started.elapsed(),
        tracker: site.tracker,
        timings,
    })
}

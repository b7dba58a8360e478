//! casebook turns a folder of incident write-ups into a static learning archive.
//!
//! The library is one pipeline, one direction (see DESIGN.md):
//! [`load`] → [`model`] → [`analyze`] → [`render`] → [`write`], with [`index`]
//! for search. One [`Site`] holds it: [`build`] loads a site and renders it into
//! the staging folder, [`serve`] keeps one warm and applies every change to it.
//! The binary only parses arguments and calls [`build`], [`check`] and friends.

#![warn(unreachable_pub)]

pub mod adopt;
pub mod analyze;
pub mod config;
pub mod diagnostic;
pub mod import;
pub mod index;
pub mod load;
pub mod migrate;
pub mod model;
pub(crate) mod render;
pub(crate) mod routes;
pub(crate) mod schema;
pub mod serve;
pub mod site;
pub mod write;

use config::Config;
use diagnostic::{Diagnostic, Level};
pub use site::Site;
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
    /// Wall time per stage, in pipeline order: the search index (and its
    /// parts, marked `·`), then the pages, then what writing had left.
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
/// analysis, so a public build derives nothing from internal incidents. No
/// theme is read (`casebook search` needs only the archive).
pub fn load(config: &Config) -> Loaded {
    let (archive, diagnostics) = site::sources::Sources::read_all(config).into_archive(config);
    site::derive::derive(archive, diagnostics, config, Mode::Full)
}

/// Validates the archive without writing anything: every diagnostic, sorted.
///
/// A valid archive is rendered too, every page into a sink that drops it, so a
/// template that compiles but fails on real data (an unknown variable or filter)
/// is reported here rather than first by `build`.
pub fn check(config: &Config) -> Vec<Diagnostic> {
    let mut site = Site::new(config.clone());
    // With errors in the archive `build` would not render either; loading
    // still compiles the templates, which catches their syntax.
    if let Err(e) = site.load(Mode::Full) {
        return match e {
            BuildError::Invalid(diagnostics) => diagnostics,
            other => vec![Diagnostic::error(&config.root, other.to_string())],
        };
    }
    let mut diagnostics = site.diagnostics().to_vec();
    if let Err(d) = site.render_pages(&site::Discard) {
        diagnostics.push(d);
    }
    diagnostics
}

/// The adoption report of the archive: per field, what files give and what fell
/// back (`casebook check --adoption`). Analysis is skipped: the report needs only
/// the model.
pub fn adoption(config: &Config) -> analyze::adoption::Report {
    let (archive, _) = site::sources::Sources::read_all(config).into_archive(config);
    let mut report = analyze::adoption::Report::of(&archive);
    let unmet: std::collections::BTreeSet<std::path::PathBuf> =
        analyze::expectations::check(&archive, &config.file.expectations)
            .into_iter()
            .map(|d| d.file)
            .collect();
    report.expectations_unmet = unmet.len();
    report
}

/// How much a build derives: everything, or what a live preview needs quickly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Pages, possible repeats and the Pagefind search bundle.
    Full,
    /// Pages only: no search bundle, no possible-repeat suggestions (the slow parts).
    Preview,
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
    progress(Stage::Load);
    let mut site = Site::new(config.clone());
    site.load(Mode::Full)?;
    // Only a valid archive makes a staging folder: an invalid one touches nothing.
    let stores = config.root.join(index::search::CACHE_DIR).join("store");
    let store = write::Store::for_output(&stores, &config.output);
    let staging = write::Staging::begin(&config.output, store)?;
    let rendered = site.render(&staging, progress)?;
    progress(Stage::Write);
    let finishing = Instant::now();
    staging.commit()?;
    let mut timings = rendered.timings;
    // Files are written while pages render; this is what remained after.
    timings.push(("write", finishing.elapsed()));
    Ok(BuildReport {
        output: config.output.clone(),
        incidents: rendered.incidents,
        pages: rendered.pages,
        diagnostics: rendered.diagnostics,
        elapsed: started.elapsed(),
        tracker: rendered.tracker,
        adoption: rendered.adoption,
        timings,
        without_base_url: config.base_url.is_empty(),
        notices: rendered.notices,
    })
}

//! The list pages a change leaves stale, rendered after the pages that show the
//! change: the pages that show every incident (indexes, follow-ups, tags,
//! metrics, feeds, `casebook.json`) take longest, so a preview renders them on
//! another thread, holds requests for them meanwhile, and drops the job when a
//! newer change makes it stale.

use crate::analyze::Analysis;
use crate::config::Config;
use crate::model::Archive;
use crate::render::{views::Row, FragmentCache, Page, Renderer};
use crate::routes::PageId;
use crate::BuildError;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

/// Which list pages a change leaves stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub(crate) enum Lists {
    None = 0,
    /// The pages that show a write-up's reading time or summary.
    BodyDependent = 1,
    All = 2,
}

/// What a warm site remembers of its list pages between changes.
#[derive(Default)]
pub(crate) struct ListState {
    /// Paths of the pages that are not an incident's own.
    aggregate_paths: Arc<Mutex<BTreeSet<String>>>,
    /// The widest [`Lists`] scope issued and not yet rendered: a cancelled job's
    /// pages are still stale, so the next job covers them too.
    stale: Arc<AtomicU8>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ListState {
    /// After a full render: whatever list job is still running renders an
    /// older archive.
    pub(crate) fn reset(&self) {
        self.stale.store(Lists::None as u8, Ordering::SeqCst);
    }

    pub(crate) fn set_aggregate_paths(&self, paths: Vec<String>) {
        *lock(&self.aggregate_paths) = paths.into_iter().collect();
    }

    /// The scope to render after a change of `scope`: at least that, and
    /// whatever an unfinished earlier job left stale.
    fn widen(&self, scope: Lists) -> Lists {
        let before = self.stale.fetch_max(scope as u8, Ordering::SeqCst);
        if before >= Lists::All as u8 {
            Lists::All
        } else if before >= Lists::BodyDependent as u8 {
            scope.max(Lists::BodyDependent)
        } else {
            scope
        }
    }

    /// The job for `scope` over this archive, and the paths it re-renders
    /// (requests for them wait until it is done).
    pub(crate) fn job(&self, scope: Lists, parts: JobParts) -> (Option<ListJob>, Vec<String>) {
        let scope = self.widen(scope);
        let paths = lock(&self.aggregate_paths);
        let pending: Vec<String> = match scope {
            Lists::None => return (None, Vec::new()),
            Lists::All => paths.iter().cloned().collect(),
            Lists::BodyDependent => paths
                .iter()
                .filter(|p| PageId::of_path(p).is_some_and(|p| p.shows_body()))
                .cloned()
                .collect(),
        };
        let job = ListJob {
            parts,
            scope,
            aggregate_paths: Arc::clone(&self.aggregate_paths),
            stale: Arc::clone(&self.stale),
        };
        (Some(job), pending)
    }
}

/// What a list job renders from.
pub(crate) struct JobParts {
    pub tera: Arc<tera::Tera>,
    pub fragment_cache: Arc<FragmentCache>,
    pub config: Config,
    pub archive: Arc<Archive>,
    pub analysis: Arc<Analysis>,
    pub rows: Arc<Vec<Row>>,
}

/// List pages still to render after a change.
pub struct ListJob {
    parts: JobParts,
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
        let JobParts {
            tera,
            fragment_cache,
            config,
            archive,
            analysis,
            rows,
        } = self.parts;
        let renderer = Renderer::with_rows(tera, &config, &archive, &analysis, rows)
            .with_fragment_cache(fragment_cache);
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
            let mut paths = lock(&self.aggregate_paths);
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

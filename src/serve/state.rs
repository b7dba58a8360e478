//! What `casebook serve` is serving right now: the site's files in memory, the
//! pages still re-rendering, the version open pages wait on and the last
//! failed change's errors; and how a change from the [`Site`] is published
//! into it (list pages and the search bundle follow on other threads).

use super::{Importance, Log};
use crate::routes::PageId;
use crate::site::{ListJob, Site, Update};
use crate::BuildError;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Files = HashMap<String, Arc<Vec<u8>>>;

/// What is being served right now.
#[derive(Default)]
pub(super) struct State {
    pub(super) files: Arc<Files>,
    /// Pages being re-rendered after a rebuild: requests for them wait.
    pub(super) pending: HashSet<String>,
    /// Bumped on every rebuild, good or bad; pages wait for it to change.
    pub(super) version: u64,
    /// The last rebuild's errors, shown as an overlay until fixed.
    pub(super) error: Option<String>,
}

pub(super) struct Shared {
    state: Mutex<State>,
    /// Bumped after every change of `state`; requests wait on it without a thread.
    changed: tokio::sync::watch::Sender<u64>,
    /// Long-polls waiting now (see [`respond::MAX_WAITING`]).
    pub(super) waiting: AtomicUsize,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            state: Mutex::default(),
            changed: tokio::sync::watch::Sender::new(0),
            waiting: AtomicUsize::new(0),
        }
    }
}

impl Shared {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic in another thread must not take the preview down.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes every request waiting for a change (call after unlocking).
    pub(super) fn notify(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Waits until `ready` holds for the state, or `timeout` passed.
    pub(super) async fn wait_until(&self, timeout: Duration, ready: impl Fn(&State) -> bool) {
        let mut changes = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Marked seen before looking, so a change after the look wakes us.
            changes.borrow_and_update();
            let done = ready(&self.lock());
            if done {
                return;
            }
            let changed = tokio::time::timeout_at(deadline, changes.changed()).await;
            if !matches!(changed, Ok(Ok(()))) {
                return;
            }
        }
    }
}

/// The errors of a failed build, as the overlay and the terminal show them.
fn error_text(e: &BuildError) -> String {
    match e {
        BuildError::Invalid(diagnostics) => diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n\n"),
        other => with_causes(other),
    }
}

/// An error and its causes, each said once (some messages quote their cause).
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text
}

/// Serves what a rebuild produced (or its errors, over the last good site) and
/// signals every open page.
pub(super) fn publish(
    shared: &Arc<Shared>,
    update: Result<Update, BuildError>,
    log: &Log,
    started: Instant,
    what: &str,
) {
    let update = match update {
        Ok(u) => u,
        Err(e) => {
            let text = error_text(&e);
            log(
                Importance::Alert,
                &format!("Build failed; still serving the last good site:\n{text}"),
            );
            let mut state = shared.lock();
            state.version += 1;
            state.error = Some(text);
            drop(state);
            shared.notify();
            return;
        }
    };
    let mut state = shared.lock();
    if update.whole_site {
        // Keep serving the previous search bundle until a new one is ready.
        let mut files: Files = state
            .files
            .iter()
            .filter(|(p, _)| is_search_bundle(p))
            .map(|(p, b)| (p.clone(), Arc::clone(b)))
            .collect();
        files.reserve(update.pages.len());
        state.files = Arc::new(files);
    }
    // Copied only while a request still holds the previous set of files.
    let files = Arc::make_mut(&mut state.files);
    for path in &update.removed {
        files.remove(path);
    }
    for page in update.pages {
        files.insert(page.path, Arc::new(page.bytes));
    }
    state.pending = update.pending.iter().cloned().collect();
    state.version += 1;
    state.error = None;
    let version = state.version;
    drop(state);
    shared.notify();
    if let Some(job) = update.lists {
        render_lists(job, Arc::clone(shared), version, Arc::clone(log));
    }
    let warnings = update
        .diagnostics
        .iter()
        .filter(|d| d.level == crate::diagnostic::Level::Warning)
        .count();
    let ms = started.elapsed().as_millis();
    let pages = update.rendered;
    let warnings = match warnings {
        0 => String::new(),
        1 => ", 1 warning".to_owned(),
        n => format!(", {n} warnings"),
    };
    if what.is_empty() {
        log(
            Importance::Info,
            &format!("Built {pages} pages in {ms} ms{warnings}"),
        );
    } else {
        log(
            Importance::Info,
            &format!(
                "Rebuilt after a change to {what}: {pages} page{} re-rendered in {ms} ms{warnings}",
                if pages == 1 { "" } else { "s" }
            ),
        );
    }
}

/// Renders the list pages an incremental rebuild left pending, on another
/// thread; a newer rebuild (version) cancels it and renders its own.
fn render_lists(job: ListJob, shared: Arc<Shared>, version: u64, log: Log) {
    std::thread::spawn(move || {
        let started = Instant::now();
        let current = || state_version(&shared) == version;
        let result = job.run(&current);
        let mut state = shared.lock();
        if state.version != version {
            return;
        }
        match result {
            Ok(None) => return,
            Ok(Some(done)) => {
                let n = done.pages.len();
                let files = Arc::make_mut(&mut state.files);
                for path in &done.removed {
                    files.remove(path);
                }
                for page in done.pages {
                    files.insert(page.path, Arc::new(page.bytes));
                }
                log(
                    Importance::Info,
                    &format!(
                        "  then {n} list page{} in {} ms",
                        if n == 1 { "" } else { "s" },
                        started.elapsed().as_millis()
                    ),
                );
            }
            Err(e) => {
                let text = error_text(&e);
                log(
                    Importance::Alert,
                    &format!("Build failed; still serving the last good site:\n{text}"),
                );
                state.version += 1;
                state.error = Some(text);
            }
        }
        state.pending.clear();
        drop(state);
        shared.notify();
    });
}

/// Pagefind's files, which only the search refresh replaces (casebook renders
/// the search page itself).
fn is_search_bundle(path: &str) -> bool {
    PageId::of_path(path).is_some_and(|p| p.is_search_bundle())
}

pub(super) fn state_version(shared: &Shared) -> u64 {
    shared.lock().version
}

/// Rebuilds the search bundle once saves have stopped for five seconds, off the
/// request path, and swaps it in. A newer save cancels it.
pub(super) fn refresh_search(site: &Site, shared: Arc<Shared>, version: u64, log: Log) {
    let Some((archive, analysis)) = site.archive() else {
        return;
    };
    let config = site.config().clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(5));
        if state_version(&shared) != version {
            return;
        }
        let bundle = crate::site::search_bundle(&config, &archive, &analysis);
        drop((archive, analysis));
        let Ok(bundle) = bundle else {
            return;
        };
        // A damaged cached bundle was rebuilt: said, as a build says it.
        for repaired in &bundle.repaired {
            log(Importance::Alert, &format!("warning: {repaired}"));
        }
        let mut state = shared.lock();
        if state.version != version {
            return;
        }
        let mut files: Files = state
            .files
            .iter()
            .filter(|(p, _)| !is_search_bundle(p))
            .map(|(p, b)| (p.clone(), Arc::clone(b)))
            .collect();
        files.extend(
            bundle
                .pages
                .into_iter()
                .map(|page| (page.path, Arc::new(page.bytes))),
        );
        state.files = Arc::new(files);
    });
}

#[cfg(test)]
mod tests {
    use super::with_causes;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot build the search index")]
    struct Outer(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("cannot write x: {0}")]
    struct Quoting(#[source] std::io::Error);

    #[test]
    fn an_error_shows_its_causes_once() {
        let cause = || std::io::Error::other("disk full");
        assert_eq!(
            with_causes(&Outer(cause())),
            "cannot build the search index: disk full"
        );
        assert_eq!(with_causes(&Quoting(cause())), "cannot write x: disk full");
    }
}

//! Serve: build the site into memory, serve it over HTTP on loopback, watch the
//! archive, rebuild on change and reload every open page. A failed rebuild keeps
//! the last good site and shows an overlay naming the file, line and error; the
//! next good rebuild removes it. Drafts are always included, marked as drafts.
//!
//! Rebuilds are incremental ([`incremental`]): a saved write-up re-renders the
//! pages that show it. The Pagefind bundle is rebuilt in the background once
//! saves stop for a moment, and swapped in (search is the slow part).
//!
//! HTTP is [`http`] (who may ask and how much: loopback `Host` names only, bounded
//! request heads and connections) and [`respond`] (what is answered, from memory);
//! watching the archive is [`watch`].

mod http;
mod incremental;
mod respond;
mod watch;

use crate::config::Config;
use crate::{BuildError, Mode};
use incremental::{Session, Update};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use watch::{watch, Batch, Fingerprint};

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {message}\n  = hint: {}", bind_hint(message))]
    Bind { addr: String, message: String },
    #[error("cannot watch {path}: {message}")]
    Watch { path: PathBuf, message: String },
}

fn bind_hint(message: &str) -> &'static str {
    if message.to_ascii_lowercase().contains("in use") {
        "another program (another `casebook serve`?) is using that port; pick a free one with `--port`"
    } else {
        "check `--bind` (an address of this machine, e.g. 127.0.0.1) and `--port` (1024 or above unless privileged)"
    }
}

type Files = HashMap<String, Arc<Vec<u8>>>;

/// How much a line of serve's log matters: `--quiet` keeps only alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Importance {
    /// Builds, rebuilds and where the site is served.
    Info,
    /// A failed build, or a preview reachable beyond this machine.
    Alert,
}

/// Where serve reports each event (one line each).
pub type Log = Arc<dyn Fn(Importance, &str) + Send + Sync>;

/// What is being served right now.
#[derive(Default)]
struct State {
    files: Arc<Files>,
    /// Pages being re-rendered after a rebuild: requests for them wait.
    pending: HashSet<String>,
    /// Bumped on every rebuild, good or bad; pages wait for it to change.
    version: u64,
    /// The last rebuild's errors, shown as an overlay until fixed.
    error: Option<String>,
}

struct Shared {
    state: Mutex<State>,
    /// Bumped after every change of `state`; requests wait on it without a thread.
    changed: tokio::sync::watch::Sender<u64>,
    /// Long-polls waiting now (see [`respond::MAX_WAITING`]).
    waiting: AtomicUsize,
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
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic in another thread must not take the preview down.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes every request waiting for a change (call after unlocking).
    fn notify(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Waits until `ready` holds for the state, or `timeout` passed.
    async fn wait_until(&self, timeout: Duration, ready: impl Fn(&State) -> bool) {
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

/// Options of `casebook serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub bind: String,
    pub port: u16,
}

/// Builds, serves and watches until the process is stopped. `log` receives one
/// line per event (listening, rebuilt, failed).
pub fn serve(config: Config, options: &ServeOptions, log: Log) -> Result<(), ServeError> {
    let mut config = config;
    // The watcher reports absolute paths; compare them with an absolute root
    // (`--root .` is the common case).
    if let Ok(root) = config.root.canonicalize() {
        config.root = root;
    }
    let shared = Arc::new(Shared::default());
    let mut session = Session::new(config.clone());
    let started = Instant::now();
    let first = session.full(Mode::Full);
    let log = &log;
    publish(&shared, first, log, started, "");

    let addr = http::listen_address(&options.bind, options.port);
    let listener = std::net::TcpListener::bind(&addr).map_err(|e| ServeError::Bind {
        addr: addr.clone(),
        message: e.to_string(),
    })?;
    if !http::is_loopback(&options.bind) {
        log(
            Importance::Alert,
            &format!(
                "WARNING: listening on {addr}, not on loopback: anyone who can reach this machine \
             can read this preview, internal incidents and drafts included. Leave out `--bind` \
             to serve on 127.0.0.1 only."
            ),
        );
    }
    {
        let shared = Arc::clone(&shared);
        let guard = http::HostGuard::new(&options.bind);
        http::start(listener, http::Limits::DEFAULT, guard, move |ask| {
            respond::respond(Arc::clone(&shared), ask)
        })
        .map_err(|e| ServeError::Bind {
            addr: addr.clone(),
            message: e.to_string(),
        })?;
    }
    log(
        Importance::Info,
        &format!(
            "Serving {} at http://{addr}/ (Ctrl-C to stop)",
            config.root.display()
        ),
    );

    let folders = watch::folders(&config.root, &config.file.content.incidents);
    let (_watcher, batches) = watch(&config.root, &folders)?;
    // Reading files during a rebuild can itself produce events; rebuild only
    // when a source file's size or modification time really changed. Only the
    // paths in the events are looked at: walking a 10,000-write-up archive
    // takes longer than the rebuild a save needs.
    let mut seen = Fingerprint::scan(&config.root, &folders);
    for batch in batches {
        let changed = match batch {
            Batch::Paths(paths) => seen.update(&config.root, &folders, &paths),
            Batch::Rescan => seen.rescan(&config.root, &folders),
        };
        if changed.is_empty() {
            continue;
        }
        let started = Instant::now();
        let what = describe(&config.root, &changed);
        let update = session.rebuild(&changed);
        let good = update.is_ok();
        publish(&shared, update, log, started, &what);
        if good {
            refresh_search(
                &session,
                Arc::clone(&shared),
                state_version(&shared),
                Arc::clone(log),
            );
        }
    }
    Ok(())
}

/// "content/incidents/x.md" or "content/incidents/x.md and 2 more files".
fn describe(root: &Path, changed: &[PathBuf]) -> String {
    let first = changed
        .first()
        .map(|p| crate::diagnostic::relative(root, p).display().to_string())
        .unwrap_or_default();
    match changed.len() {
        0 | 1 => first,
        n => format!(
            "{first} and {} more file{}",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
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
        other => other.to_string(),
    }
}

/// Serves what a rebuild produced (or its errors, over the last good site) and
/// signals every open page.
fn publish(
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
fn render_lists(job: incremental::ListJob, shared: Arc<Shared>, version: u64, log: Log) {
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
    path.starts_with("search/") && path != "search/index.html"
}

fn state_version(shared: &Shared) -> u64 {
    shared.lock().version
}

/// Rebuilds the search bundle once saves have stopped for five seconds, off the
/// request path, and swaps it in. A newer save cancels it.
fn refresh_search(session: &Session, shared: Arc<Shared>, version: u64, log: Log) {
    let Some((archive, analysis)) = session.archive() else {
        return;
    };
    let (archive, analysis) = (archive.clone(), analysis.clone());
    let root = session.config().root.clone();
    let audience = session.config().audience();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(5));
        if state_version(&shared) != version {
            return;
        }
        let inputs = crate::index::SearchInputs::of(&archive, &analysis);
        let bundle = crate::index::pagefind::build_cached(&root, &inputs, audience);
        drop(inputs);
        drop((archive, analysis));
        let Ok(bundle) = bundle else {
            return;
        };
        // A damaged cached bundle was rebuilt: said, as a build says it.
        for repaired in &bundle.repaired {
            log(Importance::Alert, &format!("warning: {repaired}"));
        }
        let bundle = bundle.files;
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
                .into_iter()
                .map(|(p, b)| (format!("search/{p}"), Arc::new(b))),
        );
        state.files = Arc::new(files);
    });
}

//! Serve: build the site into memory, serve it over HTTP on loopback, watch the
//! archive, rebuild on change and reload every open page. A failed rebuild keeps
//! the last good site and shows an overlay naming the file, line and error; the
//! next good rebuild removes it. Drafts are always included, marked as drafts.
//!
//! Serve keeps one warm [`Site`] and hands it every change
//! ([`Site::apply`]): a saved write-up re-renders the pages that show it. The
//! Pagefind bundle is rebuilt in the background once saves stop for a moment,
//! and swapped in (search is the slow part). Serve itself is only HTTP and
//! watching:
//!
//! - [`http`]: who may ask and how much (loopback `Host` names only, bounded
//!   request heads and connections); [`respond`]: what is answered, from memory;
//! - [`watch`]: which files changed;
//! - [`state`]: what is served now, and how a change is published into it.

mod http;
mod respond;
mod state;
mod watch;

use crate::config::Config;
use crate::{Mode, Site};
use state::{publish, refresh_search, state_version, Shared};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use watch::{watch, Batch, Fingerprint};

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The error's text is in the message (with a hint by its kind), so it
    /// is not also a source: a chain would say it twice.
    #[error("cannot listen on {addr}: {error}\n  = hint: {}", bind_hint(error.kind()))]
    Bind { addr: String, error: std::io::Error },
    #[error("cannot watch {path}: {message}")]
    Watch { path: PathBuf, message: String },
}

fn bind_hint(kind: std::io::ErrorKind) -> &'static str {
    if kind == std::io::ErrorKind::AddrInUse {
        "another program (another `casebook serve`?) is using that port; pick a free one with `--port`"
    } else {
        "check `--bind` (an address of this machine, e.g. 127.0.0.1) and `--port` (1024 or above unless privileged)"
    }
}

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
    let mut site = Site::warm(config.clone());
    let started = Instant::now();
    let first = site.refresh(Mode::Full);
    let log = &log;
    publish(&shared, first, log, started, "");

    let addr = http::listen_address(&options.bind, options.port);
    let listener = std::net::TcpListener::bind(&addr).map_err(|error| ServeError::Bind {
        addr: addr.clone(),
        error,
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
        .map_err(|error| ServeError::Bind {
            addr: addr.clone(),
            error,
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
        let update = site.apply(&changed);
        let good = update.is_ok();
        publish(&shared, update, log, started, &what);
        if good {
            refresh_search(
                &site,
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

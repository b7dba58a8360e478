//! Serve: build the site into memory, serve it over HTTP on loopback, watch the
//! archive, rebuild on change and reload every open page. A failed rebuild keeps
//! the last good site and shows an overlay naming the file, line and error; the
//! next good rebuild removes it. Drafts are always included, marked as drafts.
//!
//! Rebuilds are incremental ([`incremental`]): a saved write-up re-renders the
//! pages that show it. The Pagefind bundle is rebuilt in the background once
//! saves stop for a moment, and swapped in (search is the slow part).

mod incremental;

use crate::config::Config;
use crate::{BuildError, Mode};
use incremental::{Session, Update};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

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

/// Whether `bind` (an IP address or a host name) only accepts connections
/// from this machine.
fn is_loopback(bind: &str) -> bool {
    match bind.trim_matches(['[', ']']).parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bind.eq_ignore_ascii_case("localhost"),
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

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic in another request thread must not take the preview down.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

const LIVE_JS: &str = r#"(function () {
  var s = window.__casebook || { version: 0, error: null };
  var box;
  function show(text) {
    if (!box) {
      box = document.createElement("div");
      box.id = "casebook-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 1rem 1rem 1rem;max-height:60vh;overflow:auto;z-index:99999;background:#2b0f0f;color:#ffd9d9;border:2px solid #ff6b6b;border-radius:8px;padding:1rem 1.2rem;font:13px/1.5 ui-monospace,monospace;white-space:pre-wrap;box-shadow:0 8px 30px rgba(0,0,0,.4)";
      document.body.appendChild(box);
    }
    box.textContent = "casebook: the last save did not build; showing the last good site.\n\n" + text;
  }
  if (s.error) show(s.error);
  function wait() {
    fetch("/__casebook/wait?v=" + s.version, { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (next) {
        if (next.version !== s.version) {
          if (next.error) { s = next; show(next.error); }
          else { location.reload(); return; }
        }
        wait();
      })
      .catch(function () { setTimeout(wait, 1000); });
  }
  wait();
})();
"#;

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

    let addr = format!("{}:{}", options.bind, options.port);
    let server = tiny_http::Server::http(&addr).map_err(|e| ServeError::Bind {
        addr: addr.clone(),
        message: e.to_string(),
    })?;
    if !is_loopback(&options.bind) {
        log(
            Importance::Alert,
            &format!(
                "WARNING: listening on {addr}, not on loopback: anyone who can reach this machine \
             can read this preview, internal incidents and drafts included. Leave out `--bind` \
             to serve on 127.0.0.1 only."
            ),
        );
    }
    log(
        Importance::Info,
        &format!(
            "Serving {} at http://{addr}/ (Ctrl-C to stop)",
            config.root.display()
        ),
    );
    let server = Arc::new(server);
    {
        let shared = Arc::clone(&shared);
        let server = Arc::clone(&server);
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || respond(request, &shared));
            }
        });
    }

    let (_watcher, batches) = watch(&config.root)?;
    // Reading files during a rebuild can itself produce events; rebuild only
    // when a source file's size or modification time really changed. Only the
    // paths in the events are looked at: walking a 10,000-write-up archive
    // takes longer than the rebuild a save needs.
    let mut seen = Fingerprint::scan(&config.root);
    for batch in batches {
        let changed = match batch {
            Batch::Paths(paths) => seen.update(&config.root, &paths),
            Batch::Rescan => seen.rescan(&config.root),
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
            refresh_search(&session, Arc::clone(&shared), state_version(&shared));
        }
    }
    Ok(())
}

/// Changed paths from the watcher, debounced.
#[derive(Debug, PartialEq)]
enum Batch {
    Paths(BTreeSet<PathBuf>),
    /// The watcher lost events (its queue overflowed): compare everything.
    Rescan,
}

/// How long the watcher must be quiet before a rebuild: an editor's save is
/// several events (truncate, write, rename, chmod) within a few milliseconds.
const QUIET: Duration = Duration::from_millis(25);
/// The longest a rebuild waits for quiet, during a long stream of changes (a
/// `git checkout` of many write-ups).
const MAX_WAIT: Duration = Duration::from_millis(500);

/// Watches what a build reads (content/, templates/, static/, themes/ and
/// casebook.toml) and sends batches of changed paths, each once the watcher
/// has been quiet for [`QUIET`]. The watcher stops when the returned handle drops.
fn watch(root: &Path) -> Result<(notify::RecommendedWatcher, Receiver<Batch>), ServeError> {
    use notify::Watcher;
    let (raw_tx, raw_rx) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(raw_tx).map_err(|e| ServeError::Watch {
        path: root.to_path_buf(),
        message: e.to_string(),
    })?;
    // The root itself, not casebook.toml: an editor that saves by renaming a
    // new file over the old one would leave a watch on the file behind.
    let watched = WATCHED
        .iter()
        .map(|d| (root.join(d), notify::RecursiveMode::Recursive))
        .chain([(root.to_path_buf(), notify::RecursiveMode::NonRecursive)]);
    for (path, mode) in watched {
        if path.exists() {
            watcher.watch(&path, mode).map_err(|e| ServeError::Watch {
                path: path.clone(),
                message: e.to_string(),
            })?;
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || debounce(&raw_rx, &tx, QUIET, MAX_WAIT));
    Ok((watcher, rx))
}

/// Turns raw watcher events into [`Batch`]es until either channel closes.
/// Opening and reading files are events too (a rebuild reads the write-up it
/// rebuilds); they change nothing and are dropped, or every rebuild would
/// cause another look.
fn debounce(
    raw: &Receiver<notify::Result<notify::Event>>,
    out: &std::sync::mpsc::Sender<Batch>,
    quiet: Duration,
    max_wait: Duration,
) {
    use std::sync::mpsc::RecvTimeoutError;
    let is_read = |event: &notify::Result<notify::Event>| matches!(event, Ok(e) if matches!(e.kind, notify::EventKind::Access(_)));
    loop {
        let first = match raw.iter().find(|e| !is_read(e)) {
            Some(event) => event,
            None => return,
        };
        let started = Instant::now();
        let mut paths = BTreeSet::new();
        let mut rescan = false;
        let mut add = |event: notify::Result<notify::Event>| match event {
            _ if is_read(&event) => {}
            Ok(e) if e.need_rescan() => rescan = true,
            Ok(e) => paths.extend(e.paths),
            Err(_) => rescan = true,
        };
        add(first);
        loop {
            let wait = quiet.min(max_wait.saturating_sub(started.elapsed()));
            match raw.recv_timeout(wait) {
                Ok(event) => add(event),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        let batch = if rescan {
            Batch::Rescan
        } else {
            Batch::Paths(paths)
        };
        if out.send(batch).is_err() {
            return;
        }
    }
}

/// Size and modification time of every file a build reads, by path.
#[derive(Debug, Default, PartialEq)]
struct Fingerprint(BTreeMap<PathBuf, (u64, Option<std::time::SystemTime>)>);

/// The folders a build reads, under the root; the config file is watched too.
const WATCHED: [&str; 4] = ["content", "templates", "static", "themes"];

impl Fingerprint {
    fn scan(root: &Path) -> Self {
        let mut out = Fingerprint::default();
        out.rescan(root);
        out
    }

    fn scan_dir(&mut self, dir: &Path) {
        for entry in walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
        {
            if let Ok(meta) = entry.metadata() {
                if meta.is_file() {
                    self.0.insert(entry.path().to_path_buf(), stamp(&meta));
                }
            }
        }
    }

    /// Scans everything again; returns the files added, removed or changed.
    fn rescan(&mut self, root: &Path) -> Vec<PathBuf> {
        let everything = WATCHED
            .iter()
            .chain([&crate::config::CONFIG_FILE])
            .map(|name| root.join(name))
            .collect();
        self.update(root, &everything)
    }

    /// Looks again at the files (or folders) at `paths`, as the watcher
    /// reported them; returns the files added, removed or changed. Paths a
    /// build does not read (editor files, anything outside the watched
    /// folders and casebook.toml) are not looked at.
    fn update(&mut self, root: &Path, paths: &BTreeSet<PathBuf>) -> Vec<PathBuf> {
        let config = root.join(crate::config::CONFIG_FILE);
        let watched = |p: &Path| {
            is_source(root, p)
                && (*p == config || WATCHED.iter().any(|d| p.starts_with(root.join(d))))
        };
        let mut changed = Vec::new();
        for path in paths.iter().filter(|p| watched(p)) {
            // What was known at or under this path (a file, or a folder that
            // was renamed, removed or created).
            let before: BTreeMap<PathBuf, _> = self
                .0
                .range(path.clone()..)
                .take_while(|(p, _)| p.starts_with(path))
                .map(|(p, v)| (p.clone(), *v))
                .collect();
            let mut now = Fingerprint::default();
            match std::fs::metadata(path) {
                Ok(meta) if meta.is_file() => {
                    now.0.insert(path.clone(), stamp(&meta));
                }
                Ok(meta) if meta.is_dir() => now.scan_dir(path),
                _ => {}
            }
            for p in before.keys().filter(|p| !now.0.contains_key(*p)) {
                self.0.remove(p);
                changed.push(p.clone());
            }
            for (p, v) in now.0 {
                if before.get(&p) != Some(&v) {
                    changed.push(p.clone());
                }
                self.0.insert(p, v);
            }
        }
        changed.sort();
        changed.dedup();
        changed
    }
}

fn stamp(meta: &std::fs::Metadata) -> (u64, Option<std::time::SystemTime>) {
    (meta.len(), meta.modified().ok())
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

/// Editor swap and backup files do not change the site.
fn is_source(root: &Path, path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let junk = name.starts_with(".#")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name == "4913";
    !junk && path.starts_with(root)
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
            shared.changed.notify_all();
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
    shared.changed.notify_all();
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
        shared.changed.notify_all();
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
fn refresh_search(session: &Session, shared: Arc<Shared>, version: u64) {
    let Some((archive, analysis)) = session.archive() else {
        return;
    };
    let (archive, analysis) = (archive.clone(), analysis.clone());
    let root = session.config().root.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(5));
        if state_version(&shared) != version {
            return;
        }
        let key = crate::index::records_key(&archive, &analysis);
        let bundle = crate::index::pagefind::build_cached(&root, key, || {
            crate::index::records(&archive, &analysis)
        });
        drop((archive, analysis));
        let Ok(bundle) = bundle else {
            return;
        };
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

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Adds a header; one that is not valid ASCII (never the case for ours) is dropped.
fn with<R: std::io::Read>(
    r: tiny_http::Response<R>,
    name: &str,
    value: &str,
) -> tiny_http::Response<R> {
    match tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
        Ok(h) => r.with_header(h),
        Err(()) => r,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn status_json(state: &State) -> String {
    serde_json::json!({ "version": state.version, "error": state.error }).to_string()
}

fn respond(request: tiny_http::Request, shared: &Shared) {
    let url = request.url().to_owned();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    if path == "/__casebook/live.js" {
        let r = with(
            tiny_http::Response::from_string(LIVE_JS),
            "Content-Type",
            "text/javascript; charset=utf-8",
        );
        let _ = request.respond(r);
        return;
    }
    if path == "/__casebook/wait" {
        let seen: u64 = query
            .strip_prefix("v=")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let state = shared.lock();
        let (state, _) = shared
            .changed
            .wait_timeout_while(state, Duration::from_secs(25), |s| s.version == seen)
            .unwrap_or_else(|e| e.into_inner());
        let body = status_json(&state);
        drop(state);
        let r = with(
            with(
                tiny_http::Response::from_string(body),
                "Content-Type",
                "application/json",
            ),
            "Cache-Control",
            "no-store",
        );
        let _ = request.respond(r);
        return;
    }
    let mut key = percent_decode(path.trim_start_matches('/'));
    if key.is_empty() || key.ends_with('/') {
        key.push_str("index.html");
    }
    let (files, status) = {
        // A page still being re-rendered after a save is worth waiting for:
        // the old copy would show what the save changed the old way.
        let state = shared.lock();
        let (state, _) = shared
            .changed
            .wait_timeout_while(state, Duration::from_secs(60), |s| s.pending.contains(&key))
            .unwrap_or_else(|e| e.into_inner());
        (Arc::clone(&state.files), status_json(&state))
    };
    if !files.contains_key(&key) && files.contains_key(&format!("{key}/index.html")) {
        let r = with(
            tiny_http::Response::empty(301),
            "Location",
            &format!("{path}/"),
        );
        let _ = request.respond(r);
        return;
    }
    let (code, key) = if files.contains_key(&key) {
        (200, key)
    } else {
        (404, "404.html".to_owned())
    };
    let Some(bytes) = files.get(&key) else {
        // Nothing built yet (the first build failed): show the error page.
        let page = format!("<!doctype html><title>casebook</title><body><script>window.__casebook={}</script><script src=\"/__casebook/live.js\"></script></body>", status.replace("</", "<\\/"));
        let r = with(
            tiny_http::Response::from_string(page).with_status_code(503),
            "Content-Type",
            "text/html; charset=utf-8",
        );
        let _ = request.respond(r);
        return;
    };
    let body = if key.ends_with(".html") {
        let html = String::from_utf8_lossy(bytes);
        let inject = format!(
            "<script>window.__casebook={}</script><script src=\"/__casebook/live.js\"></script>",
            status.replace("</", "<\\/")
        );
        match html.rfind("</body>") {
            Some(at) => format!("{}{inject}{}", &html[..at], &html[at..]).into_bytes(),
            None => format!("{html}{inject}").into_bytes(),
        }
    } else {
        bytes.to_vec()
    };
    let r = with(
        with(
            tiny_http::Response::from_data(body).with_status_code(code),
            "Content-Type",
            content_type(&key),
        ),
        "Cache-Control",
        "no-store",
    );
    let _ = request.respond(r);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("tags/a%20b/"), "tags/a b/");
        assert_eq!(percent_decode("bad%zz"), "bad%zz");
    }

    #[test]
    fn fingerprint_updates_from_event_paths_match_a_full_scan() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let incidents = root.join("content/incidents");
        std::fs::create_dir_all(&incidents).expect("mkdir");
        let write = |p: &Path, text: &str| std::fs::write(p, text).expect("write");
        let (a, b) = (incidents.join("a.md"), incidents.join("b.md"));
        write(&a, "a");
        write(&b, "b");
        let mut seen = Fingerprint::scan(root);
        let update = |seen: &mut Fingerprint, paths: &[&Path]| {
            let paths: BTreeSet<PathBuf> = paths.iter().map(|p| p.to_path_buf()).collect();
            seen.update(root, &paths)
        };

        // An edit (new size), a new file and a deleted one.
        write(&a, "a, longer");
        let c = incidents.join("c.md");
        write(&c, "c");
        std::fs::remove_file(&b).expect("rm");
        assert_eq!(
            update(&mut seen, &[&a, &b, &c]),
            vec![a.clone(), b.clone(), c.clone()]
        );
        // An event without a change (a file read, the same save reported twice).
        assert!(update(&mut seen, &[&a]).is_empty());

        // A folder moved in and one moved away, reported as the folder only.
        let moved = root.join("elsewhere");
        std::fs::create_dir_all(moved.join("2024")).expect("mkdir");
        write(&moved.join("2024/d.md"), "d");
        let dest = incidents.join("2024");
        std::fs::rename(&moved, &dest).expect("mv");
        assert_eq!(update(&mut seen, &[&dest]), vec![dest.join("2024/d.md")]);
        assert_eq!(seen, Fingerprint::scan(root));
        std::fs::remove_dir_all(&dest).expect("rm -r");
        assert_eq!(update(&mut seen, &[&dest]), vec![dest.join("2024/d.md")]);
        assert_eq!(seen, Fingerprint::scan(root));

        // Paths outside what a build reads are not tracked.
        let public = root.join("public/index.html");
        std::fs::create_dir_all(root.join("public")).expect("mkdir");
        write(&public, "x");
        assert!(update(&mut seen, &[&public]).is_empty());
        assert_eq!(seen.rescan(root), Vec::<PathBuf>::new());
    }

    #[test]
    fn debounce_batches_a_save_storm_and_drops_reads() {
        use notify::event::{AccessKind, CreateKind, EventKind, ModifyKind};
        let (raw_tx, raw_rx) = std::sync::mpsc::channel();
        let (tx, rx) = std::sync::mpsc::channel();
        let quiet = Duration::from_millis(30);
        let worker = std::thread::spawn(move || {
            debounce(&raw_rx, &tx, quiet, Duration::from_secs(5));
        });
        let event = |kind, path: &str| Ok(notify::Event::new(kind).add_path(path.into()));
        let send = |e| raw_tx.send(e).expect("debouncer alive");
        // Reads alone never make a batch.
        send(event(EventKind::Access(AccessKind::Any), "/a/content/x.md"));
        assert!(rx.recv_timeout(Duration::from_millis(150)).is_err());
        // A save storm is one batch of its paths, reads among them dropped.
        send(event(EventKind::Modify(ModifyKind::Any), "/a/content/x.md"));
        send(event(EventKind::Access(AccessKind::Any), "/a/content/y.md"));
        send(event(
            EventKind::Create(CreateKind::File),
            "/a/content/x.md",
        ));
        send(event(EventKind::Modify(ModifyKind::Any), "/a/content/z.md"));
        let batch = rx.recv_timeout(Duration::from_secs(5)).expect("a batch");
        let expected: BTreeSet<PathBuf> = ["/a/content/x.md", "/a/content/z.md"]
            .into_iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(batch, Batch::Paths(expected));
        assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
        // A watcher error means events were lost.
        send(Err(notify::Error::generic("queue overflow")));
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(Batch::Rescan));
        drop(raw_tx);
        worker.join().expect("debouncer ends when the watcher does");
    }

    #[test]
    fn only_loopback_addresses_count_as_loopback() {
        for bind in ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"] {
            assert!(is_loopback(bind), "{bind}");
        }
        for bind in ["0.0.0.0", "::", "192.168.1.10", "example.com"] {
            assert!(!is_loopback(bind), "{bind}");
        }
    }

    #[test]
    fn editor_files_are_ignored() {
        let root = Path::new("/a");
        assert!(is_source(root, Path::new("/a/content/x.md")));
        assert!(!is_source(root, Path::new("/a/content/.x.md.swp")));
        assert!(!is_source(root, Path::new("/a/content/x.md~")));
    }
}

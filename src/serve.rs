//! Serve: build the site into memory, serve it over HTTP on loopback, watch the
//! archive, rebuild on change and reload every open page. A failed rebuild keeps
//! the last good site and shows an overlay naming the file, line and error; the
//! next good rebuild removes it. Drafts are always included, marked as drafts.
//!
//! Rebuilds re-run the pipeline in memory without the Pagefind bundle, which is
//! then rebuilt in the background and swapped in (search is the slow part).

use crate::config::Config;
use crate::{render_site, BuildError, Mode};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {message}")]
    Bind { addr: String, message: String },
    #[error("cannot watch {path}: {message}")]
    Watch { path: PathBuf, message: String },
}

/// What is being served right now.
#[derive(Default)]
struct State {
    files: Arc<HashMap<String, Vec<u8>>>,
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
pub fn serve(
    config: Config,
    options: &ServeOptions,
    log: &(dyn Fn(&str) + Sync),
) -> Result<(), ServeError> {
    let shared = Arc::new(Shared::default());
    rebuild(&config, &shared, Mode::Full, log);

    let addr = format!("{}:{}", options.bind, options.port);
    let server = tiny_http::Server::http(&addr).map_err(|e| ServeError::Bind {
        addr: addr.clone(),
        message: e.to_string(),
    })?;
    log(&format!(
        "Serving {} at http://{addr}/ (Ctrl-C to stop)",
        config.root.display()
    ));
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

    let (tx, rx) = std::sync::mpsc::channel();
    let mut debouncer = notify_debouncer_mini::new_debouncer(Duration::from_millis(120), tx)
        .map_err(|e| ServeError::Watch {
            path: config.root.clone(),
            message: e.to_string(),
        })?;
    for (name, mode) in [
        ("content", notify::RecursiveMode::Recursive),
        ("templates", notify::RecursiveMode::Recursive),
        ("static", notify::RecursiveMode::Recursive),
        ("themes", notify::RecursiveMode::Recursive),
        (
            crate::config::CONFIG_FILE,
            notify::RecursiveMode::NonRecursive,
        ),
    ] {
        let path = config.root.join(name);
        if path.exists() {
            debouncer
                .watcher()
                .watch(&path, mode)
                .map_err(|e| ServeError::Watch {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
        }
    }
    // Reading files during a rebuild can itself produce events; rebuild only
    // when a source file's size or modification time really changed.
    let mut seen = fingerprint(&config.root);
    for events in rx {
        let Ok(events) = events else { continue };
        if !events.iter().any(|e| is_source(&config.root, &e.path)) {
            continue;
        }
        let now = fingerprint(&config.root);
        if now != seen {
            seen = now;
            rebuild(&config, &shared, Mode::Preview, log);
        }
    }
    Ok(())
}

/// Size and modification time of every file a build reads.
fn fingerprint(root: &Path) -> Vec<(PathBuf, u64, Option<std::time::SystemTime>)> {
    let mut out = Vec::new();
    for dir in ["content", "templates", "static", "themes"] {
        for entry in walkdir::WalkDir::new(root.join(dir))
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            if let Ok(meta) = entry.metadata() {
                if meta.is_file() {
                    out.push((entry.path().to_path_buf(), meta.len(), meta.modified().ok()));
                }
            }
        }
    }
    let config = root.join(crate::config::CONFIG_FILE);
    if let Ok(meta) = std::fs::metadata(&config) {
        out.push((config, meta.len(), meta.modified().ok()));
    }
    out
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

fn rebuild(config: &Config, shared: &Arc<Shared>, mode: Mode, log: &(dyn Fn(&str) + Sync)) {
    let started = Instant::now();
    match render_site(config, mode, &|_| {}) {
        Ok(site) => {
            let mut files: HashMap<String, Vec<u8>> =
                site.files.into_iter().map(|p| (p.path, p.bytes)).collect();
            let mut state = shared.lock();
            if mode == Mode::Preview {
                // Keep serving the previous search bundle until the new one is ready.
                for (path, bytes) in state.files.iter() {
                    if path.starts_with("search/") && path != "search/index.html" {
                        files.entry(path.clone()).or_insert_with(|| bytes.clone());
                    }
                }
            }
            state.files = Arc::new(files);
            state.version += 1;
            state.error = None;
            drop(state);
            shared.changed.notify_all();
            log(&format!(
                "Rebuilt {} pages in {} ms",
                site.pages,
                started.elapsed().as_millis()
            ));
            if mode == Mode::Preview {
                refresh_search(config.clone(), Arc::clone(shared), state_version(shared));
            }
        }
        Err(e) => {
            let text = match &e {
                BuildError::Invalid(diagnostics) => diagnostics
                    .iter()
                    .filter(|d| d.is_error())
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n\n"),
                other => other.to_string(),
            };
            log(&format!(
                "Build failed; still serving the last good site:\n{text}"
            ));
            let mut state = shared.lock();
            state.version += 1;
            state.error = Some(text);
            drop(state);
            shared.changed.notify_all();
        }
    }
}

fn state_version(shared: &Shared) -> u64 {
    shared.lock().version
}

/// Rebuilds the search bundle (and suggestions) once saves have stopped for a
/// moment, off the request path, and swaps it in. A newer save cancels it.
fn refresh_search(config: Config, shared: Arc<Shared>, version: u64) {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(2));
        if state_version(&shared) != version {
            return;
        }
        let loaded = crate::load(&config);
        if state_version(&shared) != version {
            return;
        }
        if loaded
            .diagnostics
            .iter()
            .any(crate::diagnostic::Diagnostic::is_error)
        {
            return;
        }
        let records = crate::index::records(&loaded.archive, &loaded.analysis);
        let Ok(bundle) = crate::index::pagefind::build_cached(&config.root, &records) else {
            return;
        };
        let mut state = shared.lock();
        if state.version != version {
            return;
        }
        let mut files: HashMap<String, Vec<u8>> = state
            .files
            .iter()
            .filter(|(p, _)| !p.starts_with("search/") || *p == "search/index.html")
            .map(|(p, b)| (p.clone(), b.clone()))
            .collect();
        files.extend(bundle.into_iter().map(|(p, b)| (format!("search/{p}"), b)));
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
    let (files, status) = {
        let state = shared.lock();
        (Arc::clone(&state.files), status_json(&state))
    };
    let mut key = percent_decode(path.trim_start_matches('/'));
    if key.is_empty() || key.ends_with('/') {
        key.push_str("index.html");
    }
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
        bytes.clone()
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
    fn editor_files_are_ignored() {
        let root = Path::new("/a");
        assert!(is_source(root, Path::new("/a/content/x.md")));
        assert!(!is_source(root, Path::new("/a/content/.x.md.swp")));
        assert!(!is_source(root, Path::new("/a/content/x.md~")));
    }
}

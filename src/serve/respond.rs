//! What serve answers to an admitted request ([`super::http`] decides which are):
//! a file of the built site from memory (HTML with the live-reload script), the
//! live-reload long-poll, or the 404 page. Never a file from disk, never a folder
//! listing. Waits (for a newer version, for a page still re-rendering) are async,
//! so they hold no thread; at most [`MAX_WAITING`] long-polls wait at once.

use super::http::{folder_redirect, Answer, Ask};
use super::state::{Shared, State};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Long-polls waiting at once; one more gets 503 and live.js tries again a second
/// later. Half the connection limit, so pages can still load with every slot taken.
pub(super) const MAX_WAITING: usize = 64;

/// How long a long-poll waits for a newer version before answering the same one.
const POLL: Duration = Duration::from_secs(25);
/// How long a request for a page still being re-rendered waits for it.
const PENDING: Duration = Duration::from_secs(60);

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
      .then(function (r) { if (!r.ok) throw r.status; return r.json(); })
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

/// Counts a waiting long-poll while it lives (also when the client goes away and
/// its answer is dropped unfinished).
struct Waiting<'a>(&'a Shared);

impl<'a> Waiting<'a> {
    fn enter(shared: &'a Shared) -> Option<Waiting<'a>> {
        let before = shared.waiting.fetch_add(1, Ordering::AcqRel);
        let slot = Waiting(shared);
        (before < MAX_WAITING).then_some(slot)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

pub(super) async fn respond(shared: Arc<Shared>, ask: Ask) -> Answer {
    let path = ask.path.as_str();
    if path == "/__casebook/live.js" {
        return Answer::new(200, "text/javascript; charset=utf-8", LIVE_JS);
    }
    if path == "/__casebook/wait" {
        let seen: u64 = ask
            .query
            .strip_prefix("v=")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let Some(_slot) = Waiting::enter(&shared) else {
            return Answer::new(503, "text/plain; charset=utf-8", "Too many open pages.\n")
                .with("Retry-After", "1");
        };
        shared.wait_until(POLL, |s| s.version != seen).await;
        let body = status_json(&shared.lock());
        return Answer::new(200, "application/json", body).with("Cache-Control", "no-store");
    }
    let mut key = percent_decode(path.trim_start_matches('/'));
    if key.is_empty() || key.ends_with('/') {
        key.push_str("index.html");
    }
    // A page still being re-rendered after a save is worth waiting for: the old
    // copy would show what the save changed the old way.
    shared
        .wait_until(PENDING, |s| !s.pending.contains(&key))
        .await;
    let (files, status) = {
        let state = shared.lock();
        (Arc::clone(&state.files), status_json(&state))
    };
    if !files.contains_key(&key) && files.contains_key(&format!("{key}/index.html")) {
        return Answer::new(301, "text/plain; charset=utf-8", "")
            .with("Location", folder_redirect(path));
    }
    let (code, key) = if files.contains_key(&key) {
        (200, key)
    } else {
        (404, "404.html".to_owned())
    };
    let inject = format!(
        "<script>window.__casebook={}</script><script src=\"/__casebook/live.js\"></script>",
        status.replace("</", "<\\/")
    );
    let Some(bytes) = files.get(&key) else {
        // Nothing built yet (the first build failed): show the error page.
        let page = format!("<!doctype html><title>casebook</title><body>{inject}</body>");
        return Answer::new(503, "text/html; charset=utf-8", page);
    };
    let body = if key.ends_with(".html") {
        let html = String::from_utf8_lossy(bytes);
        match html.rfind("</body>") {
            Some(at) => format!("{}{inject}{}", &html[..at], &html[at..]).into_bytes(),
            None => format!("{html}{inject}").into_bytes(),
        }
    } else {
        bytes.to_vec()
    };
    Answer::new(code, &content_type(&key), body).with("Cache-Control", "no-store")
}

fn status_json(state: &State) -> String {
    serde_json::json!({ "version": state.version, "error": state.error }).to_string()
}

/// The `Content-Type` of a served file. The site's own kinds are spelled as
/// browsers and feed readers expect them (text with its charset, XML as
/// `application/xml`); anything else a theme or a write-up folder brings
/// (fonts, icons, images, wasm) by its extension, as `mime_guess` knows it.
fn content_type(path: &str) -> String {
    let own = match path.rsplit('.').next().unwrap_or_default() {
        "html" => Some("text/html; charset=utf-8"),
        "css" => Some("text/css; charset=utf-8"),
        "js" | "mjs" => Some("text/javascript; charset=utf-8"),
        "json" => Some("application/json"),
        "xml" => Some("application/xml"),
        "svg" => Some("image/svg+xml"),
        "txt" => Some("text/plain; charset=utf-8"),
        _ => None,
    };
    if let Some(own) = own {
        return own.to_owned();
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    if mime.type_() == mime_guess::mime::TEXT {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

/// A request path with its `%XX` escapes decoded (as UTF-8, invalid bytes
/// replaced).
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fonts_icons_images_and_wasm_are_not_octet_streams() {
        for (path, expected) in [
            ("fonts/inter.woff2", "font/woff2"),
            ("favicon.ico", "image/x-icon"),
            ("incidents/x/graph.webp", "image/webp"),
            ("search/pagefind.wasm", "application/wasm"),
            ("incidents/x/graph.png", "image/png"),
            ("incidents/x/data.csv", "text/csv; charset=utf-8"),
            ("index.html", "text/html; charset=utf-8"),
            ("feed.xml", "application/xml"),
            ("search/pagefind-entry.json", "application/json"),
            ("search/x.pf_meta", "application/octet-stream"),
        ] {
            assert_eq!(content_type(path), expected, "{path}");
        }
    }

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode("tags/a%20b/"), "tags/a b/");
        assert_eq!(percent_decode("bad%zz"), "bad%zz");
        assert_eq!(percent_decode("caf%C3%A9/%E2"), "café/\u{FFFD}");
    }

    #[test]
    fn long_polls_beyond_the_limit_are_refused_and_slots_come_back() {
        let shared = Shared::default();
        let slots: Vec<_> = (0..MAX_WAITING)
            .map(|_| Waiting::enter(&shared).expect("a slot"))
            .collect();
        assert!(Waiting::enter(&shared).is_none(), "one over the limit");
        drop(slots);
        assert!(Waiting::enter(&shared).is_some(), "freed slots are reused");
        assert_eq!(shared.waiting.load(Ordering::Acquire), 0);
    }
}

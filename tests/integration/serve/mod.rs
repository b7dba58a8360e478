//! `casebook serve`: serves the site, rebuilds on save, reloads pages (the
//! long-poll answers with a new version), keeps the last good site with an error
//! overlay on a broken save, and clears it once fixed. Loopback only, bounded waits.

mod attachments;
mod http;
mod rewatch;
mod teams;

use crate::support::Archive;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct Server(pub(crate) Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A plain HTTP/1.0 GET; returns (status, body).
pub(crate) fn get(port: u16, path: &str) -> Option<(u16, String)> {
    get_raw(port, path).map(|(status, _, body)| (status, body))
}

pub(crate) fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `casebook serve` on `archive` at `port`, as of 2025-06-01; its terminal
/// output goes to `stderr`.
pub(crate) fn serve(archive: &Archive, port: u16, stderr: Stdio) -> Server {
    Server(
        Command::new(env!("CARGO_BIN_EXE_casebook"))
            .args([
                "--root",
                archive.path().to_str().expect("path"),
                "serve",
                "--port",
                &port.to_string(),
                "--as-of",
                "2025-06-01",
            ])
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start serve"),
    )
}

/// Replaces `from` with `to` in the archive's file `rel`, saved with a
/// modification time after the previous save's, even on coarse clocks.
pub(crate) fn edit(a: &Archive, rel: &str, from: &str, to: &str) {
    std::thread::sleep(Duration::from_millis(1100));
    let text = a.read(rel);
    assert!(text.contains(from), "{rel} contains {from:?}");
    a.write(rel, &text.replace(from, to));
}

pub(crate) fn version(port: u16) -> u64 {
    let (_, body) = get(port, "/__casebook/wait?v=999999").expect("wait endpoint");
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    json["version"].as_u64().expect("version")
}

#[test]
fn serve_rebuilds_on_save_and_shows_errors_until_fixed() {
    let a = Archive::fixture("analysis");
    a.write(
        "content/incidents/draft.md",
        "+++\ntitle = \"Work in progress\"\ndate = 2025-05-30\ndraft = true\n+++\nDraft text.\n",
    );
    a.write("static/notes.txt", "first notes");
    let port = free_port();
    let _server = serve(&a, port, Stdio::null());
    let (status, home) = until("the server", || get(port, "/"));
    assert_eq!(status, 200);
    assert!(
        home.contains("/__casebook/live.js"),
        "pages get the live-reload script"
    );
    let (status, draft) = get(port, "/incidents/draft/").expect("draft page");
    assert_eq!(status, 200, "drafts are served while previewing");
    assert!(draft.contains("status-draft"), "and marked as drafts");
    assert_eq!(get(port, "/no/such/page/").expect("404").0, 404);

    // Editors save in several steps (truncate, write); poll until the page or the
    // overlay shows the saved state rather than trusting the first new version.
    let page_has = |path: &str, text: &str| {
        get(port, path)
            .filter(|(_, body)| body.contains(text))
            .map(|_| ())
    };
    let v1 = version(port);
    std::thread::sleep(Duration::from_millis(1100)); // a new modification time on coarse clocks
    let page = a
        .read("content/incidents/d.md")
        .replace("Checkout slow", "Checkout very slow");
    a.write("content/incidents/d.md", &page);
    until("the saved text", || {
        page_has("/incidents/d/", "Checkout very slow")
    });
    assert!(
        version(port) > v1,
        "each rebuild bumps the version pages wait on"
    );

    a.write(
        "content/incidents/d.md",
        &page.replace("date = 2025-04-01", "date = 2025-13-01"),
    );
    until("the error overlay", || {
        page_has("/", "content/incidents/d.md:3")
    });
    let (_, d) = get(port, "/incidents/d/").expect("page");
    assert!(
        d.contains("Checkout very slow"),
        "the last good site stays served"
    );

    a.write("content/incidents/d.md", &page);
    until("the fix to clear the overlay", || {
        page_has("/", "\"error\":null")
    });

    // static/ is watched too: a changed file is served changed.
    edit(&a, "static/notes.txt", "first notes", "second notes");
    until("the changed static file", || {
        page_has("/notes.txt", "second notes")
    });

    // The configuration is read again: a new title reaches every page, also
    // when the editor saves by renaming a new file over the old one.
    std::thread::sleep(Duration::from_millis(1100));
    a.write(
        "casebook.toml.new",
        "title = \"Payments incident archive\"\n",
    );
    std::fs::rename(
        a.path().join("casebook.toml.new"),
        a.path().join("casebook.toml"),
    )
    .expect("rename");
    until("the new site title", || {
        page_has("/incidents/d/", "Payments incident archive")
    });
    std::thread::sleep(Duration::from_millis(1100));
    a.write("casebook.toml", "title = [\"not a string\"]\n");
    until("the configuration error overlay", || {
        page_has("/", "casebook.toml:1")
    });
    a.write("casebook.toml", "title = \"Payments archive\"\n");
    until("the fixed configuration", || {
        page_has("/", "<title>Payments archive")
    });
}

/// Incremental rebuilds: what a save changes shows up on every page that shows
/// it — the incident, the incidents linking to it (its repeat chain), its system
/// and the lists — and nowhere is a stale copy served. Added and deleted
/// write-ups appear and disappear. The terminal names the change and the pages.
#[test]
fn serve_rerenders_every_page_that_shows_a_change() {
    let a = Archive::fixture("analysis");
    let port = free_port();
    let log_path = a.path().join("serve.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let _server = serve(&a, port, Stdio::from(log));
    until("the server", || get(port, "/"));
    let shows = |path: &str, text: &str| {
        get(port, path)
            .filter(|(status, body)| *status == 200 && body.contains(text))
            .map(|_| ())
    };

    // A body-only save: the page changes, nothing else needs to.
    std::thread::sleep(Duration::from_millis(1100));
    let d = a.read("content/incidents/d.md");
    a.write(
        "content/incidents/d.md",
        &format!("{d}\nA paragraph added while writing.\n"),
    );
    until("the body edit", || {
        shows("/incidents/d/", "A paragraph added while writing.")
    });

    // A new title: the later incidents in its chain, its system page and every
    // list show it.
    edit(
        &a,
        "content/incidents/a.md",
        "Payments DB failover (first)",
        "Payments DB primary lost (first)",
    );
    until("the new title on the incident", || {
        shows("/incidents/a/", "Payments DB primary lost (first)")
    });
    // From the moment one page shows the save, none is served stale: list pages
    // still rendering are waited for, not served from before.
    for path in [
        "/incidents/b/",
        "/incidents/c/",
        "/systems/payments-db/",
        "/incidents/",
        "/incidents/oldest/",
        "/follow-ups/",
        "/",
    ] {
        assert!(
            shows(path, "Payments DB primary lost (first)").is_some(),
            "{path} shows the new title as soon as the incident does"
        );
    }
    let (_, index) = get(port, "/incidents/").expect("index");
    assert!(
        !index.contains("Payments DB failover (first)"),
        "the old title is gone from the lists"
    );

    // A renamed follow-up: the board and the system page (which keep list
    // entries between rebuilds) show the new title only.
    edit(
        &a,
        "content/incidents/a.md",
        "Recycle pool on failover",
        "Recycle the pool on every failover",
    );
    until("the renamed follow-up on the incident", || {
        shows("/incidents/a/", "Recycle the pool on every failover")
    });
    for path in ["/follow-ups/", "/systems/payments-db/"] {
        let (_, body) = get(port, path).expect(path);
        assert!(
            body.contains("Recycle the pool on every failover")
                && !body.contains("Recycle pool on failover"),
            "{path} shows the follow-up's new title only"
        );
    }

    // A new write-up appears everywhere; deleting it removes its page.
    std::thread::sleep(Duration::from_millis(1100));
    a.write(
        "content/incidents/e.md",
        "+++\ntitle = \"Card network timeouts\"\ndate = 2025-05-25\nseverity = \"SEV3\"\nsystems = [\"payments-api\"]\n+++\nTimeouts.\n",
    );
    until("the new incident", || {
        shows("/incidents/e/", "Card network timeouts")
    });
    until("the new incident in the index", || {
        shows("/incidents/", "Card network timeouts")
    });
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::remove_file(a.path().join("content/incidents/e.md")).expect("delete");
    until("the deleted incident to go", || {
        get(port, "/incidents/e/").filter(|(status, _)| *status == 404)
    });
    until("the deleted incident to leave the index", || {
        get(port, "/incidents/")
            .filter(|(_, body)| !body.contains("Card network timeouts"))
            .map(|_| ())
    });

    let log = std::fs::read_to_string(&log_path).expect("log");
    assert!(
        log.contains("Rebuilt after a change to content/incidents/a.md: "),
        "the terminal names the changed file: {log}"
    );
    assert!(
        log.contains("pages re-rendered in"),
        "and how many pages were rendered: {log}"
    );
}

/// GET `path` verbatim (no client-side normalisation of `..`); returns the
/// status line's code, the header block and the body.
pub(crate) fn get_raw(port: u16, path: &str) -> Option<(u16, String, String)> {
    request(
        port,
        &format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n"),
    )
}

/// Sends `raw` as it is on a new connection; returns the status line's code, the
/// header block (lowercased) and the body.
pub(crate) fn request(port: u16, raw: &str) -> Option<(u16, String, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    stream.write_all(raw.as_bytes()).ok()?;
    response(&mut stream)
}

/// Reads a response to its end. A reset after the response (a server closing a
/// connection whose request it did not read to the end) keeps what arrived.
pub(crate) fn response(stream: &mut TcpStream) -> Option<(u16, String, String)> {
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, head.to_ascii_lowercase(), body.to_owned()))
}

/// Only files of the built site are served: traversal in every spelling, an
/// absolute path and a symlink out of the site get 404 and never the file;
/// each file has its content type; a folder is never listed.
#[test]
fn serve_serves_only_the_built_site() {
    let a = Archive::fixture("analysis");
    a.write("secret.txt", "TOP SECRET, outside the site");
    #[cfg(unix)]
    {
        std::fs::create_dir_all(a.path().join("static")).expect("static/");
        std::os::unix::fs::symlink(
            a.path().join("secret.txt"),
            a.path().join("static/leak.txt"),
        )
        .expect("symlink");
    }
    let port = free_port();
    let _server = serve(&a, port, Stdio::null());
    until("the server", || get(port, "/"));

    let absolute = format!("/{}", a.path().join("secret.txt").display());
    for path in [
        "/../secret.txt",
        "/incidents/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/incidents/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "//secret.txt",
        absolute.as_str(),
        "/leak.txt",
        "/casebook.toml",
        "/content/incidents/a.md",
    ] {
        let (status, _, body) = get_raw(port, path).expect(path);
        assert_eq!(status, 404, "{path} is not a file of the site");
        assert!(!body.contains("TOP SECRET"), "{path} leaks the file");
    }

    for (path, content_type) in [
        ("/", "text/html"),
        ("/incidents/a/", "text/html"),
        ("/style.css", "text/css"),
        ("/casebook.js", "text/javascript"),
        ("/casebook.json", "application/json"),
        ("/feed.xml", "application/xml"),
        ("/favicon.svg", "image/svg+xml"),
    ] {
        let (status, head, _) = get_raw(port, path).expect(path);
        assert_eq!(status, 200, "{path}");
        assert!(
            head.contains(&format!("content-type: {content_type}")),
            "{path} is served as {content_type}: {head}"
        );
    }

    // A folder is its index page or nothing, never a listing.
    let (status, head, _) = get_raw(port, "/incidents").expect("folder");
    assert_eq!(status, 301, "a folder without its slash redirects");
    assert!(head.contains("location: ./incidents/"), "{head}");
    let (status, _, body) = get_raw(port, "/search/fragment/").expect("folder");
    assert_eq!(status, 404, "a folder without an index page is not listed");
    assert!(!body.contains(".pf_fragment"));
}

/// The port in use gets an error naming it and what to do; binding beyond
/// loopback gets a loud warning; Ctrl-C stops the server and frees the port.
#[test]
fn serve_reports_a_busy_port_warns_off_loopback_and_stops_on_ctrl_c() {
    let a = Archive::fixture("analysis");
    let busy = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = busy.local_addr().expect("addr").port().to_string();
    let run = a.casebook(&["serve", "--port", &port, "--as-of", "2025-06-01"]);
    assert!(
        run.code().is_some_and(|c| c != 0),
        "fails: {}",
        run.stderr()
    );
    let err = run.stderr();
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")) && err.contains("--port"),
        "names the address and the way out: {err}"
    );
    drop(busy);

    let port = free_port();
    let log_path = a.path().join("serve.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_casebook"))
            .args(["--root", a.path().to_str().expect("path"), "serve"])
            .args(["--bind", "0.0.0.0", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start serve"),
    );
    until("the server", || get(port, "/"));
    let log = std::fs::read_to_string(&log_path).expect("log");
    assert!(
        log.contains("WARNING") && log.contains("not on loopback"),
        "binding beyond loopback is announced: {log}"
    );

    #[cfg(unix)]
    {
        let pid = server.0.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "SIGINT sent");
        until("the server to stop", || server.0.try_wait().ok().flatten());
        assert!(
            TcpListener::bind(("0.0.0.0", port)).is_ok(),
            "the port is free again"
        );
    }
}

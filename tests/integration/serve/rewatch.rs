//! Folders replaced or created while `casebook serve` runs are watched too: a
//! watch belongs to the folder that was there, so edits in `content/` after
//! `rm -rf content; git checkout .`, and in a `static/` or `templates/` made
//! after serve started, went unseen until a restart.

use super::{edit, free_port, get, serve, until};
use crate::support::Archive;
use std::process::Stdio;
use std::time::Duration;

fn shows(port: u16, path: &str, text: &str) -> Option<()> {
    get(port, path)
        .filter(|(status, body)| *status == 200 && body.contains(text))
        .map(|_| ())
}

#[test]
fn serve_stopped_seeing_edits_once_content_was_replaced() {
    let a = Archive::fixture("analysis");
    let port = free_port();
    let _server = serve(&a, port, Stdio::null());
    until("the server", || get(port, "/"));

    // As `git checkout` after `rm -rf content`: the folder is made anew.
    let content = a.path().join("content");
    let saved = a.path().join("content-saved");
    crate::support::copy_dir(&content, &saved);
    std::fs::remove_dir_all(&content).expect("rm -rf content");
    std::thread::sleep(Duration::from_millis(300));
    std::fs::rename(&saved, &content).expect("checkout");
    until("the archive back", || {
        shows(port, "/incidents/d/", "Checkout slow")
    });

    edit(
        &a,
        "content/incidents/d.md",
        "Checkout slow",
        "Checkout crawled",
    );
    until("an edit inside the new content/", || {
        shows(port, "/incidents/d/", "Checkout crawled")
    });
}

#[test]
fn serve_did_not_watch_static_or_templates_created_after_it_started() {
    let a = Archive::fixture("analysis");
    assert!(!a.exists("static") && !a.exists("templates"));
    let port = free_port();
    let _server = serve(&a, port, Stdio::null());
    until("the server", || get(port, "/"));

    a.write("static/notes.txt", "first notes");
    until("the new static file", || {
        shows(port, "/notes.txt", "first notes")
    });
    edit(&a, "static/notes.txt", "first notes", "second notes");
    until("an edit in the new static/", || {
        shows(port, "/notes.txt", "second notes")
    });

    a.write("templates/keep.txt", "a folder for overrides");
    std::thread::sleep(Duration::from_millis(300));
    let page = a.read("content/incidents/d.md");
    assert!(page.contains("Checkout slow"));
    let base = crate::support::repo_root().join("themes/default/templates/base.html");
    let base = std::fs::read_to_string(base).expect("base template");
    a.write(
        "templates/base.html",
        &base.replacen("<body", "<!-- override one --><body", 1),
    );
    until("the new template", || shows(port, "/", "override one"));
    edit(&a, "templates/base.html", "override one", "override two");
    until("an edit in the new templates/", || {
        shows(port, "/", "override two")
    });
}

#[test]
fn serve_watches_an_adopted_folder_outside_content() {
    let a = Archive::empty();
    a.write("casebook.toml", "[content]\nincidents = \"postmortems\"\n")
        .write(
            "postmortems/2024-01-02-db.md",
            "# DB down\n\nThe primary ran out of disk.\n",
        );
    let port = free_port();
    let _server = serve(&a, port, Stdio::null());
    until("the server", || {
        shows(port, "/incidents/2024-01-02-db/", "ran out of disk")
    });
    edit(
        &a,
        "postmortems/2024-01-02-db.md",
        "ran out of disk",
        "ran out of inodes",
    );
    until("an edit in postmortems/", || {
        shows(port, "/incidents/2024-01-02-db/", "ran out of inodes")
    });
}

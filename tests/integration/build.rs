//! Building the demo archive and small fixtures: pages, links, exports.

use crate::support::Archive;

#[test]
fn demo_archive_builds_every_kind_of_page() {
    let a = Archive::demo();
    let run = a.build(&[]);
    assert!(run.stderr().contains("Built "), "{}", run.stderr());
    for page in [
        "public/index.html",
        "public/incidents/index.html",
        "public/incidents/severity/index.html",
        "public/incidents/2024-11-02-payments-db-failover/index.html",
        "public/systems/index.html",
        "public/systems/payments-db/index.html",
        "public/follow-ups/index.html",
        "public/metrics/index.html",
        "public/tags/index.html",
        "public/factors/index.html",
        "public/reading-lists/index.html",
        "public/404.html",
        "public/feed.xml",
        "public/sitemap.xml",
        "public/casebook.json",
        "public/style.css",
    ] {
        assert!(a.exists(page), "missing {page}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&a.read("public/casebook.json")).expect("valid JSON");
    assert!(json["incidents"].as_array().expect("incidents").len() >= 30);
}

#[test]
fn links_are_relative_so_the_site_works_under_any_path() {
    let a = Archive::demo();
    a.build(&[]);
    let page = a.read("public/incidents/2024-11-02-payments-db-failover/index.html");
    assert!(
        page.contains("href=\"../../style.css\""),
        "stylesheet link is not relative"
    );
    assert!(
        !page.contains("href=\"/"),
        "a root-absolute link would break under a sub-path"
    );
}

#[test]
fn not_found_page_links_absolutely_when_the_base_url_is_known() {
    let a = Archive::demo();
    a.build(&["--base-url", "https://incidents.example.com/archive/"]);
    let page = a.read("public/404.html");
    assert!(
        page.contains("href=\"https://incidents.example.com/archive/style.css\""),
        "404 pages are served at any depth"
    );
    let feed = a.read("public/feed.xml");
    assert!(
        feed.contains("https://incidents.example.com/archive/incidents/"),
        "the feed uses the base URL"
    );
}

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

/// Every relative link and asset on every page points at a file of the site:
/// list pages sit at different depths, and their rows must link from each.
#[test]
fn every_relative_link_on_every_page_resolves() {
    let a = Archive::demo();
    a.build(&[]).assert_ok();
    let public = a.path().join("public");
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(&public)
        .into_iter()
        .filter_map(Result::ok)
    {
        let page = entry.path();
        if page.extension().and_then(|e| e.to_str()) != Some("html") {
            continue;
        }
        let html = std::fs::read_to_string(page).expect("read page");
        let dir = page.parent().expect("page folder");
        for attr in ["href=\"", "src=\""] {
            for rest in html.split(attr).skip(1) {
                let target = rest.split('"').next().unwrap_or_default();
                let target = target.split(['#', '?']).next().unwrap_or_default();
                if target.is_empty() || target.contains(':') || target.starts_with('/') {
                    continue;
                }
                let mut resolved = dir.join(target);
                if target.ends_with('/') || target == ".." || target == "." {
                    resolved = resolved.join("index.html");
                }
                assert!(
                    resolved.exists(),
                    "{} links to {target}, which does not exist",
                    page.strip_prefix(&public).unwrap_or(page).display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "only {checked} links checked");
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

#[cfg(unix)]
#[test]
fn a_rebuild_links_unchanged_pages_and_rewrites_tampered_ones() {
    use std::os::unix::fs::MetadataExt;
    let a = Archive::fixture("good");
    a.build(&[]);
    let page = a
        .path()
        .join("public/incidents/checkout-failover/index.html");
    let home = a.path().join("public/index.html");
    let inode = |p: &std::path::Path| std::fs::metadata(p).expect("stat").ino();
    let (page_inode, home_bytes) = (inode(&page), std::fs::read(&home).expect("home"));

    // Rebuilt with nothing changed: the page is the same file, linked from the store.
    a.build(&[]);
    assert_eq!(inode(&page), page_inode, "unchanged page written again");
    assert!(std::fs::metadata(&page).expect("stat").nlink() >= 2);

    // A tool rewrites the home page in place (through the link): the next build puts
    // the right bytes back rather than reusing the store's changed entry.
    std::fs::write(&home, "tampered").expect("tamper");
    a.build(&[]);
    assert_eq!(std::fs::read(&home).expect("home"), home_bytes);
}

#[test]
fn the_search_bundle_follows_an_edited_body() {
    let a = Archive::fixture("good");
    a.build(&[]);
    let in_fragments = |word: &str| {
        crate::support::output_texts(&a.path().join("public"))
            .iter()
            .any(|(name, text)| name.starts_with("search/fragment/") && text.contains(word))
    };
    assert!(!in_fragments("zebrafinch"));
    // Only the body changes (same title, dates, systems): the cached bundle must
    // not be reused.
    let path = "content/incidents/checkout-failover.md";
    let source = a.read(path);
    a.write(
        path,
        &format!("{source}\nThe zebrafinch runbook step was skipped.\n"),
    );
    a.build(&[]);
    assert!(
        in_fragments("zebrafinch"),
        "the edit is not in the search bundle"
    );
}

/// Every file of a site as (device, inode) → path under `dir`.
#[cfg(unix)]
fn inodes(dir: &std::path::Path) -> std::collections::HashMap<(u64, u64), String> {
    use std::os::unix::fs::MetadataExt;
    let mut out = std::collections::HashMap::new();
    for (name, entry) in crate::support::files(dir) {
        let meta = entry.metadata().expect("stat");
        if let Some(first) = out.insert((meta.dev(), meta.ino()), name.clone()) {
            panic!("{first} and {name} of {} are one file", dir.display());
        }
    }
    out
}

/// The output store linked both sites' files to the same entries: appending to
/// `internal/style.css` changed `public/style.css`. Two outputs (and two files)
/// never share an inode; an edit in place stays in its site.
#[cfg(unix)]
#[test]
fn sites_of_two_audiences_share_no_file() {
    let a = Archive::fixture("public-canary");
    let (internal, public) = (a.path().join("site/internal"), a.path().join("site/public"));
    let out = |p: &std::path::Path| p.to_str().expect("utf-8").to_owned();
    a.build(&["--output", &out(&internal)]);
    a.build(&["--audience", "public", "--output", &out(&public)]);
    // Twice, so the second builds of each link from the store.
    a.build(&["--output", &out(&internal)]);
    a.build(&["--audience", "public", "--output", &out(&public)]);

    let (ours, theirs) = (inodes(&internal), inodes(&public));
    for (inode, name) in &ours {
        assert!(
            !theirs.contains_key(inode),
            "internal/{name} and public/{} are one file",
            theirs[inode]
        );
    }
    let style = a.read("site/public/style.css");
    let mut css = std::fs::OpenOptions::new()
        .append(true)
        .open(internal.join("style.css"))
        .expect("open");
    std::io::Write::write_all(&mut css, b"\n/* internal only */\n").expect("append");
    assert_eq!(
        a.read("site/public/style.css"),
        style,
        "the edit reached the public site"
    );
}

#[test]
fn base_url_that_is_not_absolute_is_an_error_on_its_line() {
    let a = Archive::fixture("good");
    a.write(
        "casebook.toml",
        "title = \"T\"\nbase_url = \"incidents.example.com\"\n",
    );
    let run = a.casebook(&["build"]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert!(run.stderr().contains("casebook.toml:2"), "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("not an absolute http:// or https:// URL"),
        "{}",
        run.stderr()
    );
}

#[test]
fn base_url_flag_that_is_not_absolute_is_a_usage_error() {
    let a = Archive::fixture("good");
    for url in ["ftp://x.example", "/archive", "https://"] {
        let run = a.casebook(&["build", "--base-url", url]);
        assert_eq!(run.code(), Some(2), "{url}: {}", run.stderr());
        assert!(run.stderr().contains("--base-url"), "{}", run.stderr());
    }
    assert!(!a.exists("public/index.html"));
}

#[test]
fn build_without_base_url_warns_once_that_feed_and_sitemap_are_relative() {
    let a = Archive::fixture("good");
    let run = a.build(&[]);
    assert_eq!(
        run.stderr().matches("base_url is not set").count(),
        1,
        "{}",
        run.stderr()
    );
    let run = a.build(&["--base-url", "https://incidents.example.com"]);
    assert!(!run.stderr().contains("base_url is not set"));
}

#[test]
fn not_found_page_without_base_url_resolves_links_from_the_site_root() {
    let a = Archive::demo();
    a.write("casebook.toml", "title = \"Demo\"\n");
    a.build(&[]);
    let page = a.read("public/404.html");
    // Served at /any/missing/depth/: links relative to that folder point nowhere.
    let base = page
        .find("<base href=")
        .expect("a <base> computed in the page");
    let first_url = page.find(" href=\"").expect("links");
    assert!(
        base < first_url,
        "the <base> must precede every link and asset"
    );
    let urls: Vec<&str> = page
        .split(" href=\"")
        .chain(page.split(" src=\""))
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(urls.contains(&"style.css"), "{urls:?}");
    for url in urls {
        assert!(
            !url.starts_with("../") && !url.starts_with('/'),
            "{url} assumes where the page is or where the site is"
        );
    }
}

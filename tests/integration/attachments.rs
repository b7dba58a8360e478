//! Folder write-ups (`incidents/ID/index.md` with files beside it): the id and
//! date come from the folder's name, the files are copied next to the page,
//! relative images and links resolve, and links to other write-ups' `.md`
//! files become links to their pages. `check` reports the links that lead
//! nowhere; nothing outside a write-up's folder is ever copied.

use crate::support::Archive;

fn built(extra: &[&str]) -> (Archive, tempfile::TempDir) {
    let a = Archive::fixture("attachments");
    let out = tempfile::tempdir().expect("output dir");
    let output = out.path().join("site");
    let mut args = vec!["build", "--as-of", "2025-06-01", "--output"];
    args.push(output.to_str().expect("utf-8"));
    args.extend_from_slice(extra);
    a.casebook(&args).assert_ok();
    (a, out)
}

fn read(out: &tempfile::TempDir, rel: &str) -> String {
    let p = out.path().join("site").join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn exists(out: &tempfile::TempDir, rel: &str) -> bool {
    out.path().join("site").join(rel).exists()
}

#[test]
fn a_folder_write_up_takes_its_id_and_date_from_the_folder_and_its_files_are_copied() {
    let (a, out) = built(&[]);
    let page = read(&out, "incidents/2025-03-14-checkout-db/index.html");
    assert!(
        page.contains("datetime=\"2025-03-14\""),
        "date from the folder name"
    );
    assert_eq!(
        read(&out, "incidents/2025-03-14-checkout-db/graph.svg"),
        a.read("content/incidents/2025-03-14-checkout-db/graph.svg")
    );
    assert_eq!(
        read(&out, "incidents/2025-03-14-checkout-db/data/latency.csv"),
        "minute,p99_ms\n0,120\n1,4100\n"
    );
    assert!(
        !exists(&out, "incidents/2025-03-14-checkout-db/notes.txt"),
        "only images, PDFs and data files are copied"
    );
    assert!(
        !exists(&out, "incidents/2025-03-14-checkout-db/index.md"),
        "the source is not published"
    );
    // Relative to the page, they resolve beside it; the RCA is one folder down.
    assert!(page.contains("<img src=\"graph.svg\" alt=\"Error rate during the failover\""));
    assert!(page.contains("href=\"data/latency.csv\""));
    let rca = read(&out, "incidents/2025-03-14-checkout-db/rca/index.html");
    assert!(
        rca.contains("<img src=\"../graph.svg\" alt=\"Error rate\""),
        "{rca}"
    );
}

#[test]
fn links_to_other_write_ups_md_files_become_links_to_their_pages() {
    let (_a, out) = built(&[]);
    let page = read(&out, "incidents/2025-03-14-checkout-db/index.html");
    assert!(
        page.contains("<a href=\"../2024-01-02-dns/#h-root-cause\">the DNS incident</a>"),
        "{page}"
    );
    assert!(page.contains("<a href=\"../2025-04-01-cache/\">cache incident</a>"));
    let dns = read(&out, "incidents/2024-01-02-dns/index.html");
    assert!(
        dns.contains("<a href=\"../2025-03-14-checkout-db/#h-timeline\">"),
        "{dns}"
    );
    assert!(
        dns.contains("id=\"h-root-cause\""),
        "the anchor the link names exists"
    );
}

#[test]
fn check_finds_nothing_wrong_with_the_links_of_the_fixture() {
    let a = Archive::fixture("attachments");
    let run = a.casebook(&["check", "--as-of", "2025-06-01", "--format", "json"]);
    run.assert_ok();
    let all: Vec<serde_json::Value> = serde_json::from_str(&run.stdout()).expect("json");
    let about_links: Vec<&serde_json::Value> = all
        .iter()
        .filter(|d| {
            d["field"] == "body" || d["message"].as_str().unwrap_or("").contains("attachment")
        })
        .collect();
    assert!(about_links.is_empty(), "{about_links:#?}");
}

#[test]
fn check_reports_broken_links_missing_images_and_anchors_on_their_lines() {
    let a = Archive::fixture("attachments");
    a.write(
        "content/incidents/2025-05-01-broken/index.md",
        "+++\ntitle = \"Broken links\"\n+++\nIntro.\n\n![chart](chart.png)\n\n[dns](../2024-01-02-dns.md#root-causes)\n\n[gone](../2023-01-01-gone.md)\n\n[self](#timelin)\n\n## Timeline\n\n![up](../../../../etc/passwd)\n\n[flat](../2024-01-02-dns/notes.pdf)\n",
    );
    let run = a.casebook(&["check", "--as-of", "2025-06-01", "--format", "json"]);
    run.assert_ok();
    let all: Vec<serde_json::Value> = serde_json::from_str(&run.stdout()).expect("json");
    let file = "content/incidents/2025-05-01-broken/index.md";
    let at = |line: u64, text: &str| {
        all.iter()
            .find(|d| {
                d["file"] == file
                    && d["line"] == line
                    && d["message"].as_str().is_some_and(|m| m.contains(text))
            })
            .unwrap_or_else(|| panic!("no warning on line {line} saying {text:?}: {all:#?}"))
    };
    let image = at(6, "missing image \"chart.png\"");
    assert_eq!(image["level"], "warning");
    assert!(image["hint"].as_str().unwrap_or("").contains("folder"));
    let anchor = at(8, "has no heading with the anchor \"#root-causes\"");
    assert_eq!(anchor["hint"], "did you mean \"#root-cause\"?");
    at(10, "is not a write-up of this archive");
    assert_eq!(
        at(12, "\"#timelin\"")["hint"],
        "did you mean \"#timeline\"?"
    );
    at(16, "points above the archive's root");
    at(18, "outside this write-up's folder");
    // In the human format too, naming file and line.
    let human = a.casebook(&["check", "--as-of", "2025-06-01"]);
    assert!(
        human.stderr().contains(&format!("{file}:6")),
        "{}",
        human.stderr()
    );
}

#[test]
fn nothing_outside_a_write_ups_folder_is_copied_and_scripts_are_not_published() {
    let a = Archive::fixture("attachments");
    let folder = a.path().join("content/incidents/2025-03-14-checkout-db");
    a.write("secret.csv", "zqxsecret,outside\n");
    #[cfg(unix)]
    std::os::unix::fs::symlink(a.path().join("secret.csv"), folder.join("linked.csv"))
        .expect("symlink");
    a.write(
        "content/incidents/2025-03-14-checkout-db/evil.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"></svg>",
    );
    let text = a.read("content/incidents/2025-03-14-checkout-db/index.md");
    a.write(
        "content/incidents/2025-03-14-checkout-db/index.md",
        &format!("{text}\n![x](../../../secret.csv) ![l](linked.csv) ![e](evil.svg)\n"),
    );
    let out = tempfile::tempdir().expect("out");
    let site = out.path().join("site");
    let run = a.casebook(&[
        "build",
        "--as-of",
        "2025-06-01",
        "--output",
        site.to_str().expect("utf-8"),
    ]);
    run.assert_ok();
    for (name, entry) in crate::support::files(&site) {
        let bytes = std::fs::read(entry.path()).expect("read");
        assert!(
            !String::from_utf8_lossy(&bytes).contains("zqxsecret"),
            "{name} holds a file from outside the write-up's folder"
        );
    }
    assert!(!site
        .join("incidents/2025-03-14-checkout-db/linked.csv")
        .exists());
    assert!(!site
        .join("incidents/2025-03-14-checkout-db/evil.svg")
        .exists());
    assert!(
        run.stderr().contains("evil.svg\" holds a script"),
        "{}",
        run.stderr()
    );
    // With raw HTML allowed, the author is trusted with scripts too.
    a.write(
        "casebook.toml",
        "title = \"Attachments archive\"\n[markdown]\nunsafe_html = true\n",
    );
    a.casebook(&[
        "build",
        "--as-of",
        "2025-06-01",
        "--output",
        site.to_str().expect("utf-8"),
    ])
    .assert_ok();
    assert!(site
        .join("incidents/2025-03-14-checkout-db/evil.svg")
        .exists());
}

#[test]
fn a_public_build_copies_only_what_the_public_text_shows() {
    let (_a, out) = built(&["--audience", "public"]);
    assert!(exists(&out, "incidents/2025-03-14-checkout-db/graph.svg"));
    assert!(
        !exists(&out, "incidents/2025-03-14-checkout-db/data/latency.csv"),
        "the body's attachments are internal"
    );
    assert!(
        !exists(&out, "incidents/2024-01-02-dns"),
        "internal incident"
    );
}

//! `casebook init --adopt`: a scraped folder of YAML write-ups gets a casebook.toml
//! that reads it as it is, and then builds.

use crate::support::Archive;

fn adopt(a: &Archive, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["init", "--adopt"];
    args.extend_from_slice(extra);
    a.casebook(&args)
}

#[test]
fn adopt_writes_aliases_ignore_and_include_for_what_it_finds() {
    let a = Archive::fixture("adopt-yaml");
    let run = adopt(&a, &[]);
    run.assert_ok();
    let out = run.stdout();
    assert!(out.contains("Found 4 write-up(s)"), "{out}");
    assert!(out.contains("3 with front matter"), "{out}");
    assert!(out.contains("casebook check --adoption"), "{out}");

    let text = a.read("casebook.toml");
    for line in [
        "start_time = [\"timeline.started\", \"date\"]  # 2 of 4 files, e.g. \"2022-09-02 07:15\"",
        "categories = \"tags\"  # 3 of 4 files",
        "company = \"systems\"  # 3 of 4 files",
        "url = \"links\"",
        "end_time = \"timeline.resolved\"",
        "ignore = [\"uuid\", \"layout\"]",
        "include = [\"**/*.md\", \"**/*.markdown\", \"**/*.erb\"]",
        "# team_size: 1 of 4 files, e.g. \"4\": no casebook field",
    ] {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
    // The image beside the write-ups is no write-up and no extension to include.
    assert!(!text.contains("png"), "{text}");
}

#[test]
fn an_adopted_folder_builds_with_its_systems_and_tags() {
    let a = Archive::fixture("adopt-yaml");
    adopt(&a, &[]).assert_ok();
    a.build(&[]);
    assert!(a.exists("public/systems/acme/index.html"));
    assert!(a.exists("public/systems/globex/index.html"));
    assert!(a.exists("public/tags/config-change/index.html"));
    let json = a.read("public/casebook.json");
    // The .markdown and .html.md.erb write-ups are read too, under their bare names.
    assert!(json.contains("\"2022-09-02-globex-billing\""), "{json}");
    assert!(json.contains("\"cdn-purge\""), "{json}");
    // start_time fed both the timeline and the date.
    assert!(
        json.contains("\"started\": \"2023-04-11T20:28:00Z\""),
        "{json}"
    );
    assert!(json.contains("\"date\": \"2023-04-11\""), "{json}");
}

#[test]
fn adopt_keeps_an_existing_config_unless_forced() {
    let a = Archive::fixture("adopt-yaml");
    a.write("casebook.toml", "title = \"Ours\"\n");
    let run = adopt(&a, &[]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    assert!(run.stderr().contains("--force"), "{}", run.stderr());
    assert_eq!(a.read("casebook.toml"), "title = \"Ours\"\n");

    adopt(&a, &["--force"]).assert_ok();
    assert!(a.read("casebook.toml").contains("categories = \"tags\""));
}

#[test]
fn adopt_says_where_write_ups_belong_and_moves_nothing() {
    let a = Archive::empty();
    a.write("postmortems/2024-01-02-db.md", "# DB down\n")
        .write("postmortems/2024-02-03-dns.md", "# DNS down\n");
    let run = adopt(&a, &[]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    let err = run.stderr();
    assert!(err.contains("content/incidents/"), "{err}");
    assert!(err.contains("2 Markdown file(s)"), "{err}");
    assert!(err.contains("postmortems"), "{err}");
    assert!(err.contains("symlink"), "{err}");
    assert!(a.exists("postmortems/2024-01-02-db.md"));
    assert!(!a.exists("casebook.toml"));
}

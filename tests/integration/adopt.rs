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
fn adopt_reads_a_teams_own_folder_where_it_is_and_moves_nothing() {
    let a = Archive::empty();
    a.write(
        "postmortems/2024/2024-01-02-db.md",
        "# DB down\n\nThe primary ran out of disk.\n",
    )
    .write(
        "postmortems/2024/2024-02-03-dns.md",
        "# DNS down\n\nA bad zone file was pushed.\n",
    );
    adopt(&a, &[]).assert_ok();
    let config = a.read("casebook.toml");
    assert!(config.contains("incidents = \"postmortems\""), "{config}");
    assert!(
        a.exists("postmortems/2024/2024-01-02-db.md"),
        "nothing is moved"
    );
    assert!(!a.exists("content/incidents"));
    a.build(&[]);
    assert!(a.exists("public/incidents/2024-01-02-db/index.html"));
    assert!(a.exists("public/incidents/2024-02-03-dns/index.html"));
}

#[test]
fn adopt_reads_a_repository_of_write_ups_at_its_root() {
    let a = Archive::empty();
    a.write("README.md", "# Our postmortems\n\nOne file per incident.\n")
        .write(
            "2024-01-02-db.md",
            "# DB down\n\nThe primary ran out of disk.\n",
        )
        .write(
            "2024-02-03-dns.md",
            "# DNS down\n\nA bad zone file was pushed.\n",
        );
    adopt(&a, &[]).assert_ok();
    let config = a.read("casebook.toml");
    assert!(config.contains("incidents = \".\""), "{config}");
    assert!(
        config.contains("\"public/**\""),
        "the site is not read back: {config}"
    );
    a.build(&[]);
    // A second build does not read the first one's output as write-ups.
    let again = a.build(&[]);
    assert!(
        again.stderr().contains("for 2 incidents"),
        "{}",
        again.stderr()
    );
    assert!(a
        .read("public/incidents/index.html")
        .contains("One file per incident."));
}

#[test]
fn adopt_says_so_when_a_folder_holds_no_write_ups() {
    let a = Archive::empty();
    a.write("notes.txt", "nothing here\n");
    let run = adopt(&a, &[]);
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    assert!(
        run.stderr().contains("holds no Markdown write-ups"),
        "{}",
        run.stderr()
    );
    assert!(!a.exists("casebook.toml"));
}

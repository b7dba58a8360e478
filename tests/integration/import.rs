//! `casebook import links` and `casebook import csv`: a list of postmortem links
//! and a tracker export become ordinary TOML write-ups; importing again skips
//! what is there; the imported archive builds.

use crate::support::Archive;

const INTO: &str = "content/incidents/imported";

fn source(a: &Archive, name: &str) -> String {
    a.path().join(name).to_str().expect("utf-8 path").to_owned()
}

fn import_links(a: &Archive, file: &str, extra: &[&str]) -> crate::support::Run {
    let file = source(a, file);
    let mut args = vec!["import", "links", file.as_str()];
    args.extend_from_slice(extra);
    a.casebook(&args)
}

/// The front matter of an imported file, parsed as TOML.
fn front_matter(a: &Archive, rel: &str) -> toml::Table {
    let text = a.read(rel);
    let front = text
        .strip_prefix("+++\n")
        .and_then(|rest| rest.split_once("\n+++\n"))
        .map(|(front, _)| front)
        .unwrap_or_else(|| panic!("{rel} has no +++ front matter:\n{text}"));
    front
        .parse()
        .unwrap_or_else(|e| panic!("{rel} is not valid TOML: {e}\n{text}"))
}

fn written(a: &Archive, dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(a.path().join(dir))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn datetime(value: &toml::Value) -> Option<String> {
    value.as_datetime().map(ToString::to_string)
}

/// Asserts that the command printed each of `parts` on stdout.
fn says(run: &crate::support::Run, parts: &[&str]) {
    let out = run.stdout();
    for part in parts {
        assert!(out.contains(part), "expected {part:?} in:\n{out}");
    }
}

/// An incident of the built site's casebook.json.
fn built_incident(a: &Archive, id: &str) -> serde_json::Value {
    let json: serde_json::Value =
        serde_json::from_str(&a.read("public/casebook.json")).expect("casebook.json");
    json["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not in casebook.json"))
        .clone()
}

fn strings(value: &toml::Value) -> Vec<&str> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string"))
        .collect()
}

// ---- links ----

#[test]
fn links_entries_become_write_ups_and_nothing_else_does() {
    let a = Archive::fixture("import-links");
    let run = import_links(&a, "postmortems.md", &[]);
    run.assert_ok();
    // Not the badge, the intro paragraph, the table of contents, the FTP-only
    // entry, or Umbrella, whose id the archive already has.
    assert_eq!(
        written(&a, INTO),
        [
            "2018-initech.md",
            "2019-06-12-acme-rockets.md",
            "2021-globex.md",
            "vandelay-2.md",
            "vandelay.md",
        ]
    );
    says(
        &run,
        &["Wrote 5 write-up(s)", "skipped 1 whose id already exists"],
    );
}

#[test]
fn links_entry_has_title_date_tags_links_and_summary() {
    let a = Archive::fixture("import-links");
    import_links(&a, "postmortems.md", &[]).assert_ok();
    let acme = front_matter(&a, &format!("{INTO}/2019-06-12-acme-rockets.md"));
    assert_eq!(acme["title"].as_str(), Some("Acme Rockets"));
    assert_eq!(datetime(&acme["date"]).as_deref(), Some("2019-06-12"));
    assert_eq!(strings(&acme["tags"]), ["Config errors"]);
    assert_eq!(acme["status"].as_str(), Some("resolved"));
    assert_eq!(
        acme["links"][0]["url"].as_str(),
        Some("https://acme.example/blog/2019-eu-outage")
    );
    assert_eq!(acme["links"][0]["title"].as_str(), Some("Acme Rockets"));
    assert_eq!(
        acme["summary"].as_str(),
        Some("A bad config push took down the EU region for 3 hours on 12 June 2019. The rollout tool had no canary stage.")
    );
    let text = a.read(&format!("{INTO}/2019-06-12-acme-rockets.md"));
    assert!(
        text.contains("+++\nA bad config push took down the EU region"),
        "the blurb is the body's first paragraph:\n{text}"
    );
    assert!(text.contains("Imported from postmortems.md.\n"), "{text}");

    // Markdown and quotes kept, escaped as TOML.
    let initech = front_matter(&a, &format!("{INTO}/2018-initech.md"));
    assert_eq!(
        initech["summary"].as_str(),
        Some("TPS reports were lost for `us-east` customers when a \"cleanup\" job ran twice.")
    );
    let vandelay = front_matter(&a, &format!("{INTO}/vandelay.md"));
    assert_eq!(strings(&vandelay["tags"]), ["Hardware-Power failures"]);
}

#[test]
fn links_entry_with_several_links_keeps_every_web_link() {
    let a = Archive::fixture("import-links");
    let run = import_links(&a, "postmortems.md", &[]);
    run.assert_ok();
    let globex = front_matter(&a, &format!("{INTO}/2021-globex.md"));
    let urls: Vec<&str> = globex["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| l["url"].as_str().expect("url"))
        .collect();
    assert_eq!(
        urls,
        [
            "https://globex.example/post/123",
            "https://globex.example/post/124"
        ]
    );
    assert_eq!(globex["title"].as_str(), Some("Globex"));
    // The relative link and the FTP-only entry are named with file and line.
    let err = run.stderr();
    assert!(err.contains("`notes/globex.md`"), "{err}");
    assert!(err.contains("postmortems.md:18"), "{err}");
    assert!(err.contains("\"Hooli\" links to `ftp://"), "{err}");
    assert!(err.contains("postmortems.md:27"), "{err}");
}

#[test]
fn links_with_only_a_year_are_undated_with_the_year_in_the_id() {
    let a = Archive::fixture("import-links");
    import_links(&a, "postmortems.md", &[]).assert_ok();
    for (file, year) in [("2021-globex.md", "text"), ("2018-initech.md", "URL")] {
        let front = front_matter(&a, &format!("{INTO}/{file}"));
        assert!(
            !front.contains_key("date"),
            "a year from the {year} is not a day: {front:?}"
        );
    }
    assert!(!front_matter(&a, &format!("{INTO}/vandelay.md")).contains_key("date"));
}

#[test]
fn importing_again_writes_nothing_and_says_how_many_it_skipped() {
    let a = Archive::fixture("import-links");
    import_links(&a, "postmortems.md", &[]).assert_ok();
    let acme = format!("{INTO}/2019-06-12-acme-rockets.md");
    let edited = format!("{}\nA note added by hand.\n", a.read(&acme));
    a.write(&acme, &edited);

    let again = import_links(&a, "postmortems.md", &[]);
    again.assert_ok();
    says(
        &again,
        &["Wrote 0 write-up(s)", "skipped 6 whose id already exists"],
    );
    assert_eq!(written(&a, INTO).len(), 5);
    assert_eq!(a.read(&acme), edited, "an existing write-up was rewritten");
}

#[test]
fn links_dry_run_prints_the_files_and_writes_none() {
    let a = Archive::fixture("import-links");
    let run = import_links(&a, "postmortems.md", &["--dry-run"]);
    run.assert_ok();
    let out = run.stdout();
    assert!(
        out.contains("==> content/incidents/imported/2021-globex.md <==\n+++\ntitle = \"Globex\""),
        "{out}"
    );
    assert!(out.contains("Would write 5 write-up(s)"), "{out}");
    assert!(!a.exists(INTO), "a dry run wrote files");
}

#[test]
fn links_into_another_folder_of_the_archive() {
    let a = Archive::fixture("import-links");
    import_links(&a, "dated.md", &["--into", "content/incidents/history"]).assert_ok();
    assert_eq!(
        written(&a, "content/incidents/history"),
        ["2019-06-12-acme-rockets.md", "2022-05-02-soylent.md"]
    );
    // The ids are taken now, wherever under content/incidents/ they are.
    let again = import_links(&a, "dated.md", &[]);
    says(&again, &["skipped 2"]);
    assert!(!a.exists(INTO));
}

#[test]
fn imported_dated_links_build() {
    let a = Archive::fixture("import-links");
    import_links(&a, "dated.md", &[]).assert_ok();
    a.build(&[]);
    let page = a.read("public/incidents/2022-05-02-soylent/index.html");
    assert!(page.contains("Soylent"), "{page}");
    assert!(page.contains("after a schema migration"), "{page}");
    let acme = built_incident(&a, "2019-06-12-acme-rockets");
    assert_eq!(acme["date"], "2019-06-12");
    assert_eq!(acme["tags"][0], "Deploys");
}

#[test]
fn every_imported_entry_builds_undated_ones_listed_last_with_their_links() {
    let a = Archive::fixture("import-links");
    import_links(&a, "postmortems.md", &[]).assert_ok();
    let build = a.build(&[]);
    assert!(
        !build.stderr().contains("unknown field `links`"),
        "{}",
        build.stderr()
    );
    let json: serde_json::Value =
        serde_json::from_str(&a.read("public/casebook.json")).expect("casebook.json");
    let incidents = json["incidents"].as_array().expect("incidents");
    let ids: Vec<&str> = incidents.iter().filter_map(|i| i["id"].as_str()).collect();
    for name in written(&a, INTO) {
        let id = name.trim_end_matches(".md");
        assert!(
            ids.contains(&id),
            "{name} was imported but did not build: {ids:?}"
        );
    }
    let undated: Vec<&serde_json::Value> =
        incidents.iter().filter(|i| i["date"].is_null()).collect();
    assert!(
        !undated.is_empty(),
        "the fixture has entries without a full date"
    );
    // Undated write-ups come after every dated one.
    let first_undated = incidents
        .iter()
        .position(|i| i["date"].is_null())
        .unwrap_or(0);
    assert!(incidents[first_undated..]
        .iter()
        .all(|i| i["date"].is_null()));
    let id = undated[0]["id"].as_str().expect("id");
    let page = a.read(&format!("public/incidents/{id}/index.html"));
    assert!(
        page.contains("<dt>Links</dt>"),
        "the original write-up is linked: {id}"
    );
}

// ---- csv ----

const CSV_MAPS: &[&str] = &[
    "--map",
    "Issue key=id",
    "--map",
    "Summary=title",
    "--map",
    "Created=date",
    "--map",
    "Created=timeline.started",
    "--map",
    "Resolved=timeline.resolved",
    "--map",
    "Priority=severity",
    "--map",
    "Component/s=systems",
    "--map",
    "Labels=tags",
    "--map",
    "Status=status",
    "--map",
    "Reporter=authors",
    "--map",
    "Description=summary",
    "--map",
    "Link=links",
];

fn import_csv(a: &Archive, file: &str, maps: &[&str]) -> crate::support::Run {
    let file = source(a, file);
    let mut args = vec!["import", "csv", file.as_str()];
    args.extend_from_slice(maps);
    a.casebook(&args)
}

#[test]
fn csv_rows_become_write_ups_through_the_map() {
    let a = Archive::fixture("import-csv");
    let run = import_csv(&a, "export.csv", CSV_MAPS);
    run.assert_ok();
    assert_eq!(
        written(&a, INTO),
        ["inc-101.md", "inc-102.md", "inc-103.md"]
    );
    says(&run, &["Wrote 3 write-up(s)"]);
    let first = front_matter(&a, &format!("{INTO}/inc-101.md"));
    assert_eq!(
        first["title"].as_str(),
        Some("Checkout 502s after deploy, EU only")
    );
    assert_eq!(datetime(&first["date"]).as_deref(), Some("2025-03-14"));
    assert_eq!(first["severity"].as_str(), Some("SEV2"));
    assert_eq!(strings(&first["systems"]), ["checkout", "payments-db"]);
    assert_eq!(strings(&first["tags"]), ["deploy"]);
    assert_eq!(strings(&first["authors"]), ["dana"]);
    assert_eq!(first["status"].as_str(), Some("resolved"));
    assert_eq!(
        first["summary"].as_str(),
        Some("A \"canary\" stage was skipped: 4% of checkouts failed.")
    );
    assert_eq!(
        first["links"][0]["url"].as_str(),
        Some("https://tracker.example/INC-101")
    );
    let timeline = &first["timeline"];
    assert_eq!(
        datetime(&timeline["started"]).as_deref(),
        Some("2025-03-14T09:12:00Z")
    );
    assert_eq!(
        datetime(&timeline["resolved"]).as_deref(),
        Some("2025-03-14T10:05:00Z")
    );

    // Jira's own date form, a lower-case severity and two labels in one cell.
    let second = front_matter(&a, &format!("{INTO}/inc-102.md"));
    assert_eq!(
        datetime(&second["timeline"]["started"]).as_deref(),
        Some("2025-04-14T08:30:00Z")
    );
    assert_eq!(second["severity"].as_str(), Some("SEV3"));
    assert_eq!(strings(&second["tags"]), ["indexing", "cache"]);
    assert!(
        !front_matter(&a, &format!("{INTO}/inc-103.md")).contains_key("summary"),
        "an empty cell writes no field"
    );
}

#[test]
fn csv_import_builds_and_again_skips_every_row() {
    let a = Archive::fixture("import-csv");
    import_csv(&a, "export.csv", CSV_MAPS).assert_ok();
    a.build(&[]);
    let incident = built_incident(&a, "inc-101");
    assert_eq!(incident["severity"], "SEV2");
    assert_eq!(incident["time_to_resolve_minutes"], 53);
    assert!(a.exists("public/incidents/inc-102/index.html"));

    let again = import_csv(&a, "export.csv", CSV_MAPS);
    again.assert_ok();
    says(&again, &["Wrote 0 write-up(s)", "skipped 3"]);
}

#[test]
fn csv_cells_it_cannot_read_are_warnings_with_the_line() {
    let a = Archive::fixture("import-csv");
    let run = import_csv(
        &a,
        "bad-dates.csv",
        &[
            "--map",
            "Title=title",
            "--map",
            "Date=date",
            "--map",
            "Link=links",
        ],
    );
    run.assert_ok();
    let err = run.stderr();
    assert!(err.contains("\"last tuesday\" is not a date"), "{err}");
    assert!(err.contains("bad-dates.csv:2"), "{err}");
    assert!(
        err.contains("`tracker.example/INC-105` is not an http(s) URL"),
        "{err}"
    );
    assert!(err.contains("bad-dates.csv:3"), "{err}");
    assert_eq!(
        written(&a, INTO),
        ["2025-06-01-queue-backlog.md", "payments-webhook-retries.md"]
    );
    let undated = front_matter(&a, &format!("{INTO}/payments-webhook-retries.md"));
    assert!(!undated.contains_key("date"), "{undated:?}");
}

/// Asserts exit code 2 (usage or I/O), each of `parts` on stderr, and no file written.
fn refused(a: &Archive, run: &crate::support::Run, parts: &[&str]) {
    let err = run.stderr();
    assert_eq!(run.code(), Some(2), "{err}");
    for part in parts {
        assert!(err.contains(part), "expected {part:?} in:\n{err}");
    }
    assert!(!a.exists(INTO), "files were written");
}

#[test]
fn csv_map_naming_an_unknown_column_is_a_usage_error_with_a_suggestion() {
    let a = Archive::fixture("import-csv");
    let run = import_csv(&a, "export.csv", &["--map", "Sumary=title"]);
    refused(&a, &run, &["no column `Sumary`; did you mean `Summary`?"]);
}

#[test]
fn csv_map_naming_an_unknown_field_is_a_usage_error_with_a_suggestion() {
    let a = Archive::fixture("import-csv");
    let maps = ["--map", "Summary=title", "--map", "Priority=severty"];
    let run = import_csv(&a, "export.csv", &maps);
    refused(
        &a,
        &run,
        &["`severty` is not a casebook field; did you mean `severity`?"],
    );
}

#[test]
fn csv_without_a_title_column_fails_and_says_how_to_map_one() {
    let a = Archive::fixture("import-csv");
    let run = import_csv(&a, "export.csv", &["--map", "Created=date"]);
    refused(
        &a,
        &run,
        &["no column is mapped to `title`", "--map Summary=title"],
    );
}

#[test]
fn import_of_a_missing_file_is_an_io_error() {
    let a = Archive::fixture("import-csv");
    let run = import_links(&a, "nowhere.md", &[]);
    refused(&a, &run, &["cannot read", "nowhere.md"]);
}

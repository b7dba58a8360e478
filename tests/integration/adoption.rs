//! Adopting an existing folder: the shapes real postmortem folders have (no front
//! matter, no date, odd file names, lenient values, names spelled several ways)
//! are read with warnings naming the fallback, and the archive builds.

use crate::support::Archive;

fn incident<'a>(json: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    json["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no incident {id} in casebook.json"))
}

fn export(a: &Archive) -> serde_json::Value {
    serde_json::from_str(&a.read("public/casebook.json")).expect("casebook.json")
}

#[test]
fn a_plain_markdown_folder_builds_with_titles_dates_and_ids_from_its_own_text() {
    let a = Archive::fixture("adopt-plain");
    let build = a.build(&[]);
    let stderr = build.stderr();
    assert!(!stderr.contains("error"), "{stderr}");
    // File names that are not ids are slugified, every extension removed.
    for id in [
        "2025-09-29-flags-is-down",
        "pm2023-001-total-node-failure",
        "2023-04-19-get-jenkins-io-incident",
        "no-heading-at-all",
    ] {
        assert!(
            a.exists(&format!("public/incidents/{id}/index.html")),
            "{id}"
        );
    }
    let json = export(&a);
    let flags = incident(&json, "2025-09-29-flags-is-down");
    assert_eq!(flags["title"], "Flags is down");
    assert_eq!(flags["date"], "2025-09-29", "the file name's date");
    let node = incident(&json, "pm2023-001-total-node-failure");
    assert_eq!(
        node["date"], "2023-03-07",
        "the first date of the Timeline table"
    );
    let undated = incident(&json, "no-heading-at-all");
    assert!(undated["date"].is_null());
    assert!(undated["title"]
        .as_str()
        .expect("title")
        .starts_with("Somebody restarted the wrong database replica"));
    // The heading that became the title is not repeated in the body.
    let page = a.read("public/incidents/2025-09-29-flags-is-down/index.html");
    assert_eq!(page.matches("Flags is down</h1>").count(), 1);
    assert!(
        !page.contains("<h1 id=\"h-flags-is-down\""),
        "heading kept in body"
    );
    // Plain bullets under "Action Items" are untracked follow-ups.
    assert!(page.contains("Automate certificate renewal for the flags load balancer"));
    assert!(page.contains("2 untracked"), "untracked count shown");
    // The SRE book's template: date and summary in their sections, action items
    // in a table with DONE/TODO in a cell.
    let sonnet = incident(&json, "sonnet-postmortem");
    assert_eq!(sonnet["date"], "2015-10-21");
    assert_eq!(
        sonnet["summary"],
        "Search was down for 66 minutes during a spike of interest in a newly found sonnet."
    );
    let states: Vec<(&str, &str)> = sonnet["follow_ups"]
        .as_array()
        .expect("follow-ups")
        .iter()
        .map(|f| {
            (
                f["title"].as_str().unwrap_or(""),
                f["state"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("Update the playbook for cascading failure", "done"),
            ("Balance load between clusters", "open"),
            ("Schedule a cascading-failure game day", "untracked"),
        ]
    );
    // Undated write-ups are listed last.
    let ids: Vec<&str> = json["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(ids.last(), Some(&"no-heading-at-all"), "{ids:?}");
    // README.md is the introduction, not an incident; the template is skipped.
    assert!(a
        .read("public/incidents/index.html")
        .contains("One file per incident, newest at the bottom."));
    assert!(!a.exists("public/incidents/readme/index.html"));
    assert!(
        !a.read("public/incidents/index.html")
            .contains("Our postmortems</h1>"),
        "the README's own title is not a second page heading"
    );
    // List rows count tracked follow-ups only.
    assert!(a.read("public/incidents/index.html").contains("1/2 done"));
    assert!(!a.exists("public/incidents/postmortem-template/index.html"));
    // Time-based metrics leave undated write-ups out and say how many.
    let metrics = a.read("public/metrics/index.html");
    assert!(
        metrics.contains("4 undated write-up(s) are left out"),
        "metrics"
    );
    assert!(metrics.contains("5 untracked follow-up(s)"), "metrics");
    // The build ends with the adoption summary.
    assert!(
        stderr.contains("adoption: 8 of 8 write-ups used fallbacks"),
        "{stderr}"
    );
    assert!(stderr.contains("casebook check --adoption"), "{stderr}");
}

#[test]
fn check_names_each_fallback_skipped_files_and_the_repeats_in_a_plain_folder() {
    let a = Archive::fixture("adopt-plain");
    let check = a.casebook(&["check"]);
    assert_eq!(check.code(), Some(0), "{}", check.stderr());
    let stderr = check.stderr();
    for expected in [
        "no `title`; using the first heading: \"Flags is down\"",
        "no `date`; using 2023-03-07 from the timeline section",
        "the file name is not an id; using \"pm2023-001-total-node-failure\"",
        "not read as a write-up: its name says it is a template",
        // One note for the files no include pattern takes, with the line to add.
        "2 file(s) are not read as write-ups (1 without an extension, 1 .erb)",
        "\"**/*.erb\"",
        // The same failure written up three times is suggested without systems.
        "possible repeat of \"disk-full-2\"",
        "possible repeat of \"disk-full-3\"",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    assert!(
        !stderr.contains("possible repeat of \"pm2023"),
        "unrelated write-ups sharing only the template's headings:\n{stderr}"
    );
    // Terminal search runs on an archive with undated write-ups.
    let search = a.casebook(&["search", "docker cache"]);
    assert_eq!(search.code(), Some(0), "{}", search.stderr());
    assert!(
        search.stdout().contains("disk-full-1"),
        "{}",
        search.stdout()
    );
}

#[test]
fn the_adoption_report_counts_fields_fallbacks_and_files_to_fix() {
    let a = Archive::fixture("adopt-plain");
    let human = a.casebook(&["check", "--adoption"]);
    assert_eq!(human.code(), Some(0), "{}", human.stderr());
    let out = human.stdout();
    assert!(out.contains("Adoption report: 8 write-up(s)"), "{out}");
    assert!(out.contains("Files to fix first"), "{out}");
    let json = a.casebook(&["check", "--adoption", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json.stdout()).expect("JSON");
    let field = |name: &str| {
        report["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["field"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no field {name}"))
    };
    let date = field("date");
    assert_eq!(date["present"], 0);
    let sources: Vec<(String, u64)> = date["fallbacks"]
        .as_array()
        .expect("fallbacks")
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap_or("").to_owned(),
                p[1].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(sources.contains(&("undated".into(), 4)), "{sources:?}");
    assert!(sources.contains(&("file name".into(), 2)), "{sources:?}");
    assert_eq!(field("follow_ups")["fallbacks"][0][0], "plain bullets");
    let first = &report["fix_first"][0];
    assert_eq!(
        first["file"],
        "content/incidents/PM2023-001 - Total node failure.md"
    );
}

#[test]
fn lenient_values_aliases_and_name_spellings_of_a_yaml_folder() {
    let a = Archive::fixture("adopt-shapes");
    let build = a.build(&[]);
    let json = export(&a);
    let tokyo = incident(&json, "tokyo");
    // A +09:00 start on 22 November is 22 November, whatever UTC says.
    assert_eq!(tokyo["date"], "2025-11-22");
    assert_eq!(tokyo["status"], "resolved", "resolved: true");
    // GitHub and Github are one system, shown as the spelling most use.
    assert_eq!(tokyo["systems"], serde_json::json!(["github"]));
    assert!(a.exists("public/systems/github/index.html"));
    assert!(a
        .read("public/systems/index.html")
        .contains("systems/github/\">GitHub"));
    // Pages show the system's name, and link its id.
    assert!(a
        .read("public/incidents/tokyo/index.html")
        .contains("systems/github/\">GitHub</a>"));
    assert!(a
        .read("public/incidents/index.html")
        .contains("<td>GitHub, payment-service</td>"));
    // [systems.aliases] maps another name to a system id.
    let again = incident(&json, "github-again");
    assert_eq!(
        again["systems"],
        serde_json::json!(["github", "payments-api"])
    );
    assert_eq!(again["severity"], "SEV2", "severity matched ignoring case");
    assert_eq!(
        again["title"], "Webhooks delayed by an hour",
        "\"\" is absent"
    );
    // ci/cd is a tag page at a usable URL; "" in a list is dropped.
    assert!(a.exists("public/tags/ci-cd/index.html"));
    // `Travis CI` and `TravisCI` are one system; spellings of a tag are one tag.
    let travis = incident(&json, "travisci-again");
    assert_eq!(travis["systems"], serde_json::json!(["travis-ci"]));
    assert!(!a.exists("public/systems/travisci"));
    assert!(a.exists("public/tags/firstenergy-general-electric/index.html"));
    assert_eq!(
        travis["tags"],
        serde_json::json!(["FirstEnergy / General Electric"]),
        "the first spelling of a tie is shown"
    );
    // `url` aliased to links, shown on the page.
    assert!(a
        .read("public/incidents/tokyo/index.html")
        .contains("href=\"https://status.example/incidents/tokyo\""));
    // An out-of-order timeline warns and gives no durations.
    let stderr = build.stderr();
    assert!(stderr.contains("timeline out of order"), "{stderr}");
    assert!(!a
        .read("public/incidents/out-of-order/index.html")
        .contains("Time to detect"));
    // `uuid` is ignored: no "unknown field" for it.
    assert!(!stderr.contains("uuid"), "{stderr}");
}

#[test]
fn a_javascript_follow_up_link_never_reaches_an_href() {
    let a = Archive::fixture("adopt-shapes");
    let build = a.build(&[]);
    assert!(
        build
            .stderr()
            .contains("is not an http(s), mailto or relative URL"),
        "{}",
        build.stderr()
    );
    for entry in walkdir::WalkDir::new(a.path().join("public"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        let bytes = std::fs::read(entry.path()).expect("read");
        let text = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
        assert!(
            !text.contains("javascript:alert"),
            "{} carries the script",
            entry.path().display()
        );
    }
}

#[test]
fn names_that_are_not_url_segments_become_ones_or_are_left_out_with_a_warning() {
    let a = Archive::empty();
    a.write(
        "content/incidents/odd.md",
        "+++\ntitle = \"Odd names\"\ndate = 2025-01-02\nsystems = [\"..\", \"a?b\", \"50%\", \"payments db\"]\ntags = [\"?\", \"ci/cd\"]\n+++\nBody.\n",
    );
    let build = a.build(&[]);
    let stderr = build.stderr();
    assert!(
        stderr.contains("\"..\" in systems has no letters or digits"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\"?\" in tags has no letters or digits"),
        "{stderr}"
    );
    for page in [
        "systems/a-b",
        "systems/50",
        "systems/payments-db",
        "tags/ci-cd",
    ] {
        assert!(a.exists(&format!("public/{page}/index.html")), "{page}");
    }
    let site: Vec<String> = walkdir::WalkDir::new(a.path().join("public"))
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().display().to_string())
        .collect();
    assert!(
        site.iter()
            .all(|p| !p.contains('?') && !p.contains('%') && !p.contains(' ')),
        "{site:?}"
    );
}

#[test]
fn a_folder_of_other_extensions_is_not_an_empty_site_without_a_word() {
    let a = Archive::empty();
    a.write(
        "content/incidents/2020-02-12.html.md.erb",
        "---\ntitle: Registry outage\n---\nThe registry was down.\n",
    );
    let build = a.build(&[]);
    let stderr = build.stderr();
    assert!(
        stderr.contains("warning: 1 file(s) are not read as write-ups (1 .erb)"),
        "{stderr}"
    );
    assert!(stderr.contains("\"**/*.erb\""), "{stderr}");
    // With the line it suggests, the write-up builds, id without its extensions.
    a.write(
        "casebook.toml",
        "[content]\ninclude = [\"**/*.md\", \"**/*.erb\"]\n",
    );
    a.build(&[]);
    assert!(a.exists("public/incidents/2020-02-12/index.html"));
}

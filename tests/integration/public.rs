//! Public builds leak nothing: every internal incident, and every internal-only
//! field of a public incident, carries the canary `zqxcanary`; a public build must
//! not contain it in any byte of any file, including the decompressed search
//! index. Positive controls prove the scan reads what the browser reads.

use crate::support::{output_texts, Archive};

const CANARY: &str = "zqxcanary";

#[test]
fn public_build_contains_no_byte_of_internal_text() {
    let a = Archive::fixture("public-canary");
    a.build(&["--audience", "public"]);
    let files = output_texts(&a.path().join("public"));
    assert!(
        files.len() > 10,
        "the build wrote too few files to be meaningful"
    );

    let leaks: Vec<String> = files
        .iter()
        .filter_map(|(name, text)| {
            text.find(CANARY).map(|at| {
                let from = text[..at]
                    .char_indices()
                    .rev()
                    .nth(60)
                    .map_or(0, |(i, _)| i);
                let to = (at + 80).min(text.len());
                format!("{name}: …{}…", text.get(from..to).unwrap_or(&text[at..]))
            })
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "internal text leaked into the public build:\n{}",
        leaks.join("\n")
    );
    // Nor in a file's name: team pages, team feeds and attachments are named
    // after internal things (the fixture's teams and attachments carry the canary).
    let named: Vec<&String> = files
        .iter()
        .map(|(name, _)| name)
        .filter(|name| name.to_lowercase().contains(CANARY))
        .collect();
    assert!(named.is_empty(), "internal names in paths: {named:?}");
    assert!(!a.exists("public/teams"), "teams are internal");
    // Positive control: the attachment the public text shows is there.
    let chart = a.read("public/incidents/2025-04-01-public-folder/public-chart.svg");
    assert!(chart.contains("publicokattachment"));
    let rca = a.read("public/incidents/2025-04-01-public-folder/rca/index.html");
    assert!(rca.contains("src=\"../public-chart.svg\""), "{rca}");

    // Positive controls: public text is there, in the pages and in the search index.
    let all: String = files.iter().map(|(_, t)| t.as_str()).collect();
    assert!(
        all.contains("publicokmarker"),
        "the public summary is missing"
    );
    assert!(
        all.contains("add a second payment provider"),
        "the public follow-up is missing"
    );
    let index_has_public_words = files.iter().any(|(name, text)| {
        name.starts_with("search/fragment/") && text.contains("publicokmarker")
    });
    assert!(
        index_has_public_words,
        "the decompressed search fragments should hold the public text"
    );
    let page = a.read("public/incidents/2025-03-01-public-outage/index.html");
    assert!(
        page.contains("happened before"),
        "a repeat of an internal incident says so without naming it"
    );
    assert!(a.exists("public/incidents/2025-03-01-public-outage/rca/index.html"));
    assert!(
        !a.exists("public/reading-lists/index.html"),
        "reading lists are internal"
    );
}

#[test]
fn internal_build_of_the_same_archive_does_contain_the_canaries() {
    // Proves the canaries are placed where a leak would show.
    let a = Archive::fixture("public-canary");
    a.build(&[]);
    let files = output_texts(&a.path().join("public"));
    let hits = files.iter().filter(|(_, t)| t.contains(CANARY)).count();
    // The new internal files carry it: team pages and feeds, attachments.
    for rel in [
        "public/teams/index.html",
        "public/teams/zqxcanary-team-of-shared-system/index.html",
        "public/teams/zqxcanary-team-of-shared-system/feed.xml",
        "public/incidents/2025-02-01-zqxcanary-folder/zqxcanary-chart.svg",
        "public/incidents/2025-04-01-public-folder/zqxcanary-notes.csv",
    ] {
        assert!(a.read(rel).to_lowercase().contains(CANARY), "{rel}");
    }
    assert!(
        hits > 5,
        "expected the internal build to show internal text, found it in {hits} files"
    );
}

#[test]
fn rca_shows_only_public_fields() {
    let a = Archive::fixture("public-canary");
    a.build(&[]);
    let rca = a
        .read("public/incidents/2025-03-01-public-outage/rca/index.html")
        .to_lowercase();
    assert!(rca.contains("checkout unavailable on 1 march"));
    assert!(rca.contains("about 12% of checkouts failed"));
    assert!(rca.contains("what we are changing"));
    assert!(rca.contains("add a second payment provider"));
    assert!(!rca.contains(CANARY), "the RCA page shows internal text");
}

/// internal a ← public b ← public c, b's follow-up owned, payments-db named for customers.
fn hidden_chain() -> Archive {
    let a = Archive::empty();
    a.write("casebook.toml", "title = \"Chain\"\n");
    a.write(
        "content/systems/payments-db.md",
        "+++\nname = \"Payments database\"\npublic_name = \"Payments\"\n+++\n",
    );
    a.write(
        "content/incidents/a.md",
        "+++\ntitle = \"First, internal\"\ndate = 2025-01-10\nsystems = [\"payments-db\"]\n+++\nBody.\n",
    );
    a.write(
        "content/incidents/b.md",
        "+++\ntitle = \"Second, public\"\ndate = 2025-03-01\nvisibility = \"public\"\nsystems = [\"payments-db\"]\nrepeat_of = [\"a\"]\n\n[public]\nsummary = \"Checkout failed.\"\n\n[[follow_ups]]\ntitle = \"Add a replica\"\nowner = \"sam\"\nstatus = \"open\"\ndue = 2027-01-01\npublic = true\n+++\nBody.\n",
    );
    a.write(
        "content/incidents/c.md",
        "+++\ntitle = \"Third, public\"\ndate = 2025-05-01\nvisibility = \"public\"\nsystems = [\"payments-db\"]\nrepeat_of = [\"b\"]\n\n[public]\nsummary = \"Checkout failed again.\"\n+++\nBody.\n",
    );
    a
}

#[test]
fn public_repeat_of_an_internal_incident_is_not_called_the_first_occurrence() {
    let a = hidden_chain();
    a.build(&["--audience", "public"]);
    for id in ["b", "c"] {
        let page = a.read(&format!("public/incidents/{id}/index.html"));
        assert!(page.contains("This has happened before"), "{id}");
        assert!(
            !page.contains("occurrence of"),
            "{id} counts a chain it cannot see whole"
        );
        assert!(!page.contains("1st"), "{id}");
    }
}

#[test]
fn public_build_does_not_warn_that_redacted_owners_are_missing() {
    let a = hidden_chain();
    let run = a.build(&["--audience", "public"]);
    assert!(!run.stderr().contains("has no owner"), "{}", run.stderr());
}

#[test]
fn public_build_leaves_out_the_follow_up_board_unless_asked() {
    let a = hidden_chain();
    a.build(&["--audience", "public"]);
    assert!(!a.exists("public/follow-ups/index.html"));
    assert!(!a.read("public/index.html").contains("follow-ups/"));
    a.write(
        "casebook.toml",
        "title = \"Chain\"\n[public]\nshow_follow_ups = true\n",
    );
    a.build(&["--audience", "public"]);
    assert!(a.exists("public/follow-ups/index.html"));
    assert!(a.read("public/index.html").contains("follow-ups/"));
}

#[test]
fn rca_names_affected_systems_by_name_not_slug() {
    let a = hidden_chain();
    a.build(&[]);
    let rca = a.read("public/incidents/b/rca/index.html");
    assert!(rca.contains("Affected: Payments<"), "{rca}");
    assert!(!rca.contains("Affected: payments-db"));
    a.build(&["--audience", "public"]);
    let rca = a.read("public/incidents/b/rca/index.html");
    assert!(rca.contains("Affected: Payments<"), "{rca}");
}

#[test]
fn a_public_home_has_its_own_name_and_words_and_rcas_stand_alone() {
    let a = Archive::fixture("public-canary");
    a.build(&["--audience", "public"]).assert_ok();
    let home = a.read("public/index.html");
    assert!(home.contains("Recent reports"), "the public home layout");
    assert!(
        home.contains("Reports on incidents that affected our customers"),
        "the default public description"
    );
    assert!(
        !home.contains("overdue follow-ups"),
        "no internal dashboard"
    );

    a.write(
        "casebook.toml",
        "title = \"Canary archive\"\ndescription = \"Every production incident we had\"\n[public]\ntitle = \"Canary status history\"\ndescription = \"What went wrong for customers.\"\n",
    );
    a.build(&["--audience", "public"]).assert_ok();
    let home = a.read("public/index.html");
    assert!(home.contains("<h1>Canary status history</h1>"), "{home}");
    assert!(home.contains("What went wrong for customers."));
    assert!(
        !home.contains("Every production incident"),
        "the internal words stay internal"
    );

    // The RCA: no site navigation or search, no link into the internal write-up, in either build.
    for audience in ["public", "internal"] {
        a.build(&["--audience", audience]).assert_ok();
        let rca = a.read("public/incidents/2025-03-01-public-outage/rca/index.html");
        assert!(!rca.contains("search-input"), "{audience}: no search box");
        assert!(
            !rca.contains("aria-label=\"Main\""),
            "{audience}: no site nav"
        );
        assert!(!rca.contains("internal write-up"), "{audience}");
    }
}

//! Team pages: `teams/` lists the teams systems files name, alphabetically;
//! `teams/ID/` shows a team's systems, their incidents newest first and the
//! follow-ups it owes by system, oldest first; `teams/ID/feed.xml` is its Atom
//! feed. Spellings of one team (`Payments`, `payments`) are one team.

use crate::support::{atom_entries, Archive};

fn built() -> Archive {
    let a = Archive::fixture("teams");
    a.casebook(&["build", "--as-of", "2025-06-01"]).assert_ok();
    a
}

fn main_of(page: &str) -> &str {
    let start = page.find("<main").expect("main");
    &page[start..page.find("</main>").expect("end of main")]
}

fn position(page: &str, text: &str) -> usize {
    page.find(text)
        .unwrap_or_else(|| panic!("{text:?} not on the page:\n{page}"))
}

#[test]
fn the_teams_index_lists_teams_by_name_with_systems_and_what_they_owe() {
    let a = built();
    let page = a.read("public/teams/index.html");
    let main = main_of(&page);
    assert!(
        position(main, ">Discovery</a>") < position(main, ">Payments</a>"),
        "alphabetical"
    );
    // One team for both spellings, named as the first systems file spells it.
    assert_eq!(main.matches("href=\"../teams/payments/\"").count(), 1);
    assert!(!main.contains(">payments</a>"), "{main}");
    let payments = &main[position(main, ">Payments</a>")..];
    let row = &payments[..position(payments, "</tr>")];
    assert!(row.contains("../systems/payments-api/") && row.contains("../systems/payments-db/"));
    assert!(
        row.contains("<td data-label=\"Incidents\">2</td>"),
        "two incidents: {row}"
    );
    assert!(
        row.contains("2 <span class=\"fu-overdue-text\">(1 overdue)"),
        "{row}"
    );
    // A system without a team is on no team page, and the nav links the teams.
    assert!(!main.contains("systems/edge/"));
    assert!(page.contains("href=\"../teams/\""), "the nav links teams/");
    assert!(!a.exists("public/teams/edge"));
}

#[test]
fn a_team_page_shows_its_incidents_newest_first_and_follow_ups_owed_by_system() {
    let a = built();
    let page = a.read("public/teams/payments/index.html");
    let main = main_of(&page);
    assert!(main.contains("<h1>Payments</h1>"));
    assert!(
        position(main, "Payments API timeouts after failover")
            < position(main, ">Payments database failover</a>"),
        "incidents newest first"
    );
    assert!(!main.contains("Search slow"), "another team's incident");
    // Owed by system, in system order; the two-system incident's follow-up is
    // owed once, under the first system it names.
    let owed = &main[position(main, "Follow-ups owed</h2>")..position(main, "Incidents</h2>")];
    let api = position(owed, ">Payments API</a>");
    let db = position(owed, ">Payments database</a>");
    assert!(api < db);
    assert!(position(owed, "Add a connection pool health check") < db);
    assert!(position(owed, "Alert on replica lag over 30 seconds") > db);
    assert_eq!(
        owed.matches("Add a connection pool health check").count(),
        1
    );
    assert!(
        !owed.contains("Write the failover runbook"),
        "done is not owed"
    );
    assert!(page.contains("href=\"../../teams/payments/feed.xml\""));
}

#[test]
fn follow_ups_owed_are_listed_oldest_first() {
    let a = Archive::fixture("teams");
    a.write(
        "content/incidents/2025-02-01-db-disk.md",
        "+++\ntitle = \"Disk full\"\ndate = 2025-02-01\nsystems = [\"payments-db\"]\n\n[[follow_ups]]\ntitle = \"Alert on disk at 80 percent\"\nstatus = \"open\"\n+++\nFull.\n",
    );
    a.casebook(&["build", "--as-of", "2025-06-01"]).assert_ok();
    let page = a.read("public/teams/payments/index.html");
    assert!(
        position(&page, "Alert on replica lag over 30 seconds")
            < position(&page, "Alert on disk at 80 percent"),
        "the January follow-up is older than the February one"
    );
}

#[test]
fn system_pages_and_the_systems_table_link_their_team() {
    let a = built();
    let db = a.read("public/systems/payments-db/index.html");
    assert!(
        db.contains("<dd><a href=\"../../teams/payments/\">payments</a></dd>"),
        "{db}"
    );
    let systems = a.read("public/systems/index.html");
    assert!(systems.contains("<a href=\"../teams/discovery/\">Discovery</a>"));
    let edge = a.read("public/systems/edge/index.html");
    assert!(
        !edge.contains("<dt>Team</dt>"),
        "a system without a team names none"
    );
}

#[test]
fn a_team_feed_is_atom_and_says_repeats_and_open_follow_ups() {
    let a = built();
    let entries = atom_entries(&a.read("public/teams/payments/feed.xml"));
    let titles: Vec<&str> = entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "[SEV2] Payments API timeouts after failover",
            "[SEV2] Payments database failover"
        ]
    );
    assert!(entries[0]
        .link
        .ends_with("/incidents/2025-03-05-api-timeouts/"));
    assert_eq!(entries[0].id, entries[0].link);
    assert_ne!(entries[0].id, entries[1].id);
    assert!(entries[0]
        .summary
        .contains("A repeat: this has happened before."));
    assert!(
        entries[0].summary.contains("1 follow-up open."),
        "{}",
        entries[0].summary
    );
    assert!(!entries[1].summary.contains("A repeat"));
    let discovery = atom_entries(&a.read("public/teams/discovery/feed.xml"));
    assert_eq!(discovery.len(), 1);
}

#[test]
fn casebook_json_lists_the_teams_and_the_sitemap_their_pages() {
    let a = built();
    let json: serde_json::Value =
        serde_json::from_str(&a.read("public/casebook.json")).expect("json");
    let teams = json["teams"].as_array().expect("teams");
    let ids: Vec<&str> = teams.iter().filter_map(|t| t["id"].as_str()).collect();
    assert_eq!(ids, ["discovery", "payments"]);
    assert_eq!(
        teams[1]["systems"],
        serde_json::json!(["payments-api", "payments-db"])
    );
    assert_eq!(teams[1]["overdue_follow_ups"], 1);
    let sitemap = a.read("public/sitemap.xml");
    assert!(sitemap.contains("/teams/</loc>"));
    assert!(sitemap.contains("/teams/payments/</loc>"));
}

#[test]
fn a_public_build_has_no_team_pages() {
    let a = Archive::fixture("teams");
    a.casebook(&["build", "--as-of", "2025-06-01", "--audience", "public"])
        .assert_ok();
    assert!(!a.exists("public/teams"));
    assert!(!a.read("public/index.html").contains("teams/"));
}

#[test]
fn a_team_name_without_letters_is_a_warning_and_no_team() {
    let a = Archive::fixture("teams");
    a.write(
        "content/systems/edge.md",
        "+++\nname = \"Edge\"\nteam = \"--\"\n+++\n",
    );
    let run = a.casebook(&["check", "--as-of", "2025-06-01"]);
    run.assert_ok();
    assert!(
        run.stderr().contains("team \"--\" has no letter or digit")
            && run.stderr().contains("content/systems/edge.md:3"),
        "{}",
        run.stderr()
    );
}

//! Per-system data for developer portals: `systems/index.json` and
//! `systems/ID/index.json`, versioned, with the answers to "has this happened
//! before here, and are last time's follow-ups done?".

use crate::support::Archive;

fn json(a: &Archive, rel: &str) -> serde_json::Value {
    serde_json::from_str(&a.read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn every_system_has_a_data_file_listed_in_the_index() {
    let a = Archive::demo();
    a.build(&[]);
    let index = json(&a, "public/systems/index.json");
    assert_eq!(index["schema"], 1);
    assert_eq!(index["as_of"], "2026-11-25");
    let systems = index["systems"].as_array().expect("systems");
    assert!(systems.len() >= 10, "{}", systems.len());
    for s in systems {
        let id = s["id"].as_str().expect("id");
        let data = json(&a, &format!("public/systems/{id}/index.json"));
        assert_eq!(data["schema"], 1);
        assert_eq!(data["system"]["id"], id);
        assert_eq!(data["system"]["incidents"], s["incidents"]);
    }
}

#[test]
fn a_system_file_answers_has_this_happened_before_and_what_is_still_open() {
    let a = Archive::demo();
    a.build(&[]);
    let db = json(&a, "public/systems/payments-db/index.json");
    assert_eq!(db["system"]["name"], "Payments database");
    let chains = db["chains"].as_array().expect("chains");
    assert!(
        chains
            .iter()
            .any(|c| c.as_array().is_some_and(|m| m.len() >= 3)),
        "{chains:?}"
    );
    let pending = db["follow_ups"]["pending"].as_array().expect("pending");
    assert_eq!(
        pending.len() as u64,
        db["follow_ups"]["open"].as_u64().expect("open")
    );
    // Most urgent first: every overdue item before any open one.
    let states: Vec<&str> = pending.iter().filter_map(|f| f["state"].as_str()).collect();
    let first_open = states
        .iter()
        .position(|s| *s != "overdue")
        .unwrap_or(states.len());
    assert!(
        states[first_open..].iter().all(|s| *s != "overdue"),
        "{states:?}"
    );
    assert!(db["system"]["recurred_while_open"].as_u64().unwrap_or(0) > 0);
    // A p90 of fewer than ten incidents is not given.
    for m in db["metrics"].as_array().expect("metrics") {
        if m["n"].as_u64().unwrap_or(0) < 10 {
            assert!(m["p90_minutes"].is_null(), "{m}");
        }
    }
}

#[test]
fn a_public_build_writes_only_public_system_data() {
    let a = Archive::demo();
    a.build(&["--audience", "public"]);
    let public: Vec<String> = json(&a, "public/casebook.json")["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_owned))
        .collect();
    for s in json(&a, "public/systems/index.json")["systems"]
        .as_array()
        .expect("systems")
    {
        let id = s["id"].as_str().expect("id");
        let data = json(&a, &format!("public/systems/{id}/index.json"));
        for inc in data["recent_incidents"].as_array().expect("recent") {
            let iid = inc["id"].as_str().expect("id");
            assert!(public.iter().any(|p| p == iid), "{iid} is not public");
        }
        for f in data["follow_ups"]["pending"].as_array().expect("pending") {
            assert!(
                f["link"].is_null(),
                "a public build shows no tracker links: {f}"
            );
        }
    }
}

#[test]
fn feeds_per_system_and_as_json_say_repeats_and_open_follow_ups() {
    let a = Archive::demo();
    a.build(&[]);
    let feed = json(&a, "public/feed.json");
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    let items = feed["items"].as_array().expect("items");
    assert!(!items.is_empty());
    let repeat = items
        .iter()
        .find(|i| i["_casebook"]["is_repeat"] == true)
        .expect("the demo has repeats");
    assert!(repeat["content_html"]
        .as_str()
        .expect("html")
        .contains("A repeat: this has happened before."));
    // A system's own Atom feed holds that system's incidents only.
    let db = a.read("public/systems/payments-db/feed.xml");
    assert!(db.starts_with("<?xml"));
    let entries = db.matches("<entry>").count();
    let data = json(&a, "public/systems/payments-db/index.json");
    assert_eq!(
        entries as u64,
        data["system"]["incidents"].as_u64().expect("n")
    );
    assert!(
        db.contains("follow-ups open") || db.contains("follow-up open"),
        "{db}"
    );
    assert!(db.contains("<category term=\"payments-db\"/>"));
}

#[test]
fn on_this_day_brings_back_earlier_years_incidents_on_the_home_page_and_its_feed() {
    let a = Archive::demo();
    // The demo has 2024-01-16-dns-resolver-timeouts.
    a.casebook(&["build", "--as-of", "2026-01-16"]).assert_ok();
    let home = a.read("public/index.html");
    assert!(home.contains("On this day</h2>"), "home");
    assert!(home.contains("incidents/2024-01-16-dns-resolver-timeouts/"));
    let feed = a.read("public/on-this-day.xml");
    assert!(
        feed.contains("incidents/2024-01-16-dns-resolver-timeouts/"),
        "{feed}"
    );
    // A day with nothing to bring back shows no section.
    a.casebook(&["build", "--as-of", "2026-01-17"]).assert_ok();
    assert!(!a.read("public/index.html").contains("On this day</h2>"));
}

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

/// The documented schema (docs/schema/system-1.json), and a strict copy of it
/// that also refuses fields it does not document (schema 1 may gain fields,
/// but only with the documentation).
fn schemas() -> (serde_json::Value, serde_json::Value) {
    let path = crate::support::repo_root().join("docs/schema/system-1.json");
    let text = std::fs::read_to_string(&path).expect("docs/schema/system-1.json");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    fn close(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                if map.contains_key("properties") {
                    map.insert("additionalProperties".into(), false.into());
                }
                map.values_mut().for_each(close);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(close),
            _ => {}
        }
    }
    let mut strict = schema.clone();
    close(&mut strict);
    (schema, strict)
}

fn assert_valid(schema: &serde_json::Value, instance: &serde_json::Value, what: &str) {
    let validator = jsonschema::validator_for(schema).expect("a valid JSON Schema");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
}

#[test]
fn system_data_files_follow_their_documented_schema() {
    let (schema, strict) = schemas();
    // systems/index.json is the schema's $defs/index.
    let index_schema =
        |s: &serde_json::Value| serde_json::json!({ "$defs": s["$defs"], "$ref": "#/$defs/index" });
    for audience in ["internal", "public"] {
        let a = Archive::demo();
        a.build(&["--audience", audience]);
        let index = json(&a, "public/systems/index.json");
        assert_valid(&index_schema(&schema), &index, "systems/index.json");
        assert_valid(
            &index_schema(&strict),
            &index,
            "systems/index.json (strict)",
        );
        for s in index["systems"].as_array().expect("systems") {
            let rel = format!(
                "public/systems/{}/index.json",
                s["id"].as_str().expect("id")
            );
            let data = json(&a, &rel);
            assert_valid(&schema, &data, &rel);
            assert_valid(&strict, &data, &rel);
        }
    }
    // The schema is no rubber stamp: a wrong type and a missing field fail it.
    let a = Archive::demo();
    a.build(&[]);
    let mut data = json(&a, "public/systems/payments-db/index.json");
    data["follow_ups"]["open"] = "four".into();
    let validator = jsonschema::validator_for(&schema).expect("schema");
    assert!(!validator.is_valid(&data));
    let mut data = json(&a, "public/systems/payments-db/index.json");
    data.as_object_mut().expect("object").remove("chains");
    assert!(!validator.is_valid(&data));
}

#[test]
fn feed_json_has_what_json_feed_1_1_requires() {
    let a = Archive::demo();
    a.build(&[]);
    let feed = json(&a, "public/feed.json");
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert!(feed["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(feed["home_page_url"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://")));
    assert!(feed["feed_url"]
        .as_str()
        .is_some_and(|u| u.ends_with("/feed.json")));
    let items = feed["items"].as_array().expect("items is required");
    assert!(!items.is_empty() && items.len() <= 50);
    let mut ids = std::collections::HashSet::new();
    for item in items {
        let id = item["id"].as_str().expect("every item has a string id");
        assert!(ids.insert(id.to_owned()), "ids are unique: {id}");
        assert!(
            item["content_html"].is_string() || item["content_text"].is_string(),
            "content_html or content_text: {item}"
        );
        let published = item["date_published"].as_str().expect("date_published");
        assert!(
            published.parse::<jiff::Timestamp>().is_ok(),
            "RFC 3339: {published}"
        );
        assert!(item["_casebook"]["open_follow_ups"].is_u64());
    }
}

#[test]
fn every_atom_feed_parses_as_atom() {
    let a = Archive::demo();
    a.build(&[]);
    let feeds: Vec<String> = crate::support::files(&a.path().join("public"))
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| name.ends_with(".xml") && name != "sitemap.xml")
        .collect();
    assert!(feeds.iter().any(|f| f.starts_with("teams/")), "{feeds:?}");
    assert!(feeds.iter().any(|f| f.starts_with("systems/")), "{feeds:?}");
    for feed in &feeds {
        let entries = crate::support::atom_entries(&a.read(&format!("public/{feed}")));
        for e in &entries {
            assert!(e.summary.contains("open."), "{feed}: {e:?}");
        }
    }
    let main = crate::support::atom_entries(&a.read("public/feed.xml"));
    let incidents = json(&a, "public/casebook.json")["incidents"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(main.len(), incidents.min(50));
}

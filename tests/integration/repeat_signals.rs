//! The repeat block's two newer sentences, on tests/fixtures/repeat-signals:
//! "the fix did not hold" (first → second → third on orders-db: every follow-up
//! of `first` was done before `second`; `second` has a won't-do item, so
//! `third` is not such a repeat) and "possibly a repeat; OPS-194 still open"
//! (`new-lag` is related to `old-lag`, shares its factor, and `old-lag` has an
//! overdue follow-up; `other-lag` is related but shares no factor).

use crate::support::Archive;
use serde_json::Value;

const AS_OF: &str = "2025-07-01";

fn build(a: &Archive, extra: &[&str]) -> std::path::PathBuf {
    let out = a.path().join("site");
    let out_arg = out.to_str().expect("utf-8 path").to_owned();
    let mut args = vec!["build", "--as-of", AS_OF, "--output", &out_arg];
    args.extend_from_slice(extra);
    a.casebook(&args).assert_ok();
    out
}

fn read(site: &std::path::Path, rel: &str) -> String {
    std::fs::read_to_string(site.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn json_incident<'v>(json: &'v Value, id: &str) -> &'v Value {
    json["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

#[test]
fn a_repeat_after_every_follow_up_was_done_says_the_fix_did_not_hold() {
    let a = Archive::fixture("repeat-signals");
    let site = build(&a, &[]);
    let second = read(&site, "incidents/second/index.html");
    assert!(second.contains("The fix did not hold"), "{second}");
    assert!(
        second.contains("this repeated although every follow-up of <a href=\"../../incidents/first/\">Connection pool exhausted on orders-db</a> (2 follow-ups, the last on 20 Jan 2025) was done"),
        "names the earlier occurrence and its follow-ups"
    );
    let third = read(&site, "incidents/third/index.html");
    assert!(
        !third.contains("The fix did not hold"),
        "second's won't-do item means not every follow-up was done"
    );
    assert!(
        !third.contains("Recurred while last time"),
        "nothing was open when third happened either"
    );

    let json: Value = serde_json::from_str(&read(&site, "casebook.json")).expect("json");
    assert_eq!(
        json_incident(&json, "second")["fix_did_not_hold"],
        serde_json::json!(["first"])
    );
    assert_eq!(
        json_incident(&json, "third")["fix_did_not_hold"],
        serde_json::json!([])
    );
    let db = json["systems"]
        .as_array()
        .expect("systems")
        .iter()
        .find(|s| s["id"] == "orders-db")
        .expect("orders-db");
    assert_eq!(db["fix_did_not_hold"], 1);
    assert_eq!(db["recurred_while_open"], 0);

    let system = read(&site, "systems/orders-db/index.html");
    assert!(
        system.contains("Fix did not hold</dt><dd><a href=\"../../repeats/#did-not-hold\">1</a>"),
        "the system page counts it beside recurred while open"
    );
    let home = read(&site, "index.html");
    assert!(home.contains("<strong>1</strong> of them although every earlier follow-up was done"));
    assert!(
        home.contains("<td data-label=\"Fix did not hold\">1</td>"),
        "the repeats table counts it per system"
    );
    let metrics = read(&site, "metrics/index.html");
    assert!(
        metrics.contains("2 of 6 incidents happened before: 0 while an earlier follow-up was still open, 1 although every one was done."),
        "the repeat rate says how many"
    );
    assert_eq!(json["metrics"]["repeat_rate"]["fix_did_not_hold"], 1);
    let repeats = read(&site, "repeats/index.html");
    let section = repeats
        .split("id=\"did-not-hold\"")
        .nth(1)
        .expect("a did-not-hold section");
    assert!(section.contains("incidents/second/"));
    assert!(!section.contains("incidents/third/"));
}

#[test]
fn a_public_build_never_claims_every_follow_up_was_done() {
    // Its archive holds only public follow-ups: "every one was done" could be false.
    let a = Archive::fixture("repeat-signals");
    let site = build(&a, &["--audience", "public"]);
    let second = read(&site, "incidents/second/index.html");
    assert!(second.contains("This has happened before"));
    assert!(!second.contains("fix did not hold") && !second.contains("Fix did not hold"));
    let json: Value = serde_json::from_str(&read(&site, "casebook.json")).expect("json");
    assert_eq!(json_incident(&json, "second").get("fix_did_not_hold"), None);
    assert_eq!(json["metrics"]["repeat_rate"].get("fix_did_not_hold"), None);
    assert!(json["metrics"]["repeat_rate"]["repeats"].as_u64() > Some(0));
    let metrics = read(&site, "metrics/index.html");
    assert!(!metrics.contains("although every one was done"));
}

#[test]
fn a_related_incident_with_the_same_factor_and_an_overdue_follow_up_is_possibly_a_repeat() {
    let a = Archive::fixture("repeat-signals");
    let site = build(&a, &[]);
    let page = read(&site, "incidents/new-lag/index.html");
    assert!(
        page.contains("<strong>Possibly a repeat; OPS-194 still open.</strong>"),
        "{page}"
    );
    assert!(page.contains("href=\"../../incidents/old-lag/\">Stale stock during a backfill</a> (3 Sep 2024), linked as related"));
    assert!(page.contains("factors/unthrottled-batch-job/"));
    assert!(
        page.contains("<a href=\"https://tracker.example/browse/OPS-194\" rel=\"noopener\">OPS-194</a> <strong>Throttle backfills on replica lag</strong> (@yuki)"),
        "names the overdue follow-up by its tracker key"
    );
    assert!(page.contains("due 30 Nov 2024, still open"));
    assert!(
        !page.contains("Alert on replica lag"),
        "only the overdue follow-up is named"
    );
    let other = read(&site, "incidents/other-lag/index.html");
    assert!(
        !other.contains("Possibly a repeat"),
        "related, but no factor in common"
    );
    let old = read(&site, "incidents/old-lag/index.html");
    assert!(
        !old.contains("Possibly a repeat"),
        "the earlier incident repeats nothing"
    );
}

#[test]
fn the_demo_ongoing_incident_names_the_follow_up_its_prose_names() {
    let a = Archive::demo();
    let out = a.path().join("site");
    let out_arg = out.to_str().expect("utf-8 path").to_owned();
    a.casebook(&["build", "--as-of", "2026-11-25", "--output", &out_arg])
        .assert_ok();
    let page = read(
        &out,
        "incidents/2026-11-24-inventory-stock-sync-lag/index.html",
    );
    assert!(page.contains("Possibly a repeat; OPS-194 still open."));
}

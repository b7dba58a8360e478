//! `casebook search`: results, and the cached tantivy index in `.casebook-cache/`,
//! which must be rebuilt whenever a write-up is added, removed or edited — also
//! when an edit keeps the file's size — and reused otherwise.

use crate::support::{Archive, Run};
use std::time::{Duration, SystemTime};

const INDEXED: &str = "Indexed the archive";

fn write_up(title: &str, system: &str, body: &str) -> String {
    format!(
        "+++\ntitle = \"{title}\"\ndate = 2025-03-14\nseverity = \"SEV2\"\nsystems = [\"{system}\"]\n+++\n## Summary\n\n{body}\n"
    )
}

fn archive() -> Archive {
    let a = Archive::empty();
    a.write(
        "content/incidents/2025/checkout-failover.md",
        &write_up(
            "Checkout errors after failover",
            "checkout",
            "Replica lag made checkout fail.",
        ),
    );
    a.write(
        "content/incidents/2025/search-latency.md",
        &write_up(
            "Search latency spike",
            "search",
            "A cold cache slowed search.",
        ),
    );
    a
}

fn search(a: &Archive, args: &[&str]) -> Run {
    let mut all = vec!["search"];
    all.extend_from_slice(args);
    let run = a.casebook(&all);
    run.assert_ok();
    run
}

fn ids(run: &Run) -> Vec<String> {
    run.stdout()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["id"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn finds_by_word_and_filters_by_system() {
    let a = archive();
    let run = search(&a, &["replica", "--json"]);
    assert_eq!(ids(&run), ["checkout-failover"]);
    let hit: serde_json::Value =
        serde_json::from_str(run.stdout().lines().next().expect("one line")).expect("json");
    assert_eq!(hit["title"], "Checkout errors after failover");
    assert_eq!(hit["systems"], serde_json::json!(["checkout"]));
    assert!(
        hit["snippet"]
            .as_str()
            .unwrap_or_default()
            .contains("Replica"),
        "{hit}"
    );
    assert!(ids(&search(&a, &["replica", "--system", "search", "--json"])).is_empty());
    let human = search(&a, &["latency"]).stdout();
    assert!(human.contains("search-latency"), "{human}");
    assert!(human.contains("Search latency spike"), "{human}");
}

#[test]
fn a_second_search_reuses_the_index() {
    let a = archive();
    assert!(search(&a, &["replica"]).stderr().contains(INDEXED));
    let again = search(&a, &["checkout"]);
    assert!(!again.stderr().contains(INDEXED), "{}", again.stderr());
}

#[test]
fn an_added_write_up_is_found() {
    let a = archive();
    search(&a, &["replica"]);
    a.write(
        "content/incidents/2026/dns.md",
        &write_up("DNS resolver timeouts", "dns", "Replica DNS was stale."),
    );
    let run = search(&a, &["replica", "--json"]);
    assert!(run.stderr().contains(INDEXED), "{}", run.stderr());
    let mut found = ids(&run);
    found.sort();
    assert_eq!(found, ["checkout-failover", "dns"]);
}

#[test]
fn a_removed_write_up_is_not_found() {
    let a = archive();
    search(&a, &["replica"]);
    std::fs::remove_file(a.path().join("content/incidents/2025/checkout-failover.md"))
        .expect("remove");
    let run = search(&a, &["replica", "--json"]);
    assert!(run.stderr().contains(INDEXED), "{}", run.stderr());
    assert!(ids(&run).is_empty(), "{}", run.stdout());
}

#[test]
fn an_edit_in_place_is_found() {
    let a = archive();
    search(&a, &["replica"]);
    a.write(
        "content/incidents/2025/search-latency.md",
        &write_up(
            "Search latency spike",
            "search",
            "A cold cache slowed search after the replica moved.",
        ),
    );
    let run = search(&a, &["replica", "--json"]);
    let mut found = ids(&run);
    found.sort();
    assert_eq!(found, ["checkout-failover", "search-latency"]);
}

/// Editors that rewrite a file in place leave its folder's modification time
/// alone; an edit that keeps the size is told apart by the file's own time.
#[test]
fn an_edit_that_keeps_the_size_is_found() {
    let a = archive();
    let rel = "content/incidents/2025/search-latency.md";
    search(&a, &["replica"]);
    let before = a.read(rel);
    let after = before.replace("A cold cache", "A replica   ");
    assert_eq!(before.len(), after.len());
    let dir_mtime = |a: &Archive| {
        std::fs::metadata(a.path().join("content/incidents/2025"))
            .and_then(|m| m.modified())
            .expect("folder mtime")
    };
    let folder_before = dir_mtime(&a);
    std::fs::write(a.path().join(rel), &after).expect("write");
    // A different time even on a file system with coarse timestamps.
    let file = std::fs::File::options()
        .write(true)
        .open(a.path().join(rel))
        .expect("open");
    file.set_modified(SystemTime::now() + Duration::from_secs(5))
        .expect("set mtime");
    drop(file);
    assert_eq!(
        dir_mtime(&a),
        folder_before,
        "the folder should look untouched"
    );
    let run = search(&a, &["replica", "--json"]);
    assert!(run.stderr().contains(INDEXED), "{}", run.stderr());
    let mut found = ids(&run);
    found.sort();
    assert_eq!(found, ["checkout-failover", "search-latency"]);
}

#[test]
fn a_changed_config_rebuilds_the_index() {
    let a = archive();
    search(&a, &["replica"]);
    a.write("casebook.toml", "title = \"Renamed\"\n");
    let run = search(&a, &["replica"]);
    assert!(run.stderr().contains(INDEXED), "{}", run.stderr());
}

#[test]
fn an_archive_with_errors_is_not_searched() {
    let a = archive();
    a.write("content/incidents/2025/broken.md", "+++\ntitle = \n+++\n");
    let run = a.casebook(&["search", "replica"]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
}

/// The key hashes paths relative to the archive, so `--root /abs/path` and
/// `cd /abs/path && casebook search` share one index instead of rebuilding it.
#[test]
fn the_cache_does_not_depend_on_how_the_root_is_spelled() {
    let a = archive();
    search(&a, &["replica"]);
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_casebook"))
        .current_dir(a.path())
        .args(["search", "replica"])
        .output()
        .expect("run casebook");
    assert!(run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!stderr.contains(INDEXED), "{stderr}");
}

/// Text people paste into a search box: punctuation, apostrophes, code, URLs.
fn pasted() -> Archive {
    let a = archive();
    a.write(
        "content/incidents/2025/pasted.md",
        &write_up(
            "Pasted text",
            "db",
            "The log said error: timeout and we won't retry; `pg_is_in_recovery()` was true, \
             conntrack showed `insert_failed`, the field `delivery_postcode` went missing, \
             see https://tracker.example/browse/OPS-124 for more.",
        ),
    );
    a
}

#[test]
fn typed_text_is_plain_text_not_query_syntax() {
    let a = pasted();
    for q in [
        "error: timeout",
        "won't",
        "pg_is_in_recovery()",
        "https://tracker.example/browse/OPS-124",
        "insert_failed",
        "delivery_postcode",
    ] {
        assert_eq!(ids(&search(&a, &[q, "--json"])), ["pasted"], "{q}");
    }
    // Identifiers are one token: part of one is not a match.
    assert!(ids(&search(&a, &["postcode", "--json"])).is_empty());
}

#[test]
fn field_syntax_only_behind_query_syntax() {
    let a = pasted();
    assert_eq!(
        ids(&search(&a, &["title:pasted", "--query-syntax", "--json"])),
        ["pasted"]
    );
    assert!(ids(&search(&a, &["title:pasted", "--json"])).is_empty());
}

#[test]
fn limit_zero_is_refused() {
    let a = archive();
    let run = a.casebook(&["search", "replica", "--limit", "0"]);
    assert_eq!(run.code(), Some(2), "{}", run.stdout());
    assert!(run.stdout().is_empty());
}

#[test]
fn unknown_system_or_severity_is_an_error_with_did_you_mean() {
    let a = archive();
    let run = a.casebook(&["search", "replica", "--system", "chekout"]);
    assert_eq!(run.code(), Some(2));
    assert!(
        run.stderr().contains("did you mean \"checkout\""),
        "{}",
        run.stderr()
    );
    let run = a.casebook(&["search", "replica", "--severity", "SEV7"]);
    assert_eq!(run.code(), Some(2));
    assert!(
        run.stderr().contains("severity \"SEV7\""),
        "{}",
        run.stderr()
    );
}

#[test]
fn severity_filter_ignores_case() {
    let a = archive();
    assert_eq!(
        ids(&search(&a, &["replica", "--severity", "sev2", "--json"])),
        ["checkout-failover"]
    );
}

/// Names and follow-up titles are found, but the snippet is the write-up's
/// prose (as the browser's excerpts are): a list of them read as a keyword dump.
#[test]
fn follow_up_titles_systems_and_factors_are_found_but_snippets_are_prose() {
    let a = archive();
    a.write(
        "content/incidents/2025/pool.md",
        "+++\ntitle = \"Checkout pool exhausted\"\ndate = 2025-04-01\nsystems = [\"checkout\"]\n\
         contributing_factors = [\"shared-http-pool\"]\ntags = [\"black-friday\"]\n\n\
         [[follow_ups]]\ntitle = \"Separate HTTP client pools (bulkheads) per downstream\"\nstatus = \"open\"\n+++\n\
         Every request thread waited on the inventory service until checkout stopped answering.\n",
    );
    for query in ["bulkheads", "shared-http-pool", "black-friday"] {
        let run = search(&a, &[query, "--json"]);
        assert_eq!(ids(&run), ["pool"], "{query}");
        let hit: serde_json::Value =
            serde_json::from_str(run.stdout().lines().next().expect("a hit")).expect("json");
        let snippet = hit["snippet"].as_str().expect("snippet");
        assert!(
            snippet.starts_with("Every request thread waited"),
            "{query}: the snippet opens the prose, got {snippet:?}"
        );
        assert!(!snippet.contains("bulkheads") && !snippet.contains("black"));
    }
    // A word of the prose is still snippeted where it matches.
    let run = search(&a, &["inventory", "--json"]);
    assert_eq!(ids(&run), ["pool"]);
    assert!(run.stdout().contains("inventory"));
}

//! Possible repeats: with every repeat_of link removed from the demo archive,
//! text similarity must find most true repeat pairs again (recall), and most of
//! what it suggests must be true (precision). The figures are in the README.

use crate::support::Archive;
use std::collections::{BTreeMap, BTreeSet};

/// Removes `repeat_of` lines (TOML and YAML) and returns the removed links.
fn strip_repeat_links(a: &Archive) -> Vec<(String, String)> {
    let mut links = Vec::new();
    for entry in walkdir::WalkDir::new(a.path().join("content/incidents"))
        .into_iter()
        .filter_map(Result::ok)
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("read");
        let stem = entry
            .path()
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("stem")
            .to_owned();
        let mut kept = String::new();
        for line in text.lines() {
            let t = line.trim_start();
            if t.starts_with("repeat_of") {
                let ids = t
                    .split(['[', ']', ',', '"', '\'', ' '])
                    .filter(|w| w.len() > 11 && w.as_bytes()[4] == b'-');
                links.extend(ids.map(|id| (stem.clone(), id.to_owned())));
                continue;
            }
            kept.push_str(line);
            kept.push('\n');
        }
        std::fs::write(entry.path(), kept).expect("write");
    }
    links
}

fn pair(a: &str, b: &str) -> (String, String) {
    if a < b {
        (a.to_owned(), b.to_owned())
    } else {
        (b.to_owned(), a.to_owned())
    }
}

#[test]
fn possible_repeats_recover_removed_links_on_the_demo_archive() {
    let a = Archive::demo();
    let links = strip_repeat_links(&a);
    assert!(
        links.len() >= 8,
        "the demo should have repeat links, found {}",
        links.len()
    );

    // Every pair inside a chain is a true repeat pair.
    let mut chain_of: BTreeMap<String, String> = BTreeMap::new();
    fn root(m: &BTreeMap<String, String>, x: &str) -> String {
        let mut x = x.to_owned();
        while let Some(p) = m.get(&x).filter(|p| **p != x) {
            x = p.clone();
        }
        x
    }
    for (x, y) in &links {
        let (rx, ry) = (root(&chain_of, x), root(&chain_of, y));
        chain_of.insert(rx, ry.clone());
        chain_of.entry(ry).or_insert_with(|| y.clone());
    }
    let members: Vec<String> = links
        .iter()
        .flat_map(|(x, y)| [x.clone(), y.clone()])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut truth = BTreeSet::new();
    for (i, x) in members.iter().enumerate() {
        for y in &members[i + 1..] {
            if root(&chain_of, x) == root(&chain_of, y) {
                truth.insert(pair(x, y));
            }
        }
    }

    let run = a.casebook(&["check", "--format", "json", "--as-of", "2026-11-25"]);
    let diags: serde_json::Value = serde_json::from_str(&run.stdout()).expect("json");
    let mut found = BTreeSet::new();
    for d in diags.as_array().expect("array") {
        let message = d["message"].as_str().unwrap_or_default();
        if d["level"] == "note" && message.starts_with("possible repeat of") {
            let file = d["file"].as_str().expect("file");
            let this = file
                .rsplit('/')
                .next()
                .expect("name")
                .trim_end_matches(".md");
            let other = message.split('"').nth(1).expect("quoted id");
            found.insert(pair(this, other));
        }
    }
    let hits = found.intersection(&truth).count();
    let direct = links
        .iter()
        .filter(|(x, y)| found.contains(&pair(x, y)))
        .count();
    let recall = hits as f64 / truth.len() as f64;
    let direct_recall = direct as f64 / links.len() as f64;
    let precision = hits as f64 / found.len().max(1) as f64;
    println!(
        "possible repeats: {} true pairs ({} direct links), {} suggested; recall {recall:.2} (direct links {direct_recall:.2}), precision {precision:.2}",
        truth.len(),
        links.len(),
        found.len()
    );
    assert!(recall >= 0.7, "recall {recall:.2} below 0.7");
    assert!(
        direct_recall >= 0.9,
        "direct-link recall {direct_recall:.2} below 0.9"
    );
    assert!(precision >= 0.75, "precision {precision:.2} below 0.75");
}

#[test]
fn linked_incidents_are_not_suggested_again() {
    let a = Archive::demo();
    let run = a.casebook(&["check", "--format", "json", "--as-of", "2026-11-25"]);
    let diags: serde_json::Value = serde_json::from_str(&run.stdout()).expect("json");
    for d in diags.as_array().expect("array") {
        let message = d["message"].as_str().unwrap_or_default();
        assert!(
            !(message.contains("2024-11-02-payments-db-failover")
                && d["file"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("2024-03-19")),
            "an incident already in the chain was suggested: {message}"
        );
    }
}

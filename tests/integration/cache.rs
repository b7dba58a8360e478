//! `.casebook-cache/` is checked before it is trusted: a damaged search index or
//! Pagefind bundle is rebuilt, with one line on stderr saying so, and never makes
//! searches fail or ships a garbled index.

use crate::support::{files, Archive};
use std::path::{Path, PathBuf};

fn archive() -> Archive {
    let a = Archive::empty();
    for (id, title, body) in [
        (
            "checkout",
            "Checkout errors",
            "Replica lag made checkout fail.",
        ),
        ("latency", "Search latency", "A cold cache slowed search."),
    ] {
        a.write(
            &format!("content/incidents/{id}.md"),
            &format!("+++\ntitle = \"{title}\"\ndate = 2025-03-14\n+++\n{body}\n"),
        );
    }
    a
}

/// The cache's entries whose name starts with `prefix`.
fn cached(a: &Archive, prefix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(a.path().join(".casebook-cache"))
        .expect("cache")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

fn flip_byte(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).expect("read");
    let at = at.min(bytes.len() - 1);
    bytes[at] ^= 0x55;
    std::fs::write(path, bytes).expect("write");
}

fn warnings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect()
}

#[test]
fn a_corrupted_search_index_made_every_search_fail() {
    type Damage = fn(&Path);
    let damages: [(&str, Damage); 4] = [
        ("a flipped byte in the largest file", |dir| {
            let (_, largest) = files(dir)
                .into_iter()
                .max_by_key(|(_, e)| e.metadata().map_or(0, |m| m.len()))
                .expect("files");
            let len = largest.metadata().expect("len").len() as usize;
            flip_byte(largest.path(), len / 2);
        }),
        ("a flipped byte in a footer", |dir| {
            for (_, e) in files(dir) {
                if e.path().extension().is_some_and(|x| x == "term") {
                    let len = e.metadata().expect("len").len() as usize;
                    flip_byte(e.path(), len - 3);
                }
            }
        }),
        ("a garbled meta.json", |dir| {
            std::fs::write(dir.join("meta.json"), "{ not json").expect("write");
        }),
        ("a missing segment file", |dir| {
            for (_, e) in files(dir) {
                if e.path().extension().is_some_and(|x| x == "store") {
                    std::fs::remove_file(e.path()).expect("rm");
                }
            }
        }),
    ];
    for (what, damage) in damages {
        let a = archive();
        a.casebook(&["search", "replica"]).assert_ok();
        let [dir] = &cached(&a, "search-")[..] else {
            panic!("one index")
        };
        damage(dir);
        let run = a.casebook(&["search", "replica", "--json"]);
        let stderr = run.stderr();
        assert_eq!(run.code(), Some(0), "{what}: searched anyway:\n{stderr}");
        assert!(
            run.stdout().contains("\"checkout\""),
            "{what}: {}",
            run.stdout()
        );
        let said = warnings(&stderr);
        assert!(
            said.len() == 1
                && said[0].contains("cached search index")
                && said[0].contains("rebuilt it"),
            "{what}: one line says so:\n{stderr}"
        );
        let again = a.casebook(&["search", "replica"]);
        again.assert_ok();
        assert_eq!(
            again.stderr(),
            "",
            "{what}: the rebuilt index is reused quietly"
        );
    }
}

#[test]
fn a_flipped_byte_in_the_cached_pagefind_bundle_shipped_a_garbled_index() {
    let a = archive();
    a.build(&[]);
    let search_files = |a: &Archive| -> Vec<(String, Vec<u8>)> {
        files(&a.path().join("public/search"))
            .into_iter()
            .map(|(name, e)| (name, std::fs::read(e.path()).expect("read")))
            .collect()
    };
    let first = search_files(&a);
    assert!(first.iter().any(|(name, _)| name.ends_with(".pf_index")));
    let [dir] = &cached(&a, "pagefind-")[..] else {
        panic!("one bundle")
    };
    let bundle = dir.join("bundle.bin");
    let len = std::fs::metadata(&bundle).expect("bundle").len() as usize;
    flip_byte(&bundle, len / 2);
    let stderr = a.build(&[]).stderr();
    let mut said = warnings(&stderr);
    // The archive has no base_url: that warning is not about the cache.
    said.retain(|w| !w.contains("base_url"));
    assert!(
        said.len() == 1
            && said[0].contains("cached search bundle")
            && said[0].contains("rebuilt it"),
        "one line says so:\n{stderr}"
    );
    assert!(
        search_files(&a) == first,
        "the shipped index is the one built afresh"
    );
    let again = a.build(&[]).stderr();
    assert!(
        warnings(&again).iter().all(|w| w.contains("base_url")),
        "{again}"
    );
}

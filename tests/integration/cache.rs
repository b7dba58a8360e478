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
    let [dir] = &cached(&a, "pagefind-internal-")[..] else {
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

/// The search bundle as shipped: every file under `public/search/`, by name.
fn search_bundle(a: &Archive) -> Vec<(String, Vec<u8>)> {
    files(&a.path().join("public/search"))
        .into_iter()
        .map(|(name, e)| (name, std::fs::read(e.path()).expect("read")))
        .collect()
}

/// The bundle a build from scratch makes of the archive as it is now: built
/// in a copy without `.casebook-cache/`, so the archive's own cache is kept.
fn cold_bundle(a: &Archive, as_of: &str) -> Vec<(String, Vec<u8>)> {
    let fresh = Archive::empty();
    crate::support::copy_dir(&a.path().join("content"), &fresh.path().join("content"));
    build_on(&fresh, as_of);
    search_bundle(&fresh)
}

fn build_on(a: &Archive, as_of: &str) -> crate::support::Run {
    let run = a.casebook(&["build", "--as-of", as_of]);
    run.assert_ok();
    run
}

fn same_bundles(incremental: &[(String, Vec<u8>)], cold: &[(String, Vec<u8>)], step: &str) {
    let names = |b: &[(String, Vec<u8>)]| b.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(incremental), names(cold), "{step}: the same files");
    for ((name, x), (_, y)) in incremental.iter().zip(cold) {
        assert!(x == y, "{step}: {name} differs from a build from scratch");
    }
}

#[test]
fn a_build_that_reuses_cached_records_ships_the_bundle_a_build_from_scratch_ships() {
    let a = archive();
    a.write(
        "content/incidents/queue.md",
        "+++\ntitle = \"Queue backlog\"\ndate = 2025-04-02\n\n[[follow_ups]]\ntitle = \"Alert on queue depth\"\nowner = \"sam\"\nstatus = \"open\"\ndue = 2025-05-01\n+++\nThe café queue backed up for an hour.\n",
    );
    // Before the follow-up falls due: its filter says "has open".
    build_on(&a, "2025-04-30");
    assert_eq!(
        cached(&a, "pagefind-records-internal").len(),
        1,
        "records are cached"
    );
    type Step = (&'static str, fn(&Archive), &'static str);
    let steps: [Step; 5] = [
        (
            "one write-up added",
            |a| {
                a.write(
                    "content/incidents/dns.md",
                    "+++\ntitle = \"DNS resolution failures\"\ndate = 2024-12-01\n+++\nA resolver ran out of sockets; checkout timed out.\n",
                );
            },
            "2025-04-30",
        ),
        (
            "one write-up edited",
            |a| {
                a.write(
                    "content/incidents/latency.md",
                    "+++\ntitle = \"Search latency\"\ndate = 2025-03-14\n+++\nA cold cache slowed search; the warm-up job was missing.\n",
                );
            },
            "2025-04-30",
        ),
        (
            "one write-up removed",
            |a| {
                std::fs::remove_file(a.path().join("content/incidents/checkout.md"))
                    .expect("remove");
            },
            "2025-04-30",
        ),
        // The follow-up fell due between the two days: its filter changes.
        ("a later --as-of", |_| {}, "2025-05-02"),
        ("nothing changed", |_| {}, "2025-05-02"),
    ];
    for (step, change, as_of) in steps {
        change(&a);
        let run = build_on(&a, as_of);
        assert!(
            warnings(&run.stderr())
                .iter()
                .all(|w| w.contains("base_url")),
            "{step}: {}",
            run.stderr()
        );
        same_bundles(&search_bundle(&a), &cold_bundle(&a, as_of), step);
    }
}

#[test]
fn a_flipped_byte_in_the_cached_search_records_is_caught_and_they_are_rebuilt() {
    let a = archive();
    a.build(&[]);
    let [pack] = &cached(&a, "pagefind-records-internal")[..] else {
        panic!("one record pack")
    };
    let len = std::fs::metadata(pack).expect("pack").len() as usize;
    flip_byte(pack, len / 3);
    // A new write-up: the whole bundle cannot be reused, the records are read.
    a.write(
        "content/incidents/dns.md",
        "+++\ntitle = \"DNS resolution failures\"\ndate = 2024-12-01\n+++\nA resolver ran out of sockets.\n",
    );
    let stderr = a.build(&[]).stderr();
    let mut said = warnings(&stderr);
    said.retain(|w| !w.contains("base_url"));
    assert!(
        said.len() == 1
            && said[0].contains("cached search records")
            && said[0].contains("rebuilt them"),
        "one line says so:\n{stderr}"
    );
    same_bundles(
        &search_bundle(&a),
        &cold_bundle(&a, "2026-11-25"),
        "after the repair",
    );
}

//! The differential test of `casebook serve`'s fast path: a warm [`Site`] is
//! handed a scripted series of edits to the demo archive through
//! [`Site::apply`] (as serve's watcher hands them), and after each one the
//! files it serves must equal, byte for byte, a fresh full render of the same
//! files. This is what caught a preview drifting from a build.
//!
//! Both sides render in preview mode: no search bundle (serve swaps one in
//! later, from the same archive) and no possible-repeat search (a warm site
//! keeps the first load's suggestions on purpose, a fresh one would compute
//! them again from the edited text). The live-reload script is added when a
//! page is served, so it is in neither.

use crate::support::Archive;
use casebook::config::{BuildOptions, Config};
use casebook::site::{MemorySink, Update};
use casebook::{Mode, Site};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Files = BTreeMap<String, Vec<u8>>;

fn config(root: &Path) -> Config {
    let options = BuildOptions {
        drafts: true,
        as_of: Some(jiff::civil::date(2026, 12, 1)),
        ..BuildOptions::default()
    };
    Config::load(root, options).expect("config")
}

/// What serve publishes after `update`, with its list job run to the end.
fn publish(served: &mut Files, update: Update) {
    if update.whole_site {
        served.clear();
    }
    for path in &update.removed {
        served.remove(path);
    }
    for page in update.pages {
        served.insert(page.path, page.bytes);
    }
    if let Some(job) = update.lists {
        let done = job
            .run(&|| true)
            .unwrap_or_else(|e| panic!("list pages: {e}"))
            .expect("not cancelled");
        for path in &done.removed {
            served.remove(path);
        }
        for page in done.pages {
            served.insert(page.path, page.bytes);
        }
    }
}

/// A full render of the archive as it is on disk now, by a new site.
fn fresh(root: &Path) -> Files {
    let mut site = Site::new(config(root));
    site.load(Mode::Preview)
        .unwrap_or_else(|e| panic!("fresh load: {e}"));
    let sink = MemorySink::default();
    site.render(&sink, &|_| {})
        .unwrap_or_else(|e| panic!("fresh render: {e}"));
    sink.into_pages()
        .into_iter()
        .map(|p| (p.path, p.bytes))
        .collect()
}

fn assert_same(step: &str, served: &Files, expected: &Files) {
    let missing: Vec<&String> = expected
        .keys()
        .filter(|p| !served.contains_key(*p))
        .collect();
    let extra: Vec<&String> = served
        .keys()
        .filter(|p| !expected.contains_key(*p))
        .collect();
    let differ: Vec<&String> = expected
        .iter()
        .filter(|(p, bytes)| served.get(*p).is_some_and(|s| s != *bytes))
        .map(|(p, _)| p)
        .collect();
    let first_difference = differ
        .first()
        .map(|p| first_difference(&served[*p], &expected[*p]));
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "after {step}: the preview differs from a full build\n  missing: {missing:?}\n  \
         extra: {extra:?}\n  different: {differ:?}\n  first difference: {first_difference:?}"
    );
}

/// The first line that differs, served then built.
fn first_difference(served: &[u8], built: &[u8]) -> (String, String) {
    let (served, built) = (
        String::from_utf8_lossy(served),
        String::from_utf8_lossy(built),
    );
    served
        .lines()
        .zip(built.lines())
        .find(|(a, b)| a != b)
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .unwrap_or_default()
}

/// One scripted edit: what it is called, how the site should take it, and what
/// it does to the archive, returning the paths it touched (as a watcher
/// reports them).
type Edit = (&'static str, Expect, fn(&Path) -> Vec<PathBuf>);

/// How the warm site takes an edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Only the pages that show the change are rendered (the fast path).
    Partial,
    /// The whole site is rendered again.
    Whole,
    /// The change makes the archive invalid; the last good site stays.
    Error,
}

fn replace_in(root: &Path, rel: &str, from: &str, to: &str) -> Vec<PathBuf> {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{rel} contains {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
    vec![path]
}

const OOM: &str = "content/incidents/2026/2026-03-03-catalog-import-oom.md";
const FAILOVER: &str = "content/incidents/2025/2025-06-10-payments-db-failover-checkout-errors.md";
const COLD_CACHE: &str = "content/incidents/2025/2025-10-07-search-latency-cold-cache.md";
const STAMPEDE: &str = "content/incidents/2024/2024-06-11-search-cache-stampede.md";

const EDITS: &[Edit] = &[
    ("a title", Expect::Partial, |root| {
        replace_in(
            root,
            OOM,
            "title = \"Supplier feed 10x",
            "title = \"Supplier feed ten times",
        )
    }),
    ("a body", Expect::Partial, |root| {
        replace_in(
            root,
            FAILOVER,
            "- No double charges; no data loss.",
            "- No double charges, and no data was lost.",
        )
    }),
    ("a summary from the body", Expect::Partial, |root| {
        replace_in(
            root,
            OOM,
            "A supplier sent its full history",
            "One supplier sent its whole history",
        )
    }),
    ("a follow-up's status", Expect::Partial, |root| {
        replace_in(
            root,
            OOM,
            "- [ ] Alert when any supplier feed",
            "- [x] Alert when any supplier feed",
        )
    }),
    ("repeat_of", Expect::Partial, |root| {
        replace_in(
            root,
            OOM,
            "authors = [\"lena\"]",
            "authors = [\"lena\"]\nrepeat_of = [\"2025-10-07-search-latency-cold-cache\"]",
        )
    }),
    ("systems", Expect::Partial, |root| {
        replace_in(
            root,
            OOM,
            "systems = [\"catalog\"]",
            "systems = [\"catalog\", \"search\"]",
        )
    }),
    ("a YAML write-up's severity", Expect::Partial, |root| {
        replace_in(root, STAMPEDE, "severity: SEV2", "severity: SEV1")
    }),
    ("a public write-up's follow-up", Expect::Partial, |root| {
        replace_in(root, FAILOVER, "status = \"done\"", "status = \"open\"")
    }),
    ("a new write-up", Expect::Partial, |root| {
        let path = root.join("content/incidents/2026/2026-11-30-catalog-feed-again.md");
        std::fs::write(
            &path,
            "+++\ntitle = \"Supplier feed oversized again\"\ndate = 2026-11-30\nseverity = \"SEV3\"\n\
             systems = [\"catalog\"]\nrepeat_of = [\"2026-03-03-catalog-import-oom\"]\n+++\n\
             The same supplier sent its history again.\n\n## Action items\n\n- [ ] Reject feeds over 500 MB @lena\n",
        )
        .expect("write");
        vec![path]
    }),
    ("a renamed write-up", Expect::Partial, |root| {
        let from = root.join("content/incidents/2026/2026-11-30-catalog-feed-again.md");
        let to = root.join("content/incidents/2026/2026-11-30-catalog-feed-oversized.md");
        std::fs::rename(&from, &to).expect("rename");
        vec![from, to]
    }),
    ("a deleted write-up", Expect::Partial, |root| {
        let path = root.join("content/incidents/2026/2026-11-30-catalog-feed-oversized.md");
        std::fs::remove_file(&path).expect("remove");
        vec![path]
    }),
    // Another write-up's repeat_of names it: an error, until that link goes.
    ("a deleted write-up that is linked", Expect::Error, |root| {
        let path = root.join(COLD_CACHE);
        std::fs::remove_file(&path).expect("remove");
        vec![path]
    }),
    ("the link to it removed", Expect::Partial, |root| {
        replace_in(
            root,
            OOM,
            "\nrepeat_of = [\"2025-10-07-search-latency-cold-cache\"]",
            "",
        )
    }),
    ("a systems file", Expect::Whole, |root| {
        replace_in(
            root,
            "content/systems/dns.md",
            "team = \"platform-edge\"",
            "team = \"platform-core\"",
        )
    }),
    ("casebook.toml", Expect::Whole, |root| {
        replace_in(
            root,
            "casebook.toml",
            "title = \"Northwind incident archive\"",
            "title = \"Northwind incidents\"",
        )
    }),
    ("a body after a full render", Expect::Partial, |root| {
        replace_in(
            root,
            FAILOVER,
            "- No double charges, and no data was lost.",
            "- No double charges; no data loss.",
        )
    }),
];

#[test]
fn every_change_a_preview_applies_gives_the_pages_a_full_build_gives() {
    let archive = Archive::demo();
    apply_all(archive.path(), EDITS);
}

/// A theme whose every page shows the incident count: a write-up added or
/// removed changes every page, so the preview renders all of them.
#[test]
fn a_theme_that_counts_incidents_on_every_page_is_rendered_whole_when_the_count_changes() {
    let archive = Archive::demo();
    let base = std::fs::read_to_string(
        crate::support::repo_root().join("themes/default/templates/base.html"),
    )
    .expect("base.html");
    let counted = base.replacen(
        "<p>Facts as of {{ site.as_of }}",
        "<p>{{ site.incident_count }} incidents · facts as of {{ site.as_of }}",
        1,
    );
    assert_ne!(counted, base, "the footer line is in base.html");
    archive.write("templates/base.html", &counted);
    let edits: &[Edit] = &[
        ("a title", Expect::Partial, EDITS[0].2),
        ("a new write-up", Expect::Whole, |root| {
            let path = root.join("content/incidents/2026/2026-11-30-counted.md");
            std::fs::write(
                &path,
                "+++\ntitle = \"Counted\"\ndate = 2026-11-30\nsystems = [\"catalog\"]\n+++\nText.\n",
            )
            .expect("write");
            vec![path]
        }),
    ];
    apply_all(archive.path(), edits);
}

/// Loads a warm site on the archive at `root`, applies each edit and compares
/// what it serves with a fresh full render after each.
fn apply_all(root: &Path, edits: &[Edit]) {
    let root = root.canonicalize().expect("root");
    let mut site = Site::warm(config(&root));
    let mut served = Files::new();
    publish(
        &mut served,
        site.refresh(Mode::Preview)
            .unwrap_or_else(|e| panic!("first load: {e}")),
    );
    assert_same("the first load", &served, &fresh(&root));
    for (step, expect, edit) in edits {
        let changed = edit(&root);
        match (site.apply(&changed), expect) {
            // The preview keeps the last good site; the next change mends it.
            (Err(e), Expect::Error) => {
                assert!(e.to_string().contains("error"), "{step}: {e}");
                continue;
            }
            (Err(e), _) => panic!("{step}: {e}"),
            (Ok(update), _) => {
                let taken = if update.whole_site {
                    Expect::Whole
                } else {
                    Expect::Partial
                };
                assert_eq!(taken, *expect, "how the site took {step}");
                publish(&mut served, update);
            }
        }
        assert_same(step, &served, &fresh(&root));
    }
}

//! `casebook migrate`: adopted write-ups move onto casebook's own front matter,
//! their bodies byte for byte, and the archive builds the same site.

use crate::support::Archive;
use std::collections::BTreeMap;
use std::path::Path;

/// Every file under `dir`, relative path -> bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .expect("inside")
                .display()
                .to_string();
            (rel, std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

/// The text after a TOML header's closing `+++`.
fn body_after_front_matter(text: &str) -> &str {
    let rest = text.strip_prefix("+++\n").expect("TOML front matter");
    let end = rest.find("\n+++\n").expect("closing fence");
    &rest[end + "\n+++\n".len()..]
}

#[test]
fn a_migrated_plain_folder_builds_the_same_site_and_keeps_every_body() {
    let a = Archive::fixture("adopt-plain");
    let incidents = a.path().join("content/incidents");
    let before = tree(&incidents);
    let out = a.path().join("before");
    a.build(&["--output", out.to_str().expect("utf-8")]);

    let run = a.casebook(&["migrate"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    assert!(
        run.stderr().contains("Migrated 8 write-up(s)"),
        "{}",
        run.stderr()
    );

    let after = tree(&incidents);
    for (rel, old) in &before {
        let new = String::from_utf8(after[rel].clone()).expect("utf-8");
        if !rel.ends_with(".md") || rel == "README.md" || rel.contains("template") {
            assert_eq!(
                old, &after[rel],
                "{rel} is not a write-up and must not change"
            );
            continue;
        }
        // The file had no front matter: all of it was the body.
        assert_eq!(
            body_after_front_matter(&new).as_bytes(),
            old.as_slice(),
            "{rel}: body changed"
        );
    }
    let flags = String::from_utf8(after["2025-09-29-flags-is-down.md"].clone()).expect("utf-8");
    assert!(
        flags.starts_with("+++\ntitle = \"Flags is down\"\ndate = 2025-09-29\n"),
        "{flags}"
    );
    let node =
        String::from_utf8(after["PM2023-001 - Total node failure.md"].clone()).expect("utf-8");
    assert!(
        node.contains("id = \"pm2023-001-total-node-failure\""),
        "{node}"
    );

    // What fell back is written out: only what no file says is left (undated
    // write-ups, untracked bullets), and the site is the same, byte for byte.
    let check = a.casebook(&["check", "--adoption", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&check.stdout()).expect("JSON");
    for field in report["fields"].as_array().expect("fields") {
        let sources: Vec<&str> = field["fallbacks"]
            .as_array()
            .expect("fallbacks")
            .iter()
            .filter_map(|p| p[0].as_str())
            .collect();
        assert!(
            sources
                .iter()
                .all(|s| ["undated", "plain bullets"].contains(s)),
            "{} still falls back to {sources:?}",
            field["field"]
        );
    }
    let out = a.path().join("after");
    a.build(&["--output", out.to_str().expect("utf-8")]);
    let (site_before, site_after) = (
        tree(&a.path().join("before")),
        tree(&a.path().join("after")),
    );
    assert_eq!(
        site_before.keys().collect::<Vec<_>>(),
        site_after.keys().collect::<Vec<_>>()
    );
    for (rel, bytes) in &site_before {
        assert!(bytes == &site_after[rel], "{rel} differs after migrating");
    }

    // Migrating again touches nothing.
    let again = a.casebook(&["migrate"]);
    assert!(
        again.stderr().contains("Migrated 0 write-up(s); 8 already"),
        "{}",
        again.stderr()
    );
    assert_eq!(tree(&incidents), after);
}

#[test]
fn migrate_applies_aliases_keeps_unknown_keys_and_holds_back_lossy_files() {
    let a = Archive::fixture("adopt-shapes");
    let held = a.read("content/incidents/out-of-order.md");
    let run = a.casebook(&["migrate"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    let stderr = run.stderr();
    // A URL casebook refuses would be lost: that file is left for a person.
    assert!(stderr.contains("not migrated"), "{stderr}");
    assert!(
        stderr.contains("content/incidents/out-of-order.md"),
        "{stderr}"
    );
    assert_eq!(a.read("content/incidents/out-of-order.md"), held);

    let tokyo = a.read("content/incidents/tokyo.md");
    for expected in [
        "date = 2025-11-22",
        "status = \"resolved\"",
        "systems = [\"GitHub\"]",
        "links = [\"https://status.example/incidents/tokyo\"]",
        "started = 2025-11-21T23:05:00Z",
        "[extra]\nuuid = \"7f1c2a90\"",
    ] {
        assert!(
            tokyo.contains(expected),
            "missing {expected:?} in:\n{tokyo}"
        );
    }
    assert!(!tokyo.contains("start_time"), "{tokyo}");
    // Migrating a migrated file with an [extra] of its own keeps it.
    a.write(
        "content/incidents/kept.md",
        "---\ntitle: Kept\ndate: 2024-01-02\ncompany: Acme\nextra:\n  ticket: OPS-9\n---\nBody.\n",
    );
    a.casebook(&["migrate"]).assert_ok();
    let kept = a.read("content/incidents/kept.md");
    assert!(kept.contains("[extra]\nticket = \"OPS-9\""), "{kept}");
    assert!(tokyo.ends_with(
        "+++\nThe load balancers in Tokyo dropped every connection after a config push.\n"
    ));
    // The migrated files read without a warning of their own.
    let check = a.casebook(&["check"]);
    assert!(!check.stderr().contains("tokyo.md"), "{}", check.stderr());
}

#[test]
fn migrate_dry_run_prints_a_diff_and_writes_nothing() {
    let a = Archive::fixture("adopt-plain");
    let before = tree(&a.path().join("content"));
    let run = a.casebook(&["migrate", "--dry-run"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    let out = run.stdout();
    assert!(
        out.contains("--- content/incidents/2025-09-29-flags-is-down.md"),
        "{out}"
    );
    assert!(out.contains("+title = \"Flags is down\""), "{out}");
    assert!(
        run.stderr().contains("Would migrate 8 write-up(s)"),
        "{}",
        run.stderr()
    );
    assert_eq!(tree(&a.path().join("content")), before);
}

#[test]
fn migrate_leaves_write_ups_already_in_casebook_format_untouched() {
    let a = Archive::demo();
    let toml_file = "content/incidents/2025/2025-02-11-auth-clock-skew-token-rejects.md";
    let before = a.read(toml_file);
    let out = a.path().join("before");
    a.build(&["--output", out.to_str().expect("utf-8")]);
    let run = a.casebook(&["migrate"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    // The demo's YAML write-ups (an older template, with aliases) move over.
    assert!(
        run.stderr().contains("Migrated 7 write-up(s); 35 already"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        a.read(toml_file),
        before,
        "comments and layout of a native file survive"
    );
    let out = a.path().join("after");
    a.build(&["--output", out.to_str().expect("utf-8")]);
    assert_eq!(
        tree(&a.path().join("before")),
        tree(&a.path().join("after"))
    );
}

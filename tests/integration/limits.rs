//! Inputs built to exhaust casebook: nesting deep enough to overflow a recursive
//! parser (front matter, search queries) is refused with an error on its line, and
//! never aborts `build`, `check`, `search` or `serve`.

use crate::serve::{free_port, get, serve, until};
use crate::support::Archive;
use std::process::Stdio;

fn good() -> &'static str {
    "+++\ntitle = \"Checkout errors\"\ndate = 2025-03-14\n+++\nReplica lag.\n"
}

/// `tags:` then one line of five thousand `- `: saphyr's loader recursed once per level.
fn deep_yaml() -> String {
    format!(
        "---\ntitle: Deep\ndate: 2025-03-15\ntags:\n{}a\n---\nBody.\n",
        "- ".repeat(5000)
    )
}

fn assert_depth_error(run: &crate::support::Run, what: &str) {
    let stderr = run.stderr();
    assert_eq!(
        run.code(),
        Some(1),
        "{what}: an archive error, not an abort:\n{stderr}"
    );
    assert!(
        stderr.contains("content/incidents/deep.md:5") && stderr.contains("nested more than 64"),
        "{what}: the error names the file, line and limit:\n{stderr}"
    );
}

#[test]
fn deep_yaml_block_nesting_overflowed_the_stack_in_build_check_and_search() {
    let a = Archive::empty();
    a.write("content/incidents/good.md", good());
    a.write("content/incidents/deep.md", &deep_yaml());
    assert_depth_error(&a.casebook(&["check"]), "check");
    assert_depth_error(&a.casebook(&["build", "--as-of", "2026-11-25"]), "build");
    assert_depth_error(&a.casebook(&["search", "replica"]), "search");
}

#[test]
fn deep_yaml_flow_nesting_and_deep_toml_are_errors_too() {
    let a = Archive::empty();
    a.write(
        "content/incidents/flow.md",
        &format!(
            "---\ntitle: Flow\ndate: 2025-03-15\ntags: {}a{}\n---\n",
            "[".repeat(5000),
            "]".repeat(5000)
        ),
    );
    a.write(
        "content/incidents/toml.md",
        &format!(
            "+++\ntitle = \"T\"\ndate = 2025-03-16\ntags = {}1{}\n+++\n",
            "[".repeat(5000),
            "]".repeat(5000)
        ),
    );
    a.write(
        "content/incidents/dotted.md",
        &format!(
            "+++\ntitle = \"D\"\ndate = 2025-03-17\n{} = 1\n+++\n",
            vec!["a"; 5000].join(".")
        ),
    );
    let run = a.casebook(&["check"]);
    let stderr = run.stderr();
    assert_eq!(run.code(), Some(1), "{stderr}");
    for file in ["flow.md:4", "toml.md:4", "dotted.md:"] {
        assert!(stderr.contains(file), "{file}:\n{stderr}");
    }
}

#[test]
fn deep_yaml_saved_while_serving_killed_serve() {
    let a = Archive::empty();
    a.write("content/incidents/good.md", good());
    let port = free_port();
    let mut server = serve(&a, port, Stdio::null());
    until("the server", || get(port, "/"));
    a.write("content/incidents/deep.md", &deep_yaml());
    until("the error overlay", || {
        get(port, "/")
            .filter(|(_, body)| body.contains("content/incidents/deep.md:5"))
            .map(|_| ())
    });
    assert!(
        server.0.try_wait().expect("status").is_none(),
        "serve is still running"
    );
}

#[test]
fn deeply_nested_search_query_overflowed_the_stack() {
    let a = Archive::empty();
    a.write("content/incidents/good.md", good());
    for query in [
        format!("{}replica{}", "(".repeat(15_000), ")".repeat(15_000)),
        format!("{}replica", "NOT ".repeat(15_000)),
    ] {
        let run = a.casebook(&["search", &query]);
        assert_eq!(run.code(), Some(2), "a usage error:\n{}", run.stderr());
        assert!(
            run.stderr().contains("levels deep; at most 32"),
            "{}",
            run.stderr()
        );
    }
    let run = a.casebook(&["search", "--query-syntax", "(replica OR lag) AND checkout"]);
    run.assert_ok();
    assert!(run.stdout().contains("good"), "{}", run.stdout());
}

/// `count` write-ups on one system, each a repeat of the one before, each with
/// one open follow-up.
fn chain_archive(count: usize) -> Archive {
    let a = Archive::empty();
    for i in 0..count {
        let repeat = if i == 0 {
            String::new()
        } else {
            format!("repeat_of = [\"c{:03}\"]\n", i - 1)
        };
        a.write(
            &format!("content/incidents/c{i:03}.md"),
            &format!(
                "+++\ntitle = \"Payments outage {i}\"\ndate = 2020-{:02}-{:02}\nsystems = [\"payments\"]\n{repeat}+++\nIt broke again.\n\n## Action items\n- [ ] Fix payments thing {i} @sam due:2020-12-01\n",
                i / 28 % 12 + 1,
                i % 28 + 1
            ),
        );
    }
    a
}

#[test]
fn every_page_of_a_long_repeat_chain_listed_the_whole_chain() {
    let a = chain_archive(300);
    a.build(&[]);
    let middle = a.read("public/incidents/c150/index.html");
    assert!(
        middle.len() < 20_000,
        "a page shows part of its chain: {} bytes",
        middle.len()
    );
    // The first, five either side of this one, the last, and two gaps.
    assert_eq!(middle.matches("<li class=\"chain-step").count(), 15);
    assert!(
        middle.contains("151st occurrence of 300"),
        "the position is kept"
    );
    for (gap, first_hidden) in [(144, "c001"), (143, "c156")] {
        assert!(
            middle.contains(&format!(
                "<a href=\"../../systems/payments/#chains-h\">{gap} more</a>"
            )),
            "{gap} more, linking to the system page"
        );
        assert!(!middle.contains(&format!("incidents/{first_hidden}/")));
    }
    for shown in ["c000", "c145", "c149", "c151", "c155", "c299"] {
        assert!(middle.contains(&format!("incidents/{shown}/")), "{shown}");
    }
    let first = a.read("public/incidents/c000/index.html");
    assert!(first.contains("This happened again later") && first.contains("293 more"));
    // Every earlier occurrence's open item recurred with the last one: the
    // nearest are listed, the rest counted.
    let last = a.read("public/incidents/c299/index.html");
    assert!(last.len() < 30_000, "{} bytes", last.len());
    assert_eq!(
        last.matches("still not done when this happened").count(),
        20
    );
    assert!(last.contains("…and 279 more from earlier occurrences"));
    assert!(last.contains("Fix payments thing 298") && !last.contains("Fix payments thing 278<"));
    // The system page still lists the whole chain, once.
    let system = a.read("public/systems/payments/index.html");
    assert_eq!(system.matches("<li class=\"chain-step").count(), 300);
}

#[test]
fn a_repeat_of_a_write_up_with_thousands_of_task_items_rendered_quadratically() {
    // Each follow-up looked up its fragment by a scan of the write-up's
    // follow-ups, and each "recurred while open" item counted the earlier
    // write-up's follow-ups again: 20,000 items took 36 s to build. (Not timed:
    // this pins the shape and what the pages say of it.)
    let a = Archive::empty();
    let mut text = String::from("+++\ntitle = \"Many\"\ndate = 2025-01-01\n+++\n## Action items\n");
    for i in 0..10_000 {
        text.push_str(&format!("- [ ] Fix thing number {i} @sam due:2025-02-01\n"));
    }
    a.write("content/incidents/many.md", &text);
    a.write(
        "content/incidents/again.md",
        "+++\ntitle = \"Again\"\ndate = 2025-06-01\nrepeat_of = [\"many\"]\n+++\nx\n",
    );
    let check = a.casebook(&["check"]);
    check.assert_ok();
    a.build(&[]);
    let many = a.read("public/incidents/many/index.html");
    assert!(many.contains("Fix thing number 9999"));
    let again = a.read("public/incidents/again/index.html");
    assert_eq!(
        again.matches("still not done when this happened").count(),
        20,
        "the nearest open items are listed as recurred while open"
    );
    assert_eq!(
        again.matches("<ul class=\"chain-open\">").count(),
        1,
        "under the one earlier occurrence they came from"
    );
    assert!(again.contains("…and 9980 more from earlier occurrences"));
}

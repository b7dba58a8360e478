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
    let run = a.casebook(&["search", "(replica OR lag) AND checkout"]);
    run.assert_ok();
    assert!(run.stdout().contains("good"), "{}", run.stdout());
}

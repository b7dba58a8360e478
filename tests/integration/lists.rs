//! Reading lists, the follow-up lint and the RCA warning, on the analysis fixture
//! plus files written by each test.

use crate::support::Archive;

const LIST: &str = r#"+++
title = "Payments on-call"
description = "How payments-db fails."
audience = "payments on-call"

[[items]]
incident = "a"
note = "The first failover."
questions = ["What would have paged us sooner?"]

[[items]]
incident = "d"
note = "Unrelated, for contrast."

[rule]
systems = ["payments-db"]
severity = ["SEV1", "SEV2"]
since = 2025-01-01
+++
Read these before your first shift.
"#;

#[test]
fn reading_list_orders_items_then_rule_and_links_incidents() {
    let a = Archive::fixture("analysis");
    a.write("content/reading-lists/payments.md", LIST);
    a.build(&[]);
    let page = a.read("public/reading-lists/payments/index.html");
    // Explicit items first, then the rule's matches newest first: c (SEV2), b (SEV1).
    let order: Vec<usize> = [
        "/incidents/a/",
        "/incidents/d/",
        "/incidents/c/",
        "/incidents/b/",
    ]
    .iter()
    .map(|id| {
        page.find(&format!(
            "class=\"incident-title\" href=\"../..{id}?list=payments\""
        ))
        .unwrap_or_else(|| panic!("{id} missing"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "items out of order: {order:?}"
    );
    assert!(page.contains("The first failover."), "notes are shown");
    assert!(page.contains("added by rule"), "rule items are marked");
    assert!(
        page.contains("Questions for a team session"),
        "questions are gathered"
    );
    assert!(
        page.contains("Open follow-ups on these systems"),
        "the page pushes readers to act"
    );
    assert!(
        page.contains("data-list=\"payments\""),
        "progress hooks for the browser"
    );
    let print = a.read("public/reading-lists/payments/print/index.html");
    assert!(
        [
            "/incidents/a/",
            "/incidents/d/",
            "/incidents/c/",
            "/incidents/b/"
        ]
        .iter()
        .all(|id| print.contains(&format!("href=\"../../..{id}\""))),
        "the printable list has every item"
    );
    let index = a.read("public/reading-lists/index.html");
    assert!(
        index.contains("4 incidents"),
        "the index shows the item count"
    );
    let incident = a.read("public/incidents/d/index.html");
    assert!(
        incident.contains("Payments on-call</a> · 2 of 4"),
        "an incident shows its place in the list"
    );
    assert!(
        incident.contains("rel=\"prev\" href=\"../../incidents/a/?list=payments\"")
            && incident.contains("rel=\"next\" href=\"../../incidents/c/?list=payments\""),
        "with previous and next links"
    );
    assert!(
        a.read("public/index.html")
            .contains("reading-lists/payments/"),
        "the home page lists it"
    );
}

#[test]
fn check_reports_unknown_and_draft_items_and_empty_lists() {
    let a = Archive::fixture("analysis");
    a.write(
        "content/incidents/wip.md",
        "+++\ntitle = \"WIP\"\ndate = 2025-05-01\ndraft = true\n+++\nx\n",
    );
    a.write(
        "content/reading-lists/broken.md",
        "+++\ntitle = \"Broken\"\n\n[[items]]\nincident = \"wip\"\n\n[[items]]\nincident = \"nope\"\n+++\n",
    );
    a.write(
        "content/reading-lists/empty.md",
        "+++\ntitle = \"Empty\"\n[rule]\nsystems = [\"nothing\"]\n+++\n",
    );
    let run = a.casebook(&["check", "--as-of", "2025-06-01"]);
    let err = run.stderr();
    assert_eq!(run.code(), Some(1), "{err}");
    assert!(
        err.contains("reading list names unknown incident \"nope\"") && err.contains("broken.md:8"),
        "{err}"
    );
    assert!(
        err.contains("reading list names draft incident \"wip\"") && err.contains("broken.md:5"),
        "{err}"
    );
    assert!(
        err.contains("reading list \"Empty\" has no incidents"),
        "{err}"
    );
}

#[test]
fn check_warns_on_follow_ups_that_are_not_actionable() {
    let a = Archive::fixture("analysis");
    a.write(
        "content/incidents/e.md",
        "+++\ntitle = \"E\"\ndate = 2025-05-05\n\n[[follow_ups]]\ntitle = \"Investigate the flaky failover\"\nstatus = \"open\"\n+++\nx\n",
    );
    let run = a.casebook(&["check", "--as-of", "2025-06-01"]);
    let err = run.stderr();
    assert_eq!(run.code(), Some(0), "warnings do not fail check: {err}");
    assert!(
        err.contains("has no owner") && err.contains("e.md:5"),
        "{err}"
    );
    assert!(err.contains("has no due date"), "{err}");
    assert!(err.contains("is vague (\"investigate\")"), "{err}");
    assert_eq!(
        a.casebook(&["check", "--strict", "--as-of", "2025-06-01"])
            .code(),
        Some(1),
        "--strict fails on them"
    );
}

#[test]
fn public_incident_without_public_summary_is_a_warning() {
    let a = Archive::fixture("analysis");
    a.write(
        "content/incidents/p.md",
        "+++\ntitle = \"P\"\ndate = 2025-05-06\nvisibility = \"public\"\n+++\nx\n",
    );
    let err = a.casebook(&["check", "--as-of", "2025-06-01"]).stderr();
    assert!(
        err.contains("public incident has no [public] summary") && err.contains("p.md:2"),
        "{err}"
    );
}

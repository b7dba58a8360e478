//! Incident kinds (near misses and drills are learning too, counted apart) and
//! `[expectations]`: the sections and fields a write-up of a severity or kind
//! must have, which `check` and the adoption report name.

use crate::support::Archive;

fn archive() -> Archive {
    let a = Archive::empty();
    a.write(
        "casebook.toml",
        "[expectations]\nSEV1 = [\"Timeline\", \"Root cause\", \"follow_ups\"]\nnear-miss = [\"summary\"]\n",
    )
    .write(
        "content/incidents/2025-01-02-big.md",
        "+++\ntitle = \"Big outage\"\ndate = 2025-01-02\nseverity = \"SEV1\"\n[timeline]\nstarted = 2025-01-02T10:00:00Z\nresolved = 2025-01-02T12:00:00Z\n+++\n## Timeline\n\nIt broke.\n",
    )
    .write(
        "content/incidents/2025-02-03-close-call.md",
        "+++\ntitle = \"Almost lost the primary\"\ndate = 2025-02-03\nkind = \"Near miss\"\n[timeline]\nstarted = 2025-02-03T10:00:00Z\nresolved = 2025-02-03T10:30:00Z\n+++\nA replica nearly took over.\n",
    )
    .write(
        "content/incidents/2025-03-04-game-day.md",
        "+++\ntitle = \"Failover game day\"\ndate = 2025-03-04\nkind = \"drill\"\n+++\nWe failed over on purpose.\n",
    );
    a
}

#[test]
fn near_misses_and_drills_are_counted_apart_and_left_out_of_time_to_x() {
    let a = archive();
    a.build(&[]);
    let json: serde_json::Value =
        serde_json::from_str(&a.read("public/casebook.json")).expect("json");
    let kind = |id: &str| {
        json["incidents"]
            .as_array()
            .expect("incidents")
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| i["kind"].clone())
            .expect("incident")
    };
    assert_eq!(kind("2025-02-03-close-call"), "near-miss");
    assert_eq!(kind("2025-03-04-game-day"), "drill");
    let metrics = a.read("public/metrics/index.html");
    assert!(metrics.contains("1 near miss(es), 1 drill(s)"), "metrics");
    assert!(metrics.contains("n = 1."), "only the incident is charted");
    let page = a.read("public/incidents/2025-02-03-close-call/index.html");
    assert!(
        page.contains("near miss</span>"),
        "the page says what it was"
    );
    assert!(
        !page.contains("Time to resolve"),
        "no time-to-X for a near miss"
    );
}

#[test]
fn expectations_name_what_a_write_up_of_a_severity_or_kind_lacks() {
    let a = archive();
    let check = a.casebook(&["check"]);
    assert_eq!(check.code(), Some(0), "warnings only: {}", check.stderr());
    let stderr = check.stderr();
    assert!(
        stderr.contains("SEV1 write-ups are expected to have a \"Root cause\" section"),
        "{stderr}"
    );
    assert!(
        stderr.contains("SEV1 write-ups are expected to have field `follow_ups`"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("\"Timeline\" section"),
        "the Timeline section is there: {stderr}"
    );
    assert!(
        !stderr.contains("near-miss write-ups are expected"),
        "the summary is there: {stderr}"
    );
    let report = a.casebook(&["check", "--adoption"]).stdout();
    assert!(
        report.contains("1 write-up(s) miss a section or field"),
        "{report}"
    );
}

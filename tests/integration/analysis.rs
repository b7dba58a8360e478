//! Derived facts on a small archive computed by hand (tests/fixtures/analysis):
//! a chain a → b → c on payments-db, follow-ups in every state, partial timelines.
//! Every number asserted here is worked out in the comments from the fixture.

use crate::support::Archive;
use serde_json::Value;

fn export(a: &Archive, as_of: &str, extra: &[&str]) -> Value {
    let mut args = vec!["build", "--as-of", as_of];
    args.extend_from_slice(extra);
    let run = a.casebook(&args);
    run.assert_ok();
    serde_json::from_str(&a.read("public/casebook.json")).expect("casebook.json")
}

fn incident<'v>(json: &'v Value, id: &str) -> &'v Value {
    json["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

fn states(inc: &Value) -> Vec<(String, String)> {
    inc["follow_ups"]
        .as_array()
        .expect("follow_ups")
        .iter()
        .map(|f| {
            (
                f["title"].as_str().unwrap_or_default().to_owned(),
                f["state"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn chains_link_repeats_in_order_both_ways() {
    let a = Archive::fixture("analysis");
    let json = export(&a, "2025-06-01", &[]);
    assert_eq!(json["chains"], serde_json::json!([["a", "b", "c"]]));
    assert_eq!(
        incident(&json, "a")["repeated_by"],
        serde_json::json!(["b"])
    );
    assert_eq!(incident(&json, "d")["chain"], Value::Null);
    let page = a.read("public/incidents/c/index.html");
    assert!(
        page.contains("3rd occurrence of 3"),
        "the incident page names its place in the chain"
    );
    let system = a.read("public/systems/payments-db/index.html");
    assert!(
        system.contains("3 occurrences"),
        "the system page lists its chain"
    );
}

#[test]
fn recurred_while_open_counts_open_in_progress_and_done_late() {
    let a = Archive::fixture("analysis");
    let json = export(&a, "2025-06-01", &[]);
    // b (1 March): from a, "Recycle pool" still open; "Alert on replica lag" done
    // only on 15 April (late); the runbook was done before; won't-do is not counted.
    let b = &incident(&json, "b")["recurred_while_open"];
    assert_eq!(b.as_array().map(Vec::len), Some(2), "{b}");
    assert!(b
        .as_array()
        .expect("list")
        .iter()
        .any(|x| x["follow_up"] == "Alert on replica lag" && x["done_late"] == true));
    // c (20 May): from a, "Recycle pool" still open (the alert was done by then);
    // from b, "Failover drill" in progress.
    let c = &incident(&json, "c")["recurred_while_open"];
    let titles: Vec<&str> = c
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|x| x["follow_up"].as_str())
        .collect();
    assert_eq!(
        titles,
        ["Recycle pool on failover", "Failover drill every quarter"]
    );
    let page = a.read("public/incidents/b/index.html");
    assert!(
        page.contains("Recurred while last time"),
        "shown prominently on the incident page"
    );
    assert!(page.contains("done only on"), "done-late items say so");
    let system = &json["systems"]
        .as_array()
        .expect("systems")
        .iter()
        .find(|s| s["id"] == "payments-db")
        .expect("payments-db")["recurred_while_open"];
    assert_eq!(system, 4);
}

#[test]
fn overdue_depends_on_the_as_of_date() {
    let a = Archive::fixture("analysis");
    let json = export(&a, "2025-06-01", &[]);
    let a_states = states(incident(&json, "a"));
    assert!(a_states.contains(&("Recycle pool on failover".into(), "overdue".into())));
    assert!(a_states.contains(&("Rewrite the driver".into(), "wont_do".into())));
    assert!(states(incident(&json, "b"))
        .contains(&("Failover drill every quarter".into(), "in_progress".into())));
    let later = export(&a, "2025-07-02", &[]);
    assert!(states(incident(&later, "b"))
        .contains(&("Failover drill every quarter".into(), "overdue".into())));
    let earlier = export(&a, "2025-01-31", &[]);
    assert!(states(incident(&earlier, "a"))
        .contains(&("Recycle pool on failover".into(), "open".into())));
    let board = a.read("public/follow-ups/index.html");
    assert!(board.contains("id=\"overdue\""));
}

#[test]
fn durations_are_medians_and_p90_with_n_and_unknown() {
    let a = Archive::fixture("analysis");
    let json = export(&a, "2025-06-01", &[]);
    let d = &json["metrics"]["durations"];
    let get = |key: &str| {
        d.as_array()
            .expect("durations")
            .iter()
            .find(|x| x["key"] == key)
            .expect("metric")
            .clone()
    };
    // Detect: a 10, b 30, d 5 -> [5, 10, 30]: median 10, p90 (nearest rank 3) 30; c unknown.
    let ttd = get("time_to_detect");
    assert_eq!(
        (
            ttd["median"].clone(),
            ttd["p90"].clone(),
            ttd["n"].clone(),
            ttd["unknown"].clone()
        ),
        (10.into(), 30.into(), 3.into(), 1.into())
    );
    // Mitigate: only a, 40.
    let ttm = get("time_to_mitigate");
    assert_eq!(
        (
            ttm["median"].clone(),
            ttm["n"].clone(),
            ttm["unknown"].clone()
        ),
        (40.into(), 1.into(), 3.into())
    );
    // Resolve: a 120, b 60 -> median 90, p90 120; c and d unknown, never zero.
    let ttr = get("time_to_resolve");
    assert_eq!(
        (
            ttr["median"].clone(),
            ttr["p90"].clone(),
            ttr["n"].clone(),
            ttr["unknown"].clone()
        ),
        (90.into(), 120.into(), 2.into(), 2.into())
    );
    let page = a.read("public/metrics/index.html");
    assert!(
        page.contains("unknown for 2"),
        "the metrics page prints the unknown count"
    );
    assert!(
        page.contains("Definition:"),
        "every figure prints its definition"
    );
}

#[test]
fn counts_completion_and_repeat_rate() {
    let a = Archive::fixture("analysis");
    let json = export(&a, "2025-06-01", &[]);
    let m = &json["metrics"];
    // Repeats: b and c of 4 incidents.
    assert_eq!(m["repeat_rate"]["repeats"], 2);
    assert_eq!(m["repeat_rate"]["rate"], 0.5);
    // Both came while a's "Recycle pool" was open; all four are of 2025.
    assert_eq!(m["repeat_rate"]["while_open"], 2);
    assert_eq!(m["repeat_rate"]["fix_did_not_hold"], 0);
    assert_eq!(
        m["repeat_rate"]["per_year"],
        serde_json::json!([{"year": 2025, "incidents": 4, "repeats": 2, "rate": 0.5}])
    );
    // By quarter: Q1 is January's SEV2 and March's SEV1; Q2 April's SEV3 and May's SEV2.
    assert_eq!(
        m["per_quarter"],
        serde_json::json!([
            {"quarter": "2025-Q1", "by_severity": [1, 1, 0, 0, 0], "total": 2},
            {"quarter": "2025-Q2", "by_severity": [0, 1, 1, 0, 0], "total": 2},
        ])
    );
    let page = a.read("public/metrics/index.html");
    assert!(page.contains("id=\"chart-incidents-per-quarter\""));
    assert!(
        page.contains("<p class=\"big-figure\"><strong>50%</strong>"),
        "the repeat rate is a figure"
    );
    assert!(
        !page.contains("repeat_of"),
        "the definition is in words, not a field name"
    );
    // 2025-Q1: a's four (won't-do excluded -> 3) + b's one = 4, of which 2 done.
    // 2025-Q2: c's task-list item, done.
    let q: Vec<(String, u64, u64)> = m["completion"]
        .as_array()
        .expect("completion")
        .iter()
        .map(|x| {
            (
                x["quarter"].as_str().unwrap_or_default().to_owned(),
                x["total"].as_u64().unwrap_or(0),
                x["done"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        q,
        [("2025-Q1".to_owned(), 4, 2), ("2025-Q2".to_owned(), 1, 1)]
    );
    // Per month, by severity (SEV1..SEV4, none): Jan SEV2, Mar SEV1, Apr SEV3, May SEV2.
    let months: Vec<(String, Vec<u64>)> = m["per_month"]
        .as_array()
        .expect("per_month")
        .iter()
        .map(|x| {
            (
                x["month"].as_str().unwrap_or_default().to_owned(),
                x["by_severity"]
                    .as_array()
                    .expect("counts")
                    .iter()
                    .filter_map(Value::as_u64)
                    .collect(),
            )
        })
        .collect();
    assert_eq!(months[0], ("2025-01".to_owned(), vec![0, 1, 0, 0, 0]));
    assert_eq!(months[2], ("2025-03".to_owned(), vec![1, 0, 0, 0, 0]));
    assert_eq!(months[3], ("2025-04".to_owned(), vec![0, 0, 1, 0, 0]));
    // Open items: "Recycle pool" (142 days) and "Failover drill" (92 days), both 90–180.
    let ages: Vec<u64> = m["open_age"]
        .as_array()
        .expect("ages")
        .iter()
        .filter_map(|x| x["count"].as_u64())
        .collect();
    assert_eq!(ages, [0, 0, 2, 0, 0]);
    let sys = json["systems"]
        .as_array()
        .expect("systems")
        .iter()
        .find(|s| s["id"] == "payments-db")
        .expect("system")
        .clone();
    // Done: alert, runbook, c's task = 3 of 5 counted (won't-do excluded).
    assert_eq!(
        (
            sys["open_follow_ups"].clone(),
            sys["overdue_follow_ups"].clone(),
            sys["completion"].clone()
        ),
        (2.into(), 1.into(), 0.6.into())
    );
}

#[test]
fn tracker_csv_sets_status_and_reports_unmatched_keys() {
    let a = Archive::fixture("analysis");
    a.write("jira.csv", "Issue key,Summary,Status,Resolved\nOPS-1,Recycle,Done,2025-05-02T10:00:00.000+0000\nOPS-3,Drill,Won't Do,\nOPS-999,Other,Open,\n");
    let run = a.casebook(&[
        "build",
        "--as-of",
        "2025-06-01",
        "--follow-up-status",
        a.path().join("jira.csv").to_str().expect("path"),
    ]);
    run.assert_ok();
    assert!(
        run.stderr()
            .contains("2 follow-up(s) updated from 3 record(s); 1 record(s) matched no follow-up"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("unmatched: OPS-999"),
        "{}",
        run.stderr()
    );
    let json: Value = serde_json::from_str(&a.read("public/casebook.json")).expect("json");
    let fu = incident(&json, "a")["follow_ups"]
        .as_array()
        .expect("fu")
        .iter()
        .find(|f| f["title"] == "Recycle pool on failover")
        .expect("item")
        .clone();
    assert_eq!(
        (fu["state"].clone(), fu["done_on"].clone()),
        ("done".into(), "2025-05-02".into())
    );
    assert!(states(incident(&json, "b"))
        .contains(&("Failover drill every quarter".into(), "wont_do".into())));
}

#[test]
fn tracker_json_from_github_and_unknown_statuses() {
    let a = Archive::fixture("analysis");
    a.write(
        "issues.json",
        r#"[{"number": 2, "url": "https://tracker.example/browse/OPS-2", "state": "OPEN", "closedAt": null},
            {"number": 1, "url": "https://tracker.example/browse/OPS-1", "state": "Parked"}]"#,
    );
    let run = a.casebook(&[
        "build",
        "--as-of",
        "2025-06-01",
        "--follow-up-status",
        a.path().join("issues.json").to_str().expect("path"),
    ]);
    run.assert_ok();
    assert!(
        run.stderr()
            .contains("tracker status \"parked\" is not mapped"),
        "{}",
        run.stderr()
    );
    let json: Value = serde_json::from_str(&a.read("public/casebook.json")).expect("json");
    // OPS-2 reopened in the tracker: the site shows the tracker's truth (and it
    // is past its 15 February due date).
    assert!(
        states(incident(&json, "a")).contains(&("Alert on replica lag".into(), "overdue".into()))
    );
    // A mapping in casebook.toml teaches casebook the unknown name.
    a.write(
        "casebook.toml",
        "[tracker.status_map]\nparked = \"wont_do\"\n",
    );
    let run = a.casebook(&[
        "build",
        "--as-of",
        "2025-06-01",
        "--follow-up-status",
        a.path().join("issues.json").to_str().expect("path"),
    ]);
    run.assert_ok();
    let json: Value = serde_json::from_str(&a.read("public/casebook.json")).expect("json");
    assert!(states(incident(&json, "a"))
        .contains(&("Recycle pool on failover".into(), "wont_do".into())));
}

fn build_with_export(a: &Archive, file: &str) -> crate::support::Run {
    a.casebook(&[
        "build",
        "--as-of",
        "2025-06-01",
        "--follow-up-status",
        a.path().join(file).to_str().expect("path"),
    ])
}

#[test]
fn jira_done_with_resolution_wont_do_is_not_done() {
    let a = Archive::fixture("analysis");
    a.write(
        "jira.csv",
        "Issue key,Status,Resolution,Resolved\nOPS-1,Done,Won't Do,2025-05-02T10:00:00.000+0000\nOPS-3,Done,Done,2025-05-03T10:00:00.000+0000\n",
    );
    let run = build_with_export(&a, "jira.csv");
    run.assert_ok();
    let json: Value = serde_json::from_str(&a.read("public/casebook.json")).expect("json");
    assert!(states(incident(&json, "a"))
        .contains(&("Recycle pool on failover".into(), "wont_do".into())));
    assert!(states(incident(&json, "b"))
        .contains(&("Failover drill every quarter".into(), "done".into())));
}

#[test]
fn jira_csv_date_format_is_read_and_an_unreadable_one_is_a_warning() {
    let a = Archive::fixture("analysis");
    a.write(
        "jira.csv",
        "Issue key,Status,Resolved\nOPS-1,Done,20/May/25 2:03 PM\nOPS-3,Done,sometime in May\n",
    );
    let run = build_with_export(&a, "jira.csv");
    run.assert_ok();
    let json: Value = serde_json::from_str(&a.read("public/casebook.json")).expect("json");
    let done_on: Vec<Value> = incident(&json, "a")["follow_ups"]
        .as_array()
        .expect("fu")
        .iter()
        .filter(|f| f["title"] == "Recycle pool on failover")
        .map(|f| f["done_on"].clone())
        .collect();
    assert_eq!(done_on, vec![Value::from("2025-05-20")]);
    assert!(
        run.stderr().contains("jira.csv:3") && run.stderr().contains("sometime in May"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_missing_tracker_export_is_io_trouble_exit_2() {
    let a = Archive::fixture("analysis");
    let run = build_with_export(&a, "no-such-export.csv");
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    assert!(
        run.stderr().contains("no-such-export.csv"),
        "{}",
        run.stderr()
    );
    assert!(!a.exists("public/index.html"));
}

#[test]
fn json_tracker_records_are_named_by_record_number_not_line() {
    let a = Archive::fixture("analysis");
    a.write(
        "issues.json",
        "[\n{\"key\": \"OPS-1\",\n \"status\": \"Done\"},\n{\"key\": \"OPS-998\", \"status\": \"Open\"},\n{\"key\": \"OPS-999\", \"status\": \"Parked\"}\n]\n",
    );
    let run = build_with_export(&a, "issues.json");
    run.assert_ok();
    let err = run.stderr();
    assert!(err.contains("unmatched: OPS-998 (record 2)"), "{err}");
    assert!(
        !err.contains("issues.json:"),
        "a JSON record has no line: {err}"
    );
    assert!(err.contains("record 3"), "{err}");
}

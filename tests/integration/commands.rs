//! Commands and build options: init, new, drafts, --as-of, front-matter aliases,
//! task-list follow-ups, raw HTML, and a user's template and static overrides.

use crate::support::Archive;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// `casebook init` into the archive's own (empty) root.
fn init(a: &Archive) {
    let run = a.casebook(&["init", path_str(a.path())]);
    run.assert_ok();
}

fn json(a: &Archive) -> Value {
    serde_json::from_str(&a.read("public/casebook.json")).expect("casebook.json is JSON")
}

fn incident<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("incident {id} missing from casebook.json"))
}

fn incident_ids(json: &Value) -> Vec<String> {
    json["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

fn md_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.into_path())
        .collect()
}

// ---- init ----

#[test]
fn init_makes_an_archive_that_builds_and_checks_clean() {
    let a = Archive::empty();
    let run = a.casebook(&["init", path_str(a.path())]);
    run.assert_ok();
    assert!(
        run.stdout().contains("Created a new archive"),
        "{}",
        run.stdout()
    );
    assert!(a.exists("casebook.toml"));
    let examples = md_files(&a.path().join("content/incidents"));
    assert_eq!(examples.len(), 1, "one example write-up: {examples:?}");

    let check = a.casebook(&["check"]);
    assert_eq!(check.code(), Some(0), "{}", check.stderr());
    assert!(check.stderr().contains("0 error(s)"), "{}", check.stderr());

    // Built as it is, with today's date as the as-of day.
    let build = a.casebook(&["build"]);
    build.assert_ok();
    assert!(
        build.stderr().contains("for 1 incidents"),
        "{}",
        build.stderr()
    );
    assert!(a.exists("public/index.html"));
    let stem = examples[0]
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("stem");
    assert!(a.exists(&format!("public/incidents/{stem}/index.html")));
    assert!(a.exists("public/systems/checkout/index.html"));
}

#[test]
fn init_creates_a_folder_that_does_not_exist_yet() {
    let a = Archive::empty();
    let dir = a.path().join("ops/incident-archive");
    a.casebook(&["init", path_str(&dir)]).assert_ok();
    for file in [
        "ops/incident-archive/casebook.toml",
        "ops/incident-archive/content/systems/checkout.md",
        "ops/incident-archive/.gitignore",
    ] {
        assert!(a.exists(file), "missing {file}");
    }
    assert_eq!(md_files(&dir.join("content/incidents")).len(), 1);
}

#[test]
fn init_twice_refuses_and_keeps_the_config() {
    let a = Archive::empty();
    init(&a);
    let edited = format!("{}\n# my own edit\n", a.read("casebook.toml"));
    a.write("casebook.toml", &edited);

    let again = a.casebook(&["init", path_str(a.path())]);
    assert!(!again.output.status.success(), "second init must fail");
    assert!(again.stderr().contains("already"), "{}", again.stderr());
    assert!(
        again.stderr().contains("casebook.toml"),
        "{}",
        again.stderr()
    );
    assert_eq!(a.read("casebook.toml"), edited, "init overwrote the config");
    assert_eq!(md_files(&a.path().join("content/incidents")).len(), 1);
}

// ---- new ----

#[test]
fn new_writes_a_write_up_with_title_severity_and_systems() {
    let a = Archive::empty();
    init(&a);
    let year = jiff::Zoned::now().date().year();
    let run = a.casebook(&[
        "new",
        "Checkout 502s after deploy",
        "--system",
        "checkout",
        "--severity",
        "SEV2",
    ]);
    run.assert_ok();
    let printed = run.stdout().trim().to_owned();
    assert!(
        printed.contains(&format!("content/incidents/{year}/")),
        "{printed}"
    );
    assert!(
        printed.ends_with("-checkout-502s-after-deploy.md"),
        "{printed}"
    );
    let text = std::fs::read_to_string(&printed).expect("the printed path exists");
    assert!(
        text.contains("title = \"Checkout 502s after deploy\""),
        "{text}"
    );
    assert!(text.contains("severity = \"SEV2\""), "{text}");
    assert!(text.contains("systems = [\"checkout\"]"), "{text}");

    // The same title again gets a free id, and the first file is untouched.
    let second = a.casebook(&[
        "new",
        "Checkout 502s after deploy",
        "--system",
        "checkout",
        "--severity",
        "SEV2",
    ]);
    second.assert_ok();
    let printed2 = second.stdout().trim().to_owned();
    assert_ne!(printed2, printed);
    assert!(printed2.ends_with("-2.md"), "{printed2}");
    assert!(Path::new(&printed2).exists());
    assert_eq!(std::fs::read_to_string(&printed).expect("first"), text);

    // Both are valid write-ups with distinct ids (drafts, so built with --drafts).
    let check = a.casebook(&["check"]);
    assert_eq!(check.code(), Some(0), "{}", check.stderr());
    a.build(&["--drafts"]);
    let ids = incident_ids(&json(&a));
    let stem = |p: &str| {
        Path::new(p)
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("stem")
            .to_owned()
    };
    assert!(ids.contains(&stem(&printed)), "{ids:?}");
    assert!(ids.contains(&stem(&printed2)), "{ids:?}");
}

#[test]
fn new_files_the_write_up_under_the_year_of_its_date() {
    let a = Archive::empty();
    init(&a);
    let run = a.casebook(&["new", "Queue backlog", "--date", "2024-08-20"]);
    run.assert_ok();
    let printed = run.stdout().trim().to_owned();
    assert!(
        printed.ends_with("content/incidents/2024/2024-08-20-queue-backlog.md"),
        "{printed}"
    );
    let text = std::fs::read_to_string(&printed).expect("written");
    assert!(text.contains("date = 2024-08-20"), "{text}");
}

#[test]
fn new_with_a_severity_outside_the_scale_fails_listing_the_scale() {
    let a = Archive::empty();
    init(&a);
    let before = md_files(&a.path().join("content")).len();
    let run = a.casebook(&["new", "Checkout 502s", "--severity", "SEV9"]);
    assert!(!run.output.status.success());
    assert!(run.stderr().contains("\"SEV9\""), "{}", run.stderr());
    assert!(
        run.stderr().contains("SEV1, SEV2, SEV3, SEV4"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stdout().is_empty(),
        "no path is printed: {}",
        run.stdout()
    );
    assert_eq!(md_files(&a.path().join("content")).len(), before);
}

// ---- drafts ----

#[test]
fn drafts_are_left_out_unless_built_with_drafts() {
    let a = Archive::fixture("drafts");
    a.build(&[]);
    assert!(a.exists("public/incidents/published/index.html"));
    assert!(!a.exists("public/incidents/work-in-progress"));
    assert_eq!(incident_ids(&json(&a)), ["published"]);
    assert!(!a
        .read("public/incidents/index.html")
        .contains("Search latency spike"));
    assert!(!a.read("public/sitemap.xml").contains("work-in-progress"));

    a.build(&["--drafts"]);
    assert!(a.exists("public/incidents/work-in-progress/index.html"));
    assert!(incident_ids(&json(&a)).contains(&"work-in-progress".to_owned()));
    assert!(a
        .read("public/incidents/index.html")
        .contains("Search latency spike"));
}

// ---- --as-of ----

fn follow_up_state(a: &Archive, as_of: &str) -> Value {
    a.casebook(&["build", "--as-of", as_of]).assert_ok();
    let json = json(a);
    assert_eq!(json["as_of"], as_of);
    incident(&json, "replica-lag")["follow_ups"][0]["state"].clone()
}

#[test]
fn as_of_decides_whether_an_open_follow_up_is_overdue() {
    let a = Archive::fixture("follow-up-due");
    assert_eq!(follow_up_state(&a, "2025-07-01"), "overdue");
    assert_eq!(follow_up_state(&a, "2025-05-01"), "open");
    // Due today is not overdue yet.
    assert_eq!(follow_up_state(&a, "2025-06-01"), "open");
}

// ---- front-matter aliases ----

#[test]
fn aliases_map_legacy_yaml_keys_to_casebook_fields() {
    let a = Archive::fixture("aliases");
    let check = a.casebook(&["check"]);
    assert_eq!(check.code(), Some(0), "{}", check.stderr());
    assert!(
        !check.stderr().contains("unknown field"),
        "aliased keys are known: {}",
        check.stderr()
    );
    a.build(&[]);
    let json = json(&a);
    let inc = incident(&json, "legacy-post");
    assert_eq!(inc["timeline"]["started"], "2024-08-20T14:05:00Z");
    assert_eq!(
        inc["tags"],
        serde_json::json!(["queues", "deploy"]),
        "{inc}"
    );
    assert!(a.exists("public/tags/queues/index.html"));
}

#[test]
fn alias_to_an_unknown_field_is_a_config_error_with_did_you_mean() {
    let a = Archive::fixture("alias-typo");
    for args in [&["check"][..], &["build", "--as-of", "2025-07-01"][..]] {
        let run = a.casebook(args);
        let stderr = run.stderr();
        assert!(!run.output.status.success(), "{args:?} must fail");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(stderr.contains("casebook.toml"), "{stderr}");
        assert!(stderr.contains("front_matter.aliases.foo"), "{stderr}");
        assert!(stderr.contains("`timeline.strated`"), "{stderr}");
        assert!(
            stderr.contains("did you mean `timeline.started`?"),
            "{stderr}"
        );
    }
    assert!(!a.exists("public"));
}

#[test]
fn config_error_is_printed_once_with_its_line() {
    let a = Archive::fixture("alias-typo");
    let run = a.casebook(&["check"]);
    let stderr = run.stderr();
    assert!(!stderr.contains("error: error:"), "{stderr}");
    assert!(stderr.contains("--> casebook.toml:4"), "{stderr}");
}

// ---- task-list follow-ups ----

#[test]
fn task_list_follow_ups_merge_with_front_matter_ones() {
    let a = Archive::fixture("task-list-merge");
    a.casebook(&["build", "--as-of", "2025-03-20"]).assert_ok();
    let json = json(&a);
    let follow_ups = incident(&json, "pool")["follow_ups"]
        .as_array()
        .expect("follow_ups")
        .clone();
    let titles: Vec<&str> = follow_ups
        .iter()
        .map(|f| f["title"].as_str().expect("title"))
        .collect();
    assert_eq!(
        titles,
        [
            "Alert on replica lag > 30s",
            "Add connection-pool health check",
            "Lower DNS TTL"
        ],
        "the duplicate counts once; tasks outside the action-items section are not follow-ups"
    );
    // The front-matter entry wins over its task-list twin.
    assert_eq!(follow_ups[0]["status"], "in_progress");
    // Task-list items keep their owner, due date, link and checkbox.
    assert_eq!(follow_ups[1]["owner"], "sam");
    assert_eq!(follow_ups[1]["due"], "2025-05-01");
    assert_eq!(follow_ups[1]["link"], "https://tracker.example/OPS-124");
    assert_eq!(follow_ups[1]["state"], "open");
    assert_eq!(follow_ups[2]["owner"], "kim");
    assert_eq!(follow_ups[2]["status"], "done");
}

// ---- raw HTML ----

#[test]
fn raw_html_in_a_body_is_escaped_by_default() {
    let a = Archive::fixture("raw-html");
    a.build(&[]);
    let page = a.read("public/incidents/xss/index.html");
    assert!(!page.contains("<script>alert(1)</script>"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
}

#[test]
fn raw_html_passes_through_with_unsafe_html() {
    let a = Archive::fixture("raw-html");
    a.write("casebook.toml", "[markdown]\nunsafe_html = true\n");
    a.build(&[]);
    let page = a.read("public/incidents/xss/index.html");
    assert!(page.contains("<script>alert(1)</script>"), "{page}");
}

// ---- user overrides ----

#[test]
fn user_404_template_and_static_files_are_used() {
    let a = Archive::fixture("overrides");
    a.build(&[]);
    let not_found = a.read("public/404.html");
    assert!(not_found.contains("custom-404-marker"), "{not_found}");
    assert!(
        !not_found.contains("Page not found"),
        "the default 404 was used"
    );
    // The override still extends the theme's base layout.
    assert!(not_found.contains("style.css"), "{not_found}");
    assert_eq!(
        a.read("public/robots.txt"),
        a.read("static/robots.txt"),
        "static files are copied as they are"
    );
    // The theme's own static files are still there.
    assert!(a.exists("public/style.css"));
    // Other templates are still the theme's.
    assert!(a
        .read("public/incidents/fine/index.html")
        .contains("Checkout errors after failover"));
}

#[test]
fn build_timings_name_every_stage_in_pipeline_order() {
    let a = Archive::demo();
    let stderr = a.build(&["--timings"]).stderr();
    let stages: Vec<&str> = stderr
        .lines()
        .filter(|l| l.trim_end().ends_with(" ms") && !l.starts_with("Built"))
        .filter_map(|l| l.trim().rsplitn(3, ' ').nth(2))
        .map(str::trim)
        .collect();
    // A first build makes the search bundle: its parts follow the stage.
    assert_eq!(
        stages,
        [
            "load",
            "analyze",
            "search index",
            "· caches read",
            "· records",
            "· indexing",
            "· compression",
            "· cache write",
            "render",
            "write"
        ],
        "{stderr}"
    );
    // The bundle reused whole: nothing to break down.
    let again = a.build(&["--timings"]).stderr();
    assert!(!again.contains("· indexing"), "{again}");
    let plain = a.build(&[]).stderr();
    assert!(!plain.contains("search index"), "{plain}");
}

#[test]
fn build_shows_the_first_warnings_and_counts_the_rest() {
    let a = Archive::fixture("good");
    for n in 0..25 {
        a.write(
            &format!("content/incidents/extra-{n:02}.md"),
            "+++\ntitle = \"Extra\"\ndate = 2025-04-01\nseverty = \"SEV2\"\n+++\nbody\n",
        );
    }
    let run = a.casebook(&["build", "--as-of", "2026-11-25"]);
    run.assert_ok();
    let stderr = run.stderr();
    assert_eq!(
        stderr.matches("unknown field `severty`").count(),
        20,
        "{stderr}"
    );
    assert!(
        stderr.contains("... and 5 more warning(s); `casebook check` lists them all"),
        "{stderr}"
    );
    assert!(stderr.contains("(25 warning(s);"), "{stderr}");
    // `check` still lists every one.
    let check = a.casebook(&["check", "--as-of", "2026-11-25"]);
    assert_eq!(
        check.stderr().matches("unknown field `severty`").count()
            + check.stdout().matches("unknown field `severty`").count(),
        25
    );
}

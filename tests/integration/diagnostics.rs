//! Bad input: every diagnostic names the file, the line, the field and a hint,
//! never a panic. What cannot be read at all (malformed TOML/YAML, non-UTF-8,
//! duplicate ids, broken links) is an error, and a failed build writes nothing;
//! a value that does not fit is a warning and the write-up builds with its
//! fallback.

use crate::support::{Archive, Run};

/// One diagnostic as the human format prints it:
/// `LEVEL: [FIELD: ]MESSAGE` / `  --> FILE[:LINE[:COL]]` / `  = hint: HINT`.
#[derive(Debug)]
struct Shown {
    header: String,
    file: String,
    line: Option<u32>,
    hint: Option<String>,
}

/// Parses every diagnostic block in `stderr` (blocks are separated by blank lines).
fn shown(stderr: &str) -> Vec<Shown> {
    stderr
        .split("\n\n")
        .filter_map(|block| {
            let header = block
                .lines()
                .find(|l| l.starts_with("error: ") || l.starts_with("warning: "))?;
            let location = block.lines().find_map(|l| l.strip_prefix("  --> "))?;
            let mut parts = location.split(':');
            let file = parts.next().unwrap_or_default().to_owned();
            let line = parts.next().and_then(|l| l.parse().ok());
            let hint = block
                .lines()
                .find_map(|l| l.strip_prefix("  = hint: "))
                .map(str::to_owned);
            Some(Shown {
                header: header.to_owned(),
                file,
                line,
                hint,
            })
        })
        .collect()
}

/// What one diagnostic must say.
struct Expect<'a> {
    level: &'a str,
    file: &'a str,
    line: u32,
    /// `Some("severity")`: the header reads `error: severity: ...`.
    field: Option<&'a str>,
    /// Words the message must contain.
    message: &'a [&'a str],
    /// Words the hint must contain (a hint must be printed even when empty).
    hint: &'a [&'a str],
}

fn assert_no_panic(run: &Run) {
    let stderr = run.stderr();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "casebook panicked:\n{stderr}"
    );
}

/// Asserts `run` printed a diagnostic matching `e`, at exactly `file:line`.
fn assert_shown(run: &Run, e: &Expect<'_>) {
    let stderr = run.stderr();
    let all = shown(&stderr);
    // Several diagnostics may share a line: the one with the expected words.
    let here = || {
        all.iter()
            .filter(|d| d.file == e.file && d.line == Some(e.line))
    };
    let d = here()
        .find(|d| e.message.iter().all(|w| d.header.contains(w)))
        .or_else(|| here().next())
        .unwrap_or_else(|| {
            panic!(
                "no diagnostic at {}:{}; casebook printed:\n{stderr}",
                e.file, e.line
            )
        });
    let prefix = match e.field {
        Some(field) => format!("{}: {field}: ", e.level),
        None => format!("{}: ", e.level),
    };
    assert!(
        d.header.starts_with(&prefix),
        "expected `{prefix}...`, got `{}`",
        d.header
    );
    for word in e.message {
        assert!(
            d.header.contains(word),
            "message lacks {word:?}: `{}`",
            d.header
        );
    }
    let hint = d
        .hint
        .as_deref()
        .unwrap_or_else(|| panic!("no hint for `{}`:\n{stderr}", d.header));
    for word in e.hint {
        assert!(hint.contains(word), "hint lacks {word:?}: `{hint}`");
    }
}

/// `casebook check` on `a`: exit 1, every expected diagnostic, no panic.
fn assert_check_fails(a: &Archive, expected: &[Expect<'_>]) -> Run {
    let run = a.casebook(&["check"]);
    assert_no_panic(&run);
    assert_eq!(run.code(), Some(1), "check:\n{}", run.stderr());
    for e in expected {
        assert_shown(&run, e);
    }
    run
}

/// `casebook build` on `a`: exit 1, every expected diagnostic, no panic, no output.
fn assert_build_fails(a: &Archive, expected: &[Expect<'_>]) -> Run {
    let run = a.casebook(&["build", "--as-of", "2025-07-01"]);
    assert_no_panic(&run);
    assert_eq!(run.code(), Some(1), "build:\n{}", run.stderr());
    for e in expected {
        assert_shown(&run, e);
    }
    assert!(
        run.stderr().contains("nothing was written"),
        "{}",
        run.stderr()
    );
    assert!(
        !a.exists("public"),
        "a failed build must not create the output folder"
    );
    run
}

/// Both commands reject the fixture with the same diagnostics.
fn assert_rejected(fixture: &str, expected: &[Expect<'_>]) {
    let a = Archive::fixture(fixture);
    assert_check_fails(&a, expected);
    assert_build_fails(&a, expected);
}

/// `check` passes and `build` writes the site: every expected warning is shown
/// by both (a shape real folders have is read, never refused).
fn assert_accepted(fixture: &str, expected: &[Expect<'_>]) {
    let a = Archive::fixture(fixture);
    let check = a.casebook(&["check"]);
    assert_no_panic(&check);
    assert_eq!(check.code(), Some(0), "check:\n{}", check.stderr());
    let build = a.build(&[]);
    for e in expected {
        assert_shown(&check, e);
        assert_shown(&build, e);
    }
    assert!(a.exists("public/index.html"));
}

fn warning<'a>(
    file: &'a str,
    line: u32,
    field: Option<&'a str>,
    message: &'a [&'a str],
    hint: &'a [&'a str],
) -> Expect<'a> {
    Expect {
        level: "warning",
        ..error(file, line, field, message, hint)
    }
}

fn error<'a>(
    file: &'a str,
    line: u32,
    field: Option<&'a str>,
    message: &'a [&'a str],
    hint: &'a [&'a str],
) -> Expect<'a> {
    Expect {
        level: "error",
        file,
        line,
        field,
        message,
        hint,
    }
}

#[test]
fn malformed_toml_names_the_line_of_the_unquoted_value() {
    assert_rejected(
        "bad-toml",
        &[error(
            "content/incidents/broken.md",
            4,
            None,
            &["invalid TOML", "quoted"],
            &["strings need quotes"],
        )],
    );
}

#[test]
fn malformed_yaml_names_the_line_of_the_stray_colon() {
    assert_rejected(
        "bad-yaml",
        &[error(
            "content/incidents/broken.md",
            4,
            None,
            &["invalid YAML", "mapping values"],
            &["quote values that contain `: `"],
        )],
    );
}

#[test]
fn unterminated_front_matter_says_which_fence_is_never_closed() {
    assert_rejected(
        "unterminated",
        &[error(
            "content/incidents/open-ended.md",
            1,
            None,
            &["`+++`", "never closed"],
            &["add a line with just `+++`"],
        )],
    );
}

#[test]
fn missing_title_falls_back_to_the_first_sentence_with_a_warning() {
    assert_accepted(
        "missing-title",
        &[warning(
            "content/incidents/untitled.md",
            2,
            Some("title"),
            &[
                "no `title`",
                "first sentence",
                "\"Checkout failed for a while\"",
            ],
            &["title = \""],
        )],
    );
}

#[test]
fn empty_title_is_absent_and_falls_back_not_a_silently_dropped_write_up() {
    assert_accepted(
        "empty-title",
        &[warning(
            "content/incidents/blank.md",
            2,
            Some("title"),
            &["no `title`"],
            &["title = \""],
        )],
    );
    let a = Archive::fixture("empty-title");
    a.build(&[]);
    assert!(a
        .read("public/incidents/blank/index.html")
        .contains("Checkout failed for a while"));
}

#[test]
fn missing_date_with_nothing_to_fall_back_on_builds_undated() {
    assert_accepted(
        "missing-date",
        &[warning(
            "content/incidents/undated.md",
            2,
            Some("date"),
            &["no `date`", "undated"],
            &["date = YYYY-MM-DD", "listed last"],
        )],
    );
}

#[test]
fn unknown_key_is_a_warning_with_did_you_mean() {
    let a = Archive::fixture("unknown-key");
    let warning = Expect {
        level: "warning",
        file: "content/incidents/typo.md",
        line: 4,
        field: Some("severty"),
        message: &["unknown field `severty`"],
        hint: &["did you mean `severity`?"],
    };

    let check = a.casebook(&["check"]);
    assert_no_panic(&check);
    assert_eq!(check.code(), Some(0), "a warning alone must not fail check");
    assert_shown(&check, &warning);
    assert!(check.stderr().contains("0 error(s), 1 warning(s)"));

    let strict = a.casebook(&["check", "--strict"]);
    assert_eq!(
        strict.code(),
        Some(1),
        "--strict turns warnings into failures"
    );
    assert_shown(&strict, &warning);

    // A build goes ahead and still shows the warning.
    let build = a.build(&[]);
    assert_shown(&build, &warning);
    assert!(a.exists("public/index.html"));
}

#[test]
fn wrong_types_say_what_was_expected_and_what_was_found() {
    assert_accepted(
        "wrong-type",
        &[
            warning(
                "content/incidents/typed.md",
                4,
                Some("systems"),
                &["expected a list of strings", "found a table"],
                &["systems = [\"a\", \"b\"]", "ignores this value"],
            ),
            warning(
                "content/incidents/titled.md",
                2,
                Some("title"),
                &["expected a string", "found a boolean"],
                &["in quotes"],
            ),
        ],
    );
}

#[test]
fn severity_outside_the_configured_scale_lists_the_scale() {
    assert_accepted(
        "bad-severity",
        &[
            warning(
                "content/incidents/sev.md",
                5,
                Some("severity"),
                &["\"SEV2\"", "not a severity", "unrated"],
                &["critical, major, minor", "casebook.toml"],
            ),
            warning(
                "content/incidents/typo.md",
                4,
                Some("severity"),
                &["\"majr\"", "not a severity"],
                &["did you mean \"major\"?", "critical, major, minor"],
            ),
        ],
    );
}

#[test]
fn bad_incident_status_lists_the_allowed_values() {
    assert_accepted(
        "bad-status",
        &[warning(
            "content/incidents/status.md",
            4,
            Some("status"),
            &["\"fixd\"", "not a valid status"],
            &["\"ongoing\"", "\"monitoring\"", "\"resolved\""],
        )],
    );
}

#[test]
fn bad_follow_up_status_names_the_item_and_suggests_the_spelling() {
    assert_accepted(
        "bad-follow-up-status",
        &[warning(
            "content/incidents/follow.md",
            13,
            Some("follow_ups[2].status"),
            &["\"in-progres\"", "not a valid status"],
            &["did you mean \"in_progress\"?", "\"wont_do\""],
        )],
    );
}

#[test]
fn impossible_and_unparseable_dates_are_named_on_their_line() {
    // A bare TOML date is the TOML parser's: the file cannot be read at all...
    let a = Archive::fixture("bad-date");
    let expected = [
        error(
            "content/incidents/bare.md",
            3,
            None,
            &["invalid TOML", "invalid date"],
            &["dates are written bare"],
        ),
        // ...a quoted string is casebook's: a warning, and the date falls back.
        warning(
            "content/incidents/when.md",
            4,
            Some("date"),
            &["\"2025-02-30\"", "not a valid date"],
            &["YYYY-MM-DD"],
        ),
        warning(
            "content/incidents/yesterday.md",
            3,
            Some("date"),
            &["\"yesterday\"", "not a valid date"],
            &["YYYY-MM-DD"],
        ),
    ];
    assert_check_fails(&a, &expected);
    assert_build_fails(&a, &expected);
}

#[test]
fn timeline_out_of_order_points_at_the_detected_line() {
    assert_accepted(
        "timeline-order",
        &[warning(
            "content/incidents/order.md",
            7,
            Some("timeline.detected"),
            &["out of order", "detected", "before started", "unknown"],
            &["started <= detected <= mitigated <= resolved"],
        )],
    );
}

#[test]
fn duplicate_ids_name_both_files() {
    let a = Archive::fixture("duplicate-ids");
    let older = "content/incidents/2024/older.md";
    let newer = "content/incidents/2025/checkout-failover.md";
    for run in [assert_check_fails(&a, &[]), assert_build_fails(&a, &[])] {
        let stderr = run.stderr();
        let d = shown(&stderr)
            .into_iter()
            .find(|d| d.header.contains("duplicate id"))
            .unwrap_or_else(|| panic!("no duplicate-id diagnostic:\n{stderr}"));
        assert!(d.header.starts_with("error: id: "), "{}", d.header);
        assert!(d.header.contains("\"checkout-failover\""), "{}", d.header);
        assert!(
            (d.file == newer && d.header.contains(older))
                || (d.file == older && d.header.contains(newer)),
            "the diagnostic must name both files: {d:?}"
        );
        assert!(d.line.is_some(), "no line: {d:?}");
        let hint = d.hint.expect("hint");
        assert!(hint.contains("unique"), "{hint}");
    }
    // With one of the two gone, the archive is valid.
    std::fs::remove_file(a.path().join(older)).expect("remove");
    let check = a.casebook(&["check"]);
    assert_eq!(check.code(), Some(0), "{}", check.stderr());
}

#[test]
fn id_with_uppercase_and_underscore_is_slugified_with_a_warning() {
    assert_accepted(
        "bad-id-chars",
        &[warning(
            "content/incidents/outage.md",
            4,
            Some("id"),
            &[
                "\"Checkout_Outage\"",
                "a-z, 0-9 and -",
                "\"checkout-outage\"",
            ],
            &["id = \"checkout-outage\""],
        )],
    );
    let a = Archive::fixture("bad-id-chars");
    a.build(&[]);
    assert!(a.exists("public/incidents/checkout-outage/index.html"));
}

#[test]
fn id_with_a_path_separator_cannot_leave_the_incidents_folder() {
    assert_accepted(
        "id-path-separator",
        &[warning(
            "content/incidents/outage.md",
            4,
            Some("id"),
            &["\"a/b\"", "a-z, 0-9 and -"],
            &["id = \"a-b\""],
        )],
    );
    let a = Archive::fixture("id-path-separator");
    a.build(&[]);
    assert!(a.exists("public/incidents/a-b/index.html"));
    assert!(!a.exists("public/incidents/a"));
}

#[test]
fn repeat_of_an_unknown_id_suggests_the_close_one() {
    assert_rejected(
        "unknown-repeat-of",
        &[error(
            "content/incidents/checkout-again.md",
            4,
            Some("repeat_of"),
            &["unknown incident \"payments-db-failovr\""],
            &["did you mean \"payments-db-failover\"?"],
        )],
    );
}

#[test]
fn related_naming_an_unknown_id_is_an_error() {
    let a = Archive::fixture("unknown-related");
    let expected = [error(
        "content/incidents/checkout.md",
        4,
        Some("related"),
        &["unknown incident \"no-such-incident-anywhere\""],
        &["id of an existing write-up"],
    )];
    let run = assert_check_fails(&a, &expected);
    // The valid link on the same line is not reported.
    assert!(!run.stderr().contains("\"dns-ttl\""), "{}", run.stderr());
    assert_build_fails(&a, &expected);
}

#[test]
fn repeat_of_naming_itself_is_an_error() {
    assert_rejected(
        "self-repeat",
        &[error(
            "content/incidents/loop.md",
            4,
            Some("repeat_of"),
            &["names the incident itself"],
            &["earlier incident"],
        )],
    );
}

#[test]
fn non_utf8_file_names_the_line_of_the_first_bad_byte() {
    let a = Archive::empty();
    a.write(
        "content/incidents/fine.md",
        "+++\ntitle = \"Fine\"\ndate = 2025-03-14\n+++\nok\n",
    );
    std::fs::write(
        a.path().join("content/incidents/latin1.md"),
        b"+++\ntitle = \"\xff\xfe\"\ndate = 2025-03-14\n+++\nbody\n",
    )
    .expect("write");
    let expected = [error(
        "content/incidents/latin1.md",
        2,
        None,
        &["not valid UTF-8"],
        &["save it as UTF-8"],
    )];
    assert_check_fails(&a, &expected);
    assert_build_fails(&a, &expected);
}

#[test]
fn empty_file_is_skipped_with_a_warning() {
    assert_accepted(
        "empty-file",
        &[warning(
            "content/incidents/empty.md",
            1,
            None,
            &["the file is empty", "skipped"],
            &["write the incident in it, or delete it"],
        )],
    );
}

#[test]
fn broken_template_override_names_the_template_and_line() {
    assert_rejected(
        "bad-template",
        &[error(
            "templates/incident.html",
            4,
            None,
            &["template error", "incident.html"],
            &["template syntax"],
        )],
    );
}

#[test]
fn failed_build_leaves_the_previous_site_byte_for_byte() {
    let a = Archive::fixture("good");
    a.build(&[]);
    let index = std::fs::read(a.path().join("public/index.html")).expect("index");
    let page = std::fs::read(
        a.path()
            .join("public/incidents/checkout-failover/index.html"),
    )
    .expect("incident page");

    // Break the only write-up and add a second one, then build again.
    a.write(
        "content/incidents/checkout-failover.md",
        "+++\ntitle = \"Checkout errors after failover\"\ndate = 2025-03-14\nseverity = SEV2\n+++\nbody\n",
    );
    a.write(
        "content/incidents/new-one.md",
        "+++\ntitle = \"Another\"\ndate = 2025-04-01\n+++\nbody\n",
    );
    let run = a.casebook(&["build", "--as-of", "2026-11-25"]);
    assert_no_panic(&run);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert_shown(
        &run,
        &error(
            "content/incidents/checkout-failover.md",
            4,
            None,
            &["invalid TOML"],
            &[],
        ),
    );
    assert!(run.stderr().contains("previous site is untouched"));

    assert_eq!(
        std::fs::read(a.path().join("public/index.html")).expect("index"),
        index,
        "public/index.html changed"
    );
    assert_eq!(
        std::fs::read(
            a.path()
                .join("public/incidents/checkout-failover/index.html")
        )
        .expect("incident page"),
        page
    );
    assert!(!a.exists("public/incidents/new-one"));
    // No staging folder is left behind beside the output.
    let leftovers = beside_output(&a, &["casebook-new", "casebook-old"]);
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Once the broken file is gone, the next build replaces the site as a whole.
    std::fs::remove_file(a.path().join("content/incidents/checkout-failover.md")).expect("remove");
    a.build(&[]);
    assert!(a.exists("public/incidents/new-one/index.html"));
    assert!(!a.exists("public/incidents/checkout-failover"));
}

#[test]
fn check_format_json_prints_a_json_array_of_diagnostics() {
    let a = Archive::fixture("bad-follow-up-status");
    let run = a.casebook(&["check", "--format", "json"]);
    assert_no_panic(&run);
    assert_eq!(run.code(), Some(0));
    let json: serde_json::Value =
        serde_json::from_str(&run.stdout()).expect("stdout is exactly one JSON value");
    let items = json.as_array().expect("a JSON array");
    assert!(!items.is_empty());
    for item in items {
        for key in ["level", "file", "message"] {
            assert!(item.get(key).is_some(), "{key} missing in {item}");
        }
    }
    let error = items
        .iter()
        .find(|d| d["field"] == "follow_ups[2].status")
        .expect("the warning is listed");
    assert_eq!(error["level"], "warning");
    assert_eq!(error["file"], "content/incidents/follow.md");
    assert_eq!(error["line"], 13);
    assert_eq!(error["field"], "follow_ups[2].status");
    assert!(error["message"]
        .as_str()
        .expect("message")
        .contains("\"in-progres\""));
    assert!(error["hint"]
        .as_str()
        .expect("hint")
        .contains("did you mean \"in_progress\"?"));
    // Warnings come with the same shape and their own level.
    assert!(items
        .iter()
        .all(|d| ["error", "warning", "note"].contains(&d["level"].as_str().expect("level"))));
}

#[test]
fn a_build_failing_midway_through_rendering_leaves_the_previous_site() {
    // Pages are written while others still render: a template that fails only
    // when rendered (an unknown variable, not a syntax error) stops the build
    // after some incident pages have reached the staging folder.
    let a = Archive::fixture("good");
    a.build(&[]);
    let index = std::fs::read(a.path().join("public/index.html")).expect("index");
    a.write(
        "templates/incident.html",
        "{% extends \"base.html\" %}\n{% block main %}\n<h1>{{ incident.row.title }}</h1>\n{{ no_such_variable.field }}\n{% endblock main %}\n",
    );
    let run = a.casebook(&["build", "--as-of", "2026-11-25"]);
    assert_no_panic(&run);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    assert!(run.stderr().contains("incident.html"), "{}", run.stderr());
    assert_eq!(
        std::fs::read(a.path().join("public/index.html")).expect("index"),
        index
    );
    let leftovers = beside_output(&a, &["casebook-new"]);
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Names in the archive root (where the output's staging and old copies live)
/// containing any of `parts`.
fn beside_output(a: &Archive, parts: &[&str]) -> Vec<String> {
    std::fs::read_dir(a.path())
        .expect("read root")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| parts.iter().any(|p| n.contains(p)))
        .collect()
}

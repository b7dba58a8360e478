//! Trust: what `check` says agrees with what `build` does, and every page's
//! paths and fragment ids are unique and valid.

use crate::support::Archive;

/// Runs `casebook check` and returns (exit code, stdout + stderr).
fn check(a: &Archive) -> (Option<i32>, String) {
    let run = a.casebook(&["check", "--as-of", "2026-11-25"]);
    (run.code(), format!("{}{}", run.stdout(), run.stderr()))
}

#[test]
fn check_passed_a_template_that_fails_to_render_on_an_unknown_variable() {
    let a = Archive::fixture("render-error");
    let build = a.casebook(&["build", "--as-of", "2026-11-25"]);
    assert_eq!(build.code(), Some(1), "{}", build.stderr());
    let (code, out) = check(&a);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("templates/incident.html"), "{out}");
    assert!(out.contains("nosuchvar"), "{out}");
}

#[test]
fn check_passed_a_template_that_fails_to_render_on_an_unknown_filter() {
    let a = Archive::fixture("render-error");
    a.write(
        "templates/incident.html",
        "{% extends \"base.html\" %}\n{% block main %}\n<h1>{{ incident.row.title | nosuchfilter }}</h1>\n{% endblock main %}\n",
    );
    let (code, out) = check(&a);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("templates/incident.html"), "{out}");
    assert!(out.contains("nosuchfilter"), "{out}");
}

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

/// The `incidents/ID/` links of the "Possibly related" section of a page.
fn possibly_related(page: &str) -> Vec<String> {
    let Some(start) = page.find("id=\"similar-h\"") else {
        return Vec::new();
    };
    let section = &page[start..];
    let section = &section[..section.find("</section>").unwrap_or(section.len())];
    section
        .split("incidents/")
        .skip(1)
        .filter_map(|rest| rest.split('/').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn demo_page_listed_a_possible_repeat_that_check_never_printed() {
    let a = Archive::demo();
    a.build(&[]);
    let run = a.casebook(&["check", "--as-of", "2026-11-25", "--format", "json"]);
    let notes: Vec<serde_json::Value> =
        serde_json::from_str(&run.stdout()).expect("check --format json");
    let noted = |file_id: &str, named: &str| {
        notes.iter().any(|d| {
            d["level"] == "note"
                && d["file"]
                    .as_str()
                    .is_some_and(|f| f.ends_with(&format!("/{file_id}.md")))
                && d["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(&format!("possible repeat of \"{named}\"")))
        })
    };
    let mut pairs = 0;
    for (name, _) in crate::support::files(&a.path().join("public/incidents")) {
        let Some(id) = name
            .strip_suffix("/index.html")
            .filter(|id| !id.contains('/'))
        else {
            continue;
        };
        for other in possibly_related(&a.read(&format!("public/incidents/{name}"))) {
            pairs += 1;
            assert!(
                noted(id, &other) || noted(&other, id),
                "the page of {id} lists {other} as possibly related, check does not"
            );
        }
    }
    assert!(pairs > 0, "the demo shows possible repeats");
}

/// Every `id="..."` of an HTML page that appears more than once.
fn repeated_ids(page: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut repeated = Vec::new();
    for rest in page.split(" id=\"").skip(1) {
        let id = rest.split('"').next().unwrap_or_default();
        if !seen.insert(id) {
            repeated.push(id.to_owned());
        }
    }
    repeated
}

#[test]
fn demo_incident_page_repeated_the_follow_ups_id_of_its_section() {
    let a = Archive::demo();
    a.build(&[]);
    let mut pages = 0;
    for (name, _) in crate::support::files(&a.path().join("public")) {
        if !name.ends_with(".html") || name.starts_with("search/") {
            continue;
        }
        pages += 1;
        let repeated = repeated_ids(&a.read(&format!("public/{name}")));
        assert!(repeated.is_empty(), "{name} repeats the ids {repeated:?}");
    }
    assert!(pages > 100, "the demo has its pages");
}

/// A character XML 1.0 does not allow anywhere in a document.
fn xml_invalid(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[test]
fn title_with_u_ffff_made_the_feed_and_sitemap_invalid_xml() {
    let a = Archive::empty();
    a.write(
        "content/incidents/odd-title.md",
        "+++\ntitle = \"Odd \\uFFFF title \\uFFFE with \\u0001 bell \\u001B\"\ndate = 2025-03-14\nsystems = [\"api\\uFFFF\"]\nsummary = \"A \\uFFFF summary\"\n+++\nBody.\n",
    );
    a.build(&[]);
    for file in ["public/feed.xml", "public/sitemap.xml"] {
        let xml = a.read(file);
        let bad: Vec<char> = xml.chars().filter(|&c| xml_invalid(c)).collect();
        assert!(bad.is_empty(), "{file} holds {bad:?}:\n{xml}");
    }
    assert!(a.read("public/feed.xml").contains("Odd  title  with  bell"));
}

#[test]
fn write_ups_named_oldest_severity_longest_collided_with_the_incidents_index_pages() {
    let a = Archive::empty();
    for name in ["oldest", "severity", "longest"] {
        a.write(
            &format!("content/incidents/{name}.md"),
            &format!("+++\ntitle = \"The {name} write-up\"\ndate = 2025-03-14\n+++\nBody.\n"),
        );
    }
    a.write(
        "content/incidents/named-index.md",
        "+++\nid = \"index\"\ntitle = \"The index write-up\"\ndate = 2025-03-15\n+++\nBody.\n",
    );
    a.write(
        "content/incidents/later.md",
        "+++\ntitle = \"Later\"\ndate = 2025-06-01\nrepeat_of = [\"oldest\"]\n+++\nBody.\n",
    );
    let run = a.build(&[]);
    let (code, out) = check(&a);
    assert_eq!(code, Some(0), "{out}");
    for name in ["oldest", "severity", "longest", "index"] {
        assert!(
            out.contains(&format!(
                "id \"{name}\" is the name of the site's page incidents/{name}/"
            )),
            "{out}"
        );
        let page = a.read(&format!("public/incidents/{name}-incident/index.html"));
        assert!(page.contains(&format!("The {name} write-up")), "{page}");
    }
    for order in ["oldest", "severity", "longest"] {
        let index = a.read(&format!("public/incidents/{order}/index.html"));
        assert!(
            index.contains("Later"),
            "incidents/{order}/ is the list:\n{index}"
        );
    }
    let later = a.read("public/incidents/later/index.html");
    assert!(
        later.contains("incidents/oldest-incident/"),
        "{later}\n{}",
        run.stderr()
    );
}

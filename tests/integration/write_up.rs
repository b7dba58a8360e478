//! How a write-up reads on its page: the summary, the body, the public text.

use crate::support::{files, Archive};

fn main_of(page: &str) -> &str {
    let start = page.find("<main").expect("main");
    &page[start..]
}

#[test]
fn first_paragraph_is_not_printed_twice_when_it_is_the_summary() {
    let a = Archive::demo();
    a.build(&[]);
    let page = a.read("public/incidents/2026-10-06-auth-login-latency-bcrypt/index.html");
    let main = main_of(&page);
    assert_eq!(
        main.matches("Following a security review").count(),
        1,
        "the body's first paragraph is also printed as the summary above it"
    );
    let json = a.read("public/casebook.json");
    assert!(
        json.contains("from 10 to 13 at 09:00 UTC"),
        "the summary (lists, RCA, feed) is still the whole first paragraph"
    );
}

#[test]
fn a_summary_given_in_front_matter_is_still_shown() {
    let a = Archive::empty();
    a.write(
        "content/incidents/x.md",
        "+++\ntitle = \"X\"\ndate = 2025-01-01\nsummary = \"Zqsummary given.\"\n+++\nBody text.\n",
    );
    a.build(&[]);
    let page = a.read("public/incidents/x/index.html");
    assert!(main_of(&page).contains("Zqsummary given."));
}

#[test]
fn public_text_is_not_wrapped_in_nested_paragraphs() {
    let a = Archive::demo();
    for audience in ["internal", "public"] {
        a.build(&["--audience", audience]);
        for (name, entry) in files(&a.path().join("public")) {
            if name.ends_with(".html") {
                let text = std::fs::read_to_string(entry.path()).expect("page");
                assert!(!text.contains("<p><p>"), "{audience}: {name} nests <p>");
            }
        }
    }
}

fn follow_up_titles(a: &Archive) -> Vec<(String, serde_json::Value)> {
    let json: serde_json::Value =
        serde_json::from_str(&a.read("public/casebook.json")).expect("json");
    json["incidents"][0]["follow_ups"]
        .as_array()
        .expect("follow-ups")
        .iter()
        .map(|f| {
            (
                f["title"].as_str().unwrap_or_default().to_owned(),
                f["due"].clone(),
            )
        })
        .collect()
}

#[test]
fn task_line_with_a_bad_due_date_warns_on_its_line_and_keeps_the_title_clean() {
    let a = Archive::empty();
    a.write(
        "content/incidents/x.md",
        "+++\ntitle = \"X\"\ndate = 2025-01-01\n+++\nBody.\n\n## Action items\n- [ ] Rotate keys @sam due:2025-31-01\n",
    );
    let run = a.build(&[]);
    assert!(
        run.stderr().contains("x.md:8") && run.stderr().contains("due:2025-31-01 is not a date"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        follow_up_titles(&a),
        vec![("Rotate keys".to_owned(), serde_json::Value::Null)]
    );
}

#[test]
fn a_second_url_in_a_task_line_stays_out_of_the_title() {
    let a = Archive::empty();
    a.write(
        "content/incidents/x.md",
        "+++\ntitle = \"X\"\ndate = 2025-01-01\n+++\nBody.\n\n## Action items\n- [ ] Add pool check https://t.example/OPS-1 (see https://wiki.example/pool) @kim due:2025-02-01\n",
    );
    a.build(&[]);
    assert_eq!(
        follow_up_titles(&a),
        vec![("Add pool check".to_owned(), "2025-02-01".into())]
    );
}

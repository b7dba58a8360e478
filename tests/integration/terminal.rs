//! What casebook prints on a terminal: text from write-ups (values, file names)
//! never reaches it as control characters, JSON stays JSON, and a closed pipe ends
//! a command quietly.

use crate::support::Archive;

const ESC: char = '\u{1b}';

/// A severity, a title and a file name holding ESC (a terminal escape sequence:
/// clear the screen, retitle the window) were printed raw by `check`, `build` and
/// `search`. They are printed escaped, as `\u{1b}`; JSON output keeps the text.
#[test]
fn escape_sequences_from_write_ups_are_printed_escaped() {
    let a = Archive::empty();
    a.write(
        "content/incidents/evil\u{1b}[31m.md",
        "+++\ntitle = \"Owned \\u001b]0;pwned\\u0007 window\"\ndate = 2025-04-02\nseverity = \"\\u001b[2J\"\n+++\nThe zebrafinch was cleared.\n",
    );
    let check = a.casebook(&["check"]);
    assert_eq!(check.code(), Some(1), "{}", check.stderr());
    let err = check.stderr();
    assert!(!err.contains(ESC), "raw ESC on the terminal: {err:?}");
    assert!(err.contains("\\u{1b}[2J"), "the severity, escaped: {err}");
    assert!(
        err.contains("evil\\u{1b}[31m.md"),
        "the file name, escaped: {err}"
    );

    let json = a.casebook(&["check", "--format", "json"]);
    let parsed: serde_json::Value = serde_json::from_str(&json.stdout()).expect("valid JSON");
    let messages = parsed.to_string();
    assert!(
        messages.contains("\\u001b[2J"),
        "JSON keeps the text: {messages}"
    );

    let build = a.casebook(&["build", "--as-of", "2026-11-25"]);
    assert!(!build.stderr().contains(ESC), "{:?}", build.stderr());

    // Valid now: the title reaches `search`'s output.
    a.write(
        "content/incidents/evil\u{1b}[31m.md",
        "+++\ntitle = \"Owned \\u001b]0;pwned\\u0007 window\"\nid = \"owned\"\ndate = 2025-04-02\n+++\nThe zebrafinch was cleared.\n",
    );
    let search = a.casebook(&["search", "zebrafinch"]);
    search.assert_ok();
    let out = search.stdout();
    assert!(!out.contains(ESC) && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("Owned \\u{1b}]0;pwned\\u{7} window"), "{out}");
    let json = a.casebook(&["search", "zebrafinch", "--json"]);
    let hit: serde_json::Value = serde_json::from_str(json.stdout().trim()).expect("JSON");
    assert_eq!(hit["title"], "Owned \u{1b}]0;pwned\u{7} window");
}

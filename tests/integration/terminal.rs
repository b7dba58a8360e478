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
    // A severity off the scale is a warning (the write-up builds unrated).
    let check = a.casebook(&["check"]);
    assert_eq!(check.code(), Some(0), "{}", check.stderr());
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

/// An archive whose `check` and `search` print far more than a pipe holds (64 KiB),
/// so the command is still writing when the reader goes away.
fn large_archive() -> Archive {
    let a = Archive::empty();
    for n in 0..1000 {
        a.write(
            &format!("content/incidents/w-{n:04}.md"),
            &format!("+++\ntitle = \"Replica failover number {n}\"\ndate = 2025-01-01\nseverty = \"SEV2\"\n+++\nThe failover of replica {n} took the checkout down for a while.\n"),
        );
    }
    a
}

/// Runs casebook with `stream` (stdout or stderr) piped, reads its first line and
/// closes the pipe, as `| head -1` does; returns the exit code.
fn first_line_then_close(a: &Archive, args: &[&str], stderr: bool) -> (String, Option<i32>) {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let mut command = Command::new(env!("CARGO_BIN_EXE_casebook"));
    command
        .args(["--root", a.path().to_str().expect("utf-8")])
        .args(args);
    let (out, err) = if stderr {
        (Stdio::null(), Stdio::piped())
    } else {
        (Stdio::piped(), Stdio::null())
    };
    let mut child = command.stdout(out).stderr(err).spawn().expect("spawn");
    let pipe: Box<dyn std::io::Read> = match (child.stdout.take(), child.stderr.take()) {
        (Some(out), _) => Box::new(out),
        (_, Some(err)) => Box::new(err),
        _ => panic!("no pipe"),
    };
    let mut line = String::new();
    std::io::BufReader::new(pipe)
        .read_line(&mut line)
        .expect("a first line");
    let status = child.wait().expect("wait");
    (line, status.code())
}

/// `casebook check 2>&1 | head -1` exited 101 (a panic printing to a closed pipe)
/// and `casebook search x | head -1` exited 2. A closed pipe ends a command
/// quietly, with exit 0.
#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let a = large_archive();
    a.casebook(&["search", "failover"]).assert_ok(); // builds the search cache
    let (line, code) = first_line_then_close(&a, &["check"], true);
    assert!(line.starts_with("warning: "), "{line}");
    assert_eq!(code, Some(0), "check with its stderr closed");
    let (line, code) = first_line_then_close(&a, &["search", "failover", "--limit", "1000"], false);
    assert!(line.starts_with("w-"), "{line}");
    assert_eq!(code, Some(0), "search with its stdout closed");
    let (_, code) = first_line_then_close(
        &a,
        &["search", "failover", "--limit", "1000", "--json"],
        false,
    );
    assert_eq!(code, Some(0), "search --json with its stdout closed");
    let (_, code) = first_line_then_close(&a, &["check", "--format", "json"], false);
    assert_eq!(code, Some(0), "check --format json with its stdout closed");
}

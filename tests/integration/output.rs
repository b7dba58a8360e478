//! Where a build writes, and what it refuses: an output inside a folder the build
//! reads, the archive's root, an existing file; a folder that is not an archive.

use crate::support::Archive;

/// `--output static/internal` was accepted, and the next public build copied the
/// internal site out of `static/`; `--output casebook.toml` replaced the config
/// with a site folder. Each is refused with exit 2 and a hint, touching nothing.
#[test]
fn an_output_inside_the_inputs_or_on_a_file_is_refused() {
    let a = Archive::fixture("good");
    a.write("casebook.toml", "title = \"Ours\"\n");
    a.write("static/robots.txt", "User-agent: *\n");
    a.write("templates/.keep", "");
    let root = a.path().to_str().expect("utf-8").to_owned();
    for output in [
        "static/internal".to_owned(),
        format!("{root}/content/site"),
        format!("{root}/content"),
        "templates/x/y".to_owned(),
        "themes/site".to_owned(),
        "content/../static/deep/er".to_owned(),
        root.clone(),
        format!("{root}/."),
        "casebook.toml".to_owned(),
        "static/robots.txt".to_owned(),
    ] {
        // Relative outputs are relative to the working directory: run in the root.
        let run = a.casebook_in(
            a.path(),
            &["build", "--as-of", "2026-11-25", "--output", &output],
        );
        assert_eq!(run.code(), Some(2), "--output {output}: {}", run.stderr());
        let err = run.stderr();
        assert!(
            err.contains("refusing to build into"),
            "--output {output}: {err}"
        );
        assert!(err.contains("hint:"), "--output {output}: {err}");
    }
    assert_eq!(
        a.read("casebook.toml"),
        "title = \"Ours\"\n",
        "the config is untouched"
    );
    assert_eq!(a.read("static/robots.txt"), "User-agent: *\n");
    for folder in [
        "static/internal",
        "content/site",
        "templates/x",
        "themes",
        "static/deep",
    ] {
        assert!(!a.exists(folder), "{folder} was made");
    }
    let leftovers: Vec<String> = crate::support::files(a.path())
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| name.contains("casebook-new") || name.contains("casebook-old"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Beside the inputs is fine.
    a.casebook_in(
        a.path(),
        &[
            "build",
            "--as-of",
            "2026-11-25",
            "--output",
            "site/internal",
        ],
    )
    .assert_ok();
    assert!(a.exists("site/internal/index.html"));
}

/// `--root` at a folder with neither `content/` nor `casebook.toml` built an empty
/// site over the published one, and `search` and `new` made folders in it. Every
/// command that reads an archive refuses such a folder (exit 2, with a hint) and
/// leaves it as it was.
#[test]
fn a_folder_that_is_not_an_archive_is_refused() {
    let archive = Archive::fixture("good");
    let published = archive.path().join("site");
    let site = published.to_str().expect("utf-8");
    archive.build(&["--output", site]);
    let home = archive.read("site/index.html");

    let stray = Archive::empty();
    stray.write("notes.txt", "not an archive");
    let port = crate::serve::free_port().to_string();
    for args in [
        vec!["build", "--output", site],
        vec!["check"],
        vec!["check", "--format", "json"],
        vec!["search", "failover"],
        vec!["new", "Checkout errors"],
        vec!["serve", "--port", &port],
    ] {
        let run = stray.casebook(&args);
        assert_eq!(run.code(), Some(2), "{args:?}: {}", run.stderr());
        let err = run.stderr();
        assert!(
            err.contains("not a casebook archive") && err.contains("`casebook init`"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        archive.read("site/index.html"),
        home,
        "the published site is untouched"
    );
    let left: Vec<String> = std::fs::read_dir(stray.path())
        .expect("ls")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["notes.txt"], "nothing was made in the folder");

    // A casebook.toml alone (write-ups elsewhere, see `[content]`) is an archive.
    stray.write("casebook.toml", "title = \"Adopted\"\n");
    stray.casebook(&["check"]).assert_ok();
}

/// A killed build left its staging folder (`.public.casebook-new-PID`) forever.
/// The next build sweeps one that no running build can be using (untouched for
/// an hour) and keeps a fresh one.
#[test]
fn a_killed_builds_staging_folder_is_swept() {
    let a = Archive::fixture("good");
    a.write(".public.casebook-new-4242/index.html", "half a site");
    a.write(
        ".public.casebook-new-4343/index.html",
        "a build still running",
    );
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::open(a.path().join(".public.casebook-new-4242"))
        .and_then(|dir| dir.set_modified(two_hours_ago))
        .expect("age the folder");
    a.build(&[]);
    assert!(
        !a.exists(".public.casebook-new-4242"),
        "the stale staging folder is left"
    );
    assert!(
        a.exists(".public.casebook-new-4343/index.html"),
        "a fresh one is kept"
    );
    assert!(a.exists("public/index.html"));
}

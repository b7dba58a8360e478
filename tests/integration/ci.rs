//! `casebook ci github|gitlab` and `check --format github`: the archive's CI
//! checks every push with annotations on the diff and builds daily.

use crate::support::Archive;

#[test]
fn ci_prints_workflows_that_build_daily_both_audiences_with_the_cache() {
    let a = Archive::empty();
    for host in ["github", "gitlab"] {
        let run = a.casebook(&["ci", host]);
        run.assert_ok();
        let text = run.stdout();
        let header = format!("---\n{text}---\n");
        let yaml = casebook::load::frontmatter::split(&header)
            .and_then(|s| casebook::load::frontmatter::parse(&s));
        assert!(yaml.is_ok(), "{host}: not YAML: {yaml:?}");
        for expected in [
            "casebook check --strict",
            "casebook build --audience public",
            ".casebook-cache",
        ] {
            assert!(
                text.contains(expected),
                "{host} lacks {expected:?}:\n{text}"
            );
        }
        assert!(
            text.contains("schedule"),
            "{host}: no daily build (overdue changes with the date)"
        );
    }
    assert!(a
        .casebook(&["ci", "github"])
        .stdout()
        .contains("--format github"));
}

#[test]
fn check_format_github_prints_one_annotation_per_problem() {
    let a = Archive::fixture("unknown-key");
    let run = a.casebook(&["check", "--format", "github"]);
    assert_eq!(run.code(), Some(0), "{}", run.stderr());
    let out = run.stdout();
    let line = out
        .lines()
        .find(|l| l.starts_with("::warning "))
        .unwrap_or_else(|| panic!("no annotation:\n{out}"));
    assert!(
        line.starts_with(
            "::warning file=content/incidents/typo.md,line=4,col=1,title=severty::unknown field"
        ),
        "{line}"
    );
    assert!(line.contains("%0Ahint: did you mean `severity`?"), "{line}");
}

//! The text of an adopted folder's casebook.toml: the `init` template's defaults
//! with the suggestions written in, each line saying what it was found from.

use super::{KeyStats, Suggestions};
use crate::config::template::{self, toml_string};

/// The commented casebook.toml for `suggestions`; it parses with
/// [`crate::config::parse_file_config`].
pub fn render_config(s: &Suggestions) -> String {
    let mut out = format!(
        "# Written by `casebook init --adopt` from {} write-up(s), {} with front matter.\n# Read it, change what is wrong, then run `casebook check --adoption`.\n\n",
        s.files, s.with_front_matter
    );
    out.push_str(template::HEAD);
    out.push_str(template::SEVERITIES_COMMENT);
    match &s.severities {
        Some(seen) => {
            out.push_str("# These are the values found in the write-ups.\n");
            out.push_str(&format!("severities = {}\n", toml_list(seen)));
        }
        None => out.push_str(template::SEVERITIES),
    }
    out.push_str(template::MARKDOWN);
    out.push_str("\n[front_matter]\n# Keys of other tools: neither read nor warned about.\n");
    out.push_str(&format!(
        "ignore = {}\n",
        toml_list(&s.ignore.iter().map(|k| k.name.clone()).collect::<Vec<_>>())
    ));
    for k in &s.ignore {
        out.push_str(&format!("# {}: {}\n", k.name, seen_in(k, s.files)));
    }
    out.push_str("\n# Their key = casebook's field (or a list of fields). For a single-valued\n# field the first key present, in this order, wins; lists merge.\n[front_matter.aliases]\n");
    for (k, to) in &s.aliases {
        let to = match to.as_slice() {
            [one] => toml_string(one),
            many => toml_list(many),
        };
        out.push_str(&format!(
            "{} = {to}  # {}\n",
            toml_key(&k.name),
            seen_in(k, s.files)
        ));
    }
    for k in &s.unmapped {
        out.push_str(&format!(
            "# {}: {}: no casebook field; add it to ignore or map it\n",
            k.name,
            seen_in(k, s.files)
        ));
    }
    out.push_str(
        "\n# Where the write-ups are, and which files there are write-ups (globs).\n[content]\n",
    );
    if let Some(dir) = &s.incidents {
        out.push_str(&format!(
            "# Your folder, read where it is (the default is content/incidents).\nincidents = {}\n",
            toml_string(&dir.display().to_string())
        ));
    }
    out.push_str(&format!("include = {}\n", toml_list(&s.include)));
    if s.without_extension > 0 {
        out.push_str(&format!(
            "# {} file(s) have no extension and are not read; add their names to include to read them.\n",
            s.without_extension
        ));
    }
    out.push_str(&format!("exclude = {}\n", toml_list(&s.exclude)));
    out.push_str(template::TAIL);
    out
}

fn seen_in(k: &KeyStats, files: usize) -> String {
    if k.sample.is_empty() {
        format!("{} of {files} files, always empty", k.files)
    } else {
        format!(
            "{} of {files} files, e.g. {}",
            k.files,
            toml_string(&k.sample)
        )
    }
}

fn toml_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_owned()
    } else {
        toml_string(key)
    }
}

fn toml_list<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<String> = items.iter().map(|i| toml_string(i.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adopt::suggest;
    use crate::adopt::tests::{key, surveyed};
    use crate::adopt::ValueKind::{DateTime, List, Text};

    #[test]
    fn the_written_config_parses_back_with_its_suggestions() {
        let s = suggest(&surveyed(vec![
            key("start_time", &[DateTime], &["2023-04-11 20:28"]),
            key("categories", &[List], &[]),
            key("sev", &[Text], &["SEV2", "SEV1"]),
            key("uuid", &[Text], &["a\"quoted\" \\ value"]),
            key("weird key", &[Text], &[]),
        ]));
        let text = render_config(&s);
        let config =
            crate::config::parse_file_config(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let aliases: Vec<(String, Vec<String>)> = config
            .front_matter
            .aliases
            .iter()
            .map(|a| (a.from.clone(), a.to.clone()))
            .collect();
        assert!(aliases.contains(&(
            "start_time".into(),
            vec!["timeline.started".into(), "date".into()]
        )));
        assert!(aliases.contains(&("categories".into(), vec!["tags".into()])));
        assert_eq!(config.front_matter.ignore, ["uuid"]);
        assert_eq!(config.severities, ["SEV1", "SEV2"]);
        assert_eq!(
            config.content.include,
            ["**/*.md", "**/*.markdown", "**/*.erb"]
        );
        assert!(text.contains("# weird key: 3 of 4 files"), "{text}");
        assert!(text.contains("e.g. \"2023-04-11 20:28\""), "{text}");
    }
}

//! Matching surveyed keys to casebook's fields by name and value type, and the
//! rest of what `init --adopt` proposes: keys to ignore, globs, a severity scale.

use super::{KeyStats, Survey, ValueKind, MAX_VALUES};
use crate::schema::KNOWN_PATHS;
use std::path::{Path, PathBuf};

/// A casebook field a key could feed, by name and by the kinds of value it fits.
struct Rule {
    names: &'static [&'static str],
    to: &'static [&'static str],
    fits: &'static [ValueKind],
}

use ValueKind::{Bool, Date, DateTime, List, Text, Url};

/// Names of the moment an incident began.
const START: &[&str] = &[
    "date",
    "incident_date",
    "occurred",
    "occurred_at",
    "start",
    "start_time",
    "started",
    "started_at",
    "begin",
];
const WHEN: &[ValueKind] = &[Date, DateTime];
const NAMES: &[ValueKind] = &[List, Text];

/// Tried in order; the first whose name and value kinds fit wins.
const RULES: &[Rule] = &[
    Rule {
        names: START,
        to: &["timeline.started", "date"],
        fits: &[DateTime],
    },
    Rule {
        names: START,
        to: &["date"],
        fits: WHEN,
    },
    Rule {
        names: &[
            "end",
            "end_time",
            "resolved_at",
            "resolvedwhen",
            "resolved_when",
            "resolution_time",
            "finished",
            "ended",
            "ended_at",
            "end_date",
        ],
        to: &["timeline.resolved"],
        fits: WHEN,
    },
    Rule {
        names: &["detected_at", "detection_time"],
        to: &["timeline.detected"],
        fits: WHEN,
    },
    Rule {
        names: &["mitigated_at"],
        to: &["timeline.mitigated"],
        fits: WHEN,
    },
    Rule {
        names: &["categories", "category", "labels", "keywords", "topics"],
        to: &["tags"],
        fits: NAMES,
    },
    Rule {
        names: &[
            "product",
            "products",
            "service",
            "services",
            "component",
            "components",
            "affected",
            "affected_services",
            "system",
            "company",
        ],
        to: &["systems"],
        fits: NAMES,
    },
    Rule {
        names: &["impact", "customer_impact"],
        to: &["public.impact"],
        fits: &[Text],
    },
    Rule {
        names: &["description", "abstract", "tldr", "tl_dr"],
        to: &["summary"],
        fits: &[Text],
    },
    Rule {
        names: &["author", "owner", "owners", "writers"],
        to: &["authors"],
        fits: NAMES,
    },
    Rule {
        names: &["url", "link", "source", "original", "permalink"],
        to: &["links"],
        fits: &[Url, List],
    },
    Rule {
        names: &["sev", "priority", "level", "impact_level"],
        to: &["severity"],
        fits: &[Text],
    },
    // casebook reads `resolved: true` as a status.
    Rule {
        names: &["state", "resolved"],
        to: &["status"],
        fits: &[Text, Bool],
    },
    Rule {
        names: &["name", "headline", "subject"],
        to: &["title"],
        fits: &[Text],
    },
];

/// Keys of site generators and other tools: nothing a reader needs.
const TOOLING: &[&str] = &[
    "uuid",
    "guid",
    "weight",
    "layout",
    "permalink",
    "slug",
    "aliases",
    "toc",
    "menu",
    "type",
    "comments",
    "sitemap",
    "lastmod",
    "excerpt_separator",
];

/// What `init --adopt` proposes for a surveyed folder.
#[derive(Debug, Default)]
pub struct Suggestions {
    pub files: usize,
    pub with_front_matter: usize,
    /// A key and the casebook fields it feeds, most common first.
    pub aliases: Vec<(KeyStats, Vec<&'static str>)>,
    pub ignore: Vec<KeyStats>,
    /// Keys with no use found: left to the user, as comments.
    pub unmapped: Vec<KeyStats>,
    /// The severity scale seen, worst first, when there is one.
    pub severities: Option<Vec<String>>,
    /// `[content] incidents`: the write-ups' folder, when not `content/incidents`.
    pub incidents: Option<PathBuf>,
    /// `[content] include` globs.
    pub include: Vec<String>,
    /// `[content] exclude` globs (what a repository's root holds besides write-ups).
    pub exclude: Vec<String>,
    /// Files without an extension: not read unless the user names them.
    pub without_extension: usize,
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Matches a key to casebook fields, or `None` when no field fits it.
pub fn match_key(key: &KeyStats, survey: &Survey) -> Option<Vec<&'static str>> {
    if KNOWN_PATHS.contains(&key.name.as_str()) {
        return None;
    }
    let name = key.name.to_ascii_lowercase();
    RULES
        .iter()
        .filter(|r| r.names.contains(&name.as_str()))
        .filter(|r| !key.kinds.is_empty() && key.kinds.iter().all(|k| r.fits.contains(k)))
        .find(|r| !(r.to == ["title"] && survey.has_key("title")))
        .map(|r| r.to.to_vec())
}

pub fn suggest(survey: &Survey) -> Suggestions {
    let mut s = Suggestions {
        files: survey.files,
        with_front_matter: survey.with_front_matter,
        unreadable: survey.unreadable.clone(),
        incidents: (survey.incidents != Path::new("content/incidents"))
            .then(|| survey.incidents.clone()),
        exclude: if survey.incidents == Path::new(".") {
            ["public/**", "node_modules/**", "target/**", "content/**"]
                .map(String::from)
                .to_vec()
        } else {
            Vec::new()
        },
        ..Suggestions::default()
    };
    for key in &survey.keys {
        let tooling =
            key.name.starts_with('_') || TOOLING.contains(&key.name.to_ascii_lowercase().as_str());
        match match_key(key, survey) {
            Some(to) => s.aliases.push((key.clone(), to)),
            None if KNOWN_PATHS.contains(&key.name.as_str()) => {}
            None if tooling => s.ignore.push(key.clone()),
            None => s.unmapped.push(key.clone()),
        }
    }
    // The first present source wins a single-valued field: the most common goes first.
    s.aliases.sort_by_key(|(k, _)| std::cmp::Reverse(k.files));
    s.unmapped.sort_by_key(|k| std::cmp::Reverse(k.files));
    let severity_values = survey
        .keys
        .iter()
        .filter(|k| {
            k.name == "severity"
                || s.aliases
                    .iter()
                    .any(|(a, to)| a.name == k.name && to.contains(&"severity"))
        })
        .flat_map(|k| k.values.iter().cloned());
    let mut seen: Vec<String> = Vec::new();
    for v in severity_values {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    if !seen.is_empty() && seen.len() < MAX_VALUES {
        s.severities = Some(worst_first(seen));
    }
    s.include = vec!["**/*.md".into()];
    for (ext, n) in &survey.extensions {
        if ext.is_empty() {
            s.without_extension = *n;
        } else if ext != "md" {
            s.include.push(format!("**/*.{ext}"));
        }
    }
    s
}

/// Severity names ordered worst first when the scale is recognizable (`SEV1`..,
/// `P0`.., critical/major/minor words); otherwise in order of first appearance.
pub fn worst_first(mut values: Vec<String>) -> Vec<String> {
    const WORDS: &[&str] = &[
        "critical", "severe", "high", "major", "medium", "moderate", "low", "minor", "trivial",
    ];
    let numbered = |v: &str| -> Option<u32> {
        let v = v.trim().to_ascii_lowercase();
        let digits =
            v.trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '-' || c == ' ');
        let prefix = &v[..v.len() - digits.len()];
        let known = ["sev", "sev-", "sev ", "s", "p", "priority ", "level "];
        if known.contains(&prefix) {
            digits.parse().ok()
        } else {
            None
        }
    };
    let word = |v: &str| WORDS.iter().position(|w| v.trim().eq_ignore_ascii_case(w));
    if values.iter().all(|v| numbered(v).is_some()) {
        values.sort_by_key(|v| numbered(v));
    } else if values.iter().all(|v| word(v).is_some()) {
        values.sort_by_key(|v| word(v));
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adopt::tests::{key, surveyed};
    use ValueKind::Number;

    #[test]
    fn keys_match_fields_by_name_and_value_type() {
        let s = surveyed(vec![]);
        let m = |k: KeyStats| match_key(&k, &s);
        assert_eq!(
            m(key("start_time", &[DateTime], &[])),
            Some(vec!["timeline.started", "date"])
        );
        assert_eq!(m(key("occurred", &[Date], &[])), Some(vec!["date"]));
        assert_eq!(m(key("categories", &[List], &[])), Some(vec!["tags"]));
        assert_eq!(m(key("company", &[Text], &[])), Some(vec!["systems"]));
        assert_eq!(m(key("url", &[Url], &[])), Some(vec!["links"]));
        assert_eq!(m(key("resolved", &[Bool], &[])), Some(vec!["status"]));
        assert_eq!(m(key("name", &[Text], &[])), Some(vec!["title"]));
        // The type must fit: a `permalink` that is a path is no link, a list no date.
        assert_eq!(m(key("permalink", &[Text], &[])), None);
        assert_eq!(m(key("start", &[List], &[])), None);
        // casebook's own keys are read already.
        assert_eq!(m(key("tags", &[List], &[])), None);
    }

    #[test]
    fn name_is_no_title_when_there_is_a_title() {
        let s = surveyed(vec![key("title", &[Text], &[])]);
        assert_eq!(match_key(&key("name", &[Text], &[]), &s), None);
    }

    #[test]
    fn tooling_keys_are_ignored_and_others_left_as_comments() {
        let s = suggest(&surveyed(vec![
            key("uuid", &[Text], &[]),
            key("_hugo", &[Text], &[]),
            key("team_size", &[Number], &[]),
            key("title", &[Text], &[]),
        ]));
        let names = |ks: &[KeyStats]| ks.iter().map(|k| k.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&s.ignore), ["uuid", "_hugo"]);
        assert_eq!(names(&s.unmapped), ["team_size"]);
        assert!(s.aliases.is_empty());
        assert_eq!(s.include, ["**/*.md", "**/*.markdown", "**/*.erb"]);
    }

    #[test]
    fn severities_are_ordered_worst_first_when_recognizable() {
        let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            worst_first(v(&["SEV3", "SEV1", "SEV2"])),
            ["SEV1", "SEV2", "SEV3"]
        );
        assert_eq!(worst_first(v(&["P2", "P0"])), ["P0", "P2"]);
        assert_eq!(
            worst_first(v(&["minor", "Critical", "major"])),
            ["Critical", "major", "minor"]
        );
        assert_eq!(worst_first(v(&["blue", "red"])), ["blue", "red"]);
    }
}

//! Fallbacks for what a write-up does not say in its front matter: a title from
//! its first heading or first sentence, a date from its timeline, its file name
//! or its text. Real folders keep postmortems in every shape (see DESIGN.md,
//! "Adopting an existing folder"): each fallback used is recorded on the incident
//! as a [`Fallback`], becomes a warning naming it, and is counted by the
//! adoption report. Pure functions of the file's text and name.

use super::fields::Fields;
use super::incident::{check_timeline_order, default_id, is_valid_id, Timeline};
use super::prose_date::first_date;
use crate::diagnostic::Diagnostic;
use crate::load::frontmatter::Value;
use jiff::civil::Date;
use serde::Serialize;

/// A field a write-up did not give, and where its value came from instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Fallback {
    pub field: &'static str,
    pub source: &'static str,
}

/// Titles taken from a sentence are cut at a word boundary near this length.
const TITLE_LENGTH: usize = 90;

/// The first `# Heading` of the body, when it is the body's first line of text
/// (then it is the title, and the page does not repeat it): (text, line index).
pub(crate) fn leading_heading(body: &str) -> Option<(String, usize)> {
    let (index, line) = body
        .lines()
        .enumerate()
        .find(|(_, l)| !l.trim().is_empty())?;
    let text = line
        .trim()
        .strip_prefix("# ")?
        .trim()
        .trim_end_matches('#')
        .trim();
    (!text.is_empty()).then(|| (strip_inline_markup(text), index))
}

/// `text` without its first `lines` lines, and how many lines were removed.
pub(crate) fn drop_lines(text: &str, lines: usize) -> &str {
    let mut rest = text;
    for _ in 0..lines {
        rest = rest.split_once('\n').map_or("", |(_, r)| r);
    }
    rest
}

/// The first sentence of `text`, cut at a word near [`TITLE_LENGTH`] characters.
pub(crate) fn sentence_title(text: &str) -> Option<String> {
    let plain = strip_inline_markup(text);
    let plain = plain.trim();
    if plain.is_empty() {
        return None;
    }
    let sentence = plain
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, '.' | '!' | '?')
                && plain[i + c.len_utf8()..]
                    .chars()
                    .next()
                    .is_none_or(char::is_whitespace)
        })
        .map_or(plain, |(i, _)| &plain[..i]);
    if sentence.chars().count() <= TITLE_LENGTH {
        return Some(sentence.to_owned());
    }
    let mut cut = String::new();
    for word in sentence.split_whitespace() {
        if cut.chars().count() + word.chars().count() + 1 > TITLE_LENGTH && !cut.is_empty() {
            break;
        }
        if !cut.is_empty() {
            cut.push(' ');
        }
        cut.push_str(word);
    }
    Some(format!("{}…", cut.trim_end_matches([',', ';', ':', '-'])))
}

/// A file name as a title: `2025-09-29-flags-is-down` -> "Flags is down".
pub(crate) fn readable_file_name(stem: &str) -> String {
    let rest = date_prefix(stem).map_or(stem, |(_, rest)| rest);
    let words: Vec<&str> = rest
        .split(|c: char| c == '-' || c == '_' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.join(" ");
    let mut chars = joined.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => stem.to_owned(),
    }
}

/// A `YYYY-MM-DD` at the start of a file name, and what follows it.
pub(crate) fn date_prefix(stem: &str) -> Option<(Date, &str)> {
    let head = stem.get(..10)?;
    let date = head.parse::<Date>().ok()?;
    let rest = stem[10..].trim_start_matches(['-', '_', ' ', '.']);
    Some((date, rest))
}

/// The first date written in a section named like "Timeline" (table rows or
/// list items starting with `YYYY-MM-DD` or `April 11, 2023`), with its 0-based
/// line in `body`.
pub(crate) fn timeline_section_date(body: &str) -> Option<(Date, usize)> {
    let mut in_timeline: Option<usize> = None;
    for (index, line) in super::body::outside_fences(body) {
        let t = line.trim();
        if let Some((level, text)) = super::body::heading(line) {
            let name = text.to_ascii_lowercase();
            if name.starts_with("timeline") || name.contains("chronology") {
                in_timeline = Some(level);
            } else if in_timeline.is_some_and(|l| level <= l) {
                in_timeline = None;
            }
            continue;
        }
        if in_timeline.is_some() {
            if let Some(date) = first_date(t) {
                return Some((date, index));
            }
        }
    }
    None
}

/// Inline Markdown reduced to its words: `**Bold** [link](url)` -> `Bold link`.
pub(super) fn strip_inline_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' | '_' | '`' => {}
            ']' if chars.peek() == Some(&'(') => {
                for c in chars.by_ref() {
                    if c == ')' {
                        break;
                    }
                }
            }
            '[' | ']' => {}
            _ => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

// Reading the fallbacks out of a write-up's fields, with their warnings.

/// Records a fallback and says so, once per field, at the file's first line.
pub(super) fn fell_back(
    f: &Fields<'_>,
    fallbacks: &mut Vec<Fallback>,
    field: &'static str,
    source: &'static str,
    message: String,
    hint: String,
) {
    fallbacks.push(Fallback { field, source });
    f.reporter().push(
        Diagnostic::warning(&f.reporter().file, message)
            .at_line(f.line)
            .field(field)
            .hint(hint),
    );
}

pub(super) fn read_title(
    f: &Fields<'_>,
    front: Option<String>,
    heading: Option<(String, usize)>,
    summary: Option<&str>,
    stem: &str,
    fallbacks: &mut Vec<Fallback>,
) -> String {
    if let Some(title) = front {
        return title;
    }
    let (title, source) = if let Some((heading, _)) = heading {
        (heading, "first heading")
    } else if let Some(sentence) = summary.and_then(sentence_title) {
        (sentence, "first sentence")
    } else {
        (readable_file_name(stem), "file name")
    };
    let hint = format!(
        "add `title = \"{}\"` to the front matter to choose another",
        title.replace('"', "'")
    );
    fell_back(
        f,
        fallbacks,
        "title",
        source,
        format!("no `title`; using the {source}: \"{title}\""),
        hint,
    );
    title
}

pub(super) fn read_timeline(f: &Fields<'_>) -> Timeline {
    let Some(t) = f.table("timeline") else {
        return Timeline::default();
    };
    let timeline = Timeline {
        started: t.timestamp("started"),
        detected: t.timestamp("detected"),
        mitigated: t.timestamp("mitigated"),
        resolved: t.timestamp("resolved"),
    };
    check_timeline_order(&t, &timeline);
    t.finish();
    timeline
}

/// The date, by the fallbacks of DESIGN.md: front matter, `timeline.started`
/// (the day in its own offset), a `YYYY-MM-DD` file-name prefix, the first date
/// of a Timeline section, the first ISO date in the title or body; else undated.
pub(super) fn read_date(
    f: &Fields<'_>,
    stem: &str,
    title: &str,
    body: &str,
    body_line: u32,
    fallbacks: &mut Vec<Fallback>,
) -> Option<Date> {
    if let Some(date) = f.date("date") {
        return Some(date);
    }
    let started = f
        .node("timeline")
        .and_then(|t| t.get("started"))
        .and_then(|n| match &n.value {
            Value::String(s) | Value::Datetime(s) => super::fields::parse_date(s),
            _ => None,
        });
    let found = started
        .map(|d| (d, "timeline.started", String::new()))
        .or_else(|| date_prefix(stem).map(|(d, _)| (d, "file name", String::new())))
        .or_else(|| {
            timeline_section_date(body).map(|(d, line)| {
                (
                    d,
                    "timeline section",
                    format!(" (line {})", body_line + line as u32),
                )
            })
        })
        .or_else(|| {
            first_date(title)
                .or_else(|| first_date(body))
                .map(|d| (d, "text", String::new()))
        });
    match found {
        Some((date, source, at)) => {
            let message = format!("no `date`; using {date} from the {source}{at}");
            let hint = format!("add `date = {date}` to the front matter to make it explicit");
            fell_back(f, fallbacks, "date", source, message, hint);
            Some(date)
        }
        None => {
            let message =
                "no `date`, and none in the file name, timeline or text: undated".to_owned();
            let hint = "undated write-ups are listed last and left out of time-based metrics; add `date = YYYY-MM-DD`".to_owned();
            fell_back(f, fallbacks, "date", "undated", message, hint);
            None
        }
    }
}

/// The id: the front matter's (slugified when it is not a valid id), else the
/// file name slugified.
pub(super) fn read_id(f: &Fields<'_>, stem: &str, fallbacks: &mut Vec<Fallback>) -> String {
    let written = f.string("id");
    let raw = written.as_deref().unwrap_or(stem);
    if is_valid_id(raw) {
        return raw.to_owned();
    }
    let id = default_id(raw);
    let (source, message, hint) = match (&written, f.node("id")) {
        (Some(w), Some(node)) => {
            f.reporter().warn_at(
                node,
                "id",
                format!("id \"{w}\" may only use a-z, 0-9 and -; using \"{id}\""),
                Some(format!("ids become URLs: set `id = \"{id}\"`")),
            );
            fallbacks.push(Fallback {
                field: "id",
                source: "slugified id",
            });
            return id;
        }
        _ => (
            "file name",
            format!("the file name is not an id; using \"{id}\""),
            format!("rename the file to {id}.md, or set `id = \"{id}\"`"),
        ),
    };
    fell_back(f, fallbacks, "id", source, message, hint);
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_heading_is_the_title() {
        assert_eq!(
            leading_heading("\n# Total **node** failure\n\nText"),
            Some(("Total node failure".into(), 1))
        );
        assert_eq!(leading_heading("Intro first.\n# Later heading\n"), None);
        assert_eq!(leading_heading("## Summary\n"), None);
        assert_eq!(drop_lines("a\nb\nc\n", 2), "c\n");
    }

    #[test]
    fn sentence_titles_are_cut_at_a_word() {
        assert_eq!(
            sentence_title("The cache fell over. Then more.").as_deref(),
            Some("The cache fell over")
        );
        let long = "word ".repeat(40);
        let t = sentence_title(&long).expect("title");
        assert!(t.chars().count() <= TITLE_LENGTH + 1, "{t}");
        assert!(t.ends_with("word…"), "{t}");
        // A version number is not the end of a sentence.
        assert_eq!(
            sentence_title("Upgrade to 1.2.3 broke TLS").as_deref(),
            Some("Upgrade to 1.2.3 broke TLS")
        );
    }

    #[test]
    fn file_names_read_as_titles_and_dates() {
        assert_eq!(
            readable_file_name("2025-09-29-flags-is-down"),
            "Flags is down"
        );
        assert_eq!(
            readable_file_name("PM2023-001 - Total node failure"),
            "PM2023 001 Total node failure"
        );
        assert_eq!(
            date_prefix("2025-09-29-flags-is-down").map(|(d, _)| d.to_string()),
            Some("2025-09-29".into())
        );
        assert_eq!(date_prefix("PM2023-001"), None);
    }

    #[test]
    fn timeline_sections_give_their_first_date() {
        let body = "Seen 2020-01-01 in passing.\n\n## Timeline\n\n| Time | Event |\n|---|---|\n| 2023-04-11 20:28 | Paged |\n\n## Lessons\n2024-01-01\n";
        assert_eq!(
            timeline_section_date(body).map(|(d, line)| (d.to_string(), line)),
            Some(("2023-04-11".into(), 6))
        );
        let prose = "## Timeline\n\n- April 11, 2023 20:28 paged\n";
        assert_eq!(
            timeline_section_date(prose).map(|(d, _)| d.to_string()),
            Some("2023-04-11".into())
        );
    }
}

//! Diagnostics: what is wrong in a user's archive, where, and how to fix it.
//!
//! Every stage that reads user input reports problems as [`Diagnostic`]s instead of
//! failing on the first one, so `casebook check` can list them all at once. This
//! module owns their shape and their two renderings (human, JSON); it knows nothing
//! of incidents. The human rendering is for a terminal, and its parts are often a
//! write-up's own text: control characters in them are written escaped
//! ([`terminal_safe`]), so a file name or a value holding ESC cannot clear, recolour
//! or retitle the reader's terminal. JSON escapes them its own way.

use serde::Serialize;
use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

/// How bad a problem is: errors stop a build, warnings do not (unless `--strict`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    /// A suggestion, e.g. a possible repeat that is not linked. Never fails a build.
    Note,
}

/// One problem in one file, with the place and a hint for the fix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub level: Level,
    /// Path relative to the archive root, as the user would type it.
    pub file: PathBuf,
    /// 1-based line, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// The front-matter field, dotted (`timeline.detected`, `follow_ups[2].status`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::new(Level::Error, file, message)
    }

    pub fn warning(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::new(Level::Warning, file, message)
    }

    pub fn note(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::new(Level::Note, file, message)
    }

    fn new(level: Level, file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self {
            level,
            file: file.into(),
            line: None,
            column: None,
            field: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn at(mut self, line: u32, column: u32) -> Self {
        self.line = Some(line);
        self.column = (column > 0).then_some(column);
        self
    }

    pub fn at_line(mut self, line: u32) -> Self {
        self.line = Some(line);
        self
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }

    /// `file:line:column`, as editors and terminals make clickable.
    pub fn location(&self) -> String {
        let mut s = self.file.display().to_string();
        if let Some(line) = self.line {
            s.push_str(&format!(":{line}"));
            if let Some(col) = self.column {
                s.push_str(&format!(":{col}"));
            }
        }
        s
    }
}

impl Diagnostic {
    /// The diagnostic as a GitHub Actions workflow command
    /// (`::error file=…,line=…,col=…,title=…::message`), so `casebook check
    /// --format github` in a workflow puts it on the pull request's diff.
    pub fn github_annotation(&self) -> String {
        // GitHub's escaping: `%`, CR and LF everywhere; `:` and `,` in properties too.
        fn data(s: &str) -> String {
            s.replace('%', "%25")
                .replace('\r', "%0D")
                .replace('\n', "%0A")
        }
        fn property(s: &str) -> String {
            data(s).replace(':', "%3A").replace(',', "%2C")
        }
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "notice",
        };
        let mut props = vec![format!(
            "file={}",
            property(&self.file.display().to_string())
        )];
        if let Some(line) = self.line {
            props.push(format!("line={line}"));
        }
        if let Some(column) = self.column {
            props.push(format!("col={column}"));
        }
        if let Some(field) = &self.field {
            props.push(format!("title={}", property(field)));
        }
        let mut message = self.message.clone();
        if let Some(hint) = &self.hint {
            message.push_str("\nhint: ");
            message.push_str(hint);
        }
        format!("::{level} {}::{}", props.join(","), data(&message))
    }
}

impl fmt::Display for Diagnostic {
    /// rustc-like: `error: message` / `  --> file:line:col` / `  = field: ...` / `  = hint: ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        };
        let message = terminal_safe(&self.message);
        match &self.field {
            Some(field) => writeln!(f, "{level}: {}: {message}", terminal_safe(field))?,
            None => writeln!(f, "{level}: {message}")?,
        }
        write!(f, "  --> {}", terminal_safe(&self.location()))?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  = hint: {}", terminal_safe(hint))?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

/// `text` with every control character (C0, DEL, C1: ESC, BEL, CR, newline...)
/// written as `\u{1b}`, for one line of a terminal. Text without any is borrowed.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    escape_controls(text, |_| false)
}

/// [`terminal_safe`] for text of several lines: newlines are kept.
pub fn terminal_safe_lines(text: &str) -> Cow<'_, str> {
    escape_controls(text, |c| c == '\n')
}

fn escape_controls(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let escaped = |c: char| c.is_control() && !keep(c);
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if escaped(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Sorts diagnostics by file, then line, so output is stable across parallel runs.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.level, &a.message)
            .cmp(&(&b.file, b.line, b.column, b.level, &b.message))
    });
}

/// The closest known name to `unknown`, for "did you mean" hints.
pub fn did_you_mean<'a>(
    unknown: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(unknown, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// Makes `path` relative to `root` for display; leaves it whole when it is not inside.
pub fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_annotations_escape_what_workflow_commands_reserve() {
        let d = Diagnostic::error("content/incidents/a, b.md", "100% broken\nhere")
            .at(4, 2)
            .field("timeline.detected")
            .hint("fix it");
        assert_eq!(
            d.github_annotation(),
            "::error file=content/incidents/a%2C b.md,line=4,col=2,title=timeline.detected::100%25 broken%0Ahere%0Ahint: fix it"
        );
    }

    #[test]
    fn display_names_file_line_field_and_hint() {
        let d = Diagnostic::error("content/incidents/a.md", "\"SEV9\" is not a severity")
            .at(4, 12)
            .field("severity")
            .hint("use one of SEV1, SEV2");
        assert_eq!(
            d.to_string(),
            "error: severity: \"SEV9\" is not a severity\n  --> content/incidents/a.md:4:12\n  = hint: use one of SEV1, SEV2"
        );
    }

    #[test]
    fn control_characters_are_escaped_for_the_terminal() {
        assert_eq!(terminal_safe("SEV1"), Cow::Borrowed("SEV1"));
        assert_eq!(
            terminal_safe("a\u{1b}[2Jb\u{7}\u{9b}\n"),
            "a\\u{1b}[2Jb\\u{7}\\u{9b}\\u{a}"
        );
        assert_eq!(terminal_safe_lines("one\ntwo\r"), "one\ntwo\\u{d}");
        assert_eq!(terminal_safe("émoji ✓"), "émoji ✓");
        let d = Diagnostic::error(
            "content/incidents/a\u{1b}.md",
            "\"\u{1b}[31m\" is not a severity",
        )
        .field("severity\u{1b}")
        .hint("x\u{1b}");
        assert!(!d.to_string().contains('\u{1b}'), "{d}");
        assert_eq!(
            d.message, "\"\u{1b}[31m\" is not a severity",
            "the data is unchanged"
        );
    }

    #[test]
    fn did_you_mean_finds_close_keys_only() {
        let known = ["severity", "systems", "summary"];
        assert_eq!(did_you_mean("severty", known), Some("severity"));
        assert_eq!(did_you_mean("zzz", known), None);
    }
}

//! Configuration: `casebook.toml` merged with command-line choices into one
//! immutable [`Config`] that every later stage receives. Nothing below the CLI
//! reads the environment or argv; everything it may vary is here.

use crate::diagnostic::Diagnostic;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "casebook.toml";

/// Who a build is for. A public build holds only `visibility = "public"` incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    #[default]
    Internal,
    Public,
}

/// The contents of `casebook.toml`; every key has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    pub title: String,
    pub description: String,
    pub base_url: String,
    /// Worst first.
    pub severities: Vec<String>,
    pub theme: Option<String>,
    pub markdown: MarkdownConfig,
    pub front_matter: FrontMatterConfig,
    pub content: ContentConfig,
    pub systems: SystemsConfig,
    /// Severity or kind -> the sections (headings) and fields its write-ups must
    /// have: `SEV1 = ["Timeline", "Root cause", "Action items"]`.
    pub expectations: BTreeMap<String, Vec<String>>,
    pub similarity: SimilarityConfig,
    pub public: PublicConfig,
    pub tracker: TrackerConfig,
}

impl Default for FileConfig {
    fn default() -> Self {
        Self {
            title: "Incident archive".into(),
            description: "What broke, what we learned, and what we changed.".into(),
            base_url: String::new(),
            severities: ["SEV1", "SEV2", "SEV3", "SEV4"].map(String::from).to_vec(),
            theme: None,
            markdown: MarkdownConfig::default(),
            front_matter: FrontMatterConfig::default(),
            content: ContentConfig::default(),
            systems: SystemsConfig::default(),
            expectations: BTreeMap::new(),
            similarity: SimilarityConfig::default(),
            public: PublicConfig::default(),
            tracker: TrackerConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarkdownConfig {
    /// Pass raw HTML in write-ups through. Off by default: write-ups are untrusted text.
    pub unsafe_html: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FrontMatterConfig {
    /// Their key -> casebook's dotted keys, e.g. `start_time = "timeline.started"`,
    /// in the order written (the first present source wins a single-valued field).
    pub aliases: Aliases,
    /// Keys neither read nor warned about.
    pub ignore: Vec<String>,
}

/// `[front_matter.aliases]`, in file order.
#[derive(Debug, Clone, Default)]
pub struct Aliases(pub Vec<Alias>);

/// One source key and the casebook fields it feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub from: String,
    pub to: Vec<String>,
}

impl Aliases {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Alias> {
        self.0.iter()
    }
}

impl<'de> Deserialize<'de> for Aliases {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Target {
            One(String),
            Many(Vec<String>),
        }
        // An IndexMap (toml's preserve_order) keeps the order the user wrote.
        let map: toml::Table = toml::Table::deserialize(deserializer)?;
        let mut aliases = Vec::with_capacity(map.len());
        for (from, value) in map {
            let to = match Target::deserialize(value).map_err(|_| {
                serde::de::Error::custom(format!(
                    "alias `{from}` must name a write-up field (\"tags\") or a list of them ([\"timeline.started\", \"date\"])"
                ))
            })? {
                Target::One(t) => vec![t],
                Target::Many(ts) => ts,
            };
            aliases.push(Alias { from, to });
        }
        Ok(Aliases(aliases))
    }
}

/// Where the write-ups are and which files there are write-ups.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContentConfig {
    /// The write-ups' folder, relative to the root: `content/incidents` unless a
    /// team's own folder is adopted where it is (`incidents = "postmortems"`).
    pub incidents: PathBuf,
    /// Globs relative to the write-ups' folder.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl Default for ContentConfig {
    fn default() -> Self {
        Self {
            incidents: PathBuf::from("content/incidents"),
            include: vec!["**/*.md".into(), "**/*.markdown".into()],
            exclude: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SystemsConfig {
    /// Another name -> a system id (`"payment-service" = "payments-api"`).
    pub aliases: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimilarityConfig {
    /// Minimum more-like-this score, relative to the incident's own best match (0..1).
    pub threshold: f32,
    /// At most this many possible repeats per incident.
    pub top_k: usize,
}

impl Default for SimilarityConfig {
    fn default() -> Self {
        Self {
            threshold: 0.3,
            top_k: 3,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublicConfig {
    /// Show follow-up owners in a public build.
    pub show_owners: bool,
    /// Show authors in a public build.
    pub show_authors: bool,
    /// Publish the follow-up board (`follow-ups/`) in a public build.
    pub show_follow_ups: bool,
    /// The public site's name (header, page titles, home page); default: `title`.
    pub title: Option<String>,
    /// The public home page's sentence; default: [`PUBLIC_DESCRIPTION`]
    /// (the internal description speaks of every incident, which a public
    /// build does not show).
    pub description: Option<String>,
}

/// What a public build's home page says when `[public] description` is unset.
pub const PUBLIC_DESCRIPTION: &str =
    "Reports on incidents that affected our customers: what happened, the impact, and what we are changing.";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrackerConfig {
    /// Tracker status name (lowercase) -> casebook follow-up status.
    pub status_map: BTreeMap<String, String>,
}

/// Choices made on the command line for one build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub output: Option<PathBuf>,
    pub base_url: Option<String>,
    pub drafts: bool,
    pub audience: Audience,
    pub as_of: Option<jiff::civil::Date>,
    pub follow_up_status: Option<PathBuf>,
}

/// Everything a build needs to know, fixed before the pipeline starts.
#[derive(Debug, Clone)]
pub struct Config {
    pub root: PathBuf,
    pub output: PathBuf,
    pub file: FileConfig,
    pub base_url: String,
    pub drafts: bool,
    pub audience: Audience,
    /// The day "overdue" and "age" are computed against.
    pub as_of: jiff::civil::Date,
    pub follow_up_status: Option<PathBuf>,
}

impl Config {
    /// Reads `casebook.toml` under `root` (if any) and applies `options`.
    pub fn load(root: &Path, options: BuildOptions) -> Result<Self, Diagnostic> {
        let file = read_file_config(root)?;
        let base_url = options.base_url.unwrap_or_else(|| file.base_url.clone());
        let output = options.output.unwrap_or_else(|| root.join("public"));
        let as_of = options.as_of.unwrap_or_else(|| jiff::Zoned::now().date());
        Ok(Self {
            root: root.to_path_buf(),
            output,
            base_url: base_url.trim_end_matches('/').to_owned(),
            drafts: options.drafts,
            audience: options.audience,
            as_of,
            follow_up_status: options.follow_up_status,
            file,
        })
    }

    /// Reads `casebook.toml` again (`casebook serve` after a save), keeping the
    /// command line's options. On an error the configuration is unchanged.
    pub fn reload_file(&mut self) -> Result<(), Diagnostic> {
        let file = read_file_config(&self.root)?;
        // A base URL from the command line wins over the file's, as in `load`.
        if self.base_url == self.file.base_url.trim_end_matches('/') {
            self.base_url = file.base_url.trim_end_matches('/').to_owned();
        }
        self.file = file;
        Ok(())
    }

    pub fn is_public(&self) -> bool {
        self.audience == Audience::Public
    }

    /// The audience as a word, for names of what is cached per audience.
    pub fn audience(&self) -> &'static str {
        match self.audience {
            Audience::Public => "public",
            Audience::Internal => "internal",
        }
    }

    /// Rank of a severity on the configured scale, 0 = worst.
    pub fn severity_rank(&self, severity: &str) -> Option<usize> {
        self.file.severities.iter().position(|s| s == severity)
    }
}

/// `root/casebook.toml`, or the defaults when there is none.
fn read_file_config(root: &Path) -> Result<FileConfig, Diagnostic> {
    match std::fs::read_to_string(root.join(CONFIG_FILE)) {
        Ok(text) => parse_file_config(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
        Err(e) => Err(Diagnostic::error(CONFIG_FILE, format!("cannot read: {e}"))),
    }
}

/// What is wrong with a base URL, if anything: it must be absolute http(s) with
/// a host (the feed's ids and the sitemap's `<loc>`s are built on it). Empty
/// is allowed: the site then has no absolute URLs.
pub fn base_url_problem(url: &str) -> Option<&'static str> {
    if url.is_empty() {
        return None;
    }
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return Some("is not an absolute http:// or https:// URL");
    };
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Some("has no host name");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("contains spaces");
    }
    if url.contains(['?', '#']) {
        return Some("has a query or fragment; give the folder the site is published under");
    }
    None
}

/// Parses the text of `casebook.toml`, reporting the line of the first problem.
pub fn parse_file_config(text: &str) -> Result<FileConfig, Diagnostic> {
    let config: FileConfig = toml::from_str(text).map_err(|e| syntax_error(text, &e))?;
    check_base_url(&config, text)?;
    check_severities(&config)?;
    check_aliases(&config, text)?;
    check_incidents_folder(&config, text)?;
    check_globs(&config, text)?;
    Ok(config)
}

/// TOML that does not parse, or does not fit [`FileConfig`], at its line.
fn syntax_error(text: &str, e: &toml::de::Error) -> Diagnostic {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count() as u32 + 1);
    let mut d = Diagnostic::error(CONFIG_FILE, e.message().trim().to_owned())
        .hint("see the configuration reference in casebook's README");
    if let Some(line) = line {
        d = d.at_line(line);
    }
    d
}

/// `base_url` is absolute http(s) or empty (see [`base_url_problem`]).
fn check_base_url(config: &FileConfig, text: &str) -> Result<(), Diagnostic> {
    let Some(problem) = base_url_problem(&config.base_url) else {
        return Ok(());
    };
    // The top-level key: before the first table.
    let line = text
        .lines()
        .take_while(|l| !l.trim_start().starts_with('['))
        .position(|l| {
            l.trim_start()
                .strip_prefix("base_url")
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        });
    let mut d = Diagnostic::error(
        CONFIG_FILE,
        format!("base_url \"{}\" {problem}", config.base_url),
    )
    .field("base_url")
    .hint("write the absolute URL the site is published under, e.g. base_url = \"https://incidents.example.com/archive\", or leave it out");
    if let Some(line) = line {
        d = d.at_line(line as u32 + 1);
    }
    Err(d)
}

/// The severity scale has at least one name.
fn check_severities(config: &FileConfig) -> Result<(), Diagnostic> {
    if config.severities.is_empty() {
        return Err(Diagnostic::error(CONFIG_FILE, "`severities` is empty")
            .field("severities")
            .hint("list your severity names worst first, e.g. [\"SEV1\", \"SEV2\", \"SEV3\"]"));
    }
    Ok(())
}

/// Every `[front_matter.aliases]` value names a write-up field.
fn check_aliases(config: &FileConfig, text: &str) -> Result<(), Diagnostic> {
    for (from, to) in config
        .front_matter
        .aliases
        .iter()
        .flat_map(|a| a.to.iter().map(move |t| (&a.from, t)))
    {
        if crate::schema::KNOWN_PATHS.iter().all(|k| k != to) {
            let known = crate::schema::KNOWN_PATHS.iter().copied();
            let mut d = Diagnostic::error(
                CONFIG_FILE,
                format!("alias `{from}` maps to `{to}`, which is not a write-up field"),
            )
            .field(format!("front_matter.aliases.{from}"));
            if let Some(line) = line_of_key(text, from) {
                d = d.at_line(line);
            }
            if let Some(m) = crate::diagnostic::did_you_mean(to, known) {
                d = d.hint(format!("did you mean `{m}`?"));
            }
            return Err(d);
        }
    }
    Ok(())
}

/// `content.incidents` is a folder inside the archive.
fn check_incidents_folder(config: &FileConfig, text: &str) -> Result<(), Diagnostic> {
    let incidents = &config.content.incidents;
    if incidents.is_absolute()
        || incidents
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        let mut d = Diagnostic::error(
            CONFIG_FILE,
            format!("`{}` is not a folder inside the archive", incidents.display()),
        )
        .field("content.incidents")
        .hint("name the write-ups' folder relative to casebook.toml, e.g. incidents = \"postmortems\"");
        if let Some(line) = line_of_key(text, "incidents") {
            d = d.at_line(line);
        }
        return Err(d);
    }
    Ok(())
}

/// `content.include` and `content.exclude` hold valid globs.
fn check_globs(config: &FileConfig, text: &str) -> Result<(), Diagnostic> {
    for (key, patterns) in [
        ("content.include", &config.content.include),
        ("content.exclude", &config.content.exclude),
    ] {
        for pattern in patterns {
            if let Err(e) = globset::Glob::new(pattern) {
                let mut d = Diagnostic::error(
                    CONFIG_FILE,
                    format!("`{pattern}` is not a valid glob: {}", e.kind()),
                )
                .field(key)
                .hint("globs are relative to content/incidents/, e.g. \"**/*.md\"");
                if let Some(line) = text.lines().position(|l| l.contains(pattern.as_str())) {
                    d = d.at_line(line as u32 + 1);
                }
                return Err(d);
            }
        }
    }
    Ok(())
}

/// The 1-based line where `key = ...` is written, for errors found after parsing.
fn line_of_key(text: &str, key: &str) -> Option<u32> {
    text.lines()
        .position(|line| {
            let t = line.trim_start().trim_start_matches('"');
            t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start_matches('"').trim_start().starts_with('='))
        })
        .map(|i| i as u32 + 1)
}

/// `casebook init`'s commented casebook.toml, in the parts `init --adopt` writes
/// its findings between (one text, so the two never teach different defaults).
pub mod template {
    pub const HEAD: &str = r#"# casebook configuration. Every key is optional; these are the defaults.

# Shown in the header, the feed and the page titles.
title = "Incident archive"
description = "What broke, what we learned, and what we changed."
# Where the site is published; used for the feed and the sitemap.
base_url = ""
"#;
    pub const SEVERITIES_COMMENT: &str =
        "# Your severity scale, worst first. Write-ups must use one of these.\n";
    pub const SEVERITIES: &str = r#"severities = ["SEV1", "SEV2", "SEV3", "SEV4"]
"#;
    pub const MARKDOWN: &str = r#"
[markdown]
# Raw HTML in write-ups is escaped unless you trust every author.
unsafe_html = false
"#;
    pub const ALIASES: &str = r#"
# Adopt an existing folder without rewriting it: map its keys to casebook's.
[front_matter.aliases]
# start_time = "timeline.started"
# categories = "tags"
"#;
    pub const TAIL: &str = r#"
# Possible repeats: unlinked incidents on the same system with similar text.
[similarity]
threshold = 0.3
top_k = 3

# What a public build (--audience public) may show besides [public] text.
[public]
show_owners = false
show_authors = false
show_follow_ups = false   # publish the follow-up board (follow-ups/)
# title = "Status history"  # the public site's name (default: title)
# description = "..."       # its home page's sentence (default: reports on incidents that affected customers)
"#;

    /// A TOML basic string, on one line (so also safe inside a comment).
    pub fn toml_string(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// The whole file `casebook init` writes.
    pub fn text() -> String {
        [
            HEAD,
            SEVERITIES_COMMENT,
            SEVERITIES,
            MARKDOWN,
            ALIASES,
            TAIL,
        ]
        .concat()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_has_defaults() {
        let c = parse_file_config("").expect("defaults");
        assert_eq!(c.severities, ["SEV1", "SEV2", "SEV3", "SEV4"]);
        assert!(!c.markdown.unsafe_html);
    }

    #[test]
    fn the_init_template_parses_to_the_defaults() {
        let c = parse_file_config(&template::text()).expect("template");
        let d = FileConfig::default();
        assert_eq!(c.severities, d.severities);
        assert_eq!(c.title, d.title);
        assert_eq!(c.similarity.top_k, d.similarity.top_k);
    }

    #[test]
    fn unknown_key_names_its_line() {
        let e = parse_file_config("title = \"x\"\ntitel = \"y\"\n").expect_err("unknown key");
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("titel"), "{}", e.message);
    }

    #[test]
    fn aliases_keep_the_order_written_and_take_lists() {
        let c = parse_file_config(
            "[front_matter.aliases]\nzeta = \"tags\"\nstart_time = [\"timeline.started\", \"date\"]\nalpha = \"tags\"\n",
        )
        .expect("aliases");
        let order: Vec<&str> = c
            .front_matter
            .aliases
            .iter()
            .map(|a| a.from.as_str())
            .collect();
        assert_eq!(order, ["zeta", "start_time", "alpha"]);
        assert_eq!(c.front_matter.aliases.0[1].to, ["timeline.started", "date"]);
    }

    #[test]
    fn a_bad_include_glob_names_its_line() {
        let e = parse_file_config("[content]\ninclude = [\"**/*.{md\"]\n").expect_err("bad glob");
        assert_eq!(e.line, Some(2));
    }
}

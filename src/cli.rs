//! Command-line arguments (clap derive). Parsing only: each verb becomes a call
//! into the library in `main.rs`.

use casebook::config::Audience;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "casebook",
    version,
    about = "Turn a folder of incident write-ups into a static learning archive"
)]
pub struct Cli {
    /// The archive's root folder (holds casebook.toml and content/).
    #[arg(long, short = 'r', global = true, default_value = ".")]
    pub root: PathBuf,
    /// Print only errors and the one-line summary.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
    /// GitHub Actions annotations (`::error file=…,line=…::…`), one per line.
    Github,
}

/// Where `casebook ci` writes a workflow for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CiHost {
    Github,
    Gitlab,
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// Where to write the site (default: ROOT/public). Replaced as a whole on success.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
    /// Absolute URL the site is published at, for the feed and sitemap.
    #[arg(long, short = 'u')]
    pub base_url: Option<String>,
    /// Include write-ups marked `draft = true`.
    #[arg(long)]
    pub drafts: bool,
    /// `public` builds only `visibility = "public"` incidents, with their public text.
    #[arg(long, value_enum, default_value_t = AudienceArg::Internal)]
    pub audience: AudienceArg,
    /// The day overdue and age are computed against (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<jiff::civil::Date>,
    /// CSV or JSON export from an issue tracker with follow-up statuses.
    #[arg(long, value_name = "FILE")]
    pub follow_up_status: Option<PathBuf>,
    /// Print how long each stage took (load, analyze, render, search index, write).
    #[arg(long)]
    pub timings: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new archive with a config and one example write-up, or with
    /// --adopt write a casebook.toml for an existing folder of write-ups.
    Init {
        /// Folder to create or adopt (default: --root).
        dir: Option<PathBuf>,
        /// Survey DIR/content/incidents/ and write a casebook.toml that reads it as it is.
        #[arg(long)]
        adopt: bool,
        /// With --adopt: replace an existing casebook.toml.
        #[arg(long, requires = "adopt")]
        force: bool,
    },
    /// Write a new incident write-up from the template and print its path.
    New {
        title: String,
        #[arg(long)]
        system: Vec<String>,
        #[arg(long)]
        severity: Option<String>,
        /// Date of the incident (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<jiff::civil::Date>,
    },
    /// Build the site.
    Build(BuildArgs),
    /// Validate the archive; exit 1 on errors (or warnings with --strict).
    Check {
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
        /// The day overdue is computed against (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<jiff::civil::Date>,
        /// Print the adoption report instead: per field, how many write-ups give
        /// it and what the others fell back to, and the files to fix first.
        #[arg(long)]
        adoption: bool,
    },
    /// Search the archive from the terminal (BM25; "quoted phrases").
    Search {
        /// Words to find, as plain text; quote a phrase: '"replica lag"'.
        query: String,
        /// Only incidents on this system (its id, as in `systems = [...]`).
        #[arg(long)]
        system: Option<String>,
        /// Only incidents of this severity (any case).
        #[arg(long)]
        severity: Option<String>,
        /// Only incidents on or after this day.
        #[arg(long, value_name = "YYYY-MM-DD")]
        since: Option<jiff::civil::Date>,
        /// At most this many results (1 or more).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
        limit: u64,
        /// Read the query in tantivy's query language: `title:lag`, `AND`, `OR`, `-word`.
        #[arg(long)]
        query_syntax: bool,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Turn a list of postmortem links or a tracker export into write-ups.
    Import {
        #[command(subcommand)]
        source: ImportSource,
    },
    /// Rewrite adopted write-ups into casebook's own front matter (aliases applied,
    /// fallbacks written out, unknown keys under [extra]); bodies are kept byte for byte.
    Migrate {
        /// Print a diff of each file instead of writing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print a CI workflow: check and build on every push and daily, both audiences.
    Ci {
        #[arg(value_enum)]
        host: CiHost,
    },
    /// Build, serve on loopback, watch and live-reload (drafts included).
    Serve {
        #[arg(long, short = 'p', default_value_t = 1111)]
        port: u16,
        #[arg(long, short = 'b', default_value = "127.0.0.1")]
        bind: String,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
        /// Accepted for symmetry with `build`: serve always shows drafts, marked as drafts.
        #[arg(long)]
        drafts: bool,
        /// The day overdue and age are computed against (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<jiff::civil::Date>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// One write-up per `[Company](url) what happened` entry of a Markdown list;
    /// the headings above an entry become its tags.
    Links {
        /// The Markdown file with the list.
        file: PathBuf,
        #[command(flatten)]
        target: ImportTarget,
    },
    /// One write-up per row of a CSV export (a tracker, a spreadsheet).
    Csv {
        /// The CSV file: a header row, then one row per incident (`,`, `;` or tab separated).
        file: PathBuf,
        /// Which column feeds which field, e.g. `--map Summary=title --map Created=date`
        /// (repeatable). Fields: title, date, summary, severity, systems, tags,
        /// status, links, id, authors, timeline.started/detected/mitigated/resolved.
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        map: Vec<String>,
        #[command(flatten)]
        target: ImportTarget,
    },
}

#[derive(Debug, clap::Args)]
pub struct ImportTarget {
    /// Folder for the new write-ups, relative to the root (default: `imported/` in
    /// the write-ups' folder, content/incidents/imported).
    #[arg(long, value_name = "DIR")]
    pub into: Option<PathBuf>,
    /// Print the files that would be written, and write none.
    #[arg(long)]
    pub dry_run: bool,
}

/// `--audience`: the library's [`Audience`], named for the command line (the
/// library does not depend on clap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AudienceArg {
    Internal,
    Public,
}

impl From<AudienceArg> for Audience {
    fn from(arg: AudienceArg) -> Audience {
        match arg {
            AudienceArg::Internal => Audience::Internal,
            AudienceArg::Public => Audience::Public,
        }
    }
}

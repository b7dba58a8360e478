//! Index: search over the archive. [`pagefind`] turns casebook's own records into
//! a static Pagefind index for the browser (no HTML re-parsing); [`search`] keeps
//! a tantivy index in a cache folder for `casebook search` in the terminal. Both
//! read the same [`Record`]s, each made from the incident's [`SearchableText`],
//! so the browser and the terminal search the same text.

pub mod pagefind;
pub mod pagefind_cache;
pub(crate) mod query;
pub mod query_guard;
pub mod search;
pub mod search_cache;

use crate::analyze::{Analysis, FollowUpState, IncidentFacts};
use crate::model::searchable::SearchableText;
use crate::model::{Archive, Incident};

/// What search knows about one incident: its searchable text
/// ([`SearchableText`]) owned and in plain text, with what the filters and the
/// result list need.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub title: String,
    pub date: String,
    /// The date as the site prints it ("2 Nov 2024", "undated").
    pub date_shown: String,
    pub year: String,
    pub severity: Option<String>,
    pub status: &'static str,
    pub systems: Vec<String>,
    pub tags: Vec<String>,
    pub factors: Vec<String>,
    /// The prose ([`SearchableText::prose`]). Excerpts come from it.
    pub text: String,
    /// Follow-up titles: searched, never excerpted (a list of them read as a
    /// keyword dump where a sentence of the write-up should be).
    pub follow_ups: Vec<String>,
    /// "has overdue", "has open", "all done", "none".
    pub follow_up_state: &'static str,
    /// "is a repeat" and, when an earlier occurrence's follow-up was still
    /// open, "recurred while open"; empty for an incident that repeats nothing.
    pub repeat: Vec<&'static str>,
}

/// The repeat facet's values.
pub const IS_A_REPEAT: &str = "is a repeat";
pub const RECURRED_WHILE_OPEN: &str = "recurred while open";

/// What one record is made of, borrowed from the model. Hashing these keys the
/// cached search bundle without deriving any text: turning ten thousand bodies into
/// plain text costs more than the rest of a build that reuses the bundle.
#[derive(Hash)]
struct Inputs<'a> {
    id: &'a str,
    date: Option<jiff::civil::Date>,
    severity: Option<&'a str>,
    status: &'static str,
    text: SearchableText<'a>,
    follow_up_state: &'static str,
    repeat: Vec<&'static str>,
}

impl<'a> Inputs<'a> {
    fn of(inc: &'a Incident, facts: &'a IncidentFacts) -> Self {
        let follow_up_state = if facts.follow_ups.is_empty() {
            "none"
        } else if facts
            .follow_ups
            .iter()
            .any(|f| f.state == FollowUpState::Overdue)
        {
            "has overdue"
        } else if facts.follow_ups.iter().any(|f| f.state.is_pending()) {
            "has open"
        } else {
            "all done"
        };
        let mut repeat = Vec::new();
        if !inc.repeat_of.is_empty() || inc.hidden_repeat_of > 0 {
            repeat.push(IS_A_REPEAT);
        }
        if !facts.recurred_while_open.is_empty() {
            repeat.push(RECURRED_WHILE_OPEN);
        }
        Inputs {
            id: &inc.id,
            date: inc.date,
            severity: inc.severity.as_deref(),
            status: inc.status.as_str(),
            text: SearchableText::of(inc),
            follow_up_state,
            repeat,
        }
    }

    fn record(&self) -> Record {
        let text = &self.text;
        Record {
            id: self.id.to_owned(),
            title: text.title.to_owned(),
            // Undated write-ups: no date (sorted last), "undated" as their year filter.
            date: self.date.map_or_else(String::new, |d| d.to_string()),
            // The page's own helper, so results and pages never print a date two ways.
            date_shown: self
                .date
                .map_or_else(|| "undated".to_owned(), crate::render::format::date),
            year: self
                .date
                .map_or_else(|| "undated".to_owned(), |d| d.year().to_string()),
            severity: self.severity.map(str::to_owned),
            status: self.status,
            systems: text.systems.to_vec(),
            tags: text.tags.to_vec(),
            factors: text.factors.to_vec(),
            text: text.prose(),
            follow_ups: text.follow_ups.iter().map(|t| (*t).to_owned()).collect(),
            follow_up_state: self.follow_up_state,
            repeat: self.repeat.clone(),
        }
    }
}

/// Every incident's search record, in archive order.
pub fn records(archive: &Archive, analysis: &Analysis) -> Vec<Record> {
    use rayon::prelude::*;
    archive
        .incidents
        .par_iter()
        .zip(&analysis.incidents)
        .map(|(inc, facts)| Inputs::of(inc, facts).record())
        .collect()
}

/// The search inputs of an archive: each incident's record on demand, and a
/// key per record hashing what it would be made of (equal keys, equal records
/// for one version of casebook), so a build can tell which records it has
/// indexed before without deriving any text.
pub struct SearchInputs<'a> {
    archive: &'a Archive,
    analysis: &'a Analysis,
    keys: Vec<u64>,
}

impl<'a> SearchInputs<'a> {
    pub fn of(archive: &'a Archive, analysis: &'a Analysis) -> Self {
        use rayon::prelude::*;
        use std::hash::{Hash, Hasher};
        let keys = archive
            .incidents
            .par_iter()
            .zip(&analysis.incidents)
            .map(|(inc, facts)| {
                let mut hasher = xxhash_rust::xxh3::Xxh3::new();
                // Bump when the same inputs give other records (2: `_` kept
                // inside words; 3: a display date in the meta; 4: follow-up
                // titles, systems, factors and tags in meta fields, not the
                // excerpted text, and a repeat filter).
                const RECORD_FORMAT: u32 = 4;
                RECORD_FORMAT.hash(&mut hasher);
                env!("CARGO_PKG_VERSION").hash(&mut hasher);
                Inputs::of(inc, facts).hash(&mut hasher);
                hasher.finish()
            })
            .collect();
        SearchInputs {
            archive,
            analysis,
            keys,
        }
    }

    /// One key per record, in archive order.
    pub fn keys(&self) -> &[u64] {
        &self.keys
    }

    /// A key for the whole set of records, in order.
    pub fn key(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        self.keys.hash(&mut hasher);
        hasher.finish()
    }

    /// The record of the incident at `index` in archive order.
    pub fn record(&self, index: usize) -> Record {
        Inputs::of(
            &self.archive.incidents[index],
            &self.analysis.incidents[index],
        )
        .record()
    }
}

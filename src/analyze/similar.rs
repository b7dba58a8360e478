//! Possible repeats: incidents that share a system and read alike but are not
//! linked. Each incident's text (title, summary, contributing factors, tags,
//! body) goes into an in-memory tantivy index; a BM25 more-like-this query per
//! incident, restricted to incidents on the same systems, finds its nearest
//! neighbours. Scores are divided by the incident's own self-match score, so the
//! threshold in casebook.toml means the same thing for short and long write-ups.
//!
//! One query per incident against an inverted index: near-linear in the number of
//! write-ups, never an all-pairs loop.

use crate::config::SimilarityConfig;
use crate::model::{Archive, Incident};
use rayon::prelude::*;
use std::collections::HashMap;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Schema, FAST, STRING, TEXT};
use tantivy::{doc, Index, IndexWriter, Term};

/// Words too common in postmortems to say anything about similarity.
const STOP_WORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "that",
    "this",
    "with",
    "was",
    "were",
    "from",
    "have",
    "has",
    "had",
    "but",
    "not",
    "are",
    "our",
    "its",
    "into",
    "when",
    "after",
    "before",
    "about",
    "which",
    "while",
    "they",
    "their",
    "there",
    "been",
    "would",
    "could",
    "should",
    "will",
    "than",
    "then",
    "them",
    "what",
    "who",
    "all",
    "any",
    "can",
    "did",
    "each",
    "more",
    "most",
    "some",
    "such",
    "only",
    "also",
    "over",
    "under",
    "out",
    "one",
    "two",
    "incident",
    "minutes",
    "team",
    "we",
    "on-call",
    "oncall",
    "utc",
    "started",
    "detected",
    "mitigated",
    "resolved",
    "timeline",
    "impact",
    "summary",
];

const MAX_QUERY_TERMS: usize = 25;

/// Lowercased alphanumeric words of 3 to 40 characters, not stop words or bare numbers.
fn count_terms(text: &str) -> HashMap<String, u32> {
    let mut counts: HashMap<String, u32> = HashMap::new();
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.len() < 3 || word.len() > 40 || word.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let word = word.to_lowercase();
        if STOP_WORDS.contains(&word.as_str()) {
            continue;
        }
        *counts.entry(word).or_default() += 1;
    }
    counts
}

/// The text an incident is compared (and searched) by.
pub fn incident_text(inc: &Incident) -> String {
    let mut text = String::with_capacity(inc.body.len() + 256);
    for part in [
        inc.title.as_str(),
        inc.summary.as_deref().unwrap_or_default(),
    ] {
        text.push_str(part);
        text.push('\n');
    }
    for f in inc.contributing_factors.iter().chain(&inc.tags) {
        text.push_str(&f.replace('-', " "));
        text.push('\n');
    }
    text.push_str(&inc.body);
    text
}

/// For every incident, up to `top_k` unlinked incidents on a shared system whose
/// relative similarity is at least `threshold`: (incident index, score in 0..1).
pub fn possible_repeats(
    archive: &Archive,
    linked: &(dyn Fn(usize, usize) -> bool + Sync),
    config: &SimilarityConfig,
) -> Vec<Vec<(usize, f32)>> {
    let n = archive.incidents.len();
    if n < 2 || config.top_k == 0 {
        return vec![Vec::new(); n];
    }
    match find(archive, linked, config) {
        Ok(found) => found,
        // The index lives in memory; a failure here is a bug, not bad input. Degrade
        // to "no suggestions" rather than failing the build.
        Err(_) => vec![Vec::new(); n],
    }
}

fn find(
    archive: &Archive,
    linked: &(dyn Fn(usize, usize) -> bool + Sync),
    config: &SimilarityConfig,
) -> tantivy::Result<Vec<Vec<(usize, f32)>>> {
    let mut schema = Schema::builder();
    let number = schema.add_u64_field("n", FAST);
    let text = schema.add_text_field("text", TEXT);
    let system = schema.add_text_field("system", STRING);
    let index = Index::create_in_ram(schema.build());
    let texts: Vec<String> = archive
        .incidents
        .par_iter()
        .map(|i| incident_text(i))
        .collect();
    {
        let threads = rayon::current_num_threads().clamp(1, 4);
        let mut writer: IndexWriter =
            index.writer_with_num_threads(threads, 60_000_000 * threads)?;
        for (i, inc) in archive.incidents.iter().enumerate() {
            let mut d = doc!(number => i as u64, text => texts[i].as_str());
            for s in &inc.systems {
                d.add_text(system, s);
            }
            writer.add_document(d)?;
        }
        writer.commit()?;
    }
    let reader = index.reader()?;
    let searcher = reader.searcher();
    let n = archive.incidents.len();
    let numbers: Vec<_> = searcher
        .segment_readers()
        .iter()
        .map(|s| s.fast_fields().u64("n"))
        .collect::<Result<_, _>>()?;

    // More-like-this by hand: each write-up's terms are counted once (the same
    // split and lowercasing as tantivy's default tokenizer), document frequencies
    // come from one merge, and each query keeps the write-up's most distinctive
    // terms. Tantivy's own MoreLikeThisQuery re-tokenizes and looks up every term
    // in the term dictionary per query, which dominated the build at 10,000.
    let term_counts: Vec<HashMap<String, u32>> = texts.par_iter().map(|t| count_terms(t)).collect();
    let mut df: HashMap<&str, u32> = HashMap::with_capacity(n * 16);
    for counts in &term_counts {
        for term in counts.keys() {
            *df.entry(term.as_str()).or_default() += 1;
        }
    }
    // Terms in more than 2% of write-ups say little about a repeat and make each
    // query walk long posting lists; leaving them out keeps the pass near-linear.
    let max_df = (n as u32 / 50).max(8);
    let results: Vec<tantivy::Result<Vec<(usize, f32)>>> = (0..n)
        .into_par_iter()
        .map(|i| {
            let inc = &archive.incidents[i];
            if inc.systems.is_empty() {
                return Ok(Vec::new());
            }
            let mut weighted: Vec<(f32, &str)> = term_counts[i]
                .iter()
                .filter_map(|(term, &tf)| {
                    let d = *df.get(term.as_str())?;
                    // A term no other write-up has cannot find a repeat.
                    (d >= 2 && d <= max_df).then(|| {
                        (
                            (1.0 + tf as f32).ln() * (n as f32 / d as f32).ln(),
                            term.as_str(),
                        )
                    })
                })
                .collect();
            weighted.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
            weighted.truncate(MAX_QUERY_TERMS);
            if weighted.is_empty() {
                return Ok(Vec::new());
            }
            let terms: Vec<(Occur, Box<dyn Query>)> = weighted
                .iter()
                .map(|&(w, term)| {
                    let q: Box<dyn Query> = Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(
                            Term::from_field_text(text, term),
                            IndexRecordOption::WithFreqs,
                        )),
                        w,
                    ));
                    (Occur::Should, q)
                })
                .collect();
            let mlt = BooleanQuery::new(terms);
            let systems: Vec<(Occur, Box<dyn Query>)> = inc
                .systems
                .iter()
                .map(|s| {
                    let q: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_text(system, s),
                        IndexRecordOption::Basic,
                    ));
                    (Occur::Should, q)
                })
                .collect();
            let query = BooleanQuery::new(vec![
                (Occur::Must, Box::new(mlt) as Box<dyn Query>),
                (Occur::Must, Box::new(BooleanQuery::new(systems))),
            ]);
            let hits = searcher.search(
                &query,
                &TopDocs::with_limit(config.top_k * 3 + 8).order_by_score(),
            )?;
            let mut self_score = None;
            let mut found = Vec::new();
            for (score, addr) in hits {
                let j = numbers[addr.segment_ord as usize]
                    .first(addr.doc_id)
                    .unwrap_or(u64::MAX) as usize;
                if j == i {
                    self_score = Some(score);
                } else if j < n {
                    found.push((j, score));
                }
            }
            // The incident matches itself best; without that anchor there is no scale.
            let Some(top) = self_score.or_else(|| found.first().map(|f| f.1)) else {
                return Ok(Vec::new());
            };
            Ok(found
                .into_iter()
                .map(|(j, s)| (j, (s / top).min(1.0)))
                .filter(|&(j, rel)| rel >= config.threshold && !linked(i, j))
                .take(config.top_k)
                .collect())
        })
        .collect();
    results.into_iter().collect()
}

//! Possible repeats: incidents that share a system (or where either names none,
//! any two) and read alike but are not linked. Each incident's compared text
//! (title, summary, contributing factors, tags, body: see
//! [`crate::model::searchable`]) is split into words once; per incident, a BM25
//! more-like-this query of its most distinctive words, restricted to incidents
//! on the same systems, finds its nearest neighbours. Scores are divided by the
//! incident's own score under its query, so the threshold in casebook.toml means
//! the same thing for short and long write-ups.
//!
//! This used to put every write-up into an in-memory tantivy index and run one
//! tantivy query per incident; at 10,000 write-ups building that index and
//! running those queries took seconds, more than anything else in the build.
//! The scoring is still tantivy's, done by hand: BM25 with k1 1.2 and b 0.75,
//! tantivy's idf, write-up lengths rounded as tantivy stores them, and each
//! shared system adding its own BM25 score as the system clause of the old
//! query did. The inverted index holds only the words a query can use (in at
//! least two write-ups and at most 2% of them); each posting keeps its
//! query-independent part of the score and a 64-bit signature of the
//! write-up's systems, so a query skips write-ups on other systems without
//! looking them up and adds one product per posting into a dense per-thread
//! buffer. What remains is mostly splitting and counting words, which runs in
//! parallel, eight ASCII bytes at a time, against a small vocabulary table per
//! rayon job. Near-linear in the number of write-ups, never an all-pairs loop,
//! and the same result whatever the thread count (ties go to the lower index).
//!
//! The parts: [`words`] splits and counts the text, [`bm25`] scores and holds
//! the postings; this module puts the query of each incident together and
//! picks its possible repeats.

mod bm25;
mod words;

use crate::config::SimilarityConfig;
use crate::model::Archive;
use bm25::{idf, length_norm, tf_factor, Index, B, K1};
use rayon::prelude::*;
use std::collections::HashMap;
use words::Words;

/// How many of an incident's most distinctive words its query holds.
const MAX_QUERY_TERMS: usize = 25;
/// A possible repeat shares at least this many of the query's words.
const MIN_SHARED_WORDS: u8 = 3;

/// An incident's systems: sorted ids, and a 64-bit signature (bit `id % 64` per
/// system) that rules out most write-ups without a shared system in one AND.
#[derive(Default)]
struct Systems {
    ids: Vec<u32>,
    signature: u64,
    /// BM25 length normalization of the system field.
    norm: f32,
}

/// Every incident's systems, and each system's BM25 weight: a shared system
/// adds its score, with a term frequency of one.
struct SystemIndex {
    of: Vec<Systems>,
    weight: Vec<f32>,
}

impl SystemIndex {
    /// Systems interned in order of first use.
    fn of(archive: &Archive) -> SystemIndex {
        let n = archive.incidents.len();
        let mut system_ids: HashMap<&str, u32> = HashMap::new();
        let mut systems: Vec<Systems> = archive
            .incidents
            .iter()
            .map(|inc| {
                let mut ids: Vec<u32> = inc
                    .systems
                    .iter()
                    .map(|s| {
                        let next = system_ids.len() as u32;
                        *system_ids.entry(s.as_str()).or_insert(next)
                    })
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                let signature = ids.iter().fold(0u64, |sig, &s| sig | 1 << (s % 64));
                Systems {
                    ids,
                    signature,
                    norm: 0.0,
                }
            })
            .collect();
        let mut system_df = vec![0u32; system_ids.len()];
        for s in &systems {
            for &id in &s.ids {
                system_df[id as usize] += 1;
            }
        }
        let weight: Vec<f32> = system_df
            .iter()
            .map(|&d| idf(d, n as u32) * (1.0 + K1))
            .collect();
        let system_count: usize = systems.iter().map(|s| s.ids.len()).sum();
        let system_average = (system_count as f32 / n as f32).max(f32::MIN_POSITIVE);
        for s in &mut systems {
            s.norm = length_norm(s.ids.len() as u32, system_average);
        }
        SystemIndex {
            of: systems,
            weight,
        }
    }
}

/// For every incident, up to `top_k` unlinked incidents on a shared system whose
/// relative similarity is at least `threshold`: (incident index, score in 0..1),
/// best first.
pub fn possible_repeats(
    archive: &Archive,
    linked: &(dyn Fn(usize, usize) -> bool + Sync),
    config: &SimilarityConfig,
) -> Vec<Vec<(usize, f32)>> {
    let n = archive.incidents.len();
    if n < 2 || config.top_k == 0 || u32::try_from(n).is_err() {
        return vec![Vec::new(); n];
    }
    let words = words::count(&archive.incidents);
    let systems = SystemIndex::of(archive);
    let index = Index::build(&words, &systems.of);
    let corpus = Corpus {
        words: &words,
        systems: &systems,
        index: &index,
    };
    (0..n)
        .into_par_iter()
        .map_init(
            || Scratch::new(n),
            |scratch, i| {
                let mut found = corpus.suggest(i, config.threshold, scratch);
                found.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                found
                    .into_iter()
                    .filter(|&(j, _)| !linked(i, j))
                    .take(config.top_k)
                    .collect()
            },
        )
        .collect()
}

/// What every query reads: the counted words, the systems and the postings.
struct Corpus<'c> {
    words: &'c Words<'c>,
    systems: &'c SystemIndex,
    index: &'c Index,
}

/// One thread's buffers, one slot per write-up, zero between queries.
struct Scratch {
    scores: Vec<f32>,
    hits: Vec<u8>,
    touched: Vec<u32>,
}

impl Scratch {
    fn new(n: usize) -> Scratch {
        Scratch {
            scores: vec![0f32; n],
            hits: vec![0u8; n],
            touched: Vec::new(),
        }
    }
}

impl Corpus<'_> {
    /// The write-up's most distinctive words, weighted by tf-idf: (weight,
    /// word id, count). Ties go by the word, so the query does not depend on
    /// hash order.
    fn query(&self, i: usize) -> Vec<(f32, u32, u32)> {
        let (n, vocab) = (self.words.lens.len(), &self.words.vocab);
        let mut query: Vec<(f32, u32, u32)> = self.words.doc_terms[i]
            .iter()
            .map(|&(t, tf)| {
                let d = self.words.df[t as usize] as f32;
                ((1.0 + tf as f32).ln() * (n as f32 / d).ln(), t, tf)
            })
            // A word in every write-up (possible below 9) weighs nothing.
            .filter(|&(w, _, _)| w > 0.0)
            .collect();
        query.sort_unstable_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| vocab[a.1 as usize].cmp(&vocab[b.1 as usize]))
        });
        query.truncate(MAX_QUERY_TERMS);
        query
    }

    /// Scores every write-up the query of `i` reaches into `scratch` (text
    /// only), and returns the score of `i` itself under its query.
    fn score_text(&self, i: usize, scratch: &mut Scratch) -> f32 {
        let mine = &self.systems.of[i];
        // Where either write-up names no system (a plain folder names
        // none), the two are compared on their text alone.
        let compares =
            |theirs: u64| mine.signature == 0 || theirs == 0 || theirs & mine.signature != 0;
        let mut own = 0f32;
        for (boost, t, tf) in self.query(i) {
            let weight = self.index.word_weight[t as usize] * boost;
            own += weight * tf_factor(tf, self.index.norm[i]);
            for p in self.index.postings_of(t) {
                if !compares(p.systems) {
                    continue;
                }
                // Every product here is positive, so zero means untouched.
                let score = &mut scratch.scores[p.doc as usize];
                if *score == 0.0 {
                    scratch.touched.push(p.doc);
                }
                *score += weight * p.factor;
                let hit = &mut scratch.hits[p.doc as usize];
                *hit = hit.saturating_add(1);
            }
        }
        own
    }

    /// The write-ups like `i` at `threshold` or above, in no order.
    fn suggest(&self, i: usize, threshold: f32, scratch: &mut Scratch) -> Vec<(usize, f32)> {
        let (mine, system_weight) = (&self.systems.of[i], &self.systems.weight);
        let own = self.score_text(i, scratch);
        // Each shared system adds its score: all of them for the incident
        // itself. No other write-up can get more from systems than
        // `most_from_systems` (its length normalization is at least k1·(1 − b)).
        let own_systems: f32 = mine
            .ids
            .iter()
            .map(|&s| system_weight[s as usize] / (1.0 + mine.norm))
            .sum();
        let own_text = own.max(f32::MIN_POSITIVE);
        let own = own + own_systems;
        let most_from_systems: f32 = mine
            .ids
            .iter()
            .map(|&s| system_weight[s as usize] / (1.0 + K1 * (1.0 - B)))
            .sum();
        // Below this, a write-up cannot reach the threshold; the margin
        // covers rounding.
        let floor = threshold * own * 0.999 - most_from_systems;

        let mut found: Vec<(usize, f32)> = Vec::new();
        for doc in scratch.touched.drain(..) {
            let j = doc as usize;
            let text = std::mem::take(&mut scratch.scores[j]);
            let shared_words = std::mem::take(&mut scratch.hits[j]);
            // One or two words in common is chance, however short the
            // write-ups (a small folder leaves few usable words).
            if j == i || text < floor || shared_words < MIN_SHARED_WORDS {
                continue;
            }
            let theirs = &self.systems.of[j];
            if mine.ids.is_empty() || theirs.ids.is_empty() {
                let relative = (text / own_text).min(1.0);
                if relative >= threshold {
                    found.push((j, relative));
                }
                continue;
            }
            let mut from_systems = None;
            for s in shared(&mine.ids, &theirs.ids) {
                *from_systems.get_or_insert(0.0) += system_weight[s as usize] / (1.0 + theirs.norm);
            }
            // The signature can collide; only a system in common counts.
            let Some(from_systems) = from_systems else {
                continue;
            };
            let relative = ((text + from_systems) / own).min(1.0);
            if relative >= threshold {
                found.push((j, relative));
            }
        }
        found
    }
}

/// The ids in both sorted lists.
fn shared<'s>(a: &'s [u32], b: &'s [u32]) -> impl Iterator<Item = u32> + 's {
    let (mut x, mut y) = (0, 0);
    std::iter::from_fn(move || {
        while let (Some(&p), Some(&q)) = (a.get(x), b.get(y)) {
            match p.cmp(&q) {
                std::cmp::Ordering::Less => x += 1,
                std::cmp::Ordering::Greater => y += 1,
                std::cmp::Ordering::Equal => {
                    x += 1;
                    y += 1;
                    return Some(p);
                }
            }
        }
        None
    })
}

#[cfg(test)]
mod tests;

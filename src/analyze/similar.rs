//! Possible repeats: incidents that share a system (or where either names none,
//! any two) and read alike but are not linked. Each incident's text (title, summary, contributing factors, tags,
//! body) is split into words once; per incident, a BM25 more-like-this query of
//! its most distinctive words, restricted to incidents on the same systems,
//! finds its nearest neighbours. Scores are divided by the incident's own score
//! under its query, so the threshold in casebook.toml means the same thing for
//! short and long write-ups.
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

use crate::config::SimilarityConfig;
use crate::model::{Archive, Incident};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;

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
    // Section headings of the usual postmortem template, in every write-up of a
    // plain folder.
    "action",
    "actions",
    "items",
    "item",
    "root",
    "cause",
    "lessons",
    "learned",
    "follow",
    "ups",
    "postmortem",
    "every",
];

const MAX_QUERY_TERMS: usize = 25;
/// A possible repeat shares at least this many of the query's words.
const MIN_SHARED_WORDS: u8 = 3;

/// BM25 parameters, as tantivy and Lucene use them.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// Words of this many bytes or more do not count toward a write-up's length
/// (tantivy's default tokenizer drops them).
const LONG_WORD_BYTES: usize = 40;

/// The parts of an incident's text, in [`incident_text`]'s order. Words never
/// run across parts, and `-` in factors and tags separates words either way.
fn text_parts(inc: &Incident) -> impl Iterator<Item = &str> {
    [
        inc.title.as_str(),
        inc.summary.as_deref().unwrap_or_default(),
    ]
    .into_iter()
    .chain(
        inc.contributing_factors
            .iter()
            .chain(&inc.tags)
            .map(String::as_str),
    )
    .chain(std::iter::once(inc.body.as_str()))
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

/// ASCII byte classes, so words split without decoding UTF-8 one character at a time.
const ALNUM: u8 = 1;
/// An uppercase letter (or, for a whole word, any non-ASCII character): the
/// word needs lowercasing.
const UPPER: u8 = 2;
const NOT_DIGIT: u8 = 4;
const CLASS: [u8; 128] = {
    let mut class = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        class[b] = if c.is_ascii_digit() {
            ALNUM
        } else if c.is_ascii_uppercase() {
            ALNUM | UPPER | NOT_DIGIT
        } else if c.is_ascii_lowercase() {
            ALNUM | NOT_DIGIT
        } else {
            0
        };
        b += 1;
    }
    class
};

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Per byte of `x` (all ASCII), 0x80 where the byte is at least `c`.
#[inline]
fn at_least(x: u64, c: u8) -> u64 {
    x.wrapping_add(LOW * u64::from(0x80 - c)) & HIGH
}

/// The high bit of each byte of `x`, as eight bits.
#[inline]
fn gather(x: u64) -> u32 {
    ((x >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32
}

/// Calls `word` with each alphanumeric run of `text` — the pieces of
/// `text.split(|c: char| !c.is_alphanumeric())` that are not empty — and the
/// union of its bytes' classes. Eight ASCII bytes at a time where it can.
#[inline]
fn for_each_word<'a>(text: &'a str, mut word: impl FnMut(&'a str, u8)) {
    let bytes = text.as_bytes();
    let mut start = usize::MAX;
    let mut classes = 0u8;
    let mut i = 0;
    while i < bytes.len() {
        let chunk = bytes
            .get(i..i + 8)
            .and_then(|c| <[u8; 8]>::try_from(c).ok())
            .map(u64::from_le_bytes)
            .filter(|x| x & HIGH == 0);
        let Some(x) = chunk else {
            // Near the end, or not ASCII: one character.
            let (class, width) = match bytes.get(i) {
                Some(&b) if b < 0x80 => (CLASS[usize::from(b)], 1),
                _ => match text.get(i..).and_then(|rest| rest.chars().next()) {
                    Some(c) if c.is_alphanumeric() => (ALNUM | UPPER | NOT_DIGIT, c.len_utf8()),
                    Some(c) => (0, c.len_utf8()),
                    None => break,
                },
            };
            if class & ALNUM != 0 {
                if start == usize::MAX {
                    start = i;
                    classes = 0;
                }
                classes |= class;
            } else if start != usize::MAX {
                if let Some(w) = text.get(start..i) {
                    word(w, classes);
                }
                start = usize::MAX;
            }
            i += width;
            continue;
        };
        let digit = at_least(x, b'0') & !at_least(x, b'9' + 1);
        let folded = x | (LOW * 0x20);
        let letter = at_least(folded, b'a') & !at_least(folded, b'z' + 1);
        let upper = at_least(x, b'A') & !at_least(x, b'Z' + 1);
        let alnum = gather(digit | letter);
        let mut from = 0;
        if start == usize::MAX {
            from = alnum.trailing_zeros().min(8);
            if from == 8 {
                i += 8;
                continue;
            }
            start = i + from as usize;
            classes = 0;
        }
        // The word runs over bits `from..to` of the chunk.
        let to = from + (alnum >> from).trailing_ones();
        let lanes = (1u32 << to) - (1u32 << from);
        if gather(upper) & lanes != 0 {
            classes |= UPPER;
        }
        if gather(letter) & lanes != 0 {
            classes |= NOT_DIGIT;
        }
        i += to as usize;
        if to < 8 {
            if let Some(w) = text.get(start..i) {
                word(w, classes);
            }
            start = usize::MAX;
        }
    }
    if let Some(w) = text.get(start..) {
        word(w, classes);
    }
}

/// A word as integers: its first eight bytes and its last eight (overlapping,
/// or packed into `head` below eight bytes), and its length. Words of up to 16
/// bytes are equal exactly when their keys are; longer ones also compare bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    head: u64,
    tail: u64,
    len: usize,
}

impl Key {
    fn new(word: &[u8]) -> Key {
        let len = word.len();
        let u64_at = |i: usize| {
            word.get(i..i + 8)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map_or(0, u64::from_le_bytes)
        };
        let u32_at = |i: usize| {
            word.get(i..i + 4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map_or(0, u32::from_le_bytes)
        };
        let (head, tail) = if len >= 8 {
            (u64_at(0), u64_at(len - 8))
        } else if len >= 4 {
            (u64::from(u32_at(0)) | u64::from(u32_at(len - 4)) << 32, 0)
        } else {
            let packed = word
                .iter()
                .enumerate()
                .fold(0u64, |v, (k, &b)| v | u64::from(b) << (8 * k));
            (packed, 0)
        };
        Key { head, tail, len }
    }

    /// FxHash's multiply-rotate; the table takes the top bits.
    fn hash(&self) -> u64 {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let h = (self.head ^ (self.len as u64).rotate_right(8)).wrapping_mul(K);
        (h.rotate_left(5) ^ self.tail).wrapping_mul(K)
    }
}

/// Words and their ids, in a table probed with integer compares only (for words
/// of up to 16 bytes): hashing and comparing every word of every write-up is
/// most of this pass, and std's SipHash and memcmp calls were a visible share.
struct Vocabulary<'a> {
    /// Open addressing with linear probing: word id + 1, or 0 for empty.
    slots: Vec<u32>,
    shift: u32,
    keys: Vec<Key>,
    words: Vec<Cow<'a, str>>,
}

impl Default for Vocabulary<'_> {
    fn default() -> Self {
        Vocabulary {
            slots: vec![0; 1 << 10],
            shift: 64 - 10,
            keys: Vec::new(),
            words: Vec::new(),
        }
    }
}

impl<'a> Vocabulary<'a> {
    /// The id of `bytes` (whose key is `key`), adding `word()` if it is new.
    #[inline]
    fn id(&mut self, key: Key, bytes: &[u8], word: impl FnOnce() -> Cow<'a, str>) -> u32 {
        let mask = self.slots.len() - 1;
        let mut at = (key.hash() >> self.shift) as usize;
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                break;
            }
            let id = slot - 1;
            if self.keys[id as usize] == key
                && (key.len <= 16 || self.words[id as usize].as_bytes() == bytes)
            {
                return id;
            }
            at = (at + 1) & mask;
        }
        let id = self.words.len() as u32;
        self.slots[at] = id + 1;
        self.keys.push(key);
        self.words.push(word());
        if self.words.len() * 2 > self.slots.len() {
            self.grow();
        }
        id
    }

    fn grow(&mut self) {
        self.slots = vec![0; self.slots.len() * 2];
        self.shift -= 1;
        let mask = self.slots.len() - 1;
        for (id, key) in self.keys.iter().enumerate() {
            let mut at = (key.hash() >> self.shift) as usize;
            while self.slots[at] != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = id as u32 + 1;
        }
    }
}

/// A write-up's distinct words: (word id, count).
type Terms = Vec<(u32, u32)>;

/// Counts the words of a run of write-ups with one vocabulary, so a word costs
/// one probe of a small, warm table and no write-up needs a map of its own.
#[derive(Default)]
struct Counter<'a> {
    vocabulary: Vocabulary<'a>,
    /// Per word id: its count in the write-up being read (zero between
    /// write-ups), and how many write-ups read have it.
    counts: Vec<u32>,
    df: Vec<u32>,
    seen: Vec<u32>,
    /// Write-ups read: (index, length, (word id, count) pairs).
    docs: Vec<(usize, u32, Terms)>,
}

impl<'a> Counter<'a> {
    /// Counts write-up `index`'s words: lowercased alphanumeric runs of 3 to 40
    /// bytes that are not bare numbers (stop words are dropped later, once per
    /// distinct word). Its length for BM25 is every alphanumeric run under 40
    /// bytes, stop words included, as tantivy's default tokenizer counts words.
    fn add(&mut self, index: usize, parts: impl Iterator<Item = &'a str>) {
        let mut len = 0u32;
        let Counter {
            vocabulary,
            counts,
            df,
            seen,
            docs,
        } = self;
        let mut count = |id: u32| {
            if id as usize == counts.len() {
                counts.push(0);
                df.push(0);
            }
            let count = &mut counts[id as usize];
            if *count == 0 {
                seen.push(id);
            }
            *count += 1;
        };
        for part in parts {
            for_each_word(part, |word, classes| {
                if word.len() < LONG_WORD_BYTES {
                    len = len.saturating_add(1);
                }
                if word.len() < 3 || word.len() > 40 || classes & NOT_DIGIT == 0 {
                    return;
                }
                if classes & UPPER == 0 {
                    let bytes = word.as_bytes();
                    count(vocabulary.id(Key::new(bytes), bytes, || Cow::Borrowed(word)));
                } else if word.is_ascii() {
                    let mut lower = [0u8; 40];
                    let lower = &mut lower[..word.len()];
                    lower.copy_from_slice(word.as_bytes());
                    lower.make_ascii_lowercase();
                    count(vocabulary.id(Key::new(lower), lower, || {
                        Cow::Owned(word.to_ascii_lowercase())
                    }));
                } else {
                    let lower = word.to_lowercase();
                    let bytes = lower.as_bytes();
                    count(vocabulary.id(Key::new(bytes), bytes, || Cow::Owned(lower.clone())));
                }
            });
        }
        let terms = seen
            .drain(..)
            .map(|id| {
                df[id as usize] += 1;
                (id, std::mem::take(&mut counts[id as usize]))
            })
            .collect();
        docs.push((index, len, terms));
    }
}

/// A field length as tantivy stores it: exact below 40, above that rounded down
/// to four significant bits past 24 (Lucene's SmallFloat byte).
fn stored_len(len: u32) -> u32 {
    const LARGEST: u32 = 2_013_265_944;
    match len.checked_sub(24) {
        Some(x) if x >= 16 => {
            let dropped = 28 - x.leading_zeros();
            (24 + (x >> dropped << dropped)).min(LARGEST)
        }
        _ => len,
    }
}

/// BM25's length normalization of a field, given its stored length and the average.
fn length_norm(len: u32, average: f32) -> f32 {
    K1 * (1.0 - B + B * stored_len(len) as f32 / average)
}

/// BM25's inverse document frequency, as tantivy computes it.
fn idf(df: u32, n: u32) -> f32 {
    let x = (n.saturating_sub(df) as f32 + 0.5) / (df as f32 + 0.5);
    (1.0 + x).ln()
}

/// BM25's saturated term frequency.
fn tf_factor(tf: u32, norm: f32) -> f32 {
    let tf = tf as f32;
    tf / (tf + norm)
}

/// One posting of a word: the write-up, its systems' signature and the word's
/// [`tf_factor`] there.
#[derive(Clone, Copy, Default)]
struct Posting {
    doc: u32,
    factor: f32,
    systems: u64,
}

/// An incident's systems: sorted ids, and a 64-bit signature (bit `id % 64` per
/// system) that rules out most write-ups without a shared system in one AND.
#[derive(Default)]
struct Systems {
    ids: Vec<u32>,
    signature: u64,
    /// BM25 length normalization of the system field.
    norm: f32,
}

/// For every incident, up to `top_k` unlinked incidents on a shared system whose
/// relative similarity is at least `threshold`: (incident index, score in 0..1),
/// best first.
pub fn possible_repeats(
    archive: &Archive,
    linked: &(dyn Fn(usize, usize) -> bool + Sync),
    config: &SimilarityConfig,
) -> Vec<Vec<(usize, f32)>> {
    let incidents = &archive.incidents;
    let n = incidents.len();
    if n < 2 || config.top_k == 0 || u32::try_from(n).is_err() {
        return vec![Vec::new(); n];
    }
    let n32 = n as u32;

    // Each rayon job counts its write-ups with its own vocabulary...
    let counters: Vec<Counter> = incidents
        .par_iter()
        .enumerate()
        .fold(Counter::default, |mut counter, (i, inc)| {
            counter.add(i, text_parts(inc));
            counter
        })
        .collect();

    // ...then the vocabularies merge into one, with document frequencies.
    let mut vocabulary = Vocabulary::default();
    let mut df: Vec<u32> = Vec::new();
    let global: Vec<Vec<u32>> = counters
        .iter()
        .map(|counter| {
            let local = &counter.vocabulary;
            local
                .words
                .iter()
                .zip(&local.keys)
                .zip(&counter.df)
                .map(|((word, &key), &d)| {
                    let id = vocabulary.id(key, word.as_bytes(), || Cow::Borrowed(word));
                    if id as usize == df.len() {
                        df.push(0);
                    }
                    df[id as usize] += d;
                    id
                })
                .collect()
        })
        .collect();
    let vocab = &vocabulary.words;

    // A word no other write-up has cannot find a repeat. Words in more than 2% of
    // write-ups say little about a repeat and would make each query walk long
    // posting lists; leaving them out keeps the pass near-linear.
    let max_df = (n32 / 50).max(8);
    let usable: Vec<bool> = vocab
        .iter()
        .zip(&df)
        .map(|(term, &d)| {
            // One- and two-digit numbers are the hours and minutes of timelines.
            let clock = term.len() <= 2 && term.bytes().all(|b| b.is_ascii_digit());
            d >= 2 && d <= max_df && !clock && !STOP_WORDS.contains(&term.as_ref())
        })
        .collect();
    // Each write-up's usable words, by global id.
    let mut lens = vec![0u32; n];
    let mut doc_terms: Vec<Terms> = vec![Vec::new(); n];
    let remapped: Vec<Vec<(usize, Terms)>> = counters
        .par_iter()
        .zip(&global)
        .map(|(counter, global)| {
            counter
                .docs
                .iter()
                .map(|(i, _, terms)| {
                    let terms = terms
                        .iter()
                        .map(|&(id, tf)| (global[id as usize], tf))
                        .filter(|&(t, _)| usable[t as usize])
                        .collect();
                    (*i, terms)
                })
                .collect()
        })
        .collect();
    for counter in &counters {
        for &(i, len, _) in &counter.docs {
            lens[i] = len;
        }
    }
    for (i, terms) in remapped.into_iter().flatten() {
        doc_terms[i] = terms;
    }

    // Systems, interned in order of first use.
    let mut system_ids: HashMap<&str, u32> = HashMap::new();
    let mut systems: Vec<Systems> = incidents
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
    // A shared system adds its BM25 score, with a term frequency of one.
    let system_weight: Vec<f32> = system_df
        .iter()
        .map(|&d| idf(d, n32) * (1.0 + K1))
        .collect();
    let system_count: usize = systems.iter().map(|s| s.ids.len()).sum();
    let system_average = (system_count as f32 / n as f32).max(f32::MIN_POSITIVE);
    for s in &mut systems {
        s.norm = length_norm(s.ids.len() as u32, system_average);
    }

    // Postings of the usable words, in write-up order.
    let total_len: u64 = lens.iter().map(|&l| u64::from(l)).sum();
    let average_len = (total_len as f32 / n as f32).max(1.0);
    let norm: Vec<f32> = lens.iter().map(|&l| length_norm(l, average_len)).collect();
    let mut start = vec![0u32; vocab.len() + 1];
    for (t, &d) in df.iter().enumerate() {
        start[t + 1] = start[t] + if usable[t] { d } else { 0 };
    }
    let mut next = start.clone();
    let mut postings = vec![Posting::default(); start[vocab.len()] as usize];
    for (doc, terms) in doc_terms.iter().enumerate() {
        for &(t, tf) in terms {
            let slot = &mut next[t as usize];
            postings[*slot as usize] = Posting {
                doc: doc as u32,
                factor: tf_factor(tf, norm[doc]),
                systems: systems[doc].signature,
            };
            *slot += 1;
        }
    }
    // The word's BM25 weight: idf, times k1 + 1 as tantivy folds it in.
    let word_weight: Vec<f32> = df
        .iter()
        .zip(&usable)
        .map(|(&d, &u)| if u { idf(d, n32) * (1.0 + K1) } else { 0.0 })
        .collect();

    (0..n)
        .into_par_iter()
        .map_init(
            || (vec![0f32; n], vec![0u8; n], Vec::<u32>::new()),
            |(scores, hits, touched), i| {
                let mine = &systems[i];
                // Where either write-up names no system (a plain folder names
                // none), the two are compared on their text alone.
                let compares = |theirs: u64| {
                    mine.signature == 0 || theirs == 0 || theirs & mine.signature != 0
                };
                // The write-up's most distinctive words, weighted by tf-idf; ties by
                // the word, so the query does not depend on hash order.
                let mut query: Vec<(f32, u32, u32)> = doc_terms[i]
                    .iter()
                    .map(|&(t, tf)| {
                        let d = df[t as usize] as f32;
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

                let mut own = 0f32;
                for &(boost, t, tf) in &query {
                    let weight = word_weight[t as usize] * boost;
                    own += weight * tf_factor(tf, norm[i]);
                    let range = start[t as usize] as usize..start[t as usize + 1] as usize;
                    for p in &postings[range] {
                        if !compares(p.systems) {
                            continue;
                        }
                        // Every product here is positive, so zero means untouched.
                        let score = &mut scores[p.doc as usize];
                        if *score == 0.0 {
                            touched.push(p.doc);
                        }
                        *score += weight * p.factor;
                        let hit = &mut hits[p.doc as usize];
                        *hit = hit.saturating_add(1);
                    }
                }
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
                let floor = config.threshold * own * 0.999 - most_from_systems;

                let mut found: Vec<(usize, f32)> = Vec::new();
                for doc in touched.drain(..) {
                    let j = doc as usize;
                    let text = std::mem::take(&mut scores[j]);
                    let shared_words = std::mem::take(&mut hits[j]);
                    // One or two words in common is chance, however short the
                    // write-ups (a small folder leaves few usable words).
                    if j == i || text < floor || shared_words < MIN_SHARED_WORDS {
                        continue;
                    }
                    let theirs = &systems[j];
                    if mine.ids.is_empty() || theirs.ids.is_empty() {
                        let relative = (text / own_text).min(1.0);
                        if relative >= config.threshold {
                            found.push((j, relative));
                        }
                        continue;
                    }
                    let mut from_systems = None;
                    for s in shared(&mine.ids, &theirs.ids) {
                        *from_systems.get_or_insert(0.0) +=
                            system_weight[s as usize] / (1.0 + theirs.norm);
                    }
                    // The signature can collide; only a system in common counts.
                    let Some(from_systems) = from_systems else {
                        continue;
                    };
                    let relative = ((text + from_systems) / own).min(1.0);
                    if relative >= config.threshold {
                        found.push((j, relative));
                    }
                }
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
mod tests {
    use super::*;
    use crate::model::incident::{PublicText, Timeline};
    use crate::model::{IncidentStatus, Visibility};
    use std::path::PathBuf;
    use std::sync::Arc;

    fn incident(id: &str, systems: &[&str], body: &str) -> Arc<Incident> {
        Arc::new(Incident {
            id: id.to_owned(),
            source: PathBuf::from(format!("content/incidents/{id}.md")),
            title: id.replace('-', " "),
            date: Some(jiff::civil::date(2024, 1, 1)),
            severity: None,
            status: IncidentStatus::Resolved,
            kind: crate::model::incident::IncidentKind::Incident,
            systems: systems.iter().map(|s| (*s).to_owned()).collect(),
            tags: Vec::new(),
            contributing_factors: Vec::new(),
            summary: None,
            summary_from_body: false,
            authors: Vec::new(),
            repeat_of: Vec::new(),
            related: Vec::new(),
            visibility: Visibility::Internal,
            draft: false,
            timeline: Timeline::default(),
            public: PublicText::default(),
            follow_ups: Vec::new(),
            links: Vec::new(),
            fallbacks: Vec::new(),
            body: body.to_owned(),
            body_line: 1,
            attachments: None,
            word_count: 0,
            line: 1,
            hidden_repeat_of: 0,
        })
    }

    fn archive(incidents: Vec<Arc<Incident>>) -> Archive {
        let mut archive = Archive::default();
        archive.incidents = incidents;
        archive
    }

    const POOL: &str = "The checkout connection pool was exhausted after the primary \
        failover; pgbouncer kept stale backends and the replica lagged. Recycling \
        the pool and lowering the DNS TTL restored checkout.";
    const POOL_AGAIN: &str = "Checkout failed again: the connection pool was exhausted \
        when the primary failed over, pgbouncer held stale backends, replica lag grew. \
        We recycled the pool and lowered the DNS TTL.";

    /// Write-ups that read unlike each other and the pool ones.
    fn filler(k: usize, system: &str) -> Arc<Incident> {
        let words: Vec<String> = (0..30).map(|w| format!("filler{k}word{w}")).collect();
        let systems: &[&str] = if system.is_empty() { &[] } else { &[system] };
        incident(&format!("2024-01-{k:02}-other"), systems, &words.join(" "))
    }

    fn find(
        archive: &Archive,
        linked: &(dyn Fn(usize, usize) -> bool + Sync),
    ) -> Vec<Vec<(usize, f32)>> {
        possible_repeats(archive, linked, &SimilarityConfig::default())
    }

    fn ids(archive: &Archive, found: &[(usize, f32)]) -> Vec<String> {
        found
            .iter()
            .map(|&(j, _)| archive.incidents[j].id.clone())
            .collect()
    }

    #[test]
    fn near_identical_write_ups_on_a_system_find_each_other() {
        let mut incidents = vec![
            incident("a-pool", &["payments-db"], POOL),
            incident("b-pool-again", &["payments-db", "checkout"], POOL_AGAIN),
        ];
        incidents.extend((0..10).map(|k| filler(k, "payments-db")));
        let a = archive(incidents);
        let found = find(&a, &|_, _| false);
        assert_eq!(ids(&a, &found[0]), ["b-pool-again"]);
        assert_eq!(ids(&a, &found[1]), ["a-pool"]);
        assert!(found[0][0].1 > 0.5 && found[0][0].1 <= 1.0, "{found:?}");
        assert!(found[2..].iter().all(Vec::is_empty), "{found:?}");
    }

    #[test]
    fn the_same_text_on_different_systems_is_not_a_repeat() {
        let mut incidents = vec![
            incident("a-pool", &["payments-db"], POOL),
            incident("b-pool", &["search"], POOL),
        ];
        incidents.extend((0..10).map(|k| filler(k, "payments-db")));
        let a = archive(incidents);
        assert!(find(&a, &|_, _| false).iter().all(Vec::is_empty));
    }

    #[test]
    fn write_ups_without_systems_are_compared_with_every_one() {
        // A plain folder names no systems: the same failure written up twice
        // must still be suggested, also against a write-up that names one.
        let mut incidents = vec![
            incident("a-pool", &[], POOL),
            incident("b-pool-again", &[], POOL_AGAIN),
            incident("c-pool-db", &["payments-db"], POOL),
        ];
        incidents.extend((0..10).map(|k| filler(k, "")));
        let a = archive(incidents);
        let found = find(&a, &|_, _| false);
        assert_eq!(ids(&a, &found[0]), ["c-pool-db", "b-pool-again"]);
        assert_eq!(ids(&a, &found[1]), ["a-pool", "c-pool-db"]);
        assert!(found[3..].iter().all(Vec::is_empty), "{found:?}");
    }

    #[test]
    fn linked_incidents_are_left_out() {
        let mut incidents = vec![
            incident("a-pool", &["payments-db"], POOL),
            incident("b-pool-again", &["payments-db"], POOL_AGAIN),
            incident("c-pool-third", &["payments-db"], POOL),
        ];
        incidents.extend((0..10).map(|k| filler(k, "payments-db")));
        let a = archive(incidents);
        let linked = |i: usize, j: usize| (i.min(j), i.max(j)) == (0, 2);
        let found = find(&a, &linked);
        assert_eq!(ids(&a, &found[0]), ["b-pool-again"]);
        assert_eq!(ids(&a, &found[2]), ["b-pool-again"]);
        assert_eq!(found[1].len(), 2);
    }

    #[test]
    fn results_are_sorted_capped_and_the_same_on_any_thread_count() {
        // Sliding windows of words, each in eight write-ups: ties and long lists.
        let incidents: Vec<Arc<Incident>> = (0..60)
            .map(|k| {
                let body: Vec<String> = (0..8)
                    .map(|d| format!("term{}", (k + d) % 60))
                    .chain((0..k % 4).map(|d| format!("extra{}", (k * 7 + d) % 60)))
                    .collect();
                let systems = [["a", "b", "c"][k % 3], "shared"];
                incident(&format!("i{k:02}"), &systems[..1 + k % 2], &body.join(" "))
            })
            .collect();
        let a = archive(incidents);
        let config = SimilarityConfig {
            threshold: 0.1,
            top_k: 4,
        };
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool")
                .install(|| possible_repeats(&a, &|_, _| false, &config))
        };
        let one = run(1);
        assert_eq!(one, run(3));
        assert_eq!(one, possible_repeats(&a, &|_, _| false, &config));
        assert!(one.iter().any(|f| f.len() == 4));
        for (i, found) in one.iter().enumerate() {
            assert!(found.len() <= 4);
            for pair in found.windows(2) {
                assert!(pair[0].1 >= pair[1].1, "{found:?}");
                assert_ne!(pair[0].0, pair[1].0);
            }
            for &(j, score) in found {
                assert_ne!(i, j);
                assert!((0.1..=1.0).contains(&score), "{score}");
            }
        }
    }

    #[test]
    fn nothing_to_compare_is_no_suggestions() {
        let none = |_: usize, _: usize| false;
        assert!(find(&archive(Vec::new()), &none).is_empty());
        let one = archive(vec![incident("a", &["x"], POOL)]);
        assert_eq!(find(&one, &none), vec![Vec::new()]);
        let empty = archive(vec![incident("a", &["x"], ""), incident("b", &["x"], "")]);
        assert_eq!(find(&empty, &none), vec![Vec::new(), Vec::new()]);
        let no_systems = archive(vec![incident("a", &[], POOL), incident("b", &[], POOL)]);
        assert_eq!(find(&no_systems, &none), vec![Vec::new(), Vec::new()]);
        let pair = archive(vec![
            incident("a", &["x"], POOL),
            incident("b", &["x"], POOL),
        ]);
        let config = SimilarityConfig {
            threshold: 0.3,
            top_k: 0,
        };
        assert_eq!(
            possible_repeats(&pair, &none, &config),
            vec![Vec::new(), Vec::new()]
        );
    }

    #[test]
    fn words_split_as_str_split_does() {
        let texts = [
            "Héllo wörld ÄBC 123 x-y ΣΑΣ naïve 日本語 end",
            "abcdefghABCDEFGH12345678 a1b2c3d4e5f6g7h8 @[`{/: ~~~~~~~~ zz",
            "",
            "a",
            "12345678",
            "ab cd ef gh ij kl mn op qr st",
            " x",
            "x ",
            "Straße-Über ÀÉÎ 1a2 a1 99 090 0x1F\n\ttab",
            "a\u{a0}b\u{2003}c\u{10FFFF}d🙂e",
            "averyveryverylongwordthatrunsacrossmanychunksofeightbytes, short.",
        ];
        for text in texts {
            let mut ours = Vec::new();
            for_each_word(text, |w, classes| ours.push((w, classes)));
            let split: Vec<&str> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            assert_eq!(
                ours.iter().map(|w| w.0).collect::<Vec<_>>(),
                split,
                "{text}"
            );
            for (w, classes) in ours {
                let upper = w.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii());
                assert_eq!(classes & UPPER != 0, upper, "{w}");
                assert_eq!(
                    classes & NOT_DIGIT == 0,
                    w.bytes().all(|b| b.is_ascii_digit()),
                    "{w}"
                );
            }
        }
    }

    #[test]
    fn words_are_counted_like_count_terms() {
        let text = "The Pool, the POOL and the pool: pgbouncer-stale 2024 ab \
            Straße STRASSE straße timeline x1 averyveryverylongwordofexactlyfortybytez";
        let mut counter = Counter::default();
        counter.add(0, std::iter::once(text));
        let (_, len, terms) = &counter.docs[0];
        let mut counted: Vec<(&str, u32)> = terms
            .iter()
            .map(|&(id, tf)| (counter.vocabulary.words[id as usize].as_ref(), tf))
            .collect();
        counted.sort_unstable();
        // Stop words are dropped later; "ab", "x1" are short, "2024" a number.
        assert_eq!(
            counted,
            [
                ("and", 1),
                ("averyveryverylongwordofexactlyfortybytez", 1),
                ("pgbouncer", 1),
                ("pool", 3),
                ("stale", 1),
                ("strasse", 1),
                ("straße", 2),
                ("the", 3),
                ("timeline", 1)
            ]
        );
        // Every run counts toward the length but the 40-byte word.
        assert_eq!(*len, 16);
    }

    #[test]
    fn long_words_that_share_their_ends_stay_apart() {
        let mut vocabulary = Vocabulary::default();
        let a = "abcdefgh-middle-one-stuvwxyz".replace('-', "");
        let b = "abcdefgh-middle-two-stuvwxyz".replace('-', "");
        let ida = vocabulary.id(Key::new(a.as_bytes()), a.as_bytes(), || {
            Cow::Owned(a.clone())
        });
        let idb = vocabulary.id(Key::new(b.as_bytes()), b.as_bytes(), || {
            Cow::Owned(b.clone())
        });
        assert_ne!(ida, idb);
        assert_eq!(
            vocabulary.id(Key::new(a.as_bytes()), a.as_bytes(), || Cow::Borrowed("")),
            ida
        );
        // Enough words to grow the table several times.
        let words: Vec<String> = (0..5000).map(|k| format!("w{k}")).collect();
        let ids: Vec<u32> = words
            .iter()
            .map(|w| vocabulary.id(Key::new(w.as_bytes()), w.as_bytes(), || Cow::Borrowed(w)))
            .collect();
        for (w, &id) in words.iter().zip(&ids) {
            assert_eq!(
                vocabulary.id(Key::new(w.as_bytes()), w.as_bytes(), || Cow::Borrowed("")),
                id
            );
            assert_eq!(vocabulary.words[id as usize], *w);
        }
    }

    #[test]
    fn lengths_round_as_tantivy_stores_them() {
        for (len, stored) in [
            (0, 0),
            (23, 23),
            (40, 40),
            (41, 40),
            (42, 42),
            (57, 56),
            (60, 60),
            (599, 536),
            (600, 600),
            (663, 600),
            (664, 664),
            (u32::MAX, 2_013_265_944),
        ] {
            assert_eq!(stored_len(len), stored, "{len}");
        }
    }

    #[test]
    fn text_parts_hold_the_words_of_incident_text() {
        let mut inc = (*incident("a", &["x"], "Body text, with-hyphens.")).clone();
        inc.summary = Some("Short summary".into());
        inc.contributing_factors = vec!["config-drift".into()];
        inc.tags = vec!["dns".into()];
        let words = |text: &str| -> Vec<String> {
            text.split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let from_parts: Vec<String> = text_parts(&inc).flat_map(words).collect();
        assert_eq!(from_parts, words(&incident_text(&inc)));
    }
}

//! Words: the text an incident is compared by (`SearchableText::compared`, part
//! by part, so words never run across parts; `-` in factors and tags separates
//! words either way) split into lowercased words and counted, eight ASCII bytes
//! at a time, against a small vocabulary table per rayon job; then
//! the vocabularies merged into one with document frequencies, and the words a
//! query can use picked out. Knows nothing of scores.

use crate::model::searchable::SearchableText;
use crate::model::Incident;
use rayon::prelude::*;
use std::borrow::Cow;

/// Words too common in postmortems to say anything about similarity.
pub(super) const STOP_WORDS: &[&str] = &[
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

/// Words of this many bytes or more do not count toward a write-up's length
/// (tantivy's default tokenizer drops them).
pub(super) const LONG_WORD_BYTES: usize = 40;

/// ASCII byte classes, so words split without decoding UTF-8 one character at a time.
pub(super) const ALNUM: u8 = 1;
/// An uppercase letter (or, for a whole word, any non-ASCII character): the
/// word needs lowercasing.
pub(super) const UPPER: u8 = 2;
pub(super) const NOT_DIGIT: u8 = 4;
pub(super) const CLASS: [u8; 128] = {
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

pub(super) const LOW: u64 = 0x0101_0101_0101_0101;
pub(super) const HIGH: u64 = 0x8080_8080_8080_8080;

/// Per byte of `x` (all ASCII), 0x80 where the byte is at least `c`.
#[inline]
pub(super) fn at_least(x: u64, c: u8) -> u64 {
    x.wrapping_add(LOW * u64::from(0x80 - c)) & HIGH
}

/// The high bit of each byte of `x`, as eight bits.
#[inline]
pub(super) fn gather(x: u64) -> u32 {
    ((x >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32
}

/// Calls `word` with each alphanumeric run of `text` — the pieces of
/// `text.split(|c: char| !c.is_alphanumeric())` that are not empty — and the
/// union of its bytes' classes. Eight ASCII bytes at a time where it can.
#[inline]
pub(super) fn for_each_word<'a>(text: &'a str, mut word: impl FnMut(&'a str, u8)) {
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
pub(super) struct Key {
    head: u64,
    tail: u64,
    len: usize,
}

impl Key {
    pub(super) fn new(word: &[u8]) -> Key {
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
pub(super) struct Vocabulary<'a> {
    /// Open addressing with linear probing: word id + 1, or 0 for empty.
    pub(super) slots: Vec<u32>,
    pub(super) shift: u32,
    pub(super) keys: Vec<Key>,
    pub(super) words: Vec<Cow<'a, str>>,
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
    pub(super) fn id(
        &mut self,
        key: Key,
        bytes: &[u8],
        word: impl FnOnce() -> Cow<'a, str>,
    ) -> u32 {
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
pub(super) type Terms = Vec<(u32, u32)>;

/// Counts the words of a run of write-ups with one vocabulary, so a word costs
/// one probe of a small, warm table and no write-up needs a map of its own.
#[derive(Default)]
pub(super) struct Counter<'a> {
    pub(super) vocabulary: Vocabulary<'a>,
    /// Per word id: its count in the write-up being read (zero between
    /// write-ups), and how many write-ups read have it.
    pub(super) counts: Vec<u32>,
    pub(super) df: Vec<u32>,
    pub(super) seen: Vec<u32>,
    /// Write-ups read: (index, length, (word id, count) pairs).
    pub(super) docs: Vec<(usize, u32, Terms)>,
}

impl<'a> Counter<'a> {
    /// Counts write-up `index`'s words: lowercased alphanumeric runs of 3 to 40
    /// bytes that are not bare numbers (stop words are dropped later, once per
    /// distinct word). Its length for BM25 is every alphanumeric run under 40
    /// bytes, stop words included, as tantivy's default tokenizer counts words.
    pub(super) fn add(&mut self, index: usize, parts: impl Iterator<Item = &'a str>) {
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

/// Every incident's usable words, counted: what scoring needs of the text.
pub(super) struct Words<'a> {
    /// Every word, by id.
    pub vocab: Vec<Cow<'a, str>>,
    /// Per word id: how many write-ups have it.
    pub df: Vec<u32>,
    /// Per word id: whether a query may use it.
    pub usable: Vec<bool>,
    /// Per write-up: its usable words, (id, count).
    pub doc_terms: Vec<Terms>,
    /// Per write-up: its length in words, as tantivy counts them.
    pub lens: Vec<u32>,
}

/// Splits and counts every write-up's words, in parallel.
pub(super) fn count(incidents: &[std::sync::Arc<Incident>]) -> Words<'_> {
    let n = incidents.len();
    // Each rayon job counts its write-ups with its own vocabulary...
    let counters: Vec<Counter> = incidents
        .par_iter()
        .enumerate()
        .fold(Counter::default, |mut counter, (i, inc)| {
            counter.add(i, SearchableText::of(inc).compared());
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
                    // A borrowed word stays borrowed from the write-up; only a
                    // word lowercased on its first sight is copied.
                    let id = vocabulary.id(key, word.as_bytes(), || word.clone());
                    if id as usize == df.len() {
                        df.push(0);
                    }
                    df[id as usize] += d;
                    id
                })
                .collect()
        })
        .collect();
    let usable = usable_words(&vocabulary.words, &df, n);
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
    Words {
        vocab: vocabulary.words,
        df,
        usable,
        doc_terms,
        lens,
    }
}

/// A word no other write-up has cannot find a repeat. Words in more than 2% of
/// write-ups say little about a repeat and would make each query walk long
/// posting lists; leaving them out keeps the pass near-linear.
fn usable_words(vocab: &[Cow<'_, str>], df: &[u32], n: usize) -> Vec<bool> {
    let max_df = (n as u32 / 50).max(8);
    vocab
        .iter()
        .zip(df)
        .map(|(term, &d)| {
            // One- and two-digit numbers are the hours and minutes of timelines.
            let clock = term.len() <= 2 && term.bytes().all(|b| b.is_ascii_digit());
            d >= 2 && d <= max_df && !clock && !STOP_WORDS.contains(&term.as_ref())
        })
        .collect()
}

//! BM25 as tantivy scores it, done by hand: k1 1.2 and b 0.75, tantivy's idf,
//! field lengths rounded as tantivy stores them; and the postings of the
//! usable words, each with its query-independent part of the score and a
//! signature of its write-up's systems.

use super::words::Words;
use super::Systems;

/// BM25 parameters, as tantivy and Lucene use them.
pub(super) const K1: f32 = 1.2;
pub(super) const B: f32 = 0.75;

/// A field length as tantivy stores it: exact below 40, above that rounded down
/// to four significant bits past 24 (Lucene's SmallFloat byte).
pub(super) fn stored_len(len: u32) -> u32 {
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
pub(super) fn length_norm(len: u32, average: f32) -> f32 {
    K1 * (1.0 - B + B * stored_len(len) as f32 / average)
}

/// BM25's inverse document frequency, as tantivy computes it.
pub(super) fn idf(df: u32, n: u32) -> f32 {
    let x = (n.saturating_sub(df) as f32 + 0.5) / (df as f32 + 0.5);
    (1.0 + x).ln()
}

/// BM25's saturated term frequency.
pub(super) fn tf_factor(tf: u32, norm: f32) -> f32 {
    let tf = tf as f32;
    tf / (tf + norm)
}

/// One posting of a word: the write-up, its systems' signature and the word's
/// [`tf_factor`] there.
#[derive(Clone, Copy, Default)]
pub(super) struct Posting {
    pub doc: u32,
    pub factor: f32,
    pub systems: u64,
}

/// The postings of every usable word, in write-up order, and what a query
/// needs to score them.
pub(super) struct Index {
    /// Per write-up: BM25 length normalization of its text.
    pub norm: Vec<f32>,
    /// Per word id: where its postings start (and the next word's begin).
    pub start: Vec<u32>,
    pub postings: Vec<Posting>,
    /// Per word id: its BM25 weight, idf times k1 + 1 as tantivy folds it in.
    pub word_weight: Vec<f32>,
}

impl Index {
    pub(super) fn build(words: &Words<'_>, systems: &[Systems]) -> Index {
        let n = words.lens.len();
        let total_len: u64 = words.lens.iter().map(|&l| u64::from(l)).sum();
        let average_len = (total_len as f32 / n as f32).max(1.0);
        let norm: Vec<f32> = words
            .lens
            .iter()
            .map(|&l| length_norm(l, average_len))
            .collect();
        let terms = words.vocab.len();
        let mut start = vec![0u32; terms + 1];
        for (t, &d) in words.df.iter().enumerate() {
            start[t + 1] = start[t] + if words.usable[t] { d } else { 0 };
        }
        let mut next = start.clone();
        let mut postings = vec![Posting::default(); start[terms] as usize];
        for (doc, terms) in words.doc_terms.iter().enumerate() {
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
        let word_weight: Vec<f32> = words
            .df
            .iter()
            .zip(&words.usable)
            .map(|(&d, &u)| {
                if u {
                    idf(d, n as u32) * (1.0 + K1)
                } else {
                    0.0
                }
            })
            .collect();
        Index {
            norm,
            start,
            postings,
            word_weight,
        }
    }

    /// The postings of word `t`.
    pub(super) fn postings_of(&self, t: u32) -> &[Posting] {
        &self.postings[self.start[t as usize] as usize..self.start[t as usize + 1] as usize]
    }
}

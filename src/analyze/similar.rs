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
mod tests {
    use super::bm25::stored_len;
    use super::words::{for_each_word, text_parts, Counter, Key, Vocabulary, NOT_DIGIT, UPPER};
    use super::*;
    use crate::model::incident::{PublicText, Timeline};
    use crate::model::Incident;
    use crate::model::{IncidentStatus, Visibility};
    use std::borrow::Cow;
    use std::path::PathBuf;
    use std::sync::Arc;

    /// The text an incident is compared by, in one string.
    fn incident_text(inc: &Incident) -> String {
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

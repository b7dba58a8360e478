//! Possible repeats found, left out and ordered; words split and counted as
//! tantivy would; lengths rounded as tantivy stores them.

use super::bm25::stored_len;
use super::words::{for_each_word, Counter, Key, Vocabulary, NOT_DIGIT, UPPER};
use super::*;
use crate::model::searchable::SearchableText;
use crate::model::Incident;
use std::borrow::Cow;
use std::sync::Arc;

/// The text an incident was compared by when the analysis put every write-up
/// into a tantivy index, in one string: an oracle for the parts compared now.
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
        title: id.replace('-', " "),
        systems: systems.iter().map(|s| (*s).to_owned()).collect(),
        body: body.to_owned(),
        ..Incident::sample(id, Some(jiff::civil::date(2024, 1, 1)))
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
fn compared_parts_hold_the_words_of_incident_text() {
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
    let from_parts: Vec<String> = SearchableText::of(&inc)
        .compared()
        .flat_map(words)
        .collect();
    assert_eq!(from_parts, words(&incident_text(&inc)));
}

//! casebook patch: the word index while it is built, each word's page list
//! held as the CBOR it will be written as (page numbers already
//! delta-encoded), not as a `PackedPage` per page with two vectors of its own.
//! Pages are merged in page order, so each list grows in the order it is
//! written in. A large build held tens of millions of `PackedPage`s here, most
//! of its peak memory once the pages themselves were batched; the bytes a
//! chunk encodes to are unchanged.
//!
//! The merge runs on every core: words are split into `WORD_SHARDS` by a
//! hash of the word, each page's words into one bucket per shard as the page
//! is processed, and each shard merges its buckets in page order on its own.
//! Which shard holds a word does not reach the output: the words are sorted
//! before they are chunked.

use hashbrown::HashMap;
use minicbor::encode::{Error, Write};
use minicbor::{Encode, Encoder};
use rayon::prelude::*;

use super::index_words::{PackedPage, PackedWord};

/// How many parts the word index is merged in, in parallel.
pub const WORD_SHARDS: usize = 16;

/// One page's words, a bucket per shard.
pub type Buckets = Vec<Vec<(String, PackedWord)>>;

/// Splits one page's word map into its shards' buckets.
pub fn bucket_words(words: HashMap<String, PackedWord>) -> Buckets {
    let mut buckets: Buckets = (0..WORD_SHARDS).map(|_| Vec::new()).collect();
    for (word, packed) in words {
        buckets[shard_of(&word)].push((word, packed));
    }
    buckets
}

/// FNV-1a: any spread will do, it only has to be the same for the same word.
fn shard_of(word: &str) -> usize {
    let hash = word.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (hash % WORD_SHARDS as u64) as usize
}

/// Merges a batch of pages' buckets, given in page order, into `shards`
/// (`WORD_SHARDS` of them), every shard on its own thread.
pub fn merge_buckets(shards: &mut [HashMap<String, CompactWord>], pages: Vec<Buckets>) {
    let mut per_shard: Vec<Vec<Vec<(String, PackedWord)>>> = (0..WORD_SHARDS)
        .map(|_| Vec::with_capacity(pages.len()))
        .collect();
    for buckets in pages {
        for (shard, bucket) in per_shard.iter_mut().zip(buckets) {
            shard.push(bucket);
        }
    }
    shards
        .par_iter_mut()
        .zip(per_shard)
        .for_each(|(words, pages)| {
            for (word, mut packed) in pages.into_iter().flatten() {
                match words.entry(word) {
                    hashbrown::hash_map::Entry::Occupied(mut entry) => {
                        entry.get_mut().append(packed)
                    }
                    hashbrown::hash_map::Entry::Vacant(entry) => {
                        let mut compact = CompactWord::new(std::mem::take(&mut packed.word));
                        compact.append(packed);
                        entry.insert(compact);
                    }
                }
            }
        });
}

/// A list of pages (a word's, or one of its diacritic variants'), encoded as
/// it grows.
#[derive(Default, Debug)]
pub struct Postings {
    count: u64,
    last_page: usize,
    /// What the pages add to a chunk's size (see `chunk_index`).
    size: usize,
    bytes: Vec<u8>,
}

impl Postings {
    /// Appends `page`, whose number is above every page's already here.
    fn push(&mut self, mut page: PackedPage) {
        let number = page.page_number;
        self.size += page.locs.len() + page.meta_locs.len() + 1;
        page.page_number = number - self.last_page;
        self.last_page = number;
        self.count += 1;
        // Encoding into a Vec cannot fail.
        let _ = minicbor::encode(&page, &mut self.bytes);
    }

    fn encode<W: Write>(&self, e: &mut Encoder<W>) -> Result<(), Error<W::Error>> {
        e.array(self.count)?;
        e.writer_mut().write_all(&self.bytes).map_err(Error::write)
    }
}

/// A word as an inverse index of its locations, encoded as `PackedWord` is.
#[derive(Debug)]
pub struct CompactWord {
    pub word: String,
    pages: Postings,
    variants: Vec<(String, Postings)>,
}

impl CompactWord {
    pub fn new(word: String) -> Self {
        CompactWord {
            word,
            pages: Postings::default(),
            variants: Vec::new(),
        }
    }

    /// Appends one page's locations of this word (and of its variants); the
    /// pages must come after any already appended.
    pub fn append(&mut self, packed: PackedWord) {
        for page in packed.pages {
            self.pages.push(page);
        }
        for variant in packed.additional_variants {
            let position = self.variants.iter().position(|(f, _)| *f == variant.form);
            let i = position.unwrap_or_else(|| {
                self.variants.push((variant.form, Postings::default()));
                self.variants.len() - 1
            });
            let postings = &mut self.variants[i].1;
            for page in variant.pages {
                postings.push(page);
            }
        }
    }

    /// What this word adds to a chunk's size, as `chunk_index` counts it.
    pub fn size(&self) -> usize {
        self.pages.size
            + self.variants.iter().map(|(_, p)| p.size).sum::<usize>()
            + self.variants.len()
    }
}

impl<C> Encode<C> for CompactWord {
    fn encode<W: Write>(&self, e: &mut Encoder<W>, _: &mut C) -> Result<(), Error<W::Error>> {
        // PackedWord: [word, pages, additional_variants]; PackedVariant: [form, pages].
        e.array(3)?.str(&self.word)?;
        self.pages.encode(e)?;
        e.array(self.variants.len() as u64)?;
        for (form, pages) in &self.variants {
            e.array(2)?.str(form)?;
            pages.encode(e)?;
        }
        Ok(())
    }
}

/// One chunk of the word index, encoded as `WordIndex` is: `[words]`.
pub struct CompactChunk<'a>(pub &'a [CompactWord]);

impl<C> Encode<C> for CompactChunk<'_> {
    fn encode<W: Write>(&self, e: &mut Encoder<W>, ctx: &mut C) -> Result<(), Error<W::Error>> {
        e.array(1)?.array(self.0.len() as u64)?;
        for word in self.0 {
            word.encode(e, ctx)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::index_words::{PackedVariant, WordIndex};
    use super::*;

    fn page(page_number: usize, locs: Vec<i32>, meta_locs: Vec<i32>) -> PackedPage {
        PackedPage {
            page_number,
            locs,
            meta_locs,
        }
    }

    /// The pages of two words over three pages, one with a variant, merged
    /// compactly, encode to the bytes Pagefind's own structs (sorted and
    /// delta-encoded at the end) encode to.
    #[test]
    fn compact_words_encode_as_packed_words_do() {
        let per_page = vec![
            ("apple", 0, vec![1, 4], vec![], None),
            ("apple", 2, vec![7], vec![-1, 0], Some(("äpple", vec![9]))),
            ("pear", 2, vec![], vec![-2, 3], None),
            ("apple", 5, vec![2], vec![], Some(("äpple", vec![1, 1]))),
        ];
        let mut compact: Vec<CompactWord> = vec![
            CompactWord::new("apple".into()),
            CompactWord::new("pear".into()),
        ];
        let mut packed: Vec<PackedWord> = ["apple", "pear"]
            .iter()
            .map(|w| PackedWord {
                word: w.to_string(),
                pages: vec![],
                additional_variants: vec![],
            })
            .collect();
        for (word, number, locs, meta, variant) in per_page {
            let i = usize::from(word == "pear");
            let variants: Vec<PackedVariant> = variant
                .into_iter()
                .map(|(form, locs)| PackedVariant {
                    form: form.to_string(),
                    pages: vec![page(number, locs, vec![])],
                })
                .collect();
            let one = PackedWord {
                word: word.to_string(),
                pages: vec![page(number, locs, meta)],
                additional_variants: variants.clone(),
            };
            packed[i].pages.extend(one.pages.clone());
            for v in variants {
                match packed[i]
                    .additional_variants
                    .iter_mut()
                    .find(|x| x.form == v.form)
                {
                    Some(x) => x.pages.extend(v.pages),
                    None => packed[i].additional_variants.push(v),
                }
            }
            compact[i].append(one);
        }
        // Pages (locs + meta locs + 1 each), the variant's pages, one per variant.
        assert_eq!(
            compact[0].size(),
            (2 + 1) + (1 + 2 + 1) + (1 + 1) + (1 + 1) + (2 + 1) + 1
        );
        for word in &mut packed {
            let mut last = 0;
            for p in &mut word.pages {
                let n = p.page_number;
                p.page_number -= last;
                last = n;
            }
            for v in &mut word.additional_variants {
                let mut last = 0;
                for p in &mut v.pages {
                    let n = p.page_number;
                    p.page_number -= last;
                    last = n;
                }
            }
        }
        let mut expected = Vec::new();
        minicbor::encode(WordIndex { words: packed }, &mut expected).unwrap();
        let mut actual = Vec::new();
        minicbor::encode(CompactChunk(&compact), &mut actual).unwrap();
        assert_eq!(actual, expected);
    }

    /// Sharded and merged in two batches, the words encode as appending every
    /// page to one map in page order does.
    #[test]
    fn sharded_merge_is_the_sequential_merge() {
        let page_words = |n: usize| -> HashMap<String, PackedWord> {
            (0..40)
                .filter(|w| (w * 7 + n) % 3 != 0)
                .map(|w| {
                    let word = format!("w{w}");
                    let packed = PackedWord {
                        word: word.clone(),
                        pages: vec![page(n, vec![w as i32, n as i32], vec![])],
                        additional_variants: vec![],
                    };
                    (word, packed)
                })
                .collect()
        };
        let mut sequential: HashMap<String, CompactWord> = HashMap::new();
        for n in 0..10 {
            for (word, packed) in page_words(n) {
                sequential
                    .entry(word.clone())
                    .or_insert_with(|| CompactWord::new(word))
                    .append(packed);
            }
        }
        let mut shards: Vec<HashMap<String, CompactWord>> =
            (0..WORD_SHARDS).map(|_| HashMap::new()).collect();
        merge_buckets(
            &mut shards,
            (0..6).map(|n| bucket_words(page_words(n))).collect(),
        );
        merge_buckets(
            &mut shards,
            (6..10).map(|n| bucket_words(page_words(n))).collect(),
        );
        let encoded = |mut words: Vec<CompactWord>| {
            words.sort_by(|a, b| a.word.cmp(&b.word));
            let mut bytes = Vec::new();
            minicbor::encode(CompactChunk(&words), &mut bytes).unwrap();
            bytes
        };
        let sharded = shards.into_iter().flat_map(|s| s.into_values()).collect();
        assert_eq!(
            encoded(sharded),
            encoded(sequential.into_values().collect())
        );
    }
}

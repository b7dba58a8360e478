//! casebook patch: a fossicked page as bytes, so that a caller can keep what
//! fossicking made of a record and hand it back in a later build instead of
//! fossicking the same record again (see `api::FossickedRecord`).
//!
//! The encoding is private to one build of this crate (the caller keys what it
//! stores by this crate's version): lengths and numbers as LEB128 varints,
//! strings as length and UTF-8 bytes, word positions as deltas. `decode`
//! returns `None` for bytes it cannot read; it never panics.

use std::collections::BTreeMap;

use hashbrown::HashMap;

use super::{FossickedData, FossickedWord, MetaFossickedWord};
use crate::fragments::{PageAnchorData, PageFragment, PageFragmentData};

/// Bumped when the layout below changes.
const LAYOUT: u64 = 1;

pub fn encode(page: &FossickedData) -> Vec<u8> {
    let mut out = Writer(Vec::with_capacity(
        page.fragment.data.content.len() * 2 + 256,
    ));
    out.num(LAYOUT);
    out.str(&page.url);
    out.str(&page.language);
    let flags = [
        page.has_custom_body,
        page.force_inclusion,
        page.has_html_element,
        page.has_old_bundle_reference,
        page.has_default_ui_reference,
    ];
    out.num(
        flags
            .iter()
            .rev()
            .fold(0, |bits, &f| bits << 1 | u64::from(f)),
    );
    out.num(page.fragment.page_number as u64);
    encode_fragment(&mut out, &page.fragment.data);
    out.map(&page.sort);
    // Words in sorted order, so equal pages encode to equal bytes.
    let mut words: Vec<_> = page.word_data.iter().collect();
    words.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.num(words.len() as u64);
    for (word, positions) in words {
        out.str(word);
        out.num(positions.len() as u64);
        let mut last = 0u32;
        for p in positions {
            // Positions mostly increase; a wrapping delta keeps any order exact.
            out.num(
                u64::from(p.position.wrapping_sub(last)) << 1
                    | u64::from(p.original_word.is_some()),
            );
            last = p.position;
            out.0.push(p.weight);
            if let Some(original) = &p.original_word {
                out.str(original);
            }
        }
    }
    let mut meta_words: Vec<_> = page.meta_word_data.iter().collect();
    meta_words.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.num(meta_words.len() as u64);
    for (word, positions) in meta_words {
        out.str(word);
        out.num(positions.len() as u64);
        for p in positions {
            out.num(u64::from(p.field_id));
            out.num(u64::from(p.position) << 1 | u64::from(p.original_word.is_some()));
            if let Some(original) = &p.original_word {
                out.str(original);
            }
        }
    }
    out.0
}

fn encode_fragment(out: &mut Writer, data: &PageFragmentData) {
    out.str(&data.url);
    out.str(&data.content);
    out.num(data.word_count as u64);
    out.num(data.filters.len() as u64);
    for (name, values) in &data.filters {
        out.str(name);
        out.num(values.len() as u64);
        for v in values {
            out.str(v);
        }
    }
    out.map(&data.meta);
    out.num(data.anchors.len() as u64);
    for a in &data.anchors {
        out.str(&a.element);
        out.str(&a.id);
        out.str(&a.text);
        match &a.title {
            Some(t) => {
                out.num(1);
                out.str(t);
            }
            None => out.num(0),
        }
        out.num(u64::from(a.location));
    }
}

/// What an index must know of a stored page before its words (casebook
/// patch): enough to filter, group by language, number and sort the pages and
/// name the meta fields, so that the words themselves are decoded only when the
/// page's batch is indexed (see `index::PageSource`).
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub url: String,
    pub language: String,
    pub has_custom_body: bool,
    pub force_inclusion: bool,
    pub has_html_element: bool,
    pub sort: BTreeMap<String, String>,
    pub meta_keys: Vec<String>,
    pub has_words: bool,
}

/// The header of bytes `encode` wrote; `None` for bytes it did not write
/// (their words are read, and checked, only by `decode`).
pub fn decode_header(bytes: &[u8]) -> Option<Header> {
    let mut r = Reader(bytes);
    if r.num()? != LAYOUT {
        return None;
    }
    let url = r.string()?;
    let language = r.string()?;
    let flags = r.num()?;
    let flag = |i: u32| flags >> i & 1 == 1;
    r.num()?;
    let data = decode_fragment(&mut r)?;
    let sort = r.map()?;
    let has_words = r.len()? > 0;
    Some(Header {
        url,
        language,
        has_custom_body: flag(0),
        force_inclusion: flag(1),
        has_html_element: flag(2),
        sort,
        meta_keys: data.meta.into_keys().collect(),
        has_words,
    })
}

pub fn decode(bytes: &[u8]) -> Option<FossickedData> {
    let mut r = Reader(bytes);
    if r.num()? != LAYOUT {
        return None;
    }
    let url = r.string()?;
    let language = r.string()?;
    let flags = r.num()?;
    let flag = |i: u32| flags >> i & 1 == 1;
    let page_number = usize::try_from(r.num()?).ok()?;
    let data = decode_fragment(&mut r)?;
    let sort = r.map()?;
    let count = r.len()?;
    let mut word_data = HashMap::with_capacity(count);
    for _ in 0..count {
        let word = r.string()?;
        let n = r.len()?;
        let mut positions = Vec::with_capacity(n);
        let mut last = 0u32;
        for _ in 0..n {
            let packed = r.num()?;
            let position = last.wrapping_add(u32::try_from(packed >> 1).ok()?);
            last = position;
            let weight = r.byte()?;
            let original_word = if packed & 1 == 1 {
                Some(r.string()?)
            } else {
                None
            };
            positions.push(FossickedWord {
                position,
                weight,
                original_word,
            });
        }
        word_data.insert(word, positions);
    }
    let count = r.len()?;
    let mut meta_word_data = HashMap::with_capacity(count);
    for _ in 0..count {
        let word = r.string()?;
        let n = r.len()?;
        let mut positions = Vec::with_capacity(n);
        for _ in 0..n {
            let field_id = u16::try_from(r.num()?).ok()?;
            let packed = r.num()?;
            let position = u32::try_from(packed >> 1).ok()?;
            let original_word = if packed & 1 == 1 {
                Some(r.string()?)
            } else {
                None
            };
            positions.push(MetaFossickedWord {
                field_id,
                position,
                original_word,
            });
        }
        meta_word_data.insert(word, positions);
    }
    if !r.0.is_empty() {
        return None;
    }
    Some(FossickedData {
        url,
        fragment: PageFragment { page_number, data },
        word_data,
        meta_word_data,
        sort,
        has_custom_body: flag(0),
        force_inclusion: flag(1),
        has_html_element: flag(2),
        has_old_bundle_reference: flag(3),
        has_default_ui_reference: flag(4),
        language,
    })
}

fn decode_fragment(r: &mut Reader) -> Option<PageFragmentData> {
    let url = r.string()?;
    let content = r.string()?;
    let word_count = usize::try_from(r.num()?).ok()?;
    let mut filters = BTreeMap::new();
    for _ in 0..r.len()? {
        let name = r.string()?;
        let n = r.len()?;
        let values = (0..n).map(|_| r.string()).collect::<Option<Vec<_>>>()?;
        filters.insert(name, values);
    }
    let meta = r.map()?;
    let mut anchors = Vec::new();
    for _ in 0..r.len()? {
        anchors.push(PageAnchorData {
            element: r.string()?,
            id: r.string()?,
            text: r.string()?,
            title: match r.num()? {
                0 => None,
                1 => Some(r.string()?),
                _ => return None,
            },
            location: u32::try_from(r.num()?).ok()?,
        });
    }
    Some(PageFragmentData {
        url,
        content,
        word_count,
        filters,
        meta,
        anchors,
    })
}

struct Writer(Vec<u8>);

impl Writer {
    fn num(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn str(&mut self, s: &str) {
        self.num(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn map(&mut self, map: &BTreeMap<String, String>) {
        self.num(map.len() as u64);
        for (k, v) in map {
            self.str(k);
            self.str(v);
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn num(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    /// A count of items that follow: never more than the bytes left, so
    /// damaged input cannot ask for a huge allocation.
    fn len(&mut self) -> Option<usize> {
        let n = usize::try_from(self.num()?).ok()?;
        (n <= self.0.len()).then_some(n)
    }

    fn string(&mut self) -> Option<String> {
        let n = self.len()?;
        let (s, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        String::from_utf8(s.to_vec()).ok()
    }

    fn map(&mut self) -> Option<BTreeMap<String, String>> {
        let mut map = BTreeMap::new();
        for _ in 0..self.len()? {
            let k = self.string()?;
            map.insert(k, self.string()?);
        }
        Some(map)
    }
}

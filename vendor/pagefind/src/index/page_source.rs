//! casebook patch: a page waiting to be indexed, either as fossicking left it
//! or as the bytes `fossick::stored::encode` made of it. A stored page carries
//! only its header until its batch is indexed, so an index of many stored pages
//! never holds every page's word map at once (they were most of a large
//! build's peak memory).

use std::collections::BTreeMap;

use anyhow::{anyhow, Result};

use crate::fossick::{stored, FossickedData};

/// A stored page: its bytes (a caller may share one buffer between many) and
/// the header read from them when it was added.
pub struct StoredPage {
    pub bytes: Box<dyn AsRef<[u8]> + Send + Sync>,
    pub header: stored::Header,
}

pub enum PageSource {
    Fossicked(FossickedData),
    Stored(StoredPage),
}

impl PageSource {
    pub fn url(&self) -> &str {
        match self {
            PageSource::Fossicked(page) => &page.fragment.data.url,
            PageSource::Stored(page) => &page.header.url,
        }
    }

    pub fn language(&self) -> &str {
        match self {
            PageSource::Fossicked(page) => &page.language,
            PageSource::Stored(page) => &page.header.language,
        }
    }

    pub fn has_custom_body(&self) -> bool {
        match self {
            PageSource::Fossicked(page) => page.has_custom_body,
            PageSource::Stored(page) => page.header.has_custom_body,
        }
    }

    pub fn force_inclusion(&self) -> bool {
        match self {
            PageSource::Fossicked(page) => page.force_inclusion,
            PageSource::Stored(page) => page.header.force_inclusion,
        }
    }

    pub fn has_html_element(&self) -> bool {
        match self {
            PageSource::Fossicked(page) => page.has_html_element,
            PageSource::Stored(page) => page.header.has_html_element,
        }
    }

    pub fn has_words(&self) -> bool {
        match self {
            PageSource::Fossicked(page) => !page.word_data.is_empty(),
            PageSource::Stored(page) => page.header.has_words,
        }
    }

    pub fn sort(&self) -> &BTreeMap<String, String> {
        match self {
            PageSource::Fossicked(page) => &page.sort,
            PageSource::Stored(page) => &page.header.sort,
        }
    }

    pub fn meta_keys(&self) -> Box<dyn Iterator<Item = &String> + '_> {
        match self {
            PageSource::Fossicked(page) => Box::new(page.fragment.data.meta.keys()),
            PageSource::Stored(page) => Box::new(page.header.meta_keys.iter()),
        }
    }

    /// The whole page, numbered `page_number`: a stored page is decoded now.
    pub fn into_data(self, page_number: usize) -> Result<FossickedData> {
        let mut page = match self {
            PageSource::Fossicked(page) => page,
            PageSource::Stored(page) => {
                stored::decode(page.bytes.as_ref().as_ref()).ok_or_else(|| {
                    anyhow!("the stored record {} could not be read", page.header.url)
                })?
            }
        };
        page.fragment.page_number = page_number;
        Ok(page)
    }
}

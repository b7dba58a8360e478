//! The programmatic service interface for integrating Pagefind into another Rust project.
//!
//! # Examples
//!
//! ```
//! use pagefind::api::{PagefindIndex};
//! use pagefind::options::{PagefindServiceConfig};
//!
//! #[tokio::main]
//! async fn main() {
//!     let options = PagefindServiceConfig::builder()
//!         .keep_index_url(true)
//!         .force_language("en".to_string())
//!         .build();
//!     let mut index = PagefindIndex::new(Some(options)).expect("Options should be valid");
//!     let indexing_response = index
//!         .add_html_file(
//!             Some("test/index.html".into()),
//!             None,
//!             "<html><body><h1>Test content</h1></body></html>".into(),
//!         )
//!         .await;
//!
//!     if let Ok(file) = indexing_response {
//!         println!("Page word count: {}", file.page_word_count);
//!         println!("Page URL: {}", file.page_url);
//!     }
//!
//!     let files_response = index.get_files().await;
//!     if let Ok(files) = files_response {
//!         println!("Have {} files to write to disk", files.len());
//!     }
//! }
//! ```

pub use crate::output::SyntheticFile;
use anyhow::{bail, Result};
use rust_patch::Patch;
use std::{collections::BTreeMap, path::PathBuf, sync::Arc};

use crate::{
    fossick::{parser::DomParserResult, FossickedData, Fossicker},
    options::PagefindServiceConfig,
    PagefindInboundConfig, SearchOptions, SearchState,
};

#[derive(Debug)]
pub struct IndexedFileResponse {
    pub page_word_count: u32,
    pub page_url: String,
    pub page_meta: BTreeMap<String, String>,
}

/// A record for [`PagefindIndex::add_custom_records`] (casebook patch); the
/// fields are the arguments of [`PagefindIndex::add_custom_record`].
#[derive(Debug, Clone, Default)]
pub struct CustomRecord {
    /// The output URL of this record. Pagefind will not alter this.
    pub url: String,
    /// The raw content of this record.
    pub content: String,
    /// What language is this record written in. Expects an ISO 639-1 code.
    pub language: String,
    /// The metadata to attach to this record. Supplying a `title` is highly recommended.
    pub meta: Option<BTreeMap<String, String>>,
    /// The filters to attach to this record.
    pub filters: Option<BTreeMap<String, Vec<String>>>,
    /// The sort keys to attach to this record.
    pub sort: Option<BTreeMap<String, String>>,
}

impl CustomRecord {
    fn into_fossicker(self, force_language: Option<String>) -> Fossicker {
        let data = DomParserResult {
            digest: self.content,
            filters: self.filters.unwrap_or_default(),
            sort: self.sort.unwrap_or_default(),
            meta: self.meta.unwrap_or_default(),
            anchor_content: BTreeMap::new(),
            anchor_titles: BTreeMap::new(),
            has_custom_body: false,
            force_inclusion: true,
            has_html_element: true,
            has_old_bundle_reference: false,
            has_default_ui_reference: false,
            language: force_language.unwrap_or(self.language),
        };
        Fossicker::new_with_data(self.url, data)
    }
}

/// One record as fossicking left it (casebook patch): its words, positions
/// and fragment, ready to join an index. See [`PagefindIndex::fossick_records`].
pub struct FossickedRecord(FossickedData);

impl FossickedRecord {
    /// The bytes to keep: read back with [`Self::from_bytes`] by the same
    /// version of this crate only (key what you store by that version).
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::fossick::stored::encode(&self.0)
    }

    /// `None` when the bytes are not a record [`Self::to_bytes`] wrote.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        crate::fossick::stored::decode(bytes).map(FossickedRecord)
    }

    /// The record's URL.
    pub fn url(&self) -> &str {
        &self.0.url
    }
}

/// A record's bytes as [`FossickedRecord::to_bytes`] wrote them, checked
/// as far as its header (casebook patch). An index of stored records decodes
/// each one's words only when its batch is indexed, so it never holds every
/// record's words at once as [`PagefindIndex::add_fossicked_records`] does.
/// See [`PagefindIndex::add_stored_records`].
pub struct StoredRecord(crate::index::StoredPage);

impl StoredRecord {
    /// `None` when the bytes do not start as a record
    /// [`FossickedRecord::to_bytes`] wrote (the rest is read when indexed; a
    /// record that then cannot be read fails `build_indexes`). The bytes may
    /// be a view of a larger buffer, shared between records.
    pub fn new(bytes: impl AsRef<[u8]> + Send + Sync + 'static) -> Option<Self> {
        let header = crate::fossick::stored::decode_header(bytes.as_ref())?;
        Some(StoredRecord(crate::index::StoredPage {
            bytes: Box::new(bytes),
            header,
        }))
    }

    /// The record's URL.
    pub fn url(&self) -> &str {
        &self.0.header.url
    }
}

pub struct PagefindIndex {
    search_index: Arc<tokio::sync::Mutex<SearchState>>,
}

impl PagefindIndex {
    /// Create a new PagefindIndex instance that files can be added to.
    ///
    /// # Arguments
    /// * `config` - An optional PagefindServiceConfig to override default options for the service.
    ///
    /// # Returns
    /// A PagefindIndex instance if search options are valid, otherwise an Error.
    pub fn new(config: Option<PagefindServiceConfig>) -> Result<Self> {
        let mut service_options: PagefindInboundConfig =
            serde_json::from_str("{}").expect("All fields have serde defaults");

        service_options.service = true;
        if let Some(config) = config {
            service_options = config.apply(service_options);
        }

        let options = SearchOptions::load(service_options)?;
        Ok(Self {
            search_index: Arc::new(tokio::sync::Mutex::new(SearchState::new(options))),
        })
    }

    /// Add an HTML file that isn't on disk into this search index.
    /// Either a filepath or a URL must be provided.
    ///
    /// # Arguments
    /// * `source_path` - The source path of the HTML file if it were to exist on disk.
    /// * `url` - An explicit URL to use, instead of having Pagefind compute the URL based on the `source_path`.
    /// * `content` - The source HTML content of the file to be parsed.
    ///
    /// # Returns
    /// Metadata about the added file if successful, otherwise an Error.
    pub async fn add_html_file(
        &mut self,
        source_path: Option<String>,
        url: Option<String>,
        content: String,
    ) -> Result<IndexedFileResponse> {
        if source_path.is_none() && url.is_none() {
            bail!("Either source_path or url must be provided");
        }

        let file = Fossicker::new_synthetic(source_path.map(PathBuf::from), url, content);
        let state = Arc::clone(&self.search_index);
        let data = tokio::task::spawn_blocking(move || {
            state.blocking_lock().fossick_one(file)
        })
        .await
        .map_err(|e| anyhow::anyhow!("Task join error: {e}"))??;

        Ok(IndexedFileResponse {
            page_word_count: data.fragment.data.word_count as u32,
            page_url: data.fragment.data.url,
            page_meta: data.fragment.data.meta,
        })
    }

    /// Index a custom record that isn't backed by an HTML file.
    ///
    /// # Arguments
    /// * `url` - The output URL of this record. Pagefind will not alter this.
    /// * `content` - The raw content of this record.
    /// * `language` - What language is this record written in. Expects an ISO 639-1 code.
    /// * `meta` - The metadata to attach to this record. Supplying a `title` is highly recommended.
    /// * `filters` - The filters to attach to this record.
    /// * `sort` - The sort keys to attach to this record.
    ///
    /// # Returns
    /// Metadata about the added record if successful, otherwise an Error.
    pub async fn add_custom_record(
        &mut self,
        url: String,
        content: String,
        language: String,
        meta: Option<BTreeMap<String, String>>,
        filters: Option<BTreeMap<String, Vec<String>>>,
        sort: Option<BTreeMap<String, String>>,
    ) -> Result<IndexedFileResponse> {
        let force_language = self
            .search_index
            .lock()
            .await
            .options
            .force_language
            .clone();
        let record = CustomRecord {
            url,
            content,
            language,
            meta,
            filters,
            sort,
        };
        let file = record.into_fossicker(force_language);
        let state = Arc::clone(&self.search_index);
        let data = tokio::task::spawn_blocking(move || {
            state.blocking_lock().fossick_one(file)
        })
        .await
        .map_err(|e| anyhow::anyhow!("Task join error: {e}"))??;

        Ok(IndexedFileResponse {
            page_word_count: data.fragment.data.word_count as u32,
            page_url: data.fragment.data.url,
            page_meta: data.fragment.data.meta,
        })
    }

    /// Index many custom records at once (casebook patch): the records are
    /// processed in parallel (rayon) and added in the order given, so page
    /// numbers and the bundle bytes do not depend on thread scheduling. As with
    /// [`Self::add_custom_record`], a record whose URL is already in the index
    /// replaces that page. An error leaves the index as it was.
    ///
    /// The work runs on the calling thread (and rayon's pool), not through
    /// `spawn_blocking`: called from inside a rayon task, a blocking thread
    /// would leave that rayon worker idle while it waits.
    ///
    /// # Returns
    /// The number of records indexed if successful, otherwise an Error.
    pub async fn add_custom_records(&mut self, records: Vec<CustomRecord>) -> Result<usize> {
        let mut state = self.search_index.lock().await;
        let force_language = state.options.force_language.clone();
        let files = records
            .into_iter()
            .map(|record| record.into_fossicker(force_language.clone()))
            .collect();
        state.fossick_batch(files)
    }

    /// Fossick custom records without adding them (casebook patch): what
    /// [`Self::add_custom_records`] does to each record before it joins the
    /// index, returned so that a caller can keep it ([`FossickedRecord::to_bytes`])
    /// and add it in a later build with [`Self::add_fossicked_records`] instead
    /// of fossicking the same record again. Runs on the calling thread and
    /// rayon's pool, as `add_custom_records` does.
    pub async fn fossick_records(&self, records: Vec<CustomRecord>) -> Result<Vec<FossickedRecord>> {
        let state = self.search_index.lock().await;
        let force_language = state.options.force_language.clone();
        let files = records
            .into_iter()
            .map(|record| record.into_fossicker(force_language.clone()))
            .collect();
        Ok(state
            .fossick_apart(files)?
            .into_iter()
            .map(FossickedRecord)
            .collect())
    }

    /// Add records fossicked by [`Self::fossick_records`] (in this or an
    /// earlier build of the same crate version), in the order given (casebook
    /// patch). The index is then what `add_custom_records` of the same records
    /// would have made. Returns the number of records added.
    pub async fn add_fossicked_records(&mut self, records: Vec<FossickedRecord>) -> usize {
        let pages = records.into_iter().map(|r| r.0).collect();
        self.search_index.lock().await.add_fossicked(pages)
    }

    /// Append stored records (casebook patch), in the order given, after any
    /// fossicked ones; a URL already among the stored records replaces that
    /// record. The index it builds is the one `add_fossicked_records` builds
    /// of the same records.
    pub async fn add_stored_records(&mut self, records: Vec<StoredRecord>) -> usize {
        let pages = records.into_iter().map(|r| r.0).collect();
        self.search_index.lock().await.add_stored(pages)
    }

    /// Hand over gzipped files of an earlier build (casebook patch), by the
    /// xxh3-128 of their contents before compression, as
    /// [`SyntheticFile::content_hash`] gives them. [`Self::get_files`] reuses a
    /// file whose contents hash the same instead of compressing it again;
    /// compression is most of what writing a bundle costs.
    pub async fn reuse_encoded(&mut self, files: std::collections::HashMap<u128, Vec<u8>>) {
        self.search_index.lock().await.reuse_encoded = files;
    }

    /// Index a directory of HTML files from disk.
    ///
    /// # Arguments
    /// * `path` - The path to the directory to index.
    /// * `glob` - A glob pattern to match files in the directory. If not provided, the default glob pattern will be used.
    ///
    /// # Returns
    /// The number of pages indexed if successful, otherwise an Error.
    pub async fn add_directory(&mut self, path: String, glob: Option<String>) -> Result<usize> {
        let defaults: PagefindInboundConfig =
            serde_json::from_str("{}").expect("All fields have serde defaults");
        let glob = glob.unwrap_or(defaults.glob);

        let state = Arc::clone(&self.search_index);
        let page_count = tokio::task::spawn_blocking(move || {
            state.blocking_lock().fossick_many(PathBuf::from(path), glob)
        })
        .await
        .map_err(|e| anyhow::anyhow!("Task join error: {e}"))??;

        Ok(page_count)
    }

    /// Build the search index for this instance and hold it in memory.
    pub async fn build_indexes(&mut self) -> Result<()> {
        self.search_index.lock().await.build_indexes().await
    }

    /// Build the search index for this instance and write the files to disk.
    ///
    /// # Arguments
    /// * `output_path` - The path to write the files to. If not provided, the default output path will be used.
    ///
    /// # Returns
    /// The path files were written to if successful, otherwise an Error.
    pub async fn write_files(&mut self, output_path: Option<String>) -> Result<String> {
        let mut state = self.search_index.lock().await;
        state.build_indexes().await?;
        let resolved_output_path = state.write_files(output_path.map(Into::into)).await;

        Ok(resolved_output_path.to_string_lossy().into())
    }

    /// Build the search index for this instance and return the files as a list of
    /// SyntheticFileResponse.
    ///
    /// # Returns
    /// A list of SyntheticFiles containing the path and content of each file.
    pub async fn get_files(&mut self) -> Result<Vec<SyntheticFile>> {
        let mut state = self.search_index.lock().await;
        state.build_indexes().await?;
        Ok(state.get_files().await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn test_add_file() {
        let options = PagefindServiceConfig::builder()
            .keep_index_url(true)
            .force_language("en".to_string())
            .build();
        let mut index = PagefindIndex::new(Some(options)).unwrap();
        let file_response = index
            .add_html_file(
                Some("test/index.html".into()),
                None,
                "<html><body><h1>Test content</h1></body></html>".into(),
            )
            .await;

        let file = file_response.expect("Adding a file should succeed");
        assert_eq!(file.page_word_count, 2);
        assert_eq!(file.page_url, "/test/index.html");

        let files_response = index.get_files().await;

        let files = files_response.expect("Getting files should succeed");
        let filenames: Vec<_> = files.into_iter().map(|f| f.filename).collect();
        assert!(filenames.contains(&PathBuf::from("pagefind.js")));
        assert!(filenames.contains(&PathBuf::from("pagefind-ui.js")));
        assert!(filenames.contains(&PathBuf::from("pagefind-ui.css")));
        assert!(filenames.contains(&PathBuf::from("wasm.en.pagefind")));
        assert!(filenames.contains(&PathBuf::from("pagefind-entry.json")));
        assert!(filenames
            .iter()
            .any(|f| f.to_string_lossy().ends_with(".pf_meta")));
        assert!(filenames
            .iter()
            .any(|f| f.to_string_lossy().ends_with(".pf_fragment")));
        assert!(filenames
            .iter()
            .any(|f| f.to_string_lossy().ends_with(".pf_index")));
    }
}

//! The browser's search index: Pagefind's Rust API fed with casebook's records
//! (title, summary, body text, systems, tags, contributing factors, follow-up
//! titles), with filters for system, severity, year, status, tag and follow-up
//! state, and a date sort. Output files land under `search/` beside casebook's
//! own search page, which drives Pagefind's JS API.

use super::Record;
use std::collections::BTreeMap;

/// Pagefind files that casebook's UI does not load (it uses the JS API directly).
const UNUSED: &[&str] = &[
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
];

#[derive(Debug, thiserror::Error)]
#[error("cannot build the search index: {0}")]
pub struct IndexError(String);

/// Builds the Pagefind bundle in memory: (path under the bundle folder, bytes).
pub fn build(records: &[Record]) -> Result<Vec<(String, Vec<u8>)>, IndexError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| IndexError(e.to_string()))?;
    runtime.block_on(build_async(records))
}

async fn build_async(records: &[Record]) -> Result<Vec<(String, Vec<u8>)>, IndexError> {
    let options = pagefind::options::PagefindServiceConfig::builder()
        .force_language("en".to_string())
        .keep_index_url(false)
        .build();
    let mut index =
        pagefind::api::PagefindIndex::new(Some(options)).map_err(|e| IndexError(e.to_string()))?;
    for r in records {
        let mut meta = BTreeMap::new();
        meta.insert("title".to_owned(), r.title.clone());
        meta.insert("date".to_owned(), r.date.clone());
        meta.insert("id".to_owned(), r.id.clone());
        meta.insert("status".to_owned(), r.status.to_owned());
        meta.insert("systems".to_owned(), r.systems.join(", "));
        if let Some(s) = &r.severity {
            meta.insert("severity".to_owned(), s.clone());
        }
        let mut filters: BTreeMap<String, Vec<String>> = BTreeMap::new();
        filters.insert("system".to_owned(), r.systems.clone());
        filters.insert("severity".to_owned(), r.severity.iter().cloned().collect());
        filters.insert("year".to_owned(), vec![r.year.clone()]);
        filters.insert("status".to_owned(), vec![r.status.to_owned()]);
        filters.insert("tag".to_owned(), r.tags.clone());
        filters.insert("follow-ups".to_owned(), vec![r.follow_up_state.to_owned()]);
        filters.retain(|_, v| !v.is_empty());
        let mut sort = BTreeMap::new();
        sort.insert("date".to_owned(), r.date.clone());
        // Title, systems, tags and factors are part of the searchable text too.
        let content = format!(
            "{}. {}. {}. {}. {}",
            r.title,
            r.systems.join(", "),
            r.factors
                .iter()
                .map(|f| f.replace('-', " "))
                .collect::<Vec<_>>()
                .join(", "),
            r.tags.join(", "),
            r.text
        );
        index
            .add_custom_record(
                format!("/incidents/{}/", r.id),
                content,
                "en".to_owned(),
                Some(meta),
                Some(filters),
                Some(sort),
            )
            .await
            .map_err(|e| IndexError(e.to_string()))?;
    }
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let files = index
        .get_files()
        .await
        .map_err(|e| IndexError(e.to_string()))?;
    Ok(files
        .into_iter()
        .filter_map(|f| {
            let name = f.filename.to_string_lossy().replace('\\', "/");
            let unused = UNUSED.contains(&name.as_str()) || name.starts_with("playground/");
            (!unused).then_some((name, f.contents))
        })
        .collect())
}

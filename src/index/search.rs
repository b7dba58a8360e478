//! Terminal search: a tantivy index of the archive kept on disk in
//! `.casebook-cache/` under the archive root, keyed by the archive's files (path,
//! size, modification time) and casebook's version, so a second search reuses it
//! without re-reading any write-up. BM25 over title (boosted) and text; quoted
//! phrases; filters by system, severity and date.

use super::Record;
use crate::diagnostic::Diagnostic;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, Value, FAST, INDEXED, STORED, STRING, TEXT,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{doc, Index, IndexWriter, TantivyDocument, Term};

pub const CACHE_DIR: &str = ".casebook-cache";

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("invalid query: {0}")]
    Query(String),
    #[error("cannot use the cache folder {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The archive has errors, so it cannot be indexed.
    #[error("the archive has errors; run `casebook check`")]
    Invalid(Vec<Diagnostic>),
}

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    pub system: Option<String>,
    pub severity: Option<String>,
    pub since: Option<jiff::civil::Date>,
    pub limit: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    pub id: String,
    pub date: String,
    pub severity: Option<String>,
    pub title: String,
    pub systems: Vec<String>,
    pub score: f32,
    /// Plain text with the matched words between `[` and `]`... rendered by the caller.
    pub snippet: String,
    #[serde(skip)]
    pub highlights: Vec<std::ops::Range<usize>>,
}

struct Fields {
    id: Field,
    title: Field,
    text: Field,
    date: Field,
    day: Field,
    severity: Field,
    system: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", TEXT | STORED),
        text: b.add_text_field("text", TEXT | STORED),
        date: b.add_text_field("date", STORED),
        day: b.add_i64_field("day", INDEXED | FAST),
        severity: b.add_text_field("severity", STRING | STORED),
        system: b.add_text_field("system", STRING | STORED),
    };
    (b.build(), fields)
}

/// Days since 1970-01-01, for date range filters.
fn day_number(date: &str) -> i64 {
    date.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.since(jiff::civil::date(1970, 1, 1)).ok())
        .map_or(0, |span| i64::from(span.get_days()))
}

/// A key that changes whenever any source file, the config or casebook changes.
pub fn cache_key(root: &Path) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    // One walk, one stat per file: this runs before every terminal search.
    for entry in walkdir::WalkDir::new(root.join("content"))
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if let Ok(meta) = entry.metadata() {
            if meta.is_file() {
                entry.path().hash(&mut hasher);
                meta.len().hash(&mut hasher);
                if let Ok(modified) = meta.modified() {
                    modified.hash(&mut hasher);
                }
            }
        }
    }
    if let Ok(meta) = std::fs::metadata(root.join(crate::config::CONFIG_FILE)) {
        meta.len().hash(&mut hasher);
        if let Ok(modified) = meta.modified() {
            modified.hash(&mut hasher);
        }
    }
    format!("{:016x}", hasher.finish())
}

/// An open search index for one state of the archive.
pub struct SearchIndex {
    index: Index,
    fields: Fields,
}

impl SearchIndex {
    /// Opens the cached index for `key`, or builds it with `records()` when missing.
    pub fn open_or_build(
        root: &Path,
        key: &str,
        records: impl FnOnce() -> Result<Vec<Record>, SearchError>,
    ) -> Result<(Self, bool), SearchError> {
        let cache = root.join(CACHE_DIR);
        let dir = cache.join(format!("search-{key}"));
        let (schema, fields) = schema();
        if dir.join("meta.json").exists() {
            if let Ok(index) = Index::open_in_dir(&dir) {
                return Ok((Self { index, fields }, false));
            }
        }
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| SearchError::Io { path, source }
        };
        std::fs::create_dir_all(&cache).map_err(io(&cache))?;
        let staging = cache.join(format!("building-{key}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging).map_err(io(&staging))?;
        let index = Index::create_in_dir(&staging, schema)?;
        let mut writer: IndexWriter = index.writer(100_000_000)?;
        for r in records()? {
            let mut d = doc!(
                fields.id => r.id.as_str(),
                fields.title => r.title.as_str(),
                fields.text => format!("{}\n{}\n{}", r.text, r.factors.join(" "), r.tags.join(" ")),
                fields.date => r.date.as_str(),
                fields.day => day_number(&r.date),
            );
            if let Some(s) = &r.severity {
                d.add_text(fields.severity, s);
            }
            for s in &r.systems {
                d.add_text(fields.system, s);
            }
            writer.add_document(d)?;
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        drop(index);
        // Old states of the archive are useless; keep the cache to one index.
        if let Ok(entries) = std::fs::read_dir(&cache) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with("search-") {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        std::fs::rename(&staging, &dir).map_err(io(&dir))?;
        let index = Index::open_in_dir(&dir)?;
        Ok((Self { index, fields }, true))
    }

    pub fn search(&self, q: &SearchQuery) -> Result<Vec<Hit>, SearchError> {
        let reader = self.index.reader()?;
        let searcher = reader.searcher();
        let f = &self.fields;
        let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.text]);
        parser.set_field_boost(f.title, 2.0);
        parser.set_conjunction_by_default();
        let text_query = parser
            .parse_query(&q.text)
            .map_err(|e| SearchError::Query(e.to_string()))?;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text_query.box_clone())];
        if let Some(s) = &q.system {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.system, s),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if let Some(s) = &q.severity {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.severity, s),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if let Some(since) = q.since {
            let from = day_number(&since.to_string());
            let range = RangeQuery::new(
                std::ops::Bound::Included(Term::from_field_i64(f.day, from)),
                std::ops::Bound::Unbounded,
            );
            clauses.push((Occur::Must, Box::new(range)));
        }
        let query = BooleanQuery::new(clauses);
        let top = searcher.search(
            &query,
            &TopDocs::with_limit(q.limit.max(1)).order_by_score(),
        )?;
        let mut snippets = SnippetGenerator::create(&searcher, &*text_query, f.text)?;
        snippets.set_max_num_chars(160);
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr)?;
            let text = |field: Field| {
                d.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let snippet = snippets.snippet_from_doc(&d);
            hits.push(Hit {
                id: text(f.id),
                date: text(f.date),
                severity: d
                    .get_first(f.severity)
                    .and_then(|v| v.as_str())
                    .map(str::to_owned),
                title: text(f.title),
                systems: d
                    .get_all(f.system)
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                score,
                snippet: snippet.fragment().replace('\n', " "),
                highlights: snippet.highlighted().to_vec(),
            });
        }
        Ok(hits)
    }
}

//! Terminal search: a tantivy index of the archive kept on disk in
//! `.casebook-cache/` under the archive root, keyed by the archive's files (path,
//! size, modification time) and casebook's version, so a second search reuses it
//! without re-reading any write-up. BM25 over title (boosted), the prose and the
//! names and follow-up titles (searched, never in a snippet, as in the
//! browser's index: see [`super::pagefind`]); typed
//! text is plain words and quoted phrases (see [`super::query`]), tantivy's query
//! language only when asked; filters by system, severity and date, checked
//! against the values the index holds.
//!
//! A warm search is mostly the key: at 10,000 write-ups, one `stat` per file is
//! about two thirds of the process's time, so [`cache_key`] does nothing else
//! per file.

use super::Record;
use crate::diagnostic::Diagnostic;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED, STORED,
    STRING,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{doc, Index, IndexWriter, ReloadPolicy, TantivyDocument, Term};

pub const CACHE_DIR: &str = ".casebook-cache";

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("invalid query: {0}")]
    Query(String),
    /// A `--system` or `--severity` value no incident has.
    #[error("no incident has {what} \"{value}\"{}", .suggestion.as_ref().map(|s| format!("; did you mean \"{s}\"?")).unwrap_or_default())]
    UnknownFilter {
        what: &'static str,
        value: String,
        suggestion: Option<String>,
    },
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
    /// At most this many hits; 0 gives none.
    pub limit: usize,
    /// Read `text` in tantivy's query language (`title:lag AND -dns`) instead
    /// of as plain words.
    pub syntax: bool,
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
    /// Systems, factors, tags and follow-up titles: matched, not excerpted.
    names: Field,
    date: Field,
    day: Field,
    severity: Field,
    system: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(super::query::TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        title: b.add_text_field("title", words.clone()),
        text: b.add_text_field("text", words.clone()),
        names: b.add_text_field("names", words),
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
///
/// It runs before every terminal search, so it must cost far less than the
/// search: one `readdir` per folder and one `stat` per file, relative to the
/// open folder (no path lookup per file), and paths hashed relative to `root` so
/// that `--root /a/b` and `cd /a/b` share the cache. Size and modification time
/// catch an edit in place, which leaves the folder's own time unchanged; on Unix
/// the change time and inode also catch a file replaced with an old timestamp.
pub fn cache_key(root: &Path) -> String {
    let mut found = Vec::with_capacity(1024);
    collect_files(&root.join("content"), &mut Vec::new(), &mut found);
    let mut files = stat_all(found);
    // Paths compare as bytes: far cheaper than `Path`'s component-wise order.
    files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    // Bump when what is indexed from the same files changes.
    const INDEX_FORMAT: u32 = 4;
    INDEX_FORMAT.hash(&mut hasher);
    files.len().hash(&mut hasher);
    for f in &files {
        f.hash(&mut hasher);
    }
    match std::fs::metadata(root.join(crate::config::CONFIG_FILE)) {
        Ok(meta) => FileStamp::new(b"casebook.toml".to_vec(), &meta).hash(&mut hasher),
        Err(_) => "no config".hash(&mut hasher),
    }
    format!("{:016x}", hasher.finish())
}

/// What the cache key knows of one file.
#[derive(Hash)]
struct FileStamp {
    /// Relative to `content/`, `/`-separated, as bytes.
    path: Vec<u8>,
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    changed: (i64, i64, u64),
}

impl FileStamp {
    fn new(path: Vec<u8>, meta: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Self {
            path,
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            changed: (meta.ctime(), meta.ctime_nsec(), meta.ino()),
        }
    }
}

/// Every regular file under `dir` with its path relative to `dir` (symbolic
/// links are skipped, as loading does). Unreadable folders are skipped too:
/// loading reports them.
fn collect_files(dir: &Path, prefix: &mut Vec<u8>, out: &mut Vec<(Vec<u8>, std::fs::DirEntry)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        // From the directory entry itself on most file systems: no syscall.
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let len = prefix.len();
        prefix.extend_from_slice(entry.file_name().as_encoded_bytes());
        if kind.is_dir() {
            prefix.push(b'/');
            collect_files(&entry.path(), prefix, out);
        } else if kind.is_file() {
            out.push((prefix.clone(), entry));
        }
        prefix.truncate(len);
    }
}

/// Stats every file, on a few threads when there are many: the `stat`s are
/// most of the key's cost, and they scale with cores. `DirEntry::metadata`
/// stats relative to the open folder, without a path lookup per file.
fn stat_all(found: Vec<(Vec<u8>, std::fs::DirEntry)>) -> Vec<FileStamp> {
    fn stat(chunk: Vec<(Vec<u8>, std::fs::DirEntry)>) -> Vec<FileStamp> {
        chunk
            .into_iter()
            .filter_map(|(path, entry)| Some(FileStamp::new(path, &entry.metadata().ok()?)))
            .collect()
    }
    // Below this, starting threads costs more than it saves.
    const PER_THREAD: usize = 1000;
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(4)
        .min(found.len() / PER_THREAD)
        .max(1);
    if threads == 1 {
        return stat(found);
    }
    let size = found.len().div_ceil(threads);
    let mut chunks = Vec::with_capacity(threads);
    let mut rest = found;
    while rest.len() > size {
        let tail = rest.split_off(size);
        chunks.push(std::mem::replace(&mut rest, tail));
    }
    chunks.push(rest);
    std::thread::scope(|scope| {
        let mut chunks = chunks.into_iter();
        // The first chunk is done on this thread.
        let first = chunks.next().unwrap_or_default();
        let handles: Vec<_> = chunks.map(|c| scope.spawn(move || stat(c))).collect();
        let mut files = stat(first);
        for h in handles {
            // A thread that panicked stat'ed nothing: the key then differs,
            // which only costs a rebuild.
            files.extend(h.join().unwrap_or_default());
        }
        files
    })
}

/// An open search index for one state of the archive.
pub struct SearchIndex {
    index: Index,
    fields: Fields,
    /// Set when a cached index was there but damaged, and was rebuilt: one
    /// line for stderr saying so.
    pub repaired: Option<String>,
}

impl SearchIndex {
    /// Opens the cached index for `key`, or builds it with `records()` when missing.
    pub fn open_or_build(
        root: &Path,
        key: &str,
        records: impl FnOnce() -> Result<Vec<Record>, SearchError>,
    ) -> Result<(Self, bool), SearchError> {
        let cache = root.join(CACHE_DIR);
        let dir = super::search_cache::index_dir(root, key);
        let (schema, fields) = schema();
        let mut repaired = None;
        if dir.exists() {
            match super::search_cache::open(&dir) {
                Ok(index) => {
                    register_tokenizer(&index)?;
                    let repaired = None;
                    return Ok((
                        Self {
                            index,
                            fields,
                            repaired,
                        },
                        false,
                    ));
                }
                Err(why) => repaired = Some(super::search_cache::repaired(root, key, &why)),
            }
        }
        std::fs::create_dir_all(&cache).map_err(io_error(&cache))?;
        let staging = cache.join(format!("building-{key}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging).map_err(io_error(&staging))?;
        write_index(&staging, schema, &fields, records()?)?;
        // Old states of the archive are useless; keep the cache to one index.
        if let Ok(entries) = std::fs::read_dir(&cache) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with("search-") {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        std::fs::rename(&staging, &dir).map_err(io_error(&dir))?;
        let index = Index::open_in_dir(&dir)?;
        register_tokenizer(&index)?;
        Ok((
            Self {
                index,
                fields,
                repaired,
            },
            true,
        ))
    }

    /// Whether every file of the index passes its checksum; why not, if not.
    pub fn verify(&self) -> Result<(), String> {
        super::search_cache::verify(&self.index)
    }

    pub fn search(&self, q: &SearchQuery) -> Result<Vec<Hit>, SearchError> {
        super::query_guard::check_query(&q.text)?;
        // Manual reload: the default policy starts a thread that watches the
        // index for commits, which a one-shot search never makes.
        let reader = self
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let f = &self.fields;
        let text_query = self.text_query(q)?;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text_query.box_clone())];
        let filters = [
            ("system", f.system, q.system.as_deref()),
            ("severity", f.severity, q.severity.as_deref()),
        ];
        for (what, field, value) in filters {
            let Some(value) = value else { continue };
            let value = known_value(&searcher, what, field, value)?;
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(field, &value),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if q.limit == 0 {
            return Ok(Vec::new());
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
        let top = searcher.search(&query, &TopDocs::with_limit(q.limit).order_by_score())?;
        let mut snippets = SnippetGenerator::create(&searcher, &*text_query, f.text)?;
        snippets.set_max_num_chars(160);
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let d: TantivyDocument = searcher.doc(addr)?;
            hits.push(self.hit(&d, score, &snippets));
        }
        Ok(hits)
    }

    /// What the user typed, over title (boosted), prose and names: plain words
    /// and quoted phrases, or tantivy's query language when asked.
    fn text_query(&self, q: &SearchQuery) -> Result<Box<dyn Query>, SearchError> {
        let f = &self.fields;
        if q.syntax {
            let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.text, f.names]);
            parser.set_field_boost(f.title, 2.0);
            parser.set_conjunction_by_default();
            return parser
                .parse_query(&q.text)
                .map_err(|e| SearchError::Query(e.to_string()));
        }
        let mut analyzer = self.index.tokenizer_for_field(f.text)?;
        let pieces = super::query::pieces(&q.text, &mut analyzer);
        if pieces.is_empty() {
            return Err(SearchError::Query(format!(
                "\"{}\" has no words to search for",
                q.text
            )));
        }
        Ok(Box::new(super::query::plain(
            &pieces,
            &[(f.title, 2.0), (f.text, 1.0), (f.names, 1.0)],
        )))
    }

    /// One found document as a hit, its snippet from the prose.
    fn hit(&self, d: &TantivyDocument, score: f32, snippets: &SnippetGenerator) -> Hit {
        let f = &self.fields;
        let text = |field: Field| {
            d.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let snippet = snippets.snippet_from_doc(d);
        // Matched only by a name or a follow-up title: the prose opens the hit.
        let (fragment, highlights) = if snippet.fragment().trim().is_empty() {
            (opening(&text(f.text), 160), Vec::new())
        } else {
            (
                snippet.fragment().to_owned(),
                snippet.highlighted().to_vec(),
            )
        };
        Hit {
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
            snippet: fragment.replace('\n', " "),
            highlights,
        }
    }
}

/// Tokenizers are not stored in the index: ours is registered on every open.
fn register_tokenizer(index: &Index) -> Result<(), SearchError> {
    index
        .tokenizers()
        .register(super::query::TOKENIZER, super::query::analyzer()?);
    Ok(())
}

/// An I/O error on `path`, as a [`SearchError`].
fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SearchError {
    let path = path.to_path_buf();
    move |source| SearchError::Io { path, source }
}

/// A new index of `records` in `dir`, committed and merged.
fn write_index(
    dir: &Path,
    schema: Schema,
    fields: &Fields,
    records: Vec<Record>,
) -> Result<(), SearchError> {
    let index = Index::create_in_dir(dir, schema)?;
    register_tokenizer(&index)?;
    let mut writer: IndexWriter = index.writer(100_000_000)?;
    for r in records {
        let mut d = doc!(
            fields.id => r.id.as_str(),
            fields.title => r.title.as_str(),
            fields.text => r.text.as_str(),
            fields.names => names(&r),
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
    Ok(())
}

/// What a record is found by besides its title and prose: systems, factors
/// (the tokenizer splits `stale-dns-cache` into its words), tags and
/// follow-up titles.
fn names(r: &Record) -> String {
    r.systems
        .iter()
        .cloned()
        .chain(r.factors.iter().cloned())
        .chain(r.tags.iter().cloned())
        .chain(r.follow_ups.iter().cloned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first `max` bytes of `text` or fewer, cut at a word boundary.
fn opening(text: &str, max: usize) -> String {
    let text = text.trim_start();
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = text[..end].rfind(char::is_whitespace).unwrap_or(end);
    format!("{}…", text[..cut].trim_end())
}

/// `value` as the index spells it (case does not matter: `sev2` is `SEV2`), or
/// an error naming the closest value there is.
fn known_value(
    searcher: &tantivy::Searcher,
    what: &'static str,
    field: Field,
    value: &str,
) -> Result<String, SearchError> {
    let mut known = std::collections::BTreeSet::new();
    for segment in searcher.segment_readers() {
        let terms = segment.inverted_index(field)?;
        let mut stream = terms
            .terms()
            .stream()
            .map_err(|e| SearchError::Index(e.into()))?;
        while stream.advance() {
            if let Ok(term) = std::str::from_utf8(stream.key()) {
                known.insert(term.to_owned());
            }
        }
    }
    if let Some(hit) = known.iter().find(|k| k.eq_ignore_ascii_case(value)) {
        return Ok(hit.clone());
    }
    let lower: Vec<String> = known.iter().map(|k| k.to_lowercase()).collect();
    let suggestion =
        crate::diagnostic::did_you_mean(&value.to_lowercase(), lower.iter().map(String::as_str))
            .and_then(|close| known.iter().find(|k| k.to_lowercase() == close))
            .cloned();
    Err(SearchError::UnknownFilter {
        what,
        value: value.to_owned(),
        suggestion,
    })
}

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
    build_custom(records.iter().map(custom_record).collect())
}

/// [`build`] from records already in Pagefind's form, so a caller can free its
/// own records before indexing (they hold every incident's text once more).
fn build_custom(
    records: Vec<pagefind::api::CustomRecord>,
) -> Result<Vec<(String, Vec<u8>)>, IndexError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| IndexError(e.to_string()))?;
    runtime.block_on(build_async(records))
}

async fn build_async(
    records: Vec<pagefind::api::CustomRecord>,
) -> Result<Vec<(String, Vec<u8>)>, IndexError> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let mut index = new_index()?;
    // One batch: the vendored Pagefind indexes it in parallel, in this order.
    index
        .add_custom_records(records)
        .await
        .map_err(|e| IndexError(e.to_string()))?;
    bundle_files(&mut index).await
}

fn new_index() -> Result<pagefind::api::PagefindIndex, IndexError> {
    let options = pagefind::options::PagefindServiceConfig::builder()
        .force_language("en".to_string())
        .keep_index_url(false)
        .build();
    pagefind::api::PagefindIndex::new(Some(options)).map_err(|e| IndexError(e.to_string()))
}

fn custom_record(r: &Record) -> pagefind::api::CustomRecord {
    // Only what the result list shows and the filters do not hold: every
    // meta value is copied into each result's fragment and indexed as
    // words again, and severity, status and systems are filters already.
    let mut meta = BTreeMap::new();
    meta.insert("title".to_owned(), r.title.clone());
    meta.insert("date".to_owned(), r.date.clone());
    // The result list prints "2 Nov 2024" as pages do; ISO stays for `datetime`.
    meta.insert("shown".to_owned(), r.date_shown.clone());
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
    // Body first: Pagefind takes the excerpt from the densest run of matches,
    // and a leading block of systems and tags would win it too often.
    let content = format!(
        "{}. {}\n{}. {}. {}.",
        r.title,
        r.text,
        r.systems.join(", "),
        r.factors
            .iter()
            .map(|f| f.replace('-', " "))
            .collect::<Vec<_>>()
            .join(", "),
        r.tags.join(", "),
    );
    pagefind::api::CustomRecord {
        url: format!("/incidents/{}/", r.id),
        content,
        language: "en".to_owned(),
        meta: Some(meta),
        filters: Some(filters),
        sort: Some(sort),
    }
}

/// The bundle's files that casebook ships.
async fn bundle_files(
    index: &mut pagefind::api::PagefindIndex,
) -> Result<Vec<(String, Vec<u8>)>, IndexError> {
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

/// The bundle's files: (path under the bundle folder, bytes).
pub type Files = Vec<(String, Vec<u8>)>;

/// What [`build_cached`] hands back.
pub struct Bundle {
    pub files: Files,
    /// Set when a cached bundle was there but could not be trusted (unreadable,
    /// truncated, or its checksum did not match): why, for one line on stderr. It
    /// was rebuilt.
    pub repaired: Option<String>,
}

/// Like [`build`], but reuses the bundle from `ROOT/.casebook-cache/` when the
/// records would be made of the same inputs (`records_key`, see
/// [`super::records_key`]) as in an earlier build; `records` is called only when
/// not. Pagefind indexing is the slowest
/// part of a build and its output depends only on the records.
pub fn build_cached(
    root: &std::path::Path,
    records_key: u64,
    records: impl FnOnce() -> Vec<Record>,
) -> Result<Bundle, IndexError> {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    // Bump when what `build` makes of the same records changes.
    const BUNDLE_FORMAT: u32 = 6;
    BUNDLE_FORMAT.hash(&mut hasher);
    records_key.hash(&mut hasher);
    let cache = root.join(super::search::CACHE_DIR);
    let dir = cache.join(format!("pagefind-{:016x}", hasher.finish()));
    let repaired = match read_bundle(&dir) {
        Ok(Some(files)) => {
            return Ok(Bundle {
                files,
                repaired: None,
            })
        }
        Ok(None) => None,
        Err(why) => Some(format!(
            "the cached search bundle {} {why}; rebuilt it",
            crate::diagnostic::relative(root, &dir.join(BUNDLE_FILE)).display()
        )),
    };
    let custom: Vec<_> = records().iter().map(custom_record).collect();
    let files = build_custom(custom)?;
    // The cache is an optimisation: a read-only archive folder still builds.
    let _ = write_bundle(&cache, &dir, &files);
    Ok(Bundle { files, repaired })
}

/// The cached bundle is one file (name and bytes, length-prefixed, then the
/// xxh3 of all that): reading ten thousand small files back costs more than the
/// copy saves, and one checksum over the file catches any flipped byte, which
/// would otherwise ship a garbled index without a word.
const BUNDLE_FILE: &str = "bundle.bin";

/// The bundle in `dir`; None when there is none, an error saying why when there
/// is one that cannot be trusted.
fn read_bundle(dir: &std::path::Path) -> Result<Option<Files>, String> {
    let data = match std::fs::read(dir.join(BUNDLE_FILE)) {
        Ok(data) => data,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("could not be read ({e})")),
    };
    let (payload, digest) = data
        .split_last_chunk::<8>()
        .ok_or("is truncated".to_owned())?;
    if xxhash_rust::xxh3::xxh3_64(payload) != u64::from_le_bytes(*digest) {
        return Err("is damaged (its checksum does not match)".to_owned());
    }
    parse_bundle(payload)
        .map(Some)
        .ok_or("is damaged (its framing is broken)".to_owned())
}

fn parse_bundle(mut rest: &[u8]) -> Option<Files> {
    let mut files = Vec::new();
    while !rest.is_empty() {
        let (name_len, r) = rest.split_first_chunk::<4>()?;
        let name_len = u32::from_le_bytes(*name_len) as usize;
        let (name, r) = r.split_at_checked(name_len)?;
        let (len, r) = r.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        let (bytes, r) = r.split_at_checked(len)?;
        files.push((String::from_utf8(name.to_vec()).ok()?, bytes.to_vec()));
        rest = r;
    }
    Some(files)
}

fn write_bundle(
    cache: &std::path::Path,
    dir: &std::path::Path,
    files: &[(String, Vec<u8>)],
) -> std::io::Result<()> {
    let staging = cache.join(format!("pagefind-building-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)?;
    // Streamed: a copy of the whole bundle in memory would add to the cold build's peak.
    use std::io::Write as _;
    let mut data = std::io::BufWriter::new(std::fs::File::create(staging.join(BUNDLE_FILE))?);
    let mut digest = xxhash_rust::xxh3::Xxh3::new();
    let mut put = |bytes: &[u8]| {
        digest.update(bytes);
        data.write_all(bytes)
    };
    for (name, bytes) in files {
        put(&(name.len() as u32).to_le_bytes())?;
        put(name.as_bytes())?;
        put(&(bytes.len() as u64).to_le_bytes())?;
        put(bytes)?;
    }
    data.write_all(&digest.digest().to_le_bytes())?;
    data.into_inner().map_err(|e| e.into_error())?;
    // Keep the newest two bundles (e.g. the internal and the public build).
    let mut old: Vec<(std::time::SystemTime, std::path::PathBuf)> = std::fs::read_dir(cache)?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("pagefind-") && e.path() != staging)
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    old.sort();
    old.reverse();
    for (_, path) in old.into_iter().skip(1) {
        let _ = std::fs::remove_dir_all(path);
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::rename(&staging, dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// More records than the vendored Pagefind processes in one parallel batch,
    /// with words (and a word with a diacritic) shared between them.
    fn sample_records() -> Vec<Record> {
        (0..300)
            .map(|i| Record {
                id: format!("inc-{i:04}"),
                title: format!(
                    "Incident {i}: {} outage",
                    ["replica", "dns", "timeout"][i % 3]
                ),
                date: format!("2025-{:02}-{:02}", i % 12 + 1, i % 28 + 1),
                date_shown: format!("{} Jan 2025", i % 28 + 1),
                year: "2025".to_owned(),
                severity: (i % 4 != 0).then(|| format!("sev{}", i % 3 + 1)),
                status: "resolved",
                systems: vec![format!("system-{}", i % 7)],
                tags: match i % 5 {
                    0 => vec![],
                    _ => vec!["network".to_owned(), format!("tag{}", i % 11)],
                },
                factors: vec!["config-change".to_owned()],
                text: format!(
                    "The café replica lagged {i} seconds; failover to zone {} took {} minutes.",
                    i % 3,
                    i % 17
                ),
                follow_up_state: "none",
            })
            .collect()
    }

    #[test]
    fn the_batch_builds_what_one_record_at_a_time_builds() {
        let records = sample_records();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let one_at_a_time = runtime.block_on(async {
            let mut index = new_index().expect("index");
            for r in &records {
                let c = custom_record(r);
                index
                    .add_custom_record(c.url, c.content, c.language, c.meta, c.filters, c.sort)
                    .await
                    .expect("record");
            }
            bundle_files(&mut index).await.expect("files")
        });
        let batch = build(&records).expect("batch");
        assert!(batch.iter().any(|(name, _)| name.ends_with(".pf_index")));
        assert_same_files(&batch, &one_at_a_time);
        assert_same_files(&batch, &build(&records).expect("again"));
    }

    /// Same names and bytes, in any order (names in the message, not bytes).
    fn assert_same_files(a: &[(String, Vec<u8>)], b: &[(String, Vec<u8>)]) {
        let sorted = |files: &[(String, Vec<u8>)]| {
            let mut files: Vec<(String, Vec<u8>)> = files.to_vec();
            files.sort();
            files
        };
        let (a, b) = (sorted(a), sorted(b));
        let names =
            |files: &[(String, Vec<u8>)]| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b));
        for ((name, x), (_, y)) in a.iter().zip(&b) {
            assert!(x == y, "{name} differs");
        }
    }

    #[test]
    fn cached_bundle_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = vec![
            ("pagefind.js".to_owned(), b"js".to_vec()),
            ("index/en_1.pf_index".to_owned(), vec![0, 1, 2]),
        ];
        let target = dir.path().join("pagefind-x");
        write_bundle(dir.path(), &target, &files).expect("write");
        assert_eq!(read_bundle(&target), Ok(Some(files)));
        let path = target.join(BUNDLE_FILE);
        let mut bytes = std::fs::read(&path).expect("read");
        bytes[5] ^= 1;
        std::fs::write(&path, &bytes).expect("flip a byte");
        assert!(
            read_bundle(&target).is_err(),
            "a flipped byte is caught, not shipped"
        );
        std::fs::write(&path, [9, 0, 0, 0, b'a']).expect("corrupt");
        assert!(
            read_bundle(&target).is_err(),
            "a truncated cache is refused, not trusted"
        );
        assert_eq!(read_bundle(&dir.path().join("none")), Ok(None));
    }
}

//! The browser's search index: Pagefind's Rust API fed with casebook's records
//! (title, summary, body text, systems, tags, contributing factors, follow-up
//! titles), with filters for system, severity, year, status, tag and follow-up
//! state, and a date sort. Output files land under `search/` beside casebook's
//! own search page, which drives Pagefind's JS API.

use super::pagefind_cache::{self as cache, CachedFile, Files, RecordPack};
use super::{Record, SearchInputs};
use pagefind::api::{CustomRecord, FossickedRecord, PagefindIndex, StoredRecord};
use rayon::prelude::*;
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

/// Pagefind (or the runtime it runs on) failed; the cause is the source.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the search index")]
pub struct IndexError(#[source] Box<dyn std::error::Error + Send + Sync>);

/// Builds the Pagefind bundle in memory: (path under the bundle folder, bytes).
pub fn build(records: &[Record]) -> Result<Files, IndexError> {
    let custom = records.iter().map(custom_record).collect();
    block_on(async {
        let index = new_index()?;
        let fossicked = fossick(&index, custom).await?;
        let records = Records::Fossicked(fossicked);
        let files = bundle(index, records, Default::default(), &mut Vec::new()).await?;
        Ok(files.into_iter().map(|f| (f.name, f.bytes)).collect())
    })
}

fn block_on<T>(
    work: impl std::future::Future<Output = Result<T, IndexError>>,
) -> Result<T, IndexError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| IndexError(e.into()))?
        .block_on(work)
}

/// What Pagefind makes of each record before it joins an index; in parallel.
async fn fossick(
    index: &PagefindIndex,
    records: Vec<CustomRecord>,
) -> Result<Vec<FossickedRecord>, IndexError> {
    index
        .fossick_records(records)
        .await
        .map_err(|e| IndexError(e.into()))
}

/// Records to index: as fossicking left them, or as bytes (kept between
/// builds, or made of fresh ones at once) whose words Pagefind decodes a batch
/// at a time, so that a large archive's words are never all held at once.
enum Records {
    Fossicked(Vec<FossickedRecord>),
    Stored(Vec<StoredRecord>),
}

/// The bundle of `records`, indexed in the order given; files of an earlier
/// bundle whose contents are unchanged are taken from `reuse` rather than
/// compressed again.
/// `stages` gets the time indexing and compressing took.
async fn bundle(
    mut index: PagefindIndex,
    records: Records,
    reuse: std::collections::HashMap<u128, Vec<u8>>,
    stages: &mut Vec<(&'static str, std::time::Duration)>,
) -> Result<Vec<CachedFile>, IndexError> {
    let lap = std::time::Instant::now();
    let count = match records {
        Records::Fossicked(records) => index.add_fossicked_records(records).await,
        Records::Stored(records) => index.add_stored_records(records).await,
    };
    if count == 0 {
        return Ok(Vec::new());
    }
    index.reuse_encoded(reuse).await;
    index
        .build_indexes()
        .await
        .map_err(|e| IndexError(e.into()))?;
    stages.push(("· indexing", lap.elapsed()));
    let lap = std::time::Instant::now();
    let files = bundle_files(&mut index).await;
    stages.push(("· compression", lap.elapsed()));
    files
}

fn new_index() -> Result<PagefindIndex, IndexError> {
    let options = pagefind::options::PagefindServiceConfig::builder()
        .force_language("en".to_string())
        .keep_index_url(false)
        .build();
    PagefindIndex::new(Some(options)).map_err(|e| IndexError(e.into()))
}

fn custom_record(r: &Record) -> CustomRecord {
    // Only what the result list shows and the filters do not hold, and what
    // must be found but not excerpted: every meta value is copied into each
    // result's fragment and its words are indexed, and severity, status and
    // systems are filters already (the result list reads them from there).
    let mut meta = BTreeMap::new();
    meta.insert("title".to_owned(), r.title.clone());
    meta.insert("date".to_owned(), r.date.clone());
    // The result list prints "2 Nov 2024" as pages do; ISO stays for `datetime`.
    meta.insert("shown".to_owned(), r.date_shown.clone());
    // Systems, factors, tags and follow-up titles are searched as meta fields:
    // a page that matches only there is found (Pagefind ranks meta matches
    // after its body score) and its excerpt is the write-up's opening prose,
    // not a run of names and titles stitched from them.
    let words = [
        ("systems", r.systems.join(", ")),
        (
            "factors",
            r.factors
                .iter()
                .map(|f| f.replace('-', " "))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("tags", r.tags.join(", ")),
        ("follow_ups", r.follow_ups.join(". ")),
    ];
    for (key, value) in words {
        if !value.is_empty() {
            meta.insert(key.to_owned(), value);
        }
    }
    let mut filters: BTreeMap<String, Vec<String>> = BTreeMap::new();
    filters.insert("system".to_owned(), r.systems.clone());
    filters.insert("severity".to_owned(), r.severity.iter().cloned().collect());
    filters.insert("year".to_owned(), vec![r.year.clone()]);
    filters.insert("status".to_owned(), vec![r.status.to_owned()]);
    filters.insert("tag".to_owned(), r.tags.clone());
    filters.insert("follow-ups".to_owned(), vec![r.follow_up_state.to_owned()]);
    filters.insert(
        "repeat".to_owned(),
        r.repeat.iter().map(|v| (*v).to_owned()).collect(),
    );
    filters.retain(|_, v| !v.is_empty());
    let mut sort = BTreeMap::new();
    sort.insert("date".to_owned(), r.date.clone());
    CustomRecord {
        url: format!("/{}", crate::routes::PageId::incident(&r.id).url()),
        // The title leads, as a page's heading does, so that its words weigh
        // in the body score too; the rest is prose only.
        content: format!("{}. {}", r.title, r.text),
        language: "en".to_owned(),
        meta: Some(meta),
        filters: Some(filters),
        sort: Some(sort),
    }
}

/// The bundle's files that casebook ships.
async fn bundle_files(index: &mut PagefindIndex) -> Result<Vec<CachedFile>, IndexError> {
    let files = index.get_files().await.map_err(|e| IndexError(e.into()))?;
    Ok(files
        .into_iter()
        .filter_map(|f| {
            let name = f.filename.to_string_lossy().replace('\\', "/");
            let unused = UNUSED.contains(&name.as_str()) || name.starts_with("playground/");
            (!unused).then_some(CachedFile {
                name,
                bytes: f.contents,
                content_hash: f.content_hash,
            })
        })
        .collect())
}

/// What [`build_cached`] hands back.
pub struct Bundle {
    pub files: Files,
    /// Caches that were there but could not be trusted (unreadable, truncated,
    /// or their checksum did not match): why, one line each for stderr. They
    /// were rebuilt.
    pub repaired: Vec<String>,
    /// How many records were fossicked in this build (the others came from
    /// the cache); `None` when the whole bundle was reused.
    pub fossicked: Option<usize>,
    /// Wall time of the parts of the work, for `--timings`.
    pub stages: Vec<(&'static str, std::time::Duration)>,
}

/// Bump when what `build` makes of the same records changes.
const BUNDLE_FORMAT: u32 = 7;

/// Like [`build`], with `ROOT/.casebook-cache/` (see [`super::pagefind_cache`]):
/// the bundle as it is when every record is made of the same inputs as in the
/// last build, else one from the cached fossicked records of the records that
/// did not change and the records that did, fossicked now. The bundle is the
/// one [`build`] would make of the same records. `audience` names the build
/// ("internal", "public"), whose records are cached apart.
pub fn build_cached(
    root: &std::path::Path,
    inputs: &SearchInputs,
    audience: &str,
) -> Result<Bundle, IndexError> {
    use std::hash::{Hash, Hasher};
    let key = |k: u64| {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        BUNDLE_FORMAT.hash(&mut hasher);
        k.hash(&mut hasher);
        hasher.finish()
    };
    let cache_dir = root.join(super::search::CACHE_DIR);
    let shown = |path: &std::path::Path| {
        crate::diagnostic::relative(root, path)
            .display()
            .to_string()
    };
    let started = std::time::Instant::now();
    let dir = cache::bundle_dir(&cache_dir, audience, key(inputs.key()));
    let mut repaired = Vec::new();
    match cache::read_bundle(&dir) {
        Ok(Some(files)) => {
            return Ok(Bundle {
                files: files.into_iter().map(|f| (f.name, f.bytes)).collect(),
                repaired,
                fossicked: None,
                stages: Vec::new(),
            })
        }
        Ok(None) => {}
        Err(why) => repaired.push(format!(
            "the cached search bundle {} {why}; rebuilt it",
            shown(&dir.join("bundle.bin"))
        )),
    }
    let pack_path = RecordPack::path(&cache_dir, audience);
    let pack = RecordPack::read(&pack_path).unwrap_or_else(|why| {
        repaired.push(format!(
            "the cached search records {} {why}; rebuilt them",
            shown(&pack_path)
        ));
        RecordPack::default()
    });
    let keys: Vec<u64> = inputs.keys().iter().map(|&k| key(k)).collect();
    let reuse = earlier_files(&cache_dir, audience, &dir);
    let mut stages = vec![("· caches read", started.elapsed())];
    let (files, fossicked) = block_on(async {
        let index = new_index()?;
        let lap = std::time::Instant::now();
        let records = reuse_or_fossick(&index, inputs, &keys, pack, &cache_dir, &pack_path).await?;
        stages.push(("· records", lap.elapsed()));
        let fossicked = records.1;
        let records = Records::Stored(records.0);
        Ok((bundle(index, records, reuse, &mut stages).await?, fossicked))
    })?;
    let lap = std::time::Instant::now();
    // The cache is an optimisation: a read-only archive folder still builds.
    let _ = std::fs::create_dir_all(&cache_dir)
        .and_then(|()| cache::write_bundle(&cache_dir, audience, &dir, &files));
    stages.push(("· cache write", lap.elapsed()));
    Ok(Bundle {
        files: files.into_iter().map(|f| (f.name, f.bytes)).collect(),
        repaired,
        fossicked: Some(fossicked),
        stages,
    })
}

/// The gzipped files of the audience's last bundle, by their contents' hash.
/// A damaged one is left out silently: it is only a head start, and the build
/// replaces it.
fn earlier_files(
    cache_dir: &std::path::Path,
    audience: &str,
    except: &std::path::Path,
) -> std::collections::HashMap<u128, Vec<u8>> {
    cache::earlier_bundle_dir(cache_dir, audience, except)
        .and_then(|dir| cache::read_bundle(&dir).ok().flatten())
        .into_iter()
        .flatten()
        .filter_map(|f| Some((f.content_hash?, f.bytes)))
        .collect()
}

/// Every record as stored bytes, in archive order: from `pack` where it holds
/// the record's key, fossicked now where not; the pack is rewritten with exactly
/// the current records when anything changed. Also says how many were
/// fossicked now.
async fn reuse_or_fossick(
    index: &PagefindIndex,
    inputs: &SearchInputs<'_>,
    keys: &[u64],
    pack: RecordPack,
    cache_dir: &std::path::Path,
    pack_path: &std::path::Path,
) -> Result<(Vec<StoredRecord>, usize), IndexError> {
    let pack = std::sync::Arc::new(pack);
    let reused: Vec<Option<StoredRecord>> = keys
        .par_iter()
        .map(|&k| RecordPack::shared(&pack, k).and_then(StoredRecord::new))
        .collect();
    let missing: Vec<usize> = (0..keys.len()).filter(|&i| reused[i].is_none()).collect();
    let fresh = fossick_to_bytes(index, inputs, &missing).await?;
    if !missing.is_empty() || pack.len() != keys.len() {
        let mut fresh = fresh.iter();
        let entries = keys
            .iter()
            .zip(&reused)
            .filter_map(|(&k, found)| match found {
                Some(_) => pack.get(k).map(|b| (k, b)),
                None => fresh.next().map(|b| (k, b.as_slice())),
            });
        let _ =
            std::fs::create_dir_all(cache_dir).and_then(|()| RecordPack::write(pack_path, entries));
    }
    let count = fresh.len();
    let mut fresh = fresh.into_iter();
    let records = reused
        .into_iter()
        .map(|found| match found {
            Some(record) => Ok(record),
            None => fresh.next().and_then(StoredRecord::new).ok_or_else(|| {
                IndexError("a record Pagefind just fossicked did not read back".into())
            }),
        })
        .collect::<Result<_, _>>()?;
    Ok((records, count))
}

/// The records at `positions`, fossicked and turned into bytes a slice at a
/// time: a slice's text and words are dropped before the next slice is made.
async fn fossick_to_bytes(
    index: &PagefindIndex,
    inputs: &SearchInputs<'_>,
    positions: &[usize],
) -> Result<Vec<Vec<u8>>, IndexError> {
    let mut bytes = Vec::with_capacity(positions.len());
    for slice in positions.chunks(1024) {
        let custom = slice
            .par_iter()
            .map(|&i| custom_record(&inputs.record(i)))
            .collect();
        let fossicked = fossick(index, custom).await?;
        bytes.par_extend(fossicked.par_iter().map(FossickedRecord::to_bytes));
    }
    Ok(bytes)
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
                follow_ups: vec![format!("Alert on lag {i}")],
                repeat: Vec::new(),
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
            let files = bundle_files(&mut index).await.expect("files");
            files
                .into_iter()
                .map(|f| (f.name, f.bytes))
                .collect::<Files>()
        });
        let batch = build(&records).expect("batch");
        assert!(batch.iter().any(|(name, _)| name.ends_with(".pf_index")));
        assert_same_files(&batch, &one_at_a_time);
        assert_same_files(&batch, &build(&records).expect("again"));
    }

    #[test]
    fn records_kept_as_bytes_build_the_bundle_fossicking_builds() {
        let records = sample_records();
        let (kept, stored, fresh) = block_on(async {
            let index = new_index()?;
            let custom = records.iter().map(custom_record).collect();
            let fossicked = fossick(&index, custom).await?;
            let bytes: Vec<Vec<u8>> = fossicked.iter().map(FossickedRecord::to_bytes).collect();
            let again: Vec<FossickedRecord> = bytes
                .iter()
                .map(|b| FossickedRecord::from_bytes(b).expect("decodes"))
                .collect();
            assert!(FossickedRecord::from_bytes(&bytes[0][..bytes[0].len() - 1]).is_none());
            let stored: Vec<StoredRecord> = bytes
                .into_iter()
                .map(|b| StoredRecord::new(b).expect("header reads"))
                .collect();
            let again = Records::Fossicked(again);
            let kept = bundle(new_index()?, again, Default::default(), &mut Vec::new()).await?;
            let stored = Records::Stored(stored);
            let stored = bundle(new_index()?, stored, Default::default(), &mut Vec::new()).await?;
            let fossicked = Records::Fossicked(fossicked);
            let fresh = bundle(index, fossicked, Default::default(), &mut Vec::new()).await?;
            Ok((kept, stored, fresh))
        })
        .expect("bundles");
        let plain = |files: Vec<CachedFile>| -> Files {
            files.into_iter().map(|f| (f.name, f.bytes)).collect()
        };
        let fresh = plain(fresh);
        assert_same_files(&plain(kept), &fresh);
        assert_same_files(&plain(stored), &fresh);
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
}

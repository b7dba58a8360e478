//! What the browser's search index keeps in `.casebook-cache/` between builds,
//! at two grains:
//!
//! - **the bundle**: every file of the last Pagefind bundle, keyed by all of the
//!   records' inputs. A build in which no searchable text changed ships it as
//!   it is.
//! - **the records**: what Pagefind's fossicking (word splitting, stemming,
//!   positions) made of each record, keyed by that record's own inputs. A build
//!   after one write-up was added, edited or changed state fossicks only that
//!   record and indexes the others from here, so the bundle it writes is the one
//!   a build from scratch would write, at a fraction of the cost.
//!
//! Both are one file each (length-prefixed entries, then the xxh3 of all of
//! it): reading ten thousand small files back costs more than the work saved,
//! and one checksum catches any flipped byte, which would otherwise ship a
//! garbled index without a word. A cache that cannot be trusted is set aside,
//! said, and rebuilt; one that cannot be written leaves the build as it was.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// A bundle's files: (path under the bundle folder, bytes).
pub type Files = Vec<(String, Vec<u8>)>;

/// One file of a cached bundle.
#[derive(Debug, PartialEq)]
pub struct CachedFile {
    pub name: String,
    pub bytes: Vec<u8>,
    /// For a gzipped file, the xxh3-128 of what it holds uncompressed, so a
    /// later build can reuse it instead of compressing the same bytes again.
    pub content_hash: Option<u128>,
}

const BUNDLE_FILE: &str = "bundle.bin";

/// The folder of one audience's bundle for `key`; only the newest is kept.
pub fn bundle_dir(cache: &Path, audience: &str, key: u64) -> PathBuf {
    cache.join(format!("pagefind-{audience}-{key:016x}"))
}

/// The newest bundle folder of `audience` other than `except`, if any: the last
/// build's, whose files a build that misses the cache can reuse.
pub fn earlier_bundle_dir(cache: &Path, audience: &str, except: &Path) -> Option<PathBuf> {
    bundle_dirs(cache, audience)
        .into_iter()
        .find(|dir| dir != except)
}

/// One audience's bundle folders, newest first.
fn bundle_dirs(cache: &Path, audience: &str) -> Vec<PathBuf> {
    let prefix = format!("pagefind-{audience}-");
    let Ok(entries) = std::fs::read_dir(cache) else {
        return Vec::new();
    };
    let mut dirs: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix) && e.path().is_dir())
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    dirs.sort();
    dirs.into_iter().rev().map(|(_, path)| path).collect()
}

/// The bundle in `dir`; None when there is none, an error saying why when there
/// is one that cannot be trusted.
pub fn read_bundle(dir: &Path) -> Result<Option<Vec<CachedFile>>, String> {
    let Some(data) = read_checked(&dir.join(BUNDLE_FILE))? else {
        return Ok(None);
    };
    let mut files = Vec::new();
    let mut rest = data.as_slice();
    while !rest.is_empty() {
        let (name, r) = take_framed(rest, 4).ok_or(BROKEN)?;
        let (hash, r) = r.split_first_chunk::<16>().ok_or(BROKEN)?;
        let (bytes, r) = take_framed(r, 8).ok_or(BROKEN)?;
        let name = String::from_utf8(name.to_vec()).map_err(|_| BROKEN)?;
        let hash = u128::from_le_bytes(*hash);
        files.push(CachedFile {
            name,
            bytes: bytes.to_vec(),
            content_hash: (hash != 0).then_some(hash),
        });
        rest = r;
    }
    Ok(Some(files))
}

const BROKEN: &str = "is damaged (its framing is broken)";

/// Bundle folders of casebook versions that did not name the audience
/// (`pagefind-KEY`), which nothing reads any more.
fn remove_unnamed_bundles(cache: &Path) {
    let Ok(entries) = std::fs::read_dir(cache) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix("pagefind-")) else {
            continue;
        };
        let unnamed = rest.len() == 16 && rest.bytes().all(|b| b.is_ascii_hexdigit());
        if (unnamed || rest.starts_with("building-")) && entry.path().is_dir() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Writes one audience's bundle for `dir` and removes its older ones.
pub fn write_bundle(
    cache: &Path,
    audience: &str,
    dir: &Path,
    files: &[CachedFile],
) -> std::io::Result<()> {
    let staging = cache.join(format!("building-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)?;
    let mut out = Checked::create(&staging.join(BUNDLE_FILE))?;
    for file in files {
        out.put(&(file.name.len() as u32).to_le_bytes())?;
        out.put(file.name.as_bytes())?;
        out.put(&file.content_hash.unwrap_or(0).to_le_bytes())?;
        out.put(&(file.bytes.len() as u64).to_le_bytes())?;
        out.put(&file.bytes)?;
    }
    out.finish()?;
    for old in bundle_dirs(cache, audience) {
        let _ = std::fs::remove_dir_all(old);
    }
    remove_unnamed_bundles(cache);
    std::fs::rename(&staging, dir)
}

/// The fossicked records of the last build of one audience, by record key.
#[derive(Default)]
pub struct RecordPack {
    data: Vec<u8>,
    /// Record key → (offset, length) in `data`.
    entries: HashMap<u64, (usize, usize)>,
}

impl RecordPack {
    /// Where one audience's records live: an internal and a public build of
    /// the same archive index different text and must not evict each other.
    pub fn path(cache: &Path, audience: &str) -> PathBuf {
        cache.join(format!("pagefind-records-{audience}.bin"))
    }

    /// The pack at `path`: empty when there is none, an error saying why when
    /// there is one that cannot be trusted.
    pub fn read(path: &Path) -> Result<RecordPack, String> {
        let Some(data) = read_checked(path)? else {
            return Ok(RecordPack::default());
        };
        let mut entries = HashMap::new();
        let mut rest = data.as_slice();
        while !rest.is_empty() {
            let (key, r) = rest.split_first_chunk::<8>().ok_or(BROKEN)?;
            let (bytes, r) = take_framed(r, 8).ok_or(BROKEN)?;
            let offset = data.len() - r.len() - bytes.len();
            entries.insert(u64::from_le_bytes(*key), (offset, bytes.len()));
            rest = r;
        }
        Ok(RecordPack { data, entries })
    }

    pub fn get(&self, key: u64) -> Option<&[u8]> {
        let &(offset, len) = self.entries.get(&key)?;
        self.data.get(offset..offset + len)
    }

    /// The record of `key` as a view of the shared pack: indexing every
    /// unchanged record of a large archive copies none of their bytes.
    pub fn shared(pack: &std::sync::Arc<RecordPack>, key: u64) -> Option<PackedRecord> {
        let &(offset, len) = pack.entries.get(&key)?;
        Some(PackedRecord {
            pack: std::sync::Arc::clone(pack),
            offset,
            len,
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes a pack of `entries` (key, bytes) to `path`, through a staging
    /// file renamed into place, so a build that stops half-way leaves the old
    /// pack or none.
    /// Entries are taken one at a time: a caller can make them as they are
    /// written rather than hold every record's bytes at once.
    pub fn write<B: AsRef<[u8]>>(
        path: &Path,
        entries: impl Iterator<Item = (u64, B)>,
    ) -> std::io::Result<()> {
        let staging = path.with_extension(format!("building-{}", std::process::id()));
        let mut out = Checked::create(&staging)?;
        for (key, bytes) in entries {
            let bytes = bytes.as_ref();
            out.put(&key.to_le_bytes())?;
            out.put(&(bytes.len() as u64).to_le_bytes())?;
            out.put(bytes)?;
        }
        out.finish()?;
        std::fs::rename(&staging, path)
    }
}

/// One record's bytes inside a shared [`RecordPack`].
pub struct PackedRecord {
    pack: std::sync::Arc<RecordPack>,
    offset: usize,
    len: usize,
}

impl AsRef<[u8]> for PackedRecord {
    fn as_ref(&self) -> &[u8] {
        // In range by construction (`RecordPack::read` found it there).
        self.pack
            .data
            .get(self.offset..self.offset + self.len)
            .unwrap_or_default()
    }
}

/// The file's bytes without its trailing checksum; None when there is no file.
fn read_checked(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let mut data = match std::fs::read(path) {
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
    data.truncate(data.len() - 8);
    Ok(Some(data))
}

/// Splits a length-prefixed run (a `width`-byte little-endian length, then the
/// bytes) off the front of `data`.
fn take_framed(data: &[u8], width: usize) -> Option<(&[u8], &[u8])> {
    let (len, rest) = data.split_at_checked(width)?;
    let mut buf = [0u8; 8];
    buf[..width].copy_from_slice(len);
    let len = usize::try_from(u64::from_le_bytes(buf)).ok()?;
    rest.split_at_checked(len)
}

/// A file written through a buffer with a running xxh3, which `finish` appends.
/// Streamed: a copy of the whole bundle in memory would add to a build's peak.
struct Checked {
    out: std::io::BufWriter<std::fs::File>,
    digest: xxhash_rust::xxh3::Xxh3,
}

impl Checked {
    fn create(path: &Path) -> std::io::Result<Checked> {
        Ok(Checked {
            out: std::io::BufWriter::new(std::fs::File::create(path)?),
            digest: xxhash_rust::xxh3::Xxh3::new(),
        })
    }

    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.digest.update(bytes);
        self.out.write_all(bytes)
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.out.write_all(&self.digest.digest().to_le_bytes())?;
        self.out.into_inner().map_err(|e| e.into_error())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_bundle_round_trips_and_refuses_damage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = || {
            vec![
                CachedFile {
                    name: "pagefind.js".to_owned(),
                    bytes: b"js".to_vec(),
                    content_hash: None,
                },
                CachedFile {
                    name: "index/en_1.pf_index".to_owned(),
                    bytes: vec![0, 1, 2],
                    content_hash: Some(u128::MAX - 1),
                },
            ]
        };
        let first = bundle_dir(dir.path(), "internal", 6);
        write_bundle(dir.path(), "internal", &first, &files()).expect("write");
        let target = bundle_dir(dir.path(), "internal", 7);
        write_bundle(dir.path(), "internal", &target, &files()).expect("write");
        assert!(!first.exists(), "one bundle per audience is kept");
        assert_eq!(
            earlier_bundle_dir(dir.path(), "internal", &first),
            Some(target.clone())
        );
        assert_eq!(earlier_bundle_dir(dir.path(), "public", &first), None);
        assert_eq!(read_bundle(&target), Ok(Some(files())));
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

    #[test]
    fn record_pack_round_trips_and_refuses_damage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = RecordPack::path(dir.path(), "internal");
        assert!(RecordPack::read(&path).expect("none yet").is_empty());
        let entries: Vec<(u64, &[u8])> = vec![(1, b"one"), (2, b""), (99, b"ninety-nine")];
        RecordPack::write(&path, entries.iter().copied()).expect("write");
        let pack = RecordPack::read(&path).expect("read");
        assert_eq!(pack.len(), 3);
        for (key, bytes) in &entries {
            assert_eq!(pack.get(*key), Some(*bytes));
        }
        assert_eq!(pack.get(3), None);
        let mut bytes = std::fs::read(&path).expect("read");
        let last = bytes.len() - 9;
        bytes[last] ^= 1;
        std::fs::write(&path, &bytes).expect("flip a byte");
        assert!(RecordPack::read(&path).is_err());
    }
}

//! Trusting the cached tantivy index of `casebook search` only after checking it.
//!
//! A damaged index in `.casebook-cache/` (a flipped byte, a truncated or missing
//! segment file, a garbled `meta.json`) used to make every search fail until an
//! edit changed the cache key. One that cannot be [`open`]ed is rebuilt; once
//! open, [`verify`] checks every segment file's checksum (tantivy writes a
//! footer with one per file) while the query runs, and an index that fails it,
//! or fails the query, is [`discard`]ed and built again before any result is
//! printed.

use std::path::{Path, PathBuf};
use tantivy::Index;

/// Where the index for one cache key lives.
pub fn index_dir(root: &Path, key: &str) -> PathBuf {
    root.join(super::search::CACHE_DIR)
        .join(format!("search-{key}"))
}

/// The cached index in `dir`, or why it cannot be opened.
pub fn open(dir: &Path) -> Result<Index, String> {
    Index::open_in_dir(dir).map_err(|e| format!("could not be opened ({e})"))
}

/// Checks every segment file of `index` against its checksum. It reads the
/// whole index (a sixth of a warm search's time at 10,000 write-ups), so a
/// search runs it alongside the query rather than before it.
pub fn verify(index: &Index) -> Result<(), String> {
    let damaged = index
        .validate_checksum()
        .map_err(|e| format!("could not be read ({e})"))?;
    let mut damaged: Vec<String> = damaged.iter().map(|p| p.display().to_string()).collect();
    damaged.sort();
    match damaged.first() {
        None => Ok(()),
        Some(first) => Err(format!(
            "is damaged ({} file(s) fail their checksum, {first} first)",
            damaged.len()
        )),
    }
}

/// One line for stderr: which index was rebuilt, and why.
pub fn repaired(root: &Path, key: &str, why: &str) -> String {
    let dir = crate::diagnostic::relative(root, &index_dir(root, key));
    format!(
        "the cached search index {}/ {why}; rebuilt it",
        dir.display()
    )
}

/// Deletes the index for `key`, so the next open builds it again.
pub fn discard(root: &Path, key: &str) {
    // Nothing to do when it is gone already; a folder that cannot be deleted
    // fails the rebuild's rename, which reports it.
    let _ = std::fs::remove_dir_all(index_dir(root, key));
}

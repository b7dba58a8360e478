//! Trusting the cached tantivy index of `casebook search` only after checking it.
//!
//! A damaged index in `.casebook-cache/` (a flipped byte, a truncated or missing
//! segment file, a garbled `meta.json`) used to make every search fail until an
//! edit changed the cache key. [`open_checked`] opens it and verifies every
//! segment file's checksum (tantivy writes a footer with one per file), so a
//! damaged index is rebuilt instead of read; [`discard`] drops one that fails
//! later, while searching, so the caller can build it again.

use std::path::{Path, PathBuf};
use tantivy::Index;

/// Where the index for one cache key lives.
pub fn index_dir(root: &Path, key: &str) -> PathBuf {
    root.join(super::search::CACHE_DIR)
        .join(format!("search-{key}"))
}

/// The cached index in `dir`, or why it cannot be trusted.
pub fn open_checked(dir: &Path) -> Result<Index, String> {
    let index = Index::open_in_dir(dir).map_err(|e| format!("could not be opened ({e})"))?;
    let damaged = index
        .validate_checksum()
        .map_err(|e| format!("could not be read ({e})"))?;
    let mut damaged: Vec<String> = damaged.iter().map(|p| p.display().to_string()).collect();
    damaged.sort();
    match damaged.first() {
        None => Ok(index),
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

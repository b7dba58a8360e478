//! The output store: each file a build writes is kept once, named by a hash of its
//! bytes, in a folder beside the site (`.casebook-cache/store/` under the archive),
//! and the site's copy is a hard link to it. A later build links the files whose
//! bytes did not change instead of writing them again, so a rebuild that changes one
//! page allocates one new file, not thirty thousand.
//!
//! Safety of the shortcut rests on two checks. An entry is linked only if its length
//! and modification time are those recorded when it was written (the `manifest`),
//! so a file changed in place through a link in an old site is written afresh, never
//! reused. And any failed link (another filesystem, or one without hard links) turns
//! the store off for the rest of the build: files are then written as plain copies.
//! Entries that no site links to any more are deleted when a build finishes.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// What an entry looked like when it was written: a changed length or time means
/// someone wrote to it (through a link) since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified_ns: u128,
}

impl Stamp {
    fn of(meta: &fs::Metadata) -> Option<Stamp> {
        let modified = meta.modified().ok()?;
        let since = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(Stamp {
            len: meta.len(),
            modified_ns: since.as_nanos(),
        })
    }
}

const MANIFEST: &str = "manifest";

/// A content-addressed store of output files, used for one build.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    /// Entries recorded by earlier builds.
    known: HashMap<u128, Stamp>,
    /// Entries this build linked, to keep and record.
    used: Mutex<Vec<(u128, Stamp)>>,
    /// Cleared by the first link that fails for a reason other than a missing entry.
    links_work: AtomicBool,
    temp_names: AtomicU64,
}

impl Store {
    /// Opens (creating) the store in `dir`; `None` where it cannot be used, and the
    /// build then writes plain files. Only on Unix: garbage collection counts links.
    pub fn open(dir: &Path) -> Option<Store> {
        if !cfg!(unix) || fs::create_dir_all(dir).is_err() {
            return None;
        }
        let known = fs::read_to_string(dir.join(MANIFEST))
            .map(|text| parse_manifest(&text))
            .unwrap_or_default();
        Some(Store {
            dir: dir.to_path_buf(),
            known,
            used: Mutex::new(Vec::new()),
            links_work: AtomicBool::new(true),
            temp_names: AtomicU64::new(0),
        })
    }

    /// Puts `bytes` at `dest` (its folder exists): a hard link to the store's entry
    /// for these bytes, written first if missing or changed; a plain file when the
    /// store cannot link.
    pub fn place(&self, dest: &Path, bytes: &[u8]) -> io::Result<()> {
        if !self.links_work.load(Ordering::Relaxed) {
            return fs::write(dest, bytes);
        }
        let hash = xxhash_rust::xxh3::xxh3_128(bytes);
        let entry = self.dir.join(format!("{hash:032x}"));
        let recorded = self.known.get(&hash).copied().filter(|stamp| {
            fs::symlink_metadata(&entry)
                .ok()
                .and_then(|m| Stamp::of(&m))
                .is_some_and(|now| now == *stamp && now.len == bytes.len() as u64)
        });
        let stamp = match recorded {
            Some(stamp) => stamp,
            None => match self.put(&entry, bytes) {
                Ok(stamp) => stamp,
                Err(_) => return self.give_up(dest, bytes),
            },
        };
        match fs::hard_link(&entry, dest) {
            Ok(()) => {}
            // Removed since it was checked (another build finished): write it again.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let stamp = self.put(&entry, bytes)?;
                if fs::hard_link(&entry, dest).is_err() {
                    return self.give_up(dest, bytes);
                }
                self.record(hash, stamp);
                return Ok(());
            }
            Err(_) => return self.give_up(dest, bytes),
        }
        self.record(hash, stamp);
        Ok(())
    }

    fn give_up(&self, dest: &Path, bytes: &[u8]) -> io::Result<()> {
        self.links_work.store(false, Ordering::Relaxed);
        fs::write(dest, bytes)
    }

    fn record(&self, hash: u128, stamp: Stamp) {
        if let Ok(mut used) = self.used.lock() {
            used.push((hash, stamp));
        }
    }

    /// Writes an entry under a temporary name and renames it into place, so an entry
    /// is never seen half-written (by this build's other threads or another build).
    fn put(&self, entry: &Path, bytes: &[u8]) -> io::Result<Stamp> {
        let temp = self.temp_path();
        let written = (|| {
            let mut file = fs::File::create(&temp)?;
            file.write_all(bytes)?;
            let stamp = file.metadata().ok().and_then(|m| Stamp::of(&m));
            drop(file);
            fs::rename(&temp, entry)?;
            stamp.ok_or_else(|| io::Error::other("no modification time"))
        })();
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written
    }

    fn temp_path(&self) -> PathBuf {
        let n = self.temp_names.fetch_add(1, Ordering::Relaxed);
        self.dir.join(format!("tmp-{}-{n}", std::process::id()))
    }

    /// Ends the build's use of the store: deletes entries that no site links to any
    /// more (one link left: the store's own) and records the rest. Call it after the
    /// new site is in place, so its links count.
    pub fn finish(self) {
        let used: HashMap<u128, Stamp> = self
            .used
            .lock()
            .map(|mut used| std::mem::take(&mut *used))
            .unwrap_or_default()
            .into_iter()
            .collect();
        // Also after links failed: the entry written before the first failure is
        // linked from nowhere and goes.
        let mut keep = used.clone();
        if let Ok(entries) = fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                if name.starts_with("tmp-") {
                    // Left by a build that was killed mid-write; a running build's
                    // temporary file lives for milliseconds.
                    let stale = entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age.as_secs() > 3600);
                    if stale {
                        let _ = fs::remove_file(entry.path());
                    }
                    continue;
                }
                let Some(hash) = parse_hash(name) else {
                    continue;
                };
                if used.contains_key(&hash) {
                    continue;
                }
                let Ok(meta) = entry.metadata() else { continue };
                if link_count(&meta) <= 1 {
                    let _ = fs::remove_file(entry.path());
                } else if let Some(stamp) = self.known.get(&hash) {
                    keep.insert(hash, *stamp);
                }
            }
        }
        let mut text = String::with_capacity(keep.len() * 64);
        for (hash, stamp) in &keep {
            use std::fmt::Write as _;
            let _ = writeln!(text, "{hash:032x} {} {}", stamp.len, stamp.modified_ns);
        }
        let temp = self.temp_path();
        if fs::write(&temp, text).is_ok() && fs::rename(&temp, self.dir.join(MANIFEST)).is_err() {
            let _ = fs::remove_file(&temp);
        }
    }
}

#[cfg(unix)]
fn link_count(meta: &fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn link_count(_: &fs::Metadata) -> u64 {
    2
}

fn parse_hash(name: &str) -> Option<u128> {
    if name.len() != 32 {
        return None;
    }
    u128::from_str_radix(name, 16).ok()
}

fn parse_manifest(text: &str) -> HashMap<u128, Stamp> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split(' ');
            let hash = parse_hash(parts.next()?)?;
            let len = parts.next()?.parse().ok()?;
            let modified_ns = parts.next()?.parse().ok()?;
            Some((hash, Stamp { len, modified_ns }))
        })
        .collect()
}

#[cfg(all(test, unix))]
mod tests {
    use super::super::{sweep_old_outputs, write_site};
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn build(out: &Path, store: &Path, files: &[(&str, &[u8])]) {
        sweep_old_outputs(out).join().expect("sweep");
        write_site(out, files, Store::open(store)).expect("build");
    }

    fn inode(path: &Path) -> u64 {
        fs::metadata(path).expect("stat").ino()
    }

    fn entries(store: &Path) -> usize {
        fs::read_dir(store)
            .expect("store")
            .flatten()
            .filter(|e| e.file_name().to_str().and_then(parse_hash).is_some())
            .count()
    }

    #[test]
    fn unchanged_files_are_linked_not_written_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (out, store) = (dir.path().join("public"), dir.path().join("store"));
        build(
            &out,
            &store,
            &[("a/index.html", b"one"), ("b.html", b"two")],
        );
        let (a, b) = (inode(&out.join("a/index.html")), inode(&out.join("b.html")));
        build(
            &out,
            &store,
            &[("a/index.html", b"one"), ("b.html", b"changed")],
        );
        assert_eq!(
            inode(&out.join("a/index.html")),
            a,
            "unchanged file rewritten"
        );
        assert_ne!(inode(&out.join("b.html")), b);
        assert_eq!(fs::read(out.join("b.html")).expect("read"), b"changed");
        // The entry for "two" was still linked from the previous site; once that is
        // swept, the next build deletes it.
        build(
            &out,
            &store,
            &[("a/index.html", b"one"), ("b.html", b"changed")],
        );
        assert_eq!(entries(&store), 2);
    }

    #[test]
    fn a_file_changed_through_a_link_is_never_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (out, store) = (dir.path().join("public"), dir.path().join("store"));
        build(&out, &store, &[("index.html", b"<p>right</p>")]);
        // A post-processor rewrites the page in place, which also changes the
        // store's entry (same inode).
        fs::write(out.join("index.html"), b"<p>tampered</p>").expect("tamper");
        build(&out, &store, &[("index.html", b"<p>right</p>")]);
        assert_eq!(
            fs::read(out.join("index.html")).expect("read"),
            b"<p>right</p>"
        );
    }

    #[test]
    fn a_store_that_cannot_link_falls_back_to_copies() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        // A store path under a regular file cannot be created: no store at all.
        fs::write(dir.path().join("file"), b"").expect("file");
        assert!(Store::open(&dir.path().join("file/store")).is_none());
        write_site(
            &out,
            &[("index.html", b"home")],
            Store::open(&dir.path().join("file/store")),
        )
        .expect("build");
        assert_eq!(fs::read(out.join("index.html")).expect("read"), b"home");
        // A store whose entries cannot be written: every file is a plain copy.
        let store = dir.path().join("store");
        let opened = Store::open(&store).expect("store");
        fs::remove_dir(&store).expect("remove store folder");
        write_site(&out, &[("index.html", b"again")], Some(opened)).expect("build");
        assert_eq!(fs::read(out.join("index.html")).expect("read"), b"again");
        assert_eq!(
            fs::metadata(out.join("index.html")).expect("stat").nlink(),
            1
        );
    }

    #[test]
    fn manifest_lines_round_trip_and_junk_is_ignored() {
        let text = format!(
            "{:032x} 12 1700000000000000001\nnot a line\n{:032x} x 1\n",
            7u128, 8u128
        );
        let known = parse_manifest(&text);
        assert_eq!(known.len(), 1);
        assert_eq!(
            known.get(&7),
            Some(&Stamp {
                len: 12,
                modified_ns: 1_700_000_000_000_000_001
            })
        );
    }
}

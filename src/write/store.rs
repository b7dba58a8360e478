//! The output store: each file a build writes is kept once, named by a hash of its
//! bytes, in a folder beside the site (`.casebook-cache/store/OUTPUT/` under the
//! archive), and the site's copy is a hard link to it. A later build of the same
//! output links the files whose bytes did not change instead of writing them again,
//! so a rebuild that changes one page allocates one new file, not thirty thousand.
//!
//! A hard link is the same file, so what may share one is the whole design:
//! - **One store per output folder** (OUTPUT is a hash of its absolute path): the
//!   internal and the public site, or any two outputs, never link the same entry,
//!   so a file edited in place in one site cannot change another. The speed comes
//!   from rebuilding the same output, which keeps its store.
//! - **One link per entry per build**: a second file of a site with the same bytes
//!   is written as a plain copy, so no two files of a site are one file either.
//! - The previous copy of the same site (`.NAME.casebook-old-*`, deleted by the next
//!   build) does share files with the new one; it is never served.
//!
//! Safety of the shortcut rests on two checks. An entry is linked only if its length
//! and modification time are those recorded when it was written (the `manifest`),
//! so a file changed in place through a link in an old site is written afresh, never
//! reused. And any failed link (another filesystem, or one without hard links) turns
//! the store off for the rest of the build: files are then written as plain copies.
//! Entries that no site links to any more are deleted when a build finishes, and so
//! are the stores of outputs that no longer exist.

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
/// In each output's store: the output folder it is for, as text.
const OUTPUT_FILE: &str = "output";
/// A store whose output is gone is deleted once it is this old: a first build of
/// a new output has no output folder until it finishes.
const ORPHAN_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// A content-addressed store of output files, used for one build.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    /// Entries recorded by earlier builds.
    known: HashMap<u128, Stamp>,
    /// Entries this build linked, to keep and record; each is linked once.
    used: Mutex<HashMap<u128, Stamp>>,
    /// Cleared by the first link that fails for a reason other than a missing entry.
    links_work: AtomicBool,
    temp_names: AtomicU64,
}

impl Store {
    /// Opens (creating) the store for the site folder `output` under `stores`
    /// (`.casebook-cache/store/`); `None` where it cannot be used. Stores of outputs
    /// that are gone are deleted, and so are the entries of the older layout, one
    /// store shared by every output.
    pub fn for_output(stores: &Path, output: &Path) -> Option<Store> {
        let output = absolute(output);
        let key = xxhash_rust::xxh3::xxh3_64(output.as_os_str().as_encoded_bytes());
        let dir = stores.join(format!("{key:016x}"));
        sweep_stores(stores, &dir);
        let store = Store::open(&dir)?;
        let text = output.to_string_lossy();
        if fs::read_to_string(dir.join(OUTPUT_FILE)).ok().as_deref() != Some(&*text) {
            let _ = fs::write(dir.join(OUTPUT_FILE), text.as_bytes());
        }
        Some(store)
    }

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
            used: Mutex::new(HashMap::new()),
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
        if self.is_used(hash) {
            // The same bytes twice in one site: a link would make them one file.
            return fs::write(dest, bytes);
        }
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

    fn is_used(&self, hash: u128) -> bool {
        self.used.lock().is_ok_and(|used| used.contains_key(&hash))
    }

    fn record(&self, hash: u128, stamp: Stamp) {
        if let Ok(mut used) = self.used.lock() {
            used.insert(hash, stamp);
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
            .unwrap_or_default();
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

/// `output` as an absolute path, its folder's symbolic links resolved, so that
/// `public`, `./public` and `/archive/public` are one output.
fn absolute(output: &Path) -> PathBuf {
    let whole = std::path::absolute(output).unwrap_or_else(|_| output.to_path_buf());
    match (whole.parent(), whole.file_name()) {
        (Some(parent), Some(name)) => parent
            .canonicalize()
            .map_or_else(|_| whole.clone(), |p| p.join(name)),
        _ => whole,
    }
}

/// Deletes, under `stores`, the entries of the older one-store layout and the
/// stores (other than `keep`) whose output folder is gone.
fn sweep_stores(stores: &Path, keep: &Path) {
    let Ok(entries) = fs::read_dir(stores) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if !kind.is_dir() {
            // The older layout: entries, manifest and temporary files, all in one.
            let _ = fs::remove_file(&path);
            continue;
        }
        if path == keep {
            continue;
        }
        let gone = fs::read_to_string(path.join(OUTPUT_FILE))
            .map(|output| !Path::new(&output).join(super::MARKER).exists())
            .unwrap_or(true);
        let old = fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > ORPHAN_AGE);
        if gone && old {
            let _ = fs::remove_dir_all(&path);
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
    fn two_outputs_and_two_files_never_share_an_inode() {
        let dir = tempfile::tempdir().expect("tempdir");
        let stores = dir.path().join("stores");
        let (internal, public) = (dir.path().join("internal"), dir.path().join("public"));
        let site: &[(&str, &[u8])] = &[("style.css", b"body{}"), ("copy.css", b"body{}")];
        for _ in 0..2 {
            for out in [&internal, &public] {
                sweep_old_outputs(out).join().expect("sweep");
                write_site(out, site, Store::for_output(&stores, out)).expect("build");
            }
        }
        let style = inode(&internal.join("style.css"));
        assert_ne!(
            style,
            inode(&public.join("style.css")),
            "two outputs, one file"
        );
        assert_ne!(
            style,
            inode(&internal.join("copy.css")),
            "two files, one file"
        );
        // The same output keeps its store: a rebuild still links.
        write_site(&internal, site, Store::for_output(&stores, &internal)).expect("build");
        assert_eq!(inode(&internal.join("style.css")), style);
        // However it is spelled.
        let spelled = dir.path().join("x/../internal");
        fs::create_dir_all(dir.path().join("x")).expect("mkdir");
        let a = Store::for_output(&stores, &internal).expect("store");
        let b = Store::for_output(&stores, &spelled).expect("store");
        assert_eq!(a.dir, b.dir);
    }

    #[test]
    fn stores_of_vanished_outputs_and_the_old_layout_are_deleted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let stores = dir.path().join("stores");
        let (gone, kept) = (dir.path().join("tmp-site"), dir.path().join("public"));
        write_site(
            &gone,
            &[("a.html", b"a")],
            Store::for_output(&stores, &gone),
        )
        .expect("build");
        let gone_store = Store::for_output(&stores, &gone).expect("store").dir;
        fs::remove_dir_all(&gone).expect("rm");
        // The older layout kept entries in `stores` itself.
        fs::write(stores.join(format!("{:032x}", 7u128)), b"old").expect("entry");
        fs::write(stores.join(MANIFEST), b"").expect("manifest");

        let young = Store::for_output(&stores, &kept).expect("store");
        assert!(
            gone_store.exists(),
            "a store as young as a running first build is kept"
        );
        assert!(!stores.join(MANIFEST).exists(), "the older layout is gone");
        let an_hour_ago = std::time::SystemTime::now() - ORPHAN_AGE * 2;
        fs::File::open(&gone_store)
            .and_then(|d| d.set_modified(an_hour_ago))
            .expect("age the store");
        let again = Store::for_output(&stores, &kept).expect("store");
        assert!(
            !gone_store.exists(),
            "the store of a vanished output is deleted"
        );
        assert_eq!(young.dir, again.dir);
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

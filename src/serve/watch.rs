//! Watching the archive for `casebook serve`: what a build reads (content/,
//! templates/, static/, themes/ and casebook.toml), debounced into batches of
//! paths, and a fingerprint (size and modification time) per file so that only
//! real changes rebuild. Knows nothing of HTTP or rendering.

use super::ServeError;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// Changed paths from the watcher, debounced.
#[derive(Debug, PartialEq)]
pub(super) enum Batch {
    Paths(BTreeSet<PathBuf>),
    /// The watcher lost events (its queue overflowed): compare everything.
    Rescan,
}

/// How long the watcher must be quiet before a rebuild: an editor's save is
/// several events (truncate, write, rename, chmod) within a few milliseconds.
const QUIET: Duration = Duration::from_millis(25);
/// The longest a rebuild waits for quiet, during a long stream of changes (a
/// `git checkout` of many write-ups).
const MAX_WAIT: Duration = Duration::from_millis(500);

/// The running watcher; it stops when this drops.
pub(super) type Watching = Arc<Mutex<notify::RecommendedWatcher>>;

/// Watches what a build reads (content/, templates/, static/, themes/ and
/// casebook.toml) and sends batches of changed paths, each once the watcher
/// has been quiet for [`QUIET`]. The watcher stops when the returned handle drops.
///
/// A watched folder that is created after serve started, or deleted and made
/// again (`rm -rf content; git checkout .`), is watched as soon as the root's
/// watch reports it: a watch belongs to the folder that was there, so edits in
/// its replacement used to go unseen until serve restarted.
pub(super) fn watch(
    root: &Path,
    folders: &[PathBuf],
) -> Result<(Watching, Receiver<Batch>), ServeError> {
    use notify::Watcher;
    let (raw_tx, raw_rx) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(raw_tx).map_err(|e| ServeError::Watch {
        path: root.to_path_buf(),
        message: e.to_string(),
    })?;
    // The root itself, not casebook.toml: an editor that saves by renaming a
    // new file over the old one would leave a watch on the file behind.
    let watched = folders
        .iter()
        .map(|d| (d.clone(), notify::RecursiveMode::Recursive))
        .chain([(root.to_path_buf(), notify::RecursiveMode::NonRecursive)]);
    for (path, mode) in watched {
        if path.exists() {
            watcher.watch(&path, mode).map_err(|e| ServeError::Watch {
                path: path.clone(),
                message: e.to_string(),
            })?;
        }
    }
    let watcher = Arc::new(Mutex::new(watcher));
    // Weak: the debouncer must not keep the watcher (and so itself) alive.
    let rewatch = rewatcher(folders.to_vec(), Arc::downgrade(&watcher));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || debounce(&raw_rx, &tx, QUIET, MAX_WAIT, &rewatch));
    Ok((watcher, rx))
}

/// What [`debounce`] calls with every event's paths: a watched folder among
/// them that exists now is watched (again). Watching a folder that is watched
/// already only renews its watches.
fn rewatcher(
    folders: Vec<PathBuf>,
    watcher: Weak<Mutex<notify::RecommendedWatcher>>,
) -> impl Fn(&[PathBuf]) {
    use notify::Watcher;
    move |paths| {
        for folder in paths.iter().filter(|p| folders.contains(p) && p.is_dir()) {
            let Some(watcher) = watcher.upgrade() else {
                return;
            };
            if let Ok(mut watcher) = watcher.lock() {
                // A folder that cannot be watched is still read by every
                // rebuild a change elsewhere makes.
                let _ = watcher.watch(folder, notify::RecursiveMode::Recursive);
            };
        }
    }
}

/// Turns raw watcher events into [`Batch`]es until either channel closes.
/// Opening and reading files are events too (a rebuild reads the write-up it
/// rebuilds); they change nothing and are dropped, or every rebuild would
/// cause another look.
fn debounce(
    raw: &Receiver<notify::Result<notify::Event>>,
    out: &std::sync::mpsc::Sender<Batch>,
    quiet: Duration,
    max_wait: Duration,
    rewatch: &dyn Fn(&[PathBuf]),
) {
    use std::sync::mpsc::RecvTimeoutError;
    let is_read = |event: &notify::Result<notify::Event>| matches!(event, Ok(e) if matches!(e.kind, notify::EventKind::Access(_)));
    loop {
        let first = match raw.iter().find(|e| !is_read(e)) {
            Some(event) => event,
            None => return,
        };
        let started = Instant::now();
        let mut paths = BTreeSet::new();
        let mut rescan = false;
        let mut add = |event: notify::Result<notify::Event>| match event {
            _ if is_read(&event) => {}
            Ok(e) if e.need_rescan() => rescan = true,
            Ok(e) => {
                rewatch(&e.paths);
                paths.extend(e.paths);
            }
            Err(_) => rescan = true,
        };
        add(first);
        loop {
            let wait = quiet.min(max_wait.saturating_sub(started.elapsed()));
            match raw.recv_timeout(wait) {
                Ok(event) => add(event),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        let batch = if rescan {
            Batch::Rescan
        } else {
            Batch::Paths(paths)
        };
        if out.send(batch).is_err() {
            return;
        }
    }
}

/// Size and modification time of every file a build reads, by path.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Fingerprint(BTreeMap<PathBuf, (u64, Option<std::time::SystemTime>)>);

/// The folders a build reads: content/, templates/, static/, themes/ under the
/// root, and the write-ups' folder when casebook.toml names one elsewhere
/// (`[content] incidents`). The config file is watched too.
pub(super) fn folders(root: &Path, incidents: &Path) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = crate::write::SOURCE_FOLDERS
        .iter()
        .map(|d| root.join(d))
        .collect();
    let incidents = root.join(incidents);
    if !folders.iter().any(|f| incidents.starts_with(f)) {
        folders.push(incidents);
    }
    folders
}

impl Fingerprint {
    pub(super) fn scan(root: &Path, folders: &[PathBuf]) -> Self {
        let mut out = Fingerprint::default();
        out.rescan(root, folders);
        out
    }

    fn scan_dir(&mut self, dir: &Path) {
        for entry in walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
        {
            if let Ok(meta) = entry.metadata() {
                if meta.is_file() {
                    self.0.insert(entry.path().to_path_buf(), stamp(&meta));
                }
            }
        }
    }

    /// Scans everything again; returns the files added, removed or changed.
    pub(super) fn rescan(&mut self, root: &Path, folders: &[PathBuf]) -> Vec<PathBuf> {
        let everything = folders
            .iter()
            .cloned()
            .chain([root.join(crate::config::CONFIG_FILE)])
            .collect();
        self.update(root, folders, &everything)
    }

    /// Looks again at the files (or folders) at `paths`, as the watcher
    /// reported them; returns the files added, removed or changed. Paths a
    /// build does not read (editor files, anything outside the watched
    /// folders and casebook.toml) are not looked at.
    pub(super) fn update(
        &mut self,
        root: &Path,
        folders: &[PathBuf],
        paths: &BTreeSet<PathBuf>,
    ) -> Vec<PathBuf> {
        let config = root.join(crate::config::CONFIG_FILE);
        let watched = |p: &Path| {
            is_source(root, p) && (*p == config || folders.iter().any(|d| p.starts_with(d)))
        };
        let mut changed = Vec::new();
        for path in paths.iter().filter(|p| watched(p)) {
            // What was known at or under this path (a file, or a folder that
            // was renamed, removed or created).
            let before: BTreeMap<PathBuf, _> = self
                .0
                .range(path.clone()..)
                .take_while(|(p, _)| p.starts_with(path))
                .map(|(p, v)| (p.clone(), *v))
                .collect();
            let mut now = Fingerprint::default();
            match std::fs::metadata(path) {
                Ok(meta) if meta.is_file() => {
                    now.0.insert(path.clone(), stamp(&meta));
                }
                Ok(meta) if meta.is_dir() => now.scan_dir(path),
                _ => {}
            }
            for p in before.keys().filter(|p| !now.0.contains_key(*p)) {
                self.0.remove(p);
                changed.push(p.clone());
            }
            for (p, v) in now.0 {
                if before.get(&p) != Some(&v) {
                    changed.push(p.clone());
                }
                self.0.insert(p, v);
            }
        }
        changed.sort();
        changed.dedup();
        changed
    }
}

fn stamp(meta: &std::fs::Metadata) -> (u64, Option<std::time::SystemTime>) {
    (meta.len(), meta.modified().ok())
}

/// Editor swap and backup files do not change the site.
fn is_source(root: &Path, path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let junk = name.starts_with(".#")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name == "4913";
    !junk && path.starts_with(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_updates_from_event_paths_match_a_full_scan() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let incidents = root.join("content/incidents");
        std::fs::create_dir_all(&incidents).expect("mkdir");
        let write = |p: &Path, text: &str| std::fs::write(p, text).expect("write");
        let (a, b) = (incidents.join("a.md"), incidents.join("b.md"));
        write(&a, "a");
        write(&b, "b");
        let folders = folders(root, Path::new("content/incidents"));
        let mut seen = Fingerprint::scan(root, &folders);
        let update = |seen: &mut Fingerprint, paths: &[&Path]| {
            let paths: BTreeSet<PathBuf> = paths.iter().map(|p| p.to_path_buf()).collect();
            seen.update(root, &folders, &paths)
        };

        // An edit (new size), a new file and a deleted one.
        write(&a, "a, longer");
        let c = incidents.join("c.md");
        write(&c, "c");
        std::fs::remove_file(&b).expect("rm");
        assert_eq!(
            update(&mut seen, &[&a, &b, &c]),
            vec![a.clone(), b.clone(), c.clone()]
        );
        // An event without a change (a file read, the same save reported twice).
        assert!(update(&mut seen, &[&a]).is_empty());

        // A folder moved in and one moved away, reported as the folder only.
        let moved = root.join("elsewhere");
        std::fs::create_dir_all(moved.join("2024")).expect("mkdir");
        write(&moved.join("2024/d.md"), "d");
        let dest = incidents.join("2024");
        std::fs::rename(&moved, &dest).expect("mv");
        assert_eq!(update(&mut seen, &[&dest]), vec![dest.join("2024/d.md")]);
        assert_eq!(seen, Fingerprint::scan(root, &folders));
        std::fs::remove_dir_all(&dest).expect("rm -r");
        assert_eq!(update(&mut seen, &[&dest]), vec![dest.join("2024/d.md")]);
        assert_eq!(seen, Fingerprint::scan(root, &folders));

        // Paths outside what a build reads are not tracked.
        let public = root.join("public/index.html");
        std::fs::create_dir_all(root.join("public")).expect("mkdir");
        write(&public, "x");
        assert!(update(&mut seen, &[&public]).is_empty());
        assert_eq!(seen.rescan(root, &folders), Vec::<PathBuf>::new());
    }

    #[test]
    fn debounce_batches_a_save_storm_and_drops_reads() {
        use notify::event::{AccessKind, CreateKind, EventKind, ModifyKind};
        let (raw_tx, raw_rx) = std::sync::mpsc::channel();
        let (tx, rx) = std::sync::mpsc::channel();
        let quiet = Duration::from_millis(30);
        let worker = std::thread::spawn(move || {
            debounce(&raw_rx, &tx, quiet, Duration::from_secs(5), &|_| {});
        });
        let event = |kind, path: &str| Ok(notify::Event::new(kind).add_path(path.into()));
        let send = |e| raw_tx.send(e).expect("debouncer alive");
        // Reads alone never make a batch.
        send(event(EventKind::Access(AccessKind::Any), "/a/content/x.md"));
        assert!(rx.recv_timeout(Duration::from_millis(150)).is_err());
        // A save storm is one batch of its paths, reads among them dropped.
        send(event(EventKind::Modify(ModifyKind::Any), "/a/content/x.md"));
        send(event(EventKind::Access(AccessKind::Any), "/a/content/y.md"));
        send(event(
            EventKind::Create(CreateKind::File),
            "/a/content/x.md",
        ));
        send(event(EventKind::Modify(ModifyKind::Any), "/a/content/z.md"));
        let batch = rx.recv_timeout(Duration::from_secs(5)).expect("a batch");
        let expected: BTreeSet<PathBuf> = ["/a/content/x.md", "/a/content/z.md"]
            .into_iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(batch, Batch::Paths(expected));
        assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
        // A watcher error means events were lost.
        send(Err(notify::Error::generic("queue overflow")));
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(Batch::Rescan));
        drop(raw_tx);
        worker.join().expect("debouncer ends when the watcher does");
    }

    #[test]
    fn editor_files_are_ignored() {
        let root = Path::new("/a");
        assert!(is_source(root, Path::new("/a/content/x.md")));
        assert!(!is_source(root, Path::new("/a/content/.x.md.swp")));
        assert!(!is_source(root, Path::new("/a/content/x.md~")));
    }
}

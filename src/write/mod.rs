//! Write: put rendered files into a fresh staging folder beside the output, then
//! swap it into place, so a failed build leaves the previous site untouched and a
//! reader never sees half a site. Files are written as they are rendered, on a
//! thread of their own, as hard links into the output [`Store`] where it can.
//! Knows nothing of incidents.

mod store;

pub use store::Store;

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

/// Marks a folder as made by casebook, so it may be replaced wholesale.
pub const MARKER: &str = ".casebook-output";

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "refusing to replace {0}: it exists and was not made by casebook (no {MARKER} file in it)"
    )]
    NotOurs(PathBuf),
    #[error("invalid output path {0:?}")]
    BadPath(String),
    #[error(
        "refusing to build into {}: it is inside the archive's {folder}/, which a build reads (a later build would take the site for input)\n  = hint: pass an `--output` outside {}, e.g. `--output public`",
        .output.display(),
        SOURCE_LIST
    )]
    InsideSources { output: PathBuf, folder: String },
    #[error(
        "refusing to build into {}: it is the archive's root or holds it, and the whole folder would be replaced by the site\n  = hint: pass an `--output` inside the archive (default: public/) or beside it",
        .0.display()
    )]
    HoldsArchive(PathBuf),
    #[error(
        "refusing to build into {}: it is a file, and the output is a folder that each build replaces whole\n  = hint: name a folder with `--output`, e.g. `--output public`",
        .0.display()
    )]
    NotAFolder(PathBuf),
}

/// The folders of an archive that a build reads, relative to its root.
pub const SOURCE_FOLDERS: [&str; 4] = ["content", "templates", "static", "themes"];
const SOURCE_LIST: &str = "content/, templates/, static/ and themes/";

/// Refuses an output that a build must not replace: a folder inside one it reads
/// ([`SOURCE_FOLDERS`] under `root`), the root or a folder holding it, or a file.
/// Paths are compared resolved (symbolic links, `..`), also where the output does
/// not exist yet.
pub fn check_output(root: &Path, output: &Path) -> Result<(), WriteError> {
    let (root_at, output_at) = (resolved(root), resolved(output));
    if root_at.starts_with(&output_at) {
        return Err(WriteError::HoldsArchive(output.to_path_buf()));
    }
    if let Some(folder) = SOURCE_FOLDERS
        .iter()
        .find(|folder| output_at.starts_with(root_at.join(folder)))
    {
        return Err(WriteError::InsideSources {
            output: output.to_path_buf(),
            folder: (*folder).to_owned(),
        });
    }
    if output.metadata().is_ok_and(|m| !m.is_dir()) {
        return Err(WriteError::NotAFolder(output.to_path_buf()));
    }
    Ok(())
}

/// `path` made absolute, its existing part resolved by the file system and the
/// rest (which does not exist yet) by its names.
fn resolved(path: &Path) -> PathBuf {
    use std::path::Component;
    let whole = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let parts: Vec<Component> = whole.components().collect();
    let mut existing = PathBuf::new();
    let mut known = 0;
    for part in &parts {
        existing.push(part);
        if !existing.exists() {
            break;
        }
        known += 1;
    }
    let mut out = match parts.get(..known).map(|p| p.iter().collect::<PathBuf>()) {
        Some(prefix) if known > 0 => prefix.canonicalize().unwrap_or(prefix),
        _ => PathBuf::new(),
    };
    for part in parts.get(known..).unwrap_or_default() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// How long a staging folder may go untouched before it is taken for a killed
/// build's. Whether one is in use is judged by age alone: no build runs for an
/// hour (50,000 write-ups take two minutes). The folder's name holds the pid of its
/// build, but pids are reused and mean nothing in another pid namespace (two
/// containers sharing the archive), and a lock file would need `File::lock` (Rust
/// 1.89, above casebook's minimum).
const STALE_STAGING: std::time::Duration = std::time::Duration::from_secs(3600);

/// Starts removing copies of earlier sites left beside `output` by previous
/// builds, on a thread of its own (join the handle to wait for it): the previous
/// sites set aside by a swap, and the staging folders of builds that were killed
/// (untouched for [`STALE_STAGING`]), which are renamed out of the way at once so
/// that the next build finishes deleting them if this one ends first. The copies
/// are listed before this returns, so the one this build sets aside is kept.
pub fn sweep_old_outputs(output: &Path) -> std::thread::JoinHandle<()> {
    let parent = parent_of(output);
    let old_prefix = format!(".{}.casebook-old-", name_of(output));
    let new_prefix = format!(".{}.casebook-new-", name_of(output));
    let mut old = Vec::new();
    for entry in std::fs::read_dir(&parent).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&old_prefix) {
            old.push(entry.path());
        } else if let Some(pid) = name.strip_prefix(&new_prefix) {
            let stale = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STALE_STAGING);
            let aside = parent.join(format!("{old_prefix}killed-{pid}"));
            if stale && std::fs::rename(entry.path(), &aside).is_ok() {
                old.push(aside);
            }
        }
    }
    std::thread::spawn(move || {
        for path in old {
            let _ = std::fs::remove_dir_all(path);
        }
    })
}

/// How many rendered files may wait for the writer. Rendering on every core
/// outruns one writer thread; with no bound, a large archive's whole site
/// queued in memory (gigabytes at 100,000 write-ups) while the writer caught
/// up. A renderer that finds the queue full waits for it.
const QUEUED_FILES: usize = 512;

/// A site being written: a fresh staging folder beside the output, filled by a
/// writer thread while pages are still rendering, and swapped into place by
/// [`Staging::commit`]. Dropped without a commit, the staging folder is removed and
/// the output is untouched.
///
/// One thread does all the file system work: folders made in one parent folder
/// queue on that folder's lock in the kernel anyway, and a second thread waiting
/// there spins on a core that could be rendering.
pub struct Staging {
    output: PathBuf,
    staging: PathBuf,
    files: Option<mpsc::SyncSender<(String, Vec<u8>)>>,
    writer: Option<JoinHandle<Result<Option<Store>, WriteError>>>,
}

impl Staging {
    /// Makes the staging folder for `output` and starts the writer. Refuses an
    /// output folder that exists, is not empty and was not made by casebook.
    pub fn begin(output: &Path, store: Option<Store>) -> Result<Staging, WriteError> {
        let is_ours = output.join(MARKER).exists();
        let non_empty = output
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(false);
        if output.exists() && non_empty && !is_ours {
            return Err(WriteError::NotOurs(output.to_path_buf()));
        }
        let parent = parent_of(output);
        std::fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        let staging = parent.join(format!(
            ".{}.casebook-new-{}",
            name_of(output),
            std::process::id()
        ));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
        }
        std::fs::create_dir_all(&staging).map_err(io_err(&staging))?;
        let (files, received) = mpsc::sync_channel(QUEUED_FILES);
        let root = staging.clone();
        let writer = std::thread::Builder::new()
            .name("casebook-write".into())
            .spawn(move || write_all(&root, received, store))
            .map_err(io_err(&staging))?;
        Ok(Staging {
            output: output.to_path_buf(),
            staging,
            files: Some(files),
            writer: Some(writer),
        })
    }

    /// Queues one file, `path` relative to the site root. A write error stops the
    /// writer; [`Staging::commit`] reports it.
    pub fn add(&self, path: String, bytes: Vec<u8>) {
        if let Some(files) = &self.files {
            // A send fails only once the writer has stopped on an error.
            let _ = files.send((path, bytes));
        }
    }

    /// Waits for every queued file, then swaps the staging folder in as the output.
    pub fn commit(mut self) -> Result<(), WriteError> {
        let store = self.wait()?;
        let marker = self.staging.join(MARKER);
        std::fs::write(
            &marker,
            b"This folder is replaced by every `casebook build`.\n",
        )
        .map_err(io_err(&marker))?;
        let old = parent_of(&self.output).join(format!(
            ".{}.casebook-old-{}-{}",
            name_of(&self.output),
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        swap(&self.staging, &self.output, &old)?;
        if let Some(store) = store {
            // After the swap, so the new site's links count.
            store.finish();
        }
        Ok(())
    }

    fn wait(&mut self) -> Result<Option<Store>, WriteError> {
        drop(self.files.take());
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(WriteError::Io {
                path: self.staging.clone(),
                source: io::Error::other("the writer thread panicked"),
            }),
            None => Ok(None),
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = self.wait();
        }
        if self.staging.exists() {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// Writes `files` (path under the site root, bytes) as the complete contents of
/// `output`, atomically replacing it: [`Staging`] in one call, for tests.
#[cfg(test)]
pub(crate) fn write_site(
    output: &Path,
    files: &[(&str, &[u8])],
    store: Option<Store>,
) -> Result<(), WriteError> {
    let staging = Staging::begin(output, store)?;
    for (path, bytes) in files {
        staging.add((*path).to_owned(), bytes.to_vec());
    }
    staging.commit()
}

fn parent_of(output: &Path) -> PathBuf {
    match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn name_of(output: &Path) -> &str {
    output
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("public")
}

/// The writer thread: each file's folder (once per folder), then the file.
fn write_all(
    staging: &Path,
    files: mpsc::Receiver<(String, Vec<u8>)>,
    store: Option<Store>,
) -> Result<Option<Store>, WriteError> {
    let mut made: HashSet<PathBuf> = HashSet::new();
    for (path, bytes) in files {
        if path.split('/').any(|part| part == ".." || part.is_empty()) || path.starts_with('/') {
            return Err(WriteError::BadPath(path));
        }
        let dest = staging.join(&path);
        if let Some(dir) = dest.parent() {
            if made.insert(dir.to_path_buf()) {
                std::fs::create_dir_all(dir).map_err(io_err(dir))?;
            }
        }
        match &store {
            Some(store) => store.place(&dest, &bytes),
            None => std::fs::write(&dest, &bytes),
        }
        .map_err(io_err(&dest))?;
    }
    Ok(store)
}

fn swap(staging: &Path, output: &Path, old: &Path) -> Result<(), WriteError> {
    if output.exists() {
        std::fs::rename(output, old).map_err(io_err(output))?;
        if let Err(e) = std::fs::rename(staging, output) {
            // Put the previous site back before reporting.
            let _ = std::fs::rename(old, output);
            return Err(WriteError::Io {
                path: output.to_path_buf(),
                source: e,
            });
        }
        // Deleting a large site takes seconds; the old copy is left as
        // `.NAME.casebook-old-*` and removed by the next build, in the background.
    } else {
        std::fs::rename(staging, output).map_err(io_err(output))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_compared_resolved() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("archive");
        std::fs::create_dir_all(root.join("content")).expect("mkdir");
        std::fs::write(root.join("casebook.toml"), "").expect("write");
        let refused = |output: &Path| check_output(&root, output).is_err();
        assert!(refused(&root.join("content/x/../../static/a/b")));
        assert!(refused(&root.join("content/new/site")));
        assert!(refused(&root.join("themes")));
        assert!(refused(&root.join(".")));
        assert!(refused(dir.path()));
        assert!(refused(&root.join("casebook.toml")));
        assert!(!refused(&root.join("public")));
        assert!(!refused(&root.join("content/../public")));
        assert!(
            !refused(&root.join("contents")),
            "a sibling with a longer name"
        );
        assert!(!refused(&dir.path().join("site")));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("content"), dir.path().join("link"))
                .expect("symlink");
            assert!(refused(&dir.path().join("link/site")));
        }
    }

    #[test]
    fn replaces_previous_output_and_refuses_foreign_folders() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        write_site(&out, &[("a/index.html", b"one")], None).expect("first");
        write_site(&out, &[("b.html", b"two")], None).expect("second");
        assert!(!out.join("a/index.html").exists());
        assert_eq!(std::fs::read(out.join("b.html")).expect("read"), b"two");

        let foreign = dir.path().join("mine");
        std::fs::create_dir_all(&foreign).expect("mkdir");
        std::fs::write(foreign.join("notes.txt"), b"keep").expect("write");
        let err = write_site(&foreign, &[("x.html", b"")], None).expect_err("must refuse");
        assert!(matches!(err, WriteError::NotOurs(_)));
        assert!(foreign.join("notes.txt").exists());
    }
}

//! Write: put rendered files into a fresh staging folder beside the output, then
//! swap it into place, so a failed build leaves the previous site untouched and a
//! reader never sees half a site. Knows nothing of incidents.

mod store;

pub use store::Store;

use rayon::prelude::*;
use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

/// A file the site should contain: its path under the output root and its bytes.
pub struct OutputFile<'a> {
    pub path: &'a str,
    pub bytes: &'a [u8],
}

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
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Starts removing copies of earlier sites left beside `output` by previous
/// builds, on a thread of its own (join the handle to wait for it). The copies
/// are listed before this returns, so the one this build sets aside is kept.
pub fn sweep_old_outputs(output: &Path) -> std::thread::JoinHandle<()> {
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = output
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("public")
        .to_owned();
    let prefix = format!(".{name}.casebook-old-");
    let old: Vec<PathBuf> = std::fs::read_dir(&parent)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    std::thread::spawn(move || {
        for path in old {
            let _ = std::fs::remove_dir_all(path);
        }
    })
}

/// Writes `files` as the complete contents of `output`, atomically replacing it.
/// With a `store`, files are hard links to its entries (see [`Store`]).
pub fn write_site(
    output: &Path,
    files: &[OutputFile<'_>],
    store: Option<Store>,
) -> Result<(), WriteError> {
    let is_ours = output.join(MARKER).exists();
    let non_empty = output
        .read_dir()
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if output.exists() && non_empty && !is_ours {
        return Err(WriteError::NotOurs(output.to_path_buf()));
    }
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io_err(&parent))?;
    let name = output
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("public");
    let staging = parent.join(format!(".{name}.casebook-new-{}", std::process::id()));
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let old = parent.join(format!(
        ".{name}.casebook-old-{}-{stamp}",
        std::process::id()
    ));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
    }
    let result = fill(&staging, files, store.as_ref()).and_then(|()| swap(&staging, output, &old));
    if result.is_err() && staging.exists() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    if result.is_ok() {
        if let Some(store) = store {
            store.finish();
        }
    }
    result
}

fn fill(staging: &Path, files: &[OutputFile<'_>], store: Option<&Store>) -> Result<(), WriteError> {
    std::fs::create_dir_all(staging).map_err(io_err(staging))?;
    for f in files {
        if f.path
            .split('/')
            .any(|part| part == ".." || part.is_empty())
            || f.path.starts_with('/')
        {
            return Err(WriteError::BadPath(f.path.to_owned()));
        }
    }
    // Folders by depth, each depth made in parallel once its parents exist: a site
    // has a folder per incident, and making ten thousand of them is not free.
    let mut dirs: BTreeSet<(usize, &Path)> = BTreeSet::new();
    for f in files {
        let mut parent = Path::new(f.path).parent();
        while let Some(dir) = parent.filter(|d| !d.as_os_str().is_empty()) {
            if !dirs.insert((dir.components().count(), dir)) {
                break;
            }
            parent = dir.parent();
        }
    }
    let dirs: Vec<(usize, &Path)> = dirs.into_iter().collect();
    for level in dirs.chunk_by(|a, b| a.0 == b.0) {
        level.par_iter().try_for_each(|(_, dir)| {
            let path = staging.join(dir);
            match std::fs::create_dir(&path) {
                Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(io_err(&path)(e)),
                _ => Ok(()),
            }
        })?;
    }
    files.par_iter().try_for_each(|f| {
        let path = staging.join(f.path);
        match store {
            Some(store) => store.place(&path, f.bytes),
            None => std::fs::write(&path, f.bytes),
        }
        .map_err(io_err(&path))
    })?;
    let marker = staging.join(MARKER);
    std::fs::write(
        &marker,
        b"This folder is replaced by every `casebook build`.\n",
    )
    .map_err(io_err(&marker))
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
    fn replaces_previous_output_and_refuses_foreign_folders() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        write_site(
            &out,
            &[OutputFile {
                path: "a/index.html",
                bytes: b"one",
            }],
            None,
        )
        .expect("first");
        write_site(
            &out,
            &[OutputFile {
                path: "b.html",
                bytes: b"two",
            }],
            None,
        )
        .expect("second");
        assert!(!out.join("a/index.html").exists());
        assert_eq!(std::fs::read(out.join("b.html")).expect("read"), b"two");

        let foreign = dir.path().join("mine");
        std::fs::create_dir_all(&foreign).expect("mkdir");
        std::fs::write(foreign.join("notes.txt"), b"keep").expect("write");
        let err = write_site(
            &foreign,
            &[OutputFile {
                path: "x.html",
                bytes: b"",
            }],
            None,
        )
        .expect_err("must refuse");
        assert!(matches!(err, WriteError::NotOurs(_)));
        assert!(foreign.join("notes.txt").exists());
    }
}

//! The cached per-file reads of a [`super::Site`]: every source file's typed
//! read ([`SourceRead`]), by kind and path, in the order a build reads them. A
//! read depends only on its file and the configuration, so a live preview keeps
//! it until the file changes; the archive is assembled from these reads. Files
//! that cannot be read are handled here, once: a [`SourceRead::unreadable`].

use crate::config::Config;
use crate::diagnostic::{relative, Diagnostic};
use crate::load::{self, Kind};
use crate::model::{self, Archive, SourceRead};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a read sits: its kind (write-ups first, as a build walks them) and its
/// path relative to the archive root.
pub(crate) type SourceKey = (u8, PathBuf);

/// Every source file's read, and the notes on the files a build does not read.
#[derive(Default)]
pub(crate) struct Sources {
    reads: BTreeMap<SourceKey, SourceRead>,
    /// From walking `content/`: files under `content/incidents/` not read as
    /// write-ups, folders that could not be walked.
    notes: Vec<Diagnostic>,
}

fn kind_order(kind: Kind) -> u8 {
    match kind {
        Kind::Incident => 0,
        Kind::System => 1,
        Kind::ReadingList => 2,
        Kind::Introduction => 3,
    }
}

/// The key of the file at `path` (absolute, or relative to the working folder).
pub(crate) fn key(root: &Path, kind: Kind, path: &Path) -> SourceKey {
    (kind_order(kind), relative(root, path))
}

/// Reads and parses one file; what cannot be read is an unreadable read.
pub(crate) fn read(root: &Path, kind: Kind, path: &Path, config: &Config) -> SourceRead {
    match load::read_document(root, kind, path) {
        Ok(doc) => model::read_source(doc, config),
        Err(d) => SourceRead::unreadable(kind, path, d),
    }
}

impl Sources {
    /// Walks the archive and reads every source file, in parallel.
    pub(crate) fn read_all(config: &Config) -> Sources {
        let root = &config.root;
        let found = load::find_sources(root, &config.file.content);
        let reads = found
            .files
            .into_par_iter()
            .map(|(kind, path)| (key(root, kind, &path), read(root, kind, &path, config)))
            .collect();
        Sources {
            reads,
            notes: found.notes,
        }
    }

    pub(crate) fn get(&self, key: &SourceKey) -> Option<&SourceRead> {
        self.reads.get(key)
    }

    /// Puts a fresh read in place of the old one (None: the file is gone), and
    /// returns the old one.
    pub(crate) fn replace(
        &mut self,
        key: SourceKey,
        read: Option<SourceRead>,
    ) -> Option<SourceRead> {
        match read {
            Some(read) => self.reads.insert(key, read),
            None => self.reads.remove(&key),
        }
    }

    /// The archive of these reads, which stay cached for the next change.
    pub(crate) fn assemble(&self, config: &Config) -> (Archive, Vec<Diagnostic>) {
        let reads = self.reads.values().cloned().collect();
        model::assemble(reads, self.notes.clone(), config)
    }

    /// The archive of these reads, which are not needed again (a build).
    pub(crate) fn into_archive(self, config: &Config) -> (Archive, Vec<Diagnostic>) {
        let reads = self.reads.into_values().collect();
        model::assemble(reads, self.notes, config)
    }
}

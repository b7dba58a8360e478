//! Walking a folder of sources without losing what cannot be read.
//!
//! A folder the walker could not open (permissions, a name too long for the
//! system, a link loop) used to vanish with `filter_map(Result::ok)`: its
//! write-ups were simply not in the site. [`entries`] walks the same way and
//! turns every such error into a diagnostic naming the path and the OS error.

use crate::diagnostic::{relative, Diagnostic};
use std::path::Path;

/// Every entry `walker` yields, in its order; what it could not read is pushed
/// to `problems` as one diagnostic per path, made by `level`. A root that does
/// not exist is no problem: every folder under `content/` is optional.
pub(crate) fn entries(
    root: &Path,
    walker: impl IntoIterator<Item = walkdir::Result<walkdir::DirEntry>>,
    problems: &mut Vec<Diagnostic>,
    level: fn(std::path::PathBuf, String) -> Diagnostic,
) -> Vec<walkdir::DirEntry> {
    let mut out = Vec::new();
    for entry in walker {
        match entry {
            Ok(entry) => out.push(entry),
            Err(e) => {
                if let Some(d) = problem(root, &e, level) {
                    problems.push(d);
                }
            }
        }
    }
    out
}

/// The diagnostic for one walk error; None for a path that is gone (deleted
/// while walking, or an optional folder that was never there).
pub(crate) fn problem(
    root: &Path,
    e: &walkdir::Error,
    level: fn(std::path::PathBuf, String) -> Diagnostic,
) -> Option<Diagnostic> {
    if e.io_error().map(std::io::Error::kind) == Some(std::io::ErrorKind::NotFound) {
        return None;
    }
    let path = e
        .path()
        .map_or_else(|| root.to_path_buf(), |p| relative(root, p));
    let why = match (e.loop_ancestor(), e.io_error()) {
        (Some(ancestor), _) => {
            format!("a link loop back to {}", relative(root, ancestor).display())
        }
        (None, Some(io)) => io.to_string(),
        (None, None) => e.to_string(),
    };
    Some(
        level(
            path,
            format!("cannot read this folder or file, left out: {why}"),
        )
        .hint("make it readable by the user running casebook, or move it out of the archive"),
    )
}

/// [`Diagnostic::warning`] as a plain function, for [`entries`].
pub(crate) fn warning(path: std::path::PathBuf, message: String) -> Diagnostic {
    Diagnostic::warning(path, message)
}

/// [`Diagnostic::error`] as a plain function, for [`entries`].
pub(crate) fn error(path: std::path::PathBuf, message: String) -> Diagnostic {
    Diagnostic::error(path, message)
}

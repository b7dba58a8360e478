//! Attachments of folder write-ups (`incidents/ID/index.md` with `graph.png`
//! beside it): which files a folder holds, and their bytes. Only files inside
//! the write-up's own folder are ever read — no symbolic link is followed, no
//! name may climb out with `..` — and only kinds a page embeds or links to
//! (images, PDFs, data files: [`super::ASSET_EXTENSIONS`]), so a folder cannot
//! put a script or an HTML page into the site.

use std::path::{Component, Path};

/// Characters that would make a name no plain URL path.
const UNSAFE_IN_NAMES: &[char] = &['?', '#', '%', '\\', '"', '<', '>'];

/// Whether `source` (a write-up's path) is a folder write-up's `index` file.
pub(crate) fn is_folder_write_up(source: &Path) -> bool {
    source
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| super::strip_extensions(n).eq_ignore_ascii_case("index"))
}

/// The attachments of the folder write-up at `source` (relative to `root`):
/// its folder's files by name (`graph.png`, `img/a.svg`), sorted, less hidden
/// ones, symbolic links, documents and the folders of nested write-ups.
pub(crate) fn list(root: &Path, source: &Path) -> Vec<String> {
    let Some(folder) = root.join(source).parent().map(Path::to_path_buf) else {
        return Vec::new();
    };
    let walker = walkdir::WalkDir::new(&folder)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_str().unwrap_or(".");
            let hidden = name.starts_with('.') || name.starts_with('_');
            let nested = e.file_type().is_dir() && holds_write_up(e.path());
            e.depth() == 0 || !(hidden || nested)
        });
    walker
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && !e.path_is_symlink())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(&folder).ok()?;
            let parts: Vec<&str> = rel
                .components()
                .map(|c| c.as_os_str().to_str())
                .collect::<Option<_>>()?;
            let name = parts.join("/");
            (is_asset(&name) && !name.contains(UNSAFE_IN_NAMES)).then_some(name)
        })
        .collect()
}

/// Whether `path`, a file under `incidents` (the write-ups' folder), would be
/// an attachment of a folder write-up (a live preview copies it again).
pub(crate) fn is_attachment_path(incidents: &Path, path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    is_asset(name)
        && path
            .ancestors()
            .skip(1)
            .take_while(|dir| dir.starts_with(incidents) && *dir != incidents)
            .any(holds_write_up)
}

/// A folder with its own `index.md`: a write-up of its own, not attachments.
fn holds_write_up(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|e| {
            e.file_name().to_str().is_some_and(|n| {
                n.contains('.') && super::strip_extensions(n).eq_ignore_ascii_case("index")
            })
        })
    })
}

fn is_asset(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && super::ASSET_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
    })
}

/// Why an attachment was not copied.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AttachmentError {
    #[error("\"{0}\" is not a file inside the write-up's folder")]
    OutsideFolder(String),
    #[error("\"{0}\" is a symbolic link; links are not followed")]
    Link(String),
    #[error("cannot read \"{name}\": {source}")]
    Io {
        name: String,
        source: std::io::Error,
    },
    #[error("\"{0}\" holds a script or event handler, which would run on the site")]
    ActiveSvg(String),
}

/// The bytes of attachment `name` of the folder write-up at `source`. With
/// `allow_scripts` false (raw HTML is escaped), an SVG holding a script is refused:
/// opened on its own, it would run with the site's origin.
pub(crate) fn read(
    root: &Path,
    source: &Path,
    name: &str,
    allow_scripts: bool,
) -> Result<Vec<u8>, AttachmentError> {
    let outside = || AttachmentError::OutsideFolder(name.to_owned());
    let rel = Path::new(name);
    if name.is_empty()
        || !is_asset(name)
        || rel.components().any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(outside());
    }
    let folder = root
        .join(source)
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(outside)?;
    // No part of the way may be a link: each one is looked at, not followed.
    let mut path = folder.clone();
    for part in rel.components() {
        path.push(part);
        let meta = std::fs::symlink_metadata(&path).map_err(|source| AttachmentError::Io {
            name: name.to_owned(),
            source,
        })?;
        if meta.file_type().is_symlink() {
            return Err(AttachmentError::Link(name.to_owned()));
        }
    }
    let bytes = std::fs::read(&path).map_err(|source| AttachmentError::Io {
        name: name.to_owned(),
        source,
    })?;
    if !allow_scripts && name.to_ascii_lowercase().ends_with(".svg") && svg_is_active(&bytes) {
        return Err(AttachmentError::ActiveSvg(name.to_owned()));
    }
    Ok(bytes)
}

/// Whether an SVG can run code when opened: a script element, a `javascript:`
/// URL, an `on…=` event attribute or embedded HTML (`foreignObject`).
fn svg_is_active(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes).to_ascii_lowercase();
    if [
        "<script",
        "javascript:",
        "<foreignobject",
        "<iframe",
        "<embed",
    ]
    .iter()
    .any(|needle| text.contains(needle))
    {
        return true;
    }
    // An event attribute: whitespace, `on`, letters, optional space, `=`.
    let b = text.as_bytes();
    (1..b.len().saturating_sub(2)).any(|i| {
        b[i - 1].is_ascii_whitespace() && b[i] == b'o' && b[i + 1] == b'n' && {
            let rest = &b[i + 2..];
            let letters = rest.iter().take_while(|c| c.is_ascii_lowercase()).count();
            letters > 0
                && rest[letters..]
                    .iter()
                    .find(|c| !c.is_ascii_whitespace())
                    .is_some_and(|c| *c == b'=')
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_svgs_are_recognised() {
        assert!(svg_is_active(b"<svg><script>alert(1)</script></svg>"));
        assert!(svg_is_active(b"<svg onload = \"x()\"></svg>"));
        assert!(svg_is_active(
            b"<svg><a href=\"JavaScript:x()\">a</a></svg>"
        ));
        assert!(!svg_is_active(
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"4\" height=\"2\"/><text>done on time</text></svg>"
        ));
    }

    #[test]
    fn names_that_leave_the_folder_are_refused_before_any_read() {
        let root = Path::new("/nonexistent-root");
        let source = Path::new("content/incidents/x/index.md");
        for name in [
            "../../etc/passwd.png",
            "/etc/passwd.png",
            "a/../../b.png",
            "notes.html",
        ] {
            assert!(
                matches!(
                    read(root, source, name, false),
                    Err(AttachmentError::OutsideFolder(_))
                ),
                "{name}"
            );
        }
    }
}

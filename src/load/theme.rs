//! Theme: the templates and static files a build renders with. The default theme
//! is embedded in the binary; a `themes/NAME/` folder (config `theme = "NAME"`)
//! replaces it, and `templates/NAME.html` in the archive overrides one template.
//! This module only reads files; the render stage compiles the templates.

use crate::diagnostic::Diagnostic;
use std::path::{Path, PathBuf};

/// Template sources by name (`incident.html`), later entries overriding earlier.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub templates: Vec<(String, String, PathBuf)>,
    /// Static files: output path and bytes.
    pub static_files: Vec<(String, Vec<u8>)>,
}

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../themes/default/templates/", $name)))),*]
    };
}

const DEFAULT_TEMPLATES: &[(&str, &str)] = embedded!(
    "base.html",
    "macros.html",
    "index.html",
    "incidents.html",
    "incident.html",
    "rca.html",
    "systems.html",
    "system.html",
    "follow_ups.html",
    "metrics.html",
    "metrics_body.html",
    "terms.html",
    "term.html",
    "reading_lists.html",
    "reading_list.html",
    "404.html",
    "search.html",
);

const DEFAULT_STATIC: &[(&str, &[u8])] = &[
    (
        "style.css",
        include_bytes!("../../themes/default/static/style.css"),
    ),
    (
        "casebook.js",
        include_bytes!("../../themes/default/static/casebook.js"),
    ),
    (
        "favicon.svg",
        include_bytes!("../../themes/default/static/favicon.svg"),
    ),
    (
        "search.js",
        include_bytes!("../../themes/default/static/search.js"),
    ),
];

/// Names of the templates a theme must provide.
pub fn template_names() -> impl Iterator<Item = &'static str> {
    DEFAULT_TEMPLATES.iter().map(|(n, _)| *n)
}

pub fn load(root: &Path, theme: Option<&str>) -> Result<Theme, Diagnostic> {
    let mut out = Theme::default();
    for (name, source) in DEFAULT_TEMPLATES {
        out.templates.push((
            name.to_string(),
            source.to_string(),
            PathBuf::from(format!("themes/default/templates/{name}")),
        ));
    }
    for (name, bytes) in DEFAULT_STATIC {
        out.static_files.push((name.to_string(), bytes.to_vec()));
    }
    if let Some(theme) = theme {
        let dir = root.join("themes").join(theme);
        if !dir.is_dir() {
            return Err(Diagnostic::error(
                "casebook.toml",
                format!("theme \"{theme}\" not found at themes/{theme}/"),
            )
            .field("theme")
            .hint("remove `theme` to use the built-in theme, or create the folder"));
        }
        read_templates(root, &dir.join("templates"), &mut out)?;
        read_static(&dir.join("static"), &mut out)?;
    }
    read_templates(root, &root.join("templates"), &mut out)?;
    read_static(&root.join("static"), &mut out)?;
    Ok(out)
}

fn read_templates(root: &Path, dir: &Path, out: &mut Theme) -> Result<(), Diagnostic> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let rel = crate::diagnostic::relative(root, path);
        let name = crate::diagnostic::relative(dir, path)
            .to_string_lossy()
            .replace('\\', "/");
        let source = std::fs::read_to_string(path)
            .map_err(|e| Diagnostic::error(&rel, format!("cannot read template: {e}")))?;
        out.templates.retain(|(n, _, _)| *n != name);
        out.templates.push((name, source, rel));
    }
    Ok(())
}

fn read_static(dir: &Path, out: &mut Theme) -> Result<(), Diagnostic> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let name = crate::diagnostic::relative(dir, entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(entry.path()).map_err(|e| {
            Diagnostic::error(entry.path(), format!("cannot read static file: {e}"))
        })?;
        out.static_files.retain(|(n, _)| *n != name);
        out.static_files.push((name, bytes));
    }
    Ok(())
}

//! Theme: the templates and static files a build renders with. The default theme
//! is embedded in the binary; a `themes/NAME/` folder (config `theme = "NAME"`)
//! replaces it, and `templates/NAME.html` in the archive overrides one template.
//! This module only reads files; the render stage compiles the templates.

use crate::diagnostic::Diagnostic;
use std::path::{Path, PathBuf};

/// Template sources by name (`incident.html`), later entries overriding earlier.
#[derive(Debug, Clone, Default)]
pub(crate) struct Theme {
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
    "teams.html",
    "team.html",
    "follow_ups.html",
    "repeats.html",
    "metrics.html",
    "metrics_body.html",
    "terms.html",
    "term.html",
    "reading_lists.html",
    "reading_list.html",
    "reading_list_print.html",
    "404.html",
    "search.html",
);

const DEFAULT_STATIC: &[(&str, &[u8])] = &[
    (
        "style.css",
        include_bytes!("../../themes/default/static/style.css"),
    ),
    // Only the pages that need them link these: the search page's first
    // query downloads style.css alone.
    (
        "incident.css",
        include_bytes!("../../themes/default/static/incident.css"),
    ),
    (
        "metrics.css",
        include_bytes!("../../themes/default/static/metrics.css"),
    ),
    (
        "print.css",
        include_bytes!("../../themes/default/static/print.css"),
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

pub(crate) fn load(root: &Path, theme: Option<&str>) -> Result<Theme, Diagnostic> {
    let mut out = Theme::default();
    for (name, source) in DEFAULT_TEMPLATES {
        out.templates.push((
            name.to_string(),
            source.to_string(),
            PathBuf::from(format!("themes/default/templates/{name}")),
        ));
    }
    for (name, bytes) in DEFAULT_STATIC {
        // The built-in stylesheet and scripts are written to be read (comments,
        // indentation) and shipped minified: they are a sixth of what a first
        // search downloads.
        let bytes = match std::str::from_utf8(bytes) {
            Ok(css) if name.ends_with(".css") => minify_css(css).into_bytes(),
            Ok(js) if name.ends_with(".js") => minify_js(js).into_bytes(),
            _ => bytes.to_vec(),
        };
        out.static_files.push((name.to_string(), bytes));
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
        read_static(root, &dir.join("static"), &mut out)?;
    }
    read_templates(root, &root.join("templates"), &mut out)?;
    read_static(root, &root.join("static"), &mut out)?;
    Ok(out)
}

fn read_templates(root: &Path, dir: &Path, out: &mut Theme) -> Result<(), Diagnostic> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in readable(root, dir)? {
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

/// Every entry under `dir`; a folder or file that cannot be read is an error, as
/// a template or static file that cannot be read is: the site would silently
/// lack it.
fn readable(root: &Path, dir: &Path) -> Result<Vec<walkdir::DirEntry>, Diagnostic> {
    let mut problems = Vec::new();
    let walker = walkdir::WalkDir::new(dir).sort_by_file_name();
    let entries = super::walk::entries(root, walker, &mut problems, super::walk::error);
    match problems.into_iter().next() {
        Some(problem) => Err(problem),
        None => Ok(entries),
    }
}

fn read_static(root: &Path, dir: &Path, out: &mut Theme) -> Result<(), Diagnostic> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in readable(root, dir)? {
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

/// Drops comments and the whitespace CSS does not need: runs become one space,
/// and none is kept next to `{ } ; ,` or after `:`. Strings are copied as is.
/// (A space before `:` is kept: `a :hover` and `a:hover` differ.)
fn minify_css(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.char_indices().peekable();
    let mut pending_space = false;
    while let Some((at, c)) = chars.next() {
        match c {
            '/' if css[at..].starts_with("/*") => {
                let end = css[at + 2..]
                    .find("*/")
                    .map_or(css.len(), |e| at + 2 + e + 2);
                while chars.peek().is_some_and(|&(i, _)| i < end) {
                    chars.next();
                }
                pending_space = true;
            }
            '"' | '\'' => {
                if pending_space && needs_space_after(out.chars().last()) {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
                while let Some((_, s)) = chars.next() {
                    out.push(s);
                    if s == '\\' {
                        if let Some((_, escaped)) = chars.next() {
                            out.push(escaped);
                        }
                    } else if s == c {
                        break;
                    }
                }
            }
            c if c.is_whitespace() => pending_space = true,
            c => {
                if pending_space && needs_space_after(out.chars().last()) && !"{};,".contains(c) {
                    out.push(' ');
                }
                pending_space = false;
                if c == '}' && out.ends_with(';') {
                    out.pop();
                }
                out.push(c);
            }
        }
    }
    out
}

/// Drops what a script does not need line by line: indentation, trailing
/// blanks, blank lines and whole-line `//` comments. Line breaks are kept, so
/// automatic semicolon insertion reads the script as before. A script with a
/// template literal or a string continued over a line break is returned as is:
/// there, a line's indentation can be part of a string.
fn minify_js(js: &str) -> String {
    if js.contains('`') || js.contains("\\\n") || js.contains("\\\r\n") {
        return js.to_string();
    }
    let mut out = String::with_capacity(js.len());
    for line in js.lines().map(str::trim) {
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn needs_space_after(last: Option<char>) -> bool {
    last.is_some_and(|l| !"{};,:".contains(l))
}

#[cfg(test)]
mod tests {
    use super::{minify_css, minify_js};

    #[test]
    fn minified_js_drops_indentation_and_line_comments_only() {
        let js = "// header\n(function () {\n  // why\n  const url = \"http://x/\"; // trailing kept\n\n  return url\n    + \"/\";\n})();\n";
        assert_eq!(
            minify_js(js),
            "(function () {\nconst url = \"http://x/\"; // trailing kept\nreturn url\n+ \"/\";\n})();\n"
        );
        // Indentation inside a template literal or a continued string is content.
        for untouched in ["const a = `x\n  y`;\n", "const a = \"x\\\n  y\";\n"] {
            assert_eq!(minify_js(untouched), untouched);
        }
    }

    #[test]
    fn the_built_in_scripts_shrink() {
        for (name, bytes) in super::DEFAULT_STATIC {
            if let Some(source) = name.ends_with(".js").then(|| std::str::from_utf8(bytes)) {
                let source = source.expect("utf-8");
                let min = minify_js(source);
                assert!(
                    min.len() * 10 < source.len() * 9,
                    "{name}: {} -> {}",
                    source.len(),
                    min.len()
                );
            }
        }
    }

    #[test]
    fn minified_css_keeps_strings_selectors_and_significant_spaces() {
        let css = "/* theme */\n.a :hover,\n.b > .c {\n  color: red;\n  margin: 0 calc(1rem + 2px);\n}\n\n.q::before { content: \" \\\" · \"; }\n@media (min-width: 40em) and (max-width: 60em) {\n  .d { x: y }\n}\n";
        assert_eq!(
            minify_css(css),
            ".a :hover,.b > .c{color:red;margin:0 calc(1rem + 2px)}.q::before{content:\" \\\" · \"}@media (min-width:40em) and (max-width:60em){.d{x:y}}"
        );
    }

    #[test]
    fn the_built_in_stylesheet_shrinks_and_keeps_every_rule() {
        let source = std::str::from_utf8(super::DEFAULT_STATIC[0].1).expect("utf-8");
        let min = minify_css(source);
        assert!(
            min.len() * 10 < source.len() * 9,
            "{} -> {}",
            source.len(),
            min.len()
        );
        let count = |s: &str, c: char| s.chars().filter(|&x| x == c).count();
        assert_eq!(count(&min, '{'), count(&min, '}'));
        assert_eq!(count(source, '{'), count(&min, '{'));
    }

    #[test]
    fn the_built_in_templates_ask_the_routes_for_every_page_they_link() {
        // From the site root: a page casebook makes comes from `page_url`; only
        // the theme's own static files are named by hand (and the root itself
        // is handed to the script).
        for (name, source) in super::DEFAULT_TEMPLATES {
            for (at, _) in source.match_indices("{{ root }}") {
                let rest = &source[at + "{{ root }}".len()..];
                if source[..at].ends_with("data-root=\"") {
                    continue;
                }
                let asks = rest.starts_with("{{ page_url(");
                let static_file = super::DEFAULT_STATIC.iter().any(|(f, _)| {
                    rest.strip_prefix(*f)
                        .is_some_and(|after| after.starts_with('"'))
                });
                assert!(
                    asks || static_file,
                    "{name}: {}",
                    &rest[..rest.len().min(40)]
                );
            }
            // Relative to the page itself: only a page's own sub-page.
            for (at, _) in source.match_indices("href=\"") {
                let rest = &source[at + "href=\"".len()..];
                let by_hand = rest.starts_with(|c: char| c.is_ascii_lowercase());
                let own = ["rca/\"", "print/\""].iter().any(|p| rest.starts_with(p));
                assert!(!by_hand || own, "{name}: {}", &rest[..rest.len().min(40)]);
            }
        }
    }
}

//! One module per verb of the binary, each a function from parsed arguments
//! to an exit code; what they share (finding the archive, printing
//! diagnostics) is here.

pub(crate) mod build;
pub(crate) mod check;
pub(crate) mod import;
pub(crate) mod search;
pub(crate) mod serve;

use casebook::config::{BuildOptions, Config};
use casebook::diagnostic::Diagnostic;
use std::io::Write;

/// The configuration of the archive at `root`, for the commands that read one: a
/// folder with neither `content/` nor `casebook.toml` is refused before anything
/// is read or written (it built an empty site over the published one). `init`
/// (and whatever makes an archive in a new folder) uses [`load_config`] instead.
pub(crate) fn archive_config(
    root: &std::path::Path,
    options: BuildOptions,
) -> anyhow::Result<Config> {
    if root.is_dir()
        && !root.join("content").is_dir()
        && !root.join(casebook::config::CONFIG_FILE).is_file()
    {
        anyhow::bail!(
            "{} is not a casebook archive: it has no content/ folder and no {}\n  = hint: run in your archive's root or pass --root; `casebook init` makes a new one",
            root.display(),
            casebook::config::CONFIG_FILE
        );
    }
    load_config(root, options)
}

pub(crate) fn load_config(root: &std::path::Path, options: BuildOptions) -> anyhow::Result<Config> {
    if !root.is_dir() {
        anyhow::bail!(
            "{} is not a folder (use --root to point at an archive)",
            root.display()
        );
    }
    // A bad casebook.toml is an archive error (exit 1), reported like any other.
    Config::load(root, options).map_err(anyhow::Error::new)
}

pub(crate) fn print_diagnostics(diagnostics: &[Diagnostic]) -> std::io::Result<()> {
    let mut err = std::io::stderr().lock();
    for d in diagnostics {
        writeln!(err, "{d}\n")?;
    }
    Ok(())
}

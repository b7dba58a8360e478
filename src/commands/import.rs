//! `casebook import` (links lists and CSV exports into write-ups) and
//! `casebook migrate` (write-ups onto casebook's own format).

use super::{archive_config, load_config, print_diagnostics};
use crate::cli;
use casebook::config::BuildOptions;
use casebook::diagnostic::terminal_safe_lines;
use std::io::Write;
use std::process::ExitCode;

pub(crate) fn import(
    root: &std::path::Path,
    quiet: bool,
    source: cli::ImportSource,
) -> anyhow::Result<ExitCode> {
    use casebook::import;
    let config = load_config(root, BuildOptions::default())?;
    let (file, target, imported) = match source {
        cli::ImportSource::Links { file, target } => {
            let parsed = import::links::parse(&import::read_source(&file)?, &file);
            (file, target, parsed)
        }
        cli::ImportSource::Csv { file, map, target } => {
            let text = import::read_source(&file)?;
            let parsed = import::csv::parse(&text, &file, &map, &config.file.severities)?;
            (file, target, parsed)
        }
    };
    if !quiet {
        print_diagnostics(&imported.warnings)?;
    }
    let options = import::WriteOptions {
        root: root.to_path_buf(),
        incidents: config.file.content.incidents.clone(),
        into: target.into.unwrap_or_else(|| {
            config
                .file
                .content
                .incidents
                .join(casebook::import::DEFAULT_INTO)
        }),
        source_name: file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        dry_run: target.dry_run,
    };
    let report = import::write(&imported.incidents, &options)?;
    if target.dry_run {
        for f in &report.written {
            out!("==> {} <==\n{}", f.path.display(), f.text)?;
        }
    }
    out!(
        "{} {} write-up(s) to {}; skipped {} whose id already exists{}",
        if target.dry_run {
            "Would write"
        } else {
            "Wrote"
        },
        report.written.len(),
        options.into.display(),
        report.skipped.len(),
        if imported.warnings.is_empty() {
            String::new()
        } else {
            format!(" ({} warning(s))", imported.warnings.len())
        }
    )?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn migrate(
    root: &std::path::Path,
    quiet: bool,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let config = archive_config(root, BuildOptions::default())?;
    let plan = casebook::migrate::plan(&config);
    if !quiet {
        print_diagnostics(&plan.held_back)?;
    }
    if dry_run {
        for rewrite in &plan.rewrites {
            out!("{}", terminal_safe_lines(&rewrite.diff()))?;
        }
    } else {
        casebook::migrate::apply(root, &plan)?;
    }
    err!(
        "{} {} write-up(s); {} already in casebook's format; {} held back (fix them first)",
        if dry_run { "Would migrate" } else { "Migrated" },
        plan.rewrites.len(),
        plan.unchanged,
        plan.held_back.len()
    )?;
    Ok(ExitCode::SUCCESS)
}

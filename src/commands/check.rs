//! `casebook check`: every diagnostic of the archive (or its adoption report),
//! as text, JSON or GitHub workflow annotations; exit 1 on errors.

use super::{archive_config, print_diagnostics};
use crate::cli::OutputFormat;
use casebook::config::BuildOptions;
use casebook::diagnostic::{terminal_safe_lines, Diagnostic, Level};
use std::io::Write;
use std::process::ExitCode;

pub(crate) fn check(
    root: &std::path::Path,
    strict: bool,
    format: OutputFormat,
    as_of: Option<jiff::civil::Date>,
    adoption: bool,
) -> anyhow::Result<ExitCode> {
    let options = BuildOptions {
        as_of,
        ..BuildOptions::default()
    };
    if adoption {
        let config = archive_config(root, options)?;
        let report = casebook::adoption(&config);
        let mut out = std::io::stdout().lock();
        match format {
            OutputFormat::Json | OutputFormat::Github => {
                serde_json::to_writer_pretty(&mut out, &report)?
            }
            OutputFormat::Human => write!(out, "{}", terminal_safe_lines(&report.to_string()))?,
        }
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let diagnostics = match archive_config(root, options) {
        Ok(config) => casebook::check(&config),
        // A broken casebook.toml is one more diagnostic, in either format.
        Err(e) => match e.downcast::<Diagnostic>() {
            Ok(d) => vec![d],
            Err(e) => return Err(e),
        },
    };
    let errors = diagnostics
        .iter()
        .filter(|d| d.is_error() || strict && d.level == Level::Warning)
        .count();
    match format {
        OutputFormat::Json => {
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &diagnostics)?;
            writeln!(out)?;
        }
        OutputFormat::Github => {
            let mut out = std::io::stdout().lock();
            for d in &diagnostics {
                writeln!(out, "{}", d.github_annotation())?;
            }
        }
        OutputFormat::Human => {
            print_diagnostics(&diagnostics)?;
            let warnings = diagnostics
                .iter()
                .filter(|d| d.level == Level::Warning)
                .count();
            let notes = diagnostics
                .iter()
                .filter(|d| d.level == Level::Note)
                .count();
            let real_errors = diagnostics.iter().filter(|d| d.is_error()).count();
            err!("{real_errors} error(s), {warnings} warning(s), {notes} suggestion(s)")?;
        }
    }
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

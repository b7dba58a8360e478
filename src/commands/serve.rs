//! `casebook serve`: the preview server, its log lines on stderr.

use super::archive_config;
use casebook::config::BuildOptions;
use casebook::diagnostic::terminal_safe_lines;
use std::io::Write;
use std::process::ExitCode;

pub(crate) fn serve(
    root: &std::path::Path,
    quiet: bool,
    bind: String,
    port: u16,
    open: bool,
    as_of: Option<jiff::civil::Date>,
) -> anyhow::Result<ExitCode> {
    let options = BuildOptions {
        drafts: true,
        as_of,
        ..BuildOptions::default()
    };
    let config = archive_config(root, options)?;
    let url = format!("http://{bind}:{port}/");
    if open {
        // Best effort: a missing opener is not an error.
        let opener = if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        };
        let _ = std::process::Command::new(opener).arg(&url).spawn();
    }
    casebook::serve::serve(
        config,
        &casebook::serve::ServeOptions { bind, port },
        std::sync::Arc::new(move |importance, line: &str| {
            if !quiet || importance == casebook::serve::Importance::Alert {
                let written = err!("{}", terminal_safe_lines(line));
                // Nobody reads the log any more (`casebook serve 2>&1 | head`).
                if written.is_err_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) {
                    std::process::exit(0);
                }
            }
        }),
    )?;
    Ok(ExitCode::SUCCESS)
}

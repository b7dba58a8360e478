//! `casebook build`: the site into the output folder, a spinner on a
//! terminal, warnings and a one-line summary on stderr.

use super::{archive_config, print_diagnostics};
use crate::cli;
use anyhow::Context;
use casebook::config::BuildOptions;
use casebook::diagnostic::{terminal_safe, terminal_safe_lines, Diagnostic, Level};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Warnings a successful build prints before its summary.
const BUILD_WARNINGS_SHOWN: usize = 20;

pub(crate) fn build(
    root: &std::path::Path,
    quiet: bool,
    args: cli::BuildArgs,
) -> anyhow::Result<ExitCode> {
    if let Some(url) = &args.base_url {
        if let Some(problem) = casebook::config::base_url_problem(url) {
            anyhow::bail!(
                "--base-url \"{}\" {problem}\n  = hint: e.g. --base-url https://incidents.example.com/archive",
                terminal_safe(url)
            );
        }
    }
    let options = BuildOptions {
        output: args.output,
        base_url: args.base_url,
        drafts: args.drafts,
        audience: args.audience.into(),
        as_of: args.as_of,
        follow_up_status: args.follow_up_status,
    };
    let config = archive_config(root, options)?;
    let spinner = Spinner::new(quiet);
    let result = casebook::build(&config, &|stage| spinner.stage(stage));
    spinner.finish();
    match result {
        Ok(report) => print_report(&report, quiet, args.timings),
        Err(casebook::BuildError::Invalid(diagnostics)) => {
            let shown: Vec<Diagnostic> = diagnostics
                .into_iter()
                .filter(|d| d.is_error() || !quiet && d.level == Level::Warning)
                .collect();
            print_diagnostics(&shown)?;
            let errors = shown.iter().filter(|d| d.is_error()).count();
            err!("error: the archive has {errors} error(s); nothing was written and the previous site is untouched")?;
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e).context("build failed"),
    }
}

/// A spinner on stderr that appears only on a terminal, and only after a second.
struct Spinner {
    bar: Option<indicatif::ProgressBar>,
    started: std::time::Instant,
}

impl Spinner {
    fn new(quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::hidden(),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar
        });
        Self {
            bar,
            started: std::time::Instant::now(),
        }
    }

    fn stage(&self, stage: casebook::Stage) {
        let Some(bar) = &self.bar else { return };
        if bar.is_hidden() && self.started.elapsed().as_secs_f32() > 1.0 {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.enable_steady_tick(std::time::Duration::from_millis(100));
        }
        bar.set_message(format!("{stage:?}").to_lowercase());
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// What a successful build prints: its first warnings, what to do about a
/// missing base URL, repaired caches, the tracker merge, timings on request,
/// and the one-line summary.
fn print_report(
    report: &casebook::BuildReport,
    quiet: bool,
    timings: bool,
) -> anyhow::Result<ExitCode> {
    let warnings: Vec<&Diagnostic> = report
        .diagnostics
        .iter()
        .filter(|d| d.level == Level::Warning)
        .collect();
    if !quiet {
        // A large archive can have thousands; `check` is where to read them all.
        for d in warnings.iter().take(BUILD_WARNINGS_SHOWN) {
            err!("{d}\n")?;
        }
        if warnings.len() > BUILD_WARNINGS_SHOWN {
            err!(
                "... and {} more warning(s); `casebook check` lists them all\n",
                warnings.len() - BUILD_WARNINGS_SHOWN
            )?;
        }
    }
    if report.without_base_url && !quiet {
        err!("warning: base_url is not set, so feed.xml and sitemap.xml hold relative URLs, which feed readers and search engines reject\n  = hint: set base_url = \"https://...\" in casebook.toml, or pass --base-url\n")?;
    }
    for notice in &report.notices {
        err!("warning: {}", terminal_safe(notice))?;
    }
    if let Some(t) = &report.tracker {
        err!(
            "Tracker: {} follow-up(s) updated from {} record(s); {} record(s) matched no follow-up; {} linked follow-up(s) not in the export",
            t.matched,
            t.records,
            t.unmatched_records.len(),
            t.unmatched_follow_ups
        )?;
        if !quiet {
            for (key, place) in t.unmatched_records.iter().take(20) {
                err!("  unmatched: {} ({place})", terminal_safe(key))?;
            }
        }
    }
    if timings {
        for (stage, took) in &report.timings {
            err!("{stage:>14}  {:>7} ms", took.as_millis())?;
        }
    }
    err!(
        "Built {} pages for {} incidents in {} ms into {}{}",
        report.pages,
        report.incidents,
        report.elapsed.as_millis(),
        terminal_safe(&report.output.display().to_string()),
        if warnings.is_empty() {
            String::new()
        } else {
            format!(
                " ({} warning(s); run `casebook check` for details)",
                warnings.len()
            )
        }
    )?;
    if let Some(adoption) = &report.adoption {
        err!("{}", terminal_safe_lines(&adoption.to_string()))?;
    }
    Ok(ExitCode::SUCCESS)
}

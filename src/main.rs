//! The `casebook` binary: parses arguments and calls the library. Exit codes:
//! 0 success, 1 the archive has errors, 2 usage or I/O trouble.

mod cli;
mod scaffold;

use anyhow::Context;
use casebook::config::{BuildOptions, Config};
use casebook::diagnostic::{Diagnostic, Level};
use clap::Parser;
use cli::{Cli, Command, OutputFormat};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Init { dir } => {
            let dir = dir.unwrap_or_else(|| cli.root.clone());
            scaffold::init(&dir)?;
            if !cli.quiet {
                println!(
                    "Created a new archive in {}.\nNext: cd {} && casebook build",
                    dir.display(),
                    dir.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::New {
            title,
            system,
            severity,
            date,
        } => {
            let config = load_config(&cli.root, BuildOptions::default())?;
            let path = scaffold::new_incident(&config, &title, &system, severity.as_deref(), date)?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Build(args) => build(&cli.root, cli.quiet, args),
        Command::Check {
            strict,
            format,
            as_of,
        } => {
            let config = load_config(
                &cli.root,
                BuildOptions {
                    as_of,
                    ..BuildOptions::default()
                },
            )?;
            let diagnostics = casebook::check(&config);
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
                OutputFormat::Human => {
                    print_diagnostics(&diagnostics);
                    let warnings = diagnostics
                        .iter()
                        .filter(|d| d.level == Level::Warning)
                        .count();
                    let notes = diagnostics
                        .iter()
                        .filter(|d| d.level == Level::Note)
                        .count();
                    let real_errors = diagnostics.iter().filter(|d| d.is_error()).count();
                    eprintln!(
                        "{real_errors} error(s), {warnings} warning(s), {notes} suggestion(s)"
                    );
                }
            }
            Ok(if errors > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

fn load_config(root: &std::path::Path, options: BuildOptions) -> anyhow::Result<Config> {
    if !root.is_dir() {
        anyhow::bail!(
            "{} is not a folder (use --root to point at an archive)",
            root.display()
        );
    }
    Config::load(root, options).map_err(|d| anyhow::anyhow!("{d}"))
}

fn print_diagnostics(diagnostics: &[Diagnostic]) {
    let mut err = std::io::stderr().lock();
    for d in diagnostics {
        let _ = writeln!(err, "{d}\n");
    }
}

fn build(root: &std::path::Path, quiet: bool, args: cli::BuildArgs) -> anyhow::Result<ExitCode> {
    let options = BuildOptions {
        output: args.output,
        base_url: args.base_url,
        drafts: args.drafts,
        audience: args.audience,
        as_of: args.as_of,
        follow_up_status: args.follow_up_status,
    };
    let config = load_config(root, options)?;
    let spinner = Spinner::new(quiet);
    let result = casebook::build(&config, &|stage| spinner.stage(stage));
    spinner.finish();
    match result {
        Ok(report) => {
            let warnings: Vec<&Diagnostic> = report
                .diagnostics
                .iter()
                .filter(|d| d.level == Level::Warning)
                .collect();
            if !quiet {
                for d in &warnings {
                    eprintln!("{d}\n");
                }
            }
            if let Some(t) = &report.tracker {
                eprintln!(
                    "Tracker: {} follow-up(s) updated from {} record(s); {} record(s) matched no follow-up; {} linked follow-up(s) not in the export",
                    t.matched,
                    t.records,
                    t.unmatched_records.len(),
                    t.unmatched_follow_ups
                );
                if !quiet {
                    for (key, line) in t.unmatched_records.iter().take(20) {
                        eprintln!("  unmatched: {key} (line {line})");
                    }
                }
            }
            eprintln!(
                "Built {} pages for {} incidents in {} ms into {}{}",
                report.pages,
                report.incidents,
                report.elapsed.as_millis(),
                report.output.display(),
                if warnings.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({} warning(s); run `casebook check` for details)",
                        warnings.len()
                    )
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(casebook::BuildError::Invalid(diagnostics)) => {
            let shown: Vec<Diagnostic> = diagnostics
                .into_iter()
                .filter(|d| d.is_error() || !quiet && d.level == Level::Warning)
                .collect();
            print_diagnostics(&shown);
            let errors = shown.iter().filter(|d| d.is_error()).count();
            eprintln!("error: the archive has {errors} error(s); nothing was written and the previous site is untouched");
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

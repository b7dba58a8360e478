//! The `casebook` binary: parses arguments and calls the library. Exit codes:
//! 0 success, 1 the archive has errors, 2 usage or I/O trouble.

mod ci;
mod cli;
mod scaffold;

use casebook::config::BuildOptions;
use casebook::diagnostic::{terminal_safe, terminal_safe_lines, Diagnostic};
use clap::Parser;
use cli::{Cli, Command};
use commands::archive_config;
use std::io::Write;
use std::process::ExitCode;

// glibc's malloc spent a fifth of a cold 10,000-write-up build in `_int_malloc`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `println!` and `eprintln!` that hand back the write's error instead of
/// panicking: a closed pipe (`casebook check 2>&1 | head -1`) is an error that
/// `main` ends quietly with exit 0.
macro_rules! out {
    ($($arg:tt)*) => { writeln!(std::io::stdout(), $($arg)*) };
}
macro_rules! err {
    ($($arg:tt)*) => { writeln!(std::io::stderr(), $($arg)*) };
}

mod commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) if is_closed_pipe(&e) => ExitCode::SUCCESS,
        // Where even the error cannot be printed, the exit code still says it.
        Err(e) => match e.downcast_ref::<Diagnostic>() {
            Some(d) => {
                let _ = err!("{d}");
                ExitCode::from(1)
            }
            None => {
                let _ = err!("error: {}", terminal_safe_lines(&format!("{e:#}")));
                ExitCode::from(2)
            }
        },
    }
}

/// Whether `e` is a write to a reader that went away (`| head`), which is no error.
fn is_closed_pipe(e: &anyhow::Error) -> bool {
    let broken = |kind: Option<std::io::ErrorKind>| kind == Some(std::io::ErrorKind::BrokenPipe);
    e.chain().any(|cause| {
        broken(
            cause
                .downcast_ref::<std::io::Error>()
                .map(std::io::Error::kind),
        ) || broken(
            cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind),
        )
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Init { dir, adopt, force } => {
            let dir = dir.unwrap_or_else(|| cli.root.clone());
            if adopt {
                scaffold::adopt(&dir, force, cli.quiet)?;
                return Ok(ExitCode::SUCCESS);
            }
            scaffold::init(&dir)?;
            if !cli.quiet {
                let dir = dir.display().to_string();
                let dir = terminal_safe(&dir);
                out!("Created a new archive in {dir}.\nNext: cd {dir} && casebook build")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::New {
            title,
            system,
            severity,
            date,
        } => {
            let config = archive_config(&cli.root, BuildOptions::default())?;
            let path = scaffold::new_incident(&config, &title, &system, severity.as_deref(), date)?;
            out!("{}", terminal_safe(&path.display().to_string()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Build(args) => commands::build::build(&cli.root, cli.quiet, args),
        Command::Import { source } => commands::import::import(&cli.root, cli.quiet, source),
        Command::Migrate { dry_run } => commands::import::migrate(&cli.root, cli.quiet, dry_run),
        Command::Ci { host } => {
            out!("{}", ci::workflow(host))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            port,
            bind,
            open,
            drafts: _,
            as_of,
        } => commands::serve::serve(&cli.root, cli.quiet, bind, port, open, as_of),
        Command::Search {
            query,
            system,
            severity,
            since,
            limit,
            query_syntax,
            json,
        } => {
            let q = casebook::index::search::SearchQuery {
                text: query,
                system,
                severity,
                since,
                limit: usize::try_from(limit).unwrap_or(usize::MAX),
                syntax: query_syntax,
            };
            commands::search::search(&cli.root, cli.quiet, &q, json)
        }
        Command::Check {
            strict,
            format,
            as_of,
            adoption,
        } => commands::check::check(&cli.root, strict, format, as_of, adoption),
    }
}

//! The `casebook` binary: parses arguments and calls the library. Exit codes:
//! 0 success, 1 the archive has errors, 2 usage or I/O trouble.

mod ci;
mod cli;
mod scaffold;

use anyhow::Context;
use casebook::config::{BuildOptions, Config};
use casebook::diagnostic::{terminal_safe, terminal_safe_lines, Diagnostic, Level};
use clap::Parser;
use cli::{Cli, Command, OutputFormat};
use std::io::{IsTerminal, Write};
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
        Command::Build(args) => build(&cli.root, cli.quiet, args),
        Command::Import { source } => import(&cli.root, cli.quiet, source),
        Command::Migrate { dry_run } => migrate(&cli.root, cli.quiet, dry_run),
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
        } => {
            let options = BuildOptions {
                drafts: true,
                as_of,
                ..BuildOptions::default()
            };
            let config = archive_config(&cli.root, options)?;
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
            let quiet = cli.quiet;
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
            search(&cli.root, cli.quiet, &q, json)
        }
        Command::Check {
            strict,
            format,
            as_of,
            adoption,
        } => {
            let options = BuildOptions {
                as_of,
                ..BuildOptions::default()
            };
            if adoption {
                let config = archive_config(&cli.root, options)?;
                let report = casebook::adoption(&config);
                let mut out = std::io::stdout().lock();
                match format {
                    OutputFormat::Json | OutputFormat::Github => {
                        serde_json::to_writer_pretty(&mut out, &report)?
                    }
                    OutputFormat::Human => {
                        write!(out, "{}", terminal_safe_lines(&report.to_string()))?
                    }
                }
                writeln!(out)?;
                return Ok(ExitCode::SUCCESS);
            }
            let diagnostics = match archive_config(&cli.root, options) {
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
    }
}

fn search(
    root: &std::path::Path,
    quiet: bool,
    q: &casebook::index::search::SearchQuery,
    json: bool,
) -> anyhow::Result<ExitCode> {
    use casebook::index::search::{cache_key, SearchError, SearchIndex};
    // Before the index is opened or built: a query that cannot be parsed safely
    // is refused without any work.
    casebook::index::query_guard::check_query(&q.text)?;
    let config = archive_config(root, BuildOptions::default())?;
    let key = cache_key(root);
    let records = || {
        let loaded = casebook::load(&config);
        if loaded.diagnostics.iter().any(Diagnostic::is_error) {
            return Err(SearchError::Invalid(loaded.diagnostics));
        }
        Ok(casebook::index::records(&loaded.archive, &loaded.analysis))
    };
    let opened = SearchIndex::open_or_build(root, &key, records);
    let (index, built) = match opened {
        Ok(x) => x,
        Err(SearchError::Invalid(diagnostics)) => {
            print_diagnostics(
                &diagnostics
                    .into_iter()
                    .filter(Diagnostic::is_error)
                    .collect::<Vec<_>>(),
            )?;
            err!("error: the archive has errors; fix them to search it")?;
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(repaired) = &index.repaired {
        err!("warning: {}", terminal_safe(repaired))?;
    } else if built && !quiet {
        err!(
            "Indexed the archive (cached in {}/)",
            casebook::index::search::CACHE_DIR
        )?;
    }
    // A cached index is checked while the query runs (both read the whole
    // index; side by side they take the time of one). One that fails its
    // checksums or the query is built again once, rather than failing (or
    // answering wrongly) every search until an edit changes the key.
    let (verified, hits) = if built {
        (Ok(()), index.search(q))
    } else {
        std::thread::scope(|scope| {
            let verified = scope.spawn(|| index.verify());
            let hits = index.search(q);
            let verified = verified
                .join()
                .unwrap_or_else(|_| Err("could not be checked".to_owned()));
            (verified, hits)
        })
    };
    let damaged = match (verified, hits) {
        (Ok(()), Err(SearchError::Index(e))) if !built => {
            Err(format!("could not be searched ({e})"))
        }
        (Err(why), _) => Err(why),
        (Ok(()), hits) => Ok(hits?),
    };
    let hits = match damaged {
        Ok(hits) => hits,
        Err(why) => {
            use casebook::index::search_cache;
            drop(index);
            search_cache::discard(root, &key);
            err!(
                "warning: {}",
                terminal_safe(&search_cache::repaired(root, &key, &why))
            )?;
            SearchIndex::open_or_build(root, &key, records)?
                .0
                .search(q)?
        }
    };
    let mut out = std::io::stdout().lock();
    let color = !json && std::io::stdout().is_terminal();
    for hit in &hits {
        if json {
            serde_json::to_writer(&mut out, hit)?;
            writeln!(out)?;
            continue;
        }
        let severity = terminal_safe(hit.severity.as_deref().unwrap_or("-"));
        let (id, date, title) = (
            terminal_safe(&hit.id),
            terminal_safe(&hit.date),
            terminal_safe(&hit.title),
        );
        if color {
            writeln!(out, "\x1b[1m{id}\x1b[0m  {date}  {severity}  {title}")?;
        } else {
            writeln!(out, "{id}  {date}  {severity}  {title}")?;
        }
        let mut snippet = String::new();
        let mut last = 0;
        for r in &hit.highlights {
            let (Some(before), Some(word)) =
                (hit.snippet.get(last..r.start), hit.snippet.get(r.clone()))
            else {
                continue;
            };
            snippet.push_str(&terminal_safe(before));
            if color {
                snippet.push_str(&format!("\x1b[33m{}\x1b[0m", terminal_safe(word)));
            } else {
                snippet.push_str(&terminal_safe(word));
            }
            last = r.end;
        }
        snippet.push_str(&terminal_safe(hit.snippet.get(last..).unwrap_or_default()));
        writeln!(out, "    {}", snippet.trim())?;
    }
    if hits.is_empty() && !json && !quiet {
        err!("No incidents match.")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn import(
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

fn migrate(root: &std::path::Path, quiet: bool, dry_run: bool) -> anyhow::Result<ExitCode> {
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

/// The configuration of the archive at `root`, for the commands that read one: a
/// folder with neither `content/` nor `casebook.toml` is refused before anything
/// is read or written (it built an empty site over the published one). `init`
/// (and whatever makes an archive in a new folder) uses [`load_config`] instead.
fn archive_config(root: &std::path::Path, options: BuildOptions) -> anyhow::Result<Config> {
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

fn load_config(root: &std::path::Path, options: BuildOptions) -> anyhow::Result<Config> {
    if !root.is_dir() {
        anyhow::bail!(
            "{} is not a folder (use --root to point at an archive)",
            root.display()
        );
    }
    // A bad casebook.toml is an archive error (exit 1), reported like any other.
    Config::load(root, options).map_err(anyhow::Error::new)
}

fn print_diagnostics(diagnostics: &[Diagnostic]) -> std::io::Result<()> {
    let mut err = std::io::stderr().lock();
    for d in diagnostics {
        writeln!(err, "{d}\n")?;
    }
    Ok(())
}

/// Warnings a successful build prints before its summary.
const BUILD_WARNINGS_SHOWN: usize = 20;

fn build(root: &std::path::Path, quiet: bool, args: cli::BuildArgs) -> anyhow::Result<ExitCode> {
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
        audience: args.audience,
        as_of: args.as_of,
        follow_up_status: args.follow_up_status,
    };
    let config = archive_config(root, options)?;
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
            if args.timings {
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

//! `casebook search`: the cached tantivy index queried from the terminal, hits
//! as lines (highlighted on a terminal, unless `NO_COLOR` is set) or JSON.

use super::{archive_config, print_diagnostics};
use casebook::config::BuildOptions;
use casebook::diagnostic::{terminal_safe, Diagnostic};
use casebook::index::search::{cache_key, Hit, SearchError, SearchIndex, SearchQuery};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Colour only where `NO_COLOR` is unset or empty (no-color.org).
fn colour_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub(crate) fn search(
    root: &std::path::Path,
    quiet: bool,
    q: &SearchQuery,
    json: bool,
) -> anyhow::Result<ExitCode> {
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
    let hits = match verified_search(&index, built, q) {
        Ok(hits) => hits?,
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
    let color = !json && std::io::stdout().is_terminal() && colour_allowed();
    for hit in &hits {
        if json {
            serde_json::to_writer(&mut out, hit)?;
            writeln!(out)?;
        } else {
            print_hit(&mut out, hit, color)?;
        }
    }
    if hits.is_empty() && !json && !quiet {
        err!("No incidents match.")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One hit as two lines: id, date, severity and title, then the snippet with
/// its matched words highlighted (in colour when `color`).
fn print_hit(out: &mut impl Write, hit: &Hit, color: bool) -> std::io::Result<()> {
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
    writeln!(out, "    {}", snippet.trim())
}

/// Runs the query, checking a cached index while it runs (both read the whole
/// index; side by side they take the time of one). A cached index that fails
/// its checksums or the query is damaged (`Err`, why): it is built again once,
/// rather than failing (or answering wrongly) every search until an edit
/// changes the key.
fn verified_search(
    index: &SearchIndex,
    built: bool,
    q: &SearchQuery,
) -> Result<Result<Vec<Hit>, SearchError>, String> {
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
    match (verified, hits) {
        (Ok(()), Err(SearchError::Index(e))) if !built => {
            Err(format!("could not be searched ({e})"))
        }
        (Err(why), _) => Err(why),
        (Ok(()), hits) => Ok(hits),
    }
}

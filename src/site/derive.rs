//! Everything a site derives after the model: follow-up status from a tracker
//! export, the write-up lint, the audience filter, the analysis and the lint of
//! what was derived. The audience filter comes before analysis, so a public
//! build derives nothing from internal incidents.

use crate::config::Config;
use crate::diagnostic::{self, Diagnostic};
use crate::{analyze, load, model, Loaded, Mode};

/// The archive's facts: `Mode::Preview` skips the possible-repeat search (the
/// slow part of analysis).
pub(crate) fn derive(
    mut archive: model::Archive,
    mut diagnostics: Vec<Diagnostic>,
    config: &Config,
    mode: Mode,
) -> Loaded {
    let tracker = config
        .follow_up_status
        .as_ref()
        .and_then(|path| merge_tracker(config, path, &mut archive, &mut diagnostics));
    let mut write_up_lint = analyze::lint::write_ups(&archive);
    write_up_lint.extend(analyze::expectations::check(
        &archive,
        &config.file.expectations,
    ));
    write_up_lint.extend(analyze::links::check(&archive));
    let archive = if config.is_public() {
        model::public_view(&archive, config)
    } else {
        archive
    };
    // Suggestions compare internal text, so public builds skip them.
    let similarity = (!config.is_public() && mode == Mode::Full).then_some(&config.file.similarity);
    let analysis = analyze::analyze(&archive, &config.file.severities, config.as_of, similarity);

    diagnostics.extend(write_up_lint);
    diagnostics.extend(analyze::lint::derived(&archive, &analysis));
    diagnostic::sort(&mut diagnostics);
    Loaded {
        archive,
        analysis,
        diagnostics,
        tracker,
    }
}

/// Merges `--follow-up-status` into the archive's follow-ups.
fn merge_tracker(
    config: &Config,
    path: &std::path::Path,
    archive: &mut model::Archive,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<model::tracker::TrackerReport> {
    let shown = diagnostic::relative(&config.root, path);
    match load::tracker::read(path, &shown) {
        Ok(export) => {
            diagnostics.extend(export.warnings.iter().cloned());
            Some(model::tracker::apply(
                archive,
                &export,
                config,
                &shown,
                diagnostics,
            ))
        }
        Err(load::tracker::ExportError::Invalid(d)) => {
            diagnostics.push(d);
            None
        }
        // `build` refuses an unreadable export before it starts (exit 2);
        // a preview that loses it while running says so like any error.
        Err(e @ load::tracker::ExportError::Io { .. }) => {
            diagnostics.push(Diagnostic::error(&shown, e.to_string()));
            None
        }
    }
}

/// Possible repeats by incident id, kept from a full analysis so that the
/// preview analyses after it (which skip the search) still show them.
#[derive(Default)]
pub(crate) struct KeptSuggestions(std::collections::HashMap<String, Vec<(String, f32)>>);

impl KeptSuggestions {
    /// The suggestions of a full analysis.
    pub(crate) fn of(loaded: &Loaded) -> Self {
        let ids = |i: usize| loaded.archive.incidents[i].id.clone();
        KeptSuggestions(
            loaded
                .analysis
                .incidents
                .iter()
                .enumerate()
                .filter(|(_, f)| !f.possibly_related.is_empty())
                .map(|(i, f)| {
                    let similar = f.possibly_related.iter().map(|&(j, s)| (ids(j), s));
                    (ids(i), similar.collect())
                })
                .collect(),
        )
    }

    /// Puts the kept suggestions into a preview analysis, by id (positions move).
    pub(crate) fn restore(&self, loaded: &mut Loaded) {
        for (i, inc) in loaded.archive.incidents.iter().enumerate() {
            if let Some(similar) = self.0.get(&inc.id) {
                loaded.analysis.incidents[i].possibly_related = similar
                    .iter()
                    .filter_map(|(id, s)| Some((loaded.archive.position(id)?, *s)))
                    .collect();
            }
        }
    }
}

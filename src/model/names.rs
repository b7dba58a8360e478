//! Names of systems, tags and contributing factors: identified by a slug that
//! folds case, spaces and punctuation (`GitHub`, `Github` and `git hub` are one
//! system; `ci/cd` is `ci-cd` in URLs), displayed with one spelling — a systems
//! file's `name`, else the spelling most write-ups use. `[systems.aliases]` in
//! casebook.toml maps other names to a system id.
//!
//! One pass over the archive after every file is read: counting spellings needs
//! all of them, and rewriting each incident's names here keeps every later stage
//! working with one spelling per name.

use super::{Archive, Incident, System};
use crate::diagnostic::Diagnostic;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The identity of a name: lowercase ASCII letters and digits joined by single
/// dashes (`FirstEnergy / General Electric` -> `firstenergy-general-electric`).
/// Letters outside ASCII are kept, lowercased, so non-English names stay apart.
pub(crate) fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Spellings of one name and how often each is used; the most used wins, and
/// among equals the first seen.
#[derive(Default)]
struct Spellings(Vec<(String, usize)>);

impl Spellings {
    fn add(&mut self, spelling: &str) {
        match self.0.iter_mut().find(|(s, _)| s == spelling) {
            Some((_, n)) => *n += 1,
            None => self.0.push((spelling.to_owned(), 1)),
        }
    }

    fn best(&self) -> Option<&str> {
        let mut best: Option<&(String, usize)> = None;
        for entry in &self.0 {
            if best.is_none_or(|b| entry.1 > b.1) {
                best = Some(entry);
            }
        }
        best.map(|(s, _)| s.as_str())
    }
}

/// What makes two spellings one name: their letters and digits, lowercased
/// (`git hub`, `GitHub` and `Git-Hub` are all `github`).
pub(crate) fn identity(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Rewrites every incident's systems to system ids and its tags and factors to
/// one spelling each; returns the display name of each system id (the most used
/// spelling), for systems no file declares.
pub(crate) fn unify(
    archive: &mut Archive,
    aliases: &BTreeMap<String, String>,
    diagnostics: &mut Vec<Diagnostic>,
) -> HashMap<String, String> {
    // Declared ids and alias targets are ids already; everything else is a
    // spelling whose id is the slug of the most used spelling.
    let mut fixed: HashMap<String, String> = archive
        .systems
        .iter()
        .map(|s| (identity(&s.id), s.id.clone()))
        .collect();
    for (from, to) in aliases {
        let target = fixed
            .get(&identity(to))
            .cloned()
            .unwrap_or_else(|| slug(to));
        fixed.insert(identity(from), target);
    }

    let mut system_spellings: HashMap<String, Spellings> = HashMap::new();
    let mut term_spellings: HashMap<String, Spellings> = HashMap::new();
    for inc in &archive.incidents {
        for s in &inc.systems {
            system_spellings.entry(identity(s)).or_default().add(s);
        }
        for t in inc.tags.iter().chain(&inc.contributing_factors) {
            term_spellings.entry(identity(t)).or_default().add(t);
        }
    }
    let mut names = HashMap::new();
    let mut system_ids: HashMap<String, String> = HashMap::new();
    for (key, spellings) in &system_spellings {
        let Some(best) = spellings.best() else {
            continue;
        };
        let id = fixed.get(key).cloned().unwrap_or_else(|| slug(best));
        names.entry(id.clone()).or_insert_with(|| best.to_owned());
        system_ids.insert(key.clone(), id);
    }
    let term: HashMap<&str, &str> = term_spellings
        .iter()
        .filter_map(|(k, v)| Some((k.as_str(), v.best()?)))
        .collect();
    let spelling = |t: &str| -> String {
        term.get(identity(t).as_str())
            .map_or_else(|| t.to_owned(), |s| (*s).to_owned())
    };

    for inc in &mut archive.incidents {
        report_unusable(inc, diagnostics);
        let systems = rewrite(&inc.systems, |s| {
            system_ids.get(&identity(s)).cloned().unwrap_or_default()
        });
        let tags = rewrite(&inc.tags, spelling);
        let factors = rewrite(&inc.contributing_factors, spelling);
        if systems != inc.systems || tags != inc.tags || factors != inc.contributing_factors {
            let inc = Arc::make_mut(inc);
            inc.systems = systems;
            inc.tags = tags;
            inc.contributing_factors = factors;
        }
    }
    names
}

/// Each name mapped, names with no letters or digits dropped, duplicates removed.
fn rewrite(names: &[String], map: impl Fn(&str) -> String) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    let mut seen: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let mapped = map(name);
        let key = identity(&mapped);
        if !key.is_empty() && !seen.contains(&key) {
            seen.push(key);
            out.push(mapped);
        }
    }
    out
}

/// A name with no letters or digits (`"?"`, `".."`) names nothing: a warning.
fn report_unusable(inc: &Incident, diagnostics: &mut Vec<Diagnostic>) {
    for (field, names) in [
        ("systems", &inc.systems),
        ("tags", &inc.tags),
        ("contributing_factors", &inc.contributing_factors),
    ] {
        for name in names.iter().filter(|n| identity(n).is_empty()) {
            diagnostics.push(
                Diagnostic::warning(
                    &inc.source,
                    format!("\"{name}\" in {field} has no letters or digits; it is left out"),
                )
                .at_line(inc.line)
                .field(field)
                .hint("use a name like \"payments-db\""),
            );
        }
    }
}

/// An implied system (no file in content/systems/) shown with its most used spelling.
pub(crate) fn implied_system(id: &str, names: &HashMap<String, String>) -> System {
    let mut system = System::implied(id);
    if let Some(name) = names.get(id) {
        system.name = name.clone();
    }
    system
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_fold_case_spaces_and_punctuation() {
        assert_eq!(slug("GitHub"), slug("Github"));
        assert_eq!(slug("ci/cd"), "ci-cd");
        assert_eq!(
            slug("FirstEnergy / General Electric"),
            "firstenergy-general-electric"
        );
        assert_eq!(slug("Travis CI"), "travis-ci");
        assert_eq!(slug("?"), "");
        assert_eq!(identity("git hub"), identity("GitHub"));
        assert_eq!(identity("Travis CI"), identity("TravisCI"));
    }

    #[test]
    fn the_most_used_spelling_wins() {
        let mut s = Spellings::default();
        for name in ["Github", "GitHub", "GitHub"] {
            s.add(name);
        }
        assert_eq!(s.best(), Some("GitHub"));
    }
}

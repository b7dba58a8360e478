//! List fragments: the markup one incident (or one follow-up) has in every list
//! that shows it — a row of the incidents table, an item of a system's history,
//! a follow-up with its incident — rendered once per build by the theme's macros
//! and then copied into each list page.
//!
//! Without this every list page ran the macros again for each of its entries:
//! at 10,000 write-ups the four incident indexes, the systems, the tags and the
//! follow-ups board re-rendered the same 10,000 rows and 30,000 follow-ups many
//! times over, and building those template contexts dominated the render.
//!
//! Links in list markup are relative to the page (`{{ root }}`), so a fragment
//! is rendered per page depth that needs it; the list pages live at one or two
//! levels below the site root.
//!
//! `casebook serve` keeps the fragments between rebuilds ([`FragmentCache`]):
//! after a save only the entries whose view changed are rendered again.

use super::templates::error_chain;
use super::views::{self, FollowUpView, Row};
use super::Renderer;
use crate::analyze::FollowUpFact;
use crate::diagnostic::Diagnostic;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// Rendered entries by template and page depth, then by entry key, each with
/// the view it was rendered from.
type Store<K, T> = Mutex<HashMap<(&'static str, String), HashMap<K, (T, String)>>>;

/// List fragments kept across renders with the same compiled templates. An
/// entry is reused only when its view (everything the macro can read) is equal
/// to the one it was rendered from, so a stale entry is never served: it is
/// rendered again. Drop the cache when the templates change.
#[derive(Default)]
pub(crate) struct FragmentCache {
    /// Incident rows and history items, by incident id.
    rows: Store<String, Row>,
    /// Follow-ups, by incident id and the follow-up's index in its incident.
    follow_ups: Store<(String, usize), FollowUpView>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panicked render leaves whole entries only: the data is still good.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Ends each entry in a batch's output. Template output never contains it:
/// [`super::escape`] drops control characters from every value.
const END: char = '\u{1e}';

/// How many entries one template call renders: enough to amortize a context,
/// few enough to spread over every core.
const BATCH: usize = 256;

/// Internal templates, compiled with the theme: each renders one batch of
/// entries with the theme's macros, each entry followed by [`END`].
pub(super) fn templates() -> [(&'static str, String); 3] {
    let batch = |name: &'static str, call: &str| {
        (
            name,
            format!(
                "{{% import \"macros.html\" as m %}}{{% for x in items %}}{{{{ {call} }}}}{END}{{% endfor %}}"
            ),
        )
    };
    [
        batch(ROWS, "m::incident_row(row=x, root=root)"),
        batch(ITEMS, "m::incident_item(row=x, root=root)"),
        batch(
            FOLLOW_UPS,
            "m::follow_up(f=x, root=root, show_incident=true)",
        ),
    ]
}

const ROWS: &str = "casebook/fragments/incident_rows.html";
const ITEMS: &str = "casebook/fragments/incident_items.html";
const FOLLOW_UPS: &str = "casebook/fragments/follow_ups.html";

/// Every incident's list markup for pages at one depth.
pub(super) struct Fragments {
    /// `incident_row` by incident position (empty unless asked for).
    pub rows: Vec<String>,
    /// `incident_item` by incident position (empty unless asked for).
    pub items: Vec<String>,
    /// `follow_up` (with its incident) by incident position, then by the
    /// position of the follow-up in that incident's facts (empty unless asked for).
    pub follow_ups: Vec<Vec<String>>,
}

/// Which fragments a depth needs.
#[derive(Clone, Copy, Default)]
pub(super) struct Wanted {
    pub rows: bool,
    pub items: bool,
    pub follow_ups: FollowUps,
}

/// Which follow-ups a depth needs: system pages show only pending ones.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum FollowUps {
    #[default]
    None,
    Pending,
    All,
}

impl Fragments {
    /// The follow-up's markup, if it was rendered.
    pub(super) fn follow_up(&self, renderer: &Renderer<'_>, f: &FollowUpFact) -> &str {
        let facts = &renderer.analysis.incidents[f.incident].follow_ups;
        // Facts are in follow-up order, so the index is the position; the scan
        // is the fallback, not the rule (once per follow-up it was quadratic in
        // a write-up's follow-ups: 20,000 task items took seconds).
        let position = match facts.get(f.index) {
            Some(x) if x.index == f.index => Some(f.index),
            _ => facts.iter().position(|x| x.index == f.index),
        };
        position
            .and_then(|p| self.follow_ups.get(f.incident)?.get(p))
            .map_or("", String::as_str)
    }

    /// The concatenated table rows of `ids`, in order.
    pub(super) fn rows_of(&self, ids: &[usize]) -> String {
        join(&self.rows, ids)
    }

    /// The concatenated history items of `ids`, in order.
    pub(super) fn items_of(&self, ids: &[usize]) -> String {
        join(&self.items, ids)
    }
}

fn join(fragments: &[String], ids: &[usize]) -> String {
    let mut out = String::with_capacity(
        ids.iter()
            .filter_map(|&i| fragments.get(i))
            .map(String::len)
            .sum(),
    );
    for &i in ids {
        if let Some(f) = fragments.get(i) {
            out.push_str(f);
        }
    }
    out
}

impl Renderer<'_> {
    /// Renders the wanted fragments for pages whose way back to the site root
    /// is `root`: for every incident, or only for `only` (others stay empty).
    pub(super) fn fragments(
        &self,
        root: &str,
        wanted: Wanted,
        only: Option<&[usize]>,
    ) -> Result<Fragments, Diagnostic> {
        let all: Vec<usize>;
        let selected = match only {
            Some(ids) => ids,
            None => {
                all = (0..self.rows.len()).collect();
                &all
            }
        };
        let rows_of = |wanted: bool, template| -> Result<Vec<String>, Diagnostic> {
            if !wanted {
                return Ok(Vec::new());
            }
            self.row_fragments(template, selected, root)
        };
        let rows = || rows_of(wanted.rows, ROWS);
        let items = || rows_of(wanted.items, ITEMS);
        let follow_ups = || self.follow_up_fragments(wanted.follow_ups, selected, root);
        let ((rows, items), follow_ups) = rayon::join(|| rayon::join(rows, items), follow_ups);
        Ok(Fragments {
            rows: rows?,
            items: items?,
            follow_ups: follow_ups?,
        })
    }

    /// The `selected` incidents' rows or items (`template`), by incident position.
    fn row_fragments(
        &self,
        template: &'static str,
        selected: &[usize],
        root: &str,
    ) -> Result<Vec<String>, Diagnostic> {
        let rows: Vec<&Row> = selected.iter().filter_map(|&i| self.rows.get(i)).collect();
        let keys = rows.iter().map(|r| r.id.clone()).collect();
        let store = self.fragment_cache.as_ref().map(|c| &c.rows);
        let rendered = self.cached_batches(template, keys, &rows, root, store)?;
        let mut by_position = vec![String::new(); self.rows.len()];
        for (&i, html) in selected.iter().zip(rendered) {
            if let Some(slot) = by_position.get_mut(i) {
                *slot = html;
            }
        }
        Ok(by_position)
    }

    /// The `selected` incidents' wanted follow-ups, by incident position and
    /// then by the follow-up's position in the incident's facts (empty where
    /// not wanted).
    fn follow_up_fragments(
        &self,
        wanted: FollowUps,
        selected: &[usize],
        root: &str,
    ) -> Result<Vec<Vec<String>>, Diagnostic> {
        let wanted_fact = |f: &FollowUpFact| match wanted {
            FollowUps::None => false,
            FollowUps::Pending => f.state.is_pending(),
            FollowUps::All => true,
        };
        if wanted == FollowUps::None {
            return Ok(Vec::new());
        }
        let facts = |i: usize| {
            self.analysis
                .incidents
                .get(i)
                .map(|f| f.follow_ups.as_slice())
                .unwrap_or_default()
        };
        let (keys, views): (Vec<(String, usize)>, Vec<FollowUpView>) = selected
            .par_iter()
            .flat_map_iter(|&i| {
                facts(i).iter().filter(|f| wanted_fact(f)).map(|f| {
                    let view = views::follow_up(self.archive, f);
                    ((view.incident_id.clone(), f.index), view)
                })
            })
            .unzip();
        let views: Vec<&FollowUpView> = views.iter().collect();
        let store = self.fragment_cache.as_ref().map(|c| &c.follow_ups);
        let mut flat = self
            .cached_batches(FOLLOW_UPS, keys, &views, root, store)?
            .into_iter();
        let mut by_position = vec![Vec::new(); self.rows.len()];
        for &i in selected {
            if let Some(slot) = by_position.get_mut(i) {
                *slot = facts(i)
                    .iter()
                    .map(|f| {
                        wanted_fact(f)
                            .then(|| flat.next())
                            .flatten()
                            .unwrap_or_default()
                    })
                    .collect();
            }
        }
        Ok(by_position)
    }

    /// [`Renderer::batches`], taking from `store` the entries rendered before
    /// from an equal view, and keeping the ones rendered now. `keys[i]` names
    /// `entries[i]`.
    fn cached_batches<K, T>(
        &self,
        template: &'static str,
        keys: Vec<K>,
        entries: &[&T],
        root: &str,
        store: Option<&Store<K, T>>,
    ) -> Result<Vec<String>, Diagnostic>
    where
        K: Hash + Eq + Clone,
        T: Serialize + Sync + Clone + PartialEq,
    {
        let Some(store) = store else {
            return self.batches(template, entries, root);
        };
        let slot = (template, root.to_owned());
        let mut out: Vec<Option<String>> = {
            let store = lock(store);
            let kept = store.get(&slot);
            keys.iter()
                .zip(entries)
                .map(|(k, entry)| {
                    let (view, html) = kept?.get(k)?;
                    (view == *entry).then(|| html.clone())
                })
                .collect()
        };
        let missing: Vec<usize> = (0..out.len()).filter(|&i| out[i].is_none()).collect();
        if !missing.is_empty() {
            let to_render: Vec<&T> = missing.iter().map(|&i| entries[i]).collect();
            let rendered = self.batches(template, &to_render, root)?;
            let mut store = lock(store);
            let kept = store.entry(slot).or_default();
            for ((&i, &view), html) in missing.iter().zip(&to_render).zip(rendered) {
                if let Some(key) = keys.get(i) {
                    out[i] = Some(html.clone());
                    kept.insert(key.clone(), (view.clone(), html));
                }
            }
        }
        Ok(out.into_iter().map(Option::unwrap_or_default).collect())
    }

    /// One fragment per entry, rendered `BATCH` entries per template call, in parallel.
    fn batches<T: Serialize + Sync>(
        &self,
        template: &'static str,
        entries: &[T],
        root: &str,
    ) -> Result<Vec<String>, Diagnostic> {
        let batches: Vec<Vec<String>> = entries
            .par_chunks(BATCH)
            .map(|batch| {
                let mut c = tera::Context::new();
                c.insert("items", batch);
                c.insert("root", root);
                let out = self
                    .tera
                    .render(template, &c)
                    .map_err(|e| fragment_error(template, &e))?;
                let mut parts: Vec<String> = out.split(END).map(str::to_owned).collect();
                // The text after the last END is empty (or template whitespace).
                parts.pop();
                if parts.len() != batch.len() {
                    return Err(Diagnostic::error(
                        "templates/macros.html",
                        "a list macro printed a control character (U+001E), which casebook uses to separate entries",
                    )
                    .hint("remove control characters from the macros in macros.html"));
                }
                Ok(parts)
            })
            .collect::<Result<_, Diagnostic>>()?;
        Ok(batches.into_iter().flatten().collect())
    }
}

fn fragment_error(template: &str, e: &tera::Error) -> Diagnostic {
    Diagnostic::error(
        "templates/macros.html",
        format!(
            "template error while rendering list entries ({template}): {}",
            error_chain(e).replace('\n', ": ")
        ),
    )
    .hint("the theme's macros.html must define incident_row(row, root), incident_item(row, root) and follow_up(f, root, show_incident); compare with the default theme")
}

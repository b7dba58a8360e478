//! The metrics view: what `metrics_body.html` sees, on the metrics page and on
//! every system page. Charts are drawn here, with links relative to the page
//! they sit on, and each comes with the rows of its data table.

use super::charts::{self, DotIncident};
use super::{format, Renderer};
use crate::analyze::metrics::{Distribution, Metrics};
use serde::Serialize;

/// One incident of a time-to-X chart, as its data table lists it.
#[derive(Debug, Clone, Serialize)]
struct DurationRow {
    id: String,
    title: String,
    date: String,
    value: String,
}

impl Renderer<'_> {
    /// `m` as the template sees it; `label` names the monthly chart and `root`
    /// is the way from the page to the site root.
    pub(super) fn metrics_view(&self, m: &Metrics, label: &str, root: &str) -> serde_json::Value {
        let durations: Vec<serde_json::Value> = m
            .durations
            .iter()
            .map(|d| {
                serde_json::json!({
                    "key": d.key, "id": format!("chart-{}", d.key.replace('_', "-")),
                    "label": d.label, "definition": d.definition, "n": d.n, "unknown": d.unknown,
                    "median": d.median.map(format::minutes), "p90": d.shown_p90().map(format::minutes),
                    "svg": charts::strip_plot(d, &|i| self.dot_incident(i, root)),
                    "rows": self.duration_rows(d),
                })
            })
            .collect();
        serde_json::json!({
            "incidents": m.incidents,
            "severities": m.severities,
            "per_month": m.per_month,
            "per_month_svg": charts::month_bars(&m.per_month, &m.severities, label),
            "per_quarter": m.per_quarter,
            "per_quarter_svg": charts::quarter_bars(
                &m.per_quarter,
                &m.severities,
                &label.replace("per month", "per quarter"),
            ),
            "legend": charts::severity_legend(&m.per_month, &m.severities),
            "durations": durations,
            "completion": m.completion,
            "completion_html": charts::completion_bars(&m.completion),
            "completion_definition": m.completion_definition,
            "open_age": m.open_age,
            "open_age_html": charts::age_bars(&m.open_age),
            "open_age_definition": m.open_age_definition,
            "open_total": m.open_total,
            "repeat_rate": m.repeat_rate,
            "repeat_rate_text": m.repeat_rate.rate.map(format::percent),
            "repeat_rate_html": charts::repeat_rate_bars(&m.repeat_rate),
            "undated": m.undated,
            "untracked": m.untracked,
            "near_misses": m.near_misses,
            "charted": m.charted,
            "drills": m.drills,
        })
    }

    fn dot_incident(&self, i: usize, root: &str) -> Option<DotIncident> {
        let row = self.rows.get(i)?;
        Some(DotIncident {
            href: format!("{root}incidents/{}/", row.id),
            name: format!("{} ({})", row.title, row.date),
        })
    }

    /// The chart's incidents, quickest first (as its values are).
    fn duration_rows(&self, d: &Distribution) -> Vec<DurationRow> {
        d.values
            .iter()
            .filter_map(|&(v, i)| {
                let row = self.rows.get(i)?;
                Some(DurationRow {
                    id: row.id.clone(),
                    title: row.title.clone(),
                    date: row.date.clone(),
                    value: format::minutes(v),
                })
            })
            .collect()
    }
}

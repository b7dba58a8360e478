//! Index: search over the archive. [`pagefind`] turns casebook's own records into
//! a static Pagefind index for the browser (no HTML re-parsing); [`search`] keeps
//! a tantivy index in a cache folder for `casebook search` in the terminal. Both
//! read the same [`Record`]s, so the browser and the terminal search the same text.

pub mod pagefind;
pub mod search;

use crate::analyze::{Analysis, FollowUpState};
use crate::model::Archive;

/// What search knows about one incident.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub title: String,
    pub date: String,
    pub year: String,
    pub severity: Option<String>,
    pub status: &'static str,
    pub systems: Vec<String>,
    pub tags: Vec<String>,
    pub factors: Vec<String>,
    /// Summary, body as plain text and follow-up titles.
    pub text: String,
    /// "has overdue", "has open", "all done", "none".
    pub follow_up_state: &'static str,
}

pub fn records(archive: &Archive, analysis: &Analysis) -> Vec<Record> {
    use rayon::prelude::*;
    archive
        .incidents
        .par_iter()
        .zip(&analysis.incidents)
        .map(|(inc, facts)| {
            let mut text = String::with_capacity(inc.body.len() + 512);
            let body = crate::model::body::plain_text(&inc.body);
            if let Some(s) = &inc.summary {
                // A summary taken from (or copied out of) the body's first
                // paragraph would be indexed, counted and shipped twice.
                let summary = crate::model::body::plain_text(s);
                if !body.contains(summary.trim()) {
                    text.push_str(&summary);
                    text.push('\n');
                }
            }
            if let Some(s) = &inc.public.impact {
                if inc.body.is_empty() {
                    text.push_str(&crate::model::body::plain_text(s));
                    text.push('\n');
                }
            }
            text.push_str(&body);
            for f in &inc.follow_ups {
                text.push('\n');
                text.push_str(&f.title);
            }
            let follow_up_state = if facts.follow_ups.is_empty() {
                "none"
            } else if facts
                .follow_ups
                .iter()
                .any(|f| f.state == FollowUpState::Overdue)
            {
                "has overdue"
            } else if facts.follow_ups.iter().any(|f| f.state.is_pending()) {
                "has open"
            } else {
                "all done"
            };
            Record {
                id: inc.id.clone(),
                title: inc.title.clone(),
                date: inc.date.to_string(),
                year: inc.date.year().to_string(),
                severity: inc.severity.clone(),
                status: inc.status.as_str(),
                systems: inc.systems.clone(),
                tags: inc.tags.clone(),
                factors: inc.contributing_factors.clone(),
                text,
                follow_up_state,
            }
        })
        .collect()
}

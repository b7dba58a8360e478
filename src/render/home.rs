//! The home page and the repeats page its figures link to. Every figure on the
//! home page counts a list the site shows, and links to it; this module must
//! not count anything the analysis does not already know.

use super::systems::SystemCard;
use super::views::{self, Row};
use super::{Job, Renderer};
use crate::analyze::FollowUpState;
use crate::routes::PageId;

impl Renderer<'_> {
    /// Incidents that name an earlier one in repeat_of (including earlier ones
    /// a public build leaves out), those that came while an earlier
    /// incident's follow-up was still open, and those that came although
    /// every earlier follow-up was done.
    fn repeat_counts(&self) -> (usize, usize, usize) {
        let repeats = self.analysis.metrics.repeat_rate.repeats;
        let count = |has: fn(&crate::analyze::IncidentFacts) -> bool| {
            self.analysis.incidents.iter().filter(|f| has(f)).count()
        };
        (
            repeats,
            count(|f| !f.recurred_while_open.is_empty()),
            count(|f| !f.fix_did_not_hold.is_empty()),
        )
    }

    /// Incidents on this calendar day (as of the build) in earlier years, newest
    /// first: old lessons come back to readers who never searched for them. A
    /// 29 February incident comes back on 28 February in other years.
    pub(super) fn on_this_day(&self) -> Vec<usize> {
        let today = self.config.as_of;
        let same_day = |d: jiff::civil::Date| {
            d.month() == today.month()
                && (d.day() == today.day()
                    || d.month() == 2
                        && d.day() == 29
                        && today.day() == 28
                        && !today.in_leap_year())
        };
        self.archive
            .incidents
            .iter()
            .enumerate()
            .filter(|(_, inc)| {
                inc.date
                    .is_some_and(|d| d.year() < today.year() && same_day(d))
            })
            .map(|(i, _)| i)
            .collect()
    }

    pub(super) fn home(&self) -> Job {
        let mut c = self.context_of(&PageId::Home);
        let a = self.archive;
        let ongoing: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.status != "resolved")
            .collect();
        let recent: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.status == "resolved")
            .take(8)
            .collect();
        let overdue: Vec<views::FollowUpView> = self
            .analysis
            .follow_ups
            .iter()
            .filter(|f| f.state == FollowUpState::Overdue)
            .take(8)
            .map(|f| views::follow_up(a, f))
            .collect();
        let overdue_total = self
            .analysis
            .follow_ups
            .iter()
            .filter(|f| f.state == FollowUpState::Overdue)
            .count();
        let open_total = self
            .analysis
            .follow_ups
            .iter()
            .filter(|f| f.state.is_pending())
            .count();
        let mut repeating: Vec<SystemCard> = self
            .system_cards()
            .into_iter()
            .filter(|s| s.repeats_last_12_months > 0)
            .collect();
        repeating.sort_by(|x, y| {
            y.repeats_last_12_months
                .cmp(&x.repeats_last_12_months)
                .then(x.id.cmp(&y.id))
        });
        repeating.truncate(5);
        let (repeats_total, recurred_total, held_total) = self.repeat_counts();
        let mut cards = self.system_cards();
        cards.sort_by(|x, y| y.incidents.cmp(&x.incidents).then(x.id.cmp(&y.id)));
        let on_this_day: Vec<&Row> = self
            .on_this_day()
            .into_iter()
            .map(|i| &self.rows[i])
            .collect();
        c.insert("on_this_day", &on_this_day);
        c.insert("ongoing", &ongoing);
        c.insert("recent", &recent);
        c.insert("overdue", &overdue);
        c.insert("overdue_total", &overdue_total);
        c.insert("open_total", &open_total);
        c.insert("repeating", &repeating);
        c.insert("repeats_total", &repeats_total);
        c.insert("recurred_total", &recurred_total);
        c.insert("held_total", &held_total);
        c.insert("systems", &cards);
        c.insert("reading_lists", &self.reading_list_summaries());
        c.insert("chains_total", &self.analysis.chains.len());
        Job {
            path: PageId::Home.path(),
            template: "index.html",
            context: c,
        }
    }

    /// `repeats/`: every chain, every repeat, the repeats that came while
    /// last time's follow-ups were open (with those follow-ups), and those that
    /// came although every earlier follow-up was done.
    pub(super) fn repeats_page(&self) -> Job {
        let path = PageId::Repeats.path();
        let mut c = self.context_of(&PageId::Repeats);
        let (config, archive, analysis) = (self.config, self.archive, self.analysis);
        let chains: Vec<views::ChainView> = (0..analysis.chains.len())
            .map(|ch| views::chain(config, archive, analysis, ch, None))
            .collect();
        let repeats: Vec<&Row> = (0..archive.incidents.len())
            .filter(|&i| {
                let inc = &archive.incidents[i];
                !inc.repeat_of.is_empty() || inc.hidden_repeat_of > 0
            })
            .map(|i| &self.rows[i])
            .collect();
        let while_open: Vec<serde_json::Value> = (0..archive.incidents.len())
            .filter(|&i| !analysis.incidents[i].recurred_while_open.is_empty())
            .map(|i| {
                serde_json::json!({
                    "row": &self.rows[i],
                    "open": views::recurred_while_open(config, archive, analysis, i),
                })
            })
            .collect();
        let did_not_hold: Vec<serde_json::Value> = (0..archive.incidents.len())
            .filter(|&i| !analysis.incidents[i].fix_did_not_hold.is_empty())
            .map(|i| {
                serde_json::json!({
                    "row": &self.rows[i],
                    "earlier": super::repeat_signals::fix_did_not_hold(config, archive, analysis, i),
                })
            })
            .collect();
        c.insert("title", "Repeats");
        c.insert("did_not_hold", &did_not_hold);
        c.insert("chains", &chains);
        c.insert("repeats", &repeats);
        c.insert("while_open", &while_open);
        Job {
            path,
            template: "repeats.html",
            context: c,
        }
    }
}

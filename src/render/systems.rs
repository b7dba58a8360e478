//! The systems' pages: `systems/` (a card per system, sparklines on one
//! scale), each system's page and the systems' JSON files.
use super::fragments::{self, Fragments};
use super::{charts, format, system_json, views, Job, Page, Renderer};
use crate::diagnostic::Diagnostic;
use crate::routes::PageId;
use rayon::prelude::*;
use serde::Serialize;
use views::Row;

#[derive(Serialize)]
pub(super) struct SystemCard {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) team: Option<String>,
    /// The team's page, when the team has one.
    pub(super) team_id: Option<String>,
    pub(super) tier: Option<i64>,
    pub(super) incidents: usize,
    pub(super) last: Option<Row>,
    pub(super) open: usize,
    pub(super) overdue: usize,
    pub(super) oldest_open_days: Option<i64>,
    pub(super) completion: Option<String>,
    pub(super) repeats_last_12_months: usize,
    pub(super) recurred_while_open: usize,
    pub(super) fix_did_not_hold: usize,
    pub(super) chains: usize,
    /// Incidents per quarter over the last two years, oldest first.
    pub(super) quarters: Vec<usize>,
    pub(super) sparkline: String,
}

impl Renderer<'_> {
    /// `systems/index.json` and every system's `systems/ID/index.json`.
    pub(super) fn system_data(&self) -> Vec<Page> {
        let (config, archive, analysis) = (self.config, self.archive, self.analysis);
        let mut pages: Vec<Page> = archive
            .systems
            .par_iter()
            .map(|s| Page {
                path: PageId::SystemData(s.id.clone()).path(),
                bytes: system_json::system(config, archive, analysis, &s.id),
            })
            .collect();
        pages.push(Page {
            path: PageId::SystemsData.path(),
            bytes: system_json::index(config, archive, analysis),
        });
        pages
    }

    /// One system's page.
    pub(crate) fn system_page_of(&self, id: &str) -> Result<Page, Diagnostic> {
        let ids = self
            .analysis
            .system(id)
            .map(|f| f.incidents.as_slice())
            .unwrap_or_default();
        let wanted = fragments::Wanted {
            rows: false,
            items: true,
            follow_ups: fragments::FollowUps::Pending,
        };
        let depth = PageId::system(id).path();
        let fragments = self.fragments(&format::root_for(&depth), wanted, Some(ids))?;
        self.render_job(self.system_page(id, &fragments))
    }

    /// Every system's card, their sparklines drawn to one scale so rows compare.
    pub(super) fn system_cards(&self) -> Vec<SystemCard> {
        let mut cards: Vec<SystemCard> = self
            .archive
            .systems
            .iter()
            .map(|s| self.system_card(s))
            .collect();
        let scale = cards
            .iter()
            .flat_map(|c| c.quarters.iter().copied())
            .max()
            .unwrap_or(0);
        for card in &mut cards {
            card.sparkline = charts::quarter_sparkline(&card.name, &card.quarters, scale);
        }
        cards
    }

    pub(super) fn system_card(&self, s: &crate::model::System) -> SystemCard {
        let as_of = self.config.as_of;
        {
            {
                let f = self.analysis.system(&s.id).cloned().unwrap_or_default();
                // Incidents per quarter over the last two years, oldest first.
                let mut counts = vec![0usize; 8];
                for &i in &f.incidents {
                    let Some(d) = self.archive.incidents[i].date else {
                        continue;
                    };
                    let months = (as_of.year() as i32 - d.year() as i32) * 12
                        + as_of.month() as i32
                        - d.month() as i32;
                    if (0..24).contains(&months) {
                        counts[7 - (months / 3) as usize] += 1;
                    }
                }
                SystemCard {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    team: s.team.clone(),
                    team_id: s.team.as_deref().and_then(crate::model::system::team_id),
                    tier: s.tier,
                    incidents: f.incidents.len(),
                    last: f.incidents.first().map(|&i| self.rows[i].clone()),
                    open: f.open,
                    overdue: f.overdue,
                    oldest_open_days: f.oldest_open_days,
                    completion: f.completion.map(format::percent),
                    repeats_last_12_months: f.repeats_last_12_months,
                    recurred_while_open: f.recurred_while_open,
                    fix_did_not_hold: f.fix_did_not_hold,
                    chains: f.chains.len(),
                    sparkline: charts::quarter_sparkline(&s.name, &counts, 0),
                    quarters: counts,
                }
            }
        }
    }

    pub(super) fn system_page(&self, id: &str, fragments: &Fragments) -> Job {
        let page = PageId::system(id);
        let path = page.path();
        let mut c = self.context_of(&page);
        let system = self.archive.system(id);
        let facts = self.analysis.system(id).cloned().unwrap_or_default();
        let card = system.map(|s| self.system_card(s));
        c.insert("system", &system);
        c.insert("parent", &views::parent_link(self.archive, id));
        c.insert("card", &card);
        c.insert(
            "description_html",
            &system
                .and_then(|s| s.description.as_deref())
                .map(|d| self.md.to_html(d)),
        );
        // Newest first, so each year is one run.
        let mut by_year: Vec<(&str, Vec<usize>)> = Vec::new();
        for &i in &facts.incidents {
            let year = self.rows[i].year.as_str();
            match by_year.last_mut() {
                Some((y, list)) if *y == year => list.push(i),
                _ => by_year.push((year, vec![i])),
            }
        }
        let by_year: Vec<serde_json::Value> = by_year
            .iter()
            .map(|(year, ids)| {
                serde_json::json!({ "year": year, "count": ids.len(), "items_html": fragments.items_of(ids) })
            })
            .collect();
        c.insert("by_year", &by_year);
        let chains: Vec<views::ChainView> = facts
            .chains
            .iter()
            .map(|&ch| views::chain(self.config, self.archive, self.analysis, ch, None))
            .collect();
        c.insert("chains", &chains);
        let open: String = facts
            .follow_ups
            .iter()
            .filter(|f| f.state.is_pending())
            .map(|f| fragments.follow_up(self, f))
            .collect();
        c.insert("open_follow_ups", &open);
        let children: Vec<&crate::model::System> = facts
            .children
            .iter()
            .filter_map(|ch| self.archive.system(ch))
            .collect();
        c.insert("children", &children);
        if let Some(m) = self.analysis.system_metrics.get(id) {
            c.insert(
                "metrics",
                &self.metrics_view(
                    m,
                    &format!("{id}: incidents per month by severity"),
                    &format::root_for(&path),
                ),
            );
        }
        Job {
            path,
            template: "system.html",
            context: c,
        }
    }

    pub(super) fn systems_index(&self) -> Job {
        let mut c = self.context_of(&PageId::Systems);
        c.insert("systems", &self.system_cards());
        Job {
            path: PageId::Systems.path(),
            template: "systems.html",
            context: c,
        }
    }
}

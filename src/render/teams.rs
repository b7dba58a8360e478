//! Team pages: `teams/` (every team named by a systems file, by name, with its
//! systems and what it owes) and `teams/ID/` (its systems, their incidents
//! newest first, the follow-ups it owes by system, oldest first), and each
//! team's Atom feed `teams/ID/feed.xml`. Teams are listed alphabetically and
//! never ranked; a public build has no teams (its systems carry none).

use super::fragments::{self, Fragments};
use super::{export, format, Job, Page, Renderer};
use crate::analyze::teams::Team;
use crate::diagnostic::Diagnostic;
use crate::routes::PageId;
use rayon::prelude::*;
use serde::Serialize;

/// A system as a team's pages list it.
#[derive(Serialize)]
struct TeamSystem<'a> {
    id: &'a str,
    name: &'a str,
    incidents: usize,
    open: usize,
    overdue: usize,
}

/// A team's line on `teams/`.
#[derive(Serialize)]
struct TeamSummary<'a> {
    id: &'a str,
    name: &'a str,
    systems: Vec<TeamSystem<'a>>,
    incidents: usize,
    open: usize,
    overdue: usize,
}

impl Renderer<'_> {
    fn team_systems<'t>(&'t self, team: &'t Team) -> Vec<TeamSystem<'t>> {
        team.systems
            .iter()
            .map(|id| {
                let facts = self.analysis.system(id);
                TeamSystem {
                    id,
                    name: self.archive.system(id).map_or(id.as_str(), |s| &s.name),
                    incidents: facts.map_or(0, |f| f.incidents.len()),
                    open: facts.map_or(0, |f| f.open),
                    overdue: facts.map_or(0, |f| f.overdue),
                }
            })
            .collect()
    }

    /// `teams/index.html`, or None when no systems file names a team.
    pub(super) fn teams_index(&self) -> Option<Job> {
        if self.analysis.teams.is_empty() {
            return None;
        }
        let path = PageId::Teams.path();
        let mut c = self.context_of(&PageId::Teams);
        let teams: Vec<TeamSummary<'_>> = self
            .analysis
            .teams
            .iter()
            .map(|t| TeamSummary {
                id: &t.id,
                name: &t.name,
                systems: self.team_systems(t),
                incidents: t.incidents.len(),
                open: t.open,
                overdue: t.overdue,
            })
            .collect();
        c.insert("teams", &teams);
        Some(Job {
            path,
            template: "teams.html",
            context: c,
        })
    }

    /// Every team's page, with list markup for pages two levels deep.
    pub(super) fn team_pages(&self, fragments: &Fragments) -> Vec<Job> {
        self.analysis
            .teams
            .iter()
            .map(|t| self.team_page(t, fragments))
            .collect()
    }

    fn team_page(&self, team: &Team, fragments: &Fragments) -> Job {
        let page = PageId::team(&team.id);
        let path = page.path();
        let mut c = self.context_of(&page);
        let owed: Vec<serde_json::Value> = team
            .owed
            .iter()
            .map(|(system, list)| {
                let items_html: String = list.iter().map(|f| fragments.follow_up(self, f)).collect();
                serde_json::json!({
                    "system": { "id": system, "name": self.archive.system(system).map_or(system.as_str(), |s| &s.name) },
                    "count": list.len(),
                    "items_html": items_html,
                })
            })
            .collect();
        c.insert(
            "team",
            &serde_json::json!({
                "id": team.id, "name": team.name, "incidents": team.incidents.len(),
                "open": team.open, "overdue": team.overdue,
            }),
        );
        c.insert("systems", &self.team_systems(team));
        c.insert("owed", &owed);
        c.insert("items_html", &fragments.items_of(&team.incidents));
        Job {
            path,
            template: "team.html",
            context: c,
        }
    }

    /// One team's page (a live preview renders it after a write-up on one of
    /// its systems changed); None when there is no such team.
    pub(crate) fn team_page_of(&self, id: &str) -> Option<Result<Page, Diagnostic>> {
        let team = self.analysis.team(id)?;
        let wanted = fragments::Wanted {
            rows: false,
            items: true,
            follow_ups: fragments::FollowUps::Pending,
        };
        let root = format::root_for(&PageId::team(id).path());
        Some(
            self.fragments(&root, wanted, Some(&team.incidents))
                .and_then(|f| self.render_job(self.team_page(team, &f))),
        )
    }

    /// Every team's `teams/ID/feed.xml`: its incidents, newest first.
    pub(super) fn team_feeds(&self) -> Vec<Page> {
        let (config, archive, analysis) = (self.config, self.archive, self.analysis);
        analysis
            .teams
            .par_iter()
            .map(|t| {
                let feed = export::Feed {
                    title: format!("{}: {}", config.file.title, t.name),
                    page: PageId::team(&t.id).url(),
                    path: PageId::TeamFeed(t.id.clone()).path(),
                    incidents: &t.incidents,
                };
                Page {
                    path: feed.path.clone(),
                    bytes: export::atom_of(config, archive, analysis, &self.md, &feed).into_bytes(),
                }
            })
            .collect()
    }
}

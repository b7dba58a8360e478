//! The feeds: `feed.xml`, `feed.json`, `on-this-day.xml`, and every system's
//! and team's Atom feed (the XML itself is [`super::export`]'s).
use super::{export, Page, Renderer};
use crate::routes::PageId;
use rayon::prelude::*;

impl Renderer<'_> {
    /// `feed.xml`, `feed.json`, every system's `systems/ID/feed.xml` and every
    /// team's `teams/ID/feed.xml`: the
    /// newest incidents, each saying whether it is a repeat and what is open.
    pub(super) fn feeds(&self) -> Vec<Page> {
        let (config, archive, analysis) = (self.config, self.archive, self.analysis);
        let mut pages = vec![
            Page {
                path: PageId::Feed.path(),
                bytes: export::atom(config, archive, analysis, &self.md).into_bytes(),
            },
            Page {
                path: PageId::JsonFeed.path(),
                bytes: export::json_feed(config, archive, analysis, &self.md),
            },
        ];
        let on_this_day = self.on_this_day();
        let feed = export::Feed {
            title: format!("{}: on this day", config.file.title),
            page: PageId::Home.url(),
            path: PageId::OnThisDay.path(),
            incidents: &on_this_day,
        };
        pages.push(Page {
            path: feed.path.clone(),
            bytes: export::atom_of(config, archive, analysis, &self.md, &feed).into_bytes(),
        });
        pages.extend(self.team_feeds());
        pages.extend(
            archive
                .systems
                .par_iter()
                .map(|s| {
                    let incidents = analysis
                        .system(&s.id)
                        .map(|f| f.incidents.as_slice())
                        .unwrap_or_default();
                    let feed = export::Feed {
                        title: format!("{}: {}", config.file.title, s.name),
                        page: PageId::system(&s.id).url(),
                        path: PageId::SystemFeed(s.id.clone()).path(),
                        incidents,
                    };
                    Page {
                        path: feed.path.clone(),
                        bytes: export::atom_of(config, archive, analysis, &self.md, &feed)
                            .into_bytes(),
                    }
                })
                .collect::<Vec<_>>(),
        );
        pages
    }
}

//! Routes: every page of the site by what it is ([`PageId`]) and where it lives
//! (its file in the output, its URL relative to the site root), and which pages
//! show an incident, for each kind of change ([`Change`]). Rendering, the
//! theme's templates (through `page_url`, by the names of [`PageId::named`]),
//! the feeds, the sitemap, `casebook.json`, the search records and `casebook
//! serve` ask here, so a page's path is spelled once and whoever adds a
//! cross-reference says here which pages it puts an incident on.
//!
//! Routes know ids and the analysis's links; they never render or read files.

mod showing;

pub(crate) use showing::{incidents_showing, Change};

/// The order of an incidents index (`incidents/`, `incidents/oldest/` ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum IncidentOrder {
    Newest,
    Oldest,
    Severity,
    Longest,
}

impl IncidentOrder {
    pub(crate) const ALL: [IncidentOrder; 4] = [
        IncidentOrder::Newest,
        IncidentOrder::Oldest,
        IncidentOrder::Severity,
        IncidentOrder::Longest,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            IncidentOrder::Newest => "newest",
            IncidentOrder::Oldest => "oldest",
            IncidentOrder::Severity => "severity",
            IncidentOrder::Longest => "longest",
        }
    }
}

/// Tags or contributing factors: each has an index and a page per term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Terms {
    Tags,
    Factors,
}

impl Terms {
    /// The folder of its pages, also the page's section.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Terms::Tags => "tags",
            Terms::Factors => "factors",
        }
    }

    /// The name templates give [`PageId::named`] for the page of one term.
    pub(crate) fn page_name(self) -> &'static str {
        match self {
            Terms::Tags => "tag",
            Terms::Factors => "factor",
        }
    }
}

/// One file of the site, by what it is. Ids are the archive's (incident,
/// system, team, reading list) or a term's slug.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum PageId {
    Home,
    Incidents(IncidentOrder),
    Incident(String),
    /// The customer-facing root-cause report of a public incident.
    Rca(String),
    /// A folder write-up's file, copied beside its page.
    Attachment {
        incident: String,
        name: String,
    },
    Systems,
    System(String),
    SystemFeed(String),
    /// `systems/ID/index.json`.
    SystemData(String),
    /// `systems/index.json`.
    SystemsData,
    Teams,
    Team(String),
    TeamFeed(String),
    FollowUps,
    Metrics,
    Repeats,
    TermIndex(Terms),
    Term(Terms, String),
    ReadingLists,
    ReadingList(String),
    ReadingListPrint(String),
    Search,
    /// A file of the Pagefind bundle, by its path inside `search/`.
    SearchFile(String),
    NotFound,
    Feed,
    JsonFeed,
    OnThisDay,
    Sitemap,
    /// `casebook.json`.
    Export,
}

impl PageId {
    /// The incident's page.
    pub(crate) fn incident(id: &str) -> PageId {
        PageId::Incident(id.to_owned())
    }

    /// The system's page.
    pub(crate) fn system(id: &str) -> PageId {
        PageId::System(id.to_owned())
    }

    /// The team's page.
    pub(crate) fn team(id: &str) -> PageId {
        PageId::Team(id.to_owned())
    }

    /// A term's page; `term` as the archive spells it (the path takes its slug).
    pub(crate) fn term(terms: Terms, term: &str) -> PageId {
        PageId::Term(terms, crate::model::incident::slugify(term))
    }

    /// A page by the name templates call it (`page_url(page="system", id=...)`):
    /// a section's index by its name (`incidents`, `systems`, `tags` ...), a
    /// page of one thing by the thing (`incident`, `system`, `team`, `tag` ...),
    /// a file by what it holds (`feed`, `on-this-day`, `casebook-json`). `order`
    /// picks an incidents index other than the newest first (`oldest`,
    /// `severity`, `longest`) and names nothing on any other page.
    pub(crate) fn named(name: &str, id: Option<&str>, order: Option<&str>) -> Option<PageId> {
        if let Some(order) = order {
            let order = IncidentOrder::ALL.into_iter().find(|o| o.as_str() == order);
            return order.filter(|_| name == "incidents").map(PageId::Incidents);
        }
        let one = |page: fn(String) -> PageId| id.map(|id| page(id.to_owned()));
        let page = match name {
            "home" => PageId::Home,
            "incidents" => PageId::Incidents(IncidentOrder::Newest),
            "systems" => PageId::Systems,
            "teams" => PageId::Teams,
            "follow-ups" => PageId::FollowUps,
            "metrics" => PageId::Metrics,
            "repeats" => PageId::Repeats,
            "tags" => PageId::TermIndex(Terms::Tags),
            "factors" => PageId::TermIndex(Terms::Factors),
            "reading-lists" => PageId::ReadingLists,
            "search" => PageId::Search,
            "feed" => PageId::Feed,
            "on-this-day" => PageId::OnThisDay,
            "casebook-json" => PageId::Export,
            "incident" => one(PageId::Incident)?,
            "rca" => one(PageId::Rca)?,
            "system" => one(PageId::System)?,
            "system-feed" => one(PageId::SystemFeed)?,
            "team" => one(PageId::Team)?,
            "team-feed" => one(PageId::TeamFeed)?,
            "reading-list" => one(PageId::ReadingList)?,
            "tag" => PageId::term(Terms::Tags, id?),
            "factor" => PageId::term(Terms::Factors, id?),
            _ => return None,
        };
        Some(page)
    }

    /// The file's path in the output (`incidents/ID/index.html`).
    pub(crate) fn path(&self) -> String {
        let folder = |f: String| format!("{f}index.html");
        match self {
            PageId::Home => "index.html".to_owned(),
            PageId::Sitemap => "sitemap.xml".to_owned(),
            PageId::Feed => "feed.xml".to_owned(),
            PageId::JsonFeed => "feed.json".to_owned(),
            PageId::OnThisDay => "on-this-day.xml".to_owned(),
            PageId::Export => "casebook.json".to_owned(),
            PageId::NotFound => "404.html".to_owned(),
            PageId::SystemsData => "systems/index.json".to_owned(),
            PageId::SystemFeed(id) => format!("systems/{id}/feed.xml"),
            PageId::SystemData(id) => format!("systems/{id}/index.json"),
            PageId::TeamFeed(id) => format!("teams/{id}/feed.xml"),
            PageId::Attachment { incident, name } => format!("incidents/{incident}/{name}"),
            PageId::SearchFile(name) => format!("search/{name}"),
            page => folder(page.url()),
        }
    }

    /// The page's URL relative to the site root: a folder (`incidents/ID/`)
    /// for an HTML page, the file otherwise. The home page's is empty.
    pub(crate) fn url(&self) -> String {
        match self {
            PageId::Home => String::new(),
            PageId::Incidents(IncidentOrder::Newest) => "incidents/".to_owned(),
            PageId::Incidents(order) => format!("incidents/{}/", order.as_str()),
            PageId::Incident(id) => format!("incidents/{id}/"),
            PageId::Rca(id) => format!("incidents/{id}/rca/"),
            PageId::Systems => "systems/".to_owned(),
            PageId::System(id) => format!("systems/{id}/"),
            PageId::Teams => "teams/".to_owned(),
            PageId::Team(id) => format!("teams/{id}/"),
            PageId::FollowUps => "follow-ups/".to_owned(),
            PageId::Metrics => "metrics/".to_owned(),
            PageId::Repeats => "repeats/".to_owned(),
            PageId::TermIndex(terms) => format!("{}/", terms.as_str()),
            PageId::Term(terms, slug) => format!("{}/{slug}/", terms.as_str()),
            PageId::ReadingLists => "reading-lists/".to_owned(),
            PageId::ReadingList(id) => format!("reading-lists/{id}/"),
            PageId::ReadingListPrint(id) => format!("reading-lists/{id}/print/"),
            PageId::Search => "search/".to_owned(),
            file => file.path(),
        }
    }

    /// The section of the site the page belongs to (the nav marks it).
    pub(crate) fn section(&self) -> &'static str {
        match self {
            PageId::Home => "home",
            PageId::Incidents(_) | PageId::Incident(_) | PageId::Rca(_) => "incidents",
            PageId::Systems | PageId::System(_) => "systems",
            PageId::Teams | PageId::Team(_) => "teams",
            PageId::FollowUps => "follow-ups",
            PageId::Metrics => "metrics",
            PageId::Repeats => "repeats",
            PageId::TermIndex(terms) | PageId::Term(terms, _) => terms.as_str(),
            PageId::ReadingLists | PageId::ReadingList(_) | PageId::ReadingListPrint(_) => {
                "reading-lists"
            }
            PageId::Search => "search",
            _ => "",
        }
    }

    /// Which page a path of the output is: the inverse of [`PageId::path`].
    pub(crate) fn of_path(path: &str) -> Option<PageId> {
        let fixed = [
            PageId::Home,
            PageId::Sitemap,
            PageId::Feed,
            PageId::JsonFeed,
            PageId::OnThisDay,
            PageId::Export,
            PageId::NotFound,
            PageId::SystemsData,
            PageId::Systems,
            PageId::Teams,
            PageId::FollowUps,
            PageId::Metrics,
            PageId::Repeats,
            PageId::TermIndex(Terms::Tags),
            PageId::TermIndex(Terms::Factors),
            PageId::ReadingLists,
            PageId::Search,
        ];
        if let Some(page) = fixed.into_iter().find(|p| p.path() == path) {
            return Some(page);
        }
        let parts: Vec<&str> = path.split('/').collect();
        let page = match parts.as_slice() {
            ["incidents", order, "index.html"] if is_order(order) => {
                PageId::Incidents(order_of(order)?)
            }
            ["incidents", "index.html"] => PageId::Incidents(IncidentOrder::Newest),
            ["incidents", id, "index.html"] => PageId::Incident((*id).to_owned()),
            ["incidents", id, "rca", "index.html"] => PageId::Rca((*id).to_owned()),
            ["incidents", id, name] => PageId::Attachment {
                incident: (*id).to_owned(),
                name: (*name).to_owned(),
            },
            ["systems", id, "index.html"] => PageId::System((*id).to_owned()),
            ["systems", id, "feed.xml"] => PageId::SystemFeed((*id).to_owned()),
            ["systems", id, "index.json"] => PageId::SystemData((*id).to_owned()),
            ["teams", id, "index.html"] => PageId::Team((*id).to_owned()),
            ["teams", id, "feed.xml"] => PageId::TeamFeed((*id).to_owned()),
            ["tags", slug, "index.html"] => PageId::Term(Terms::Tags, (*slug).to_owned()),
            ["factors", slug, "index.html"] => PageId::Term(Terms::Factors, (*slug).to_owned()),
            ["reading-lists", id, "index.html"] => PageId::ReadingList((*id).to_owned()),
            ["reading-lists", id, "print", "index.html"] => {
                PageId::ReadingListPrint((*id).to_owned())
            }
            ["search", ..] => PageId::SearchFile(path.strip_prefix("search/")?.to_owned()),
            _ => return None,
        };
        Some(page)
    }

    /// A page besides an incident's own that shows what comes of its body
    /// text (reading time, the summary): home, reading lists, the feeds and
    /// `casebook.json`. Only these change when a save changes a body alone.
    pub(crate) fn shows_body(&self) -> bool {
        matches!(
            self,
            PageId::Home
                | PageId::ReadingLists
                | PageId::ReadingList(_)
                | PageId::ReadingListPrint(_)
                | PageId::Feed
                | PageId::JsonFeed
                | PageId::OnThisDay
                | PageId::SystemFeed(_)
                | PageId::TeamFeed(_)
                | PageId::Export
        )
    }

    /// A file of the Pagefind bundle, which only a search rebuild replaces
    /// (casebook renders the search page itself).
    pub(crate) fn is_search_bundle(&self) -> bool {
        matches!(self, PageId::SearchFile(_))
    }

    /// Listed in `sitemap.xml`: every HTML page but the 404 page.
    pub(crate) fn in_sitemap(&self) -> bool {
        self.path().ends_with(".html") && *self != PageId::NotFound
    }
}

fn is_order(name: &str) -> bool {
    order_of(name).is_some_and(|o| o != IncidentOrder::Newest)
}

fn order_of(name: &str) -> Option<IncidentOrder> {
    IncidentOrder::ALL.into_iter().find(|o| o.as_str() == name)
}

/// An incident's own pages' paths: its page and its RCA page (the RCA exists
/// only for a public incident; a preview drops it when it is not rendered).
pub(crate) fn incident_paths(id: &str) -> [String; 2] {
    [
        PageId::Incident(id.to_owned()).path(),
        PageId::Rca(id.to_owned()).path(),
    ]
}

/// A URL relative to the site root made absolute with the base URL (or
/// root-relative when there is none): feeds and the sitemap need absolute URLs.
pub(crate) fn absolute(base_url: &str, url: &str) -> String {
    if base_url.is_empty() {
        format!("/{url}")
    } else {
        format!("{base_url}/{url}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind() -> Vec<PageId> {
        let id = || "2025-03-14-checkout-db".to_owned();
        let mut pages = vec![
            PageId::Home,
            PageId::Incident(id()),
            PageId::Rca(id()),
            PageId::Attachment {
                incident: id(),
                name: "graph.png".into(),
            },
            PageId::Systems,
            PageId::System("payments-db".into()),
            PageId::SystemFeed("payments-db".into()),
            PageId::SystemData("payments-db".into()),
            PageId::SystemsData,
            PageId::Teams,
            PageId::Team("payments".into()),
            PageId::TeamFeed("payments".into()),
            PageId::FollowUps,
            PageId::Metrics,
            PageId::Repeats,
            PageId::ReadingLists,
            PageId::ReadingList("on-call".into()),
            PageId::ReadingListPrint("on-call".into()),
            PageId::Search,
            PageId::SearchFile("pagefind-entry.json".into()),
            PageId::NotFound,
            PageId::Feed,
            PageId::JsonFeed,
            PageId::OnThisDay,
            PageId::Sitemap,
            PageId::Export,
        ];
        pages.extend(IncidentOrder::ALL.map(PageId::Incidents));
        for terms in [Terms::Tags, Terms::Factors] {
            pages.push(PageId::TermIndex(terms));
            pages.push(PageId::term(terms, "Stale DNS cache"));
        }
        pages
    }

    #[test]
    fn every_page_is_found_again_by_its_path() {
        for page in every_kind() {
            assert_eq!(
                PageId::of_path(&page.path()),
                Some(page.clone()),
                "{page:?}"
            );
        }
    }

    #[test]
    fn paths_and_urls_are_the_site_map() {
        assert_eq!(PageId::Home.path(), "index.html");
        assert_eq!(PageId::Home.url(), "");
        let inc = PageId::incident("x");
        assert_eq!(inc.path(), "incidents/x/index.html");
        assert_eq!(inc.url(), "incidents/x/");
        assert_eq!(PageId::Rca("x".into()).path(), "incidents/x/rca/index.html");
        assert_eq!(
            PageId::Incidents(IncidentOrder::Newest).path(),
            "incidents/index.html"
        );
        assert_eq!(
            PageId::Incidents(IncidentOrder::Oldest).url(),
            "incidents/oldest/"
        );
        assert_eq!(
            PageId::term(Terms::Factors, "Stale DNS cache").path(),
            "factors/stale-dns-cache/index.html"
        );
        assert_eq!(PageId::TeamFeed("t".into()).url(), "teams/t/feed.xml");
        assert_eq!(
            PageId::SystemData("s".into()).path(),
            "systems/s/index.json"
        );
        assert_eq!(PageId::of_path("no/such/page.html"), None);
    }

    #[test]
    fn templates_name_pages_by_what_they_show() {
        assert_eq!(
            PageId::named("system", Some("payments-db"), None).map(|p| p.url()),
            Some("systems/payments-db/".to_owned())
        );
        assert_eq!(
            PageId::named("factor", Some("Stale DNS cache"), None).map(|p| p.url()),
            Some("factors/stale-dns-cache/".to_owned())
        );
        assert_eq!(
            PageId::named("incidents", None, Some("severity")).map(|p| p.url()),
            Some("incidents/severity/".to_owned())
        );
        assert_eq!(
            PageId::named("casebook-json", None, None).map(|p| p.url()),
            Some("casebook.json".to_owned())
        );
        assert_eq!(PageId::named("incident", None, None), None);
        assert_eq!(PageId::named("nowhere", Some("x"), None), None);
        assert_eq!(PageId::named("incidents", None, Some("sideways")), None);
        assert_eq!(PageId::named("systems", None, Some("oldest")), None);
        for terms in [Terms::Tags, Terms::Factors] {
            assert_eq!(
                PageId::named(terms.page_name(), Some("x"), None),
                Some(PageId::term(terms, "x"))
            );
        }
    }

    #[test]
    fn every_index_order_but_the_first_is_an_id_no_write_up_may_take() {
        for order in IncidentOrder::ALL.into_iter().skip(1) {
            assert!(
                crate::model::ids::RESERVED.contains(&order.as_str()),
                "{order:?}"
            );
        }
    }

    #[test]
    fn an_incident_called_like_an_index_order_is_still_an_incident() {
        // Reserved ids keep write-ups off `oldest` and friends; the path of an
        // order is an index all the same.
        assert_eq!(
            PageId::of_path("incidents/oldest/index.html"),
            Some(PageId::Incidents(IncidentOrder::Oldest))
        );
        assert_eq!(
            PageId::of_path("incidents/oldest-db/index.html"),
            Some(PageId::incident("oldest-db"))
        );
    }

    #[test]
    fn body_text_reaches_only_the_pages_that_show_reading_time_or_summaries() {
        let shown: Vec<String> = every_kind()
            .into_iter()
            .filter(PageId::shows_body)
            .map(|p| p.path())
            .collect();
        assert_eq!(
            shown,
            [
                "index.html",
                "systems/payments-db/feed.xml",
                "teams/payments/feed.xml",
                "reading-lists/index.html",
                "reading-lists/on-call/index.html",
                "reading-lists/on-call/print/index.html",
                "feed.xml",
                "feed.json",
                "on-this-day.xml",
                "casebook.json",
            ]
        );
    }
}

//! `casebook serve` keeps team pages current: a saved write-up reaches the
//! pages of its systems' teams, and a systems file that moves a system to
//! another team moves it on the team pages.

use super::{edit, free_port, get, serve, until};
use crate::support::Archive;
use std::process::Stdio;

#[test]
fn serve_refreshes_team_pages_when_a_write_up_or_a_systems_file_changes() {
    let a = Archive::fixture("teams");
    let port = free_port();
    let _server = serve(&a, port, Stdio::null());
    let shows = |path: &str, text: &str| {
        get(port, path)
            .filter(|(status, body)| *status == 200 && body.contains(text))
            .map(|_| ())
    };
    until("the team page", || {
        shows("/teams/payments/", "Payments database failover")
    });

    edit(
        &a,
        "content/incidents/2025-01-10-db-failover.md",
        "title = \"Payments database failover\"",
        "title = \"Payments database failed over twice\"",
    );
    until("the new title on the team page", || {
        shows("/teams/payments/", "Payments database failed over twice")
    });
    until("the new title in the team feed", || {
        shows(
            "/teams/payments/feed.xml",
            "Payments database failed over twice",
        )
    });

    edit(
        &a,
        "content/systems/search.md",
        "team = \"Discovery\"",
        "team = \"payments\"",
    );
    until("search on the payments team page", || {
        shows("/teams/payments/", "Search slow after reindex")
    });
    until("the discovery team to be gone", || {
        get(port, "/teams/discovery/").filter(|(status, _)| *status == 404)
    });
}

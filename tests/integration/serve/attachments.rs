//! `casebook serve` serves a folder write-up's attachments and copies them
//! again when one changes or is added.

use super::{edit, free_port, get, serve, until};
use crate::support::Archive;
use std::process::Stdio;

#[test]
fn serve_copies_attachments_again_when_they_change() {
    let a = Archive::fixture("attachments");
    let port = free_port();
    let _server = serve(&a, port, Stdio::null());
    let shows = |path: &str, text: &str| {
        get(port, path)
            .filter(|(status, body)| *status == 200 && body.contains(text))
            .map(|_| ())
    };
    until("the attachment", || {
        shows("/incidents/2025-03-14-checkout-db/data/latency.csv", "4100")
    });
    edit(
        &a,
        "content/incidents/2025-03-14-checkout-db/data/latency.csv",
        "4100",
        "5200",
    );
    until("the changed attachment", || {
        shows("/incidents/2025-03-14-checkout-db/data/latency.csv", "5200")
    });
    a.write(
        "content/incidents/2025-04-01-cache/hit-rate.csv",
        "minute,hits\n0,12\n",
    );
    until("a new attachment", || {
        shows("/incidents/2025-04-01-cache/hit-rate.csv", "minute,hits")
    });
}

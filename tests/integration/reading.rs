//! The "reading experience" of the demo site: durations, dates, breadcrumbs and
//! charts read the way a person would write them. One demo build is shared.

use crate::support::Archive;
use std::sync::OnceLock;

fn demo() -> &'static Archive {
    static DEMO: OnceLock<Archive> = OnceLock::new();
    DEMO.get_or_init(|| {
        let a = Archive::demo();
        a.build(&[]);
        a
    })
}

#[test]
fn whole_hours_read_without_zero_minutes() {
    let page = demo().read("public/incidents/2024-11-29-black-friday-checkout-capacity/index.html");
    assert!(
        page.contains("<dt>Time to resolve</dt><dd>2 h</dd>"),
        "resolve time not shown as 2 h"
    );
    for (rel, _) in crate::support::files(&demo().path().join("public")) {
        if rel.ends_with(".html") {
            let text = demo().read(&format!("public/{rel}"));
            assert!(!text.contains(" h 00 min"), "{rel} says \"h 00 min\"");
        }
    }
}

#[test]
fn search_results_print_dates_as_the_site_does() {
    // The newest incident of the demo is from 2026-08-25.
    let page = demo().read("public/search/index.html");
    assert!(
        page.contains(r#"<time datetime="2026-08-25">25 Aug 2026</time>"#),
        "search page lists an ISO date"
    );
    let search = demo().path().join("public/search");
    let shown = crate::support::output_texts(&search)
        .into_iter()
        .any(|(name, text)| name.contains("fragment") && text.contains("25 aug 2026"));
    assert!(shown, "no search result carries the human date");
    let script = demo().read("public/search.js");
    assert!(
        script.contains("d.meta.shown"),
        "results do not print the shown date"
    );
}

#[test]
fn breadcrumbs_name_the_parent_system() {
    let page = demo().read("public/systems/dns/index.html");
    assert!(
        page.contains(r#"/ <a href="../../systems/edge-cdn/">Edge and CDN</a></p>"#),
        "the crumb shows the parent's slug, not its name"
    );
}

#[test]
fn no_p90_below_ten_incidents() {
    // payments-db has 4 timed incidents (and a near miss, not timed); the archive has 35.
    let system = demo().read("public/systems/payments-db/index.html");
    assert!(
        system.contains("<strong>Time to detect</strong>: median 5 min, p90: n too small, n = 4."),
        "a p90 of 4 incidents is printed"
    );
    assert!(
        !system.contains(r#"class="p90""#),
        "a p90 line is drawn for n = 4"
    );
    let metrics = demo().read("public/metrics/index.html");
    assert!(
        metrics.contains("p90 10 h 15 min, n = 35"),
        "the archive's p90 is gone"
    );
}

#[test]
fn severity_legend_lists_only_drawn_severities() {
    // Every payments-db incident is SEV2; the demo has no incident without one.
    let system = demo().read("public/systems/payments-db/index.html");
    assert!(
        system.contains(r#"<p class="legend"><span class="key sev-1">SEV2</span></p>"#),
        "the legend lists severities the chart does not draw"
    );
    let metrics = demo().read("public/metrics/index.html");
    assert!(
        !metrics.contains(">no severity</span>"),
        "legend keys \"no severity\""
    );
}

#[test]
fn systems_table_sparklines_share_one_scale() {
    // Checkout's busiest quarter has 3 incidents: Auth's quarters of 1 sit a
    // third of the way up (y 15.3 of 2.0..22.0), not at the top as Checkout's 3 does.
    let table = demo().read("public/systems/index.html");
    let points = |name: &str| {
        let at = table
            .find(&format!(r#"aria-label="{name}: incidents per quarter"#))
            .unwrap_or_else(|| panic!("no sparkline for {name}"));
        let from = at + table[at..].find("points=\"").expect("points") + 8;
        let to = from + table[from..].find('"').expect("end of points");
        table[from..to].to_owned()
    };
    assert!(
        points("Auth").starts_with("1.0,15.3 "),
        "{}",
        points("Auth")
    );
    assert!(
        points("Checkout").contains(" 85.3,2.0 "),
        "{}",
        points("Checkout")
    );
}

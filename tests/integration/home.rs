//! The home page's figures: each says what it counts, counts it right, and
//! links to the list it counts.

use crate::support::Archive;

fn stats(page: &str) -> &str {
    let start = page.find("class=\"stats\"").expect("stats list");
    let end = start + page[start..].find("</ul>").expect("end of stats");
    &page[start..end]
}

#[test]
fn recurred_while_open_counts_repeats_not_follow_ups() {
    let a = Archive::demo();
    a.build(&[]);
    let home = a.read("public/index.html");
    let stats = stats(&home);
    // The demo has 10 repeats; 8 of them came while an earlier follow-up was
    // open (13 is the number of those follow-ups, not of repeats).
    assert!(stats.contains("<strong>10</strong> repeats"), "{stats}");
    assert!(
        stats.contains("<strong>8</strong> of them while last time's follow-ups were still open"),
        "{stats}"
    );
    assert!(!stats.contains("times an incident recurred"), "{stats}");
}

#[test]
fn every_home_stat_links_to_the_list_it_counts() {
    let a = Archive::demo();
    a.build(&[]);
    let home = a.read("public/index.html");
    let stats = stats(&home);
    let items: Vec<&str> = stats.split("<li").skip(1).collect();
    assert!(items.len() >= 6, "{stats}");
    for item in &items {
        assert!(item.contains("<a href=\""), "a stat without a link: {item}");
    }
    let repeats = a.read("public/repeats/index.html");
    for anchor in ["id=\"chains\"", "id=\"repeats\"", "id=\"while-open\""] {
        assert!(repeats.contains(anchor), "repeats page lacks {anchor}");
    }
    assert!(stats.contains("href=\"repeats/#while-open\""), "{stats}");
    assert!(stats.contains("href=\"incidents/\""), "{stats}");
}

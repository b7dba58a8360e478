//! Charts drawn at build time: stacked monthly and quarterly bars, strip plots of durations
//! with median and p90 (inline SVG), completion and age bars (HTML tables with
//! CSS bars, which wrap on a phone), sparklines. No JavaScript; colours come
//! from CSS classes so light and dark themes both read, and every SVG chart
//! carries `role="img"` with an `aria-label` (pages add a table).

use crate::analyze::metrics::{
    AgeBucket, Distribution, MonthCount, QuarterCompletion, QuarterCount, RepeatRate,
};
use std::fmt::Write;

fn esc(s: &str) -> String {
    super::escape(s)
}

const W: f64 = 720.0;

/// One key of the monthly chart's legend: a severity and its colour class.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub(crate) struct LegendKey {
    pub name: String,
    pub class: usize,
}

/// The severities [`month_bars`] draws, worst first, then "no severity": a key
/// for a colour that is nowhere in the chart only makes the reader look for it.
pub(crate) fn severity_legend(months: &[MonthCount], severities: &[String]) -> Vec<LegendKey> {
    let none = "no severity".to_owned();
    severities
        .iter()
        .chain(std::iter::once(&none))
        .enumerate()
        .filter(|(class, _)| {
            months
                .iter()
                .any(|m| m.by_severity.get(*class).is_some_and(|&c| c > 0))
        })
        .map(|(class, name)| LegendKey {
            name: name.clone(),
            class,
        })
        .collect()
}

/// Incidents per month, stacked by severity (worst at the bottom).
pub(crate) fn month_bars(months: &[MonthCount], severities: &[String], label: &str) -> String {
    let periods: Vec<Period> = months
        .iter()
        .map(|m| Period {
            name: &m.month,
            by_severity: &m.by_severity,
            total: m.total,
        })
        .collect();
    let every = (months.len() / 12).max(1);
    stacked_bars(&periods, severities, label, &|i, name| {
        i % every == 0 && name.ends_with("-01") || months.len() <= 12
    })
}

/// Incidents per quarter, stacked by severity: months of one or two incidents
/// each are bars of about one height, and say little.
pub(crate) fn quarter_bars(
    quarters: &[QuarterCount],
    severities: &[String],
    label: &str,
) -> String {
    let periods: Vec<Period> = quarters
        .iter()
        .map(|q| Period {
            name: &q.quarter,
            by_severity: &q.by_severity,
            total: q.total,
        })
        .collect();
    stacked_bars(&periods, severities, label, &|_, name| {
        name.ends_with("-Q1") || quarters.len() <= 8
    })
}

/// One bar of a stacked chart: its axis label and counts per severity.
struct Period<'a> {
    name: &'a str,
    by_severity: &'a [usize],
    total: usize,
}

/// Bars stacked by severity; `labelled(i, name)` says which get an axis label.
fn stacked_bars(
    periods: &[Period],
    severities: &[String],
    label: &str,
    labelled: &dyn Fn(usize, &str) -> bool,
) -> String {
    let h = 190.0;
    // Room above the top tick for its label at the phone's larger type.
    let (left, bottom, top) = (32.0, 26.0, 22.0);
    let max = periods.iter().map(|m| m.total).max().unwrap_or(0).max(1) as f64;
    let n = periods.len().max(1) as f64;
    let slot = (W - left) / n;
    let bar = (slot * 0.8).max(1.0);
    let plot_h = h - bottom - top;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {W} {h}" role="img" aria-label="{}" preserveAspectRatio="xMinYMin meet">"#,
        esc(label)
    );
    for tick in ticks(max as usize) {
        let y = top + plot_h - (tick as f64 / max) * plot_h;
        let _ = write!(
            s,
            r#"<line class="grid" x1="{left}" x2="{W}" y1="{y:.1}" y2="{y:.1}"/>"#
        );
        // The baseline needs no "0", which sat on the first month's label.
        if tick > 0 {
            let _ = write!(
                s,
                r#"<text class="axis" x="{}" y="{:.1}" text-anchor="end">{tick}</text>"#,
                left - 4.0,
                y + 3.5
            );
        }
    }
    for (i, m) in periods.iter().enumerate() {
        let x = left + i as f64 * slot + (slot - bar) / 2.0;
        let mut y = top + plot_h;
        for (si, &count) in m.by_severity.iter().enumerate() {
            if count == 0 {
                continue;
            }
            let bh = count as f64 / max * plot_h;
            y -= bh;
            let name = severities.get(si).map_or("no severity", String::as_str);
            let _ = write!(
                s,
                r#"<rect class="sev-{si}" x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{bh:.1}"><title>{}: {count} {}</title></rect>"#,
                esc(m.name),
                esc(name)
            );
        }
        if labelled(i, m.name) {
            // The first label starts at its bar, so it is not cut at the left edge.
            let (lx, anchor) = if i == 0 {
                (x, "start")
            } else {
                (x + bar / 2.0, "middle")
            };
            let _ = write!(
                s,
                r#"<text class="axis" x="{lx:.1}" y="{}" text-anchor="{anchor}">{}</text>"#,
                h - 6.0,
                esc(m.name)
            );
        }
    }
    s.push_str("</svg>");
    s
}

fn ticks(max: usize) -> Vec<usize> {
    let step = match max {
        0..=5 => 1,
        6..=10 => 2,
        11..=25 => 5,
        26..=50 => 10,
        51..=250 => 50,
        _ => (max / 5).max(1),
    };
    (0..=max).step_by(step).collect()
}

/// Log-scale position of `minutes` between 1 minute and 30 days.
fn log_x(minutes: i64, left: f64, width: f64) -> f64 {
    let lo = 1f64.ln();
    let hi = (30.0 * 1440.0f64).ln();
    let v = (minutes.max(1) as f64).ln().clamp(lo, hi);
    left + (v - lo) / (hi - lo) * width
}

/// The incident a strip plot's dot stands for: where its page is (relative to
/// the page the chart is on) and what to call it.
pub(crate) struct DotIncident {
    pub href: String,
    pub name: String,
}

/// Every incident as a dot on a log time axis, with median and p90 marked.
/// `incident` names the incident of each value (by its index); each dot links
/// to that incident's page and says which it is and how long it took.
pub(crate) fn strip_plot(
    d: &Distribution,
    incident: &dyn Fn(usize) -> Option<DotIncident>,
) -> String {
    // Tall enough that dots are a touch target on a phone, where the chart is
    // drawn at half its width.
    let h = 140.0;
    let axis = TimeAxis {
        left: 8.0,
        right: 8.0,
        y: h - 30.0,
    };
    let p90 = d.shown_p90();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart strip" viewBox="0 0 {W} {h}" role="img" aria-label="{}">"#,
        esc(&strip_label(d, p90))
    );
    axis.draw(&mut s);
    strip_dots(&mut s, d, incident, &axis);
    axis.mark(&mut s, "median", d.median);
    axis.mark(&mut s, "p90", p90);
    s.push_str("</svg>");
    s
}

/// What a strip plot says to a screen reader: median, p90 and n.
fn strip_label(d: &Distribution, p90: Option<i64>) -> String {
    match (d.median, p90) {
        (Some(m), Some(p)) => format!(
            "{}: median {}, p90 {}, n = {}, unknown {}",
            d.label,
            super::format::minutes(m),
            super::format::minutes(p),
            d.n,
            d.unknown
        ),
        (Some(m), None) => format!(
            "{}: median {}, p90 n too small, n = {}, unknown {}",
            d.label,
            super::format::minutes(m),
            d.n,
            d.unknown
        ),
        _ => format!("{}: no incidents with the needed timestamps", d.label),
    }
}

/// A strip plot's log time axis, from 1 minute to 30 days: its margins and the
/// height of its line.
struct TimeAxis {
    left: f64,
    right: f64,
    y: f64,
}

impl TimeAxis {
    fn x(&self, minutes: i64) -> f64 {
        log_x(minutes, self.left, W - self.left - self.right)
    }

    /// The axis line, and a labelled grid line at each round duration.
    fn draw(&self, s: &mut String) {
        let axis_y = self.y;
        let _ = write!(
            s,
            r#"<line class="axis-line" x1="{}" x2="{}" y1="{axis_y}" y2="{axis_y}"/>"#,
            self.left,
            W - self.right
        );
        for (m, name) in [
            (1, "1 min"),
            (10, "10 min"),
            (60, "1 h"),
            (360, "6 h"),
            (1440, "1 d"),
            (10080, "1 wk"),
            (43200, "30 d"),
        ] {
            let x = self.x(m);
            let anchor = match m {
                1 => "start",
                43200 => "end",
                _ => "middle",
            };
            let _ = write!(
                s,
                r#"<line class="grid" x1="{x:.1}" x2="{x:.1}" y1="8" y2="{axis_y}"/><text class="axis" x="{x:.1}" y="{}" text-anchor="{anchor}">{name}</text>"#,
                axis_y + 16.0
            );
        }
    }

    /// A line across the plot at `minutes` (the median, the p90), titled with
    /// what it marks.
    fn mark(&self, s: &mut String, what: &str, minutes: Option<i64>) {
        let Some(m) = minutes else { return };
        let x = self.x(m);
        let _ = write!(
            s,
            r#"<line class="{what}" x1="{x:.1}" x2="{x:.1}" y1="8" y2="{}"><title>{what} {}</title></line>"#,
            self.y,
            super::format::minutes(m)
        );
    }
}

/// One dot per value above the axis, linked to its incident's page where
/// `incident` names it.
fn strip_dots(
    s: &mut String,
    d: &Distribution,
    incident: &dyn Fn(usize) -> Option<DotIncident>,
    axis: &TimeAxis,
) {
    let band = axis.y - 28.0;
    for (i, &(v, at)) in d.values.iter().enumerate() {
        let x = axis.x(v);
        // Deterministic jitter so equal values do not hide each other.
        let y = 16.0 + ((i * 7919) % 61) as f64 / 60.0 * band;
        let took = super::format::minutes(v);
        match incident(at) {
            Some(inc) => {
                let name = esc(&format!("{}: {took}", inc.name));
                let _ = write!(
                    s,
                    r#"<a href="{}" aria-label="{name}"><circle class="dot" cx="{x:.1}" cy="{y:.1}" r="4"><title>{name}</title></circle></a>"#,
                    esc(&inc.href)
                );
            }
            None => {
                let _ = write!(
                    s,
                    r#"<circle class="dot" cx="{x:.1}" cy="{y:.1}" r="4"><title>{took}</title></circle>"#
                );
            }
        }
    }
}

/// Horizontal bars as an HTML table: a row per label, the bar a CSS width
/// and the value as text beside it. It wraps on a phone instead of scrolling
/// sideways, and it is its own data table. `rows` are (label, value, text);
/// `head` names the label and value columns.
fn bar_table(rows: &[(String, f64, String)], max: f64, caption: &str, head: [&str; 2]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<table class="bar-table"><caption class="visually-hidden">{}</caption><thead class="visually-hidden"><tr><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        esc(caption),
        esc(head[0]),
        esc(head[1])
    );
    for (name, value, text) in rows {
        let percent = if max > 0.0 {
            (value / max * 100.0).clamp(0.0, 100.0)
        } else {
            0.0
        };
        let _ = write!(
            s,
            r#"<tr><th scope="row">{}</th><td><span class="bar-track" aria-hidden="true"><span class="bar-fill" style="width: {percent:.1}%"></span></span><span class="bar-value">{}</span></td></tr>"#,
            esc(name),
            esc(text)
        );
    }
    s.push_str("</tbody></table>");
    s
}

pub(crate) fn completion_bars(rows: &[QuarterCompletion]) -> String {
    let data: Vec<(String, f64, String)> = rows
        .iter()
        .map(|q| {
            let rate = q.rate.unwrap_or(0.0);
            (
                q.quarter.clone(),
                rate,
                format!(
                    "{} of {} ({})",
                    q.done,
                    q.total,
                    super::format::percent(rate)
                ),
            )
        })
        .collect();
    bar_table(
        &data,
        1.0,
        "Follow-up completion by quarter of the incident",
        ["Quarter", "Done"],
    )
}

/// The repeat rate per year of the incident, on one scale (0–100%).
pub(crate) fn repeat_rate_bars(rate: &RepeatRate) -> String {
    let data: Vec<(String, f64, String)> = rate
        .per_year
        .iter()
        .map(|y| {
            let share = y.rate.unwrap_or(0.0);
            (
                y.year.to_string(),
                share,
                format!(
                    "{} of {} ({})",
                    y.repeats,
                    y.incidents,
                    super::format::percent(share)
                ),
            )
        })
        .collect();
    bar_table(
        &data,
        1.0,
        "Repeat rate by year of the incident",
        ["Year", "Repeats"],
    )
}

pub(crate) fn age_bars(rows: &[AgeBucket]) -> String {
    let max = rows.iter().map(|r| r.count).max().unwrap_or(0) as f64;
    let data: Vec<(String, f64, String)> = rows
        .iter()
        .map(|r| (r.label.to_owned(), r.count as f64, r.count.to_string()))
        .collect();
    bar_table(
        &data,
        max,
        "Open follow-ups by age",
        ["Age", "Open follow-ups"],
    )
}

/// A tiny trend line of counts, for the systems index.
/// A system's incidents per quarter as a sparkline drawn to `scale` (the
/// largest count of the table it sits in; its own largest if that is more).
pub(crate) fn quarter_sparkline(name: &str, counts: &[usize], scale: usize) -> String {
    let label = format!(
        "{name}: incidents per quarter over the last two years, oldest first: {}",
        counts
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    sparkline(counts, scale, &label)
}

/// `counts` as a line; `scale` is the count drawn at the top, so sparklines
/// that share one compare (a row's own largest count is used if higher).
pub(crate) fn sparkline(counts: &[usize], scale: usize, label: &str) -> String {
    let (w, h) = (120.0, 24.0);
    let max = counts.iter().copied().max().unwrap_or(0).max(scale).max(1) as f64;
    let n = counts.len().max(2) as f64 - 1.0;
    let points: Vec<String> = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            format!(
                "{:.1},{:.1}",
                i as f64 / n * (w - 2.0) + 1.0,
                h - 2.0 - c as f64 / max * (h - 4.0)
            )
        })
        .collect();
    format!(
        r#"<svg class="spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{}"><polyline points="{}"/></svg>"#,
        esc(label),
        points.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_plot_draws_one_dot_per_value_and_labels_n() {
        let d = Distribution {
            key: "time_to_detect",
            label: "Time to detect",
            definition: "",
            n: 3,
            unknown: 1,
            median: Some(10),
            p90: Some(60),
            values: vec![(5, 0), (10, 1), (60, 2)],
        };
        let svg = strip_plot(&d, &|i| {
            (i != 2).then(|| DotIncident {
                href: format!("../incidents/i{i}/"),
                name: format!("<Incident {i}>"),
            })
        });
        assert_eq!(svg.matches("<circle").count(), 3);
        // Named, linked dots, escaped; a dot without an incident has no link.
        assert_eq!(svg.matches("<a href=").count(), 2, "{svg}");
        assert!(
            svg.contains(r#"<a href="../incidents/i1/" aria-label="&lt;Incident 1&gt;: 10 min">"#),
            "{svg}"
        );
        assert!(svg.contains("n = 3, unknown 1"), "{svg}");
        assert!(svg.contains("p90 n too small"), "{svg}");
        assert!(!svg.contains(r#"class="p90""#), "{svg}");
    }

    #[test]
    fn legend_keeps_only_drawn_severities() {
        let months = vec![MonthCount {
            month: "2025-01".into(),
            by_severity: vec![0, 2, 0],
            total: 2,
        }];
        let legend = severity_legend(&months, &["SEV1".into(), "SEV2".into()]);
        assert_eq!(
            legend,
            vec![LegendKey {
                name: "SEV2".into(),
                class: 1
            }]
        );
    }

    #[test]
    fn a_shared_scale_keeps_small_counts_low() {
        // One incident a quarter on a scale of three sits a third of the way up.
        assert!(sparkline(&[1, 1], 3, "").contains("1.0,15.3 119.0,15.3"));
        assert!(sparkline(&[1, 1], 0, "").contains("1.0,2.0 119.0,2.0"));
    }

    #[test]
    fn bar_tables_scale_to_the_largest_value_and_escape_labels() {
        let rows = vec![
            ("<old>".to_owned(), 4.0, "4".to_owned()),
            ("new".to_owned(), 1.0, "1".to_owned()),
        ];
        let html = bar_table(&rows, 4.0, "Ages", ["Age", "Count"]);
        assert!(
            html.contains("<th scope=\"row\">&lt;old&gt;</th>"),
            "{html}"
        );
        assert!(html.contains("width: 100.0%"), "{html}");
        assert!(html.contains("width: 25.0%"), "{html}");
        assert!(bar_table(&rows, 0.0, "", ["", ""]).contains("width: 0.0%"));
    }

    #[test]
    fn month_bars_leave_the_baseline_unlabelled() {
        let months = vec![MonthCount {
            month: "2025-01".into(),
            by_severity: vec![3],
            total: 3,
        }];
        let svg = month_bars(&months, &["SEV1".into()], "x");
        assert!(!svg.contains(">0</text>"), "{svg}");
        assert!(svg.contains(">3</text>"), "{svg}");
        assert!(svg.contains(r#"text-anchor="start">2025-01"#), "{svg}");
    }

    #[test]
    fn labels_are_escaped() {
        assert!(sparkline(&[1, 2], 0, "<b>").contains("&lt;b&gt;"));
    }
}

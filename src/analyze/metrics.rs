//! Metrics that are honest: medians and p90 with their n and definition, counts
//! of incidents whose timestamps are missing ("unknown", never zero), incidents
//! per month by severity, follow-up completion by quarter, age of open items and
//! the repeat rate. No metric ranks people or teams.

use super::{FollowUpState, IncidentFacts};
use crate::model::incident::IncidentKind;
use crate::model::Archive;
use jiff::civil::Date;
use serde::Serialize;

/// A duration distribution, in minutes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Distribution {
    pub key: &'static str,
    pub label: &'static str,
    pub definition: &'static str,
    pub n: usize,
    /// Incidents without the needed timestamps.
    pub unknown: usize,
    pub median: Option<i64>,
    pub p90: Option<i64>,
    /// Every value, ascending, with its incident index (for strip plots).
    pub values: Vec<(i64, usize)>,
}

/// Below this many values a p90 is one or two incidents, not a tail: pages say
/// "n too small" instead of printing it.
pub const P90_MIN_N: usize = 10;

impl Distribution {
    /// The p90 worth showing: none when n is below [`P90_MIN_N`].
    pub fn shown_p90(&self) -> Option<i64> {
        self.p90.filter(|_| self.n >= P90_MIN_N)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct MonthCount {
    /// `YYYY-MM`.
    pub month: String,
    /// Per configured severity, worst first, then "no severity".
    pub by_severity: Vec<usize>,
    pub total: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct QuarterCompletion {
    /// `YYYY-Qn`, of the incident's date.
    pub quarter: String,
    /// Follow-ups of that quarter's incidents, won't-do excluded.
    pub total: usize,
    pub done: usize,
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AgeBucket {
    pub label: &'static str,
    pub count: usize,
}

pub use super::repeat_rate::{QuarterCount, RepeatRate};

#[derive(Debug, Clone, Default, Serialize)]
pub struct Metrics {
    pub incidents: usize,
    pub severities: Vec<String>,
    pub per_month: Vec<MonthCount>,
    /// The same incidents by calendar quarter.
    pub per_quarter: Vec<QuarterCount>,
    pub durations: Vec<Distribution>,
    pub completion: Vec<QuarterCompletion>,
    pub completion_definition: &'static str,
    pub open_age: Vec<AgeBucket>,
    pub open_age_definition: &'static str,
    pub open_total: usize,
    pub repeat_rate: RepeatRate,
    /// Incidents without a date: left out of the per-month and per-quarter series.
    pub undated: usize,
    /// Follow-ups with no known status (plain bullets): never counted as open or done.
    pub untracked: usize,
    /// Near misses and drills: counted apart, out of the per-month chart and time-to-X.
    pub near_misses: usize,
    pub drills: usize,
    /// Dated incidents (not near misses or drills): the per-month chart's n.
    pub charted: usize,
}

/// Nearest-rank percentile of an ascending, non-empty slice.
pub fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

/// Median as the mean of the two middle values for even n.
pub fn median(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

fn quarter(d: Date) -> String {
    format!("{}-Q{}", d.year(), (d.month() - 1) / 3 + 1)
}

pub fn compute(
    archive: &Archive,
    facts: &[IncidentFacts],
    members: &[usize],
    scale: &[String],
    as_of: Date,
) -> Metrics {
    // The whole configured scale, worst first, so charts of different systems line up.
    let severities: Vec<String> = scale.to_vec();

    let kind_of = |i: &usize| archive.incidents[*i].kind;
    let incidents_only: Vec<usize> = members
        .iter()
        .copied()
        .filter(|i| kind_of(i) == IncidentKind::Incident)
        .collect();
    let per_month = per_month(archive, &incidents_only, &severities, as_of);
    let follow_ups = FollowUpCounts::of(archive, facts, members);

    Metrics {
        incidents: members.len(),
        severities,
        per_quarter: super::repeat_rate::per_quarter(&per_month),
        per_month,
        durations: durations(facts, &incidents_only),
        completion: follow_ups.completion,
        completion_definition: "Share of follow-ups marked done today, grouped by the quarter of their incident; won't-do items are excluded.",
        open_age: open_age(&follow_ups.open_ages),
        open_age_definition: "Open and in-progress follow-ups by days since their incident, as of the build date.",
        open_total: follow_ups.open_ages.len(),
        repeat_rate: super::repeat_rate::repeat_rate(archive, facts, members),
        undated: members
            .iter()
            .filter(|&&i| archive.incidents[i].date.is_none())
            .count(),
        untracked: follow_ups.untracked,
        near_misses: members
            .iter()
            .filter(|i| kind_of(i) == IncidentKind::NearMiss)
            .count(),
        drills: members
            .iter()
            .filter(|i| kind_of(i) == IncidentKind::Drill)
            .count(),
        charted: incidents_only
            .iter()
            .filter(|&&i| archive.incidents[i].date.is_some())
            .count(),
    }
}

/// Time to detect, mitigate and resolve over `incidents_only` (near misses
/// and drills are no incidents to time: neither counted nor "unknown").
fn durations(facts: &[IncidentFacts], incidents_only: &[usize]) -> Vec<Distribution> {
    type Get = fn(&IncidentFacts) -> Option<i64>;
    [
        ("time_to_detect", "Time to detect", "detected − started, for incidents with both timestamps", (|f| f.time_to_detect) as Get),
        ("time_to_mitigate", "Time to mitigate", "mitigated − started, for incidents with both timestamps", (|f| f.time_to_mitigate) as Get),
        ("time_to_resolve", "Time to resolve", "resolved − started, for resolved incidents with both timestamps; ongoing incidents are excluded", (|f| f.time_to_resolve) as Get),
    ]
    .into_iter()
    .map(|(key, label, definition, get)| {
        let mut values: Vec<(i64, usize)> = incidents_only.iter().filter_map(|&i| get(&facts[i]).map(|v| (v, i))).collect();
        values.sort();
        let sorted: Vec<i64> = values.iter().map(|(v, _)| *v).collect();
        Distribution {
            key,
            label,
            definition,
            n: sorted.len(),
            unknown: incidents_only.len() - sorted.len(),
            median: median(&sorted),
            p90: percentile(&sorted, 90.0),
            values,
        }
    })
    .collect()
}

/// The follow-ups of a set of incidents, counted for the completion and
/// open-age charts.
struct FollowUpCounts {
    /// By the quarter of their (dated) incident.
    completion: Vec<QuarterCompletion>,
    /// Days since its incident, per open or in-progress follow-up.
    open_ages: Vec<i64>,
    untracked: usize,
}

impl FollowUpCounts {
    fn of(archive: &Archive, facts: &[IncidentFacts], members: &[usize]) -> Self {
        let mut quarters: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
        let mut open_ages = Vec::new();
        let mut untracked = 0;
        for &i in members {
            let q = archive.incidents[i].date.map(quarter);
            for f in &facts[i].follow_ups {
                untracked += usize::from(f.state == FollowUpState::Untracked);
                if let (Some(q), true) = (&q, f.state.counts_toward_completion()) {
                    let e = quarters.entry(q.clone()).or_default();
                    e.0 += 1;
                    if f.state == FollowUpState::Done {
                        e.1 += 1;
                    }
                }
                if f.state.is_pending() {
                    open_ages.push(f.age_days.unwrap_or(0));
                }
            }
        }
        let completion = quarters
            .into_iter()
            .map(|(quarter, (total, done))| QuarterCompletion {
                quarter,
                total,
                done,
                rate: (total > 0).then(|| done as f64 / total as f64),
            })
            .collect();
        FollowUpCounts {
            completion,
            open_ages,
            untracked,
        }
    }
}

/// Open follow-ups by age, in five buckets from under 30 days to over a year.
fn open_age(open_ages: &[i64]) -> Vec<AgeBucket> {
    let buckets: [(&'static str, i64, i64); 5] = [
        ("< 30 days", 0, 30),
        ("30–90 days", 30, 90),
        ("90–180 days", 90, 180),
        ("180–365 days", 180, 365),
        ("> 1 year", 365, i64::MAX),
    ];
    buckets
        .iter()
        .map(|&(label, lo, hi)| AgeBucket {
            label,
            count: open_ages.iter().filter(|&&a| a >= lo && a < hi).count(),
        })
        .collect()
}

fn per_month(
    archive: &Archive,
    members: &[usize],
    severities: &[String],
    as_of: Date,
) -> Vec<MonthCount> {
    let dated = || members.iter().filter_map(|&i| archive.incidents[i].date);
    let Some(first) = dated().min() else {
        return Vec::new();
    };
    let last = dated()
        .max()
        .unwrap_or(first)
        .max(as_of.min(first.max(as_of)));
    let mut months = Vec::new();
    let (mut y, mut m) = (first.year(), first.month());
    while (y, m) <= (last.year(), last.month()) {
        months.push(MonthCount {
            month: format!("{y:04}-{m:02}"),
            by_severity: vec![0; severities.len() + 1],
            total: 0,
        });
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    for &i in members {
        let inc = &archive.incidents[i];
        let Some(date) = inc.date else { continue };
        let key = format!("{:04}-{:02}", date.year(), date.month());
        if let Ok(pos) = months.binary_search_by(|mc| mc.month.cmp(&key)) {
            let sev = inc
                .severity
                .as_ref()
                .and_then(|s| severities.iter().position(|x| x == s))
                .unwrap_or(severities.len());
            months[pos].by_severity[sev] += 1;
            months[pos].total += 1;
        }
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_nearest_rank() {
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&v, 90.0), Some(9));
        assert_eq!(percentile(&v, 50.0), Some(5));
        assert_eq!(percentile(&[7], 90.0), Some(7));
        assert_eq!(percentile(&[], 90.0), None);
    }

    #[test]
    fn median_of_even_n_is_the_middle_mean() {
        assert_eq!(median(&[1, 3, 5, 7]), Some(4));
        assert_eq!(median(&[1, 3, 5]), Some(3));
    }
}

//! Two metrics that say more when they are not a bare number: the repeat rate
//! (over the whole archive and per year of the incident, with how many repeats
//! came while a follow-up was open or although every one was done) and the
//! incidents per quarter (monthly bars of one or two incidents each are all
//! about the same height). Pure functions of the archive and its facts.

use super::metrics::MonthCount;
use super::IncidentFacts;
use crate::model::Archive;
use serde::Serialize;

/// What the metrics page prints beside the figure.
pub const DEFINITION: &str = "The share of incidents whose write-up says it happened before \
    (it names an earlier incident it repeats), over every incident in the period, near misses \
    and drills included.";

#[derive(Debug, Clone, Default, Serialize)]
pub struct RepeatRate {
    pub incidents: usize,
    pub repeats: usize,
    pub rate: Option<f64>,
    pub definition: &'static str,
    /// Repeats that came while an earlier occurrence's follow-up was still open.
    pub while_open: usize,
    /// Repeats that came although every earlier follow-up was done.
    pub fix_did_not_hold: usize,
    /// Per year of the incident, oldest first (undated incidents are left out).
    pub per_year: Vec<YearRate>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct YearRate {
    pub year: i16,
    pub incidents: usize,
    pub repeats: usize,
    pub rate: Option<f64>,
}

/// Incidents per quarter (`YYYY-Qn`), summed from the months.
#[derive(Debug, Clone, Default, Serialize)]
pub struct QuarterCount {
    pub quarter: String,
    /// Per configured severity, worst first, then "no severity".
    pub by_severity: Vec<usize>,
    pub total: usize,
}

fn is_repeat(archive: &Archive, i: usize) -> bool {
    let inc = &archive.incidents[i];
    !inc.repeat_of.is_empty() || inc.hidden_repeat_of > 0
}

fn rate(repeats: usize, incidents: usize) -> Option<f64> {
    (incidents > 0).then(|| repeats as f64 / incidents as f64)
}

pub fn repeat_rate(archive: &Archive, facts: &[IncidentFacts], members: &[usize]) -> RepeatRate {
    let repeats: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| is_repeat(archive, i))
        .collect();
    let mut years: std::collections::BTreeMap<i16, (usize, usize)> = Default::default();
    for &i in members {
        if let Some(day) = archive.incidents[i].date {
            let e = years.entry(day.year()).or_default();
            e.0 += 1;
            e.1 += usize::from(is_repeat(archive, i));
        }
    }
    RepeatRate {
        incidents: members.len(),
        repeats: repeats.len(),
        rate: rate(repeats.len(), members.len()),
        definition: DEFINITION,
        while_open: repeats
            .iter()
            .filter(|&&i| !facts[i].recurred_while_open.is_empty())
            .count(),
        fix_did_not_hold: repeats
            .iter()
            .filter(|&&i| !facts[i].fix_did_not_hold.is_empty())
            .count(),
        per_year: years
            .into_iter()
            .map(|(year, (incidents, repeats))| YearRate {
                year,
                incidents,
                repeats,
                rate: rate(repeats, incidents),
            })
            .collect(),
    }
}

/// The months (consecutive, oldest first) summed by calendar quarter.
pub fn per_quarter(months: &[MonthCount]) -> Vec<QuarterCount> {
    let mut out: Vec<QuarterCount> = Vec::new();
    for m in months {
        let (year, month) = m.month.split_once('-').unwrap_or((&m.month, "01"));
        let q = (month.parse::<u8>().unwrap_or(1).clamp(1, 12) - 1) / 3 + 1;
        let key = format!("{year}-Q{q}");
        if out.last().is_none_or(|last| last.quarter != key) {
            out.push(QuarterCount {
                quarter: key,
                by_severity: vec![0; m.by_severity.len()],
                total: 0,
            });
        }
        if let Some(last) = out.last_mut() {
            for (sum, &n) in last.by_severity.iter_mut().zip(&m.by_severity) {
                *sum += n;
            }
            last.total += m.total;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(month: &str, by_severity: Vec<usize>) -> MonthCount {
        MonthCount {
            month: month.to_owned(),
            total: by_severity.iter().sum(),
            by_severity,
        }
    }

    #[test]
    fn quarters_sum_their_months_by_severity() {
        let q = per_quarter(&[
            month("2024-02", vec![1, 0]),
            month("2024-03", vec![0, 2]),
            month("2024-04", vec![1, 1]),
            month("2024-12", vec![0, 1]),
            month("2025-01", vec![3, 0]),
        ]);
        let got: Vec<(&str, &[usize], usize)> = q
            .iter()
            .map(|q| (q.quarter.as_str(), q.by_severity.as_slice(), q.total))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2024-Q1", &[1, 2][..], 3),
                ("2024-Q2", &[1, 1][..], 2),
                ("2024-Q4", &[0, 1][..], 1),
                ("2025-Q1", &[3, 0][..], 3),
            ]
        );
    }
}

//! Dates as trackers and spreadsheets write them (`14/Mar/25 9:12 AM`,
//! `Mar 14, 2025`, `14.03.2025`, `2025-03-14 09:12 +0000`): read by
//! `casebook import csv` and by the tracker merge (`--follow-up-status`), so the
//! load stage does not reach into the importer for them.

use super::fields::{parse_date, parse_timestamp};
use jiff::civil::Date;
use jiff::Timestamp;

/// A moment a cell names: its calendar day as written, and the instant (UTC
/// where the cell has no offset; midnight UTC for a bare day, as casebook reads
/// a bare day in `[timeline]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct When {
    pub day: Date,
    pub at: Timestamp,
}

/// Forms trackers and spreadsheets write that ISO parsing does not cover: Jira's
/// `14/Mar/25 9:12 AM` and `+0000` offsets, `Mar 14, 2025`, `14 March 2025`,
/// `2025/03/14` and `14.03.2025`, each with or without a time.
const TRACKER_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f %z",
    "%d/%b/%y %I:%M %p",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%y",
    "%d/%b/%Y",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y, %I:%M %p",
    "%b %d, %Y %H:%M",
    "%b %d, %Y",
    "%b %d %Y",
    "%B %d, %Y",
    "%B %d %Y",
    "%d %b %Y %H:%M",
    "%d %b %Y",
    "%d %B %Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
];

impl When {
    /// A day and a time of day without an offset, taken as UTC.
    fn utc(day: Date, time: jiff::civil::Time) -> Option<When> {
        let at = day
            .to_datetime(time)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()?;
        Some(When {
            day,
            at: at.timestamp(),
        })
    }
}

/// The calendar day of a date or timestamp in any form [`when`] reads (tracker
/// exports merged by `--follow-up-status` write the same forms).
pub(crate) fn day(value: &str) -> Option<Date> {
    when(value).map(|w| w.day)
}

pub(crate) fn when(value: &str) -> Option<When> {
    let value = value.trim();
    if let Some(at) = parse_timestamp(value) {
        let day = parse_date(value).unwrap_or_else(|| at.to_zoned(jiff::tz::TimeZone::UTC).date());
        return Some(When { day, at });
    }
    TRACKER_FORMATS
        .iter()
        .find_map(|format| jiff::fmt::strtime::parse(format, value).ok())
        .and_then(|parsed| {
            if let Ok(zoned) = parsed.to_zoned() {
                return Some(When {
                    day: zoned.date(),
                    at: zoned.timestamp(),
                });
            }
            let time = parsed.to_time().unwrap_or(jiff::civil::Time::midnight());
            When::utc(parsed.to_date().ok()?, time)
        })
        .or_else(|| slashed(value))
}

/// `3/14/2025` or `14/3/2025`: read only when one part cannot be a month.
fn slashed(value: &str) -> Option<When> {
    let (date, time) = value.split_once(' ').unwrap_or((value, ""));
    let parts: Vec<i16> = date
        .split('/')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [a, b, y] = parts[..] else { return None };
    let (day, month) = match (a > 12, b > 12) {
        (true, false) => (a, b),
        (false, true) => (b, a),
        _ => return None,
    };
    let day = Date::new(y, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()?;
    let time = match time.trim() {
        "" => jiff::civil::Time::midnight(),
        t => t.parse().ok()?,
    };
    When::utc(day, time)
}

pub(crate) fn year_only(value: &str) -> Option<i16> {
    let v = value.trim();
    (v.len() == 4)
        .then(|| v.parse().ok())
        .flatten()
        .filter(|y| (1900..=2999).contains(y))
}

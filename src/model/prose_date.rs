//! Dates written in prose, as people write them in postmortems and lists of
//! them: `2019-06-12`, `12 June 2019`, `June 12th, 2019`, `the 3rd of Sept 2020`.
//! Used for a write-up's date when its front matter gives none (see
//! [`super::fallback`]) and by `casebook import`.

use jiff::civil::Date;

/// Years a postmortem can plausibly be about; other four-digit numbers are counts.
const YEARS: std::ops::RangeInclusive<i16> = 1980..=2099;

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (start, c.is_alphanumeric()) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    out
}

fn month(word: &str) -> Option<i8> {
    let w = word.to_lowercase();
    let i = MONTHS.iter().position(|m| {
        *m == w || (w.len() == 3 && m.starts_with(&w)) || w == "sept" && *m == "september"
    })?;
    i8::try_from(i + 1).ok()
}

fn day(word: &str) -> Option<i8> {
    let digits = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|suffix| word.strip_suffix(suffix))
        .unwrap_or(word);
    (digits.len() <= 2 && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

pub(crate) fn year(word: &str) -> Option<i16> {
    (word.len() == 4 && word.bytes().all(|b| b.is_ascii_digit()))
        .then(|| word.parse().ok())
        .flatten()
        .filter(|y| YEARS.contains(y))
}

/// The first full day the text names: `2019-06-12`, `12 June 2019`, `June 12, 2019`.
pub(crate) fn first_date(text: &str) -> Option<Date> {
    let words = words(text);
    (0..words.len()).find_map(|i| {
        let at = |k: usize| words.get(i + k).map(|(_, w)| *w);
        let (offset, first) = words[i];
        if let Some(y) = year(first) {
            let iso = text.get(offset..offset + 10)?;
            let b = iso.as_bytes();
            let boundary = !text[offset + 10..].starts_with(|c: char| c.is_ascii_digit());
            if b[4] == b'-' && b[7] == b'-' && boundary {
                let (m, d) = (iso[5..7].parse().ok()?, iso[8..10].parse().ok()?);
                return Date::new(y, m, d).ok();
            }
            return None;
        }
        let of = usize::from(at(1).is_some_and(|w| w.eq_ignore_ascii_case("of")));
        if let (Some(d), Some(m), Some(y)) = (
            day(first),
            at(1 + of).and_then(month),
            at(2 + of).and_then(year),
        ) {
            return Date::new(y, m, d).ok();
        }
        if let (Some(m), Some(d), Some(y)) =
            (month(first), at(1).and_then(day), at(2).and_then(year))
        {
            return Date::new(y, m, d).ok();
        }
        None
    })
}

/// The first plausible year among the text's words.
pub(crate) fn first_year(text: &str) -> Option<i16> {
    words(text).into_iter().find_map(|(_, w)| year(w))
}

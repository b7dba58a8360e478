//! Small, pure formatting helpers shared by pages: dates, durations, ordinals,
//! relative links.

use jiff::civil::Date;
use jiff::Timestamp;

pub(crate) fn date(d: Date) -> String {
    d.strftime("%-d %b %Y").to_string()
}

pub(crate) fn timestamp(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// "53 min", "2 h 05 min", "3 h", "3 d 4 h".
pub(crate) fn minutes(m: i64) -> String {
    if m < 0 {
        return format!("−{}", minutes(-m));
    }
    match m {
        0..=59 => format!("{m} min"),
        60..=1439 if m % 60 == 0 => format!("{} h", m / 60),
        60..=1439 => format!("{} h {:02} min", m / 60, m % 60),
        _ => {
            let h = (m % 1440) / 60;
            if h == 0 {
                format!("{} d", m / 1440)
            } else {
                format!("{} d {} h", m / 1440, h)
            }
        }
    }
}

pub(crate) fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// `../` repeated once per folder in `path` (an output path like `incidents/x/index.html`).
pub(crate) fn root_for(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

pub(crate) fn percent(r: f64) -> String {
    format!("{:.0}%", r * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_read_naturally() {
        assert_eq!(minutes(53), "53 min");
        assert_eq!(minutes(125), "2 h 05 min");
        assert_eq!(minutes(180), "3 h");
        assert_eq!(minutes(3 * 1440 + 240), "3 d 4 h");
    }

    #[test]
    fn ordinals() {
        assert_eq!(ordinal(1), "1st");
        assert_eq!(ordinal(3), "3rd");
        assert_eq!(ordinal(11), "11th");
        assert_eq!(ordinal(22), "22nd");
    }

    #[test]
    fn root_climbs_one_level_per_folder() {
        assert_eq!(root_for("index.html"), "");
        assert_eq!(root_for("incidents/a/index.html"), "../../");
    }
}

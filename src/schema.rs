//! The write-up's front matter by name: every path an alias may point at, and
//! which of them hold lists. A leaf module: `config` checks
//! `[front_matter.aliases]` against it and `model` reads write-ups by it, so
//! neither needs the other for that.

/// Every front-matter path an alias may point at.
pub(crate) const KNOWN_PATHS: &[&str] = &[
    "title",
    "date",
    "id",
    "severity",
    "status",
    "kind",
    "systems",
    "tags",
    "contributing_factors",
    "summary",
    "authors",
    "repeat_of",
    "related",
    "links",
    "visibility",
    "draft",
    "timeline.started",
    "timeline.detected",
    "timeline.mitigated",
    "timeline.resolved",
    "public.title",
    "public.summary",
    "public.impact",
    "follow_ups",
];

/// Fields holding lists: several aliased sources merge into them.
pub(crate) const LIST_PATHS: &[&str] = &[
    "systems",
    "tags",
    "contributing_factors",
    "authors",
    "repeat_of",
    "related",
    "links",
    "follow_ups",
];

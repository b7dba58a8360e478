//! Reading lists: ordered incidents for onboarding, each with a note and
//! questions, plus an optional rule that appends matching incidents so the list
//! stays current.

use super::fields::{Fields, Reporter};
use super::incident::LinkRef;
use crate::load::Document;
use jiff::civil::Date;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadingItem {
    pub incident: LinkRef,
    pub note: Option<String>,
    pub questions: Vec<String>,
}

/// Incidents appended after the explicit items, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rule {
    pub systems: Vec<String>,
    pub severity: Vec<String>,
    pub tags: Vec<String>,
    pub since: Option<Date>,
    /// Only incidents that are part of a repeat chain.
    pub repeats_only: bool,
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadingList {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub audience: Option<String>,
    pub items: Vec<ReadingItem>,
    pub rule: Option<Rule>,
    /// Markdown introduction.
    pub body: String,
    pub source: PathBuf,
    #[serde(skip)]
    pub line: u32,
}

pub fn read(reporter: &Reporter, doc: &Document) -> Option<ReadingList> {
    let f = Fields::new(reporter, &doc.front, "")?;
    let title = f.required_string("title", "every reading list needs `title = \"...\"`");
    let items = f
        .tables("items")
        .into_iter()
        .filter_map(|t| {
            let id = t.required_string(
                "incident",
                "each [[items]] names an incident id: `incident = \"...\"`",
            );
            let node = t.node("incident");
            let item = id.map(|id| ReadingItem {
                incident: LinkRef {
                    id,
                    line: node.map_or(t.line, |n| n.line),
                    column: node.map_or(0, |n| n.column),
                },
                note: t.string("note"),
                questions: t
                    .string_list("questions")
                    .into_iter()
                    .map(|(q, _)| q)
                    .collect(),
            });
            t.finish();
            item
        })
        .collect();
    let rule = f.table("rule").map(|r| {
        let list = |key| {
            r.string_list(key)
                .into_iter()
                .map(|(s, _)| s)
                .collect::<Vec<_>>()
        };
        let rule = Rule {
            systems: list("systems"),
            severity: list("severity"),
            tags: list("tags"),
            since: r.date("since"),
            repeats_only: r.bool("repeats_only").unwrap_or(false),
            limit: r.integer("limit").and_then(|n| usize::try_from(n).ok()),
        };
        r.finish();
        rule
    });
    let list = ReadingList {
        id: doc.stem.clone(),
        title: title?,
        description: f.string("description"),
        audience: f.string("audience"),
        items,
        rule,
        body: doc.body.clone(),
        source: doc.path.clone(),
        line: f.line,
    };
    f.finish();
    Some(list)
}

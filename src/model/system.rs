//! Systems: the things incidents hit. Declared in `content/systems/*.md` (name,
//! team, tier, parent, description) or implied by an incident naming them.

use super::fields::{Fields, Reporter};
use crate::load::Document;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct System {
    pub id: String,
    pub name: String,
    /// What customers call it: the name in RCAs and public builds (default: `name`).
    pub public_name: Option<String>,
    pub team: Option<String>,
    pub tier: Option<i64>,
    pub parent: Option<String>,
    /// Markdown: the file's `description` or its body.
    pub description: Option<String>,
    /// None for systems only named by incidents.
    pub source: Option<PathBuf>,
    #[serde(skip)]
    pub parent_line: u32,
}

impl System {
    /// The name an RCA and a public build show.
    pub fn public_name(&self) -> &str {
        self.public_name.as_deref().unwrap_or(&self.name)
    }

    pub fn implied(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: id.to_owned(),
            public_name: None,
            team: None,
            tier: None,
            parent: None,
            description: None,
            source: None,
            parent_line: 0,
        }
    }
}

/// The id of a team (the URL segment of its page): the slug of its name, as
/// names of systems are identified; None when the name has no letter or digit.
pub fn team_id(name: &str) -> Option<String> {
    Some(super::names::slug(name)).filter(|id| !id.is_empty())
}

pub fn read(reporter: &Reporter, doc: &Document) -> Option<System> {
    let f = Fields::new(reporter, &doc.front, "")?;
    if !super::incident::is_valid_id(&doc.stem) {
        reporter.push(
            crate::diagnostic::Diagnostic::error(
                &reporter.file,
                format!("system id \"{}\" may only use a-z, 0-9 and -", doc.stem),
            )
            .hint("the id is the file name: rename the file"),
        );
        return None;
    }
    let parent_line = f.node("parent").map_or(0, |n| n.line);
    let team = f.string("team");
    if let Some(name) = team.as_deref() {
        if team_id(name).is_none() {
            reporter.push(
                crate::diagnostic::Diagnostic::warning(
                    &reporter.file,
                    format!("team \"{name}\" has no letter or digit to name its page; this system is listed under no team"),
                )
                .at_line(f.node("team").map_or(1, |n| n.line))
                .field("team")
                .hint("name the team with letters or digits, e.g. team = \"payments\""),
            );
        }
    }
    let body = doc.body.trim();
    let system = System {
        id: doc.stem.clone(),
        name: f.string("name").unwrap_or_else(|| doc.stem.clone()),
        public_name: f.string("public_name"),
        team,
        tier: f.integer("tier"),
        parent: f.string("parent"),
        description: f
            .string("description")
            .or_else(|| (!body.is_empty()).then(|| body.to_owned())),
        source: Some(doc.path.clone()),
        parent_line,
    };
    f.finish();
    Some(system)
}

//! The adoption report: for an archive adopted from an existing folder, per field
//! how many write-ups give it, how many fell back and to what, how many lack it,
//! and the files to fix first (most fallbacks). `casebook check --adoption`
//! prints it whole; a build that used fallbacks prints its [`Summary`]. A pure
//! function of the archive, like the rest of analysis.

use crate::model::{Archive, FollowUpStatus, Incident};
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// How many files to name as "fix first".
const FIX_FIRST: usize = 10;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    /// Write-ups read.
    pub incidents: usize,
    pub fields: Vec<FieldReport>,
    /// The files with the most fallbacks, most first.
    pub fix_first: Vec<FileReport>,
    /// Write-ups missing a section or field `[expectations]` asks of them.
    pub expectations_unmet: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldReport {
    pub field: &'static str,
    /// Write-ups whose file gives the field.
    pub present: usize,
    /// Where the others' values came from, most used first.
    pub fallbacks: Vec<(&'static str, usize)>,
    /// Write-ups with no value at all (no fallback applies to this field).
    pub missing: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FileReport {
    pub file: PathBuf,
    /// Fields that fell back, as `field (source)`.
    pub fallbacks: Vec<String>,
}

/// Fields that fall back, in report order.
const FALLBACK_FIELDS: &[&str] = &["front matter", "title", "date", "id", "follow_ups"];

impl Report {
    pub fn of(archive: &Archive) -> Self {
        let incidents = &archive.incidents;
        let n = incidents.len();
        let mut fields: Vec<FieldReport> = FALLBACK_FIELDS
            .iter()
            .map(|&field| fallback_field(incidents, field))
            .collect();
        // Fields with no fallback: present or missing.
        type Has = fn(&Incident) -> bool;
        let plain: [(&'static str, Has); 4] = [
            ("severity", |i| i.severity.is_some()),
            ("systems", |i| !i.systems.is_empty()),
            ("timeline", |i| !i.timeline.is_empty()),
            ("summary", |i| i.summary.is_some()),
        ];
        for (field, has) in plain {
            let present = incidents.iter().filter(|i| has(i)).count();
            fields.push(FieldReport {
                field,
                present,
                fallbacks: Vec::new(),
                missing: n - present,
            });
        }
        let mut files: Vec<FileReport> = incidents
            .iter()
            .filter(|i| !i.fallbacks.is_empty())
            .map(|i| FileReport {
                file: i.source.clone(),
                fallbacks: i
                    .fallbacks
                    .iter()
                    .map(|f| format!("{} ({})", f.field, f.source))
                    .collect(),
            })
            .collect();
        files.sort_by(|a, b| {
            b.fallbacks
                .len()
                .cmp(&a.fallbacks.len())
                .then_with(|| a.file.cmp(&b.file))
        });
        files.truncate(FIX_FIRST);
        Report {
            incidents: n,
            fields,
            fix_first: files,
            expectations_unmet: 0,
        }
    }

    /// Write-ups that used at least one fallback.
    fn with_fallbacks(&self, archive: &Archive) -> usize {
        archive
            .incidents
            .iter()
            .filter(|i| !i.fallbacks.is_empty())
            .count()
    }

    /// The three lines a build prints, when any write-up fell back.
    pub fn summary(&self, archive: &Archive) -> Option<Summary> {
        let affected = self.with_fallbacks(archive);
        (affected > 0).then(|| Summary {
            affected,
            total: self.incidents,
            by_field: self
                .fields
                .iter()
                .filter(|f| !f.fallbacks.is_empty())
                .map(|f| (f.field, f.fallbacks.iter().map(|(_, c)| c).sum()))
                .collect(),
            undated: archive
                .incidents
                .iter()
                .filter(|i| i.date.is_none())
                .count(),
            fix_first: self
                .fix_first
                .iter()
                .take(3)
                .map(|f| f.file.clone())
                .collect(),
        })
    }
}

fn fallback_field(incidents: &[std::sync::Arc<Incident>], field: &'static str) -> FieldReport {
    let mut fallbacks: Vec<(&'static str, usize)> = Vec::new();
    let mut fell_back = 0;
    for inc in incidents {
        let mut counted = false;
        for f in inc.fallbacks.iter().filter(|f| f.field == field) {
            match fallbacks.iter_mut().find(|(s, _)| *s == f.source) {
                Some((_, c)) => *c += 1,
                None => fallbacks.push((f.source, 1)),
            }
            counted = true;
        }
        fell_back += usize::from(counted);
    }
    fallbacks.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let missing = if field == "follow_ups" {
        // No follow-ups anywhere is missing; untracked bullets are a fallback.
        incidents.iter().filter(|i| i.follow_ups.is_empty()).count()
    } else {
        0
    };
    let present = if field == "follow_ups" {
        incidents
            .iter()
            .filter(|i| {
                i.follow_ups
                    .iter()
                    .any(|f| f.status != FollowUpStatus::Untracked)
            })
            .count()
    } else {
        incidents.len() - fell_back
    };
    FieldReport {
        field,
        present,
        fallbacks,
        missing,
    }
}

/// What a build says about fallbacks, in three lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub affected: usize,
    pub total: usize,
    pub by_field: Vec<(&'static str, usize)>,
    pub undated: usize,
    pub fix_first: Vec<PathBuf>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: Vec<String> = self
            .by_field
            .iter()
            .map(|(field, n)| format!("{field} {n}"))
            .collect();
        write!(
            f,
            "adoption: {} of {} write-ups used fallbacks ({}); {} undated",
            self.affected,
            self.total,
            fields.join(", "),
            self.undated
        )?;
        let files: Vec<String> = self
            .fix_first
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        write!(f, "\n  fix first: {}", files.join(", "))?;
        write!(f, "\n  the full report: casebook check --adoption")
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Adoption report: {} write-up(s)", self.incidents)?;
        writeln!(f)?;
        writeln!(
            f,
            "  {:<14} {:>10}  {:>8}  fell back to",
            "field", "from file", "missing"
        )?;
        for field in &self.fields {
            let fallbacks: Vec<String> = field
                .fallbacks
                .iter()
                .map(|(source, n)| format!("{source} {n}"))
                .collect();
            writeln!(
                f,
                "  {:<14} {:>10}  {:>8}  {}",
                field.field,
                field.present,
                field.missing,
                if fallbacks.is_empty() {
                    "-".to_owned()
                } else {
                    fallbacks.join(", ")
                }
            )?;
        }
        if self.expectations_unmet > 0 {
            writeln!(
                f,
                "\n{} write-up(s) miss a section or field casebook.toml [expectations] asks for.",
                self.expectations_unmet
            )?;
        }
        if self.fix_first.is_empty() {
            return writeln!(f, "\nEvery write-up gives its fields; nothing fell back.");
        }
        writeln!(f, "\nFiles to fix first (most fallbacks):")?;
        for file in &self.fix_first {
            writeln!(
                f,
                "  {}  {}",
                file.file.display(),
                file.fallbacks.join(", ")
            )?;
        }
        write!(
            f,
            "\n`casebook check` names each fallback on its file and line; write the field into the file to fix it."
        )
    }
}

//! Links between write-ups, as pages show them: a relative link to another
//! write-up's Markdown file (`../2024-01-02-dns.md#timeline`) becomes a link to
//! that incident's page (`../2024-01-02-dns/#h-timeline`), and a folder
//! write-up's link to one of its attachments points at the copy beside its
//! page. Every other URL is left as written (comrak still drops unsafe ones).

use super::markdown::{Markdown, HEADING_ID_PREFIX};
use crate::model::links::{self, Target};
use crate::model::Archive;
use std::collections::HashMap;
use std::path::PathBuf;

/// Which write-up each source file is, for resolving links to it.
pub(crate) struct WriteUpLinks {
    by_source: HashMap<PathBuf, usize>,
}

impl WriteUpLinks {
    pub(crate) fn new(archive: &Archive) -> Self {
        Self {
            by_source: archive
                .incidents
                .iter()
                .enumerate()
                .map(|(i, inc)| (inc.source.clone(), i))
                .collect(),
        }
    }

    /// `markdown` of incident `i` as HTML for a page `prefix` away from the
    /// incident's own folder (`""` on its page, `"../"` on its RCA).
    pub(crate) fn html(
        &self,
        md: &Markdown,
        archive: &Archive,
        i: usize,
        prefix: &str,
        markdown: &str,
    ) -> String {
        md.to_html_linked(markdown, &|url| self.rewrite(archive, i, prefix, url))
    }

    /// [`WriteUpLinks::html`] for one paragraph without its `<p>`.
    pub(crate) fn inline(
        &self,
        md: &Markdown,
        archive: &Archive,
        i: usize,
        prefix: &str,
        markdown: &str,
    ) -> String {
        md.inline_linked(markdown, &|url| self.rewrite(archive, i, prefix, url))
    }

    /// The URL `url` (written in incident `i`) has on a page `prefix` away from
    /// the incident's folder; None to keep it as written.
    pub(crate) fn rewrite(
        &self,
        archive: &Archive,
        i: usize,
        prefix: &str,
        url: &str,
    ) -> Option<String> {
        let inc = archive.incidents.get(i)?;
        match links::resolve(&inc.source, inc.attachments.is_some(), url) {
            Target::WriteUp { path, fragment } => {
                let &j = self.by_source.get(&path)?;
                let target = &archive.incidents[j];
                let anchor = fragment.map_or_else(String::new, |f| {
                    if links::heading_ids(&target.body).contains(f) {
                        format!("#{HEADING_ID_PREFIX}{f}")
                    } else {
                        format!("#{f}")
                    }
                });
                Some(format!("{prefix}../{}/{anchor}", target.id))
            }
            Target::Attachment { name, fragment } => {
                let copied = inc.attachments.as_ref()?.contains(&name);
                copied.then(|| {
                    let anchor = fragment.map_or_else(String::new, |f| format!("#{f}"));
                    format!("{prefix}{}{anchor}", name.replace(' ', "%20"))
                })
            }
            _ => None,
        }
    }
}

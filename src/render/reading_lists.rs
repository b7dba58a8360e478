//! The reading lists' pages: `reading-lists/`, each list with its notes and
//! questions, its printable copy, and the list navigation on an incident's page.
use super::{format, views, Job, Renderer};
use crate::routes::PageId;
use views::Row;

/// What [`Renderer::list_items`] gives a reading list's page.
struct ListItems<'s> {
    items: Vec<serde_json::Value>,
    systems: Vec<&'s String>,
    questions: Vec<serde_json::Value>,
}

impl Renderer<'_> {
    pub(super) fn reading_list_summaries(&self) -> Vec<serde_json::Value> {
        self.archive
            .reading_lists
            .iter()
            .zip(&self.analysis.reading_lists)
            .map(|(l, items)| {
                let words: usize = items.iter().map(|it| self.archive.incidents[it.incident].word_count).sum();
                serde_json::json!({
                    "id": l.id, "title": l.title, "description": l.description, "audience": l.audience,
                    "count": items.len(), "minutes": views::reading_minutes(words),
                })
            })
            .collect()
    }

    pub(super) fn reading_nav(&self, i: usize) -> Vec<serde_json::Value> {
        self.analysis.in_reading_lists[i]
            .iter()
            .map(|&(l, pos)| {
                let list = &self.archive.reading_lists[l];
                let items = &self.analysis.reading_lists[l];
                let id_at = |p: usize| items.get(p).map(|it| self.rows[it.incident].clone());
                serde_json::json!({
                    "id": list.id, "title": list.title, "position": pos + 1, "count": items.len(),
                    "previous": pos.checked_sub(1).and_then(id_at), "next": id_at(pos + 1),
                })
            })
            .collect()
    }

    pub(super) fn reading_list_pages(&self) -> Vec<Job> {
        if self.archive.reading_lists.is_empty() {
            return Vec::new();
        }
        let mut c = self.context_of(&PageId::ReadingLists);
        c.insert("lists", &self.reading_list_summaries());
        let mut jobs = vec![Job {
            path: PageId::ReadingLists.path(),
            template: "reading_lists.html",
            context: c,
        }];
        for (l, list) in self.archive.reading_lists.iter().enumerate() {
            jobs.extend(self.reading_list_page(l, list));
        }
        jobs
    }

    /// A list's items as the page shows them, the systems they are on (first
    /// seen first) and the questions asked of them.
    fn list_items<'s>(
        &'s self,
        list: &crate::model::ReadingList,
        resolved: &[crate::analyze::reading::ResolvedItem],
    ) -> ListItems<'s> {
        let mut systems: Vec<&String> = Vec::new();
        let mut questions: Vec<serde_json::Value> = Vec::new();
        let items: Vec<serde_json::Value> = resolved
            .iter()
            .enumerate()
            .map(|(pos, it)| {
                let inc = &self.archive.incidents[it.incident];
                for s in &inc.systems {
                    if !systems.contains(&s) {
                        systems.push(s);
                    }
                }
                let explicit = it.item.map(|k| &list.items[k]);
                if let Some(e) = explicit {
                    if !e.questions.is_empty() {
                        questions.push(serde_json::json!({ "incident": self.rows[it.incident], "questions": e.questions }));
                    }
                }
                let open: Vec<views::FollowUpView> = self.analysis.incidents[it.incident]
                    .follow_ups
                    .iter()
                    .filter(|f| f.state.is_pending())
                    .map(|f| views::follow_up(self.archive, f))
                    .collect();
                serde_json::json!({
                    "position": pos + 1,
                    "row": self.rows[it.incident],
                    "note_html": explicit.and_then(|e| e.note.as_deref()).map(|n| self.md.inline(n)),
                    "questions": explicit.map(|e| e.questions.clone()).unwrap_or_default(),
                    "from_rule": it.item.is_none(),
                    "minutes": views::reading_minutes(inc.word_count),
                    "summary_html": inc.summary.as_deref().map(|x| self.md.inline(x)),
                    "open_follow_ups": open,
                })
            })
            .collect();
        ListItems {
            items,
            systems,
            questions,
        }
    }

    /// One reading list's page and its printable copy.
    fn reading_list_page(&self, l: usize, list: &crate::model::ReadingList) -> [Job; 2] {
        let page = PageId::ReadingList(list.id.clone());
        let path = page.path();
        let mut c = self.context_of(&page);
        let resolved = &self.analysis.reading_lists[l];
        let ListItems {
            items,
            systems,
            questions,
        } = self.list_items(list, resolved);
        let words: usize = resolved
            .iter()
            .map(|it| self.archive.incidents[it.incident].word_count)
            .sum();
        let ongoing: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.status != "resolved")
            .collect();
        let pick_up: Vec<views::FollowUpView> = self
            .analysis
            .follow_ups
            .iter()
            .filter(|f| f.state.is_pending())
            .filter(|f| {
                self.archive.incidents[f.incident]
                    .systems
                    .iter()
                    .any(|s| systems.contains(&s))
            })
            .take(10)
            .map(|f| views::follow_up(self.archive, f))
            .collect();
        c.insert("list", list);
        c.insert("intro_html", &self.md.to_html(&list.body));
        c.insert("items", &items);
        c.insert("minutes", &views::reading_minutes(words));
        c.insert("ongoing", &ongoing);
        c.insert("pick_up", &pick_up);
        c.insert("questions", &questions);
        c.insert("systems", &systems);
        // The same list on one printable page, for a team session.
        let print_path = PageId::ReadingListPrint(list.id.clone()).path();
        let mut print = c.clone();
        print.insert("root", &format::root_for(&print_path));
        print.insert("path", &print_path);
        [
            Job {
                path: print_path,
                template: "reading_list_print.html",
                context: print,
            },
            Job {
                path,
                template: "reading_list.html",
                context: c,
            },
        ]
    }
}

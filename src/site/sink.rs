//! Where a site's files go: a [`Sink`] takes each file as it is made. A build
//! renders into the staging folder ([`crate::write::Staging`], the disk sink); a
//! preview into memory ([`MemorySink`]); `check` into [`Discard`].

use crate::render::Page;
use std::sync::Mutex;

/// Takes every file of the site as it is made, from any thread.
pub trait Sink: Sync {
    fn add(&self, page: Page);
}

impl Sink for crate::write::Staging {
    fn add(&self, page: Page) {
        crate::write::Staging::add(self, page.path, page.bytes);
    }
}

/// The files of a render, kept in memory (`casebook serve`).
#[derive(Default)]
pub struct MemorySink(Mutex<Vec<Page>>);

impl MemorySink {
    pub fn into_pages(self) -> Vec<Page> {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl Sink for MemorySink {
    fn add(&self, page: Page) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(page);
    }
}

/// Drops every file: `casebook check` renders only to find template errors.
pub struct Discard;

impl Sink for Discard {
    fn add(&self, _: Page) {}
}

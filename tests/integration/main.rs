//! Integration tests: run the real `casebook` binary on fixture archives in
//! `tests/fixtures/` (copied to a temp dir) and assert on its output and files.
//! One test binary, one module per feature (as mdBook and ripgrep do).

mod support;

mod adopt;
mod adoption;
mod analysis;
mod attachments;
mod build;
mod cache;
mod ci;
mod commands;
mod diagnostics;
mod differential;
mod home;
mod import;
mod kinds;
mod limits;
mod lists;
mod migrate;
mod output;
mod public;
mod reading;
mod repeat_signals;
mod search;
pub(crate) mod serve;
mod similarity;
mod stylesheets;
mod system_data;
mod teams;
mod terminal;
mod trust;
mod unreadable;
mod write_up;

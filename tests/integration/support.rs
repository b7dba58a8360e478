//! A small builder: copy a fixture to a temp dir, run casebook in it, read files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A throwaway archive: a copy of a fixture (or empty) in a temp dir.
pub struct Archive {
    pub dir: tempfile::TempDir,
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = entry.path().strip_prefix(from).expect("inside");
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

impl Archive {
    pub fn empty() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// A copy of `tests/fixtures/NAME`.
    pub fn fixture(name: &str) -> Self {
        let a = Self::empty();
        copy_dir(&fixtures().join(name), a.path());
        a
    }

    /// A copy of the repository's demo archive (casebook.toml and content/).
    pub fn demo() -> Self {
        let a = Self::empty();
        copy_dir(&repo_root().join("content"), &a.path().join("content"));
        std::fs::copy(
            repo_root().join("casebook.toml"),
            a.path().join("casebook.toml"),
        )
        .expect("config");
        a
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) -> &Self {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
        self
    }

    pub fn casebook(&self, args: &[&str]) -> Run {
        self.run(Command::new(env!("CARGO_BIN_EXE_casebook")), args)
    }

    /// `casebook --root ARCHIVE ARGS` run in the folder `cwd`.
    pub fn casebook_in(&self, cwd: &Path, args: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_casebook"));
        command.current_dir(cwd);
        self.run(command, args)
    }

    fn run(&self, mut command: Command, args: &[&str]) -> Run {
        let output = command
            .args(["--root", self.path().to_str().expect("utf-8 path")])
            .args(args)
            .output()
            .expect("run casebook");
        Run { output }
    }

    /// `casebook build --as-of 2026-11-25`, asserting success.
    pub fn build(&self, extra: &[&str]) -> Run {
        let mut args = vec!["build", "--as-of", "2026-11-25"];
        args.extend_from_slice(extra);
        let run = self.casebook(&args);
        run.assert_ok();
        run
    }

    pub fn read(&self, rel: &str) -> String {
        let p = self.path().join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path().join(rel).exists()
    }
}

pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    pub fn assert_ok(&self) {
        assert!(
            self.output.status.success(),
            "casebook failed ({:?}):\n{}\n{}",
            self.code(),
            self.stdout(),
            self.stderr()
        );
    }
}

/// Every file under `dir`: its path relative to `dir`, and its entry.
pub fn files(dir: &Path) -> Vec<(String, walkdir::DirEntry)> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let name = e
                .path()
                .strip_prefix(dir)
                .expect("inside")
                .display()
                .to_string();
            (name, e)
        })
        .collect()
}

/// Every output file's text; Pagefind's gzip files decompressed.
pub fn output_texts(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, entry) in files(dir) {
        let bytes = std::fs::read(entry.path()).expect("read output");
        let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut d = flate2::read::GzDecoder::new(&bytes[..]);
            use std::io::Read;
            let mut plain = Vec::new();
            d.read_to_end(&mut plain).expect("gunzip search file");
            plain
        } else {
            bytes
        };
        out.push((name, String::from_utf8_lossy(&bytes).to_lowercase()));
    }
    out
}

/// One entry of an Atom feed, as a reader sees it.
#[derive(Debug)]
pub struct AtomEntry {
    pub id: String,
    pub title: String,
    pub link: String,
    pub summary: String,
}

/// Parses `xml` as an Atom feed (RFC 4287), asserting what a reader needs: the
/// Atom namespace, the feed's `id`, `title`, `updated` and self link, and each
/// entry's `id`, `title`, `updated` (RFC 3339), link and author (from the entry
/// or the feed). Returns the entries in order.
pub fn atom_entries(xml: &str) -> Vec<AtomEntry> {
    const ATOM: &str = "http://www.w3.org/2005/Atom";
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("not XML: {e}\n{xml}"));
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().name(), "feed", "root element");
    assert_eq!(feed.tag_name().namespace(), Some(ATOM), "Atom namespace");
    fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
        node.children()
            .find(|c| c.is_element() && c.tag_name().name() == name)
    }
    fn text(node: roxmltree::Node<'_, '_>, name: &str) -> String {
        child(node, name)
            .and_then(|c| c.text())
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("<{name}> missing or empty in <{}>", node.tag_name().name()))
    }
    fn rfc3339(s: &str) {
        assert!(
            s.parse::<jiff::Timestamp>().is_ok(),
            "<updated> is not RFC 3339: {s}"
        );
    }
    text(feed, "id");
    text(feed, "title");
    rfc3339(&text(feed, "updated"));
    assert!(
        feed.children()
            .any(|c| c.tag_name().name() == "link" && c.attribute("rel") == Some("self")),
        "the feed links itself"
    );
    let feed_author = child(feed, "author").is_some();
    feed.children()
        .filter(|c| c.is_element() && c.tag_name().name() == "entry")
        .map(|entry| {
            rfc3339(&text(entry, "updated"));
            assert!(
                feed_author || child(entry, "author").is_some(),
                "an entry without an author in a feed without one"
            );
            AtomEntry {
                id: text(entry, "id"),
                title: text(entry, "title"),
                link: child(entry, "link")
                    .and_then(|l| l.attribute("href"))
                    .expect("entry link")
                    .to_owned(),
                summary: child(entry, "summary")
                    .and_then(|s| s.text())
                    .unwrap_or_default()
                    .to_owned(),
            }
        })
        .collect()
}

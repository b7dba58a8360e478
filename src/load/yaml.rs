//! A YAML loader with a nesting limit.
//!
//! saphyr's own `load` walks nested collections by recursion, so a header of
//! `tags:` and one line of five thousand `- ` overflowed the stack (an abort, not
//! an error) in `build`, `check`, `search` and `serve`'s rebuild thread before any
//! depth could be checked on the tree. Here the event parser, which is an
//! iterative state machine, is driven by hand and every event is counted before it
//! reaches saphyr's loader (whose document stack is iterative too). This is exact
//! where a pre-scan of the text would guess (flow style, `- - -` on one line,
//! mappings), costs nothing but a counter, and needs no thread with a large stack.
//! An alias counts as deep as the node it names, so anchors cannot stack past it.

use saphyr::{MarkedYaml, ScanError, YamlLoader};
use saphyr_parser::{Event, Parser, Span, SpannedEventReceiver};
use std::collections::HashMap;

/// How deeply lists and mappings may nest in a header. Real front matter
/// nests three or four levels; this leaves room and keeps every recursive
/// walk over the tree (conversion, validation, drop) far from the stack's end.
pub(crate) const MAX_DEPTH: usize = 64;

/// Why a header could not be loaded.
#[derive(Debug)]
pub(crate) enum LoadError {
    Scan(ScanError),
    /// Nesting beyond [`MAX_DEPTH`], at this 1-based line and column of the header.
    TooDeep {
        line: usize,
        column: usize,
    },
}

/// One open collection: its anchor (0 for none) and the height of its
/// tallest child so far.
struct Open {
    anchor: usize,
    tallest_child: usize,
}

/// Loads every document of `text`, refusing nesting beyond [`MAX_DEPTH`].
pub(crate) fn load(text: &str) -> Result<Vec<MarkedYaml<'_>>, LoadError> {
    let mut parser = Parser::new_from_str(text);
    let mut loader: YamlLoader<'_, MarkedYaml<'_>> = YamlLoader::default();
    let mut open: Vec<Open> = Vec::new();
    // Height of each anchored node: 0 for a scalar, 1 for a flat list, ...
    let mut heights: HashMap<usize, usize> = HashMap::new();
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(LoadError::Scan)?;
        let reached = match &event {
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                open.push(Open {
                    anchor: *anchor,
                    tallest_child: 0,
                });
                open.len()
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(done) = open.pop() {
                    let height = done.tallest_child + 1;
                    if done.anchor != 0 {
                        heights.insert(done.anchor, height);
                    }
                    if let Some(parent) = open.last_mut() {
                        parent.tallest_child = parent.tallest_child.max(height);
                    }
                }
                0
            }
            Event::Alias(anchor) => {
                let height = heights.get(anchor).copied().unwrap_or(0);
                if let Some(parent) = open.last_mut() {
                    parent.tallest_child = parent.tallest_child.max(height);
                }
                open.len() + height
            }
            _ => 0,
        };
        if reached > MAX_DEPTH {
            return Err(too_deep(span));
        }
        loader.on_event(event, span);
    }
    if let Some(e) = loader.error() {
        return Err(LoadError::Scan(e.clone()));
    }
    Ok(loader.into_documents())
}

fn too_deep(span: Span) -> LoadError {
    LoadError::TooDeep {
        line: span.start.line(),
        column: span.start.col() + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_error(text: &str) -> Option<usize> {
        match load(text) {
            Err(LoadError::TooDeep { line, .. }) => Some(line),
            _ => None,
        }
    }

    #[test]
    fn deep_block_sequences_are_refused_not_overflowed() {
        let text = format!("title: x\ntags:\n{}a\n", "- ".repeat(5000));
        assert_eq!(depth_error(&text), Some(3));
    }

    #[test]
    fn deep_flow_and_mappings_are_refused() {
        let flow = format!("tags: {}a{}\n", "[".repeat(100), "]".repeat(100));
        assert_eq!(depth_error(&flow), Some(1));
        let mut nested = String::new();
        for i in 0..80 {
            nested.push_str(&format!("{}k{i}:\n", " ".repeat(i)));
        }
        assert!(depth_error(&nested).is_some());
    }

    #[test]
    fn aliases_count_as_deep_as_their_anchor() {
        let mut text = format!("a: &a0 {}x{}\n", "[".repeat(40), "]".repeat(40));
        text.push_str(&format!("b: {}*a0{}\n", "[".repeat(30), "]".repeat(30)));
        assert!(depth_error(&text).is_some());
    }

    #[test]
    fn ordinary_headers_load() {
        let text = "title: x\nfollow_ups:\n  - title: y\n    owner: z\n";
        assert!(load(text).is_ok());
        let limit = format!(
            "t: {}a{}\n",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(load(&limit).is_ok());
    }
}

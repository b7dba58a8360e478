//! `[front_matter.aliases]` and `ignore`: another folder's keys moved onto
//! casebook's own paths before a write-up is read, in the order written.

use super::fields::{self, Reporter};
use crate::diagnostic::Diagnostic;
use crate::load::frontmatter::{Key, Node, Value};

/// Moves aliased keys to casebook's own paths (`start_time` -> `timeline.started`)
/// and drops ignored keys. Aliases are applied in the order written in
/// casebook.toml: for a single-valued field the first present source wins (a key
/// the file spells casebook's way wins over any alias); list fields merge.
pub fn apply_aliases(
    front: &mut Node,
    config: &crate::config::FrontMatterConfig,
    reporter: &Reporter,
) {
    let Value::Table(entries) = &mut front.value else {
        return;
    };
    if !config.ignore.is_empty() {
        entries.retain(|(k, _)| !config.ignore.contains(&k.name));
    }
    if config.aliases.is_empty() {
        return;
    }
    // Sources are taken out first, so an alias never feeds another alias.
    let mut sources: Vec<(&crate::config::Alias, Key, Node)> = Vec::new();
    for alias in config.aliases.iter() {
        if let Some(pos) = entries.iter().position(|(k, _)| k.name == alias.from) {
            let (key, node) = entries.remove(pos);
            if !fields::is_absent(&node.value) {
                sources.push((alias, key, node));
            }
        }
    }
    let written: Vec<String> = entries.iter().map(|(k, _)| k.name.clone()).collect();
    for (alias, key, node) in sources {
        for to in &alias.to {
            place_alias(entries, to, &key, &node, |existing| {
                if alias.to.len() == 1 && !crate::schema::LIST_PATHS.contains(&to.as_str()) {
                    let top = to.split('.').next().unwrap_or(to);
                    if written.iter().any(|w| w == top) && existing {
                        reporter.push(
                            Diagnostic::warning(
                                &reporter.file,
                                format!("both `{}` and `{to}` are set; `{to}` wins", alias.from),
                            )
                            .at(key.line, key.column)
                            .field(alias.from.clone())
                            .hint("remove one of them"),
                        );
                    }
                }
            });
        }
    }
}

/// Puts one aliased value at the dotted path `to`: appended to a list field,
/// set on a single-valued field only when nothing is there yet (`collision` is
/// told whether something was).
fn place_alias(
    entries: &mut Vec<(Key, Node)>,
    to: &str,
    key: &Key,
    node: &Node,
    collision: impl FnOnce(bool),
) {
    let mut path: Vec<&str> = to.split('.').collect();
    let Some(leaf) = path.pop() else { return };
    let mut table = entries;
    for part in path {
        let idx = match table.iter().position(|(k, _)| k.name == part) {
            Some(i) => i,
            None => {
                let k = Key {
                    name: part.to_owned(),
                    line: key.line,
                    column: key.column,
                };
                let empty = Node {
                    value: Value::Table(Vec::new()),
                    line: node.line,
                    column: node.column,
                };
                table.push((k, empty));
                table.len() - 1
            }
        };
        match &mut table[idx].1.value {
            Value::Table(t) => table = t,
            _ => return,
        }
    }
    let leaf_key = Key {
        name: leaf.to_owned(),
        line: key.line,
        column: key.column,
    };
    let existing = table.iter_mut().find(|(k, _)| k.name == leaf);
    let is_list = crate::schema::LIST_PATHS.contains(&to);
    match existing {
        Some((_, present)) if is_list && !fields::is_absent(&present.value) => {
            let mut items = into_items(std::mem::replace(&mut present.value, Value::Null), present);
            items.extend(into_items(node.value.clone(), node));
            present.value = Value::Array(items);
            collision(true);
        }
        Some((_, present)) if fields::is_absent(&present.value) => {
            *present = node.clone();
            collision(false);
        }
        Some(_) => collision(true),
        None => {
            table.push((leaf_key, node.clone()));
            collision(false);
        }
    }
}

/// A value as list items: a list's own, or the value as its one item.
fn into_items(value: Value, at: &Node) -> Vec<Node> {
    match value {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => vec![Node {
            value: other,
            line: at.line,
            column: at.column,
        }],
    }
}

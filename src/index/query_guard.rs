//! How deeply a terminal search query may nest.
//!
//! tantivy's query grammar parses `(` groups and `NOT` by recursion, so a query of
//! 15,000 nested parentheses (or `NOT NOT NOT ...`) overflowed the stack and
//! aborted `casebook search`. The query is scanned first, as the grammar would
//! read it (quoted phrases and `\`-escapes are not groups), and a nesting deeper
//! than [`MAX_QUERY_DEPTH`] is refused with a message before any parsing.

use super::search::SearchError;

/// Groups and `NOT`s inside each other. A person's query nests two or three.
pub const MAX_QUERY_DEPTH: usize = 32;

/// Refuses a query that nests groups and `NOT`s more than [`MAX_QUERY_DEPTH`] deep.
pub fn check_query(text: &str) -> Result<(), SearchError> {
    let depth = nesting(text);
    if depth > MAX_QUERY_DEPTH {
        return Err(SearchError::Query(format!(
            "the query nests parentheses and NOT {depth} levels deep; at most {MAX_QUERY_DEPTH} are allowed"
        )));
    }
    Ok(())
}

/// The deepest nesting of `(` groups and `NOT` operators in `text`.
fn nesting(text: &str) -> usize {
    // NOTs waiting for their operand at each open group, and at the top.
    let mut pending: Vec<usize> = vec![0];
    let mut deepest = 0;
    let mut chars = text.chars().peekable();
    let mut word = String::new();
    let depth = |pending: &Vec<usize>| pending.len() - 1 + pending.iter().sum::<usize>();
    loop {
        let c = chars.next();
        let ends_word = c.is_none_or(|c| c.is_whitespace() || c == '(' || c == ')' || c == '"');
        if ends_word && !word.is_empty() {
            let top = pending.last_mut();
            if word == "NOT" {
                if let Some(n) = top {
                    *n += 1;
                }
            } else if let Some(n) = top {
                // The operand of the NOTs before it: they close here.
                *n = 0;
            }
            word.clear();
        }
        deepest = deepest.max(depth(&pending));
        let Some(c) = c else { break };
        match c {
            '\\' => {
                word.push(c);
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            '"' => {
                // A phrase is one operand; nothing inside it nests.
                for p in chars.by_ref() {
                    if p == '"' {
                        break;
                    }
                }
                if let Some(n) = pending.last_mut() {
                    *n = 0;
                }
            }
            '(' => pending.push(0),
            ')' => {
                if pending.len() > 1 {
                    pending.pop();
                }
                // The group was the operand of the NOTs before it.
                if let Some(n) = pending.last_mut() {
                    *n = 0;
                }
            }
            c if c.is_whitespace() => {}
            c => word.push(c),
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_groups_and_nots() {
        assert_eq!(nesting("payments db"), 0);
        assert_eq!(nesting("(a OR b) AND (c OR d)"), 1);
        assert_eq!(nesting("((a))"), 2);
        assert_eq!(nesting("NOT a NOT b"), 1);
        assert_eq!(nesting("NOT NOT (NOT a)"), 4);
        assert_eq!(nesting("title:(a OR (b))"), 2);
        assert_eq!(nesting(r#""((((" \( x"#), 0);
    }

    #[test]
    fn refuses_deep_queries_before_parsing() {
        let parens = format!("{}a{}", "(".repeat(15_000), ")".repeat(15_000));
        assert!(matches!(check_query(&parens), Err(SearchError::Query(_))));
        let nots = format!("{}a", "NOT ".repeat(15_000));
        assert!(check_query(&nots).is_err());
        let unclosed = "(".repeat(15_000);
        assert!(check_query(&unclosed).is_err());
        assert!(check_query("(checkout OR payments) AND NOT dns").is_ok());
    }
}

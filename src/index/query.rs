//! What `casebook search` makes of typed text: words and "quoted phrases" as
//! plain text (nothing in them is syntax), and the tokenizer both the index
//! and the query use, which keeps identifiers (`insert_failed`,
//! `delivery.postcode`, `pg_is_in_recovery`) whole. Tantivy's query language
//! (fields, `AND`, `-word`) is only for `--query-syntax`; this module must not
//! open or read an index.

use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{LowerCaser, RegexTokenizer, RemoveLongFilter, TextAnalyzer};
use tantivy::Term;

/// The name the tokenizer is registered under in the index.
pub(crate) const TOKENIZER: &str = "casebook";

/// Letters and digits, joined by `_` or `.` when another letter or digit follows:
/// `insert_failed` and `v1.2` are one token; "the pool." ends with `pool`.
const WORD: &str = r"[\p{L}\p{N}]+(?:[._][\p{L}\p{N}]+)*";

/// The analyzer for the title and text fields (and so for every query).
pub(crate) fn analyzer() -> Result<TextAnalyzer, tantivy::TantivyError> {
    Ok(TextAnalyzer::builder(RegexTokenizer::new(WORD)?)
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .build())
}

/// Words and quoted phrases of `text`, each as the tokens the index holds.
/// A word that is several tokens (`won't`, a URL) is searched as a phrase.
pub(crate) fn pieces(text: &str, analyzer: &mut TextAnalyzer) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (i, part) in text.split('"').enumerate() {
        // Odd parts are inside quotes: one phrase; even parts are words.
        let groups: Vec<&str> = if i % 2 == 1 {
            vec![part]
        } else {
            part.split_whitespace().collect()
        };
        for group in groups {
            let mut tokens = Vec::new();
            let mut stream = analyzer.token_stream(group);
            while stream.advance() {
                tokens.push(stream.token().text.clone());
            }
            if !tokens.is_empty() {
                out.push(tokens);
            }
        }
    }
    out
}

/// Every piece must match, in any of `fields` (each with its boost).
pub(crate) fn plain(pieces: &[Vec<String>], fields: &[(Field, f32)]) -> BooleanQuery {
    let clauses = pieces
        .iter()
        .map(|tokens| {
            let per_field = fields
                .iter()
                .map(|&(field, boost)| {
                    let query: Box<dyn Query> = match tokens.as_slice() {
                        [one] => Box::new(TermQuery::new(
                            Term::from_field_text(field, one),
                            IndexRecordOption::WithFreqs,
                        )),
                        many => Box::new(PhraseQuery::new(
                            many.iter()
                                .map(|t| Term::from_field_text(field, t))
                                .collect(),
                        )),
                    };
                    let query: Box<dyn Query> = if boost == 1.0 {
                        query
                    } else {
                        Box::new(BoostQuery::new(query, boost))
                    };
                    (Occur::Should, query)
                })
                .collect();
            (
                Occur::Must,
                Box::new(BooleanQuery::new(per_field)) as Box<dyn Query>,
            )
        })
        .collect();
    BooleanQuery::new(clauses)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<Vec<String>> {
        pieces(text, &mut analyzer().expect("analyzer"))
    }

    #[test]
    fn identifiers_stay_one_token() {
        assert_eq!(tokens("insert_failed"), vec![vec!["insert_failed"]]);
        assert_eq!(tokens("delivery.postcode"), vec![vec!["delivery.postcode"]]);
        assert_eq!(
            tokens("pg_is_in_recovery()"),
            vec![vec!["pg_is_in_recovery"]]
        );
        assert_eq!(tokens("the pool."), vec![vec!["the"], vec!["pool"]]);
    }

    #[test]
    fn typed_text_is_words_and_phrases_not_syntax() {
        assert_eq!(
            tokens("error: timeout"),
            vec![vec!["error"], vec!["timeout"]]
        );
        assert_eq!(tokens("won't"), vec![vec!["won", "t"]]);
        assert_eq!(
            tokens("\"replica lag\" AND"),
            vec![vec!["replica", "lag"], vec!["and"]]
        );
        assert_eq!(tokens(" :: "), Vec::<Vec<String>>::new());
    }
}

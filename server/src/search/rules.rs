//! What a search may ask: a name of 1 to 100 characters, an optional language, a limit of 1 to 50.

use std::collections::HashMap;

use axum::http::StatusCode;

use app::model::Lang;

use crate::error::{Refusal, StoreError};

pub const MAX_QUERY_CHARS: usize = 100;
pub const DEFAULT_LIMIT: i64 = 10;
pub const MAX_LIMIT: i64 = 50;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// A query parameter is not acceptable; the message names it and what it may be.
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, message: impl Into<String>) -> SearchError {
    SearchError::Invalid {
        field,
        message: message.into(),
    }
}

impl Refusal for SearchError {
    fn status(&self) -> StatusCode {
        match self {
            SearchError::Invalid { .. } => StatusCode::BAD_REQUEST,
            SearchError::Store(e) => e.status(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            SearchError::Invalid { .. } => "invalid_parameter",
            SearchError::Store(e) => e.code(),
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            SearchError::Invalid { field, .. } => Some(field),
            SearchError::Store(_) => None,
        }
    }

    fn public_message(&self) -> String {
        match self {
            SearchError::Invalid { message, .. } => message.clone(),
            SearchError::Store(e) => e.public_message(),
        }
    }
}

/// A search the store can run: the trimmed name and how many places at most.
#[derive(Debug, PartialEq)]
pub struct PlaceSearch {
    pub text: String,
    pub limit: i64,
}

/// Reads `q`, `lang` and `limit` from the query string. `lang` (vi or en) only checks the
/// caller's intent today: both names are always searched and returned.
pub fn place_search(q: &HashMap<String, String>) -> Result<PlaceSearch, SearchError> {
    let text = q.get("q").map(|s| s.trim()).unwrap_or_default();
    if text.is_empty() {
        return Err(invalid("q", "q (the name to look for) is required"));
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(invalid(
            "q",
            format!("q must have at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    if let Some(l) = q.get("lang") {
        Lang::parse(l).ok_or_else(|| invalid("lang", "lang must be vi or en"))?;
    }
    let limit = match q.get("limit") {
        None => DEFAULT_LIMIT,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                invalid(
                    "limit",
                    format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
                )
            })?,
    };
    Ok(PlaceSearch {
        text: text.to_string(),
        limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn field_of(r: Result<PlaceSearch, SearchError>) -> Option<&'static str> {
        match r {
            Err(SearchError::Invalid { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn a_name_is_trimmed_and_the_limit_defaults_to_ten() {
        let s = place_search(&query(&[("q", "  ben thanh ")])).expect("valid");
        assert_eq!(
            s,
            PlaceSearch {
                text: "ben thanh".into(),
                limit: DEFAULT_LIMIT
            }
        );
    }

    #[test]
    fn each_bad_parameter_is_named() {
        assert_eq!(field_of(place_search(&query(&[]))), Some("q"));
        assert_eq!(field_of(place_search(&query(&[("q", "   ")]))), Some("q"));
        let long = "a".repeat(MAX_QUERY_CHARS + 1);
        assert_eq!(field_of(place_search(&query(&[("q", &long)]))), Some("q"));
        assert_eq!(
            field_of(place_search(&query(&[("q", "x"), ("lang", "fr")]))),
            Some("lang")
        );
        for bad in ["0", "51", "ten", "-1"] {
            assert_eq!(
                field_of(place_search(&query(&[("q", "x"), ("limit", bad)]))),
                Some("limit"),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_longest_name_and_the_widest_limit_are_accepted() {
        let longest = "ạ".repeat(MAX_QUERY_CHARS);
        let s = place_search(&query(&[("q", &longest), ("limit", "50"), ("lang", "en")]))
            .expect("valid");
        assert_eq!(s.limit, MAX_LIMIT);
    }
}

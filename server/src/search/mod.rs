//! Public lookups for the tourist map: places by name (ignoring case and diacritics, so
//! "nha tho duc ba" finds "Nhà thờ Đức Bà") and the public notices valid now.
//!
//! `http` reads the query and answers; `rules` checks what was asked (pure); `store` runs the SQL
//! in `sql/`. The answers are `app::contract::search` types, which the public map reads too.

pub mod http;
pub mod rules;
pub mod store;

pub use http::router;
pub use rules::MAX_QUERY_CHARS;

//! The planner's area queries: `POST /api/area-query` (figures and a page of features) and
//! `POST /api/area-query/export?format=geojson|csv` (every feature, as a file), and saved exports
//! (`/api/area-query/exports`: the file kept in the file store, for any planner, through any node).
//! The request and answer are documented in `docs/area-query.md`; on the wire they are
//! `app::contract::planner`.
//!
//! `http` reads requests and answers; `rules` parses and checks the request (pure, unit-tested);
//! `store` runs the SQL in `sql/`; `export` writes the files; `saved` keeps them in the file store,
//! with their rows in `saved_store`; `error` is what can go wrong.

pub mod error;
pub mod export;
pub mod http;
pub mod rules;
pub mod saved;
pub mod saved_store;
pub mod store;

pub use error::PlannerError;
pub use http::router;

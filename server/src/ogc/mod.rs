//! OGC API – Features (Part 1: Core, GeoJSON), read-only, at `/ogc`.
//!
//! `http` writes the OGC documents; `rules` checks the query parameters (pure); `store` runs the SQL
//! around each collection's source; `collections` is the catalogue (one entry and one `sql/*.sql`
//! per collection); `error` is what can go wrong.

pub mod collections;
pub mod error;
pub mod http;
pub mod rules;
pub mod store;

pub use error::OgcError;
pub use http::{router, CONFORMANCE};

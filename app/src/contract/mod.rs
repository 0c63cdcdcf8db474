//! The wire contract of `/api`: one Rust type for each body a request sends or an answer carries,
//! shared by the server's handlers and the browser. With the `ssr` feature each type also describes
//! itself for OpenAPI (`utoipa::ToSchema`): the server publishes the document at
//! `/api/openapi.json`, generated from these types and never written by hand.
//!
//! The live protocol of `/ws` is in `crate::live_types`; users and roles in `crate::model`.
//! Each list (kinds, statuses, steps, camera kinds) is written once, here.

pub mod auth;
pub mod cameras;
pub mod errors;
pub mod geo;
pub mod imports;
pub mod incidents;
pub mod planner;
pub mod search;

pub use errors::ErrorBody;

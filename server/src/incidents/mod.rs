//! Incidents: reported by operators (map click or API), moved through their lifecycle with a case
//! history, committed to PostgreSQL and then broadcast on the live layer `incidents`.
//!
//! `POST /api/incidents`, `GET /api/incidents`, `GET /api/incidents/{id}`,
//! `POST /api/incidents/{id}/transitions`, `GET /api/units`.
//!
//! - `http`: the handlers; `rules`: what a report and a step may be (pure); `error`: what can go
//!   wrong, and how HTTP answers it;
//! - `store`: the SQL and the commit-then-broadcast path; `expiry`: closed incidents leave the layer.

pub mod error;
pub mod expiry;
pub mod http;
pub mod rules;
pub mod store;

use axum::routing::{get, post};
use axum::Router;

pub use error::IncidentError;

use crate::AppState;

/// The live layer the incidents are broadcast on.
pub const LAYER: &str = "incidents";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/incidents", get(http::list).post(http::create))
        .route("/api/incidents/{id}", get(http::one))
        .route("/api/incidents/{id}/transitions", post(http::change))
        .route("/api/units", get(http::units))
}

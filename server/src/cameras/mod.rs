//! Cameras: the district's fixed, long-range and patrol-vehicle cameras as a capability of their own.
//! Their administration, their status, the patrol vehicles' simulated drives and what the live layer
//! `cameras` receives about them all live here; `video` uses them (a camera's stream URL, its status
//! writer) and they know nothing of video beyond asking it to end a camera's sessions.
//!
//! - `http`: the handlers (`/api/cameras…`); `error`: what can go wrong, and how HTTP answers it;
//! - `rules`: what a valid camera is, stream URL checks and masking (pure);
//! - `store`: the SQL, and the one commit-then-broadcast path of every camera change;
//! - `status`: the single writer of online/offline reports;
//! - `vehicles`: the built-in patrol simulator.

pub mod error;
pub mod http;
pub mod rules;
pub mod status;
pub mod store;
pub mod vehicles;

use axum::routing::{get, post};
use axum::Router;

pub use error::CameraError;

use crate::AppState;

/// The live layer the cameras are broadcast on.
pub const LAYER: &str = "cameras";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/cameras", post(http::create))
        .route(
            "/api/cameras/{id}",
            get(http::one).patch(http::update).delete(http::remove),
        )
        .route("/api/cameras/nearest", get(http::nearest))
        .route("/api/cameras/offline", get(http::offline))
}

//! The ioc-map server: axum routes for the OGC API, the JSON API, health, and the Leptos app.
//!
//! `main.rs` reads the configuration, starts the state (`state::AppState::start`) and serves this
//! router; each capability has its module (see `docs/design/architecture.md`).

// The Leptos pages are deeply nested view types.
#![recursion_limit = "512"]

pub mod auth;
pub mod cameras;
pub mod cluster;
pub mod config;
pub mod db;
pub mod error;
pub mod files;
#[cfg(test)]
mod fuzz_tests;
pub mod geometry;
pub mod guard;
pub mod headers;
pub mod health;
pub mod idempotency;
pub mod imports;
pub mod incidents;
pub mod live;
pub mod ogc;
pub mod openapi;
pub mod planner;
pub mod precompress;
pub mod search;
pub mod state;
pub mod sync;
pub mod video;
pub mod web;

use axum::extract::DefaultBodyLimit;
use axum::{middleware, Router};

pub use state::{leptos_options, spawn_housekeeping, AppState};

/// Kernel send buffer of each connection. Small enough that a slow live client fills its own bounded
/// queue (and is cut off) rather than megabytes of kernel memory; ample for HTTP answers.
pub const SEND_BUFFER_BYTES: usize = 64 * 1024;

/// Per-connection socket settings, applied to every accepted connection (`Listener::tap_io`):
/// no Nagle delay, so live frames leave at once, and the send buffer above.
pub fn tune_connection(tcp: &mut tokio::net::TcpStream) {
    let _ = tcp.set_nodelay(true);
    let _ = socket2::SockRef::from(&*tcp).set_send_buffer_size(SEND_BUFFER_BYTES);
}

/// Request bodies are small JSON documents; anything larger is refused before it is read.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The whole HTTP surface of the server.
///
/// Order of the layers, outermost first: security headers, a panic becomes a 500 (`guard`), every
/// 5xx is logged once (`guard::log_faults`), the client's address is
/// found (`auth::address`), the request's time limit starts, the body limit, the cross-site guard,
/// authentication (who is asking), routing, each route's access policy (`auth::policy`), the handler.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(ogc::router())
        .merge(search::router())
        .merge(planner::router())
        .merge(imports::router())
        .merge(incidents::router())
        .merge(cameras::router())
        .merge(live::http::router())
        .merge(video::router())
        .merge(openapi::router())
        .merge(web::api_router())
        .merge(web::app_router(&state))
        .route_layer(middleware::from_fn(auth::policy::enforce))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(middleware::from_fn(auth::policy::csrf_guard))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::request_timeout,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::address::client_address_layer,
        ))
        .layer(middleware::from_fn(guard::log_faults));
    // the 500 of a panic carries the security headers too
    guard::catch_panics(routes)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::cache_headers,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        // brotli or gzip, as the client accepts, for anything over 32 bytes but images and event
        // streams (tower-http's default predicate); brotli at quality 4, fast enough to run per
        // request on the debug site's 15 MB wasm (issue #12)
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
}

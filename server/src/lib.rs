//! The ioc-map server: axum routes for the OGC API, the JSON API, health, and the Leptos app.
//!
//! `main.rs` only wires configuration, the database and this router; each capability has its module.

// The Leptos pages are deeply nested view types.
#![recursion_limit = "512"]

pub mod auth;
pub mod config;
pub mod db;
pub mod error;
#[cfg(test)]
mod fuzz_tests;
pub mod guard;
pub mod headers;
pub mod health;
pub mod idempotency;
pub mod incidents;
pub mod live;
pub mod ogc;
pub mod planner;
pub mod search;
pub mod video;
pub mod web;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRef};
use axum::{middleware, Router};
use leptos::config::LeptosOptions;
use sqlx::PgPool;

use config::Config;

/// Shared by every handler: configuration, the database pool, the Leptos site options.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub pool: PgPool,
    pub leptos_options: LeptosOptions,
    /// The live fan-out (incidents, cameras) behind `/ws`.
    pub live: Arc<live::Live>,
    /// Camera pulls and WebRTC viewers.
    pub video: Arc<video::Video>,
    /// Sign-in password checks in flight per client address (`auth::attempts`).
    pub sign_ins: Arc<auth::attempts::InFlight>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

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

/// Once a minute, for as long as the server runs: sign-in records past their window and idempotency
/// keys past their 24 hours are deleted, so neither table grows with traffic.
pub fn spawn_housekeeping(pool: PgPool, sign_in_window_secs: i32) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            if let Err(e) = auth::attempts::trim(&pool, sign_in_window_secs).await {
                tracing::warn!(error = %e, "could not trim sign-in records");
            }
            if let Err(e) = idempotency::trim(&pool).await {
                tracing::warn!(error = %e, "could not trim idempotency keys");
            }
        }
    });
}

/// Leptos options from the configuration (cargo-leptos' `LEPTOS_*` variables name the same things).
pub fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(std::env::var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|_| "ioc-map".into()))
        .site_root(config.site_root.clone())
        .site_pkg_dir(std::env::var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|_| "pkg".into()))
        .site_addr(config.listen_addr)
        .build()
}

/// The whole HTTP surface of the server.
///
/// Order of the layers, outermost first: security headers, a panic becomes a 500 (`guard`), the client's address is
/// found (`auth::address`), the request's time limit starts, the body limit, the cross-site guard,
/// authentication (who is asking), routing, each route's access policy (`auth::policy`), the handler.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(ogc::router())
        .merge(search::router())
        .merge(planner::router())
        .merge(incidents::router())
        .merge(live::ws::router())
        .merge(video::router())
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
        ));
    // the 500 of a panic carries the security headers too
    guard::catch_panics(routes)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .with_state(state)
}

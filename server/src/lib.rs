//! The ioc-map server: axum routes for the OGC API, the JSON API, health, and the Leptos app.
//!
//! `main.rs` only wires configuration, the database and this router; each capability has its module.

// The Leptos pages are deeply nested view types.
#![recursion_limit = "512"]

pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod health;
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
/// Order of the layers, outermost first: the cross-site guard, then authentication (who is asking),
/// then routing, then each route's access policy (`auth::policy`), then the handler.
pub fn router(state: AppState) -> Router {
    Router::new()
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
        .with_state(state)
}

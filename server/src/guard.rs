//! What every request is held to, whatever its route: a time limit, and a panic answered as a 500
//! (logged) instead of a reset connection. Route-specific limits (bodies, rates) live with their
//! routes.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::error::ApiError;
use crate::AppState;

/// A request that has not produced its answer after `config.request_timeout` is answered 503 and its
/// work dropped (a WebSocket or a download is not held to it once its answer has started).
pub async fn request_timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.config.request_timeout;
    let path = req.uri().path().to_string();
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(answer) => answer,
        Err(_) => {
            tracing::warn!(%path, "request took longer than {limit:?}; answered 503");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                format!(
                    "the request took longer than {} s; try again, or ask for less",
                    limit.as_secs()
                ),
            )
            .into_response()
        }
    }
}

/// Wraps `router` so that a panic in any handler is logged and answered 500 in the API's error
/// shape; the connection and the server stay up.
pub fn catch_panics<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(tower_http::catch_panic::CatchPanicLayer::custom(
        |panic: Box<dyn std::any::Any + Send>| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".into());
            tracing::error!(panic = %what, "a request handler panicked");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            )
            .into_response()
        },
    ))
}

/// The default time limit of a request (`IOC_REQUEST_TIMEOUT_SECS`).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

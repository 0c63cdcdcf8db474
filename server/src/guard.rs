//! What every request is held to, whatever its route: a time limit, a panic answered as a 500
//! instead of a reset connection, and one log line for every 5xx answer. Route-specific limits
//! (bodies, rates) live with their routes.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::error::{ApiError, Fault};
use crate::AppState;

/// A request that has not produced its answer after `config.request_timeout` is answered 503 and its
/// work dropped (a WebSocket or a download is not held to it once its answer has started).
pub async fn request_timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.config.request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(answer) => answer,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!(
                "the request took longer than {} s; try again, or ask for less",
                limit.as_secs()
            ),
        )
        .because(format!("no answer within {limit:?}"))
        .into_response(),
    }
}

/// Logs every 5xx answer once, with its cause (`error::Fault`, left by `ApiError`), the method and
/// the path: handlers and conversions do not log the faults they answer with. A 503 without a cause
/// (a busy password gate, a full video server, a shutdown) is load shedding, not a fault.
pub async fn log_faults(req: Request, next: Next) -> Response {
    // cheap clones (shared bytes), not a new string per request: they are read only for a 5xx
    let (method, uri) = (req.method().clone(), req.uri().clone());
    let answer = next.run(req).await;
    let status = answer.status();
    let fault = answer.extensions().get::<Fault>();
    // a 503 without a fault is load shedding (busy, full, stopping): not an error to log
    if status.is_server_error() && (fault.is_some() || status != StatusCode::SERVICE_UNAVAILABLE) {
        let cause = fault.map_or("(no detail)", |f| f.0.as_str());
        if status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(%method, path = uri.path(), status = status.as_u16(), %cause, "answered 503");
        } else {
            tracing::error!(%method, path = uri.path(), status = status.as_u16(), %cause, "server error");
        }
    }
    answer
}

/// Wraps `router` so that a panic in any handler is logged and answered 500 in the API's error
/// shape; the connection and the server stay up.
pub fn catch_panics<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(tower_http::catch_panic::CatchPanicLayer::custom(
        |panic: Box<dyn std::any::Any + Send>| {
            let what = panic
                .downcast_ref::<&str>()
                .map(ToString::to_string)
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

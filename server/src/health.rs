//! `GET /healthz`: 200 when the database answers, 503 when it does not (for load balancers and
//! `make run`'s start-up wait).

use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

async fn healthz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let ping = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.pool);
    match tokio::time::timeout(Duration::from_secs(3), ping).await {
        Ok(Ok(_)) => Ok(Json(json!({"status": "ok", "database": "ok"}))),
        Ok(Err(e)) => Err(ApiError::unavailable("the database is not answering")
            .because(format!("health check: {e}"))),
        Err(_) => Err(ApiError::unavailable(
            "the database did not answer within 3 s",
        )),
    }
}

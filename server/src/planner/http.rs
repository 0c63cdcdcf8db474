//! The area query's HTTP layer: `POST /api/area-query` and `POST /api/area-query/export`. Each
//! handler reads its request, has `rules` check it, asks `store`, and answers.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;

use app::contract::planner::AreaAnswer;

use super::rules::{AreaQuery, AreaQueryBody};
use super::{export, store};
use crate::error::{ApiError, ApiJson};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/area-query", post(area_query))
        .route("/api/area-query/export", post(export))
}

async fn area_query(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<AreaQueryBody>,
) -> Result<Json<AreaAnswer>, ApiError> {
    let q = AreaQuery::from_body(body, Utc::now())?;
    Ok(Json(store::answer(&state.pool, &q).await?))
}

async fn export(
    State(state): State<AppState>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    ApiJson(body): ApiJson<AreaQueryBody>,
) -> Result<Response, ApiError> {
    let Query(params) = params
        .map_err(|e| ApiError::bad_request("format", format!("unreadable query string: {e}")))?;
    let format = params
        .get("format")
        .map(String::as_str)
        .unwrap_or("geojson");
    if !matches!(format, "geojson" | "csv") {
        return Err(ApiError::bad_request(
            "format",
            "format must be geojson or csv",
        ));
    }
    let q = AreaQuery::from_body(body, Utc::now())?;
    let _turn = match export_turn().await {
        Ok(turn) => turn,
        Err(busy) => return Ok(busy),
    };
    let rows = store::export_rows(&state.pool, &q).await?;
    let stamp = Utc::now().format("%Y%m%d-%H%M");
    if format == "csv" {
        let text = export::csv(&rows)
            .map_err(|e| ApiError::internal(format!("could not write the CSV export: {e}")))?;
        Ok(file(
            text,
            "text/csv; charset=utf-8",
            &format!("ioc-area-{stamp}.csv"),
        ))
    } else {
        Ok(file(
            export::geojson(&rows),
            "application/geo+json",
            &format!("ioc-area-{stamp}.geojson"),
        ))
    }
}

/// Exports running at once in this process: each reads up to `EXPORT_MAX` features with one
/// database connection, so a few of them at once are all the pool (16) should give; the rest wait
/// their turn a while, then are told to come back. Sign-in and `/healthz` keep their connections.
const EXPORTS_AT_ONCE: usize = 2;
const EXPORT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

static EXPORTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(EXPORTS_AT_ONCE);

async fn export_turn() -> Result<tokio::sync::SemaphorePermit<'static>, Response> {
    match tokio::time::timeout(EXPORT_WAIT, EXPORTS.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err((
            [(header::RETRY_AFTER, "10")],
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "other exports are running; try again in 10 s",
            ),
        )
            .into_response()),
    }
}

fn file(body: String, content_type: &'static str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

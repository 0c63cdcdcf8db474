//! The area query's HTTP layer: `POST /api/area-query`, `POST /api/area-query/export`, and the
//! saved exports under `/api/area-query/exports`. Each handler reads its request, has `rules` check
//! it, asks `store` (or `saved`), and answers.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chrono::Utc;

use app::contract::planner::{AreaAnswer, AreaSummary, SavedExports};

use super::export::{ExportRow, Format};
use super::rules::{AreaQuery, AreaQueryBody};
use super::saved::{self, Removed, Saving};
use super::store;
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson};
use crate::files;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/area-query", post(area_query))
        .route("/api/area-query/export", post(export))
        .route("/api/area-query/exports", post(save).get(list))
        .route("/api/area-query/exports/{id}", get(download).delete(remove))
}

async fn area_query(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<AreaQueryBody>,
) -> Result<Json<AreaAnswer>, ApiError> {
    let q = AreaQuery::from_body(body, Utc::now())?;
    Ok(Json(store::answer(&state.pool, &q).await?))
}

/// The `format` query parameter.
fn format_of(
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Format, ApiError> {
    let Query(params) = params
        .map_err(|e| ApiError::bad_request("format", format!("unreadable query string: {e}")))?;
    Format::parse(params.get("format").map(String::as_str))
        .ok_or_else(|| ApiError::bad_request("format", "format must be geojson or csv"))
}

/// The export's file, written in its turn: its area, its rows' count and its text. `Err(Ok(busy))`
/// is the answer when too many exports are running.
async fn write_export(
    state: &AppState,
    format: Format,
    body: AreaQueryBody,
) -> Result<Result<(AreaSummary, usize, String), Response>, ApiError> {
    let q = AreaQuery::from_body(body, Utc::now())?;
    let _turn = match export_turn().await {
        Ok(turn) => turn,
        Err(busy) => return Ok(Err(busy)),
    };
    let (area, rows): (AreaSummary, Vec<ExportRow>) = store::export_rows(&state.pool, &q).await?;
    let text = format
        .write(&rows)
        .map_err(|e| ApiError::internal(format!("could not write the export: {e}")))?;
    Ok(Ok((area, rows.len(), text)))
}

async fn export(
    State(state): State<AppState>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    ApiJson(body): ApiJson<AreaQueryBody>,
) -> Result<Response, ApiError> {
    let format = format_of(params)?;
    let (_, _, text) = match write_export(&state, format, body).await? {
        Ok(file) => file,
        Err(busy) => return Ok(busy),
    };
    let stamp = Utc::now().format("%Y%m%d-%H%M");
    let name = format!("ioc-area-{stamp}.{}", format.name());
    Ok(attachment(format.content_type(), &name, None, text.into()))
}

/// Saves the export in the file store: 201, the saved export, and its address in `Location`.
async fn save(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    ApiJson(body): ApiJson<AreaQueryBody>,
) -> Result<Response, ApiError> {
    let user = principal.user.ok_or_else(ApiError::unauthorized)?;
    let format = format_of(params)?;
    let query = serde_json::to_value(&body).map_err(ApiError::internal)?;
    let (area, features, text) = match write_export(&state, format, body).await? {
        Ok(file) => file,
        Err(busy) => return Ok(busy),
    };
    let saving = Saving {
        format,
        area: &area,
        query,
        features,
        text,
    };
    let retention = state.config.export_retention_days;
    let saved = saved::save(&state.pool, &state.files, &user, retention, saving).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, saved.href.clone())],
        Json(saved),
    )
        .into_response())
}

async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<SavedExports>, ApiError> {
    let user = principal.user.ok_or_else(ApiError::unauthorized)?;
    Ok(Json(SavedExports {
        exports: saved::list(&state.pool, &user).await?,
    }))
}

fn no_such_export() -> ApiError {
    ApiError::not_found("no such saved export (it may have expired)")
}

/// The saved file, streamed from the file store.
async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if !saved::is_id(&id) {
        return Err(no_such_export());
    }
    let (row, file) = saved::open(&state.pool, &state.files, &id)
        .await?
        .ok_or_else(no_such_export)?;
    let e = &row.export;
    let format = Format::parse(Some(&e.format)).unwrap_or(Format::GeoJson);
    let place = e.ward.as_deref().unwrap_or(match e.area {
        app::contract::planner::AreaKind::Circle => "circle",
        _ => "drawn",
    });
    let day = e.saved_at.get(..10).unwrap_or("saved").replace('-', "");
    let name = format!("ioc-area-{place}-{day}-{}.{}", &e.id[..8], format.name());
    Ok(attachment(
        format.content_type(),
        &name,
        Some(file.size),
        files::body(file),
    ))
}

async fn remove(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let user = principal.user.ok_or_else(ApiError::unauthorized)?;
    if !saved::is_id(&id) {
        return Err(no_such_export());
    }
    match saved::remove(&state.pool, &state.files, &user, &id).await? {
        Removed::Done => Ok(StatusCode::NO_CONTENT.into_response()),
        Removed::NoSuchExport => Err(no_such_export()),
        Removed::NotYours => Err(ApiError::forbidden(
            "only the planner who saved an export, or an admin, may delete it",
        )),
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

fn attachment(
    content_type: &'static str,
    name: &str,
    size: Option<u64>,
    body: axum::body::Body,
) -> Response {
    let mut answer = (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response();
    if let Some(size) = size {
        answer
            .headers_mut()
            .insert(header::CONTENT_LENGTH, header::HeaderValue::from(size));
    }
    answer
}

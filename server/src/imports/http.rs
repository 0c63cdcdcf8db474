//! The imports' HTTP layer: upload (the file is the request body, at most 20 MiB), preview, commit,
//! and the imported layers for the map.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};

use app::contract::imports::{ImportCommit, ImportPreview, ImportRejected, Layers};

use super::error::ImportError;
use super::read::{self, Parsed};
use super::{gdal, rules, store};
use crate::auth::Principal;
use crate::error::{ApiError, ApiJson};
use crate::AppState;

/// The largest file an admin may upload.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/imports",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/api/imports/{id}", get(preview))
        .route("/api/imports/{id}/commit", post(commit))
        .route("/api/layers", get(layers))
        .route("/api/layers/{id}", delete(remove))
}

/// The file's format, from its name, checked against its first bytes (never trusted by name alone).
fn format_of(filename: &str, bytes: &[u8]) -> Result<&'static str, ImportError> {
    let lower = filename.to_lowercase();
    let ext = lower.rsplit('.').next().unwrap_or_default();
    let zip = bytes.starts_with(b"PK\x03\x04");
    let sqlite = bytes.starts_with(b"SQLite format 3\0");
    let format = match ext {
        "geojson" | "json" if !zip && !sqlite => "geojson",
        "csv" | "txt" if !zip && !sqlite => "csv",
        "zip" if zip => "shapefile",
        "gpkg" if sqlite => "geopackage",
        "geojson" | "json" | "csv" | "txt" | "zip" | "gpkg" => {
            return Err(ImportError::invalid(
                "file",
                format!("the file's content is not what its name {filename:?} says"),
            ))
        }
        _ => {
            return Err(ImportError::invalid(
                "filename",
                "the file must be .geojson, .json, .csv, .zip (a zipped Shapefile or GeoPackage) or .gpkg",
            ))
        }
    };
    Ok(format)
}

async fn parse(format: &str, bytes: &[u8]) -> Result<Parsed, ImportError> {
    match format {
        "geojson" => read::geojson(bytes),
        "csv" => read::csv(bytes),
        "shapefile" => gdal::read(bytes, true).await,
        _ => gdal::read(bytes, false).await,
    }
}

fn import_id() -> String {
    let n: u128 = rand::random();
    format!("imp-{n:032x}")
}

/// `POST /api/imports?filename=stops.csv`: reads the file and answers with its preview (201).
async fn upload(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let user = principal.user.ok_or_else(ApiError::unauthorized)?;
    let Query(params) = params.map_err(|e| ApiError::bad_request("query", e.body_text()))?;
    let filename = params
        .get("filename")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && s.chars().count() <= 200)
        .ok_or_else(|| {
            ApiError::bad_request(
                "filename",
                "filename is required (up to 200 characters), e.g. ?filename=stops.csv",
            )
        })?;
    if body.is_empty() {
        return Err(ImportError::invalid("file", "the request body (the file) is empty").into());
    }
    let format = format_of(&filename, &body)?;
    let parsed = parse(format, &body).await?;
    if parsed.rows.is_empty() {
        return Err(ImportError::invalid("file", "the file holds no rows").into());
    }
    let preview = ImportPreview {
        id: import_id(),
        filename,
        format: format.to_string(),
        rows: parsed.rows.len(),
        fields: read::fields(&parsed.rows),
        geometry: parsed.geometry.clone(),
        crs: parsed.crs.clone(),
        crs_guess: parsed
            .srid
            .is_none()
            .then(|| read::guess_crs(&parsed.rows))
            .flatten(),
        first_rows: read::first_rows(&parsed.rows, 10),
    };
    store::save(
        &state.pool,
        user.id,
        format,
        parsed.srid,
        &preview,
        &parsed.rows,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(preview)).into_response())
}

fn gone(id: &str) -> ImportError {
    ImportError::NotFound(format!(
        "no upload {} waiting (it was committed, or is over a day old)",
        crate::error::shown(id)
    ))
}

/// `GET /api/imports/{id}`: the preview again.
async fn preview(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ImportPreview>, ApiError> {
    let upload = store::upload(&state.pool, &id)
        .await?
        .ok_or_else(|| gone(&id))?;
    Ok(Json(upload.preview))
}

/// `POST /api/imports/{id}/commit`: every row into the layer (200, what changed), or none (422,
/// every bad row).
async fn commit(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ImportCommit>,
) -> Result<Response, ApiError> {
    let user = principal.user.ok_or_else(ApiError::unauthorized)?;
    let upload = store::upload(&state.pool, &id)
        .await?
        .ok_or_else(|| gone(&id))?;
    let plan = rules::check_commit(
        &body,
        &upload.preview.fields,
        upload.source_srid,
        upload.preview.crs_guess.as_deref(),
        rules::BUILT_IN_COLLECTIONS,
    )?;
    let (features, errors) = rules::features(&plan, &upload.rows);
    match store::commit(&state.pool, &id, user.id, &upload, &plan, &features, errors).await? {
        Ok(result) => Ok(Json(result).into_response()),
        Err(mut rows) => {
            let message = format!("{} row(s) refused; nothing was imported", rows.len());
            rows.truncate(1000);
            let body = ImportRejected {
                error: "invalid_rows".into(),
                message,
                rows,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
        }
    }
}

/// `GET /api/layers`: the imported layers the caller may see (public ones for everyone).
async fn layers(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<Layers>, ApiError> {
    let staff = principal.user.is_some();
    let layers = store::layers(&state.pool, None)
        .await?
        .into_iter()
        .filter(|l| staff || l.access == "public")
        .collect();
    Ok(Json(Layers { layers }))
}

/// `DELETE /api/layers/{id}`: the layer and its features go (204).
async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if store::delete_layer(&state.pool, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "no layer {}",
            crate::error::shown(&id)
        )))
    }
}

//! The cameras' HTTP layer: admins add, read, change and remove cameras (`POST /api/cameras`,
//! `GET|PATCH|DELETE /api/cameras/{id}`); operators ask which cameras are nearest a point and which
//! are offline. Each handler reads its request, calls `rules` and `store`, and answers.
//!
//! A camera's stream URL may carry credentials: it is stored as given, used only by the pull, and
//! read back masked. Removing a camera, or changing its stream URL, ends its viewers' sessions and
//! its pull.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{Map, Value};

use app::contract::cameras::{Camera, CameraList};

use super::{rules, store, CameraError, LAYER};
use crate::error::{ApiError, ApiJson};
use crate::geometry::metres;
use crate::AppState;

fn collection(features: Vec<Camera>) -> Json<CameraList> {
    Json(CameraList {
        r#type: "FeatureCollection".into(),
        features,
    })
}

/// `GET /api/cameras/offline`: every camera now offline, longest offline first.
pub async fn offline(State(state): State<AppState>) -> Result<Json<CameraList>, ApiError> {
    Ok(collection(store::offline(&state.pool).await?))
}

#[derive(serde::Deserialize)]
pub struct Near {
    lon: f64,
    lat: f64,
    n: Option<usize>,
}

/// `GET /api/cameras/nearest?lon=&lat=&n=3`: the nearest online cameras to a point (e.g. an
/// incident), nearest first, from the live rstar index; each feature gains `distance_m`.
pub async fn nearest(
    State(state): State<AppState>,
    query: Result<Query<Near>, QueryRejection>,
) -> Result<Json<CameraList>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request("lon", e.body_text()))?;
    let (here, n) = rules::nearest_query(q.lon, q.lat, q.n)?;
    let features = state
        .live
        .nearest(LAYER, here, n, |f| f["properties"]["status"] == "online")
        .into_iter()
        .map(|(f, at)| {
            // the live layer keeps the features the cameras store wrote, in the contract's shape
            let mut camera: Camera = serde_json::from_value(f).map_err(|e| {
                ApiError::internal(format!("a live camera feature is not a Camera: {e}"))
            })?;
            camera.properties.distance_m = Some(metres(here, at).round());
            Ok(camera)
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(collection(features))
}

/// Adds a camera: 201 and the camera as a GeoJSON Feature with its new id (`cam-NNNN`).
pub async fn create(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> Result<(StatusCode, Json<Camera>), ApiError> {
    let c = rules::input(&body)?;
    let mut tx = state.pool.begin().await?;
    let id = store::next_id(&mut tx).await?;
    store::write(&mut tx, &id, &c, true).await?;
    store::commit(&state.live, tx, &id).await?;
    let view = store::admin_view(&state.pool, &id).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Camera>, ApiError> {
    Ok(Json(store::admin_view(&state.pool, &id).await?))
}

/// JSON merge-patch (RFC 7386) of the camera's fields; `"recorder": null` removes the recorder.
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<Map<String, Value>>,
) -> Result<Json<Camera>, ApiError> {
    rules::known_fields(&patch)?;
    let mut tx = state.pool.begin().await?;
    let current = store::lock(&mut tx, &id)
        .await?
        .ok_or_else(|| CameraError::NotFound(id.clone()))?;
    let old_url = current.stream_url.clone();
    let c = rules::input(&rules::merge_patch(current, &patch))?;
    store::write(&mut tx, &id, &c, false).await?;
    store::commit(&state.live, tx, &id).await?;
    let view = store::admin_view(&state.pool, &id).await?;
    if c.stream_url != old_url {
        state
            .video
            .end_camera(&id, "the camera's stream URL changed")
            .await;
    }
    Ok(Json(view))
}

/// Removes a camera: its viewers' sessions and its pull end; the live layer gets a delete.
pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.pool.begin().await?;
    let ev = store::delete(&mut tx, &id)
        .await?
        .ok_or_else(|| CameraError::NotFound(id.clone()))?;
    tx.commit().await?;
    state.live.publish(ev).await;
    state.video.end_camera(&id, "the camera was removed").await;
    Ok(StatusCode::NO_CONTENT)
}

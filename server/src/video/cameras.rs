//! Camera administration (admins only): `POST /api/cameras`, `GET|PATCH|DELETE /api/cameras/{id}`.
//!
//! A camera's stream URL may carry credentials: it is stored as given, used only by the pull, and
//! read back with the password masked. Every change is committed, recorded in the live event log and
//! pushed to operators, like any other live change. Removing a camera, or changing its stream URL,
//! ends its viewers' sessions and its pull.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Map, Value};
use sqlx::{Postgres, Transaction};

use app::live_types::Op;

use super::source::mask_url;
use crate::error::{ApiError, ApiJson};
use crate::incidents::{point_of, ward_at};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/cameras", post(create))
        .route("/api/cameras/{id}", get(one).patch(update).delete(remove))
        .route("/api/cameras/nearest", get(nearest))
        .route("/api/cameras/offline", get(offline))
}

/// `GET /api/cameras/offline`: every camera now offline, longest offline first.
async fn offline(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let features: Vec<Value> = sqlx::query_scalar(
        "SELECT f.feature FROM camera_features f JOIN cameras c USING (id)
          WHERE c.status = 'offline' ORDER BY c.status_at NULLS FIRST, c.id",
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(
        serde_json::json!({"type": "FeatureCollection", "features": features}),
    ))
}

#[derive(serde::Deserialize)]
struct Near {
    lon: f64,
    lat: f64,
    n: Option<usize>,
}

/// Metres between two lon/lat points (haversine; plenty for ranking cameras in a district).
fn metres([x1, y1]: [f64; 2], [x2, y2]: [f64; 2]) -> f64 {
    let (p1, p2) = (y1.to_radians(), y2.to_radians());
    let dp = p2 - p1;
    let dl = (x2 - x1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    6_371_008.8 * 2.0 * a.sqrt().asin()
}

/// `GET /api/cameras/nearest?lon=&lat=&n=3`: the nearest online cameras to a point (e.g. an
/// incident), nearest first, from the live rstar index; each feature gains `distance_m`.
async fn nearest(
    State(state): State<AppState>,
    query: Result<axum::extract::Query<Near>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let axum::extract::Query(q) = query.map_err(|e| ApiError::bad_request("lon", e.body_text()))?;
    if !(-180.0..=180.0).contains(&q.lon) {
        return Err(ApiError::bad_request("lon", "lon must be -180 to 180"));
    }
    if !(-90.0..=90.0).contains(&q.lat) {
        return Err(ApiError::bad_request("lat", "lat must be -90 to 90"));
    }
    let n = q.n.unwrap_or(3);
    if !(1..=20).contains(&n) {
        return Err(ApiError::bad_request("n", "n must be 1 to 20"));
    }
    let here = [q.lon, q.lat];
    let features: Vec<Value> = state
        .live
        .nearest("cameras", here, n, |f| {
            f["properties"]["status"] == "online"
        })
        .into_iter()
        .map(|(mut f, at)| {
            f["properties"]["distance_m"] = Value::from(metres(here, at).round());
            f
        })
        .collect();
    Ok(Json(
        serde_json::json!({"type": "FeatureCollection", "features": features}),
    ))
}

/// A camera as the API takes it: every field already checked.
struct CameraInput {
    name_vi: String,
    name_en: String,
    kind: String,
    position: [f64; 2],
    recorder: Option<String>,
    stream_url: String,
}

const FIELDS: &[&str] = &[
    "name",
    "name_vi",
    "name_en",
    "kind",
    "geometry",
    "recorder",
    "stream_url",
];

fn text(v: &Value, field: &str, max: usize) -> Result<String, ApiError> {
    let s = v
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ApiError::bad_request(field, format!("{field} must be a non-empty string"))
        })?;
    if s.chars().count() > max {
        return Err(ApiError::bad_request(
            field,
            format!("{field} must have at most {max} characters"),
        ));
    }
    Ok(s.to_string())
}

/// Checks a stream URL: `rtsp://` or `rtsps://` with a host; the message never echoes the URL
/// (it may hold a password).
pub fn check_stream_url(raw: &str) -> Result<(), ApiError> {
    let url = url::Url::parse(raw).map_err(|e| {
        ApiError::bad_request("stream_url", format!("stream_url is not a valid URL ({e})"))
    })?;
    if !matches!(url.scheme(), "rtsp" | "rtsps") {
        return Err(ApiError::bad_request(
            "stream_url",
            format!(
                "stream_url must be an rtsp:// or rtsps:// URL, not {}://",
                url.scheme()
            ),
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ApiError::bad_request(
            "stream_url",
            "stream_url has no host",
        ));
    }
    Ok(())
}

/// Builds the input from a JSON object (a full body, or the current camera merged with a patch).
fn input(body: &Map<String, Value>) -> Result<CameraInput, ApiError> {
    if let Some(k) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError::bad_request(
            k.as_str(),
            format!("unknown field {k:?}; fields are {}", FIELDS.join(", ")),
        ));
    }
    let get = |f: &str| body.get(f).unwrap_or(&Value::Null);
    let name = (!get("name").is_null())
        .then(|| text(get("name"), "name", 200))
        .transpose()?;
    let name_vi = match get("name_vi") {
        Value::Null => name.clone(),
        v => Some(text(v, "name_vi", 200)?),
    };
    let name_en = match get("name_en") {
        Value::Null => name.clone().or_else(|| name_vi.clone()),
        v => Some(text(v, "name_en", 200)?),
    };
    let name_vi = name_vi
        .or_else(|| name_en.clone())
        .ok_or_else(|| ApiError::bad_request("name", "name is required"))?;
    let name_en = name_en.unwrap_or_else(|| name_vi.clone());
    let kind = text(get("kind"), "kind", 20)?.replace('-', "_");
    if !["fixed", "long_range", "vehicle"].contains(&kind.as_str()) {
        return Err(ApiError::bad_request(
            "kind",
            "kind must be fixed, long_range or vehicle",
        ));
    }
    let position = point_of(get("geometry"))?;
    let recorder = match get("recorder") {
        Value::Null => None,
        v => Some(text(v, "recorder", 40)?),
    };
    if (kind == "vehicle") != recorder.is_none() {
        return Err(ApiError::bad_request(
            "recorder",
            "fixed and long-range cameras need a recorder; vehicle cameras have none",
        ));
    }
    let stream_url = text(get("stream_url"), "stream_url", 2000)?;
    check_stream_url(&stream_url)?;
    Ok(CameraInput {
        name_vi,
        name_en,
        kind,
        position,
        recorder,
        stream_url,
    })
}

/// The camera as an admin reads it: the live feature plus the masked stream URL.
async fn admin_view(pool: &sqlx::PgPool, id: &str) -> Result<Value, ApiError> {
    let row: Option<(Value, String)> = sqlx::query_as(
        "SELECT f.feature, c.stream_url FROM camera_features f JOIN cameras c USING (id) WHERE f.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let (mut f, url) = row.ok_or_else(|| ApiError::not_found(format!("no camera {id}")))?;
    f["properties"]["stream_url"] = Value::String(mask_url(&url));
    Ok(f)
}

/// Checks the recorder and the ward, then inserts or updates.
async fn write(
    tx: &mut Transaction<'_, Postgres>,
    id: &str,
    c: &CameraInput,
    insert: bool,
) -> Result<(), ApiError> {
    if let Some(r) = &c.recorder {
        let known: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM recorders WHERE id = $1)")
                .bind(r)
                .fetch_one(&mut **tx)
                .await?;
        if !known {
            return Err(ApiError::bad_request(
                "recorder",
                format!("no recorder {r:?}"),
            ));
        }
    }
    let ward = ward_at(tx, c.position).await?.ok_or_else(|| {
        ApiError::bad_request("geometry", "the position lies on no ward of District 1")
    })?;
    let sql = if insert {
        "INSERT INTO cameras (id, name_vi, name_en, kind, recorder_id, ward_code, stream_url, provenance, geom)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'real', ST_SetSRID(ST_MakePoint($8, $9), 4326))"
    } else {
        "UPDATE cameras SET name_vi = $2, name_en = $3, kind = $4, recorder_id = $5, ward_code = $6,
                stream_url = $7, geom = ST_SetSRID(ST_MakePoint($8, $9), 4326), updated_at = now()
          WHERE id = $1"
    };
    sqlx::query(sql)
        .bind(id)
        .bind(&c.name_vi)
        .bind(&c.name_en)
        .bind(&c.kind)
        .bind(&c.recorder)
        .bind(ward)
        .bind(&c.stream_url)
        .bind(c.position[0])
        .bind(c.position[1])
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Adds a camera: 201 and the camera as a GeoJSON Feature with its new id.
async fn create(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let c = input(&body)?;
    let mut tx = state.pool.begin().await?;
    // ids are cam-NNNN; the table lock keeps two concurrent adds from taking the same number
    sqlx::query("LOCK TABLE cameras IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let next: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(substring(id FROM '^cam-([0-9]+)$')::bigint), 0) + 1 FROM cameras",
    )
    .fetch_one(&mut *tx)
    .await?;
    let id = format!("cam-{next:04}");
    write(&mut tx, &id, &c, true).await?;
    crate::live::commit_camera(&state.live, tx, &id).await?;
    let view = admin_view(&state.pool, &id).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(admin_view(&state.pool, &id).await?))
}

/// JSON merge-patch (RFC 7386) of the camera's fields; `"recorder": null` removes the recorder.
async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    if let Some(k) = patch.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError::bad_request(
            k.as_str(),
            format!("unknown field {k:?}; fields are {}", FIELDS.join(", ")),
        ));
    }
    let mut tx = state.pool.begin().await?;
    let current: Option<(String, String, String, Option<String>, String, Value)> = sqlx::query_as(
        "SELECT name_vi, name_en, kind, recorder_id, stream_url, ST_AsGeoJSON(geom)::jsonb
           FROM cameras WHERE id = $1 FOR UPDATE",
    )
    .bind(&id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((name_vi, name_en, kind, recorder, old_url, geometry)) = current else {
        return Err(ApiError::not_found(format!("no camera {id}")));
    };
    let mut merged = Map::new();
    merged.insert("name_vi".into(), name_vi.into());
    merged.insert("name_en".into(), name_en.into());
    merged.insert("kind".into(), kind.into());
    merged.insert(
        "recorder".into(),
        recorder.map(Value::String).unwrap_or(Value::Null),
    );
    merged.insert("stream_url".into(), old_url.clone().into());
    merged.insert("geometry".into(), geometry);
    if let Some(name) = patch.get("name") {
        // a plain "name" renames both languages
        merged.insert("name_vi".into(), name.clone());
        merged.insert("name_en".into(), name.clone());
    }
    for (k, v) in patch.iter().filter(|(k, _)| k.as_str() != "name") {
        // the masked URL an admin read back means "unchanged", not a password of "***"
        if k == "stream_url" && v.as_str() == Some(mask_url(&old_url).as_str()) {
            continue;
        }
        merged.insert(k.clone(), v.clone());
    }
    let c = input(&merged)?;
    write(&mut tx, &id, &c, false).await?;
    crate::live::commit_camera(&state.live, tx, &id).await?;
    let view = admin_view(&state.pool, &id).await?;
    if c.stream_url != old_url {
        state
            .video
            .end_camera(&id, "the camera's stream URL changed")
            .await;
    }
    Ok(Json(view))
}

/// Removes a camera: its viewers' sessions and its pull end; the live layer gets a delete.
async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.pool.begin().await?;
    let gone = sqlx::query("DELETE FROM cameras WHERE id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if gone == 0 {
        return Err(ApiError::not_found(format!("no camera {id}")));
    }
    let gone = serde_json::json!({"type": "Feature", "id": id, "geometry": null, "properties": {}});
    let ev = crate::live::record(&mut tx, "cameras", Op::Delete, &id, gone, None).await?;
    tx.commit().await?;
    state.live.publish(ev).await;
    state.video.end_camera(&id, "the camera was removed").await;
    Ok(StatusCode::NO_CONTENT)
}

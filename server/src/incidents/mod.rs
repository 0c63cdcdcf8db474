//! Incidents: reported by operators (map click or API), moved through their lifecycle with a case
//! history, committed to PostgreSQL and then broadcast on the live layer `incidents`.
//!
//! `POST /api/incidents`, `GET /api/incidents`, `GET /api/incidents/{id}`,
//! `POST /api/incidents/{id}/transitions`, `GET /api/units`.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::{Postgres, Transaction};

use app::live_types::{transition, Op, INCIDENT_KINDS, TRANSITIONS};

use crate::auth::Principal;
use crate::error::{ApiError, ApiJson};
use crate::live::{self, Live};
use crate::ogc::params::parse_bbox;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/incidents", get(list).post(create))
        .route("/api/incidents/{id}", get(one))
        .route("/api/incidents/{id}/transitions", post(change))
        .route("/api/units", get(units))
}

const FEATURE: &str = include_str!("incident_feature.sql");

/// The incident as a Feature and its position, read inside the transaction that changed it.
async fn feature(
    tx: &mut Transaction<'_, Postgres>,
    id: &str,
) -> Result<Option<(Value, [f64; 2])>, sqlx::Error> {
    let row: Option<(Value, f64, f64)> = sqlx::query_as(FEATURE)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.map(|(f, x, y)| (f, [x, y])))
}

#[derive(Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct NewIncident {
    kind: String,
    severity: i16,
    #[serde(default)]
    description: String,
    geometry: Value,
}

pub(crate) fn point_of(g: &Value) -> Result<[f64; 2], ApiError> {
    if g["type"] != "Point" {
        return Err(ApiError::bad_request(
            "geometry",
            "geometry must be a GeoJSON Point [lon, lat]",
        ));
    }
    let c = g["coordinates"]
        .as_array()
        .filter(|c| c.len() == 2 || c.len() == 3);
    let xy = c.and_then(|c| Some([c[0].as_f64()?, c[1].as_f64()?]));
    xy.filter(|[x, y]| (-180.0..=180.0).contains(x) && (-90.0..=90.0).contains(y))
        .ok_or_else(|| {
            ApiError::bad_request(
                "geometry",
                "geometry coordinates must be [lon, lat] in range",
            )
        })
}

/// The ward a point of District 1 lies in (`None` on a ward border gap); outside the district → 400.
pub(crate) async fn ward_at(
    tx: &mut Transaction<'_, Postgres>,
    [lon, lat]: [f64; 2],
) -> Result<Option<String>, ApiError> {
    let ward: Option<Option<String>> = sqlx::query_scalar(
        "SELECT (SELECT w.code FROM admin_areas w WHERE w.level = 'ward' AND ST_Intersects(w.geom, p.g) LIMIT 1)
           FROM admin_areas d, (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326) AS g) p
          WHERE d.code = '760' AND ST_Intersects(d.geom, p.g)",
    )
    .bind(lon)
    .bind(lat)
    .fetch_optional(&mut **tx)
    .await?;
    ward.ok_or_else(|| {
        ApiError::bad_request("geometry", format!("[{lon}, {lat}] is outside District 1"))
    })
}

/// Reports an incident: 201 and the Feature. Outside District 1, unknown kind, bad severity → 400.
async fn create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<NewIncident>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let user = principal.user.ok_or_else(ApiError::unauthorized)?;
    let key = crate::idempotency::key_of(&headers)?;
    if !INCIDENT_KINDS.iter().any(|(k, _, _)| *k == body.kind) {
        let kinds: Vec<&str> = INCIDENT_KINDS.iter().map(|(k, _, _)| *k).collect();
        return Err(ApiError::bad_request(
            "kind",
            format!(
                "unknown kind {}; kinds are {}",
                crate::error::shown(&body.kind),
                kinds.join(", ")
            ),
        ));
    }
    if !(1..=4).contains(&body.severity) {
        return Err(ApiError::bad_request(
            "severity",
            "severity must be 1 (minor) to 4 (critical)",
        ));
    }
    if body.description.chars().count() > 2000 {
        return Err(ApiError::bad_request(
            "description",
            "description must have at most 2000 characters",
        ));
    }
    let [lon, lat] = point_of(&body.geometry)?;
    let mut tx = state.pool.begin().await?;
    if let Some(key) = &key {
        let fingerprint = crate::idempotency::fingerprint(&body);
        if let crate::idempotency::Claim::Replay(answer) =
            crate::idempotency::claim(&mut tx, user.id, key, &fingerprint).await?
        {
            return Ok(answer);
        }
    }
    let ward = ward_at(&mut tx, [lon, lat]).await?;
    let id: String = sqlx::query_scalar(
        "INSERT INTO incidents (kind, severity, description, ward_code, reported_by, geom)
         VALUES ($1, $2, $3, $4, $5, ST_SetSRID(ST_MakePoint($6, $7), 4326)) RETURNING id",
    )
    .bind(&body.kind)
    .bind(body.severity)
    .bind(body.description.trim())
    .bind(ward)
    .bind(user.id)
    .bind(lon)
    .bind(lat)
    .fetch_one(&mut *tx)
    .await?;
    history(&mut tx, &id, &user, None, "new", None, "").await?;
    let remember = key.map(|k| (user.id, k));
    let f = commit_and_publish(&state, tx, &id, remember).await?;
    Ok((StatusCode::CREATED, Json(f)).into_response())
}

/// Ends a change of incident `id`: its feature as changed, a live event in the same transaction,
/// the commit, then the broadcast. Returns the feature for the HTTP answer. With an idempotency key
/// (user, key) the answer (201 and the feature) is stored in the same transaction.
async fn commit_and_publish(
    state: &AppState,
    mut tx: Transaction<'_, Postgres>,
    id: &str,
    idempotency_key: Option<(i64, String)>,
) -> Result<Value, ApiError> {
    let (f, pos) = feature(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("incident vanished"))?;
    if let Some((user_id, key)) = &idempotency_key {
        crate::idempotency::store(&mut tx, *user_id, key, StatusCode::CREATED, &f).await?;
    }
    let ev = live::record(&mut tx, "incidents", Op::Upsert, id, f.clone(), Some(pos)).await?;
    tx.commit().await?;
    state.live.publish(ev).await;
    Ok(f)
}

async fn history(
    tx: &mut Transaction<'_, Postgres>,
    id: &str,
    user: &app::model::SessionUser,
    from: Option<&str>,
    to: &str,
    unit: Option<&str>,
    comment: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO incident_history (incident_id, user_id, username, from_status, to_status, unit_id, comment)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(user.id)
    .bind(&user.username)
    .bind(from)
    .bind(to)
    .bind(unit)
    .bind(comment)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Transition {
    to: String,
    #[serde(default)]
    comment: String,
    unit: Option<String>,
}

/// Moves an incident along its lifecycle: the updated Feature, or 409 for a step the lifecycle
/// does not allow from the current status.
async fn change(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Transition>,
) -> Result<Json<Value>, ApiError> {
    let user = principal.user.ok_or_else(ApiError::unauthorized)?;
    if !TRANSITIONS.contains(&body.to.as_str()) {
        return Err(ApiError::bad_request(
            "to",
            format!("to must be one of {}", TRANSITIONS.join(", ")),
        ));
    }
    if body.comment.chars().count() > 2000 {
        return Err(ApiError::bad_request(
            "comment",
            "comment must have at most 2000 characters",
        ));
    }
    let mut tx = state.pool.begin().await?;
    let current: Option<String> =
        sqlx::query_scalar("SELECT status FROM incidents WHERE id = $1 FOR UPDATE")
            .bind(&id)
            .fetch_optional(&mut *tx)
            .await?;
    let current = current.ok_or_else(|| ApiError::not_found(format!("no incident {id:?}")))?;
    let Some(next) = transition(&current, &body.to) else {
        return Err(ApiError::conflict(
            "to",
            format!("an incident that is {current} cannot go to {}", body.to),
        ));
    };
    let unit = match (next, body.unit.as_deref()) {
        ("dispatched", None) => {
            return Err(ApiError::bad_request(
                "unit",
                "dispatching needs the response unit",
            ))
        }
        (_, Some(u)) => {
            let known: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM response_units WHERE id = $1)")
                    .bind(u)
                    .fetch_one(&mut *tx)
                    .await?;
            if !known {
                return Err(ApiError::bad_request(
                    "unit",
                    format!("no response unit {}", crate::error::shown(u)),
                ));
            }
            Some(u)
        }
        _ => None,
    };
    sqlx::query(
        "UPDATE incidents SET status = $2, unit_id = coalesce($3, unit_id), updated_at = now(),
                closed_at = CASE WHEN $2 IN ('resolved', 'dismissed') THEN now() END,
                on_live_layer = true
          WHERE id = $1",
    )
    .bind(&id)
    .bind(next)
    .bind(unit)
    .execute(&mut *tx)
    .await?;
    history(
        &mut tx,
        &id,
        &user,
        Some(&current),
        next,
        unit,
        body.comment.trim(),
    )
    .await?;
    let f = commit_and_publish(&state, tx, &id, None).await?;
    Ok(Json(f))
}

async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = state.pool.begin().await?;
    let (mut f, _) = feature(&mut tx, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no incident {id:?}")))?;
    let steps: Vec<Value> = sqlx::query_scalar(
        "SELECT jsonb_build_object('at', at, 'username', username, 'from', from_status, 'to', to_status,
                                   'unit', unit_id, 'comment', comment)
           FROM incident_history WHERE incident_id = $1 ORDER BY at, id",
    )
    .bind(&id)
    .fetch_all(&mut *tx)
    .await?;
    f["properties"]["history"] = json!(steps);
    Ok(Json(f))
}

/// `GET /api/incidents?status=&bbox=&updated_after=&limit=&offset=`, newest change first.
async fn list(
    State(state): State<AppState>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) =
        q.map_err(|e| ApiError::bad_request("query", format!("unreadable query string: {e}")))?;
    let status = q
        .get("status")
        .map(|s| s.split(',').map(str::to_string).collect::<Vec<_>>());
    if let Some(bad) = status.iter().flatten().find(|s| {
        !app::live_types::INCIDENT_STATUSES
            .iter()
            .any(|(k, _, _)| k == s)
    }) {
        return Err(ApiError::bad_request(
            "status",
            format!("unknown status {bad:?}"),
        ));
    }
    let bbox = q.get("bbox").map(|b| parse_bbox(b)).transpose()?;
    let updated_after = q
        .get("updated_after")
        .map(|s| {
            chrono::DateTime::parse_from_rfc3339(s).map_err(|_| {
                ApiError::bad_request("updated_after", "updated_after must be an RFC 3339 time")
            })
        })
        .transpose()?;
    let num = |k: &str, d: i64, max: i64| -> Result<i64, ApiError> {
        q.get(k).map_or(Ok(d), |s| {
            s.parse::<i64>()
                .ok()
                .filter(|n| (0..=max).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request(k, format!("{k} must be a whole number from 0 to {max}"))
                })
        })
    };
    let (limit, offset) = (num("limit", 100, 1000)?, num("offset", 0, i64::MAX)?);
    let features: Vec<Value> = sqlx::query_scalar(
        "SELECT f.feature FROM incidents i JOIN incident_features f ON f.id = i.id
          WHERE ($1::text[] IS NULL OR i.status = ANY($1))
            AND ($2::float8 IS NULL OR i.geom && ST_MakeEnvelope($2, $3, $4, $5, 4326))
            AND ($6::timestamptz IS NULL OR i.updated_at > $6)
          ORDER BY i.updated_at DESC, i.id LIMIT $7 OFFSET $8",
    )
    .bind(status)
    .bind(bbox.map(|b| b.min_lon))
    .bind(bbox.map(|b| b.min_lat))
    .bind(bbox.map(|b| b.max_lon))
    .bind(bbox.map(|b| b.max_lat))
    .bind(updated_after)
    .bind(limit)
    .bind(offset)
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(
        json!({"type": "FeatureCollection", "numberReturned": features.len(), "features": features}),
    ))
}

async fn units(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let units: Vec<Value> = sqlx::query_scalar(
        "SELECT jsonb_build_object('id', id, 'kind', kind, 'name_vi', name_vi, 'name_en', name_en, 'ward_code', ward_code)
           FROM response_units ORDER BY kind, id",
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(json!({ "units": units })))
}

/// Resolved and dismissed incidents leave the live layer `closed_linger` after closing: a delete
/// event, once per incident.
pub async fn expire_closed(live: &Live) -> Result<(), sqlx::Error> {
    let ids: Vec<String> = sqlx::query_scalar(DUE_TO_LEAVE_SQL)
        .bind(live.config.closed_linger.as_secs_f64())
        .fetch_all(&live.pool)
        .await?;
    for id in ids {
        let mut tx = live.pool.begin().await?;
        // still closed, lingered and on the layer (a reopen, or a reopen and a new close, in
        // between keeps it there)
        let leaving: Option<String> = sqlx::query_scalar(
            "UPDATE incidents SET on_live_layer = false
              WHERE id = $1 AND on_live_layer AND closed_at IS NOT NULL
                AND closed_at <= now() - make_interval(secs => $2) RETURNING id",
        )
        .bind(&id)
        .bind(live.config.closed_linger.as_secs_f64())
        .fetch_optional(&mut *tx)
        .await?;
        if leaving.is_none() {
            continue;
        }
        let ev = live::record(
            &mut tx,
            "incidents",
            Op::Delete,
            &id,
            json!({"type": "Feature", "id": id}),
            None,
        )
        .await?;
        tx.commit().await?;
        live.publish(ev).await;
    }
    Ok(())
}

/// The closed incidents whose time on the live layer is over (`sql/due_to_leave.sql`).
pub const DUE_TO_LEAVE_SQL: &str = include_str!("sql/due_to_leave.sql");

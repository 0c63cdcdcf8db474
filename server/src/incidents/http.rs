//! The incidents' HTTP layer: read the request, check it (`rules`), change or read it (`store`),
//! answer. Every change is committed and broadcast on the live layer by `store::commit`.

use std::collections::HashMap;

use super::rules::{self, ListQuery, NewIncident, Transition};
use app::contract::incidents::{Incident, IncidentList, IncidentStatus, Units};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

use super::store::{self, Step};
use super::IncidentError;
use crate::auth::Principal;
use crate::error::{shown, ApiError, ApiJson, StoreError};
use crate::geometry::ward_at;
use crate::idempotency;
use crate::AppState;

/// Reports an incident: 201 and the Feature. Outside District 1, unknown kind, bad severity → 400.
/// With an `Idempotency-Key` header a retry gets the first answer back instead of a second incident.
pub async fn create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewIncident>,
) -> Result<Response, ApiError> {
    let user = principal.user.ok_or_else(ApiError::unauthorized)?;
    let key = idempotency::key_of(&headers)?;
    let report = rules::check_report(&body)?;
    let mut tx = state
        .pool
        .begin()
        .await
        .map_err(StoreError::doing("starting a transaction"))?;
    if let Some(key) = &key {
        let fingerprint = idempotency::fingerprint(&body);
        if let idempotency::Claim::Replay(answer) =
            idempotency::claim(&mut tx, user.id, key, &fingerprint).await?
        {
            return Ok(answer);
        }
    }
    // a report must lie in the district (the ward itself is computed when asked)
    ward_at(&mut tx, report.position).await?;
    let id = store::insert(&mut tx, &report, user.id).await?;
    let first = Step {
        user: &user,
        from: None,
        to: IncidentStatus::New,
        unit: None,
        comment: "",
    };
    store::add_history(&mut tx, &id, first).await?;
    let remember = key.map(|k| (user.id, k));
    let f = store::commit(&state.live, tx, &id, remember).await?;
    Ok((StatusCode::CREATED, Json(f)).into_response())
}

/// Moves an incident along its lifecycle: the updated Feature, or 409 for a step the lifecycle
/// does not allow from the current status.
pub async fn change(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Transition>,
) -> Result<Json<Incident>, ApiError> {
    let user = principal.user.ok_or_else(ApiError::unauthorized)?;
    let step = rules::check_transition(&body)?;
    let mut tx = state
        .pool
        .begin()
        .await
        .map_err(StoreError::doing("starting a transaction"))?;
    let current = store::lock_status(&mut tx, &id)
        .await?
        .ok_or_else(|| IncidentError::NotFound(id.clone()))?;
    let unit = body.unit.as_deref();
    let next = rules::next_status(current, step, unit)?;
    if let Some(u) = unit {
        if !store::unit_exists(&mut tx, u).await? {
            let unknown = format!(
                "no response unit {} in service (ward teams retire with their ward)",
                shown(u)
            );
            return Err(IncidentError::invalid("unit", unknown).into());
        }
    }
    store::set_status(&mut tx, &id, next, unit).await?;
    let step = Step {
        user: &user,
        from: Some(current),
        to: next,
        unit,
        comment: body.comment.trim(),
    };
    store::add_history(&mut tx, &id, step).await?;
    let f = store::commit(&state.live, tx, &id, None).await?;
    Ok(Json(f))
}

/// One incident with its case history (`properties.history`).
pub async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Incident>, ApiError> {
    let mut tx = state
        .pool
        .begin()
        .await
        .map_err(StoreError::doing("starting a transaction"))?;
    let (mut f, _) = store::feature(&mut tx, &id)
        .await?
        .ok_or_else(|| IncidentError::NotFound(id.clone()))?;
    f.properties.history = Some(store::history(&mut tx, &id).await?);
    Ok(Json(f))
}

/// `GET /api/incidents?status=&bbox=&updated_after=&limit=&offset=`, newest change first.
pub async fn list(
    State(state): State<AppState>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<IncidentList>, ApiError> {
    let Query(q) =
        q.map_err(|e| ApiError::bad_request("query", format!("unreadable query string: {e}")))?;
    let features = store::list(&state.pool, &ListQuery::parse(&q)?).await?;
    Ok(Json(IncidentList {
        r#type: "FeatureCollection".into(),
        number_returned: features.len(),
        features,
    }))
}

/// `GET /api/units`: the response units a dispatch may name.
pub async fn units(State(state): State<AppState>) -> Result<Json<Units>, ApiError> {
    Ok(Json(Units {
        units: store::units(&state.pool).await?,
    }))
}

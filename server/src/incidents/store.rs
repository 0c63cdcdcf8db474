//! The incidents' SQL. Every change runs in the caller's transaction and ends in [`commit`]: the
//! incident's feature as changed, its live event in the same transaction, the commit, then the
//! broadcast — so what operators see is always what PostgreSQL holds, in the order it was written.

use sqlx::types::Json;
use sqlx::{PgPool, Postgres, Transaction};

use app::contract::incidents::{HistoryStep, Incident, IncidentStatus, Unit};
use app::live_types::Op;
use app::model::SessionUser;

use super::rules::{ListQuery, Report};
use super::IncidentError;
use super::LAYER;
use crate::error::StoreError;
use crate::live::{self, Live};

/// The incident as a Feature and its position, read inside the transaction that changed it. The
/// `incident_features` view writes it in the contract's shape; a row the contract cannot read is a
/// decode error (a fault), never a silent gap.
pub async fn feature(
    tx: &mut Transaction<'_, Postgres>,
    id: &str,
) -> Result<Option<(Incident, [f64; 2])>, StoreError> {
    let row = sqlx::query_file!("src/incidents/sql/feature.sql", id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(StoreError::doing("reading an incident's feature"))?;
    Ok(row.map(|r| (r.feature.0, [r.lon, r.lat])))
}

/// Inserts a checked report; returns the new incident's id. Its ward is not stored: it is computed
/// from its position at the date asked (migration 0009).
pub async fn insert(
    tx: &mut Transaction<'_, Postgres>,
    report: &Report<'_>,
    reported_by: i64,
) -> Result<String, StoreError> {
    let [lon, lat] = report.position;
    sqlx::query_scalar!(
        "INSERT INTO incidents (kind, severity, description, reported_by, geom)
         VALUES ($1, $2, $3, $4, ST_SetSRID(ST_MakePoint($5, $6), 4326)) RETURNING id",
        report.kind.as_str(),
        report.severity,
        report.description,
        reported_by,
        lon,
        lat,
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(StoreError::doing("reporting an incident"))
}

/// One step of the case history: who moved the incident from what to what, with which unit.
pub struct Step<'a> {
    pub user: &'a SessionUser,
    pub from: Option<IncidentStatus>,
    pub to: IncidentStatus,
    pub unit: Option<&'a str>,
    pub comment: &'a str,
}

pub async fn add_history(
    tx: &mut Transaction<'_, Postgres>,
    id: &str,
    step: Step<'_>,
) -> Result<(), StoreError> {
    sqlx::query!(
        "INSERT INTO incident_history (incident_id, user_id, username, from_status, to_status, unit_id, comment)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        id,
        step.user.id,
        &step.user.username,
        step.from.map(IncidentStatus::as_str),
        step.to.as_str(),
        step.unit,
        step.comment,
    )
    .execute(&mut **tx)
    .await
        .map_err(StoreError::doing("writing an incident's history"))?;
    Ok(())
}

/// The incident's status, its row locked until the transaction ends.
pub async fn lock_status(
    tx: &mut Transaction<'_, Postgres>,
    id: &str,
) -> Result<Option<IncidentStatus>, StoreError> {
    let status = sqlx::query_scalar!("SELECT status FROM incidents WHERE id = $1 FOR UPDATE", id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(StoreError::doing("locking an incident"))?;
    // the table's CHECK constraint allows only the statuses the contract names
    status
        .map(|s| {
            IncidentStatus::parse(&s).ok_or_else(|| StoreError {
                doing: "reading an incident's status",
                source: sqlx::Error::Decode(
                    format!("incident {id} has an unknown status {s:?}").into(),
                ),
            })
        })
        .transpose()
}

/// Whether `unit` is a unit that may be dispatched today (not one retired with its ward).
pub async fn unit_exists(
    tx: &mut Transaction<'_, Postgres>,
    unit: &str,
) -> Result<bool, StoreError> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM response_units
                            WHERE id = $1 AND (retired_on IS NULL OR retired_on > district_today())) AS "exists!""#,
        unit
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(StoreError::doing("looking up a response unit"))
}

/// Moves the incident to `status` (with `unit`, if given); a closing status stamps `closed_at`, and
/// any change puts it back on the live layer.
pub async fn set_status(
    tx: &mut Transaction<'_, Postgres>,
    id: &str,
    status: IncidentStatus,
    unit: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query!(
        "UPDATE incidents SET status = $2, unit_id = coalesce($3, unit_id), updated_at = now(),
                closed_at = CASE WHEN $2 IN ('resolved', 'dismissed') THEN now() END,
                on_live_layer = true
          WHERE id = $1",
        id,
        status.as_str(),
        unit,
    )
    .execute(&mut **tx)
    .await
    .map_err(StoreError::doing("changing an incident's status"))?;
    Ok(())
}

/// Ends a change of incident `id`: its feature as changed, a live event in the same transaction,
/// the commit, then the broadcast. With an idempotency key (user, key) the answer (201 and the
/// feature) is stored in the same transaction. Returns the feature for the HTTP answer.
pub async fn commit(
    live: &Live,
    mut tx: Transaction<'_, Postgres>,
    id: &str,
    idempotency_key: Option<(i64, String)>,
) -> Result<Incident, IncidentError> {
    let (incident, pos) = feature(&mut tx, id)
        .await?
        .ok_or_else(|| IncidentError::NotFound(id.to_string()))?;
    // the live layer and a replayed answer carry the same JSON as the answer itself
    let f = serde_json::to_value(&incident).map_err(IncidentError::Encoding)?;
    if let Some((user_id, key)) = &idempotency_key {
        crate::idempotency::store(&mut tx, *user_id, key, axum::http::StatusCode::CREATED, &f)
            .await
            .map_err(StoreError::doing(
                "keeping the answer for its idempotency key",
            ))?;
    }
    let ev = live::record(&mut tx, LAYER, Op::Upsert, id, f, Some(pos))
        .await
        .map_err(StoreError::doing("recording an incident's live event"))?;
    tx.commit()
        .await
        .map_err(StoreError::doing("committing an incident's change"))?;
    live.publish(ev).await;
    Ok(incident)
}

/// The case history of an incident, oldest step first, as the API shows it.
pub async fn history(
    tx: &mut Transaction<'_, Postgres>,
    id: &str,
) -> Result<Vec<HistoryStep>, StoreError> {
    let steps = sqlx::query_scalar!(
        r#"SELECT jsonb_build_object('at', at, 'username', username, 'from', from_status, 'to', to_status,
                                     'unit', unit_id, 'comment', comment) AS "step!: Json<HistoryStep>"
             FROM incident_history WHERE incident_id = $1 ORDER BY at, id"#,
        id
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(StoreError::doing("reading an incident's history"))?;
    Ok(steps.into_iter().map(|Json(s)| s).collect())
}

pub async fn list(pool: &PgPool, q: &ListQuery) -> Result<Vec<Incident>, StoreError> {
    let rows = sqlx::query_file_scalar!(
        "src/incidents/sql/list.sql",
        q.statuses.as_deref(),
        q.bbox.map(|b| b.min_lon),
        q.bbox.map(|b| b.min_lat),
        q.bbox.map(|b| b.max_lon),
        q.bbox.map(|b| b.max_lat),
        q.updated_after.map(|t| t.with_timezone(&chrono::Utc)),
        q.limit,
        q.offset,
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::doing("listing incidents"))?;
    Ok(rows.into_iter().map(|Json(i)| i).collect())
}

/// The response units (fire, police, medical, ward teams) a dispatch may name: the ward teams of
/// today's wards, not those retired with a ward.
pub async fn units(pool: &PgPool) -> Result<Vec<Unit>, StoreError> {
    let rows = sqlx::query_as!(
        UnitRecord,
        "SELECT id, kind, name_vi, name_en, ward_code FROM response_units
          WHERE retired_on IS NULL OR retired_on > district_today() ORDER BY kind, id"
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::doing("listing the response units"))?;
    Ok(rows
        .into_iter()
        .map(|r| Unit {
            id: r.id,
            kind: r.kind,
            name_vi: r.name_vi,
            name_en: r.name_en,
            ward_code: r.ward_code,
        })
        .collect())
}

struct UnitRecord {
    id: String,
    kind: String,
    name_vi: String,
    name_en: String,
    ward_code: Option<String>,
}

/// The closed incidents whose time on the live layer is over (`sql/due_to_leave.sql`).
pub const DUE_TO_LEAVE_SQL: &str = include_str!("sql/due_to_leave.sql");

pub async fn due_to_leave(pool: &PgPool, linger_secs: f64) -> Result<Vec<String>, StoreError> {
    sqlx::query_file_scalar!("src/incidents/sql/due_to_leave.sql", linger_secs)
        .fetch_all(pool)
        .await
        .map_err(StoreError::doing(
            "finding the closed incidents to take off the live layer",
        ))
}

/// Takes the incident off the live layer if it is still closed, lingered and on it (a reopen, or a
/// reopen and a new close, in between keeps it there); whether it left.
pub async fn leave_layer(
    tx: &mut Transaction<'_, Postgres>,
    id: &str,
    linger_secs: f64,
) -> Result<bool, StoreError> {
    let leaving = sqlx::query_scalar!(
        "UPDATE incidents SET on_live_layer = false
          WHERE id = $1 AND on_live_layer AND closed_at IS NOT NULL
            AND closed_at <= now() - make_interval(secs => $2) RETURNING id",
        id,
        linger_secs,
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(StoreError::doing("taking an incident off the live layer"))?;
    Ok(leaving.is_some())
}

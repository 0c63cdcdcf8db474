//! The cameras' SQL, and the one path by which a camera change reaches operators: every write here
//! happens in the caller's transaction, and [`commit`] records the camera's live event in it, commits
//! and then broadcasts (admin changes, status changes and the patrol vehicles' moves all end there).

use serde_json::Value;
use sqlx::types::Json;
use sqlx::{PgPool, Postgres, Transaction};

use app::contract::cameras::Camera;
use app::live_types::Op;

use super::rules::{mask_url, CameraInput};
use super::CameraError;
use super::LAYER;
use crate::error::StoreError;
use crate::geometry::ward_at;
use crate::live::{self, Live};

/// Every camera now offline, longest offline first. The `camera_features` view writes each one in
/// the contract's shape; a row it cannot read is a fault (a decode error), never a silent gap.
pub async fn offline(pool: &PgPool) -> Result<Vec<Camera>, StoreError> {
    let rows = sqlx::query_scalar!(
        r#"SELECT f.feature AS "feature!: Json<Camera>" FROM camera_features f JOIN cameras c USING (id)
            WHERE c.status = 'offline' ORDER BY c.status_at NULLS FIRST, c.id"#
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::doing("listing the offline cameras"))?;
    Ok(rows.into_iter().map(|Json(c)| c).collect())
}

/// The camera as an admin reads it: the live feature plus the masked stream URL.
pub async fn admin_view(pool: &PgPool, id: &str) -> Result<Camera, CameraError> {
    let row = sqlx::query!(
        r#"SELECT f.feature AS "feature!: Json<Camera>", c.stream_url
             FROM camera_features f JOIN cameras c USING (id) WHERE f.id = $1"#,
        id
    )
    .fetch_optional(pool)
    .await
    .map_err(StoreError::doing("reading a camera"))?;
    let row = row.ok_or_else(|| CameraError::NotFound(id.to_string()))?;
    let Json(mut camera) = row.feature;
    camera.properties.stream_url = Some(mask_url(&row.stream_url));
    Ok(camera)
}

/// The next free `cam-NNNN` id. Takes a table lock until the transaction ends, so two concurrent
/// adds cannot take the same number.
pub async fn next_id(tx: &mut Transaction<'_, Postgres>) -> Result<String, sqlx::Error> {
    sqlx::query!("LOCK TABLE cameras IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut **tx)
        .await?;
    let next = sqlx::query_scalar!(
        r#"SELECT COALESCE(MAX(substring(id FROM '^cam-([0-9]+)$')::bigint), 0) + 1 AS "next!"
             FROM cameras"#
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(format!("cam-{next:04}"))
}

/// A camera's fields as stored, locked for the update that reads them.
pub struct Stored {
    pub name_vi: String,
    pub name_en: String,
    pub kind: String,
    pub recorder_id: Option<String>,
    pub stream_url: String,
    /// Its position as a GeoJSON Point.
    pub geometry: Value,
}

pub async fn lock(
    tx: &mut Transaction<'_, Postgres>,
    id: &str,
) -> Result<Option<Stored>, sqlx::Error> {
    sqlx::query_as!(
        Stored,
        r#"SELECT name_vi, name_en, kind, recorder_id, stream_url,
                  ST_AsGeoJSON(geom)::jsonb AS "geometry!"
             FROM cameras WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Checks the recorder and the ward, then inserts or updates.
pub async fn write(
    tx: &mut Transaction<'_, Postgres>,
    id: &str,
    c: &CameraInput,
    insert: bool,
) -> Result<(), CameraError> {
    let writing = StoreError::doing("writing a camera");
    if let Some(r) = &c.recorder {
        let known = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM recorders WHERE id = $1) AS "known!""#,
            r
        )
        .fetch_one(&mut **tx)
        .await
        .map_err(writing)?;
        if !known {
            return Err(CameraError::invalid(
                "recorder",
                format!("no recorder {r:?}"),
            ));
        }
    }
    // a camera lies in a ward of today (which one is computed when asked, never stored)
    ward_at(tx, c.position).await?.ok_or_else(|| {
        CameraError::invalid("geometry", "the position lies on no ward of District 1")
    })?;
    let [lon, lat] = c.position;
    let done = if insert {
        sqlx::query!(
            "INSERT INTO cameras (id, name_vi, name_en, kind, recorder_id, stream_url, provenance, geom)
             VALUES ($1, $2, $3, $4, $5, $6, 'real', ST_SetSRID(ST_MakePoint($7, $8), 4326))",
            id, &c.name_vi, &c.name_en, &c.kind, c.recorder.as_deref(), &c.stream_url, lon, lat,
        )
        .execute(&mut **tx)
        .await
    } else {
        sqlx::query!(
            "UPDATE cameras SET name_vi = $2, name_en = $3, kind = $4, recorder_id = $5,
                    stream_url = $6, geom = ST_SetSRID(ST_MakePoint($7, $8), 4326), updated_at = now()
              WHERE id = $1",
            id, &c.name_vi, &c.name_en, &c.kind, c.recorder.as_deref(), &c.stream_url, lon, lat,
        )
        .execute(&mut **tx)
        .await
    };
    done.map_err(writing)?;
    Ok(())
}

/// Removes a camera and records its delete on the live layer; false when there was none. The caller
/// commits and publishes the returned event.
pub async fn delete(
    tx: &mut Transaction<'_, Postgres>,
    id: &str,
) -> Result<Option<live::hub::LiveEvent>, sqlx::Error> {
    let gone = sqlx::query!("DELETE FROM cameras WHERE id = $1", id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if gone == 0 {
        return Ok(None);
    }
    let feature =
        serde_json::json!({"type": "Feature", "id": id, "geometry": null, "properties": {}});
    live::record(tx, LAYER, Op::Delete, id, feature, None)
        .await
        .map(Some)
}

/// A camera changed in the caller's transaction: records its upsert on the `cameras` layer (the
/// feature as operators see it, from the `camera_features` view: never the stream URL), commits,
/// then broadcasts.
pub async fn commit(
    live: &Live,
    mut tx: Transaction<'_, Postgres>,
    id: &str,
) -> Result<(), sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT feature AS "feature!", ST_X(geom) AS "lon!", ST_Y(geom) AS "lat!"
             FROM camera_features WHERE id = $1"#,
        id
    )
    .fetch_one(&mut *tx)
    .await?;
    let position = Some([row.lon, row.lat]);
    let ev = live::record(&mut tx, LAYER, Op::Upsert, id, row.feature, position).await?;
    tx.commit().await?;
    live.publish(ev).await;
    Ok(())
}

/// Sets a camera's status if it changed; returns whether it did (and an event was published).
pub async fn set_status(live: &Live, camera: &str, online: bool) -> Result<bool, sqlx::Error> {
    let status = if online { "online" } else { "offline" };
    let mut tx = live.pool.begin().await?;
    let changed = sqlx::query!(
        "UPDATE cameras SET status = $2, status_at = now(), updated_at = now() WHERE id = $1 AND status <> $2",
        camera,
        status,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !changed {
        return Ok(false);
    }
    commit(live, tx, camera).await?;
    tracing::debug!(camera = %camera, status, "camera status changed");
    Ok(true)
}

/// Moves a camera (a patrol vehicle's): commit, then broadcast.
pub async fn move_to(live: &Live, id: &str, [lon, lat]: [f64; 2]) -> Result<(), sqlx::Error> {
    let mut tx = live.pool.begin().await?;
    sqlx::query!(
        "UPDATE cameras SET geom = ST_SetSRID(ST_MakePoint($2, $3), 4326), updated_at = now() WHERE id = $1",
        id,
        lon,
        lat,
    )
    .execute(&mut *tx)
    .await?;
    commit(live, tx, id).await
}

/// Each vehicle camera with the streets of its ward as GeoJSON LineStrings, cut into points about
/// `step_m` metres apart.
pub async fn vehicle_routes(
    pool: &PgPool,
    step_m: f64,
) -> Result<Vec<(String, Value)>, sqlx::Error> {
    let rows = sqlx::query_file!("src/cameras/vehicle_routes.sql", step_m)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.streets)).collect())
}

/// What the video service reads of a camera: where its stream is (stored as given, credentials
/// included: only the pull uses it).
pub async fn stream_url(pool: &PgPool, id: &str) -> Result<Option<String>, StoreError> {
    sqlx::query_scalar!("SELECT stream_url FROM cameras WHERE id = $1", id)
        .fetch_optional(pool)
        .await
        .map_err(StoreError::doing("reading a camera's stream URL"))
}

pub async fn exists(pool: &PgPool, id: &str) -> Result<bool, StoreError> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM cameras WHERE id = $1) AS "exists!""#,
        id
    )
    .fetch_one(pool)
    .await
    .map_err(StoreError::doing("looking up a camera"))
}

/// A camera as the probe of unwatched cameras needs it.
pub struct ToProbe {
    pub id: String,
    pub stream_url: String,
    pub status: String,
}

/// Every camera, by id, for the probe.
pub async fn to_probe(pool: &PgPool) -> Result<Vec<ToProbe>, StoreError> {
    sqlx::query_as!(
        ToProbe,
        "SELECT id, stream_url, status FROM cameras ORDER BY id"
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::doing("listing the cameras to probe"))
}

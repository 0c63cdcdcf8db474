//! The cameras' SQL, and the one path by which a camera change reaches operators: every write here
//! happens in the caller's transaction, and [`commit`] records the camera's live event in it, commits
//! and then broadcasts (admin changes, status changes and the patrol vehicles' moves all end there).

use serde_json::Value;
use sqlx::{PgPool, Postgres, Transaction};

use app::live_types::Op;

use super::rules::{mask_url, CameraInput};
use super::CameraError;
use super::LAYER;
use crate::error::StoreError;
use crate::geometry::ward_at;
use crate::live::{self, Live};

/// Every camera now offline as live features, longest offline first.
pub async fn offline(pool: &PgPool) -> Result<Vec<Value>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT f.feature FROM camera_features f JOIN cameras c USING (id)
          WHERE c.status = 'offline' ORDER BY c.status_at NULLS FIRST, c.id",
    )
    .fetch_all(pool)
    .await
}

/// The camera as an admin reads it: the live feature plus the masked stream URL.
pub async fn admin_view(pool: &PgPool, id: &str) -> Result<Value, CameraError> {
    let row: Option<(Value, String)> = sqlx::query_as(
        "SELECT f.feature, c.stream_url FROM camera_features f JOIN cameras c USING (id) WHERE f.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(StoreError::doing("reading a camera"))?;
    let (mut f, url) = row.ok_or_else(|| CameraError::NotFound(id.to_string()))?;
    f["properties"]["stream_url"] = Value::String(mask_url(&url));
    Ok(f)
}

/// The next free `cam-NNNN` id. Takes a table lock until the transaction ends, so two concurrent
/// adds cannot take the same number.
pub async fn next_id(tx: &mut Transaction<'_, Postgres>) -> Result<String, sqlx::Error> {
    sqlx::query("LOCK TABLE cameras IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut **tx)
        .await?;
    let next: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(substring(id FROM '^cam-([0-9]+)$')::bigint), 0) + 1 FROM cameras",
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(format!("cam-{next:04}"))
}

/// A camera's fields as stored, locked for the update that reads them.
#[derive(sqlx::FromRow)]
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
    sqlx::query_as(
        "SELECT name_vi, name_en, kind, recorder_id, stream_url, ST_AsGeoJSON(geom)::jsonb AS geometry
           FROM cameras WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
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
        let known: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM recorders WHERE id = $1)")
                .bind(r)
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
    let ward = ward_at(tx, c.position).await?.ok_or_else(|| {
        CameraError::invalid("geometry", "the position lies on no ward of District 1")
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
        .await
        .map_err(writing)?;
    Ok(())
}

/// Removes a camera and records its delete on the live layer; false when there was none. The caller
/// commits and publishes the returned event.
pub async fn delete(
    tx: &mut Transaction<'_, Postgres>,
    id: &str,
) -> Result<Option<live::hub::LiveEvent>, sqlx::Error> {
    let gone = sqlx::query("DELETE FROM cameras WHERE id = $1")
        .bind(id)
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
    let (feature, lon, lat): (Value, f64, f64) =
        sqlx::query_as("SELECT feature, ST_X(geom), ST_Y(geom) FROM camera_features WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let ev = live::record(&mut tx, LAYER, Op::Upsert, id, feature, Some([lon, lat])).await?;
    tx.commit().await?;
    live.publish(ev).await;
    Ok(())
}

/// Sets a camera's status if it changed; returns whether it did (and an event was published).
pub async fn set_status(live: &Live, camera: &str, online: bool) -> Result<bool, sqlx::Error> {
    let status = if online { "online" } else { "offline" };
    let mut tx = live.pool.begin().await?;
    let changed = sqlx::query(
        "UPDATE cameras SET status = $2, status_at = now(), updated_at = now() WHERE id = $1 AND status <> $2",
    )
    .bind(camera)
    .bind(status)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !changed {
        return Ok(false);
    }
    commit(live, tx, camera).await?;
    tracing::info!(camera = %camera, status, "camera status changed");
    Ok(true)
}

/// Moves a camera (a patrol vehicle's): commit, then broadcast.
pub async fn move_to(live: &Live, id: &str, [lon, lat]: [f64; 2]) -> Result<(), sqlx::Error> {
    let mut tx = live.pool.begin().await?;
    sqlx::query(
        "UPDATE cameras SET geom = ST_SetSRID(ST_MakePoint($2, $3), 4326), updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(lon)
    .bind(lat)
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
    sqlx::query_as(include_str!("vehicle_routes.sql"))
        .bind(step_m)
        .fetch_all(pool)
        .await
}

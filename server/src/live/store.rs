//! The live service's SQL: the event log (`live_events`, numbered by `live_seq`), the live features
//! loaded at start-up (`sql/live_features.sql`) and the log's trimming. The only code of `live` that
//! talks to PostgreSQL; every query is checked at compile time.

use serde_json::Value;
use sqlx::{PgPool, Postgres, Transaction};

use app::live_types::Op;

use super::hub::LiveEvent;
use crate::error::StoreError;

/// Records a change in the caller's transaction and returns its event, to publish after commit.
/// The seq is taken under `live_seq`'s row lock, so seqs commit in order and without gaps; the lock
/// is held until the caller commits, so record last, just before the commit.
pub async fn record(
    tx: &mut Transaction<'_, Postgres>,
    layer: &str,
    op: Op,
    id: &str,
    feature: Value,
    position: Option<[f64; 2]>,
) -> Result<LiveEvent, sqlx::Error> {
    // one statement: the row lock is held from here to the commit, so each round trip in
    // between would hold up every other change of the cluster (issue #11, ws-bench at 500/s)
    let seq = sqlx::query_scalar!(
        r#"WITH s AS (UPDATE live_seq SET value = value + 1 RETURNING value)
           INSERT INTO live_events (seq, layer, op, feature_id, feature, lon, lat)
           SELECT s.value, $1, $2, $3, $4, $5, $6 FROM s
           RETURNING seq"#,
        layer,
        if op == Op::Upsert { "upsert" } else { "delete" },
        id,
        &feature,
        position.map(|p| p[0]),
        position.map(|p| p[1]),
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(LiveEvent {
        seq,
        layer: layer.into(),
        op,
        id: id.into(),
        feature,
        position,
    })
}

/// One row of the event log.
struct EventRow {
    seq: i64,
    layer: String,
    op: String,
    feature_id: String,
    feature: Option<Value>,
    lon: Option<f64>,
    lat: Option<f64>,
}

fn event_of(row: EventRow) -> LiveEvent {
    LiveEvent {
        seq: row.seq,
        layer: row.layer,
        op: if row.op == "upsert" {
            Op::Upsert
        } else {
            Op::Delete
        },
        id: row.feature_id,
        feature: row.feature.unwrap_or(Value::Null),
        position: row.lon.zip(row.lat).map(|(x, y)| [x, y]),
    }
}

/// A live feature as loaded at start-up.
pub struct LoadedFeature {
    pub layer: String,
    pub id: String,
    pub feature: Value,
    pub lon: f64,
    pub lat: f64,
}

/// The last seq taken.
pub async fn last_seq(pool: &PgPool) -> Result<i64, StoreError> {
    sqlx::query_scalar!("SELECT value FROM live_seq")
        .fetch_one(pool)
        .await
        .map_err(StoreError::doing("reading the last live seq"))
}

/// The newest `n` events of the log, oldest first.
pub async fn newest(pool: &PgPool, n: i64) -> Result<Vec<LiveEvent>, StoreError> {
    let rows = sqlx::query_as!(
        EventRow,
        r#"SELECT seq AS "seq!", layer AS "layer!", op AS "op!", feature_id AS "feature_id!",
                  feature AS "feature?", lon AS "lon?", lat AS "lat?"
             FROM (SELECT * FROM live_events ORDER BY seq DESC LIMIT $1) e ORDER BY seq"#,
        n
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::doing("reading the recent live log"))?;
    Ok(rows.into_iter().map(event_of).collect())
}

/// Every live feature of every layer, with its position.
pub async fn live_features(pool: &PgPool) -> Result<Vec<LoadedFeature>, StoreError> {
    sqlx::query_file_as!(LoadedFeature, "src/live/sql/live_features.sql")
        .fetch_all(pool)
        .await
        .map_err(StoreError::doing("loading the live features"))
}

/// Events with `from <= seq` (and `seq <= to` when given), at most 10,000, in seq order.
pub async fn events_from(
    pool: &PgPool,
    from: i64,
    to: Option<i64>,
) -> Result<Vec<LiveEvent>, StoreError> {
    let rows = sqlx::query_as!(
        EventRow,
        r#"SELECT seq, layer, op, feature_id, feature AS "feature?", lon, lat FROM live_events
            WHERE seq >= $1 AND ($2::bigint IS NULL OR seq <= $2) ORDER BY seq LIMIT 10000"#,
        from,
        to
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::doing("reading live events"))?;
    Ok(rows.into_iter().map(event_of).collect())
}

/// Events with `after < seq <= upto`, at most `limit`, in seq order (a client's resume).
pub async fn events_between(
    pool: &PgPool,
    after: i64,
    upto: i64,
    limit: i64,
) -> Result<Vec<LiveEvent>, StoreError> {
    let rows = sqlx::query_as!(
        EventRow,
        r#"SELECT seq, layer, op, feature_id, feature AS "feature?", lon, lat FROM live_events
            WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3"#,
        after,
        upto,
        limit
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::doing("reading the live log for a resume"))?;
    Ok(rows.into_iter().map(event_of).collect())
}

/// Drops events older than `days`.
pub async fn trim_by_age(pool: &PgPool, days: i32) -> Result<u64, StoreError> {
    sqlx::query!(
        "DELETE FROM live_events WHERE at < now() - make_interval(days => $1)",
        days
    )
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    .map_err(StoreError::doing("trimming the live log by age"))
}

/// Keeps only the last `keep` events.
pub async fn trim_to_last(pool: &PgPool, keep: i64) -> Result<u64, StoreError> {
    sqlx::query!(
        "DELETE FROM live_events WHERE seq <= (SELECT value FROM live_seq) - $1",
        keep
    )
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    .map_err(StoreError::doing(
        "trimming the live log to its last events",
    ))
}

/// Reclaims the space of trimmed rows now rather than rely on autovacuum (off on some servers; the
/// soak saw the table grow 2 MiB a minute at a flat row count). A plain VACUUM blocks neither reads
/// nor writes.
pub async fn vacuum(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::raw_sql("VACUUM live_events")
        .execute(pool)
        .await
        .map(drop)
        .map_err(StoreError::doing("vacuuming the live event log"))
}

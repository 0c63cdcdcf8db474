//! The video capability's SQL: the viewing audit. Who watched which camera, and when: a row per
//! viewing session, kept for good, readable by admins at `GET /api/video/views?camera=&limit=`.

use serde_json::Value;
use sqlx::PgPool;

use crate::error::StoreError;

pub async fn started(
    pool: &PgPool,
    server_id: &str,
    session: &str,
    camera: &str,
    user: &app::model::SessionUser,
    remote: Option<String>,
) -> Result<(), StoreError> {
    sqlx::query!(
        "INSERT INTO camera_views (session_id, camera_id, user_id, username, remote_addr, server_id)
         VALUES ($1, $2, $3, $4, $5, $6)",
        session,
        camera,
        user.id,
        &user.username,
        remote,
        server_id,
    )
    .execute(pool)
    .await
    .map_err(StoreError::doing("recording who started watching"))?;
    Ok(())
}

/// At start-up: the rows this server's previous run left open (it crashed, or was killed) are
/// closed, with no end time better than now; how many.
pub async fn close_left_open(pool: &PgPool, server_id: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "UPDATE camera_views SET ended_at = now(),
                end_reason = 'the server stopped without closing it (closed at its next start)'
          WHERE ended_at IS NULL AND (server_id = $1 OR server_id IS NULL)",
        server_id
    )
    .execute(pool)
    .await?
    .rows_affected())
}

/// A node's open sessions stop counting for the others this long after it last said so.
pub const SEEN_LAPSES_SECS: f64 = 15.0;

/// Tells the cluster that this node's open sessions are still open (every
/// `super::SEEN_EVERY`); how many there are.
pub async fn still_open(pool: &PgPool, server_id: &str) -> Result<u64, StoreError> {
    Ok(sqlx::query!(
        "UPDATE camera_views SET seen_at = now() WHERE server_id = $1 AND ended_at IS NULL",
        server_id
    )
    .execute(pool)
    .await
    .map_err(StoreError::doing(
        "telling the cluster which viewing sessions are open",
    ))?
    .rows_affected())
}

/// The sessions `user_id` holds open on the other nodes of the cluster (those that said so within
/// [`SEEN_LAPSES_SECS`]): with this node's own, they count against the per-user cap.
pub async fn open_elsewhere(
    pool: &PgPool,
    server_id: &str,
    user_id: i64,
) -> Result<usize, StoreError> {
    let n = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM camera_views
            WHERE user_id = $1 AND ended_at IS NULL AND server_id IS DISTINCT FROM $2
              AND seen_at > now() - make_interval(secs => $3)"#,
        user_id,
        server_id,
        SEEN_LAPSES_SECS,
    )
    .fetch_one(pool)
    .await
    .map_err(StoreError::doing(
        "counting the user's video sessions on other nodes",
    ))?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

pub async fn ended(pool: &PgPool, session: &str, reason: &str) {
    let r = sqlx::query!(
        "UPDATE camera_views SET ended_at = now(), end_reason = $2 WHERE session_id = $1 AND ended_at IS NULL",
        session,
        reason,
    )
    .execute(pool)
    .await;
    if let Err(e) = r {
        tracing::warn!(session, error = %e, "could not close the viewing audit row");
    }
}

/// The newest views (of one camera, when given), newest first.
pub async fn views(
    pool: &PgPool,
    camera: Option<&str>,
    limit: i64,
) -> Result<Vec<Value>, StoreError> {
    sqlx::query_scalar!(
        r#"SELECT jsonb_build_object('session', session_id, 'camera', camera_id, 'user', username,
                                     'remote_addr', remote_addr, 'started_at', started_at,
                                     'ended_at', ended_at, 'end_reason', end_reason) AS "view!"
             FROM camera_views WHERE $1::text IS NULL OR camera_id = $1
            ORDER BY started_at DESC, id DESC LIMIT $2"#,
        camera,
        limit,
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::doing("listing the viewing audit"))
}

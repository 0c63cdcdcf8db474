//! `Idempotency-Key` on creating requests (today `POST /api/incidents`): a client that did not hear
//! the answer (a phone losing its signal) sends the same request again with the same key, and gets
//! the first answer instead of a second incident.
//!
//! Keys are per user and kept 24 hours in PostgreSQL, so they hold across several server processes.
//! The key is claimed *inside the transaction that does the work* and the answer stored before it
//! commits: either both the work and its stored answer exist, or neither does. A second request with
//! the key blocks on the first one's row until that commits (then it replays the answer) or rolls back
//! (then it does the work itself). The same key with another body is a client error (422).

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Transaction};

use crate::error::ApiError;

pub const HEADER: &str = "idempotency-key";
/// Hours a key is remembered.
pub const KEEP_HOURS: i32 = 24;
const MAX_KEY_CHARS: usize = 200;

/// The request's key, if it sent one; a key that is empty, too long or not printable ASCII is a 400.
pub fn key_of(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get(HEADER) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::bad_request(
            "Idempotency-Key",
            format!("Idempotency-Key must be 1 to {MAX_KEY_CHARS} printable ASCII characters"),
        )
    };
    let s = v.to_str().map_err(|_| bad())?.trim();
    if s.is_empty() || s.len() > MAX_KEY_CHARS || !s.chars().all(|c| c.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(Some(s.to_string()))
}

/// The fingerprint of a request's meaning (its parsed body, re-serialised: spacing and key order
/// do not make it another request).
pub fn fingerprint(body: &impl serde::Serialize) -> Vec<u8> {
    Sha256::digest(serde_json::to_vec(body).unwrap_or_default()).to_vec()
}

/// What claiming a key found.
pub enum Claim {
    /// The key is new: do the work in this transaction and [`store`] the answer before committing.
    New,
    /// The key's first request was answered: send this again.
    Replay(Response),
}

/// Claims `key` for `user_id` in `tx` (see the module's note on ordering).
pub async fn claim(
    tx: &mut Transaction<'_, Postgres>,
    user_id: i64,
    key: &str,
    fingerprint: &[u8],
) -> Result<Claim, ApiError> {
    // a key past its 24 hours is free again
    sqlx::query!(
        "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2
            AND created_at < now() - make_interval(hours => $3)",
        user_id,
        key,
        KEEP_HOURS,
    )
    .execute(&mut **tx)
    .await?;
    let inserted = sqlx::query!(
        "INSERT INTO idempotency_keys (user_id, key, fingerprint) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, key) DO NOTHING",
        user_id,
        key,
        fingerprint,
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(Claim::New);
    }
    // a committed claim always has its answer: it is stored in the claim's own transaction
    let stored = sqlx::query!(
        r#"SELECT fingerprint, status AS "status!", body AS "body!"
             FROM idempotency_keys WHERE user_id = $1 AND key = $2"#,
        user_id,
        key,
    )
    .fetch_one(&mut **tx)
    .await?;
    let (status, body) = (stored.status, stored.body);
    if stored.fingerprint != fingerprint {
        return Err(ApiError {
            field: Some("Idempotency-Key".into()),
            ..ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this Idempotency-Key was used for a request with another body; use a new key",
            )
        });
    }
    let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
    let mut answer = (
        status,
        [(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    answer
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(Claim::Replay(answer))
}

/// Stores the answer of a [`Claim::New`] key, in the same transaction as the work.
pub async fn store(
    tx: &mut Transaction<'_, Postgres>,
    user_id: i64,
    key: &str,
    status: StatusCode,
    body: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE idempotency_keys SET status = $3, body = $4 WHERE user_id = $1 AND key = $2",
        user_id,
        key,
        status.as_u16() as i16,
        body.to_string(),
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Deletes keys past their 24 hours.
pub async fn trim(pool: &PgPool) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query!(
        "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)",
        KEEP_HOURS
    )
    .execute(pool)
    .await?
    .rows_affected())
}

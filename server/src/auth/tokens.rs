//! Personal API tokens (`Authorization: Bearer …`) for scripts and GIS tools: created and revoked by
//! their owner or an admin, shown once, stored hashed.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{store, Principal};
use crate::error::{ApiError, ApiJson};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/tokens", get(list).post(create))
        .route("/api/tokens/{id}", delete(revoke))
}

#[derive(Deserialize)]
struct ListQuery {
    user: Option<i64>,
}

/// The caller's tokens; an admin may ask for another user's with `?user=<id>`.
async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request("query", e.body_text()))?;
    let me = principal.user.ok_or_else(ApiError::unauthorized)?;
    let owner = match q.user {
        Some(id) if id != me.id && !me.is_admin() => {
            return Err(ApiError::forbidden(
                "only an admin may list another user's tokens",
            ))
        }
        Some(id) => id,
        None => me.id,
    };
    let rows: Vec<Value> = sqlx::query_scalar(
        "SELECT json_build_object('id', id, 'name', name, 'prefix', prefix, 'created_at', created_at,
                                  'last_used_at', last_used_at, 'revoked_at', revoked_at)
           FROM api_tokens WHERE user_id = $1 ORDER BY id",
    )
    .bind(owner)
    .fetch_all(&state.pool)
    .await?;
    Ok(Json(json!({ "tokens": rows })))
}

#[derive(Deserialize)]
struct NewToken {
    name: String,
    /// An admin may create a token for another user.
    user: Option<i64>,
}

async fn create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let me = principal.user.ok_or_else(ApiError::unauthorized)?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(ApiError::bad_request(
            "name",
            "name must have 1 to 80 characters",
        ));
    }
    let owner = match body.user {
        Some(id) if id != me.id && !me.is_admin() => {
            return Err(ApiError::forbidden(
                "only an admin may create a token for another user",
            ))
        }
        Some(id) => id,
        None => me.id,
    };
    if store::user_by_id(&state.pool, owner).await?.is_none() {
        return Err(ApiError::bad_request("user", format!("no user {owner}")));
    }
    let token = format!("ioc_{}", store::new_secret());
    let prefix: String = token.chars().take(10).collect();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(owner)
    .bind(name)
    .bind(store::digest(&token))
    .bind(&prefix)
    .fetch_one(&state.pool)
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({ "id": id, "name": name, "prefix": prefix, "user": owner, "token": token,
                     "note": "the token is shown only now: keep it" }),
        ),
    ))
}

async fn revoke(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let me = principal.user.ok_or_else(ApiError::unauthorized)?;
    let id: i64 = id.parse().map_err(|_| {
        ApiError::bad_request("id", format!("token id must be a number, got {id:?}"))
    })?;
    let owner: Option<i64> = sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.pool)
        .await?;
    match owner {
        None => Err(ApiError::not_found(format!("no token {id}"))),
        Some(o) if o != me.id && !me.is_admin() => {
            Err(ApiError::not_found(format!("no token {id}")))
        }
        Some(_) => {
            super::revoke::uncancelled(async move {
                sqlx::query(
                    "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1",
                )
                .bind(id)
                .execute(&state.pool)
                .await?;
                let ended = super::revoke::Ended::Credential(super::revoke::Credential::Token(id));
                super::revoke::end(&state, ended, "the API token was revoked").await;
                Ok(())
            })
            .await?;
            Ok(StatusCode::NO_CONTENT)
        }
    }
}

//! Personal API tokens (`Authorization: Bearer …`) for scripts and GIS tools: created and revoked by
//! their owner or an admin, shown once, stored hashed.

use app::contract::auth::{NewToken, TokenCreated, Tokens};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Extension, Json, Router};
use serde::Deserialize;

use crate::auth::{revoke, rules, store, Principal};
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
) -> Result<Json<Tokens>, ApiError> {
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
    Ok(Json(Tokens {
        tokens: store::tokens_of(&state.pool, owner).await?,
    }))
}

async fn create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<TokenCreated>), ApiError> {
    let me = principal.user.ok_or_else(ApiError::unauthorized)?;
    let name = rules::check_token_name(&body.name)?;
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
    let id = store::insert_token(&state.pool, owner, name, &token, &prefix).await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated {
            id,
            name: name.to_string(),
            prefix,
            user: owner,
            token,
            note: "the token is shown only now: keep it".into(),
        }),
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
    match store::token_owner(&state.pool, id).await? {
        None => Err(ApiError::not_found(format!("no token {id}"))),
        Some(o) if o != me.id && !me.is_admin() => {
            Err(ApiError::not_found(format!("no token {id}")))
        }
        Some(_) => {
            revoke::uncancelled(async move {
                store::revoke_token(&state.pool, id).await?;
                let ended = revoke::Ended::Credential(revoke::Credential::Token(id));
                revoke::end(&state, ended, "the API token was revoked").await;
                Ok(())
            })
            .await?;
            Ok(StatusCode::NO_CONTENT)
        }
    }
}

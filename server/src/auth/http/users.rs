//! User management for admins: list, create, change role or name, disable, reset a password.
//! The checks are `rules`; the SQL is `store`.

use app::contract::auth::{NewUser, User, UserPatch, Users};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Json, Router};

use crate::auth::error::AuthError;
use crate::auth::rules::{self, check_username, parse_role, parse_user_id as parse_id};
use crate::auth::store::{self, UserChange};
use crate::auth::{password, revoke, Principal};
use crate::error::{ApiError, ApiJson};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/users", get(list).post(create))
        .route("/api/users/{id}", get(one).patch(update))
}

async fn list(State(state): State<AppState>) -> Result<Json<Users>, ApiError> {
    Ok(Json(Users {
        users: store::users(&state.pool).await?,
    }))
}

async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<User>, ApiError> {
    let id = parse_id(&id)?;
    store::user(&state.pool, id)
        .await?
        .map(Json)
        .ok_or_else(|| AuthError::NotFound(format!("no user {id}")).into())
}

async fn create(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let username = check_username(&body.username)?;
    let role = parse_role(&body.role)?;
    rules::check_new_password("password", &body.password)?;
    rules::check_display_name(&body.display_name)?;
    let hash = password::hash(body.password).await?;
    let user = store::insert_user(
        &state.pool,
        &username,
        body.display_name.trim(),
        role,
        &hash,
    )
    .await?
    .ok_or_else(|| AuthError::Conflict {
        field: "username",
        message: format!("user {username:?} exists already"),
    })?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Changes a user; disabling one or resetting its password ends its sessions (and a reset its API
/// tokens); either, or a new role, ends its open sockets and video sessions at once. An admin cannot
/// disable or demote themself (there must stay someone to manage users).
async fn update(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UserPatch>,
) -> Result<Json<User>, ApiError> {
    let id = parse_id(&id)?;
    let me = principal.user.ok_or_else(ApiError::unauthorized)?;
    let role = body.role.as_deref().map(parse_role).transpose()?;
    rules::check_self_change(&me, id, body.disabled == Some(true), role)?;
    if let Some(p) = &body.password {
        rules::check_new_password("password", p)?;
    }
    if let Some(d) = &body.display_name {
        rules::check_display_name(d)?;
    }
    let hash = match body.password {
        Some(p) => Some(password::hash(p).await?),
        None => None,
    };
    let change = UserChange {
        role,
        display_name: body.display_name,
        disabled: body.disabled,
        hash,
    };
    revoke::uncancelled(save(state, id, change)).await.map(Json)
}

/// Writes a user's change and ends what it takes away, after the commit (in a task the client
/// cannot cancel between the two: `revoke::uncancelled`).
async fn save(state: AppState, id: i64, change: UserChange) -> Result<User, ApiError> {
    let mut tx = state.pool.begin().await?;
    let old_role = store::lock_role(&mut tx, id)
        .await?
        .ok_or_else(|| AuthError::NotFound(format!("no user {id}")))?;
    let user = store::update_user(&mut tx, id, &change).await?;
    let UserChange {
        role,
        disabled,
        hash,
        ..
    } = change;
    let role_changed = role.is_some_and(|r| r.as_str() != old_role);
    if disabled == Some(true) || hash.is_some() {
        store::delete_sessions_of(&mut tx, id).await?;
    }
    if hash.is_some() {
        store::revoke_tokens_of(&mut tx, id).await?;
    }
    tx.commit().await?;
    // only now, after the commit: nothing can read the old rights back into the cache
    match rules::end_reason(disabled == Some(true), hash.is_some(), role_changed) {
        Some(r) => revoke::end(&state, revoke::Ended::User(id), r).await,
        None => revoke::changed(&state, id),
    }
    Ok(user)
}

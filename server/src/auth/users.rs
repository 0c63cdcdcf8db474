//! User management for admins: list, create, change role or name, disable, reset a password.

use app::contract::auth::{NewUser, User, UserPatch, Users};
use app::model::Role;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Json, Router};

use super::store::{self, UserChange};
use super::{password, Principal};
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

fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::bad_request("id", format!("user id must be a number, got {id:?}")))
}

async fn one(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<User>, ApiError> {
    let id = parse_id(&id)?;
    store::user(&state.pool, id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("no user {id}")))
}

fn parse_role(s: &str) -> Result<Role, ApiError> {
    Role::parse(s)
        .ok_or_else(|| ApiError::bad_request("role", "role must be operator, planner or admin"))
}

fn check_username(s: &str) -> Result<String, ApiError> {
    let u = s.trim().to_lowercase();
    let ok = (2..=40).contains(&u.len())
        && u.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if ok {
        Ok(u)
    } else {
        Err(ApiError::bad_request(
            "username",
            "username must be 2 to 40 of a-z, 0-9, '_', '.', '-', starting with a letter or digit",
        ))
    }
}

async fn create(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let username = check_username(&body.username)?;
    let role = parse_role(&body.role)?;
    password::check_new("password", &body.password)?;
    if body.display_name.chars().count() > 100 {
        return Err(ApiError::bad_request(
            "display_name",
            "display_name must have at most 100 characters",
        ));
    }
    let hash = password::hash(body.password).await?;
    let user = store::insert_user(
        &state.pool,
        &username,
        body.display_name.trim(),
        role,
        &hash,
    )
    .await?
    .ok_or_else(|| ApiError::conflict("username", format!("user {username:?} exists already")))?;
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
    if id == me.id && (body.disabled == Some(true) || role.is_some_and(|r| r != Role::Admin)) {
        return Err(ApiError::bad_request(
            "role",
            "you cannot disable or demote yourself",
        ));
    }
    if let Some(p) = &body.password {
        password::check_new("password", p)?;
    }
    if body
        .display_name
        .as_ref()
        .is_some_and(|d| d.chars().count() > 100)
    {
        return Err(ApiError::bad_request(
            "display_name",
            "display_name must have at most 100 characters",
        ));
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
    super::revoke::uncancelled(save(state, id, change))
        .await
        .map(Json)
}

/// Writes a user's change and ends what it takes away, after the commit (in a task the client
/// cannot cancel between the two: `revoke::uncancelled`).
async fn save(state: AppState, id: i64, change: UserChange) -> Result<User, ApiError> {
    let mut tx = state.pool.begin().await?;
    let old_role = store::lock_role(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no user {id}")))?;
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
        super::store::revoke_tokens_of(&mut tx, id).await?;
    }
    tx.commit().await?;
    // only now, after the commit: nothing can read the old rights back into the cache
    let reason = if disabled == Some(true) {
        Some("the user was disabled")
    } else if hash.is_some() {
        Some("the password was reset")
    } else if role_changed {
        Some("the role was changed")
    } else {
        None
    };
    match reason {
        Some(r) => super::revoke::end(&state, super::revoke::Ended::User(id), r).await,
        None => super::revoke::changed(&state, id),
    }
    Ok(user)
}

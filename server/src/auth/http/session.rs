//! Sign-in and sign-out (JSON API and the sign-in page's form), the current user, password change.

use std::collections::HashMap;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Json, Router};

use app::contract::auth::{self as wire, Credentials, Me, PasswordChange, SignedIn};
use app::model::SessionUser;

use crate::auth::rules::{check_credentials, home_for, safe_next};
use crate::auth::{
    self as auth, attempts, cookie, password, revoke, rules, store, Principal, Via, SESSION_COOKIE,
};
use crate::error::{ApiError, ApiJson};
use crate::AppState;
use app::api::encode as encode_component;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/session", post(sign_in_json).delete(sign_out_json))
        .route("/api/me", get(me))
        .route("/api/account/password", post(change_password))
        .route("/session/signin", post(sign_in_form))
        .route("/session/signout", post(sign_out_form))
}

enum SignInError {
    Invalid,
    TooMany {
        retry_after: i64,
    },
    /// Every password worker is busy, or this address has checks in flight already: 503.
    Busy,
    Api(ApiError),
}

impl From<sqlx::Error> for SignInError {
    fn from(e: sqlx::Error) -> Self {
        SignInError::Api(e.into())
    }
}

/// Checks a password of `username` under the sign-in limits (`attempts`): `Ok(Some(user))` when it
/// is theirs, `Ok(None)` when not (recorded as a failure).
async fn checked_password(
    state: &AppState,
    username: &str,
    password_text: String,
    address: &str,
) -> Result<Option<store::UserRow>, SignInError> {
    let limits = &state.config.sign_in;
    let address = &auth::address::limit_key(address);
    let _in_flight = state
        .sign_ins
        .enter(address, limits.in_flight_per_address)
        .ok_or(SignInError::Busy)?;
    let user = store::user_by_name(&state.pool, username).await?;
    // a worker first: when every one is busy the answer is "busy", and nothing is recorded
    let place = password::place_for(user.is_none())
        .await
        .map_err(|_| SignInError::Busy)?;
    if let store::Reservation::Refused { retry_after } =
        store::reserve_attempt(&state.pool, username, address, limits).await?
    {
        return Err(SignInError::TooMany { retry_after });
    }
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    match password::verify_in(place, hash, password_text).await {
        Ok(true) => {
            store::clear_failures(&state.pool, username, address).await?;
            Ok(user)
        }
        Ok(false) => Ok(None),
        // the recorded attempt stays: it counts as a failure (the check's task itself failed)
        Err(password::Busy) => Err(SignInError::Busy),
    }
}

async fn sign_in(
    state: &AppState,
    username: &str,
    password_text: String,
    address: &str,
) -> Result<(SessionUser, String), SignInError> {
    let username = attempts::normal_username(username);
    match checked_password(state, &username, password_text, address).await? {
        Some(u) if !u.disabled => {
            let token = store::create_session(&state.pool, u.id, address).await?;
            tracing::info!(user = %u.username, %address, "signed in");
            Ok((u.session_user(), token))
        }
        _ => {
            tracing::warn!(user = %username, %address, "failed sign-in");
            Err(SignInError::Invalid)
        }
    }
}

fn session_cookie(state: &AppState, token: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    );
    HeaderValue::from_str(&value)
        .unwrap_or_else(|_| HeaderValue::from_static("ioc_session=; Path=/; Max-Age=0"))
}

async fn sign_in_json(
    State(state): State<AppState>,
    req_ext: axum::http::Extensions,
    ApiJson(body): ApiJson<Credentials>,
) -> Result<Response, ApiError> {
    check_credentials(&body.username, &body.password)?;
    let address = auth::client_address(&req_ext);
    match sign_in(&state, &body.username, body.password, &address).await {
        Ok((user, token)) => {
            let cookie = session_cookie(&state, &token, i64::from(store::SESSION_HOURS) * 3600);
            Ok(([(header::SET_COOKIE, cookie)], Json(SignedIn { user })).into_response())
        }
        Err(SignInError::Invalid) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong username or password",
        )),
        Err(SignInError::TooMany { retry_after }) => Ok(too_many(retry_after).into_response()),
        Err(SignInError::Busy) => Ok(password::busy_response()),
        Err(SignInError::Api(e)) => Err(e),
    }
}

fn too_many(retry_after: i64) -> impl IntoResponse {
    (
        [(header::RETRY_AFTER, retry_after.to_string())],
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed sign-ins; try again in {retry_after} s"),
        ),
    )
}

/// Ends the request's session; returns the cookie header that clears it in the browser.
async fn end_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<[(header::HeaderName, HeaderValue); 1], ApiError> {
    if let Some(token) = cookie(headers, SESSION_COOKIE) {
        let (state, token) = (state.clone(), token.to_string());
        revoke::uncancelled(async move {
            store::delete_session(&state.pool, &token).await?;
            let ended =
                revoke::Ended::Credential(revoke::Credential::Session(store::digest(&token)));
            revoke::end(&state, ended, "signed out").await;
            Ok(())
        })
        .await?;
    }
    Ok([(header::SET_COOKIE, session_cookie(state, "", 0))])
}

async fn sign_out_json(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    Ok((StatusCode::NO_CONTENT, end_session(&state, &headers).await?).into_response())
}

async fn me(Extension(principal): Extension<Principal>) -> Result<Json<Me>, ApiError> {
    let user = principal.user.ok_or_else(ApiError::unauthorized)?;
    let via = match principal.via {
        Via::Session => wire::Via::Session,
        Via::Token => wire::Via::Token,
        Via::Anonymous => wire::Via::Anonymous,
    };
    Ok(Json(Me { user, via }))
}

/// Changes the signed-in user's password; their other sessions and their API tokens end, and so do
/// their open sockets and video sessions.
async fn change_password(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    req_ext: axum::http::Extensions,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<Response, ApiError> {
    let me = principal.user.ok_or_else(ApiError::unauthorized)?;
    rules::check_new_password("new_password", &body.new_password)?;
    if body.current_password.chars().count() > attempts::MAX_PASSWORD_CHARS {
        return Err(ApiError::bad_request(
            "current_password",
            "current_password is wrong",
        ));
    }
    // the current password is checked under the sign-in limits: a stolen session cannot guess it
    let address = auth::client_address(&req_ext);
    match checked_password(&state, &me.username, body.current_password, &address).await {
        Ok(Some(u)) if u.id == me.id => {}
        Ok(_) | Err(SignInError::Invalid) => {
            return Err(ApiError::bad_request(
                "current_password",
                "current_password is wrong",
            ))
        }
        Err(SignInError::TooMany { retry_after }) => {
            return Ok(too_many(retry_after).into_response())
        }
        Err(SignInError::Busy) => return Ok(password::busy_response()),
        Err(SignInError::Api(e)) => return Err(e),
    }
    let hash = password::hash(body.new_password).await?;
    let keep = cookie(&headers, SESSION_COOKIE)
        .map(store::digest)
        .unwrap_or_default();
    let me_id = me.id;
    revoke::uncancelled(async move {
        let mut tx = state.pool.begin().await?;
        sqlx::query(
            "UPDATE users SET password_hash = $1, password_changed_at = now() WHERE id = $2",
        )
        .bind(&hash)
        .bind(me_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(me_id)
            .bind(keep)
            .execute(&mut *tx)
            .await?;
        store::revoke_tokens_of(&mut tx, me_id).await?;
        tx.commit().await?;
        // every socket and video of the user ends (this page's reconnect with its still-valid session)
        revoke::end(
            &state,
            revoke::Ended::User(me_id),
            "the password was changed",
        )
        .await;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The sign-in page's form (works without JavaScript): 303 to `next` or back to the form.
async fn sign_in_form(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let address = auth::client_address(req.extensions());
    let Form(form): Form<HashMap<String, String>> =
        Form::from_request_parts_or_body(req, &state).await?;
    let username = form.get("username").cloned().unwrap_or_default();
    let password_text = form.get("password").cloned().unwrap_or_default();
    let next = safe_next(form.get("next"));
    let back = |error: &str| {
        let mut url = format!("/signin?error={error}");
        if let Some(n) = &next {
            url.push_str(&format!("&next={}", encode_component(n)));
        }
        Redirect::to(&url).into_response()
    };
    if username.trim().is_empty() || password_text.is_empty() {
        return Ok(back("missing"));
    }
    if check_credentials(&username, &password_text).is_err() {
        return Ok(back("invalid"));
    }
    match sign_in(&state, &username, password_text, &address).await {
        Ok((user, token)) => {
            let cookie = session_cookie(&state, &token, i64::from(store::SESSION_HOURS) * 3600);
            let target = next.clone().unwrap_or_else(|| home_for(&user).to_string());
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&target)).into_response())
        }
        Err(SignInError::Invalid) => Ok(back("invalid")),
        Err(SignInError::TooMany { .. }) => Ok(back("locked")),
        Err(SignInError::Busy) => Ok(back("busy")),
        Err(SignInError::Api(e)) => Err(e),
    }
}

async fn sign_out_form(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    Ok((end_session(&state, &headers).await?, Redirect::to("/")).into_response())
}

/// Reads a urlencoded form body into a map, answering in the API's error shape when it cannot.
trait FormBody: Sized {
    async fn from_request_parts_or_body(req: Request, state: &AppState) -> Result<Self, ApiError>;
}

impl FormBody for Form<HashMap<String, String>> {
    async fn from_request_parts_or_body(req: Request, state: &AppState) -> Result<Self, ApiError> {
        use axum::extract::FromRequest;
        Form::from_request(req, state)
            .await
            .map_err(|e| ApiError::new(e.status(), "invalid_body", e.body_text()))
    }
}

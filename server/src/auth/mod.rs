//! Who is asking: sign-in with sessions (cookie) or personal API tokens (Bearer), roles, and the
//! access policy every route declares (`policy`).
//!
//! - `http`: sign-in and sign-out (JSON and the no-JavaScript form), the caller's account, tokens,
//!   users (admins);
//! - `rules`: what names, passwords, tokens and redirects may be, who may change whom (pure);
//! - `store`: users, sessions, tokens and sign-in attempts in PostgreSQL;
//! - `policy`: each route's access; `revoke` and `cache`: rights that end, ended at once everywhere;
//! - `password`: argon2 behind a bounded gate; `attempts`: sign-in limits; `address`: who the
//!   client is behind proxies; `error`: what a request is told;
//! - here: the `authenticate` layer that puts a [`Principal`] in every request.

pub mod address;
pub mod attempts;
pub mod cache;
pub mod error;
pub mod http;
pub mod password;
pub mod policy;
pub mod revoke;
pub mod rules;
pub mod store;

pub use error::AuthError;
pub use http::router;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sqlx::PgPool;

use app::model::{Role, SessionUser};

use crate::AppState;

pub const SESSION_COOKIE: &str = "ioc_session";

/// How a request was authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Anonymous,
    Session,
    Token,
}

/// The requester, put into every request's extensions by [`authenticate`].
#[derive(Clone, Debug)]
pub struct Principal {
    pub user: Option<SessionUser>,
    pub via: Via,
    /// The session or token it came with (None for the anonymous public).
    pub credential: Option<revoke::Credential>,
    /// The ending generation read before the rights were looked up (see `revoke`).
    pub checked_at: u64,
}

impl Principal {
    pub const ANONYMOUS: Principal = Principal {
        user: None,
        via: Via::Anonymous,
        credential: None,
        checked_at: 0,
    };

    /// Who would hold what this request opens (a socket, a video session).
    pub fn holder(&self) -> Option<revoke::Holder> {
        Some(revoke::Holder {
            user_id: self.user.as_ref()?.id,
            credential: self.credential.clone()?,
        })
    }
}

/// The value of one cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The client's address (behind a trusted proxy, the proxy's client: `address`), for the sign-in
/// limits and the audit; "local" for a request that did not come over TCP.
pub fn client_address(req_extensions: &axum::http::Extensions) -> String {
    let ip = match req_extensions.get::<address::ClientAddress>() {
        Some(a) => a.ip,
        None => req_extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip()),
    };
    ip.map(|ip| ip.to_string())
        .unwrap_or_else(|| "local".to_string())
}

/// One server's memory of rights: the sessions it has recently checked and the endings (sign-outs,
/// revocations, demotions) it has recorded since. Held by `AppState`, never by the process.
pub struct Rights {
    pub endings: revoke::Endings,
    pub sessions: cache::SessionCache,
    /// The cluster's bus, when there is one: endings are told to the other nodes over it.
    pub bus: std::sync::OnceLock<crate::cluster::bus::Bus>,
    /// This node among the cluster's (random), so that it skips what it told the bus itself.
    pub node: u64,
}

impl Default for Rights {
    fn default() -> Rights {
        Rights {
            endings: Default::default(),
            sessions: Default::default(),
            bus: std::sync::OnceLock::new(),
            node: rand::random(),
        }
    }
}

/// The requester; Err when their session or token could not be looked up (the database is down):
/// that is a 503, never a silent "anonymous".
async fn resolve(
    pool: &PgPool,
    rights: &Rights,
    headers: &HeaderMap,
) -> Result<Principal, sqlx::Error> {
    let checked_at = rights.endings.generation();
    let (user, via, credential) = if let Some(token) = bearer(headers) {
        match store::user_by_api_token(pool, token).await? {
            Some((u, id)) => (u.session_user(), Via::Token, revoke::Credential::Token(id)),
            None => return Ok(Principal::ANONYMOUS),
        }
    } else if let Some(token) = cookie(headers, SESSION_COOKIE) {
        let digest = store::digest(token);
        let user = match rights.sessions.get(&digest) {
            Some(user) => user,
            None => match store::user_by_session(pool, token).await? {
                Some(u) => {
                    rights.sessions.put(
                        digest.clone(),
                        u.session_user(),
                        checked_at,
                        &rights.endings,
                    );
                    u.session_user()
                }
                None => return Ok(Principal::ANONYMOUS),
            },
        };
        (user, Via::Session, revoke::Credential::Session(digest))
    } else {
        return Ok(Principal::ANONYMOUS);
    };
    Ok(Principal {
        user: Some(user),
        via,
        credential: Some(credential),
        checked_at,
    })
}

/// Middleware: finds the requester from the session cookie or the Bearer token.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let principal = match resolve(&state.pool, &state.rights, req.headers()).await {
        Ok(p) => p,
        Err(e) => {
            return crate::error::ApiError::unavailable(
                "the database is unavailable; try again shortly",
            )
            .because(format!("could not look up the session or token: {e}"))
            .into_response();
        }
    };
    if let Some(user) = &principal.user {
        // the Leptos pages read the user from here while rendering
        req.extensions_mut().insert(user.clone());
    }
    req.extensions_mut().insert(principal);
    next.run(req).await
}

/// First start: the `admin` user, with `IOC_ADMIN_PASSWORD` or a generated password logged once.
/// With `demo_users`, also `operator` and `planner` with the documented demo passwords.
pub async fn bootstrap(
    pool: &PgPool,
    admin_password: Option<String>,
    demo_users: bool,
) -> Result<(), sqlx::Error> {
    if store::user_by_name(pool, "admin").await?.is_none() {
        let (password, generated) = match admin_password {
            Some(p) => (p, false),
            None => (store::new_secret()[..20].to_string(), true),
        };
        let hash = password::hash(password.clone())
            .await
            .map_err(|e| sqlx::Error::Protocol(e.message))?;
        if store::create_user_if_absent(pool, "admin", "Administrator", Role::Admin, &hash).await? {
            if generated {
                tracing::warn!("created user `admin` with the generated password {password} (shown once; set IOC_ADMIN_PASSWORD to choose it)");
            } else {
                tracing::info!("created user `admin` with the password from IOC_ADMIN_PASSWORD");
            }
        }
    }
    if demo_users {
        for (name, display, role, pass) in DEMO_USERS {
            if store::user_by_name(pool, name).await?.is_none() {
                let hash = password::hash(pass.to_string())
                    .await
                    .map_err(|e| sqlx::Error::Protocol(e.message))?;
                if store::create_user_if_absent(pool, name, display, *role, &hash).await? {
                    tracing::info!("created demo user `{name}` (password `{pass}`)");
                }
            }
        }
    }
    Ok(())
}

/// Demo accounts made by `make run` (IOC_DEMO_USERS=1); never enable this in production.
pub const DEMO_USERS: &[(&str, &str, Role, &str)] = &[
    (
        "operator",
        "Điều hành viên (demo)",
        Role::Operator,
        "operator-demo-2026",
    ),
    (
        "planner",
        "Chuyên viên quy hoạch (demo)",
        Role::Planner,
        "planner-demo-2026",
    ),
];

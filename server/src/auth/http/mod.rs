//! The HTTP layer of `auth`: each file a group of routes. Handlers read the request, check it with
//! `auth::rules`, call `auth::store`, and answer.

pub mod session;
pub mod tokens;
pub mod users;

use axum::Router;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(session::router())
        .merge(tokens::router())
        .merge(users::router())
}

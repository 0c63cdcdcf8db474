//! `GET /api/search` and `GET /api/notices`: read the query, ask the store, answer JSON.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};

use app::contract::search::{Notices, SearchResults};

use crate::error::ApiError;
use crate::search::{rules, store};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/search", get(search))
        .route("/api/notices", get(notices))
}

/// `GET /api/search?q=&lang=&limit=`: public places only, as GeoJSON features, best match first.
async fn search(
    State(state): State<AppState>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(q) =
        q.map_err(|e| ApiError::bad_request("query", format!("unreadable query string: {e}")))?;
    let asked = rules::place_search(&q)?;
    let found = store::places(&state.pool, &asked).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        Json(SearchResults::new(found)),
    ))
}

/// `GET /api/notices`: notices valid now, newest first.
async fn notices(State(state): State<AppState>) -> Result<Json<Notices>, ApiError> {
    Ok(Json(Notices {
        notices: store::notices(&state.pool).await?,
    }))
}

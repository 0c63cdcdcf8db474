//! Public lookups for the tourist map: search places by name (ignoring case and diacritics, so
//! "nha tho duc ba" finds "Nhà thờ Đức Bà") and the current public notices.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use app::model::Lang;

use crate::error::ApiError;
use crate::AppState;

pub const MAX_QUERY_CHARS: usize = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/search", get(search))
        .route("/api/notices", get(notices))
}

/// `GET /api/search?q=&lang=&limit=`: public places only, as GeoJSON features, best match first.
/// `lang` (vi or en) only checks the caller's intent today: both names are always searched and returned.
async fn search(
    State(state): State<AppState>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(q) =
        q.map_err(|e| ApiError::bad_request("query", format!("unreadable query string: {e}")))?;
    let text = q.get("q").map(|s| s.trim()).unwrap_or_default();
    if text.is_empty() {
        return Err(ApiError::bad_request(
            "q",
            "q (the name to look for) is required",
        ));
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(
            "q",
            format!("q must have at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    if let Some(l) = q.get("lang") {
        Lang::parse(l).ok_or_else(|| ApiError::bad_request("lang", "lang must be vi or en"))?;
    }
    let limit = match q.get("limit") {
        None => 10,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=50).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request("limit", "limit must be a whole number from 1 to 50")
            })?,
    };
    let rows: Vec<String> = sqlx::query_file_scalar!("src/sql/search_places.sql", text, limit)
        .fetch_all(&state.pool)
        .await?;
    let body = format!(
        "{{\"type\":\"FeatureCollection\",\"numberReturned\":{},\"features\":[{}]}}",
        rows.len(),
        rows.join(",")
    );
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body))
}

/// `GET /api/notices`: notices valid now, newest first.
async fn notices(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let body: String = sqlx::query_scalar(
        "SELECT json_build_object('notices', coalesce(json_agg(json_build_object(
                    'id', id, 'title_vi', title_vi, 'title_en', title_en, 'body_vi', body_vi,
                    'body_en', body_en, 'valid_from', valid_from, 'valid_to', valid_to,
                    'geometry', ST_AsGeoJSON(geom, 6)::json) ORDER BY valid_from DESC), '[]'))::text
           FROM public_notices
          WHERE valid_from <= now() AND (valid_to IS NULL OR valid_to > now())",
    )
    .fetch_one(&state.pool)
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body))
}

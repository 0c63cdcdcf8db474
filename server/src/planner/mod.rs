//! The planner's area queries: `POST /api/area-query` (figures and a page of features) and
//! `POST /api/area-query/export?format=geojson|csv` (every feature, as a file). The request and answer
//! are documented in `docs/area-query.md`.

pub mod query;
pub mod request;

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use serde_json::Value;

use crate::error::{ApiError, ApiJson};
use crate::AppState;
use request::{AreaQuery, AreaQueryBody};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/area-query", post(area_query))
        .route("/api/area-query/export", post(export))
}

async fn area_query(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<AreaQueryBody>,
) -> Result<Json<Value>, ApiError> {
    let q = AreaQuery::from_body(body, Utc::now())?;
    Ok(Json(query::answer(&state.pool, &q).await?))
}

async fn export(
    State(state): State<AppState>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
    ApiJson(body): ApiJson<AreaQueryBody>,
) -> Result<Response, ApiError> {
    let Query(params) = params
        .map_err(|e| ApiError::bad_request("format", format!("unreadable query string: {e}")))?;
    let format = params
        .get("format")
        .map(String::as_str)
        .unwrap_or("geojson");
    if !matches!(format, "geojson" | "csv") {
        return Err(ApiError::bad_request(
            "format",
            "format must be geojson or csv",
        ));
    }
    let q = AreaQuery::from_body(body, Utc::now())?;
    let _turn = match export_turn().await {
        Ok(turn) => turn,
        Err(busy) => return Ok(busy),
    };
    let rows = query::export_rows(&state.pool, &q).await?;
    let stamp = Utc::now().format("%Y%m%d-%H%M");
    if format == "csv" {
        let mut out = String::from("layer,id,name_vi,name_en,kind,lon,lat,wkt\r\n");
        for (_, fields) in &rows {
            let line: Vec<String> = fields
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let f = f.as_deref().unwrap_or("");
                    // lon and lat are numbers; every other column is text anyone may have typed
                    if i == 5 || i == 6 {
                        csv_field(f)
                    } else {
                        csv_field(&spreadsheet_safe(f))
                    }
                })
                .collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
        Ok(file(
            out,
            "text/csv; charset=utf-8",
            &format!("ioc-area-{stamp}.csv"),
        ))
    } else {
        let features: Vec<&str> = rows.iter().map(|(f, _)| f.as_str()).collect();
        let body = format!(
            "{{\"type\":\"FeatureCollection\",\"numberReturned\":{},\"features\":[{}]}}",
            features.len(),
            features.join(",")
        );
        Ok(file(
            body,
            "application/geo+json",
            &format!("ioc-area-{stamp}.geojson"),
        ))
    }
}

/// Exports running at once in this process: each reads up to `EXPORT_MAX` features with one
/// database connection, so a few of them at once are all the pool (16) should give; the rest wait
/// their turn a while, then are told to come back. Sign-in and `/healthz` keep their connections.
const EXPORTS_AT_ONCE: usize = 2;
const EXPORT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

static EXPORTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(EXPORTS_AT_ONCE);

async fn export_turn() -> Result<tokio::sync::SemaphorePermit<'static>, Response> {
    match tokio::time::timeout(EXPORT_WAIT, EXPORTS.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err((
            [(header::RETRY_AFTER, "10")],
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "other exports are running; try again in 10 s",
            ),
        )
            .into_response()),
    }
}

fn file(body: String, content_type: &'static str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A text cell a spreadsheet would run as a formula (`=HYPERLINK(…)`, `+`, `-`, `@`, or a leading
/// tab or carriage return) gets a leading `'`, so it is shown as the text it is (OWASP's advice on
/// CSV injection). Numbers are written by the server and never pass through here.
pub fn spreadsheet_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_that_a_spreadsheet_would_run_is_defused() {
        for f in [
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
        ] {
            assert!(super::spreadsheet_safe(f).starts_with('\''), "{f}");
        }
        assert_eq!(super::spreadsheet_safe("Nhà thờ Đức Bà"), "Nhà thờ Đức Bà");
        assert_eq!(super::spreadsheet_safe("a=b"), "a=b");
    }

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(super::csv_field("Nhà thờ Đức Bà"), "Nhà thờ Đức Bà");
        assert_eq!(super::csv_field("a, b"), "\"a, b\"");
        assert_eq!(super::csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}

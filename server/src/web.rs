//! The Leptos app (server-side rendering, hydration, static files) and the small JSON API it uses.

use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{extract::State, Json, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use app::model::MapConfig;
use app::{shell, App};

use crate::error::ApiError;
use crate::AppState;

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/api/map-config", get(map_config))
        .route("/api/map/ward-labels", get(ward_labels))
        .route("/api/map/district-outline.svg", get(district_outline))
        // An unknown API path answers in the API's error shape, not with an HTML page.
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .route("/ogc/{*rest}", axum::routing::any(api_not_found))
}

async fn map_config(State(state): State<AppState>) -> Json<MapConfig> {
    Json(MapConfig {
        basemap_style_url: state.config.basemap_style_url.clone(),
    })
}

/// Label points of the wards for the map (a polygon layer would repeat or misplace its labels): those
/// of today, or of the day `on` asks for (the planner shows another date's wards).
async fn ward_labels(
    State(state): State<AppState>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<impl IntoResponse, ApiError> {
    let on = query
        .as_deref()
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("on="))
        .map(|s| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .filter(|_| s.len() == 10)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "on",
                        format!(
                            "on must be a date such as 2024-06-30, got {}",
                            crate::error::shown(s)
                        ),
                    )
                })
        })
        .transpose()?;
    let body: String = sqlx::query_file_scalar!("src/sql/ward_labels.sql", on)
        .fetch_one(&state.pool)
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body))
}

/// The district and its wards as a small picture, shown where the map will be until the map's code
/// has arrived (issue #12). Boundaries change rarely (the ward merger of #13 is dated): a browser
/// keeps it for an hour.
async fn district_outline(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let svg: String = sqlx::query_file_scalar!("src/sql/district_outline.sql")
        .fetch_one(&state.pool)
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        svg,
    ))
}

/// How long a browser keeps what it fetched (issue #12).
///
/// - A file whose address names its content (the wasm, JS, CSS and wasm chunks that cargo-leptos
///   renames after their hash, and MapLibre or the favicon asked for with the current
///   `?v=<fingerprint>` that the page shell adds) is kept for a year and never asked for again:
///   `public, max-age=31536000, immutable`. A new build is a new address.
/// - Other site files (glyphs, an address with an old or no fingerprint) are kept and asked for
///   again each time: `no-cache` with the `Last-Modified` the file server sends, answered 304
///   without a body while the file is the same.
/// - Pages carry the signed-in user: only that browser keeps them, and asks again each time
///   (`private, no-cache`), so a new build's page, naming the new files, is seen at once.
/// - API answers say nothing and are not kept.
pub async fn cache_headers(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let is_file = req.method() == axum::http::Method::GET && is_site_file(req.uri().path());
    let named_by_content = is_file && names_its_content(&state.config.site_root, req.uri());
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let served = res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED;
    let value = if named_by_content && served {
        Some("public, max-age=31536000, immutable")
    } else if is_file && served {
        Some("no-cache")
    } else if html {
        Some("private, no-cache")
    } else {
        None
    };
    if let Some(v) = value {
        res.headers_mut()
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static(v));
    }
    res
}

/// Whether the address can only ever mean one content: a `/pkg/` name with cargo-leptos' hash in it
/// (22 characters of unpadded base64url MD5: `ioc-map.<hash>.wasm`, `chunk_7.<hash>.wasm`), or the
/// current fingerprint in `?v=`.
fn names_its_content(site_root: &str, uri: &Uri) -> bool {
    let path = uri.path();
    if let Some(v) = uri
        .query()
        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("v=")))
    {
        return app::assets::fingerprint(site_root, path).is_some_and(|f| f == v);
    }
    path.strip_prefix("/pkg/").is_some_and(|name| {
        !name.contains('/')
            && name.split('.').any(|part| {
                part.len() == 22
                    && part.bytes().any(|b| b != b'_')
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
    })
}

/// A path the built site's files are served under (as cargo-leptos lays them out).
fn is_site_file(path: &str) -> bool {
    ["/pkg/", "/maplibre/", "/glyphs/"]
        .iter()
        .any(|p| path.starts_with(p))
        || path == "/favicon.svg"
}

async fn api_not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!("no such resource: {}", uri.path()))
}

/// Page routes rendered by Leptos; everything else is a file of the built site or a 404 page.
pub fn app_router(state: &AppState) -> Router<AppState> {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let csp = crate::headers::page_context(state.config.basemap_style_url.is_some());
    let pages = leptos_axum::file_and_error_handler_with_context::<AppState, _>(csp.clone(), shell);
    let files = ServeDir::new(state.leptos_options.site_root.as_ref())
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .leptos_routes_with_context(state, routes, csp, move || shell(options.clone()))
        .fallback(
            move |uri: Uri, state: State<AppState>, req: axum::extract::Request| {
                let (pages, files) = (pages.clone(), files.clone());
                async move {
                    // the site's files with the request's own headers (leptos' handler passes on
                    // only Accept-Encoding, so a revalidation could never get its 304)
                    if is_site_file(uri.path()) && req.method() == axum::http::Method::GET {
                        let mut file_req = axum::extract::Request::new(axum::body::Body::empty());
                        *file_req.uri_mut() = uri.clone();
                        *file_req.headers_mut() = req.headers().clone();
                        let Ok(res) = files.oneshot(file_req).await;
                        if res.status() != StatusCode::NOT_FOUND {
                            return res.into_response();
                        }
                    }
                    pages(uri, state, req).await
                }
            },
        )
}

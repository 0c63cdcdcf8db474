//! The Leptos app (server-side rendering, hydration, static files) and the small JSON API it uses.

use axum::http::{header, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{extract::State, Json, Router};
use leptos_axum::{generate_route_list, LeptosRoutes};

use app::model::MapConfig;
use app::{shell, App};

use crate::error::ApiError;
use crate::AppState;

pub fn api_router() -> Router<AppState> {
    Router::new()
        .route("/api/map-config", get(map_config))
        .route("/api/map/ward-labels", get(ward_labels))
        // An unknown API path answers in the API's error shape, not with an HTML page.
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .route("/ogc/{*rest}", axum::routing::any(api_not_found))
}

async fn map_config(State(state): State<AppState>) -> Json<MapConfig> {
    Json(MapConfig {
        basemap_style_url: state.config.basemap_style_url.clone(),
    })
}

/// Label points of the wards for the map (a polygon layer would repeat or misplace its labels).
async fn ward_labels(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let body: String = sqlx::query_file_scalar!("src/sql/ward_labels.sql")
        .fetch_one(&state.pool)
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body))
}

async fn api_not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!("no such resource: {}", uri.path()))
}

/// Page routes rendered by Leptos; everything else is a file of the built site or a 404 page.
pub fn app_router(state: &AppState) -> Router<AppState> {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let csp = crate::headers::page_context(state.config.basemap_style_url.is_some());
    Router::new()
        .leptos_routes_with_context(state, routes, csp.clone(), move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(csp, shell))
}

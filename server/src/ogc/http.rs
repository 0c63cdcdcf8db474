//! The OGC HTTP layer: the landing page, conformance, the collections and their items. Each handler
//! reads its request, has `rules` check it, asks `store`, and writes the OGC document.
//!
//! Links are absolute (clients such as GDAL follow `next` links as given), built from `IOC_PUBLIC_URL`
//! or else from the request's `Host`.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::{json, value::RawValue, Value};

use super::collections::{self, Collection, COLLECTIONS};
use super::error::OgcError;
use super::rules::{self as params, ItemsQuery};
use super::store::{self, Filter};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::AppState;

pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
];
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const GEOJSON: &str = "application/geo+json";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ogc", get(landing))
        .route("/ogc/", get(landing))
        .route("/ogc/conformance", get(conformance))
        .route("/ogc/collections", get(list_collections))
        .route("/ogc/collections/{id}", get(one_collection))
        .route("/ogc/collections/{id}/items", get(items))
        .route("/ogc/collections/{id}/items/{fid}", get(item))
}

type RawQuery = Result<Query<HashMap<String, String>>, QueryRejection>;

fn query_map(q: RawQuery) -> Result<HashMap<String, String>, ApiError> {
    q.map(|Query(m)| m)
        .map_err(|e| ApiError::bad_request("query", format!("unreadable query string: {e}")))
}

fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.clone();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

async fn landing(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: RawQuery,
) -> Result<Json<Value>, ApiError> {
    params::check_format(&query_map(q)?)?;
    let base = base_url(&state, &headers);
    Ok(Json(json!({
        "title": "ioc-map — District 1 operations map",
        "description": "Wards, streets, cameras, recorders, schools, clinics and tourism places of \
                        District 1, Ho Chi Minh City, as OGC API – Features.",
        "links": [
            {"href": format!("{base}/ogc"), "rel": "self", "type": "application/json", "title": "This document"},
            {"href": format!("{base}/ogc/conformance"), "rel": "conformance", "type": "application/json",
             "title": "Conformance classes"},
            {"href": format!("{base}/ogc/collections"), "rel": "data", "type": "application/json",
             "title": "Collections"},
            // OGC API – Features Part 1 (7.2.4) asks for the API definition
            {"href": format!("{base}/api/openapi.json"), "rel": "service-desc",
             "type": "application/vnd.oai.openapi+json;version=3.1", "title": "The API definition (OpenAPI 3.1)"},
        ]
    })))
}

async fn conformance(q: RawQuery) -> Result<Json<Value>, ApiError> {
    params::check_format(&query_map(q)?)?;
    Ok(Json(json!({ "conformsTo": CONFORMANCE })))
}

async fn collection_json(state: &AppState, base: &str, c: &Collection) -> Result<Value, OgcError> {
    let bbox = store::extent(&state.pool, c)
        .await?
        .map(Vec::from)
        .unwrap_or_default();
    Ok(json!({
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": { "spatial": { "bbox": [bbox], "crs": CRS84 } },
        "links": [
            {"href": format!("{base}/ogc/collections/{}", c.id), "rel": "self", "type": "application/json"},
            {"href": format!("{base}/ogc/collections/{}/items", c.id), "rel": "items", "type": GEOJSON,
             "title": c.title},
        ],
        "title_vi": c.title_vi,
    }))
}

/// Lists the collections the caller may read: anonymous visitors see only the public ones.
async fn list_collections(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    headers: HeaderMap,
    q: RawQuery,
) -> Result<Json<Value>, ApiError> {
    params::check_format(&query_map(q)?)?;
    let base = base_url(&state, &headers);
    let imported: Vec<Collection> = crate::imports::store::layers(&state.pool, None)
        .await
        .map_err(OgcError::from)?
        .iter()
        .map(collections::of_layer)
        .collect();
    let mut out = Vec::with_capacity(COLLECTIONS.len() + imported.len());
    for c in COLLECTIONS
        .iter()
        .chain(imported.iter())
        .filter(|c| c.access.allows(principal.user.as_ref()))
    {
        out.push(collection_json(&state, &base, c).await?);
    }
    Ok(Json(json!({
        "links": [{"href": format!("{base}/ogc/collections"), "rel": "self", "type": "application/json"}],
        "collections": out,
    })))
}

/// The collection, built-in or imported, if it exists and the caller may read it (401 anonymous, 403
/// wrong role).
async fn find(state: &AppState, id: &str, principal: &Principal) -> Result<Collection, OgcError> {
    let c = match collections::find(id) {
        Some(c) => c.clone(),
        None if crate::imports::rules::layer_id_ok(id) => {
            crate::imports::store::layers(&state.pool, Some(id))
                .await?
                .first()
                .map(collections::of_layer)
                .ok_or_else(|| OgcError::NotFound(format!("no collection {id:?}")))?
        }
        None => return Err(OgcError::NotFound(format!("no collection {id:?}"))),
    };
    if !c.access.allows(principal.user.as_ref()) {
        return Err(OgcError::Refused(c.access.refuse(principal.user.as_ref())));
    }
    Ok(c)
}

async fn one_collection(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: RawQuery,
) -> Result<Json<Value>, ApiError> {
    params::check_format(&query_map(q)?)?;
    let c = find(&state, &id, &principal).await?;
    Ok(Json(
        collection_json(&state, &base_url(&state, &headers), &c).await?,
    ))
}

async fn items(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: RawQuery,
) -> Result<Response, ApiError> {
    let c = find(&state, &id, &principal).await?;
    let raw = query_map(q)?;
    let query = ItemsQuery::parse(&raw)?;
    let (from, to) = params::time_filter(&c, raw.get("datetime"), chrono::Utc::now())?;
    let b = query.bbox;
    let filter = Filter { bbox: b, from, to };
    let matched = store::count(&state.pool, &c, &filter).await?;
    let features = store::page(&state.pool, &c, &filter, query.limit, query.offset).await?;
    let returned = features.len() as i64;
    let base = base_url(&state, &headers);
    let page_url = |offset: i64| {
        let mut url = format!(
            "{base}/ogc/collections/{}/items?limit={}&offset={offset}",
            c.id, query.limit
        );
        if let Some(b) = b {
            url.push_str(&format!(
                "&bbox={},{},{},{}",
                b.min_lon, b.min_lat, b.max_lon, b.max_lat
            ));
        }
        if let Some(d) = raw.get("datetime") {
            url.push_str(&format!("&datetime={}", app::api::encode(d)));
        }
        url
    };
    let mut links = vec![
        json!({"href": page_url(query.offset), "rel": "self", "type": GEOJSON}),
        json!({"href": format!("{base}/ogc/collections/{}", c.id), "rel": "collection", "type": "application/json"}),
    ];
    if query.offset + returned < matched {
        links.push(
            json!({"href": page_url(query.offset + query.limit), "rel": "next", "type": GEOJSON}),
        );
    }
    if query.offset > 0 {
        links.push(json!({"href": page_url((query.offset - query.limit).max(0)), "rel": "prev", "type": GEOJSON}));
    }
    #[derive(serde::Serialize)]
    struct Page {
        r#type: &'static str,
        #[serde(rename = "numberMatched")]
        number_matched: i64,
        #[serde(rename = "numberReturned")]
        number_returned: i64,
        #[serde(rename = "timeStamp")]
        time_stamp: String,
        links: Vec<Value>,
        features: Vec<Box<RawValue>>,
    }
    let page = Page {
        r#type: "FeatureCollection",
        number_matched: matched,
        number_returned: returned,
        time_stamp: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        links,
        features,
    };
    Ok(geojson(&page))
}

async fn item(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, fid)): Path<(String, String)>,
    headers: HeaderMap,
    q: RawQuery,
) -> Result<Response, ApiError> {
    params::check_format(&query_map(q)?)?;
    let c = find(&state, &id, &principal).await?;
    let mut feature = store::feature(&state.pool, &c, &fid)
        .await?
        .ok_or_else(|| OgcError::NotFound(format!("no feature {fid:?} in collection {id:?}")))?;
    let base = base_url(&state, &headers);
    feature["links"] = json!([
        {"href": format!("{base}/ogc/collections/{id}/items/{fid}"), "rel": "self", "type": GEOJSON},
        {"href": format!("{base}/ogc/collections/{id}"), "rel": "collection", "type": "application/json"},
    ]);
    Ok(geojson(&feature))
}

fn geojson<T: serde::Serialize>(body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => ([(header::CONTENT_TYPE, GEOJSON)], bytes).into_response(),
        Err(e) => ApiError::unavailable("feature encoding failed")
            .because(format!("could not serialise a GeoJSON answer: {e}"))
            .into_response(),
    }
}

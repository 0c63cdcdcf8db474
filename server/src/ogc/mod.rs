//! OGC API – Features (Part 1: Core, GeoJSON), read-only, at `/ogc`.
//!
//! Links are absolute (clients such as GDAL follow `next` links as given), built from `IOC_PUBLIC_URL`
//! or else from the request's `Host`.

pub mod collections;
pub mod params;

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use serde_json::{json, value::RawValue, Value};

use crate::auth::Principal;
use crate::error::ApiError;
use crate::AppState;
use collections::{Collection, COLLECTIONS};
use params::ItemsQuery;

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

async fn collection_json(state: &AppState, base: &str, c: &Collection) -> Result<Value, ApiError> {
    let extent: Option<(f64, f64, f64, f64)> = sqlx::query_as(&format!(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) \
         FROM (SELECT ST_Extent(s.geom) AS e FROM ({}) s) x WHERE e IS NOT NULL",
        c.source_sql()
    ))
    .fetch_optional(&state.pool)
    .await?;
    let bbox = extent
        .map(|(a, b, c, d)| vec![a, b, c, d])
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
    let mut out = Vec::with_capacity(COLLECTIONS.len());
    for c in COLLECTIONS
        .iter()
        .filter(|c| c.access.allows(principal.user.as_ref()))
    {
        out.push(collection_json(&state, &base, c).await?);
    }
    Ok(Json(json!({
        "links": [{"href": format!("{base}/ogc/collections"), "rel": "self", "type": "application/json"}],
        "collections": out,
    })))
}

/// The collection, if it exists and the caller may read it (401 anonymous, 403 wrong role).
fn find(id: &str, principal: &Principal) -> Result<&'static Collection, ApiError> {
    let c = collections::find(id)
        .ok_or_else(|| ApiError::not_found(format!("no collection {id:?}")))?;
    if !c.access.allows(principal.user.as_ref()) {
        return Err(c.access.refuse(principal.user.as_ref()));
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
    let c = find(&id, &principal)?;
    Ok(Json(
        collection_json(&state, &base_url(&state, &headers), c).await?,
    ))
}

/// The id is also a property: clients that keep only numeric feature ids (MapLibre) still have it.
const FEATURE_SQL: &str = "json_build_object('type', 'Feature', 'id', s.id, \
     'geometry', ST_AsGeoJSON(s.geom, 6)::json, \
     'properties', jsonb_build_object('id', s.id) || s.props)::text";

async fn items(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: RawQuery,
) -> Result<Response, ApiError> {
    let c = find(&id, &principal)?;
    let raw = query_map(q)?;
    let query = ItemsQuery::parse(&raw)?;
    let (t0, t1) = match raw.get("datetime") {
        None => (None, None),
        Some(_) if !c.temporal => {
            return Err(ApiError::bad_request(
                "datetime",
                format!("collection {:?} has no time", c.id),
            ))
        }
        Some(d) => params::parse_datetime(d)?,
    };
    let time_filter = if c.temporal {
        "($5::timestamptz IS NULL OR s.t >= $5) AND ($6::timestamptz IS NULL OR s.t <= $6)"
    } else {
        "$5::timestamptz IS NULL AND $6::timestamptz IS NULL"
    };
    let filter = format!(
        "($1::float8 IS NULL OR ST_Intersects(s.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))) AND {time_filter}"
    );
    let src = c.source_sql();
    let b = query.bbox;
    let (a1, a2, a3, a4) = (
        b.map(|b| b.min_lon),
        b.map(|b| b.min_lat),
        b.map(|b| b.max_lon),
        b.map(|b| b.max_lat),
    );
    let matched: i64 =
        sqlx::query_scalar(&format!("SELECT count(*) FROM ({src}) s WHERE {filter}"))
            .bind(a1)
            .bind(a2)
            .bind(a3)
            .bind(a4)
            .bind(t0)
            .bind(t1)
            .fetch_one(&state.pool)
            .await?;
    let rows: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT {FEATURE_SQL} FROM ({src}) s WHERE {filter} ORDER BY s.id LIMIT $7 OFFSET $8"
    ))
    .bind(a1)
    .bind(a2)
    .bind(a3)
    .bind(a4)
    .bind(t0)
    .bind(t1)
    .bind(query.limit)
    .bind(query.offset)
    .fetch_all(&state.pool)
    .await?;
    let features = rows
        .into_iter()
        .map(RawValue::from_string)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            ApiError::unavailable("feature encoding failed")
                .because(format!("feature JSON from the database did not parse: {e}"))
        })?;
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
    let c = find(&id, &principal)?;
    let row: Option<String> = sqlx::query_scalar(&format!(
        "SELECT {FEATURE_SQL} FROM ({}) s WHERE s.id = $1",
        c.source_sql()
    ))
    .bind(&fid)
    .fetch_optional(&state.pool)
    .await?;
    let row =
        row.ok_or_else(|| ApiError::not_found(format!("no feature {fid:?} in collection {id:?}")))?;
    let mut feature: Value = serde_json::from_str(&row).map_err(|e| {
        ApiError::unavailable("feature encoding failed")
            .because(format!("feature JSON from the database did not parse: {e}"))
    })?;
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

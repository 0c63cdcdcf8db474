//! Answers an area query with PostGIS: the area, counts per layer, incidents by kind, status and time,
//! camera coverage of schools and clinics, and a page of the features inside.

use serde_json::{json, value::RawValue, Value};
use sqlx::PgPool;

use super::request::{Area, AreaQuery};
use crate::error::ApiError;

const IN_AREA: &str = include_str!("sql/in_area.sql");
const BREAKDOWN: &str = include_str!("sql/incident_breakdown.sql");
const HISTOGRAM: &str = include_str!("sql/histogram.sql");
const COVERAGE: &str = include_str!("sql/coverage.sql");

/// The area resolved to GeoJSON for PostGIS, with what the answer says about it.
pub struct ResolvedArea {
    pub geojson: String,
    pub summary: Value,
}

pub async fn resolve_area(pool: &PgPool, area: &Area) -> Result<ResolvedArea, ApiError> {
    match area {
        Area::Ward(code) => {
            let row: Option<(String, f64, String, String)> = sqlx::query_as(
                "SELECT ST_AsGeoJSON(geom)::text, ST_Area(geom::geography) / 1e6, name_vi, name_en
                   FROM admin_areas WHERE code = $1 AND level = 'ward'",
            )
            .bind(code)
            .fetch_optional(pool)
            .await?;
            let (geojson, km2, vi, en) = row.ok_or_else(|| {
                ApiError::bad_request("ward", format!("no ward with code {code}"))
            })?;
            Ok(ResolvedArea {
                geojson,
                summary: json!({"kind": "ward", "ward": code, "name_vi": vi, "name_en": en, "area_km2": round3(km2)}),
            })
        }
        Area::Geometry(g) => {
            let (valid, reason, km2): (bool, String, f64) = sqlx::query_as(
                "SELECT ST_IsValid(g), ST_IsValidReason(g), ST_Area(g::geography) / 1e6
                   FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g) x",
            )
            .bind(g)
            .fetch_one(pool)
            .await
            .map_err(|e| {
                ApiError::bad_request("geometry", format!("PostGIS cannot read the geometry: {e}"))
            })?;
            if !valid {
                return Err(ApiError::bad_request(
                    "geometry",
                    format!("geometry is not valid: {reason}"),
                ));
            }
            Ok(ResolvedArea {
                geojson: g.clone(),
                summary: json!({"kind": "polygon", "area_km2": round3(km2)}),
            })
        }
        Area::Circle { lon, lat, radius_m } => {
            let geojson: String = sqlx::query_scalar(
                "SELECT ST_AsGeoJSON(ST_Buffer(ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, $3, 'quad_segs=16')::geometry)::text",
            )
            .bind(lon)
            .bind(lat)
            .bind(radius_m)
            .fetch_one(pool)
            .await?;
            let km2 = std::f64::consts::PI * radius_m * radius_m / 1e6;
            Ok(ResolvedArea {
                geojson,
                summary: json!({"kind": "circle", "center": [lon, lat], "radius_m": radius_m, "area_km2": round3(km2)}),
            })
        }
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn raw(s: String) -> Result<Box<RawValue>, ApiError> {
    RawValue::from_string(s).map_err(|e| {
        tracing::error!(error = %e, "JSON from the database did not parse");
        ApiError::unavailable("answer encoding failed")
    })
}

const FEATURE_JSON: &str =
    "json_build_object('type', 'Feature', 'id', f.id, 'geometry', ST_AsGeoJSON(f.geom, 6)::json, \
     'properties', jsonb_build_object('id', f.id, 'layer', f.layer) || f.props)::text";

/// The whole answer of `POST /api/area-query`.
pub async fn answer(pool: &PgPool, q: &AreaQuery) -> Result<Value, ApiError> {
    let mut area = resolve_area(pool, &q.area).await?;
    // the area itself, so a client can draw what was queried
    area.summary["geometry"] = serde_json::from_str(&area.geojson).unwrap_or(Value::Null);
    let counts: Vec<(String, i64)> = sqlx::query_as(&format!(
        "{IN_AREA} SELECT layer, count(*) FROM f GROUP BY layer"
    ))
    .bind(&area.geojson)
    .bind(q.from)
    .bind(q.to)
    .fetch_all(pool)
    .await?;
    let count_of = |layer: &str| {
        counts
            .iter()
            .find(|(l, _)| l == layer)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    let counts_json: serde_json::Map<String, Value> = super::request::LAYERS
        .iter()
        .map(|l| (l.to_string(), json!(count_of(l))))
        .collect();
    let matched: i64 = q.layers.iter().map(|l| count_of(l)).sum();
    let page: Vec<String> = sqlx::query_scalar(&format!(
        "{IN_AREA} SELECT {FEATURE_JSON} FROM f WHERE f.layer = ANY($4) ORDER BY f.layer, f.id LIMIT $5 OFFSET $6"
    ))
    .bind(&area.geojson)
    .bind(q.from)
    .bind(q.to)
    .bind(&q.layers)
    .bind(q.limit)
    .bind(q.offset)
    .fetch_all(pool)
    .await?;
    let returned = page.len();
    let features = page.into_iter().map(raw).collect::<Result<Vec<_>, _>>()?;
    let breakdown: String = sqlx::query_scalar(BREAKDOWN)
        .bind(&area.geojson)
        .bind(q.from)
        .bind(q.to)
        .fetch_one(pool)
        .await?;
    let histogram: String = sqlx::query_scalar(HISTOGRAM)
        .bind(&area.geojson)
        .bind(q.from)
        .bind(q.to)
        .bind(q.bucket.as_str())
        .fetch_one(pool)
        .await?;
    let coverage: String = sqlx::query_scalar(COVERAGE)
        .bind(&area.geojson)
        .bind(q.coverage_distance_m)
        .fetch_one(pool)
        .await?;
    let mut incidents: Value = serde_json::from_str(&breakdown).unwrap_or_else(|_| json!({}));
    incidents["total"] = json!(count_of("incidents"));
    incidents["histogram"] = json!({"bin": q.bucket.as_str(), "time_zone": "Asia/Ho_Chi_Minh",
                                    "bins": serde_json::from_str::<Value>(&histogram).unwrap_or_else(|_| json!([]))});
    let mut coverage: Value = serde_json::from_str(&coverage).unwrap_or_else(|_| json!({}));
    coverage["distance_m"] = json!(q.coverage_distance_m);
    Ok(json!({
        "area": area.summary,
        "time_range": {"from": q.from.to_rfc3339(), "to": q.to.to_rfc3339()},
        "counts": counts_json,
        "incidents": incidents,
        "coverage": coverage,
        "features": {
            "type": "FeatureCollection",
            "numberMatched": matched,
            "numberReturned": returned,
            "limit": q.limit,
            "offset": q.offset,
            "features": features,
        },
    }))
}

/// Most features an export file holds.
pub const EXPORT_MAX: i64 = 100_000;

/// Every feature inside the area (of the chosen layers), for export: (feature JSON, CSV row fields).
pub async fn export_rows(
    pool: &PgPool,
    q: &AreaQuery,
) -> Result<Vec<(String, [Option<String>; 8])>, ApiError> {
    let area = resolve_area(pool, &q.area).await?;
    type Row = (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<f64>,
        Option<f64>,
        Option<String>,
    );
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{IN_AREA} SELECT {FEATURE_JSON}, f.layer, f.id, f.props->>'name_vi', f.props->>'name_en', f.props->>'kind',
                CASE WHEN GeometryType(f.geom) = 'POINT' THEN ST_X(f.geom) END,
                CASE WHEN GeometryType(f.geom) = 'POINT' THEN ST_Y(f.geom) END,
                CASE WHEN GeometryType(f.geom) <> 'POINT' THEN ST_AsText(f.geom) END
           FROM f WHERE f.layer = ANY($4) ORDER BY f.layer, f.id LIMIT $5"
    ))
    .bind(&area.geojson)
    .bind(q.from)
    .bind(q.to)
    .bind(&q.layers)
    .bind(EXPORT_MAX)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(feature, layer, id, vi, en, kind, lon, lat, wkt)| {
            (
                feature,
                [
                    Some(layer),
                    Some(id),
                    vi,
                    en,
                    kind,
                    lon.map(|v| format!("{v:.6}")),
                    lat.map(|v| format!("{v:.6}")),
                    wkt,
                ],
            )
        })
        .collect())
}

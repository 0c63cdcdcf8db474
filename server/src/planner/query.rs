//! Answers an area query with PostGIS: the area, counts per layer, incidents by kind, status and time,
//! camera coverage of schools and clinics, and a page of the features inside.

use serde_json::{json, value::RawValue, Value};
use sqlx::PgPool;

use super::request::{Area, AreaQuery};
use crate::error::ApiError;

const IN_AREA: &str = include_str!("sql/in_area.sql");
const COUNTS: &str = include_str!("sql/counts.sql");
const FEATURES: &str = include_str!("sql/features.sql");
const INCIDENT_STATS: &str = include_str!("sql/incident_stats.sql");
const COVERAGE: &str = include_str!("sql/coverage.sql");

/// Where incidents are read from. For a short time range (the usual planner question) the time index
/// narrows them far better than the spatial one: reading the range first (the heap is in time order,
/// as incidents are appended) beats intersecting two large bitmaps, which PostgreSQL would otherwise
/// choose. `OFFSET 0` keeps the planner from merging the two conditions again.
fn incidents_source(q: &AreaQuery) -> &'static str {
    if q.to - q.from <= chrono::Duration::days(92) {
        "(SELECT * FROM incidents WHERE reported_at >= $2 AND reported_at < $3 OFFSET 0)"
    } else {
        "incidents"
    }
}

fn in_area(q: &AreaQuery) -> String {
    IN_AREA.replace("{incidents}", incidents_source(q))
}

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
            .map_err(geometry_error)?;
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

/// PostGIS refusing the geometry (a data error: class 22, or its own `XX000` parse errors) is the
/// client's mistake and its message says why; anything else (the database down, a timeout) is ours,
/// answered with the generic 5xx and logged, never with the driver's text.
fn geometry_error(e: sqlx::Error) -> ApiError {
    match &e {
        sqlx::Error::Database(db)
            if db
                .code()
                .is_some_and(|c| c.starts_with("22") || c == "XX000") =>
        {
            ApiError::bad_request(
                "geometry",
                format!("PostGIS cannot read the geometry: {}", db.message()),
            )
        }
        _ => e.into(),
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn raw(s: String) -> Result<Box<RawValue>, ApiError> {
    RawValue::from_string(s).map_err(|e| {
        ApiError::unavailable("answer encoding failed")
            .because(format!("JSON from the database did not parse: {e}"))
    })
}

/// The layers in the order features are listed (and paged).
fn ordered_layers(q: &AreaQuery) -> Vec<&str> {
    let mut layers: Vec<&str> = q.layers.iter().map(String::as_str).collect();
    layers.sort_unstable();
    layers.dedup();
    layers
}

/// Which part of each layer a page [offset, offset + limit) covers: (layer, local offset, local limit).
pub fn page_windows<'a>(
    layers: &[(&'a str, i64)],
    offset: i64,
    limit: i64,
) -> Vec<(&'a str, i64, i64)> {
    let mut out = Vec::new();
    let (mut start, end) = (0i64, offset.saturating_add(limit));
    for &(layer, n) in layers {
        let (lo, hi) = (offset.max(start), end.min(start + n));
        if lo < hi {
            out.push((layer, lo - start, hi - lo));
        }
        start = start.saturating_add(n);
    }
    out
}

type FeatureRow = (
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

async fn features(pool: &PgPool, keys: &[(String, String)]) -> Result<Vec<FeatureRow>, ApiError> {
    let (layers, ids): (Vec<&str>, Vec<&str>) =
        keys.iter().map(|(l, i)| (l.as_str(), i.as_str())).unzip();
    Ok(sqlx::query_as(FEATURES)
        .bind(&layers)
        .bind(&ids)
        .fetch_all(pool)
        .await?)
}

async fn ids_in(
    pool: &PgPool,
    area: &ResolvedArea,
    q: &AreaQuery,
    layer: &str,
    offset: i64,
    limit: i64,
) -> Result<Vec<String>, ApiError> {
    let in_area = in_area(q);
    Ok(sqlx::query_scalar(&format!(
        "{in_area} SELECT f.id FROM f WHERE f.layer = $4 ORDER BY f.id LIMIT $5 OFFSET $6"
    ))
    .bind(&area.geojson)
    .bind(q.from)
    .bind(q.to)
    .bind(layer)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?)
}

/// The whole answer of `POST /api/area-query`.
pub async fn answer(pool: &PgPool, q: &AreaQuery) -> Result<Value, ApiError> {
    let mut area = resolve_area(pool, &q.area).await?;
    // the area itself, so a client can draw what was queried
    area.summary["geometry"] = serde_json::from_str(&area.geojson).unwrap_or(Value::Null);
    let (cameras, recorders, schools, clinics, tourism): (i64, i64, i64, i64, i64) =
        sqlx::query_as(COUNTS)
            .bind(&area.geojson)
            .fetch_one(pool)
            .await?;
    let stats: String =
        sqlx::query_scalar(&INCIDENT_STATS.replace("{incidents}", incidents_source(q)))
            .bind(&area.geojson)
            .bind(q.from)
            .bind(q.to)
            .bind(q.bucket.as_str())
            .fetch_one(pool)
            .await?;
    let stats: Value = serde_json::from_str(&stats).unwrap_or_else(|_| json!({}));
    let incidents = stats["total"].as_i64().unwrap_or(0);
    let counts = [
        ("cameras", cameras),
        ("recorders", recorders),
        ("schools", schools),
        ("clinics", clinics),
        ("tourism", tourism),
        ("incidents", incidents),
    ];
    let count_of = |layer: &str| {
        counts
            .iter()
            .find(|(l, _)| *l == layer)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    let layers: Vec<(&str, i64)> = ordered_layers(q)
        .into_iter()
        .map(|l| (l, count_of(l)))
        .collect();
    let matched: i64 = layers.iter().map(|(_, n)| n).sum();
    let mut keys = Vec::new();
    for (layer, off, lim) in page_windows(&layers, q.offset, q.limit) {
        for id in ids_in(pool, &area, q, layer, off, lim).await? {
            keys.push((layer.to_string(), id));
        }
    }
    let page = features(pool, &keys).await?;
    let returned = page.len();
    let features = page
        .into_iter()
        .map(|r| raw(r.0))
        .collect::<Result<Vec<_>, _>>()?;
    let coverage: String = sqlx::query_scalar(COVERAGE)
        .bind(&area.geojson)
        .bind(q.coverage_distance_m)
        .fetch_one(pool)
        .await?;
    let mut coverage: Value = serde_json::from_str(&coverage).unwrap_or_else(|_| json!({}));
    coverage["distance_m"] = json!(q.coverage_distance_m);
    let counts_json: serde_json::Map<String, Value> = counts
        .iter()
        .map(|(l, n)| (l.to_string(), json!(n)))
        .collect();
    Ok(json!({
        "area": area.summary,
        "time_range": {"from": q.from.to_rfc3339(), "to": q.to.to_rfc3339()},
        "counts": counts_json,
        "incidents": {
            "total": incidents,
            "by_kind": stats["by_kind"],
            "by_status": stats["by_status"],
            "histogram": {"bin": q.bucket.as_str(), "time_zone": "Asia/Ho_Chi_Minh", "bins": stats["bins"]},
        },
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
    let in_area = in_area(q);
    let keys: Vec<(String, String)> = sqlx::query_as(&format!(
        "{in_area} SELECT f.layer, f.id FROM f WHERE f.layer = ANY($4) ORDER BY f.layer, f.id LIMIT $5"
    ))
    .bind(&area.geojson)
    .bind(q.from)
    .bind(q.to)
    .bind(&q.layers)
    .bind(EXPORT_MAX)
    .fetch_all(pool)
    .await?;
    Ok(features(pool, &keys)
        .await?
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

#[cfg(test)]
mod tests {
    use super::page_windows;

    #[test]
    fn a_page_spans_the_layers_it_needs() {
        let layers = [
            ("cameras", 116),
            ("clinics", 2),
            ("incidents", 100_000),
            ("tourism", 3),
        ];
        assert_eq!(page_windows(&layers, 0, 100), vec![("cameras", 0, 100)]);
        assert_eq!(
            page_windows(&layers, 100, 50),
            vec![
                ("cameras", 100, 16),
                ("clinics", 0, 2),
                ("incidents", 0, 32)
            ]
        );
        assert_eq!(page_windows(&layers, 100_118, 10), vec![("tourism", 0, 3)]);
        assert_eq!(page_windows(&layers, 200_000, 10), vec![]);
        assert_eq!(page_windows(&layers, 0, 0), vec![]);
    }
}

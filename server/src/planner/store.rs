//! The area query's SQL: the area, counts per layer, incidents by kind, status and time, camera
//! coverage of schools and clinics, and a page of the features inside, read into the contract's
//! answer (`app::contract::planner::AreaAnswer`). The static queries are checked at compile time;
//! the two that choose their incidents source by the time range (`{incidents}`) are built at run time.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sqlx::PgPool;

use app::contract::geo::Feature;
use app::contract::planner::{
    AreaAnswer, AreaFeatures, AreaKind, AreaSummary, Coverage, Histogram, IncidentFigures,
    TimeRange,
};

use super::error::PlannerError;
use super::export::ExportRow;
use super::rules::{Area, AreaQuery};
use crate::error::StoreError;

const IN_AREA: &str = include_str!("sql/in_area.sql");
const INCIDENT_STATS: &str = include_str!("sql/incident_stats.sql");

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
    pub summary: AreaSummary,
}

fn summary(kind: AreaKind, km2: f64, on: NaiveDate) -> AreaSummary {
    AreaSummary {
        boundaries_on: Some(on.to_string()),
        kind,
        ward: None,
        name_vi: None,
        name_en: None,
        center: None,
        radius_m: None,
        area_km2: round3(km2),
        geometry: serde_json::Value::Null,
    }
}

pub async fn resolve_area(
    pool: &PgPool,
    area: &Area,
    on: NaiveDate,
) -> Result<ResolvedArea, PlannerError> {
    match area {
        Area::Ward(code) => {
            let row = sqlx::query!(
                r#"SELECT ST_AsGeoJSON(geom)::text AS "geojson!", ST_Area(geom::geography) / 1e6 AS "km2!",
                          name_vi, name_en
                     FROM admin_areas
                    WHERE code = $1 AND level = 'ward'
                      AND valid_from <= $2 AND (valid_to IS NULL OR $2 < valid_to)"#,
                code,
                on
            )
            .fetch_optional(pool)
            .await
            .map_err(StoreError::doing("reading the ward asked about"))?;
            let Some(row) = row else {
                return Err(PlannerError::invalid(
                    "ward",
                    ward_not_valid(pool, code, on).await?,
                ));
            };
            Ok(ResolvedArea {
                geojson: row.geojson,
                summary: AreaSummary {
                    ward: Some(code.clone()),
                    name_vi: Some(row.name_vi),
                    name_en: Some(row.name_en),
                    ..summary(AreaKind::Ward, row.km2, on)
                },
            })
        }
        Area::Geometry(g) => {
            let row = sqlx::query!(
                r#"SELECT ST_IsValid(g) AS "valid!", ST_IsValidReason(g) AS "reason!",
                          ST_Area(g::geography) / 1e6 AS "km2!"
                     FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g) x"#,
                g
            )
            .fetch_one(pool)
            .await
            .map_err(geometry_error)?;
            if !row.valid {
                return Err(PlannerError::invalid(
                    "geometry",
                    format!("geometry is not valid: {}", row.reason),
                ));
            }
            Ok(ResolvedArea {
                geojson: g.clone(),
                summary: summary(AreaKind::Polygon, row.km2, on),
            })
        }
        Area::Circle { lon, lat, radius_m } => {
            let geojson = sqlx::query_scalar!(
                r#"SELECT ST_AsGeoJSON(ST_Buffer(ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, $3, 'quad_segs=16')::geometry)::text AS "geojson!""#,
                lon,
                lat,
                radius_m
            )
            .fetch_one(pool)
            .await
            .map_err(StoreError::doing("drawing the circle asked about"))?;
            let km2 = std::f64::consts::PI * radius_m * radius_m / 1e6;
            Ok(ResolvedArea {
                geojson,
                summary: AreaSummary {
                    center: Some([*lon, *lat]),
                    radius_m: Some(*radius_m),
                    ..summary(AreaKind::Circle, km2, on)
                },
            })
        }
    }
}

/// Why a ward code has no ward on `on`: the periods it did name one, or that it never did.
async fn ward_not_valid(pool: &PgPool, code: &str, on: NaiveDate) -> Result<String, StoreError> {
    let periods = sqlx::query_scalar!(
        r#"SELECT name_en || ' from ' || valid_from || coalesce(' to ' || valid_to, '') AS "period!"
             FROM admin_areas WHERE code = $1 AND level = 'ward' ORDER BY valid_from"#,
        code
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::doing("reading the periods of a ward code"))?;
    Ok(if periods.is_empty() {
        format!("no ward with code {code}")
    } else {
        format!(
            "no ward with code {code} on {on}: it named {}; ask with `on` in that period",
            periods.join(", ")
        )
    })
}

/// PostGIS refusing the geometry (a data error: class 22, or its own `XX000` parse errors) is the
/// client's mistake and its message says why; anything else (the database down, a timeout) is ours,
/// answered with the generic 5xx and logged, never with the driver's text.
fn geometry_error(e: sqlx::Error) -> PlannerError {
    match &e {
        sqlx::Error::Database(db)
            if db
                .code()
                .is_some_and(|c| c.starts_with("22") || c == "XX000") =>
        {
            PlannerError::invalid(
                "geometry",
                format!("PostGIS cannot read the geometry: {}", db.message()),
            )
        }
        _ => StoreError::doing("checking the geometry asked about")(e).into(),
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
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

/// A feature of the area: its GeoJSON text and the fields the CSV export writes.
struct FeatureRow {
    feature: String,
    layer: String,
    id: String,
    name_vi: Option<String>,
    name_en: Option<String>,
    kind: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
    wkt: Option<String>,
}

async fn features(
    pool: &PgPool,
    keys: &[(String, String)],
    on: NaiveDate,
) -> Result<Vec<FeatureRow>, StoreError> {
    let (layers, ids): (Vec<String>, Vec<String>) = keys.iter().cloned().unzip();
    sqlx::query_file_as!(
        FeatureRow,
        "src/planner/sql/features.sql",
        &layers,
        &ids,
        on
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::doing("reading the features inside the area"))
}

async fn ids_in(
    pool: &PgPool,
    area: &ResolvedArea,
    q: &AreaQuery,
    layer: &str,
    offset: i64,
    limit: i64,
) -> Result<Vec<String>, StoreError> {
    let in_area = in_area(q);
    sqlx::query_scalar(&format!(
        "{in_area} SELECT f.id FROM f WHERE f.layer = $4 ORDER BY f.id LIMIT $5 OFFSET $6"
    ))
    .bind(&area.geojson)
    .bind(q.from)
    .bind(q.to)
    .bind(layer)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
    .map_err(StoreError::doing("paging the features inside the area"))
}

/// What `incident_stats.sql` writes: the figures without the histogram's labels.
#[derive(serde::Deserialize)]
struct IncidentStats {
    total: i64,
    by_kind: Vec<app::contract::planner::KindCount>,
    by_status: Vec<app::contract::planner::StatusCount>,
    bins: Vec<app::contract::planner::Bin>,
}

/// The whole answer of `POST /api/area-query`.
pub async fn answer(pool: &PgPool, q: &AreaQuery) -> Result<AreaAnswer, PlannerError> {
    let mut area = resolve_area(pool, &q.area, q.on).await?;
    // the area itself, so a client can draw what was queried
    area.summary.geometry =
        serde_json::from_str(&area.geojson).map_err(PlannerError::answer("the area's geometry"))?;
    let n = sqlx::query_file!("src/planner/sql/counts.sql", area.geojson)
        .fetch_one(pool)
        .await
        .map_err(StoreError::doing("counting the features inside the area"))?;
    let stats: String =
        sqlx::query_scalar(&INCIDENT_STATS.replace("{incidents}", incidents_source(q)))
            .bind(&area.geojson)
            .bind(q.from)
            .bind(q.to)
            .bind(q.bucket.as_str())
            .fetch_one(pool)
            .await
            .map_err(StoreError::doing("counting the incidents inside the area"))?;
    let stats: IncidentStats =
        serde_json::from_str(&stats).map_err(PlannerError::answer("the incident figures"))?;
    let counts: BTreeMap<String, i64> = [
        ("cameras", n.cameras),
        ("recorders", n.recorders),
        ("schools", n.schools),
        ("clinics", n.clinics),
        ("tourism", n.tourism),
        ("incidents", stats.total),
    ]
    .into_iter()
    .map(|(layer, n)| (layer.to_string(), n))
    .collect();
    let layers: Vec<(&str, i64)> = ordered_layers(q)
        .into_iter()
        .map(|l| (l, counts.get(l).copied().unwrap_or(0)))
        .collect();
    let matched: i64 = layers.iter().map(|(_, n)| n).sum();
    let mut keys = Vec::new();
    for (layer, off, lim) in page_windows(&layers, q.offset, q.limit) {
        for id in ids_in(pool, &area, q, layer, off, lim).await? {
            keys.push((layer.to_string(), id));
        }
    }
    let page = features(pool, &keys, q.on)
        .await?
        .into_iter()
        .map(|r| serde_json::from_str::<Feature>(&r.feature))
        .collect::<Result<Vec<_>, _>>()
        .map_err(PlannerError::answer("a feature inside the area"))?;
    let coverage = sqlx::query_file_scalar!(
        "src/planner/sql/coverage.sql",
        area.geojson,
        q.coverage_distance_m
    )
    .fetch_one(pool)
    .await
    .map_err(StoreError::doing(
        "checking camera coverage inside the area",
    ))?;
    let mut coverage: Coverage =
        serde_json::from_str(&coverage).map_err(PlannerError::answer("the camera coverage"))?;
    coverage.distance_m = q.coverage_distance_m;
    Ok(AreaAnswer {
        area: area.summary,
        time_range: TimeRange {
            from: q.from.to_rfc3339(),
            to: q.to.to_rfc3339(),
        },
        counts,
        incidents: IncidentFigures {
            total: stats.total,
            by_kind: stats.by_kind,
            by_status: stats.by_status,
            histogram: Histogram {
                bin: q.bucket.as_str().to_string(),
                time_zone: "Asia/Ho_Chi_Minh".into(),
                bins: stats.bins,
            },
        },
        coverage,
        features: AreaFeatures {
            r#type: "FeatureCollection".into(),
            number_matched: matched,
            number_returned: page.len(),
            limit: q.limit,
            offset: q.offset,
            features: page,
        },
    })
}

/// Most features an export file holds.
pub const EXPORT_MAX: i64 = 100_000;

/// Every feature inside the area (of the chosen layers), for export: (feature JSON, CSV row fields),
/// with what the area is (a saved export records it).
pub async fn export_rows(
    pool: &PgPool,
    q: &AreaQuery,
) -> Result<(AreaSummary, Vec<ExportRow>), PlannerError> {
    let area = resolve_area(pool, &q.area, q.on).await?;
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
    .await
    .map_err(StoreError::doing("listing the features to export"))?;
    let rows = features(pool, &keys, q.on)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.feature,
                [
                    Some(r.layer),
                    Some(r.id),
                    r.name_vi,
                    r.name_en,
                    r.kind,
                    r.lon.map(|v| format!("{v:.6}")),
                    r.lat.map(|v| format!("{v:.6}")),
                    r.wkt,
                ],
            )
        })
        .collect();
    Ok((area.summary, rows))
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

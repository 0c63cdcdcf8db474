//! The OGC collections' SQL. Every collection's source (`collections.rs`, `sql/*.sql`) yields
//! `id, geom, props` (and `t` when it has time); these queries wrap it with the extent, the bbox and
//! time filter, paging and the GeoJSON Feature text. They are built at run time around the chosen
//! source, so sqlx checks them when they run, not at compile time.

use chrono::{DateTime, Utc};
use serde_json::value::RawValue;
use serde_json::Value;
use sqlx::PgPool;

use super::collections::{Collection, Time};
use super::error::OgcError;
use crate::error::StoreError;
use crate::geometry::Bbox;

/// The id is also a property: clients that keep only numeric feature ids (MapLibre) still have it.
const FEATURE_SQL: &str = "json_build_object('type', 'Feature', 'id', s.id, \
     'geometry', ST_AsGeoJSON(s.geom, 6)::json, \
     'properties', jsonb_build_object('id', s.id) || s.props)::text";

/// Which features of a collection an items request asks for.
pub struct Filter {
    pub bbox: Option<Bbox>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// The WHERE clause over `s` for `c`: $1–$4 the bbox, $5–$6 the time range.
fn where_clause(c: &Collection) -> String {
    let time = match c.time {
        Time::Instant => {
            "($5::timestamptz IS NULL OR s.t >= $5) AND ($6::timestamptz IS NULL OR s.t <= $6)"
        }
        // the period [valid_from, valid_to) meets [$5, $6]
        Time::Validity => {
            "($6::timestamptz IS NULL OR s.valid_from <= $6) \
             AND ($5::timestamptz IS NULL OR s.valid_to IS NULL OR s.valid_to > $5)"
        }
        Time::None => "$5::timestamptz IS NULL AND $6::timestamptz IS NULL",
    };
    format!(
        "($1::float8 IS NULL OR ST_Intersects(s.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))) AND {time}"
    )
}

/// Binds the filter's six parameters, in the order `where_clause` numbers them.
macro_rules! bind_filter {
    ($query:expr, $f:expr) => {
        $query
            .bind($f.bbox.map(|b| b.min_lon))
            .bind($f.bbox.map(|b| b.min_lat))
            .bind($f.bbox.map(|b| b.max_lon))
            .bind($f.bbox.map(|b| b.max_lat))
            .bind($f.from)
            .bind($f.to)
    };
}

/// The collection's bounding box `[min lon, min lat, max lon, max lat]`; none when it is empty.
pub async fn extent(pool: &PgPool, c: &Collection) -> Result<Option<[f64; 4]>, StoreError> {
    let row: Option<(f64, f64, f64, f64)> = sqlx::query_as(&format!(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) \
         FROM (SELECT ST_Extent(s.geom) AS e FROM ({}) s) x WHERE e IS NOT NULL",
        c.source_sql()
    ))
    .fetch_optional(pool)
    .await
    .map_err(StoreError::doing("reading a collection's extent"))?;
    Ok(row.map(|(a, b, c, d)| [a, b, c, d]))
}

/// How many features match the filter.
pub async fn count(pool: &PgPool, c: &Collection, f: &Filter) -> Result<i64, StoreError> {
    let sql = format!(
        "SELECT count(*) FROM ({}) s WHERE {}",
        c.source_sql(),
        where_clause(c)
    );
    bind_filter!(sqlx::query_scalar(&sql), f)
        .fetch_one(pool)
        .await
        .map_err(StoreError::doing("counting a collection's features"))
}

/// One page of matching features, in id order, as the GeoJSON the database wrote (not re-encoded).
pub async fn page(
    pool: &PgPool,
    c: &Collection,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<Vec<Box<RawValue>>, OgcError> {
    let sql = format!(
        "SELECT {FEATURE_SQL} FROM ({}) s WHERE {} ORDER BY s.id LIMIT $7 OFFSET $8",
        c.source_sql(),
        where_clause(c)
    );
    let rows: Vec<String> = bind_filter!(sqlx::query_scalar(&sql), f)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await
        .map_err(StoreError::doing("reading a page of a collection"))?;
    rows.into_iter()
        .map(RawValue::from_string)
        .collect::<Result<Vec<_>, _>>()
        .map_err(OgcError::Encoding)
}

/// One feature by id, if the collection has it.
pub async fn feature(pool: &PgPool, c: &Collection, id: &str) -> Result<Option<Value>, OgcError> {
    let row: Option<String> = sqlx::query_scalar(&format!(
        "SELECT {FEATURE_SQL} FROM ({}) s WHERE s.id = $1",
        c.source_sql()
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(StoreError::doing("reading a feature"))?;
    row.map(|r| serde_json::from_str(&r).map_err(OgcError::Encoding))
        .transpose()
}

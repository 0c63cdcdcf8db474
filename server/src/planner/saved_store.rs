//! The saved exports' rows (`saved_exports`): what each file in the file store holds, who saved it
//! and until when. The files themselves are `saved`'s business.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use app::contract::planner::{AreaKind, SavedExport};

use super::error::PlannerError;
use crate::error::StoreError;

/// A row as read, with its file's key (which the wire never shows).
pub struct SavedRow {
    pub export: SavedExport,
    pub file_key: String,
    pub saved_by_id: Option<i64>,
}

/// What a new row says.
pub struct NewSaved<'a> {
    pub id: &'a str,
    pub format: &'a str,
    pub file_key: &'a str,
    pub area_kind: &'a str,
    pub ward: Option<&'a str>,
    pub name_vi: Option<&'a str>,
    pub name_en: Option<&'a str>,
    pub query: serde_json::Value,
    pub features: i32,
    pub bytes: i64,
    pub saved_by: i64,
    pub retention_days: i32,
}

struct Row {
    id: String,
    format: String,
    file_key: String,
    area_kind: String,
    ward: Option<String>,
    name_vi: Option<String>,
    name_en: Option<String>,
    features: i32,
    bytes: i64,
    saved_by_id: Option<i64>,
    saved_by: Option<String>,
    saved_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

/// Ho Chi Minh City time: `+07:00` all year (no daylight saving).
const HCMC: chrono::FixedOffset = match chrono::FixedOffset::east_opt(7 * 3600) {
    Some(offset) => offset,
    None => panic!("+07:00 is a valid offset"),
};

/// RFC 3339 in the district's time, to the second, as the planner reads it.
fn district_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&HCMC)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn kind(s: &str) -> AreaKind {
    match s {
        "ward" => AreaKind::Ward,
        "circle" => AreaKind::Circle,
        _ => AreaKind::Polygon,
    }
}

impl From<Row> for SavedRow {
    fn from(r: Row) -> SavedRow {
        SavedRow {
            export: SavedExport {
                href: format!("/api/area-query/exports/{}", r.id),
                id: r.id,
                format: r.format,
                area: kind(&r.area_kind),
                ward: r.ward,
                name_vi: r.name_vi,
                name_en: r.name_en,
                features: i64::from(r.features),
                bytes: r.bytes,
                saved_by: r.saved_by,
                yours: false,
                saved_at: district_time(r.saved_at),
                expires_at: district_time(r.expires_at),
            },
            file_key: r.file_key,
            saved_by_id: r.saved_by_id,
        }
    }
}

/// Records a file already written; the answer is the row as the API shows it.
pub async fn insert(pool: &PgPool, n: &NewSaved<'_>) -> Result<SavedRow, PlannerError> {
    let row = sqlx::query_as!(
        Row,
        r#"WITH saved AS (
               INSERT INTO saved_exports (id, format, file_key, area_kind, ward, name_vi, name_en, query,
                                          features, bytes, saved_by, expires_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
                       now() + make_interval(days => $12))
               RETURNING *)
           SELECT s.id AS "id!", s.format AS "format!", s.file_key AS "file_key!",
                  s.area_kind AS "area_kind!", s.ward, s.name_vi, s.name_en, s.features AS "features!",
                  s.bytes AS "bytes!", s.saved_by AS saved_by_id, COALESCE(NULLIF(u.display_name, ''), u.username) AS "saved_by?",
                  s.saved_at AS "saved_at!", s.expires_at AS "expires_at!"
             FROM saved s LEFT JOIN users u ON u.id = s.saved_by"#,
        n.id,
        n.format,
        n.file_key,
        n.area_kind,
        n.ward,
        n.name_vi,
        n.name_en,
        n.query,
        n.features,
        n.bytes,
        n.saved_by,
        n.retention_days,
    )
    .fetch_one(pool)
    .await
    .map_err(StoreError::doing("recording a saved export"))?;
    Ok(row.into())
}

/// The saved exports not yet past their days, newest first.
pub async fn list(pool: &PgPool, limit: i64) -> Result<Vec<SavedRow>, PlannerError> {
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT s.id, s.format, s.file_key, s.area_kind, s.ward, s.name_vi, s.name_en, s.features,
                  s.bytes, s.saved_by AS saved_by_id, COALESCE(NULLIF(u.display_name, ''), u.username) AS "saved_by?", s.saved_at,
                  s.expires_at
             FROM saved_exports s LEFT JOIN users u ON u.id = s.saved_by
            WHERE s.expires_at > now()
            ORDER BY s.saved_at DESC, s.id
            LIMIT $1"#,
        limit
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::doing("listing the saved exports"))?;
    Ok(rows.into_iter().map(SavedRow::from).collect())
}

/// One saved export not yet past its days.
pub async fn find(pool: &PgPool, id: &str) -> Result<Option<SavedRow>, PlannerError> {
    let row = sqlx::query_as!(
        Row,
        r#"SELECT s.id, s.format, s.file_key, s.area_kind, s.ward, s.name_vi, s.name_en, s.features,
                  s.bytes, s.saved_by AS saved_by_id, COALESCE(NULLIF(u.display_name, ''), u.username) AS "saved_by?", s.saved_at,
                  s.expires_at
             FROM saved_exports s LEFT JOIN users u ON u.id = s.saved_by
            WHERE s.id = $1 AND s.expires_at > now()"#,
        id
    )
    .fetch_optional(pool)
    .await
    .map_err(StoreError::doing("reading a saved export"))?;
    Ok(row.map(SavedRow::from))
}

/// Deletes a row; the answer is whether there was one.
pub async fn delete(pool: &PgPool, id: &str) -> Result<bool, PlannerError> {
    let done = sqlx::query!("DELETE FROM saved_exports WHERE id = $1", id)
        .execute(pool)
        .await
        .map_err(StoreError::doing("deleting a saved export"))?;
    Ok(done.rows_affected() > 0)
}

/// Rows past their days, with their files' keys, a batch at a time.
pub async fn expired(pool: &PgPool) -> Result<Vec<(String, String)>, PlannerError> {
    let rows = sqlx::query!(
        "SELECT id, file_key FROM saved_exports WHERE expires_at <= now() ORDER BY expires_at LIMIT 500"
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::doing("listing the expired saved exports"))?;
    Ok(rows.into_iter().map(|r| (r.id, r.file_key)).collect())
}

/// Of these file keys, the ones no row has.
pub async fn without_row(pool: &PgPool, keys: &[String]) -> Result<Vec<String>, PlannerError> {
    let keys = sqlx::query_scalar!(
        r#"SELECT k AS "k!" FROM unnest($1::text[]) AS k
            WHERE NOT EXISTS (SELECT 1 FROM saved_exports WHERE file_key = k)"#,
        keys
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::doing(
        "looking for files without a saved export",
    ))?;
    Ok(keys)
}

//! The imports' SQL: uploads waiting for their commit, the layers, and the all-or-nothing write of a
//! layer's features (`sql/*.sql`). Geometry is read, transformed and checked by PostGIS
//! (`import_geometry`, migration 0010), in the same transaction as the write.

use serde_json::Value;
use sqlx::PgPool;

use super::read::SourceRow;
use super::rules::{Feature, Plan};
use crate::error::StoreError;
use app::contract::imports::{ImportPreview, ImportResult, LayerInfo, RowError};

/// How far beyond the district's outline a geometry may reach (metres). The outline is the
/// published simplified one; the real ward polygons of `../shared/realworld` cross it by up to 95 m.
pub const DISTRICT_MARGIN_M: f64 = 150.0;

/// An upload waiting for its commit.
pub struct Upload {
    pub filename: String,
    pub source_srid: Option<i32>,
    pub preview: ImportPreview,
    pub rows: Vec<SourceRow>,
}

/// Keeps an upload (its preview and rows) for a day; forgets uploads older than that.
pub async fn save(
    pool: &PgPool,
    user: i64,
    format: &str,
    source_srid: Option<i32>,
    preview: &ImportPreview,
    rows: &[SourceRow],
) -> Result<(), StoreError> {
    let preview = serde_json::to_value(preview).unwrap_or(Value::Null);
    let rows = serde_json::to_value(rows).unwrap_or(Value::Null);
    let mut tx = pool
        .begin()
        .await
        .map_err(StoreError::doing("starting a transaction"))?;
    sqlx::query!("DELETE FROM imports WHERE created_at < now() - interval '1 day'")
        .execute(&mut *tx)
        .await
        .map_err(StoreError::doing("forgetting old uploads"))?;
    sqlx::query!(
        "INSERT INTO imports (id, filename, format, created_by, source_srid, preview, rows)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        preview["id"].as_str().unwrap_or_default(),
        preview["filename"].as_str().unwrap_or_default(),
        format,
        user,
        source_srid,
        preview,
        rows
    )
    .execute(&mut *tx)
    .await
    .map_err(StoreError::doing("keeping an upload"))?;
    tx.commit()
        .await
        .map_err(StoreError::doing("keeping an upload"))
}

/// The upload, unless it is committed, older than a day, or unknown.
pub async fn upload(pool: &PgPool, id: &str) -> Result<Option<Upload>, StoreError> {
    let row = sqlx::query!(
        r#"SELECT filename, source_srid, preview, rows AS "rows!"
             FROM imports
            WHERE id = $1 AND committed_at IS NULL AND rows IS NOT NULL
              AND created_at > now() - interval '1 day'"#,
        id
    )
    .fetch_optional(pool)
    .await
    .map_err(StoreError::doing("reading an upload"))?;
    let Some(r) = row else { return Ok(None) };
    let reading = |e: serde_json::Error| StoreError {
        doing: "reading an upload",
        source: sqlx::Error::Decode(Box::new(e)),
    };
    Ok(Some(Upload {
        filename: r.filename,
        source_srid: r.source_srid,
        preview: serde_json::from_value(r.preview).map_err(reading)?,
        rows: serde_json::from_value(r.rows).map_err(reading)?,
    }))
}

/// The rows whose geometry PostGIS refuses, by number and reason.
async fn geometry_errors(
    tx: &mut sqlx::PgConnection,
    rows: &[SourceRow],
    srid: i32,
) -> Result<Vec<RowError>, StoreError> {
    let with: Vec<&SourceRow> = rows.iter().filter(|r| r.geometry.is_some()).collect();
    let numbers: Vec<i32> = with.iter().map(|r| r.row as i32).collect();
    let (kinds, bodies): (Vec<String>, Vec<String>) = with
        .iter()
        .filter_map(|r| r.geometry.as_ref())
        .map(|(k, b)| (k.as_str().to_string(), b.clone()))
        .unzip();
    let refused = sqlx::query_file!(
        "src/imports/sql/check_geometry.sql",
        &numbers,
        &kinds,
        &bodies,
        srid,
        DISTRICT_MARGIN_M
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(StoreError::doing("checking the geometries"))?;
    Ok(refused
        .into_iter()
        .map(|r| RowError {
            row: r.row as usize,
            field: Some("geometry".into()),
            reason: r.reason,
        })
        .collect())
}

/// Every row lands or none does: the geometries are checked in the transaction that writes them,
/// and `rule_errors` (ids, fields, types) refuse the whole file too. `Err(rows)` lists every row
/// refused, in file order; `Ok` says what changed.
pub async fn commit(
    pool: &PgPool,
    import_id: &str,
    user: i64,
    upload: &Upload,
    plan: &Plan,
    features: &[Feature],
    mut rule_errors: Vec<RowError>,
) -> Result<Result<ImportResult, Vec<RowError>>, StoreError> {
    let mut tx = pool
        .begin()
        .await
        .map_err(StoreError::doing("starting a transaction"))?;
    // one import of a layer at a time
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtext('ioc-layer:' || $1::text))",
        &plan.layer
    )
    .execute(&mut *tx)
    .await
    .map_err(StoreError::doing("waiting for the layer"))?;
    rule_errors.extend(geometry_errors(&mut tx, &upload.rows, plan.srid).await?);
    if !rule_errors.is_empty() {
        rule_errors.sort_by_key(|e| e.row);
        return Ok(Err(rule_errors));
    }
    let fields = serde_json::to_value(
        plan.fields
            .iter()
            .map(|f| serde_json::json!({"name": f.to, "from": f.from, "type": f.ty, "required": f.required}))
            .collect::<Vec<_>>(),
    )
    .unwrap_or(Value::Null);
    sqlx::query!(
        "INSERT INTO layers (id, title_vi, title_en, access, fields, source, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET title_vi = EXCLUDED.title_vi, title_en = EXCLUDED.title_en,
                access = EXCLUDED.access, fields = EXCLUDED.fields, source = EXCLUDED.source,
                updated_at = now()",
        &plan.layer,
        &plan.title_vi,
        &plan.title_en,
        plan.access,
        fields,
        &upload.filename,
        user
    )
    .execute(&mut *tx)
    .await
    .map_err(StoreError::doing("writing the layer"))?;
    let by_row: std::collections::HashMap<usize, &SourceRow> =
        upload.rows.iter().map(|r| (r.row, r)).collect();
    let mut ids = Vec::with_capacity(features.len());
    let mut props = Vec::with_capacity(features.len());
    let mut kinds = Vec::with_capacity(features.len());
    let mut bodies = Vec::with_capacity(features.len());
    for f in features {
        let Some((kind, body)) = by_row.get(&f.row).and_then(|r| r.geometry.as_ref()) else {
            continue;
        };
        ids.push(f.id.clone());
        props.push(Value::Object(f.props.clone()).to_string());
        kinds.push(kind.as_str().to_string());
        bodies.push(body.clone());
    }
    let written = sqlx::query_file_scalar!(
        "src/imports/sql/upsert_features.sql",
        &plan.layer,
        &ids,
        &props,
        &kinds,
        &bodies,
        plan.srid
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(StoreError::doing("writing the layer's features"))?;
    let inserted = written.iter().filter(|new| **new).count();
    let updated = written.len() - inserted;
    let removed = sqlx::query!(
        "DELETE FROM layer_features WHERE layer_id = $1 AND NOT (feature_id = ANY($2))",
        &plan.layer,
        &ids
    )
    .execute(&mut *tx)
    .await
    .map_err(StoreError::doing(
        "removing the features the file no longer holds",
    ))?
    .rows_affected() as usize;
    sqlx::query!(
        "UPDATE imports SET committed_at = now(), rows = NULL, layer_id = $2 WHERE id = $1",
        import_id,
        &plan.layer
    )
    .execute(&mut *tx)
    .await
    .map_err(StoreError::doing("closing the upload"))?;
    let layer = layers_in(&mut tx, Some(&plan.layer))
        .await?
        .pop()
        .ok_or(StoreError {
            doing: "reading the layer back",
            source: sqlx::Error::RowNotFound,
        })?;
    tx.commit()
        .await
        .map_err(StoreError::doing("committing the import"))?;
    Ok(Ok(ImportResult {
        unchanged: ids.len() - inserted - updated,
        layer,
        inserted,
        updated,
        removed,
    }))
}

async fn layers_in(
    conn: &mut sqlx::PgConnection,
    only: Option<&str>,
) -> Result<Vec<LayerInfo>, StoreError> {
    let rows = sqlx::query_file!("src/imports/sql/layers.sql", only)
        .fetch_all(conn)
        .await
        .map_err(StoreError::doing("listing the imported layers"))?;
    Ok(rows
        .into_iter()
        .map(|r| LayerInfo {
            id: r.id,
            title_vi: r.title_vi,
            title_en: r.title_en,
            access: r.access,
            geometry: r.geometry,
            features: r.features,
            updated_at: r.updated_at,
            source: r.source,
        })
        .collect())
}

/// Every imported layer, or the one named.
pub async fn layers(pool: &PgPool, only: Option<&str>) -> Result<Vec<LayerInfo>, StoreError> {
    let mut conn = pool
        .acquire()
        .await
        .map_err(StoreError::doing("listing the imported layers"))?;
    layers_in(&mut conn, only).await
}

/// Removes a layer and its features; whether there was one.
pub async fn delete_layer(pool: &PgPool, id: &str) -> Result<bool, StoreError> {
    Ok(sqlx::query!("DELETE FROM layers WHERE id = $1", id)
        .execute(pool)
        .await
        .map_err(StoreError::doing("removing a layer"))?
        .rows_affected()
        == 1)
}

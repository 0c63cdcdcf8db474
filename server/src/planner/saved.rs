//! Saved exports: a planner keeps an area query's file in the district's file store (`files`), so
//! that any planner can download it again, through any node, until it expires
//! (`IOC_EXPORT_RETENTION_DAYS`, 30). A live export answers once; a saved one is a document the IOC
//! can hand over ("the cameras and incidents of Bến Nghé ward, as exported on 2 December").
//!
//! A file is written before its row and deleted after it: a row always has its file. A crash
//! between the two leaves a file without a row, which [`housekeeping`] sweeps once it is
//! [`ORPHAN_AFTER`] old (so a save still in flight is never taken for one).

use bytes::Bytes;
use chrono::Utc;
use sqlx::PgPool;

use app::contract::planner::{AreaKind, AreaSummary, SavedExport};
use app::model::SessionUser;

use super::error::PlannerError;
use super::export::Format;
use super::saved_store::{self, NewSaved, SavedRow};
use crate::files::{Download, Files};

/// The file store's prefix for saved exports.
pub const PREFIX: &str = "area-exports";
/// How long a file may be without its row before it is taken for a crash's leftover.
pub const ORPHAN_AFTER: chrono::Duration = chrono::Duration::hours(1);
/// Saved exports listed at most (newest first).
pub const LIST_MAX: i64 = 200;

/// What is being saved: the area, the request as sent, and the file.
pub struct Saving<'a> {
    pub format: Format,
    pub area: &'a AreaSummary,
    pub query: serde_json::Value,
    pub features: usize,
    pub text: String,
}

/// An id as the server makes them: 32 lowercase hex digits (128 random bits).
pub fn is_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn new_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Writes the file, then its row. When the row cannot be written the file is deleted again.
pub async fn save(
    pool: &PgPool,
    files: &Files,
    user: &SessionUser,
    retention_days: i32,
    s: Saving<'_>,
) -> Result<SavedExport, PlannerError> {
    let id = new_id();
    let key = format!("{PREFIX}/{id}.{}", s.format.name());
    let bytes = Bytes::from(s.text);
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    files.put(&key, bytes).await?;
    let area_kind = match s.area.kind {
        AreaKind::Ward => "ward",
        AreaKind::Polygon => "polygon",
        AreaKind::Circle => "circle",
    };
    let row = NewSaved {
        id: &id,
        format: s.format.name(),
        file_key: &key,
        area_kind,
        ward: s.area.ward.as_deref(),
        name_vi: s.area.name_vi.as_deref(),
        name_en: s.area.name_en.as_deref(),
        query: s.query,
        features: i32::try_from(s.features).unwrap_or(i32::MAX),
        bytes: size,
        saved_by: user.id,
        retention_days,
    };
    match saved_store::insert(pool, &row).await {
        Ok(saved) => Ok(SavedExport {
            yours: true,
            ..saved.export
        }),
        Err(e) => {
            if let Err(gone) = files.delete(&key).await {
                tracing::warn!(error = %gone, key, "a saved export's file outlives its failed row; the sweep will take it");
            }
            Err(e)
        }
    }
}

/// The saved exports, newest first, each saying whether `user` saved it.
pub async fn list(pool: &PgPool, user: &SessionUser) -> Result<Vec<SavedExport>, PlannerError> {
    let rows = saved_store::list(pool, LIST_MAX).await?;
    Ok(rows
        .into_iter()
        .map(|r| SavedExport {
            yours: r.saved_by_id == Some(user.id),
            ..r.export
        })
        .collect())
}

/// A saved export and its file, or `None` when there is no such export (or it expired). A row
/// whose file is missing (someone emptied the store by hand) is a fault, not a 404.
pub async fn open(
    pool: &PgPool,
    files: &Files,
    id: &str,
) -> Result<Option<(SavedRow, Download)>, PlannerError> {
    let Some(row) = saved_store::find(pool, id).await? else {
        return Ok(None);
    };
    match files.get(&row.file_key).await? {
        Some(file) => Ok(Some((row, file))),
        None => Err(PlannerError::MissingFile {
            key: row.file_key.clone(),
        }),
    }
}

/// What a delete did.
pub enum Removed {
    Done,
    NoSuchExport,
    /// Only the planner who saved it, or an admin, may delete it.
    NotYours,
}

pub async fn remove(
    pool: &PgPool,
    files: &Files,
    user: &SessionUser,
    id: &str,
) -> Result<Removed, PlannerError> {
    let Some(row) = saved_store::find(pool, id).await? else {
        return Ok(Removed::NoSuchExport);
    };
    if row.saved_by_id != Some(user.id) && !user.is_admin() {
        return Ok(Removed::NotYours);
    }
    if !saved_store::delete(pool, id).await? {
        return Ok(Removed::NoSuchExport);
    }
    if let Err(e) = files.delete(&row.file_key).await {
        tracing::warn!(error = %e, key = row.file_key, "a deleted export's file is still there; the sweep will take it");
    }
    Ok(Removed::Done)
}

/// Deletes the exports past their days (row, then file) and the files that a crash left without
/// a row. Run by the node holding the housekeeping lease.
pub async fn housekeeping(pool: &PgPool, files: &Files) -> Result<(), PlannerError> {
    for (id, key) in saved_store::expired(pool).await? {
        if saved_store::delete(pool, &id).await? {
            files.delete(&key).await?;
        }
    }
    let old = files.older_than(PREFIX, Utc::now() - ORPHAN_AFTER).await?;
    for key in saved_store::without_row(pool, &old).await? {
        tracing::info!(key, "deleting a saved export's file that has no row");
        files.delete(&key).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_what_the_server_makes() {
        let id = new_id();
        assert!(is_id(&id), "{id}");
        assert_ne!(new_id(), id);
        assert!(!is_id("../../etc/passwd"));
        assert!(!is_id(&id.to_uppercase()));
        assert!(!is_id(&id[1..]));
    }
}

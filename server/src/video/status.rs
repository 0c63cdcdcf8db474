//! Camera status (online / offline) as the video module sees it, written through the live event
//! path: committed to PostgreSQL, recorded in the event log, then pushed to operators over `/ws`.
//!
//! Pulls and probes report from their own tasks; one writer applies the reports in order, so an
//! "offline" followed quickly by "online" can never land the other way round.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::source::StatusSink;
use crate::live::Live;

pub struct StatusWriter {
    tx: mpsc::UnboundedSender<(String, bool)>,
}

impl StatusWriter {
    pub fn start(live: Arc<Live>) -> Arc<Self> {
        let (tx, mut rx) = mpsc::unbounded_channel::<(String, bool)>();
        tokio::spawn(async move {
            while let Some((camera, online)) = rx.recv().await {
                if let Err(e) = set(&live, &camera, online).await {
                    tracing::warn!(camera = %camera, error = %e, "could not record camera status");
                }
            }
        });
        Arc::new(Self { tx })
    }
}

impl StatusSink for StatusWriter {
    fn online(&self, camera: &str, online: bool) {
        // the writer task lives as long as the server
        let _ = self.tx.send((camera.to_string(), online));
    }
}

/// Sets a camera's status if it changed; returns whether it did (and an event was published).
pub async fn set(live: &Live, camera: &str, online: bool) -> Result<bool, sqlx::Error> {
    let status = if online { "online" } else { "offline" };
    let mut tx = live.pool.begin().await?;
    let changed = sqlx::query(
        "UPDATE cameras SET status = $2, status_at = now(), updated_at = now() WHERE id = $1 AND status <> $2",
    )
    .bind(camera)
    .bind(status)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !changed {
        return Ok(false);
    }
    crate::live::commit_camera(live, tx, camera).await?;
    tracing::info!(camera = %camera, status, "camera status changed");
    Ok(true)
}

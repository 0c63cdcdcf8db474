//! Camera status (online / offline) as the video pulls and probes report it, written through the live event
//! path: committed to PostgreSQL, recorded in the event log, then pushed to operators over `/ws`.
//!
//! Pulls and probes report from their own tasks; one writer applies the reports in order, so an
//! "offline" followed quickly by "online" can never land the other way round.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::live::Live;

pub struct StatusWriter {
    tx: mpsc::UnboundedSender<(String, bool)>,
}

impl StatusWriter {
    pub fn start(live: Arc<Live>) -> Arc<Self> {
        let (tx, mut rx) = mpsc::unbounded_channel::<(String, bool)>();
        tokio::spawn(async move {
            while let Some((camera, online)) = rx.recv().await {
                if let Err(e) = super::store::set_status(&live, &camera, online).await {
                    tracing::warn!(camera = %camera, error = %e, "could not record camera status");
                }
            }
        });
        Arc::new(Self { tx })
    }

    /// Queues a status report; the writer applies the reports in the order they were made.
    pub fn report(&self, camera: &str, online: bool) {
        // the writer task lives as long as the server
        let _ = self.tx.send((camera.to_string(), online));
    }
}

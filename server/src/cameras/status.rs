//! Camera status (online / offline) as the video pulls and probes report it, written through the live event
//! path: committed to PostgreSQL, recorded in the event log, then pushed to operators over `/ws`.
//!
//! Pulls and probes report from their own tasks; one writer applies the reports in order, so an
//! "offline" followed quickly by "online" can never land the other way round.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::live::Live;

/// Status changes logged one by one within each [`LOG_WINDOW`]; past that they are counted and
/// summed up in one line at the window's end. The first probe at start changes most of the 1,132
/// cameras at once, which was a log line each (issue #12); a camera failing later still gets its own.
const LOG_EACH: u32 = 5;
const LOG_WINDOW: Duration = Duration::from_secs(10);

/// The status changes of the current log window.
#[derive(Default)]
struct Changes {
    logged: u32,
    online: u32,
    offline: u32,
}

impl Changes {
    fn note(&mut self, camera: &str, online: bool) {
        let status = if online { "online" } else { "offline" };
        if self.logged < LOG_EACH {
            self.logged += 1;
            tracing::info!(camera = %camera, status, "camera status changed");
        } else if online {
            self.online += 1;
        } else {
            self.offline += 1;
        }
    }

    /// Ends the window: one line for what was not logged, and a fresh window.
    fn end_window(&mut self) {
        if self.online + self.offline > 0 {
            tracing::info!(
                online = self.online,
                offline = self.offline,
                "more camera status changes in the last {} s",
                LOG_WINDOW.as_secs()
            );
        }
        *self = Changes::default();
    }
}

pub struct StatusWriter {
    tx: mpsc::UnboundedSender<(String, bool)>,
}

impl StatusWriter {
    pub fn start(live: Arc<Live>) -> Arc<Self> {
        let (tx, mut rx) = mpsc::unbounded_channel::<(String, bool)>();
        tokio::spawn(async move {
            let mut changes = Changes::default();
            let mut window = tokio::time::interval(LOG_WINDOW);
            loop {
                tokio::select! {
                    report = rx.recv() => {
                        let Some((camera, online)) = report else { break };
                        match super::store::set_status(&live, &camera, online).await {
                            Ok(true) => changes.note(&camera, online),
                            Ok(false) => {}
                            Err(e) => tracing::warn!(camera = %camera, error = %e, "could not record camera status"),
                        }
                    }
                    _ = window.tick() => changes.end_window(),
                }
            }
            changes.end_window();
        });
        Arc::new(Self { tx })
    }

    /// Queues a status report; the writer applies the reports in the order they were made.
    pub fn report(&self, camera: &str, online: bool) {
        // the writer task lives as long as the server
        let _ = self.tx.send((camera.to_string(), online));
    }
}

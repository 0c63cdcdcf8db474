//! Resolved and dismissed incidents stay on the live layer for the live service's `closed_linger`
//! (so every operator sees them close), then leave it: a delete event, once per incident.

use std::sync::{Arc, Weak};
use std::time::Duration;

use serde_json::json;

use app::live_types::Op;

use super::{store, LAYER};
use crate::cluster::lease;
use crate::error::StoreError;
use crate::live::{self, Live};

/// How often the closed incidents are looked at.
pub const EVERY: Duration = Duration::from_secs(10);

/// Runs [`expire_closed`] every [`EVERY`] for as long as the live service lives, on the one node
/// of `cluster` that holds the expiry lease (each node would otherwise send every delete again).
pub fn spawn(live: &Arc<Live>, cluster: &str) {
    let (owner, job): (Weak<Live>, Weak<Live>) = (Arc::downgrade(live), Arc::downgrade(live));
    lease::run_while(
        live.pool.clone(),
        cluster,
        lease::EXPIRY,
        move || owner.strong_count() > 0,
        move || run(job.clone()),
    );
}

async fn run(live: Weak<Live>) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(live) = live.upgrade() else { return };
        if let Err(e) = expire_closed(&live).await {
            tracing::warn!(error = %e, "could not expire closed incidents");
        }
    }
}

/// Takes every closed incident whose linger is over off the live layer, each in its own transaction
/// with its delete event.
pub async fn expire_closed(live: &Live) -> Result<(), StoreError> {
    let linger = live.config.closed_linger.as_secs_f64();
    let expiring = StoreError::doing("taking a closed incident off the live layer");
    for id in store::due_to_leave(&live.pool, linger).await? {
        let mut tx = live.pool.begin().await.map_err(expiring)?;
        if !store::leave_layer(&mut tx, &id, linger).await? {
            continue;
        }
        let gone = json!({"type": "Feature", "id": id});
        let ev = live::record(&mut tx, LAYER, Op::Delete, &id, gone, None)
            .await
            .map_err(expiring)?;
        tx.commit().await.map_err(expiring)?;
        live.publish(ev).await;
    }
    Ok(())
}

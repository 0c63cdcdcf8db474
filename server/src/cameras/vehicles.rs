//! The built-in patrol simulator: each ward's vehicle camera drives along the streets of its ward,
//! moving every 1–2 s through the same path as any live change (commit, then broadcast).
//! On by default; `IOC_SIMULATE_VEHICLES=0` turns it off (the tests do).

use std::sync::Arc;
use std::time::Duration;

use crate::live::Live;

/// Metres a patrol vehicle moves per step (about 25 km/h at one step per 1.5 s).
const STEP_M: f64 = 10.0;

struct Vehicle {
    id: String,
    /// The route: street points of its ward, driven back and forth.
    route: Vec<[f64; 2]>,
    at: usize,
    forward: bool,
}

/// The time between two steps at normal speed.
pub const STEP_EVERY: Duration = Duration::from_millis(1500);

/// Drives the vehicles, one step each every `STEP_EVERY / speed` (`IOC_SIMULATE_SPEED`, 1; the soak
/// program runs them at 10).
pub async fn run(live: Arc<Live>, speed: u32) {
    let rows = match super::store::vehicle_routes(&live.pool, STEP_M).await {
        Ok(r) => r,
        Err(e) => return tracing::warn!(error = %e, "vehicle simulator could not load routes"),
    };
    let mut vehicles: Vec<Vehicle> = rows
        .into_iter()
        .filter_map(|(id, lines)| {
            let route: Vec<[f64; 2]> = lines
                .as_array()?
                .iter()
                .flat_map(|l| l["coordinates"].as_array().cloned().unwrap_or_default())
                .filter_map(|p| Some([p[0].as_f64()?, p[1].as_f64()?]))
                .collect();
            (route.len() > 1).then_some(Vehicle {
                id,
                route,
                at: 0,
                forward: true,
            })
        })
        .collect();
    tracing::info!(vehicles = vehicles.len(), "vehicle simulator started");
    let mut tick = tokio::time::interval(STEP_EVERY / speed.max(1));
    loop {
        tick.tick().await;
        if Arc::strong_count(&live) == 1 {
            return; // the server is gone
        }
        for v in &mut vehicles {
            if v.forward && v.at + 1 >= v.route.len() || !v.forward && v.at == 0 {
                v.forward = !v.forward;
            }
            v.at = if v.forward { v.at + 1 } else { v.at - 1 };
            if let Err(e) = super::store::move_to(&live, &v.id, v.route[v.at]).await {
                tracing::warn!(error = %e, camera = %v.id, "vehicle step failed");
            }
        }
    }
}

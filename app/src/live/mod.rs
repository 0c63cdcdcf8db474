//! The browser's side of `/ws`: keeps a live connection (reconnecting with backoff, heartbeat),
//! subscribes to the map's viewport, and keeps the live incidents and cameras up to date for the
//! page (signals) and the map (sources updated in place).

use leptos::prelude::*;
use serde_json::Value;

#[cfg(feature = "hydrate")]
mod socket;
pub mod state;

/// What the badge shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveState {
    Connecting,
    Live,
    Reconnecting,
}

/// A notice for the operator (severity 3 and 4 incidents).
#[derive(Clone, Debug, PartialEq)]
pub struct Toast {
    pub id: u64,
    pub incident: String,
    pub kind: String,
    pub text: String,
}

/// The live data a page shows.
#[derive(Clone, Copy)]
pub struct LiveData {
    pub state: RwSignal<LiveState>,
    /// Incidents on the live layer, most severe and newest first.
    pub incidents: RwSignal<Vec<Value>>,
    pub toasts: RwSignal<Vec<Toast>>,
    /// Cameras whose status is offline, by id (features): from the camera layer, its live events and
    /// a periodic check of `/api/cameras/offline` (which also covers cameras outside the viewport).
    pub offline: RwSignal<std::collections::BTreeMap<String, Value>>,
    /// The last camera feature a live event changed (status, position), to refresh an open panel.
    pub last_camera: RwSignal<Option<Value>>,
}

impl LiveData {
    pub fn new() -> Self {
        Self {
            state: RwSignal::new(LiveState::Connecting),
            incidents: RwSignal::new(Vec::new()),
            toasts: RwSignal::new(Vec::new()),
            offline: RwSignal::new(Default::default()),
            last_camera: RwSignal::new(None),
        }
    }
}

impl Default for LiveData {
    fn default() -> Self {
        Self::new()
    }
}

/// Sorts incidents for the list: severity (4 first), then the latest change first.
pub fn sort_incidents(list: &mut [Value]) {
    list.sort_by(|a, b| {
        let sev = |v: &Value| v["properties"]["severity"].as_i64().unwrap_or(0);
        let at = |v: &Value| {
            v["properties"]["updated_at"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        sev(b).cmp(&sev(a)).then_with(|| at(b).cmp(&at(a)))
    });
}

/// Starts the live connection for this page (in the browser; nothing on the server).
pub fn start(data: LiveData) {
    #[cfg(feature = "hydrate")]
    socket::start(data);
    #[cfg(not(feature = "hydrate"))]
    let _ = data;
}

impl LiveData {
    /// Records a camera feature's status in the offline list (only when it changes).
    pub fn note_camera(&self, feature: &Value) {
        let Some(id) = feature["id"].as_str() else {
            return;
        };
        let offline = feature["properties"]["status"] == "offline";
        // try_: a timer may still fire after the page that owned these signals is gone
        let known = self.offline.try_with_untracked(|m| m.contains_key(id));
        if known.is_some_and(|k| k != offline) {
            self.offline.try_update(|m| {
                if offline {
                    m.insert(id.to_string(), feature.clone());
                } else {
                    m.remove(id);
                }
            });
        }
    }

    /// Replaces the offline list with the server's current one.
    pub fn set_offline(&self, cameras: Vec<crate::contract::cameras::Camera>) {
        // kept as the map's GeoJSON: live events update the same entries (`note_camera`)
        let fresh: std::collections::BTreeMap<String, Value> = cameras
            .into_iter()
            .filter_map(|c| Some((c.id.clone(), serde_json::to_value(c).ok()?)))
            .collect();
        let same = self.offline.try_with_untracked(|m| {
            m.len() == fresh.len() && m.keys().zip(fresh.keys()).all(|(a, b)| a == b)
        });
        if same == Some(false) {
            self.offline.try_set(fresh);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_list_puts_critical_and_recent_first() {
        let inc = |id: &str, sev: i64, at: &str| json!({"id": id, "properties": {"severity": sev, "updated_at": at}});
        let mut list = vec![
            inc("a", 2, "2026-01-01T10:00"),
            inc("b", 4, "2026-01-01T09:00"),
            inc("c", 2, "2026-01-01T11:00"),
        ];
        sort_incidents(&mut list);
        let ids: Vec<&str> = list
            .iter()
            .map(|v| v["id"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(ids, ["b", "c", "a"]);
    }
}

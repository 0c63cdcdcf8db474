//! The map's state as the page shows it (loading, ready, failed) and what was clicked on it: types
//! the map control writes and the components read, kept here so that `map` needs no component.

use serde::{Deserialize, Serialize};

/// What the user sees of the map's own state: never a blank area.
#[derive(Clone, Debug, PartialEq)]
pub enum MapState {
    Loading,
    Ready,
    /// The map could not be shown at all.
    Failed(String),
    /// The map is shown but something later failed (e.g. one layer's data).
    Degraded(String),
}

impl MapState {
    pub fn as_str(&self) -> &'static str {
        match self {
            MapState::Loading => "loading",
            MapState::Ready => "ready",
            MapState::Failed(_) => "failed",
            MapState::Degraded(_) => "degraded",
        }
    }
}

/// The feature whose details a side panel shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Selected {
    /// MapLibre layer it was clicked on (tells its kind: camera, school, ward…).
    pub layer: String,
    pub id: String,
    pub props: serde_json::Value,
}

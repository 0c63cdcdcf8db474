//! The operator map: a MapLibre GL style built in Rust (`style`), and in the browser the binding to
//! MapLibre GL JS (`maplibre`) and the controller that drives it (`control`).
//!
//! The functions below are what pages call; on the server (SSR) there is no map and they do nothing.

pub mod style;

#[cfg(feature = "hydrate")]
pub mod control;
#[cfg(feature = "hydrate")]
pub mod maplibre;

use crate::model::Lang;

/// Shows or hides a layer group of the panel on the live map.
pub fn set_group_visible(group: &str, visible: bool) {
    #[cfg(feature = "hydrate")]
    control::set_group_visible(group, visible);
    #[cfg(not(feature = "hydrate"))]
    let _ = (group, visible);
}

/// Switches the map's labels to `lang`.
pub fn set_language(lang: Lang) {
    #[cfg(feature = "hydrate")]
    control::set_language(lang);
    #[cfg(not(feature = "hydrate"))]
    let _ = lang;
}

//! The maps: a MapLibre GL style built in Rust (`style`), and in the browser the binding to MapLibre
//! GL JS (`maplibre`) and the controller that drives it (`control`).
//!
//! The functions below are what pages call; on the server (SSR) there is no map and they do nothing.

pub mod imported;
pub mod state;
pub mod style;

#[cfg(feature = "hydrate")]
pub mod control;
#[cfg(feature = "hydrate")]
pub mod maplibre;

use serde_json::Value;

use crate::model::Lang;

/// Adds imported layers `(id, geometry kind)` to the live map (once each; after its style loads).
pub fn add_imported(layers: Vec<(String, String)>) {
    #[cfg(feature = "hydrate")]
    control::add_imported(layers);
    #[cfg(not(feature = "hydrate"))]
    let _ = layers;
}

/// Shows or hides an imported layer.
pub fn set_imported_visible(layer: &str, geometry: &str, visible: bool) {
    #[cfg(feature = "hydrate")]
    control::set_imported_visible(layer, geometry, visible);
    #[cfg(not(feature = "hydrate"))]
    let _ = (layer, geometry, visible);
}

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

/// Moves the view to a place.
pub fn fly_to(lon: f64, lat: f64, zoom: f64) {
    #[cfg(feature = "hydrate")]
    control::fly_to(lon, lat, zoom);
    #[cfg(not(feature = "hydrate"))]
    let _ = (lon, lat, zoom);
}

/// Replaces a GeoJSON source's data.
pub fn set_source_data(source: &str, data: &Value) {
    #[cfg(feature = "hydrate")]
    control::set_source_data(source, data);
    #[cfg(not(feature = "hydrate"))]
    let _ = (source, data);
}

/// Lets the user draw a polygon on the map; `on_done` receives it as a GeoJSON Polygon.
pub fn start_drawing(on_done: impl Fn(Value) + 'static) {
    #[cfg(feature = "hydrate")]
    control::start_drawing(on_done);
    #[cfg(not(feature = "hydrate"))]
    let _ = on_done;
}

pub fn finish_drawing() {
    #[cfg(feature = "hydrate")]
    control::finish_drawing();
}

pub fn cancel_drawing() {
    #[cfg(feature = "hydrate")]
    control::cancel_drawing();
}

/// The visible bounds [west, south, east, north], once the map exists.
pub fn bounds() -> Option<[f64; 4]> {
    #[cfg(feature = "hydrate")]
    {
        control::bounds()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// Calls `f` after every move of the map (and when it has loaded).
pub fn on_moveend(f: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    control::on_moveend(f);
    #[cfg(not(feature = "hydrate"))]
    let _ = f;
}

/// The next click on the map gives its [lon, lat] to `f`.
pub fn pick_point(f: impl Fn([f64; 2]) + 'static) {
    #[cfg(feature = "hydrate")]
    control::pick_point(f);
    #[cfg(not(feature = "hydrate"))]
    let _ = f;
}

//! The MapLibre style of the operator map, as JSON built in plain Rust (unit-tested without a browser).
//!
//! Every layer is fed from the OGC API (`/ogc/collections/{id}/items`), so what the map shows is exactly
//! what GIS tools read. Text uses the SDF glyphs the project ships under `/glyphs` (Noto Sans, with
//! Vietnamese), so labels render with no internet.

use serde_json::{json, Value};

use crate::model::Lang;

pub const FONT: &str = "NotoSans-Regular";
pub const FONT_BOLD: &str = "NotoSans-Bold";

/// District 1's bounding box (minLon, minLat, maxLon, maxLat), the map's initial view.
pub const DISTRICT_BOUNDS: [f64; 4] = [106.6812, 10.7535, 106.7150, 10.7971];

/// Which map a page shows: each draws only the sources its users may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapKind {
    /// Operators: everything, cameras included.
    Ops,
    /// The public tourist map: never a camera, recorder or incident.
    Public,
    /// Planners: everything the operators see (camera positions, no video), plus the chosen area.
    Planner,
}

/// Sources of the maps: OGC collections (the source id is the collection id), the wards' label points,
/// and on the planner's map the chosen area and the polygon being drawn.
pub const SOURCES: &[&str] = &[
    "districts",
    "wards",
    "streets",
    "recorders",
    "schools",
    "clinics",
    "tourism",
    "cameras",
    "ward-labels",
    "area",
    "draft",
    "incidents",
];

const PUBLIC_SOURCES: &[&str] = &[
    "districts",
    "wards",
    "streets",
    "schools",
    "clinics",
    "tourism",
    "ward-labels",
];

pub fn sources_for(kind: MapKind) -> Vec<&'static str> {
    SOURCES
        .iter()
        .copied()
        .filter(|s| match kind {
            MapKind::Ops => !matches!(*s, "area" | "draft"),
            MapKind::Public => PUBLIC_SOURCES.contains(s),
            MapKind::Planner => *s != "incidents",
        })
        .collect()
}

pub fn glyphs_url(origin: &str) -> String {
    format!("{origin}/glyphs/{{fontstack}}/{{range}}.pbf")
}

pub fn source(origin: &str, id: &str) -> Value {
    if matches!(id, "area" | "draft") {
        return json!({"type": "geojson", "data": {"type": "FeatureCollection", "features": []}});
    }
    if id == "incidents" {
        // filled and kept current by the live connection (/ws)
        return json!({"type": "geojson", "data": {"type": "FeatureCollection", "features": []}, "promoteId": "id"});
    }
    if id == "ward-labels" {
        return json!({"type": "geojson", "data": format!("{origin}/api/map/ward-labels"), "promoteId": "id"});
    }
    let data = format!("{origin}/ogc/collections/{id}/items?limit=10000");
    if id == "cameras" {
        // 1,132 hotspots would be a blur at district zoom: cluster them until street level.
        json!({"type": "geojson", "data": data, "promoteId": "id",
               "cluster": true, "clusterMaxZoom": 15, "clusterRadius": 45})
    } else {
        // MapLibre keeps only numeric GeoJSON ids; promoteId makes the string id the feature id.
        json!({"type": "geojson", "data": data, "promoteId": "id"})
    }
}

fn name(lang: Lang) -> Value {
    json!(["coalesce", ["get", lang.name_field()], ["get", "name_vi"]])
}

fn point_layer(id: &str, color: &str) -> Value {
    json!({
        "id": format!("{id}-points"), "type": "circle", "source": id,
        "paint": {
            "circle-color": color,
            "circle-radius": ["interpolate", ["linear"], ["zoom"], 13, 4, 17, 8],
            "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5
        }
    })
}

fn label_layer(id: &str, lang: Lang, color: &str) -> Value {
    json!({
        "id": format!("{id}-labels"), "type": "symbol", "source": id, "minzoom": 15,
        "layout": {
            "text-field": name(lang), "text-font": [FONT], "text-size": 11,
            "text-offset": [0, 0.9], "text-anchor": "top", "text-max-width": 9
        },
        "paint": {"text-color": color, "text-halo-color": "#ffffff", "text-halo-width": 1.4}
    })
}

/// The layers of one kind of map, bottom first. `background` is left out when a basemap is drawn
/// underneath.
pub fn layers_for(kind: MapKind, lang: Lang, with_background: bool) -> Vec<Value> {
    let sources = sources_for(kind);
    layers(lang, with_background)
        .into_iter()
        .filter(|l| l["source"].as_str().is_none_or(|s| sources.contains(&s)))
        .collect()
}

/// Every layer of every map, bottom first.
pub fn layers(lang: Lang, with_background: bool) -> Vec<Value> {
    let mut out = Vec::new();
    if with_background {
        out.push(json!({"id": "background", "type": "background", "paint": {"background-color": "#eef0ea"}}));
    }
    out.extend([
        json!({"id": "districts-fill", "type": "fill", "source": "districts",
               "paint": {"fill-color": "#ffffff", "fill-opacity": 0.7}}),
        json!({"id": "wards-fill", "type": "fill", "source": "wards",
               "paint": {"fill-color": "#5f3dc4", "fill-opacity": 0.05}}),
        json!({"id": "wards-line", "type": "line", "source": "wards",
               "paint": {"line-color": "#5f3dc4", "line-width": 1.2, "line-dasharray": [3, 2]}}),
        json!({"id": "districts-line", "type": "line", "source": "districts",
               "paint": {"line-color": "#343a40", "line-width": 2.5}}),
        json!({"id": "streets-line", "type": "line", "source": "streets",
               "layout": {"line-cap": "round", "line-join": "round"},
               "paint": {"line-color": "#adb5bd",
                         "line-width": ["interpolate", ["linear"], ["zoom"], 13, 1.5, 17, 8]}}),
        json!({"id": "streets-labels", "type": "symbol", "source": "streets", "minzoom": 14,
               "layout": {"symbol-placement": "line", "text-field": name(lang), "text-font": [FONT],
                          "text-size": 11},
               "paint": {"text-color": "#495057", "text-halo-color": "#ffffff", "text-halo-width": 1.4}}),
        json!({"id": "wards-labels", "type": "symbol", "source": "ward-labels",
               "layout": {"text-field": name(lang), "text-font": [FONT_BOLD],
                          "text-size": ["interpolate", ["linear"], ["zoom"], 13, 11, 16, 15],
                          "text-max-width": 7, "text-padding": 1},
               "paint": {"text-color": "#5f3dc4", "text-halo-color": "#ffffff", "text-halo-width": 1.6}}),
        json!({"id": "recorders-points", "type": "circle", "source": "recorders", "minzoom": 14,
               "paint": {"circle-color": "#495057", "circle-radius": 3.5,
                         "circle-stroke-color": "#ffffff", "circle-stroke-width": 1}}),
    ]);
    for (id, color) in [
        ("schools", "#1c7ed6"),
        ("clinics", "#e03131"),
        ("tourism", "#f08c00"),
    ] {
        out.push(point_layer(id, color));
        out.push(label_layer(id, lang, color));
    }
    out.extend([
        json!({"id": "cameras-clusters", "type": "circle", "source": "cameras",
               "filter": ["has", "point_count"],
               "paint": {"circle-color": ["step", ["get", "point_count"], "#f783ac", 25, "#e64980", 100, "#a61e4d"],
                         "circle-radius": ["step", ["get", "point_count"], 13, 25, 17, 100, 22],
                         "circle-stroke-color": "#ffffff", "circle-stroke-width": 2}}),
        json!({"id": "cameras-cluster-count", "type": "symbol", "source": "cameras",
               "filter": ["has", "point_count"],
               "layout": {"text-field": ["get", "point_count_abbreviated"], "text-font": [FONT_BOLD],
                          "text-size": 12, "text-allow-overlap": true},
               "paint": {"text-color": "#ffffff"}}),
        json!({"id": "cameras-points", "type": "circle", "source": "cameras",
               "filter": ["!", ["has", "point_count"]],
               "paint": {"circle-color": ["match", ["get", "kind"], "long_range", "#a61e4d",
                                          "vehicle", "#0ca678", "#e64980"],
                         "circle-radius": ["match", ["get", "kind"], "long_range", 8, "vehicle", 7, 5],
                         "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5}}),
        // live incidents: colour by severity, a white ring while new, grey once closed
        json!({"id": "incidents-points", "type": "circle", "source": "incidents",
               "paint": {"circle-color": ["match", ["get", "status"], ["resolved", "dismissed"], "#adb5bd",
                                          ["match", ["get", "severity"], 4, "#862e9c", 3, "#e03131", 2, "#f76707", "#f59f00"]],
                         "circle-radius": ["interpolate", ["linear"], ["zoom"], 13, 7, 17, 12],
                         "circle-stroke-color": ["match", ["get", "status"], "new", "#ffffff", "#343a40"],
                         "circle-stroke-width": ["match", ["get", "status"], "new", 3, 1.5]}}),
        // the planner's chosen area and the polygon being drawn, on top
        json!({"id": "area-fill", "type": "fill", "source": "area",
               "paint": {"fill-color": "#f08c00", "fill-opacity": 0.12}}),
        json!({"id": "area-line", "type": "line", "source": "area",
               "paint": {"line-color": "#e8590c", "line-width": 2.5}}),
        json!({"id": "draft-line", "type": "line", "source": "draft",
               "paint": {"line-color": "#e8590c", "line-width": 2, "line-dasharray": [2, 1]}}),
        json!({"id": "draft-points", "type": "circle", "source": "draft",
               "filter": ["==", ["geometry-type"], "Point"],
               "paint": {"circle-color": "#ffffff", "circle-radius": 4,
                         "circle-stroke-color": "#e8590c", "circle-stroke-width": 2}}),
    ]);
    out
}

/// The complete style when no basemap is configured: a plain background, needing no tiles at all.
pub fn offline_style(origin: &str, kind: MapKind, lang: Lang) -> Value {
    let sources: serde_json::Map<String, Value> = sources_for(kind)
        .into_iter()
        .map(|id| (id.to_string(), source(origin, id)))
        .collect();
    json!({
        "version": 8,
        "name": "ioc-map District 1",
        "glyphs": glyphs_url(origin),
        "sources": sources,
        "layers": layers_for(kind, lang, true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CLICKABLE_LAYERS, LAYER_GROUPS};

    fn layer_ids() -> Vec<String> {
        layers(Lang::Vi, true)
            .iter()
            .map(|l| l["id"].as_str().expect("every layer has an id").to_string())
            .collect()
    }

    #[test]
    fn every_layer_reads_a_declared_source() {
        for l in layers(Lang::En, true) {
            if let Some(src) = l["source"].as_str() {
                assert!(
                    SOURCES.contains(&src),
                    "layer {} reads unknown source {src}",
                    l["id"]
                );
            }
        }
    }

    #[test]
    fn panel_switches_and_clicks_name_real_layers() {
        let ids = layer_ids();
        for g in LAYER_GROUPS {
            for l in g.layers {
                assert!(
                    ids.iter().any(|i| i == l),
                    "group {} names missing layer {l}",
                    g.id
                );
            }
        }
        for l in CLICKABLE_LAYERS {
            assert!(
                ids.iter().any(|i| i == l),
                "clickable layer {l} is not drawn"
            );
        }
    }

    #[test]
    fn labels_follow_the_language_and_use_shipped_fonts() {
        let vi = serde_json::to_string(&layers(Lang::Vi, true)).expect("serialises");
        let en = serde_json::to_string(&layers(Lang::En, true)).expect("serialises");
        assert!(vi.contains("\"name_vi\"") && !vi.contains("\"name_en\""));
        assert!(en.contains("\"name_en\""));
        for l in layers(Lang::Vi, true) {
            if let Some(fonts) = l["layout"]["text-font"].as_array() {
                for f in fonts {
                    assert!(
                        [FONT, FONT_BOLD].contains(&f.as_str().expect("font name")),
                        "{f}"
                    );
                }
            }
        }
    }

    #[test]
    fn offline_style_needs_no_other_host() {
        let s = offline_style("http://127.0.0.1:3000", MapKind::Ops, Lang::Vi);
        let text = s.to_string();
        for url in text.split('"').filter(|t| t.starts_with("http")) {
            assert!(url.starts_with("http://127.0.0.1:3000/"), "{url}");
        }
        assert_eq!(s["sources"]["cameras"]["cluster"], true);
    }

    #[test]
    fn the_public_map_never_asks_for_cameras_recorders_or_incidents() {
        let s = offline_style("http://x", MapKind::Public, Lang::En).to_string();
        for secret in ["cameras", "recorders", "incidents"] {
            assert!(!s.contains(secret), "public style mentions {secret}");
        }
        assert!(
            s.contains("tourism-points")
                && s.contains("clinics-points")
                && s.contains("schools-points")
        );
        let planner = offline_style("http://x", MapKind::Planner, Lang::Vi);
        assert!(
            planner["sources"]["area"].is_object() && planner["sources"]["cameras"].is_object()
        );
    }
}

//! The map layers of imported layers (`/api/layers`): one GeoJSON source per layer, fed from its OGC
//! collection like every other layer, drawn by its geometry kind in one colour that no built-in layer
//! uses. Pure JSON, unit-tested without a browser.

use serde_json::{json, Value};

/// The colour of imported layers (teal: no built-in layer is teal).
pub const COLOR: &str = "#0b7285";

pub fn source_id(layer: &str) -> String {
    format!("layer:{layer}")
}

pub fn source(origin: &str, layer: &str) -> Value {
    json!({"type": "geojson", "data": format!("{origin}/ogc/collections/{layer}/items?limit=10000"),
           "promoteId": "id"})
}

/// The MapLibre layers that draw an imported layer of `geometry` (`point`, `line`, `polygon`,
/// `mixed`).
pub fn style_layers(layer: &str, geometry: &str) -> Vec<Value> {
    let src = source_id(layer);
    let id = |part: &str| format!("imported-{layer}-{part}");
    let points = json!({"id": id("points"), "type": "circle", "source": src,
        "filter": ["==", ["geometry-type"], "Point"],
        "paint": {"circle-radius": 5, "circle-color": COLOR, "circle-stroke-color": "#ffffff",
                  "circle-stroke-width": 1.5}});
    let lines = json!({"id": id("lines"), "type": "line", "source": src,
        "filter": ["in", ["geometry-type"], ["literal", ["LineString", "Polygon"]]],
        "paint": {"line-color": COLOR, "line-width": 2}});
    let fill = json!({"id": id("fill"), "type": "fill", "source": src,
        "filter": ["==", ["geometry-type"], "Polygon"],
        "paint": {"fill-color": COLOR, "fill-opacity": 0.12}});
    match geometry {
        "point" => vec![points],
        "line" => vec![lines],
        "polygon" => vec![fill, lines],
        _ => vec![fill, lines, points],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_geometry_kind_is_drawn_from_its_own_source() {
        let points = style_layers("bus-stops", "point");
        assert_eq!(points.len(), 1);
        assert_eq!(points[0]["type"], "circle");
        assert_eq!(points[0]["source"], "layer:bus-stops");
        let polygons = style_layers("wards-2019", "polygon");
        let kinds: Vec<&str> = polygons.iter().filter_map(|l| l["type"].as_str()).collect();
        assert_eq!(kinds, ["fill", "line"]);
        assert_eq!(style_layers("x", "mixed").len(), 3);
        assert!(source("http://h", "bus-stops")["data"]
            .as_str()
            .is_some_and(|u| u.ends_with("/ogc/collections/bus-stops/items?limit=10000")));
    }
}

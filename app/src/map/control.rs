//! Drives the MapLibre map from a page: creates it, reports its state, switches layers and the label
//! language, turns clicks into a selected feature, flies to places, and on the planner's map lets the
//! user draw a polygon.
//!
//! MapLibre objects are not `Send`, so the one live map is kept in a thread-local (the browser has one
//! thread); pages talk to it through the functions here.

use std::cell::RefCell;

use leptos::prelude::*;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

use super::maplibre::Map;
use super::state::{MapState, Selected};
use super::style::{self, MapKind};
use crate::model::{Lang, MapConfig, CLICKABLE_LAYERS, LAYER_GROUPS};

/// A MapLibre event handler.
type Handler = Closure<dyn FnMut(JsValue)>;

/// What to do with a point the operator picks on the map.
type PointPicked = Box<dyn Fn([f64; 2])>;

/// A polygon being drawn: its vertices and what to do with the finished polygon.
struct Drawing {
    vertices: Vec<[f64; 2]>,
    on_done: Box<dyn Fn(Value)>,
}

thread_local! {
    static MAP: RefCell<Option<Map>> = const { RefCell::new(None) };
    static KIND: RefCell<MapKind> = const { RefCell::new(MapKind::Ops) };
    /// Closures handed to MapLibre must live as long as the map.
    static HANDLERS: RefCell<Vec<Handler>> = const { RefCell::new(Vec::new()) };
    static DRAWING: RefCell<Option<Drawing>> = const { RefCell::new(None) };
    /// Set while the operator picks a point (e.g. where to report an incident).
    static PICK: RefCell<Option<PointPicked>> = const { RefCell::new(None) };
    /// Imported layers (id, geometry kind) to draw: kept so a map made after the list arrived
    /// draws them too, once its style has loaded.
    static IMPORTED: RefCell<Vec<(String, String)>> = const { RefCell::new(Vec::new()) };
}

fn to_js(v: &Value) -> JsValue {
    js_sys::JSON::parse(&v.to_string()).unwrap_or(JsValue::NULL)
}

fn from_js(v: &JsValue) -> Value {
    js_sys::JSON::stringify(v)
        .ok()
        .and_then(|s| s.as_string())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null)
}

fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

fn get(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn call0(target: &JsValue, method: &str) {
    if let Ok(f) = get(target, method).dyn_into::<js_sys::Function>() {
        let _ = f.call0(target);
    }
}

fn has_layer(map: &Map, id: &str) -> bool {
    !get(&map.get_layer(id), "id").is_undefined()
}

/// Creates the map of `kind` in the element `container_id`. Errors end up in `state`, never in a blank
/// screen.
pub fn start(
    container_id: &str,
    kind: MapKind,
    config: MapConfig,
    lang: Lang,
    state: RwSignal<MapState>,
    selected: RwSignal<Option<Selected>>,
) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if !js_sys::Reflect::has(&window, &JsValue::from_str("maplibregl")).unwrap_or(false) {
        state.set(MapState::Failed(
            "Không tải được thư viện bản đồ (MapLibre) · the map library did not load".into(),
        ));
        return;
    }
    let origin = origin();
    let [w, s, e, n] = style::DISTRICT_BOUNDS;
    let basemap = config.basemap_style_url.clone();
    let style = match &basemap {
        Some(url) => Value::String(url.clone()),
        None => style::offline_style(&origin, kind, lang),
    };
    let options = json!({
        "container": container_id,
        "style": style,
        "bounds": [[w, s], [e, n]],
        "fitBoundsOptions": {"padding": 16},
        "attributionControl": false,
        "maxZoom": 19,
    });
    let map = match Map::new(&to_js(&options)) {
        Ok(map) => map,
        Err(err) => {
            let msg = js_sys::Error::from(err)
                .message()
                .as_string()
                .unwrap_or_default();
            state.set(MapState::Failed(format!(
                "Không tạo được bản đồ · could not create the map: {msg}"
            )));
            return;
        }
    };

    let mut handlers = Vec::new();
    // With a basemap, our sources and layers go on top once its style has loaded.
    if basemap.is_some() {
        let origin = origin.clone();
        let h = Handler::new(move |_| {
            with_map(|map| {
                for id in style::sources_for(kind) {
                    map.add_source(id, &to_js(&style::source(&origin, id)));
                }
                for layer in style::layers_for(kind, lang, false) {
                    map.add_layer(&to_js(&layer));
                }
            });
        });
        map.on("load", &h);
        handlers.push(h);
    }
    let loaded = Handler::new(|_| {
        crate::timing::mark_once(crate::timing::MAP_LOADED);
        draw_imported();
    });
    map.on("load", &loaded);
    handlers.push(loaded);
    let ready = Handler::new(move |_| {
        if state.get_untracked() == MapState::Loading {
            state.set(MapState::Ready);
        }
    });
    // "idle": the style, every source and every visible tile are loaded and drawn.
    map.on("idle", &ready);
    handlers.push(ready);

    let on_error = Handler::new(move |ev: JsValue| {
        let err = get(&ev, "error");
        let msg = get(&err, "message")
            .as_string()
            .unwrap_or_else(|| "unknown error".into());
        web_sys::console::error_1(&JsValue::from_str(&format!("map error: {msg}")));
        if state.get_untracked() == MapState::Loading {
            state.set(MapState::Failed(format!(
                "Lỗi tải dữ liệu bản đồ · map data failed to load: {msg}"
            )));
        } else {
            state.set(MapState::Degraded(msg));
        }
    });
    map.on("error", &on_error);
    handlers.push(on_error);

    let on_click = Handler::new(move |ev: JsValue| {
        if add_vertex(&get(&ev, "lngLat")) {
            return;
        }
        if let Some(pick) = PICK.with(|p| p.borrow_mut().take()) {
            let ll = get(&ev, "lngLat");
            if let (Some(lon), Some(lat)) = (get(&ll, "lng").as_f64(), get(&ll, "lat").as_f64()) {
                with_map(|m| {
                    let _ = m.get_canvas().style().set_property("cursor", "");
                });
                pick([lon, lat]);
            }
            return;
        }
        let point = get(&ev, "point");
        with_map(|map| {
            let layers: Vec<&str> = CLICKABLE_LAYERS
                .iter()
                .copied()
                .filter(|l| has_layer(map, l))
                .collect();
            let hits = map.query_rendered_features(&point, &to_js(&json!({ "layers": layers })));
            let Some(first) = hits.iter().next() else {
                selected.set(None);
                return;
            };
            let layer = get(&get(&first, "layer"), "id")
                .as_string()
                .unwrap_or_default();
            let props = from_js(&get(&first, "properties"));
            if layer == "cameras-clusters" {
                // a cluster: zoom in on it rather than show a panel
                let center = from_js(&get(&get(&first, "geometry"), "coordinates"));
                let zoom = (map.get_zoom() + 2.0).min(16.0);
                map.ease_to(&to_js(&json!({ "center": center, "zoom": zoom })));
                return;
            }
            let id = from_js(&get(&first, "id"));
            let id = id
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| id.to_string());
            selected.set(Some(Selected { layer, id, props }));
        });
    });
    map.on("click", &on_click);
    handlers.push(on_click);
    let on_dblclick = Handler::new(move |_| finish_drawing());
    map.on("dblclick", &on_dblclick);
    handlers.push(on_dblclick);

    // A pointer cursor over anything clickable.
    for layer in CLICKABLE_LAYERS
        .iter()
        .filter(|l| !l.ends_with("-fill") && !l.ends_with("-line"))
    {
        let enter = Handler::new(move |_| {
            with_map(|m| {
                let _ = m.get_canvas().style().set_property("cursor", "pointer");
            });
        });
        let leave = Handler::new(move |_| {
            with_map(|m| {
                let _ = m.get_canvas().style().set_property("cursor", "");
            });
        });
        map.on_layer("mouseenter", layer, &enter);
        map.on_layer("mouseleave", layer, &leave);
        handlers.push(enter);
        handlers.push(leave);
    }

    // Exposed for the end-to-end tests and for debugging from the console.
    let _ = js_sys::Reflect::set(&window, &JsValue::from_str("iocMap"), &map);
    HANDLERS.with(|h| h.borrow_mut().extend(handlers));
    KIND.with(|k| *k.borrow_mut() = kind);
    MAP.with(|m| *m.borrow_mut() = Some(map));
}

fn with_map(f: impl FnOnce(&Map)) {
    MAP.with(|m| {
        if let Some(map) = m.borrow().as_ref() {
            f(map);
        }
    });
}

/// Adds imported layers to the map: now if its style has loaded, else when it loads (`start`
/// draws them on "load").
pub fn add_imported(layers: Vec<(String, String)>) {
    IMPORTED.with(|list| {
        let mut list = list.borrow_mut();
        for l in layers {
            if !list.contains(&l) {
                list.push(l);
            }
        }
    });
    let loaded = MAP.with(|m| {
        m.borrow()
            .as_ref()
            .is_some_and(|map| map.is_style_loaded().as_bool() == Some(true))
    });
    if loaded {
        draw_imported();
    }
}

/// Draws the imported layers the map does not have yet.
fn draw_imported() {
    let origin = origin();
    let layers = IMPORTED.with(|l| l.borrow().clone());
    with_map(|map| {
        for (id, geometry) in &layers {
            let src = super::imported::source_id(id);
            if !get(&map.get_source(&src), "id").is_undefined() {
                continue;
            }
            map.add_source(&src, &to_js(&super::imported::source(&origin, id)));
            for layer in super::imported::style_layers(id, geometry) {
                map.add_layer(&to_js(&layer));
            }
        }
    });
}

/// Shows or hides an imported layer.
pub fn set_imported_visible(layer: &str, geometry: &str, visible: bool) {
    let value = JsValue::from_str(if visible { "visible" } else { "none" });
    with_map(|map| {
        for l in super::imported::style_layers(layer, geometry) {
            if let Some(id) = l["id"].as_str() {
                if has_layer(map, id) {
                    map.set_layout_property(id, "visibility", &value);
                }
            }
        }
    });
}

/// Shows or hides one layer group of the panel.
pub fn set_group_visible(group: &str, visible: bool) {
    let value = JsValue::from_str(if visible { "visible" } else { "none" });
    with_map(|map| {
        for g in LAYER_GROUPS.iter().filter(|g| g.id == group) {
            for layer in g.layers {
                if has_layer(map, layer) {
                    map.set_layout_property(layer, "visibility", &value);
                }
            }
        }
    });
}

/// Switches every label to the given language.
pub fn set_language(lang: Lang) {
    with_map(|map| {
        for layer in style::layers(lang, true) {
            let id = layer["id"].as_str().unwrap_or_default();
            let field = &layer["layout"]["text-field"];
            if !field.is_null() && has_layer(map, id) {
                map.set_layout_property(id, "text-field", &to_js(field));
            }
        }
    });
}

/// Moves the view to a place.
pub fn fly_to(lon: f64, lat: f64, zoom: f64) {
    with_map(|map| map.ease_to(&to_js(&json!({ "center": [lon, lat], "zoom": zoom }))));
}

/// Replaces the data of a GeoJSON source (the planner's area, the polygon being drawn).
pub fn set_source_data(source: &str, data: &Value) {
    with_map(|map| {
        let src = map.get_source(source);
        if let Ok(f) = get(&src, "setData").dyn_into::<js_sys::Function>() {
            let _ = f.call1(&src, &to_js(data));
        }
    });
}

/// Starts drawing a polygon: each click adds a vertex; a double click (or [`finish_drawing`]) ends it
/// and hands the closed GeoJSON Polygon to `on_done`.
pub fn start_drawing(on_done: impl Fn(Value) + 'static) {
    DRAWING.with(|d| {
        *d.borrow_mut() = Some(Drawing {
            vertices: Vec::new(),
            on_done: Box::new(on_done),
        });
    });
    with_map(|map| call0(&get(map, "doubleClickZoom"), "disable"));
    show_draft(&[]);
}

fn show_draft(vertices: &[[f64; 2]]) {
    let mut features: Vec<Value> = vertices
        .iter()
        .map(|v| json!({"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": v}}))
        .collect();
    if vertices.len() >= 2 {
        let mut ring = vertices.to_vec();
        ring.push(vertices[0]);
        features.push(json!({"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": ring}}));
    }
    set_source_data(
        "draft",
        &json!({"type": "FeatureCollection", "features": features}),
    );
}

/// Adds a clicked point while drawing; false when not drawing.
fn add_vertex(lng_lat: &JsValue) -> bool {
    let lon = get(lng_lat, "lng").as_f64();
    let lat = get(lng_lat, "lat").as_f64();
    let drawn = DRAWING.with(|d| {
        let mut d = d.borrow_mut();
        let drawing = d.as_mut()?;
        if let (Some(lon), Some(lat)) = (lon, lat) {
            // the two clicks of a double click land on the same spot: keep one
            let same = drawing
                .vertices
                .last()
                .is_some_and(|v| (v[0] - lon).abs() < 1e-7 && (v[1] - lat).abs() < 1e-7);
            if !same {
                drawing.vertices.push([lon, lat]);
            }
        }
        Some(drawing.vertices.clone())
    });
    match drawn {
        Some(vertices) => {
            show_draft(&vertices);
            true
        }
        None => false,
    }
}

/// Ends drawing; with 3 or more vertices the closed polygon goes to the page.
pub fn finish_drawing() {
    let Some(drawing) = DRAWING.with(|d| d.borrow_mut().take()) else {
        return;
    };
    show_draft(&[]);
    with_map(|map| call0(&get(map, "doubleClickZoom"), "enable"));
    if drawing.vertices.len() >= 3 {
        let mut ring = drawing.vertices.clone();
        ring.push(drawing.vertices[0]);
        (drawing.on_done)(json!({"type": "Polygon", "coordinates": [ring]}));
    }
}

/// The next click on the map gives its position to `f` instead of selecting a feature.
pub fn pick_point(f: impl Fn([f64; 2]) + 'static) {
    PICK.with(|p| *p.borrow_mut() = Some(Box::new(f)));
    with_map(|m| {
        let _ = m.get_canvas().style().set_property("cursor", "crosshair");
    });
}

/// Abandons a polygon being drawn.
pub fn cancel_drawing() {
    DRAWING.with(|d| d.borrow_mut().take());
    show_draft(&[]);
    with_map(|map| call0(&get(map, "doubleClickZoom"), "enable"));
}

/// Releases the map when the page is left.
pub fn stop() {
    DRAWING.with(|d| d.borrow_mut().take());
    // the next page's layer panel lists what its viewer may see
    IMPORTED.with(|l| l.borrow_mut().clear());
    MAP.with(|m| {
        if let Some(map) = m.borrow_mut().take() {
            map.remove();
        }
    });
    HANDLERS.with(|h| h.borrow_mut().clear());
}

/// The visible bounds [west, south, east, north], clamped to valid coordinates.
pub fn bounds() -> Option<[f64; 4]> {
    MAP.with(|m| {
        let m = m.borrow();
        let b = m.as_ref()?.get_bounds();
        let arr = js_sys::Reflect::get(&b, &JsValue::from_str("toArray"))
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?
            .call0(&b)
            .ok()?;
        let v = from_js(&arr);
        let n = |i: usize, j: usize| v[i][j].as_f64();
        Some([
            n(0, 0)?.max(-180.0),
            n(0, 1)?.max(-90.0),
            n(1, 0)?.min(180.0),
            n(1, 1)?.min(90.0),
        ])
    })
}

/// Calls `f` whenever the user has moved the map (and once the map is first idle).
pub fn on_moveend(f: impl Fn() + 'static) {
    let f = std::rc::Rc::new(f);
    with_map(|map| {
        let g = f.clone();
        let moved = Handler::new(move |_| g());
        map.on("moveend", &moved);
        let g = f.clone();
        let first = Handler::new(move |_| g());
        map.on("load", &first);
        HANDLERS.with(|h| h.borrow_mut().extend([moved, first]));
    });
}

/// Which kind of map is live.
pub fn kind() -> MapKind {
    KIND.with(|k| *k.borrow())
}

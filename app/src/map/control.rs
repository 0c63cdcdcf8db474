//! Drives the MapLibre map from the ops page: creates it, reports its state, switches layers and the
//! label language, and turns clicks into a selected feature for the details panel.
//!
//! MapLibre objects are not `Send`, so the one live map is kept in a thread-local (the browser has one
//! thread); the page talks to it through the functions here.

use std::cell::RefCell;

use leptos::prelude::*;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;

use super::maplibre::Map;
use super::style;
use crate::model::{Lang, MapConfig, CLICKABLE_LAYERS, LAYER_GROUPS};
use crate::pages::ops::{MapState, Selected};

/// A MapLibre event handler.
type Handler = Closure<dyn FnMut(JsValue)>;

thread_local! {
    static MAP: RefCell<Option<Map>> = const { RefCell::new(None) };
    /// Closures handed to MapLibre must live as long as the map.
    static HANDLERS: RefCell<Vec<Handler>> = const { RefCell::new(Vec::new()) };
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

/// Creates the map in the element `container_id`. Errors end up in `state`, never in a blank screen.
pub fn start(
    container_id: &str,
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
        None => style::offline_style(&origin, lang),
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
                for id in style::SOURCES {
                    map.add_source(id, &to_js(&style::source(&origin, id)));
                }
                for layer in style::layers(lang, false) {
                    map.add_layer(&to_js(&layer));
                }
            });
        });
        map.on("load", &h);
        handlers.push(h);
    }
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
        let point = get(&ev, "point");
        with_map(|map| {
            let layers: Vec<&str> = CLICKABLE_LAYERS
                .iter()
                .copied()
                .filter(|l| !get(&map.get_layer(l), "id").is_undefined())
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

    // A pointer cursor over anything clickable.
    for layer in CLICKABLE_LAYERS
        .iter()
        .filter(|l| !l.ends_with("-fill") && !l.ends_with("-line"))
    {
        let enter = Handler::new(move |_| {
            with_map(|m| {
                let _ = m.get_canvas().style().set_property("cursor", "pointer");
            })
        });
        let leave = Handler::new(move |_| {
            with_map(|m| {
                let _ = m.get_canvas().style().set_property("cursor", "");
            })
        });
        map.on_layer("mouseenter", layer, &enter);
        map.on_layer("mouseleave", layer, &leave);
        handlers.push(enter);
        handlers.push(leave);
    }

    // Exposed for the end-to-end tests and for debugging from the console.
    let _ = js_sys::Reflect::set(&window, &JsValue::from_str("iocMap"), &map);
    HANDLERS.with(|h| h.borrow_mut().extend(handlers));
    MAP.with(|m| *m.borrow_mut() = Some(map));
}

fn with_map(f: impl FnOnce(&Map)) {
    MAP.with(|m| {
        if let Some(map) = m.borrow().as_ref() {
            f(map)
        }
    })
}

/// Shows or hides one layer group of the panel.
pub fn set_group_visible(group: &str, visible: bool) {
    let value = JsValue::from_str(if visible { "visible" } else { "none" });
    with_map(|map| {
        for g in LAYER_GROUPS.iter().filter(|g| g.id == group) {
            for layer in g.layers {
                if !get(&map.get_layer(layer), "id").is_undefined() {
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
            if !field.is_null() && !get(&map.get_layer(id), "id").is_undefined() {
                map.set_layout_property(id, "text-field", &to_js(field));
            }
        }
    });
}

/// Releases the map when the page is left.
pub fn stop() {
    MAP.with(|m| {
        if let Some(map) = m.borrow_mut().take() {
            map.remove();
        }
    });
    HANDLERS.with(|h| h.borrow_mut().clear());
}

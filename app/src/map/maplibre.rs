//! The small part of MapLibre GL JS the app uses, bound with wasm-bindgen. MapLibre is loaded as a
//! classic script (`/maplibre/maplibre-gl.js`, from npm) that defines the global `maplibregl`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = maplibregl, js_name = Map)]
    pub type Map;

    /// Throws when WebGL is unavailable; the error is shown to the operator.
    #[wasm_bindgen(constructor, catch, js_namespace = maplibregl, js_class = "Map")]
    pub fn new(options: &JsValue) -> Result<Map, JsValue>;

    #[wasm_bindgen(method)]
    pub fn on(this: &Map, event: &str, handler: &Closure<dyn FnMut(JsValue)>);

    #[wasm_bindgen(method, js_name = on)]
    pub fn on_layer(this: &Map, event: &str, layer: &str, handler: &Closure<dyn FnMut(JsValue)>);

    #[wasm_bindgen(method, js_name = addSource)]
    pub fn add_source(this: &Map, id: &str, source: &JsValue);

    #[wasm_bindgen(method, js_name = addLayer)]
    pub fn add_layer(this: &Map, layer: &JsValue);

    #[wasm_bindgen(method, js_name = getLayer)]
    pub fn get_layer(this: &Map, id: &str) -> JsValue;

    #[wasm_bindgen(method, js_name = getSource)]
    pub fn get_source(this: &Map, id: &str) -> JsValue;

    #[wasm_bindgen(method, js_name = setLayoutProperty)]
    pub fn set_layout_property(this: &Map, layer: &str, name: &str, value: &JsValue);

    #[wasm_bindgen(method, js_name = queryRenderedFeatures)]
    pub fn query_rendered_features(this: &Map, point: &JsValue, options: &JsValue)
        -> js_sys::Array;

    #[wasm_bindgen(method, js_name = easeTo)]
    pub fn ease_to(this: &Map, options: &JsValue);

    #[wasm_bindgen(method, js_name = getBounds)]
    pub fn get_bounds(this: &Map) -> JsValue;

    #[wasm_bindgen(method, js_name = getZoom)]
    pub fn get_zoom(this: &Map) -> f64;

    #[wasm_bindgen(method, js_name = getCanvas)]
    pub fn get_canvas(this: &Map) -> web_sys::HtmlElement;

    #[wasm_bindgen(method)]
    pub fn resize(this: &Map);

    /// Whether the style has loaded (sources and layers may be added now).
    #[wasm_bindgen(method, js_name = isStyleLoaded)]
    pub fn is_style_loaded(this: &Map) -> JsValue;

    #[wasm_bindgen(method)]
    pub fn remove(this: &Map);
}

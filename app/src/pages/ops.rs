//! `/ops`: the operator's map of District 1 with the layer panel and the details panel.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::components::details::DetailsPanel;
use crate::components::layers::LayerPanel;
use crate::model::Lang;

/// What the operator sees of the map's own state: never a blank area.
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

/// The feature whose details the side panel shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Selected {
    /// MapLibre layer it was clicked on (tells its kind: camera, school, ward…).
    pub layer: String,
    pub id: String,
    pub props: serde_json::Value,
}

#[component]
pub fn OpsPage() -> impl IntoView {
    let state = RwSignal::new(MapState::Loading);
    let selected = RwSignal::new(None::<Selected>);
    let lang = RwSignal::new(Lang::Vi);

    #[cfg(feature = "hydrate")]
    {
        use leptos::task::spawn_local;
        Effect::new(move |_| {
            spawn_local(async move {
                let config = fetch_map_config().await;
                crate::map::control::start("map", config, lang.get_untracked(), state, selected);
            });
        });
        on_cleanup(crate::map::control::stop);
    }
    Effect::new(move |_| crate::map::set_language(lang.get()));

    view! {
        <div class="ops">
            <header class="topbar">
                <a href="/" class="brand">"IOC Quận 1"</a>
                <span class="title">{move || lang.get().pick("Bản đồ điều hành", "Operations map")}</span>
                <div class="lang-switch" role="group" aria-label="Ngôn ngữ / Language">
                    <button class:active=move || lang.get() == Lang::Vi on:click=move |_| lang.set(Lang::Vi)>
                        "VI"
                    </button>
                    <button class:active=move || lang.get() == Lang::En on:click=move |_| lang.set(Lang::En)>
                        "EN"
                    </button>
                </div>
            </header>
            <LayerPanel lang/>
            <main class="map-wrap">
                <div id="map" class="map" data-state=move || state.get().as_str()></div>
                <MapStatus state lang/>
            </main>
            <DetailsPanel selected lang/>
        </div>
    }
}

/// Loading and error states over the map.
#[component]
fn MapStatus(state: RwSignal<MapState>, lang: RwSignal<Lang>) -> impl IntoView {
    move || {
        match state.get() {
        MapState::Loading => view! {
            <div class="map-status loading" role="status">
                <span class="spinner"></span>
                {lang.get().pick("Đang tải bản đồ…", "Loading the map…")}
            </div>
        }
        .into_any(),
        MapState::Failed(msg) => view! { <div class="map-status error" role="alert">{msg}</div> }.into_any(),
        MapState::Degraded(msg) => view! {
            <div class="map-status warning" role="alert">
                {lang.get().pick("Một phần dữ liệu không tải được: ", "Some map data failed to load: ")}
                {msg}
                <button on:click=move |_| state.set(MapState::Ready)>"×"</button>
            </div>
        }
        .into_any(),
        MapState::Ready => ().into_any(),
    }
    }
}

#[cfg(feature = "hydrate")]
async fn fetch_map_config() -> crate::model::MapConfig {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    async fn get() -> Option<crate::model::MapConfig> {
        let window = web_sys::window()?;
        let resp = JsFuture::from(window.fetch_with_str("/api/map-config"))
            .await
            .ok()?;
        let resp: web_sys::Response = resp.dyn_into().ok()?;
        if !resp.ok() {
            return None;
        }
        let text = JsFuture::from(resp.text().ok()?).await.ok()?.as_string()?;
        serde_json::from_str(&text).ok()
    }
    // Without the server's answer the map still works, on the plain offline background.
    get().await.unwrap_or_default()
}

//! The map area of a page: the MapLibre container, its loading and error states, and what was clicked.

use leptos::prelude::*;

pub use crate::map::state::{MapState, Selected};
use crate::map::style::MapKind;
use crate::model::Lang;

#[component]
pub fn MapView(
    kind: MapKind,
    selected: RwSignal<Option<Selected>>,
    lang: RwSignal<Lang>,
    /// Called once the map exists (e.g. to start the live connection).
    #[prop(optional)]
    on_created: Option<Callback<()>>,
) -> impl IntoView {
    let state = RwSignal::new(MapState::Loading);
    #[cfg(feature = "hydrate")]
    {
        use leptos::task::spawn_local;
        Effect::new(move |_| {
            spawn_local(async move {
                let config = fetch_map_config().await;
                crate::map::control::start(
                    "map",
                    kind,
                    config,
                    lang.get_untracked(),
                    state,
                    selected,
                );
                if let Some(cb) = on_created {
                    cb.run(());
                }
            });
        });
        on_cleanup(crate::map::control::stop);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (kind, selected, on_created);
    Effect::new(move |_| crate::map::set_language(lang.get()));
    view! {
        <div class="map-wrap">
            // The district's outline, in the page itself: what a person sees while the map's code
            // is on its way (and if the map cannot start at all). The map draws over it.
            <img class="map-outline" src="/api/map/district-outline.svg" alt="" aria-hidden="true"/>
            <div id="map" class="map" data-state=move || state.get().as_str()></div>
            <MapStatus state lang/>
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
    // Without the server's answer the map still works, on the plain offline background.
    crate::api::get("/api/map-config").await.unwrap_or_default()
}

//! The layer panel: one switch per layer group, with its legend colour, then one per imported layer
//! the viewer may see (`/api/layers`: public ones on the public map).

use leptos::prelude::*;

use crate::api;
use crate::contract::imports::Layers;
use crate::map;
use crate::map::imported::COLOR;
use crate::map::style::{layers_for, MapKind};
use crate::model::{Lang, LAYER_GROUPS};

/// Switches for the layer groups that `kind`'s map draws.
#[component]
pub fn LayerPanel(lang: RwSignal<Lang>, kind: MapKind) -> impl IntoView {
    let drawn: Vec<String> = layers_for(kind, Lang::Vi, false)
        .iter()
        .filter_map(|l| l["id"].as_str().map(str::to_string))
        .collect();
    let rows = LAYER_GROUPS
        .iter()
        .filter(|g| g.layers.iter().any(|l| drawn.iter().any(|d| d == l)))
        .map(|g| {
            let on = RwSignal::new(true);
            let id = g.id;
            view! {
                <li>
                    <label>
                        <input
                            type="checkbox"
                            name=format!("layer-{id}")
                            data-layer=id
                            prop:checked=move || on.get()
                            on:change=move |ev| {
                                let checked = event_target_checked(&ev);
                                on.set(checked);
                                map::set_group_visible(id, checked);
                            }
                        />
                        <span class="swatch" style=format!("background:{}", g.color)></span>
                        {move || lang.get().pick(g.title_vi, g.title_en)}
                    </label>
                </li>
            }
        })
        .collect_view();
    let imported = LocalResource::new(|| api::get::<Layers>("/api/layers"));
    // the map draws them once the list is in (and its style is loaded)
    Effect::new(move |_| {
        if let Some(Ok(list)) = imported.get() {
            map::add_imported(
                list.layers
                    .iter()
                    .map(|l| (l.id.clone(), l.geometry.clone()))
                    .collect(),
            );
        }
    });
    let imported_rows = move || {
        let layers = imported.get().and_then(Result::ok)?.layers;
        Some(
            layers
                .into_iter()
                .map(|l| {
                    let on = RwSignal::new(true);
                    let (id, geometry) = (l.id.clone(), l.geometry.clone());
                    view! {
                        <li>
                            <label>
                                <input
                                    type="checkbox"
                                    name=format!("imported-{}", l.id)
                                    data-layer=l.id.clone()
                                    prop:checked=move || on.get()
                                    on:change=move |ev| {
                                        let checked = event_target_checked(&ev);
                                        on.set(checked);
                                        map::set_imported_visible(&id, &geometry, checked);
                                    }
                                />
                                <span class="swatch" style=format!("background:{COLOR}")></span>
                                {move || lang.get().pick_owned(l.title_vi.clone(), l.title_en.clone())}
                            </label>
                        </li>
                    }
                })
                .collect_view(),
        )
    };
    view! {
        <nav class="layer-panel" aria-label="Lớp bản đồ / Map layers">
            <h2>{move || lang.get().pick("Lớp bản đồ", "Layers")}</h2>
            <ul>{rows} {imported_rows}</ul>
        </nav>
    }
}

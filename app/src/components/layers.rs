//! The layer panel: one switch per layer group, with its legend colour.

use leptos::prelude::*;

use crate::map;
use crate::model::{Lang, LAYER_GROUPS};

#[component]
pub fn LayerPanel(lang: RwSignal<Lang>) -> impl IntoView {
    let rows = LAYER_GROUPS
        .iter()
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
    view! {
        <nav class="layer-panel" aria-label="Lớp bản đồ / Map layers">
            <h2>{move || lang.get().pick("Lớp bản đồ", "Layers")}</h2>
            <ul>{rows}</ul>
        </nav>
    }
}

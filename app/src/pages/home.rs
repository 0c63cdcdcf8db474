//! `/`: the public tourist map. Tourism places, schools, clinics and hospitals (so a visitor finds
//! care), public notices, search by name without diacritics; Vietnamese and English; phone-friendly.
//! It never shows a camera or an incident: its map draws public collections only.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use crate::api;
use crate::components::details::DetailsPanel;
use crate::components::layers::LayerPanel;
use crate::components::map_view::{MapView, Selected};
use crate::components::topbar::TopBar;
use crate::map;
use crate::map::style::MapKind;
use crate::model::Lang;

fn layer_of(category: &str) -> &'static str {
    match category {
        "school" => "schools-points",
        "clinic" | "hospital" => "clinics-points",
        _ => "tourism-points",
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    let selected = RwSignal::new(None::<Selected>);
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(None::<Result<Vec<Value>, String>>);
    let notices = RwSignal::new(Vec::<Value>::new());

    Effect::new(move |_| {
        spawn_local(async move {
            if let Ok(v) = api::call("GET", "/api/notices", None).await {
                notices.set(v["notices"].as_array().cloned().unwrap_or_default());
            }
        });
    });

    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = query.get_untracked();
        if q.trim().is_empty() {
            return;
        }
        let url = format!(
            "/api/search?q={}&lang={}",
            api::encode(q.trim()),
            lang.get_untracked().code()
        );
        spawn_local(async move {
            let found = api::call("GET", &url, None)
                .await
                .map(|v| v["features"].as_array().cloned().unwrap_or_default())
                .map_err(|e| e.to_string());
            results.set(Some(found));
        });
    };
    let show = move |f: Value| {
        let props = f["properties"].clone();
        if let (Some(lon), Some(lat)) = (
            f["geometry"]["coordinates"][0].as_f64(),
            f["geometry"]["coordinates"][1].as_f64(),
        ) {
            map::fly_to(lon, lat, 17.0);
        }
        selected.set(Some(Selected {
            layer: layer_of(props["category"].as_str().unwrap_or_default()).to_string(),
            id: props["id"].as_str().unwrap_or_default().to_string(),
            props,
        }));
    };

    view! {
        <div class="public">
            <TopBar title_vi="Bản đồ Quận 1 cho du khách" title_en="District 1 visitor map"/>
            <aside class="side">
                <form class="search" role="search" on:submit=search>
                    <input
                        type="search"
                        name="q"
                        placeholder=move || lang.get().pick("Tìm địa điểm, ví dụ: nha tho duc ba", "Find a place, e.g. ben thanh")
                        aria-label=move || lang.get().pick("Tìm địa điểm", "Find a place")
                        prop:value=move || query.get()
                        on:input=move |ev| query.set(event_target_value(&ev))
                    />
                    <button type="submit">{move || lang.get().pick("Tìm", "Search")}</button>
                </form>
                {move || results.get().map(|r| match r {
                    Err(e) => view! { <p class="form-error">{e}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted">{lang.get().pick("Không tìm thấy địa điểm nào.", "No place found.")}</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="results">
                            {list.into_iter().map(|f| {
                                let l = lang.get();
                                let p = &f["properties"];
                                let title = p[l.name_field()].as_str().unwrap_or_default().to_string();
                                let other = p[match l { Lang::Vi => "name_en", Lang::En => "name_vi" }].as_str().unwrap_or_default().to_string();
                                let f2 = f.clone();
                                view! {
                                    <li><button class="result" on:click=move |_| show(f2.clone())>
                                        <strong>{title}</strong><br/><small>{other}</small>
                                    </button></li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
                <LayerPanel lang kind=MapKind::Public/>
                <section class="notices">
                    <h2>{move || lang.get().pick("Thông báo", "Notices")}</h2>
                    <ul>
                        {move || notices.get().into_iter().map(|n| {
                            let l = lang.get();
                            let (t, b) = match l { Lang::Vi => ("title_vi", "body_vi"), Lang::En => ("title_en", "body_en") };
                            view! {
                                <li><strong>{n[t].as_str().unwrap_or_default().to_string()}</strong>
                                    <p>{n[b].as_str().unwrap_or_default().to_string()}</p></li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            </aside>
            <MapView kind=MapKind::Public selected lang/>
            <DetailsPanel selected lang/>
        </div>
    }
}

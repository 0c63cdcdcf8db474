//! `/`: the public tourist map. Tourism places, schools, clinics and hospitals (so a visitor finds
//! care), public notices, search by name without diacritics; Vietnamese and English; phone-friendly.
//! It never shows a camera or an incident: its map draws public collections only.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::details::DetailsPanel;
use crate::components::layers::LayerPanel;
use crate::components::map_view::{MapView, Selected};
use crate::components::topbar::TopBar;
use crate::contract::search::{Notices, Place, PlaceCategory, SearchResults};
use crate::map;
use crate::map::style::MapKind;
use crate::model::Lang;

fn layer_of(category: PlaceCategory) -> &'static str {
    match category {
        PlaceCategory::School => "schools-points",
        PlaceCategory::Clinic | PlaceCategory::Hospital => "clinics-points",
        _ => "tourism-points",
    }
}

#[component]
pub fn HomePage() -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    let selected = RwSignal::new(None::<Selected>);
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(None::<Result<Vec<Place>, String>>);
    // Notices load once in the browser; a failure leaves the list empty (the map still works).
    let notices = LocalResource::new(|| api::get::<Notices>("/api/notices"));
    let notice_list = move || match notices.get() {
        Some(Ok(n)) => n.notices,
        _ => Vec::new(),
    };

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
            let found = api::get::<SearchResults>(&url)
                .await
                .map(|r| r.features)
                .map_err(|e| e.to_string());
            results.set(Some(found));
        });
    };
    let show = move |place: Place| {
        if let [lon, lat, ..] = place.geometry.coordinates[..] {
            map::fly_to(lon, lat, 17.0);
        }
        // The details panel shows any layer's properties, as the map gives them on a click.
        selected.set(Some(Selected {
            layer: layer_of(place.properties.category).to_string(),
            id: place.properties.id.clone(),
            props: serde_json::to_value(&place.properties).unwrap_or_default(),
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
                                let (title, other) = f.properties.names(lang.get());
                                let (title, other) = (title.to_string(), other.to_string());
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
                        {move || notice_list().into_iter().map(|n| {
                            let (title, body) = n.text(lang.get());
                            let (title, body) = (title.to_string(), body.to_string());
                            view! {
                                <li><strong>{title}</strong><p>{body}</p></li>
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

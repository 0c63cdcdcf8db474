//! `/wall`: the video wall for operators: 2×2, 3×3 or 4×4 live cameras, chosen one by one or by a
//! preset (all landmark cameras, the ward patrol vehicles). `?size=3&cams=cam-0001,cam-0002` opens a
//! given wall, so a big-screen browser can be pointed at a bookmark.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde_json::Value;

use crate::api;
use crate::components::cameras::CameraVideo;
use crate::components::topbar::TopBar;
use crate::contract::cameras::CameraList;
use crate::live::LiveData;
use crate::model::Lang;

fn name_of(f: &Value, lang: Lang) -> String {
    let p = &f["properties"];
    let pick = |k: &str| p[k].as_str().unwrap_or_default().to_string();
    lang.pick_owned(pick("name_vi"), pick("name_en"))
}

#[component]
pub fn WallPage() -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    let query = use_query_map();
    let size = RwSignal::new(
        query
            .with_untracked(|q| q.get("size"))
            .and_then(|s| s.parse::<usize>().ok())
            .filter(|n| (2..=4).contains(n))
            .unwrap_or(3),
    );
    let chosen = RwSignal::new(
        query
            .with_untracked(|q| q.get("cams"))
            .map(|c| {
                c.split(',')
                    .map(str::to_string)
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
    );
    let cameras = RwSignal::new(Vec::<Value>::new());
    let filter = RwSignal::new(String::new());
    let live = LiveData::new();
    provide_context(live);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            // OGC items are the map's GeoJSON (the live data keeps them as MapLibre reads them)
            if let Ok(v) = api::get::<Value>("/ogc/collections/cameras/items?limit=10000").await {
                let list = v["features"].as_array().cloned().unwrap_or_default();
                for f in &list {
                    live.note_camera(f);
                }
                if chosen.with_untracked(Vec::is_empty) {
                    chosen.set(preset(&list, "long_range"));
                }
                cameras.set(list);
            }
            if let Ok(list) = api::get::<CameraList>("/api/cameras/offline").await {
                live.set_offline(list.features);
            }
        });
    });
    // no live socket on the wall: the offline list is checked every 10 s
    Effect::new(move |_| {
        let check = move || {
            leptos::task::spawn_local(async move {
                if let Ok(list) = api::get::<CameraList>("/api/cameras/offline").await {
                    live.set_offline(list.features);
                }
            });
        };
        if let Ok(h) = set_interval_with_handle(check, std::time::Duration::from_secs(10)) {
            on_cleanup(move || h.clear());
        }
    });
    let title_of = move |id: String| {
        Signal::derive(move || {
            let l = lang.get();
            cameras.with(|list| {
                list.iter()
                    .find(|f| f["id"] == id.as_str())
                    .map_or_else(|| id.clone(), |f| name_of(f, l))
            })
        })
    };
    let toggle = move |id: String| {
        chosen.update(|c| {
            if let Some(i) = c.iter().position(|x| *x == id) {
                c.remove(i);
            } else {
                c.push(id);
            }
        });
    };
    view! {
        <div class="wall-page">
            <TopBar title_vi="Màn hình camera" title_en="Video wall"/>
            <div class="wall-controls">
                <label>
                    {move || lang.get().pick("Bố cục", "Layout")}" "
                    <select on:change=move |ev| size.set(event_target_value(&ev).parse().unwrap_or(3))>
                        {[2usize, 3, 4].into_iter().map(|n| view! {
                            <option value=n.to_string() selected=move || size.get() == n>{format!("{n}×{n}")}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button on:click=move |_| chosen.set(cameras.with_untracked(|l| preset(l, "long_range")))>
                    {move || lang.get().pick("Camera địa danh", "Landmark cameras")}
                </button>
                <button on:click=move |_| chosen.set(cameras.with_untracked(|l| preset(l, "vehicle")))>
                    {move || lang.get().pick("Xe tuần tra", "Patrol vehicles")}
                </button>
                <button on:click=move |_| chosen.set(Vec::new())>{move || lang.get().pick("Xoá hết", "Clear")}</button>
                <input type="search" placeholder=move || lang.get().pick("Tìm camera theo tên hoặc mã", "Find a camera by name or id")
                    prop:value=filter on:input=move |ev| filter.set(event_target_value(&ev))/>
            </div>
            <ul class="wall-matches">
                {move || {
                    let f = filter.get().to_lowercase();
                    if f.chars().count() < 2 {
                        return Vec::new();
                    }
                    let l = lang.get();
                    cameras.with(|list| {
                        list.iter()
                            .filter(|c| {
                                c["id"].as_str().unwrap_or_default().contains(&f)
                                    || name_of(c, Lang::Vi).to_lowercase().contains(&f)
                                    || name_of(c, Lang::En).to_lowercase().contains(&f)
                            })
                            .take(12)
                            .map(|c| {
                                let id = c["id"].as_str().unwrap_or_default().to_string();
                                let on = chosen.with(|x| x.contains(&id));
                                let label = format!("{} {id} · {}", if on { "✓" } else { "+" }, name_of(c, l));
                                view! { <li><button on:click=move |_| toggle(id.clone())>{label}</button></li> }
                            })
                            .collect::<Vec<_>>()
                    })
                }}
            </ul>
            <div class="wall" style=move || format!("--wall-size: {}", size.get())>
                <For
                    each=move || { let n = size.get() * size.get(); chosen.get().into_iter().take(n).collect::<Vec<_>>() }
                    key=|id| id.clone()
                    children=move |id| {
                        let title = title_of(id.clone());
                        view! { <CameraVideo camera=id title lang/> }
                    }
                />
            </div>
        </div>
    }
}

/// Ids of the cameras of one kind (landmark = long_range, patrol = vehicle), in id order.
fn preset(list: &[Value], kind: &str) -> Vec<String> {
    let mut ids: Vec<String> = list
        .iter()
        .filter(|f| f["properties"]["kind"] == kind)
        .filter_map(|f| f["id"].as_str().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

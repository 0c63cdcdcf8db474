//! Camera pieces of the operator screens: the live video of a selected camera, the nearest online
//! cameras of a selected incident (each playable with one click), and the list of offline cameras.

use leptos::prelude::*;
use serde_json::Value;

use crate::api;
use crate::contract::cameras::CameraList;
use crate::live::LiveData;
use crate::model::Lang;
use crate::video::player::VideoPlayer;

fn camera_name(f: &Value, lang: Lang) -> String {
    let p = &f["properties"];
    let pick = |k: &str| p[k].as_str().unwrap_or_default().to_string();
    lang.pick_owned(pick("name_vi"), pick("name_en"))
}

/// A camera's live video, titled with its name, showing "offline" from the live data.
#[component]
pub fn CameraVideo(
    #[prop(into)] camera: String,
    #[prop(into)] title: Signal<String>,
    lang: RwSignal<Lang>,
) -> impl IntoView {
    let live = use_context::<LiveData>();
    let id = camera.clone();
    let offline =
        Signal::derive(move || live.is_some_and(|l| l.offline.with(|m| m.contains_key(&id))));
    view! { <VideoPlayer camera title offline lang/> }
}

/// The 3 nearest online cameras to a point (an incident), from the server's rstar index.
#[component]
pub fn NearestCameras(point: [f64; 2], lang: RwSignal<Lang>) -> impl IntoView {
    let url = format!("/api/cameras/nearest?lon={}&lat={}&n=3", point[0], point[1]);
    let nearest = LocalResource::new(move || {
        let url = url.clone();
        async move { api::get::<CameraList>(&url).await }
    });
    let cameras = move || {
        nearest
            .get()
            .map(|r| r.map(|list| list.features).map_err(|e| e.to_string()))
    };
    let playing = RwSignal::new(None::<(String, String)>);
    view! {
        <section class="nearest-cameras">
            <h3>{move || lang.get().pick("Camera gần nhất", "Nearest cameras")}</h3>
            {move || match cameras() {
                None => view! { <p class="muted">{lang.get().pick("Đang tìm…", "Searching…")}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => {
                    view! { <p class="muted">{lang.get().pick("Không có camera trực tuyến gần đây", "No online camera nearby")}</p> }.into_any()
                }
                Some(Ok(list)) => {
                    let l = lang.get();
                    list.into_iter()
                        .map(|f| {
                            let id = f.id;
                            let name = l.pick_owned(f.properties.name_vi, f.properties.name_en);
                            let metres = f.properties.distance_m.unwrap_or_default();
                            let pick = (id.clone(), name.clone());
                            view! {
                                <button class="camera-pick" data-camera=id.clone() on:click=move |_| playing.set(Some(pick.clone()))>
                                    "▶ "{name}" · "{format!("{metres:.0} m")}
                                </button>
                            }
                        })
                        .collect_view()
                        .into_any()
                }
            }}
            {move || playing.get().map(|(id, name)| view! { <CameraVideo camera=id title=name lang/> })}
        </section>
    }
}

/// Cameras now offline (kept current by live events and a periodic check).
#[component]
pub fn OfflineCameras(live: LiveData, lang: RwSignal<Lang>) -> impl IntoView {
    view! {
        <section class="offline-cameras">
            <h3>
                {move || lang.get().pick("Camera mất kết nối", "Offline cameras")}
                " (" {move || live.offline.with(std::collections::BTreeMap::len)} ")"
            </h3>
            <ul>
                {move || {
                    let l = lang.get();
                    live.offline
                        .get()
                        .into_iter()
                        .take(50)
                        .map(|(id, f)| view! { <li data-camera=id.clone()><code>{id.clone()}</code>" "{camera_name(&f, l)}</li> })
                        .collect_view()
                }}
            </ul>
        </section>
    }
}

//! The planner's saved exports: keep the area's file in the district's file store for the team,
//! list what was saved, download it, delete one's own (an admin, any). Whatever node serves the
//! page serves the files (`/api/area-query/exports`).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::contract::planner::{AreaKind, AreaQuery, SavedExport, SavedExports};
use crate::model::{Lang, PageSession};

/// `1.2 MB`, `34 KB`, `512 B`.
fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b if b >= 1_000 => format!("{} KB", b / 1_000),
        b => format!("{b} B"),
    }
}

/// What area a saved export covers, in the page's language.
fn area_name(e: &SavedExport, l: Lang) -> String {
    match e.area {
        AreaKind::Ward => l.pick_owned(
            e.name_vi.clone().unwrap_or_default(),
            e.name_en.clone().unwrap_or_default(),
        ),
        AreaKind::Circle => l.pick("Vùng tròn", "Circle").to_string(),
        AreaKind::Polygon => l.pick("Vùng đã vẽ", "Drawn area").to_string(),
    }
}

#[component]
pub fn SavedExportsPanel(lang: RwSignal<Lang>, query: Signal<Option<AreaQuery>>) -> impl IntoView {
    let admin = expect_context::<PageSession>()
        .user
        .is_some_and(|u| u.is_admin());
    let list = RwSignal::new(Vec::<SavedExport>::new());
    let message = RwSignal::new(None::<Result<String, String>>);
    let format = RwSignal::new("csv".to_string());
    let saving = RwSignal::new(false);
    let reload = move || {
        spawn_local(async move {
            match api::get::<SavedExports>("/api/area-query/exports").await {
                Ok(s) => list.set(s.exports),
                Err(e) => message.set(Some(Err(e.to_string()))),
            }
        });
    };
    Effect::new(move |_| reload());
    let save = move |_| {
        let Some(q) = query.get_untracked() else {
            return;
        };
        let f = format.get_untracked();
        saving.set(true);
        spawn_local(async move {
            let url = format!("/api/area-query/exports?format={f}");
            match api::send::<_, SavedExport>("POST", &url, &q).await {
                Ok(saved) => {
                    let l = lang.get_untracked();
                    message.set(Some(Ok(format!(
                        "{} {} ({} {})",
                        l.pick("Đã lưu", "Saved"),
                        area_name(&saved, l),
                        saved.features,
                        l.pick("đối tượng", "features")
                    ))));
                    reload();
                }
                Err(e) => message.set(Some(Err(e.to_string()))),
            }
            saving.set(false);
        });
    };
    let remove = move |id: String| {
        spawn_local(async move {
            match api::delete(&format!("/api/area-query/exports/{id}")).await {
                Ok(()) => reload(),
                Err(e) => message.set(Some(Err(e.to_string()))),
            }
        });
    };

    view! {
        <section class="saved-exports" aria-labelledby="saved-exports-title">
            <h2 id="saved-exports-title">{move || lang.get().pick("Bản xuất đã lưu", "Saved exports")}</h2>
            <p class="muted">{move || lang.get().pick(
                "Lưu tệp của vùng này để cả nhóm tải lại sau.",
                "Keep this area's file for the team to download again later.")}</p>
            <div class="exports">
                <label class="inline">{move || lang.get().pick("Định dạng", "Format")}
                    <select name="save-format" on:change=move |e| format.set(event_target_value(&e))>
                        <option value="csv" selected=true>"CSV"</option>
                        <option value="geojson">"GeoJSON"</option>
                    </select>
                </label>
                <button name="save-export" disabled=move || query.get().is_none() || saving.get() on:click=save>
                    {move || lang.get().pick("Lưu bản xuất", "Save export")}
                </button>
            </div>
            {move || message.get().map(|m| match m {
                Ok(text) => view! { <p class="saved-note" role="status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="form-error" role="alert">{text}</p> }.into_any(),
            })}
            <ul class="saved-list">
                {move || {
                    let l = lang.get();
                    let items = list.get();
                    if items.is_empty() {
                        return view! { <li class="muted">{l.pick("Chưa có bản xuất nào.", "No saved exports yet.")}</li> }.into_any();
                    }
                    items.into_iter().map(|e| {
                        let name = area_name(&e, l);
                        let when = e.saved_at.get(..16).unwrap_or_default().replace('T', " ");
                        let label = format!("{name} · {} · {} {} · {}", e.format.to_uppercase(), e.features,
                                            l.pick("đối tượng", "features"), size(e.bytes));
                        let by = e.saved_by.clone().unwrap_or_default();
                        let until = e.expires_at.get(..10).unwrap_or_default().to_string();
                        let id = e.id.clone();
                        let delete_label = format!("{} {name} ({when})", l.pick("Xóa", "Delete"));
                        view! {
                            <li data-id=e.id.clone()>
                                <a href=e.href.clone() download="">{label}</a>
                                <small class="muted">{format!(" {by}, {when}; {} {until}", l.pick("giữ đến", "kept until"))}</small>
                                {(e.yours || admin).then(|| view! {
                                    <button class="delete" name="delete-export" aria-label=delete_label
                                        on:click=move |_| remove(id.clone())>{l.pick("Xóa", "Delete")}</button>
                                })}
                            </li>
                        }
                    }).collect_view().into_any()
                }}
            </ul>
        </section>
    }
}

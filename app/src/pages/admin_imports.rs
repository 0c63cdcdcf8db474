//! `/admin/imports`: an admin imports a layer from a file. Choose the file (GeoJSON, CSV, zipped
//! Shapefile, GeoPackage); read the preview (fields and their types, the first rows, the coordinate
//! system); name the layer, its access, its id field and which fields it keeps; import. Every row lands
//! or none does: a refusal lists each bad row with its number and reason. Below, the imported layers.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::topbar::TopBar;
use crate::contract::imports::{
    FieldMapping, ImportCommit, ImportPreview, ImportRejected, ImportResult, Layers, CRS_CHOICES,
    FIELD_TYPES,
};
use crate::model::Lang;

/// One source field's row in the mapping table.
#[derive(Clone)]
struct FieldRow {
    name: String,
    keep: RwSignal<bool>,
    ty: RwSignal<String>,
    required: RwSignal<bool>,
}

#[component]
pub fn AdminImportsPage() -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    let preview = RwSignal::new(None::<ImportPreview>);
    let fields = RwSignal::new(Vec::<FieldRow>::new());
    let msg = RwSignal::new(None::<(bool, String)>);
    let refused = RwSignal::new(Vec::new());
    let busy = RwSignal::new(false);
    let (layer, title_vi, title_en) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let (access, id_field, crs) = (
        RwSignal::new("staff".to_string()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let layers = LocalResource::new(|| api::get::<Layers>("/api/layers"));

    let on_file = move |ev: leptos::ev::Event| {
        let _ = &ev;
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(file) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            else {
                return;
            };
            busy.set(true);
            msg.set(None);
            refused.set(Vec::new());
            spawn_local(async move {
                let url = format!("/api/imports?filename={}", api::encode(&file.name()));
                match api::upload::<ImportPreview>(&url, &file).await {
                    Ok(p) => {
                        fields.set(
                            p.fields
                                .iter()
                                .map(|f| FieldRow {
                                    name: f.name.clone(),
                                    keep: RwSignal::new(true),
                                    ty: RwSignal::new(f.r#type.clone()),
                                    required: RwSignal::new(false),
                                })
                                .collect(),
                        );
                        crs.set(if p.crs.is_some() {
                            String::new()
                        } else {
                            p.crs_guess.clone().unwrap_or_default()
                        });
                        preview.set(Some(p));
                    }
                    Err(e) => msg.set(Some((false, e.to_string()))),
                }
                busy.set(false);
            });
        }
    };

    let commit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(p) = preview.get_untracked() else {
            return;
        };
        let opt = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.is_empty());
        let body = ImportCommit {
            layer: layer.get_untracked(),
            title_vi: opt(title_vi),
            title_en: opt(title_en),
            access: Some(access.get_untracked()),
            id_field: opt(id_field),
            crs: if p.crs.is_some() { None } else { opt(crs) },
            fields: Some(
                fields
                    .get_untracked()
                    .iter()
                    .filter(|f| f.keep.get_untracked())
                    .map(|f| FieldMapping {
                        from: f.name.clone(),
                        to: None,
                        r#type: Some(f.ty.get_untracked()),
                        required: f.required.get_untracked(),
                    })
                    .collect(),
            ),
        };
        busy.set(true);
        refused.set(Vec::new());
        spawn_local(async move {
            let l = lang.get_untracked();
            match api::exchange("POST", &format!("/api/imports/{}/commit", p.id), &body).await {
                Ok((200, text)) => {
                    if let Ok(r) = api::parse::<ImportResult>(&text) {
                        msg.set(Some((
                            true,
                            format!(
                                "{} {}: {} {}, {} {}, {} {}, {} {}.",
                                l.pick("Đã nhập lớp", "Imported layer"),
                                r.layer.id,
                                r.inserted,
                                l.pick("mới", "new"),
                                r.updated,
                                l.pick("cập nhật", "updated"),
                                r.unchanged,
                                l.pick("không đổi", "unchanged"),
                                r.removed,
                                l.pick("xóa", "removed"),
                            ),
                        )));
                        preview.set(None);
                        layers.refetch();
                    }
                }
                Ok((422, text)) => {
                    let r: Option<ImportRejected> = api::parse(&text).ok();
                    msg.set(Some((
                        false,
                        r.as_ref().map(|r| r.message.clone()).unwrap_or(text),
                    )));
                    refused.set(r.map(|r| r.rows).unwrap_or_default());
                }
                Ok((status, text)) => msg.set(Some((
                    false,
                    api::ApiFailure::from_answer(status, &text, "").to_string(),
                ))),
                Err(e) => msg.set(Some((false, e.to_string()))),
            }
            busy.set(false);
        });
    };

    let remove = move |id: String| {
        spawn_local(async move {
            match api::delete(&format!("/api/layers/{id}")).await {
                Ok(()) => layers.refetch(),
                Err(e) => msg.set(Some((false, e.to_string()))),
            }
        });
    };

    view! {
        <div class="page-shell">
            <TopBar title_vi="Nhập lớp bản đồ" title_en="Import layers"/>
            <main class="page wide">
                <h1>{move || lang.get().pick("Nhập lớp từ tệp", "Import a layer from a file")}</h1>
                <label>{move || lang.get().pick("Tệp (GeoJSON, CSV, Shapefile nén .zip, GeoPackage; tối đa 20 MB)",
                                                 "File (GeoJSON, CSV, zipped Shapefile, GeoPackage; up to 20 MB)")}
                    <input type="file" name="file" accept=".geojson,.json,.csv,.zip,.gpkg" on:change=on_file/></label>
                {move || busy.get().then(|| view! { <p class="muted" role="status">{lang.get().pick("Đang xử lý…", "Working…")}</p> })}
                {move || msg.get().map(|(ok, m)| view! { <p class=if ok { "form-ok" } else { "form-error" } role="status">{m}</p> })}
                {move || (!refused.get().is_empty()).then(|| view! {
                    <table class="data refused-rows">
                        <caption>{lang.get().pick("Các dòng bị từ chối", "Rows refused")}</caption>
                        <thead><tr><th>{lang.get().pick("Dòng", "Row")}</th><th>{lang.get().pick("Trường", "Field")}</th><th>{lang.get().pick("Lý do", "Reason")}</th></tr></thead>
                        <tbody>{refused.get().into_iter().map(|r| view! {
                            <tr><td>{r.row}</td><td>{r.field.unwrap_or_default()}</td><td>{r.reason}</td></tr>
                        }).collect_view()}</tbody>
                    </table>
                })}
                {move || preview.get().map(|p| view! { <Preview p lang fields/> })}
                {move || preview.get().map(|p| {
                    let said = p.crs.clone();
                    let names: Vec<String> = p.fields.iter().map(|f| f.name.clone()).collect();
                    view! {
                        <form class="stack import-commit" on:submit=commit>
                            <label>{move || lang.get().pick("Mã lớp (a-z, 0-9, -)", "Layer id (a-z, 0-9, -)")}
                                <input name="layer" required pattern="[a-z][a-z0-9\\-]{1,39}" prop:value=move || layer.get() on:input=move |e| layer.set(event_target_value(&e))/></label>
                            <label>{move || lang.get().pick("Tên tiếng Việt", "Vietnamese title")}
                                <input name="title_vi" prop:value=move || title_vi.get() on:input=move |e| title_vi.set(event_target_value(&e))/></label>
                            <label>{move || lang.get().pick("Tên tiếng Anh", "English title")}
                                <input name="title_en" prop:value=move || title_en.get() on:input=move |e| title_en.set(event_target_value(&e))/></label>
                            <label>{move || lang.get().pick("Ai được xem", "Who may see it")}
                                <select name="access" on:change=move |e| access.set(event_target_value(&e))>
                                    <option value="staff" selected=true>{move || lang.get().pick("Cán bộ (đã đăng nhập)", "Staff (signed in)")}</option>
                                    <option value="public">{move || lang.get().pick("Mọi người (cả bản đồ du lịch)", "Everyone (the tourist map too)")}</option>
                                </select></label>
                            <label>{move || lang.get().pick("Trường mã đối tượng (để nhập lại cập nhật đúng chỗ)", "Id field (so a re-import updates in place)")}
                                <select name="id_field" on:change=move |e| id_field.set(event_target_value(&e))>
                                    <option value="">{move || lang.get().pick("— theo nội dung dòng —", "— from the row's content —")}</option>
                                    {names.into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                                </select></label>
                            {match said {
                                Some(c) => view! { <p class="muted">{move || lang.get().pick("Hệ tọa độ của tệp: ", "The file's coordinate system: ")}{c.clone()}</p> }.into_any(),
                                None => view! {
                                    <label>{move || lang.get().pick("Hệ tọa độ (tệp không ghi)", "Coordinate system (the file does not say)")}
                                        <select name="crs" on:change=move |e| crs.set(event_target_value(&e))>
                                            <option value="">"—"</option>
                                            {CRS_CHOICES.iter().map(|(k, t)| view! { <option value=*k selected=move || crs.get() == *k>{*t}</option> }).collect_view()}
                                        </select></label>
                                }.into_any(),
                            }}
                            <button type="submit" class="primary" name="import" disabled=move || busy.get()>
                                {move || lang.get().pick("Nhập (tất cả hoặc không dòng nào)", "Import (every row or none)")}</button>
                        </form>
                    }
                })}
                <h2>{move || lang.get().pick("Các lớp đã nhập", "Imported layers")}</h2>
                <table class="data layers">
                    <thead><tr>
                        <th>{move || lang.get().pick("Lớp", "Layer")}</th>
                        <th>{move || lang.get().pick("Đối tượng", "Features")}</th>
                        <th>{move || lang.get().pick("Ai xem", "Access")}</th>
                        <th>{move || lang.get().pick("Tệp", "File")}</th>
                        <th>{move || lang.get().pick("Xóa", "Remove")}</th>
                    </tr></thead>
                    <tbody>
                        {move || layers.get().and_then(Result::ok).map(|l| l.layers).unwrap_or_default().into_iter().map(|l| {
                            let id = l.id.clone();
                            let label = format!("{} {}", lang.get_untracked().pick("Xóa lớp", "Remove layer"), l.id);
                            view! { <tr data-layer=l.id.clone()>
                                <td>{lang.get_untracked().pick_owned(l.title_vi.clone(), l.title_en.clone())}" ("{l.id.clone()}")"</td>
                                <td>{l.features}</td><td>{l.access.clone()}</td><td>{l.source.clone()}</td>
                                <td><button aria-label=label on:click=move |_| remove(id.clone())>"×"</button></td>
                            </tr> }
                        }).collect_view()}
                    </tbody>
                </table>
            </main>
        </div>
    }
}

/// What the file holds, and which of its fields the layer keeps, as what.
#[component]
fn Preview(
    p: ImportPreview,
    lang: RwSignal<Lang>,
    fields: RwSignal<Vec<FieldRow>>,
) -> impl IntoView {
    let l = lang.get_untracked();
    let columns: Vec<String> = p.fields.iter().map(|f| f.name.clone()).collect();
    let head = columns.clone();
    view! {
        <section class="import-preview">
            <h2>{p.filename.clone()}</h2>
            <p>{format!("{} {} · {} · {}", p.rows, l.pick("dòng", "rows"), p.format, p.geometry)}</p>
            <table class="data fields">
                <caption>{l.pick("Các trường", "Fields")}</caption>
                <thead><tr><th>{l.pick("Trường", "Field")}</th><th>{l.pick("Giữ", "Keep")}</th><th>{l.pick("Kiểu", "Type")}</th>
                           <th>{l.pick("Bắt buộc", "Required")}</th><th>{l.pick("Ví dụ", "Samples")}</th></tr></thead>
                <tbody>{fields.get_untracked().into_iter().zip(p.fields.clone()).map(|(row, f)| {
                    let (keep, ty, required) = (row.keep, row.ty, row.required);
                    let name = row.name.clone();
                    view! { <tr>
                        <th scope="row">{name.clone()}</th>
                        <td><input type="checkbox" aria-label=format!("{} {name}", l.pick("Giữ", "Keep")) prop:checked=move || keep.get()
                            on:change=move |e| keep.set(event_target_checked(&e))/></td>
                        <td><select aria-label=format!("{} {name}", l.pick("Kiểu của", "Type of")) on:change=move |e| ty.set(event_target_value(&e))>
                            {FIELD_TYPES.iter().map(|t| view! { <option value=*t selected=ty.get_untracked() == *t>{*t}</option> }).collect_view()}
                        </select></td>
                        <td><input type="checkbox" aria-label=format!("{} {name}", l.pick("Bắt buộc", "Required")) prop:checked=move || required.get()
                            on:change=move |e| required.set(event_target_checked(&e))/></td>
                        <td>{f.samples.join(" · ")}</td>
                    </tr> }
                }).collect_view()}</tbody>
            </table>
            <table class="data first-rows">
                <caption>{l.pick("Các dòng đầu", "First rows")}</caption>
                <thead><tr><th>"#"</th>{head.into_iter().map(|c| view! { <th>{c}</th> }).collect_view()}<th>{l.pick("Hình", "Geometry")}</th></tr></thead>
                <tbody>{p.first_rows.into_iter().map(|r| {
                    let cells: Vec<String> = columns.iter().map(|c| match r.values.get(c) {
                        Some(serde_json::Value::String(s)) => s.clone(),
                        Some(serde_json::Value::Null) | None => String::new(),
                        Some(v) => v.to_string(),
                    }).collect();
                    view! { <tr><td>{r.row}</td>{cells.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}<td>{r.geometry_type.unwrap_or_default()}</td></tr> }
                }).collect_view()}</tbody>
            </table>
        </section>
    }
}

//! `/planner`: choose a ward or draw a polygon, see what is inside (counts per layer, incidents by kind,
//! status and time, camera coverage of schools and clinics, the features), and export it, now or
//! saved for the team (`saved_exports`).

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{json, Value};

use crate::api;
use crate::components::map_view::{MapView, Selected};
use crate::components::topbar::TopBar;
use crate::contract::planner::{AreaAnswer, AreaKind, AreaQuery};
use crate::map;
use crate::map::style::MapKind;
use crate::model::Lang;
use crate::pages::saved_exports::SavedExportsPanel;

const PAGE: i64 = 50;

fn layer_title(layer: &str, l: Lang) -> &'static str {
    match layer {
        "cameras" => l.pick("Camera", "Cameras"),
        "recorders" => l.pick("Đầu ghi", "Recorders"),
        "schools" => l.pick("Trường học", "Schools"),
        "clinics" => l.pick("Y tế", "Clinics & hospitals"),
        "tourism" => l.pick("Du lịch", "Tourism"),
        "incidents" => l.pick("Sự cố", "Incidents"),
        _ => "",
    }
}

#[component]
pub fn PlannerPage() -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    let selected = RwSignal::new(None::<Selected>);
    // Where: a ward or a drawn polygon (`AreaQuery` with only its area fields set).
    let area = RwSignal::new(None::<AreaQuery>);
    let (from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let distance = RwSignal::new("100".to_string());
    let offset = RwSignal::new(0i64);
    let drawing = RwSignal::new(false);
    let result = RwSignal::new(None::<Result<AreaAnswer, String>>);
    let busy = RwSignal::new(false);
    let wards = RwSignal::new(Vec::<(String, String, String)>::new());
    // Whose boundaries: a day asked for, else the last day of the time range, else today (the
    // server's default is the same, so the list, the map and the answer agree).
    let on = RwSignal::new(String::new());
    let boundary_day = Memo::new(move |_| {
        let asked = on.get();
        if asked.is_empty() {
            to.get()
        } else {
            asked
        }
    });

    Effect::new(move |_| {
        let day = boundary_day.get();
        spawn_local(async move {
            // the wards collection is the map's GeoJSON; its properties carry the code and names
            let (items, labels) = if day.is_empty() {
                (
                    "/ogc/collections/wards/items?limit=100".to_string(),
                    "/api/map/ward-labels".to_string(),
                )
            } else {
                (
                    format!(
                        "/ogc/collections/wards/items?limit=100&datetime={day}T12:00:00%2B07:00"
                    ),
                    format!("/api/map/ward-labels?on={day}"),
                )
            };
            if let Ok(labels) = api::get::<Value>(&labels).await {
                map::set_source_data("ward-labels", &labels);
            }
            if let Ok(v) = api::get::<Value>(&items).await {
                map::set_source_data("wards", &v);
                let list = v["features"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .map(|f| {
                        let p = &f["properties"];
                        let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
                        (s("code"), s("name_vi"), s("name_en"))
                    })
                    .collect();
                wards.set(list);
            }
        });
    });
    // A ward clicked on the map becomes the area.
    Effect::new(move |_| {
        if let Some(s) = selected.get() {
            if s.layer == "wards-fill" && !drawing.get_untracked() {
                offset.set(0);
                area.set(Some(AreaQuery {
                    // the feature's id is code@first-day; the area query takes the code
                    ward: s.props["code"].as_str().map(str::to_string),
                    ..AreaQuery::default()
                }));
            }
        }
    });
    let body = move || -> Option<AreaQuery> {
        let d = |s: String, end: bool| {
            (!s.is_empty())
                .then(|| format!("{s}T{}+07:00", if end { "23:59:59" } else { "00:00:00" }))
        };
        Some(AreaQuery {
            from: d(from.get(), false),
            to: d(to.get(), true),
            coverage_distance_m: Some(distance.get().parse::<f64>().unwrap_or(100.0)),
            on: Some(on.get()).filter(|d| !d.is_empty()),
            ..area.get()?
        })
    };
    Effect::new(move |_| {
        let Some(b) = body() else { return };
        let b = AreaQuery {
            limit: Some(PAGE),
            offset: Some(offset.get()),
            ..b
        };
        busy.set(true);
        spawn_local(async move {
            let r = api::send::<_, AreaAnswer>("POST", "/api/area-query", &b)
                .await
                .map_err(|e| e.to_string());
            if let Ok(answer) = &r {
                map::set_source_data(
                    "area",
                    &json!({"type": "Feature", "properties": {}, "geometry": answer.area.geometry}),
                );
            }
            result.set(Some(r));
            busy.set(false);
        });
    });
    let draw = move |_| {
        drawing.set(true);
        map::start_drawing(move |polygon| {
            drawing.set(false);
            offset.set(0);
            area.set(Some(AreaQuery {
                geometry: Some(polygon),
                ..AreaQuery::default()
            }));
        });
    };
    let export = move |format: &'static str| {
        if let Some(b) = body() {
            spawn_local(async move {
                if let Err(e) = api::download(
                    &format!("/api/area-query/export?format={format}"),
                    &b,
                    &format!("area.{format}"),
                )
                .await
                {
                    result.set(Some(Err(e.to_string())));
                }
            });
        }
    };

    view! {
        <div class="planner">
            <TopBar title_vi="Truy vấn theo khu vực" title_en="Area queries"/>
            <aside class="side controls">
                <h2>{move || lang.get().pick("Khu vực", "Area")}</h2>
                <label>{move || lang.get().pick("Chọn phường (hoặc bấm vào bản đồ)", "Choose a ward (or click the map)")}
                    <select name="ward" on:change=move |e| {
                        let v = event_target_value(&e);
                        offset.set(0);
                        area.set((!v.is_empty()).then(|| AreaQuery {
                            ward: Some(v),
                            ..AreaQuery::default()
                        }));
                    }>
                        <option value="">"—"</option>
                        {move || wards.get().into_iter().map(|(code, vi, en)| {
                            let name = lang.get().pick_owned(vi, en);
                            view! { <option value=code.clone()>{name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <div class="draw-tools">
                    {move || if drawing.get() {
                        view! {
                            <p class="muted">{lang.get().pick("Bấm để thêm đỉnh; bấm đúp hoặc «Xong» để kết thúc.",
                                                              "Click to add corners; double-click or Finish to end.")}</p>
                            <button class="primary" name="finish" on:click=move |_| map::finish_drawing()>{lang.get().pick("Xong", "Finish")}</button>
                            <button name="cancel" on:click=move |_| { map::cancel_drawing(); drawing.set(false); }>{lang.get().pick("Hủy", "Cancel")}</button>
                        }.into_any()
                    } else {
                        view! { <button name="draw" on:click=draw>{lang.get().pick("Vẽ vùng trên bản đồ", "Draw an area on the map")}</button> }.into_any()
                    }}
                </div>
                <h2>{move || lang.get().pick("Thời gian (sự cố)", "Time range (incidents)")}</h2>
                <label>{move || lang.get().pick("Từ ngày", "From")}
                    <input type="date" name="from" prop:value=move || from.get() on:change=move |e| from.set(event_target_value(&e))/></label>
                <label>{move || lang.get().pick("Đến ngày", "To")}
                    <input type="date" name="to" prop:value=move || to.get() on:change=move |e| to.set(event_target_value(&e))/></label>
                <p class="muted">{move || lang.get().pick("Để trống: 30 ngày gần nhất.", "Empty: the last 30 days.")}</p>
                <label>{move || lang.get().pick("Ranh giới phường theo ngày", "Ward boundaries of")}
                    <input type="date" name="on" prop:value=move || on.get() on:change=move |e| on.set(event_target_value(&e))/></label>
                <p class="muted">{move || lang.get().pick(
                    "Để trống: ngày cuối của khoảng thời gian, hoặc hôm nay. Từ 1/7/2025 Quận 1 có 4 phường (trước đó 10).",
                    "Empty: the last day of the time range, or today. From 1 July 2025 District 1 has 4 wards (10 before).")}</p>
                <label>{move || lang.get().pick("Khoảng cách phủ camera (m)", "Camera coverage distance (m)")}
                    <input type="number" name="distance" min="1" max="5000" prop:value=move || distance.get()
                        on:change=move |e| distance.set(event_target_value(&e))/></label>
                <div class="exports">
                    <button name="export-geojson" disabled=move || area.get().is_none() on:click=move |_| export("geojson")>"GeoJSON"</button>
                    <button name="export-csv" disabled=move || area.get().is_none() on:click=move |_| export("csv")>"CSV"</button>
                </div>
                <SavedExportsPanel lang query=Signal::derive(body)/>
            </aside>
            <MapView kind=MapKind::Planner selected lang/>
            <section class="results-panel" aria-live="polite">
                {move || match result.get() {
                    None => view! { <p class="muted">{lang.get().pick("Chọn một phường hoặc vẽ một vùng.", "Choose a ward or draw an area.")}</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="form-error" role="alert">{e}</p> }.into_any(),
                    Some(Ok(answer)) => view! { <Results answer lang offset busy/> }.into_any(),
                }}
            </section>
        </div>
    }
}

#[component]
fn Results(
    answer: AreaAnswer,
    lang: RwSignal<Lang>,
    offset: RwSignal<i64>,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let l = lang.get_untracked();
    let AreaAnswer {
        area,
        counts,
        incidents,
        coverage,
        features,
        ..
    } = answer;
    let title = match area.kind {
        AreaKind::Ward => l.pick_owned(
            area.name_vi.unwrap_or_default(),
            area.name_en.unwrap_or_default(),
        ),
        _ => l.pick("Vùng đã vẽ", "Drawn area").to_string(),
    };
    let km2 = area.area_km2;
    let boundaries = area.boundaries_on.map(|day| {
        format!(
            "{} {day}",
            l.pick("Ranh giới phường ngày", "Ward boundaries of")
        )
    });
    let counts: Vec<(String, i64)> = crate::contract::planner::AREA_LAYERS
        .iter()
        .map(|k| (k.to_string(), counts.get(*k).copied().unwrap_or_default()))
        .collect();
    let by_kind: Vec<(String, i64)> = incidents
        .by_kind
        .iter()
        .map(|c| (c.kind.as_str().to_string(), c.count))
        .collect();
    let by_status: Vec<(String, i64)> = incidents
        .by_status
        .iter()
        .map(|c| (c.status.as_str().to_string(), c.count))
        .collect();
    let bins: Vec<(String, i64)> = incidents
        .histogram
        .bins
        .into_iter()
        .map(|b| (b.start, b.count))
        .collect();
    let max = bins.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let uncovered = coverage.uncovered;
    let places = coverage.places;
    let dist = coverage.distance_m;
    let matched = features.number_matched;
    let off = features.offset;
    let features = features.features;
    view! {
        <h2 class="area-title">{title}" "<small>{format!("{km2:.3} km²")}</small></h2>
        {boundaries.map(|b| view! { <p class="muted boundaries-on">{b}</p> })}
        <table class="data counts"><tbody>
            {counts.into_iter().map(|(k, n)| view! { <tr data-layer=k.clone()><th>{layer_title(&k, l)}</th><td>{n}</td></tr> }).collect_view()}
        </tbody></table>
        <h3>{l.pick("Sự cố theo loại", "Incidents by kind")}</h3>
        <table class="data"><tbody>{by_kind.into_iter().map(|(k, n)| view! { <tr><th>{k}</th><td>{n}</td></tr> }).collect_view()}</tbody></table>
        <h3>{l.pick("Sự cố theo trạng thái", "Incidents by status")}</h3>
        <table class="data"><tbody>{by_status.into_iter().map(|(k, n)| view! { <tr><th>{k}</th><td>{n}</td></tr> }).collect_view()}</tbody></table>
        <h3>{l.pick("Sự cố theo thời gian", "Incidents over time")}</h3>
        <div class="histogram" role="img" aria-label=l.pick("Biểu đồ sự cố", "Incident histogram")>
            {bins.into_iter().map(|(start, n)| view! {
                <div class="bar" title=format!("{start}: {n}") style=format!("height:{}%", n * 100 / max)></div>
            }).collect_view()}
        </div>
        <h3>{l.pick("Phủ camera", "Camera coverage")}</h3>
        <p>{format!("{} / {places} ", uncovered.len())}{l.pick("trường học và cơ sở y tế không có camera trong", "schools and clinics have no camera within")}{format!(" {dist} m")}</p>
        <ul class="uncovered">{uncovered.into_iter().map(|u| view! {
            <li>{l.pick_owned(u.name_vi, u.name_en)}" — "{u.nearest_camera_m.map(|d| format!("{d} m")).unwrap_or_default()}</li>
        }).collect_view()}</ul>
        <h3>{l.pick("Đối tượng trong vùng", "Features inside")}" "<small>{format!("{}–{} / {matched}", (off + 1).min(matched), off + features.len() as i64)}</small></h3>
        <table class="data features">
            <thead><tr><th>{l.pick("Lớp", "Layer")}</th><th>"ID"</th><th>{l.pick("Tên", "Name")}</th><th>{l.pick("Loại", "Kind")}</th></tr></thead>
            <tbody>{features.into_iter().map(|f| {
                // a feature's properties depend on its layer: the shared ones are read by name
                let p = &f.properties;
                let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
                view! { <tr><td>{layer_title(&s("layer"), l)}</td><td><code>{s("id")}</code></td><td>{s(l.name_field())}</td><td>{s("kind")}</td></tr> }
            }).collect_view()}</tbody>
        </table>
        <div class="pager">
            <button name="prev" disabled={off == 0} on:click=move |_| offset.set((off - PAGE).max(0))>{l.pick("‹ Trước", "‹ Previous")}</button>
            <button name="next" disabled={off + PAGE >= matched} on:click=move |_| offset.set(off + PAGE)>{l.pick("Sau ›", "Next ›")}</button>
            {move || busy.get().then(|| view! { <span class="spinner"></span> })}
        </div>
    }
}

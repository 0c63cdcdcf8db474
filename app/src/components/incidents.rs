//! The operator's incident tools: the live list, the report form, the lifecycle buttons, toasts.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;

use crate::api;
use crate::components::map_view::Selected;
use crate::contract::geo::Point;
use crate::contract::incidents::{
    Incident, IncidentKind, IncidentStatus, NewIncident, Step, TransitionRequest, Units,
};
use crate::live::{LiveData, LiveState};
use crate::map;
use crate::model::Lang;

/// The kind's title in `l`; an unknown kind (a newer server) shows its wire name.
pub fn kind_title(kind: &str, l: Lang) -> String {
    IncidentKind::parse(kind).map_or_else(|| kind.to_string(), |k| k.title(l).to_string())
}

pub fn status_title(status: &str, l: Lang) -> String {
    IncidentStatus::parse(status).map_or_else(|| status.to_string(), |s| s.title(l).to_string())
}

/// "2026-11-27T08:05:00.123+00:00" → "15:05 27/11" in Ho Chi Minh City time (UTC+7, no DST).
pub fn hcm_time(t: &str) -> String {
    let (date, rest) = t.split_once('T').unwrap_or((t, ""));
    let hh: i64 = rest.get(0..2).and_then(|h| h.parse().ok()).unwrap_or(0);
    let mm = rest.get(3..5).unwrap_or("00");
    let offset: i64 = if rest.contains("+07") { 0 } else { 7 };
    let h = (hh + offset) % 24;
    let day_shift = (hh + offset) / 24;
    let d: Vec<&str> = date.split('-').collect();
    let day = d.get(2).and_then(|x| x.parse::<i64>().ok()).unwrap_or(0) + day_shift;
    format!("{h:02}:{mm} {day:02}/{}", d.get(1).unwrap_or(&""))
}

#[component]
pub fn LiveBadge(live: LiveData, lang: RwSignal<Lang>) -> impl IntoView {
    view! {
        <span class="live-badge" data-state=move || match live.state.get() {
            LiveState::Live => "live",
            LiveState::Connecting => "connecting",
            LiveState::Reconnecting => "reconnecting",
        }>
            {move || match live.state.get() {
                LiveState::Live => lang.get().pick("● Trực tuyến", "● Live"),
                LiveState::Connecting => lang.get().pick("Đang kết nối…", "Connecting…"),
                LiveState::Reconnecting => lang.get().pick("Đang kết nối lại…", "Reconnecting…"),
            }}
        </span>
    }
}

/// The live incident list, most severe and newest first; a click opens the incident.
#[component]
pub fn IncidentList(
    live: LiveData,
    lang: RwSignal<Lang>,
    selected: RwSignal<Option<Selected>>,
) -> impl IntoView {
    let open = move |f: Value| {
        if let (Some(x), Some(y)) = (
            f["geometry"]["coordinates"][0].as_f64(),
            f["geometry"]["coordinates"][1].as_f64(),
        ) {
            map::fly_to(x, y, 17.0);
        }
        selected.set(Some(Selected {
            layer: "incidents-points".into(),
            id: f["id"].as_str().unwrap_or_default().to_string(),
            props: f["properties"].clone(),
        }));
    };
    view! {
        <section class="incident-list">
            <h2>{move || lang.get().pick("Sự cố trong vùng nhìn", "Incidents in view")}</h2>
            <ul>
                {move || live.incidents.get().into_iter().map(|f| {
                    let l = lang.get();
                    let p = f["properties"].clone();
                    let sev = p["severity"].as_i64().unwrap_or(0);
                    let status = p["status"].as_str().unwrap_or_default().to_string();
                    let id = f["id"].as_str().unwrap_or_default().to_string();
                    let label = id.clone();
                    let f2 = f.clone();
                    view! {
                        <li data-id=id data-status=status.clone()>
                            <button on:click=move |_| open(f2.clone())>
                                <span class=format!("sev sev{sev}")>{sev}</span>
                                <strong>{kind_title(p["kind"].as_str().unwrap_or_default(), l)}</strong>
                                <span class="status">{status_title(&status, l)}</span>
                                <small>{hcm_time(p["updated_at"].as_str().unwrap_or_default())}" · "{label}</small>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

/// "Report an incident": pick a point on the map, then fill the form.
#[component]
pub fn ReportIncident(lang: RwSignal<Lang>) -> impl IntoView {
    let at = RwSignal::new(None::<[f64; 2]>);
    let picking = RwSignal::new(false);
    let kind = RwSignal::new("traffic_accident".to_string());
    let severity = RwSignal::new("2".to_string());
    let description = RwSignal::new(String::new());
    let msg = RwSignal::new(None::<(bool, String)>);
    let pick = move |_| {
        picking.set(true);
        msg.set(None);
        map::pick_point(move |p| {
            picking.set(false);
            at.set(Some(p));
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(p) = at.get_untracked() else { return };
        let report = NewIncident {
            kind: kind.get_untracked(),
            severity: severity.get_untracked().parse().unwrap_or(2),
            description: description.get_untracked(),
            geometry: serde_json::to_value(Point {
                r#type: "Point".into(),
                coordinates: p.to_vec(),
            })
            .unwrap_or_default(),
        };
        spawn_local(async move {
            match api::send::<_, Incident>("POST", "/api/incidents", &report).await {
                Ok(incident) => {
                    msg.set(Some((
                        true,
                        format!(
                            "{} {}",
                            lang.get_untracked().pick("Đã báo sự cố", "Reported"),
                            incident.id
                        ),
                    )));
                    at.set(None);
                    description.set(String::new());
                }
                Err(e) => msg.set(Some((false, e.to_string()))),
            }
        });
    };
    view! {
        <section class="report">
            <button name="report" class="primary" on:click=pick>{move || lang.get().pick("+ Báo sự cố", "+ Report an incident")}</button>
            {move || picking.get().then(|| view! { <p class="muted">{lang.get().pick("Bấm vào vị trí trên bản đồ.", "Click the place on the map.")}</p> })}
            {move || at.get().map(|p| view! {
                <form class="stack report-form" on:submit=submit>
                    <p class="muted">{format!("{:.5}, {:.5}", p[1], p[0])}</p>
                    <label>{lang.get().pick("Loại", "Kind")}
                        <select name="kind" on:change=move |e| kind.set(event_target_value(&e))>
                            {IncidentKind::ALL.iter().map(|k| view! {
                                <option value=k.as_str() selected=*k == IncidentKind::TrafficAccident>{k.title(lang.get_untracked())}</option>
                            }).collect_view()}
                        </select></label>
                    <label>{lang.get().pick("Mức độ (1 nhẹ – 4 nghiêm trọng)", "Severity (1 minor – 4 critical)")}
                        <select name="severity" on:change=move |e| severity.set(event_target_value(&e))>
                            {(1..=4).map(|n| view! { <option value=n.to_string() selected=n == 2>{n}</option> }).collect_view()}
                        </select></label>
                    <label>{lang.get().pick("Mô tả", "Description")}
                        <textarea name="description" maxlength="2000" prop:value=move || description.get()
                            on:input=move |e| description.set(event_target_value(&e))></textarea></label>
                    <button type="submit" class="primary">{lang.get().pick("Gửi", "Submit")}</button>
                </form>
            })}
            {move || msg.get().map(|(ok, m)| view! { <p class=if ok { "form-ok" } else { "form-error" }>{m}</p> })}
        </section>
    }
}

/// Lifecycle buttons for the selected incident (what its status allows).
#[component]
pub fn IncidentActions(id: String, status: String, lang: RwSignal<Lang>) -> impl IntoView {
    // The units load once per opened incident; without them only dispatching is unavailable.
    let units = LocalResource::new(|| api::get::<Units>("/api/units"));
    let unit_list = move || match units.get() {
        Some(Ok(u)) => u.units,
        _ => Vec::new(),
    };
    let unit = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());
    let msg = RwSignal::new(None::<String>);
    let steps: Vec<Step> = IncidentStatus::parse(&status)
        .map(IncidentStatus::steps)
        .unwrap_or_default();
    let needs_unit = steps.contains(&Step::Dispatched);
    let id = StoredValue::new(id);
    let act = move |to: Step| {
        let body = TransitionRequest {
            to: to.as_str().to_string(),
            comment: comment.get_untracked(),
            unit: (to == Step::Dispatched).then(|| unit.get_untracked()),
        };
        let url = format!("/api/incidents/{}/transitions", id.get_value());
        spawn_local(async move {
            match api::send::<_, Incident>("POST", &url, &body).await {
                Ok(_) => {
                    msg.set(None);
                    comment.set(String::new());
                }
                Err(e) => msg.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <div class="incident-actions">
            {needs_unit.then(|| view! {
                <label>{move || lang.get().pick("Lực lượng", "Response unit")}
                    <select name="unit" on:change=move |e| unit.set(event_target_value(&e))>
                        <option value="">"—"</option>
                        {move || unit_list().into_iter().map(|u| {
                            let name = lang.get().pick_owned(u.name_vi, u.name_en);
                            view! { <option value=u.id>{name}</option> }
                        }).collect_view()}
                    </select></label>
            })}
            <label>{move || lang.get().pick("Ghi chú", "Comment")}
                <input name="comment" prop:value=move || comment.get() on:input=move |e| comment.set(event_target_value(&e))/></label>
            <div class="buttons">
                {steps.into_iter().map(|to| view! {
                    <button name=to.as_str() on:click=move |_| act(to)>{move || to.title(lang.get())}</button>
                }).collect_view()}
            </div>
            {move || msg.get().map(|m| view! { <p class="form-error">{m}</p> })}
        </div>
    }
}

/// Severity 3–4 incidents as they arrive; each leaves after 10 s or on a click.
#[component]
pub fn Toasts(live: LiveData, lang: RwSignal<Lang>) -> impl IntoView {
    Effect::new(move |_| {
        if let Some(last) = live.toasts.get().last().map(|t| t.id) {
            set_timeout(
                move || live.toasts.update(|t| t.retain(|x| x.id != last)),
                std::time::Duration::from_secs(10),
            );
        }
    });
    view! {
        <div class="toasts" aria-live="assertive">
            {move || live.toasts.get().into_iter().map(|t| {
                let id = t.id;
                view! {
                    <div class="toast" role="alert" on:click=move |_| live.toasts.update(|v| v.retain(|x| x.id != id))>
                        <strong>{lang.get().pick("Sự cố mới ", "New incident ")}{t.incident.clone()}</strong>
                        <p>{kind_title(&t.kind, lang.get())}" · "{t.text.clone()}</p>
                    </div>
                }
            }).collect_view()}
        </div>
    }
}

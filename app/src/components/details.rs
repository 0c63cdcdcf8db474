//! The side panel with the details of the feature the operator clicked.

use leptos::prelude::*;
use serde_json::Value;

use crate::components::map_view::Selected;
use crate::model::Lang;

/// What kind of thing a clicked layer shows, in both languages.
fn kind_of(layer: &str) -> (&'static str, &'static str) {
    match layer.split('-').next().unwrap_or_default() {
        "cameras" => ("Camera", "Camera"),
        "recorders" => ("Đầu ghi hình", "Recorder"),
        "schools" => ("Trường học", "School"),
        "clinics" => ("Cơ sở y tế", "Healthcare"),
        "tourism" => ("Điểm du lịch", "Tourism"),
        "streets" => ("Đường phố", "Street"),
        "wards" => ("Phường", "Ward"),
        "incidents" => ("Sự cố", "Incident"),
        _ => ("Đối tượng", "Feature"),
    }
}

/// Field labels, in display order; fields not listed are shown after these under their own key.
const FIELDS: &[(&str, &str, &str)] = &[
    ("kind", "Loại", "Type"),
    ("severity", "Mức độ", "Severity"),
    ("description", "Mô tả", "Description"),
    ("category", "Nhóm", "Category"),
    ("status", "Trạng thái", "Status"),
    ("status_at", "Trạng thái từ", "Status since"),
    ("landmark_vi", "Địa danh", "Landmark"),
    ("street_vi", "Đường", "Street"),
    ("recorder", "Đầu ghi", "Recorder"),
    ("unit_name_vi", "Lực lượng", "Response unit"),
    ("reported_at", "Báo lúc", "Reported"),
    ("updated_at", "Cập nhật", "Updated"),
    ("ward_code", "Mã phường", "Ward code"),
    ("code", "Mã", "Code"),
    ("population", "Dân số (2019)", "Population (2019)"),
    ("area_km2", "Diện tích (km²)", "Area (km²)"),
    ("length_m", "Chiều dài (m)", "Length (m)"),
    ("channels", "Số kênh", "Channels"),
    ("cameras", "Số camera", "Cameras"),
    ("address", "Địa chỉ", "Address"),
    ("provenance", "Nguồn dữ liệu", "Data provenance"),
];

const HIDDEN: &[&str] = &[
    "id",
    "name_vi",
    "name_en",
    "landmark_en",
    "population_year",
    "main",
];

/// Values that are codes get a word in the operator's language.
fn value_text(key: &str, v: &Value, lang: Lang) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Null => return "—".into(),
        other => other.to_string(),
    };
    let word = match (key, s.as_str()) {
        ("kind", "fixed") => Some(("Cố định", "Fixed")),
        ("kind", "long_range") => Some(("Tầm xa", "Long-range")),
        ("kind", "vehicle") => Some(("Trên xe tuần tra", "Patrol vehicle")),
        ("status", "online") => Some(("Trực tuyến", "Online")),
        ("status", "offline") => Some(("Mất kết nối", "Offline")),
        ("status", "unknown") => Some(("Chưa rõ", "Unknown")),
        ("category", "school") => Some(("Trường học", "School")),
        ("category", "clinic") => Some(("Phòng khám", "Clinic")),
        ("category", "hospital") => Some(("Bệnh viện", "Hospital")),
        ("category", "tourism") => Some(("Du lịch", "Tourism")),
        ("provenance", "real") => Some(("Vị trí thực", "Real position")),
        ("provenance", "synthetic") => Some(("Gần đúng / tổng hợp", "Approximate / synthetic")),
        _ => None,
    };
    word.map(|(vi, en)| lang.pick(vi, en).to_string())
        .unwrap_or(s)
}

/// (label, value) rows for a feature's properties.
pub fn rows(props: &Value, lang: Lang) -> Vec<(String, String)> {
    let Some(obj) = props.as_object() else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = FIELDS
        .iter()
        .filter_map(|(k, vi, en)| {
            obj.get(*k)
                .map(|v| (lang.pick(vi, en).to_string(), value_text(k, v, lang)))
        })
        .collect();
    for (k, v) in obj {
        if !FIELDS.iter().any(|(f, _, _)| f == k) && !HIDDEN.contains(&k.as_str()) {
            out.push((k.clone(), value_text(k, v, lang)));
        }
    }
    out
}

#[component]
pub fn DetailsPanel(selected: RwSignal<Option<Selected>>, lang: RwSignal<Lang>) -> impl IntoView {
    let operator = use_context::<crate::model::PageSession>()
        .and_then(|s| s.user)
        .is_some_and(|u| u.can_operate());
    // the video and the nearest cameras are re-created only when the selection changes, not when
    // the panel's text does (a language switch must not cut the feed)
    let camera = Memo::new(move |_| {
        selected
            .get()
            .filter(|s| operator && s.layer.starts_with("cameras"))
            .map(|s| {
                let name = |k: &str| s.props[k].as_str().unwrap_or_default().to_string();
                (s.id.clone(), name("name_vi"), name("name_en"))
            })
    });
    let incident_point = Memo::new(move |_| {
        let s = selected
            .get()
            .filter(|s| operator && s.layer == "incidents-points")?;
        let live = use_context::<crate::live::LiveData>()?;
        live.incidents.with_untracked(|list| {
            let f = list.iter().find(|f| f["id"] == s.id.as_str())?;
            let c = f["geometry"]["coordinates"].as_array()?;
            Some((s.id.clone(), [c.first()?.as_f64()?, c.get(1)?.as_f64()?]))
        })
    });
    let video = move || {
        camera.get().map(|(id, vi, en)| {
            let title = Signal::derive(move || lang.get().pick_owned(vi.clone(), en.clone()));
            view! { <crate::components::cameras::CameraVideo camera=id title lang/> }
        })
    };
    let nearest = move || {
        incident_point
            .get()
            .map(|(_, point)| view! { <crate::components::cameras::NearestCameras point lang/> })
    };
    view! {
        <aside class="details" class:open=move || selected.with(Option::is_some) aria-live="polite">
            {move || {
                selected
                    .get()
                    .map(|s| {
                        let l = lang.get();
                        let name = |k: &str| s.props.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                        let is_incident = s.layer == "incidents-points";
                        let (title, other) = if is_incident {
                            let kind = crate::components::incidents::kind_title(&name("kind"), l);
                            (kind, crate::components::incidents::status_title(&name("status"), l))
                        } else {
                            match l {
                                Lang::Vi => (name("name_vi"), name("name_en")),
                                Lang::En => (name("name_en"), name("name_vi")),
                            }
                        };
                        let actions = is_incident.then(|| {
                            view! { <crate::components::incidents::IncidentActions id=s.id.clone() status=name("status") lang/> }
                        });
                        let (kvi, ken) = kind_of(&s.layer);
                        let list = rows(&s.props, l)
                            .into_iter()
                            .map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> })
                            .collect_view();
                        view! {
                            <header>
                                <p class="kind">{l.pick(kvi, ken)}" · "<code>{s.id.clone()}</code></p>
                                <button class="close" title="Đóng / Close" on:click=move |_| selected.set(None)>"×"</button>
                            </header>
                            <h2 class="feature-title">{title}</h2>
                            <p class="feature-subtitle">{other}</p>
                            {actions}
                            <dl>{list}</dl>
                        }
                    })
            }}
            {video}
            {nearest}
        </aside>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camera_fields_are_worded_in_the_chosen_language() {
        let props = serde_json::json!({"name_vi": "Camera", "kind": "long_range", "status": "unknown",
                                       "recorder": "nvr-001", "extra": 3});
        let vi = rows(&props, Lang::Vi);
        assert_eq!(vi[0], ("Loại".to_string(), "Tầm xa".to_string()));
        let en = rows(&props, Lang::En);
        assert!(en.contains(&("Status".to_string(), "Unknown".to_string())));
        assert!(en.contains(&("extra".to_string(), "3".to_string())));
        assert!(!en.iter().any(|(k, _)| k == "name_vi"));
    }
}

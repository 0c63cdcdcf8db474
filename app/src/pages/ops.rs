//! `/ops`: the operator's map of District 1: layers, live incidents and cameras (over `/ws`), reporting
//! and handling incidents, the details of anything clicked.

use leptos::prelude::*;

use crate::components::cameras::OfflineCameras;
use crate::components::details::DetailsPanel;
use crate::components::incidents::{IncidentList, LiveBadge, ReportIncident, Toasts};
use crate::components::layers::LayerPanel;
use crate::components::map_view::{MapView, Selected};
use crate::components::topbar::TopBar;
use crate::live::{self, LiveData};
use crate::map::style::MapKind;
use crate::model::Lang;

#[component]
pub fn OpsPage() -> impl IntoView {
    let selected = RwSignal::new(None::<Selected>);
    let lang = expect_context::<RwSignal<Lang>>();
    let live_data = LiveData::new();
    provide_context(live_data);
    // keep an open incident's panel current as its events arrive
    Effect::new(move |_| {
        let list = live_data.incidents.get();
        if let Some(s) = selected
            .get_untracked()
            .filter(|s| s.layer == "incidents-points")
        {
            if let Some(f) = list.iter().find(|f| f["id"] == s.id.as_str()) {
                if f["properties"] != s.props {
                    selected.set(Some(Selected {
                        props: f["properties"].clone(),
                        ..s
                    }));
                }
            }
        }
    });
    // and an open camera's panel as its status (or position) changes
    Effect::new(move |_| {
        let Some(f) = live_data.last_camera.get() else {
            return;
        };
        if let Some(s) = selected
            .get_untracked()
            .filter(|s| s.layer.starts_with("cameras") && f["id"] == s.id.as_str())
        {
            let mut props = s.props.clone();
            if let (Some(p), Some(fresh)) = (props.as_object_mut(), f["properties"].as_object()) {
                p.extend(fresh.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            if props != s.props {
                selected.set(Some(Selected { props, ..s }));
            }
        }
    });
    let on_created = Callback::new(move |()| live::start(live_data));
    view! {
        <div class="ops">
            <TopBar title_vi="Bản đồ điều hành" title_en="Operations map"/>
            <aside class="side ops-side">
                <LiveBadge live=live_data lang/>
                <ReportIncident lang/>
                <IncidentList live=live_data lang selected/>
                <OfflineCameras live=live_data lang/>
                <LayerPanel lang kind=MapKind::Ops/>
            </aside>
            <MapView kind=MapKind::Ops selected lang on_created/>
            <DetailsPanel selected lang/>
            <Toasts live=live_data lang/>
        </div>
    }
}

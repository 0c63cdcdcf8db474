//! `/ops`: the operator's map of District 1 with the layer panel and the details panel.

use leptos::prelude::*;

use crate::components::details::DetailsPanel;
use crate::components::layers::LayerPanel;
use crate::components::map_view::{MapView, Selected};
use crate::components::topbar::TopBar;
use crate::map::style::MapKind;
use crate::model::Lang;

#[component]
pub fn OpsPage() -> impl IntoView {
    let selected = RwSignal::new(None::<Selected>);
    let lang = expect_context::<RwSignal<Lang>>();
    view! {
        <div class="ops">
            <TopBar title_vi="Bản đồ điều hành" title_en="Operations map"/>
            <LayerPanel lang kind=MapKind::Ops/>
            <MapView kind=MapKind::Ops selected lang/>
            <DetailsPanel selected lang/>
        </div>
    }
}

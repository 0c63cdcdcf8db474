use leptos::prelude::*;

/// The front door. The public tourist map comes here with the users issue; until then it points
/// operators to their console and GIS users to the OGC API.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <main class="page narrow">
            <h1>"Trung tâm Điều hành Quận 1 · District 1 Operations Center"</h1>
            <p>"Bản đồ điều hành thời gian thực của Quận 1, TP. Hồ Chí Minh: camera, trường học, y tế, du lịch."</p>
            <p>"Real-time operations map of District 1, Ho Chi Minh City: cameras, schools, healthcare, tourism."</p>
            <ul class="links">
                <li><a href="/ops">"Bản đồ điều hành · Operations map"</a></li>
                <li><a href="/ogc">"OGC API – Features (GIS)"</a></li>
            </ul>
        </main>
    }
}

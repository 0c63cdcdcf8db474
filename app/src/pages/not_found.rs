use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main class="page narrow">
            <h1>"404"</h1>
            <p>"Không tìm thấy trang này · This page does not exist."</p>
            <p><a href="/">"Trang chủ · Home"</a></p>
        </main>
    }
}

//! `/signin`: a plain form (works without JavaScript) that posts to `/session/signin`.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::topbar::TopBar;
use crate::model::Lang;

#[component]
pub fn SignInPage() -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next").unwrap_or_default());
    let error = move || {
        query.with(|q| match q.get("error").as_deref() {
            Some("invalid") => Some((
                "Sai tên đăng nhập hoặc mật khẩu.",
                "Wrong username or password.",
            )),
            Some("locked") => Some((
                "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút.",
                "Too many failed sign-ins. Try again in 15 minutes.",
            )),
            Some("busy") => Some((
                "Máy chủ đang bận. Vui lòng thử lại sau giây lát.",
                "The server is busy. Try again in a moment.",
            )),
            Some("missing") => Some((
                "Nhập tên đăng nhập và mật khẩu.",
                "Enter your username and password.",
            )),
            _ => None,
        })
    };
    view! {
        <div class="page-shell">
            <TopBar title_vi="Đăng nhập" title_en="Sign in"/>
            <main class="page narrow">
                <h1>{move || lang.get().pick("Đăng nhập", "Sign in")}</h1>
                {move || error().map(|(vi, en)| view! { <p class="form-error" role="alert">{lang.get().pick(vi, en)}</p> })}
                <form method="post" action="/session/signin" class="stack">
                    // an attribute, not a property: the form works before the wasm has arrived
                    <input type="hidden" name="next" value=next/>
                    <label>
                        {move || lang.get().pick("Tên đăng nhập", "Username")}
                        <input name="username" autocomplete="username" required autofocus/>
                    </label>
                    <label>
                        {move || lang.get().pick("Mật khẩu", "Password")}
                        <input name="password" type="password" autocomplete="current-password" required/>
                    </label>
                    <button type="submit" class="primary">{move || lang.get().pick("Đăng nhập", "Sign in")}</button>
                </form>
                <p class="muted">
                    {move || lang.get().pick(
                        "Khách tham quan không cần đăng nhập: bản đồ công cộng ở trang chủ.",
                        "Visitors need no account: the public map is on the home page.",
                    )}
                </p>
            </main>
        </div>
    }
}

//! The bar on top of every page: where you are, where you may go, who you are, the language switch.

use leptos::prelude::*;

use crate::model::{Lang, PageSession};
use crate::session::remember_lang;

#[component]
pub fn TopBar(title_vi: &'static str, title_en: &'static str) -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    let session = expect_context::<PageSession>();
    let user = session.user.clone();
    // the tab and the browser's history name the page, then the district's IOC
    // (leptos_meta may read it after the page's reactive owner is gone: then Vietnamese)
    let page_title = move || {
        let l = lang.try_get().unwrap_or(Lang::Vi);
        format!(
            "{} · {}",
            l.pick(title_vi, title_en),
            l.pick("IOC Quận 1", "IOC District 1")
        )
    };
    let links = {
        let u = user.clone();
        let mut l: Vec<(&'static str, &'static str, &'static str)> = vec![("/", "Bản đồ", "Map")];
        if u.as_ref()
            .is_some_and(super::super::model::SessionUser::can_operate)
        {
            l.push(("/ops", "Điều hành", "Operations"));
            l.push(("/wall", "Màn hình camera", "Video wall"));
        }
        if u.as_ref()
            .is_some_and(super::super::model::SessionUser::can_plan)
        {
            l.push(("/planner", "Quy hoạch", "Planning"));
        }
        if u.as_ref()
            .is_some_and(super::super::model::SessionUser::is_admin)
        {
            l.push(("/admin/users", "Người dùng", "Users"));
            l.push(("/admin/imports", "Nhập lớp", "Imports"));
        }
        l
    };
    let set = move |l: Lang| {
        lang.set(l);
        remember_lang(l);
    };
    view! {
        <leptos_meta::Title text=page_title/>
        <header class="topbar">
            <a href="/" class="brand">"IOC Quận 1"</a>
            <span class="title">{move || lang.get().pick(title_vi, title_en)}</span>
            <nav class="nav">
                {links
                    .into_iter()
                    .map(|(href, vi, en)| view! { <a href=href>{move || lang.get().pick(vi, en)}</a> })
                    .collect_view()}
            </nav>
            <div class="lang-switch" role="group" aria-label="Ngôn ngữ / Language">
                <button class:active=move || lang.get() == Lang::Vi on:click=move |_| set(Lang::Vi)>"VI"</button>
                <button class:active=move || lang.get() == Lang::En on:click=move |_| set(Lang::En)>"EN"</button>
            </div>
            {match user {
                Some(u) => {
                    let name = if u.display_name.is_empty() { u.username.clone() } else { u.display_name.clone() };
                    let role = u.role;
                    view! {
                        <div class="user">
                            <a href="/account" class="user-name" title=move || role.title(lang.get())>{name}</a>
                            <form method="post" action="/session/signout">
                                <button type="submit">{move || lang.get().pick("Đăng xuất", "Sign out")}</button>
                            </form>
                        </div>
                    }
                    .into_any()
                }
                None => view! {
                    <a class="signin-link" href="/signin">{move || lang.get().pick("Đăng nhập", "Sign in")}</a>
                }
                .into_any(),
            }}
        </header>
    }
}

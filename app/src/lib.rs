//! The ioc-map user interface: pages, the MapLibre binding and the types shared with the server.
//!
//! Compiled twice: with `ssr` into the server (rendering HTML) and with `hydrate` into the wasm the
//! browser runs. Browser-only code (the map, API calls) sits behind `cfg(feature = "hydrate")`.

// Leptos views are deeply nested types; the pages exceed the default limit.
#![recursion_limit = "512"]

pub mod api;
pub mod components;
pub mod contract;
pub mod live;
pub mod live_types;
pub mod map;
pub mod model;
pub mod pages;
pub mod session;
pub mod video;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use model::{Lang, PageSession};
use pages::{
    account::AccountPage, admin_users::AdminUsersPage, home::HomePage, not_found::NotFound,
    ops::OpsPage, planner::PlannerPage, signin::SignInPage, wall::WallPage,
};

/// The HTML document around the app. MapLibre GL JS is served by the app itself (copied from npm at
/// build time), never from a CDN, so the map works with no internet. The visitor's session (user,
/// language) is written into the page for the browser to hydrate with.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let page_session = session::current();
    let lang = page_session.lang.code();
    let json = session::script_json(&page_session);
    view! {
        <!DOCTYPE html>
        <html lang=lang>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href="/maplibre/maplibre-gl.css"/>
                <script src="/maplibre/maplibre-gl.js" defer></script>
                <script id=session::SCRIPT_ID type="application/json" inner_html=json></script>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let page_session: PageSession = session::current();
    provide_context(RwSignal::new(page_session.lang));
    provide_context(page_session);
    let lang = expect_context::<RwSignal<Lang>>();
    view! {
        <Stylesheet id="leptos" href="/pkg/ioc-map.css"/>
        <Title text=move || lang.get().pick("IOC Quận 1", "IOC District 1")/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=HomePage/>
                <Route path=path!("/signin") view=SignInPage/>
                <Route path=path!("/ops") view=OpsPage/>
                <Route path=path!("/planner") view=PlannerPage/>
                <Route path=path!("/account") view=AccountPage/>
                <Route path=path!("/admin/users") view=AdminUsersPage/>
                <Route path=path!("/wall") view=WallPage/>
            </Routes>
        </Router>
    }
}

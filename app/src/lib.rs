//! The ioc-map user interface: pages, the MapLibre binding and the types shared with the server.
//!
//! Compiled twice: with `ssr` into the server (rendering HTML) and with `hydrate` into the wasm the
//! browser runs. Browser-only code (the map, API calls) sits behind `cfg(feature = "hydrate")`.

// Leptos views are deeply nested types; the pages exceed the default limit.
#![recursion_limit = "512"]

pub mod api;
pub mod assets;
pub mod components;
pub mod contract;
pub mod live;
pub mod live_types;
pub mod map;
pub mod model;
pub mod pages;
pub mod session;
#[cfg(feature = "hydrate")]
pub mod timing;
pub mod video;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy};

use model::{Lang, PageSession};
use pages::staff::{
    AccountRoute, AdminImportsRoute, AdminUsersRoute, OpsRoute, PlannerRoute, WallRoute,
};
use pages::{home::HomePage, not_found::NotFound, signin::SignInPage};

/// The HTML document around the app. MapLibre GL JS is served by the app itself (copied from npm at
/// build time), never from a CDN, so the map works with no internet. The visitor's session (user,
/// language) is written into the page for the browser to hydrate with.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let page_session = session::current();
    let lang = page_session.lang.code();
    let json = session::script_json(&page_session);
    let file = |path: &str| assets::site_url(&options.site_root, path);
    let (favicon, maplibre_css, maplibre_js) = (
        file("/favicon.svg"),
        file("/maplibre/maplibre-gl.css"),
        file("/maplibre/maplibre-gl.js"),
    );
    view! {
        <!DOCTYPE html>
        <html lang=lang>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href=favicon type="image/svg+xml"/>
                <link rel="stylesheet" href=maplibre_css/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <script src=maplibre_js defer></script>
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
        <Title text=move || lang.try_get().unwrap_or(Lang::Vi).pick("IOC Quận 1", "IOC District 1")/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=HomePage/>
                <Route path=path!("/signin") view=SignInPage/>
                <Route path=path!("/ops") view={Lazy::<OpsRoute>::new()}/>
                <Route path=path!("/planner") view={Lazy::<PlannerRoute>::new()}/>
                <Route path=path!("/account") view={Lazy::<AccountRoute>::new()}/>
                <Route path=path!("/admin/users") view={Lazy::<AdminUsersRoute>::new()}/>
                <Route path=path!("/admin/imports") view={Lazy::<AdminImportsRoute>::new()}/>
                <Route path=path!("/wall") view={Lazy::<WallRoute>::new()}/>
            </Routes>
        </Router>
    }
}

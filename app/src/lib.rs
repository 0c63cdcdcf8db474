//! The ioc-map user interface: pages, the MapLibre binding and the types shared with the server.
//!
//! Compiled twice: with `ssr` into the server (rendering HTML) and with `hydrate` into the wasm the
//! browser runs. Browser-only code (the map) sits behind `cfg(feature = "hydrate")`.

pub mod components;
pub mod map;
pub mod model;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use pages::{home::HomePage, not_found::NotFound, ops::OpsPage};

/// The HTML document around the app. MapLibre GL JS is served by the app itself (copied from npm at
/// build time), never from a CDN, so the map works with no internet.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="vi">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" href="/maplibre/maplibre-gl.css"/>
                <script src="/maplibre/maplibre-gl.js" defer></script>
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
    view! {
        <Stylesheet id="leptos" href="/pkg/ioc-map.css"/>
        <Title text="ioc-map · Quận 1"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=HomePage/>
                <Route path=path!("/ops") view=OpsPage/>
            </Routes>
        </Router>
    }
}

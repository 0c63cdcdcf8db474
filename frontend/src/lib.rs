#![recursion_limit = "512"]
//! The wasm entry point: hydrates the server-rendered page. Everything else lives in `app`.
//!
//! Hydration waits for the page's own wasm file when the page is a lazy route (the staff pages,
//! `app::pages::staff`), so it runs asynchronously.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}

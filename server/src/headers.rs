//! Security headers on every answer, and the Content Security Policy of the pages.
//!
//! Pages get a CSP whose only inline script is Leptos' hydration script, allowed by the nonce
//! leptos_axum generates for each render ([`page_context`] puts it in the header); the wasm needs
//! `'wasm-unsafe-eval'`, MapLibre its workers from `blob:` URLs and images from `data:`/`blob:`.
//! Styles allow `'unsafe-inline'`: MapLibre and the views set `style` attributes, which a nonce cannot
//! cover, and a style cannot run code. Everything else (JSON, GeoJSON, files) gets
//! `default-src 'none'`, so a response opened on its own in a browser can run nothing.

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// The CSP of a page rendered with `nonce`; a configured basemap may load from HTTPS origins.
pub fn page_policy(nonce: Option<&str>, basemap: bool) -> String {
    let script_nonce = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    let remote = if basemap { " https:" } else { "" };
    format!(
        "default-src 'self'; \
         script-src 'self'{script_nonce} 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:{remote}; \
         font-src 'self'; \
         connect-src 'self'{remote}; \
         worker-src 'self' blob:; \
         child-src 'self' blob:; \
         media-src 'self' blob:; \
         object-src 'none'; \
         base-uri 'self'; \
         form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// Policy of everything that is not a page.
pub const RESOURCE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// Leptos render context: the page's CSP with the nonce of this render.
pub fn page_context(basemap: bool) -> impl Fn() + Clone + Send + Sync + 'static {
    move || {
        let nonce = leptos::nonce::use_nonce();
        if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            let policy = page_policy(nonce.as_deref(), basemap);
            if let Ok(v) = HeaderValue::from_str(&policy) {
                res.insert_header(header::CONTENT_SECURITY_POLICY, v);
            }
        }
    }
}

/// Middleware: the headers every answer carries.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("geolocation=(self), camera=(), microphone=(), payment=()"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        let html = h
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        let policy = if html {
            // a page rendered without a nonce (it has no inline script that may run)
            HeaderValue::from_str(&page_policy(None, state.config.basemap_style_url.is_some()))
                .unwrap_or(HeaderValue::from_static(RESOURCE_POLICY))
        } else {
            HeaderValue::from_static(RESOURCE_POLICY)
        };
        h.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    res
}

//! Who is looking at the page and in which language, the same on the server and in the browser.
//!
//! On the server the user comes from the request (the auth middleware puts it there) and the language
//! from `?lang=`, the `ioc_lang` cookie or Accept-Language. The server writes the result into the page
//! as JSON (`<script id="ioc-session">`); the browser reads it back before hydrating, so both render
//! the same thing.

#[cfg(feature = "ssr")]
use leptos::prelude::*;

use crate::model::{Lang, PageSession};

pub const LANG_COOKIE: &str = "ioc_lang";
pub const SCRIPT_ID: &str = "ioc-session";

/// The session of the page being rendered.
pub fn current() -> PageSession {
    #[cfg(feature = "ssr")]
    {
        from_request()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        from_page()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        PageSession::default()
    }
}

#[cfg(feature = "ssr")]
fn from_request() -> PageSession {
    use crate::model::{lang_from_accept_language, SessionUser};
    let Some(parts) = use_context::<http::request::Parts>() else {
        return PageSession::default();
    };
    let user = parts.extensions.get::<SessionUser>().cloned();
    let from_query = parts.uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "lang")
            .and_then(|(_, v)| Lang::parse(v))
    });
    let from_cookie = parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == LANG_COOKIE)
        .and_then(|(_, v)| Lang::parse(v));
    let from_header = parts
        .headers
        .get(http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(lang_from_accept_language);
    PageSession {
        user,
        lang: from_query
            .or(from_cookie)
            .or(from_header)
            .unwrap_or_default(),
    }
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn from_page() -> PageSession {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(SCRIPT_ID))
        .and_then(|e| e.text_content())
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

/// The JSON the server writes into the page; `</` is escaped so it cannot end the script element.
pub fn script_json(session: &PageSession) -> String {
    serde_json::to_string(session)
        .unwrap_or_else(|_| "{}".into())
        .replace("</", "<\\/")
}

/// Remembers the visitor's language choice for the next pages (a year).
pub fn remember_lang(lang: Lang) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(doc) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        {
            let _ = doc.set_cookie(&format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                lang.code()
            ));
            if let Some(html) = doc.document_element() {
                let _ = html.set_attribute("lang", lang.code());
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = lang;
}

//! Calls from the browser to the server's JSON API (same origin, session cookie).
//!
//! Every call is typed: the body is a contract type (`crate::contract`) serialised here, and the
//! answer is parsed into the contract type the caller names, so the browser and the server agree on
//! field names at compile time. A failed call carries the server's `ErrorBody` message.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::contract::errors::ErrorBody;

/// A failed call, with the server's message when it sent one.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiFailure {
    pub status: u16,
    pub message: String,
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.status == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{} ({})", self.message, self.status)
        }
    }
}

impl ApiFailure {
    fn local(message: impl Into<String>) -> ApiFailure {
        ApiFailure {
            status: 0,
            message: message.into(),
        }
    }

    /// The failure for a non-2xx answer: the server's message from its error body, else the status
    /// text (a proxy's HTML error page has no body we can read).
    pub fn from_answer(status: u16, text: &str, status_text: &str) -> ApiFailure {
        let message = serde_json::from_str::<ErrorBody>(text)
            .map_or_else(|_| status_text.to_string(), |b| b.message);
        ApiFailure { status, message }
    }
}

/// Parses a 2xx answer into `T`; an empty body (204) reads as JSON `null`, which `()` and
/// `Option<_>` accept.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ApiFailure> {
    let text = if text.trim().is_empty() { "null" } else { text };
    serde_json::from_str(text).map_err(|e| ApiFailure::local(format!("unexpected answer: {e}")))
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::ApiFailure;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    fn failure(e: JsValue) -> ApiFailure {
        ApiFailure::local(
            js_sys::Error::from(e)
                .message()
                .as_string()
                .unwrap_or_else(|| "network error".into()),
        )
    }

    async fn text_of(resp: &web_sys::Response) -> Result<String, ApiFailure> {
        let text = JsFuture::from(resp.text().map_err(failure)?)
            .await
            .map_err(failure)?;
        Ok(text.as_string().unwrap_or_default())
    }

    /// Sends the request with `body` of `content_type`, whatever the answer's status.
    async fn fetch(
        method: &str,
        url: &str,
        body: Option<(&JsValue, &str)>,
    ) -> Result<web_sys::Response, ApiFailure> {
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        init.set_credentials(web_sys::RequestCredentials::SameOrigin);
        let headers = web_sys::Headers::new().map_err(failure)?;
        headers.set("accept", "application/json").map_err(failure)?;
        if let Some((b, content_type)) = body {
            headers.set("content-type", content_type).map_err(failure)?;
            init.set_body(b);
        }
        init.set_headers(&headers);
        let window = web_sys::window().ok_or_else(|| ApiFailure::local("no window"))?;
        let resp = JsFuture::from(window.fetch_with_str_and_init(url, &init))
            .await
            .map_err(failure)?;
        resp.dyn_into().map_err(failure)
    }

    /// Sends the request; a non-2xx answer becomes an `ApiFailure` with the server's message.
    pub async fn response(
        method: &str,
        url: &str,
        body: Option<String>,
    ) -> Result<web_sys::Response, ApiFailure> {
        let body = body.map(|b| JsValue::from_str(&b));
        let resp = fetch(method, url, body.as_ref().map(|b| (b, "application/json"))).await?;
        if resp.ok() {
            return Ok(resp);
        }
        let text = text_of(&resp).await.unwrap_or_default();
        Err(ApiFailure::from_answer(
            resp.status(),
            &text,
            &resp.status_text(),
        ))
    }

    pub async fn text(method: &str, url: &str, body: Option<String>) -> Result<String, ApiFailure> {
        let resp = response(method, url, body).await?;
        text_of(&resp).await
    }

    /// Posts a file the user picked as the request body, as it is.
    pub async fn upload(url: &str, file: &web_sys::File) -> Result<String, ApiFailure> {
        let resp = fetch("POST", url, Some((file, "application/octet-stream"))).await?;
        let text = text_of(&resp).await?;
        if resp.ok() {
            Ok(text)
        } else {
            Err(ApiFailure::from_answer(
                resp.status(),
                &text,
                &resp.status_text(),
            ))
        }
    }

    /// Sends JSON and answers with the status and body, whatever the status (a caller that reads
    /// a 4xx body of its own shape).
    pub async fn exchange(
        method: &str,
        url: &str,
        body: String,
    ) -> Result<(u16, String), ApiFailure> {
        let body = JsValue::from_str(&body);
        let resp = fetch(method, url, Some((&body, "application/json"))).await?;
        Ok((resp.status(), text_of(&resp).await?))
    }

    /// Posts `body` and saves the answer as a file (the name comes from Content-Disposition).
    pub async fn download(url: &str, body: String, fallback_name: &str) -> Result<(), ApiFailure> {
        let resp = response("POST", url, Some(body)).await?;
        let name = resp
            .headers()
            .get("content-disposition")
            .ok()
            .flatten()
            .and_then(|d| {
                d.split("filename=\"")
                    .nth(1)
                    .map(|r| r.trim_end_matches('"').to_string())
            })
            .unwrap_or_else(|| fallback_name.to_string());
        let blob: web_sys::Blob = JsFuture::from(resp.blob().map_err(failure)?)
            .await
            .map_err(failure)?
            .dyn_into()
            .map_err(failure)?;
        let href = web_sys::Url::create_object_url_with_blob(&blob).map_err(failure)?;
        let doc = web_sys::window()
            .and_then(|w| w.document())
            .ok_or_else(|| ApiFailure::local("no document"))?;
        let a: web_sys::HtmlAnchorElement = doc
            .create_element("a")
            .map_err(failure)?
            .dyn_into()
            .map_err(|_| ApiFailure::local("no anchor element"))?;
        a.set_href(&href);
        a.set_download(&name);
        if let Some(body) = doc.body() {
            let _ = body.append_child(&a);
            a.click();
            let _ = body.remove_child(&a);
        }
        let _ = web_sys::Url::revoke_object_url(&href);
        Ok(())
    }
}

fn body_of<B: Serialize + ?Sized>(body: &B) -> Result<String, ApiFailure> {
    serde_json::to_string(body).map_err(|e| ApiFailure::local(e.to_string()))
}

async fn fetch_text(method: &str, url: &str, body: Option<String>) -> Result<String, ApiFailure> {
    #[cfg(feature = "hydrate")]
    {
        browser::text(method, url, body).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (method, url, body);
        Err(ApiFailure::local("only in the browser"))
    }
}

/// Uploads the file the user picked (`POST url`, the file as the body); the answer parsed as `T`.
#[cfg(feature = "hydrate")]
pub async fn upload<T: DeserializeOwned>(url: &str, file: &web_sys::File) -> Result<T, ApiFailure> {
    parse(&browser::upload(url, file).await?)
}

/// `method url` with `body` as JSON: the status and the body as text, whatever the status.
pub async fn exchange<B: Serialize + ?Sized>(
    method: &str,
    url: &str,
    body: &B,
) -> Result<(u16, String), ApiFailure> {
    let body = body_of(body)?;
    #[cfg(feature = "hydrate")]
    {
        browser::exchange(method, url, body).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (method, url, body);
        Err(ApiFailure::local("only in the browser"))
    }
}

/// `GET url`, the answer parsed as `T`.
pub async fn get<T: DeserializeOwned>(url: &str) -> Result<T, ApiFailure> {
    parse(&fetch_text("GET", url, None).await?)
}

/// `method url` with `body` as JSON, the answer parsed as `T` (`()` for 204).
pub async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: &B,
) -> Result<T, ApiFailure> {
    parse(&fetch_text(method, url, Some(body_of(body)?)).await?)
}

/// `DELETE url`; whatever the answer says besides its status is ignored.
pub async fn delete(url: &str) -> Result<(), ApiFailure> {
    fetch_text("DELETE", url, None).await.map(drop)
}

/// Posts `body` and saves the answer as a file.
pub async fn download<B: Serialize + ?Sized>(
    url: &str,
    body: &B,
    fallback_name: &str,
) -> Result<(), ApiFailure> {
    let body = body_of(body)?;
    #[cfg(feature = "hydrate")]
    {
        browser::download(url, body, fallback_name).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (url, body, fallback_name);
        Err(ApiFailure::local("only in the browser"))
    }
}

/// What stays as it is in a query parameter value: RFC 3986's unreserved characters, and '/' (allowed
/// in a query, and it keeps `?next=/ops` readable).
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// Percent-encodes a query parameter value (UTF-8, upper-case hex). Used by the browser and the
/// server alike.
pub fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_keep_paths_readable_and_escape_the_rest() {
        assert_eq!(encode("/ops"), "/ops");
        assert_eq!(
            encode("nha tho đức bà"),
            "nha%20tho%20%C4%91%E1%BB%A9c%20b%C3%A0"
        );
        assert_eq!(encode("a&b=c?d#e"), "a%26b%3Dc%3Fd%23e");
        assert_eq!(
            encode("2026-11-01T00:00:00Z/.."),
            "2026-11-01T00%3A00%3A00Z/.."
        );
    }
}

//! Calls from the browser to the server's JSON API (same origin, session cookie).

use serde_json::Value;

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

#[cfg(feature = "hydrate")]
mod browser {
    use super::*;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    fn failure(e: JsValue) -> ApiFailure {
        ApiFailure {
            status: 0,
            message: js_sys::Error::from(e)
                .message()
                .as_string()
                .unwrap_or_else(|| "network error".into()),
        }
    }

    pub async fn response(
        method: &str,
        url: &str,
        body: Option<&Value>,
    ) -> Result<web_sys::Response, ApiFailure> {
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        init.set_credentials(web_sys::RequestCredentials::SameOrigin);
        let headers = web_sys::Headers::new().map_err(failure)?;
        headers.set("accept", "application/json").map_err(failure)?;
        if let Some(b) = body {
            headers
                .set("content-type", "application/json")
                .map_err(failure)?;
            init.set_body(&JsValue::from_str(&b.to_string()));
        }
        init.set_headers(&headers);
        let window = web_sys::window().ok_or_else(|| failure(JsValue::from_str("no window")))?;
        let resp = JsFuture::from(window.fetch_with_str_and_init(url, &init))
            .await
            .map_err(failure)?;
        let resp: web_sys::Response = resp.dyn_into().map_err(failure)?;
        if resp.ok() {
            return Ok(resp);
        }
        let status = resp.status();
        let text = match resp.text() {
            Ok(p) => JsFuture::from(p)
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| resp.status_text());
        Err(ApiFailure { status, message })
    }

    pub async fn json(method: &str, url: &str, body: Option<&Value>) -> Result<Value, ApiFailure> {
        let resp = response(method, url, body).await?;
        if resp.status() == 204 {
            return Ok(Value::Null);
        }
        let text = JsFuture::from(resp.text().map_err(failure)?)
            .await
            .map_err(failure)?;
        serde_json::from_str(&text.as_string().unwrap_or_default()).map_err(|e| ApiFailure {
            status: 0,
            message: e.to_string(),
        })
    }

    /// Posts `body` and saves the answer as a file (the name comes from Content-Disposition).
    pub async fn download(url: &str, body: &Value, fallback_name: &str) -> Result<(), ApiFailure> {
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
            .ok_or_else(|| failure(JsValue::NULL))?;
        let a: web_sys::HtmlAnchorElement = doc
            .create_element("a")
            .map_err(failure)?
            .dyn_into()
            .map_err(|_| failure(JsValue::from_str("no anchor element")))?;
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

/// `method url` with an optional JSON body; the JSON answer (Null for 204).
pub async fn call(method: &str, url: &str, body: Option<Value>) -> Result<Value, ApiFailure> {
    #[cfg(feature = "hydrate")]
    {
        browser::json(method, url, body.as_ref()).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (method, url, body);
        Err(ApiFailure {
            status: 0,
            message: "only in the browser".into(),
        })
    }
}

pub async fn download(url: &str, body: Value, fallback_name: &str) -> Result<(), ApiFailure> {
    #[cfg(feature = "hydrate")]
    {
        browser::download(url, &body, fallback_name).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (url, body, fallback_name);
        Err(ApiFailure {
            status: 0,
            message: "only in the browser".into(),
        })
    }
}

/// Percent-encodes a query parameter value ('/' is left as is: it is allowed in a query and keeps
/// `?next=/ops` readable). Used by the browser and the server alike.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

//! The browser's WHEP client: a receive-only RTCPeerConnection whose offer (with all its ICE
//! candidates, no trickle) is POSTed to the server; the answer completes the connection.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    HtmlVideoElement, RtcIceGatheringState, RtcPeerConnection, RtcPeerConnectionState,
    RtcRtpTransceiverDirection, RtcRtpTransceiverInit, RtcSdpType, RtcSessionDescriptionInit,
    RtcTrackEvent,
};

/// One viewing session: the peer connection and the server's session URL (for DELETE).
pub struct WhepSession {
    pub pc: RtcPeerConnection,
    pub location: Option<String>,
    // keeps the ontrack handler alive as long as the session
    _ontrack: wasm_bindgen::closure::Closure<dyn FnMut(RtcTrackEvent)>,
}

fn text(e: JsValue) -> String {
    e.as_string()
        .or_else(|| js_sys::Error::from(e).message().as_string())
        .unwrap_or_else(|| "WebRTC error".into())
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(p).await;
}

/// Why a connection attempt failed: worth retrying, or not (the camera is gone, the user may not
/// watch it, the browser cannot decode it).
pub enum Failure {
    Retry(String),
    Final(String),
}

/// Connects `video` to the camera's live feed. Errors are worded for the operator; the peer
/// connection of a failed attempt is closed.
pub async fn connect(camera: &str, video: &HtmlVideoElement) -> Result<WhepSession, Failure> {
    let pc = RtcPeerConnection::new().map_err(|e| Failure::Retry(text(e)))?;
    let result = negotiate(&pc, camera, video).await;
    if result.is_err() {
        pc.close();
    }
    result
}

async fn negotiate(
    pc: &RtcPeerConnection,
    camera: &str,
    video: &HtmlVideoElement,
) -> Result<WhepSession, Failure> {
    let retry = |e: JsValue| Failure::Retry(text(e));
    let pc = pc.clone();
    let init = RtcRtpTransceiverInit::new();
    init.set_direction(RtcRtpTransceiverDirection::Recvonly);
    pc.add_transceiver_with_str_and_init("video", &init);
    let target = video.clone();
    let ontrack = wasm_bindgen::closure::Closure::<dyn FnMut(RtcTrackEvent)>::new(
        move |ev: RtcTrackEvent| {
            if let Ok(stream) = ev.streams().get(0).dyn_into::<web_sys::MediaStream>() {
                target.set_src_object(Some(&stream));
            } else if let Ok(stream) = web_sys::MediaStream::new() {
                stream.add_track(&ev.track());
                target.set_src_object(Some(&stream));
            }
            target.set_muted(true);
            // a refused play() is retried by the player's watch loop
            if let Ok(p) = target.play() {
                drop(wasm_bindgen_futures::JsFuture::from(p));
            }
        },
    );
    pc.set_ontrack(Some(ontrack.as_ref().unchecked_ref()));
    // the page's tests read getStats() through the element
    let _ = Reflect::set(video, &JsValue::from_str("iocPeer"), &pc);
    let session = WhepSession {
        pc: pc.clone(),
        location: None,
        _ontrack: ontrack,
    };
    let offer = JsFuture::from(pc.create_offer()).await.map_err(retry)?;
    let sdp = Reflect::get(&offer, &JsValue::from_str("sdp"))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    let local = RtcSessionDescriptionInit::new(RtcSdpType::Offer);
    local.set_sdp(&sdp);
    JsFuture::from(pc.set_local_description(&local))
        .await
        .map_err(retry)?;
    // no trickle ICE: wait (at most 2 s) until every candidate is in the offer
    for _ in 0..40 {
        if pc.ice_gathering_state() == RtcIceGatheringState::Complete {
            break;
        }
        sleep(50).await;
    }
    let offer_sdp = pc.local_description().map(|d| d.sdp()).unwrap_or(sdp);
    let (answer, location) = post_offer(camera, &offer_sdp).await?;
    let remote = RtcSessionDescriptionInit::new(RtcSdpType::Answer);
    remote.set_sdp(&answer);
    JsFuture::from(pc.set_remote_description(&remote))
        .await
        .map_err(retry)?;
    Ok(WhepSession {
        location,
        ..session
    })
}

async fn post_offer(camera: &str, sdp: &str) -> Result<(String, Option<String>), Failure> {
    post(camera, sdp).await.map_err(|(status, message)| {
        // 408 and 429 pass; other client errors will not change by asking again
        if (400..500).contains(&status) && status != 408 && status != 429 {
            Failure::Final(message)
        } else {
            Failure::Retry(message)
        }
    })
}

async fn post(camera: &str, sdp: &str) -> Result<(String, Option<String>), (u16, String)> {
    let text = |e: JsValue| (0u16, text(e));
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let headers = web_sys::Headers::new().map_err(text)?;
    headers
        .set("content-type", "application/sdp")
        .map_err(text)?;
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(sdp));
    let window = web_sys::window().ok_or((0, "no window".to_string()))?;
    let url = format!("/api/cameras/{camera}/whep");
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(&url, &init))
        .await
        .map_err(text)?
        .dyn_into()
        .map_err(text)?;
    let body = JsFuture::from(resp.text().map_err(text)?)
        .await
        .map_err(text)?
        .as_string()
        .unwrap_or_default();
    if resp.status() != 201 {
        let message = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| resp.status_text());
        return Err((resp.status(), format!("{message} ({})", resp.status())));
    }
    let location = resp.headers().get("location").ok().flatten();
    Ok((body, location))
}

impl WhepSession {
    pub fn state(&self) -> RtcPeerConnectionState {
        self.pc.connection_state()
    }

    /// Ends the session on both sides (the DELETE is best effort: the server also notices the close).
    pub fn close(&self) {
        self.pc.close();
        if let Some(location) = self.location.clone() {
            wasm_bindgen_futures::spawn_local(async move {
                let _ = crate::api::delete(&location).await;
            });
        }
    }
}

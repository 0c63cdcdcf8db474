//! The video capability's HTTP layer. WHEP (WebRTC-HTTP egress protocol): `POST
//! /api/cameras/{id}/whep` with an SDP offer → `201 Created`, the SDP answer (with the server's
//! candidates: no trickle ICE) and the session's `Location`; `DELETE` on that location ends it.
//! Admins read who watched what at `GET /api/video/views`. The session itself is `whep`'s.

use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::Value;

use super::error::VideoError;
use super::peer::PeerError;
use super::whep::{start_session, Viewer};
use super::{metrics, store, SlotRefused, Video};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::AppState;

/// Largest SDP offer accepted (browsers send 3–8 KiB).
const MAX_OFFER_BYTES: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/cameras/{id}/whep", post(create))
        .route("/api/cameras/{id}/whep/{session}", delete(remove))
        .route("/api/video/views", get(views))
        .merge(metrics::router())
}

/// The offer as text, if it is SDP of an acceptable size.
fn offer_of(headers: &HeaderMap, body: &Bytes) -> Result<String, VideoError> {
    let is_sdp = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("application/sdp"));
    if !is_sdp {
        return Err(VideoError::NotSdp);
    }
    if body.len() > MAX_OFFER_BYTES {
        return Err(VideoError::OfferTooLarge(MAX_OFFER_BYTES));
    }
    std::str::from_utf8(body)
        .map(str::to_string)
        .map_err(|_| VideoError::OfferNotText)
}

async fn create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(camera): Path<String>,
    client: Option<Extension<crate::auth::address::ClientAddress>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let user = principal.user.clone().ok_or(VideoError::SignedOut)?;
    let video = state.video.clone();
    let elsewhere = store::open_elsewhere(&state.pool, &video.config.server_id, user.id).await?;
    let slot = video
        .reserve(user.id, elsewhere)
        .map_err(|refused| match refused {
            SlotRefused::User(cap) => VideoError::TooManySessions(cap),
            SlotRefused::Closing => VideoError::Closing,
            SlotRefused::Server(cap) => VideoError::Full(cap),
        })?;
    let offer = offer_of(&headers, &body)?;
    if !crate::cameras::store::exists(&state.pool, &camera).await? {
        return Err(VideoError::NoCamera(camera).into());
    }
    // The rest runs in a task of its own: a client that hangs up mid-request must not leave a peer
    // connection open or a session registered without its forwarding task (which ends a session
    // nobody connects to).
    let remote = client
        .and_then(|Extension(c)| c.ip)
        .map(|ip| ip.to_string());
    let setup = tokio::spawn({
        let (pool, camera, user, principal, rights) = (
            state.pool.clone(),
            camera.clone(),
            user.clone(),
            principal.clone(),
            state.rights.clone(),
        );
        async move {
            let _slot = slot;
            let (peer, answer) = video
                .peers
                .answer(&offer)
                .await
                .map_err(|e| refusal(&video, e))?;
            let who = Viewer {
                user,
                holder: principal.holder(),
                checked_at: principal.checked_at,
                rights,
            };
            let id = start_session(pool, video, peer, camera, who, remote).await?;
            Ok::<_, VideoError>((id, answer))
        }
    });
    let (id, answer) = setup.await.map_err(|e| VideoError::Setup {
        doing: "set up the viewing session",
        cause: format!("session set-up task failed: {e}"),
    })??;
    tracing::info!(session = %id, camera = %camera, user = %user.username, "viewer session started");
    let location = format!("/api/cameras/{camera}/whep/{id}");
    Ok((
        StatusCode::CREATED,
        [
            (header::CONTENT_TYPE, "application/sdp".to_string()),
            (header::LOCATION, location),
        ],
        answer,
    )
        .into_response())
}

/// The answer to an offer the WebRTC side refused.
fn refusal(video: &Video, e: PeerError) -> VideoError {
    video.counters.whep_refused.fetch_add(1, Ordering::Relaxed);
    match e {
        PeerError::BadOffer(m) => VideoError::BadOffer(m),
        PeerError::NoH264 => VideoError::NoH264,
        PeerError::Internal(m) => VideoError::Setup {
            doing: "set up the WebRTC session",
            cause: format!("WebRTC answer failed: {m}"),
        },
    }
}

/// Ends a session: its owner or an admin. A session another node of the cluster holds (the
/// balancer sent the DELETE elsewhere than the offer) is ended by that node.
async fn remove(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((camera, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let user = principal.user.ok_or(VideoError::SignedOut)?;
    let no_session = || VideoError::NoSession {
        session: id.clone(),
        camera: camera.clone(),
    };
    let Some(session) = state.video.session(&id).filter(|s| s.camera == camera) else {
        let relay = state.video.relay().ok_or_else(no_session)?;
        return match relay
            .end_elsewhere(&id, &camera, user.id, user.is_admin())
            .await
        {
            Some(super::relay::EndAnswer::Ended) => Ok(StatusCode::OK),
            Some(super::relay::EndAnswer::NotYours) => Err(VideoError::NotYours.into()),
            None => Err(no_session().into()),
        };
    };
    if session.user_id != user.id && !user.is_admin() {
        return Err(VideoError::NotYours.into());
    }
    state.video.end_session(&id, "ended by the viewer").await;
    Ok(StatusCode::OK)
}

#[derive(Deserialize)]
struct ViewsQuery {
    camera: Option<String>,
    limit: Option<i64>,
}

/// `GET /api/video/views?camera=&limit=`: the viewing audit, newest first (admins).
async fn views(
    State(state): State<AppState>,
    query: Result<Query<ViewsQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(f) = query.map_err(|e| ApiError::bad_request("query", e.body_text()))?;
    let limit = f.limit.unwrap_or(100);
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::bad_request("limit", "limit must be 1 to 10000"));
    }
    let rows = store::views(&state.pool, f.camera.as_deref(), limit).await?;
    Ok(Json(serde_json::json!({ "views": rows })))
}

//! `GET /metrics`: Prometheus text exposition of the live services, for signed-in admins, a scraper
//! sending `IOC_METRICS_TOKEN` as a Bearer token, and loopback clients (a local Prometheus or node
//! agent) unless the server is behind a trusted proxy (`IOC_TRUSTED_PROXIES`: then every client
//! would look local); anyone else gets 403.

use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{ConnectInfo, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Extension, Router};

use crate::auth::Principal;
use crate::error::ApiError;
use crate::AppState;

/// Counters the video module keeps (gauges are read from the live state when scraped).
#[derive(Default)]
pub struct Counters {
    pub packets_forwarded: AtomicU64,
    pub bytes_forwarded: AtomicU64,
    pub pulls_started: AtomicU64,
    pub whep_sessions: AtomicU64,
    pub whep_refused: AtomicU64,
}

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: axum::http::HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    // behind a proxy on the same host every client is loopback: then only admins and the token
    let loopback = state.config.trusted_proxies.is_empty()
        && peer.is_some_and(|Extension(ConnectInfo(a))| a.ip().is_loopback());
    let admin = principal
        .user
        .as_ref()
        .is_some_and(app::model::SessionUser::is_admin);
    let scraper = match (&state.config.metrics_token, crate::auth::bearer(&headers)) {
        (Some(expected), Some(given)) => {
            use sha2::Digest;
            // compared as digests: equal length, so the comparison's time says nothing
            sha2::Sha256::digest(expected.as_bytes()) == sha2::Sha256::digest(given.as_bytes())
        }
        _ => false,
    };
    if !loopback && !admin && !scraper {
        return Err(ApiError::forbidden(
            if state.config.trusted_proxies.is_empty() {
                "metrics are for loopback clients, admins and the scrape token"
            } else {
                "metrics are for admins and the scrape token (IOC_METRICS_TOKEN)"
            },
        ));
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        render(&state),
    ))
}

fn render(state: &AppState) -> String {
    let v = &state.video;
    let c = &v.counters;
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, lines: Vec<(String, u64)>| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in lines {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let viewers = v.viewers();
    let pulls = v.pull_stats();
    metric(
        "ioc_video_active_pulls",
        "gauge",
        "RTSP pulls running (one per watched camera, however many viewers).",
        vec![(String::new(), pulls.len() as u64)],
    );
    metric(
        "ioc_video_viewers",
        "gauge",
        "WebRTC viewers per pulled camera.",
        viewers
            .iter()
            .map(|(cam, n)| (format!("{{camera=\"{cam}\"}}"), *n as u64))
            .collect(),
    );
    metric(
        "ioc_video_frames_received_total",
        "counter",
        "Access units received from cameras, per active pull.",
        pulls
            .iter()
            .map(|(cam, frames, _)| (format!("{{camera=\"{cam}\"}}"), *frames))
            .collect(),
    );
    let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
    metric(
        "ioc_video_pull_errors_total",
        "counter",
        "Camera source failures (connect, stream ended, stalled).",
        vec![(String::new(), v.pull_errors())],
    );
    metric(
        "ioc_video_pulls_started_total",
        "counter",
        "RTSP pulls started.",
        vec![(String::new(), load(&c.pulls_started))],
    );
    metric(
        "ioc_video_rtp_packets_forwarded_total",
        "counter",
        "RTP packets sent to WebRTC viewers.",
        vec![(String::new(), load(&c.packets_forwarded))],
    );
    metric(
        "ioc_video_rtp_bytes_forwarded_total",
        "counter",
        "RTP payload bytes sent to WebRTC viewers.",
        vec![(String::new(), load(&c.bytes_forwarded))],
    );
    metric(
        "ioc_video_whep_sessions_total",
        "counter",
        "WHEP sessions created.",
        vec![(String::new(), load(&c.whep_sessions))],
    );
    metric(
        "ioc_live_ws_clients",
        "gauge",
        "WebSocket clients connected to /ws.",
        vec![(String::new(), state.live.clients() as u64)],
    );
    metric(
        "ioc_live_events_total",
        "counter",
        "Live events recorded (the last event sequence number).",
        vec![(String::new(), state.live.last_seq().max(0) as u64)],
    );
    out
}

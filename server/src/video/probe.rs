//! A light check of the cameras nobody watches: an RTSP `DESCRIBE` per camera, staggered evenly over
//! the probe period (default 30 s) so a thousand cameras cost a few requests per second, never a burst.
//! Watched cameras are not probed: their pull already knows within seconds.

use std::sync::{Arc, Weak};
use std::time::Duration;

use retina::client::{Session, SessionOptions};

use super::source::{split_credentials, StatusSink};
use super::Video;

const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

pub async fn run(video: Weak<Video>, every: Duration) {
    loop {
        let Some(v) = video.upgrade() else { return };
        let cameras = match crate::cameras::store::to_probe(&v.pool).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "camera probe could not list cameras");
                Vec::new()
            }
        };
        drop(v);
        if cameras.is_empty() {
            tokio::time::sleep(every).await;
            continue;
        }
        let gap = every / cameras.len() as u32;
        let mut tick = tokio::time::interval(gap.max(Duration::from_millis(1)));
        for crate::cameras::store::ToProbe {
            id,
            stream_url: url,
            status,
        } in cameras
        {
            tick.tick().await;
            let Some(v) = video.upgrade() else { return };
            if v.is_pulled(&id) {
                continue;
            }
            let sink: Arc<dyn StatusSink> = v.status.clone();
            let video = video.clone();
            tokio::spawn(async move {
                let online = probe(&url).await;
                // a pull that started meanwhile knows better (the camera may refuse a second session)
                let pulled = video.upgrade().is_none_or(|v| v.is_pulled(&id));
                if !pulled && status != if online { "online" } else { "offline" } {
                    sink.online(&id, online);
                }
            });
        }
    }
}

/// True when the camera answers `DESCRIBE` with an H.264 video stream in time.
pub async fn probe(url: &str) -> bool {
    let Ok((url, creds)) = split_credentials(url) else {
        return false;
    };
    let options = SessionOptions::default()
        .creds(creds)
        .user_agent("ioc-map probe".to_string());
    match tokio::time::timeout(PROBE_TIMEOUT, Session::describe(url, options)).await {
        Ok(Ok(session)) => session
            .streams()
            .iter()
            .any(|s| s.media() == "video" && s.encoding_name().eq_ignore_ascii_case("h264")),
        _ => false,
    }
}

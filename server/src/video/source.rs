//! One camera's RTSP pull (retina, RTSP over TCP interleaved), shared by all of its viewers.
//!
//! The pull keeps the current GOP (every frame since the last keyframe) so a new viewer of an active
//! camera starts at once, and broadcasts each new frame, already cut into ≤1200-byte RTP payloads.
//! It reconnects with backoff while it is wanted, and reports the camera offline within
//! [`STALL_AFTER`] of the source failing (a closed connection is seen at once, a silent one then).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use retina::client::{Credentials, PlayOptions, Session, SessionOptions, SetupOptions, Transport};
use retina::codec::{CodecItem, FrameFormat, ParameterSetInsertion};
use tokio::sync::broadcast;
use url::Url;

use super::packetize;
use crate::cameras::rules::mask_url;

/// No frame for this long and the source counts as failed.
pub const STALL_AFTER: Duration = Duration::from_secs(3);
const BACKOFF_FIRST: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// A GOP longer than this is cut (a camera that never sends keyframes must not grow memory).
const GOP_LIMIT: usize = 300;

/// One access unit, ready to send: RTP payloads shared by every viewer.
#[derive(Debug)]
pub struct Frame {
    /// Presentation time on the camera's 90 kHz RTP clock.
    pub rtp_ts: u32,
    pub keyframe: bool,
    pub payloads: Vec<Bytes>,
    /// Which connection of the pull this frame came from: a viewer restarts from a keyframe and
    /// a fresh timeline when it changes.
    pub generation: u32,
}

/// What a pull tells the rest of the server: its camera went online or offline.
pub trait StatusSink: Send + Sync + 'static {
    fn online(&self, camera: &str, online: bool);
}

impl StatusSink for crate::cameras::status::StatusWriter {
    fn online(&self, camera: &str, online: bool) {
        self.report(camera, online);
    }
}

#[derive(Default)]
pub struct PullCounters {
    pub frames: AtomicU64,
    pub errors: AtomicU64,
}

pub struct Pull {
    pub camera: String,
    gop: Mutex<Vec<Arc<Frame>>>,
    tx: broadcast::Sender<Arc<Frame>>,
    pub counters: PullCounters,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Set when the pull is stopped: its viewers (who still hold it) end instead of waiting forever.
    stopped: tokio::sync::watch::Sender<bool>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Pull {
    /// Starts pulling `url` until [`Pull::stop`].
    pub fn start(camera: &str, url: String, status: Arc<dyn StatusSink>) -> Arc<Pull> {
        let (tx, _) = broadcast::channel(256);
        let pull = Arc::new(Pull {
            camera: camera.to_string(),
            gop: Mutex::new(Vec::new()),
            tx,
            counters: PullCounters::default(),
            task: Mutex::new(None),
            stopped: tokio::sync::watch::channel(false).0,
        });
        let task = tokio::spawn(run(pull.clone(), url, status));
        *lock(&pull.task) = Some(task);
        pull
    }

    pub fn stop(&self) {
        if let Some(t) = lock(&self.task).take() {
            t.abort();
        }
        self.stopped.send_replace(true);
    }

    /// Resolves once the pull has been stopped.
    pub async fn stopped(&self) {
        let mut rx = self.stopped.subscribe();
        let _ = rx.wait_for(|s| *s).await;
    }

    /// The frames since the last keyframe and a receiver for every later one, with nothing lost or
    /// repeated in between (both are taken under the GOP lock that `publish` also holds).
    pub fn subscribe(&self) -> (Vec<Arc<Frame>>, broadcast::Receiver<Arc<Frame>>) {
        let gop = lock(&self.gop);
        (gop.clone(), self.tx.subscribe())
    }

    fn publish(&self, frame: Frame) {
        let frame = Arc::new(frame);
        let mut gop = lock(&self.gop);
        if frame.keyframe {
            gop.clear();
        }
        if gop.len() >= GOP_LIMIT {
            // a camera without keyframes for this long: new viewers wait for the next one rather
            // than get a stale, gapped GOP
            gop.clear();
        } else if frame.keyframe || !gop.is_empty() {
            gop.push(frame.clone());
        }
        // no receiver is fine: viewers come and go
        let _ = self.tx.send(frame);
        self.counters.frames.fetch_add(1, Ordering::Relaxed);
    }

    fn forget_gop(&self) {
        lock(&self.gop).clear();
    }
}

impl Drop for Pull {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn run(pull: Arc<Pull>, url: String, status: Arc<dyn StatusSink>) {
    let mut backoff = BACKOFF_FIRST;
    for generation in 0u32.. {
        let mut got_frames = false;
        let result = stream(&pull, &url, &status, generation, &mut got_frames).await;
        pull.counters.errors.fetch_add(1, Ordering::Relaxed);
        pull.forget_gop();
        status.online(&pull.camera, false);
        if let Err(e) = result {
            tracing::warn!(camera = %pull.camera, url = %mask_url(&url), error = %e, "camera source failed");
        }
        if got_frames {
            backoff = BACKOFF_FIRST;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// Connects, plays and forwards frames until the source fails (never returns Ok).
async fn stream(
    pull: &Pull,
    url: &str,
    status: &Arc<dyn StatusSink>,
    generation: u32,
    got_frames: &mut bool,
) -> Result<(), String> {
    let (url, creds) = split_credentials(url)?;
    let options = SessionOptions::default()
        .creds(creds)
        .user_agent("ioc-map".to_string());
    let mut session = tokio::time::timeout(STALL_AFTER, Session::describe(url, options))
        .await
        .map_err(|_| "no answer to DESCRIBE".to_string())?
        .map_err(|e| e.to_string())?;
    let index = session
        .streams()
        .iter()
        .position(|s| s.media() == "video" && s.encoding_name().eq_ignore_ascii_case("h264"))
        .ok_or("the camera offers no H.264 video stream")?;
    let format = FrameFormat {
        parameter_set_insertion: ParameterSetInsertion::EachKeyFrame,
        ..FrameFormat::MP4
    };
    let setup = SetupOptions::default()
        .transport(Transport::Tcp(Default::default()))
        .frame_format(format);
    tokio::time::timeout(STALL_AFTER, session.setup(index, setup))
        .await
        .map_err(|_| "no answer to SETUP".to_string())?
        .map_err(|e| e.to_string())?;
    let playing = tokio::time::timeout(STALL_AFTER, session.play(PlayOptions::default()))
        .await
        .map_err(|_| "no answer to PLAY".to_string())?
        .map_err(|e| e.to_string())?;
    let mut frames = playing.demuxed().map_err(|e| e.to_string())?;
    let mut last_frame = Instant::now();
    loop {
        let item = tokio::time::timeout(STALL_AFTER, frames.next())
            .await
            .map_err(|_| format!("no frame for {} s", last_frame.elapsed().as_secs()))?;
        match item {
            None => return Err("the camera ended the stream".into()),
            Some(Err(e)) => return Err(e.to_string()),
            Some(Ok(CodecItem::VideoFrame(f))) => {
                last_frame = Instant::now();
                let nals = match packetize::avcc_nals(f.data()) {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::debug!(camera = %pull.camera, error = %e, "frame dropped");
                        continue;
                    }
                };
                let frame = Frame {
                    rtp_ts: f.timestamp().timestamp() as u32,
                    keyframe: f.is_random_access_point() || packetize::is_keyframe(&nals),
                    payloads: packetize::payloads(&nals),
                    generation,
                };
                if !*got_frames {
                    *got_frames = true;
                    status.online(&pull.camera, true);
                }
                pull.publish(frame);
            }
            Some(Ok(_)) => {}
        }
    }
}

/// Takes the user name and password out of an RTSP URL: retina sends them itself (Basic or Digest).
pub fn split_credentials(raw: &str) -> Result<(Url, Option<Credentials>), String> {
    let mut url = Url::parse(raw).map_err(|e| format!("stream URL is not valid: {e}"))?;
    let creds = (!url.username().is_empty()).then(|| Credentials {
        username: decode(url.username()),
        password: decode(url.password().unwrap_or("")),
    });
    // cannot fail for rtsp:// URLs with a host
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok((url, creds))
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_leave_the_url() {
        let raw = "rtsp://admin:p%40ss@10.0.0.5:554/Streaming/Channels/101";
        let (url, creds) = split_credentials(raw).expect("valid");
        assert_eq!(url.as_str(), "rtsp://10.0.0.5:554/Streaming/Channels/101");
        let creds = creds.expect("has credentials");
        assert_eq!(
            (creds.username.as_str(), creds.password.as_str()),
            ("admin", "p@ss")
        );
        assert!(split_credentials("rtsp://127.0.0.1:8554/cam-0001")
            .expect("valid")
            .1
            .is_none());
    }
}

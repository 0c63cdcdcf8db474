//! One camera's RTSP pull (retina, RTSP over TCP interleaved), shared by all of its viewers.
//!
//! The pull keeps the current GOP (every frame since the last keyframe) so a new viewer of an active
//! camera starts at once, and broadcasts each new frame, already cut into ≤1200-byte RTP payloads.
//! It reconnects with backoff while it is wanted, and reports the camera offline within
//! [`STALL_AFTER`] of the source failing (a closed connection is seen at once, a silent one then).
//! The camera connection is behind [`Opener`], so the retry, stall and backoff are tested with a
//! scripted source in paused time (tests below), and the RTSP side end to end (`tests/it/video.rs`).

use crate::sync::lock;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
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

impl Pull {
    /// Starts pulling `url` over RTSP until [`Pull::stop`].
    pub fn start(camera: &str, url: String, status: Arc<dyn StatusSink>) -> Arc<Pull> {
        Pull::start_with(camera, url, status, Arc::new(Rtsp))
    }

    /// Starts pulling `url` through `opener` (a fake one in tests) until [`Pull::stop`].
    pub fn start_with(
        camera: &str,
        url: String,
        status: Arc<dyn StatusSink>,
        opener: Arc<dyn Opener>,
    ) -> Arc<Pull> {
        let (tx, _) = broadcast::channel(256);
        let pull = Arc::new(Pull {
            camera: camera.to_string(),
            gop: Mutex::new(Vec::new()),
            tx,
            counters: PullCounters::default(),
            task: Mutex::new(None),
            stopped: tokio::sync::watch::channel(false).0,
        });
        let task = tokio::spawn(run(pull.clone(), url, status, opener));
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

/// One item of a camera's stream as a source delivers it.
pub enum Item {
    /// An H.264 access unit in AVCC form (length-prefixed NAL units).
    Video {
        /// Presentation time on the camera's 90 kHz RTP clock.
        rtp_ts: u32,
        /// The source marks it as a random access point (a keyframe).
        random_access: bool,
        avcc: Vec<u8>,
    },
    /// Anything else the source sends (audio, RTCP, parameters): it keeps the stall timer going.
    Other,
}

/// Why a camera's pull failed, in words for the log ("no answer to DESCRIBE", "no frame for 10 s"):
/// the pull only logs it and tries again after its backoff.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub String);

impl From<String> for SourceError {
    fn from(s: String) -> SourceError {
        SourceError(s)
    }
}

impl From<&str> for SourceError {
    fn from(s: &str) -> SourceError {
        SourceError(s.to_string())
    }
}

/// A connected camera: its items until it fails or ends.
pub type Items = Pin<Box<dyn Stream<Item = Result<Item, SourceError>> + Send>>;

/// Connects to a camera: RTSP ([`Rtsp`]) in production; the tests of the pull's retry, stall and
/// backoff give it a scripted fake and run in paused time.
pub trait Opener: Send + Sync + 'static {
    fn open(&self, url: String)
        -> Pin<Box<dyn Future<Output = Result<Items, SourceError>> + Send>>;

    /// The last [`Opener::open`] followed another node's pull (`relay`) instead of the camera: its
    /// failure says nothing about the camera, which that node reports on.
    fn followed(&self) -> bool {
        false
    }
}

/// The RTSP client (retina, RTSP over TCP interleaved); each step must answer within [`STALL_AFTER`].
pub struct Rtsp;

impl Opener for Rtsp {
    fn open(
        &self,
        url: String,
    ) -> Pin<Box<dyn Future<Output = Result<Items, SourceError>> + Send>> {
        Box::pin(async move {
            let (url, creds) = split_credentials(&url)?;
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
                .position(|s| {
                    s.media() == "video" && s.encoding_name().eq_ignore_ascii_case("h264")
                })
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
            let frames = playing.demuxed().map_err(|e| e.to_string())?;
            let items: Items = Box::pin(frames.map(|item| match item {
                Ok(CodecItem::VideoFrame(f)) => Ok(Item::Video {
                    rtp_ts: f.timestamp().timestamp() as u32,
                    random_access: f.is_random_access_point(),
                    avcc: f.into_data(),
                }),
                Ok(_) => Ok(Item::Other),
                Err(e) => Err(SourceError(e.to_string())),
            }));
            Ok(items)
        })
    }
}

async fn run(pull: Arc<Pull>, url: String, status: Arc<dyn StatusSink>, opener: Arc<dyn Opener>) {
    let mut backoff = BACKOFF_FIRST;
    for generation in 0u32.. {
        let mut got_frames = false;
        let result = stream(&pull, &url, &status, &*opener, generation, &mut got_frames).await;
        pull.counters.errors.fetch_add(1, Ordering::Relaxed);
        pull.forget_gop();
        if !opener.followed() {
            status.online(&pull.camera, false);
        }
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

/// Connects, plays and forwards frames until the source fails (never returns Ok): a source that
/// sends nothing for [`STALL_AFTER`] has failed.
async fn stream(
    pull: &Pull,
    url: &str,
    status: &Arc<dyn StatusSink>,
    opener: &dyn Opener,
    generation: u32,
    got_frames: &mut bool,
) -> Result<(), SourceError> {
    let mut items = opener.open(url.to_string()).await?;
    let mut last_frame = tokio::time::Instant::now();
    loop {
        let item = tokio::time::timeout(STALL_AFTER, items.next())
            .await
            .map_err(|_| format!("no frame for {} s", last_frame.elapsed().as_secs()))?;
        match item {
            None => return Err("the camera ended the stream".into()),
            Some(Err(e)) => return Err(e),
            Some(Ok(Item::Video {
                rtp_ts,
                random_access,
                avcc,
            })) => {
                last_frame = tokio::time::Instant::now();
                let nals = match packetize::avcc_nals(&avcc) {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::debug!(camera = %pull.camera, error = %e, "frame dropped");
                        continue;
                    }
                };
                let frame = Frame {
                    rtp_ts,
                    keyframe: random_access || packetize::is_keyframe(&nals),
                    payloads: packetize::payloads(&nals),
                    generation,
                };
                if !*got_frames {
                    *got_frames = true;
                    status.online(&pull.camera, true);
                }
                pull.publish(frame);
            }
            Some(Ok(Item::Other)) => {}
        }
    }
}

/// Takes the user name and password out of an RTSP URL: retina sends them itself (Basic or Digest).
pub fn split_credentials(raw: &str) -> Result<(Url, Option<Credentials>), SourceError> {
    let mut url =
        Url::parse(raw).map_err(|e| SourceError(format!("stream URL is not valid: {e}")))?;
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

    /// A scripted camera: each connection in turn fails, or sends some frames and then ends or
    /// goes silent. Records when each connection was asked for.
    struct Script {
        connections: Mutex<std::collections::VecDeque<Connection>>,
        opened_at: Mutex<Vec<tokio::time::Instant>>,
    }

    enum Connection {
        Refused,
        Frames { n: usize, then_silent: bool },
    }

    impl Opener for Script {
        fn open(
            &self,
            _url: String,
        ) -> Pin<Box<dyn Future<Output = Result<Items, SourceError>> + Send>> {
            lock(&self.opened_at).push(tokio::time::Instant::now());
            let next = lock(&self.connections)
                .pop_front()
                .unwrap_or(Connection::Refused);
            Box::pin(async move {
                match next {
                    Connection::Refused => Err("connection refused".into()),
                    Connection::Frames { n, then_silent } => {
                        // a keyframe (NAL type 5) in AVCC form, one every 40 ms
                        let frames = futures_util::stream::iter(0..n).then(|i| async move {
                            tokio::time::sleep(Duration::from_millis(40)).await;
                            Ok(Item::Video {
                                rtp_ts: i as u32 * 3600,
                                random_access: true,
                                avcc: vec![0, 0, 0, 2, 0x65, 0x88],
                            })
                        });
                        let items: Items = if then_silent {
                            Box::pin(frames.chain(futures_util::stream::pending()))
                        } else {
                            Box::pin(frames)
                        };
                        Ok(items)
                    }
                }
            })
        }
    }

    #[derive(Default)]
    struct Reports(Mutex<Vec<(tokio::time::Instant, bool)>>);

    impl StatusSink for Reports {
        fn online(&self, _camera: &str, online: bool) {
            lock(&self.0).push((tokio::time::Instant::now(), online));
        }
    }

    fn script(connections: Vec<Connection>) -> Arc<Script> {
        Arc::new(Script {
            connections: Mutex::new(connections.into()),
            opened_at: Mutex::new(Vec::new()),
        })
    }

    fn gaps(times: &[tokio::time::Instant]) -> Vec<u64> {
        times
            .windows(2)
            .map(|w| (w[1] - w[0]).as_millis() as u64)
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusing_camera_is_retried_with_backoff_up_to_five_seconds() {
        let camera = script(vec![]);
        let reports = Arc::new(Reports::default());
        let pull = Pull::start_with("cam-x", "rtsp://x/".into(), reports.clone(), camera.clone());
        tokio::time::sleep(Duration::from_secs(30)).await;
        pull.stop();
        let opened = lock(&camera.opened_at).clone();
        assert_eq!(gaps(&opened)[..6], [500, 1000, 2000, 4000, 5000, 5000]);
        assert!(lock(&reports.0).iter().all(|(_, online)| !online));
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_camera_goes_offline_after_the_stall_time_and_the_backoff_starts_again() {
        let camera = script(vec![
            Connection::Refused,
            Connection::Refused,
            Connection::Frames {
                n: 5,
                then_silent: true,
            },
            Connection::Frames {
                n: 3,
                then_silent: false,
            },
        ]);
        let reports = Arc::new(Reports::default());
        let start = tokio::time::Instant::now();
        let pull = Pull::start_with("cam-y", "rtsp://y/".into(), reports.clone(), camera.clone());
        let (_, mut frames) = pull.subscribe();
        tokio::time::sleep(Duration::from_secs(20)).await;
        pull.stop();
        let reports = lock(&reports.0).clone();
        let online: Vec<bool> = reports.iter().map(|(_, o)| *o).collect();
        // refused, refused, then online, offline after the silence, online, offline at the end
        assert_eq!(online[..6], [false, false, true, false, true, false]);
        let ms = |t: tokio::time::Instant| (t - start).as_millis() as u64;
        // connected at 1.5 s (0.5 + 1.0 of backoff); the 5th frame at +200 ms; silent for 3 s
        assert_eq!(ms(reports[2].0), 1540);
        assert_eq!(ms(reports[3].0), 1700 + 3000);
        // frames came, so the next try waits only the first backoff again
        let opened = lock(&camera.opened_at).clone();
        assert_eq!(gaps(&opened)[..3], [500, 1000, 3200 + 500]);
        let mut got = 0;
        while let Ok(f) = frames.try_recv() {
            assert!(f.keyframe);
            got += 1;
        }
        assert_eq!(
            got, 8,
            "every frame of both connections reached the viewers"
        );
    }
}

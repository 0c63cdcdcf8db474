//! camsim: a camera simulator serving the District 1 cameras as RTSP/H.264 streams.
//!
//! Each camera is `rtsp://host:port/{camera-id}`: H.264 baseline 640x360 at 15 fps with a keyframe
//! every second, RTP over RTSP/TCP interleaved, FU-A packets up to 3000 bytes like many real
//! cameras, and a capture-time SEI ([`sei`]) in every access unit. In [`Mode::Live`] an ffmpeg
//! process encodes each watched camera (name, wall-clock time and frame counter drawn on the
//! picture); [`Mode::Loop`] replays a clip encoded once at start-up, cheap enough for hundreds of
//! cameras. The server's tests and benchmark run camsim in-process through [`start`].

mod encoder;
mod h264;
mod hub;
mod rtp;
mod rtsp;
pub mod sei;
mod stats;

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

pub use stats::{CameraStats, Stats};

/// One simulated camera; `id` is also its RTSP path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Camera {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// One ffmpeg encoder per watched camera, with the camera's name and the time on the picture.
    #[default]
    Live,
    /// Replays a pre-encoded clip for every watched camera (no ffmpeg per camera).
    Loop,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// RTSP listen address; port 0 picks a free port (see [`Handle::local_addr`]).
    pub listen: SocketAddr,
    pub cameras: Vec<Camera>,
    pub mode: Mode,
    /// The ffmpeg executable.
    pub ffmpeg: PathBuf,
    /// Font for the overlays (DejaVu Sans covers Vietnamese).
    pub font: PathBuf,
    /// How long a camera's producer keeps running after its last viewer left, so that a client
    /// reconnecting quickly does not wait for ffmpeg to start again.
    pub idle_stop: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8554)),
            cameras: Vec::new(),
            mode: Mode::Live,
            ffmpeg: PathBuf::from("ffmpeg"),
            font: PathBuf::from(encoder::DEFAULT_FONT),
            idle_stop: Duration::from_secs(3),
        }
    }
}

/// A running camsim. Dropping it shuts camsim down like [`Handle::shutdown`].
pub struct Handle {
    local_addr: SocketAddr,
    hub: Arc<hub::Hub>,
    shutdown: watch::Sender<bool>,
}

/// Encodes the start-up clip (ffmpeg must work), binds the listener and starts serving on the
/// current tokio runtime.
pub async fn start(config: Config) -> io::Result<Handle> {
    let font = &config.font;
    if !font.exists() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "font {} not found (Debian package fonts-dejavu-core)",
                font.display()
            ),
        ));
    }
    let clip = encoder::encode_clip(&config.ffmpeg, font).await?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let local_addr = listener.local_addr()?;
    let hub = Arc::new(hub::Hub::new(
        hub::HubConfig {
            mode: config.mode,
            ffmpeg: config.ffmpeg,
            font: config.font,
            idle_stop: config.idle_stop,
        },
        Arc::new(clip),
        config.cameras,
    ));
    let (shutdown, shutdown_rx) = watch::channel(false);
    tokio::spawn(rtsp::serve(listener, hub.clone(), shutdown_rx));
    tracing::info!(%local_addr, mode = ?config.mode, "camsim RTSP server listening");
    Ok(Handle {
        local_addr,
        hub,
        shutdown,
    })
}

impl Handle {
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `rtsp://{local_addr}/{id}`.
    pub fn url(&self, id: &str) -> String {
        format!("rtsp://{}/{id}", self.local_addr)
    }

    /// Simulates a camera going offline: its RTSP connections are closed at once and new requests
    /// get 503 until [`Handle::start_camera`]. Returns false for an unknown id.
    pub fn stop_camera(&self, id: &str) -> bool {
        tracing::info!(camera = id, "stopping camera");
        self.hub.stop_camera(id)
    }

    /// Brings a stopped camera back. Returns false for an unknown id.
    pub fn start_camera(&self, id: &str) -> bool {
        tracing::info!(camera = id, "starting camera");
        self.hub.start_camera(id)
    }

    pub fn stats(&self) -> Stats {
        self.hub.stats()
    }

    pub fn cameras(&self) -> Vec<String> {
        self.hub.stats().cameras.into_iter().map(|c| c.id).collect()
    }

    /// Stops accepting connections, closes every session and stops every encoder.
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
        self.hub.shutdown();
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Reads the cameras of a GeoJSON FeatureCollection: the feature `id` (e.g. `cam-0001`, or
/// `properties.stream_path`) and a name from `name_vi`, `name_en` or `name`.
pub fn cameras_from_geojson(path: impl AsRef<Path>) -> io::Result<Vec<Camera>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path)?;
    let invalid = |why: String| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {why}", path.display()),
        )
    };
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    let features = doc["features"]
        .as_array()
        .ok_or_else(|| invalid("no features array".into()))?;
    let mut cameras = Vec::with_capacity(features.len());
    for feature in features {
        let props = &feature["properties"];
        let id = props["stream_path"]
            .as_str()
            .or_else(|| feature["id"].as_str())
            .filter(|id| !id.is_empty() && !id.contains(['/', '?', '#', ' ']))
            .ok_or_else(|| invalid(format!("feature without a usable id: {}", feature["id"])))?;
        let name = ["name_vi", "name_en", "name"]
            .iter()
            .find_map(|k| props[*k].as_str())
            .unwrap_or(id);
        cameras.push(Camera {
            id: id.to_string(),
            name: name.to_string(),
        });
    }
    Ok(cameras)
}

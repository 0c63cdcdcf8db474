//! Counters for tests, benchmarks and the control API's `GET /stats`.

use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraStats {
    pub id: String,
    /// False after `stop_camera` until `start_camera`.
    pub enabled: bool,
    /// RTSP sessions set up for this camera (playing or not).
    pub sessions: usize,
    /// Sessions receiving frames.
    pub playing: usize,
    /// A frame producer (live encoder or clip loop) is running.
    pub producing: bool,
    /// A live-mode ffmpeg process is running.
    pub ffmpeg_running: bool,
    /// Frames produced since camsim started.
    pub frames: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub cameras: Vec<CameraStats>,
}

impl Stats {
    pub fn camera(&self, id: &str) -> Option<&CameraStats> {
        self.cameras.iter().find(|c| c.id == id)
    }

    pub fn ffmpeg_processes(&self) -> usize {
        self.cameras.iter().filter(|c| c.ffmpeg_running).count()
    }

    pub fn playing_sessions(&self) -> usize {
        self.cameras.iter().map(|c| c.playing).sum()
    }

    /// Totals, plus per-camera entries for cameras that are busy or stopped (1,132 idle entries
    /// would drown the interesting ones).
    pub fn to_json(&self) -> Value {
        let cameras: Vec<Value> = self
            .cameras
            .iter()
            .filter(|c| !c.enabled || c.sessions > 0 || c.playing > 0 || c.producing)
            .map(|c| {
                json!({
                    "id": c.id,
                    "enabled": c.enabled,
                    "sessions": c.sessions,
                    "playing": c.playing,
                    "producing": c.producing,
                    "ffmpeg": c.ffmpeg_running,
                    "frames": c.frames,
                })
            })
            .collect();
        json!({
            "cameras_total": self.cameras.len(),
            "playing_sessions": self.playing_sessions(),
            "ffmpeg_processes": self.ffmpeg_processes(),
            "producers": self.cameras.iter().filter(|c| c.producing).count(),
            "cameras": cameras,
        })
    }
}

//! ffmpeg invocations: the start-up clip (SPS/PPS for every SDP, and the frames of loop mode) and
//! the live encoder of a watched camera. Both use identical x264 settings so that the in-band
//! SPS/PPS of a live stream equal the ones announced in DESCRIBE.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::{Child, Command};

use crate::h264::{self, AccessUnit, ParameterSets};

pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 360;
pub const FPS: u32 = 15;
/// Keyframe every second.
pub const GOP: u32 = FPS;
/// Frames in the start-up clip: whole GOPs, so looping it keeps one IDR per second.
pub const CLIP_FRAMES: u32 = 3 * GOP;

pub const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// Encoder arguments shared by the clip and live encoders (after the filter graph).
fn x264_args() -> Vec<String> {
    let gop = GOP.to_string();
    [
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-tune",
        "zerolatency",
        "-profile:v",
        "baseline",
        "-pix_fmt",
        "yuv420p",
        "-threads",
        "1",
        "-g",
        &gop,
        "-keyint_min",
        &gop,
        "-sc_threshold",
        "0",
        "-bf",
        "0",
        "-x264-params",
        "aud=1",
    ]
    .iter()
    .map(std::string::ToString::to_string)
    .collect()
}

fn source() -> String {
    format!("testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}")
}

/// Escapes a value for use inside a filter-graph option (`fontfile=...`, `textfile=...`).
fn filter_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\'', "\\'")
        .replace(':', "\\:")
        .replace(',', "\\,")
}

fn drawtext(font: &Path, textfile: &Path) -> String {
    format!(
        "drawtext=fontfile='{}':textfile='{}':fontsize=18:fontcolor=white:box=1:\
         boxcolor=black@0.6:boxborderw=6:x=8:y=8:line_spacing=6",
        filter_escape(&font.to_string_lossy()),
        filter_escape(&textfile.to_string_lossy()),
    )
}

/// Escapes text for drawtext's expansion (`%{...}` and `\` are special).
fn expansion_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%")
}

/// The overlay of a live camera: its name, the wall-clock time with milliseconds, the frame
/// counter. The filter graph sets each frame's pts to the wall clock (`RTCTIME`) before drawtext
/// so `%{pts:localtime}` and `t` show when the frame was made, then restores regular pts.
pub fn live_overlay_text(name: &str, id: &str) -> String {
    format!(
        "{}\n{}   %{{pts:localtime:0:%Y-%m-%d %H\\:%M\\:%S}}.%{{eif:mod(floor(t*1000),1000):d:3}}\nframe %{{frame_num}}",
        expansion_escape(name),
        expansion_escape(id)
    )
}

/// Temporary file holding a drawtext text; removed when dropped. A file avoids escaping camera
/// names (Vietnamese, quotes, colons) through two levels of filter-graph syntax.
pub struct TextFile(PathBuf);

impl TextFile {
    pub fn create(tag: &str, text: &str) -> io::Result<Self> {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let safe: String = tag
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let path =
            std::env::temp_dir().join(format!("camsim-{}-{n}-{safe}.txt", std::process::id()));
        std::fs::write(&path, text)?;
        Ok(Self(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TextFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The encoded start-up clip.
pub struct Clip {
    pub access_units: Vec<AccessUnit>,
    pub params: ParameterSets,
}

/// Encodes [`CLIP_FRAMES`] frames of a test pattern with a frame-counter overlay into memory.
pub async fn encode_clip(ffmpeg: &Path, font: &Path) -> io::Result<Clip> {
    let text = TextFile::create("clip", "camsim loop\nclip frame %{frame_num}")?;
    let mut cmd = Command::new(ffmpeg);
    cmd.args([
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
    ])
    .arg(source())
    .arg("-vf")
    .arg(drawtext(font, text.path()))
    .args(["-frames:v", &CLIP_FRAMES.to_string()])
    .args(x264_args())
    .args(["-f", "h264", "-"])
    .stdin(Stdio::null())
    .kill_on_drop(true);
    let out = cmd
        .output()
        .await
        .map_err(|e| io::Error::new(e.kind(), format!("cannot run {}: {e}", ffmpeg.display())))?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "ffmpeg failed to encode the start-up clip ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let access_units = h264::access_units(&out.stdout);
    let params = access_units
        .first()
        .filter(|au| au.keyframe)
        .and_then(ParameterSets::from_access_unit)
        .ok_or_else(|| io::Error::other("start-up clip does not start with SPS, PPS and IDR"))?;
    if access_units.len() != CLIP_FRAMES as usize {
        return Err(io::Error::other(format!(
            "start-up clip has {} access units, expected {CLIP_FRAMES}",
            access_units.len()
        )));
    }
    Ok(Clip {
        access_units,
        params,
    })
}

/// Spawns the live encoder of one camera, writing raw H.264 (Annex B, AUD-delimited) to stdout
/// at real-time pace. `kill_on_drop` so that stopping a camera or camsim never leaves ffmpeg behind.
pub fn spawn_live(ffmpeg: &Path, font: &Path, textfile: &Path) -> io::Result<Child> {
    let filter = format!(
        "setpts=RTCTIME/(TB*1000000),{},setpts=N/({FPS}*TB)",
        drawtext(font, textfile)
    );
    Command::new(ffmpeg)
        .args([
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-re",
            "-f",
            "lavfi",
            "-i",
        ])
        .arg(source())
        .arg("-vf")
        .arg(filter)
        .args(x264_args())
        // one write per encoded frame, as soon as it is encoded
        .args([
            "-flush_packets",
            "1",
            "-avioflags",
            "direct",
            "-f",
            "h264",
            "-",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
}

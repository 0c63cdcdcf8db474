//! Frame producers: a live ffmpeg encoder per watched camera, or a replay of the start-up clip.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::AsyncReadExt;
use tokio::process::Child;
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;

use super::{CamState, Frame, Hub};
use crate::encoder::{self, TextFile, FPS};
use crate::h264::{self, AccessUnit, AnnexBSplitter};
use crate::{sei, Camera, Mode};

/// How long the ffmpeg pipe must stay quiet before the buffered tail counts as a complete NAL
/// unit. ffmpeg writes each encoded frame with one write (`-avioflags direct`), so a short pause
/// means the frame is complete; waiting for the next frame's start code would add 66 ms.
const IDLE_FLUSH: Duration = Duration::from_millis(3);
/// Pause before restarting an ffmpeg that exited or failed to start.
const RESTART_DELAY: Duration = Duration::from_secs(1);

/// Stamps and publishes frames for one camera.
struct Publisher {
    tx: broadcast::Sender<Arc<Frame>>,
    counter: Arc<AtomicU64>,
    number: u32,
}

impl Publisher {
    /// `capture_us` is taken here, when the frame is handed to the RTP senders.
    fn publish(&mut self, au: &AccessUnit) {
        let capture_us = chrono::Utc::now().timestamp_micros();
        let sei = Bytes::from(sei::build(capture_us, self.number));
        let frame = Frame {
            nals: au.with_sei(sei),
            capture_us,
            keyframe: au.keyframe,
        };
        self.number = self.number.wrapping_add(1);
        self.counter.fetch_add(1, Ordering::Relaxed);
        // no receivers is fine: the last viewer just left and the idle timer will stop us
        let _ = self.tx.send(Arc::new(frame));
    }
}

pub(super) fn spawn(
    hub: &Arc<Hub>,
    camera: &Camera,
    tx: broadcast::Sender<Arc<Frame>>,
    st: &CamState,
    stop: oneshot::Receiver<()>,
) -> JoinHandle<()> {
    let publisher = Publisher {
        tx,
        counter: st.frames.clone(),
        number: 0,
    };
    tracing::info!(camera = %camera.id, mode = ?hub.config.mode, "starting producer");
    match hub.config.mode {
        Mode::Loop => tokio::spawn(run_loop(hub.clip.clone(), publisher, stop)),
        Mode::Live => tokio::spawn(run_live(
            hub.clone(),
            camera.clone(),
            publisher,
            st.encoder_running.clone(),
            stop,
        )),
    }
}

/// Replays the clip's access units at 15 fps with fresh capture times.
async fn run_loop(
    clip: Arc<encoder::Clip>,
    mut publisher: Publisher,
    mut stop: oneshot::Receiver<()>,
) {
    let mut ticker = tokio::time::interval(Duration::from_nanos(1_000_000_000 / u64::from(FPS)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let count = clip.access_units.len();
    let mut index = 0;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = &mut stop => return,
        }
        publisher.publish(&clip.access_units[index]);
        index = (index + 1) % count;
    }
}

/// Runs ffmpeg for one camera, restarting it if it exits, until the task is aborted.
async fn run_live(
    hub: Arc<Hub>,
    camera: Camera,
    mut publisher: Publisher,
    running: Arc<AtomicBool>,
    mut stop: oneshot::Receiver<()>,
) {
    let text = match TextFile::create(
        &camera.id,
        &encoder::live_overlay_text(&camera.name, &camera.id),
    ) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(camera = %camera.id, "cannot write overlay text file: {e}");
            return;
        }
    };
    loop {
        match encoder::spawn_live(&hub.config.ffmpeg, &hub.config.font, text.path()) {
            Ok(mut child) => {
                running.store(true, Ordering::Relaxed);
                let result = tokio::select! {
                    r = read_live(&mut child, &mut publisher) => r,
                    _ = &mut stop => {
                        // kill and reap
                        let _ = child.kill().await;
                        running.store(false, Ordering::Relaxed);
                        return;
                    }
                };
                running.store(false, Ordering::Relaxed);
                if let Err(e) = result {
                    tracing::warn!(camera = %camera.id, "ffmpeg output: {e}");
                }
                let _ = child.kill().await;
                tracing::warn!(camera = %camera.id, "ffmpeg exited, restarting");
            }
            Err(e) => tracing::error!(camera = %camera.id, "cannot start ffmpeg: {e}"),
        }
        tokio::select! {
            () = tokio::time::sleep(RESTART_DELAY) => {}
            _ = &mut stop => return,
        }
    }
}

/// Splits ffmpeg's Annex B output into access units and publishes each as soon as its slice is
/// complete (x264 writes one slice per frame with `-threads 1`).
async fn read_live(child: &mut Child, publisher: &mut Publisher) -> std::io::Result<()> {
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| std::io::Error::other("ffmpeg stdout not piped"))?;
    let mut splitter = AnnexBSplitter::default();
    let mut pending: Vec<Bytes> = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let read = if splitter.is_empty() {
            stdout.read(&mut buf).await
        } else {
            match tokio::time::timeout(IDLE_FLUSH, stdout.read(&mut buf)).await {
                Ok(r) => r,
                Err(_) => {
                    if let Some(nal) = splitter.flush() {
                        on_nal(nal, &mut pending, publisher);
                    }
                    continue;
                }
            }
        };
        let n = read?;
        if n == 0 {
            let status = child.wait().await?;
            return Err(std::io::Error::other(format!("ffmpeg ended: {status}")));
        }
        splitter.push(&buf[..n]);
        while let Some(nal) = splitter.next_nal() {
            on_nal(nal, &mut pending, publisher);
        }
    }
}

fn on_nal(nal: Bytes, pending: &mut Vec<Bytes>, publisher: &mut Publisher) {
    let slice = h264::is_slice(&nal);
    pending.push(nal);
    if slice {
        if let Some(au) = AccessUnit::from_nals(pending.drain(..)) {
            publisher.publish(&au);
        }
    }
}
